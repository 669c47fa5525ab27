/**
 * Part of `npm run build`: the whole program in one file,
 * dist/bundle/program.js, and V8's code cache for it made by this Node
 * (dist/bundle/program.<node version>-<arch>.cache). bin/telegraf-homenet
 * and the single binary both run that file (see the launcher).
 *
 * Where a short `collect` spent its time above a bare Node program making the
 * same requests (CPU profiles, 2026-12-01): compiling our code (V8 parses the
 * text, then compiles each function on its first call), finding and reading
 * the 12 files of the old split bundle, and the garbage that compiling
 * leaves. So:
 * - one file, compiled once, no module resolution; the commands a run does
 *   not use cost only a pre-parse, or nothing with the code cache;
 * - ASCII only: one character outside it made V8 hold the whole text as
 *   two-byte characters (the build fails on any);
 * - whitespace and comments removed (names kept, so a stack trace still says
 *   which function): 30% less text to read and scan;
 * - the code cache is made after running the program the way users do
 *   (src/build/warm.ts), so it holds the functions a collect calls, not only
 *   those V8 compiles before running anything. A Node of another version
 *   finds no cache of its name and compiles the text as require() would.
 *   The name also carries the build's id (the program's last line, its
 *   text's CRC-32, which the launcher checks), since V8 would take a cache of
 *   another text of the same length as its own.
 *
 * Dynamic import() becomes require(): a script compiled from text has no
 * module loader behind it, and the bundle imports only Node's own modules.
 *
 * This is a build tool, not part of the program: it may run other programs.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { crc32 } from 'node:zlib';
import { build } from 'esbuild';
import { prebuiltEntities } from './entities.js';
import { bundledPackagesPath, codeCachePath, programPath } from './targets.js';
import { makeCodeCache } from './warm.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { version: string };

/** The parameters the program text is a function of: those of Node's CommonJS wrapper. */
const WRAPPER_PARAMETERS = 'exports, require, module, __filename, __dirname';

/** Writes the program and returns its build id. */
async function bundle(): Promise<string> {
  const { outputFiles, metafile } = await build({
    entryPoints: [`${root}src/cli/index.ts`],
    bundle: true,
    write: false,
    metafile: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    outfile: programPath(root),
    charset: 'ascii',
    minifyWhitespace: true,
    legalComments: 'none',
    define: { HOMENET_VERSION: JSON.stringify(pkg.version), 'import.meta.url': 'importMetaUrl' },
    // yargs' ES module shim asks import.meta.url where it is: the program file (the executable, in the binary).
    banner: { js: 'const importMetaUrl = require("node:url").pathToFileURL(__filename).href;' },
    logLevel: 'error',
    plugins: [prebuiltEntities],
  });
  const code = outputFiles[0]?.text ?? '';
  const text = code.replace(/\bimport\(("node:[a-z_/]+")\)/g, 'Promise.resolve(require($1))');
  if (/\bimport\(/.test(text)) throw new Error('the bundle has a dynamic import() of something other than a Node module');
  const outside = /[\u0080-\uffff]/.exec(text);
  if (outside)
    throw new Error(
      `the bundle has a character outside ASCII (${JSON.stringify(outside[0])} near ${JSON.stringify(text.slice(outside.index - 40, outside.index + 10))}): write it as \\u${outside[0].charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
  rmSync(`${root}dist/bundle`, { recursive: true, force: true });
  mkdirSync(`${root}dist/bundle`, { recursive: true });
  // Strict, as the ES modules it was made from (the banner goes first, so esbuild's own directive is not one).
  const program = `(function (${WRAPPER_PARAMETERS}) {"use strict";${text}\n})\n`;
  // The launcher checks the id against the text's CRC-32 before it uses the cache (bin/telegraf-homenet).
  const id = crc32(program).toString(16).padStart(8, '0');
  writeFileSync(programPath(root), `${program}// build ${id}\n`);
  // The npm packages inside, for the release's LICENSE (their licence comments are not kept in the bundle).
  const packages = new Set(Object.keys(metafile.inputs).flatMap((f) => /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(f)?.[1] ?? []));
  writeFileSync(bundledPackagesPath(root), `${JSON.stringify([...packages].sort(), null, 1)}\n`);
  return id;
}

const id = await bundle();
// The cache for the Node running this build (the system Node that runs bin/telegraf-homenet).
await makeCodeCache(root, codeCachePath(root, id, process.version, process.arch), (args) => execFileSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'] }));
