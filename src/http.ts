/**
 * The only network code: one GET with a caller-owned deadline, a size cap,
 * same-host redirects and an explicit TLS choice. HTTP/1.1 straight on
 * node:net and node:tls, the response read by http-response.ts: node:http's
 * client machinery (agents, streams, header objects) cost about three times
 * the CPU of the requests themselves (1.9 against 0.6 ms for the seven
 * requests of an execd gather, measured on kept connections).
 */
import type { Socket } from 'node:net';
import { TextDecoder } from 'node:util';
import { nowNs } from './clock.js';
import { HttpParseError, ResponseReader, type ResponseHead } from './http-response.js';

/** Default response size cap. Real status pages are 10 to 80 KB. */
export const DEFAULT_MAX_BYTES = 4 * 1024 * 1024;
const MAX_REDIRECTS = 3;

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
   * Connections to reuse between gathers (execd); without a pool every
   * request opens and closes its own connection.
   */
  readonly connections?: ConnectionPool;
}

/** A fetch that failed; `message` is fit for a log line and names no secret. */
export class FetchError extends Error {
  override name = 'FetchError';
  constructor(
    message: string,
    /** HTTP status when the device answered with something other than 200. */
    readonly status?: number,
    /** The device could not be reached or stopped answering: its other pages will fail too. */
    readonly unreachable = false,
  ) {
    super(message);
  }
}

const SOCKET_ERRORS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by the device',
  EPIPE: 'connection closed by the device',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed TLS certificate (set insecure = true for this device to accept it)',
  SELF_SIGNED_CERT_IN_CHAIN: 'self-signed TLS certificate (set insecure = true for this device to accept it)',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'unverifiable TLS certificate (set insecure = true for this device to accept it)',
  ERR_TLS_CERT_ALTNAME_INVALID: 'TLS certificate is for another host name (set insecure = true for this device to accept it)',
  CERT_HAS_EXPIRED: 'TLS certificate has expired (set insecure = true for this device to accept it)',
};

function describe(err: unknown, signal: AbortSignal): FetchError {
  if (err instanceof FetchError) return err;
  if (signal.aborted) return new FetchError(reasonText(signal), undefined, true);
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && code in SOCKET_ERRORS) return new FetchError(SOCKET_ERRORS[code] ?? code, undefined, true);
  const message = err instanceof Error ? err.message : String(err);
  return new FetchError(typeof code === 'string' ? `${message} (${code})` : message, undefined, true);
}

function reasonText(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason.message : 'request aborted';
}

/** The charset a page declares, in its Content-Type header or its first KiB. */
export function declaredCharset(contentType: string | undefined, head: Buffer): string {
  const fromHeader = /charset\s*=\s*"?([\w.:-]+)/i.exec(contentType ?? '');
  if (fromHeader?.[1]) return fromHeader[1].toLowerCase();
  const text = head.subarray(0, 1024).toString('latin1');
  const fromMarkup = /<\?xml[^>]*encoding\s*=\s*["']([\w.:-]+)|<meta[^>]*charset\s*=\s*["']?([\w.:-]+)/i.exec(text);
  return (fromMarkup?.[1] ?? fromMarkup?.[2] ?? 'utf-8').toLowerCase();
}

// WHATWG maps all of these labels to windows-1252. Node 20's TextDecoder
// decodes that as ISO-8859-1 (0x93 is a C1 control, not a quote), so it is
// done here: Latin-1 except for the 0x80-0x9F block below.
const CP1252_LABELS = new Set(['windows-1252', 'cp1252', 'x-cp1252', 'iso-8859-1', 'iso8859-1', 'latin1', 'l1', 'us-ascii', 'ascii']);
const CP1252_HIGH =
  '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f' +
  '\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';

function decodeCp1252(body: Buffer): string {
  const latin1 = body.toString('latin1');
  return /[\u0080-\u009f]/.test(latin1) ? latin1.replace(/[\u0080-\u009f]/g, (c) => CP1252_HIGH[c.charCodeAt(0) - 0x80] ?? c) : latin1;
}

/** Decodes a body by its declared charset; unknown charsets fall back to UTF-8. */
export function decodeBody(body: Buffer, contentType: string | undefined): string {
  const charset = declaredCharset(contentType, body);
  if (CP1252_LABELS.has(charset)) return decodeCp1252(body);
  return decoderFor(charset).decode(body);
}

// Decoders are stateless between whole-buffer decode() calls: one per charset.
const decoders = new Map<string, TextDecoder>();
function decoderFor(charset: string): TextDecoder {
  let decoder = decoders.get(charset);
  if (!decoder) {
    try {
      decoder = new TextDecoder(charset);
    } catch {
      decoder = decoderFor('utf-8');
    }
    decoders.set(charset, decoder);
  }
  return decoder;
}

/**
 * Connections kept open between gathers (execd): at most one idle connection
 * per origin. An idle connection holds no reference on the event loop, and
 * anything it hears while idle (the device closing it, stray bytes) ends it.
 */
export class ConnectionPool {
  readonly #idle = new Map<string, { socket: Socket; drop: () => void }>();

  /** An idle connection to `origin`, now the caller's; undefined when there is none. */
  take(origin: string): Socket | undefined {
    const entry = this.#idle.get(origin);
    if (!entry) return undefined;
    this.#idle.delete(origin);
    for (const event of IDLE_EVENTS) entry.socket.removeListener(event, entry.drop);
    if (entry.socket.destroyed || !entry.socket.writable) return undefined;
    entry.socket.ref();
    return entry.socket;
  }

  /** Keeps a connection that just finished an answer, for the next request to `origin`. */
  keep(origin: string, socket: Socket): void {
    this.#idle.get(origin)?.socket.destroy();
    const drop = (): void => {
      socket.destroy();
      if (this.#idle.get(origin)?.socket === socket) this.#idle.delete(origin);
    };
    for (const event of IDLE_EVENTS) socket.on(event, drop);
    socket.unref();
    this.#idle.set(origin, { socket, drop });
  }

  close(): void {
    for (const { socket } of this.#idle.values()) socket.destroy();
    this.#idle.clear();
  }
}
const IDLE_EVENTS = ['data', 'end', 'error', 'close'] as const;

// net and tls are loaded by the first request that needs them.
let netModule: typeof import('node:net') | undefined;
let tlsModule: typeof import('node:tls') | undefined;

async function open(url: URL, options: FetchOptions): Promise<Socket> {
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  netModule ??= await import('node:net');
  if (url.protocol === 'https:') {
    tlsModule ??= await import('node:tls');
    return tlsModule.connect({
      host,
      port: Number(url.port) || 443,
      // A name to ask for, never an address (RFC 6066); the certificate is checked against `host` either way.
      ...(netModule.isIP(host) === 0 ? { servername: host } : {}),
      rejectUnauthorized: options.insecure !== true,
    });
  }
  return netModule.connect({ host, port: Number(url.port) || 80, noDelay: true });
}

const ACCEPT = 'text/html,application/xhtml+xml,application/xml,text/xml,text/plain;q=0.9,*/*;q=0.5';
/** What Node's own client refuses in a header value: anything outside tab, printable ASCII and Latin-1. */
const BAD_HEADER_VALUE = /[^\t\x20-\x7e\x80-\xff]/;

function requestText(url: URL, options: FetchOptions, form: string | undefined, keepAlive: boolean): string {
  const fields: [string, string][] = [
    ['Host', url.host],
    ['User-Agent', options.userAgent ?? 'telegraf-homenet'],
    ['Accept', ACCEPT],
    ['Accept-Encoding', 'identity'],
    ['Connection', keepAlive ? 'keep-alive' : 'close'],
  ];
  if (options.cookie !== undefined) fields.push(['Cookie', options.cookie]);
  if (form !== undefined) fields.push(['Content-Type', 'application/x-www-form-urlencoded'], ['Content-Length', String(Buffer.byteLength(form))]);
  let text = `${form === undefined ? 'GET' : 'POST'} ${url.pathname}${url.search} HTTP/1.1\r\n`;
  for (const [name, value] of fields) {
    if (BAD_HEADER_VALUE.test(value)) throw new FetchError(`invalid character in the ${name} header`);
    text += `${name}: ${value}\r\n`;
  }
  return `${text}\r\n${form ?? ''}`;
}

interface Answer {
  readonly head: ResponseHead;
  /** Only for a 200: other answers are not read past their head. */
  readonly body?: Buffer;
  readonly ttfbMs: number;
}

/** The socket of a fetch that is on the wire, for the abort listener to destroy. */
interface InFlight {
  socket?: Socket;
}

/** A kept connection the device had closed before this request reached it: worth one retry on a new one. */
class StaleConnection extends Error {}

/** One request and its answer: on a kept connection when there is one, else a new one. */
async function exchange(url: URL, options: FetchOptions, started: number, form: string | undefined, inFlight: InFlight): Promise<Answer> {
  const pool = options.connections;
  const origin = `${url.protocol}//${url.host}${options.insecure === true ? ' insecure' : ''}`;
  const text = requestText(url, options, form, pool !== undefined);
  // A form is never sent on a kept connection: it could not be retried safely.
  const kept = form === undefined ? pool?.take(origin) : undefined;
  if (kept) {
    try {
      return await converse(kept, true, text, options, started, inFlight, origin);
    } catch (err) {
      if (!(err instanceof StaleConnection)) throw err;
    }
  }
  const socket = await open(url, options);
  if (options.signal.aborted) {
    socket.destroy();
    throw new FetchError(reasonText(options.signal), undefined, true);
  }
  return converse(socket, false, text, options, started, inFlight, origin);
}

function converse(socket: Socket, kept: boolean, text: string, options: FetchOptions, started: number, inFlight: InFlight, origin: string): Promise<Answer> {
  const { signal, connections: pool } = options;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  inFlight.socket = socket;
  return new Promise<Answer>((resolve, reject) => {
    const reader = new ResponseReader();
    let heard = false;
    let ttfbMs = 0;
    let settled = false;
    const detach = (): void => {
      settled = true;
      socket.removeListener('data', onData);
      socket.removeListener('end', onEnd);
      socket.removeListener('error', onError);
      socket.removeListener('close', onClose);
      delete inFlight.socket;
    };
    const fail = (err: Error): void => {
      if (settled) return;
      detach();
      socket.destroy();
      reject(err);
    };
    /** The connection ended or broke: why, in the words a log line needs. */
    const lost = (err?: unknown): Error => {
      if (signal.aborted) return new FetchError(reasonText(signal), undefined, true);
      if (!heard && kept) return new StaleConnection();
      if (err !== undefined) return describe(err, signal);
      return new FetchError(heard ? 'connection closed before the page was complete' : 'connection closed by the device without an answer', undefined, true);
    };
    const finish = (head: ResponseHead, body?: Buffer): void => {
      const keep = body !== undefined && pool !== undefined && reader.reusable;
      detach();
      if (keep) pool.keep(origin, socket);
      else socket.destroy();
      resolve(body === undefined ? { head, ttfbMs } : { head, body, ttfbMs });
    };
    const onData = (buf: Buffer): void => {
      heard = true;
      const hadHead = reader.head !== undefined;
      try {
        reader.push(buf);
      } catch (err) {
        fail(err instanceof HttpParseError ? new FetchError(err.message, undefined, true) : (err as Error));
        return;
      }
      const head = reader.head;
      if (!head) return;
      if (!hadHead) {
        ttfbMs = performance.now() - started;
        if (head.status !== 200) {
          finish(head);
          return;
        }
        const declared = reader.declaredLength;
        if (declared !== undefined && declared > maxBytes) {
          fail(new FetchError(`response is ${declared} bytes, over the ${maxBytes}-byte limit`));
          return;
        }
      }
      if (reader.bodySize > maxBytes) fail(new FetchError(`response is over the ${maxBytes}-byte limit`));
      else if (reader.done) finish(head, reader.body());
    };
    const onEnd = (): void => {
      try {
        reader.end();
      } catch {
        fail(lost());
        return;
      }
      const head = reader.head;
      if (head) finish(head, reader.body());
    };
    const onError = (err: Error): void => {
      fail(lost(err));
    };
    const onClose = (): void => {
      fail(lost());
    };
    socket.on('data', onData);
    socket.on('end', onEnd);
    socket.on('error', onError);
    socket.on('close', onClose);
    socket.write(text, 'latin1');
  });
}

/** `name=value` of each Set-Cookie header, attributes dropped. */
function cookiesOf(head: ResponseHead): string[] {
  return (head.headers.get('set-cookie') ?? []).map((c) => c.split(';')[0]?.trim() ?? '').filter((c) => c.includes('='));
}

/**
 * GETs `url` and returns the decoded page. Fails with a {@link FetchError} on
 * any status but 200, on redirects to another host, on a body over the size cap
 * and when `options.signal` aborts (the device's time limit).
 */
export async function fetchPage(url: URL, options: FetchOptions): Promise<FetchedPage> {
  // One abort listener per fetch, not Node's per-request signal handling
  // (which hangs a set of stream listeners on every request).
  const inFlight: InFlight = {};
  const onAbort = (): void => {
    inFlight.socket?.destroy();
  };
  options.signal.addEventListener('abort', onAbort, { once: true });
  try {
    return await fetchHops(url, options, inFlight);
  } finally {
    options.signal.removeEventListener('abort', onAbort);
  }
}

async function fetchHops(url: URL, options: FetchOptions, inFlight: InFlight): Promise<FetchedPage> {
  const started = performance.now();
  let current = url;
  // A redirect after a POST is followed with a GET, as browsers do.
  let form = options.form?.toString();
  const cookies: string[] = [];
  for (let hop = 0; ; hop++) {
    if (options.signal.aborted) throw new FetchError(reasonText(options.signal), undefined, true);
    const { head, body, ttfbMs } = await exchange(current, options, started, form, inFlight);
    cookies.push(...cookiesOf(head));
    const location = head.headers.get('location')?.[0];
    if (head.status >= 300 && head.status < 400 && location !== undefined) {
      const next = new URL(location, current);
      if (next.hostname !== url.hostname || (next.protocol !== 'http:' && next.protocol !== 'https:')) {
        throw new FetchError(`redirected to another host (${next.protocol}//${next.host}); not followed`, head.status);
      }
      if (hop >= MAX_REDIRECTS) throw new FetchError(`more than ${MAX_REDIRECTS} redirects`, head.status);
      current = next;
      form = undefined;
      continue;
    }
    if (head.status !== 200 || body === undefined) {
      throw new FetchError(`HTTP ${head.status}${head.reason ? ` ${head.reason}` : ''}`, head.status);
    }
    return {
      url: current.href,
      body: decodeBody(body, head.headers.get('content-type')?.[0]),
      totalMs: performance.now() - started,
      ttfbMs,
      cookies,
      receivedNs: nowNs(),
    };
  }
}
