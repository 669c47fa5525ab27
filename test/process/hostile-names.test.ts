/**
 * Names a device gives itself that no tag can carry as they are (issue 21):
 * a zone name over 64 KiB (the speaker vanished, its homenet_scrape line
 * included), and invisible characters that make two names look alike or
 * turn text around in a table.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { collect, type Fetcher } from '../../src/collect/index.js';
import { buildConfig } from '../../src/config/index.js';
import { fetchPage } from '../../src/http/index.js';
import { cleanTag, type Metric } from '../../src/lineprotocol.js';
import { renderLines } from '../../src/pipeline.js';
import { startSimulator, type Simulator } from '../../src/simulate/server.js';
import { useSimulator } from '../support/context.js';
import { lines, runMain } from '../support/helpers.js';
import { roundTrip, startInfluxd } from '../support/influxd.js';
import { needs } from '../support/needs.js';
import { readLine } from '../support/lpread.js';

/** The simulator's speakers, with every <ZoneName> (and <roomName>) replaced by `name`. */
function renaming(name: string): Fetcher {
  return async (url, options) => {
    const page = await fetchPage(url, options);
    return { ...page, body: page.body.replace(/<(ZoneName|roomName)>[^<]*/g, (_m, tag: string) => `<${tag}>${name}`) };
  };
}

const LONG = 'Den '.repeat(17_500);

describe('a zone name over 64 KiB (issue 21, item 10)', () => {
  let sim: Simulator;
  before(async () => {
    sim = await startSimulator();
  });
  after(async () => {
    await sim.close();
  });

  /** Every line the run prints, and its log; each line read back. */
  async function run(type: string): Promise<{ metrics: Metric[]; log: readonly string[] }> {
    const { out, log } = renderLines(await collect(buildConfig({ devices: [`${type}=${sim.url}/sonos/1`] }), { fetcher: renaming(LONG) }));
    return { metrics: lines(out).map(readLine), log };
  }

  it('one speaker keeps every line under its name cut to 256 characters, with one W!', async () => {
    const { metrics, log } = await run('sonos');
    const scrape = metrics.find((m) => m.name === 'homenet_scrape');
    assert.equal(scrape?.fields['success']?.value, true);
    assert.equal(scrape.fields['values_omitted']?.value, 1n);
    assert.ok(metrics.some((m) => m.name === 'net') && metrics.some((m) => m.name === 'homenet_system'));
    const host = `${'Den '.repeat(64).slice(0, 255).trimEnd()}…`;
    assert.deepEqual([...new Set(metrics.map((m) => m.tags['host']))], [host]);
    assert.deepEqual(log, [`W! [--device 1] sonos ${sim.url}/sonos/1/status/zp: Zone Player status (/status/zp): <ZoneName> is 69999 characters long: the host tag keeps its first 255 and "…"`]);
  });

  it('a household: each speaker keeps its lines, one W! for each cut name', async () => {
    const { metrics, log } = await run('sonos-household');
    assert.equal(metrics.find((m) => m.name === 'homenet_scrape')?.fields['success']?.value, true);
    // Four speakers, one name: the serial keeps them apart.
    const hosts = new Set(metrics.filter((m) => m.name === 'net').map((m) => m.tags['host']));
    assert.equal(hosts.size, 4);
    assert.equal(log.length, 4, log.join('\n'));
    for (const line of log) assert.match(line, /: traffic: Household review \(\/support\/review\): speaker \S+: <ZoneName> is 69999 characters long: the host tag keeps its first 255 and "…"$/);
  });

  it('what both print with the cut names is stored exactly in a real InfluxDB', { skip: needs('influxd') }, async () => {
    const influx = await startInfluxd();
    try {
      for (const type of ['sonos', 'sonos-household']) await roundTrip(influx, (await run(type)).metrics);
    } finally {
      await influx.stop();
    }
  });

  it('parse: the same cut and the same W!', async () => {
    const dir = mkdtempSync(`${tmpdir()}/homenet-names-`);
    try {
      writeFileSync(`${dir}/zp.xml`, (await renaming(LONG)(new URL(`${sim.url}/sonos/1/status/zp`), { signal: AbortSignal.timeout(5000) })).body);
      writeFileSync(`${dir}/ifconfig.xml`, (await fetchPage(new URL(`${sim.url}/sonos/1/status/ifconfig`), { signal: AbortSignal.timeout(5000) })).body);
      const r = await runMain(['parse', '--type', 'sonos', `${dir}/zp.xml`, `${dir}/ifconfig.xml`]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, 'W! host: Zone Player status (/status/zp): <ZoneName> is 69999 characters long: the host tag keeps its first 255 and "…"\n');
      assert.ok(
        lines(r.stdout).every((l) => l.startsWith(`net,host=${'Den\\ '.repeat(63)}Den…,`)),
        r.stdout.slice(0, 300),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a name of 256 characters is kept whole; one of 257 is cut, by characters, not halves of one', () => {
    const cuts: number[] = [];
    const cut = (n: number): number => cuts.push(n);
    assert.equal(cleanTag('x'.repeat(256), cut), 'x'.repeat(256));
    assert.equal(cleanTag('x'.repeat(257), cut), `${'x'.repeat(255)}…`);
    const faces = cleanTag('\u{1F600}'.repeat(300), cut);
    assert.equal(faces, `${'\u{1F600}'.repeat(255)}…`);
    assert.ok(faces.isWellFormed());
    assert.deepEqual(cuts, [257, 300]);
  });
});

describe('invisible characters in what a device calls itself (issue 21)', () => {
  const lab = useSimulator();

  it('bidi overrides and zero-width spaces are not kept in a tag; an emoji keeps its joiner', async () => {
    const cases: readonly (readonly [string, string])[] = [
      ['Den\u202E \u200BRoom\u2066', 'Den Room'],
      ['\uFEFFKitch\u200Ben', 'Kitchen'],
      ['\u{1F469}\u200D\u{1F373} Kitchen', '\u{1F469}\u200D\u{1F373} Kitchen'],
    ];
    for (const [zone, host] of cases) {
      const { out, log } = renderLines(await collect(buildConfig({ devices: [`sonos=${lab.url}/sonos/1`] }), { fetcher: renaming(zone) }));
      assert.deepEqual(log, []);
      assert.deepEqual([...new Set(lines(out).map((l) => readLine(l).tags['host']))], [host], JSON.stringify(zone));
    }
  });

  it("nor in the words of a gateway's page", async () => {
    const fetcher: Fetcher = async (url, options) => {
      const page = await fetchPage(url, options);
      return { ...page, body: page.body.replace(/(Broadband Connection Source<\/th>\s*<td[^>]*>\s*)(\w+)/, '$1\u202E$2\u200B') };
    };
    const { metrics } = await collect(buildConfig({ devices: [`att=${lab.url}/bgw320`] }), { fetcher });
    const wan = metrics.find((m) => m.name === 'homenet_wan');
    assert.equal(wan?.fields['source']?.value, 'FIBER');
  });
});
