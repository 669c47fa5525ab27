/**
 * What a make's simulated devices offer the built-in simulator (src/simulate/server.ts):
 * the server is shared, the devices and their pages are the make's own
 * (src/devices/<make>/simulate/). The server knows no make by name: it
 * starts the simulator of every registered kind and gives each request to
 * the first make whose devices take it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Fault } from './faults.js';

/** What every simulated device shares: the options of the run and its clock. */
export interface SimulatedContext {
  /** The fault the devices misbehave with (`none` when they behave); each make says which of its pages it spoils. */
  readonly fault: Fault;
  /** The options the kinds add to `simulate` (`--layout`), by the name each make reads (DeviceKind.simulateOptions' `sets`); absent: the make's default. */
  readonly options: Readonly<Record<string, unknown>>;
  /** Web sessions each device that has a login allows at once. */
  readonly maxSessions: number;
  /** Time since the simulator started, ms. */
  elapsed(): number;
  /** Calls `fn` `ms` from now on the simulator's clock (a test's fake one moves when it says); what it returns cancels it. */
  later(ms: number, fn: () => void): () => void;
  /**
   * Time since the device at this URL prefix (`''` for the root's) was
   * rebooted (Simulator.reboot), ms; undefined when it never was: it has
   * been up since before the simulator started.
   */
  sinceReboot(prefix: string): number | undefined;
}

/** A make's running simulated devices. */
export interface SimulatedDevices {
  /**
   * Answers a request whose path is one of its devices' (a method a page
   * does not take included: 405); false, without answering, when the path
   * is none of theirs.
   */
  handle(req: IncomingMessage, res: ServerResponse, url: string): boolean;
  /**
   * One line per device (or group of devices) naming it and the `--device`
   * that reads it under the simulator's base URL, for `simulate` to print
   * after `I!`; called after {@link listen}.
   */
  describe(baseUrl: string): string[];
  /** The `--device` values (`type=URL`) the demo collects: each device once (a household through one speaker). */
  demo(baseUrl: string): string[];
  /** Starts what else the devices answer (SSDP) once the server listens at `baseUrl`. */
  listen?(baseUrl: string): Promise<void>;
  close?(): Promise<void>;
  /** Open login sessions of its device at this URL prefix; undefined when no device of the make is there. */
  sessions?(prefix: string): number | undefined;
  /**
   * What its devices add to the running Simulator for tests and tools (a
   * household's speakers, the SSDP port), asked once it listens; lists of
   * several makes under one name are joined. A make types them by augmenting
   * Simulator from its own folder (src/devices/<make>/simulate/).
   */
  extras?(): Readonly<Record<string, unknown>>;
}

/** A make's simulator. */
export interface SimulatedMake {
  /**
   * The `--device` values (`type=URL` under the simulator's base URL) of the
   * collects that call what a user's collects of this make call, one list a
   * run: the build runs them before it makes the code cache (src/build/warm.ts),
   * the i-th list of every make in one run.
   */
  warmUp?(baseUrl: string): readonly (readonly string[])[];
  /**
   * Sets up its devices (no socket is opened before {@link SimulatedDevices.listen}).
   * @throws Error when an option does not fit its devices (an unknown layout).
   */
  start(ctx: SimulatedContext): SimulatedDevices;
}
