/**
 * The npm package (issue 16, item 3): `npm pack`, then `npm install -g` of the
 * tarball on a server that cannot reach any registry, gives a working command.
 * That holds because dist/bundle/program.js already contains htmlparser2, yargs and ini:
 * the package declares no runtime dependency for npm to fetch.
 *
 * Real npm, real tarball, real install into a temporary prefix, with an
 * empty cache and a registry that refuses everything: a loopback server that
 * answers 503 and records each request, so the test sees not only that the
 * install works without a registry but that npm asked it nothing at all.
 * (--offline would hide a fetch behind ENOTCACHED; this shows there is none.)
 * Runs on the build `npm test` has just made (pack with --ignore-scripts:
 * prepack would only build it again).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { isBuiltin } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { build } from 'esbuild';
import { BUILD_ID, codeCachePath } from '../../src/build/targets.js';
import { FIXTURES, ROOT, runProgram } from '../support/helpers.js';
import { brokenLinks, pages } from '../support/markdown.js';

/** The runtime packages the design card allows the program (DESIGN.md, Dependencies). */
const RUNTIME = ['htmlparser2', 'ini', 'yargs'];

interface Manifest {
  version: string;
  license?: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  bundleDependencies?: unknown;
}
const manifest = (path: string): Manifest => JSON.parse(readFileSync(path, 'utf8')) as Manifest;

/**
 * npm as a server without registry access has it: nothing inherited from the
 * `npm test` that runs us (npm_config_* would point at the real cache and
 * registry), no user or global npmrc, and a PATH that has node for the
 * launcher's `#!/usr/bin/env node`.
 */
function npmEnv(dir: string, registry: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k)) env[k] = v;
  writeFileSync(`${dir}/npmrc`, '');
  writeFileSync(`${dir}/npmrc-global`, '');
  return {
    ...env,
    PATH: `${dirname(process.execPath)}:${env['PATH'] ?? '/usr/bin:/bin'}`,
    HOME: dir,
    npm_config_userconfig: `${dir}/npmrc`,
    npm_config_globalconfig: `${dir}/npmrc-global`,
    npm_config_registry: registry,
    npm_config_cache: `${dir}/cache`,
    // A fetch (there should be none) fails at once instead of after npm's retries.
    npm_config_fetch_retries: '0',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    // npm's own "is there a newer npm?" question, the one request it makes otherwise.
    npm_config_update_notifier: 'false',
  };
}

describe('the npm package installs and runs with no registry (issue 16, item 3)', () => {
  let dir = '';
  let env: NodeJS.ProcessEnv = {};
  let tarball = '';
  let files: string[] = [];
  let packMs = 0;
  const requests: string[] = [];
  const registry = createServer((req, res) => {
    requests.push(`${req.method ?? ''} ${req.url ?? ''}`);
    res.writeHead(503).end();
  });
  before(async () => {
    dir = mkdtempSync(`${tmpdir()}/homenet-pack-`);
    mkdirSync(`${dir}/cache`);
    await new Promise<void>((resolve) => registry.listen(0, '127.0.0.1', resolve));
    env = npmEnv(dir, `http://127.0.0.1:${String((registry.address() as AddressInfo).port)}/`);
    const r = await runProgram('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { env, timeoutMs: 30_000 });
    assert.equal(r.code, 0, r.stderr);
    packMs = r.ms;
    const [packed] = JSON.parse(r.stdout) as [{ filename: string; size: number; unpackedSize: number; files: { path: string }[] }];
    tarball = `${dir}/${packed.filename}`;
    files = packed.files.map((f) => f.path).sort();
    // For the record (README, Install): what a user copies to the server.
    console.log(`# packed ${packed.filename}: ${files.length} files, ${(packed.size / 1024).toFixed(0)} KiB (${(packed.unpackedSize / 1024).toFixed(0)} KiB unpacked), in ${packMs.toFixed(0)} ms`);
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await new Promise((resolve) => registry.close(resolve));
  });

  it('holds nothing but bin/, dist/bundle/, docs/, telegraf.d/, the README, package.json and a licence', () => {
    const stray = files.filter((f) => !/^(bin\/|dist\/bundle\/|docs\/|telegraf\.d\/|README\.md$|package\.json$|LICEN[CS]E(\.\w+)?$)/i.test(f));
    assert.deepEqual(stray, []);
    for (const f of [
      'bin/telegraf-homenet',
      'bin/package.json',
      'dist/bundle/program.js',
      'telegraf.d/homenet.conf',
      'telegraf.d/homenet-execd.conf',
      'README.md',
      'LICENSE',
      'package.json',
      ...pages(ROOT),
    ]) {
      assert.ok(files.includes(f), `${f} is packed`);
    }
    // The code cache of the Node that built the package (any other Node compiles the program itself).
    const build = BUILD_ID.exec(readFileSync(`${ROOT}dist/bundle/program.js`, 'utf8'))?.[1] ?? '?';
    assert.deepEqual(
      files.filter((f) => f.startsWith('dist/bundle/') && f !== 'dist/bundle/program.js'),
      [codeCachePath('', build, process.version, process.arch)],
    );
  });

  it('carries the licence package.json names: LICENSE at the top is the MIT licence', () => {
    assert.equal(manifest(`${ROOT}package.json`).license, 'MIT');
    assert.match(readFileSync(`${ROOT}LICENSE`, 'utf8'), /^MIT License\n\nCopyright \(c\) \d{4} .+\n\nPermission is hereby granted, free of charge/);
  });

  it("declares no runtime dependency: the program's packages (htmlparser2, yargs, ini) are in the bundle", () => {
    const pkg = manifest(`${ROOT}package.json`);
    for (const key of ['dependencies', 'optionalDependencies', 'peerDependencies', 'bundleDependencies'] as const) {
      assert.equal(pkg[key], undefined, `package.json has no ${key}: npm would fetch them on install`);
    }
    // `npm ci` still installs them for the build, from devDependencies.
    for (const name of RUNTIME) assert.ok(pkg.devDependencies?.[name], `${name} is a devDependency (bundled)`);
  });

  it('installs with npm -g from the tarball, registry unreachable and cache empty, and the command works', { timeout: 60_000 }, async () => {
    const prefix = `${dir}/prefix`;
    const install = await runProgram('npm', ['install', '--global', '--prefix', prefix, tarball], { env, timeoutMs: 45_000 });
    assert.equal(install.code, 0, install.stderr);
    assert.deepEqual(requests, [], 'npm asked the registry nothing');
    console.log(`# npm install -g of the tarball, no registry: ${install.ms.toFixed(0)} ms`);
    const home = `${prefix}/lib/node_modules/telegraf-homenet`;
    assert.equal(existsSync(`${home}/node_modules`), false, 'npm installed no package beside it');
    assert.equal(manifest(`${home}/package.json`).version, manifest(`${ROOT}package.json`).version);
    // The README's links (docs/) lead somewhere where it was installed, not only in the source tree.
    const links = brokenLinks(home, pages(home));
    assert.ok(links.checked >= 50, `only ${String(links.checked)} links read in the installed README and docs/`);
    assert.deepEqual(links.broken, []);

    // The command as a user runs it, from another folder; each of the three packages in use.
    const cmd = `${prefix}/bin/telegraf-homenet`;
    const run = (args: string[]): ReturnType<typeof runProgram> => runProgram(cmd, args, { cwd: dir, env: { PATH: env['PATH'] ?? '' } });
    const version = await run(['--version']);
    assert.equal(version.code, 0, version.stderr);
    assert.equal(version.stdout, `${manifest(`${ROOT}package.json`).version}\n`);

    const caseDir = `${FIXTURES}att-pace/att-caption/`;
    const parse = await run(['parse', '--type', 'att-pace', '--host', 'router', `${caseDir}C_1_0.html`]);
    assert.equal(parse.code, 0, parse.stderr);
    assert.equal(parse.stdout, readFileSync(`${caseDir}expected.out`, 'utf8'));

    writeFileSync(`${dir}/homenet.ini`, '[gw]\ntype = att\nurl = http://127.0.0.1:9\ntimeout = 500ms\n');
    const collect = await run(['--config', `${dir}/homenet.ini`]);
    assert.equal(collect.code, 0, collect.stderr);
    assert.match(collect.stdout, /^homenet_scrape,host=gw,type=att success=false,/m);

    const help = await run(['--help']);
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /telegraf-homenet parse/);
  });
});

describe("the program's runtime packages (DESIGN.md, Dependencies)", () => {
  it('the program imports only htmlparser2, yargs, ini and node: modules, and esbuild bundles all three', async () => {
    // What esbuild itself saw while bundling src/cli/index.ts, as `npm run build` does.
    const result = await build({
      entryPoints: [`${ROOT}src/cli/index.ts`],
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      outdir: `${tmpdir()}/homenet-unused`,
      write: false,
      metafile: true,
      logLevel: 'error',
    });
    const packages = new Set<string>();
    const external = new Set<string>();
    for (const [path, input] of Object.entries(result.metafile.inputs)) {
      for (const imp of input.imports) {
        if (imp.external) external.add(imp.path);
        const spec = imp.original ?? imp.path;
        if (path.startsWith('src/') && !spec.startsWith('.') && !isBuiltin(spec)) packages.add(spec);
      }
    }
    assert.deepEqual([...packages].sort(), RUNTIME);
    const notNode = [...external].filter((p) => !isBuiltin(p));
    assert.deepEqual(notNode, [], "everything but Node's own modules is inside the bundle");
  });

  it("the built program is one ASCII file that requires nothing but Node's own modules", () => {
    const text = readFileSync(`${ROOT}dist/bundle/program.js`, 'utf8');
    const names = new Set([...text.matchAll(/\brequire\((["'])([^"']+)\1\)/g)].map((m) => m[2] ?? ''));
    assert.ok(names.has('node:http'), 'the requires were found');
    assert.deepEqual(
      [...names].filter((n) => !isBuiltin(n)),
      [],
    );
    assert.doesNotMatch(text, /\bimport\(/, 'no dynamic import(): the launcher compiles the text as a script');
    // One character outside ASCII and V8 holds all 500 KB as two-byte text.
    assert.doesNotMatch(text, /[\u0080-\uffff]/);
  });
});
