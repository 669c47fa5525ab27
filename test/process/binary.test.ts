/**
 * The single executable (`npm run binary`), run as a user would on a server
 * without Node.js: an empty environment, another folder. A failed injection
 * leaves a binary that behaves like plain `node`, so real output is checked.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { startSimulator, type Simulator } from '../src/simulate/server.js';
import { execdAfterSigusr1, lines, ROOT, runProgram } from './support/helpers.js';

const BINARY = `${ROOT}dist/telegraf-homenet-linux-x64`;
const built = existsSync(BINARY);
// CI builds it first (.ci/run); a missing binary there is a failure, not a skip.
if (!built && process.env['CI']) throw new Error(`CI: ${BINARY} was not built (npm run binary)`);

// Each test says it is skipped (a skipped describe alone counts as 0 skipped tests).
const skip = built ? false : 'not built here: run `npm run binary` first';

describe('the single binary', () => {
  let sim: Simulator;
  before(async () => {
    if (built) sim = await startSimulator();
  });
  after(async () => {
    if (built) await sim.close();
  });
  const run = (args: string[], input = ''): ReturnType<typeof runProgram> => runProgram(BINARY, args, { cwd: '/', env: {}, input });

  it('--version prints the package version, not Node\'s', { skip }, async () => {
    const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { version: string };
    const r = await run(['--version']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${pkg.version}\n`);
    assert.equal(r.stderr, '', 'no experimental-feature warning');
  });

  it('collects a simulated gateway and household', { skip }, async () => {
    const r = await run(['--device', `att=${sim.url}/bgw320`, '--device', `sonos-household=${sim.url}/sonos/1`, '--tag', 'site=lab']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    const out = lines(r.stdout);
    assert.match(out[0] ?? '', /^net,host=127\.0\.0\.1:\d+\/bgw320,site=lab tx_bytes=\d+i,/);
    assert.ok(out.some((l) => l.startsWith('net,host=Living\\ Room\\ (L),interface=br0,site=lab ')));
    assert.equal(out.filter((l) => l.startsWith('homenet_scrape,') && l.includes('success=true')).length, 2);
  });

  it('runs execd, --help and config errors like the launcher', { skip }, async () => {
    const e = await run(['execd', '--device', `att-pace=${sim.url}`], '\n');
    assert.equal(e.code, 0, e.stderr);
    assert.match(lines(e.stdout).at(-1) ?? '', /^homenet_scrape,host=127\.0\.0\.1:\d+,type=att-pace success=true,duration_ms=\d+i,values_omitted=0i \d{19}$/);
    const help = await run(['--help']);
    assert.match(help.stdout, /telegraf-homenet discover/);
    const bad = await run(['--device', 'att']);
    assert.equal(bad.code, 2);
    assert.equal(bad.stdout, '');
  });

  it('SIGUSR1 opens no inspector: nothing listens, the run completes (issue 21, item 7)', { skip }, async () => {
    const r = await execdAfterSigusr1(BINARY, ['execd', '--device', `att-pace=${sim.url}`], {});
    assert.deepEqual(r.ports, [], 'no port open (the inspector listens on 9229)');
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /Debugger|inspector/i);
    assert.equal(lines(r.stdout).filter((l) => l.startsWith('homenet_scrape,') && l.includes('success=true')).length, 1);
  });

  it('telegraf-config names the binary itself, not a launcher or node (issue 15, item 1)', { skip }, async () => {
    const dir = mkdtempSync(`${tmpdir()}/homenet-bin-tc-`);
    try {
      writeFileSync(`${dir}/homenet.ini`, `[gw]\ntype = att\nurl = ${sim.url}\n`);
      const r = await run(['telegraf-config', '--config', `${dir}/homenet.ini`]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(JSON.parse(/^ {2}commands = (.+)$/m.exec(r.stdout)?.[1] ?? ''), [[BINARY, '--config', `${dir}/homenet.ini`]]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
