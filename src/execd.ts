/**
 * `telegraf-homenet execd`, for Telegraf's `[[inputs.execd]]` with
 * `signal = "STDIN"`: one gather per newline on stdin, the whole batch
 * written at once, every metric stamped when its page arrived. Gathers never
 * overlap, and requests never pile up: any number of newlines that arrive
 * before a gather starts ask for that one gather, and those that arrive during
 * a gather ask for one more after it (Telegraf's ticks behind a slow device,
 * or a burst of newlines, must not turn into gathers back to back). Ends with
 * exit status 0 on stdin EOF (after the gather in flight and the one asked
 * for) and on SIGTERM (at once, dropping the gather in flight).
 */
import { nowNs } from './clock.js';
import { closeSessions, collect, recallDevices, rememberDevices, type CollectOptions, type DeviceState } from './collect.js';
import type { Config } from './config.js';
import { addTotals, emptyState, prune, type CounterState } from './counters.js';
import { serializeAll } from './lineprotocol.js';
import { shape } from './shape.js';
import { loadState, saveState } from './state.js';

/** What execd reads and writes. */
export interface ExecdIo {
  readonly stdin: AsyncIterable<string | Buffer>;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Aborted on SIGTERM/SIGINT. */
  readonly signal?: AbortSignal;
}

/** Runs until stdin ends or the signal aborts; returns the exit status (0). */
export async function runExecd(config: Config, io: ExecdIo, options: CollectOptions = {}): Promise<number> {
  let states = new Map<string, DeviceState>();
  // Counter totals and device memory live in memory; a state file, when configured, carries them across restarts.
  let counters: CounterState = emptyState();
  let writable = false;
  if (config.stateFile !== undefined) {
    const loaded = loadState(config.stateFile);
    counters = loaded.state;
    writable = loaded.writable;
    states = recallDevices(config, counters.devices);
    if (loaded.warning) io.stderr(`${loaded.warning}\n`);
  }
  // Shared with the stdin reader below.
  // At most one gather is ever waiting: a request while one waits merges into it.
  const st: { pending: boolean; ended: boolean } = { pending: false, ended: false };
  let wake: (() => void) | undefined;
  const poke = (): void => {
    wake?.();
    wake = undefined;
  };
  const stopping = new AbortController();
  // One listener for the whole run (one per wait would pile up, a gather every few seconds for months).
  const onSignal = (): void => {
    stopping.abort();
    poke();
  };
  io.signal?.addEventListener('abort', onSignal, { once: true });
  const isStopping = (): boolean => stopping.signal.aborted;

  // Reading stdin runs beside the gathers, so a newline during a gather is seen at once.
  const reader = (async () => {
    try {
      for await (const chunk of io.stdin) {
        const text = typeof chunk === 'string' ? chunk : chunk.toString('utf8');
        if (text.includes('\n')) {
          st.pending = true;
          poke();
        }
        if (isStopping()) break;
      }
    } finally {
      st.ended = true;
      poke();
    }
  })();

  io.stderr(`I! telegraf-homenet execd: ${config.devices.length} device(s); one gather per line on stdin\n`);
  while (!isStopping()) {
    if (!st.pending) {
      if (st.ended) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
      continue;
    }
    // Let a burst of newlines that is already read land first, so it asks for this one gather.
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (isStopping()) break;
    // Taken before the gather starts, so newlines during it ask for exactly one more.
    st.pending = false;
    const { metrics, log } = await collect(config, { ...options, states, keepSessions: true, signal: stopping.signal });
    // A gather cut short by SIGTERM is not written: half a picture would mislead.
    if (isStopping()) break;
    const now = nowNs();
    const warnings: string[] = [];
    const withTotals = addTotals(metrics, counters, config.measurement, now, (w) => warnings.push(w));
    prune(counters, now, metrics);
    if (config.stateFile !== undefined && writable) {
      rememberDevices(config, states, counters.devices);
      const failed = saveState(config.stateFile, counters);
      if (failed) warnings.push(failed);
    }
    const shaped = config.schema !== 'homenet' || config.counterType !== 'integer' ? shape(withTotals, config) : withTotals;
    const out = serializeAll(shaped, (w) => warnings.push(w));
    if (out !== '') io.stdout(out);
    const errs = [...log, ...warnings];
    if (errs.length > 0) io.stderr(errs.join('\n') + '\n');
  }
  io.signal?.removeEventListener('abort', onSignal);
  await closeSessions(config, states);
  // Leave the stdin reader to end with the process; do not wait for more input.
  void reader.catch(() => undefined);
  return 0;
}
