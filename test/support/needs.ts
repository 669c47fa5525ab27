/**
 * What a test needs from outside npm (a tool, root, a build step, the shared
 * captures), in one place. A test that cannot run here is skipped with a
 * reason of the form `needs NAME: why (how to get it)`; the runner
 * (run-tests.ts) lists those at the end of the run and, under CI=true, fails
 * the run for every one but {@link CI_MAY_LACK}: in CI a skip would hide a
 * broken install step.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { LTS_NODES, ltsNodePath } from '../../src/build/lts.js';
import { binaryPath, commandFor, type Arch } from '../../src/build/targets.js';
import { netnsMissing } from '../../src/bench/netns.js';
import { ROOT } from './helpers.js';
import { influxdMissing } from './influxd.js';
import { victoriaMissing } from './victoria.js';

/** Everything a test may need that `npm ci` does not give. */
export type Need = 'influxd' | 'victoria-metrics' | 'tmux' | 'openssl' | 'readelf' | 'root' | 'netns' | 'binary-x64' | 'binary-arm64' | 'release' | 'lts' | 'captures' | 'docker';

/** What CI's machine cannot have: a test that needs it may be skipped under CI=true (no Docker engine runs there). */
export const CI_MAY_LACK: readonly Need[] = ['docker'];

/** The form of a skip reason, for the runner. */
export const NEEDS_REASON = /^needs ([a-z0-9-]+): /;

/** Whether `program args` runs and exits 0. */
function runs(program: string, args: readonly string[]): boolean {
  return spawnSync(program, [...args], { stdio: 'ignore' }).status === 0;
}

/**
 * The shared folder of real pages (never in the repository): HOMENET_CAPTURES,
 * else `shared/captures/` beside the clone, or beside the main clone when
 * this is a `git worktree` (its .git is a file naming the main one's).
 */
export function capturesFolder(): string {
  const named = process.env['HOMENET_CAPTURES'];
  if (named !== undefined && named !== '') return named.endsWith('/') ? named : `${named}/`;
  let repo = ROOT;
  try {
    if (statSync(`${ROOT}.git`).isFile()) {
      const gitdir = /^gitdir: (.+)$/m.exec(readFileSync(`${ROOT}.git`, 'utf8'))?.[1]?.trim();
      const main = gitdir === undefined ? undefined : /^(.*)[\\/]\.git[\\/]worktrees[\\/][^\\/]+$/.exec(resolve(ROOT, gitdir))?.[1];
      if (main !== undefined) repo = `${main}/`;
    }
  } catch {
    // No .git at all (an unpacked copy): beside the folder itself.
  }
  return `${resolve(dirname(resolve(repo)), 'shared/captures')}/`;
}

/** Why the single binary for `arch` cannot run here: not built, or no emulator for it. */
function binaryMissing(arch: Arch): string | undefined {
  const path = binaryPath(ROOT, arch);
  if (!existsSync(path)) return `${path} is not built here: run \`npm run binary\` first`;
  const probe = commandFor(arch, path, []);
  return typeof probe === 'string' ? `cannot run ${arch} programs here: ${probe}` : undefined;
}

/** Why each need is not met here, or undefined when it is. */
const CHECKS: Readonly<Record<Need, () => string | undefined>> = {
  influxd: influxdMissing,
  'victoria-metrics': victoriaMissing,
  tmux: () => (runs('tmux', ['-V']) ? undefined : 'tmux is not installed (Debian: apt-get install tmux)'),
  openssl: () => (runs('openssl', ['version']) ? undefined : 'openssl is not installed (Debian: apt-get install openssl)'),
  readelf: () => (runs('readelf', ['--version']) ? undefined : 'readelf is not installed (Debian: apt-get install binutils)'),
  root: () => (process.getuid?.() === 0 ? undefined : 'running the program as another user takes root'),
  netns: netnsMissing,
  'binary-x64': () => binaryMissing('x64'),
  'binary-arm64': () => binaryMissing('arm64'),
  release: () => (existsSync(`${ROOT}dist/release/SHA256SUMS`) ? undefined : 'the release is not made here: run `npm run release` first'),
  lts: () => {
    if (process.arch !== 'x64') return `the LTS Node builds are pinned for x64, this is ${process.arch}`;
    return LTS_NODES.every((n) => existsSync(ltsNodePath(n))) ? undefined : 'the LTS Node builds are not fetched here: run `npm run lts` first';
  },
  captures: () => (existsSync(capturesFolder()) ? undefined : `no captures folder at ${capturesFolder()} (set HOMENET_CAPTURES to it)`),
  docker: () => (runs('docker', ['info']) ? undefined : 'no Docker engine answers here (docker info)'),
};

const known = new Map<Need, string | false>();

/** False when everything named is here; else the skip reason of the first that is not: `needs NAME: why`. */
export function needs(...names: readonly Need[]): string | false {
  for (const name of names) {
    let reason = known.get(name);
    if (reason === undefined) {
      const why = CHECKS[name]();
      reason = why === undefined ? false : `needs ${name}: ${why}`;
      known.set(name, reason);
    }
    if (reason !== false) return reason;
  }
  return false;
}
