/** The HTTP/1.x response reader on bytes alone: framing, tolerance, refusals, keep-alive. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { HttpParseError, MAX_HEAD_BYTES, ResponseReader } from '../src/http-response.js';

/** Feeds `pieces` one after another, then the connection's end when `closed`. */
function read(pieces: readonly (string | Buffer)[], closed = false): ResponseReader {
  const reader = new ResponseReader();
  for (const p of pieces) reader.push(typeof p === 'string' ? Buffer.from(p, 'latin1') : p);
  if (closed) reader.end();
  return reader;
}

function refusal(pieces: readonly string[], closed = false): string {
  try {
    read(pieces, closed);
  } catch (err) {
    assert.ok(err instanceof HttpParseError, String(err));
    return err.message;
  }
  assert.fail('read without complaint');
}

describe('response reader: what it accepts', () => {
  it('a Content-Length body, and nothing more', () => {
    const r = read(['HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5\r\n\r\nhello']);
    assert.equal(r.done, true);
    assert.equal(r.head?.status, 200);
    assert.equal(r.head.reason, 'OK');
    assert.deepEqual(r.head.headers.get('content-type'), ['text/html']);
    assert.equal(r.body().toString(), 'hello');
    assert.equal(r.reusable, true);
  });

  it('a chunked body with extensions and trailers', () => {
    const r = read(['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;name=x\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nExpires: never\r\n\r\n']);
    assert.equal(r.done, true);
    assert.equal(r.body().toString(), 'Wikipedia in\r\n\r\nchunks.');
    assert.equal(r.reusable, true);
  });

  it('bare LF line ends, no reason phrase, a folded header', () => {
    const r = read(['HTTP/1.1 200\nServer: old\n  gateway\nContent-Length: 2\n\nok']);
    assert.equal(r.body().toString(), 'ok');
    assert.equal(r.head?.reason, '');
    assert.deepEqual(r.head.headers.get('server'), ['old gateway']);
  });

  it('HTTP/1.0 without a length: the body ends with the connection, which is not reused', () => {
    const r = read(['HTTP/1.0 200 OK\r\n\r\n<html>', '</html>']);
    assert.equal(r.done, false);
    r.end();
    assert.equal(r.done, true);
    assert.equal(r.body().toString(), '<html></html>');
    assert.equal(r.reusable, false);
  });

  it('skips an interim 100 Continue and reads the answer after it', () => {
    const r = read(['HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx']);
    assert.equal(r.head?.status, 200);
    assert.equal(r.body().toString(), 'x');
  });

  it('204 and 304 have no body whatever their headers say', () => {
    for (const status of [204, 304]) {
      const r = read([`HTTP/1.1 ${status} X\r\nContent-Length: 10\r\n\r\n`]);
      assert.equal(r.done, true);
      assert.equal(r.bodySize, 0);
    }
  });

  it('keeps every Set-Cookie', () => {
    const r = read(['HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nset-cookie: b=2; Path=/\r\nContent-Length: 0\r\n\r\n']);
    assert.deepEqual(r.head?.headers.get('set-cookie'), ['a=1', 'b=2; Path=/']);
    assert.equal(r.done, true);
  });

  it('says when the connection cannot carry another request', () => {
    const reusable = (text: string): boolean => read([text]).reusable;
    assert.equal(reusable('HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx'), true);
    assert.equal(reusable('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\nx'), false);
    assert.equal(reusable('HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx'), false);
    assert.equal(reusable('HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 1\r\n\r\nx'), true);
    assert.equal(reusable('HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nxy'), false, 'bytes after the body');
    assert.equal(reusable('HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n'), false, 'length beside chunked');
    assert.equal(reusable('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nx'), false, 'not done');
  });
});

describe('response reader: what it refuses, in words for a log line', () => {
  it('anything that is not an HTTP/1.x status line', () => {
    assert.equal(refusal(['<html>hello</html>\r\n\r\n']), 'the answer is not HTTP');
    assert.equal(refusal(['HTTP/2 200\r\n\r\n']), 'the answer is not HTTP');
    assert.equal(refusal(['HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n']), 'the answer is not HTTP');
  });

  it('malformed headers', () => {
    assert.equal(refusal(['HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n']), 'the answer has invalid HTTP headers');
    assert.equal(refusal(['HTTP/1.1 200 OK\r\nno colon\r\n\r\n']), 'the answer has invalid HTTP headers');
    assert.equal(refusal(['HTTP/1.1 200 OK\r\n folded first\r\n\r\n']), 'the answer has invalid HTTP headers');
    assert.equal(refusal(['HTTP/1.1 200 OK\r\nX: a\0b\r\n\r\n']), 'the answer has invalid HTTP headers');
  });

  it('a body whose end is ambiguous', () => {
    assert.equal(refusal(['HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n']), 'the answer has an invalid Content-Length');
    assert.equal(refusal(['HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n']), 'the answer has an invalid Content-Length');
    assert.equal(refusal(['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n']), 'the answer has invalid chunked encoding');
    assert.equal(refusal(['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n']), 'the answer has invalid chunked encoding');
  });

  it('heads, chunk lines and trailers that never end', () => {
    assert.equal(refusal([`HTTP/1.1 200 OK\r\nX: ${'a'.repeat(MAX_HEAD_BYTES)}`]), "the answer's HTTP headers are over 32 KiB");
    assert.equal(refusal(['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n', '1'.repeat(5000)]), 'the answer has invalid chunked encoding');
    const trailers = Array.from({ length: 400 }, (_, i) => `T${i}: ${'v'.repeat(100)}\r\n`).join('');
    assert.equal(refusal(['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n', trailers]), 'the answer has invalid chunked encoding');
  });

  it('a connection that closes before the promised end', () => {
    for (const cut of ['HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n', 'HTTP/1.1 200 OK\r\nContent-Le', '']) {
      assert.equal(refusal([cut], true), 'connection closed before the page was complete', JSON.stringify(cut));
    }
  });
});

/** A response as bytes, framed by length, by chunks (of the given sizes) or by the connection's end. */
function encode(body: Buffer, framing: 'length' | 'chunked' | 'close', chunkSizes: number[], extra: [string, string][]): Buffer {
  const head = ['HTTP/1.1 200 OK', ...extra.map(([k, v]) => `${k}: ${v}`)];
  if (framing === 'length') head.push(`Content-Length: ${body.length}`);
  if (framing === 'chunked') head.push('Transfer-Encoding: chunked');
  const parts: Buffer[] = [Buffer.from(`${head.join('\r\n')}\r\n\r\n`, 'latin1')];
  if (framing !== 'chunked') parts.push(body);
  else {
    let at = 0;
    for (const size of chunkSizes) {
      if (at >= body.length) break;
      const piece = body.subarray(at, at + size);
      parts.push(Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n'));
      at += piece.length;
    }
    if (at < body.length) parts.push(Buffer.from(`${(body.length - at).toString(16)}\r\n`), body.subarray(at), Buffer.from('\r\n'));
    parts.push(Buffer.from('0\r\n\r\n'));
  }
  return Buffer.concat(parts);
}

describe('response reader: however the bytes are split', () => {
  it('reads the same head and body as from one piece', () => {
    const header = fc.tuple(fc.stringMatching(/^X-[A-Za-z0-9-]{1,12}$/), fc.stringMatching(/^[ -~]{0,40}$/).map((v) => v.trim()));
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 3000 }),
        fc.constantFrom('length' as const, 'chunked' as const, 'close' as const),
        fc.array(fc.integer({ min: 1, max: 700 }), { maxLength: 8 }),
        fc.array(header, { maxLength: 5 }),
        fc.array(fc.integer({ min: 1, max: 400 }), { maxLength: 30 }),
        (bytes, framing, chunkSizes, extra, cuts) => {
          const body = Buffer.from(bytes);
          const wire = encode(body, framing, chunkSizes, extra);
          const reader = new ResponseReader();
          let at = 0;
          for (const c of cuts) {
            if (at >= wire.length) break;
            reader.push(wire.subarray(at, at + c));
            at += c;
          }
          if (at < wire.length) reader.push(wire.subarray(at));
          if (framing === 'close') {
            assert.equal(reader.done, false);
            reader.end();
          }
          assert.equal(reader.done, true);
          assert.equal(reader.trailing, false);
          assert.equal(reader.head?.status, 200);
          for (const [k, v] of extra) assert.ok(reader.head.headers.get(k.toLowerCase())?.includes(v), k);
          assert.deepEqual(reader.body(), body);
          assert.equal(reader.reusable, framing !== 'close');
        },
      ),
      { numRuns: 400 },
    );
  });
});
