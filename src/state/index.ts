/**
 * The state file, in one place: what it holds (the counter totals' readings
 * and the device memory, format.ts), reading and writing it safely (file.ts),
 * and turning device memory into the collector's device states and back
 * (devices.ts). A run opens it once with {@link StateFile.open} and saves it
 * after each gather.
 */
import type { DeviceState } from '../collect/index.js';
import { SCRAPE_MEASUREMENT } from '../devices/index.js';
import type { Config } from '../config/index.js';
import { withoutTotals, type CounterState } from '../counters/index.js';
import { bool, type Metric } from '../lineprotocol.js';
import { levelOf } from '../log.js';
import { withoutUsage, type PeriodCount, type UsageMemory } from '../usage/index.js';
import { recallDevices, rememberDevices } from './devices.js';
import { loadState, saveState } from './file.js';
import type { State } from './format.js';

export { recallDevices, rememberDevices } from './devices.js';
export { loadState, saveState, type LoadedState } from './file.js';
export { emptyState, looksLikeOurs, STATE_VERSION, stateFromJson, stateToJson, type RememberedDevice, type RememberedPage, type State } from './format.js';

/** Whether a line of loadState or saveState needs someone to act (it is an `E!`). */
export function isStateProblem(line: string | undefined): boolean {
  return line !== undefined && levelOf(line) === 'E';
}

/** Field of `homenet_scrape` saying whether the state file was read and written this run (only with `state_file`). */
export const STATE_OK_FIELD = 'state_ok';

/**
 * The run's `homenet_scrape` lines with {@link STATE_OK_FIELD}: false when the
 * state file could not be read or written (its `E!` line says how to fix it).
 */
export function markStateOk(metrics: readonly Metric[], ok: boolean): Metric[] {
  return metrics.map((m) => {
    if (m.name !== SCRAPE_MEASUREMENT) return m;
    // Before the error text, which is long and last.
    const { error, ...rest } = m.fields;
    return { ...m, fields: { ...rest, [STATE_OK_FIELD]: bool(ok), ...(error ? { error } : {}) } };
  });
}

/** The state file of one run (a collect, or an execd's whole life): read when it opens, written after each gather. */
export class StateFile {
  private constructor(
    readonly path: string,
    private readonly state: State & { readonly usage: UsageMemory },
    private readonly writable: boolean,
    /** What reading it said (`W!` or `E!`), to log once. */
    readonly opening: string | undefined,
  ) {}

  /** Reads the file at `path`; never throws (a problem is {@link opening}). */
  static open(path: string): StateFile {
    const loaded = loadState(path);
    return new StateFile(path, { ...loaded.state, usage: loaded.state.usage ?? new Map<string, PeriodCount>() }, loaded.writable, loaded.warning);
  }

  /** The counter totals' readings, updated in place by each gather. */
  get counters(): CounterState {
    return this.state.counters;
  }

  /** Each gateway's count of its billing period, updated in place by each gather. */
  get usage(): UsageMemory {
    return this.state.usage;
  }

  /** Whether reading it said something that needs someone to act (it could not be read, or is not ours). */
  get unreadable(): boolean {
    return isStateProblem(this.opening);
  }

  /** The remembered devices of `config`, as the collector's device states. */
  recall(config: Config): Map<string, DeviceState> {
    return recallDevices(config, this.state.devices);
  }

  /**
   * Remembers what the gathers learnt about `config`'s devices, writes the
   * file (when it may be written) and marks the run's scrape lines with
   * whether the state was read and written well ({@link STATE_OK_FIELD}).
   * `failed` is the `E!` line of a failed write.
   *
   * The lines keep their `*_total` fields (and `homenet_usage` lines) only when the state they were
   * counted to is in the file: a file that could be read but not written (a
   * full disk, `ulimit -f`, a folder of another user) would have the next
   * run count on from older readings than this one printed, and a total
   * fall (4.79e9, then 1.5e9). An execd goes on counting in memory, so its
   * totals come back whole once the file can be written.
   */
  save(config: Config, states: ReadonlyMap<string, DeviceState>, metrics: readonly Metric[]): { readonly metrics: Metric[]; readonly failed?: string } {
    let failed: string | undefined;
    if (this.writable) {
      rememberDevices(config, states, this.state.devices);
      failed = saveState(this.path, this.state);
    }
    const kept = this.writable && failed === undefined ? metrics : withoutUsage(withoutTotals(metrics, config.measurement));
    // A problem that every run would meet again is data too, so a dashboard or an alert can see it.
    const marked = markStateOk(kept, !isStateProblem(this.opening) && !isStateProblem(failed));
    return failed === undefined ? { metrics: marked } : { metrics: marked, failed };
  }
}
