/**
 * The built-in simulator, on loopback: a Pace 5268AC at `/`, a BGW320-505 at
 * `/bgw320` and a BGW210-700 at `/bgw210` (each URL is a device URL), for the
 * demo, the tests and trying a Telegraf config without a gateway. A fault
 * mode makes the Pace misbehave the ways real devices do. Never loaded by
 * `collect`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  BGW_MODELS,
  bgwBroadbandPage,
  bgwFiberPage,
  bgwLanPage,
  bgwLoginPage,
  bgwNatPage,
  bgwSystemPage,
  SIM_ACCESS_CODE,
  type BgwModel,
} from '../devices/att/simulate/bgw.js';
import { paceBroadbandPage, paceLanPage, paceNatPage, paceSystemPage, type PaceLayout } from '../devices/att/simulate/pace.js';
import { descriptionPage, household, ifconfigPage, radioPage, reviewPage, startSsdp, zpPage, type Speaker } from '../devices/sonos/simulate/sonos.js';

export { SIM_ACCESS_CODE } from '../devices/att/simulate/bgw.js';

/** How the simulated device misbehaves on the status page. */
export type Fault =
  | 'none'
  | 'hang' // accepts the request and never answers
  | 'trickle' // sends the page one byte per second
  | 'reset' // closes the connection half way through the page
  | 'half' // sends half the page and a clean end (a truncated page)
  | 'garbage' // binary noise with status 200
  | 'huge' // a 100 MB body
  | 'status-403'
  | 'status-404'
  | 'status-500'
  | 'redirect-away' // redirects to another host
  | 'wrong-device' // a page of some other device
  | 'slow' // answers after 300 ms
  | 'invalid-utf8' // bytes that are not UTF-8 in a page that says it is
  | 'windows-1252' // the page in windows-1252, as .ha gateways send theirs
  | 'odd-values' // a firmware that renamed the Errors column: two values unreadable, the rest fine
  | 'tiny-chunks' // the page padded to 4 MiB and sent as 1-byte HTTP chunks
  | 'deep-nesting' // 100,000 nested <table><tr><td> (1.5 MB)
  | 'many-tables' // 4 MiB of tiny tables under the page's own words
  | 'repeated-tokens' // 100,000 '<form ' and 'IP Traffic' words (600 KB)
  | 'nat-hang'; // the .ha gateways' NAT page never answers a logged-in request (the Pace is unaffected)
export const FAULTS: readonly Fault[] = [
  'none', 'hang', 'trickle', 'reset', 'half', 'garbage', 'huge',
  'status-403', 'status-404', 'status-500', 'redirect-away', 'wrong-device', 'slow', 'invalid-utf8', 'windows-1252', 'odd-values',
  'tiny-chunks', 'deep-nesting', 'many-tables', 'repeated-tokens', 'nat-hang',
];

/** The hostile page shapes (issue #13): each must cost its device's areas only, within its time limit. */
export const HOSTILE_FAULTS: readonly Fault[] = ['tiny-chunks', 'deep-nesting', 'many-tables', 'repeated-tokens'];

/** The raw bytes of a chunked answer with `body` in 1-byte chunks (built once: 24 MB). */
let tinyChunks: Buffer | undefined;
function tinyChunked(body: string): Buffer {
  if (!tinyChunks) {
    const payload = Buffer.from(body.padEnd(4 * 1024 * 1024 - 1, ' '));
    const out = Buffer.alloc(payload.length * 6 + 5);
    let at = 0;
    for (const byte of payload) {
      out[at] = 0x31; // '1'
      out[at + 1] = 0x0d;
      out[at + 2] = 0x0a;
      out[at + 3] = byte;
      out[at + 4] = 0x0d;
      out[at + 5] = 0x0a;
      at += 6;
    }
    out.write('0\r\n\r\n', at, 'latin1');
    tinyChunks = out;
  }
  return tinyChunks;
}

export interface SimulatorOptions {
  readonly layout?: PaceLayout;
  readonly fault?: Fault;
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  /** Loopback address to listen on (127.0.0.0/8 or ::1 only). */
  readonly address?: string;
  /** Every answer waits this long first (a slow device), ms. */
  readonly delayMs?: number;
  /** Clock in ms, for tests that move time; counters grow from the first reading. */
  readonly now?: () => number;
  /** Web sessions each .ha gateway allows at once (the real ones allow very few). */
  readonly maxSessions?: number;
  /** Speakers in the simulated Sonos household (default 4). */
  readonly sonos?: number;
}

/** A running simulator. */
export interface Simulator {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  /** Requests served so far, by path. */
  readonly hits: ReadonlyMap<string, number>;
  /** Open login sessions of a .ha gateway, by its path prefix. */
  sessions(prefix: string): number;
  /** The simulated speakers; each one's URL is `url + prefix`. */
  readonly speakers: readonly Speaker[];
  /** Loopback UDP port answering SSDP M-SEARCH for the speakers. */
  readonly ssdpPort: number;
  close(): Promise<void>;
}

const BROADBAND_PATH = '/xslt?PAGE=C_1_0';
const MAX_FORM_BYTES = 4096;

function send(res: ServerResponse, status: number, body: string | Buffer, type = 'text/html; charset=UTF-8'): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function serveFault(fault: Fault, page: string, res: ServerResponse): boolean {
  switch (fault) {
    case 'none':
    case 'nat-hang':
      return false;
    case 'hang':
      return true;
    case 'trickle': {
      res.writeHead(200, { 'content-type': 'text/html' });
      let i = 0;
      const timer = setInterval(() => {
        if (i >= page.length || res.destroyed) {
          clearInterval(timer);
          res.end();
          return;
        }
        res.write(page[i++]);
      }, 1000);
      res.on('close', () => {
        clearInterval(timer);
      });
      return true;
    }
    case 'reset':
      res.writeHead(200, { 'content-type': 'text/html', 'content-length': Buffer.byteLength(page) });
      res.write(page.slice(0, page.length >> 1), () => res.destroy());
      return true;
    case 'half':
      send(res, 200, page.slice(0, page.indexOf('<h2>Traffic Statistics</h2>') + 40));
      return true;
    case 'garbage': {
      const noise = Buffer.alloc(4096);
      for (let i = 0; i < noise.length; i++) noise[i] = (i * 7919 + 13) & 0xff;
      send(res, 200, noise, 'application/octet-stream');
      return true;
    }
    case 'huge': {
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
    case 'status-403':
      send(res, 403, '<html><body><h1>Error 403 Forbidden</h1></body></html>');
      return true;
    case 'status-404':
      send(res, 404, '<html><body><h1>404 Not Found</h1></body></html>');
      return true;
    case 'status-500':
      send(res, 500, '<html><body><h1>500 Internal Server Error</h1></body></html>');
      return true;
    case 'redirect-away':
      res.writeHead(302, { location: 'http://login.example.invalid/portal' });
      res.end();
      return true;
    case 'wrong-device':
      send(res, 200, '<?xml version="1.0" ?><ZPSupportInfo><ZPInfo><ZoneName>Den</ZoneName></ZPInfo></ZPSupportInfo>', 'text/xml');
      return true;
    case 'slow': {
      const timer = setTimeout(() => {
        send(res, 200, page);
      }, 300);
      res.on('close', () => {
        clearTimeout(timer);
      });
      return true;
    }
    case 'invalid-utf8': {
      const at = page.indexOf('Summary Status');
      const bytes = Buffer.concat([Buffer.from(page.slice(0, at)), Buffer.from([0xc3, 0x28, 0xff, 0xfe]), Buffer.from(page.slice(at))]);
      send(res, 200, bytes);
      return true;
    }
    case 'tiny-chunks': {
      const socket = res.socket;
      if (!socket) return true;
      // Written raw: Node would merge the writes into bigger chunks.
      socket.write('HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n');
      socket.end(tinyChunked(page));
      return true;
    }
    case 'deep-nesting':
      send(res, 200, page.replace('<body>', `<body>${'<table><tr><td>'.repeat(100_000)}`));
      return true;
    case 'many-tables':
      send(res, 200, page.replace('<body>', `<body>${'<table><tr><td>a</td></tr></table>'.repeat(120_000)}`));
      return true;
    case 'repeated-tokens':
      send(res, 200, page.replace('<body>', `<body>${'<form IP Traffic '.repeat(40_000)}`));
      return true;
    case 'odd-values':
      send(res, 200, page.replace(/>(\s*)Errors(\s*)</, '>$1Faults$2<'));
      return true;
    case 'windows-1252': {
      const text = page.replace('charset=UTF-8', 'charset=windows-1252').replace('Summary Status', 'Summary Status \u00a9 \u00e9t\u00e9');
      send(res, 200, Buffer.from(text, 'latin1'), 'text/html');
      return true;
    }
  }
}

/** A .ha gateway's login state. */
interface BgwState {
  readonly model: BgwModel;
  readonly nonces: Set<string>;
  readonly sessions: Set<string>;
}

function cookieSession(req: IncomingMessage): string | undefined {
  return /(?:^|;\s*)SessionID=([0-9a-f]+)/.exec(req.headers.cookie ?? '')?.[1];
}

function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  return new Promise((resolve) => {
    let body = '';
    req.setEncoding('latin1');
    req.on('data', (d: string) => {
      body += d;
      if (body.length > MAX_FORM_BYTES) req.destroy();
    });
    req.on('end', () => {
      resolve(new URLSearchParams(body));
    });
    req.on('error', () => {
      resolve(new URLSearchParams());
    });
  });
}

/** .ha pages are windows-1252; everything we write fits in Latin-1. */
function sendHa(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  const bytes = Buffer.from(body, 'latin1');
  res.writeHead(status, { 'content-type': 'text/html', 'content-length': bytes.length, ...headers });
  res.end(bytes);
}

async function serveBgw(g: BgwState, path: string, req: IncomingMessage, res: ServerResponse, elapsed: number, maxSessions: number, fault: Fault): Promise<void> {
  const m = g.model;
  const loginPage = (message: string): string => {
    const n = randomBytes(32).toString('hex');
    g.nonces.add(n);
    if (g.nonces.size > 64) g.nonces.delete(g.nonces.values().next().value ?? '');
    return bgwLoginPage(message, n);
  };
  if (req.method === 'POST' && path === '/cgi-bin/login.ha') {
    const form = await readForm(req);
    const nonce = form.get('nonce') ?? '';
    const expected = createHash('md5').update(SIM_ACCESS_CODE + nonce).digest('hex');
    const valid = g.nonces.delete(nonce) && form.get('hashpassword') === expected && form.get('password') === '*'.repeat(SIM_ACCESS_CODE.length);
    if (!valid) {
      sendHa(res, 200, loginPage('The access code you entered is incorrect.'));
      return;
    }
    if (g.sessions.size >= maxSessions) {
      sendHa(res, 200, loginPage('All web server sessions are in use. Please try again later.'));
      return;
    }
    const id = randomBytes(16).toString('hex');
    g.sessions.add(id);
    sendHa(res, 200, bgwSystemPage(m, elapsed), { 'set-cookie': `SessionID=${id}; path=/; HttpOnly` });
    return;
  }
  if (req.method !== 'GET') {
    send(res, 405, 'method not allowed', 'text/plain');
    return;
  }
  switch (path) {
    case '/cgi-bin/broadbandstatistics.ha':
      sendHa(res, 200, bgwBroadbandPage(m, elapsed));
      return;
    case '/cgi-bin/lanstatistics.ha':
      sendHa(res, 200, bgwLanPage(m, elapsed));
      return;
    case '/cgi-bin/sysinfo.ha':
      sendHa(res, 200, bgwSystemPage(m, elapsed));
      return;
    case '/cgi-bin/fiberstat.ha':
      if (m.source === 'FIBER') sendHa(res, 200, bgwFiberPage(elapsed));
      else send(res, 404, '<html><body><h1>404 Not Found</h1></body></html>');
      return;
    case '/cgi-bin/login.ha':
      sendHa(res, 200, loginPage(''));
      return;
    case '/cgi-bin/logout.ha': {
      const id = cookieSession(req);
      if (id !== undefined) g.sessions.delete(id);
      sendHa(res, 200, bgwLoginPage('You are logged out.', randomBytes(32).toString('hex')));
      return;
    }
    case '/cgi-bin/nattable.ha': {
      const id = cookieSession(req);
      if (id !== undefined && g.sessions.has(id)) {
        if (fault !== 'nat-hang') sendHa(res, 200, bgwNatPage(elapsed));
      }
      else {
        res.writeHead(302, { location: `${m.prefix}/cgi-bin/login.ha` });
        res.end();
      }
      return;
    }
    default:
      send(res, 404, '<html><body><h1>404 Not Found</h1></body></html>');
  }
}

function serveSonos(speakers: readonly Speaker[], s: Speaker, path: string, elapsed: number, res: ServerResponse): void {
  if (s.forbidden) {
    send(res, 403, '<html><body><h1>Error 403 Forbidden</h1></body></html>');
    return;
  }
  const xml = (body: string): void => {
    send(res, 200, body, 'text/xml; charset=utf-8');
  };
  switch (path) {
    case '/status/ifconfig':
      xml(ifconfigPage(s, elapsed));
      return;
    case '/status/zp':
      xml(zpPage(s));
      return;
    case '/status/proc/ath_rincon/status':
      xml(radioPage(s));
      return;
    case '/xml/device_description.xml':
      xml(descriptionPage(s));
      return;
    case '/support/review':
      xml(reviewPage(speakers, elapsed));
      return;
    default:
      send(res, 404, '<html><body><h1>404 Not Found</h1></body></html>');
  }
}

function servePace(path: string, layout: PaceLayout, fault: Fault, elapsed: number, res: ServerResponse): void {
  switch (path) {
    case BROADBAND_PATH: {
      const page = paceBroadbandPage(layout, elapsed);
      if (!serveFault(fault, page, res)) send(res, 200, page);
      return;
    }
    case '/xslt?PAGE=C_0_0':
      send(res, 200, paceSystemPage(elapsed));
      return;
    case '/xslt?PAGE=C_2_5':
      send(res, 200, paceLanPage(elapsed));
      return;
    case '/xslt?PAGE=C_5_5':
      send(res, 200, paceNatPage(elapsed));
      return;
    case '/':
      res.writeHead(302, { location: BROADBAND_PATH });
      res.end();
      return;
    default:
      send(res, 404, '<html><body><h1>404 Not Found</h1></body></html>');
  }
}

/** Starts the simulator on a loopback address. */
export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const now = options.now ?? Date.now;
  const layout = options.layout ?? 'att';
  // Built now, not while a test's run is being timed (24 MB, once per process).
  if (options.fault === 'tiny-chunks') tinyChunked(paceBroadbandPage(layout, 0));
  const fault = options.fault ?? 'none';
  const maxSessions = options.maxSessions ?? 4;
  const started = now();
  const hits = new Map<string, number>();
  const bgws = BGW_MODELS.map((model): BgwState => ({ model, nonces: new Set(), sessions: new Set() }));
  const speakers = household(options.sonos ?? 4);

  const address = options.address ?? '127.0.0.1';
  if (!/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$|^::1$/.test(address)) throw new Error(`the simulator serves loopback addresses only, not ${address}`);
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const url = req.url ?? '/';
    hits.set(url, (hits.get(url) ?? 0) + 1);
    const elapsed = now() - started;
    const bgw = bgws.find((g) => url.startsWith(`${g.model.prefix}/`));
    if (bgw) {
      serveBgw(bgw, url.slice(bgw.model.prefix.length), req, res, elapsed, maxSessions, fault).catch(() => res.destroy());
      return;
    }
    if (req.method !== 'GET') {
      send(res, 405, 'method not allowed', 'text/plain');
      return;
    }
    const speaker = speakers.find((sp) => url.startsWith(`${sp.prefix}/`));
    if (speaker) {
      serveSonos(speakers, speaker, url.slice(speaker.prefix.length), elapsed, res);
      return;
    }
    servePace(url, layout, fault, elapsed, res);
  };
  const delay = options.delayMs ?? 0;
  const server = createServer((req, res) => {
    if (delay <= 0) {
      handler(req, res);
      return;
    }
    const timer = setTimeout(() => {
      handler(req, res);
    }, delay);
    res.on('close', () => {
      clearTimeout(timer);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, address, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  const url = `http://${host}:${port}`;
  const ssdp = await startSsdp(speakers, url);
  return {
    url,
    hits,
    sessions: (prefix) => bgws.find((g) => g.model.prefix === prefix)?.sessions.size ?? 0,
    speakers,
    ssdpPort: ssdp.port,
    close: async () => {
      await ssdp.close();
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        // Hanging and trickling answers would keep close() waiting forever.
        server.closeAllConnections();
      });
    },
  };
}
