/** The ready-to-copy Telegraf snippet and sample INI do what they say. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { main } from '../src/cli.js';
import { buildConfig, DEFAULT_TIMEOUT_MS, parseDuration } from '../src/config.js';
import { startSimulator, type Simulator } from '../src/simulate/server.js';
import { lines, ROOT, runBin } from './support/helpers.js';

const conf = readFileSync(`${ROOT}telegraf.d/homenet.conf`, 'utf8');
const sampleIni = readFileSync(`${ROOT}telegraf.d/homenet.ini`, 'utf8');

/** `key = value` of the [[inputs.exec]] block, comments left out. */
function setting(key: string): string {
  const m = new RegExp(`^\\s*${key}\\s*=\\s*(.+)$`, 'm').exec(conf);
  assert.ok(m?.[1], `${key} is set in homenet.conf`);
  return m[1].trim();
}

describe('telegraf.d/homenet-execd.conf', () => {
  const execd = readFileSync(`${ROOT}telegraf.d/homenet-execd.conf`, 'utf8');
  const get = (key: string): string => {
    const m = new RegExp(`^\\s*${key}\\s*=\\s*(.+)$`, 'm').exec(execd);
    assert.ok(m?.[1], `${key} is set`);
    return m[1].trim();
  };

  it('is an execd input driven by STDIN with influx data format', () => {
    assert.match(execd, /^\[\[inputs\.execd\]\]$/m);
    assert.equal(get('signal'), '"STDIN"');
    assert.equal(get('data_format'), '"influx"');
    assert.deepEqual(JSON.parse(get('command')), ['/usr/local/bin/telegraf-homenet', 'execd', '--config', '/etc/telegraf/homenet.ini']);
  });

  it('its command starts an execd that answers a newline with a batch and ends on EOF', async () => {
    const sim = await startSimulator();
    const dir = mkdtempSync(`${tmpdir()}/homenet-execd-conf-`);
    try {
      writeFileSync(`${dir}/homenet.ini`, sampleIni.replace('url = http://192.168.1.254', `url = ${sim.url}`));
      const [, ...args] = JSON.parse(get('command')) as string[];
      const r = await runBin(args.map((a) => (a === '/etc/telegraf/homenet.ini' ? `${dir}/homenet.ini` : a)), { input: '\n' });
      assert.equal(r.code, 0, r.stderr);
      const out = lines(r.stdout);
      assert.match(out[0] ?? '', /^net,host=router,region=home tx_bytes=\d+i,.* \d{19}$/);
      assert.match(out.at(-1) ?? '', /^homenet_scrape,host=router,region=home,type=att success=true,duration_ms=\d+i,values_omitted=0i \d{19}$/);
    } finally {
      await sim.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('telegraf.d/homenet.conf', () => {
  it('is an exec input with influx data format', () => {
    assert.match(conf, /^\[\[inputs\.exec\]\]$/m);
    assert.equal(setting('data_format'), '"influx"');
  });

  it('gives Telegraf a timeout above our own deadline', () => {
    const telegrafTimeout = parseDuration(JSON.parse(setting('timeout')) as string) ?? 0;
    const ini = buildConfig({ file: 'homenet.ini', fileText: sampleIni });
    const ours = Math.max(...ini.devices.map((d) => d.timeoutMs));
    assert.equal(ours, DEFAULT_TIMEOUT_MS);
    assert.ok(telegrafTimeout >= ours + 2000, `Telegraf timeout ${telegrafTimeout} ms leaves room above ${ours} ms`);
    assert.ok(parseDuration(JSON.parse(setting('interval')) as string) !== undefined);
  });

  it('shows the pre-1.39 string form in a comment', () => {
    assert.match(conf, /^\s*# commands = \["\/usr\/local\/bin\/telegraf-homenet --config \/etc\/telegraf\/homenet\.ini"\]$/m);
  });

  describe('its argv array, run as Telegraf would (no shell), against the simulator', () => {
    let sim: Simulator;
    let dir = '';
    before(async () => {
      sim = await startSimulator();
      dir = mkdtempSync(`${tmpdir()}/homenet-telegraf-`);
    });
    after(async () => {
      await sim.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('prints valid line protocol from the sample INI pointed at the simulator', async () => {
      const argv = JSON.parse(setting('commands')) as string[][];
      assert.equal(argv.length, 1);
      const [program, ...args] = argv[0] ?? [];
      assert.equal(program, '/usr/local/bin/telegraf-homenet');
      const ini = `${dir}/homenet.ini`;
      writeFileSync(ini, sampleIni.replace('url = http://192.168.1.254', `url = ${sim.url}`));
      const r = await runBin(args.map((a) => (a === '/etc/telegraf/homenet.ini' ? ini : a)), { cwd: '/' });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, '');
      const out = lines(r.stdout);
      assert.match(out[0] ?? '', /^net,host=router,region=home tx_bytes=\d+i,/);
      assert.match(out.at(-1) ?? '', /^homenet_scrape,host=router,region=home,type=att success=true,duration_ms=\d+i,values_omitted=0i$/);
    });
  });
});

describe('telegraf-homenet telegraf-config', () => {
  let sim: Simulator;
  let dir = '';
  before(async () => {
    sim = await startSimulator();
    dir = mkdtempSync(`${tmpdir()}/homenet tc-`);
  });
  after(async () => {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints an exec block whose timeout clears the longest device limit, and whose command works', async () => {
    const ini = `${dir}/homenet.ini`;
    writeFileSync(ini, `timeout = 2s\n[gw]\ntype = att-pace\nurl = ${sim.url}\ntimeout = 6s\n[den]\ntype = sonos\nurl = ${sim.url}/sonos/1\n`);
    const r = await runBin(['telegraf-config', '--config', ini, '--interval', '30s']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^\[\[inputs\.exec\]\]$/m);
    assert.match(r.stdout, /^ {2}timeout = "9s"$/m);
    assert.match(r.stdout, /^ {2}interval = "30s"$/m);
    assert.match(r.stdout, /^ {2}data_format = "influx"$/m);
    const argv = JSON.parse(/^ {2}commands = (.+)$/m.exec(r.stdout)?.[1] ?? '') as string[][];
    assert.deepEqual(argv, [['/usr/local/bin/telegraf-homenet', '--config', ini]]);
    const run = await runBin((argv[0] ?? []).slice(1), { cwd: '/' });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(lines(run.stdout).filter((l) => l.startsWith('homenet_scrape,') && l.includes('success=true')).length, 2);
  });

  it('--legacy quotes a path with a space for the string form; --execd prints an execd block', async () => {
    const ini = `${dir}/homenet.ini`;
    const legacy = await runBin(['telegraf-config', '--config', ini, '--legacy']);
    assert.match(legacy.stdout, new RegExp(`^ {2}commands = \\["/usr/local/bin/telegraf-homenet --config '${dir}/homenet.ini'"\\]$`, 'm'));
    const execd = await runBin(['telegraf-config', '--config', ini, '--execd']);
    assert.match(execd.stdout, /^\[\[inputs\.execd\]\]$/m);
    assert.match(execd.stdout, /^ {2}signal = "STDIN"$/m);
    assert.deepEqual(JSON.parse(/^ {2}command = (.+)$/m.exec(execd.stdout)?.[1] ?? ''), ['/usr/local/bin/telegraf-homenet', 'execd', '--config', ini]);
  });

  it('refuses a broken config: exit 2, nothing on stdout', async () => {
    writeFileSync(`${dir}/bad.ini`, '[gw]\ntype = att\n');
    const r = await runBin(['telegraf-config', '--config', `${dir}/bad.ini`]);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /\[gw\] url: missing/);
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
    let stdout = '';
    let stderr = '';
    const code = await main(['telegraf-config', '--config', path, ...extra], { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env: {} });
    assert.equal(code, 0, stderr);
    return stdout;
  }

  it('a line break (or DEL) in the path stays inside the comment and the strings: no live TOML', async () => {
    const plain = `${dir}/plain.ini`;
    const evil = `${dir}/x\n[agent]\n  debug = true\n[[outputs.file]]\u007f\n#.ini`;
    for (const extra of [[], ['--execd'], ['--legacy']]) {
      const good = (await snippet(plain, extra)).split('\n');
      const bad = (await snippet(evil, extra)).split('\n');
      // eslint-disable-next-line no-control-regex -- control characters are what must not get through
      assert.ok(bad.every((l) => !/[\u0000-\u001f\u007f]/.test(l)), 'no raw control character');
      assert.equal(bad.length, good.length, bad.join('\n'));
      const header = /^## Made by: telegraf-homenet telegraf-config.* --config (".*")$/.exec(bad[0] ?? '');
      assert.equal(JSON.parse(header?.[1] ?? '""'), evil, 'the comment shows the path, escaped');
      // Past the first comment line, the two snippets differ only in the path, inside its strings.
      const norm = (path: string) => (line: string): string => {
        const m = /^(\s*\w+ = )(.+)$/.exec(line);
        if (!m) return line;
        const value = JSON.parse(m[2] ?? '') as unknown;
        return `${m[1] ?? ''}${JSON.stringify(value, (_k, x: unknown) => (typeof x === 'string' ? x.replace(`'${path}'`, 'PATH').replace(path, 'PATH') : x))}`;
      };
      assert.deepEqual(bad.slice(1).map(norm(evil)), good.slice(1).map(norm(plain)), extra.join(' '));
    }
  });
});
