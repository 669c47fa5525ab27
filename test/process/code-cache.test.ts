/**
 * The program's V8 code cache (issue 16, item 4): `npm run build` runs the
 * program against the simulator and saves what V8 compiled
 * (src/build/warm.ts); bin/telegraf-homenet compiles dist/bundle/program.js
 * with it. Checked on the build `npm test` has just made, with the real
 * launcher on this Node.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { Script } from 'node:vm';
import { BUILD_ID, codeCachePath, programPath } from '../../src/build/targets.js';
import { ROOT, runBinAt } from '../support/helpers.js';

const VERSION = (JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { version: string }).version;
const text = readFileSync(programPath(ROOT), 'utf8');
const build = BUILD_ID.exec(text)?.[1] ?? '';

describe('the code cache', () => {
  it('is made for this program and this Node, which accepts it', () => {
    assert.match(build, /^[0-9a-f]{8}$/, 'the program ends with its build id');
    const caches = readdirSync(`${ROOT}dist/bundle`).filter((f) => f.endsWith('.cache'));
    assert.deepEqual(caches, [codeCachePath('', build, process.version, process.arch).replace('dist/bundle/', '')]);
    const script = new Script(text, { filename: programPath(ROOT), cachedData: readFileSync(codeCachePath(ROOT, build, process.version, process.arch)) });
    assert.equal(script.cachedDataRejected, false);
  });

  it('holds the functions a collect runs, not only the top level', () => {
    // What V8 would cache having compiled the text and run nothing.
    const topLevel = new Script(text, { filename: programPath(ROOT) }).createCachedData().length;
    const made = readFileSync(codeCachePath(ROOT, build, process.version, process.arch)).length;
    assert.ok(made > 2 * topLevel, `the build's cache (${made} bytes) is more than twice the top level's (${topLevel})`);
  });

  describe('the launcher', () => {
    let dir = '';
    let bin = '';
    let cache = '';
    before(() => {
      dir = mkdtempSync(`${tmpdir()}/homenet-cache-`);
      cpSync(`${ROOT}bin`, `${dir}/bin`, { recursive: true });
      mkdirSync(`${dir}/dist/bundle`, { recursive: true });
      writeFileSync(programPath(`${dir}/`), text);
      bin = `${dir}/bin/telegraf-homenet`;
      cache = codeCachePath(`${dir}/`, build, process.version, process.arch);
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    const NINES = '9'.repeat(VERSION.length);
    /** The program with its version string changed: the same length (V8 checks only the length). */
    const edited = text.replaceAll(JSON.stringify(VERSION), JSON.stringify(NINES));

    /** A cache made for `program` after running `--version` (so the function that prints it is in the cache). */
    async function cacheAfterVersion(program: string): Promise<Buffer> {
      const script = new Script(program, { filename: programPath(`${dir}/`) });
      const module = { exports: {} as { main: (argv: string[], io: object) => Promise<number> } };
      (script.runInThisContext() as (...a: unknown[]) => void)(module.exports, createRequire(import.meta.url), module, programPath(`${dir}/`), `${dir}/dist/bundle`);
      let out = '';
      await module.exports.main(['--version'], { stdout: (t: string) => (out += t), stderr: () => undefined, signal: new AbortController().signal, env: {} });
      assert.equal(out.trim(), program === text ? VERSION : NINES);
      return script.createCachedData();
    }

    it('loads the cache named for this build and this Node, and no other', async () => {
      assert.notEqual(edited, text);
      const other = await cacheAfterVersion(edited);
      // Under this build's name the launcher runs the cached functions: the version comes from the cache.
      writeFileSync(cache, other);
      assert.equal((await runBinAt(bin, ['--version'])).stdout.trim(), NINES);
      // Under another build's name, or another Node's, it is never read.
      rmSync(cache);
      writeFileSync(codeCachePath(`${dir}/`, '0'.repeat(8), process.version, process.arch), other);
      writeFileSync(codeCachePath(`${dir}/`, build, 'v0.0.1', process.arch), other);
      assert.equal((await runBinAt(bin, ['--version'])).stdout.trim(), VERSION);
    });

    it('does not use the cache for a program edited after the build (its last line kept)', async () => {
      // A cache of the built text under the build's name, and the text edited (same length, same last line).
      writeFileSync(cache, await cacheAfterVersion(text));
      assert.equal((await runBinAt(bin, ['--version'])).stdout.trim(), VERSION, 'the cache is used for the built text');
      writeFileSync(programPath(`${dir}/`), edited);
      try {
        // Had the launcher used the cache, V8 would have run the built text's functions and printed its version.
        assert.equal((await runBinAt(bin, ['--version'])).stdout.trim(), NINES);
      } finally {
        writeFileSync(programPath(`${dir}/`), text);
        rmSync(cache);
      }
    });

    it('runs without a cache, or with one V8 cannot use', async () => {
      for (const content of [undefined, Buffer.from('not a code cache'), Buffer.alloc(0)]) {
        rmSync(cache, { force: true });
        if (content) writeFileSync(cache, content);
        const run = await runBinAt(bin, ['--device', 'att=http://127.0.0.1:9', '--timeout', '200ms']);
        assert.equal(run.code, 0, run.stderr);
        assert.match(run.stdout, /^homenet_scrape,host=127\.0\.0\.1:9,type=att success=false/);
        assert.equal((await runBinAt(bin, ['--version'])).stdout.trim(), VERSION);
      }
    });
  });
});
