/**
 * What a make's simulated devices offer the built-in simulator (src/simulate/server.ts):
 * the server is shared, the devices and their pages are the make's own
 * (src/devices/<make>/simulate/).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** What every simulated device shares: the options of the run and its clock. */
export interface SimulatedContext {
  /** The fault the devices misbehave with (`none` when they behave). */
  readonly fault: string;
  /** Table layout of the Pace pages (`att` or `isp`). */
  readonly layout: string;
  /** Web sessions each gateway allows at once. */
  readonly maxSessions: number;
  /** Speakers in the simulated household. */
  readonly speakers: number;
  /** Time since the simulator started, ms. */
  elapsed(): number;
}

/** A make's running simulated devices. */
export interface SimulatedDevices {
  /** Answers a request whose path is one of its devices'; false when it is none of theirs. */
  handle(req: IncomingMessage, res: ServerResponse, url: string): boolean;
  /** `I!` lines naming each device and the `--device` that reads it, under the simulator's base URL. */
  describe(baseUrl: string): string[];
  /** Starts what else the devices answer (SSDP) once the server listens at `baseUrl`. */
  listen?(baseUrl: string): Promise<void>;
  close?(): Promise<void>;
}

/** A make's simulator. */
export interface SimulatedMake {
  start(ctx: SimulatedContext): SimulatedDevices;
}
