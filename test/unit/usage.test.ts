/**
 * `homenet_usage`, the data a gateway carried in the ISP's billing period:
 * its config keys and their exact errors, billing periods in local time
 * (this file runs in New York's time zone, whose clocks change inside a
 * period), the counting rules on readings made by hand, and the data used
 * in the terminal views. Gathered from the simulator: usage-gathers.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, it } from 'node:test';
import { buildConfig, ConfigError, type Config } from '../../src/config/index.js';
import { addTotals, emptyState } from '../../src/counters/index.js';
import { bool, float, int, str, type FieldValue, type Metric } from '../../src/lineprotocol.js';
import { pretty, Watch } from '../../src/pretty/index.js';
import { columns } from '../../src/pretty/text.js';
import { usageWords } from '../../src/pretty/usage.js';
import { UsageCounter, type UsageMemory } from '../../src/usage/index.js';
import { periodStart } from '../../src/usage/period.js';
import { parseSize } from '../../src/config/usage.js';
import { lines, runMain } from '../support/helpers.js';
import { ms, usageFields } from '../support/usage.js';

// Billing periods start at local midnight: New York's, here (UTC-5, UTC-4 in summer).
process.env['TZ'] = 'America/New_York';

const FILE = '/etc/telegraf/homenet.ini';
const GW = '[gw]\ntype = att\nurl = http://192.168.1.254\n';

describe('usage: billing_day and data_cap in the config', () => {
  it('reads sizes in decimal (GB, TB) and binary (GiB, TiB) units, any case, rounded to whole bytes', () => {
    const sizes: [string, bigint][] = [
      ['1 TB', 10n ** 12n],
      ['1 TiB', 2n ** 40n],
      ['500 GB', 500n * 10n ** 9n],
      ['1.5 TB', 1_500_000_000_000n],
      ['750 gib', 750n * 2n ** 30n],
      ['1Tb', 10n ** 12n],
      ['1.1 KiB', 1126n],
      ['1024 GB', 1_024_000_000_000n],
      ['300000 B', 300_000n],
    ];
    for (const [text, bytes] of sizes) assert.equal(parseSize(text), bytes, text);
    for (const text of ['1 T', '1,000 GB', 'GB', '1 TBB', '-1 GB', '1e3 GB']) assert.equal(parseSize(text), undefined, text);
  });

  it("the top of the file is every gateway's; a gateway's section wins; speakers have none", () => {
    const c = buildConfig({
      file: FILE,
      fileText:
        `billing_day = 15\ndata_cap = 1 TB\n${GW}[gw2]\ntype = att-bgw\nurl = http://192.168.2.254\nbilling_day = 3\ndata_cap = none\n` +
        '[gw3]\ntype = att-pace\nurl = http://192.168.3.254\ndata_cap = 1.5 TiB\n[spk]\ntype = sonos\nurl = http://192.168.1.20:1400\n',
      devices: ['att=http://192.168.4.254'],
    });
    assert.deepEqual(Object.fromEntries(c.devices.map((d) => [d.name, d.usage])), {
      gw: { billingDay: 15, capBytes: 10n ** 12n },
      gw2: { billingDay: 3 },
      gw3: { billingDay: 15, capBytes: 3n * 2n ** 39n },
      spk: undefined,
      '--device 1': { billingDay: 15, capBytes: 10n ** 12n },
    });
    assert.deepEqual(buildConfig({ devices: ['att=http://192.168.1.254'] }).devices[0]?.usage, { billingDay: 1 }, 'the 1st, no cap, by default');
  });

  it('says every mistake exactly, naming file, section and key', () => {
    const text =
      'billing_day = 29\ndata_cap = 1 T\n' +
      '[gw]\ntype = att\nurl = http://192.168.1.254\nbilling_day = first\ndata_cap = 0 GB\n' +
      '[gw2]\ntype = att\nurl = http://192.168.2.254\nbilling_day = 0\ndata_cap = 9000000000 EB\n' +
      '[spk]\ntype = sonos\nurl = http://192.168.1.20:1400\nbilling_day = 1\n';
    const why = "(the day of the month the ISP's billing period starts; 29 to 31 are not in every month)";
    assert.throws(
      () => buildConfig({ file: FILE, fileText: text }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.deepEqual(err.problems, [
          `${FILE}: billing_day: "29" is not a day from 1 to 28 ${why}`,
          `${FILE}: data_cap: "1 T" is not a size (write it like 1 TB, 500 GB or 1.5 TiB; GB = 10^9 bytes, GiB = 2^30), or none`,
          `${FILE}: [gw] billing_day: "first" is not a day from 1 to 28 ${why}`,
          `${FILE}: [gw] data_cap: "0 GB" is no cap (leave data_cap out, or write none)`,
          `${FILE}: [gw2] billing_day: "0" is not a day from 1 to 28 ${why}`,
          `${FILE}: [gw2] data_cap: "9000000000 EB" is more than the 8 EiB a field can hold`,
          `${FILE}: [spk] billing_day: only for type att or att-pace or att-bgw, not sonos`,
        ]);
        return true;
      },
    );
  });

  it('a mistake is exit status 2, one E! line, nothing on stdout', async () => {
    const dir = mkdtempSync(`${tmpdir()}/homenet-usage-config-`);
    try {
      writeFileSync(`${dir}/h.ini`, `${GW}billing_day = 31\n`);
      const r = await runMain(['--config', `${dir}/h.ini`]);
      assert.equal(r.code, 2);
      assert.equal(r.stdout, '');
      assert.equal(r.stderr, `E! ${dir}/h.ini: [gw] billing_day: "31" is not a day from 1 to 28 (the day of the month the ISP's billing period starts; 29 to 31 are not in every month)\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('usage: billing periods start at local midnight (TZ=America/New_York)', () => {
  it("is New York's midnight, summer and winter, and the instant before it is the period before", () => {
    const cases: [at: string, day: number, start: string][] = [
      ['2024-11-20T12:00:00-05:00', 1, '2024-11-01T04:00:00Z'], // 1 Nov, still summer time (UTC-4)
      ['2024-12-01T00:00:00-05:00', 1, '2024-12-01T05:00:00Z'], // the period's first instant
      ['2024-11-30T23:59:59.999-05:00', 1, '2024-11-01T04:00:00Z'], // its last, in the period before
      ['2024-11-03T00:00:20-04:00', 3, '2024-11-03T04:00:00Z'], // the day the clocks go back at 2:00
      ['2024-11-03T01:30:00-05:00', 3, '2024-11-03T04:00:00Z'], // 1:30 a second time, after they did
      ['2024-11-02T23:59:40-04:00', 3, '2024-10-03T04:00:00Z'],
      ['2024-03-10T03:00:00-04:00', 10, '2024-03-10T05:00:00Z'], // the day they go forward
      ['2025-01-10T08:00:00-05:00', 15, '2024-12-15T05:00:00Z'], // the period began last year
      ['2024-03-15T00:00:00-04:00', 28, '2024-02-28T05:00:00Z'],
    ];
    for (const [at, day, start] of cases) assert.equal(new Date(periodStart(ms(at), day)).toISOString(), new Date(start).toISOString(), `${at}, billing_day ${day}`);
  });
});

/** A gateway's traffic line and its scrape line, as a gather gives them. */
function gatherOf(rx: bigint, tx: bigint, uptime?: bigint): Metric[] {
  return [
    { name: 'net', tags: { host: 'gw' }, fields: { rx_bytes: int(rx), tx_bytes: int(tx) } },
    ...(uptime === undefined ? [] : [{ name: 'homenet_system', tags: { host: 'gw' }, fields: { uptime_s: int(uptime) } }]),
    { name: 'homenet_scrape', tags: { host: 'gw', type: 'att' }, fields: { success: bool(true) } },
  ];
}

/** Counts gathers as the pipeline does (totals, then the data used), the wall clock and the readings' times set by the caller. */
class Counter {
  readonly counters = emptyState();
  readonly memory: UsageMemory = new Map();
  wall = 0;
  private readonly usage: UsageCounter;

  constructor(config: Config) {
    this.usage = new UsageCounter(config, this.memory, { begin: true, wallMs: () => this.wall });
  }

  /** The `homenet_usage` fields after a gather at `at` (ISO) whose counters read `rx` and `tx`. */
  gather(at: string, rx: bigint, tx: bigint, uptime?: bigint): Record<string, FieldValue> | undefined {
    this.wall = ms(at);
    const metrics = gatherOf(rx, tx, uptime);
    const before = this.usage.before(metrics, this.counters);
    const out = addTotals(metrics, this.counters, 'net', BigInt(this.wall) * 1_000_000n);
    return this.usage.add(out, before).find((m) => m.name === 'homenet_usage')?.fields;
  }
}

describe('usage: the counting rules', () => {
  const config = buildConfig({ file: FILE, fileText: `billing_day = 5\ndata_cap = 1 GB\n${GW}` });
  const NOV = '2024-11-05T05:00:00Z';
  const DEC = '2024-12-05T05:00:00Z';

  it('counts from the first reading, partial, and grows as the totals do: a 32-bit wrap costs nothing', () => {
    const c = new Counter(config);
    assert.deepEqual(c.gather('2024-11-20T12:00:00-05:00', 4_000_000_000n, 10n), usageFields(0n, 0n, true, NOV, 10n ** 9n));
    assert.deepEqual(c.gather('2024-11-20T12:00:10-05:00', 4_200_000_000n, 1010n), usageFields(200_000_000n, 1000n, true, NOV, 10n ** 9n));
    // Past 2^32: the counter reads 100,000,000 again.
    assert.deepEqual(c.gather('2024-11-20T12:00:20-05:00', 100_000_000n, 2010n), usageFields(200_000_000n + 2n ** 32n - 4_100_000_000n, 2000n, true, NOV, 10n ** 9n));
  });

  it('a new period starts from the last reading before it: what grew in between is shared by time', () => {
    const c = new Counter(config);
    c.gather('2024-12-04T23:58:00-05:00', 1_000_000n, 0n);
    assert.deepEqual(c.gather('2024-12-04T23:59:00-05:00', 31_000_000n, 3000n), usageFields(30_000_000n, 3000n, true, NOV, 10n ** 9n));
    // 90 s between the readings, 30 of them in the new period: a third of the 90,000,000 and 9,000.
    assert.deepEqual(c.gather('2024-12-05T00:00:30-05:00', 121_000_000n, 12_000n), usageFields(30_000_000n, 3000n, false, DEC, 10n ** 9n));
    assert.deepEqual(c.gather('2024-12-05T00:01:30-05:00', 181_000_000n, 18_000n), usageFields(90_000_000n, 9000n, false, DEC, 10n ** 9n));
  });

  it('readings more than an hour apart across its start: the new period counts from the first in it, partial', () => {
    const c = new Counter(config);
    c.gather('2024-12-04T22:00:00-05:00', 1_000_000n, 0n);
    c.gather('2024-12-04T22:59:00-05:00', 2_000_000n, 0n);
    assert.deepEqual(c.gather('2024-12-05T00:00:01-05:00', 3_000_000n, 0n), usageFields(0n, 0n, true, DEC, 10n ** 9n));
    assert.deepEqual(c.gather('2024-12-05T00:01:01-05:00', 5_000_000n, 1n), usageFields(2_000_000n, 1n, true, DEC, 10n ** 9n));
  });

  it('a reboot (uptime went down) adds what the counters counted since it, as the totals do', () => {
    const c = new Counter(config);
    c.gather('2024-11-20T12:00:00-05:00', 500_000_000n, 50_000n, 1_000_000n);
    c.gather('2024-11-20T12:01:00-05:00', 560_000_000n, 56_000n, 1_000_060n);
    assert.deepEqual(c.gather('2024-11-20T12:02:00-05:00', 30_000_000n, 3000n, 30n), usageFields(90_000_000n, 9000n, true, NOV, 10n ** 9n));
  });

  it('totals that started again (the series forgotten): nothing added, the count kept, partial from then on', () => {
    const c = new Counter(config);
    c.gather('2024-12-04T23:59:50-05:00', 0n, 0n);
    c.gather('2024-12-05T00:00:10-05:00', 20_000_000n, 0n);
    assert.deepEqual(c.gather('2024-12-05T00:01:10-05:00', 80_000_000n, 0n), usageFields(70_000_000n, 0n, false, DEC, 10n ** 9n));
    c.counters.series.clear();
    assert.deepEqual(c.gather('2024-12-05T00:02:10-05:00', 90_000_000n, 0n), usageFields(70_000_000n, 0n, true, DEC, 10n ** 9n));
    assert.deepEqual(c.gather('2024-12-05T00:03:10-05:00', 95_000_000n, 0n), usageFields(75_000_000n, 0n, true, DEC, 10n ** 9n));
  });

  it('a line without totals (two devices with one host tag) gets no homenet_usage', () => {
    const counters = emptyState();
    const usage = new UsageCounter(config, new Map(), { begin: true, wallMs: () => ms(NOV) });
    const twice = [...gatherOf(1n, 1n).slice(0, 1), ...gatherOf(2n, 2n)];
    const before = usage.before(twice, counters);
    const out = addTotals(twice, counters, 'net', 0n);
    assert.equal(
      out.some((m) => m.fields['rx_bytes_total'] !== undefined),
      false,
    );
    assert.equal(
      usage.add(out, before).some((m) => m.name === 'homenet_usage'),
      false,
    );
  });
});

describe("usage: in the terminal views, as words on the gateway's block", () => {
  const line = (fields: Record<string, FieldValue>): Metric => ({ name: 'homenet_usage', tags: { host: 'router' }, fields });
  const DEC = ms('2024-12-01T00:00:00-05:00');

  it("in the cap's units (decimal, or binary for a cap of whole GiB), a lower bound saying so", () => {
    assert.equal(
      usageWords(line({ bytes: int(412_000_000_000n), partial: bool(false), period_start_ms: int(DEC), cap_bytes: int(10n ** 12n), cap_pct: float(41.2) })),
      'used 412 GB of 1.00 TB (41.2%) since 1 Dec',
    );
    assert.equal(
      usageWords(line({ bytes: int(12n * 2n ** 30n), partial: bool(true), period_start_ms: int(ms('2024-11-15T00:00:00-05:00')), cap_bytes: int(2n ** 40n), cap_pct: float(1.17) })),
      'used at least 12.0 GiB of 1.00 TiB (1.17%) since 15 Nov',
    );
    assert.equal(usageWords(line({ bytes: int(5_000_000n), partial: bool(false), period_start_ms: int(DEC) })), 'used 5.00 MB since 1 Dec');
  });

  /** A gateway's gather as the views get it; `wan`: with its Internet line; `used`: with its data used. */
  const gateway = (rx: bigint, wan: boolean, used: boolean): Metric[] => [
    { name: 'net', tags: { host: 'router' }, fields: { rx_bytes: int(rx), tx_bytes: int(1_000_000n), rx_err: int(0n), tx_err: int(0n), tx_drop: int(4n) } },
    ...(used
      ? [
          line({
            rx_bytes: int(400_000_000_000n),
            tx_bytes: int(12_000_000_000n),
            bytes: int(412_000_000_000n),
            partial: bool(false),
            period_start_ms: int(DEC),
            cap_bytes: int(10n ** 12n),
            cap_pct: float(41.2),
          }),
        ]
      : []),
    ...(wan
      ? [
          {
            name: 'homenet_wan',
            tags: { host: 'router' },
            fields: { connected: bool(true), source: str('FIBER'), network_type: str('Lightspeed'), link_up: bool(true), link_speed_mbps: int(10_000n), duplex: str('full') },
          },
        ]
      : []),
    { name: 'homenet_scrape', tags: { host: 'router', type: 'att' }, fields: { success: bool(true), duration_ms: int(20) } },
  ];

  for (const width of [80, 120]) {
    it(`first on the wan row, whole, in both views at ${width} columns (the live view has no rx and tx columns at 80)`, () => {
      const watch = new Watch();
      watch.frame(gateway(0n, true, true), 0, width);
      const views = { pretty: pretty(gateway(1_000_000n, true, true), gateway(0n, true, true), 1, width), watch: watch.frame(gateway(1_000_000n, true, true), 1000, width) };
      for (const [view, text] of Object.entries(views)) {
        assert.deepEqual(
          lines(text).filter((l) => columns(l) > width),
          [],
          `${view}:\n${text}`,
        );
        assert.match(text, /^ {2}wan +used 412 GB of 1\.00 TB \(41\.2%\) since 1 Dec · connected/m, `${view}:\n${text}`);
        assert.doesNotMatch(text, /^ {2}usage/m, `${view}: no row of its own beside a wan row\n${text}`);
      }
    });
  }

  it('a row of its own without a wan row; why there is none, last on the wan row, only for a gateway that read its traffic', () => {
    assert.match(pretty(gateway(0n, false, true), undefined, 0, 80), /^ {2}usage +used 412 GB of 1\.00 TB \(41\.2%\) since 1 Dec$/m);
    const note = 'not kept without state_file (or execd)';
    assert.match(pretty(gateway(0n, true, false), undefined, 0, 160, note), /^ {2}wan +connected · .* · full · data used: not kept without state_file \(or execd\)$/m);
    assert.match(new Watch(note).frame(gateway(0n, false, false), 0, 120), /^ {2}usage +data used: not kept without state_file \(or execd\)$/m);
    const failed: Metric[] = [{ name: 'homenet_scrape', tags: { host: 'router', type: 'att' }, fields: { success: bool(false), duration_ms: int(3), error: str('connection refused') } }];
    const speaker: Metric[] = [
      { name: 'net', tags: { host: 'den', interface: 'br0' }, fields: { rx_bytes: int(1n), tx_bytes: int(1n) } },
      { name: 'homenet_scrape', tags: { host: 'den', type: 'sonos' }, fields: { success: bool(true), duration_ms: int(3) } },
    ];
    assert.doesNotMatch(pretty([...failed, ...speaker], undefined, 0, 120, note), /data used/);
  });
});
