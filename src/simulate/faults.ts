/**
 * The ways a simulated device misbehaves (`simulate --fault`), and serving a
 * page spoilt by those that need nothing but the page. Each make says which
 * of its pages a fault spoils, and spoils them itself the ways that depend
 * on what its pages say.
 */
import type { ServerResponse } from 'node:http';
import { redirect, send } from './reply.js';

/**
 * How a simulated device misbehaves on the page its make spoils, whatever
 * the make: the one list, its type derived from it. A make adds its own
 * (DeviceKind.faults), which it applies itself.
 */
export const SHARED_FAULTS = [
  'none',
  'hang', // accepts the request and never answers
  'trickle', // sends the page one byte per second
  'reset', // closes the connection half way through the page
  'half', // sends the page cut off mid-table and a clean end (a truncated page)
  'garbage', // binary noise with status 200
  'huge', // a 100 MB body
  'status-403',
  'status-404',
  'status-500',
  'redirect-away', // redirects to another host
  'wrong-device', // a page of some other device
  'slow', // answers after 300 ms
  'invalid-utf8', // bytes that are not UTF-8 in a page that says it is
  'windows-1252', // the page in windows-1252, as some gateways send theirs
  'odd-values', // a firmware that renamed a column: two values unreadable, the rest fine
  'tiny-chunks', // the page padded to 4 MiB and sent as 1-byte HTTP chunks
  'deep-nesting', // 100,000 nested <table><tr><td> (1.5 MB)
  'many-tables', // 4 MiB of tiny tables under the page's own words
  'repeated-tokens', // 40,000 times the words the page's reader looks for (600 KB)
] as const;
type SharedFault = (typeof SHARED_FAULTS)[number];
/** A shared fault, or one a make declares (DeviceKind.faults). */
export type Fault = SharedFault | (string & {});

/** The hostile page shapes: each must cost its device's areas only, within its time limit. */
export const HOSTILE_FAULTS: readonly SharedFault[] = ['tiny-chunks', 'deep-nesting', 'many-tables', 'repeated-tokens'];

/** A page a make lets the faults spoil, and where. */
export interface FaultyPage {
  /** Names the page: its tiny-chunks answer (24 MB) is built once per name, from the page as first given. */
  readonly key: string;
  readonly body: string;
  /** Where `half` cuts the page (inside the table its reader needs); default half way. */
  readonly halfAt?: number;
  /** Where `invalid-utf8` puts its bytes; default half way. */
  readonly badBytesAt?: number;
  /** What `repeated-tokens` repeats after `<body>`: the words the page's reader looks for. Without them the page is served as it is. */
  readonly tokens?: string;
}

/** The raw bytes of chunked answers with the page in 1-byte chunks, by page name. */
const tinyChunkAnswers = new Map<string, Buffer>();
function tinyChunked(page: FaultyPage): Buffer {
  let bytes = tinyChunkAnswers.get(page.key);
  if (!bytes) {
    const payload = Buffer.from(page.body.padEnd(4 * 1024 * 1024 - 1, ' '));
    bytes = Buffer.alloc(payload.length * 6 + 5);
    let at = 0;
    for (const byte of payload) {
      bytes[at] = 0x31; // '1'
      bytes[at + 1] = 0x0d;
      bytes[at + 2] = 0x0a;
      bytes[at + 3] = byte;
      bytes[at + 4] = 0x0d;
      bytes[at + 5] = 0x0a;
      at += 6;
    }
    bytes.write('0\r\n\r\n', at, 'latin1');
    tinyChunkAnswers.set(page.key, bytes);
  }
  return bytes;
}

/** Builds now what the fault takes long to build from the page (not while a test's run is being timed). */
export function prepareFault(fault: Fault, page: FaultyPage): void {
  if (fault === 'tiny-chunks') tinyChunked(page);
}

/** What a fault's answer may use besides the page: the simulator's clock for the late ones. */
interface FaultContext {
  later(ms: number, fn: () => void): () => void;
}

/** Answers with the page spoilt one way; false, without answering, when the page cannot be spoilt so. */
type Spoiler = (page: FaultyPage, res: ServerResponse, ctx: FaultContext) => boolean;

function trickle(page: FaultyPage, res: ServerResponse): boolean {
  const body = page.body;
  res.writeHead(200, { 'content-type': 'text/html' });
  let i = 0;
  const timer = setInterval(() => {
    if (i >= body.length || res.destroyed) {
      clearInterval(timer);
      res.end();
      return;
    }
    res.write(body[i++]);
  }, 1000);
  res.on('close', () => {
    clearInterval(timer);
  });
  return true;
}

function huge(_page: FaultyPage, res: ServerResponse): boolean {
  const chunk = Buffer.alloc(1024 * 1024, 'x');
  let left = 100;
  // No Content-Length: the client must count the bytes itself.
  res.writeHead(200, { 'content-type': 'text/html' });
  const pump = (): void => {
    while (left > 0 && !res.destroyed) {
      left--;
      if (!res.write(chunk)) {
        res.once('drain', pump);
        return;
      }
    }
    res.end();
  };
  pump();
  return true;
}

function garbage(_page: FaultyPage, res: ServerResponse): boolean {
  const noise = Buffer.alloc(4096);
  for (let i = 0; i < noise.length; i++) noise[i] = (i * 7919 + 13) & 0xff;
  send(res, 200, noise, 'application/octet-stream');
  return true;
}

function tinyChunks(page: FaultyPage, res: ServerResponse): boolean {
  const socket = res.socket;
  if (!socket) return true;
  // Written raw: Node would merge the writes into bigger chunks.
  socket.write('HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n');
  socket.end(tinyChunked(page));
  return true;
}

/** A page with `filler` put first in its body. */
function withFirst(filler: () => string): Spoiler {
  return (page, res) => {
    send(res, 200, page.body.replace('<body>', `<body>${filler()}`));
    return true;
  };
}

/** An answer that does not depend on the page. */
function answer(status: number, body: string): Spoiler {
  return (_page, res) => {
    send(res, status, body);
    return true;
  };
}

/** The faults served the same way on every make's pages; the others a make applies itself (or not at all). */
const SPOILERS: Partial<Record<SharedFault, Spoiler>> = {
  hang: () => true,
  trickle,
  reset: (page, res) => {
    res.writeHead(200, { 'content-type': 'text/html', 'content-length': Buffer.byteLength(page.body) });
    res.write(page.body.slice(0, page.body.length >> 1), () => res.destroy());
    return true;
  },
  half: (page, res) => {
    send(res, 200, page.body.slice(0, page.halfAt ?? page.body.length >> 1));
    return true;
  },
  garbage,
  huge,
  'status-403': answer(403, '<html><body><h1>Error 403 Forbidden</h1></body></html>'),
  'status-404': answer(404, '<html><body><h1>404 Not Found</h1></body></html>'),
  'status-500': answer(500, '<html><body><h1>500 Internal Server Error</h1></body></html>'),
  'redirect-away': (_page, res) => {
    redirect(res, 'http://login.example.invalid/portal');
    return true;
  },
  slow: (page, res, ctx) => {
    res.on(
      'close',
      ctx.later(300, () => {
        send(res, 200, page.body);
      }),
    );
    return true;
  },
  'invalid-utf8': (page, res) => {
    const at = page.badBytesAt ?? page.body.length >> 1;
    send(res, 200, Buffer.concat([Buffer.from(page.body.slice(0, at)), Buffer.from([0xc3, 0x28, 0xff, 0xfe]), Buffer.from(page.body.slice(at))]));
    return true;
  },
  'tiny-chunks': tinyChunks,
  'deep-nesting': withFirst(() => '<table><tr><td>'.repeat(100_000)),
  'many-tables': withFirst(() => '<table><tr><td>a</td></tr></table>'.repeat(120_000)),
  'repeated-tokens': (page, res, ctx) => (page.tokens === undefined ? false : withFirst(() => page.tokens ?? '')(page, res, ctx)),
};

/**
 * Answers with the page spoilt by the fault, for the faults that need
 * nothing but the page; `ctx.later` times the late ones (the simulator's clock).
 * @returns false, without answering, for `none` and the faults a make applies itself (or not at all).
 */
export function serveFault(fault: Fault, page: FaultyPage, res: ServerResponse, ctx: FaultContext): boolean {
  return Object.hasOwn(SPOILERS, fault) ? (SPOILERS[fault as SharedFault]?.(page, res, ctx) ?? false) : false;
}
