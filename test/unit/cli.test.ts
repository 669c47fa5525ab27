/** The command-line table, and the fast argument path and yargs derived from it, read every argument list the same way. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { COMMAND_LIST, fastParse, type Chosen, type CommandTable, type OptionSpec } from '../../src/cli/table.js';
import { parseWithYargs, suggestionWords, type Parsed } from '../../src/cli/yargs.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { buildConfig } from '../../src/config/index.js';
import { runMain } from '../support/helpers.js';

/** What the program's own yargs parser made of each argument list read so far. */
const read = new Map<string, Promise<Parsed>>();

/**
 * The program's own yargs parser, each argument list read once: three tests
 * read every command's --help, and laying a help text out (yargs measures
 * every line's width) is most of what this file costs.
 */
function yargsRead(argv: readonly string[]): Promise<Parsed> {
  const key = JSON.stringify(argv);
  let parsed = read.get(key);
  if (parsed === undefined) {
    parsed = parseWithYargs(argv, COMMAND_LIST);
    read.set(key, parsed);
  }
  return parsed;
}

/** The commands the fast path may read, and the options it reads on each: all from the table. */
const FAST = COMMAND_LIST.filter(([, c]) => c.fast === true);
const fastOptions = (options: Readonly<Record<string, OptionSpec>>): string[] =>
  Object.entries(options)
    .filter(([, o]) => o.type === 'string' && o.fast === true)
    .map(([k]) => k);
/** A value for an option (the n-th of its choices, if it has choices). */
function sample(o: OptionSpec, n: number): string {
  const choices = o.type === 'string' ? (typeof o.choices === 'function' ? o.choices() : o.choices) : undefined;
  return choices?.[n % choices.length] ?? `k${n}=v${n}`;
}

const TOKENS = [
  ...new Set([
    'collect',
    'execd',
    'parse',
    'simulate',
    '--config',
    '--device',
    '--tag',
    '--timeout',
    '--devices',
    '--help',
    '--version',
    '-h',
    'homenet.ini',
    'att=http://192.168.1.254',
    'sonos=http://10.0.0.5:1400',
    'region=home',
    'a=b=c',
    '4s',
    '500ms',
    '',
    '--config=/etc/h.ini',
    '--device=att=http://x',
    '--tag=k=v',
    '--timeout=2s',
    '--tag=',
    '--',
    '-x',
    'extra',
    '--no-device',
    '--deviceX=1',
    // Every command the fast path may take, and every option of those commands, in both forms: a new one is tried too.
    ...FAST.flatMap(([name, c]) => [name, ...Object.entries(c.options).flatMap(([k, o]) => [`--${k}`, `--${k}=${sample(o, 0)}`, sample(o, 1)])]),
  ]),
];

describe('fast path versus yargs', () => {
  it('whatever the fast path accepts, yargs reads the same', async () => {
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom(...TOKENS), { maxLength: 7 }), async (argv) => {
        const fast = fastParse(argv);
        if (!fast) return;
        accepted++;
        const slow = await yargsRead(argv);
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
      const slow = await yargsRead(argv);
      assert.ok(slow.usageError !== undefined, `yargs should refuse ${JSON.stringify(argv)}`);
    }
  });

  it('every option the table gives the fast path is read by both, and the others by yargs alone', async () => {
    let read = 0;
    for (const [name, command] of FAST) {
      const fast = fastOptions(command.options);
      for (const [key, o] of Object.entries(command.options)) {
        const value = sample(o, 0);
        if (!fast.includes(key)) {
          assert.equal(fastParse([name, `--${key}`, value]), undefined, `${name} --${key} is not marked fast`);
          continue;
        }
        const repeatable = o.type === 'string' && o.repeatable === true;
        const forms = [[name, `--${key}`, value], [name, `--${key}=${value}`], ...(command.default === true ? [[`--${key}`, value]] : [])];
        for (const argv of forms) {
          const chosen = fastParse(argv);
          assert.ok(chosen, `the fast path left ${JSON.stringify(argv)} to yargs`);
          assert.deepEqual((chosen as Record<string, unknown>)[key], repeatable ? [value] : value, JSON.stringify(argv));
          assert.deepEqual((await yargsRead(argv)).chosen, chosen, JSON.stringify(argv));
          read++;
        }
        const twice = [name, `--${key}`, value, `--${key}=${sample(o, 1)}`];
        const slow = await yargsRead(twice);
        if (repeatable) {
          assert.deepEqual(fastParse(twice), slow.chosen, JSON.stringify(twice));
          assert.deepEqual((slow.chosen as Record<string, unknown> | undefined)?.[key], [value, sample(o, 1)]);
        } else {
          assert.equal(fastParse(twice), undefined, JSON.stringify(twice));
          assert.equal(slow.usageError, `--${key} given more than once`);
        }
      }
    }
    assert.ok(read >= 8, `only ${read} fast forms tried`);
  });

  it('an option that takes one value, given twice, is a usage error in every command', async () => {
    let tried = 0;
    for (const [name, command] of COMMAND_LIST) {
      const entries = Object.entries(command.options);
      const value = (o: OptionSpec, n: number): string => (o.type === 'number' ? String(n + 1) : sample(o, n));
      for (const [key, o] of entries) {
        if (o.type === 'boolean' || (o.type === 'string' && o.repeatable === true)) continue;
        // The other options a command demands, so that only the repeat is wrong.
        const demanded = entries.filter(([k, d]) => k !== key && d.type === 'string' && d.demandOption === true).flatMap(([k, d]) => [`--${k}`, value(d, 0)]);
        const argv = [name, ...(command.positional ? ['a.html'] : []), ...demanded, `--${key}`, value(o, 0), `--${key}`, value(o, 1)];
        assert.equal((await yargsRead(argv)).usageError, `--${key} given more than once`, JSON.stringify(argv));
        tried++;
      }
    }
    assert.ok(tried >= 15, `only ${tried} options tried`);
  });

  it('an option added to the table is read by both parsers, listed in --help and suggested', async () => {
    // The program's table with two more options on collect: one for the fast path, one not.
    const added: CommandTable = COMMAND_LIST.map(([name, c]) => [
      name,
      name !== 'collect'
        ? c
        : {
            ...c,
            options: {
              ...c.options,
              proxy: { type: 'string', requiresArg: true, fast: true, describe: 'an HTTP proxy to reach the devices through' },
              colour: { type: 'boolean', default: false, describe: 'colours in the table' },
            },
          },
    ]);
    const argv = ['--config', 'h.ini', '--proxy', 'http://127.0.0.1:3128'];
    const fast = fastParse(argv, added);
    assert.deepEqual(fast, { command: 'collect', device: [], tag: [], config: 'h.ini', proxy: 'http://127.0.0.1:3128', colour: false });
    assert.deepEqual((await parseWithYargs(argv, added)).chosen, fast);
    assert.equal(fastParse(['--colour'], added), undefined, 'the fast path reads only options marked fast');
    assert.deepEqual((await parseWithYargs(['--colour'], added)).chosen, { command: 'collect', device: [], tag: [], colour: true });
    const help = (await parseWithYargs(['collect', '--help'], added)).output;
    assert.match(help, /^ +--proxy +an HTTP proxy to reach the devices through +\[string\]$/m);
    assert.match(help, /^ +--colour +colours in the table +\[boolean\] \[default: false\]$/m);
    assert.equal((await parseWithYargs(['--proxi', 'x'], added)).usageError, 'Unknown argument: proxi (did you mean "--proxy"?)');
    // Not in the program's own table: the test above is about the table it was given.
    assert.equal((await yargsRead(argv)).usageError, 'Unknown argument: proxy');
  });

  it('the everyday forms take the fast path', () => {
    assert.deepEqual(fastParse(['--config', '/etc/telegraf/homenet.ini']), { command: 'collect', device: [], tag: [], config: '/etc/telegraf/homenet.ini' });
    assert.deepEqual(fastParse(['execd', '--device=att=http://192.168.1.254', '--tag', 'a=b', '--timeout', '3s']), {
      command: 'execd',
      device: ['att=http://192.168.1.254'],
      tag: ['a=b'],
      timeout: '3s',
    });
  });
});

describe('did you mean', () => {
  it('a mistyped command, option, key, type or area gets the closest name', async () => {
    assert.equal((await yargsRead(['colect'])).usageError, 'Unknown argument: colect (did you mean "collect"?)');
    assert.equal((await yargsRead(['--timout', '3s'])).usageError, 'Unknown argument: timout (did you mean "--timeout"?)');
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
    const help = (await yargsRead(['--help'])).output;
    const commands = [...help.matchAll(/^ {2}telegraf-homenet ([a-z][a-z-]*)/gm)].map((m) => m[1] ?? '');
    assert.ok(commands.length >= 6, help);
    const options = new Set<string>();
    for (const c of commands) for (const m of (await yargsRead([c, '--help'])).output.matchAll(/^\s+(?:-\w, )?(--[a-z][a-z-]*)/gm)) options.add(m[1] ?? '');
    assert.ok(options.size >= 10, [...options].join(' '));
    const words = suggestionWords(COMMAND_LIST);
    assert.deepEqual(commands, words.commands);
    assert.deepEqual([...options].filter((o) => o !== '--help' && o !== '--version').sort(), words.options);
  });
});

describe('help', () => {
  it('lists every command and every option of the table, as the table says', async () => {
    const flat = (text: string): string => text.replace(/\s+/g, ' ');
    const top = flat((await yargsRead(['--help'])).output);
    for (const [name, command] of COMMAND_LIST) {
      const words = command.positional ? `${name} <${command.positional.name}..>` : name;
      assert.ok(top.includes(` telegraf-homenet ${words} ${command.describe}${command.default ? ' [default]' : ''}`), `${name} missing from --help`);
      const help = (await yargsRead([name, '--help'])).output;
      // Each option's entry: from its line to the next option's.
      const entries = new Map([...help.matchAll(/^ +(?:-\w, )?--([a-z][a-z-]*) +([\s\S]*?)(?=^ +(?:-\w, )?--|^$|(?![\s\S]))/gm)].map((m) => [m[1] ?? '', flat(m[2] ?? '').trim()]));
      assert.deepEqual([...entries.keys()], ['help', 'version', ...Object.keys(command.options)], `${name} --help`);
      for (const [key, o] of Object.entries(command.options)) {
        const choices = o.type === 'string' ? (typeof o.choices === 'function' ? o.choices() : o.choices) : undefined;
        const tags = [
          `[${o.type}]`,
          ...(o.type === 'string' && o.demandOption ? ['[required]'] : []),
          ...(choices ? [`[choices: ${choices.map((c) => JSON.stringify(c)).join(', ')}]`] : []),
          ...(o.default !== undefined ? [`[default: ${JSON.stringify(o.default)}]`] : []),
        ];
        // yargs leaves out the space before the tags when the text fills the line.
        const entry = entries.get(key)?.replace(/ ?(?=\[(?:string|boolean|number)\])/, ' ');
        assert.equal(entry, `${flat(o.describe)} ${tags.join(' ')}`, `${name} --${key}`);
      }
      if (command.epilog !== undefined) assert.ok(help.includes(command.epilog), `${name}: its examples`);
    }
  });

  it('the type of the parsed arguments follows the table', () => {
    // Checked when the tests compile: a wrong derivation fails the build.
    const read: Chosen[] = [
      { command: 'collect', device: [], tag: [], format: 'pretty', rate: '5s' },
      { command: 'execd', device: ['att=http://x'], tag: [], timeout: '2s' },
      { command: 'parse', type: 'att', files: ['a.html'], tag: [], measurement: 'net' },
      { command: 'simulate', port: 0, fault: 'none' },
      { command: 'telegraf-config', config: 'c.ini', execd: true, legacy: false, interval: '10s' },
    ];
    // @ts-expect-error execd has no --format
    const noFormat: Chosen = { command: 'execd', device: [], tag: [], format: 'pretty' };
    // @ts-expect-error --port is a number (the kinds' own options, --layout, are the registry's, not the type's)
    const badLayout: Chosen = { command: 'simulate', port: '0', fault: 'none' };
    // @ts-expect-error --out is demanded, so always there
    const noOut: Chosen = { command: 'capture', device: [], tag: [] };
    assert.equal([...read, noFormat, badLayout, noOut].length, 8);
  });

  it('no line of any --help is wider than 100 columns, and examples are whole commands', async () => {
    for (const args of [
      ['--help'],
      ['collect', '--help'],
      ['execd', '--help'],
      ['parse', '--help'],
      ['simulate', '--help'],
      ['telegraf-config', '--help'],
      ['dashboard', '--help'],
      ['capture', '--help'],
      ['discover', '--help'],
    ]) {
      const help = (await yargsRead(args)).output;
      assert.ok(help.length > 100, `${args.join(' ')}: no help`);
      for (const line of help.split('\n')) assert.ok(line.length <= 100, `${args.join(' ')}: ${line}`);
    }
    const top = (await yargsRead(['--help'])).output;
    assert.match(top, /^ {2}telegraf-homenet --config \/etc\/telegraf\/homenet\.ini --format pretty --rate 5s$/m);
  });
});

describe('a number option given twice', () => {
  it('is refused like any other one-value option, whatever the first value', async () => {
    for (const ports of [
      ['0', '1'],
      ['2', '1'],
      ['1', '0'],
    ]) {
      const r = await runMain(['simulate', '--port', ports[0] ?? '', '--port', ports[1] ?? '']);
      assert.deepEqual(r, { code: 2, stdout: '', stderr: 'E! --port given more than once\nRun "telegraf-homenet --help" for usage.\n' }, ports.join(' '));
    }
  });
});

describe('usage errors of several lines', () => {
  it('say each line at its level, so Telegraf logs none of them as plain output', async () => {
    const r = await runMain(['--device', 'att=http://127.0.0.1:9', '--format', 'json']);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, 'E! Invalid values:\nE!   Argument: format, Given: "json", Choices: "lp", "pretty"\nRun "telegraf-homenet --help" for usage.\n');
  });
});

describe('a --config path with a line break (issue 21)', () => {
  it('each mistake is one E! line, the line break escaped: nothing forges a line of its own', async () => {
    const dir = mkdtempSync(`${tmpdir()}/homenet-cli-`);
    try {
      const missing = await runMain(['--config', `${dir}/no\nE! forged.ini`]);
      assert.deepEqual(missing, { code: 2, stdout: '', stderr: `E! ${dir}/no\\x0aE! forged.ini: cannot read the configuration file: there is no such file (ENOENT)\n` });
      const file = `${dir}/a\nW! b.ini`;
      writeFileSync(file, 'timeout = soon\n[gw]\ntype = att\nurl = 192.168.1.254\n');
      const shown = `${dir}/a\\x0aW! b.ini`;
      const two = await runMain(['--config', file]);
      assert.deepEqual(two, {
        code: 2,
        stdout: '',
        stderr: `E! ${shown}: timeout: "soon" is not a duration (write it like 4s or 500ms)\nE! ${shown}: [gw] url: "192.168.1.254" is not a URL (write it like http://192.168.1.254)\n`,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('commands that ask no device need no access code (issue 22, item 5)', () => {
  it('dashboard and telegraf-config run where access_code_env names a variable that is not set; collect refuses it', async () => {
    const dir = mkdtempSync(`${tmpdir()}/homenet-nocode-`);
    try {
      const ini = `${dir}/homenet.ini`;
      writeFileSync(ini, '[router]\ntype = att-bgw\nurl = http://127.0.0.1:9\ncollect = traffic, nat\naccess_code_env = ATT_ACCESS_CODE\n');
      const dashboard = await runMain(['dashboard', '--config', ini]);
      assert.equal(dashboard.code, 0, dashboard.stderr);
      assert.ok((JSON.parse(dashboard.stdout) as { panels: unknown[] }).panels.length > 0);
      const block = await runMain(['telegraf-config', '--config', ini, '--program', '/usr/local/bin/telegraf-homenet']);
      assert.equal(block.code, 0, block.stderr);
      assert.match(block.stdout, /^\[\[inputs\.exec\]\]$/m);
      const collect = await runMain(['--config', ini]);
      assert.deepEqual({ code: collect.code, stdout: collect.stdout }, { code: 2, stdout: '' });
      assert.match(collect.stderr, /\[router\] access_code_env: the environment variable it names is not set/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
