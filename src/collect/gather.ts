/**
 * One device's gather in progress: its config, its memory between gathers,
 * its time limit, the pages read so far and what failed. The collector's
 * parts (run.ts, session.ts and index.ts in this folder) share it.
 */
import { SYSTEM_CLOCK, type Clock } from '../clock.js';
import type { Config, DeviceConfig } from '../config/index.js';
import type { Area, Family, PageSpec, PageText } from '../devices/index.js';
import { paceFor, type Pace } from '../html/index.js';
import { FetchError, fetchPage, TimeLimit, type Agents, type FetchOptions, type FetchedPage } from '../http/index.js';
import type { Ahead, Spare } from './ahead.js';
import type { Metric } from '../lineprotocol.js';

/** The network, replaceable for tests of the collector's own logic. */
export type Fetcher = (url: URL, options: FetchOptions) => Promise<FetchedPage>;

/** What the collector remembers about a device between gathers of one process. */
export interface DeviceState {
  /** The page family found on the first gather. */
  family?: Family;
  /** Session cookie of a logged-in gateway. Never logged. */
  session?: string;
  /** No login attempts before this time (ms since epoch). */
  loginBackoffUntil?: number;
  /** The host tag the device gave itself (a Sonos zone name), once found. */
  identity?: string;
  /** When `identity` was read (ms since the epoch); it is read again {@link IDENTITY_REFRESH_MS} later. */
  identifiedAt?: number;
  /** The hardware address a page read every gather shows (PageSpec.hardware): a change means another device answers here. */
  hardware?: string;
  /** Kept-alive connections to the device (execd). */
  agents?: Agents;
  /** What pages that only describe the device said, and until when to repeat it (execd). */
  described?: Map<PageSpec, { readonly metrics: readonly Metric[]; readonly until: number }>;
}

/** How a gather behaves. */
export interface CollectOptions {
  readonly fetcher?: Fetcher;
  /** Per-device memory; pass the same map to every gather of a long-lived process. */
  readonly states?: Map<string, DeviceState>;
  /** Keep gateway sessions open between gathers (execd) instead of logging out. */
  readonly keepSessions?: boolean;
  /**
   * `states` outlives this gather (execd, or collect with a state file): a
   * page that only describes the device is repeated from it, not asked,
   * until it is due again.
   */
  readonly remember?: boolean;
  /** Wall clock in ms, for the login back-off (the clock's wall clock when absent). */
  readonly now?: () => number;
  /** Aborts the whole gather (execd on SIGTERM). */
  readonly signal?: AbortSignal;
  /** What the deadlines, the pacing and the devices' durations are timed with (the system's when absent). */
  readonly clock?: Clock;
  /**
   * When the run began, on the clock: each device's deadline is this plus its
   * `timeout`. A one-shot collect passes the process's start, so that Node's
   * start-up counts too; absent, the gather's start.
   */
  readonly startedAt?: number;
}

/** Each device's page URLs by path: the same few pages, gather after gather (never changed once made). */
const pageUrls = new WeakMap<URL, Map<string, URL>>();

/** Resolves a page path (with query) under the device's base URL, keeping any path prefix. */
export function pageUrl(base: URL, path: string): URL {
  let urls = pageUrls.get(base);
  if (urls === undefined) {
    urls = new Map();
    pageUrls.set(base, urls);
  }
  let url = urls.get(path);
  if (url === undefined) {
    const prefix = base.pathname.replace(/\/+$/, '');
    url = new URL(prefix + path, base.origin);
    urls.set(path, url);
  }
  return url;
}

/** A failure with where it happened; `area` is absent when the whole device failed. */
export interface Failure {
  readonly url: string;
  readonly message: string;
  readonly area?: Area;
}

/** Everything one device gather needs, and what it has found so far. */
export class DeviceGather {
  readonly metrics: Metric[] = [];
  readonly failures: Failure[] = [];
  /** Values left out of lines that did print (each costs only itself). */
  readonly omitted: Failure[] = [];
  /** The URL of the request in flight, for a failure that ends the whole device. */
  current: URL;
  /** Pages already fetched in this gather: a page feeding several areas is read once. */
  readonly pages = new Map<PageSpec, PageText>();
  /** The family found, for its status hints. */
  family?: Family;
  /** Its gather is over (the deadline or a signal can no longer cut it short). */
  done = false;
  /** A signal stopped it while it was gathering. */
  stopped = false;
  /** Set while the device waits for a connection to its host (slots.ts): called when it is cut short. */
  waiting: (() => void) | undefined;
  /** A second connection to its host when one is free (a one-shot run: ahead.ts). */
  spare: Spare | undefined;
  /** Its pages sent ahead of their turn on that connection, once its family is known. */
  ahead: Ahead | undefined;
  readonly clock: Clock;
  /** Why it was cut short (its deadline, a signal), once it was. */
  private reason: FetchError | undefined;
  // Made when first needed: a device that never gets a connection (10,000 at one address) needs neither.
  private controller: AbortController | undefined;
  private pacer: Pace | undefined;

  constructor(
    readonly device: DeviceConfig,
    readonly config: Config,
    readonly state: DeviceState,
    readonly options: CollectOptions,
    /** On the clock: when a logout (after the pages, or after the deadline) must be over, so that the run ends on time. */
    readonly logoutBy = Infinity,
  ) {
    this.current = device.url;
    this.clock = options.clock ?? SYSTEM_CLOCK;
  }

  /** Aborts what is in flight when the device is cut short; its reason says why. */
  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.reason !== undefined) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  /** Whether its deadline has passed or a signal stopped it. */
  get cut(): boolean {
    return this.reason !== undefined;
  }

  /** Paces reading this device's pages: other devices run meanwhile, and reading stops at this one's time limit. */
  get pace(): Pace {
    if (this.pacer === undefined) {
      const signal = this.signal;
      this.pacer = paceFor(signal, () => (signal.reason instanceof Error ? signal.reason.message : 'the program is stopping'), undefined, this.clock.now);
    }
    return this.pacer;
  }

  /** The device's deadline has passed (`limit` says which): what is in flight stops, and says so. */
  abort(limit: TimeLimit): void {
    this.cutShort(limit);
  }

  /** The program is stopping (a signal): what is in flight stops. */
  stop(): void {
    if (this.done) return;
    this.stopped = true;
    this.cutShort(new FetchError('the program is stopping', undefined, true));
  }

  private cutShort(reason: FetchError): void {
    if (this.done || this.reason !== undefined) return;
    this.reason = reason;
    this.controller?.abort(reason);
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.();
  }

  /** Fetches a page of the device; a failure that ends the whole device names it. */
  fetch(path: string, extra: { form?: URLSearchParams; cookie?: string } = {}): Promise<FetchedPage> {
    this.current = pageUrl(this.device.url, path);
    return this.request(this.current, extra);
  }

  /** Fetches `url` without making it the page in flight: a page sent ahead of its turn (ahead.ts). */
  request(url: URL, extra: { form?: URLSearchParams; cookie?: string } = {}): Promise<FetchedPage> {
    // A long-lived process keeps connections open between gathers.
    if (this.options.keepSessions === true) this.state.agents ??= {};
    return (this.options.fetcher ?? fetchPage)(url, {
      signal: this.signal,
      insecure: this.device.insecure,
      now: this.clock.now,
      ...(this.state.agents ? { agents: this.state.agents } : {}),
      ...extra,
    });
  }

  fail(path: string, message: string, area?: Area): void {
    const url = pageUrl(this.device.url, path).href;
    this.failures.push(area === undefined ? { url, message } : { url, message, area });
  }

  /** A fetch error's message, with what the status means on this family. */
  explain(err: FetchError): string {
    return (err.status !== undefined ? this.family?.statusHints?.[err.status] : undefined) ?? err.message;
  }
}
