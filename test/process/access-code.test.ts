/**
 * The access code as Telegraf meets it (issue 15, item 7): a relative
 * access_code_file read beside the INI file whatever the working folder,
 * `nat` without a code refused up front where every model needs one, and a
 * code file others can read named with its fix, the code never shown.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { main } from '../src/cli.js';
import { SIM_ACCESS_CODE } from '../src/devices/att/simulate/bgw.js';
import { startSimulator, type Simulator } from '../src/simulate/server.js';
import { BIN, execdAfterSigusr1, lines, runBin } from './support/helpers.js';

/** main() in this process (the same code the launcher runs, without the start-up), for the quick variations. */
async function inProcess(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env: {} });
  return { code, stdout, stderr };
}

describe('access code (issue 15, item 7)', () => {
  let sim: Simulator;
  let dir = '';
  before(async () => {
    sim = await startSimulator();
    dir = mkdtempSync(`${tmpdir()}/homenet-code-`);
  });
  after(async () => {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a relative access_code_file is read beside the INI file, not in the working folder', async () => {
    mkdirSync(`${dir}/etc`);
    writeFileSync(`${dir}/etc/att-access-code`, `${SIM_ACCESS_CODE}\n`, { mode: 0o600 });
    writeFileSync(`${dir}/etc/homenet.ini`, `[gw]\ntype = att-bgw\nurl = ${sim.url}/bgw320\ncollect = traffic, nat\naccess_code_file = att-access-code\n`);
    // Telegraf's working folder is its own ("/" under systemd), never the INI file's.
    const r = await runBin(['--config', `${dir}/etc/homenet.ini`], { cwd: '/' });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.ok(lines(r.stdout).some((l) => l.startsWith('homenet_nat,host=gw sessions=')), r.stdout);
  });

  it('nat on att-bgw without a code: exit 2, the exact message, nothing on stdout', async () => {
    writeFileSync(`${dir}/nocode.ini`, `[gw]\ntype = att-bgw\nurl = ${sim.url}/bgw320\ncollect = traffic, nat\n`);
    assert.deepEqual(
      await inProcess(['--config', `${dir}/nocode.ini`]),
      {
        code: 2,
        stdout: '',
        stderr: `E! ${dir}/nocode.ini: [gw] collect: nat needs the gateway's access code on type att-bgw: set access_code_file or access_code_env in this section, or leave nat out\n`,
      },
    );
  });

  it('nat on att without a code is no config error: att may be a Pace, whose NAT page needs none', async () => {
    writeFileSync(`${dir}/att.ini`, `[pace]\ntype = att\nurl = ${sim.url}\ncollect = traffic, nat\n[bgw]\ntype = att\nurl = ${sim.url}/bgw320\ncollect = traffic, nat\n`);
    const r = await inProcess(['--config', `${dir}/att.ini`]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(lines(r.stdout).some((l) => l.startsWith('homenet_nat,host=pace ')), r.stdout);
    // The BGW behind `att` still says, at run time, what to set.
    assert.match(r.stderr, /^E! \[bgw\] att .*nattable\.ha: nat: needs the access code: set access_code_file or access_code_env for this device$/m);
  });

  it('a code file others can read: one W! naming the file and chmod 600, never the code; mode 600: silent', async () => {
    const code = `${dir}/open-code`;
    writeFileSync(code, `${SIM_ACCESS_CODE}\n`);
    chmodSync(code, 0o644);
    writeFileSync(`${dir}/open.ini`, `[gw]\ntype = att-bgw\nurl = ${sim.url}/bgw320\ncollect = nat\naccess_code_file = open-code\n`);
    const open = await inProcess(['--config', `${dir}/open.ini`]);
    assert.equal(open.code, 0, open.stderr);
    assert.equal(
      open.stderr,
      `W! ${dir}/open.ini: [gw] access_code_file: ${code} can be read by other users (mode 644): chmod 600 ${code} (and chown it to the user Telegraf runs as)\n`,
    );
    assert.ok(!open.stderr.includes(SIM_ACCESS_CODE) && !open.stdout.includes(SIM_ACCESS_CODE));
    assert.ok(lines(open.stdout).some((l) => l.startsWith('homenet_nat,')));
    chmodSync(code, 0o640);
    assert.match((await inProcess(['--config', `${dir}/open.ini`])).stderr, /\(mode 640\): chmod 600 /);
    chmodSync(code, 0o600);
    const closed = await inProcess(['--config', `${dir}/open.ini`]);
    assert.equal(closed.stderr, '');
  });
});

describe('no way into the process that holds the access code (issue 21, item 7)', () => {
  let sim: Simulator;
  before(async () => {
    sim = await startSimulator();
  });
  after(() => sim.close());

  it('SIGUSR1 opens no inspector: nothing listens, the run completes', async () => {
    const r = await execdAfterSigusr1(process.execPath, [BIN, 'execd', '--device', `att-pace=${sim.url}`]);
    assert.deepEqual(r.ports, [], 'no port open (the inspector listens on 9229)');
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /Debugger|inspector/i);
    assert.equal(lines(r.stdout).filter((l) => l.startsWith('homenet_scrape,') && l.includes('success=true')).length, 1);
  });
});
