/** The execd loop in this process against the simulator: a repeated error in the log, the gateway's session closed however it stops. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Fetcher } from '../../src/collect/index.js';
import { buildConfig } from '../../src/config/index.js';
import { runExecd } from '../../src/execd.js';
import { FetchError, fetchPage } from '../../src/http/index.js';
import { SIM_ACCESS_CODE } from '../../src/devices/att/simulate/bgw.js';
import { startSimulator, type Simulator } from '../../src/simulate/server.js';
import { useSimulator } from '../support/context.js';
import { reads } from '../support/helpers.js';

describe('execd: a repeated error is not repeated in the log (issue 15, item 6)', () => {
  const lab = useSimulator();

  it('logged when it starts, when it changes, every 10 minutes with a count, and when it clears', async () => {
    // One speaker, really asked over HTTP; the test picks which simulated speaker answers:
    // the one with local access disabled (403), none (refused), or a healthy one.
    type Mode = 'forbidden' | 'down' | 'ok';
    let mode: Mode = 'forbidden';
    const forbidden = lab.sim.speakers.find((s) => s.forbidden)?.prefix ?? '';
    const fetcher: Fetcher = (url, o) => {
      if (mode === 'down') return Promise.reject(new FetchError('connection refused', undefined, true));
      const u = new URL(url);
      if (mode === 'forbidden') u.pathname = u.pathname.replace(/^\/sonos\/1/, forbidden);
      return fetchPage(u, o);
    };
    // Minutes on the injected clock, and what the speaker does at that gather.
    const steps: [number, Mode][] = [
      [0, 'forbidden'],
      ...Array.from({ length: 19 }, (_, i): [number, Mode] => [(i + 1) / 2, 'forbidden']), // every 30 s up to 9m30s
      [10, 'forbidden'], // 10 minutes after it was logged
      [10.5, 'forbidden'],
      [11, 'down'], // it changes
      [11.5, 'down'],
      [12, 'ok'], // it clears
      [12.5, 'ok'],
    ];
    let clock = 0;
    let stderr = '';
    let written = (): void => undefined;
    const io = {
      stdin: (async function* () {
        for (const [minutes, m] of steps) {
          clock = minutes * 60_000;
          mode = m;
          const batch = new Promise<void>((resolve) => (written = resolve));
          yield '\n';
          await batch;
        }
      })(),
      stdout: () => written(),
      stderr: (t: string) => (stderr += t),
      now: () => clock,
    };
    assert.equal(await runExecd(buildConfig({ devices: [`sonos=${lab.url}/sonos/1`] }), io, { fetcher }), 0);
    const log = stderr.split('\n').filter((l) => l !== '' && !l.startsWith('I! telegraf-homenet execd:'));
    assert.equal(log.length, 4, log.join('\n'));
    assert.match(log[0] ?? '', /^E! \[[^\]]+\] sonos http:\/\/127\.0\.0\.1:\d+\/sonos\/1\/\S+: local access disabled \(HTTP 403\)/);
    assert.match(log[1] ?? '', /^E! \[[^\]]+\] sonos .*\(HTTP 403\).* \(repeated 20 times in the last 10m\)$/);
    assert.match(log[2] ?? '', /^E! \[[^\]]+\] sonos .*connection refused/);
    assert.match(log[3] ?? '', /^I! \[[^\]]+\] sonos: the error cleared after 24 gathers over 12m$/);
  });
});

describe('execd: the gateway session is closed however it stops (issue 21, item 6)', () => {
  let sim: Simulator;
  before(async () => {
    // Its NAT page never answers a logged-in request: SIGTERM finds it in flight.
    sim = await startSimulator({ fault: 'nat-hang' });
  });
  after(() => sim.close());

  const gateway = (): ReturnType<typeof buildConfig> =>
    buildConfig({ file: 'gw.ini', fileText: `[gw]\ntype = att\nurl = ${sim.url}/bgw320\ncollect = nat\naccess_code_env = CODE\ntimeout = 60s\n`, env: { CODE: SIM_ACCESS_CODE } });
  const logouts = (): number => sim.hits.get('/bgw320/cgi-bin/logout.ha') ?? 0;

  it('SIGTERM while a logged-in page is in flight: logged out before execd returns', async () => {
    const stop = new AbortController();
    const before = logouts();
    // The signal comes once the NAT page was asked, that is after the login.
    const fetcher: Fetcher = (url, o) => {
      if (url.pathname.endsWith('/nattable.ha')) setImmediate(() => stop.abort('SIGTERM'));
      return fetchPage(url, o);
    };
    const io = { stdin: reads(['\n']), stdout: () => undefined, stderr: () => undefined, signal: stop.signal };
    // stdin's EOF does not end it: the gather it asked for hangs until the signal.
    assert.equal(await runExecd(gateway(), io, { fetcher }), 0);
    assert.ok(stop.signal.aborted);
    assert.equal(logouts() - before, 1, 'one logout sent');
    assert.equal(sim.sessions('/bgw320'), 0, 'no session left open on the gateway');
  });

  it('a gather that lost the gateway keeps its session: logged out on stdin EOF', async () => {
    const before = logouts();
    // The NAT page's connection drops: the gather forgets the family, not the session.
    const fetcher: Fetcher = (url, o) => (url.pathname.endsWith('/nattable.ha') ? Promise.reject(new FetchError('connection reset by the device', undefined, true)) : fetchPage(url, o));
    let stderr = '';
    const io = { stdin: reads(['\n']), stdout: () => undefined, stderr: (t: string) => (stderr += t) };
    assert.equal(await runExecd(gateway(), io, { fetcher }), 0);
    assert.match(stderr, /nattable\.ha: connection reset by the device/);
    assert.equal(logouts() - before, 1, 'one logout sent');
    assert.equal(sim.sessions('/bgw320'), 0, 'no session left open on the gateway');
  });
});
