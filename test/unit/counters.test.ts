/** Wrapped counters: *_total fields, wrap versus reset, and the state they keep. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { addTotals, emptyState, prune, sharedSeriesWarnings, type CounterState } from '../../src/counters/index.js';
import { MAX_HOST_SERIES, MAX_WEIGHT } from '../../src/counters/budget.js';
import { stateFromJson, stateToJson } from '../../src/state/index.js';
import { bool, int, serialize, type Metric } from '../../src/lineprotocol.js';

const S = 1_000_000_000n;
const T0 = 1_764_000_000n * S;
const WRAP = 2n ** 32n;
const INT64_MAX = 2n ** 63n - 1n;

function line(fields: Record<string, bigint>, at: bigint, tags: Record<string, string> = { host: 'router' }, name = 'net'): Metric {
  return { name, tags, fields: Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, int(v)])), time: at };
}

function total(m: Metric | undefined, field: string): bigint {
  const v = m?.fields[`${field}_total`];
  if (v?.kind !== 'int') assert.fail(`${field}_total missing or not an integer`);
  return v.value;
}

/** Feeds readings one poll at a time and returns each poll's totals of `field`. */
function feed(state: CounterState, polls: Metric[][], field: string): bigint[] {
  return polls.map((batch) => total(addTotals(batch, state, 'net', T0)[0], field));
}

describe('counter totals', () => {
  it('a first reading starts the total at the counter; increases add up', () => {
    const state = emptyState();
    assert.deepEqual(feed(state, [[line({ rx_bytes: 1000n, rx_pkts: 10n }, T0)], [line({ rx_bytes: 5000n, rx_pkts: 14n }, T0 + 10n * S)]], 'rx_bytes'), [1000n, 5000n]);
  });

  it('a 32-bit wrap adds what was counted across it', () => {
    const state = emptyState();
    const got = feed(state, [[line({ rx_bytes: WRAP - 1_000n, rx_pkts: 500_000n }, T0)], [line({ rx_bytes: 4_000n, rx_pkts: 505_000n }, T0 + 10n * S)]], 'rx_bytes');
    assert.deepEqual(got, [WRAP - 1_000n, WRAP + 4_000n]);
  });

  it('three wraps across a day of polls: the total only grows and matches the true count', () => {
    const state = emptyState();
    // A day of polls a minute apart; the bytes counted between two polls, about 3.2 wraps a day,
    // unevenly: busy evenings, quiet nights. The gateway shows only the count modulo 2^32.
    const steps = Array.from({ length: 1439 }, (_, i) => BigInt(4_000_000 + (((i + 1) * 7919) % 9_000_000)));
    let count = 3_000_000_000n;
    let packets = 100_000_000n;
    const poll = (i: number): Metric[] => [line({ rx_bytes: count % WRAP, rx_pkts: packets % WRAP }, T0 + BigInt(i) * 60n * S)];
    let previous = total(addTotals(poll(0), state, 'net', T0)[0], 'rx_bytes');
    assert.equal(previous, 3_000_000_000n, 'the first reading starts the total');
    let falls = 0;
    steps.forEach((step, k) => {
      const before = count % WRAP;
      count += step;
      packets += step / 1200n;
      if (count % WRAP < before) falls++;
      const t = total(addTotals(poll(k + 1), state, 'net', T0)[0], 'rx_bytes');
      // Each poll adds exactly the bytes counted since the one before, across a wrap or not.
      assert.equal(t - previous, step, `poll ${k + 1}: ${t} after ${previous}`);
      previous = t;
    });
    // The data does wrap three times (what the day is for), and every byte is counted once:
    // 3,000,000,000 + 11,233,717,520 bytes counted, fixed values worked out apart from the code.
    assert.equal(falls, 3, 'the readings fall three times');
    assert.equal(previous, 14_233_717_520n);
    assert.equal(previous, count);
  });

  it('Reset Statistics (every counter of the line down at once) is a reset, not a wrap', () => {
    const state = emptyState();
    const got = feed(
      state,
      [
        [line({ rx_bytes: 3_000_000_000n, rx_pkts: 90_000_000n, rx_err: 12n }, T0)],
        [line({ rx_bytes: 52_000n, rx_pkts: 40n, rx_err: 0n }, T0 + 10n * S)],
        [line({ rx_bytes: 152_000n, rx_pkts: 120n, rx_err: 0n }, T0 + 20n * S)],
      ],
      'rx_bytes',
    );
    assert.deepEqual(got, [3_000_000_000n, 3_000_052_000n, 3_000_152_000n]);
  });

  it('a reboot (uptime went down) is a reset even when only the bytes went down', () => {
    const state = emptyState();
    const poll = (bytes: bigint, pkts: bigint, uptime: bigint, at: bigint): Metric[] => [
      line({ rx_bytes: bytes, rx_pkts: pkts }, at),
      { name: 'homenet_system', tags: { host: 'router' }, fields: { uptime_s: int(uptime) }, time: at },
    ];
    const got = feed(state, [poll(4_000_000_000n, 3_000_000n, 86_400n, T0), poll(1_000_000n, 3_000_100n, 60n, T0 + 60n * S)], 'rx_bytes');
    assert.deepEqual(got, [4_000_000_000n, 4_001_000_000n]);
  });

  it('an error counter falling is a reset: as a wrap it would be billions of errors in seconds', () => {
    const state = emptyState();
    assert.deepEqual(feed(state, [[line({ tx_err: 1000n }, T0)], [line({ tx_err: 5n }, T0 + 10n * S)]], 'tx_err'), [1000n, 1005n]);
  });

  it('a 64-bit counter passes through untouched and never wraps', () => {
    const state = emptyState();
    const got = feed(
      state,
      [
        [line({ rx_bytes: 17_144_382_854n, rx_pkts: 13_631_389n }, T0)],
        [line({ rx_bytes: 17_944_382_854n, rx_pkts: 14_000_000n }, T0 + 60n * S)],
        [line({ rx_bytes: 900n, rx_pkts: 14_100_000n }, T0 + 120n * S)],
      ],
      'rx_bytes',
    );
    assert.deepEqual(got, [17_144_382_854n, 17_944_382_854n, 17_944_383_754n]);
  });

  it('each interface and each host is its own series; non-counters get no total', () => {
    const state = emptyState();
    const out = addTotals(
      [
        line({ rx_bytes: 10n }, T0, { host: 'a', interface: 'br0' }),
        line({ rx_bytes: 20n }, T0, { host: 'a', interface: 'eth0' }),
        line({ rx_bytes: 30n, speed_bps: 1_000_000_000n }, T0, { host: 'b', interface: 'port1' }, 'homenet_lan'),
        line({ sessions: 40n }, T0, { host: 'b' }, 'homenet_nat'),
      ],
      state,
      'net',
      T0,
    );
    assert.deepEqual(
      out.map((m) => Object.keys(m.fields)),
      [['rx_bytes', 'rx_bytes_total'], ['rx_bytes', 'rx_bytes_total'], ['rx_bytes', 'speed_bps', 'rx_bytes_total'], ['sessions']],
    );
    assert.equal(state.series.size, 3);
  });
});

describe('totals that would not fit in 64 bits', () => {
  it('one reading of 2^63-1 does not poison the series: it is set aside, says so, and every line prints', () => {
    const state = emptyState();
    const warnings: string[] = [];
    const polls = [3_000_000_000n, INT64_MAX, 3_100_000_000n, 100_000n, 200_000n].map((bytes, i) => [line({ rx_bytes: bytes }, T0 + BigInt(i) * 10n * S)]);
    const totals = polls.map((batch) => {
      const [m] = addTotals(batch, state, 'net', T0, (w) => warnings.push(w));
      assert.ok(m);
      assert.doesNotThrow(() => serialize(m), 'the whole line prints');
      return total(m, 'rx_bytes');
    });
    // Not added: the series stays 32-bit, so the next decrease is a wrap.
    assert.deepEqual(totals, [3_000_000_000n, 3_000_000_000n, 3_100_000_000n, 100_000n + WRAP, 200_000n + WRAP]);
    assert.deepEqual(warnings, ['W! net,host=router rx_bytes=9223372036854775807: set aside, not added to rx_bytes_total: a rise of 9223372033854775807 in 10 s is more than 1250000000 bytes/s']);
  });

  it('a total that would pass 2^63-1 starts again from its counter, says so, and every line prints', () => {
    const state = emptyState();
    const warnings: string[] = [];
    // A 64-bit counter first seen near the top, then reset: the total would not fit.
    const polls = [INT64_MAX - 100n, INT64_MAX, 5_000n, 6_000n].map((bytes, i) => [line({ rx_bytes: bytes }, T0 + BigInt(i) * 10n * S)]);
    const totals = polls.map((batch) => {
      const [m] = addTotals(batch, state, 'net', T0, (w) => warnings.push(w));
      assert.ok(m);
      assert.doesNotThrow(() => serialize(m), 'the whole line prints');
      return total(m, 'rx_bytes');
    });
    assert.deepEqual(totals, [INT64_MAX - 100n, INT64_MAX, 5_000n, 6_000n]);
    assert.deepEqual(warnings, ['W! net,host=router rx_bytes_total: the total would pass 9223372036854775807 (the largest integer a field can hold): it starts again from the counter (5000)']);
  });

  it('a state file whose total is already past 2^63-1 recovers on the next reading', () => {
    const key = 'net\u0000host=router\u0000rx_bytes';
    const state = stateFromJson(`{"format":"telegraf-homenet-counters","version":1,"series":{${JSON.stringify(key)}:["100","9223372036854776807","${T0}",true]}}`).counters;
    const warnings: string[] = [];
    const [m] = addTotals([line({ rx_bytes: 150n }, T0 + 10n * S)], state, 'net', T0, (w) => warnings.push(w));
    assert.ok(m);
    assert.equal(total(m, 'rx_bytes'), 150n);
    assert.doesNotThrow(() => serialize(m));
    assert.equal(warnings.length, 1);
  });
});

describe('two devices with one host tag', () => {
  const kitchen = { host: 'Kitchen', interface: 'br0' };
  /** Two speakers both named Kitchen (two households), and a third speaker. */
  const gather = (i: bigint): Metric[] => [
    line({ rx_bytes: 1_000_000_000n + i * 1_000_000n }, T0 + i * 10n * S, kitchen),
    line({ rx_bytes: 5_000_000_000n + i * 1_000_000n }, T0 + i * 10n * S, kitchen),
    line({ rx_bytes: 7_000n + i * 1_000n }, T0 + i * 10n * S, { host: 'Den', interface: 'br0' }),
  ];
  const said =
    'W! more than one device has the host tag "Kitchen" (net,host=Kitchen,interface=br0 twice in one gather): ' +
    "their counters get no *_total (it would mix two devices' counters); give each device its own host (host = ... in its section)";

  it('their shared series get no *_total (it grew 4 GiB a run), they are named, the others are untouched', () => {
    const state = emptyState();
    const warnings: string[] = [];
    for (const i of [0n, 1n, 2n]) {
      const out = addTotals(gather(i), state, 'net', T0, (w) => warnings.push(w));
      assert.equal(out[0]?.fields['rx_bytes_total'], undefined, `gather ${i}`);
      assert.equal(out[1]?.fields['rx_bytes_total'], undefined, `gather ${i}`);
      assert.equal(total(out[2], 'rx_bytes'), 7_000n + i * 1_000n);
    }
    assert.deepEqual(warnings, [said, said, said]);
    assert.deepEqual(sharedSeriesWarnings(gather(0n), 'net'), [said]);
  });

  it("one device's uptime does not make the other's 32-bit wrap look like a reboot", () => {
    const state = emptyState();
    const warnings: string[] = [];
    // A gateway and a speaker both given host = router: their lines differ by interface, their uptimes do not.
    const poll = (bytes: bigint, at: bigint, seconds: bigint): Metric[] => [
      line({ rx_bytes: bytes, rx_pkts: 1_000_000n + seconds }, at),
      { name: 'homenet_system', tags: { host: 'router' }, fields: { uptime_s: int(86_400n + seconds) }, time: at },
      { name: 'homenet_system', tags: { host: 'router' }, fields: { uptime_s: int(600n + seconds) }, time: at },
      line({ rx_bytes: 5_000n + seconds }, at, { host: 'router', interface: 'br0' }),
    ];
    const got = feed(state, [poll(WRAP - 1_000n, T0, 0n)], 'rx_bytes');
    const [m] = addTotals(poll(4_000n, T0 + 10n * S, 10n), state, 'net', T0, (w) => warnings.push(w));
    assert.deepEqual([...got, total(m, 'rx_bytes')], [WRAP - 1_000n, WRAP + 4_000n], 'a wrap, not a reset');
    assert.deepEqual(warnings, [
      'W! more than one device has the host tag "router" (homenet_system,host=router twice in one gather): ' +
        'a reboot is not told from its uptime; give each device its own host (host = ... in its section)',
    ]);
  });
});

describe('counter state', () => {
  it("keeps a configured device's series however long it does not answer: its total goes on", () => {
    const state = emptyState();
    const day = 86_400n * S;
    // 5,873,212,500 counted so far; the 32-bit counter reads 1,578,245,204.
    state.series.set('net\u0000host=router\u0000rx_bytes', { last: 1_578_245_204n, total: 5_873_212_500n, atNs: T0, wide: false });
    // 31 days of failed gathers: only its scrape line, with its host tag.
    const failed: Metric = { name: 'homenet_scrape', tags: { host: 'router', type: 'att' }, fields: { success: bool(false) }, time: T0 + 31n * day };
    for (let d = 1n; d <= 31n; d++) prune(state, T0 + d * day, [failed]);
    const warnings: string[] = [];
    const [m] = addTotals([line({ rx_bytes: 1_584_720_204n }, T0 + 31n * day)], state, 'net', T0, (w) => warnings.push(w));
    assert.equal(total(m, 'rx_bytes'), 5_873_212_500n + (1_584_720_204n - 1_578_245_204n), 'never goes down');
    assert.deepEqual(warnings, []);
  });

  it('forgets a host no device printed for 30 days, and says so when it comes back with totals that start again', () => {
    const state = emptyState();
    const day = 86_400n * S;
    addTotals([line({ rx_bytes: 5_000_000n }, T0, { host: 'den', interface: 'br0' }), line({ rx_bytes: 7n }, T0)], state, 'net', T0);
    const routerOnly = [line({ rx_bytes: 9n }, T0 + 31n * day)];
    prune(state, T0 + 31n * day, routerOnly);
    assert.deepEqual([...state.series.keys()], ['net\u0000host=router\u0000rx_bytes']);
    // Across a restart too: the mark lives in the state file.
    const back = stateFromJson(stateToJson({ counters: state, devices: new Map() })).counters;
    const warnings: string[] = [];
    const out = addTotals([line({ rx_bytes: 2_000n }, T0 + 40n * day, { host: 'den', interface: 'br0' })], back, 'net', T0, (w) => warnings.push(w));
    assert.equal(total(out[0], 'rx_bytes'), 2_000n);
    assert.deepEqual(warnings, ['W! host "den" had been forgotten (no device printed it for 30 days, or the counter totals reached their limit): its *_total fields start again from its counters']);
    addTotals([line({ rx_bytes: 3_000n }, T0 + 41n * day, { host: 'den', interface: 'br0' })], back, 'net', T0, (w) => warnings.push(w));
    assert.equal(warnings.length, 1, 'said once');
  });

  it('forgets series not seen for 30 days', () => {
    const state = emptyState();
    addTotals([line({ rx_bytes: 1n }, T0)], state, 'net', T0);
    prune(state, T0 + 29n * 86_400n * S);
    assert.equal(state.series.size, 1);
    prune(state, T0 + 31n * 86_400n * S);
    assert.equal(state.series.size, 0);
  });
});

describe('one absurd reading of 2^32 or more on a 32-bit counter', () => {
  // BGW320 firmware: a junk high word (2816 x 2^32) on top of a plausible 32-bit count, once.
  const JUNK = 2816n * WRAP;
  const MIN = 60n * S;
  /** A 32-bit byte counter counting 600,000,000 bytes a minute (80 Mbit/s), read as `bytes`. */
  const poll = (i: bigint, bytes: bigint): Metric[] => [line({ rx_bytes: bytes, rx_pkts: 2_000_000n + i * 500_000n }, T0 + i * MIN)];

  it('is set aside: the total neither jumps by terabytes nor loses the next real wrap', () => {
    const state = emptyState();
    const warnings: string[] = [];
    // The true count: 3.0e9, 3.6e9, 4.2e9, 4.8e9, 5.4e9; the device shows it modulo 2^32, and once with a junk high word.
    const readings = [3_000_000_000n, JUNK + 3_600_000_000n, 4_200_000_000n, 4_800_000_000n - WRAP, 5_400_000_000n - WRAP];
    const got = readings.map((bytes, i) => total(addTotals(poll(BigInt(i), bytes), state, 'net', T0, (w) => warnings.push(w))[0], 'rx_bytes'));
    // The junk poll adds nothing; the next adds all counted since the last good reading; the wrap is a wrap.
    assert.deepEqual(got, [3_000_000_000n, 3_000_000_000n, 4_200_000_000n, 4_800_000_000n, 5_400_000_000n]);
    assert.equal(state.series.get('net\u0000host=router\u0000rx_bytes')?.wide, false, 'still 32-bit');
    assert.deepEqual(warnings, ['W! net,host=router rx_bytes=12098227905536: set aside, not added to rx_bytes_total: a rise of 12095227905536 in 60 s is more than 1250000000 bytes/s']);
  });

  it('a glitch just above 2^32 (a plausible rise) and back, then a real wrap: the total is exact', () => {
    const state = emptyState();
    const warnings: string[] = [];
    // The true count: 3.6e9, 4.2e9, 4.8e9, 5.4e9, 6.0e9, shown modulo 2^32; the second with a junk high word of 1,
    // 4,894,967,296 above the first: under the rate bound in a minute, so it could have been a 64-bit counter's.
    const readings = [3_600_000_000n, WRAP + 4_200_000_000n, 4_800_000_000n - WRAP, 5_400_000_000n - WRAP, 6_000_000_000n - WRAP];
    const got = readings.map((bytes, i) => total(addTotals(poll(BigInt(i), bytes), state, 'net', T0, (w) => warnings.push(w))[0], 'rx_bytes'));
    // Held one poll, then not added: the fall back is judged against 3.6e9 (a wrap), and so is every later wrap.
    assert.deepEqual(got, [3_600_000_000n, 3_600_000_000n, 4_800_000_000n, 5_400_000_000n, 6_000_000_000n]);
    assert.equal(state.series.get('net\u0000host=router\u0000rx_bytes')?.wide, false, 'still 32-bit');
    assert.deepEqual(warnings, ['W! net,host=router rx_bytes=8494967296: set aside, not added to rx_bytes_total: 2^32 or more once, then 505032704: a glitch, not a 64-bit counter']);
  });

  it('held across a reset of its line (the device restarted): the next reading counts from 0, in one run or across the state file', () => {
    for (const viaFile of [false, true]) {
      let state = emptyState();
      const warnings: string[] = [];
      const at = (i: bigint): bigint => T0 + i * MIN;
      // 3.0e9 bytes counted; the device restarts (its packets fall from 2.5 million to 1,000) and shows a junk
      // high word on 5 bytes; then 600,000,000 bytes since the restart.
      const polls = [
        [line({ rx_bytes: 3_000_000_000n, rx_pkts: 2_500_000n }, at(0n))],
        [line({ rx_bytes: JUNK + 5n, rx_pkts: 1_000n }, at(1n))],
        [line({ rx_bytes: 600_000_000n, rx_pkts: 501_000n }, at(2n))],
      ];
      const got: bigint[] = [];
      for (const p of polls) {
        got.push(total(addTotals(p, state, 'net', T0, (w) => warnings.push(w))[0], 'rx_bytes'));
        if (viaFile) state = stateFromJson(stateToJson({ counters: state, devices: new Map() })).counters;
      }
      // Not 3.0e9 + (600e6 + 2^32 - 3.0e9): the fall from 3.0e9 came from the restart, not a wrap.
      assert.deepEqual(got, [3_000_000_000n, 3_000_000_000n, 3_600_000_000n], viaFile ? 'across the state file' : 'in one run');
      assert.equal(state.series.get('net\u0000host=router\u0000rx_bytes')?.wide, false);
      assert.equal(warnings.length, 2, warnings.join('\n'));
      assert.match(warnings[1] ?? '', /rx_bytes=12094627905541: set aside, not added to rx_bytes_total: 2\^32 or more once, then 600000000/);
    }
  });

  it('a real 64-bit counter crossing 2^32 becomes wide: the total is exact, and a later fall is a reset', () => {
    const state = emptyState();
    const warnings: string[] = [];
    const readings = [WRAP - 300_000_000n, WRAP + 300_000_000n, WRAP + 900_000_000n, WRAP + 1_500_000_000n, 1_000n];
    const got = readings.map((bytes, i) => total(addTotals(poll(BigInt(i), bytes), state, 'net', T0, (w) => warnings.push(w))[0], 'rx_bytes'));
    // The first reading above 2^32 waits one poll; the next, still going up, brings the total to its counter.
    assert.deepEqual(got, [WRAP - 300_000_000n, WRAP - 300_000_000n, WRAP + 900_000_000n, WRAP + 1_500_000_000n, WRAP + 1_500_001_000n]);
    assert.equal(state.series.get('net\u0000host=router\u0000rx_bytes')?.wide, true);
    assert.deepEqual(warnings, []);
  });

  it('a junk high word that stays: a 64-bit counter from then on, the jump not in the total', () => {
    const state = emptyState();
    const warnings: string[] = [];
    const readings = [3_000_000_000n, JUNK + 3_600_000_000n, JUNK + 4_200_000_000n, JUNK + 4_800_000_000n];
    const got = readings.map((bytes, i) => total(addTotals(poll(BigInt(i), bytes), state, 'net', T0, (w) => warnings.push(w))[0], 'rx_bytes'));
    assert.deepEqual(got, [3_000_000_000n, 3_000_000_000n, 3_600_000_000n, 4_200_000_000n]);
    assert.deepEqual(warnings, [
      'W! net,host=router rx_bytes=12098227905536: set aside, not added to rx_bytes_total: a rise of 12095227905536 in 60 s is more than 1250000000 bytes/s',
      'W! net,host=router rx_bytes: read 12098227905536 and then 12098827905536: a 64-bit counter from here on; the jump to 12098227905536 (more than 1250000000 bytes/s) is not in its total',
    ]);
  });

  it('a held reading survives the state file between runs (collect), and the file says nothing of it once judged', () => {
    const key = 'net\u0000host=router\u0000rx_bytes';
    const readings = [3_600_000_000n, 4_800_000_000n, 4_800_000_000n - WRAP, 5_400_000_000n - WRAP];
    // One run per reading, each reading the file the run before wrote.
    let text = stateToJson({ counters: emptyState(), devices: new Map() });
    const files: string[] = [];
    const got = readings.map((bytes, i) => {
      const { counters, devices } = stateFromJson(text);
      const t = total(addTotals(poll(BigInt(i), bytes), counters, 'net', T0)[0], 'rx_bytes');
      text = stateToJson({ counters, devices });
      files.push(text);
      return t;
    });
    assert.deepEqual(got, [3_600_000_000n, 3_600_000_000n, 4_800_000_000n, 5_400_000_000n]);
    assert.ok(files[1]?.endsWith(`,"held":{${JSON.stringify(key)}:["4800000000","${T0 + MIN}"]}}`), files[1]);
    assert.ok(files.every((f, i) => f.includes('"held"') === (i === 1)));
    // Read and written back the same, the held reading too.
    assert.equal(stateToJson(stateFromJson(files[1] ?? '')), files[1]);
  });
});

describe('what the totals remember is bounded (issue 21, item 2)', () => {
  const spk = (i: number, at: bigint): Metric => line({ rx_bytes: BigInt(1_000 + i), tx_bytes: 7n }, at, { host: 'spk', interface: `veth${i}` });
  /** The gateway's traffic line, 6,000,000 bytes a gather. */
  const gw = (g: bigint): Metric => line({ rx_bytes: 1_000_000_000n + g * 6_000_000n }, T0 + g * 10n * S);
  const seriesOf = (state: CounterState, host: string): number => [...state.series.keys()].filter((k) => k.includes(`\u0000host=${host}\u0000`)).length;

  it(`a speaker naming 2,000 new interfaces every gather: it keeps at most ${MAX_HOST_SERIES} series, the gateway's total goes on`, () => {
    const state = emptyState();
    const warnings: string[] = [];
    let previous = 0n;
    for (let g = 0n; g < 4n; g++) {
      const at = T0 + g * 10n * S;
      const batch = [gw(g), ...Array.from({ length: 2000 }, (_, i) => spk(Number(g) * 2000 + i, at))];
      const out = addTotals(batch, state, 'net', T0, (w) => warnings.push(w));
      prune(state, at, batch);
      const t = total(out[0], 'rx_bytes');
      assert.equal(t, 1_000_000_000n + g * 6_000_000n, `gather ${g}: the gateway's total`);
      assert.ok(t >= previous);
      previous = t;
      assert.ok(seriesOf(state, 'spk') <= MAX_HOST_SERIES, `gather ${g}: ${seriesOf(state, 'spk')} series kept`);
      // The first 256 lines of each gather (2 counters each) get totals; the rest are said to get none.
      assert.equal(out.filter((m) => m.fields['rx_bytes_total'] !== undefined).length, 1 + MAX_HOST_SERIES / 2, `gather ${g}`);
    }
    assert.equal(seriesOf(state, 'router'), 1);
    assert.ok(stateToJson({ counters: state, devices: new Map() }).length < 200_000);
    const crowded = `W! host "spk" reports more series than the ${MAX_HOST_SERIES} a host keeps totals for: those it did not report in this gather were forgotten (their *_total fields start again from their counters if they return)`;
    const refused = `W! net,host=spk,interface=veth256 rx_bytes and 3487 more series: no *_total: host "spk" reports more than the ${MAX_HOST_SERIES} series a host keeps totals for`;
    assert.equal(warnings[0], refused);
    assert.equal(warnings.filter((w) => w === crowded).length, 3, 'once a gather from the second on');
    assert.equal(warnings.length, 7, warnings.slice(0, 4).join('\n'));
  });

  it(`a household naming new speakers every gather: the state stays under ${MAX_WEIGHT / 1048576} MiB, forgetting those gone first; a gateway that does not answer keeps its total`, () => {
    const state = emptyState();
    const warnings: string[] = [];
    const room = 'x'.repeat(2000);
    addTotals([gw(0n)], state, 'net', T0);
    for (let g = 1n; g <= 4n; g++) {
      const at = T0 + g * 10n * S;
      // 200 speakers with names 2,000 characters long, new ones every gather: 4.8 MiB of state a gather,
      // so that the 8 MiB are reached in the second and every gather from then on forgets.
      const speakers = Array.from({ length: 200 }, (_, i) => Array.from({ length: 6 }, (_, j) => line({ rx_bytes: 5n, tx_bytes: 9n }, at, { host: `${room} ${g}-${i}`, interface: `eth${j}` }))).flat();
      // The gateway does not answer: only its scrape line, with its host tag.
      const scrape: Metric = { name: 'homenet_scrape', tags: { host: 'router', type: 'att' }, fields: { success: bool(false) }, time: at };
      addTotals([scrape, ...speakers], state, 'net', T0, (w) => warnings.push(w));
      prune(state, at, [scrape, ...speakers]);
      const size = stateToJson({ counters: state, devices: new Map() }).length;
      assert.ok(size <= MAX_WEIGHT, `gather ${g}: ${size} bytes`);
    }
    assert.equal(
      warnings.filter((w) => /^W! the counter totals reached their 8 MiB: \d+ host\(s\) not in this gather were forgotten, longest unseen first/.test(w)).length,
      3,
      warnings.join('\n').slice(0, 500),
    );
    const [m] = addTotals([gw(5n)], state, 'net', T0);
    assert.equal(total(m, 'rx_bytes'), 1_000_000_000n + 5n * 6_000_000n, "the gateway's total goes on where it was");
  });

  it('a state read from a file, over the limits, is brought within them at the next gather', () => {
    const state = emptyState();
    for (let i = 0; i < 5000; i++) state.series.set(`net\u0000host=spk\u0000interface=veth${i}\u0000rx_bytes`, { last: 1n, total: 1n, atNs: T0, wide: false });
    const warnings: string[] = [];
    const out = addTotals([spk(1, T0 + 10n * S)], state, 'net', T0, (w) => warnings.push(w));
    assert.equal(total(out[0], 'rx_bytes'), 1n + (1_001n - 1n));
    assert.deepEqual([...state.series.keys()], ['net\u0000host=spk\u0000interface=veth1\u0000rx_bytes', 'net\u0000host=spk\u0000interface=veth1\u0000tx_bytes']);
    assert.equal(warnings.length, 1);
  });
});

describe('totals never fall and never jump (issue 21, item 4)', () => {
  const JUNK = 2816n * WRAP;
  /** Readings a second apart of `tx_bytes` (and 1,000 packets a second more each time). */
  const seconds = (readings: readonly bigint[]): { totals: bigint[]; warnings: string[] } => {
    const state = emptyState();
    const warnings: string[] = [];
    const totals = readings.map((bytes, i) =>
      total(addTotals([line({ tx_bytes: bytes, tx_pkts: 5_000_000n + BigInt(i) * 1_000n }, T0 + BigInt(i) * S)], state, 'net', T0, (w) => warnings.push(w))[0], 'tx_bytes'),
    );
    return { totals, warnings };
  };

  it('a junk high word that stays and then wraps: the wrap of its low word is counted, not 12 TB', () => {
    // 4.1e9 counted; the junk high word comes and stays (read twice: a 64-bit counter from then on);
    // then the low word wraps: 4.2e9 -> 2^32 -> 0.1e9 under the same high word.
    const { totals, warnings } = seconds([4_100_000_000n, JUNK + 4_150_000_000n, JUNK + 4_200_000_000n, JUNK + 100_000_000n, JUNK + 300_000_000n]);
    const wrapped = 100_000_000n + WRAP - 4_200_000_000n;
    assert.deepEqual(totals, [4_100_000_000n, 4_100_000_000n, 4_150_000_000n, 4_150_000_000n + wrapped, 4_350_000_000n + wrapped]);
    assert.equal(warnings.length, 2, warnings.join('\n'));
  });

  it('a junk high word shown from a reset on, and staying: counted from the reading it showed first, not from 0', () => {
    const state = emptyState();
    const warnings: string[] = [];
    // 3.0e9 counted; the device restarts (packets fall) showing the junk high word on 5 bytes; it stays.
    const polls = [
      line({ rx_bytes: 3_000_000_000n, rx_pkts: 2_500_000n }, T0),
      line({ rx_bytes: JUNK + 5n, rx_pkts: 1_000n }, T0 + 60n * S),
      line({ rx_bytes: JUNK + 600_000_005n, rx_pkts: 501_000n }, T0 + 120n * S),
      line({ rx_bytes: JUNK + 700_000_005n, rx_pkts: 601_000n }, T0 + 180n * S),
    ];
    const got = polls.map((p) => total(addTotals([p], state, 'net', T0, (w) => warnings.push(w))[0], 'rx_bytes'));
    assert.deepEqual(got, [3_000_000_000n, 3_000_000_000n, 3_600_000_000n, 3_700_000_000n]);
  });

  it('a 64-bit counter that falls to more than it could count since: set aside, said, and the next reading counts on', () => {
    const { totals, warnings } = seconds([20_000_000_000n, 20_500_000_000n, 15_000_000_000n, 900_000n]);
    assert.deepEqual(totals, [20_000_000_000n, 20_500_000_000n, 20_500_000_000n, 20_500_900_000n]);
    assert.deepEqual(warnings, [
      'W! net,host=router tx_bytes=15000000000: set aside, not added to tx_bytes_total: a fall from 20500000000, and neither a reset (it would be more than 1250000000 bytes/s counted from 0 in 1 s) nor a 32-bit wrap',
    ]);
  });

  it('whatever the readings, reboots, gaps and state file round trips: no total falls, none rises faster than its rate', () => {
    const reading = fc.oneof(
      fc.bigInt({ min: 0n, max: WRAP - 1n }),
      fc.bigInt({ min: 0n, max: WRAP - 1n }).map((v) => JUNK + v),
      fc.bigInt({ min: 0n, max: 2n ** 62n }),
      fc.bigInt({ min: 0n, max: 1000n }),
    );
    const step = fc.record({
      seconds: fc.oneof(fc.constant(0n), fc.bigInt({ min: 1n, max: 60n }), fc.bigInt({ min: 1n, max: 100_000n })),
      bytes: reading,
      pkts: reading,
      errors: reading,
      rebooted: fc.boolean(),
      viaFile: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(step, { minLength: 2, maxLength: 30 }), (steps) => {
        let state = emptyState();
        let at = T0;
        let uptime = 1_000_000n;
        const first: Record<string, bigint> = {};
        const last: Record<string, bigint> = {};
        for (const [k, s] of steps.entries()) {
          at += s.seconds * S;
          uptime = s.rebooted ? s.seconds : uptime + s.seconds;
          const out = addTotals(
            [line({ rx_bytes: s.bytes, rx_pkts: s.pkts, rx_err: s.errors }, at), { name: 'homenet_system', tags: { host: 'router' }, fields: { uptime_s: int(uptime) }, time: at }],
            state,
            'net',
            T0,
          );
          for (const [field, rate] of [
            ['rx_bytes', 1_250_000_000n],
            ['rx_pkts', 2_000_000n],
            ['rx_err', 100_000n],
          ] as const) {
            const t = total(out[0], field);
            first[field] ??= t;
            assert.ok(t >= (last[field] ?? 0n), `${field}_total fell from ${last[field]} to ${t} at step ${k}`);
            const bound = rate * ((at - T0) / S + 2n * BigInt(k + 1));
            assert.ok(t - (first[field] ?? 0n) <= bound, `${field}_total rose ${t - (first[field] ?? 0n)} by step ${k}, more than ${bound}`);
            last[field] = t;
          }
          if (s.viaFile) state = stateFromJson(stateToJson({ counters: state, devices: new Map() })).counters;
        }
      }),
      { numRuns: 400, seed: 2026_12_02 },
    );
  });
});
