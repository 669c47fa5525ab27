/**
 * What the totals remember, on its own so that the rule (index.ts), the
 * judge of one reading (judge.ts) and the budget (budget.ts) share it
 * without importing each other.
 */
/** What is remembered of one counter. */
export interface SeriesState {
  last: bigint;
  total: bigint;
  /** When it was read, ns since the epoch. */
  atNs: bigint;
  /** A 64-bit counter: it read 2^32 or more and then went on up from there. */
  wide: boolean;
  /**
   * A reading of 2^32 or more on a counter not known to be 64-bit, not yet in
   * the total: the next reading tells a 64-bit counter (it goes on up) from a
   * glitch (it falls back).
   */
  held?: HeldReading;
}

/** A reading set aside until the next one, and when it was read (ns since the epoch). */
export interface HeldReading {
  value: bigint;
  atNs: bigint;
  /** Its line was reset (rules 1 and 4) when it was read: the counter restarted, so the next reading counts from 0. */
  reset?: boolean;
}

/** What is remembered of a device's uptime. */
export interface UptimeState {
  seconds: bigint;
  atNs: bigint;
}

/** Everything the totals remember; kept in memory (execd) and in the state file (src/state/). */
export interface CounterState {
  readonly series: Map<string, SeriesState>;
  readonly uptime: Map<string, UptimeState>;
  /** Hosts whose series were dropped by `prune` (index.ts), and when (ns since the epoch), oldest first. */
  readonly forgotten: Map<string, bigint>;
}

/** Nothing remembered yet: the first gather, or a state file not read. */
export function emptyState(): CounterState {
  return { series: new Map(), uptime: new Map(), forgotten: new Map() };
}
