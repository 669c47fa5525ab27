/** The collector over real HTTP against the built-in simulator, healthy and faulty. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { collect } from '../src/collect/index.js';
import { buildConfig } from '../src/config.js';
import { serialize, type Metric } from '../src/lineprotocol.js';
import { FAULTS, startSimulator, type Fault, type Simulator } from '../src/simulate/server.js';
import { closedPort } from './support/helpers.js';

function field(m: Metric | undefined, key: string): unknown {
  return m?.fields[key]?.value;
}

describe('collect: a healthy gateway', () => {
  let sim: Simulator;
  before(async () => {
    sim = await startSimulator({ layout: 'isp' });
  });
  after(() => sim.close());

  it('prints the traffic line and a successful scrape status, with host and global tags', async () => {
    const config = buildConfig({
      file: 'test.ini',
      fileText: `[tags]\nregion = lab\n[router]\ntype = att\nurl = ${sim.url}\ncollect = traffic\n`,
    });
    const { metrics, log } = await collect(config);
    assert.deepEqual(log, []);
    assert.equal(metrics.length, 2);
    const net = metrics[0];
    const scrape = metrics[1];
    assert.ok(net && scrape);
    assert.equal(net.name, 'net');
    assert.deepEqual(net.tags, { region: 'lab', host: 'router' });
    assert.deepEqual(Object.keys(net.fields), [
      'tx_bytes', 'tx_pkts', 'tx_err', 'tx_pct', 'rx_bytes', 'rx_pkts', 'rx_err', 'rx_pct', 'total_time', 'elapsed_time',
    ]);
    assert.equal(net.fields['rx_bytes']?.kind, 'int');
    assert.equal(net.fields['tx_pct']?.kind, 'float');
    const total = field(net, 'total_time') as bigint;
    const ttfb = field(net, 'elapsed_time') as bigint;
    assert.ok(ttfb >= 0n && ttfb <= total, `elapsed_time ${ttfb} should be within total_time ${total}`);
    assert.equal(scrape.name, 'homenet_scrape');
    assert.deepEqual(scrape.tags, { region: 'lab', host: 'router', type: 'att' });
    assert.equal(field(scrape, 'success'), true);
    assert.equal(scrape.fields['error'], undefined);
    assert.equal(sim.hits.get('/xslt?PAGE=C_1_0'), 1, 'one request per page per gather');
    for (const m of metrics) serialize(m);
  });

  it('keeps a path prefix of the device URL', async () => {
    const config = buildConfig({ devices: [`att=${sim.url}/gw`] });
    const { metrics, log } = await collect(config);
    assert.deepEqual(log, [
      `E! [--device 1] att ${sim.url}/gw/cgi-bin/broadbandstatistics.ha: not a supported gateway ` +
        '(/cgi-bin/broadbandstatistics.ha: HTTP 404; /xslt?PAGE=C_1_0: HTTP 404)',
    ]);
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

const NOT_A_GATEWAY =
  /^not a supported gateway \(\/cgi-bin\/broadbandstatistics\.ha: HTTP 404; \/xslt\?PAGE=C_1_0 is not a Pace 5268AC \/ 2Wire \(xslt pages\) page\)$/;

/** What each fault must be reported as, and whether the device's other areas still print. */
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
  // 4 MiB of tables: 360,000 elements, past the 50,000 a page read as a tree may have
  // (on a busy machine the 600 ms can run out first).
  'many-tables': /^traffic: (the page has more than 50000 elements: not read|stopped reading the page: no complete answer within 600 ms \(the device's timeout\))$/,
};


describe('collect: a faulty device costs nothing but itself', () => {
  let good: Simulator;
  before(async () => {
    good = await startSimulator();
  });
  after(() => good.close());

  for (const fault of FAULTS.filter((f): f is keyof typeof EXPECTED_CAUSE => f !== 'none' && !(HARMLESS as readonly Fault[]).includes(f))) {
    it(fault, async () => {
      const bad = await startSimulator({ fault });
      try {
        const config = buildConfig({
          file: 'f.ini',
          fileText: `timeout = 600ms\n[good]\ntype = att\nurl = ${good.url}\ncollect = traffic\n[bad]\ntype = att\nurl = ${bad.url}\ncollect = traffic\n`,
        });
        const started = performance.now();
        const heapBefore = process.memoryUsage().heapUsed;
        const { metrics, log } = await collect(config);
        const ms = performance.now() - started;
        assert.ok(ms < 600 + 400, `the gather took ${Math.round(ms)} ms, over its 600 ms limit`);
        // A page's tree is bounded by MAX_ELEMENTS: about 20 MB at most (measured 390 bytes an element).
        const grew = (process.memoryUsage().heapUsed - heapBefore) / 1024 / 1024;
        assert.ok(grew < 64, `memory stays bounded: grew ${Math.round(grew)} MB`);

        const goodNet = metrics.find((m) => m.name === 'net' && m.tags['host'] === 'good');
        assert.ok(goodNet, 'the healthy device is still collected');
        assert.equal(metrics.filter((m) => m.tags['host'] === 'bad' && m.name === 'net').length, 0);
        const status = metrics.find((m) => m.name === 'homenet_scrape' && m.tags['host'] === 'bad');
        assert.equal(field(status, 'success'), false);
        const cause = field(status, 'error') as string;
        assert.match(cause, EXPECTED_CAUSE[fault]);
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
      const odd = await startSimulator({ fault });
      try {
        const { metrics, log } = await collect(buildConfig({ devices: [`att-pace=${odd.url}`], timeout: '2s' }));
        // Renamed column: its two values are left out with a warning each, the device is not failed.
        assert.deepEqual(log.filter((l) => !l.startsWith('W! ')), []);
        assert.equal(log.length, fault === 'odd-values' ? 2 : 0, log.join('\n'));
        assert.ok(metrics.some((m) => m.name === 'net' && (m.fields['rx_bytes']?.value as bigint) > 0n));
      } finally {
        await odd.close();
      }
    });
  }

  it('a gather takes one listener on the caller\'s signal, however many devices (Node warns of a leak on stderr past 10)', async () => {
    const port = await closedPort();
    const warnings: string[] = [];
    const onWarning = (w: Error): void => {
      warnings.push(w.message);
    };
    process.on('warning', onWarning);
    try {
      const config = buildConfig({ devices: Array.from({ length: 12 }, (_, i) => `att-pace=http://127.0.0.1:${port}/${i}`) });
      await collect(config, { signal: new AbortController().signal });
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
      const started = performance.now();
      const { log } = await collect(buildConfig({ devices: [`att-pace=${hang.url}`], timeout: '20s' }), { signal: stop.signal });
      assert.ok(performance.now() - started < 1000, `took ${Math.round(performance.now() - started)} ms (the timeout is 20 s)`);
      assert.match(log.join('\n'), /the program is stopping/);
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
      const { log } = await collect(config);
      const waited = log.filter((l) => l.includes(`no request sent: other devices at ${new URL(hang.url).host} held its 2 connections until the deadline (300 ms)`));
      const asked = log.filter((l) => l.endsWith('no complete answer within 500 ms (the device\'s timeout)'));
      assert.deepEqual([waited.length, asked.length], [2, 2], log.join('\n'));
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
      const started = performance.now();
      const { metrics } = await collect(config);
      const ms = performance.now() - started;
      assert.equal(metrics.length, 3);
      assert.ok(ms >= 480 && ms < 1200, `three 500 ms timeouts in parallel took ${Math.round(ms)} ms`);
    } finally {
      await Promise.all(hung.map((s) => s.close()));
    }
  });
});
