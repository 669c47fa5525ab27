/** The command line where it reaches past this process: the built program without its yargs code, a config warning before a collect. */
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, it } from 'node:test';
import { closedPort, ROOT, runBinAt, runMain } from '../support/helpers.js';

describe('fast path versus yargs, in the built program', () => {
  it('collect and execd run without the yargs code at all; --help needs it', async () => {
    // A copy of the built program in which every yargs module throws when it is
    // initialised (esbuild initialises a bundled module on its first import).
    const dir = mkdtempSync(`${tmpdir()}/homenet-noyargs-`);
    try {
      cpSync(`${ROOT}bin`, `${dir}/bin`, { recursive: true });
      cpSync(`${ROOT}package.json`, `${dir}/package.json`);
      mkdirSync(`${dir}/dist/bundle`, { recursive: true });
      let trapped = 0;
      const text = readFileSync(`${ROOT}dist/bundle/program.js`, 'utf8').replace(/("node_modules\/(?:yargs|yargs-parser|y18n)\/[^"]+"\(\)\{)/g, (head: string) => {
        trapped++;
        return `${head}throw new Error("yargs was loaded");`;
      });
      assert.ok(trapped > 5, `the yargs modules were found (${trapped})`);
      // No code cache in the copy: it would hold the functions as they were.
      writeFileSync(`${dir}/dist/bundle/program.js`, text);
      const bin = `${dir}/bin/telegraf-homenet`;
      const collect = await runBinAt(bin, ['--device', 'att=http://127.0.0.1:9', '--timeout', '200ms']);
      assert.equal(collect.code, 0, collect.stderr);
      assert.match(collect.stdout, /^homenet_scrape,host=127\.0\.0\.1:9,type=att success=false/);
      const execd = await runBinAt(bin, ['execd', '--device', 'att=http://127.0.0.1:9', '--timeout', '200ms'], '\n');
      assert.equal(execd.code, 0, execd.stderr);
      assert.match(execd.stdout, /^homenet_scrape,.* \d{19}\n$/);
      const help = await runBinAt(bin, ['--help']);
      assert.notEqual(help.code, 0, 'the test would notice yargs being loaded');
      assert.match(help.stderr, /yargs was loaded/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('config: a value cut by an inline comment, in a collect', () => {
  it('collect prints the warning first on stderr, and still runs (exit 0)', async () => {
    const dir = mkdtempSync(`${tmpdir()}/homenet-config-`);
    try {
      writeFileSync(`${dir}/h.ini`, `timeout = 500ms\n[gw]\ntype = att\nurl = http://127.0.0.1:${await closedPort()}\nhost = Closed Port #2\n`);
      const { code, stdout: out, stderr: err } = await runMain(['--config', `${dir}/h.ini`]);
      assert.equal(code, 0);
      assert.match(err, new RegExp(`^W! ${dir}/h\\.ini: \\[gw\\] host: read as "Closed Port": the rest of line 5, from "#", is a comment`));
      assert.match(out, /^homenet_scrape,host=Closed\\ Port,type=att success=false,/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
