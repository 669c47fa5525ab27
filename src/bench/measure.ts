/** What every `npm run bench` figure is measured with: processes timed and sampled, the simulator in a process of its own, the report. */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { baseFolder } from '../build/binary.js';
import { binaryPath, target } from '../build/targets.js';

export const root = fileURLToPath(new URL('../../../', import.meta.url));
/**
 * The checkout whose program is measured: this one, or another one built
 * (`BENCH_PROGRAM=/path/to/checkout/`: a before-and-after comparison, with
 * this checkout's simulator, floors and figures for both).
 */
export const PROGRAM_ROOT = (process.env['BENCH_PROGRAM'] ?? root).replace(/\/?$/, '/');
export const BIN = `${PROGRAM_ROOT}bin/telegraf-homenet`;
/** The single binary `npm run binary` makes for x64, and the official Node it is made from (the floor of its start-up). */
export const BINARY = binaryPath(PROGRAM_ROOT, 'x64');
export const BASE_NODE = `${baseFolder(target('x64'))}bin/node`;
export const RUNS = Number(process.env['BENCH_RUNS'] ?? 11);

/**
 * The environment of every program measured: this one's (as it is now), without
 * NODE_EXTRA_CA_CERTS. Node 20 reads that file and builds its whole store of
 * root certificates at start (60 ms of CPU on the bench machine, 22 and
 * later when a connection needs it): it doubled `node -e 0` on Node 20 and
 * hid the program's own start-up in both sides of every ratio. Telegraf's
 * environment has no reason to set it.
 */
export function childEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_EXTRA_CA_CERTS'));
}

/** The machine's load (1-minute average) now. */
function loadNow(): number {
  return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
}

/** The lowest and highest load seen, as the figures say it: `load 2.1-3.4`. */
export class LoadSpan {
  private low = Infinity;
  private high = -Infinity;

  constructor() {
    this.sample();
  }

  sample(): void {
    const now = loadNow();
    this.low = Math.min(this.low, now);
    this.high = Math.max(this.high, now);
  }

  toString(): string {
    this.sample();
    return `load ${this.low.toFixed(1)}-${this.high.toFixed(1)}`;
  }
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

export interface ProcessRun {
  ms: number;
  peakKiB: number;
  /** Highest private (anonymous) resident memory seen, sampled every 2 ms. */
  anonKiB: number;
  /** CPU time of all its threads, ms: perf's task-clock where perf works, else user + system from GNU time (10 ms resolution); undefined without either. */
  cpuMs: number | undefined;
  code: number | null;
}

/** The program's own pid under the `wrappers` runProcess starts it with (perf, GNU time), once it has started. */
function programPid(pid: number, wrappers: number): number | undefined {
  let at = pid;
  for (let depth = 0; depth < wrappers; depth++) {
    try {
      const child = Number(readFileSync(`/proc/${at}/task/${at}/children`, 'utf8').trim().split(' ')[0]);
      if (!child) return undefined;
      at = child;
    } catch {
      return undefined;
    }
  }
  return at;
}

// GNU time reads the peak resident size from the kernel when the program
// ends (ru_maxrss); polling /proc can only sample it.
const GNU_TIME = '/usr/bin/time';
export const haveGnuTime = existsSync(GNU_TIME) && spawnSync(GNU_TIME, ['-f', '%M', 'true'], { encoding: 'utf8' }).stderr.trim() !== '';
let runCount = 0;
/** perf's task-clock counts a program's CPU time to the microsecond (GNU time: 10 ms), and its clock its run; where perf runs at all. */
const havePerf = spawnSync('perf', ['stat', '-x,', '-e', 'task-clock', 'true'], { stdio: 'ignore' }).status === 0;
export const CPU_CLOCK = havePerf ? "perf's task-clock" : haveGnuTime ? 'GNU time (user + system, 10 ms steps)' : 'nothing (install perf or GNU time)';

/** Runs a program to its end; wall time, peak resident memory and CPU time. */
export function runProcess(program: string, args: string[], input?: string): Promise<ProcessRun> {
  const rssFile = `${tmpdir()}/homenet-bench-rss-${process.pid}-${runCount++}`;
  const cpuFile = `${rssFile}-cpu`;
  const timed: [string, string[]] = haveGnuTime ? [GNU_TIME, ['-f', '%M %U %S', '-o', rssFile, program, ...args]] : [program, args];
  // perf around GNU time: the time program's own CPU is a fraction of a millisecond.
  const [cmd, argv] = havePerf ? ['perf', ['stat', '-e', 'task-clock', '-o', cpuFile, '--', ...timed.flat()]] : timed;
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(cmd, argv, { stdio: ['pipe', 'ignore', 'ignore'], cwd: '/', env: childEnv() });
    let peakKiB = 0;
    let anonKiB = 0;
    const poll = setInterval(() => {
      try {
        const pid = programPid(child.pid ?? 0, (havePerf ? 1 : 0) + (haveGnuTime ? 1 : 0));
        if (pid === undefined) return;
        const status = readFileSync(`/proc/${pid}/status`, 'utf8');
        const hwm = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
        const anon = /RssAnon:\s+(\d+) kB/.exec(status)?.[1];
        if (hwm !== undefined && !haveGnuTime) peakKiB = Math.max(peakKiB, Number(hwm));
        if (anon !== undefined) anonKiB = Math.max(anonKiB, Number(anon));
      } catch {
        // gone
      }
    }, 2);
    child.on('exit', (code) => {
      let ms = performance.now() - started;
      clearInterval(poll);
      let cpu: number | undefined;
      if (haveGnuTime) {
        const [kib, user, sys] = (readFileSync(rssFile, 'utf8').trim().split('\n').pop() ?? '').split(' ').map(Number);
        peakKiB = kib ?? 0;
        cpu = ((user ?? NaN) + (sys ?? NaN)) * 1000;
        rmSync(rssFile, { force: true });
      }
      if (havePerf) {
        // perf's own start (20 ms) is not the program's: its clock runs from the program's start to its end.
        const stat = readFileSync(cpuFile, 'utf8').replace(/(\d),(\d)/g, '$1$2');
        cpu = Number(/([\d.]+) msec task-clock/.exec(stat)?.[1] ?? NaN);
        ms = Number(/([\d.]+) seconds time elapsed/.exec(stat)?.[1] ?? NaN) * 1000;
        rmSync(cpuFile, { force: true });
      }
      resolve({ ms, peakKiB, anonKiB, cpuMs: cpu, code });
    });
    child.stdin.end(input ?? '');
  });
}

/** CPU time (user + system) of a process so far, ms, from /proc. */
export function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8')
    .replace(/^.*\) /, '')
    .split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / 100;
}

interface Row {
  readonly what: string;
  readonly figure: string;
  readonly target: string;
  readonly met: boolean | undefined;
}
export const rows: Row[] = [];
export function report(what: string, figure: string, target: string, met: boolean | undefined): void {
  rows.push({ what, figure, target, met });
  process.stdout.write(`${what.padEnd(58)} ${figure.padEnd(26)} ${target.padEnd(12)} ${met === undefined ? 'info' : met ? 'met' : 'MISSED'}\n`);
}

/** Starts the simulator as its own process (so its CPU is not ours) and returns its URL. */
export async function simulatorProcess(args: string[] = []): Promise<{ url: string; stop: () => void }> {
  const child = spawn(process.execPath, [`${root}bin/telegraf-homenet`, 'simulate', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'ignore'], env: childEnv() });
  const url = await new Promise<string>((resolve) => {
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (out.includes('\n')) resolve(out.split('\n')[0] ?? '');
    });
  });
  return { url, stop: () => child.kill('SIGTERM') };
}

/** The four pages a default collect of the simulated Pace gateway at `url` fetches, in order. */
export function gatewayPages(url: string): string[] {
  return ['C_1_0', 'C_0_0', 'C_2_5', 'C_5_5'].map((p) => `${url}/xslt?PAGE=${p}`);
}

/** The three pages a default collect of simulated speaker `n` at `url` fetches, in order. */
export function speakerPages(url: string, n: number): string[] {
  return ['/status/zp', '/status/ifconfig', '/xml/device_description.xml'].map((p) => `${url}/sonos/${n}${p}`);
}

/**
 * A program that fetches the same pages on bare node:net sockets and parses
 * nothing: what any Node program that makes these requests pays on top of
 * `node -e 0`. Two at a time per host:port, as many as collect may use
 * there, each host's pages in the devices' order.
 */
export function bareRequestsScript(devices: string[][]): string {
  return `const net = require('node:net');
    const hosts = new Map();
    for (const u of ${JSON.stringify(devices.flat())}) { const h = new URL(u).host; if (!hosts.has(h)) hosts.set(h, []); hosts.get(h).push(u); }
    const get = (u) => new Promise((ok, fail) => {
      const { hostname, port, pathname, search } = new URL(u);
      const s = net.connect(Number(port), hostname);
      let head = '';
      s.on('error', fail).on('data', (d) => { if (head.length < 12) head += d.toString('latin1'); });
      s.on('end', () => (head.startsWith('HTTP/1.1 200') ? ok() : fail(new Error(u + ': ' + head.slice(0, 12)))));
      s.write('GET ' + pathname + search + ' HTTP/1.1\\r\\nHost: ' + hostname + ':' + port + '\\r\\nConnection: close\\r\\n\\r\\n');
    });
    const lane = async (pages) => { for (let u; (u = pages.shift()); ) await get(u); };
    Promise.all([...hosts.values()].flatMap((pages) => [lane(pages), lane(pages)])).catch((e) => { console.error(e); process.exitCode = 1; });`;
}

/** htmlparser2 (which the design fixes) bundled alone into one file that parses one tag: its start-up cost. */
export async function htmlparser2Alone(dir: string): Promise<string> {
  const { build } = await import('esbuild');
  const file = `${dir}/htmlparser2-alone.cjs`;
  await build({
    stdin: { contents: "const { Parser } = require('htmlparser2'); new Parser({}, {}).end('<p>a&amp;b</p>');", resolveDir: root, loader: 'js' },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    outfile: file,
    logLevel: 'error',
  });
  return file;
}

/**
 * Issue 16's start-up targets: a collect against the floor (a bare program
 * of the same Node build making the same requests), for the launcher and the
 * single binary, every program interleaved in one loop so that the machine's
 * drift hits all of them alike; and the binary against the launcher.
 */
