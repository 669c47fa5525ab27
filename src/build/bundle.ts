/**
 * Part of `npm run build`: bundles the program into dist/bundle/ with
 * esbuild for bin/ to run. Loading 60 small module files costs more than the
 * program's own work on a short `collect`; one entry file plus chunks loaded
 * only by the commands that need them (yargs, the simulator, execd,
 * discovery) starts faster.
 *
 * esbuild splits only ES modules, but Node's ES module loader costs every
 * start 15-17 ms more than require() does (measured: `collect` of a gateway
 * and three speakers, 228 against 211 ms). So the split output is turned
 * into CommonJS file by file: imports between chunks become require(), and
 * dynamic import() a require() on first use. dist/bundle/package.json and
 * bin/package.json say "commonjs" for those two folders only.
 */
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build, transform } from 'esbuild';
import { prebuiltEntities } from './entities.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const out = `${root}dist/bundle`;
const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { version: string };

// Chunk names carry content hashes: old ones must not linger and ship.
rmSync(out, { recursive: true, force: true });
await build({
  entryPoints: [`${root}src/cli.ts`],
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outdir: out,
  entryNames: '[name]',
  chunkNames: 'chunks/[name]-[hash]',
  define: { HOMENET_VERSION: JSON.stringify(pkg.version) },
  legalComments: 'none',
  logLevel: 'error',
  plugins: [prebuiltEntities],
});

for (const file of ['cli.js', ...readdirSync(`${out}/chunks`).map((f) => `chunks/${f}`)]) {
  const { code } = await transform(readFileSync(`${out}/${file}`, 'utf8'), {
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    // yargs' ES module shim asks import.meta.url where it is: this file.
    define: { 'import.meta.url': 'importMetaUrl' },
    banner: 'const importMetaUrl = require("node:url").pathToFileURL(__filename).href;',
    logLevel: 'error',
  });
  const text = code.replace(/\bimport\((["'][^"']+["'])\)/g, 'Promise.resolve().then(() => require($1))');
  if (/\bimport\(/.test(text)) throw new Error(`${file}: a dynamic import() is left that is not a plain path`);
  writeFileSync(`${out}/${file}`, text);
}
writeFileSync(`${out}/package.json`, '{ "type": "commonjs" }\n');
