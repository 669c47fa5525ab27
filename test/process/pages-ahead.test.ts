/**
 * A device's pages sent ahead of their turn (issue 25): in a one-shot run,
 * while one page is on the wire the next goes out on the host's second
 * connection, never more than the host's two at once, read in order; execd
 * keeps one connection per device. Against the simulator, through a loopback
 * gate that holds every answer until the test lets it go: nothing is timed.
 */
import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { collect } from '../../src/collect/index.js';
import { buildConfig, type Config } from '../../src/config/index.js';
import type { Metric } from '../../src/lineprotocol.js';
import { startSimulator, type Simulator } from '../../src/simulate/server.js';
import { FakeClock, turn, until } from '../support/clock.js';

/** A proxy to the simulator that holds each answer until `release()`, and counts the requests on the wire at once. */
interface Gate {
  readonly url: string;
  /** Paths asked, in the order they reached the gate. */
  readonly asked: string[];
  /** Requests held now. */
  held(): number;
  /** Most requests on the wire at once so far. */
  most(): number;
  /** Lets the oldest held request through. */
  release(): void;
  close(): Promise<void>;
}

async function gate(target: string): Promise<Gate> {
  const waiting: (() => void)[] = [];
  const asked: string[] = [];
  let onWire = 0;
  let most = 0;
  const server: Server = createServer((req, res) => {
    onWire++;
    most = Math.max(most, onWire);
    asked.push(req.url ?? '');
    res.on('close', () => onWire--);
    const body: Buffer[] = [];
    req.on('data', (d: Buffer) => body.push(d));
    req.on('end', () => {
      waiting.push(() => {
        const up = request(`${target}${req.url ?? ''}`, { method: req.method, headers: req.headers }, (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        });
        up.end(Buffer.concat(body));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    asked,
    held: () => waiting.length,
    most: () => most,
    release: () => waiting.shift()?.(),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Lets every request through as it comes until `done` settles; returns what it gave. */
async function drain<T>(g: Gate, done: Promise<T>): Promise<T> {
  const state = { over: false };
  void done.finally(() => (state.over = true));
  while (!state.over) {
    g.release();
    await turn();
  }
  return done;
}

const lines = (metrics: readonly Metric[]): string[] => metrics.map((m) => `${m.name} ${JSON.stringify(m.tags)} ${Object.keys(m.fields).join(',')}`);

describe('pages sent ahead on a second connection (issue 25)', () => {
  let sim: Simulator;
  before(async () => {
    sim = await startSimulator({ layout: 'isp' });
  });
  after(() => sim.close());

  it('a gateway alone at its address: two of its four pages on the wire at once, never three, read in order', { timeout: 20_000 }, async () => {
    const g = await gate(sim.url);
    try {
      const gateway = (url: string): Config => buildConfig({ file: 'gw.ini', fileText: `[gw]\ntype = att-pace\nurl = ${url}\n` });
      const gathering = collect(gateway(g.url), { clock: new FakeClock() });
      // The first page is held; the second is asked beside it (before, it waited for the first).
      await until(() => g.held() === 2);
      assert.deepEqual(g.asked, ['/xslt?PAGE=C_1_0', '/xslt?PAGE=C_0_0']);
      // The first two answered, the last two go out together.
      g.release();
      g.release();
      await until(() => g.held() === 2);
      assert.deepEqual(g.asked.slice(2), ['/xslt?PAGE=C_2_5', '/xslt?PAGE=C_5_5']);
      const { metrics, log } = await drain(g, gathering);
      assert.deepEqual(log, []);
      assert.equal(g.most(), 2);
      assert.equal(g.asked.length, 4, 'each page once');
      // The same lines, in the same order, as one page at a time (execd) gives.
      const serial = await collect(gateway(sim.url), { keepSessions: true });
      assert.deepEqual(lines(metrics.filter((m) => m.name !== 'homenet_scrape')), lines(serial.metrics.filter((m) => m.name !== 'homenet_scrape')));
    } finally {
      await g.close();
    }
  });

  it('devices sharing an address: at most its two connections at once, and every page read', { timeout: 20_000 }, async () => {
    const g = await gate(sim.url);
    try {
      const config = buildConfig({ devices: [`att-pace=${g.url}`, `sonos=${g.url}/sonos/1`, `sonos=${g.url}/sonos/2`] });
      const { metrics, log } = await drain(g, collect(config, { clock: new FakeClock() }));
      assert.deepEqual(log, []);
      assert.equal(g.most(), 2);
      assert.equal(g.asked.length, 4 + 3 + 3);
      assert.equal(metrics.filter((m) => m.name === 'homenet_system').length, 3);
    } finally {
      await g.close();
    }
  });

  it('execd keeps one connection per device: one page on the wire at a time', { timeout: 20_000 }, async () => {
    const g = await gate(sim.url);
    try {
      const config = buildConfig({ devices: [`att-pace=${g.url}`] });
      const gathering = collect(config, { clock: new FakeClock(), keepSessions: true });
      for (let page = 1; page <= 4; page++) {
        await until(() => g.held() === 1);
        // Turns for a second request to show up, if one were sent.
        for (let i = 0; i < 20; i++) await turn();
        assert.equal(g.asked.length, page);
        g.release();
      }
      const { log } = await gathering;
      assert.deepEqual(log, []);
      assert.equal(g.most(), 1);
    } finally {
      await g.close();
    }
  });
});
