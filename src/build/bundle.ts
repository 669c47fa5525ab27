/**
 * Part of `npm run build`: bundles the program into dist/bundle/ with
 * esbuild (ES modules, split at every dynamic import) for bin/ to run.
 * Loading 60 small module files costs more than the program's own work on
 * a short `collect`; one entry file plus chunks loaded only by the commands
 * that need them (yargs, the simulator, execd, discovery) starts faster.
 */
import { readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { version: string };

// Chunk names carry content hashes: old ones must not linger and ship.
rmSync(`${root}dist/bundle`, { recursive: true, force: true });
await build({
  entryPoints: [`${root}src/cli.ts`],
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outdir: `${root}dist/bundle`,
  entryNames: '[name]',
  chunkNames: 'chunks/[name]-[hash]',
  define: { HOMENET_VERSION: JSON.stringify(pkg.version) },
  // CommonJS dependencies inside an ES module bundle still call require().
  banner: { js: "import { createRequire as __homenetRequire } from 'node:module'; const require = __homenetRequire(import.meta.url);" },
  legalComments: 'none',
  logLevel: 'error',
});
