/**
 * Reads one HTTP/1.x response from the bytes of a connection: bytes in, head
 * and body out, no I/O (http.ts owns the sockets). Written for what device
 * web servers send: bare LF line ends, no reason phrase, HTTP/1.0 without a
 * length, chunked bodies with extensions and trailers. It refuses what would
 * make the body's end ambiguous (conflicting lengths) and caps every part it
 * has to hold before it can make sense of it (head, chunk lines, trailers).
 */

/** A response that is not HTTP, or whose framing cannot be trusted; `message` is fit for a log line. */
export class HttpParseError extends Error {
  override name = 'HttpParseError';
}

export interface ResponseHead {
  readonly status: number;
  readonly reason: string;
  /** 0 for HTTP/1.0, 1 for HTTP/1.1. */
  readonly minor: number;
  /** Values by lower-case header name, in the order they came. */
  readonly headers: ReadonlyMap<string, readonly string[]>;
}

/** Status line and headers together; real devices send 0.3 to 2 KiB. */
export const MAX_HEAD_BYTES = 32 * 1024;
/** A chunk-size line, or one trailer line. */
const MAX_LINE_BYTES = 4096;
const MAX_TRAILER_BYTES = 32 * 1024;

const STATUS_LINE = /^HTTP\/1\.([01]) ([1-9]\d\d)(?:[ \t](.*))?$/;
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const BAD_VALUE = /[\0\r\n]/;
const CHUNK_SIZE = /^([0-9a-fA-F]{1,12})[ \t]*(?:;.*)?$/;

type State = 'head' | 'length' | 'close' | 'size' | 'chunk' | 'chunk-end' | 'trailers' | 'done';

/** Index just past the first empty line at or after `from`, or -1. */
function headEnd(buf: Buffer, from: number): number {
  for (let i = buf.indexOf(10, from); i >= 0; i = buf.indexOf(10, i + 1)) {
    if (buf[i + 1] === 10) return i + 2;
    if (buf[i + 1] === 13 && buf[i + 2] === 10) return i + 3;
  }
  return -1;
}

/** The text of the line starting at `from` (without CR LF or LF) and the index after it, or undefined. */
function lineAt(buf: Buffer, from: number): [string, number] | undefined {
  const lf = buf.indexOf(10, from);
  if (lf < 0) return undefined;
  const end = lf > from && buf[lf - 1] === 13 ? lf - 1 : lf;
  return [buf.toString('latin1', from, end), lf + 1];
}

function tokens(values: readonly string[] | undefined): string[] {
  return (values ?? []).join(',').split(',').map((t) => t.trim().toLowerCase()).filter((t) => t !== '');
}

function parseHead(text: string): ResponseHead {
  const lines = text.split(/\r?\n/);
  const status = STATUS_LINE.exec(lines[0] ?? '');
  if (!status) throw new HttpParseError('the answer is not HTTP');
  const headers = new Map<string, string[]>();
  let last: string[] | undefined;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line === '') continue;
    if (line[0] === ' ' || line[0] === '\t') {
      // An obsolete folded continuation: part of the previous value.
      if (!last || last.length === 0) throw new HttpParseError('the answer has invalid HTTP headers');
      last[last.length - 1] = `${last[last.length - 1] ?? ''} ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    const name = line.slice(0, colon);
    const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '');
    if (colon < 1 || !TOKEN.test(name) || BAD_VALUE.test(value)) throw new HttpParseError('the answer has invalid HTTP headers');
    const key = name.toLowerCase();
    last = headers.get(key);
    if (last) last.push(value);
    else headers.set(key, (last = [value]));
  }
  return { status: Number(status[2]), reason: status[3]?.trim() ?? '', minor: Number(status[1]), headers };
}

/**
 * One response, fed with {@link push} as bytes arrive and {@link end} when the
 * connection closes. Interim 1xx answers are skipped. `head` is set as soon as
 * the final head is in; `done` once the body is complete.
 */
export class ResponseReader {
  head: ResponseHead | undefined;
  /** Body bytes received so far. */
  bodySize = 0;
  /** Bytes came after the end of the response: the connection cannot be reused. */
  trailing = false;
  private state: State = 'head';
  /** The body ends when the connection does. */
  private untilClose = false;
  private left = 0;
  private held: Buffer | undefined;
  private trailerBytes = 0;
  private readonly chunks: Buffer[] = [];

  get done(): boolean {
    return this.state === 'done';
  }

  /** Whether the connection can carry another request: HTTP keep-alive and a body with a known end. */
  get reusable(): boolean {
    const head = this.head;
    if (!head || !this.done || this.trailing || this.untilClose) return false;
    const connection = tokens(head.headers.get('connection'));
    const persistent = head.minor === 1 ? !connection.includes('close') : connection.includes('keep-alive');
    // A length beside a transfer coding was ignored; the peer may disagree about where the body ended.
    const ambiguous = head.headers.has('transfer-encoding') && head.headers.has('content-length');
    return persistent && !ambiguous;
  }

  /** The body, once {@link done}. */
  body(): Buffer {
    return this.chunks.length === 1 && this.chunks[0] ? this.chunks[0] : Buffer.concat(this.chunks, this.bodySize);
  }

  push(data: Buffer): void {
    if (this.state === 'done') {
      if (data.length > 0) this.trailing = true;
      return;
    }
    const buf = this.held ? Buffer.concat([this.held, data]) : data;
    this.held = undefined;
    let at = 0;
    while (at < buf.length && !this.done) {
      const before = at;
      at = this.step(buf, at);
      if (at === before) {
        // The rest is an incomplete line: hold it for the next bytes.
        this.held = buf.subarray(at);
        return;
      }
    }
    if (at < buf.length) this.trailing = true;
  }

  /** The connection closed. Throws unless that is how this response ends. */
  end(): void {
    if (this.state === 'close') {
      this.state = 'done';
      this.untilClose = true;
    }
    if (this.state !== 'done') throw new HttpParseError('connection closed before the page was complete');
  }

  /** Consumes what it can from `at`; returns where it stopped (`at` itself when it needs more bytes). */
  private step(buf: Buffer, at: number): number {
    switch (this.state) {
      case 'head': {
        // Stray line ends before a status line are tolerated.
        while (at < buf.length && (buf[at] === 13 || buf[at] === 10)) at++;
        const end = headEnd(buf, at);
        if (end < 0) {
          if (buf.length - at > MAX_HEAD_BYTES) throw new HttpParseError(`the answer's HTTP headers are over ${MAX_HEAD_BYTES / 1024} KiB`);
          return at;
        }
        if (end - at > MAX_HEAD_BYTES) throw new HttpParseError(`the answer's HTTP headers are over ${MAX_HEAD_BYTES / 1024} KiB`);
        this.startBody(parseHead(buf.toString('latin1', at, end)));
        return end;
      }
      case 'length':
      case 'chunk': {
        const n = Math.min(this.left, buf.length - at);
        this.keep(buf.subarray(at, at + n));
        this.left -= n;
        if (this.left === 0) this.state = this.state === 'length' ? 'done' : 'chunk-end';
        return at + n;
      }
      case 'close':
        this.keep(buf.subarray(at));
        return buf.length;
      case 'size':
      case 'chunk-end':
      case 'trailers':
        return this.chunkLine(buf, at);
      case 'done':
        return at;
    }
  }

  private chunkLine(buf: Buffer, at: number): number {
    const read = lineAt(buf, at);
    if (!read) {
      if (buf.length - at > MAX_LINE_BYTES) throw new HttpParseError('the answer has invalid chunked encoding');
      return at;
    }
    const [line, next] = read;
    if (next - at > MAX_LINE_BYTES) throw new HttpParseError('the answer has invalid chunked encoding');
    if (this.state === 'chunk-end') {
      if (line !== '') throw new HttpParseError('the answer has invalid chunked encoding');
      this.state = 'size';
    } else if (this.state === 'size') {
      const size = CHUNK_SIZE.exec(line.trim());
      if (!size) throw new HttpParseError('the answer has invalid chunked encoding');
      this.left = parseInt(size[1] ?? '', 16);
      this.state = this.left === 0 ? 'trailers' : 'chunk';
    } else {
      this.trailerBytes += next - at;
      if (this.trailerBytes > MAX_TRAILER_BYTES) throw new HttpParseError('the answer has invalid chunked encoding');
      if (line === '') this.state = 'done';
    }
    return next;
  }

  private keep(part: Buffer): void {
    if (part.length === 0) return;
    this.chunks.push(part);
    this.bodySize += part.length;
  }

  /** How the body is framed (RFC 9112, section 6.3). */
  private startBody(head: ResponseHead): void {
    if (head.status < 200) {
      // 100 Continue, 103 Early Hints: the real answer follows. 101 would switch protocols.
      if (head.status === 101) throw new HttpParseError('the answer is not HTTP');
      return;
    }
    this.head = head;
    if (head.status === 204 || head.status === 304) {
      this.state = 'done';
      return;
    }
    const coding = tokens(head.headers.get('transfer-encoding'));
    if (coding.length > 0) {
      this.state = coding[coding.length - 1] === 'chunked' ? 'size' : 'close';
      return;
    }
    const lengths = tokens(head.headers.get('content-length'));
    if (lengths.length === 0) {
      this.state = 'close';
      return;
    }
    if (!lengths.every((l) => /^\d{1,15}$/.test(l) && l === lengths[0])) throw new HttpParseError('the answer has an invalid Content-Length');
    this.left = Number(lengths[0]);
    this.state = this.left === 0 ? 'done' : 'length';
  }

  /** The declared body length, when there is one. */
  get declaredLength(): number | undefined {
    const head = this.head;
    if (!head || head.headers.has('transfer-encoding')) return undefined;
    const first = head.headers.get('content-length')?.[0];
    return first === undefined ? undefined : Number(first.split(',')[0]);
  }
}
