/**
 * The built-in simulator, on loopback: the simulated devices of every
 * registered device kind that has them (src/devices/<make>/simulate/), each
 * at its own URL prefix on one HTTP server, for the demo, the tests and
 * trying a Telegraf config without the devices. A fault mode makes them
 * misbehave the ways real devices do. Never loaded by `collect`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SYSTEM_CLOCK, type Clock } from '../clock.js';
import { declared } from '../devices/index.js';
import { SHARED_FAULTS, type Fault } from './faults.js';
import type { SimulatedContext, SimulatedDevices } from './make.js';
import { notAllowed, notFound } from './reply.js';

export { HOSTILE_FAULTS, type Fault } from './faults.js';

/** Every fault `--fault` takes: the shared ones, then each make's own in the order the kinds were registered. */
export function knownFaults(): Fault[] {
  return [...SHARED_FAULTS, ...declared((k) => (k.faults ? [k.faults] : [])).flatMap((f) => f.names)];
}

/** The faults of the kinds registered when the simulator is loaded (the built-in ones). */
export const FAULTS: readonly Fault[] = knownFaults();

/** The options of SimulatorOptions the server reads itself; the others are the kinds'. */
const OWN_OPTIONS: ReadonlySet<string> = new Set(['port', 'address', 'fault', 'delayMs', 'now', 'clock', 'maxSessions']);

/** What `simulate` and the tests may choose. */
export interface SimulatorOptions {
  readonly fault?: Fault;
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  /** Loopback address to listen on (127.0.0.0/8 or ::1 only). */
  readonly address?: string;
  /** Every answer waits this long first (a slow device), ms. */
  readonly delayMs?: number;
  /** Clock in ms, for tests that move time; counters grow from the first reading. */
  readonly now?: () => number;
  /** What a late answer (`slow`, {@link delayMs}) waits on: the system's timers unless a test passes its fake clock. */
  readonly clock?: Clock;
  /** Web sessions each device with a login allows at once (the real ones allow very few; default 4). */
  readonly maxSessions?: number;
  /** The options the kinds add (`layout`, as `simulate --layout` sets it), by the name each make reads; absent: the make's default. */
  readonly [kindOption: string]: unknown;
}

/** A running simulator; a make adds what its devices offer (SimulatedDevices.extras), and their types by augmenting this. */
export interface Simulator {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  /** Requests served so far, by path. */
  readonly hits: ReadonlyMap<string, number>;
  /** Open login sessions of the device at this path prefix (0 when there is none). */
  sessions(prefix: string): number;
  /**
   * Reboots the device at this URL prefix (`''` for the one at the root)
   * now: its uptime and counters start again from 0, as a real one's do.
   * The makes whose devices show an uptime take it (docs/simulator.md).
   */
  reboot(prefix: string): void;
  /** A line per simulated device (or group) naming the `--device` that reads it, for `simulate` to print. */
  describe(): string[];
  /** The `--device` values (`type=URL`) that read each simulated device once, for the demo. */
  demoDevices(): string[];
  close(): Promise<void>;
}

/** Starts the simulated devices of every registered kind on a loopback address. */
export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const address = options.address ?? '127.0.0.1';
  if (!/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$|^::1$/.test(address)) throw new Error(`the simulator serves loopback addresses only, not ${address}`);
  const now = options.now ?? Date.now;
  const clock = options.clock ?? SYSTEM_CLOCK;
  const later = (ms: number, fn: () => void): (() => void) => clock.at(clock.now() + ms, fn);
  let started = 0;
  // When each rebooted device (by URL prefix) last rebooted, on the clock.
  const reboots = new Map<string, number>();
  const ctx: SimulatedContext = {
    fault: options.fault ?? 'none',
    options: Object.fromEntries(Object.entries(options).filter(([key]) => !OWN_OPTIONS.has(key))),
    maxSessions: options.maxSessions ?? 4,
    elapsed: () => now() - started,
    later,
    sinceReboot: (prefix) => {
      const at = reboots.get(prefix);
      return at === undefined ? undefined : now() - at;
    },
  };
  // A make's kinds share one loader: each make starts once, in the order its first kind was registered.
  const makes = await Promise.all(declared((k) => (k.simulator ? [k.simulator] : [])).map((load) => load()));
  const devices: SimulatedDevices[] = makes.map((make) => make.start(ctx));
  // Counters grow from here, not from before what the makes built at start (a fault's 24 MB answer).
  started = now();
  const hits = new Map<string, number>();
  const server = httpServer(devices, hits, options.delayMs ?? 0, later);
  const closeServer = (): Promise<void> =>
    new Promise<void>((resolve) => {
      server.close(() => {
        resolve();
      });
      // Hanging and trickling answers would keep close() waiting forever.
      server.closeAllConnections();
    });
  const closeDevices = async (): Promise<void> => {
    await Promise.all(
      devices.map(async (d) => {
        await d.close?.();
      }),
    );
  };

  const url = await listen(server, options.port ?? 0, address);
  try {
    await Promise.all(devices.map(async (d) => d.listen?.(url)));
  } catch (err) {
    await closeDevices();
    await closeServer();
    throw err;
  }
  const core = {
    url,
    hits,
    sessions: (prefix: string) => devices.map((d) => d.sessions?.(prefix)).find((n) => n !== undefined) ?? 0,
    reboot: (prefix: string) => {
      reboots.set(prefix, now());
    },
    describe: () => devices.flatMap((d) => d.describe(url)),
    demoDevices: () => devices.flatMap((d) => d.demo(url)),
    close: async () => {
      await closeDevices();
      await closeServer();
    },
  };
  // The extras' types are what each make adds to Simulator (a module augmentation in its folder).
  return Object.assign(extrasOf(devices), core) as unknown as Simulator;
}

/** What the makes' devices add to the Simulator: a name's lists joined across makes, else the first make's value. */
function extrasOf(devices: readonly SimulatedDevices[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const d of devices) {
    for (const [key, value] of Object.entries(d.extras?.() ?? {})) {
      const had = out[key];
      if (Array.isArray(had) && Array.isArray(value)) out[key] = [...(had as unknown[]), ...(value as unknown[])];
      else out[key] ??= value;
    }
  }
  return out;
}

/** The HTTP server: each request counted by path and given to the first make whose devices take it, after `delay` ms when set. */
function httpServer(devices: readonly SimulatedDevices[], hits: Map<string, number>, delay: number, later: SimulatedContext['later']): Server {
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const url = req.url ?? '/';
    hits.set(url, (hits.get(url) ?? 0) + 1);
    if (devices.some((d) => d.handle(req, res, url))) return;
    if (req.method === 'GET') notFound(res);
    else notAllowed(res);
  };
  return createServer((req, res) => {
    if (delay <= 0) {
      handler(req, res);
      return;
    }
    res.on(
      'close',
      later(delay, () => {
        handler(req, res);
      }),
    );
  });
}

/** Listens on `port` (0: a free one) at the loopback `address`; the base URL. */
async function listen(server: Server, port: number, address: string): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, address, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  return `http://${address.includes(':') ? `[${address}]` : address}:${bound}`;
}
