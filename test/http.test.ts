/** fetchPage over real sockets: charsets, redirects, size cap, TLS choice. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { FetchError, fetchPage } from '../src/http.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

async function serve(handler: Handler): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

const signal = (): AbortSignal => AbortSignal.timeout(3000);

describe('fetchPage', () => {
  let srv: Awaited<ReturnType<typeof serve>>;
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
      } else if (path === '/loop') {
        res.writeHead(302, { location: '/loop' });
        res.end();
      } else if (path === '/declared-huge') {
        res.writeHead(200, { 'content-length': String(50 * 1024 * 1024) });
        res.write('x');
      } else if (path === '/slow-headers') {
        setTimeout(() => { res.writeHead(200); res.end('late'); }, 150);
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

  it('stops after 3 redirects', async () => {
    await assert.rejects(fetchPage(new URL(`${srv.url}/loop`), { signal: signal() }), { message: 'more than 3 redirects' });
  });

  it('refuses a body whose declared length is over the cap, without reading it', async () => {
    await assert.rejects(fetchPage(new URL(`${srv.url}/declared-huge`), { signal: signal(), maxBytes: 1024 }), {
      message: 'response is 52428800 bytes, over the 1024-byte limit',
    });
  });

  it('measures time to first byte and the whole request', async () => {
    const page = await fetchPage(new URL(`${srv.url}/slow-headers`), { signal: signal() });
    assert.ok(page.ttfbMs >= 140, `ttfb ${page.ttfbMs}`);
    assert.ok(page.totalMs >= page.ttfbMs);
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
    setTimeout(() => c.abort(new Error('out of time')), 50);
    await assert.rejects(fetchPage(new URL(`${srv.url}/slow-headers`), { signal: c.signal }), { message: 'out of time' });
  });
});

describe('fetchPage over HTTPS with a self-signed certificate', () => {
  let dir = '';
  let url = '';
  let close: () => Promise<void> = () => Promise.resolve();
  const openssl = spawnSync('openssl', ['version']).status === 0;

  before(async () => {
    if (!openssl) return;
    dir = mkdtempSync(`${tmpdir()}/homenet-tls-`);
    const made = spawnSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', `${dir}/key.pem`, '-out', `${dir}/cert.pem`,
    ]);
    assert.equal(made.status, 0, made.stderr.toString());
    const server = createTlsServer({ key: readFileSync(`${dir}/key.pem`), cert: readFileSync(`${dir}/cert.pem`) }, (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('secret-free page');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    close = () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); });
  });
  after(async () => {
    await close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('is refused by default, with the fix in the message', { skip: openssl ? false : 'openssl is not installed' }, async () => {
    await assert.rejects(fetchPage(new URL(url), { signal: signal() }), {
      message: 'self-signed TLS certificate (set insecure = true for this device to accept it)',
    });
  });

  it('is accepted with insecure = true', { skip: openssl ? false : 'openssl is not installed' }, async () => {
    const page = await fetchPage(new URL(url), { signal: signal(), insecure: true });
    assert.equal(page.body, 'secret-free page');
  });
});
