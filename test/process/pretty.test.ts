/** collect --format pretty, --rate and --watch against the simulator, in this process and through the launcher. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Timer } from '../../src/clock.js';
import { startSimulator, type Simulator } from '../../src/simulate/server.js';
import { FakeClock, until } from '../support/clock.js';
import { lines, runMain } from '../support/helpers.js';

/**
 * A clock for the program and the simulator alike that moves only when the
 * program sleeps: --rate and --watch run without waiting, their rates over
 * exactly the time asked for. `onSleep` sees each sleep's length.
 */
function standingClock(onSleep: (ms: number) => void = () => undefined): { now: () => number; timer: Timer } {
  let ms = 0;
  const now = (): number => ms;
  return {
    now,
    timer: {
      now,
      wallMs: () => Date.UTC(2026, 5, 1, 12) + ms,
      sleep: (d) => {
        onSleep(d);
        ms += Math.max(d, 0);
        return Promise.resolve();
      },
    },
  };
}

/** main() in this process. */
const run = runMain;

// The live screen in a real terminal is the one slow case; the others run beside it.
describe('collect --format pretty and --watch', { concurrency: true }, () => {
  let sim: Simulator;
  let still: Simulator;
  const clock = standingClock();
  before(async () => {
    sim = await startSimulator();
    still = await startSimulator({ now: clock.now });
  });
  after(async () => {
    await sim.close();
    await still.close();
  });

  it('prints a table within 100 columns: tags once per device, rates from --rate, units beside numbers', async () => {
    const r = await run(
      [
        '--device',
        `att-pace=${still.url}`,
        '--device',
        `att-bgw=${still.url}/bgw320`,
        '--device',
        `sonos=${still.url}/sonos/1`,
        '--device',
        `sonos=${still.url}/sonos/4`,
        '--tag',
        'region=home',
        '--format',
        'pretty',
        '--rate',
        '1s',
      ],
      { timer: clock.timer },
    );
    assert.equal(r.code, 0, r.stderr);
    const out = lines(r.stdout);
    assert.deepEqual(
      out.filter((l) => l.length > 100),
      [],
    );
    assert.match(out[0] ?? '', /^ {2}row +rx +tx +rx rate +tx rate +err +status$/);
    // One header per device says the shared tag; no row repeats it.
    assert.equal(out.filter((l) => l.includes('region=home')).length, 4, r.stdout);
    assert.ok(out.filter((l) => l.includes('region=home')).every((l) => /^\S/.test(l)));
    assert.match(r.stdout, /^127\.0\.0\.1:\d+ · att-pace · ok in \d+ ms · region=home\n {2}up 94d \d+h · Pace Plc 5268AC · firmware /m);
    assert.match(r.stdout, /^ {2}net +[\d.]+ [MG]iB +[\d.]+ [MG]iB +[\d.]+ [kM]bit\/s +[\d.]+ [kM]bit\/s +17\/0$/m);
    assert.match(r.stdout, /^ {2}dsl 1 down +rate 48\.2 Mbit\/s · max rate 51\.0 Mbit\/s · noise margin 7\.1 dB/m);
    assert.match(r.stdout, /^ {2}wan +connected · FIBER · Lightspeed · link up · link speed 10\.0 Gbit\/s · full$/m);
    assert.match(r.stdout, /^ {2}br0 +[\d.]+ [KMG]iB +[\d.]+ GiB +[\d.]+ kbit\/s/m);
    assert.match(r.stdout, /FAILED in \d+ ms · region=home\n {2}local access disabled \(HTTP 403\)/);
    // No field names, no line protocol.
    assert.doesNotMatch(r.stdout, /\b[a-z]+_[a-z_]+=|=\d+i\b/);
  });

  it('--rate needs --format pretty', async () => {
    const r = await run(['--device', `att-pace=${sim.url}`, '--rate', '1s']);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, 'E! --rate: only with --format pretty\n');
  });

  it('--watch refuses to start without a terminal (Telegraf, a pipe or a file would wait for ever)', async () => {
    // No `terminal` given: what the launcher passes when standard output is not one.
    const r = await run(['--device', `att-pace=${sim.url}`, '--watch', '1s']);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^E! --watch: standard output is not a terminal/);
    const lp = await run(['--device', `att-pace=${sim.url}`, '--watch', '1s', '--format', 'lp']);
    assert.equal(lp.code, 2);
    assert.equal(lp.stderr, 'E! --watch: only with the table (leave --format lp out)\n');
  });

  it('--watch: a frame every interval (the sleep is what the gather left of it), rates since the frame before, until the signal', async () => {
    const stop = new AbortController();
    const sleeps: number[] = [];
    const watching = standingClock((ms) => {
      sleeps.push(ms);
      if (sleeps.length === 3) stop.abort();
    });
    // Its own standing simulator: the clock moves only between this test's frames.
    const sim3 = await startSimulator({ now: watching.now });
    try {
      const r = await run(['--device', `att-pace=${sim3.url}`, '--device', `sonos=${sim3.url}/sonos/1`, '--watch', '2s'], {
        timer: watching.timer,
        signal: stop.signal,
        terminal: () => ({ columns: 80, rows: 30 }),
      });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, '');
      assert.deepEqual(sleeps, [2000, 2000, 2000], 'a clock that stands during a gather leaves the whole interval to sleep');
      assert.ok(r.stdout.startsWith('\u001b[?25l\u001b[2J') && r.stdout.endsWith('\u001b[?25h'), 'cursor hidden, then shown again');
      const frames = r.stdout.split('\u001b[H').slice(1);
      assert.equal(frames.length, 3);
      frames.forEach((f, i) => {
        const time = new Date(Date.UTC(2026, 5, 1, 12) + i * 2000).toTimeString().slice(0, 8);
        assert.ok(f.startsWith(`telegraf-homenet · every 2s · ${time} · Ctrl-C to stop\u001b[K\n`), f);
      });
      // No rates in the first frame; the third has two in its sparkline. At 80 columns the totals make way for them.
      const [first, , third] = frames.map((f) => f.replaceAll('\u001b[K', ''));
      assert.match(first ?? '', /^ {2}row +rx rate +tx rate +history +err +status$/m);
      assert.match(first ?? '', /^ {2}net +17\/0$/m);
      assert.match(third ?? '', /^ {2}net +[\d.]+ [kM]bit\/s +[\d.]+ [kM]bit\/s +[▁▂▃▄▅▆▇█]{2} +17\/0$/m);
    } finally {
      await sim3.close();
    }
  });

  it("--watch: Ctrl-C during a gather of a hanging device ends the view at once, not at the device's timeout", async () => {
    const hang = await startSimulator({ fault: 'hang' });
    const stop = new AbortController();
    try {
      // The collector's clock never moves: the device's deadline never comes, only the signal can end the gather.
      const running = run(['--device', `att-pace=${hang.url}`, '--timeout', '20s', '--watch', '2s'], {
        timer: standingClock().timer,
        clock: new FakeClock(),
        signal: stop.signal,
        terminal: () => ({ columns: 80, rows: 30 }),
      });
      await until(() => hang.hits.size > 0);
      stop.abort();
      const r = await running;
      assert.equal(r.code, 0, r.stderr);
      assert.ok(r.stdout.endsWith('\u001b[?25h'), 'the cursor is shown again');
      assert.equal(r.stdout.split('\u001b[H').length, 1, 'no frame of a gather cut short');
    } finally {
      await hang.close();
    }
  });

  it('--rate: SIGTERM between the two readings prints no table (no rate to show), exit 143', async () => {
    const stop = new AbortController();
    const r = await run(['--device', `att-pace=${sim.url}`, '--format', 'pretty', '--rate', '5s'], {
      timer: standingClock(() => {
        stop.abort('SIGTERM');
      }).timer,
      signal: stop.signal,
    });
    assert.equal(r.code, 143, r.stderr);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, 'W! interrupted by SIGTERM: nothing printed\n');
  });
});
