/** A clock for tests that moves only when told to: deadlines fall due when a test says, never by waiting. */
import type { Clock, Timer } from '../../src/clock.js';

interface Due {
  readonly at: number;
  readonly fn: () => void;
  readonly order: number;
}

/** A fake clock for the collector (deadlines, pacing) and for --rate/--watch (sleep), starting at 0. */
export class FakeClock implements Clock, Timer {
  private ms = 0;
  private dues: Due[] = [];
  private order = 0;

  constructor(private readonly wallStart = Date.UTC(2026, 5, 1, 12)) {}

  readonly now = (): number => this.ms;

  readonly wallMs = (): number => this.wallStart + this.ms;

  readonly at = (at: number, fn: () => void): (() => void) => {
    const due = { at, fn, order: this.order++ };
    // Already due: soon, as a timer of 0 ms would be, not while the caller is still setting up.
    if (at <= this.ms) {
      const soon = setImmediate(fn);
      return () => {
        clearImmediate(soon);
      };
    }
    this.dues.push(due);
    return () => {
      this.dues = this.dues.filter((d) => d !== due);
    };
  };

  readonly sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
    new Promise((resolve) => {
      if (signal?.aborted === true) {
        resolve();
        return;
      }
      const cancel = this.at(this.ms + ms, resolve);
      signal?.addEventListener(
        'abort',
        () => {
          cancel();
          resolve();
        },
        { once: true },
      );
    });

  /** Timers waiting for their time. */
  get pending(): number {
    return this.dues.length;
  }

  /** Moves time on by `ms`, running each timer that falls due at its time, in order. */
  advance(ms: number): void {
    const until = this.ms + ms;
    for (;;) {
      const next = this.dues.filter((d) => d.at <= until).sort((a, b) => a.at - b.at || a.order - b.order)[0];
      if (next === undefined) break;
      this.dues = this.dues.filter((d) => d !== next);
      this.ms = Math.max(this.ms, next.at);
      next.fn();
    }
    this.ms = until;
  }
}

/**
 * Resolves once `done()` holds, checking after each turn of the event loop:
 * for what the program does on its own (a request reaching the simulator)
 * before the test moves the clock. No time is waited for; node:test's
 * timeout ends a test whose condition never comes.
 */
export async function until(done: () => boolean): Promise<void> {
  while (!done()) await new Promise((resolve) => setImmediate(resolve));
}

/** One turn of the event loop: what a moved clock set off (aborts and what follows them) has run. */
export function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Resolves once `done()` holds, looking every 5 ms: for what another process
 * does (a child's request reaching the simulator), where spinning on the
 * event loop as {@link until} does would take a core from that process. No
 * time limit: node:test's timeout ends a test whose moment never comes.
 */
export async function eventually(done: () => boolean): Promise<void> {
  while (!done()) await new Promise((resolve) => setTimeout(resolve, 5));
}
