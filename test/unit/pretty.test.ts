/** --format pretty: human units, aligned by device, rates from two readings, the live view's frames; text cut and wrapped to a width. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bool, float, int, str, type Metric } from '../../src/lineprotocol.js';
import { pretty, Watch } from '../../src/pretty/index.js';
import { sparkline } from '../../src/pretty/table.js';
import { columns, cut } from '../../src/pretty/text.js';
import { bitsPerSecond, human } from '../../src/pretty/units.js';
import { lines } from '../support/helpers.js';

describe('pretty', () => {
  it('writes values in the unit their name says', () => {
    assert.equal(human('rx_bytes', int(4_076_401_561n)), '3.80 GiB');
    assert.equal(human('link_speed_mbps', int(10_000)), '10.0 Gbit/s');
    assert.equal(human('usage_pct', float(0.48828125)), '0.49%');
    assert.equal(human('rate_kbps', int(48_210)), '48.2 Mbit/s');
    assert.equal(human('noise_margin_db', float(7.1)), '7.1 dB');
    assert.equal(human('rx_power_dbm', float(-18.3)), '-18.3 dBm');
    assert.equal(human('uptime_s', int(8_164_411)), '94d 11h');
    assert.equal(human('rx_pkts', int(109_068_990n)), '109,068,990');
    assert.equal(human('connected', bool(true)), 'yes');
    assert.equal(human('duplex', str('full')), 'full');
    assert.equal(bitsPerSecond(12_345_678), '12.3 Mbit/s');
    // Three digits as rounded: never `10.00 Mbit/s` (a column wider than its values) nor `1000 kbit/s`.
    assert.deepEqual([9_999_999, 999_700, 999.7, 99_960].map(bitsPerSecond), ['10.0 Mbit/s', '1.00 Mbit/s', '1.00 kbit/s', '100 kbit/s']);
    assert.equal(human('rx_bytes', int(1_073_741_823n)), '1.00 GiB');
    assert.equal(human('rx_bytes', int(1023n)), '1023 B');
  });

  it('groups by device: its status and shared tags said once, a row per line, rates from two readings', () => {
    const at = (rx: bigint): Metric[] => [
      { name: 'net', tags: { host: 'router', region: 'home' }, fields: { rx_bytes: int(rx), tx_bytes: int(1000n), rx_err: int(17n), tx_err: int(0n) } },
      { name: 'homenet_wan', tags: { host: 'router', region: 'home' }, fields: { link_up: bool(true), link_speed_mbps: int(10_000n), duplex: str('full') } },
      { name: 'homenet_scrape', tags: { host: 'router', type: 'att' }, fields: { success: bool(true), duration_ms: int(12) } },
      { name: 'homenet_scrape', tags: { host: 'den', type: 'sonos' }, fields: { success: bool(false), duration_ms: int(3), error: str('connection refused') } },
    ];
    // A 32-bit wrap between the readings still gives the right rate; the unit sits beside its number.
    const text = pretty(at(1_000_000n), at(2n ** 32n - 250_000n), 10);
    assert.equal(
      text,
      [
        '  row             rx        tx      rx rate      tx rate   err  status',
        'router · att · ok in 12 ms · region=home',
        '  net        977 KiB    1000 B  1.00 Mbit/s      0 bit/s  17/0',
        '  wan       link up · link speed 10.0 Gbit/s · full',
        'den · sonos · FAILED in 3 ms',
        '  connection refused',
        '',
      ].join('\n'),
    );
  });

  /**
   * A household's lines as collect prints them: each speaker's under its own
   * host tag, then the household's scrape line under its section's; then a
   * device of its own, failed, whose host tag is one of the speakers'.
   */
  const household = (rx: bigint): Metric[] => [
    { name: 'net', tags: { host: 'Living Room (L)', interface: 'br0', region: 'home' }, fields: { rx_bytes: int(rx), tx_bytes: int(0n), rx_err: int(0n), tx_err: int(0n) } },
    { name: 'homenet_system', tags: { host: 'Living Room (L)', model: 'Sonos One', firmware: '85.0', region: 'home' }, fields: { info: int(1n) } },
    { name: 'net', tags: { host: 'Den', interface: 'br0', region: 'home' }, fields: { rx_bytes: int(rx * 2n), tx_bytes: int(0n), rx_err: int(0n), tx_err: int(0n) } },
    { name: 'homenet_scrape', tags: { host: 'sonos', type: 'sonos-household', region: 'home' }, fields: { success: bool(true), duration_ms: int(20), values_omitted: int(0n) } },
    { name: 'homenet_scrape', tags: { host: 'Den', type: 'sonos', region: 'home' }, fields: { success: bool(false), duration_ms: int(4), error: str('connection refused') } },
  ];

  it("gives a household's speakers the household's status, not the one of the device their host tag names", () => {
    assert.equal(
      pretty(household(2000n), household(1000n), 1, 80),
      [
        '  row             rx        tx      rx rate      tx rate  err  status',
        'sonos · sonos-household · ok in 20 ms · region=home',
        'Living Room (L) · ok',
        '  Sonos One · firmware 85.0',
        '  br0       1.95 KiB       0 B  8.00 kbit/s      0 bit/s  0/0',
        'Den · ok',
        '  br0       3.91 KiB       0 B  16.0 kbit/s      0 bit/s  0/0',
        'Den · sonos · FAILED in 4 ms · region=home',
        '  connection refused',
        '',
      ].join('\n'),
    );
    const watch = new Watch();
    watch.frame(household(1000n), 0, 80);
    const frame = watch.frame(household(2000n), 1000, 80);
    assert.deepEqual(
      frame.split('\n').filter((l) => /^\S/.test(l) && !l.startsWith('sonos')),
      ['Living Room (L) · ok · Sonos One · firmware 85.0', 'Den · ok', 'Den · sonos · FAILED in 4 ms · region=home'],
      frame,
    );
  });

  it('wraps long text to the width it is given, between parts, never inside "19.5 dB"', () => {
    const m: Metric[] = [
      {
        name: 'homenet_dsl',
        tags: { host: 'router', line: '1', direction: 'down' },
        fields: { rate_kbps: int(48_210), max_rate_kbps: int(51_022), noise_margin_db: float(7.1), attenuation_db: float(19.5), output_power_dbm: float(14.2) },
      },
    ];
    const text = pretty(m, undefined, 0, 60);
    assert.deepEqual(text.split('\n').slice(2, 5), [
      '  dsl 1 down  rate 48.2 Mbit/s · max rate 51.0 Mbit/s',
      '              noise margin 7.1 dB · attenuation 19.5 dB',
      '              output power 14.2 dBm',
    ]);
  });

  it("rates: two devices' lines under one host tag each have their own; two lines of one device under one key have none", () => {
    const at = (a: bigint, b: bigint): Metric[] => [
      // A household with two speakers of one name: their lines cannot be told apart from one gather to the next.
      { name: 'net', tags: { host: 'Kitchen', interface: 'br0' }, fields: { rx_bytes: int(a) } },
      { name: 'net', tags: { host: 'Kitchen', interface: 'br0' }, fields: { rx_bytes: int(b) } },
      { name: 'homenet_scrape', tags: { host: 'sonos', type: 'sonos-household' }, fields: { success: bool(true) } },
      // A speaker of that name as a device of its own.
      { name: 'net', tags: { host: 'Kitchen', interface: 'br0' }, fields: { rx_bytes: int(a) } },
      { name: 'homenet_scrape', tags: { host: 'Kitchen', type: 'sonos' }, fields: { success: bool(true) } },
    ];
    const text = pretty(at(1_000_000_000n, 5_000_000_000n), at(999_000_000n, 4_999_000_000n), 10);
    assert.match(text, /^Kitchen · ok\n {2}br0 +954 MiB\n {2}br0 +4\.66 GiB\n/m, text);
    assert.match(text, /^Kitchen · sonos · ok\n {2}br0 +954 MiB +800 kbit\/s/m, text);
    assert.equal(text.match(/kbit\/s/g)?.length, 1, text);
  });

  /** A gateway's lines with the widest value each column holds, and a row name longer than a narrow window keeps. */
  const wide = (k: bigint): Metric[] => [
    {
      name: 'net',
      tags: { host: 'router' },
      fields: { rx_bytes: int(1000n * 2n ** 30n - (1000n - k) * 12_487_500n), tx_bytes: int(999n * 2n ** 20n), rx_err: int(12_345n), tx_err: int(0n), tx_drop: int(1_200_408n) },
    },
    {
      name: 'homenet_lan',
      tags: { host: 'router', interface: 'wifi-2.4ghz-guest' },
      fields: { rx_bytes: int(k * 12_487n), tx_bytes: int(0n), rx_err: int(0n), tx_err: int(0n), up: bool(true), speed_bps: int(1_000_000_000n) },
    },
    { name: 'homenet_lan', tags: { host: 'router', interface: 'lan' }, fields: { rx_pkts: int(99_900_000n), tx_pkts: int(20_000_000n), rx_err: int(0n), tx_err: int(0n) } },
    {
      name: 'homenet_wan',
      tags: { host: 'router' },
      fields: { connected: bool(true), source: str('FIBER'), network_type: str('Lightspeed'), link_up: bool(true), link_speed_mbps: int(10_000n), duplex: str('full') },
    },
    {
      name: 'homenet_system',
      tags: { host: 'router', manufacturer: 'NOKIA', model: 'BGW320-505', firmware: '6.30.5', hardware: '02001E0046004F', serial: 'SIM320X0004217' },
      fields: { uptime_s: int(1_209_600n) },
    },
    { name: 'homenet_scrape', tags: { host: 'router', type: 'att', region: 'home' }, fields: { success: bool(true), duration_ms: int(4000) } },
  ];

  for (const width of [80, 120]) {
    it(`at ${width} columns every line fits, every heading is there and every number whole; names are cut first`, () => {
      const watch = new Watch();
      watch.frame(wide(0n), 0, width);
      const views = { pretty: pretty(wide(1000n), wide(0n), 1000, width), watch: watch.frame(wide(1000n), 1000_000, width) };
      for (const [view, text] of Object.entries(views)) {
        const rows = lines(text);
        assert.deepEqual(
          rows.filter((l) => columns(l) > width),
          [],
          `${view}:\n${text}`,
        );
        // The totals make way for the live view's history at 80 columns, and only there.
        const totals = view === 'pretty' || width > 80;
        const heads = ['row', ...(totals ? ['rx', 'tx'] : []), 'rx rate', 'tx rate', ...(view === 'watch' ? ['history'] : []), 'err', 'status'];
        assert.match(rows[0] ?? '', new RegExp(`^  ${heads.join(' +')}$`), `${view}:\n${text}`);
        for (const n of ['99.9 Mbit/s', '99.9 kbit/s', '12345/0', ...(totals ? ['1000 GiB', '999 MiB', '99.9M pkt', '20.0M pkt'] : [])]) assert.ok(text.includes(n), `${view}: ${n}\n${text}`);
        assert.ok(text.includes(width > 80 ? 'lan wifi-2.4ghz-guest ' : 'lan wifi-2.4'), `${view}:\n${text}`);
      }
      // On a screen, one line a row: the status is cut between parts or words, never inside a number.
      assert.match(views.watch, width > 80 ? /^ {2}net .* 12345\/0 {2}tx drop 1,200,408$/m : /^ {2}net .* 12345\/0 {2}tx drop …$/m, views.watch);
      assert.match(views.pretty, /^ {2}net .* 12345\/0\n? +tx drop 1,200,408$/m, views.pretty);
    });
  }

  it('cuts text between parts or words, never inside a number, and counts wide characters as two columns', () => {
    assert.equal(cut('up · 5.00 Gbit/s · rx drop 52', 12), 'up · …');
    assert.equal(cut('rx drop 1,200,408', 12), 'rx drop …');
    assert.equal(cut('connected · FIBER · Lightspeed · link up · link speed 10.0 Gbit/s', 40), 'connected · FIBER · Lightspeed · …');
    assert.equal(cut('SIM320X0004217', 8), 'SIM320X…');
    assert.deepEqual([columns('リビング'), columns('Küche'), columns('Ku\u0308che'), columns('▁▂█ · …')], [8, 5, 5, 7]);
    // A household whose speakers are named in Japanese, one of them with a C1 control character in its name.
    const speakers = (rx: bigint): Metric[] => [
      { name: 'net', tags: { host: 'リビングルームのスピーカー左', interface: 'br0' }, fields: { rx_bytes: int(rx), tx_bytes: int(0n), rx_err: int(0n), tx_err: int(0n), rx_drop: int(1_200_408n) } },
      {
        name: 'homenet_system',
        tags: { host: 'リビングルームのスピーカー左', model: 'Sonos One', firmware: '85.0-64200', hardware: '1.20.1.6-1.2', serial: '5C-AA-FD-00-00-10:A' },
        fields: { info: int(1n) },
      },
      { name: 'net', tags: { host: 'Den\u009b2J', interface: 'br0' }, fields: { rx_bytes: int(rx), tx_bytes: int(0n) } },
      { name: 'homenet_scrape', tags: { host: 'sonos', type: 'sonos-household' }, fields: { success: bool(true), duration_ms: int(5) } },
    ];
    const watch = new Watch();
    watch.frame(speakers(0n), 0, 80);
    const frame = watch.frame(speakers(1000n), 1000, 80);
    assert.deepEqual(
      lines(frame).filter((l) => columns(l) > 80),
      [],
      frame,
    );
    assert.match(frame, /^リビングルームのスピーカー左 · ok · Sonos One · firmware 85\.0-64200 · …$/m, frame);
    assert.ok(frame.includes('Den\\x9b2J · ok') && !frame.includes('\u009b'), frame);
  });

  it('watch: each frame has the rates since the one before and a sparkline of them', () => {
    const watch = new Watch();
    const at = (rx: bigint): Metric[] => [{ name: 'net', tags: { host: 'gw' }, fields: { rx_bytes: int(rx), tx_bytes: int(0n) } }];
    watch.frame(at(0n), 0, 100);
    watch.frame(at(1000n), 1000, 100);
    watch.frame(at(5000n), 2000, 100);
    const frame = watch.frame(at(6000n), 3000, 100);
    assert.match(frame, /^ {2}net +5\.86 KiB +0 B +8\.00 kbit\/s +0 bit\/s +▃█▃$/m, frame);
    assert.equal(sparkline([0, 0], 4), '  ▁▁');
  });
});
