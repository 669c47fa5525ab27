/**
 * A real InfluxDB 1.x server (Debian package `influxdb`) on a free loopback
 * port with a temporary data folder, for the acceptance test.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { closedPort } from './helpers.js';
import { parseJson, type Json } from './json.js';

/** Why influxd cannot be used here, or undefined when it can. */
export function influxdMissing(): string | undefined {
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
  stop(): Promise<void>;
}

export async function startInfluxd(): Promise<Influxd> {
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
  const url = `http://127.0.0.1:${httpPort}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };

  let version = '';
  const deadline = Date.now() + 20_000;
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
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`influxd did not start: ${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
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
