/** What every `npm run bench` figure is measured with: processes timed and sampled, the simulator in a process of its own, the report. */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { baseFolder } from '../build/binary.js';
import { binaryPath, target } from '../build/targets.js';

export const root = fileURLToPath(new URL('../../../', import.meta.url));
export const BIN = `${root}bin/telegraf-homenet`;
/** The single binary `npm run binary` makes for x64, and the official Node it is made from (the floor of its start-up). */
export const BINARY = binaryPath(root, 'x64');
export const BASE_NODE = `${baseFolder(target('x64'))}bin/node`;
export const RUNS = Number(process.env['BENCH_RUNS'] ?? 11);

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
  /** User + system CPU time, ms (10 ms resolution), from GNU time; undefined without it. */
  cpuMs: number | undefined;
  code: number | null;
}

/** The program's own pid: GNU time's child when it runs under GNU time. */
export function programPid(pid: number): number {
  if (!haveGnuTime) return pid;
  try {
    return Number(readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(' ')[0]) || pid;
  } catch {
    return pid;
  }
}

// GNU time reads the peak resident size from the kernel when the program
// ends (ru_maxrss); polling /proc can only sample it.
export const GNU_TIME = '/usr/bin/time';
export const haveGnuTime = existsSync(GNU_TIME) && spawnSync(GNU_TIME, ['-f', '%M', 'true'], { encoding: 'utf8' }).stderr.trim() !== '';
export let runCount = 0;

/** Runs a program to its end; wall time and peak resident memory. */
export function runProcess(program: string, args: string[], input?: string): Promise<ProcessRun> {
  const rssFile = `${tmpdir()}/homenet-bench-rss-${process.pid}-${runCount++}`;
  const [cmd, argv] = haveGnuTime ? [GNU_TIME, ['-f', '%M %U %S', '-o', rssFile, program, ...args]] : [program, args];
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(cmd, argv, { stdio: ['pipe', 'ignore', 'ignore'], cwd: '/' });
    let peakKiB = 0;
    let anonKiB = 0;
    const poll = setInterval(() => {
      try {
        const status = readFileSync(`/proc/${programPid(child.pid ?? 0)}/status`, 'utf8');
        const hwm = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
        const anon = /RssAnon:\s+(\d+) kB/.exec(status)?.[1];
        if (hwm !== undefined && !haveGnuTime) peakKiB = Math.max(peakKiB, Number(hwm));
        if (anon !== undefined) anonKiB = Math.max(anonKiB, Number(anon));
      } catch {
        // gone
      }
    }, 2);
    child.on('exit', (code) => {
      const ms = performance.now() - started;
      clearInterval(poll);
      let cpu: number | undefined;
      if (haveGnuTime) {
        const [kib, user, sys] = (readFileSync(rssFile, 'utf8').trim().split('\n').pop() ?? '').split(' ').map(Number);
        peakKiB = kib ?? 0;
        cpu = ((user ?? NaN) + (sys ?? NaN)) * 1000;
        rmSync(rssFile, { force: true });
      }
      resolve({ ms, peakKiB, anonKiB, cpuMs: cpu, code });
    });
    child.stdin.end(input ?? '');
  });
}

/** CPU time (user + system) of a process so far, ms, from /proc. */
export function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / 100;
}

export interface Row {
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
  const child = spawn(process.execPath, [BIN, 'simulate', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'ignore'] });
  const url = await new Promise<string>((resolve) => {
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (out.includes('\n')) resolve(out.split('\n')[0] ?? '');
    });
  });
  return { url, stop: () => child.kill('SIGTERM') };
}

/**
 * The pages a default collect of the gateway and three speakers fetches,
 * one list per device, in order.
 */
export function collectPages(url: string): string[][] {
  const pace = ['C_1_0', 'C_0_0', 'C_2_5', 'C_5_5'].map((p) => `${url}/xslt?PAGE=${p}`);
  const speaker = (n: number): string[] => ['/status/zp', '/status/ifconfig', '/xml/device_description.xml'].map((p) => `${url}/sonos/${n}${p}`);
  return [pace, speaker(1), speaker(2), speaker(3)];
}

/**
 * A program that fetches the same pages on bare node:net sockets (two
 * devices at a time, as collect does on one host:port) and parses nothing:
 * what any Node program that makes these requests pays on top of `node -e 0`.
 */
export function bareRequestsScript(devices: string[][]): string {
  return `const net = require('node:net');
    const devices = ${JSON.stringify(devices)};
    const get = (u) => new Promise((ok, fail) => {
      const { hostname, port, pathname, search } = new URL(u);
      const s = net.connect(Number(port), hostname);
      let head = '';
      s.on('error', fail).on('data', (d) => { if (head.length < 12) head += d.toString('latin1'); });
      s.on('end', () => (head.startsWith('HTTP/1.1 200') ? ok() : fail(new Error(u + ': ' + head.slice(0, 12)))));
      s.write('GET ' + pathname + search + ' HTTP/1.1\\r\\nHost: ' + hostname + ':' + port + '\\r\\nConnection: close\\r\\n\\r\\n');
    });
    const lane = async () => { for (let d; (d = devices.shift()); ) for (const u of d) await get(u); };
    Promise.all([lane(), lane()]).catch((e) => { console.error(e); process.exitCode = 1; });`;
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
