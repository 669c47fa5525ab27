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
import { bool, float, int, serialize, str, type FieldValue, type Metric } from '../src/lineprotocol.js';
import { SIM_ACCESS_CODE, startSimulator, type Simulator } from '../src/simulate/server.js';
import { fixtureCases, parseFixture } from './support/fixtures.js';
import { closedPort, lines, runBin } from './support/helpers.js';
import { influxdMissing, startInfluxd, type Influxd } from './support/influxd.js';
import { JsonNumber, type Json } from './support/json.js';
import { readLine } from './support/lpread.js';

const missing = influxdMissing();
// In CI the server must be there: a skipped acceptance test would hide a broken install step.
if (missing !== undefined && process.env['CI']) throw new Error(`CI: ${missing}`);

/** A metric's text with fields in key order, so stored and written metrics compare as text. */
function canonical(m: Metric): string {
  const fields: Record<string, FieldValue> = {};
  for (const k of Object.keys(m.fields).sort()) fields[k] = m.fields[k] as FieldValue;
  return serialize({ ...m, fields });
}

type Series = { name: string; columns: string[]; values: Json[][] };

function seriesOf(result: Json): Series[] {
  const results = (result as { results: { series?: Series[]; error?: string }[] }).results;
  const first = results[0];
  if (first?.error) throw new Error(first.error);
  return first?.series ?? [];
}

function text(v: Json | undefined): string {
  if (typeof v === 'string') return v;
  if (v instanceof JsonNumber) return v.text;
  throw new Error(`expected text, got ${JSON.stringify(v)}`);
}

function typed(type: string, v: Json): FieldValue {
  switch (type) {
    case 'integer':
      return int(text(v));
    case 'float':
      return float(Number(text(v)));
    case 'boolean':
      return bool(v === true);
    case 'string':
      return str(text(v));
    default:
      throw new Error(`field type ${type}`);
  }
}

let dbCount = 0;

/**
 * Writes the metrics (each with its own timestamp), reads everything back and
 * asserts the stored points equal the written ones exactly.
 */
async function roundTrip(influx: Influxd, metrics: readonly Metric[]): Promise<void> {
  assert.ok(metrics.length > 0, 'nothing to write');
  const db = `acceptance${++dbCount}`;
  await influx.query('', `CREATE DATABASE ${db}`);
  const base = 1_764_000_000_000_000_000n;
  const stamped = metrics.map((m, i) => ({ ...m, time: base + BigInt(i) * 1000n }));
  await influx.write(db, stamped.map((m) => serialize(m)).join('\n') + '\n');

  const fieldTypes = new Map<string, Map<string, string>>();
  for (const s of seriesOf(await influx.query(db, 'SHOW FIELD KEYS'))) {
    fieldTypes.set(s.name, new Map(s.values.map((v) => [text(v[0]), text(v[1])])));
  }
  const tagKeys = new Map<string, Set<string>>();
  for (const s of seriesOf(await influx.query(db, 'SHOW TAG KEYS'))) {
    tagKeys.set(s.name, new Set(s.values.map((v) => text(v[0]))));
  }
  const stored = new Map<bigint, string>();
  // One query per measurement: across measurements InfluxDB merges same-named fields of different types.
  const names = seriesOf(await influx.query(db, 'SHOW MEASUREMENTS')).flatMap((s) => s.values.map((v) => text(v[0])));
  const series: Series[] = [];
  for (const name of names) {
    series.push(...seriesOf(await influx.query(db, `SELECT * FROM "${name.replace(/[\\"]/g, '\\$&')}"`)));
  }
  for (const s of series) {
    const types = fieldTypes.get(s.name) ?? new Map<string, string>();
    const tagSet = tagKeys.get(s.name) ?? new Set<string>();
    for (const row of s.values) {
      const tags: Record<string, string> = {};
      const fields: Record<string, FieldValue> = {};
      let time = 0n;
      s.columns.forEach((col, i) => {
        const v = row[i] ?? null;
        if (col === 'time') time = BigInt(text(v));
        else if (v === null) return;
        else if (tagSet.has(col)) tags[col] = text(v);
        else fields[col] = typed(types.get(col) ?? '?', v);
      });
      stored.set(time, canonical({ name: s.name, tags, fields, time }));
    }
  }
  for (const m of stamped) {
    assert.equal(stored.get(m.time), canonical(m), `point ${m.time} of ${m.name}`);
  }
  assert.equal(stored.size, stamped.length);
}

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
      all.push(...metricsOf(parseFixture(c.type, c.dir).out));
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
