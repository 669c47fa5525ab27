/**
 * A real InfluxDB 1.x server (Debian package `influxdb`) on a free loopback
 * port with a temporary data folder, for the acceptance tests.
 *
 * `npm test` starts one server for the whole run (test/support/run-tests.ts)
 * and passes its URL in HOMENET_TEST_INFLUXD; startInfluxd() then connects to
 * it and stop() leaves it running. A test file run alone has no such variable
 * and gets a server of its own. Each test file writes to databases of its own
 * names, so files that share the server do not see each other's points.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { closedPort } from './helpers.js';
import assert from 'node:assert/strict';
import { bool, float, int, serialize, str, type FieldValue, type Metric } from '../../src/lineprotocol.js';
import { JsonNumber, parseJson, type Json } from './json.js';

/** The variable that names a server already running for the whole test run. */
export const SHARED_INFLUXD = 'HOMENET_TEST_INFLUXD';

/** Why influxd cannot be used here, or undefined when it can. */
export function influxdMissing(): string | undefined {
  if (process.env[SHARED_INFLUXD]) return undefined;
  const r = spawnSync('influxd', ['version'], { encoding: 'utf8' });
  if (r.error) return 'influxd is not installed (apt-get install influxdb)';
  return r.status === 0 ? undefined : `influxd version failed: ${r.stderr}`;
}

/** A running server. */
export interface Influxd {
  readonly url: string;
  readonly version: string;
  /** POSTs line protocol (precision ns); rejects with InfluxDB's message on any refusal. */
  write(db: string, body: string): Promise<void>;
  /** Runs InfluxQL; numbers keep every digit. */
  query(db: string, q: string): Promise<Json>;
  /** Stops the server this process started; a shared one is left to the run that started it. */
  stop(): Promise<void>;
}

/** The shared server when the run has one, else a server of this process's own. */
export async function startInfluxd(): Promise<Influxd> {
  const shared = process.env[SHARED_INFLUXD];
  if (shared) return connect(shared, () => Promise.resolve(), 5_000);
  return serveInfluxd();
}

/** Starts influxd on free loopback ports with a temporary data folder, and waits until it answers. */
export async function serveInfluxd(): Promise<Influxd> {
  const dir = mkdtempSync(`${tmpdir()}/homenet-influxd-`);
  const [httpPort, rpcPort] = [await closedPort(), await closedPort()];
  writeFileSync(
    `${dir}/influxdb.conf`,
    `reporting-disabled = true
bind-address = "127.0.0.1:${rpcPort}"
[meta]
  dir = "${dir}/meta"
[data]
  dir = "${dir}/data"
  wal-dir = "${dir}/wal"
  query-log-enabled = false
[http]
  enabled = true
  bind-address = "127.0.0.1:${httpPort}"
  log-enabled = false
[monitor]
  store-enabled = false
[continuous_queries]
  enabled = false
[logging]
  level = "error"
`,
  );
  const child: ChildProcess = spawn('influxd', ['-config', `${dir}/influxdb.conf`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (log += d.slice(0, 10_000)));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    return await connect(`http://127.0.0.1:${httpPort}`, stop, 20_000, () => child.exitCode !== null);
  } catch (err) {
    await stop();
    throw new Error(`influxd did not start: ${err instanceof Error ? err.message : String(err)} ${log}`);
  }
}

/** A client of the server at `url`, once it answers /ping. */
async function connect(url: string, stop: () => Promise<void>, waitMs: number, gone = (): boolean => false): Promise<Influxd> {
  let version = '';
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      const ping = await fetch(`${url}/ping`);
      if (ping.status === 204) {
        version = ping.headers.get('x-influxdb-version') ?? '';
        break;
      }
    } catch {
      // not listening yet
    }
    if (gone()) throw new Error('it exited');
    if (Date.now() > deadline) throw new Error(`no answer at ${url}/ping within ${waitMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }

  const query = async (db: string, q: string): Promise<Json> => {
    const res = await fetch(`${url}/query?db=${encodeURIComponent(db)}&epoch=ns`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ q }).toString(),
    });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`query ${q}: HTTP ${res.status} ${text}`);
    return parseJson(text);
  };
  return {
    url,
    version,
    query,
    async write(db, body) {
      const res = await fetch(`${url}/write?db=${encodeURIComponent(db)}&precision=ns`, { method: 'POST', body });
      if (res.status !== 204) throw new Error(`write refused: HTTP ${res.status} ${await res.text()}`);
    },
    stop,
  };
}

/** A metric's text with fields in key order, so stored and written metrics compare as text. */
function canonical(m: Metric): string {
  const fields: Record<string, FieldValue> = {};
  for (const k of Object.keys(m.fields).sort()) fields[k] = m.fields[k] as FieldValue;
  return serialize({ ...m, fields });
}

type Series = { name: string; columns: string[]; values: Json[][] };

/** The series of every statement's result (a query may hold several statements); throws on any error. */
function seriesOf(result: Json): Series[] {
  const results = (result as { results: { series?: Series[]; error?: string }[] }).results;
  return results.flatMap((r) => {
    if (r.error) throw new Error(r.error);
    return r.series ?? [];
  });
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
export async function roundTrip(influx: Influxd, metrics: readonly Metric[]): Promise<void> {
  assert.ok(metrics.length > 0, 'nothing to write');
  // The process id keeps the names of test files that share one server apart.
  const db = `acceptance_${process.pid}_${++dbCount}`;
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
  // One statement per measurement: across measurements InfluxDB merges same-named fields of different
  // types. Statements go a few hundred to a request: thousands of requests cost seconds.
  const names = seriesOf(await influx.query(db, 'SHOW MEASUREMENTS')).flatMap((s) => s.values.map((v) => text(v[0])));
  const selects = names.map((name) => `SELECT * FROM "${name.replace(/[\\"]/g, '\\$&')}"`);
  const series: Series[] = [];
  for (let i = 0; i < selects.length; i += 250) {
    series.push(...seriesOf(await influx.query(db, selects.slice(i, i + 250).join('; '))));
  }
  assert.equal(new Set(series.map((s) => s.name)).size, names.length, 'every measurement was read');
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
