/**
 * The access code as Telegraf meets it (issue 15, item 7): a relative
 * access_code_file read beside the INI file whatever the working folder,
 * `nat` without a code refused up front where every model needs one, and a
 * code file others can read named with its fix, the code never shown.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { SIM_ACCESS_CODE } from '../../src/devices/att/simulate/bgw.js';
import { useSimulator, useSimulatorAndFolder } from '../support/context.js';
import { BIN, execdAfterSigusr1, lines, runMain } from '../support/helpers.js';

/** main() in this process (the same code the launcher runs, without the start-up), for the quick variations. */
const inProcess = runMain;

describe('access code (issue 15, item 7)', () => {
  const lab = useSimulatorAndFolder('code');

  it('a relative access_code_file is read beside the INI file, not in the working folder', async () => {
    mkdirSync(`${lab.dir}/etc`);
    writeFileSync(`${lab.dir}/etc/att-access-code`, `${SIM_ACCESS_CODE}\n`, { mode: 0o600 });
    writeFileSync(`${lab.dir}/etc/homenet.ini`, `[gw]\ntype = att-bgw\nurl = ${lab.url}/bgw320\ncollect = traffic, nat\naccess_code_file = att-access-code\n`);
    // Telegraf's working folder is its own ("/" under systemd), never the INI file's; this one's is the repository.
    const r = await inProcess(['--config', `${lab.dir}/etc/homenet.ini`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.ok(
      lines(r.stdout).some((l) => l.startsWith('homenet_nat,host=gw sessions=')),
      r.stdout,
    );
  });

  it('nat on att-bgw without a code: exit 2, the exact message, nothing on stdout', async () => {
    writeFileSync(`${lab.dir}/nocode.ini`, `[gw]\ntype = att-bgw\nurl = ${lab.url}/bgw320\ncollect = traffic, nat\n`);
    assert.deepEqual(await inProcess(['--config', `${lab.dir}/nocode.ini`]), {
      code: 2,
      stdout: '',
      stderr: `E! ${lab.dir}/nocode.ini: [gw] collect: nat needs the gateway's access code on type att-bgw: set access_code_file or access_code_env in this section, or leave nat out\n`,
    });
  });

  it('nat on att without a code is no config error: att may be a Pace, whose NAT page needs none', async () => {
    writeFileSync(`${lab.dir}/att.ini`, `[pace]\ntype = att\nurl = ${lab.url}\ncollect = traffic, nat\n[bgw]\ntype = att\nurl = ${lab.url}/bgw320\ncollect = traffic, nat\n`);
    const r = await inProcess(['--config', `${lab.dir}/att.ini`]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(
      lines(r.stdout).some((l) => l.startsWith('homenet_nat,host=pace ')),
      r.stdout,
    );
    // The BGW behind `att` still says, at run time, what to set.
    assert.match(r.stderr, /^E! \[bgw\] att .*nattable\.ha: nat: needs the access code: set access_code_file or access_code_env for this device$/m);
  });

  it('a code file others can read: one W! naming the file and chmod 600, never the code; mode 600: silent', async () => {
    const code = `${lab.dir}/open-code`;
    writeFileSync(code, `${SIM_ACCESS_CODE}\n`);
    chmodSync(code, 0o644);
    writeFileSync(`${lab.dir}/open.ini`, `[gw]\ntype = att-bgw\nurl = ${lab.url}/bgw320\ncollect = nat\naccess_code_file = open-code\n`);
    const open = await inProcess(['--config', `${lab.dir}/open.ini`]);
    assert.equal(open.code, 0, open.stderr);
    assert.equal(open.stderr, `W! ${lab.dir}/open.ini: [gw] access_code_file: ${code} can be read by other users (mode 644): chmod 600 ${code} (and chown it to the user Telegraf runs as)\n`);
    assert.ok(!open.stderr.includes(SIM_ACCESS_CODE) && !open.stdout.includes(SIM_ACCESS_CODE));
    assert.ok(lines(open.stdout).some((l) => l.startsWith('homenet_nat,')));
    chmodSync(code, 0o640);
    assert.match((await inProcess(['--config', `${lab.dir}/open.ini`])).stderr, /\(mode 640\): chmod 600 /);
    chmodSync(code, 0o600);
    const closed = await inProcess(['--config', `${lab.dir}/open.ini`]);
    assert.equal(closed.stderr, '');
  });
});

describe('no way into the process that holds the access code (issue 21, item 7)', () => {
  const lab = useSimulator();

  it('SIGUSR1 opens no inspector: nothing listens, the run completes', async () => {
    const r = await execdAfterSigusr1(process.execPath, [BIN, 'execd', '--device', `att-pace=${lab.url}`]);
    assert.deepEqual(r.ports, [], 'no port open (the inspector listens on 9229)');
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /Debugger|inspector/i);
    assert.equal(lines(r.stdout).filter((l) => l.startsWith('homenet_scrape,') && l.includes('success=true')).length, 1);
  });
});
