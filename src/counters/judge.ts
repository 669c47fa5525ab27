/**
 * How src/counters/index.ts judges one counter reading against the last one of its
 * series: up, a 32-bit wrap, a reset, or set aside (rules 1-3 and 5 of that
 * file's head; rule 4, one reset on a line making every decrease on it one,
 * is the caller's, since it needs the whole line).
 */
import type { CounterKind } from '../devices/catalogue.js';
import { WRAP_32, type Metric } from '../lineprotocol.js';
import { warning } from '../log.js';
import type { SeriesState } from './state.js';

/** Highest plausible rate per second of each kind of counter (the catalogue says which a field is). */
const MAX_RATE: Readonly<Record<CounterKind, bigint>> = { bytes: 1_250_000_000n, packets: 2_000_000n, events: 100_000n };

/** A line's series as line protocol writes it (`net,host=router,interface=br0`), for messages. */
export function describe(m: Metric): string {
  return [
    m.name,
    ...Object.keys(m.tags)
      .sort()
      .map((k) => `${k}=${m.tags[k] ?? ''}`),
  ].join(',');
}

/**
 * How one reading is judged: `held` and `aside` are set aside (not added to
 * the total; the series stays at its last good reading); `restarted` counts
 * from `from` (0, or the held reading when the high word it showed stayed)
 * for a reading after one held across a reset (it does not make the rest of
 * its line a reset again: rule 4 applied then).
 */
type Change = 'first' | 'up' | 'wrap' | 'reset' | 'held' | 'aside' | 'restarted';

/** One counter reading of a line, judged. */
export interface Reading {
  field: string;
  kind: CounterKind;
  value: bigint;
  key: string;
  before: SeriesState | undefined;
  change: Change;
  /** For `up`: the reading the rise is counted from. */
  from: bigint;
  /** This reading shows the counter is 64-bit. */
  wide: boolean;
}

/** Whole seconds from one reading to the next, at least 1. */
function secondsBetween(fromNs: bigint, toNs: bigint): bigint {
  return toNs > fromNs ? (toNs - fromNs + 999_999_999n) / 1_000_000_000n : 1n;
}

/** Whether a counter's rise between two readings is more than `maxRate` per second carries. */
function tooFast(rise: bigint, fromNs: bigint, toNs: bigint, maxRate: bigint): boolean {
  return rise > maxRate * secondsBetween(fromNs, toNs);
}

/** The `W!` line for a reading not added to its total. */
function setAside(m: Metric, field: string, value: bigint, why: string): string {
  return warning(`${describe(m)} ${field}=${value}: set aside, not added to ${field}_total: ${why}`);
}

/** The `W!` line for a held reading that the next one showed to be a glitch. */
function glitch(m: Metric, field: string, held: bigint, next: bigint): string {
  return setAside(m, field, held, `2^32 or more once, then ${next}: a glitch, not a 64-bit counter`);
}

/**
 * Judges a reading `v` of `field` on line `m`, a series read before (rules
 * 1-3 and 5; rule 4 is the caller's), notes a held reading in `before.held`,
 * and says (`warn`) when a reading is set aside.
 */
export function judge(
  v: bigint,
  at: bigint,
  before: SeriesState,
  kind: CounterKind,
  rebooted: boolean,
  m: Metric,
  field: string,
  warn: (line: string) => void,
): Pick<Reading, 'change' | 'from' | 'wide'> {
  const maxRate = MAX_RATE[kind];
  const held = before.held;
  if (held) {
    delete before.held;
    // The line was reset when the held reading came: whatever that reading was, this one counted from 0,
    // unless that is more than the counter could count since: then the held reading's high word stayed.
    if (held.reset === true) {
      if (v < held.value) warn(glitch(m, field, held.value, v));
      if (!tooFast(v, before.atNs, at, maxRate)) return { change: 'restarted', from: 0n, wide: v >= held.value };
      if (v >= held.value && !tooFast(v - held.value, held.atNs, at, maxRate)) return { change: 'restarted', from: held.value, wide: true };
      warn(setAside(m, field, v, `counted from 0 after its line was reset, it is more than ${maxRate} ${kind}/s since ${secondsBetween(before.atNs, at)} s ago`));
      return { change: 'aside', from: before.last, wide: false };
    }
    const jumped = tooFast(held.value - before.last, before.atNs, held.atNs, maxRate);
    if (v >= held.value && !tooFast(v - held.value, held.atNs, at, maxRate)) {
      // Two readings at or above 2^32, going up: a 64-bit counter.
      if (!jumped) return { change: 'up', from: before.last, wide: true };
      warn(warning(`${describe(m)} ${field}: read ${held.value} and then ${v}: a 64-bit counter from here on; the jump to ${held.value} (more than ${maxRate} ${kind}/s) is not in its total`));
      return { change: 'up', from: held.value, wide: true };
    }
    // Not a 64-bit counter: the held reading was a glitch (said already if its rise was too fast).
    if (!jumped) warn(glitch(m, field, held.value, v));
  }
  if (v >= before.last) {
    const rise = v - before.last;
    const fast = tooFast(rise, before.atNs, at, maxRate);
    if (fast) warn(setAside(m, field, v, `a rise of ${rise} in ${secondsBetween(before.atNs, at)} s is more than ${maxRate} ${kind}/s`));
    // Rule 2's evidence: 2^32 or more on a counter seen below it is held until the next reading says whether it keeps going up.
    if (!before.wide && before.last < WRAP_32 && v >= WRAP_32) {
      before.held = { value: v, atNs: at };
      return { change: 'held', from: before.last, wide: false };
    }
    if (fast) return { change: 'aside', from: before.last, wide: false };
    return { change: 'up', from: before.last, wide: v >= WRAP_32 };
  }
  const asWrap = v + WRAP_32 - before.last;
  const implausible = before.wide || before.last >= WRAP_32 || tooFast(asWrap, before.atNs, at, maxRate);
  return { change: rebooted || implausible ? 'reset' : 'wrap', from: before.last, wide: false };
}

/**
 * What a judged reading adds to its series' total, or undefined when it is
 * set aside (said through `warn`). `lineReset` is rule 4: a reset on the
 * line makes every decrease on it a reset. A reset counts the reading, the
 * counter having restarted from 0; but no counter counts faster than its
 * rate, so a reading more than that since the last one is no count from 0.
 * Then, if it fell by less than 2^32, it is a 32-bit wrap under a high word
 * that stayed (a junk high word on a 32-bit count, DEVICES.md: as a reset it
 * would have added 12 TB); otherwise it is set aside.
 */
export function gain(r: Reading, before: SeriesState, at: bigint, lineReset: boolean, m: Metric, warn: (line: string) => void): bigint | undefined {
  const v = r.value;
  if (r.change === 'up' || r.change === 'restarted') return v - r.from;
  const asWrap = v + WRAP_32 - before.last;
  if (!lineReset && r.change === 'wrap') return asWrap;
  const maxRate = MAX_RATE[r.kind];
  if (!tooFast(v, before.atNs, at, maxRate)) return v;
  if (v < before.last && asWrap > 0n && !tooFast(asWrap, before.atNs, at, maxRate)) return asWrap;
  const seconds = secondsBetween(before.atNs, at);
  warn(setAside(m, r.field, v, `a fall from ${before.last}, and neither a reset (it would be more than ${maxRate} ${r.kind}/s counted from 0 in ${seconds} s) nor a 32-bit wrap`));
  return undefined;
}

/** Module-level, not made per call (see TreeBuilder in html/index.ts). */
export function isReset(r: { change: Change }): boolean {
  return r.change === 'reset';
}
