/**
 * One gather: every device concurrently, each under its own time limit, each
 * failure turned into a log line and a `homenet_scrape` metric instead of a
 * crash, so one dead device never costs the others' data. Within a device,
 * pages are fetched one at a time (gateways have tiny session pools) and a
 * page that fails costs only the areas it feeds.
 */
import type { Config, DeviceConfig } from './config.js';
import {
  defaultAreas,
  DEVICE_KINDS,
  extractPage,
  type Area,
  type Family,
  type PageSpec,
  type PageText,
} from './devices/index.js';
import { nowNs } from './clock.js';
import { paceFor } from './html.js';
import { FetchError, fetchPage, type Agents, type FetchOptions, type FetchedPage } from './http.js';
import { bool, int, str, type FieldValue, type Metric } from './lineprotocol.js';
import { logLine, type Level } from './log.js';

/** Measurement of the per-device scrape status. */
export const SCRAPE_MEASUREMENT = 'homenet_scrape';
/** Longest `error` field written; causes are one sentence, pages can be long. */
const MAX_ERROR_CHARS = 300;
/** After "all web server sessions are in use", no login for this long. */
export const LOGIN_BACKOFF_MS = 5 * 60_000;

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

/** Result of one gather. */
export interface Gathered {
  readonly metrics: Metric[];
  /** One `E! ` line per failure and one `W! ` line per value left out, for stderr. */
  readonly log: string[];
}

/** Resolves a page path (with query) under the device's base URL, keeping any path prefix. */
export function pageUrl(base: URL, path: string): URL {
  const prefix = base.pathname.replace(/\/+$/, '');
  return new URL(prefix + path, base.origin);
}

/** Text fit for a log line and a string field: one line, bounded. */
function oneLine(s: string, max = MAX_ERROR_CHARS): string {
  // eslint-disable-next-line no-control-regex -- removing control characters on purpose
  const flat = s.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** A failure with where it happened; `area` is absent when the whole device failed. */
interface Failure {
  readonly url: string;
  readonly message: string;
  readonly area?: Area;
}

/** Everything one device gather needs, and what it has found so far. */
class DeviceGather {
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

/**
 * Finds the device's family: the first whose first page answers and is that
 * page. Returns the family and that page, already fetched.
 */
async function detectFamily(g: DeviceGather, families: readonly Family[]): Promise<{ family: Family; first: FetchedPage } | undefined> {
  // The family found before is asked first; if its page is gone (another
  // model at the same address), the others are tried.
  const known = g.state.family;
  const candidates = known ? [known, ...families.filter((f) => f !== known)] : families;
  const tried: string[] = [];
  for (const family of candidates) {
    const spec = family.pages[0];
    if (!spec) continue;
    try {
      const page = await g.fetch(spec.path);
      if (spec.recognize(page.body)) return { family, first: page };
      tried.push(`${spec.path} is not a ${family.description} page`);
    } catch (err) {
      // Only "no such page" means "try the next family"; a dead device is dead.
      if (!(err instanceof FetchError) || err.status !== 404 || candidates.length === 1) throw err;
      tried.push(`${spec.path}: HTTP 404`);
    }
  }
  const first = candidates[0]?.pages[0]?.path ?? '/';
  g.fail(first, candidates.length === 1 ? tried.join('; ') : `not a supported gateway (${tried.join('; ')})`);
  return undefined;
}

/** Logs in and returns the session cookie, or records why not. */
async function login(g: DeviceGather, family: Family, spec: PageSpec, now: number): Promise<string | undefined> {
  const flow = family.login;
  const code = g.device.accessCode;
  if (!flow) return undefined;
  if (code === undefined) {
    g.fail(spec.path, 'needs the access code: set access_code_file or access_code_env for this device', 'nat');
    return undefined;
  }
  if ((g.state.loginBackoffUntil ?? 0) > now) {
    g.fail(spec.path, 'the gateway said all its web sessions are in use; not logging in again before the back-off ends', 'nat');
    return undefined;
  }
  const loginPage = await g.fetch(flow.loginPath);
  const exhausted = (body: string): boolean => {
    if (!flow.sessionsExhausted(body)) return false;
    g.state.loginBackoffUntil = now + LOGIN_BACKOFF_MS;
    g.fail(flow.loginPath, `the gateway says all web server sessions are in use; no login for ${LOGIN_BACKOFF_MS / 60_000} minutes`, 'nat');
    return true;
  };
  if (exhausted(loginPage.body)) return undefined;
  const nonce = flow.nonce(loginPage.body);
  if (nonce === undefined) {
    g.fail(flow.loginPath, 'the login page has no nonce', 'nat');
    return undefined;
  }
  const { createHash } = await import('node:crypto');
  const md5 = (text: string): string => createHash('md5').update(text).digest('hex');
  const answer = await g.fetch(flow.loginPath, { form: flow.form(code, nonce, md5), cookie: loginPage.cookies.join('; ') });
  if (exhausted(answer.body)) return undefined;
  const cookies = [...loginPage.cookies, ...answer.cookies];
  if (flow.isLoginPage(answer.body) || cookies.length === 0) {
    g.fail(flow.loginPath, 'login refused: check the access code', 'nat');
    return undefined;
  }
  // Later cookies of the same name win.
  const jar = new Map(cookies.map((c) => [c.slice(0, c.indexOf('=')), c]));
  return [...jar.values()].join('; ');
}

/** Fetches a page behind the login, logging in (again) when the session is missing or expired. */
async function fetchWithLogin(g: DeviceGather, family: Family, spec: PageSpec, now: number): Promise<FetchedPage | undefined> {
  const flow = family.login;
  if (!flow) return g.fetch(spec.path);
  if (g.state.session !== undefined) {
    const page = await g.fetch(spec.path, { cookie: g.state.session });
    if (!flow.isLoginPage(page.body)) return page;
    delete g.state.session;
  }
  const session = await login(g, family, spec, now);
  if (session === undefined) return undefined;
  g.state.session = session;
  const page = await g.fetch(spec.path, { cookie: session });
  if (flow.isLoginPage(page.body)) {
    delete g.state.session;
    g.fail(spec.path, 'still the login page after logging in', 'nat');
    return undefined;
  }
  return page;
}

/**
 * How long a logout may take. It runs when the gather is over, often because
 * the device's deadline has passed (a NAT page that hung): it gets a time of
 * its own then, or the session stays open on a gateway that allows about
 * four. A gateway answers a logout in well under 100 ms.
 */
export const LOGOUT_TIMEOUT_MS = 400;

async function logout(g: DeviceGather, family: Family, timeoutMs = LOGOUT_TIMEOUT_MS): Promise<void> {
  const session = g.state.session;
  if (!family.login || session === undefined) return;
  delete g.state.session;
  try {
    // Not through g.fetch: that one stops with the device's deadline, and a
    // failure is reported for the page that failed, not for the logout.
    await (g.options.fetcher ?? fetchPage)(pageUrl(g.device.url, family.login.logoutPath), {
      signal: AbortSignal.timeout(timeoutMs),
      insecure: g.device.insecure,
      ...(g.state.agents ? { agents: g.state.agents } : {}),
      cookie: session,
    });
  } catch {
    // Best effort: the session expires on its own.
  }
}

/** A page of this gather, fetched once (after logging in, for pages behind the login). */
async function getPage(g: DeviceGather, family: Family, spec: PageSpec, now: number): Promise<PageText | undefined> {
  const cached = g.pages.get(spec);
  if (cached) return cached;
  const page = spec.login === true ? await fetchWithLogin(g, family, spec, now) : await g.fetch(spec.path);
  if (page) g.pages.set(spec, page);
  return page;
}

/** How long a device's name for itself is used before it is asked again: a renamed room shows within this. */
export const IDENTITY_REFRESH_MS = 10 * 60_000;

/**
 * The host tag the device gives itself, from its identity pages in order
 * (a Sonos zone name, else room name and serial), asked again every
 * {@link IDENTITY_REFRESH_MS}. A device that answers none of them is down:
 * that error ends the gather (and its lines keep the name it had).
 */
async function identify(g: DeviceGather, family: Family, now: number): Promise<string | undefined> {
  const { identity, identifiedAt } = g.state;
  if (identity !== undefined && identifiedAt !== undefined && now >= identifiedAt && now - identifiedAt < IDENTITY_REFRESH_MS) return identity;
  let firstError: { err: FetchError; url: URL } | undefined;
  for (const spec of family.pages.filter((p) => p.identify !== undefined)) {
    try {
      const page = await getPage(g, family, spec, now);
      const id = page && (await spec.identify?.(page, g.pace));
      if (id) {
        g.state.identity = id.host;
        g.state.identifiedAt = now;
        return id.host;
      }
    } catch (err) {
      if (!(err instanceof FetchError) || g.signal.aborted || err.unreachable) throw err;
      firstError ??= { err, url: g.current };
    }
  }
  if (firstError) {
    g.current = firstError.url;
    throw firstError.err.status === 404 ? notThisKind(g, firstError.err) : firstError.err;
  }
  return undefined;
}

/**
 * The device's first page is not there: another kind of device answers at
 * this address. One line saying so, with what to check, instead of one
 * 404 per page.
 */
function notThisKind(g: DeviceGather, err: FetchError): FetchError {
  const kind = DEVICE_KINDS.get(g.device.type);
  const hint = kind ? `: nothing here answers as a type = ${kind.type} device; ${kind.notFoundHint}` : '';
  return new FetchError(`${err.message}${hint}`, err.status, true);
}

async function gatherPages(g: DeviceGather): Promise<string | undefined> {
  const kind = DEVICE_KINDS.get(g.device.type);
  if (!kind) throw new Error(`no device kind ${g.device.type}`);
  const [only] = kind.families;
  let family: Family;
  if (kind.families.length === 1 && only) {
    family = only;
  } else {
    const detected = await detectFamily(g, kind.families);
    if (!detected) return undefined;
    family = detected.family;
    const first = family.pages[0];
    if (first) g.pages.set(first, detected.first);
  }
  g.family = family;
  g.state.family = family;
  const areas = g.device.areas ?? defaultAreas(family);
  const ctx = g.device.interfaces ? { measurement: g.config.measurement, interfaces: g.device.interfaces } : { measurement: g.config.measurement };
  const now = (g.options.now ?? Date.now)();
  const remembering = g.options.keepSessions === true || g.options.remember === true;
  try {
    const host = g.device.hostExplicit ? undefined : await identify(g, family, now);
    for (const spec of family.pages) {
      const wanted = spec.extracts.filter((e) => areas.has(e.area));
      if (wanted.length === 0) continue;
      // Repeated only when the device answered another page in this gather: a
      // description alone must not vouch for a device nobody asked.
      const described = remembering ? g.state.described?.get(spec) : undefined;
      // A repeat is due no later than one refresh from now, whatever the clock did since.
      if (described && described.until > now && described.until - now <= (spec.describesMs ?? 0) && g.pages.size > 0) {
        const time = nowNs();
        g.metrics.push(...described.metrics.map((m) => ({ ...m, time })));
        continue;
      }
      let page: PageText | undefined;
      try {
        page = await getPage(g, family, spec, now);
      } catch (err) {
        // A device that stopped answering fails as a whole, once.
        if (!(err instanceof FetchError) || err.unreachable || g.signal.aborted) throw err;
        // A page this model does not have is no error.
        if (spec.optional === true && err.status === 404) continue;
        // Not even the first page it needs: the wrong type for what answers at this address.
        if (err.status === 404 && g.pages.size === 0) throw notThisKind(g, err);
        for (const area of new Set(wanted.map((e) => e.area))) g.fail(spec.path, g.explain(err), area);
        continue;
      }
      if (page === undefined) continue;
      const { metrics, failures, omitted } = await extractPage(spec, page, ctx, areas, g.pace);
      // Stamped when the page arrived (execd keeps the stamp; collect drops it).
      const time = page.receivedNs;
      g.metrics.push(...(time === undefined ? metrics : metrics.map((m) => ({ ...m, time }))));
      for (const f of failures) g.fail(spec.path, f.message, f.area);
      for (const o of omitted) g.omitted.push({ url: pageUrl(g.device.url, spec.path).href, message: o.message, area: o.area });
      // A description that read cleanly is repeated, not fetched, until it is due again.
      if (spec.describesMs !== undefined && remembering) {
        if (failures.length === 0) (g.state.described ??= new Map()).set(spec, { metrics, until: now + spec.describesMs });
        else g.state.described?.delete(spec);
      }
    }
    return host;
  } finally {
    if (g.options.keepSessions !== true) await logout(g, family);
  }
}

/** Devices gathered at once on one host:port, so a gateway's few sessions are not flooded. */
export const PER_HOST_LIMIT = 2;

/** Counting semaphores by key. */
class Slots {
  private readonly busy = new Map<string, number>();
  private readonly waiting = new Map<string, (() => void)[]>();

  constructor(private readonly limit: number) {}

  /** Resolves true with a slot, or false if `signal` aborts first (no slot is then held). */
  acquire(key: string, signal: AbortSignal): Promise<boolean> {
    const n = this.busy.get(key) ?? 0;
    if (n < this.limit) {
      this.busy.set(key, n + 1);
      return Promise.resolve(true);
    }
    return new Promise<boolean>((resolve) => {
      const queue = this.waiting.get(key) ?? [];
      this.waiting.set(key, queue);
      const granted = (): void => {
        signal.removeEventListener('abort', aborted);
        resolve(true);
      };
      const aborted = (): void => {
        queue.splice(queue.indexOf(granted), 1);
        resolve(false);
      };
      queue.push(granted);
      signal.addEventListener('abort', aborted, { once: true });
    });
  }

  /** Hands the slot to the next waiter, or frees it. */
  release(key: string): void {
    const next = this.waiting.get(key)?.shift();
    if (next) next();
    else this.busy.set(key, (this.busy.get(key) ?? 1) - 1);
  }
}

async function gatherDevice(
  device: DeviceConfig,
  config: Config,
  state: DeviceState,
  options: CollectOptions,
  deadline: number,
  slots: Slots,
): Promise<Gathered> {
  const g = new DeviceGather(device, config, state, options);
  // One deadline for the whole gather, counted from its start: time spent
  // waiting for a slot on a busy host comes out of the device's own limit.
  const timer = setTimeout(() => {
    g.abort();
  }, Math.max(0, deadline - performance.now()));
  const stop = (): void => {
    g.abort('the program is stopping');
  };
  options.signal?.addEventListener('abort', stop, { once: true });
  const slot = device.url.host;
  let identity: string | undefined;
  const started = performance.now();
  try {
    if (!(await slots.acquire(slot, g.signal))) {
      // Never asked: the time went to other devices at the same address.
      throw new FetchError(`no request sent: other devices at ${slot} held its ${PER_HOST_LIMIT} connections until the deadline (${device.timeoutMs} ms)`);
    }
    identity = await gatherPages(g).finally(() => {
      slots.release(slot);
    });
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
    options.signal?.removeEventListener('abort', stop);
  }
  const baseTags: Record<string, string> = { ...config.tags, host: identity ?? g.state.identity ?? device.host };
  const metrics = g.metrics.map((m) => ({ ...m, tags: { ...baseTags, ...m.tags } }));
  const fields: Record<string, FieldValue> = {
    success: bool(g.failures.length === 0),
    duration_ms: int(Math.round(performance.now() - started)),
    values_omitted: int(g.omitted.length),
  };
  if (g.failures.length > 0) {
    fields['error'] = str(oneLine(g.failures.map((f) => (f.area ? `${f.area}: ${f.message}` : f.message)).join('; ')));
  }
  metrics.push({ name: SCRAPE_MEASUREMENT, tags: { ...baseTags, type: device.type }, fields, time: nowNs() });
  const line = (level: Level, f: Failure): string => logLine(level, `[${device.name}] ${device.type} ${f.url}: ${f.area ? `${f.area}: ` : ''}${oneLine(f.message, 1000)}`);
  const log = [...g.failures.map((f) => line('E', f)), ...g.omitted.map((f) => line('W', f))];
  return { metrics, log };
}

/**
 * Gathers every configured device concurrently. Never rejects because of a
 * device: failures come back as log lines and `success=false` metrics.
 */
export async function collect(config: Config, options: CollectOptions = {}): Promise<Gathered> {
  const states = options.states ?? new Map<string, DeviceState>();
  const start = performance.now();
  const slots = new Slots(PER_HOST_LIMIT);
  const results = await Promise.all(
    config.devices.map((d) => {
      let state = states.get(d.name);
      if (!state) {
        state = {};
        states.set(d.name, state);
      }
      return gatherDevice(d, config, state, options, start + d.timeoutMs, slots);
    }),
  );
  return {
    metrics: results.flatMap((r) => r.metrics),
    log: results.flatMap((r) => r.log),
  };
}

/**
 * Logs out of every gateway session kept open between gathers (execd on
 * exit), so the gateway's few web sessions are free again. Best effort,
 * within `timeoutMs`.
 */
export async function closeSessions(config: Config, states: ReadonlyMap<string, DeviceState>, timeoutMs = 1000): Promise<void> {
  try {
    await logoutAll(config, states, timeoutMs);
  } finally {
    for (const state of states.values()) {
      state.agents?.http?.destroy();
      state.agents?.https?.destroy();
      delete state.agents;
    }
  }
}

async function logoutAll(config: Config, states: ReadonlyMap<string, DeviceState>, timeoutMs: number): Promise<void> {
  await Promise.all(
    config.devices.map(async (device) => {
      const state = states.get(device.name);
      const family = state?.family;
      if (!state || !family?.login || state.session === undefined) return;
      await logout(new DeviceGather(device, config, state, {}), family, timeoutMs);
    }),
  );
}
