/**
 * What makes a unit test one: loaded into every test process by the runner
 * (run-tests.ts), it acts only in the files of test/unit/, where starting a
 * process, opening a socket or a timer that fires after a delay throws at
 * once, naming the file and what to do. The folder a test sits in is thus a
 * promise the runner keeps, not a label: a unit test that starts depending on
 * the machine (its processes, its network, how busy it is) fails where it
 * stands instead of slowing `npm run test:unit` down or making it flaky.
 */
import childProcess from 'node:child_process';
import dgram from 'node:dgram';
import { syncBuiltinESMExports } from 'node:module';
import net from 'node:net';
import timers from 'node:timers';

/** The test file this process runs, when it is a unit test's. */
const file = /[\\/]dist[\\/]test[\\/]unit[\\/][^\\/]+\.test\.js$/
  .exec(process.argv[1] ?? '')?.[0]
  .replace(/^[\\/]dist[\\/]/, '')
  .replace(/\.js$/, '.ts');

/** The error a unit test gets for `what`. */
function refused(what: string): Error {
  return new Error(
    `${file ?? 'a unit test'} ${what}: a unit test starts no process, opens no socket and waits for no timer. ` +
      "Inject what it needs (a fetcher, src/clock.ts's Clock with test/support/clock.ts's FakeClock), or move the test to test/process/.",
  );
}

/** Replaces `target[name]` with a function that throws. */
function forbid(target: object, name: string, what: string): void {
  Object.defineProperty(target, name, {
    configurable: true,
    writable: true,
    value: () => {
      throw refused(what);
    },
  });
}

type TimerFn = (fn: (...args: unknown[]) => void, delay?: number, ...args: unknown[]) => unknown;

/** A timer function whose callbacks throw when they fire after a real delay (0 or 1 ms, "soon", is no wait). */
function guardedTimer(original: TimerFn, name: string): TimerFn {
  return (fn, delay, ...args) => {
    if (typeof fn !== 'function' || delay === undefined || !(delay > 1)) return original(fn, delay, ...args);
    return original(() => {
      throw refused(`waited for a ${name}(…, ${String(delay)})`);
    }, delay);
  };
}

if (file !== undefined) {
  for (const name of ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork']) forbid(childProcess, name, `started a process (child_process.${name})`);
  forbid(net.Server.prototype, 'listen', 'listened on a socket');
  forbid(net.Socket.prototype, 'connect', 'opened a connection');
  forbid(dgram.Socket.prototype, 'bind', 'bound a UDP socket');
  forbid(dgram.Socket.prototype, 'send', 'sent a UDP datagram');
  const g = globalThis as unknown as Record<'setTimeout' | 'setInterval', TimerFn>;
  const t = timers as unknown as Record<'setTimeout' | 'setInterval', TimerFn>;
  for (const name of ['setTimeout', 'setInterval'] as const) {
    g[name] = guardedTimer(g[name].bind(globalThis), name);
    t[name] = g[name];
  }
  // ES module imports of these modules see the replacements too.
  syncBuiltinESMExports();
}
