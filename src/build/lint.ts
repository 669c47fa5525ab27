/**
 * `npm run lint`: ESLint (typescript-eslint, strict and type-aware, over
 * src/ and test/; the launcher and the config file without types; no
 * function in src/ over 80 lines), Prettier's check (the layout `npm run
 * format` writes), the launcher's type check (typecheck.ts) and the import
 * graph's (imports.ts: no circle, no export nobody imports), each with what
 * caches it has in dist/.
 *
 * When nothing they read has changed since the last run that passed (one
 * hash over every file under src/, test/ and bin/, the config files, the lock
 * file and the Node version), none of them runs again: the same files give
 * the same verdict, and starting them costs seconds even when their caches
 * say every file is clean. A run that fails leaves no mark, so the next one
 * runs them all.
 *
 * This is a build tool, not part of the program.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** The hash of what the last clean run read. */
const STAMP = `${ROOT}dist/.lint-clean`;
/** What the checks read besides src/, test/ and bin/. */
const CONFIGS = ['.eslint.config.js', '.prettierrc.json', '.prettierignore', '.editorconfig', 'tsconfig.json', 'package.json', 'package-lock.json'];

/** Each check, as a command without a shell. */
const CHECKS: readonly (readonly [string, readonly string[]])[] = [
  [
    `${ROOT}node_modules/.bin/eslint`,
    ['-c', '.eslint.config.js', '--cache', '--cache-strategy', 'content', '--cache-location', 'dist/.eslintcache', 'src', 'test', 'bin/telegraf-homenet', '.eslint.config.js'],
  ],
  [`${ROOT}node_modules/.bin/prettier`, ['--check', '--log-level', 'warn', '--cache', '--cache-location', 'dist/.prettiercache', '.']],
  [process.execPath, [`${ROOT}dist/src/build/typecheck.js`]],
  [process.execPath, [`${ROOT}dist/src/build/imports.js`]],
];

/** Every file under `dir` (relative to the root), in a stable order. */
function walk(dir: string): string[] {
  return readdirSync(`${ROOT}${dir}`, { encoding: 'utf8' })
    .sort()
    .flatMap((name) => (statSync(`${ROOT}${dir}/${name}`).isDirectory() ? walk(`${dir}/${name}`) : [`${dir}/${name}`]));
}

/** One hash over the names and contents of what the checks read, and the Node that runs them. */
function inputsHash(): string {
  const hash = createHash('sha256').update(process.version);
  for (const file of [...walk('src'), ...walk('test'), ...walk('bin'), ...CONFIGS.filter((f) => existsSync(`${ROOT}${f}`))]) {
    hash.update(`\0${file}\0`).update(readFileSync(`${ROOT}${file}`));
  }
  return hash.digest('hex');
}

/**
 * Runs one check; its exit code and everything it printed. The checks run at
 * once (ESLint, the longest at about 31 s on a fresh tree here, beside
 * Prettier's 11 s and the two type-reading checks' 6 s), so each one's output
 * is kept and written whole when it ends, not interleaved.
 */
function runCheck(program: string, args: readonly string[]): Promise<{ code: number; output: Buffer }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const child = spawn(program, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (b: Buffer) => chunks.push(b));
    child.stderr.on('data', (b: Buffer) => chunks.push(b));
    child.on('error', (err) => {
      chunks.push(Buffer.from(`lint: cannot run ${program}: ${err.message}\n`));
    });
    child.on('close', (code) => {
      resolve({ code: code ?? 1, output: Buffer.concat(chunks) });
    });
  });
}

const hash = inputsHash();
if (existsSync(STAMP) && readFileSync(STAMP, 'utf8') === hash) {
  process.stdout.write('lint: nothing changed since the last run that passed\n');
} else {
  const results = await Promise.all(
    CHECKS.map(async ([program, args]) => {
      const r = await runCheck(program, args);
      process.stdout.write(r.output);
      return r.code;
    }),
  );
  if (results.some((code) => code !== 0)) process.exitCode = 1;
  else writeFileSync(STAMP, hash);
}
