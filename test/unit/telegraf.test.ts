/** The ready-to-copy Telegraf snippets and what `telegraf-config` prints, read in this process: options, paths, warnings. */
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { buildConfig, DEFAULT_TIMEOUT_MS, parseDuration } from '../../src/config/index.js';
import { BIN, runMain } from '../support/helpers.js';
import { EXEC_CONF, EXECD_CONF, SAMPLE_INI, setting } from '../support/snippets.js';

describe('telegraf.d/homenet-execd.conf', () => {
  const execd = EXECD_CONF;
  const get = (key: string): string => setting(EXECD_CONF, key);

  it('is an execd input driven by STDIN with influx data format', () => {
    assert.match(execd, /^\[\[inputs\.execd\]\]$/m);
    assert.equal(get('signal'), '"STDIN"');
    assert.equal(get('data_format'), '"influx"');
    assert.deepEqual(JSON.parse(get('command')), ['/usr/local/bin/telegraf-homenet', 'execd', '--config', '/etc/telegraf/homenet.ini']);
  });
});

describe('telegraf.d/homenet.conf', () => {
  it('is an exec input with influx data format', () => {
    assert.match(EXEC_CONF, /^\[\[inputs\.exec\]\]$/m);
    assert.equal(setting(EXEC_CONF, 'data_format'), '"influx"');
  });

  it('gives Telegraf a timeout above our own deadline', () => {
    const telegrafTimeout = parseDuration(JSON.parse(setting(EXEC_CONF, 'timeout')) as string) ?? 0;
    const ini = buildConfig({ file: 'homenet.ini', fileText: SAMPLE_INI });
    const ours = Math.max(...ini.devices.map((d) => d.timeoutMs));
    assert.equal(ours, DEFAULT_TIMEOUT_MS);
    assert.ok(telegrafTimeout >= ours + 2000, `Telegraf timeout ${telegrafTimeout} ms leaves room above ${ours} ms`);
    assert.ok(parseDuration(JSON.parse(setting(EXEC_CONF, 'interval')) as string) !== undefined);
  });

  it('shows the pre-1.39 string form in a comment', () => {
    assert.match(EXEC_CONF, /^\s*# commands = \["\/usr\/local\/bin\/telegraf-homenet --config \/etc\/telegraf\/homenet\.ini"\]$/m);
  });
});

describe('telegraf-config: a hostile --config path (issue 13, item 18)', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(`${tmpdir()}/homenet-tc-path-`);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** The snippet main() prints for `path`, in this process. */
  async function snippet(path: string, extra: string[] = []): Promise<string> {
    writeFileSync(path, '[gw]\ntype = att\nurl = http://192.168.1.254\n');
    const { code, stdout, stderr } = await runMain(['telegraf-config', '--config', path, ...extra]);
    assert.equal(code, 0, stderr);
    return stdout;
  }

  it('a line break (or DEL) in the path stays inside the comment and the strings: no live TOML', async () => {
    const plain = `${dir}/plain.ini`;
    const evil = `${dir}/x\n[agent]\n  debug = true\n[[outputs.file]]\u007f\n#.ini`;
    for (const extra of [[], ['--execd'], ['--legacy']]) {
      const good = (await snippet(plain, extra)).split('\n');
      const bad = (await snippet(evil, extra)).split('\n');
      assert.ok(
        // eslint-disable-next-line no-control-regex -- control characters are what must not get through
        bad.every((l) => !/[\u0000-\u001f\u007f]/.test(l)),
        'no raw control character',
      );
      assert.equal(bad.length, good.length, bad.join('\n'));
      const header = /^## Made by: telegraf-homenet telegraf-config.* --config (".*")$/.exec(bad[0] ?? '');
      assert.equal(JSON.parse(header?.[1] ?? '""'), evil, 'the comment shows the path, escaped');
      // Past the first comment line, the two snippets differ only in the path, inside its strings.
      const norm =
        (path: string) =>
        (line: string): string => {
          const m = /^(\s*\w+ = )(.+)$/.exec(line);
          if (!m) return line;
          const value = JSON.parse(m[2] ?? '') as unknown;
          return `${m[1] ?? ''}${JSON.stringify(value, (_k, x: unknown) => (typeof x === 'string' ? x.replace(`'${path}'`, 'PATH').replace(path, 'PATH') : x))}`;
        };
      assert.deepEqual(bad.slice(1).map(norm(evil)), good.slice(1).map(norm(plain)), extra.join(' '));
    }
  });
});

/**
 * Telegraf refuses to start on an option a plugin does not know, so every
 * option a block sets must exist in the Telegraf it is for. The first
 * version that knows each option, and where that was read:
 */
const TELEGRAF_OPTIONS: Readonly<Record<'exec' | 'execd', readonly { option: string; form?: 'string' | 'argv'; since: string; source: string }[]>> = {
  exec: [
    // Plugin options any input takes; both in exec's and execd's own first releases.
    { option: 'interval', since: '0.1.5', source: "Telegraf's docs/CONFIGURATION.md, per-plugin options" },
    { option: 'data_format', since: '0.1.5', source: 'exec README (v0.1.5 onwards) and every sample.conf' },
    { option: 'commands', form: 'string', since: '0.1.5', source: 'exec README "Telegraf v0.1.5"; exec.go `Commands []string toml:"commands"`' },
    { option: 'timeout', since: '0.1.5', source: 'the oldest exec.go in the code corpus has `Timeout config.Duration toml:"timeout"` next to commands' },
    { option: 'ignore_error', since: '1.31.0', source: '/work/shared/TELEGRAF.md; exec.go `IgnoreError bool toml:"ignore_error"`' },
    { option: 'log_stderr', since: '1.38.1', source: '/work/shared/TELEGRAF.md; sample.conf of v1.38.1 on pkg.go.dev has it, v1.37.2 has not; exec.go `LogStdErr bool toml:"log_stderr"`' },
    { option: 'commands', form: 'argv', since: '1.39.0', source: '/work/shared/TELEGRAF.md; the newest sample.conf: commands = [["echo", "value 1"], ...] and exec.go `Commands []interface{}`' },
  ],
  execd: [
    { option: 'interval', since: '1.14.0', source: "Telegraf's docs/CONFIGURATION.md, per-plugin options" },
    { option: 'data_format', since: '1.14.0', source: 'execd sample.EXEC_CONF, every version' },
    // execd is "Introduced in: Telegraf v1.14.0" (docs.influxdata.com, pkg.go.dev README);
    // its first execd.go has `Command []string`, `Signal string`, `RestartDelay config.Duration` and no more.
    { option: 'command', form: 'argv', since: '1.14.0', source: 'first execd.go in the code corpus' },
    { option: 'signal', since: '1.14.0', source: 'first execd.go in the code corpus' },
    { option: 'restart_delay', since: '1.14.0', source: 'first execd.go in the code corpus' },
    // Not written by us, so left out: environment, buffer_size (later releases); execd has no log_stderr at all.
  ],
};

function versionAtLeast(v: string, since: string): boolean {
  const a = v.split('.').map(Number);
  const b = since.split('.').map(Number);
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  return true;
}

/** The live `key = value` settings of the one [[inputs.exec]] or [[inputs.execd]] block of `text`. */
function blockSettings(text: string): { plugin: 'exec' | 'execd'; settings: Map<string, string> } {
  const headers = [...text.matchAll(/^\[\[inputs\.(execd?)\]\]$/gm)];
  assert.equal(headers.length, 1, text);
  const plugin = headers[0]?.[1] === 'execd' ? 'execd' : 'exec';
  const settings = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^\s*([a-z_]+)\s*=\s*(.+)$/.exec(line);
    if (m?.[1] !== undefined && m[2] !== undefined) {
      assert.ok(!settings.has(m[1]), `${m[1]} set twice`);
      settings.set(m[1], m[2].trim());
    }
  }
  return { plugin, settings };
}

/** What in `text` a Telegraf of `version` would refuse, as "option (why)". */
function refusedBy(text: string, version: string): string[] {
  const { plugin, settings } = blockSettings(text);
  const refused: string[] = [];
  for (const [key, value] of settings) {
    const form = value.startsWith('[[') || (key === 'command' && value.startsWith('[')) ? 'argv' : value.startsWith('[') ? 'string' : undefined;
    const known = TELEGRAF_OPTIONS[plugin].filter((o) => o.option === key && (o.form === undefined || o.form === form));
    if (known.length === 0) refused.push(`${key} (unknown to inputs.${plugin})`);
    else if (!known.some((o) => versionAtLeast(version, o.since))) refused.push(`${key} (since ${known.map((o) => o.since).join(', ')})`);
  }
  return refused;
}

describe('telegraf-config and telegraf.d/: only options the Telegraf they are for knows (issue 15, item 1)', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(`${tmpdir()}/homenet-tc-opts-`);
    mkdirSync(`${dir}/etc`);
    writeFileSync(`${dir}/etc/homenet.ini`, SAMPLE_INI);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** The block main() prints for the sample INI, in this process (no launcher: the default program path). */
  async function generated(extra: string[] = []): Promise<string> {
    const { code, stdout, stderr } = await runMain(['telegraf-config', '--config', `${dir}/etc/homenet.ini`, ...extra]);
    assert.equal(code, 0, stderr);
    return stdout.replaceAll(`${dir}/etc/homenet.ini`, '/etc/telegraf/homenet.ini');
  }

  it('the exec block is for 1.39 and later: argv commands and log_stderr = true', async () => {
    const block = await generated();
    assert.deepEqual(refusedBy(block, '1.39.0'), []);
    assert.equal(blockSettings(block).settings.get('log_stderr'), 'true');
    // The table tells the versions apart: 1.38.1 lacks argv commands, 1.38.0 log_stderr too.
    assert.deepEqual(refusedBy(block, '1.38.1'), ['commands (since 1.39.0)']);
    assert.deepEqual(refusedBy(block, '1.38.0'), ['commands (since 1.39.0)', 'log_stderr (since 1.38.1)']);
  });

  it('--legacy leaves out argv commands and log_stderr, says so, and runs on every Telegraf with execd', async () => {
    const block = await generated(['--legacy']);
    for (const v of ['1.14.0', '1.30.0', '1.38.0', '1.39.0']) assert.deepEqual(refusedBy(block, v), [], v);
    assert.equal(blockSettings(block).settings.get('log_stderr'), undefined);
    assert.match(block, /^ {2}## For Telegraf before 1\.39: the command as one string/m);
    assert.match(block, /^ {2}## No log_stderr either: Telegraf before 1\.38\.1 refuses to start on it/m);
  });

  it("the execd block runs on execd's first release (1.14) and sets no log_stderr, an option execd does not have", async () => {
    for (const extra of [['--execd'], ['--execd', '--legacy']]) {
      const block = await generated(extra);
      assert.deepEqual(refusedBy(block, '1.14.0'), [], extra.join(' '));
    }
  });

  it('the shipped snippets are for the versions they say, and set exactly what telegraf-config generates', async () => {
    const execd = EXECD_CONF;
    assert.deepEqual(refusedBy(EXEC_CONF, '1.39.0'), []);
    assert.deepEqual(refusedBy(execd, '1.14.0'), []);
    // Same program, same timeout, same everything: pasting either gives the same Telegraf.
    assert.deepEqual([...blockSettings(EXEC_CONF).settings], [...blockSettings(await generated()).settings]);
    assert.deepEqual([...blockSettings(execd).settings], [...blockSettings(await generated(['--execd'])).settings]);
    // The shipped pre-1.39 comment is the --legacy block's commands.
    const legacyCommands = blockSettings(await generated(['--legacy'])).settings.get('commands');
    assert.match(EXEC_CONF, new RegExp(`^ {2}# commands = ${(legacyCommands ?? 'none').replace(/[[\]\\/.]/g, '\\$&')}$`, 'm'));
  });
});

describe('telegraf-config names the program that is running, told by the launcher (issue 15, item 1)', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(`${tmpdir()}/homenet-tc-prog-`);
    // mkdtemp makes it 700: open it, as /usr/local/bin is.
    chmodSync(dir, 0o755);
    writeFileSync(`${dir}/homenet.ini`, '[gw]\ntype = att\nurl = http://192.168.1.254\n');
  });
  after(() => {
    chmodSync(`${dir}/private`, 0o755);
    rmSync(dir, { recursive: true, force: true });
  });

  it('a program in a folder other users cannot enter: the block names it, and a W! says why and what to do', async () => {
    mkdirSync(`${dir}/private`, { mode: 0o700 });
    chmodSync(`${dir}/private`, 0o700);
    symlinkSync(BIN, `${dir}/private/telegraf-homenet`);
    // In this process, told what the launcher would tell (the test above runs the launcher itself).
    const program = { path: `${dir}/private/telegraf-homenet`, node: process.execPath };
    const { code, stdout, stderr } = await runMain(['telegraf-config', '--config', `${dir}/homenet.ini`], { program });
    assert.equal(code, 0, stderr);
    assert.match(stdout, new RegExp(`^ {2}commands = \\[\\[${JSON.stringify(program.path).replace(/[.[\]\\/]/g, '\\$&')}, `, 'm'));
    assert.equal(
      stderr,
      `W! the block runs ${dir}/private/telegraf-homenet, which Telegraf (user telegraf) may not be able to run: the folder ${dir}/private is closed to other users (mode 700); install the program where every user can run it (see Install in the README) or give --program PATH\n`,
    );
  });

  it('a launcher whose node is off the service PATH: a W! says Telegraf may not find it', async () => {
    // What nvm gives: node in a folder of its own, open to all, but on no service's PATH.
    mkdirSync(`${dir}/nvm`, { mode: 0o755 });
    writeFileSync(`${dir}/nvm/node`, '', { mode: 0o755 });
    const program = { path: BIN, node: `${dir}/nvm/node` };
    const { stderr } = await runMain(['telegraf-config', '--config', `${dir}/homenet.ini`], { program });
    assert.match(
      stderr,
      new RegExp(
        `^W! the block runs .*: it starts node from Telegraf's PATH \\(/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin under systemd\\), and this one is ${dir}/nvm/node; install`,
        'm',
      ),
    );
  });
});
