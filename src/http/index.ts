/**
 * The only network code: one GET with a caller-owned deadline, a size cap,
 * same-host redirects and an explicit TLS choice.
 */
import type { ClientRequest, IncomingMessage, RequestOptions } from 'node:http';
import { nowNs } from '../clock.js';
import { decodeBody } from './charset.js';
import { describe, FetchError, humanBytes, lookupStopped, reasonText, statusText } from './errors.js';
import { RequestLookup, type LookupStage } from './lookup.js';

export { decodeBody } from './charset.js';
export { FetchError, TimeLimit } from './errors.js';

/** Default response size cap. Real status pages are 10 to 80 KB. */
export const DEFAULT_MAX_BYTES = 4 * 1024 * 1024;
const MAX_REDIRECTS = 3;
/**
 * Most pieces a body may arrive in. Each piece costs a callback and a buffer
 * whatever its size: a 4 MiB page sent as 1-byte chunks took 8.8 s and
 * 1.7 GB. Real pages arrive in a few dozen pieces (one per TCP read).
 */
const MAX_PIECES = 16_384;

/** A page as fetched: decoded text plus the timings DESIGN.md asks for. */
export interface FetchedPage {
  /** The URL that finally answered (after redirects). */
  readonly url: string;
  readonly body: string;
  /** Whole request, first byte sent to last byte read, in ms (all redirects included). */
  readonly totalMs: number;
  /** Time to the first response headers, in ms. */
  readonly ttfbMs: number;
  /** `name=value` of every cookie the device set, redirects included. */
  readonly cookies: readonly string[];
  /** When the last byte arrived, ns since the epoch: the metrics' timestamp in execd. */
  readonly receivedNs: bigint;
}

/** What the device's pages are fetched with. */
export interface FetchOptions {
  /** Aborted when the device's time limit runs out; its reason is the message reported. */
  readonly signal: AbortSignal;
  readonly maxBytes?: number;
  /** Accept any TLS certificate (a gateway's self-signed one). */
  readonly insecure?: boolean;
  readonly userAgent?: string;
  /** POSTs this form (application/x-www-form-urlencoded) instead of a GET. */
  readonly form?: URLSearchParams;
  /** `Cookie` header to send, e.g. a gateway session. */
  readonly cookie?: string;
  /**
   * Keep-alive agents to reuse connections between gathers (execd), one per
   * protocol; without them every request opens and closes its own connection.
   */
  readonly agents?: Agents;
  /** The monotonic clock (ms) the request's times are measured on: the collector's clock, performance.now() when absent. */
  readonly now?: () => number;
}

/** Connection pools of one device: at most one open connection each. */
export interface Agents {
  http?: import('node:http').Agent;
  https?: import('node:https').Agent;
}

interface RawResponse {
  readonly res: IncomingMessage;
  readonly ttfbMs: number;
}

// https is loaded only for devices that use it; each module once.
let httpModule: typeof import('node:http') | undefined;
let httpsModule: typeof import('node:https') | undefined;

/** The request of a fetch that is on the wire, for the abort listener to destroy, and the name it is looking up. */
interface InFlight extends LookupStage {
  req?: ClientRequest;
  /** The request's last error: the parser's reason when a body is cut (a broken chunk). */
  error?: unknown;
}

const ACCEPT = 'text/html,application/xhtml+xml,application/xml,text/xml,text/plain;q=0.9,*/*;q=0.5';

async function request(url: URL, options: FetchOptions, started: number, form: string | undefined, inFlight: InFlight): Promise<RawResponse> {
  const mod = url.protocol === 'https:' ? (httpsModule ??= await import('node:https')) : (httpModule ??= await import('node:http'));
  const keepAlive = options.agents !== undefined;
  // Name, value, name, value: Node validates these once and writes them as
  // they are, where an object costs a setHeader() each and Node adds the Host.
  const headers = ['host', url.host, 'user-agent', options.userAgent ?? 'telegraf-homenet', 'accept', ACCEPT, 'accept-encoding', 'identity', 'connection', keepAlive ? 'keep-alive' : 'close'];
  if (options.cookie !== undefined) headers.push('cookie', options.cookie);
  if (form !== undefined) headers.push('content-type', 'application/x-www-form-urlencoded', 'content-length', String(Buffer.byteLength(form)));
  // As Node's own conversion of a URL would have it (a redirect's Location may carry a user and password).
  if (url.username !== '' || url.password !== '') {
    let auth: string;
    try {
      auth = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
    } catch {
      // Neither is repeated: a password has no place in a log.
      throw new FetchError(`the address of ${url.host}${url.pathname} has a user name or password with a broken %-escape; not requested`);
    }
    headers.push('authorization', `Basic ${Buffer.from(auth).toString('base64')}`);
  }
  // The parts of the URL Node needs, not the URL itself: Node would convert it
  // into a fresh object of a dozen fields and copy these options over it.
  // An IPv6 address without its brackets.
  const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const reqOptions: RequestOptions & { rejectUnauthorized?: boolean } = {
    protocol: url.protocol,
    hostname,
    port: url.port,
    path: url.pathname + url.search,
    method: form === undefined ? 'GET' : 'POST',
    agent: false,
    headers,
  };
  if (url.protocol === 'https:') reqOptions.rejectUnauthorized = options.insecure !== true;
  // A name is looked up under the deadline (lookup.ts); an address needs no lookup.
  if (!hostname.includes(':') && !/^[\d.]+$/.test(hostname)) reqOptions.lookup = new RequestLookup(options.signal, inFlight).lookup;
  if (keepAlive) {
    const pools = options.agents;
    if (url.protocol === 'https:') {
      pools.https ??= new (mod as typeof import('node:https')).Agent({ keepAlive: true, maxSockets: 1, rejectUnauthorized: options.insecure !== true });
      reqOptions.agent = pools.https;
    } else {
      pools.http ??= new mod.Agent({ keepAlive: true, maxSockets: 1 });
      reqOptions.agent = pools.http;
    }
  }
  return new Promise<RawResponse>((resolve, reject) => {
    const sent = new Sent(options.signal, form, started, options.now ?? (() => performance.now()), inFlight, resolve, reject);
    let req: ClientRequest;
    try {
      req = mod.request(reqOptions, sent.answered.bind(sent));
      inFlight.req = req;
    } catch (err) {
      reject(describe(err, options.signal));
      return;
    }
    req.on('error', sent.failed.bind(sent));
    req.end(form);
  });
}

/**
 * A request on the wire. Its listeners are methods, bound per request, not
 * closures made per request: V8 keeps a function's optimised code only while
 * a closure of it lives (see TreeBuilder in html/index.ts).
 */
class Sent {
  constructor(
    private readonly signal: AbortSignal,
    private readonly form: string | undefined,
    private readonly started: number,
    private readonly now: () => number,
    private readonly inFlight: InFlight,
    private readonly resolve: (raw: RawResponse) => void,
    private readonly reject: (err: Error) => void,
  ) {}

  answered(res: IncomingMessage): void {
    this.resolve({ res, ttfbMs: this.now() - this.started });
  }

  failed(err: Error): void {
    this.inFlight.error = err;
    // A kept connection the device closed just as this request went out
    // (its idle timer): the request never reached it. Node's advice for
    // that case is to send it again on a new connection.
    const code = (err as { code?: unknown }).code;
    const stale = this.inFlight.req?.reusedSocket === true && this.form === undefined && !this.signal.aborted && (code === 'ECONNRESET' || code === 'EPIPE');
    this.reject(stale ? new StaleConnection() : describe(err, this.signal));
  }
}

/** A kept connection that turned out closed before the request reached the device: worth one retry. */
class StaleConnection extends Error {}

/** {@link request}, once more on a new connection when a kept one turned out closed. */
async function requestRetryingStale(url: URL, options: FetchOptions, started: number, form: string | undefined, inFlight: InFlight): Promise<RawResponse> {
  try {
    return await request(url, options, started, form, inFlight);
  } catch (err) {
    if (!(err instanceof StaleConnection)) throw err;
    return request(url, options, started, form, inFlight);
  }
}

/** `name=value` of each Set-Cookie header, attributes dropped. */
function cookiesOf(res: IncomingMessage): string[] {
  return (res.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]?.trim() ?? '').filter((c) => c.includes('='));
}

/**
 * The body, at most `maxBytes`. Read in flowing mode ('data' events): an async
 * iterator pauses and resumes the socket around every chunk, which costs
 * system calls on each of the dozen pages of every gather.
 */
function readCapped(res: IncomingMessage, maxBytes: number, signal: AbortSignal, inFlight: InFlight): Promise<Buffer> {
  const declared = Number(res.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    res.destroy();
    return Promise.reject(new FetchError(`response is ${humanBytes(declared)}, over the ${humanBytes(maxBytes)} limit`));
  }
  return new Promise<Buffer>((resolve, reject) => {
    const reader = new BodyReader(res, maxBytes, signal, inFlight, resolve, reject);
    const ended = reader.ended.bind(reader);
    res.on('data', reader.data.bind(reader));
    res.on('end', ended);
    res.on('close', ended);
    res.on('error', reader.failed.bind(reader));
  });
}

/** {@link readCapped}'s listeners: methods bound per body, as in {@link Sent}. */
class BodyReader {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private settled = false;

  constructor(
    private readonly res: IncomingMessage,
    private readonly maxBytes: number,
    private readonly signal: AbortSignal,
    private readonly inFlight: InFlight,
    private readonly resolve: (body: Buffer) => void,
    private readonly reject: (err: FetchError) => void,
  ) {}

  data(buf: Buffer): void {
    if (this.settled) return;
    this.size += buf.length;
    if (this.size > this.maxBytes) {
      this.fail(new FetchError(`response is over the ${humanBytes(this.maxBytes)} limit`));
      this.res.destroy();
      return;
    }
    if (this.chunks.length >= MAX_PIECES) {
      this.fail(new FetchError(`response came in over ${MAX_PIECES} pieces (a device sending its page a few bytes at a time)`));
      this.res.destroy();
      return;
    }
    this.chunks.push(buf);
  }

  // A body cut short by the device ends the stream without an error on some
  // Node versions; `complete` says whether every promised byte arrived.
  ended(): void {
    if (this.settled) return;
    if (!this.res.complete) {
      this.fail(
        this.signal.aborted ? new FetchError(reasonText(this.signal), undefined, true) : new FetchError(`connection closed before the page was complete (${this.size} bytes read)`, undefined, true),
      );
      return;
    }
    this.settled = true;
    const chunks = this.chunks;
    this.resolve(chunks.length === 1 && chunks[0] ? chunks[0] : Buffer.concat(chunks, this.size));
  }

  failed(err: Error): void {
    const signal = this.signal;
    // The HTTP parser's own reason (a broken chunk) reaches the request, not the response.
    const parserCode = (this.inFlight.error as { code?: unknown } | undefined)?.code;
    if (!signal.aborted && typeof parserCode === 'string' && parserCode.startsWith('HPE_')) {
      this.fail(describe(this.inFlight.error, signal));
      return;
    }
    // After the headers, a reset is a page cut short, not a device that refused us.
    const code = (err as { code?: unknown }).code;
    if (!signal.aborted && (code === 'ECONNRESET' || err.message === 'aborted')) {
      this.fail(new FetchError(`connection closed before the page was complete (${this.size} bytes read)`, undefined, true));
      return;
    }
    this.fail(describe(err, signal));
  }

  private fail(err: FetchError): void {
    if (this.settled) return;
    this.settled = true;
    this.reject(err);
  }
}

/**
 * GETs `url` and returns the decoded page. Fails with a {@link FetchError} on
 * any status but 200, on redirects to another scheme, host or port, on a body over the size cap
 * and when `options.signal` aborts (the device's time limit).
 */
export async function fetchPage(url: URL, options: FetchOptions): Promise<FetchedPage> {
  // One abort listener per fetch, not Node's per-request signal handling
  // (which hangs a set of stream listeners on every request).
  const inFlight: InFlight = {};
  const onAbort = (): void => {
    // A deadline that passed while the name was being looked up is said as such (a DNS server that is down).
    inFlight.req?.destroy(inFlight.resolving === undefined ? new Error('aborted') : lookupStopped(inFlight.resolving, options.signal));
  };
  options.signal.addEventListener('abort', onAbort, { once: true });
  try {
    return await fetchHops(url, options, inFlight);
  } finally {
    options.signal.removeEventListener('abort', onAbort);
  }
}

async function fetchHops(url: URL, options: FetchOptions, inFlight: InFlight): Promise<FetchedPage> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const now = options.now ?? (() => performance.now());
  const started = now();
  let current = url;
  // A redirect after a POST is followed with a GET, as browsers do.
  let form = options.form?.toString();
  const cookies: string[] = [];
  for (let hop = 0; ; hop++) {
    if (options.signal.aborted) throw new FetchError(reasonText(options.signal), undefined, true);
    const { res, ttfbMs } = await requestRetryingStale(current, options, started, form, inFlight);
    cookies.push(...cookiesOf(res));
    const status = res.statusCode ?? 0;
    if (status >= 300 && status < 400 && res.headers.location !== undefined) {
      res.destroy();
      let next: URL;
      try {
        next = new URL(res.headers.location, current);
      } catch {
        throw new FetchError(`redirected to an address that is not a URL (${JSON.stringify(res.headers.location.slice(0, 100))}); not followed`, status);
      }
      // Same scheme, host and port only: https that sends us to http, or to
      // another port, is another server as far as a cookie or a page goes.
      if (next.hostname !== url.hostname || (next.protocol !== 'http:' && next.protocol !== 'https:')) {
        throw new FetchError(`redirected to another host (${next.protocol}//${next.host}); not followed`, status);
      }
      if (next.origin !== url.origin) {
        throw new FetchError(`redirected to ${next.origin}, another scheme or port than ${url.origin}; not followed`, status);
      }
      if (hop >= MAX_REDIRECTS) throw new FetchError(`more than ${MAX_REDIRECTS} redirects`, status);
      current = next;
      form = undefined;
      continue;
    }
    if (status !== 200) {
      res.destroy();
      throw new FetchError(statusText(status, res.statusMessage), status);
    }
    // We ask for identity; a compressed body read as a page only gives "no table" errors.
    const encoding = (res.headers['content-encoding'] ?? '').trim().toLowerCase();
    if (encoding !== '' && encoding !== 'identity') {
      res.destroy();
      throw new FetchError(`the answer is compressed (Content-Encoding: ${encoding.slice(0, 40)}) though none was asked for`, status);
    }
    const body = await readCapped(res, maxBytes, options.signal, inFlight);
    return {
      url: current.href,
      body: decodeBody(body, res.headers['content-type']),
      totalMs: now() - started,
      ttfbMs,
      cookies,
      receivedNs: nowNs(),
    };
  }
}
