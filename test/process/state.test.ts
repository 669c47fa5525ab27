/** The state file writer replaces only a regular file that is missing or ours (issue 13, items 5 and 6). */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, lstatSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { addTotals } from '../../src/counters/index.js';
import { int } from '../../src/lineprotocol.js';
import { emptyState, loadState, saveState, stateFromJson, stateToJson, type State } from '../../src/state/index.js';
import { MAX_STATE_BYTES } from '../../src/files.js';
import { startSimulator, type Simulator } from '../../src/simulate/server.js';
import { BIN, closedFolderAbove, closedPort, openCopy, runMain, runProgram, type OpenCopy, type RunResult } from '../support/helpers.js';
import { T0, VERSION_1 } from '../support/state-files.js';
import { needs } from '../support/needs.js';

/** One collect in this process with `state_file = state`, against a device that refuses at once. */
async function collectWith(dir: string, state: string): Promise<{ code: number; stderr: string }> {
  writeFileSync(`${dir}/s.ini`, `state_file = ${state}\n[gw]\ntype = att-pace\nurl = http://127.0.0.1:${await closedPort()}\ncollect = traffic\n`);
  const { code, stderr } = await runMain(['--config', `${dir}/s.ini`]);
  return { code, stderr };
}

describe('state file: a collect with one of an earlier version', () => {
  it('a collect with a version 1 file reads it quietly (state_ok=true) and writes it back', async () => {
    const dir = mkdtempSync(`${tmpdir()}/homenet-state-v1-`);
    try {
      const path = `${dir}/state.json`;
      writeFileSync(path, VERSION_1);
      writeFileSync(`${dir}/s.ini`, `state_file = ${path}\n[gw]\ntype = att-pace\nurl = http://127.0.0.1:${await closedPort()}\ncollect = traffic\n`);
      const { code, stdout, stderr } = await runMain(['--config', `${dir}/s.ini`]);
      assert.equal(code, 0);
      assert.doesNotMatch(stderr, /state file/, stderr);
      assert.match(stdout, /^homenet_scrape,host=gw,type=att-pace success=false,.*,state_ok=true[, ]/m);
      const text = readFileSync(path, 'utf8');
      assert.notEqual(text, VERSION_1, 'written again');
      assert.equal(stateFromJson(text).counters.forgotten.get('old-speaker'), 1_761_000_000_000_000_000n);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('state file: never replace what is not ours', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(`${tmpdir()}/homenet-state-`);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a device node reads as empty, yet is not ours: not writable', () => {
    // Only read: the old code would have renamed a regular file over /dev/null when saving.
    const loaded = loadState('/dev/null');
    assert.equal(loaded.writable, false);
    assert.equal(
      loaded.warning,
      'E! state file /dev/null is a character device, not a regular file: it is left untouched; fix: point state_file at a regular file, or at a path that does not exist yet; until then no *_total fields are printed',
    );
  });

  it('an empty read-only file is left as it is; an empty file of ours is taken', async () => {
    const readOnly = `${dir}/readonly.json`;
    writeFileSync(readOnly, '');
    chmodSync(readOnly, 0o444);
    const inode = statSync(readOnly).ino;
    const r = await collectWith(dir, readOnly);
    assert.equal(r.code, 0);
    assert.match(
      r.stderr,
      /^E! state file .*readonly\.json is empty but read-only or another user's: it is left untouched; fix: sudo chown \S+ \S+readonly\.json && sudo chmod u\+w \S+ \(or delete it: sudo rm \S+\); until then no \*_total fields are printed$/m,
    );
    assert.equal(statSync(readOnly).ino, inode, 'not replaced');
    assert.equal(statSync(readOnly).mode & 0o777, 0o444);
    assert.equal(readFileSync(readOnly, 'utf8'), '');

    const mine = `${dir}/mine.json`;
    writeFileSync(mine, '', { mode: 0o640 });
    const m = await collectWith(dir, mine);
    assert.match(m.stderr, /^W! state file .*mine\.json is empty: counter totals start fresh$/m);
    assert.ok(readFileSync(mine, 'utf8').startsWith('{"format":"telegraf-homenet-counters"'));
  });

  it('a symbolic link is neither followed nor replaced', async () => {
    const target = `${dir}/target.json`;
    const text = stateToJson(emptyState());
    writeFileSync(target, text);
    const link = `${dir}/link.json`;
    symlinkSync(target, link);
    const r = await collectWith(dir, link);
    assert.match(
      r.stderr,
      /^E! state file .*link\.json is a symbolic link, not a regular file: it is left untouched; fix: point state_file at a regular file, or at a path that does not exist yet; until then no \*_total fields are printed$/m,
    );
    assert.ok(lstatSync(link).isSymbolicLink());
    assert.equal(readlinkSync(link), target);
    assert.equal(readFileSync(target, 'utf8'), text);
  });

  it('what appears at the path after it was read (a FIFO) is not replaced', () => {
    const path = `${dir}/later.json`;
    const loaded = loadState(path);
    assert.equal(loaded.writable, true, 'missing: ours to create');
    assert.equal(spawnSync('mkfifo', [path]).status, 0);
    assert.equal(saveState(path, loaded.state), `E! state file ${path} is now a FIFO, not a regular file: it is left untouched; until then no *_total fields are printed`);
    assert.ok(lstatSync(path).isFIFO());
  });
});

describe('state file: never larger than the program reads back (issue 21, item 2)', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(`${tmpdir()}/homenet-state-size-`);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** A state file of ours of about `mib` MiB: one host's series with long interface names. */
  const bigState = (mib: number): State => {
    const state = emptyState();
    const name = 'v'.repeat(1000);
    for (let i = 0; i < mib * 1000; i++) state.counters.series.set(`net\u0000host=spk\u0000interface=${name}${i}\u0000rx_bytes`, { last: 1n, total: 1n, atNs: T0, wide: false });
    return state;
  };

  it('one an earlier version wrote over the limit is not refused for ever: a warning, a fresh start, replaced', async () => {
    const path = `${dir}/old.json`;
    writeFileSync(path, stateToJson(bigState(17)));
    assert.ok(statSync(path).size > MAX_STATE_BYTES);
    const r = await collectWith(dir, path);
    assert.equal(r.code, 0);
    assert.ok(
      r.stderr
        .split('\n')
        .includes(
          `W! state file ${path} is over 16 MiB, more than the program reads back (an earlier version wrote it with no limit): counter totals start fresh, and it is replaced by one within the limit`,
        ),
      r.stderr,
    );
    assert.doesNotMatch(r.stderr, /^E! .*state file/m);
    assert.ok(statSync(path).size < 10_000);
    assert.equal(loadState(path).warning, undefined, 'read back quietly');
  });

  it("what devices' describing pages said is left out when the file would pass the limit; the totals are kept", () => {
    const path = `${dir}/described.json`;
    const state = emptyState();
    addTotals([{ name: 'net', tags: { host: 'router' }, fields: { rx_bytes: int(5n) }, time: T0 }], state.counters, 'net', T0);
    // Six speakers whose description pages named a model 3 MB long.
    const model = 'M'.repeat(3_000_000);
    for (let i = 0; i < 6; i++) {
      state.devices.set(`s${i}`, {
        url: `http://192.0.2.${i}:1400/`,
        family: 'sonos',
        described: { 'sonos-description': { until: 1, metrics: [{ name: 'homenet_system', tags: { model }, fields: { info: int(1n) } }] } },
      });
    }
    assert.equal(saveState(path, state), undefined);
    assert.ok(statSync(path).size <= MAX_STATE_BYTES);
    const back = loadState(path);
    assert.equal(back.warning, undefined);
    assert.equal(back.state.counters.series.size, 1);
    assert.deepEqual(back.state.devices.get('s3'), { url: 'http://192.0.2.3:1400/', family: 'sonos' });
  });

  it('a state that would still pass it is not written: an E!, and the file there stays', () => {
    const path = `${dir}/huge.json`;
    writeFileSync(path, stateToJson(emptyState()));
    const line = saveState(path, bigState(17));
    assert.equal(
      line,
      `E! state file ${path} would be over 16 MiB, more than the program reads back: not written, and no *_total fields are printed (please report this: the counter totals are kept within 8 MiB)`,
    );
    assert.equal(readFileSync(path, 'utf8'), stateToJson(emptyState()));
  });
});

describe('a state file the program can read but not write (issue 21, item 5)', () => {
  let dir = '';
  let sim: Simulator;
  // The simulated Pace counts 1,250,000 bytes a second on a 32-bit counter: it wraps every 3,436 s.
  let clock = 0;
  before(async () => {
    dir = mkdtempSync(`${tmpdir()}/homenet-state-unwritable-`);
    sim = await startSimulator({ now: () => clock });
  });
  after(async () => {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('never lowers a total: runs that cannot write it print no *_total, and the first that can goes on from the last printed', async () => {
    const state = `${dir}/state.json`;
    writeFileSync(`${dir}/u.ini`, `state_file = ${state}\n[gw]\ntype = att-pace\nurl = ${sim.url}\ncollect = traffic\n`);
    /** A collect `atS` seconds after the simulator started; unwritable: under `ulimit -f` (files of at most 100 bytes). */
    const run = async (atS: number, writable: boolean): Promise<{ total: bigint | undefined; stderr: string; ok: string | undefined }> => {
      clock = atS * 1000;
      const args = [BIN, '--config', `${dir}/u.ini`];
      const r = writable ? await runProgram(process.execPath, args) : await runProgram('prlimit', ['--fsize=100', process.execPath, ...args]);
      assert.equal(r.code, 0, r.stderr);
      const total = /^net,host=gw .*\brx_bytes_total=(\d+)i/m.exec(r.stdout)?.[1];
      return { total: total === undefined ? undefined : BigInt(total), stderr: r.stderr, ok: /\bstate_ok=(\w+)/.exec(r.stdout)?.[1] };
    };
    // 1,175,000,000 counted at 1,000 s (the file is made); then 100,000,000 more by 1,080 s, but the file
    // cannot be written; then, a whole wrap later, 50,000,000 and 75,000,000 more than at 1,000 s.
    const made = await run(1000, true);
    const unwritten = [await run(1080, false), await run(4476, false)];
    const again = await run(4496, true);
    const printed = [made, ...unwritten, again].flatMap((r) => (r.total === undefined ? [] : [r.total]));
    assert.ok(
      printed.every((t, i) => i === 0 || t >= (printed[i - 1] ?? 0n)),
      `printed ${printed.join(', ')}: a total fell`,
    );
    assert.equal(made.total, 1_175_000_000n);
    const cause = `E! cannot write state file ${state} (EFBIG: it would pass the size a file may have (ulimit -f)): no *_total fields are printed until it can be written (a later run would count on from the older readings in it, and the totals would fall)`;
    // (The packet counters, hours apart on the simulator's clock and a second apart on the program's, are set aside as too fast.)
    for (const u of unwritten) {
      assert.equal(u.total, undefined, 'no total the next run could not go on from');
      assert.deepEqual(
        u.stderr.split('\n').filter((l) => !/^W! net,host=gw \w+_pkts=/.test(l)),
        [cause, ''],
      );
      assert.equal(u.ok, 'false');
    }
    // Counted on from the file's reading at 1,000 s: never below what was printed.
    assert.equal(again.total, 1_175_000_000n + 75_032_704n);
    assert.equal(again.ok, 'true');
    assert.doesNotMatch(again.stderr, /^E!|rx_bytes/m);
  });
});

/** Runs the built program as user nobody, as Telegraf runs it as user telegraf. */
function runAsNobody(bin: string, args: readonly string[]): Promise<RunResult> {
  return runProgram('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, bin, ...args], { cwd: '/' });
}

describe('state file problems are loud and fixable (issue 15, item 2)', { skip: needs('root') }, () => {
  let dir = '';
  let port = 0;
  /** The program where nobody can read it: the clone may be in a folder closed to other users. */
  let copy: OpenCopy;
  before(async () => {
    const closed = closedFolderAbove(process.execPath);
    if (closed !== undefined)
      throw new Error(`${process.execPath} is in ${closed}, closed to other users: user nobody cannot run this Node (run the tests with a Node every user can run, e.g. /usr/bin/node)`);
    copy = openCopy();
    dir = mkdtempSync(`${tmpdir()}/homenet-state-owner-`);
    chmodSync(dir, 0o777);
    port = await closedPort();
  });
  after(() => {
    copy.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  it("one made by root is unreadable for the program's user: an E! naming the chown, state_ok=false, then fixed by it", async () => {
    const state = `${dir}/root-made.json`;
    // What a first check run by hand as root leaves behind.
    writeFileSync(state, stateToJson(emptyState()), { mode: 0o600 });
    writeFileSync(`${dir}/a.ini`, `state_file = ${state}\n[gw]\ntype = att-pace\nurl = http://127.0.0.1:${port}\ncollect = traffic\n`, { mode: 0o644 });
    const r = await runAsNobody(copy.bin, ['--config', `${dir}/a.ini`]);
    assert.equal(r.code, 0, r.stderr);
    const fix = `E! cannot read state file ${state} (EACCES): it belongs to root and this program runs as nobody; fix: sudo chown nobody ${state} (or delete it: sudo rm ${state}); until then no *_total fields are printed`;
    assert.ok(r.stderr.split('\n').includes(fix), r.stderr);
    assert.doesNotMatch(r.stderr, /^W! .*state file/m);
    assert.match(r.stdout, /^homenet_scrape,host=gw,type=att-pace success=false,.*,state_ok=false[, ]/m);
    assert.equal(statSync(state).uid, 0, 'left as it was');

    // The fix the line names, done: the next run reads and writes it quietly.
    chownSync(state, 65534, 65534);
    const fixed = await runAsNobody(copy.bin, ['--config', `${dir}/a.ini`]);
    assert.doesNotMatch(fixed.stderr, /state file/, fixed.stderr);
    assert.match(fixed.stdout, /^homenet_scrape,host=gw,type=att-pace success=false,.*,state_ok=true[, ]/m);
  });

  it("a folder the program's user cannot write in: an E! naming the folder's chown, state_ok=false", async () => {
    const folder = mkdtempSync(`${dir}/root-folder-`);
    chmodSync(folder, 0o755);
    const state = `${folder}/state.json`;
    writeFileSync(`${dir}/b.ini`, `state_file = ${state}\n[gw]\ntype = att-pace\nurl = http://127.0.0.1:${port}\ncollect = traffic\n`, { mode: 0o644 });
    const r = await runAsNobody(copy.bin, ['--config', `${dir}/b.ini`]);
    assert.equal(r.code, 0, r.stderr);
    const fix = `E! cannot write state file ${state} (EACCES): nobody cannot create files in ${folder}; fix: sudo chown nobody ${folder}, or set state_file to a path in a folder nobody owns; until then no *_total fields are printed`;
    assert.ok(r.stderr.split('\n').includes(fix), r.stderr);
    assert.match(r.stdout, /,state_ok=false[, ]/);
    assert.ok(!existsSync(state));
  });
});
