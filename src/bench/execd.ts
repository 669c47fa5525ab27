/** `npm run bench`: a long execd run, its CPU per gather and resident memory, the bare-HTTP floor it is compared with, and execd beside a hostile speaker. */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { BIN, childEnv, cpuMs, simulatorProcess } from './measure.js';

export const EXECD_WARM_UP = 1000;
/** How far the long execd run goes (the memory target counts from gather 1,000 to 20,000); gathers run back to back. */
export const EXECD_GATHERS = Number(process.env['BENCH_EXECD_GATHERS'] ?? 20_000);

/** Resident memory of a process now, MiB. */
function rssMiB(pid: number): number {
  return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
}

/** Resident memory of a process now, MiB: file pages (its executable and libraries, shared with the page cache) and the rest (its own). */
function rssSplitMiB(pid: number): { file: number; own: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (key: string): number => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
  return { file: kib('RssFile') / 1024, own: (kib('RssAnon') + kib('RssShmem')) / 1024 };
}

interface ExecdRun {
  /** CPU per gather, ms: gathers 31 to 130, and from {@link EXECD_WARM_UP} to the end (at least 500 gathers). */
  early: number;
  steady: number;
  /** Resident memory, MiB, after the given number of gathers. */
  rss: Map<number, number>;
  /** Resident memory at the end, file pages and the process's own. */
  split: { file: number; own: number };
}

/** A program that runs `execd`: the launcher under this Node, or the single binary. */
export type ExecdProgram = readonly string[];
export const LAUNCHER_EXECD: ExecdProgram = [process.execPath, BIN];

/** An execd child reading the simulator at `url`: `gather()` asks for one gather and waits for its lines. */
interface ExecdChild {
  readonly pid: number;
  gather(): Promise<void>;
  stop(): void;
}

/** Starts `execd` with `args` (the launcher unless `program` says otherwise); a gather's lines hold `devices` scrape lines. */
function execdChild(args: string[], devices: number, program: ExecdProgram = LAUNCHER_EXECD): ExecdChild {
  const [command = process.execPath, ...before] = program;
  const child = spawn(command, [...before, 'execd', ...args], { stdio: ['pipe', 'pipe', 'ignore'], env: childEnv() });
  let batches = 0;
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    batches += (d.match(/^homenet_scrape,/gm) ?? []).length / devices;
  });
  return {
    pid: child.pid ?? 0,
    gather: async () => {
      const want = Math.round(batches) + 1;
      child.stdin.write('\n');
      while (Math.round(batches) < want) await new Promise((r) => setTimeout(r, 1));
    },
    stop: () => child.stdin.end(),
  };
}

/**
 * Execd runs side by side, one per program, gathers back to back and
 * interleaved (a gather of each in turn, so the machine's drift hits all of
 * them alike; at Telegraf's one per 10 s, 1,000 gathers are under 3 hours
 * of a run that lasts weeks), measured in each child from /proc: CPU per
 * gather just after start-up (gathers 31 to 130) and in the steady state
 * from {@link EXECD_WARM_UP} on, and resident memory every 1,000 gathers up
 * to `gathers`.
 */
export async function execdRuns(argsFor: (url: string) => string[], programs: readonly ExecdProgram[], gathers = EXECD_WARM_UP + 500): Promise<ExecdRun[]> {
  const sim = await simulatorProcess();
  const children = programs.map((p) => execdChild(argsFor(sim.url), 4, p));
  const rss = children.map(() => new Map<number, number>());
  let done = 0;
  const gather = async (): Promise<void> => {
    for (const child of children) await child.gather();
    done++;
    if (done % 1000 === 0 || done === 10) for (const [k, child] of children.entries()) rss[k]?.set(done, rssMiB(child.pid));
  };
  const perGather = async (n: number): Promise<number[]> => {
    const before = children.map((c) => cpuMs(c.pid));
    for (let i = 0; i < n; i++) await gather();
    return children.map((c, k) => (cpuMs(c.pid) - (before[k] ?? 0)) / n);
  };
  // The first gathers find identities and descriptions.
  for (let i = 0; i < 30; i++) await gather();
  const early = await perGather(100);
  while (done < EXECD_WARM_UP) await gather();
  const steady = await perGather(Math.max(500, gathers - EXECD_WARM_UP));
  const split = children.map((c) => rssSplitMiB(c.pid));
  for (const child of children) child.stop();
  sim.stop();
  return children.map((_, k) => ({ early: early[k] ?? NaN, steady: steady[k] ?? NaN, rss: rss[k] ?? new Map(), split: split[k] ?? { file: NaN, own: NaN } }));
}

/** {@link execdRuns} of the launcher alone. */
export async function execdRun(argsFor: (url: string) => string[], gathers = EXECD_WARM_UP + 500): Promise<ExecdRun> {
  const [run] = await execdRuns(argsFor, [LAUNCHER_EXECD], gathers);
  if (!run) throw new Error('no execd run');
  return run;
}

/** What an execd beside a hostile speaker kept: resident memory after some gathers, and its state file. */
interface HostileRun {
  /** MiB, after the given number of gathers. */
  readonly rss: Map<number, number>;
  readonly stateBytes: number;
  /** CPU per gather, ms, over the whole run. */
  readonly cpu: number;
}

/**
 * An execd reading a gateway and the first speaker of a simulator with
 * `fault` (`many-interfaces`, `new-interfaces`), with a state file, gathers
 * back to back: its resident memory after 10, 100 and every 250 gathers up
 * to `gathers`, and the state file's size at the end.
 */
export async function hostileExecdRun(fault: string, gathers: number): Promise<HostileRun> {
  const sim = await simulatorProcess(['--fault', fault]);
  const dir = mkdtempSync(`${tmpdir()}/homenet-bench-hostile-`);
  writeFileSync(`${dir}/h.ini`, `state_file = ${dir}/state.json\n[gw]\ntype = att-pace\nurl = ${sim.url}\n[spk]\ntype = sonos\nurl = ${sim.url}/sonos/1\n`);
  const child = execdChild(['--config', `${dir}/h.ini`], 2);
  const rss = new Map<number, number>();
  const before = cpuMs(child.pid);
  for (let done = 1; done <= gathers; done++) {
    await child.gather();
    if (done === 10 || done === 100 || done % 250 === 0) rss.set(done, rssMiB(child.pid));
  }
  const cpu = (cpuMs(child.pid) - before) / gathers;
  const stateBytes = statSync(`${dir}/state.json`).size;
  child.stop();
  sim.stop();
  rmSync(dir, { recursive: true, force: true });
  return { rss, stateBytes, cpu };
}

/**
 * What the same requests cost with nothing but node:http (keep-alive, one
 * connection per device, bodies discarded), in this process: the floor under
 * the execd figure.
 */
export async function httpFloor(url: string, paths: string[][]): Promise<number> {
  const http = await import('node:http');
  const agents = paths.map(() => new http.Agent({ keepAlive: true, maxSockets: 1 }));
  const get = (agent: import('node:http').Agent, path: string): Promise<void> =>
    new Promise((resolve, reject) => {
      http
        .get(`${url}${path}`, { agent }, (res) => {
          res.on('data', () => undefined).on('end', resolve);
        })
        .on('error', reject);
    });
  const gather = (): Promise<unknown> =>
    Promise.all(
      paths.map(async (list, i) => {
        for (const p of list) await get(agents[i] as import('node:http').Agent, p);
      }),
    );
  for (let i = 0; i < EXECD_WARM_UP; i++) await gather();
  const before = process.cpuUsage();
  const n = 500;
  for (let i = 0; i < n; i++) await gather();
  const used = process.cpuUsage(before);
  for (const a of agents) a.destroy();
  return (used.user + used.system) / 1000 / n;
}
