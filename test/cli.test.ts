/** The fast argument path and yargs read every argument list the same way. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { COMMAND_WORDS, OPTION_WORDS, fastParse } from '../src/cli-table.js';
import { parseWithYargs } from '../src/cli-yargs.js';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { buildConfig } from '../src/config.js';
import { ROOT, runBinAt } from './support/helpers.js';

const TOKENS = [
  'collect', 'execd', 'parse', 'simulate', '--config', '--device', '--tag', '--timeout', '--devices', '--help', '--version', '-h',
  'homenet.ini', 'att=http://192.168.1.254', 'sonos=http://10.0.0.5:1400', 'region=home', 'a=b=c', '4s', '500ms', '',
  '--config=/etc/h.ini', '--device=att=http://x', '--tag=k=v', '--timeout=2s', '--tag=', '--', '-x', 'extra', '--no-device', '--deviceX=1',
];

describe('fast path versus yargs', () => {
  it('whatever the fast path accepts, yargs reads the same', async () => {
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom(...TOKENS), { maxLength: 7 }), async (argv) => {
        const fast = fastParse(argv);
        if (!fast) return;
        accepted++;
        const slow = await parseWithYargs(argv);
        assert.equal(slow.usageError, undefined, `yargs refused ${JSON.stringify(argv)}: ${slow.usageError ?? ''}`);
        assert.deepEqual(slow.chosen, fast, JSON.stringify(argv));
      }),
      { numRuns: 600, seed: 42 },
    );
    assert.ok(accepted > 50, `the fast path took only ${accepted} argument lists`);
  });

  it('what yargs refuses, the fast path leaves to it', async () => {
    for (const argv of [['--devices', 'x'], ['--device'], ['--config', 'a', '--config', 'b'], ['--timeout', '1s', '--timeout=2s'], ['collect', 'extra'], ['--device', '-x']]) {
      assert.equal(fastParse(argv), undefined, JSON.stringify(argv));
      const slow = await parseWithYargs(argv);
      assert.ok(slow.usageError !== undefined, `yargs should refuse ${JSON.stringify(argv)}`);
    }
  });

  it('the everyday forms take the fast path', () => {
    assert.deepEqual(fastParse(['--config', '/etc/telegraf/homenet.ini']), { command: 'collect', device: [], tag: [], config: '/etc/telegraf/homenet.ini' });
    assert.deepEqual(fastParse(['execd', '--device=att=http://192.168.1.254', '--tag', 'a=b', '--timeout', '3s']), {
      command: 'execd', device: ['att=http://192.168.1.254'], tag: ['a=b'], timeout: '3s',
    });
  });

  it('collect and execd run without the yargs code at all; --help needs it', async () => {
    // A copy of the built program without the chunks that hold yargs: whatever loads them fails.
    const dir = mkdtempSync(`${tmpdir()}/homenet-noyargs-`);
    try {
      cpSync(`${ROOT}bin`, `${dir}/bin`, { recursive: true });
      cpSync(`${ROOT}dist/bundle`, `${dir}/dist/bundle`, { recursive: true });
      cpSync(`${ROOT}package.json`, `${dir}/package.json`);
      const chunks = `${dir}/dist/bundle/chunks/`;
      const removed = readdirSync(chunks).filter((f) => readFileSync(`${chunks}${f}`, 'utf8').includes('y18n'));
      assert.ok(removed.length > 0, 'the yargs code was found');
      for (const f of removed) rmSync(`${chunks}${f}`);
      const bin = `${dir}/bin/telegraf-homenet`;
      const collect = await runBinAt(bin, ['--device', 'att=http://127.0.0.1:9', '--timeout', '200ms']);
      assert.equal(collect.code, 0, collect.stderr);
      assert.match(collect.stdout, /^homenet_scrape,host=127\.0\.0\.1:9,type=att success=false/);
      const execd = await runBinAt(bin, ['execd', '--device', 'att=http://127.0.0.1:9', '--timeout', '200ms'], '\n');
      assert.equal(execd.code, 0, execd.stderr);
      assert.match(execd.stdout, /^homenet_scrape,.* \d{19}\n$/);
      const help = await runBinAt(bin, ['--help']);
      assert.notEqual(help.code, 0, 'the test would notice yargs being loaded');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('did you mean', () => {
  it('a mistyped command, option, key, type or area gets the closest name', async () => {
    assert.equal((await parseWithYargs(['colect'])).usageError, 'Unknown argument: colect (did you mean "collect"?)');
    assert.equal((await parseWithYargs(['--timout', '3s'])).usageError, 'Unknown argument: timout (did you mean "--timeout"?)');
    assert.throws(() => buildConfig({ file: 'c.ini', fileText: '[a]\ntype = att\nurl = http://127.0.0.1:1\ncolect = trafic\n' }), {
      message: /\[a\] colect: unknown key \(did you mean "collect"\?\) \(known: /,
    });
    assert.throws(() => buildConfig({ file: 'c.ini', fileText: '[a]\ntype = at\nurl = http://127.0.0.1:1\n' }), {
      message: /\[a\] type: unknown device type "at" \(did you mean "att"\?\) \(known: /,
    });
    assert.throws(() => buildConfig({ file: 'c.ini', fileText: '[a]\ntype = att\nurl = http://127.0.0.1:1\ncollect = trafic\n' }), {
      message: /unknown area "trafic" for type att \(did you mean "traffic"\?\)/,
    });
  });

  it('knows every command and option that --help lists', async () => {
    const help = (await parseWithYargs(['--help'])).output;
    const commands = [...help.matchAll(/^ {2}telegraf-homenet ([a-z][a-z-]*)/gm)].map((m) => m[1] ?? '');
    assert.ok(commands.length >= 6, help);
    const options = new Set<string>();
    for (const c of commands) for (const m of (await parseWithYargs([c, '--help'])).output.matchAll(/^\s+(?:-\w, )?(--[a-z][a-z-]*)/gm)) options.add(m[1] ?? '');
    assert.ok(options.size >= 10, [...options].join(' '));
    for (const c of commands) assert.ok(COMMAND_WORDS.includes(c), `command ${c} missing from COMMAND_WORDS`);
    for (const o of options) if (o !== '--help' && o !== '--version') assert.ok(OPTION_WORDS.includes(o), `option ${o} missing from OPTION_WORDS`);
  });
});

describe('help', () => {
  it('no line of any --help is wider than 100 columns, and examples are whole commands', async () => {
    for (const args of [['--help'], ['collect', '--help'], ['execd', '--help'], ['parse', '--help'], ['simulate', '--help'], ['telegraf-config', '--help'], ['dashboard', '--help'], ['capture', '--help'], ['discover', '--help']]) {
      const help = (await parseWithYargs(args)).output;
      assert.ok(help.length > 100, `${args.join(' ')}: no help`);
      for (const line of help.split('\n')) assert.ok(line.length <= 100, `${args.join(' ')}: ${line}`);
    }
    const top = (await parseWithYargs(['--help'])).output;
    assert.match(top, /^ {2}telegraf-homenet --config \/etc\/telegraf\/homenet\.ini --format pretty --rate 5s$/m);
  });
});
