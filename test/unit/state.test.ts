/** The state file's format both ways, its temporary file and its damaged entries, read and written in this process. */
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { addTotals, emptyState as emptyCounters } from '../../src/counters/index.js';
import { bool, float, int, str } from '../../src/lineprotocol.js';
import { emptyState, loadState, looksLikeOurs, saveState, STATE_VERSION, stateFromJson, stateToJson, type State } from '../../src/state/index.js';
import { T0, VERSION_1 } from '../support/state-files.js';

describe('state file format', () => {
  it('round-trips through JSON with every digit', () => {
    const counters = emptyCounters();
    addTotals([{ name: 'net', tags: { host: 'router' }, fields: { rx_bytes: int(9_223_372_036_854_775_000n) }, time: T0 }], counters, 'net', T0);
    counters.uptime.set('router', { seconds: 86_400n, atNs: T0 });
    const state: State = { counters, devices: new Map() };
    state.devices.set('gw', { url: 'http://192.0.2.1/', family: 'pace' });
    state.devices.set('den', {
      url: 'http://192.0.2.7:1400/',
      family: 'sonos',
      identity: "Kid's Room \u00e9",
      identifiedAt: 1_795_000_000_000,
      described: {
        'sonos-description': {
          until: 1_795_000_600_000,
          metrics: [{ name: 'homenet_system', tags: { model: 'Era "100"' }, fields: { sw_gen: int(9_007_199_254_740_993n), t: float(-1.5e-7), up: bool(false), fw: str('85.0\n') } }],
        },
      },
    });
    const text = stateToJson(state);
    assert.ok(looksLikeOurs(text));
    const back = stateFromJson(text);
    assert.deepEqual([...back.counters.series.values()], [...counters.series.values()]);
    assert.deepEqual([...back.counters.uptime], [...counters.uptime]);
    assert.deepEqual([...back.devices], [...state.devices]);
  });

  it('reads a file from before device memory as having none', () => {
    const back = stateFromJson('{"format":"telegraf-homenet-counters","version":1,"series":{},"uptime":{}}');
    assert.equal(back.devices.size, 0);
  });

  it('refuses what is not ours or damaged, saying why', () => {
    assert.throws(() => stateFromJson('{"users": []}'), { message: 'it was not written by telegraf-homenet' });
    assert.throws(() => stateFromJson('{"format":"telegraf-homenet-counters","version":1,"series":{"k":["1x","2","3",false]}}'), { message: 'it has a damaged number' });
    assert.throws(() => stateFromJson('{"format":"telegraf-homenet-counters","version":2}'), { message: 'it has version 2, not 1' });
    assert.throws(() => stateFromJson('{"format":"telegraf-homenet-counters","version":1,"devices":{"gw":{"family":"pace"}}}'), { message: 'it has a damaged entry' });
    assert.throws(() => stateFromJson('{"format":"telegraf-homenet-counters","version":1,"devices":{"gw":{"url":"http://a/","identifiedAt":"soon"}}}'), { message: 'it has a damaged entry' });
    const described = (field: string): string =>
      `{"format":"telegraf-homenet-counters","version":1,"devices":{"s":{"url":"http://a/","described":{"k":{"until":1,"metrics":[{"name":"m","tags":{},"fields":{"f":${field}}}]}}}}}`;
    assert.equal(stateFromJson(described('["float","2.5"]')).devices.get('s')?.described?.['k']?.metrics[0]?.fields['f']?.value, 2.5);
    for (const bad of ['["int","1.5"]', '["float","NaN"]', '["bool","yes"]', '["date","1"]', '"1"', '["string"]']) {
      assert.throws(() => stateFromJson(described(bad)), { message: 'it has a damaged entry' }, bad);
    }
    assert.throws(() => stateFromJson('{"format":"telegraf-homenet-counters",'), SyntaxError);
    assert.ok(!looksLikeOurs('root:x:0:0:root:/root:/bin/bash\n'));
  });

  it('reads a file of version 1 whole, and writes it back the same while the version is 1', () => {
    const state = stateFromJson(VERSION_1);
    assert.deepEqual(state.counters.series.get('net\u0000host=router\u0000rx_bytes'), { last: 4_000_000_000n, total: 12_589_934_592n, atNs: 1_764_000_000_123_456_789n, wide: false });
    assert.equal(state.counters.series.get('net\u0000host=Den\u0000interface=br0\u0000tx_pkts')?.wide, true);
    assert.deepEqual(state.counters.uptime.get('router'), { seconds: 8_164_411n, atNs: 1_764_000_000_123_456_789n });
    assert.deepEqual(state.devices.get('gw'), { url: 'http://192.168.1.254/', family: 'pace' });
    assert.deepEqual(state.devices.get('den')?.described?.['sonos-description']?.metrics[0]?.fields, { sw_gen: int(2n), t: float(1.5), up: bool(true), name: str('Den "1"') });
    assert.deepEqual([...state.counters.forgotten], [['old-speaker', 1_761_000_000_000_000_000n]]);
    // Still the version this code writes: a later version reads VERSION_1 and writes its own (change this test then).
    assert.equal(STATE_VERSION, 1);
    assert.equal(stateToJson(state), VERSION_1);
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
    assert.deepEqual(
      readdirSync(dir)
        .filter((n) => n.startsWith('clean.json'))
        .sort(),
      ['clean.json', 'clean.json.bak', 'clean.json.tmp-1234', 'clean.json.tmp-77'],
    );
    assert.ok(!existsSync(`${state}.tmp-4242`));
  });
});

describe('state file: damaged entries', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(`${tmpdir()}/homenet-state-damaged-`);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('negative totals are left out with one warning when read, not a wrongly worded warning per series at the next gather', () => {
    const path = `${dir}/negative.json`;
    const key = (i: number): string => `net\u0000host=router\u0000interface=port${i}\u0000rx_bytes`;
    const series: Record<string, unknown> = { [key(0)]: ['1000', '50000', String(T0), false] };
    for (let i = 1; i <= 100; i++) series[key(i)] = ['1000', '-7', String(T0), false];
    writeFileSync(path, JSON.stringify({ format: 'telegraf-homenet-counters', version: 1, series, uptime: { router: ['-1', String(T0)] } }));
    const loaded = loadState(path);
    assert.equal(loaded.writable, true);
    assert.equal(
      loaded.warning,
      `W! state file ${path} had 101 counter entries with a negative count, total or time (damaged): they were left out, and their *_total fields start again from their counters`,
    );
    const warnings: string[] = [];
    const lines = Array.from({ length: 101 }, (_, i) => ({ name: 'net', tags: { host: 'router', interface: `port${i}` }, fields: { rx_bytes: int(2000n) }, time: T0 + 10n ** 10n }));
    const out = addTotals(lines, loaded.state.counters, 'net', T0, (w) => warnings.push(w));
    assert.deepEqual(warnings, []);
    assert.deepEqual(
      out.map((m) => m.fields['rx_bytes_total']?.value),
      [51_000n, ...Array.from({ length: 100 }, () => 2000n)],
    );
  });
});
