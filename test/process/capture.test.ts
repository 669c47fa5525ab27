/** capture: masked pages, and parse commands that reproduce the run. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { mask, Masker } from '../src/capture.js';
import { main } from '../src/cli.js';
import { startSimulator, type Simulator } from '../src/simulate/server.js';
import { closedPort, lines, runBin } from './support/helpers.js';

/** Runs main() in this process and collects what it prints. */
async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env: {} });
  return { code, stdout, stderr };
}

/** The words of a command line as a POSIX shell reads them, for the quoting capture writes ('...' and '\\''). */
function shellWords(line: string): string[] {
  return (line.match(/(?:'[^']*'|\\'|[^\s'\\])+/g) ?? []).map((w) => w.replace(/'([^']*)'|\\(')/g, '$1$2'));
}

/** The parse commands of a capture's README.txt, as argument lists without the program. */
function readmeCommands(out: string): string[][] {
  return readFileSync(`${out}/README.txt`, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('telegraf-homenet parse '))
    .map((l) => shellWords(l).slice(1));
}

/** Line protocol without the fields a saved page cannot have (request timings) and without the scrape lines. */
function comparable(text: string): string[] {
  return lines(text)
    // parse reads every area a page has; the run left the opt-in radio area out.
    .filter((l) => !l.startsWith('homenet_scrape,') && !l.startsWith('homenet_radio,'))
    .map((l) => l.replace(/,total_time=\d+i,elapsed_time=\d+i/, '').replace(/serial=[^, ]+/, 'serial=S').replace(/hardware=[^, ]+/, 'hardware=H'))
    .sort();
}

describe('capture', () => {
  let sim: Simulator;
  let dir = '';
  before(async () => {
    sim = await startSimulator();
    dir = mkdtempSync(`${tmpdir()}/homenet-capture-`);
  });
  after(async () => {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('masks addresses, MACs, serials, device IDs and nonces, and keeps what the parsers read', () => {
    const page = `<tr><th scope="row">Serial Number</th><td class="col2">SIM320X0004217</td></tr><tr><th>MAC Address</th><td>10:93:97:71:45:c1</td></tr>
<input name="nonce" value="${'ab'.repeat(32)}" /><td>203.0.113.77</td><td>fe80::1293:97ff:fe71:45c0</td><SerialNumber>5C-AA-FD-00-00-10:A</SerialNumber>
<LocalUID>RINCON_5CAAFD00001001400</LocalUID><td>Time Since Last Reboot</td><td>12:07:45:09</td><td>4294967295</td>`;
    const m = mask(page);
    for (const secret of ['SIM320X0004217', '10:93:97:71:45:c1', 'ab'.repeat(32), '203.0.113.77', 'fe80::1293', '5C-AA-FD', 'RINCON_5CAAFD']) {
      assert.ok(!m.includes(secret), `${secret} masked`);
    }
    assert.ok(m.includes('12:07:45:09') && m.includes('4294967295'), 'uptimes and counters stay');
  });

  it('gives each distinct serial, MAC, address and device ID its own placeholder, the same on every page, and keeps versions', () => {
    const masker = new Masker();
    const left = masker.mask('<ZPInfo><SerialNumber>7A-11-22-00-00-10:B</SerialNumber><MACAddress>7A:11:22:00:00:10</MACAddress><IPAddress>192.168.1.20</IPAddress><LocalUID>RINCON_7A1122000010</LocalUID><HardwareVersion>1.20.1.6-1.2</HardwareVersion></ZPInfo>');
    const right = masker.mask('<ZPInfo><SerialNumber>7A-11-22-00-00-11:B</SerialNumber><MACAddress>7A:11:22:00:00:11</MACAddress><IPAddress>192.168.1.21</IPAddress><LocalUID>RINCON_7A1122000011</LocalUID><HardwareVersion>1.20.1.6-1.2</HardwareVersion></ZPInfo>');
    const again = masker.mask('<serialNum>7A-11-22-00-00-10:B</serialNum> 192.168.1.20');
    assert.equal(left, '<ZPInfo><SerialNumber>SERIAL-MASKED-1</SerialNumber><MACAddress>02:00:00:00:00:01</MACAddress><IPAddress>192.0.2.1</IPAddress><LocalUID>RINCON_00000000000101400</LocalUID><HardwareVersion>1.20.1.6-1.2</HardwareVersion></ZPInfo>');
    assert.equal(right, '<ZPInfo><SerialNumber>SERIAL-MASKED-2</SerialNumber><MACAddress>02:00:00:00:00:02</MACAddress><IPAddress>192.0.2.2</IPAddress><LocalUID>RINCON_00000000000201400</LocalUID><HardwareVersion>1.20.1.6-1.2</HardwareVersion></ZPInfo>');
    assert.equal(again, '<serialNum>SERIAL-MASKED-1</serialNum> 192.0.2.1');
  });

  it('masks IPv6 addresses in digits only, the first address of a range, and a tenth MAC, and keeps times (issue 21, item 15)', () => {
    const masker = new Masker();
    const page = [
      '<td>2600:1700:5310:2000:1234:5678:9012:3456</td><td>2600:1700:5310:2070/60</td><td>2600:1700:10:20:30:40:50:60</td>',
      '<td>DHCP 192.168.1.64-192.168.1.253</td><td>Uptime 12:07:45:09, 1:02:03</td><td>1.20.1.6-1.2</td>',
      ...Array.from({ length: 11 }, (_, i) => `<td>7A:11:22:33:44:${(0x50 + i).toString(16)}</td>`),
    ].join('\n');
    const masked = masker.mask(page).split('\n');
    assert.deepEqual(masked.slice(0, 2), [
      '<td>2001:db8::1</td><td>2001:db8::2/60</td><td>2001:db8::3</td>',
      '<td>DHCP 192.0.2.1-192.0.2.2</td><td>Uptime 12:07:45:09, 1:02:03</td><td>1.20.1.6-1.2</td>',
    ]);
    // The tenth MAC's placeholder has a hex letter: it is not taken for an IPv6 address.
    assert.deepEqual(masked.slice(-2), ['<td>02:00:00:00:00:0A</td>', '<td>02:00:00:00:00:0B</td>']);
  });

  it('saves the pages of a run whose parse commands print the same metrics', async () => {
    const out = `${dir}/run`;
    const r = await runBin(['capture', '--out', out, '--device', `att=${sim.url}`, '--device', `att=${sim.url}/bgw320`, '--device', `sonos=${sim.url}/sonos/1`, '--device', `sonos-household=${sim.url}/sonos/2`]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^I! saved \d+ page\(s\) and the parse commands in /m);
    const commands = readmeCommands(out);
    assert.equal(commands.length, 4);
    let reproduced = '';
    for (const args of commands) {
      const p = await runBin(args, { cwd: out });
      assert.equal(p.code, 0, `${args.join(' ')}: ${p.stderr}`);
      assert.equal(p.stderr, '', args.join(' '));
      reproduced += p.stdout;
    }
    // Serials are masked in the saved pages, and hardware versions that look like addresses.
    assert.deepEqual(comparable(reproduced), comparable(r.stdout));
    const saved = readdirSync(out, { recursive: true }).map(String).filter((f) => !f.endsWith('README.txt'));
    assert.ok(saved.length >= 10);
    for (const f of saved) {
      if (!f.includes('.')) continue;
      const text = readFileSync(`${out}/${f}`, 'utf8');
      assert.ok(!/RINCON_5CAAFD|5C-AA-FD|02:00:5e:10:20:30|SIM320X0004217/i.test(text), `${f} is masked`);
    }
  });
});

describe('capture: its folder (issue 13, item 8)', () => {
  let sim: Simulator;
  let dir = '';
  before(async () => {
    sim = await startSimulator();
    dir = mkdtempSync(`${tmpdir()}/homenet-capture-out-`);
  });
  after(async () => {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('two sections whose names fold to one folder keep their own pages, and each command reproduces its own device', async () => {
    writeFileSync(`${dir}/two.ini`, `[up stairs]\ntype = att\nurl = ${sim.url}\ncollect = traffic\n[up_stairs]\ntype = att\nurl = ${sim.url}/bgw320\ncollect = traffic\n`);
    const out = `${dir}/two`;
    const r = await run(['capture', '--config', `${dir}/two.ini`, '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    const commands = readmeCommands(out);
    assert.equal(commands.length, 2);
    const folders = commands.map((c) => c.at(-1)?.split('/')[0]);
    assert.deepEqual(folders, ['up_stairs', 'up_stairs-2']);
    const net = (text: string, host: string): string[] => comparable(text).filter((l) => l.startsWith(`net,host=${host} `));
    for (const [i, host] of ['up\\ stairs', 'up_stairs'].entries()) {
      const args = (commands[i] ?? []).map((a) => (a.includes('/') ? `${out}/${a}` : a));
      const p = await run(args);
      assert.equal(p.code, 0, p.stderr);
      assert.equal(net(p.stdout, host).length, 1, p.stdout);
      assert.deepEqual(net(p.stdout, host), net(r.stdout, host), `${host} is reproduced from its own pages`);
    }
  });

  it('a symbolic link to a folder inside --out is not written through: exit 2 before any device is asked', async () => {
    const elsewhere = `${dir}/elsewhere`;
    mkdirSync(elsewhere);
    const out = `${dir}/linked`;
    mkdirSync(out);
    symlinkSync(elsewhere, `${out}/gw`);
    writeFileSync(`${dir}/linked.ini`, `[gw]\ntype = att\nurl = ${sim.url}\ncollect = traffic\n`);
    const r = await run(['capture', '--config', `${dir}/linked.ini`, '--out', out]);
    // Nothing printed but the error: no collect ran.
    assert.deepEqual(r, {
      code: 2,
      stdout: '',
      stderr: `E! --out: ${out} is not empty ("gw"): capture writes into a new or empty folder only, so that the pages of two runs never mix (choose a new --out, or empty this one)\n`,
    });
    assert.deepEqual(readdirSync(elsewhere), []);
  });

  it('a folder an earlier capture used is refused before any device is asked, and kept as it was (issue 21, item 9)', async () => {
    writeFileSync(`${dir}/again.ini`, `[gw]\ntype = att\nurl = ${sim.url}\ncollect = traffic\n[spk]\ntype = sonos\nurl = ${sim.url}/sonos/1\n`);
    const out = `${dir}/again`;
    // An empty folder is as good as a new one.
    mkdirSync(out);
    const first = await run(['capture', '--config', `${dir}/again.ini`, '--out', out]);
    assert.equal(first.code, 0, first.stderr);
    // Every name in the folder, with each file's text.
    const snapshot = (): string[][] =>
      readdirSync(out, { recursive: true, encoding: 'utf8' }).sort().map((f) => [f, statSync(`${out}/${f}`).isFile() ? readFileSync(`${out}/${f}`, 'utf8') : 'a folder']);
    const kept = snapshot();
    assert.ok(kept.length > 3, kept.join(' '));
    const asked = [...sim.hits.values()].reduce((a, b) => a + b, 0);
    const second = await run(['capture', '--config', `${dir}/again.ini`, '--out', out]);
    assert.deepEqual(second, {
      code: 2,
      stdout: '',
      stderr: `E! --out: ${out} is not empty (3 entries): capture writes into a new or empty folder only, so that the pages of two runs never mix (choose a new --out, or empty this one)\n`,
    });
    assert.equal([...sim.hits.values()].reduce((a, b) => a + b, 0), asked, 'no device asked');
    assert.deepEqual(snapshot(), kept);
  });

  it('--out an existing file: exit 2 before any device is asked', async () => {
    const file = `${dir}/a-file`;
    writeFileSync(file, 'keep\n');
    writeFileSync(`${dir}/gw.ini`, `[gw]\ntype = att\nurl = http://127.0.0.1:${await closedPort()}\n`);
    const r = await run(['capture', '--config', `${dir}/gw.ini`, '--out', file]);
    assert.deepEqual(r, { code: 2, stdout: '', stderr: `E! --out: ${file} exists and is not a folder (choose a new folder)\n` });
    assert.equal(readFileSync(file, 'utf8'), 'keep\n');
  });
});

describe('capture: README.txt (issue 13, item 11)', () => {
  let sim: Simulator;
  let dir = '';
  before(async () => {
    sim = await startSimulator();
    dir = mkdtempSync(`${tmpdir()}/homenet-capture-readme-`);
  });
  after(async () => {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows the lines of the run with the serial tag masked, as the saved pages have it', async () => {
    writeFileSync(`${dir}/gw.ini`, `[tags]\nregion = lab\n[gw]\ntype = att\nurl = ${sim.url}\ncollect = system\n`);
    const r = await run(['capture', '--config', `${dir}/gw.ini`, '--out', `${dir}/out`]);
    assert.equal(r.code, 0, r.stderr);
    const serial = /^homenet_system,.*\bserial=([^, ]+)/m.exec(r.stdout)?.[1];
    assert.ok(serial !== undefined && serial.length >= 4, r.stdout);
    const readme = readFileSync(`${dir}/out/README.txt`, 'utf8');
    assert.ok(!readme.includes(serial), `README.txt shows the serial ${serial}`);
    assert.match(readme, /^homenet_system,.*\bserial=SERIAL-MASKED-1[, ]/m);
    // The reproduce command carries the run's tags, so its lines come out as the run's did.
    assert.match(readme, /^telegraf-homenet parse --type att --host gw --tag region=lab gw\//m);
  });
});

describe('capture: the reproduce commands in a shell (issue 13, item 18)', () => {
  let sim: Simulator;
  let dir = '';
  before(async () => {
    sim = await startSimulator();
    dir = mkdtempSync(`${tmpdir()}/homenet-capture-shell-`);
  });
  after(async () => {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a host tag such as $(touch ...) is one quoted word, not a command the shell runs', async () => {
    const host = `$(touch ${dir}/pwned) \`touch ${dir}/pwned2\` it's "x"`;
    writeFileSync(`${dir}/gw.ini`, `[gw]\ntype = att\nurl = ${sim.url}\ncollect = traffic\nhost = ${host}\n`);
    const r = await run(['capture', '--config', `${dir}/gw.ini`, '--out', `${dir}/out`]);
    assert.equal(r.code, 0, r.stderr);
    const line = readFileSync(`${dir}/out/README.txt`, 'utf8').split('\n').find((l) => l.startsWith('telegraf-homenet parse ')) ?? '';
    // What a user pasting the line into sh gets: the program's arguments, one per line.
    const sh = spawnSync('/bin/sh', ['-c', line.replace(/^telegraf-homenet /, "printf '%s\\n' ")], { cwd: `${dir}/out`, encoding: 'utf8' });
    assert.equal(sh.status, 0, sh.stderr);
    assert.deepEqual(sh.stdout.split('\n').slice(0, 5), ['parse', '--type', 'att', '--host', host]);
    assert.ok(!existsSync(`${dir}/pwned`) && !existsSync(`${dir}/pwned2`), 'nothing ran');
  });
});
