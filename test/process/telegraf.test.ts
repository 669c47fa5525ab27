/** The ready-to-copy Telegraf snippet and sample INI do what they say. */
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { startSimulator, type Simulator } from '../../src/simulate/server.js';
import { useSimulatorAndFolder } from '../support/context.js';
import { BIN, lines, openCopy, type OpenCopy, runBin, runMain, runProgram } from '../support/helpers.js';
import { EXEC_CONF, EXECD_CONF, SAMPLE_INI, setting } from '../support/snippets.js';

describe('telegraf.d/homenet-execd.conf', () => {
  const get = (key: string): string => setting(EXECD_CONF, key);

  it('its command starts an execd that answers a newline with a batch and ends on EOF', async () => {
    const sim = await startSimulator();
    const dir = mkdtempSync(`${tmpdir()}/homenet-execd-conf-`);
    try {
      writeFileSync(`${dir}/homenet.ini`, SAMPLE_INI.replace('url = http://192.168.1.254', `url = ${sim.url}`));
      const [, ...args] = JSON.parse(get('command')) as string[];
      const r = await runBin(
        args.map((a) => (a === '/etc/telegraf/homenet.ini' ? `${dir}/homenet.ini` : a)),
        { input: '\n' },
      );
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
  describe('its argv array, run as Telegraf would (no shell), against the simulator', () => {
    const lab = useSimulatorAndFolder('telegraf');

    it('prints valid line protocol from the sample INI pointed at the simulator', async () => {
      const argv = JSON.parse(setting(EXEC_CONF, 'commands')) as string[][];
      assert.equal(argv.length, 1);
      const [program, ...args] = argv[0] ?? [];
      assert.equal(program, '/usr/local/bin/telegraf-homenet');
      const ini = `${lab.dir}/homenet.ini`;
      writeFileSync(ini, SAMPLE_INI.replace('url = http://192.168.1.254', `url = ${lab.url}`));
      const r = await runBin(
        args.map((a) => (a === '/etc/telegraf/homenet.ini' ? ini : a)),
        { cwd: '/' },
      );
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
    // Limits far above what the simulator needs, counted from the process's start: the run below must
    // succeed on a busy machine too (with 2 s, the speaker failed once when both cores were taken).
    writeFileSync(ini, `timeout = 5s\n[gw]\ntype = att-pace\nurl = ${sim.url}\ntimeout = 6s\n[den]\ntype = sonos\nurl = ${sim.url}/sonos/1\n`);
    const r = await runBin(['telegraf-config', '--config', ini, '--interval', '30s']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^\[\[inputs\.exec\]\]$/m);
    assert.match(r.stdout, /^ {2}timeout = "10s"$/m);
    assert.match(r.stdout, /^ {2}interval = "30s"$/m);
    assert.match(r.stdout, /^ {2}data_format = "influx"$/m);
    const argv = JSON.parse(/^ {2}commands = (.+)$/m.exec(r.stdout)?.[1] ?? '') as string[][];
    assert.deepEqual(argv, [[BIN, '--config', ini]]);
    const run = await runMain((argv[0] ?? []).slice(1));
    assert.equal(run.code, 0, run.stderr);
    assert.equal(lines(run.stdout).filter((l) => l.startsWith('homenet_scrape,') && l.includes('success=true')).length, 2, run.stderr);
  });

  it('--legacy quotes a path with a space for the string form; --execd prints an execd block', async () => {
    const ini = `${dir}/homenet.ini`;
    // In this process, told what the launcher would tell (the test above runs the launcher itself).
    const launcher = { program: { path: BIN, node: process.execPath } };
    const legacy = await runMain(['telegraf-config', '--config', ini, '--legacy', '--program', '/usr/local/bin/telegraf-homenet'], launcher);
    assert.match(legacy.stdout, new RegExp(`^ {2}commands = \\["/usr/local/bin/telegraf-homenet --config '${dir}/homenet.ini'"\\]$`, 'm'));
    const execd = await runMain(['telegraf-config', '--config', ini, '--execd'], launcher);
    assert.match(execd.stdout, /^\[\[inputs\.execd\]\]$/m);
    assert.match(execd.stdout, /^ {2}signal = "STDIN"$/m);
    assert.deepEqual(JSON.parse(/^ {2}command = (.+)$/m.exec(execd.stdout)?.[1] ?? ''), [BIN, 'execd', '--config', ini]);
  });

  it('refuses a broken config: exit 2, nothing on stdout', async () => {
    writeFileSync(`${dir}/bad.ini`, '[gw]\ntype = att\n');
    const r = await runMain(['telegraf-config', '--config', `${dir}/bad.ini`]);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /\[gw\] url: missing/);
  });
});

describe('telegraf-config names the program that is running (issue 15, item 1)', () => {
  let dir = '';
  let copy: OpenCopy;
  before(() => {
    // A copy every user can read, wherever the clone sits (a folder closed to others would rightly be warned of).
    copy = openCopy();
    dir = mkdtempSync(`${tmpdir()}/homenet-tc-prog-`);
    // mkdtemp makes it 700: open it, as /usr/local/bin is.
    chmodSync(dir, 0o755);
    writeFileSync(`${dir}/homenet.ini`, '[gw]\ntype = att\nurl = http://192.168.1.254\n');
  });
  after(() => {
    copy.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The argv of the block that `program` (a link to the launcher, run as a PATH lookup would) prints. */
  async function blockOf(program: string): Promise<{ argv: string[]; stderr: string }> {
    const r = await runProgram(program, ['telegraf-config', '--config', `${dir}/homenet.ini`]);
    assert.equal(r.code, 0, r.stderr);
    const argv = (JSON.parse(/^ {2}commands = (.+)$/m.exec(r.stdout)?.[1] ?? '[]') as string[][])[0] ?? [];
    return { argv, stderr: r.stderr };
  }

  it('the launcher by the path it was run as (an npm link on the PATH stays the link), with no warning when others can run it', async () => {
    mkdirSync(`${dir}/bin`, { mode: 0o755 });
    symlinkSync(copy.bin, `${dir}/bin/telegraf-homenet`);
    const { argv, stderr } = await blockOf(`${dir}/bin/telegraf-homenet`);
    assert.deepEqual(argv, [`${dir}/bin/telegraf-homenet`, '--config', `${dir}/homenet.ini`]);
    assert.ok(!stderr.includes(dir) && !stderr.includes(copy.dir), stderr);
  });
});
