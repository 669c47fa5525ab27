/**
 * What a failed fetch says in a log line (issue 21, the smaller items): a
 * device's 16 KB reason phrase is cut, and OpenSSL's raw error strings are
 * said in words.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createTlsServer } from 'node:https';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { collect } from '../../src/collect/index.js';
import { buildConfig } from '../../src/config/index.js';
import { fetchPage } from '../../src/http/index.js';
import { selfSignedCertificate } from '../support/helpers.js';
import { needs } from '../support/needs.js';

/** A loopback server that answers every request with `head` (a status line and headers) and no body. */
async function answering(head: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((socket) => {
    socket.on('error', () => undefined);
    socket.once('data', () => socket.end(`${head}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('a device whose reason phrase is 16 KB', () => {
  let srv: Awaited<ReturnType<typeof answering>>;
  before(async () => {
    srv = await answering(`HTTP/1.1 500 ${'Broken '.repeat(2300)}`);
  });
  after(() => srv.close());

  it('every E! line and the error field carry the first 64 characters of it, and say it was cut', async () => {
    const { metrics, log } = await collect(buildConfig({ devices: [`att-pace=${srv.url}`] }));
    const reason = `HTTP 500 ${'Broken '.repeat(9).trimEnd()}… (reason cut at 64 characters)`;
    assert.equal(log.length, 5, log.join('\n'));
    assert.equal(log[0], `E! [--device 1] att-pace ${srv.url}/xslt?PAGE=C_1_0: traffic: ${reason}`);
    for (const line of log) assert.ok(line.length < 200, `${line.length} characters: ${line.slice(0, 120)}`);
    const error = metrics.find((m) => m.name === 'homenet_scrape')?.fields['error']?.value;
    assert.match(String(error), /^traffic: HTTP 500 (Broken ){8}Broken… \(reason cut at 64 characters\); line: /);
  });

  it('a short reason phrase is kept whole', async () => {
    const ok = await answering('HTTP/1.1 503 Service Unavailable');
    try {
      await assert.rejects(fetchPage(new URL(`${ok.url}/`), { signal: AbortSignal.timeout(5000) }), { message: 'HTTP 503 Service Unavailable' });
    } finally {
      await ok.close();
    }
  });
});

describe('a TLS server that demands a client certificate', () => {
  const skip = needs('openssl');
  let dir = '';
  let pem: ReturnType<typeof selfSignedCertificate> = { key: Buffer.alloc(0), cert: Buffer.alloc(0) };
  before(() => {
    if (skip !== false) return;
    dir = mkdtempSync(`${tmpdir()}/homenet-mtls-`);
    pem = selfSignedCertificate(dir);
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** fetchPage's error against such a server speaking at most `maxVersion`. */
  async function refusal(maxVersion: 'TLSv1.2' | 'TLSv1.3'): Promise<string> {
    const server = createTlsServer({ ...pem, requestCert: true, rejectUnauthorized: true, maxVersion }, (_q, res) => res.end('page'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      await fetchPage(new URL(`https://127.0.0.1:${(server.address() as AddressInfo).port}/`), { signal: AbortSignal.timeout(5000), insecure: true });
      return 'no error';
    } catch (err) {
      return (err as Error).message;
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  }

  it("TLS 1.3: says the device asks for a client certificate, not OpenSSL's string", { skip }, async () => {
    assert.equal(await refusal('TLSv1.3'), "the device asks for a TLS client certificate, which this program does not send (use the device's http:// address if it has one)");
  });

  it('TLS 1.2: says the handshake was refused and what may have caused it', { skip }, async () => {
    assert.equal(
      await refusal('TLSv1.2'),
      'the device refused the TLS handshake (sslv3 alert handshake failure): it may ask for a client certificate, which this program does not send, or share no cipher with it',
    );
  });
});
