/**
 * The simulator knows no make by name: a made-up make, registered in this
 * process with a simulator, is started, routed to and described like the
 * built-in ones.
 */
// run-tests: alone (it registers a made-up device kind, which every simulator and registry lookup in the process would see)
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, it } from 'node:test';
import { main } from '../../src/cli/index.js';
import { registerKind, type DeviceKind } from '../../src/devices/index.js';
import type { SimulatedContext, SimulatedMake } from '../../src/simulate/make.js';
import { startSimulator } from '../../src/simulate/server.js';
import { useSimulator } from '../support/context.js';
import { until } from '../support/clock.js';
import { ROOT } from '../support/helpers.js';

/** A GET on loopback: the status and the text. */
async function get(url: string): Promise<{ status: number; body: string }> {
  const r = await fetch(url, { signal: AbortSignal.timeout(3000) });
  return { status: r.status, body: await r.text() };
}

/** What the made-up make saw. */
const seen = { starts: [] as SimulatedContext[], listens: [] as string[], closes: 0, paths: [] as string[] };

const widgets: SimulatedMake = {
  start(ctx) {
    seen.starts.push(ctx);
    return {
      handle(req: IncomingMessage, res: ServerResponse, url: string) {
        if (!url.startsWith('/widget/')) return false;
        seen.paths.push(url);
        const body = `widget ${url.slice('/widget'.length)} after ${ctx.elapsed() >= 0 ? 'start' : '?'} (fault ${ctx.fault}, layout ${JSON.stringify(ctx.options['layout'] ?? 'usual')})`;
        res.writeHead(req.method === 'GET' ? 200 : 405, { 'content-type': 'text/plain' });
        res.end(body);
        return true;
      },
      describe: (baseUrl) => [`Widget W-1: --device widget=${baseUrl}/widget`],
      demo: (baseUrl) => [`widget=${baseUrl}/widget`],
      listen(baseUrl) {
        seen.listens.push(baseUrl);
        return Promise.resolve();
      },
      close() {
        seen.closes++;
        return Promise.resolve();
      },
      sessions: (prefix) => (prefix === '/widget' ? 3 : undefined),
      extras: () => ({ speakers: [{ prefix: '/widget/speaker', forbidden: false }] }),
    };
  },
};

let loads = 0;
const load = (): Promise<SimulatedMake> => {
  loads++;
  return Promise.resolve(widgets);
};
const kind = (type: string): DeviceKind => ({
  type,
  description: 'a made-up widget',
  role: 'gateway',
  notFoundHint: 'is it a widget?',
  families: [],
  catalogue: [],
  simulator: load,
});
// Two kinds of one make share its loader: its devices start once.
registerKind(kind('widget'));
registerKind(kind('widget-pro'));

describe('simulator: a registered make is served without the server knowing it', () => {
  const lab = useSimulator({ fault: 'slow', layout: 'isp', maxSessions: 2, speakers: 1 });

  it('starts the make once, with the options, and tells it where it listens', () => {
    assert.equal(loads, 1);
    assert.equal(seen.starts.length, 1);
    const ctx = seen.starts[0];
    assert.equal(ctx?.fault, 'slow');
    assert.equal(ctx.options['layout'], 'isp');
    assert.equal(ctx.maxSessions, 2);
    assert.equal(ctx.options['speakers'], 1);
    assert.deepEqual(seen.listens, [lab.url]);
  });

  it('gives the make the paths it takes, and counts them', async () => {
    const r = await get(`${lab.url}/widget/status?x=1`);
    assert.equal(r.status, 200);
    assert.equal(r.body, 'widget /status?x=1 after start (fault slow, layout "isp")');
    assert.deepEqual(seen.paths, ['/widget/status?x=1']);
    assert.equal(lab.sim.hits.get('/widget/status?x=1'), 1);
  });

  it('answers 404 for a path no make takes, and the make never sees it', async () => {
    const r = await get(`${lab.url}/gadget/status`);
    assert.equal(r.status, 404);
    assert.ok(!seen.paths.includes('/gadget/status'));
  });

  it("passes the make's sessions, speakers and lines through", () => {
    assert.equal(lab.sim.sessions('/widget'), 3);
    assert.equal(lab.sim.sessions('/gadget'), 0);
    assert.ok(lab.sim.speakers.some((s) => s.prefix === '/widget/speaker'));
    assert.equal(lab.sim.describe().at(-1), `Widget W-1: --device widget=${lab.url}/widget`);
    assert.equal(lab.sim.demoDevices().at(-1), `widget=${lab.url}/widget`);
  });

  it('a layout no make has is refused, before anything listens', async () => {
    await assert.rejects(startSimulator({ layout: 'round' }), /^Error: unknown layout "round" \(known: att, isp\)$/);
  });

  it('closes the make with the server', async () => {
    const other = await startSimulator();
    const closes = seen.closes;
    await other.close();
    assert.equal(seen.closes, closes + 1);
  });
});

describe('simulate command: the lines of a registered make', () => {
  it("prints the make's description and serves its paths", async () => {
    let stdout = '';
    let stderr = '';
    const stop = new AbortController();
    const running = main(['simulate', '--port', '0', '--sonos', '0'], {
      stdout: (t) => (stdout += t),
      stderr: (t) => (stderr += t),
      signal: stop.signal,
    });
    await until(() => stdout.includes('\n'));
    const url = stdout.trim();
    try {
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
      const lines = stderr.trimEnd().split('\n');
      assert.equal(lines[0], `I! simulated devices on ${url}; stop with Ctrl-C`);
      assert.equal(lines.at(-1), `I!   Widget W-1: --device widget=${url}/widget`);
      const r = await get(`${url}/widget/x`);
      assert.equal(r.body, 'widget /x after start (fault none, layout "att")');
    } finally {
      stop.abort();
      assert.equal(await running, 0);
    }
  });
});

describe('src/simulate/ names no make', () => {
  it('no file there says a make or model of the built-in kinds', () => {
    const dir = `${ROOT}src/simulate/`;
    for (const file of readdirSync(dir)) {
      const text = readFileSync(dir + file, 'utf8');
      assert.doesNotMatch(text, /\b(att|at&t|bgw\w*|pace|sonos|\.ha|nvg\w*|2wire|rincon)\b/i, file);
    }
  });
});
