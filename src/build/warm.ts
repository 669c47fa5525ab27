/**
 * Part of the build: V8's code cache for dist/bundle/program.js, made by the
 * Node that will run it (a cache is only accepted by the V8 version, and
 * flags, that made it).
 *
 * V8 compiles a function on its first call. A cache made right after
 * compiling the text holds only the top level; this one is made after the
 * program has collected from the simulator the way users run it, so it also
 * holds every function a collect calls: the next run deserializes them
 * instead of parsing and compiling them.
 *
 * Run directly as `NODE warm.js PROGRAM CACHE URL` by the Node the cache is
 * for; {@link makeCodeCache} does that with a simulator running.
 *
 * This is a build tool, not part of the program: it may run other programs.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';
import { declared } from '../devices/index.js';
import { programPath } from './targets.js';

/**
 * The command lines run before the cache is made: the everyday collect of
 * every device type, as each registered make's simulator says (its warm-up
 * lists); the i-th list of every make in one run, as users mix them.
 */
async function warmRuns(url: string): Promise<string[][]> {
  const makes = await Promise.all(declared((k) => (k.simulator ? [k.simulator] : [])).map((load) => load()));
  const lists = makes.map((m) => m.warmUp?.(url) ?? []);
  const runs = Math.max(0, ...lists.map((l) => l.length));
  return Array.from({ length: runs }, (_, i) => lists.flatMap((l) => l[i] ?? []).flatMap((d) => ['--device', d]));
}

interface Program {
  main: (argv: string[], io: { stdout: (t: string) => void; stderr: (t: string) => void; signal: AbortSignal; env: Record<string, string> }) => Promise<number>;
}

/** Compiles and runs the program text as the launcher does, runs `runs`, and writes the code cache to `out`. */
async function warm(file: string, out: string, runs: string[][]): Promise<void> {
  const script = new Script(readFileSync(file, 'utf8'), { filename: file });
  const module = { exports: {} as Program };
  (script.runInThisContext() as (...a: unknown[]) => void)(module.exports, createRequire(file), module, file, dirname(file));
  for (const args of runs) {
    let errors = '';
    const code = await module.exports.main(args, { stdout: () => undefined, stderr: (t) => (errors += t), signal: new AbortController().signal, env: {} });
    if (code !== 0) throw new Error(`warming the code cache: ${args.join(' ')} exited ${code}\n${errors}`);
  }
  writeFileSync(out, script.createCachedData());
}

/**
 * Writes the code cache for the built program to `out`: starts the simulator
 * (with this process's Node), and has `run` run this file with the Node the
 * cache is for (the arguments after the script's path are given).
 */
export async function makeCodeCache(root: string, out: string, run: (args: string[]) => void): Promise<void> {
  const sim = spawn(process.execPath, [`${root}bin/telegraf-homenet`, 'simulate', '--port', '0'], { stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let text = '';
      sim.on('exit', (code) => {
        reject(new Error(`the simulator exited (${code}) before it started`));
      });
      sim.stdout.setEncoding('utf8').on('data', (d: string) => {
        text += d;
        if (text.includes('\n')) resolve(text.split('\n')[0] ?? '');
      });
    });
    run([fileURLToPath(import.meta.url), programPath(root), out, url]);
  } finally {
    sim.kill();
  }
}

const direct = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1];
if (direct) {
  const [file, out, url] = process.argv.slice(2);
  if (file === undefined || out === undefined || url === undefined) throw new Error('usage: warm.js PROGRAM CACHE URL');
  await warm(file, out, await warmRuns(url));
  // Keep-alive sockets and the like must not hold the build up.
  process.exit(0);
}
