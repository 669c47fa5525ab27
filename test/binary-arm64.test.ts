/**
 * The linux-arm64 single executable (`npm run binary`), run on this x86-64
 * machine under user-mode emulation (Debian's qemu-user-static with the
 * arm64 C library from the *-cross packages), as a user would on a
 * Raspberry Pi: an empty environment, another folder. qemu starts Node in
 * about 2 s, so this runs the fewest commands that show the binary works:
 * its version, one offline parse, one collect against the simulator (which
 * runs on the host's Node).
 */
import assert from 'node:assert/strict';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { binaryPath, commandFor, type Command } from '../src/build/targets.js';
import { startSimulator, type Simulator } from '../src/simulate/server.js';
import { FIXTURES, lines, ROOT, runProgram, type RunResult } from './support/helpers.js';

const BINARY = binaryPath(ROOT, 'arm64');
const built = existsSync(BINARY);
const probe = commandFor('arm64', BINARY, []);
// CI builds it and installs qemu first (.ci/run); either missing there is a failure, not a skip.
if (process.env['CI']) {
  if (!built) throw new Error(`CI: ${BINARY} was not built (npm run binary)`);
  if (typeof probe === 'string') throw new Error(`CI: cannot run arm64 programs: ${probe}`);
}

// Each test says it is skipped (a skipped describe alone counts as 0 skipped tests).
const skip = !built ? 'not built here: run `npm run binary` first' : typeof probe === 'string' ? `cannot run arm64 programs here: ${probe}` : false;

/**
 * Runs the arm64 binary (under qemu on another architecture) from / with an
 * empty environment, at the lowest CPU priority: an emulated Node keeps a core
 * busy for seconds, and the other test worker's timed tests (execd,
 * reliability) failed in runs where it competed with them as an equal.
 */
function run(args: string[], input = ''): Promise<RunResult> {
  const c = commandFor('arm64', BINARY, args) as Command;
  return runProgram('/usr/bin/nice', ['-n', '19', c.command, ...c.args], { cwd: '/', env: {}, input, timeoutMs: 60_000 });
}

// One emulated Node at a time, for the same reason.
describe('the linux-arm64 single binary', () => {
  let sim: Simulator;
  before(async () => {
    if (!skip) sim = await startSimulator();
  });
  after(async () => {
    if (!skip) await sim.close();
  });

  it('is an aarch64 executable', { skip }, () => {
    const elf = Buffer.alloc(20);
    const fd = openSync(BINARY, 'r');
    readSync(fd, elf, 0, 20, 0);
    closeSync(fd);
    assert.equal(elf.toString('latin1', 1, 4), 'ELF');
    assert.equal(elf.readUInt16LE(18), 183, 'e_machine EM_AARCH64');
  });

  it('--version prints the package version, not Node\'s', { skip }, async () => {
    const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { version: string };
    const r = await run(['--version']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${pkg.version}\n`);
    assert.equal(r.stderr, '', 'no experimental-feature warning');
  });

  it('parses saved gateway pages exactly as the fixture expects', { skip }, async () => {
    const dir = `${FIXTURES}att-bgw/bgw320-all-pages/`;
    const pages = readdirSync(dir).filter((f) => !f.startsWith('expected.')).map((f) => `${dir}${f}`);
    const r = await run(['parse', '--type', 'att-bgw', '--host', 'router', ...pages]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.equal(r.stdout, readFileSync(`${dir}expected.out`, 'utf8'));
  });

  it('collects a simulated gateway and household', { skip }, async () => {
    // Emulation is 5-10 times slower than the real thing: a generous time limit.
    const r = await run(['--device', `att=${sim.url}/bgw320`, '--device', `sonos-household=${sim.url}/sonos/1`, '--tag', 'site=lab', '--timeout', '30s']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    const out = lines(r.stdout);
    assert.match(out[0] ?? '', /^net,host=127\.0\.0\.1:\d+\/bgw320,site=lab tx_bytes=\d+i,/);
    assert.ok(out.some((l) => l.startsWith('net,host=Living\\ Room\\ (L),interface=br0,site=lab ')));
    assert.equal(out.filter((l) => l.startsWith('homenet_scrape,') && l.includes('success=true')).length, 2);
  });
});
