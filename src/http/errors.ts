/**
 * What src/http/index.ts says when a fetch fails: the error it throws, socket and
 * parser error codes in words for a log line, sizes as a person reads them.
 */

/** A size as a person reads it: `4 MiB`, `50 MiB`, `1 KiB`, `900 bytes`. */
export function humanBytes(n: number): string {
  for (const [unit, size] of [
    ['GiB', 2 ** 30],
    ['MiB', 2 ** 20],
    ['KiB', 2 ** 10],
  ] as const) {
    if (n >= size) {
      const v = n / size;
      return `${Number.isInteger(v) ? v : v.toFixed(1)} ${unit}`;
    }
  }
  return `${n} bytes`;
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
    // An outcome for a log line, not a bug: its stack is never shown, and
    // capturing one for each of 10,000 devices at their deadline took 0.1 s.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
  }
}

/** A device's time limit ran out: the reason its gather is aborted with. */
export class TimeLimit extends FetchError {
  constructor(
    /** The device's `timeout`, in ms. */
    readonly ms: number,
  ) {
    super(`no complete answer within ${ms} ms (the device's timeout)`, undefined, true);
  }
}

/**
 * Why a request whose signal aborted while its host name was being looked
 * up failed: at a deadline, that the lookup never answered (a DNS server
 * that is down); otherwise the signal's reason.
 */
export function lookupStopped(name: string, signal: AbortSignal): FetchError {
  const reason: unknown = signal.reason;
  if (!(reason instanceof TimeLimit)) return new FetchError(reasonText(signal), undefined, true);
  return new FetchError(`name lookup of ${name} did not answer within ${reason.ms} ms (the device's timeout): the DNS server may be down; an IP address in url needs no lookup`, undefined, true);
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
  HPE_INVALID_CONSTANT: 'the answer is not HTTP',
  HPE_INVALID_HEADER_TOKEN: 'the answer has invalid HTTP headers',
  HPE_HEADER_OVERFLOW: "the answer's HTTP headers are over the 16 KiB limit",
  HPE_INVALID_CHUNK_SIZE: "the answer's chunked encoding is broken",
  HPE_INVALID_TRANSFER_ENCODING: "the answer's Transfer-Encoding is invalid",
  HPE_UNEXPECTED_CONTENT_LENGTH: 'the answer has both a Content-Length and chunked encoding',
  HPE_INVALID_CONTENT_LENGTH: "the answer's Content-Length is invalid",
  ERR_INVALID_CHAR: 'invalid character in a request header',
};

/** Any error of a request as a {@link FetchError} with words for a log line (the time limit's reason when `signal` aborted). */
export function describe(err: unknown, signal: AbortSignal): FetchError {
  if (err instanceof FetchError) return err;
  if (signal.aborted) return new FetchError(reasonText(signal), undefined, true);
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && code in SOCKET_ERRORS) return new FetchError(SOCKET_ERRORS[code] ?? code, undefined, true);
  const message = err instanceof Error ? err.message : String(err);
  // OpenSSL's words for an https:// URL on a port that speaks plain HTTP (the gateway's port 80, a speaker's 1400).
  if (code === 'EPROTO' && /wrong version number|packet length too long|http request/i.test(message)) {
    return new FetchError('the device answers plain HTTP on this port: use http:// in the URL (or its HTTPS port)', undefined, true);
  }
  const tls = tlsWords(message);
  if (tls !== undefined) return new FetchError(tls, undefined, true);
  return new FetchError(typeof code === 'string' ? `${message} (${code})` : message, undefined, true);
}

/**
 * An OpenSSL error (`80BC...:error:0A00045C:SSL routines:ssl3_read_bytes:tlsv13
 * alert certificate required:../deps/openssl/...:1601:SSL alert number 116`)
 * in words: its reason, and what it means here. A device that asks for a
 * client certificate (one this program never sends) refuses the handshake
 * with "certificate required" (TLS 1.3), or "bad certificate" or "handshake
 * failure" (TLS 1.2; the last also when no cipher is shared).
 */
function tlsWords(message: string): string | undefined {
  const reason = /:error:[0-9A-F]+:[^:]*:[^:]*:([^:]+):/.exec(message)?.[1]?.trim();
  if (reason === undefined) return undefined;
  if (/certificate required/i.test(reason)) return "the device asks for a TLS client certificate, which this program does not send (use the device's http:// address if it has one)";
  if (/bad certificate|handshake failure/i.test(reason)) {
    return `the device refused the TLS handshake (${reason}): it may ask for a client certificate, which this program does not send, or share no cipher with it`;
  }
  return `TLS error: ${reason}`;
}

/** Most characters of a status line's reason phrase kept: real ones are a few words (`Service Unavailable`). */
const MAX_REASON_CHARS = 64;

/** `HTTP 503 Service Unavailable`; a reason phrase is the device's text, cut when long (a 16 KB one filled every log line). */
export function statusText(status: number, reason: string | undefined): string {
  const r = (reason ?? '').trim();
  if (r === '') return `HTTP ${status}`;
  return `HTTP ${status} ${
    r.length > MAX_REASON_CHARS
      ? `${r
          .slice(0, MAX_REASON_CHARS - 1)
          .toWellFormed()
          .trimEnd()}… (reason cut at ${MAX_REASON_CHARS} characters)`
      : r
  }`;
}

/** Why `signal` aborted, as its reason says (the device's time limit), for a log line. */
export function reasonText(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason.message : 'request aborted';
}
