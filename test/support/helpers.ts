/** Shared test helpers: paths, running the built program, line checks. */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname } from 'node:path';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Io } from '../../src/cli/index.js';

/** The repository root (tests run from dist/test). */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** The launcher users run. */
export const BIN = `${ROOT}bin/telegraf-homenet`;
/** Fixture folders live in the source tree, not in dist. */
export const FIXTURES = `${ROOT}test/fixtures/`;

export interface RunResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Wall time of the whole process, ms. */
  readonly ms: number;
}

/** What main() printed and returned, run in this process. */
export interface MainResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the command line in this process (`main`, as the launcher would), with
 * an empty environment unless `io` gives one; its exit code and output. `io`
 * gives what the launcher would (env, signal, stdin, a terminal, clocks).
 */
export async function runMain(argv: readonly string[], io: Partial<Omit<Io, 'stdout' | 'stderr'>> = {}): Promise<MainResult> {
  const { main } = await import('../../src/cli/index.js');
  let stdout = '';
  let stderr = '';
  const code = await main([...argv], { env: {}, ...io, stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

/** Runs bin/telegraf-homenet with `args` (no shell) and collects its output. */
export function runBin(args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; input?: string } = {}): Promise<RunResult> {
  return runProgram(process.execPath, [BIN, ...args], options);
}

/** Runs a copy of the launcher at `bin`, with `input` on stdin. */
export function runBinAt(bin: string, args: readonly string[], input = ''): Promise<RunResult> {
  return runProgram(process.execPath, [bin, ...args], { input });
}

/** Runs any program (no shell) and collects its output. */
export function runProgram(program: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; input?: string } = {}): Promise<RunResult> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(program, [...args], {
      cwd: options.cwd ?? ROOT,
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: performance.now() - started });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** A copy of the launcher and the built program, in a folder of its own every user can read. */
export interface OpenCopy {
  /** The copy's folder (bin/ and dist/bundle/ in it). */
  readonly dir: string;
  /** Its launcher. */
  readonly bin: string;
  remove(): void;
}

/**
 * The folder that keeps another user from reading `path` (each folder above
 * it must be open to others), or undefined when none does.
 */
export function closedFolderAbove(path: string): string | undefined {
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    if ((statSync(dir).mode & 0o005) !== 0o005) return dir;
    if (dir === dirname(dir)) return undefined;
  }
}

/**
 * bin/ and dist/bundle/ copied into a new folder under the system's temporary
 * folder, open to every user, for a test that runs the program as another user
 * or checks what another user sees: the clone itself may sit in a folder
 * closed to them (mode 700, as `mktemp -d` makes), where another user running
 * the launcher would fail with "Cannot find module". Throws, saying what to
 * do, when even the copy is out of their reach.
 */
export function openCopy(): OpenCopy {
  const dir = mkdtempSync(`${tmpdir()}/homenet-open-`);
  cpSync(`${ROOT}bin`, `${dir}/bin`, { recursive: true });
  cpSync(`${ROOT}dist/bundle`, `${dir}/dist/bundle`, { recursive: true });
  for (const d of [dir, `${dir}/bin`, `${dir}/dist`, `${dir}/dist/bundle`]) chmodSync(d, 0o755);
  for (const f of readdirSync(`${dir}/dist/bundle`)) chmodSync(`${dir}/dist/bundle/${f}`, 0o644);
  chmodSync(`${dir}/bin/package.json`, 0o644);
  chmodSync(`${dir}/bin/telegraf-homenet`, 0o755);
  const closed = closedFolderAbove(`${dir}/bin`);
  if (closed !== undefined) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(
      `${closed} is closed to other users (mode ${(statSync(closed).mode & 0o777).toString(8)}), so this test cannot give them a copy of the program: run it with TMPDIR set to a folder every user can enter (TMPDIR=/tmp)`,
    );
  }
  return { dir, bin: `${dir}/bin/telegraf-homenet`, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Standard input that gives each string as one read, then ends (for execd in this process). */
export async function* reads(chunks: readonly string[]): AsyncIterable<string> {
  for (const c of chunks) yield await Promise.resolve(c);
}

/** Lines of output, without the final empty string. */
export function lines(text: string): string[] {
  return text.split('\n').filter((l, i, all) => !(l === '' && i === all.length - 1));
}

/** A loopback port with nothing listening on it (for "connection refused"). */
export async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** The TCP ports a process listens on (Linux: its socket inodes matched against /proc/net/tcp and tcp6). */
export function listeningPorts(pid: number): number[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m?.[1] !== undefined) inodes.add(m[1]);
    } catch {
      // Closed while we looked.
    }
  }
  const ports: number[] = [];
  for (const table of ['tcp', 'tcp6']) {
    for (const row of readFileSync(`/proc/net/${table}`, 'utf8').split('\n').slice(1)) {
      const f = row.trim().split(/\s+/);
      // Column 1 is local address:port in hex, 3 the state (0A: LISTEN), 9 the inode.
      if (f[3] === '0A' && inodes.has(f[9] ?? '')) ports.push(parseInt(f[1]?.split(':').pop() ?? '', 16));
    }
  }
  return ports;
}

/**
 * Starts `execd` (`program args`), sends it SIGUSR1 once it is ready, then a
 * newline, and ends stdin once that gather is written. Returns the TCP ports
 * it listened on after the gather (Node's inspector would be on 9229), and
 * how it ended.
 */
export async function execdAfterSigusr1(program: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<RunResult & { ports: number[] }> {
  const started = performance.now();
  const child = spawn(program, [...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  let stdout = '';
  let stderr = '';
  let ports: number[] = [];
  const seen = (text: string, then: () => void): ((d: string) => void) => {
    let done = false;
    return () => {
      if (!done && (stdout + stderr).includes(text)) {
        done = true;
        then();
      }
    };
  };
  const ready = seen('I! telegraf-homenet execd', () => {
    child.kill('SIGUSR1');
    child.stdin.write('\n');
  });
  const gathered = seen('homenet_scrape,', () => {
    ports = listeningPorts(child.pid ?? 0);
    child.stdin.end();
  });
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
    gathered(d);
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
    ready(d);
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      resolve({ code, signal, stdout, stderr, ms: performance.now() - started, ports });
    });
  });
}

/** A self-signed certificate for 127.0.0.1 made by openssl in `dir` (the tests' HTTPS servers): its key and certificate, PEM. */
export function selfSignedCertificate(dir: string): { key: Buffer; cert: Buffer } {
  const made = spawnSync('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=127.0.0.1',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
    '-keyout',
    `${dir}/key.pem`,
    '-out',
    `${dir}/cert.pem`,
  ]);
  if (made.status !== 0) throw new Error(`openssl could not make a certificate: ${made.stderr.toString()}`);
  return { key: readFileSync(`${dir}/key.pem`), cert: readFileSync(`${dir}/cert.pem`) };
}
