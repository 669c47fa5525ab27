/** The state file writer replaces only a regular file that is missing or ours (issue 13, items 5 and 6). */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { main } from '../src/cli.js';
import { emptyState, stateToJson } from '../src/counters.js';
import { loadState, saveState } from '../src/state.js';
import { closedPort } from './support/helpers.js';

/** One collect in this process with `state_file = state`, against a device that refuses at once. */
async function collectWith(dir: string, state: string): Promise<{ code: number; stderr: string }> {
  writeFileSync(`${dir}/s.ini`, `state_file = ${state}\n[gw]\ntype = att-pace\nurl = http://127.0.0.1:${await closedPort()}\ncollect = traffic\n`);
  let stderr = '';
  const code = await main(['--config', `${dir}/s.ini`], { stdout: () => undefined, stderr: (t) => (stderr += t), env: {} });
  return { code, stderr };
}

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
    assert.equal(loaded.warning, 'W! state file /dev/null is a character device, not a regular file: counter totals start fresh, and it is left untouched');
  });

  it('an empty read-only file is left as it is; an empty file of ours is taken', async () => {
    const readOnly = `${dir}/readonly.json`;
    writeFileSync(readOnly, '');
    chmodSync(readOnly, 0o444);
    const inode = statSync(readOnly).ino;
    const r = await collectWith(dir, readOnly);
    assert.equal(r.code, 0);
    assert.match(r.stderr, /^W! state file .*readonly\.json is empty but read-only or another user's: counter totals start fresh, and it is left untouched$/m);
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
    assert.match(r.stderr, /^W! state file .*link\.json is a symbolic link, not a regular file: counter totals start fresh, and it is left untouched$/m);
    assert.ok(lstatSync(link).isSymbolicLink());
    assert.equal(readlinkSync(link), target);
    assert.equal(readFileSync(target, 'utf8'), text);
  });

  it('what appears at the path after it was read (a FIFO) is not replaced', () => {
    const path = `${dir}/later.json`;
    const loaded = loadState(path);
    assert.equal(loaded.writable, true, 'missing: ours to create');
    assert.equal(spawnSync('mkfifo', [path]).status, 0);
    assert.equal(saveState(path, loaded.state), `W! state file ${path} is now a FIFO, not a regular file: it is left untouched, and counter totals will restart`);
    assert.ok(lstatSync(path).isFIFO());
  });
});

describe('state file: the temporary file', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(`${tmpdir()}/homenet-state-tmp-`);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('is not a name another user can plant a link at: a link to a 0600 file is not written through', () => {
    const victim = `${dir}/victim`;
    writeFileSync(victim, 'secret\n', { mode: 0o600 });
    const state = `${dir}/state.json`;
    // The name the writer used to take: the state path, ".tmp-" and the process id.
    const planted = `${state}.tmp-${process.pid}`;
    symlinkSync(victim, planted);
    assert.equal(saveState(state, emptyState()), undefined);
    assert.equal(readFileSync(victim, 'utf8'), 'secret\n');
    assert.equal(statSync(victim).mode & 0o777, 0o600);
    assert.ok(lstatSync(planted).isSymbolicLink(), 'the planted link is left alone');
    assert.ok(lstatSync(state).isFile());
    assert.ok(readFileSync(state, 'utf8').startsWith('{"format":"telegraf-homenet-counters"'));
  });

  it('stale ones left by a killed run are removed; a fresh one, a link and other names are not', () => {
    const state = `${dir}/clean.json`;
    const old = new Date(Date.now() - 3600_000);
    for (const name of ['tmp-4242', 'tmp-9f3c2a1b0e4d5c6f']) {
      writeFileSync(`${state}.${name}`, '{');
      utimesSync(`${state}.${name}`, old, old);
    }
    writeFileSync(`${state}.tmp-1234`, '{');
    writeFileSync(`${state}.bak`, '{');
    utimesSync(`${state}.bak`, old, old);
    symlinkSync(`${dir}/nowhere`, `${state}.tmp-77`);
    assert.equal(saveState(state, emptyState()), undefined);
    assert.deepEqual(readdirSync(dir).filter((n) => n.startsWith('clean.json')).sort(), ['clean.json', 'clean.json.bak', 'clean.json.tmp-1234', 'clean.json.tmp-77']);
    assert.ok(!existsSync(`${state}.tmp-4242`));
  });
});
