/** --format pretty: human units, aligned by device, rates from two readings. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bool, float, int, str, type Metric } from '../src/lineprotocol.js';
import { bitsPerSecond, human, pretty } from '../src/pretty.js';
import { startSimulator, type Simulator } from '../src/simulate/server.js';
import { runBin } from './support/helpers.js';

describe('pretty', () => {
  it('writes values in the unit their name says', () => {
    assert.equal(human('rx_bytes', int(4_076_401_561n)), '3.8 GiB');
    assert.equal(human('rate_kbps', int(48_210)), '48.2 Mbit/s');
    assert.equal(human('noise_margin_db', float(7.1)), '7.1 dB');
    assert.equal(human('rx_power_dbm', float(-18.3)), '-18.3 dBm');
    assert.equal(human('uptime_s', int(8_164_411)), '94d 11h');
    assert.equal(human('rx_pkts', int(109_068_990n)), '109,068,990');
    assert.equal(human('connected', bool(true)), 'yes');
    assert.equal(human('duplex', str('full')), 'full');
    assert.equal(bitsPerSecond(12_345_678), '12.3 Mbit/s');
  });

  it('groups by device, says how each read went, and turns two readings into bits per second', () => {
    const at = (rx: bigint): Metric[] => [
      { name: 'net', tags: { host: 'router' }, fields: { rx_bytes: int(rx), tx_bytes: int(1000n) } },
      { name: 'homenet_scrape', tags: { host: 'router', type: 'att' }, fields: { success: bool(true), duration_ms: int(12) } },
      { name: 'homenet_scrape', tags: { host: 'den', type: 'sonos' }, fields: { success: bool(false), duration_ms: int(3), error: str('connection refused') } },
    ];
    // A 32-bit wrap between the readings still gives the right rate.
    const text = pretty(at(1_000_000n), at(2n ** 32n - 250_000n), 10);
    assert.equal(
      text,
      'router (att): ok in 12 ms\n  net         [rx 1.0 Mbit/s, tx 0 bit/s]  rx_bytes=976.6 KiB  tx_bytes=1000 B\nden (sonos): FAILED in 3 ms - connection refused\n',
    );
  });

  it('shows no rate for a line two devices print with one host tag: it would mix their counters', () => {
    const at = (a: bigint, b: bigint): Metric[] => [
      { name: 'net', tags: { host: 'Kitchen', interface: 'br0' }, fields: { rx_bytes: int(a) } },
      { name: 'net', tags: { host: 'Kitchen', interface: 'br0' }, fields: { rx_bytes: int(b) } },
      { name: 'net', tags: { host: 'Den', interface: 'br0' }, fields: { rx_bytes: int(a) } },
    ];
    const text = pretty(at(1_000_000_000n, 5_000_000_000n), at(999_000_000n, 4_999_000_000n), 10);
    assert.match(text, /^Kitchen: FAILED\n {2}net br0 {5}rx_bytes=953\.7 MiB\n {2}net br0 {5}rx_bytes=4\.7 GiB\n/, text);
    assert.equal(text.match(/\[rx /g)?.length, 1, text);
    assert.match(text, /^Den:.*\n {2}net br0 +\[rx 800\.0 kbit\/s\]/m);
  });
});

describe('collect --format pretty', () => {
  let sim: Simulator;
  before(async () => {
    sim = await startSimulator();
  });
  after(() => sim.close());

  it('prints a table, not line protocol, with rates from --rate', async () => {
    const r = await runBin(['--device', `att-pace=${sim.url}`, '--format', 'pretty', '--rate', '1s']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^127\.0\.0\.1:\d+ \(att-pace\): ok in \d+ ms\n {2}net +\[rx [\d.]+ (k|M)bit\/s, tx [\d.]+ (k|M)?bit\/s\] {2}tx_bytes=[\d.]+ GiB/);
    assert.match(r.stdout, /homenet_dsl line 1 down.* rate_kbps=48\.2 Mbit\/s/);
    assert.doesNotMatch(r.stdout, /tx_bytes=\d+i/);
  });

  it('--rate needs --format pretty', async () => {
    const r = await runBin(['--device', `att-pace=${sim.url}`, '--rate', '1s']);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, 'E! --rate: only with --format pretty\n');
  });
});
