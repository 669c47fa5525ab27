/**
 * One gather: every device concurrently, each under its own time limit, each
 * failure turned into a log line and a `homenet_scrape` metric instead of a
 * crash, so one dead device never costs the others' data. Within a device,
 * pages are read in order, at most two on the wire at once when its host has
 * a second connection free (ahead.ts; a login stays serial), and a page that
 * fails costs only the areas it feeds (run.ts).
 */
import { SYSTEM_CLOCK, type Clock } from '../clock.js';
import type { Config } from '../config/index.js';
import type { Spare } from './ahead.js';
import { DeviceGather, type CollectOptions, type DeviceState } from './gather.js';
import { gatherPages } from './run.js';
import { FetchError, TimeLimit } from '../http/index.js';
import type { Metric } from '../lineprotocol.js';
import { scrapeResult } from './scrape.js';
import { PER_HOST_LIMIT, Slots } from './slots.js';

export { type CollectOptions, type DeviceState, type Fetcher } from './gather.js';
export { IDENTITY_REFRESH_MS } from './run.js';
export { closeSessions } from './session.js';

/** Result of one gather. */
export interface Gathered {
  readonly metrics: Metric[];
  /** One `E! ` line per failure and one `W! ` line per value left out, for stderr. */
  readonly log: string[];
  /** The devices (section names) still gathering when `signal` aborted; absent when none was. */
  readonly stopped?: readonly string[];
}

async function gatherDevice(g: DeviceGather, slots: Slots): Promise<{ metrics: Metric[]; log: string[] }> {
  const { device, state } = g;
  const slot = device.url.host;
  let identity: string | undefined;
  const started = g.clock.now();
  try {
    // Time spent waiting for a slot on a busy host comes out of the device's own limit.
    if (await slots.acquire(slot, g)) {
      // A second connection for pages sent ahead (ahead.ts), in a one-shot run only: execd keeps one per device.
      if (g.options.keepSessions !== true) g.spare = new SpareSlot(slots, slot);
      try {
        identity = await gatherPages(g);
      } finally {
        slots.release(slot);
      }
    } else {
      // Never asked: the time went to other devices at the same address.
      g.failures.push({ url: g.current.href, message: `no request sent: other devices at ${slot} held its ${PER_HOST_LIMIT} connections until the deadline (${device.timeoutMs} ms)` });
    }
  } catch (err) {
    const message = err instanceof FetchError ? g.explain(err) : `internal error (please report it): ${err instanceof Error ? err.message : String(err)}`;
    g.failures.push({ url: g.current.href, message });
    if (err instanceof FetchError && err.unreachable) {
      // A device that went away may come back as another model or firmware.
      delete state.family;
      delete state.described;
    }
  } finally {
    g.done = true;
  }
  return scrapeResult(g, identity, started);
}

/** A device's second slot of its host:port (ahead.ts). */
class SpareSlot implements Spare {
  constructor(
    private readonly slots: Slots,
    private readonly key: string,
  ) {}

  take(): boolean {
    return this.slots.tryAcquire(this.key);
  }

  give(): void {
    this.slots.release(this.key);
  }
}

/**
 * How long after the last device's deadline a logout may still run: the
 * rest of the half second a run may take past its `timeout` is for writing
 * what it has and ending.
 */
const LOGOUT_AFTER_DEADLINE_MS = 200;

/** Each device's deadline: one timer per distinct time, not one per device (10,000 devices at one address share one). */
function deadlines(gathers: readonly DeviceGather[], start: number, clock: Clock): () => void {
  const byTime = new Map<number, DeviceGather[]>();
  for (const g of gathers) {
    const at = start + g.device.timeoutMs;
    const due = byTime.get(at);
    if (due) due.push(g);
    else byTime.set(at, [g]);
  }
  const cancels: (() => void)[] = [];
  for (const [at, due] of byTime) {
    // One reason for all of them: the same words, made once.
    const limit = new TimeLimit(due[0]?.device.timeoutMs ?? 0);
    cancels.push(
      clock.at(at, () => {
        for (const g of due) g.abort(limit);
      }),
    );
  }
  return () => {
    for (const cancel of cancels) cancel();
  };
}

/**
 * Gathers every configured device concurrently. Never rejects because of a
 * device: failures come back as log lines and `success=false` metrics.
 */
export async function collect(config: Config, options: CollectOptions = {}): Promise<Gathered> {
  const states = options.states ?? new Map<string, DeviceState>();
  const clock = options.clock ?? SYSTEM_CLOCK;
  const start = options.startedAt ?? clock.now();
  // Logouts end soon after the last deadline, whatever the device that logs out.
  let longest = 0;
  for (const d of config.devices) longest = Math.max(longest, d.timeoutMs);
  const logoutBy = start + longest + LOGOUT_AFTER_DEADLINE_MS;
  // Loops, not callbacks made per gather (see TreeBuilder in html/index.ts).
  const gathers: DeviceGather[] = [];
  for (const d of config.devices) {
    let state = states.get(d.name);
    if (!state) {
      state = {};
      states.set(d.name, state);
    }
    gathers.push(new DeviceGather(d, config, state, options, logoutBy));
  }
  // One listener on the signal for the gather, not one per device (past 10, Node warns of a leak on stderr).
  const stopAll = (): void => {
    for (const g of gathers) g.stop();
  };
  // A signal that fired before the gather stops every device at once (it fires no event again).
  if (options.signal?.aborted === true) stopAll();
  else options.signal?.addEventListener('abort', stopAll, { once: true });
  const cancel = deadlines(gathers, start, clock);
  const slots = new Slots(PER_HOST_LIMIT);
  const gathering = [];
  for (const g of gathers) gathering.push(gatherDevice(g, slots));
  let results;
  try {
    results = await Promise.all(gathering);
  } finally {
    cancel();
    options.signal?.removeEventListener('abort', stopAll);
  }
  const metrics: Metric[] = [];
  const log: string[] = [];
  const stopped: string[] = [];
  for (const [i, r] of results.entries()) {
    for (const m of r.metrics) metrics.push(m);
    for (const line of r.log) log.push(line);
    if (gathers[i]?.stopped === true) stopped.push(config.devices[i]?.name ?? '');
  }
  return { metrics, log, ...(stopped.length > 0 ? { stopped } : {}) };
}
