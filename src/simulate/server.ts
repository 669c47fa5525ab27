/**
 * The built-in simulator: a Pace gateway on loopback, for the demo, the tests
 * and trying a Telegraf config without a gateway. A fault mode makes it
 * misbehave the ways real devices do. Never loaded by `collect`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { paceBroadbandPage, type PaceLayout } from './pace.js';

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
  | 'wrong-device'; // a page of some other device
export const FAULTS: readonly Fault[] = [
  'none', 'hang', 'trickle', 'reset', 'half', 'garbage', 'huge',
  'status-403', 'status-404', 'status-500', 'redirect-away', 'wrong-device',
];

export interface SimulatorOptions {
  readonly layout?: PaceLayout;
  readonly fault?: Fault;
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  /** Loopback address to listen on. */
  readonly address?: '127.0.0.1' | '::1';
  /** Clock in ms, for tests that move time; counters grow from the first reading. */
  readonly now?: () => number;
}

/** A running simulator. */
export interface Simulator {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  /** Requests served so far, by path. */
  readonly hits: ReadonlyMap<string, number>;
  close(): Promise<void>;
}

const BROADBAND_PATH = '/xslt?PAGE=C_1_0';

function send(res: ServerResponse, status: number, body: string | Buffer, type = 'text/html; charset=UTF-8'): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function serveFault(fault: Fault, page: string, res: ServerResponse): boolean {
  switch (fault) {
    case 'none':
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
  }
}

/** Starts the simulator on a loopback address. */
export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const now = options.now ?? Date.now;
  const layout = options.layout ?? 'att';
  const fault = options.fault ?? 'none';
  const started = now();
  const hits = new Map<string, number>();

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = req.url ?? '/';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    if (req.method !== 'GET') {
      send(res, 405, 'method not allowed', 'text/plain');
      return;
    }
    if (path === BROADBAND_PATH) {
      const page = paceBroadbandPage(layout, now() - started);
      if (!serveFault(fault, page, res)) send(res, 200, page);
      return;
    }
    if (path === '/') {
      res.writeHead(302, { location: BROADBAND_PATH });
      res.end();
      return;
    }
    send(res, 404, '<html><body><h1>404 Not Found</h1></body></html>');
  });

  const address = options.address ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, address, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        // Hanging and trickling answers would keep close() waiting forever.
        server.closeAllConnections();
      }),
  };
}
