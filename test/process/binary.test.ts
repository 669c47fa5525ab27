/**
 * The single executables (`npm run binary`), one suite over every target:
 * each run as a user would on a server without Node.js (an empty
 * environment, another folder), natively or, for another architecture, under
 * user-mode emulation (Debian's qemu-user-static with the target's C library
 * from the *-cross packages), as on a Raspberry Pi. A failed injection leaves
 * a binary that behaves like plain `node`, so real output is checked.
 *
 * Emulated, Node starts in about 2 s, so there the suite runs the fewest
 * commands that show the binary works (its version, one offline parse, one
 * collect against the simulator, which runs on the host's Node); natively it
 * also runs execd, --help, a config error, SIGUSR1 and telegraf-config.
 */
import assert from 'node:assert/strict';
import { closeSync, openSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { binaryPath, commandFor, TARGETS, type Command } from '../../src/build/targets.js';
import { useSimulatorAndFolder } from '../support/context.js';
import { execdAfterSigusr1, FIXTURES, lines, ROOT, runProgram, type RunResult } from '../support/helpers.js';
import { fixturePages } from '../support/fixtures.js';
import { needs } from '../support/needs.js';

const VERSION = (JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { version: string }).version;

/** e_machine of each target's ELF header. */
const MACHINE = { x64: 62, arm64: 183 } as const;

for (const t of TARGETS) {
  const binary = binaryPath(ROOT, t.arch);
  // Each test says it is skipped (a skipped describe alone counts as 0 skipped tests).
  const skip = needs(`binary-${t.arch}`);
  const emulated = process.arch !== t.arch;

  /**
   * Runs the binary from / with an empty environment. Emulated, with a
   * generous time limit: an emulated Node keeps a core busy for seconds and
   * runs 5-10 times slower than the real thing. At the machine's own
   * priority: under `nice -n 19` two busy loops beside it left it about 1%
   * of a core, and it passed its 60 s.
   */
  const run = (args: string[], input = ''): Promise<RunResult> => {
    if (!emulated) return runProgram(binary, args, { cwd: '/', env: {}, input });
    const c = commandFor(t.arch, binary, args) as Command;
    return runProgram(c.command, c.args, { cwd: '/', env: {}, input, timeoutMs: 60_000 });
  };

  describe(`the linux-${t.arch} single binary${emulated ? ' (emulated)' : ''}`, () => {
    const lab = useSimulatorAndFolder(`binary-${t.arch}`);

    it(`is an executable for ${t.arch}`, { skip }, () => {
      const elf = Buffer.alloc(20);
      const fd = openSync(binary, 'r');
      readSync(fd, elf, 0, 20, 0);
      closeSync(fd);
      assert.equal(elf.toString('latin1', 1, 4), 'ELF');
      assert.equal(elf.readUInt16LE(18), MACHINE[t.arch], 'e_machine');
    });

    it("--version prints the package version, not Node's", { skip }, async () => {
      const r = await run(['--version']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, `${VERSION}\n`);
      assert.equal(r.stderr, '', 'no experimental-feature warning');
    });

    it('parses saved gateway pages exactly as the fixture expects', { skip }, async () => {
      const dir = `${FIXTURES}att-bgw/bgw320-all-pages/`;
      const r = await run(['parse', '--type', 'att-bgw', '--host', 'router', ...fixturePages(dir)]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, '');
      assert.equal(r.stdout, readFileSync(`${dir}expected.out`, 'utf8'));
    });

    it('collects a simulated gateway and household', { skip }, async () => {
      const r = await run(['--device', `att=${lab.url}/bgw320`, '--device', `sonos-household=${lab.url}/sonos/1`, '--tag', 'site=lab', ...(emulated ? ['--timeout', '30s'] : [])]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, '');
      const out = lines(r.stdout);
      assert.match(out[0] ?? '', /^net,host=127\.0\.0\.1:\d+\/bgw320,site=lab tx_bytes=\d+i,/);
      assert.ok(out.some((l) => l.startsWith('net,host=Living\\ Room\\ (L),interface=br0,site=lab ')));
      assert.equal(out.filter((l) => l.startsWith('homenet_scrape,') && l.includes('success=true')).length, 2);
    });

    // What follows starts the binary several times: natively only.
    if (emulated) return;

    it('runs execd, --help and config errors like the launcher', { skip }, async () => {
      const e = await run(['execd', '--device', `att-pace=${lab.url}`], '\n');
      assert.equal(e.code, 0, e.stderr);
      assert.match(lines(e.stdout).at(-1) ?? '', /^homenet_scrape,host=127\.0\.0\.1:\d+,type=att-pace success=true,duration_ms=\d+i,values_omitted=0i \d{19}$/);
      const help = await run(['--help']);
      assert.match(help.stdout, /telegraf-homenet discover/);
      const bad = await run(['--device', 'att']);
      assert.equal(bad.code, 2);
      assert.equal(bad.stdout, '');
    });

    it('SIGUSR1 opens no inspector: nothing listens, the run completes (issue 21, item 7)', { skip }, async () => {
      const r = await execdAfterSigusr1(binary, ['execd', '--device', `att-pace=${lab.url}`], {});
      assert.deepEqual(r.ports, [], 'no port open (the inspector listens on 9229)');
      assert.equal(r.code, 0, r.stderr);
      assert.doesNotMatch(r.stderr, /Debugger|inspector/i);
      assert.equal(lines(r.stdout).filter((l) => l.startsWith('homenet_scrape,') && l.includes('success=true')).length, 1);
    });

    it('telegraf-config names the binary itself, not a launcher or node (issue 15, item 1)', { skip }, async () => {
      writeFileSync(`${lab.dir}/homenet.ini`, `[gw]\ntype = att\nurl = ${lab.url}\n`);
      const r = await run(['telegraf-config', '--config', `${lab.dir}/homenet.ini`]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(JSON.parse(/^ {2}commands = (.+)$/m.exec(r.stdout)?.[1] ?? ''), [[binary, '--config', `${lab.dir}/homenet.ini`]]);
    });
  });
}
