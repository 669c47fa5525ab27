/**
 * Acceptance by a real InfluxDB 1.x: every line our fixtures and end-to-end
 * runs produce, and hostile names and values, are written to a real influxd,
 * read back with InfluxQL and compared exactly (names, tags, field types,
 * every digit).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { bool, float, int, serialize, str, type Metric } from '../src/lineprotocol.js';
import { SIM_ACCESS_CODE } from '../src/devices/att/simulate/bgw.js';
import { startSimulator, type Simulator } from '../src/simulate/server.js';
import { fixtureCases, parseFixture } from './support/fixtures.js';
import { closedPort, lines, runBin } from './support/helpers.js';
import { influxdMissing, roundTrip, startInfluxd, type Influxd } from './support/influxd.js';
import { readLine } from './support/lpread.js';

const missing = influxdMissing();
// In CI the server must be there: a skipped acceptance test would hide a broken install step.
if (missing !== undefined && process.env['CI']) throw new Error(`CI: ${missing}`);

/** Lines of program output as metrics; each must re-serialize to itself. */
function metricsOf(output: string): Metric[] {
  return lines(output).map((line) => {
    const m = readLine(line);
    assert.equal(serialize(m), line, 'reader and serializer agree');
    return m;
  });
}

describe('InfluxDB acceptance (real influxd)', { skip: missing ?? false }, () => {
  let influx: Influxd;
  let sim: Simulator;
  before(async () => {
    influx = await startInfluxd();
    sim = await startSimulator();
  });
  after(async () => {
    await sim.close();
    await influx.stop();
  });

  it('is a real InfluxDB 1.x', () => {
    assert.match(influx.version, /^1\./);
  });

  it('stores every line of every fixture exactly', async () => {
    const all: Metric[] = [];
    for (const c of fixtureCases()) {
      if (!readdirSync(c.dir).includes('expected.out')) continue;
      all.push(...metricsOf((await parseFixture(c.type, c.dir)).out));
    }
    assert.ok(all.length >= 7);
    await roundTrip(influx, all);
  });

  it('stores everything a collect run prints, with hostile tags and an error string', async () => {
    const dead = await closedPort();
    const dir = mkdtempSync(`${tmpdir()}/homenet-acc-`);
    writeFileSync(
      `${dir}/bgw.ini`,
      `[bgw320]\ntype = att\nurl = ${sim.url}/bgw320\ncollect = traffic, line, lan, system, nat\naccess_code_env = SIM_CODE\n` +
        `[house]\ntype = sonos-household\nurl = ${sim.url}/sonos/1\ncollect = traffic, system, radio\n`,
    );
    const r = await runBin([
      '--config', `${dir}/bgw.ini`,
      '--device', `att=${sim.url}`,
      '--device', `att=${sim.url}/bgw210`,
      '--device', `sonos=${sim.url}/sonos/3`,
      '--device', `sonos=${sim.url}/sonos/4`,
      '--device', `att=http://127.0.0.1:${dead}`,
      '--tag', 'site=Maison de l\'été, 2 = deux "ok"',
      '--tag', 'room key=Küche 🎵',
      '--tag', 'path=C:\\Users\\ops',
    ], { env: { ...process.env, SIM_CODE: SIM_ACCESS_CODE } });
    rmSync(dir, { recursive: true, force: true });
    assert.equal(r.code, 0, r.stderr);
    const metrics = metricsOf(r.stdout);
    // Every measurement of every simulated model, and the dead device's status.
    const names = new Set(metrics.map((m) => m.name));
    for (const name of ['net', 'homenet_wan', 'homenet_dsl', 'homenet_fiber', 'homenet_lan', 'homenet_system', 'homenet_nat', 'homenet_radio', 'homenet_scrape']) {
      assert.ok(names.has(name), `${name} in the output`);
    }
    assert.equal(metrics[0]?.tags['site'], 'Maison de l\'été, 2 = deux "ok"');
    assert.equal(metrics.at(-1)?.fields['error']?.value, 'connection refused');
    await roundTrip(influx, metrics);
  });

  it('stores hostile names and values exactly', async () => {
    const hostile: Metric[] = [
      {
        name: 'net work,x=1 "q" \\b é🎵',
        tags: {
          'tag key, with=all': 'value with spaces, commas=equals',
          'quote"': 'say "hi"',
          'emoji🎵': 'Küche 🎵 Süd',
          'back\\slash': 'C:\\Users\\x',
        },
        fields: {
          'field key, =': int('9223372036854775807'),
          'neg': int(-(2n ** 63n)),
          's': str('text with "quotes", commas=, spaces and \\ a backslash at the end\\'),
          'f': float(0.1),
          'tiny': float(1e-7),
          'huge': float(1.7976931348623157e308),
          'b': bool(true),
          'empty': str(''),
          'ünï': str('日本語 🎵'),
        },
      },
      { name: 'net work,x=1 "q" \\b é🎵', tags: { 'emoji🎵': 'other' }, fields: { b: bool(false), f: float(-2.5) } },
      { name: 'homenet_scrape', tags: { host: 'router', type: 'att' }, fields: { success: bool(false), duration_ms: int(12), error: str('HTTP 500 "Internal" \\ Error') } },
    ];
    await roundTrip(influx, hostile);
  });
});
