/**
 * A real VictoriaMetrics (Debian package `victoria-metrics`) on a free
 * loopback port with a temporary data folder: a second implementation of
 * InfluxDB line protocol, written by other people than InfluxDB's, that our
 * output must also be valid for (issue 22, item 3).
 *
 * VictoriaMetrics takes line protocol on /write and stores each numeric
 * field of a line as its own series named `<measurement>_<field>`, with the
 * line's tags as labels: integers and floats as float64, booleans as 1 or 0.
 * It keeps time in milliseconds. A line it cannot read is skipped, counted in
 * `vm_rows_invalid_total{type="influx"}` and logged; the HTTP answer is 204
 * all the same, so a client must read that counter to know.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { closedPort } from './helpers.js';

/** Why victoria-metrics cannot be used here, or undefined when it can. */
export function victoriaMissing(): string | undefined {
  const r = spawnSync('victoria-metrics', ['-version'], { encoding: 'utf8' });
  if (r.error) return 'victoria-metrics is not installed (apt-get install victoria-metrics)';
  return r.status === 0 ? undefined : `victoria-metrics -version failed: ${r.stderr}`;
}

/** One exported series: its labels (`__name__` among them), values and millisecond timestamps. */
export interface Exported {
  readonly metric: Readonly<Record<string, string>>;
  readonly values: readonly number[];
  readonly timestamps: readonly number[];
}

/** A running server. */
export interface Victoria {
  readonly url: string;
  /** POSTs line protocol (precision ns). */
  write(body: string): Promise<void>;
  /** Lines it has refused since it started. */
  invalidRows(): Promise<number>;
  /** Every series it holds, once it holds at least `series` of them. */
  exportAll(series: number): Promise<Exported[]>;
  stop(): Promise<void>;
}

const WAIT_MS = 30_000;

async function until<T>(what: string, get: () => Promise<T | undefined>, gone: () => boolean): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const got = await get().catch(() => undefined);
    if (got !== undefined) return got;
    if (gone()) throw new Error(`victoria-metrics exited while waiting for ${what}`);
    if (Date.now() > deadline) throw new Error(`victoria-metrics: no ${what} within ${WAIT_MS} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Starts victoria-metrics on a free loopback port with a temporary data folder, and waits until it is healthy. */
export async function serveVictoria(): Promise<Victoria> {
  const dir = mkdtempSync(`${tmpdir()}/homenet-victoria-`);
  const port = await closedPort();
  const url = `http://127.0.0.1:${String(port)}`;
  const child: ChildProcess = spawn(
    'victoria-metrics',
    // Points of any age are kept (the default keeps one month), and no search result is held back.
    [`-httpListenAddr=127.0.0.1:${String(port)}`, `-storageDataPath=${dir}`, '-retentionPeriod=100y', '-search.latencyOffset=0s', '-loggerLevel=ERROR'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (log += d.slice(0, 10_000)));
  const gone = (): boolean => child.exitCode !== null || child.signalCode !== null;
  const stop = async (): Promise<void> => {
    if (!gone()) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await until('health', async () => ((await fetch(`${url}/health`)).ok ? true : undefined), gone);
  } catch (err) {
    await stop();
    throw new Error(`victoria-metrics did not start: ${err instanceof Error ? err.message : String(err)} ${log}`);
  }
  return {
    url,
    async write(body) {
      const res = await fetch(`${url}/write?precision=ns`, { method: 'POST', body });
      if (res.status !== 204) throw new Error(`write refused: HTTP ${String(res.status)} ${await res.text()}`);
    },
    async invalidRows() {
      const text = await (await fetch(`${url}/metrics`)).text();
      const m = /^vm_rows_invalid_total\{type="influx"\} (\d+)$/m.exec(text);
      if (!m) throw new Error('vm_rows_invalid_total{type="influx"} is not among its metrics');
      return Number(m[1]);
    },
    async exportAll(series) {
      // Points become searchable when their in-memory part is flushed, about 10 s after a write on
      // its own (measured here); this endpoint flushes at once.
      const flushed = await fetch(`${url}/internal/force_flush`);
      if (!flushed.ok) throw new Error(`force_flush: HTTP ${String(flushed.status)}`);
      return until(
        `${String(series)} series`,
        async () => {
          const res = await fetch(`${url}/api/v1/export`, { method: 'POST', body: new URLSearchParams({ 'match[]': '{__name__=~".+"}' }) });
          const rows = (await res.text())
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l) as Exported);
          return rows.length >= series ? rows : undefined;
        },
        gone,
      );
    },
    stop,
  };
}
