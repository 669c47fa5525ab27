/**
 * Wall-clock time in nanoseconds, for the timestamps `execd` writes (when a
 * page arrived) and the counter totals' readings.
 *
 * The stamps follow the system clock, read at every call, as Telegraf's own
 * inputs do (they stamp each gather with the time of that moment): an execd
 * started before NTP set the clock (a Raspberry Pi has no real-time clock and
 * boots at the time it last shut down) writes the right time from the moment
 * the clock is set, and its points line up with every other input's.
 *
 * Two things are added to the clock. Date.now() counts whole milliseconds,
 * and one batch's pages arrive microseconds apart: the monotonic clock gives
 * the nanoseconds within the millisecond, so every stamp of a process is
 * distinct (InfluxDB keeps one point per series and timestamp: a second one
 * would replace the first) and in the order the pages arrived. And stamps
 * never go backwards by a little: NTP slews the clock and steps it when it is
 * off by more than 128 ms (ntpd) or 1 s (chrony's usual `makestep 1`); a step
 * back below {@link BACKWARD_TOLERANCE_NS} holds the stamps just after the
 * last one until the clock has passed it again, which keeps a batch in order
 * and costs at most that much. A bigger step back is a wrong clock being
 * corrected (set ahead by hand, a bad battery-backed clock): it is followed
 * at once, like a step forward. Holding on to the wrong time would stamp every
 * gather of the next minutes or hours within nanoseconds of each other, at a
 * time that never was.
 */

const MS = 1_000_000n;
/** A step back of the wall clock up to this (1 s) is held through; a larger one is followed. */
export const BACKWARD_TOLERANCE_NS = 1_000_000_000n;

/**
 * A clock of nanoseconds since the epoch that follows `wallMs` (ms since the
 * epoch, which may jump either way) with `monotonicNs` (any monotonic clock)
 * for the nanoseconds between its milliseconds. Nothing is read until the
 * first call.
 */
export function wallClock(wallMs: () => number = () => Date.now(), monotonicNs: () => bigint = () => process.hrtime.bigint()): () => bigint {
  // The wall clock and the monotonic clock at one moment: the time since is counted on the monotonic one.
  let anchor: { wall: bigint; mono: bigint } | undefined;
  let last: bigint | undefined;
  return () => {
    const wall = BigInt(Math.floor(wallMs())) * MS;
    const mono = monotonicNs();
    let t = anchor === undefined ? wall : anchor.wall + (mono - anchor.mono);
    // The time is within [wall, wall + 1 ms): outside it, the wall clock was set or slewed since the anchor.
    if (anchor === undefined || t < wall || t >= wall + MS) {
      anchor = { wall, mono };
      t = wall;
    }
    if (last !== undefined && t <= last && last - t <= BACKWARD_TOLERANCE_NS) t = last + 1n;
    last = t;
    return t;
  };
}

/** Nanoseconds since the epoch by the system clock, never the same twice in a process (see {@link wallClock}). */
export const nowNs: () => bigint = wallClock();

/**
 * Time for the collector: its deadlines, its pacing, how long a device took.
 * Injectable, so that a test moves time on instead of waiting for it.
 */
export interface Clock {
  /** A monotonic clock in ms. The system's counts from the process's start (performance.now()). */
  readonly now: () => number;
  /** The wall clock in ms since the epoch (a login's back-off, when a description is due). */
  readonly wallMs: () => number;
  /** Calls `fn` once `now()` has reached `at` (soon, if it already has); the function returned cancels it. */
  readonly at: (at: number, fn: () => void) => () => void;
}

/** The system's monotonic clock and timers. */
export const SYSTEM_CLOCK: Clock = {
  now: () => performance.now(),
  wallMs: () => Date.now(),
  at: (at, fn) => {
    const timer = setTimeout(fn, Math.max(0, at - performance.now()));
    return () => {
      clearTimeout(timer);
    };
  },
};

/** An AbortSignal that aborts with `reason` once `clock` reaches `at`, and what cancels that (AbortSignal.timeout on any clock). */
export function signalAt(clock: Clock, at: number, reason?: unknown): { signal: AbortSignal; cancel: () => void } {
  const controller = new AbortController();
  const cancel = clock.at(at, () => {
    controller.abort(reason);
  });
  return { signal: controller.signal, cancel };
}

/** Time for a command that waits between gathers (`--rate`, `--watch`): injectable, so tests need not wait. */
export interface Timer {
  /** A monotonic clock in ms, for the time between two gathers. */
  readonly now: () => number;
  /** The wall clock in ms since the epoch, for the time of day a screen shows. */
  readonly wallMs: () => number;
  /** Resolves after `ms`, or at once when `signal` aborts. */
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** The system's clocks and timers. */
export const SYSTEM_TIMER: Timer = {
  now: () => performance.now(),
  wallMs: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((done) => {
      if (signal?.aborted) {
        done();
        return;
      }
      const timer = setTimeout(finish, ms);
      signal?.addEventListener('abort', finish, { once: true });
      function finish(): void {
        clearTimeout(timer);
        signal?.removeEventListener('abort', finish);
        done();
      }
    }),
};

const DURATION_UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Parses a duration such as `4s`, `500ms`, `1.5s` or `1m30s` into ms.
 * @returns undefined when the text is not such a duration.
 */
export function parseDuration(text: string): number | undefined {
  const t = text.trim();
  if (!/^(\d+(\.\d+)?(ms|s|m|h))+$/.test(t)) return undefined;
  let ms = 0;
  for (const m of t.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) ms += Number(m[1]) * (DURATION_UNITS[m[2] ?? ''] ?? 0);
  return Math.round(ms);
}
