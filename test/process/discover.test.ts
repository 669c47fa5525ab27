/**
 * `discover` against hostile speakers on loopback: what a speaker says about
 * itself never becomes INI structure, and nothing is fetched from a host other
 * than the one that answered the search.
 */
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { buildConfig } from '../../src/config/index.js';
import { discover, iniSections } from '../../src/devices/sonos/discover.js';
import { ZONEPLAYER_ST } from '../../src/devices/sonos/simulate/sonos.js';

const INJECTED = 'Den&#10;[evil]&#10;type = att-bgw&#13;&#10;url = http://127.0.0.9&#10;collect = nat&#10;access_code_file = /etc/telegraf/att-access-code&#11;&#x2028;x';

function listen(server: Server, host: string): Promise<number> {
  return new Promise((resolve) => server.listen(0, host, () => resolve((server.address() as AddressInfo).port)));
}

/** A speaker whose zone name and model carry line breaks meant to become INI lines. */
function hostileSpeaker(hits: string[]): Server {
  return createServer((req, res) => {
    hits.push(req.url ?? '');
    res.setHeader('content-type', 'text/xml');
    if (req.url === '/evil/status/zp') {
      res.end(`<?xml version="1.0" ?><ZPSupportInfo><ZPInfo><ZoneName>${INJECTED}</ZoneName></ZPInfo></ZPSupportInfo>`);
    } else if (req.url === '/evil/xml/device_description.xml') {
      res.end('<root><device><modelName>One&#10;[x]&#10;url = http://127.0.0.9</modelName><modelNumber>S18</modelNumber></device></root>');
    } else {
      res.statusCode = 404;
      res.end();
    }
  });
}

/** Answers every M-SEARCH with the given LOCATIONs, one reply each. */
async function ssdpResponder(locations: readonly [string, string][]): Promise<Socket> {
  const socket = createSocket('udp4');
  socket.on('message', (_msg, from) => {
    for (const [location, uid] of locations) {
      socket.send(`HTTP/1.1 200 OK\r\nLOCATION: ${location}\r\nST: ${ZONEPLAYER_ST}\r\nUSN: uuid:${uid}::${ZONEPLAYER_ST}\r\n\r\n`, from.port, from.address);
    }
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return socket;
}

describe('discover: what speakers answer is data, never INI structure', () => {
  const hits: string[] = [];
  const elsewhereHits: string[] = [];
  const speaker = hostileSpeaker(hits);
  // Another host (::1) that a LOCATION points at: it must never be asked.
  const elsewhere = createServer((req, res) => {
    elsewhereHits.push(req.url ?? '');
    res.end();
  });
  let ssdp: Socket;
  let port = 0;
  let elsewherePort = 0;

  before(async () => {
    port = await listen(speaker, '127.0.0.1');
    elsewherePort = await listen(elsewhere, '::1');
    ssdp = await ssdpResponder([
      [`http://127.0.0.1:${port}/evil/xml/device_description.xml`, 'RINCON_EVIL0001'],
      [`http://[::1]:${elsewherePort}/xml/device_description.xml`, 'RINCON_AWAY0001'],
      [`http://127.0.0.1:${port}/a;b/xml/device_description.xml`, 'RINCON_ODD00001'],
    ]);
  });
  after(() => {
    speaker.close();
    elsewhere.close();
    ssdp.close();
  });

  it('a zone name with line breaks stays a comment; a LOCATION on another host is not fetched', async () => {
    const warnings: string[] = [];
    const found = await discover('127.0.0.1', ssdp.address().port, 200, (w) => warnings.push(w));
    const ini = iniSections(found);
    // eslint-disable-next-line no-control-regex -- no control character but the line ends
    assert.doesNotMatch(ini, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029]/);
    assert.deepEqual(elsewhereHits, [], 'nothing asked of a host that did not answer');
    assert.deepEqual(hits.sort(), ['/evil/status/zp', '/evil/xml/device_description.xml']);
    assert.deepEqual(warnings.sort(), [
      `ignored the answer of 127.0.0.1 (RINCON_AWAY0001): its LOCATION "http://[::1]:${elsewherePort}/xml/device_description.xml" is on another host (only the address that answered is asked)`,
      `ignored the answer of 127.0.0.1 (RINCON_ODD00001): its LOCATION "http://127.0.0.1:${port}/a;b/xml/device_description.xml" is not a plain path`,
    ]);
    const config = buildConfig({ file: 'pasted.ini', fileText: ini });
    assert.deepEqual(
      config.devices.map((d) => [d.name, d.type, d.url.href]),
      [['den-evil-type-att-bgw-url-http-127-0-0-9', 'sonos', `http://127.0.0.1:${port}/evil`]],
    );
    // One comment line, cut to 120 characters.
    const comment = ';; Den [evil] type = att-bgw url = http://127.0.0.9 collect = nat access_code_file = /etc/telegraf/att-access-code x, One …';
    assert.ok(ini.includes(`\n[den-evil-type-att-bgw-url-http-127-0-0-9]\n${comment}\ntype = sonos\n`), ini);
  });
});
