/**
 * One device's gather in progress: its config, its memory between gathers,
 * its time limit, the pages read so far and what failed. The collector's
 * parts (run.ts, session.ts and index.ts in this folder) share it.
 */
import type { Config, DeviceConfig } from '../config.js';
import type { Area, Family, PageSpec, PageText } from '../devices/index.js';
import { paceFor } from '../html.js';
import { FetchError, fetchPage, type Agents, type FetchOptions, type FetchedPage } from '../http.js';
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
  /** Wall clock in ms, for the login back-off. */
  readonly now?: () => number;
  /** Aborts the whole gather (execd on SIGTERM). */
  readonly signal?: AbortSignal;
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
  private readonly controller = new AbortController();

  constructor(
    readonly device: DeviceConfig,
    readonly config: Config,
    readonly state: DeviceState,
    readonly options: CollectOptions,
  ) {
    this.current = device.url;
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Paces reading this device's pages: other devices run meanwhile, and reading stops at this one's time limit. */
  readonly pace = paceFor(this.controller.signal, () => {
    const reason: unknown = this.controller.signal.reason;
    return reason instanceof Error ? reason.message : 'the program is stopping';
  });

  abort(why = `no complete answer within ${this.device.timeoutMs} ms (the device's timeout)`): void {
    this.controller.abort(new FetchError(why, undefined, true));
  }

  async fetch(path: string, extra: { form?: URLSearchParams; cookie?: string } = {}): Promise<FetchedPage> {
    this.current = pageUrl(this.device.url, path);
    // A long-lived process keeps connections open between gathers.
    if (this.options.keepSessions === true) this.state.agents ??= {};
    return (this.options.fetcher ?? fetchPage)(this.current, {
      signal: this.signal,
      insecure: this.device.insecure,
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
