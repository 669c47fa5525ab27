/** fetchPage over real sockets: charsets, redirects, size cap, TLS choice. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { FetchError, fetchPage, type Agents } from '../../src/http/index.js';
import { until } from '../support/clock.js';
import { selfSignedCertificate } from '../support/helpers.js';
import { needs } from '../support/needs.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

async function serve(handler: Handler): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const signal = (): AbortSignal => AbortSignal.timeout(3000);

describe('fetchPage', () => {
  let srv: Awaited<ReturnType<typeof serve>>;
  /** Answers to /held requests, kept until a test gives them. */
  const held: ServerResponse[] = [];
  before(async () => {
    srv = await serve((req, res) => {
      const path = req.url ?? '';
      if (path === '/cp1252-header') {
        res.writeHead(200, { 'content-type': 'text/html; charset=windows-1252' });
        res.end(Buffer.from([0x3c, 0x70, 0x3e, 0x93, 0x43, 0x61, 0x66, 0xe9, 0x94, 0x80, 0x3c, 0x2f, 0x70, 0x3e])); // <p>“Café”€</p>
      } else if (path === '/cp1252-meta') {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end(Buffer.concat([Buffer.from('<?xml version="1.0" encoding="windows-1252"?><p>'), Buffer.from([0xe9]), Buffer.from('</p>')]));
      } else if (path === '/utf8-invalid') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(Buffer.from([0x61, 0xff, 0x62]));
      } else if (path === '/hop') {
        res.writeHead(301, { location: '/cp1252-header' });
        res.end();
      } else if (path === '/to-https') {
        res.writeHead(302, { location: `https://127.0.0.1:${(req.socket.localPort ?? 0).toString()}/cp1252-header` });
        res.end();
      } else if (path === '/to-other-port') {
        res.writeHead(302, { location: `http://127.0.0.1:${((req.socket.localPort ?? 0) + 1).toString()}/cp1252-header` });
        res.end();
      } else if (path === '/bad-userinfo') {
        res.writeHead(302, { location: `http://a:50%off@127.0.0.1:${(req.socket.localPort ?? 0).toString()}/x` });
        res.end();
      } else if (path === '/bad-location') {
        res.writeHead(302, { location: 'http://[::1/x' });
        res.end();
      } else if (path === '/loop') {
        res.writeHead(302, { location: '/loop' });
        res.end();
      } else if (path === '/declared-huge') {
        res.writeHead(200, { 'content-length': String(50 * 1024 * 1024) });
        res.write('x');
      } else if (path === '/held') {
        held.push(res);
      } else {
        res.writeHead(404, 'Not Found');
        res.end();
      }
    });
  });
  after(() => srv.close());

  it('decodes windows-1252 declared in Content-Type', async () => {
    const page = await fetchPage(new URL(`${srv.url}/cp1252-header`), { signal: signal() });
    assert.equal(page.body, '<p>\u201cCafé\u201d\u20ac</p>');
  });

  it('decodes windows-1252 declared in the XML prolog', async () => {
    const page = await fetchPage(new URL(`${srv.url}/cp1252-meta`), { signal: signal() });
    assert.match(page.body, /<p>é<\/p>$/);
  });

  it('invalid UTF-8 becomes U+FFFD, not an exception', async () => {
    const page = await fetchPage(new URL(`${srv.url}/utf8-invalid`), { signal: signal() });
    assert.equal(page.body, 'a\ufffdb');
  });

  it('follows a redirect on the same host', async () => {
    const page = await fetchPage(new URL(`${srv.url}/hop`), { signal: signal() });
    assert.equal(page.url, `${srv.url}/cp1252-header`);
    assert.match(page.body, /Café/);
  });

  it('follows no redirect to another scheme or port of the same host', async () => {
    const port = new URL(srv.url).port;
    await assert.rejects(fetchPage(new URL(`${srv.url}/to-https`), { signal: signal() }), {
      message: `redirected to https://127.0.0.1:${port}, another scheme or port than http://127.0.0.1:${port}; not followed`,
    });
    await assert.rejects(fetchPage(new URL(`${srv.url}/to-other-port`), { signal: signal() }), {
      message: `redirected to http://127.0.0.1:${Number(port) + 1}, another scheme or port than http://127.0.0.1:${port}; not followed`,
    });
  });

  it('a same-host Location whose password has a broken %-escape is a fetch error that does not repeat it', async () => {
    await assert.rejects(fetchPage(new URL(`${srv.url}/bad-userinfo`), { signal: signal() }), (err: Error) => {
      assert.equal(err.name, 'FetchError');
      assert.equal(err.message, `the address of 127.0.0.1:${new URL(srv.url).port}/x has a user name or password with a broken %-escape; not requested`);
      assert.doesNotMatch(err.message, /50%off/);
      return true;
    });
  });

  it('a Location that is no URL is a fetch error that says so, not an internal error', async () => {
    await assert.rejects(fetchPage(new URL(`${srv.url}/bad-location`), { signal: signal() }), {
      name: 'FetchError',
      message: 'redirected to an address that is not a URL ("http://[::1/x"); not followed',
    });
  });

  it('stops after 3 redirects', async () => {
    await assert.rejects(fetchPage(new URL(`${srv.url}/loop`), { signal: signal() }), { message: 'more than 3 redirects' });
  });

  it('refuses a body whose declared length is over the cap, without reading it', async () => {
    await assert.rejects(fetchPage(new URL(`${srv.url}/declared-huge`), { signal: signal(), maxBytes: 1024 }), {
      message: 'response is 50 MiB, over the 1 KiB limit',
    });
  });

  it('measures time to first byte and the whole request on the clock it is given', async () => {
    let ms = 1000;
    const fetching = fetchPage(new URL(`${srv.url}/held`), { signal: signal(), now: () => ms });
    await until(() => held.length > 0);
    // The answer comes 150 ms after the request was sent, on that clock.
    ms += 150;
    held.shift()?.writeHead(200).end('late');
    const page = await fetching;
    assert.deepEqual([page.ttfbMs, page.totalMs, page.body], [150, 150, 'late']);
  });

  it('reports the status of a non-200 answer', async () => {
    await assert.rejects(fetchPage(new URL(`${srv.url}/nope`), { signal: signal() }), (err: unknown) => {
      assert.ok(err instanceof FetchError);
      assert.equal(err.status, 404);
      assert.equal(err.message, 'HTTP 404 Not Found');
      return true;
    });
  });

  it('the abort reason is the message', async () => {
    const c = new AbortController();
    const fetching = fetchPage(new URL(`${srv.url}/held`), { signal: c.signal });
    // Aborted while the device holds the answer back.
    await until(() => held.length > 0);
    c.abort(new Error('out of time'));
    await assert.rejects(fetching, { message: 'out of time' });
    held.splice(0).forEach((r) => r.destroy());
  });
});

/**
 * A device's web server written by hand: `answer` gets each request's text and
 * the connection's number, and writes raw bytes.
 */
async function rawServer(answer: (request: string, socket: Socket, connection: number) => void): Promise<{ url: string; connections: () => number; close: () => Promise<void> }> {
  let count = 0;
  const sockets = new Set<Socket>();
  const server = createNetServer((socket) => {
    const n = ++count;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let text = '';
    socket.on('data', (d) => {
      text += d.toString('latin1');
      while (text.includes('\r\n\r\n')) {
        const end = text.indexOf('\r\n\r\n') + 4;
        answer(text.slice(0, end), socket, n);
        text = text.slice(end);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections: () => count,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

const OK = (body: string): string => `HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

describe('fetchPage: answers that are not what they say, each named for what it is', () => {
  let srv: Awaited<ReturnType<typeof rawServer>>;
  before(async () => {
    srv = await rawServer((request, socket) => {
      const path = /^GET (\S+)/.exec(request)?.[1] ?? '';
      if (path === '/gzip') socket.end('HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 4\r\n\r\n\x1f\x8b\x08\x00');
      else if (path === '/short') socket.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789');
      else if (path === '/bad-chunk') socket.end('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n');
      else if (path === '/huge-headers') socket.end(`HTTP/1.1 200 OK\r\nX-Pad: ${'a'.repeat(20_000)}\r\nContent-Length: 2\r\n\r\nok`);
      else socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
    });
  });
  after(() => srv.close());

  const cases: [string, string][] = [
    ['/gzip', 'the answer is compressed (Content-Encoding: gzip) though none was asked for'],
    ['/short', 'connection closed before the page was complete (10 bytes read)'],
    ['/bad-chunk', "the answer's chunked encoding is broken"],
    ['/huge-headers', "the answer's HTTP headers are over the 16 KiB limit"],
  ];
  for (const [path, message] of cases) {
    it(path, async () => {
      await assert.rejects(fetchPage(new URL(`${srv.url}${path}`), { signal: signal() }), { name: 'FetchError', message });
    });
  }
});

describe('fetchPage: https:// to a port that speaks plain HTTP', () => {
  it("says to use http://, not OpenSSL's words", async () => {
    const plain = await serve((_req, res) => {
      res.end('x');
    });
    try {
      await assert.rejects(fetchPage(new URL(plain.url.replace('http:', 'https:')), { signal: signal() }), {
        name: 'FetchError',
        message: 'the device answers plain HTTP on this port: use http:// in the URL (or its HTTPS port)',
      });
    } finally {
      await plain.close();
    }
  });
});

describe('fetchPage and connections', () => {
  it('keeps one connection per device across fetches when given agents, and none without', async () => {
    const requests: string[] = [];
    const srv = await rawServer((req, socket) => {
      requests.push(req);
      socket.write(OK(`<p>${requests.length}</p>`));
    });
    try {
      const agents: Agents = {};
      for (const n of [1, 2, 3]) assert.equal((await fetchPage(new URL(`${srv.url}/p?n=${n}`), { signal: signal(), agents })).body, `<p>${n}</p>`);
      assert.equal(srv.connections(), 1);
      assert.match(requests[0] ?? '', /^GET \/p\?n=1 HTTP\/1\.1\r\n/);
      assert.match(requests[0] ?? '', /\r\nconnection: keep-alive\r\n/i);
      agents.http?.destroy();
      await fetchPage(new URL(`${srv.url}/`), { signal: signal() });
      await fetchPage(new URL(`${srv.url}/`), { signal: signal() });
      assert.equal(srv.connections(), 3);
      assert.match(requests.at(-1) ?? '', /\r\nconnection: close\r\n/i);
    } finally {
      await srv.close();
    }
  });

  it('a kept connection the device dropped is retried once on a new one', async () => {
    // Each connection answers its first request and silently closes on the next,
    // as a device does when its idle timer fires just as the request arrives.
    const seen = new Map<number, number>();
    const srv = await rawServer((_req, socket, n) => {
      seen.set(n, (seen.get(n) ?? 0) + 1);
      if ((seen.get(n) ?? 0) > 1) socket.destroy();
      else socket.write(OK(`from ${n}`));
    });
    try {
      const agents: Agents = {};
      assert.equal((await fetchPage(new URL(srv.url), { signal: signal(), agents })).body, 'from 1');
      assert.equal((await fetchPage(new URL(srv.url), { signal: signal(), agents })).body, 'from 2');
      assert.equal(srv.connections(), 2);
      agents.http?.destroy();
    } finally {
      await srv.close();
    }
  });

  it('a new connection closed without an answer is an error, not a retry', async () => {
    const srv = await rawServer((_req, socket) => socket.destroy());
    try {
      await assert.rejects(fetchPage(new URL(srv.url), { signal: signal(), agents: {} }), { message: 'connection reset by the device' });
      assert.equal(srv.connections(), 1);
    } finally {
      await srv.close();
    }
  });

  it('an answer that is not HTTP is named as such', async () => {
    const srv = await rawServer((_req, socket) => socket.end('SSH-2.0-OpenSSH_9.2\r\n\r\n'));
    try {
      await assert.rejects(fetchPage(new URL(srv.url), { signal: signal() }), { message: 'the answer is not HTTP' });
    } finally {
      await srv.close();
    }
  });

  it('never sends a header value that could split the request', async () => {
    const srv = await rawServer((_req, socket) => socket.write(OK('x')));
    try {
      await assert.rejects(fetchPage(new URL(srv.url), { signal: signal(), cookie: 'a=1\r\nX-Evil: 1' }), { message: 'invalid character in a request header' });
      assert.equal(srv.connections(), 0);
    } finally {
      await srv.close();
    }
  });

  // A connection that kept the process alive would keep this test waiting until node:test's timeout.
  it('an idle kept connection does not keep the process alive', { timeout: 60_000 }, async () => {
    const srv = await rawServer((_req, socket) => socket.write(OK('kept')));
    try {
      // A program that fetches with agents and never closes them must still end by itself.
      const script = `import { fetchPage } from ${JSON.stringify(new URL('../../src/http/index.js', import.meta.url).href)};
        const page = await fetchPage(new URL(${JSON.stringify(srv.url)}), { signal: AbortSignal.timeout(3000), agents: {} });
        process.stdout.write(page.body);`;
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve)).finally(() => child.kill());
      assert.equal(code, 0, 'the program ended on its own');
      assert.equal(out, 'kept');
      assert.equal(srv.connections(), 1);
    } finally {
      await srv.close();
    }
  });
});

describe('fetchPage over HTTPS with a self-signed certificate', () => {
  let dir = '';
  let url = '';
  let close: () => Promise<void> = () => Promise.resolve();
  const skip = needs('openssl');

  before(async () => {
    if (skip !== false) return;
    dir = mkdtempSync(`${tmpdir()}/homenet-tls-`);
    const pem = selfSignedCertificate(dir);
    const server = createTlsServer(pem, (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('secret-free page');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    close = () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      });
  });
  after(async () => {
    await close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('is refused by default, with the fix in the message', { skip }, async () => {
    await assert.rejects(fetchPage(new URL(url), { signal: signal() }), {
      message: 'self-signed TLS certificate (set insecure = true for this device to accept it)',
    });
  });

  it('is accepted with insecure = true', { skip }, async () => {
    const page = await fetchPage(new URL(url), { signal: signal(), insecure: true });
    assert.equal(page.body, 'secret-free page');
  });
});
