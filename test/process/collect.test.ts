/**
 * The collector over real HTTP against the built-in simulator, healthy and
 * faulty. Deadlines run on a fake clock the tests move on: no test waits for
 * one, and none depends on how busy the machine is.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { collect } from '../../src/collect/index.js';
import { buildConfig } from '../../src/config/index.js';
import { serialize, type Metric } from '../../src/lineprotocol.js';
import { FAULTS, startSimulator, type Fault, type Simulator } from '../../src/simulate/server.js';
import { useSimulator } from '../support/context.js';
import { FakeClock, turn, until } from '../support/clock.js';
import { closedPort, runMain } from '../support/helpers.js';

function field(m: Metric | undefined, key: string): unknown {
  return m?.fields[key]?.value;
}

/** Requests a simulator has received so far, all paths together. */
const requests = (s: Simulator): number => [...s.hits.values()].reduce((a, b) => a + b, 0);

/** The scrape line of the device whose host tag is `host`. */
const scrapeOf = (metrics: readonly Metric[], host: string): Metric | undefined => metrics.find((m) => m.name === 'homenet_scrape' && m.tags['host'] === host);

describe('collect: a healthy gateway', () => {
  const lab = useSimulator({ layout: 'isp' });

  it('prints the traffic line and a successful scrape status, with host and global tags', async () => {
    const config = buildConfig({
      file: 'test.ini',
      fileText: `[tags]\nregion = lab\n[router]\ntype = att\nurl = ${lab.url}\ncollect = traffic\n`,
    });
    const { metrics, log } = await collect(config);
    assert.deepEqual(log, []);
    assert.equal(metrics.length, 2);
    const net = metrics[0];
    const scrape = metrics[1];
    assert.ok(net && scrape);
    assert.equal(net.name, 'net');
    assert.deepEqual(net.tags, { region: 'lab', host: 'router' });
    assert.deepEqual(Object.keys(net.fields), ['tx_bytes', 'tx_pkts', 'tx_err', 'tx_pct', 'rx_bytes', 'rx_pkts', 'rx_err', 'rx_pct', 'total_time', 'elapsed_time']);
    assert.equal(net.fields['rx_bytes']?.kind, 'int');
    assert.equal(net.fields['tx_pct']?.kind, 'float');
    const total = field(net, 'total_time') as bigint;
    const ttfb = field(net, 'elapsed_time') as bigint;
    assert.ok(ttfb >= 0n && ttfb <= total, `elapsed_time ${ttfb} should be within total_time ${total}`);
    assert.equal(scrape.name, 'homenet_scrape');
    assert.deepEqual(scrape.tags, { region: 'lab', host: 'router', type: 'att' });
    assert.equal(field(scrape, 'success'), true);
    assert.equal(scrape.fields['error'], undefined);
    assert.equal(lab.sim.hits.get('/xslt?PAGE=C_1_0'), 1, 'one request per page per gather');
    for (const m of metrics) serialize(m);
  });

  it('keeps a path prefix of the device URL', async () => {
    const config = buildConfig({ devices: [`att=${lab.url}/gw`] });
    const { metrics, log } = await collect(config);
    assert.deepEqual(log, [`E! [--device 1] att ${lab.url}/gw/cgi-bin/broadbandstatistics.ha: not a supported gateway ` + '(/cgi-bin/broadbandstatistics.ha: HTTP 404; /xslt?PAGE=C_1_0: HTTP 404)']);
    assert.equal(field(metrics[0], 'success'), false);
  });
});

describe('collect: counters grow with time and wrap at 2^32 like the real gateway', () => {
  it('a gather 61 s later shows rx_bytes wrapped and packets grown', async () => {
    let now = 1_000_000;
    const sim = await startSimulator({ now: () => now });
    try {
      const config = buildConfig({ devices: [`att=${sim.url}`] });
      const first = (await collect(config)).metrics[0];
      now += 61_000;
      const second = (await collect(config)).metrics[0];
      const rx1 = field(first, 'rx_bytes') as bigint;
      const rx2 = field(second, 'rx_bytes') as bigint;
      assert.ok(rx1 > 4_000_000_000n && rx1 < 2n ** 32n, `rx_bytes ${rx1} starts just below 2^32`);
      assert.ok(rx2 < rx1, `rx_bytes wrapped: ${rx1} -> ${rx2}`);
      assert.equal((rx2 - rx1 + 2n ** 32n) % 2n ** 32n, 61n * 1_250_000n, 'growth modulo 2^32 matches the simulated rate');
      assert.ok((field(second, 'rx_pkts') as bigint) > (field(first, 'rx_pkts') as bigint));
      assert.ok((field(second, 'tx_bytes') as bigint) > (field(first, 'tx_bytes') as bigint));
    } finally {
      await sim.close();
    }
  });
});

/**
 * Faults a robust reader takes in its stride: the device is collected (odd-values costs two values, tested with the binary;
 * the gateway does not have the speakers' interface faults).
 */
const HARMLESS = ['slow', 'invalid-utf8', 'windows-1252', 'odd-values', 'repeated-tokens', 'nat-hang', 'many-interfaces', 'new-interfaces'] as const satisfies readonly Fault[];

const NOT_A_GATEWAY = /^not a supported gateway \(\/cgi-bin\/broadbandstatistics\.ha: HTTP 404; \/xslt\?PAGE=C_1_0 is not a Pace 5268AC \/ 2Wire \(xslt pages\) page\)$/;

/** What each fault must be reported as, and whether the device's other areas still print. The clock stands still unless a test moves it. */
const EXPECTED_CAUSE: Readonly<Record<Exclude<Fault, 'none' | (typeof HARMLESS)[number]>, RegExp>> = {
  hang: /^no complete answer within 600 ms \(the device's timeout\)$/,
  trickle: /^no complete answer within 600 ms \(the device's timeout\)$/,
  reset: /^(connection reset by the device|connection closed before the page was complete \(\d+ bytes read\))$/,
  half: /^traffic: Broadband Status \(\/xslt\?PAGE=C_1_0\): no "IP Traffic" table/,
  garbage: NOT_A_GATEWAY,
  huge: /^response is over the 4 MiB limit$/,
  'status-403': /^HTTP 403 Forbidden$/,
  'status-404': /^not a supported gateway \(\/cgi-bin\/broadbandstatistics\.ha: HTTP 404; \/xslt\?PAGE=C_1_0: HTTP 404\)$/,
  'status-500': /^HTTP 500 Internal Server Error$/,
  'redirect-away': /^redirected to another host \(http:\/\/login\.example\.invalid\); not followed$/,
  'wrong-device': NOT_A_GATEWAY,
  'tiny-chunks': /^response came in over 16384 pieces \(a device sending its page a few bytes at a time\)$/,
  'deep-nesting': /^traffic: the page nests elements more than 256 deep \(real pages nest about 20\): not read$/,
  // 4 MiB of tables: 360,000 elements, past the 8,192 a page read as a tree may have within its first 300 KB.
  'many-tables': /^traffic: the page has more than 8192 elements: not read$/,
};

/** Faults that only time ends: the test moves the clock past the deadline once the device was asked. */
const ENDED_BY_DEADLINE: readonly Fault[] = ['hang', 'trickle'];

describe('collect: a faulty device costs nothing but itself', () => {
  const good = useSimulator();

  for (const fault of FAULTS.filter((f): f is keyof typeof EXPECTED_CAUSE => f !== 'none' && !(HARMLESS as readonly Fault[]).includes(f))) {
    it(fault, async () => {
      const bad = await startSimulator({ fault });
      try {
        // The good device's deadline is far off: moving the clock past the bad one's never cuts the good one short.
        const config = buildConfig({
          file: 'f.ini',
          fileText: `timeout = 600ms\n[good]\ntype = att\nurl = ${good.url}\ncollect = traffic\ntimeout = 5m\n[bad]\ntype = att\nurl = ${bad.url}\ncollect = traffic\n`,
        });
        const clock = new FakeClock();
        const gathering = collect(config, { clock });
        if (ENDED_BY_DEADLINE.includes(fault)) {
          // Past the first family's 404, at the page that hangs.
          await until(() => bad.hits.has('/xslt?PAGE=C_1_0'));
          clock.advance(600);
        }
        const { metrics, log } = await gathering;
        // Its time is the deadline's to the millisecond, or none at all.
        assert.equal(field(scrapeOf(metrics, 'bad'), 'duration_ms'), ENDED_BY_DEADLINE.includes(fault) ? 600n : 0n);

        const goodNet = metrics.find((m) => m.name === 'net' && m.tags['host'] === 'good');
        assert.ok(goodNet, 'the healthy device is still collected');
        assert.equal(metrics.filter((m) => m.tags['host'] === 'bad' && m.name === 'net').length, 0);
        const status = metrics.find((m) => m.name === 'homenet_scrape' && m.tags['host'] === 'bad');
        assert.equal(field(status, 'success'), false);
        const cause = field(status, 'error') as string;
        assert.match(cause, EXPECTED_CAUSE[fault] ?? /^an expected cause for this fault$/);
        assert.equal(log.length, 1);
        // Every log line names the page that failed; a 404 on the first family's page is no failure.
        const where = /^not a supported|HTTP 404/.test(cause) ? '/cgi-bin/broadbandstatistics.ha' : '/xslt?PAGE=C_1_0';
        assert.equal(log[0], `E! [bad] att ${bad.url}${where}: ${cause}`);
        for (const m of metrics) serialize(m);
      } finally {
        await bad.close();
      }
    });
  }

  for (const fault of HARMLESS) {
    it(`${fault}: still collected`, async () => {
      // One clock for the collector and the simulator: a late answer (slow) comes when the test moves it.
      const clock = new FakeClock();
      const odd = await startSimulator({ fault, clock });
      try {
        const gathering = collect(buildConfig({ devices: [`att-pace=${odd.url}`], timeout: '2s' }), { clock });
        if (fault === 'slow') {
          await until(() => odd.hits.has('/xslt?PAGE=C_1_0'));
          clock.advance(300);
        }
        const { metrics, log } = await gathering;
        // Renamed column: its two values are left out with a warning each, the device is not failed.
        assert.deepEqual(
          log.filter((l) => !l.startsWith('W! ')),
          [],
        );
        assert.equal(log.length, fault === 'odd-values' ? 2 : 0, log.join('\n'));
        assert.ok(metrics.some((m) => m.name === 'net' && (m.fields['rx_bytes']?.value as bigint) > 0n));
      } finally {
        await odd.close();
      }
    });
  }

  it("a gather takes one listener on the caller's signal, however many devices (Node warns of a leak on stderr past 10)", async () => {
    const port = await closedPort();
    const warnings: string[] = [];
    const onWarning = (w: Error): void => {
      warnings.push(w.message);
    };
    process.on('warning', onWarning);
    try {
      const config = buildConfig({ devices: Array.from({ length: 12 }, (_, i) => `att-pace=http://127.0.0.1:${port}/${i}`) });
      await collect(config, { signal: new AbortController().signal, clock: new FakeClock() });
      // Node emits its warnings on a later tick.
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    assert.deepEqual(warnings, []);
  });

  it('a signal that fired before the gather stops a hanging device at once, not at its timeout', async () => {
    const hang = await startSimulator({ fault: 'hang' });
    try {
      const stop = new AbortController();
      stop.abort();
      // The clock never moves: the gather can only end because of the signal.
      const { log, stopped } = await collect(buildConfig({ devices: [`att-pace=${hang.url}`], timeout: '20s' }), { signal: stop.signal, clock: new FakeClock() });
      assert.match(log.join('\n'), /the program is stopping/);
      assert.deepEqual(stopped, ['--device 1']);
    } finally {
      await hang.close();
    }
  });

  it('devices queued behind others at one address say no request was sent, not "no complete answer"', async () => {
    const hang = await startSimulator({ fault: 'hang' });
    try {
      // Four devices at one address share its two connections; the first two hang past the
      // others' deadline, so those two are never asked.
      const config = buildConfig({
        file: 'q.ini',
        fileText: [1, 2, 3, 4].map((i) => `[d${i}]\ntype = att-pace\nurl = ${hang.url}\ncollect = traffic\ntimeout = ${i <= 2 ? 500 : 300}ms\n`).join(''),
      });
      const clock = new FakeClock();
      const gathering = collect(config, { clock });
      await until(() => requests(hang) === 2);
      clock.advance(300);
      await turn();
      clock.advance(200);
      const { log, metrics } = await gathering;
      const waited = log.filter((l) => l.includes(`no request sent: other devices at ${new URL(hang.url).host} held its 2 connections until the deadline (300 ms)`));
      const asked = log.filter((l) => l.endsWith("no complete answer within 500 ms (the device's timeout)"));
      assert.deepEqual([waited.length, asked.length], [2, 2], log.join('\n'));
      assert.deepEqual(
        ['d1', 'd2', 'd3', 'd4'].map((d) => field(scrapeOf(metrics, d), 'duration_ms')),
        [500n, 500n, 300n, 300n],
      );
      assert.equal(requests(hang), 2, 'the two that waited were never asked');
    } finally {
      await hang.close();
    }
  });

  it('a device that gave up waiting for a connection does not take one later: the next in line does', async () => {
    const hang = await startSimulator({ fault: 'hang' });
    try {
      // d1 and d2 hold the two connections until 500 ms; d3 gives up waiting at 300 ms; d4 is next when they are freed.
      const timeouts = [500, 500, 300, 1000];
      const config = buildConfig({
        file: 'q.ini',
        fileText: timeouts.map((t, i) => `[d${i + 1}]\ntype = att-pace\nurl = ${hang.url}\ncollect = traffic\ntimeout = ${t}ms\n`).join(''),
      });
      const clock = new FakeClock();
      const gathering = collect(config, { clock });
      await until(() => requests(hang) === 2);
      clock.advance(500);
      await until(() => requests(hang) === 3);
      clock.advance(500);
      const { log } = await gathering;
      assert.deepEqual(
        log.map((l) => l.replace(/^E! \[(d\d)\] att-pace \S+: /, '$1: ')),
        [
          "d1: no complete answer within 500 ms (the device's timeout)",
          "d2: no complete answer within 500 ms (the device's timeout)",
          `d3: no request sent: other devices at ${new URL(hang.url).host} held its 2 connections until the deadline (300 ms)`,
          "d4: no complete answer within 1000 ms (the device's timeout)",
        ],
      );
    } finally {
      await hang.close();
    }
  });

  it('the wrong type for what answers: one line that says which type to use, not a 404 per page', async () => {
    const pace = buildConfig({ devices: [`att-pace=${good.url}/bgw320`, `sonos=${good.url}`] });
    const { log } = await collect(pace);
    assert.deepEqual(log, [
      `E! [--device 1] att-pace ${good.url}/bgw320/xslt?PAGE=C_1_0: HTTP 404 Not Found: nothing here answers as a type = att-pace device; if it is another AT&T model, use type = att, which finds the page family by itself`,
      `E! [--device 2] sonos ${good.url}/status/zp: HTTP 404 Not Found: nothing here answers as a type = sonos device; a Sonos speaker answers on port 1400: http://IP:1400`,
    ]);
  });

  it('connection refused', async () => {
    const port = await closedPort();
    const config = buildConfig({ devices: [`att=${good.url}`, `att=http://127.0.0.1:${port}`] });
    const { metrics, log } = await collect(config);
    assert.equal(metrics.filter((m) => m.name === 'net').length, 1);
    assert.equal(metrics.filter((m) => m.name === 'homenet_scrape').length, 2);
    assert.deepEqual(log, [`E! [--device 2] att http://127.0.0.1:${port}/cgi-bin/broadbandstatistics.ha: connection refused`]);
  });

  it('devices are gathered concurrently: three hanging devices take one timeout, not three', async () => {
    const hung = await Promise.all([0, 1, 2].map(() => startSimulator({ fault: 'hang' })));
    try {
      const config = buildConfig({ devices: hung.map((s) => `att=${s.url}`), timeout: '500ms' });
      const clock = new FakeClock();
      const gathering = collect(config, { clock });
      // All three are asked before any deadline: they run at once.
      await until(() => hung.every((s) => requests(s) > 0));
      clock.advance(500);
      const { metrics } = await gathering;
      assert.equal(metrics.length, 3);
      assert.deepEqual(
        metrics.map((m) => [field(m, 'duration_ms'), field(m, 'error')]),
        Array.from({ length: 3 }, () => [500n, "no complete answer within 500 ms (the device's timeout)"]),
      );
    } finally {
      await Promise.all(hung.map((s) => s.close()));
    }
  });
});

describe("collect: the run's deadline", () => {
  const hang = useSimulator({ fault: 'hang' });
  /** Requests for the first page a Pace gateway is asked: a test waits for its own device's, not for what an earlier one still sends. */
  const firstPages = (): number => hang.sim.hits.get('/xslt?PAGE=C_1_0') ?? 0;

  it("counts from the run's start, not the gather's: what came before (Node starting, the config read) comes out of the timeout", async () => {
    const clock = new FakeClock();
    // The process started 1.5 s ago.
    clock.advance(1500);
    const asked = firstPages();
    const gathering = collect(buildConfig({ devices: [`att-pace=${hang.url}`], timeout: '2s' }), { clock, startedAt: 0 });
    await until(() => firstPages() > asked);
    clock.advance(500);
    const { metrics } = await gathering;
    assert.deepEqual([field(metrics[0], 'duration_ms'), field(metrics[0], 'error')], [500n, "no complete answer within 2000 ms (the device's timeout)"]);
  });

  it("collect counts from the process's start as the launcher gives it (main's `started`)", async () => {
    const clock = new FakeClock();
    clock.advance(1200);
    const asked = firstPages();
    const running = runMain(['--device', `att-pace=${hang.url}`, '--timeout', '2s'], { clock, started: 0 });
    await until(() => firstPages() > asked);
    clock.advance(800);
    const { code, stdout } = await running;
    assert.equal(code, 0);
    assert.match(stdout, /^homenet_scrape,host=127\.0\.0\.1:\d+,type=att-pace success=false,duration_ms=800i,values_omitted=0i,error="no complete answer within 2000 ms/);
  });

  it('1,000 devices at one closed address: a line each, the queued ones never asked, all ended by one timer at the deadline', async () => {
    const port = await closedPort();
    const config = buildConfig({ file: 'many.ini', fileText: `timeout = 2s\n${Array.from({ length: 1000 }, (_, i) => `[d${i}]\ntype = att-pace\nurl = http://127.0.0.1:${port}/${i}\n`).join('')}` });
    const clock = new FakeClock();
    const gathering = collect(config, { clock });
    assert.equal(clock.pending, 1, 'one timer for every device with that deadline');
    clock.advance(2000);
    const { metrics, log } = await gathering;
    assert.equal(clock.pending, 0);
    assert.equal(metrics.length, 1000);
    assert.ok(metrics.every((m) => m.name === 'homenet_scrape' && field(m, 'success') === false && field(m, 'duration_ms') === 2000n));
    const causes = new Map<string, number>();
    for (const l of log) {
      const cause = l.replace(/^E! \[d\d+\] att-pace \S+: /, '').replace(/127\.0\.0\.1:\d+/, 'ADDRESS');
      causes.set(cause, (causes.get(cause) ?? 0) + 1);
    }
    // The two with a connection were cut short on their way; the others waited their turn until the deadline.
    assert.deepEqual(Object.fromEntries(causes), {
      "no complete answer within 2000 ms (the device's timeout)": 2,
      'no request sent: other devices at ADDRESS held its 2 connections until the deadline (2000 ms)': 998,
    });
  });
});
