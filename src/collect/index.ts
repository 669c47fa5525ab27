/**
 * One gather: every device concurrently, each under its own time limit, each
 * failure turned into a log line and a `homenet_scrape` metric instead of a
 * crash, so one dead device never costs the others' data. Within a device,
 * pages are fetched one at a time (gateways have tiny session pools) and a
 * page that fails costs only the areas it feeds (run.ts).
 */
import type { Config, DeviceConfig } from '../config.js';
import { DeviceGather, type CollectOptions, type DeviceState } from './gather.js';
import { gatherPages } from './run.js';
import { FetchError } from '../http.js';
import type { Metric } from '../lineprotocol.js';
import { scrapeResult } from './scrape.js';

export { pageUrl, type CollectOptions, type DeviceState, type Fetcher } from './gather.js';
export { IDENTITY_REFRESH_MS } from './run.js';
export { SCRAPE_MEASUREMENT } from './scrape.js';
export { closeSessions, LOGOUT_TIMEOUT_MS } from './session.js';

/** Result of one gather. */
export interface Gathered {
  readonly metrics: Metric[];
  /** One `E! ` line per failure and one `W! ` line per value left out, for stderr. */
  readonly log: string[];
  /** The devices (section names) still gathering when `signal` aborted; absent when none was. */
  readonly stopped?: readonly string[];
}

/** Devices gathered at once on one host:port, so a gateway's few sessions are not flooded. */
export const PER_HOST_LIMIT = 2;

/** Counting semaphores by key. */
class Slots {
  private readonly busy = new Map<string, number>();
  private readonly waiting = new Map<string, Waiter[]>();

  constructor(private readonly limit: number) {}

  /** Resolves true with a slot, or false if `signal` aborts first (no slot is then held). */
  acquire(key: string, signal: AbortSignal): Promise<boolean> {
    const n = this.busy.get(key) ?? 0;
    if (n < this.limit) {
      this.busy.set(key, n + 1);
      return Promise.resolve(true);
    }
    const queue = this.waiting.get(key) ?? [];
    this.waiting.set(key, queue);
    return new Promise<boolean>((resolve) => {
      const waiter = new Waiter(queue, signal, resolve);
      queue.push(waiter);
      signal.addEventListener('abort', waiter.aborted, { once: true });
    });
  }

  /** Hands the slot to the next waiter, or frees it. */
  release(key: string): void {
    const next = this.waiting.get(key)?.shift();
    if (next) next.grant();
    else this.busy.set(key, (this.busy.get(key) ?? 1) - 1);
  }
}

/** A device waiting for a slot. Methods, not closures made per wait (see TreeBuilder in html.ts). */
class Waiter {
  readonly aborted = this.abort.bind(this);

  constructor(
    private readonly queue: Waiter[],
    private readonly signal: AbortSignal,
    private readonly resolve: (granted: boolean) => void,
  ) {}

  grant(): void {
    this.signal.removeEventListener('abort', this.aborted);
    this.resolve(true);
  }

  private abort(): void {
    this.queue.splice(this.queue.indexOf(this), 1);
    this.resolve(false);
  }
}

async function gatherDevice(
  device: DeviceConfig,
  config: Config,
  state: DeviceState,
  options: CollectOptions,
  deadline: number,
  slots: Slots,
  running: Set<() => void>,
): Promise<{ metrics: Metric[]; log: string[]; stopped: boolean }> {
  const g = new DeviceGather(device, config, state, options);
  // One deadline for the whole gather, counted from its start: time spent
  // waiting for a slot on a busy host comes out of the device's own limit.
  const timer = setTimeout(() => {
    g.abort();
  }, Math.max(0, deadline - performance.now()));
  let stopped = false;
  const stop = (): void => {
    stopped = true;
    g.abort('the program is stopping');
  };
  // A signal that fired before this device started stops it as well (it fires no event again).
  if (options.signal?.aborted === true) stop();
  else running.add(stop);
  const slot = device.url.host;
  let identity: string | undefined;
  const started = performance.now();
  try {
    if (!(await slots.acquire(slot, g.signal))) {
      // Never asked: the time went to other devices at the same address.
      throw new FetchError(`no request sent: other devices at ${slot} held its ${PER_HOST_LIMIT} connections until the deadline (${device.timeoutMs} ms)`);
    }
    try {
      identity = await gatherPages(g);
    } finally {
      slots.release(slot);
    }
  } catch (err) {
    const message =
      err instanceof FetchError ? g.explain(err) : `internal error (please report it): ${err instanceof Error ? err.message : String(err)}`;
    g.failures.push({ url: g.current.href, message });
    if (err instanceof FetchError && err.unreachable) {
      // A device that went away may come back as another model or firmware.
      delete state.family;
      delete state.described;
    }
  } finally {
    clearTimeout(timer);
    running.delete(stop);
  }
  return { ...scrapeResult(g, identity, started), stopped };
}

/**
 * Gathers every configured device concurrently. Never rejects because of a
 * device: failures come back as log lines and `success=false` metrics.
 */
export async function collect(config: Config, options: CollectOptions = {}): Promise<Gathered> {
  const states = options.states ?? new Map<string, DeviceState>();
  const start = performance.now();
  const slots = new Slots(PER_HOST_LIMIT);
  // The devices still gathering, each stopped by its function when `signal` aborts: one listener
  // on the signal for the gather, not one per device (past 10, Node warns of a leak on stderr).
  const running = new Set<() => void>();
  const stopAll = (): void => {
    for (const stop of running) stop();
  };
  options.signal?.addEventListener('abort', stopAll, { once: true });
  // Loops, not callbacks made per gather (see TreeBuilder in html.ts).
  const gathering = [];
  for (const d of config.devices) {
    let state = states.get(d.name);
    if (!state) {
      state = {};
      states.set(d.name, state);
    }
    gathering.push(gatherDevice(d, config, state, options, start + d.timeoutMs, slots, running));
  }
  let results;
  try {
    results = await Promise.all(gathering);
  } finally {
    options.signal?.removeEventListener('abort', stopAll);
  }
  const metrics: Metric[] = [];
  const log: string[] = [];
  const stopped: string[] = [];
  for (const [i, r] of results.entries()) {
    for (const m of r.metrics) metrics.push(m);
    for (const line of r.log) log.push(line);
    if (r.stopped) stopped.push(config.devices[i]?.name ?? '');
  }
  return { metrics, log, ...(stopped.length > 0 ? { stopped } : {}) };
}
