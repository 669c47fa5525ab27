/** capture: masked pages, and parse commands that reproduce the run. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { useSimulatorAndFolder } from '../support/context.js';
import { closedPort, lines, runMain } from '../support/helpers.js';

/** main() in this process. */
const run = runMain;

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
  return (
    lines(text)
      // parse reads every area a page has; the run left the opt-in radio area out.
      .filter((l) => !l.startsWith('homenet_scrape,') && !l.startsWith('homenet_radio,'))
      .map((l) =>
        l
          .replace(/,total_time=\d+i,elapsed_time=\d+i/, '')
          .replace(/serial=[^, ]+/, 'serial=S')
          .replace(/hardware=[^, ]+/, 'hardware=H'),
      )
      .sort()
  );
}

describe('capture', () => {
  const lab = useSimulatorAndFolder('capture');

  it('saves the pages of a run whose parse commands print the same metrics', async () => {
    const out = `${lab.dir}/run`;
    const r = await runMain([
      'capture',
      '--out',
      out,
      '--device',
      `att=${lab.url}`,
      '--device',
      `att=${lab.url}/bgw320`,
      '--device',
      `sonos=${lab.url}/sonos/1`,
      '--device',
      `sonos-household=${lab.url}/sonos/2`,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^I! saved \d+ page\(s\) and the parse commands in /m);
    const commands = readmeCommands(out);
    assert.equal(commands.length, 4);
    let reproduced = '';
    for (const args of commands) {
      // As run from the capture's folder: its page paths (the arguments after the options) are relative to it.
      const p = await runMain(args.map((a, i) => (i > 0 && !a.startsWith('-') && !(args[i - 1] ?? '').startsWith('-') ? `${out}/${a}` : a)));
      assert.equal(p.code, 0, `${args.join(' ')}: ${p.stderr}`);
      assert.equal(p.stderr, '', args.join(' '));
      reproduced += p.stdout;
    }
    // Serials are masked in the saved pages, and hardware versions that look like addresses.
    assert.deepEqual(comparable(reproduced), comparable(r.stdout));
    const saved = readdirSync(out, { recursive: true })
      .map(String)
      .filter((f) => !f.endsWith('README.txt'));
    assert.ok(saved.length >= 10);
    for (const f of saved) {
      if (!f.includes('.')) continue;
      const text = readFileSync(`${out}/${f}`, 'utf8');
      assert.ok(!/RINCON_5CAAFD|5C-AA-FD|02:00:5e:10:20:30|SIM320X0004217/i.test(text), `${f} is masked`);
    }
  });
});

describe('capture: its folder (issue 13, item 8)', () => {
  const lab = useSimulatorAndFolder('capture-out');

  it('two sections whose names fold to one folder keep their own pages, and each command reproduces its own device', async () => {
    writeFileSync(`${lab.dir}/two.ini`, `[up stairs]\ntype = att\nurl = ${lab.url}\ncollect = traffic\n[up_stairs]\ntype = att\nurl = ${lab.url}/bgw320\ncollect = traffic\n`);
    const out = `${lab.dir}/two`;
    const r = await run(['capture', '--config', `${lab.dir}/two.ini`, '--out', out]);
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
    const elsewhere = `${lab.dir}/elsewhere`;
    mkdirSync(elsewhere);
    const out = `${lab.dir}/linked`;
    mkdirSync(out);
    symlinkSync(elsewhere, `${out}/gw`);
    writeFileSync(`${lab.dir}/linked.ini`, `[gw]\ntype = att\nurl = ${lab.url}\ncollect = traffic\n`);
    const r = await run(['capture', '--config', `${lab.dir}/linked.ini`, '--out', out]);
    // Nothing printed but the error: no collect ran.
    assert.deepEqual(r, {
      code: 2,
      stdout: '',
      stderr: `E! --out: ${out} is not empty ("gw"): capture writes into a new or empty folder only, so that the pages of two runs never mix (choose a new --out, or empty this one)\n`,
    });
    assert.deepEqual(readdirSync(elsewhere), []);
  });

  it('a folder an earlier capture used is refused before any device is asked, and kept as it was (issue 21, item 9)', async () => {
    writeFileSync(`${lab.dir}/again.ini`, `[gw]\ntype = att\nurl = ${lab.url}\ncollect = traffic\n[spk]\ntype = sonos\nurl = ${lab.url}/sonos/1\n`);
    const out = `${lab.dir}/again`;
    // An empty folder is as good as a new one.
    mkdirSync(out);
    const first = await run(['capture', '--config', `${lab.dir}/again.ini`, '--out', out]);
    assert.equal(first.code, 0, first.stderr);
    // Every name in the folder, with each file's text.
    const snapshot = (): string[][] =>
      readdirSync(out, { recursive: true, encoding: 'utf8' })
        .sort()
        .map((f) => [f, statSync(`${out}/${f}`).isFile() ? readFileSync(`${out}/${f}`, 'utf8') : 'a folder']);
    const kept = snapshot();
    assert.ok(kept.length > 3, kept.join(' '));
    const asked = [...lab.sim.hits.values()].reduce((a, b) => a + b, 0);
    const second = await run(['capture', '--config', `${lab.dir}/again.ini`, '--out', out]);
    assert.deepEqual(second, {
      code: 2,
      stdout: '',
      stderr: `E! --out: ${out} is not empty (3 entries): capture writes into a new or empty folder only, so that the pages of two runs never mix (choose a new --out, or empty this one)\n`,
    });
    assert.equal(
      [...lab.sim.hits.values()].reduce((a, b) => a + b, 0),
      asked,
      'no device asked',
    );
    assert.deepEqual(snapshot(), kept);
  });

  it('--out an existing file: exit 2 before any device is asked', async () => {
    const file = `${lab.dir}/a-file`;
    writeFileSync(file, 'keep\n');
    writeFileSync(`${lab.dir}/gw.ini`, `[gw]\ntype = att\nurl = http://127.0.0.1:${await closedPort()}\n`);
    const r = await run(['capture', '--config', `${lab.dir}/gw.ini`, '--out', file]);
    assert.deepEqual(r, { code: 2, stdout: '', stderr: `E! --out: ${file} exists and is not a folder (choose a new folder)\n` });
    assert.equal(readFileSync(file, 'utf8'), 'keep\n');
  });
});

describe('capture: README.txt (issue 13, item 11)', () => {
  const lab = useSimulatorAndFolder('capture-readme');

  it('shows the lines of the run with the serial tag masked, as the saved pages have it', async () => {
    writeFileSync(`${lab.dir}/gw.ini`, `[tags]\nregion = lab\n[gw]\ntype = att\nurl = ${lab.url}\ncollect = system\n`);
    const r = await run(['capture', '--config', `${lab.dir}/gw.ini`, '--out', `${lab.dir}/out`]);
    assert.equal(r.code, 0, r.stderr);
    const serial = /^homenet_system,.*\bserial=([^, ]+)/m.exec(r.stdout)?.[1];
    assert.ok(serial !== undefined && serial.length >= 4, r.stdout);
    const readme = readFileSync(`${lab.dir}/out/README.txt`, 'utf8');
    assert.ok(!readme.includes(serial), `README.txt shows the serial ${serial}`);
    assert.match(readme, /^homenet_system,.*\bserial=SERIAL-MASKED-1[, ]/m);
    // The reproduce command carries the run's tags, so its lines come out as the run's did.
    assert.match(readme, /^telegraf-homenet parse --type att --host gw --tag region=lab gw\//m);
  });
});

describe('capture: the reproduce commands in a shell (issue 13, item 18)', () => {
  const lab = useSimulatorAndFolder('capture-shell');

  it('a host tag such as $(touch ...) is one quoted word, not a command the shell runs', async () => {
    const host = `$(touch ${lab.dir}/pwned) \`touch ${lab.dir}/pwned2\` it's "x"`;
    writeFileSync(`${lab.dir}/gw.ini`, `[gw]\ntype = att\nurl = ${lab.url}\ncollect = traffic\nhost = ${host}\n`);
    const r = await run(['capture', '--config', `${lab.dir}/gw.ini`, '--out', `${lab.dir}/out`]);
    assert.equal(r.code, 0, r.stderr);
    const line =
      readFileSync(`${lab.dir}/out/README.txt`, 'utf8')
        .split('\n')
        .find((l) => l.startsWith('telegraf-homenet parse ')) ?? '';
    // What a user pasting the line into sh gets: the program's arguments, one per line.
    const sh = spawnSync('/bin/sh', ['-c', line.replace(/^telegraf-homenet /, "printf '%s\\n' ")], { cwd: `${lab.dir}/out`, encoding: 'utf8' });
    assert.equal(sh.status, 0, sh.stderr);
    assert.deepEqual(sh.stdout.split('\n').slice(0, 5), ['parse', '--type', 'att', '--host', host]);
    assert.ok(!existsSync(`${lab.dir}/pwned`) && !existsSync(`${lab.dir}/pwned2`), 'nothing ran');
  });
});
