/** Timestamps follow the system clock, jumps included, and stay in order within a batch (issue 14, item 6). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BACKWARD_TOLERANCE_NS, nowNs, wallClock } from '../../src/clock.js';

const MS = 1_000_000n;
const HOUR_MS = 3_600_000;

/** A wall clock the test sets and a monotonic clock it advances. */
function fakeClocks(wallMs: number): { wall: { ms: number }; mono: { ns: bigint }; clock: () => bigint; advance: (ns: bigint) => void } {
  const wall = { ms: wallMs };
  const mono = { ns: 5_000_000_000n };
  const clock = wallClock(
    () => wall.ms,
    () => mono.ns,
  );
  // Both clocks run on together; the wall clock counts whole ms.
  let sub = 0n;
  const advance = (ns: bigint): void => {
    mono.ns += ns;
    sub += ns;
    wall.ms += Number(sub / MS);
    sub %= MS;
  };
  return { wall, mono, clock, advance };
}

describe('wall clock', () => {
  it('an execd started before NTP set the clock stamps the right time from the moment it is set', () => {
    // A Raspberry Pi boots at the time it last shut down, months ago.
    const { wall, clock, advance } = fakeClocks(Date.UTC(2026, 0, 1));
    const before = clock();
    assert.equal(before, BigInt(Date.UTC(2026, 0, 1)) * MS);
    advance(10_000n * MS);
    // NTP steps the clock to the real time.
    wall.ms = Date.UTC(2026, 5, 1, 12);
    const after = clock();
    assert.equal(after, BigInt(Date.UTC(2026, 5, 1, 12)) * MS);
    advance(10_000n * MS);
    assert.equal(clock(), BigInt(Date.UTC(2026, 5, 1, 12) + 10_000) * MS, 'and keeps following it');
  });

  it('a clock set back by an hour is followed at once', () => {
    const { wall, clock, advance } = fakeClocks(Date.UTC(2026, 5, 1, 13));
    clock();
    advance(MS);
    wall.ms -= HOUR_MS;
    assert.equal(clock(), BigInt(Date.UTC(2026, 5, 1, 12) + 1) * MS);
  });

  it('a step back under the tolerance keeps the stamps in order until the clock has passed the last one', () => {
    const { wall, clock, advance } = fakeClocks(Date.UTC(2026, 5, 1));
    const stamps: bigint[] = [];
    for (let i = 0; i < 5; i++) {
      stamps.push(clock());
      advance(300_000n);
    }
    // NTP steps the clock back by 200 ms between two pages of one batch.
    wall.ms -= 200;
    for (let i = 0; i < 1000; i++) {
      advance(300_000n);
      stamps.push(clock());
    }
    for (let i = 1; i < stamps.length; i++) assert.ok((stamps[i] ?? 0n) > (stamps[i - 1] ?? 0n), `stamp ${i} after stamp ${i - 1}`);
    // 300 ms on, the wall clock has passed the last stamp before the step: the stamps are its time again.
    const last = stamps.at(-1) ?? 0n;
    assert.ok(last >= BigInt(wall.ms) * MS && last < BigInt(wall.ms + 1) * MS, `${last} within the wall clock's millisecond ${wall.ms}`);
  });

  it('a step back of just over the tolerance is followed', () => {
    const { wall, clock, advance } = fakeClocks(Date.UTC(2026, 5, 1));
    const first = clock();
    advance(MS);
    wall.ms -= Number(BACKWARD_TOLERANCE_NS / MS) + 2;
    const second = clock();
    assert.ok(second < first - BACKWARD_TOLERANCE_NS, `${second} is the wall clock's time, ${first - second} ns before the first`);
  });

  it('stamps within one millisecond are distinct and in the order taken, in ns from the monotonic clock', () => {
    const { clock, advance } = fakeClocks(Date.UTC(2026, 5, 1));
    const a = clock();
    advance(1234n);
    const b = clock();
    advance(1n);
    const c = clock();
    assert.deepEqual([b - a, c - b], [1234n, 1n]);
    // A monotonic clock too coarse to tell two readings apart: still never the same stamp twice.
    const d = clock();
    assert.equal(d, c + 1n);
  });

  it('a wall clock slewed slower than the monotonic one is followed within its millisecond', () => {
    const { wall, mono, clock } = fakeClocks(Date.UTC(2026, 5, 1));
    let previous = clock();
    // An hour of readings every 10 s, the wall clock running 500 ppm slow (NTP's largest slew).
    for (let s = 10; s <= 3600; s += 10) {
      mono.ns += 10_000n * MS;
      wall.ms = Date.UTC(2026, 5, 1) + Math.floor(s * 1000 * (1 - 0.0005));
      const t = clock();
      assert.ok(t > previous);
      assert.ok(t >= BigInt(wall.ms) * MS && t < BigInt(wall.ms + 1) * MS, `at ${s} s: ${t} vs ${wall.ms} ms`);
      previous = t;
    }
  });

  it('the system clock: never the same stamp twice, within a millisecond of Date.now()', () => {
    const stamps = Array.from({ length: 10_000 }, () => nowNs());
    for (let i = 1; i < stamps.length; i++) assert.ok((stamps[i] ?? 0n) > (stamps[i - 1] ?? 0n));
    const now = BigInt(Date.now()) * MS;
    const last = stamps.at(-1) ?? 0n;
    assert.ok(last <= now + MS && last > now - 100n * MS, `${last} vs ${now}`);
  });
});
