/**
 * One run, whatever the command: gather (collect.ts: every device, each
 * failure a log line and a scrape line) -> post-process (counter totals,
 * device memory and the state file, the config's schema and counter type,
 * timestamps) -> render (line protocol, or the table of pretty.ts). `collect`
 * in every form (line protocol, `--format pretty`, `--rate`, `--watch`),
 * `execd` and `capture` all go through here; what differs between them is a
 * {@link RunKind}.
 */
import { nowNs, type Clock, type Timer } from './clock.js';
import { closeSessions, collect, type CollectOptions, type DeviceState, type Gathered } from './collect/index.js';
import type { Config } from './config/index.js';
import { serializeAll, type Metric } from './lineprotocol.js';
import { warning } from './log.js';
import type { StateFile } from './state/index.js';
import type { PeriodCount } from './usage/index.js';

/** How a command's run post-processes its gathers. */
interface RunKind {
  /**
   * What outlives a gather. `none`: nothing but the device states of this
   * process (a capture). `peek`: the state file is read, never written (the
   * terminal views: the totals and the data used as they stand, without
   * taking them from under Telegraf's runs). `file`: counter totals and
   * device memory, only with a state file (collect). `process`: counter
   * totals for the whole life of the process, kept in the state file too
   * when there is one (execd); gateway sessions stay open between gathers.
   */
  readonly memory: 'none' | 'peek' | 'file' | 'process';
  /** The config's schema and counter type applied (what is stored), or the program's own names (what is looked at). */
  readonly shape: boolean;
  /**
   * Each line keeps its timestamp, taken when its page arrived (execd:
   * Telegraf keeps it). Telegraf's exec stamps output itself, and rounds
   * the stamps to its precision, so collect prints none.
   */
  readonly stamps: boolean;
}

/** `collect`: line protocol for Telegraf's exec. */
export const COLLECT: RunKind = { memory: 'file', shape: true, stamps: false };
/** `execd`: line protocol for Telegraf's execd, a gather per newline. */
export const EXECD: RunKind = { memory: 'process', shape: true, stamps: true };
/** `--format pretty` and `--watch`: the lines as the devices gave them, and the data used as the state file has it. */
const VIEW: RunKind = { memory: 'peek', shape: false, stamps: false };
/** `capture`: the lines as the devices gave them. */
export const CAPTURE: RunKind = { memory: 'none', shape: false, stamps: false };

/** A step of the post-processing: metrics in, metrics out, log lines said through `warn`. */
type Step = (metrics: readonly Metric[], warn: (line: string) => void) => Metric[];

/** What a run prints: text for stdout, lines for stderr. */
export interface Rendered {
  readonly out: string;
  readonly log: readonly string[];
}

/** The exit status of a run a signal cut short: 128 + the signal's number, as shells report it (130 for SIGINT, 143 for SIGTERM). */
const SIGNAL_EXIT: Readonly<Record<string, number>> = { SIGINT: 130, SIGTERM: 143 };

/**
 * A one-shot run (collect in every form but `--watch`, capture) that SIGINT
 * or SIGTERM cut short. Nothing of it is printed or saved, not even the
 * lines of the devices that had answered, and it exits 130 or 143:
 * - Telegraf's exec sends SIGTERM at its own `timeout` (SIGKILL 5 s later)
 *   and throws away all output of a run that then exits non-zero, so the
 *   lines would be lost there anyway (and with `ignore_error = true` they
 *   would be stored with no `homenet_scrape` line for the devices cut short).
 * - Into a file or a pipe, some devices' lines look like a whole run in
 *   which the others were never configured, and an exit status is easy to
 *   miss (`;` rather than `&&`). No output is plain; a non-zero run prints
 *   nothing on stdout, as a configuration error does.
 * - The devices cut short did nothing wrong: `success=false` for them would
 *   put failures in the graphs that never were.
 * The state file is not written either: the next run counts its totals from
 * the last complete one, which loses nothing. execd is not one-shot: it
 * drops only the gather in flight and exits 0 (execd.ts).
 */
export class Interrupted extends Error {
  /** The signal's name, when the launcher gave it (`SIGINT`, `SIGTERM`). */
  readonly signal: string | undefined;

  constructor(
    reason: unknown,
    /** The devices still being asked when the signal came. */
    readonly waiting: readonly string[],
    /** How many devices the run asks. */
    readonly devices: number,
  ) {
    const signal = typeof reason === 'string' && /^SIG[A-Z0-9]+$/.test(reason) ? reason : undefined;
    super(`interrupted${signal === undefined ? '' : ` by ${signal}`}`);
    this.signal = signal;
  }

  /** 130 for SIGINT (Ctrl-C), 143 for SIGTERM; 130 when the signal is not known. */
  get exitCode(): number {
    return SIGNAL_EXIT[this.signal ?? 'SIGINT'] ?? 130;
  }

  /** The one log line: which signal, who had not answered, and `lost` (what was not printed or saved). */
  logLine(lost: string): string {
    const shown = this.waiting.slice(0, 3).map((n) => `[${n}]`);
    if (this.waiting.length > shown.length) shown.push(`${this.waiting.length - shown.length} more`);
    const waiting = shown.length === 0 ? '' : ` while waiting for ${shown.join(', ')} (${this.devices - this.waiting.length} of ${this.devices} devices had answered)`;
    return warning(`${this.message}${waiting}: ${lost}`);
  }
}

/** Why a view (`peek`) shows a gateway no data used, when it has no count for it. */
function usageNote(config: Config, kind: RunKind, file: StateFile | undefined): string | undefined {
  if (kind.memory !== 'peek' || !config.devices.some((d) => d.usage !== undefined)) return undefined;
  if (config.stateFile === undefined) return 'not kept without state_file (or execd)';
  return file?.unreadable === true ? 'cannot read the state file' : 'none in the state file yet';
}

/** The gathers of one command, and what they remember from one to the next. */
export class Run {
  /** The device states of this process: family, identity, sessions, what describing pages said. */
  readonly states: Map<string, DeviceState>;
  /** What opening the state file said, until it is logged. */
  private opening: string[];

  private constructor(
    readonly config: Config,
    private readonly kind: RunKind,
    private readonly options: CollectOptions,
    private readonly file: StateFile | undefined,
    private readonly totals: Step | undefined,
    private readonly shape: Step | undefined,
    /** Why a view shows no data used for a gateway, in a few words (undefined: it shows it where it has a count). */
    readonly usageNote?: string,
  ) {
    this.states = file?.recall(config) ?? new Map<string, DeviceState>();
    this.opening = file?.opening !== undefined ? [file.opening] : [];
  }

  /**
   * Opens a run of `kind`: reads the state file when the kind remembers and
   * the config has one. Only what the run needs is loaded (a collect without
   * a state file loads neither the state nor the totals code).
   */
  static async open(config: Config, kind: RunKind, options: CollectOptions = {}): Promise<Run> {
    const path = kind.memory === 'none' ? undefined : config.stateFile;
    const file = path === undefined ? undefined : (await import('./state/index.js')).StateFile.open(path);
    let totals: Step | undefined;
    if (file !== undefined || kind.memory === 'process') {
      const [{ addTotals, emptyState, prune }, { UsageCounter }] = await Promise.all([import('./counters/index.js'), import('./usage/index.js')]);
      const counters = file?.counters ?? emptyState();
      const peek = kind.memory === 'peek';
      // The data used per billing period, counted from the totals: where gateways are, on the collector's wall clock.
      const usage = config.devices.some((d) => d.usage !== undefined)
        ? new UsageCounter(config, file?.usage ?? new Map<string, PeriodCount>(), { begin: !peek, wallMs: options.now ?? options.clock?.wallMs ?? Date.now })
        : undefined;
      totals = (metrics, warn) => {
        const now = nowNs();
        const before = usage?.before(metrics, counters);
        // A view's totals are only the way to the data used: what they say is collect's and execd's to say.
        const out = addTotals(metrics, counters, config.measurement, now, peek ? () => undefined : warn);
        prune(counters, now, metrics);
        return usage && before ? usage.add(out, before) : out;
      };
    }
    let shape: Step | undefined;
    if (kind.shape && (config.schema !== 'homenet' || config.counterType !== 'integer')) {
      const shaping = await import('./shape.js');
      shape = (metrics) => shaping.shape(metrics, config);
    }
    // A view neither writes the file nor says what reading it said: collect and execd do, where it is acted on.
    return new Run(config, kind, options, kind.memory === 'peek' ? undefined : file, totals, shape, usageNote(config, kind, file));
  }

  /** The lines to log now that a run has started (a state file that could not be read); said once. */
  takeOpening(): string[] {
    const lines = this.opening;
    this.opening = [];
    return lines;
  }

  /**
   * One gather of every device (cut short when `signal` aborts); the
   * devices' deadlines count from `startedAt` on the options' clock (a
   * one-shot run: the process's start), or else from now.
   */
  gather(signal?: AbortSignal, startedAt?: number): Promise<Gathered> {
    return collect(this.config, {
      ...this.options,
      states: this.states,
      ...(this.kind.memory === 'process' ? { keepSessions: true } : {}),
      ...(this.file ? { remember: true } : {}),
      ...(signal ? { signal } : {}),
      ...(startedAt !== undefined ? { startedAt } : {}),
    });
  }

  /**
   * One gather that is printed whole or not at all (collect, `--format
   * pretty`, capture), post-processed: `signal` aborting ends it at once,
   * and it throws {@link Interrupted} instead (a hanging device would
   * otherwise hold Ctrl-C until its timeout).
   */
  async whole(signal?: AbortSignal, startedAt?: number): Promise<Gathered> {
    const gathered = await this.gather(signal, startedAt);
    if (signal?.aborted === true) throw new Interrupted(signal.reason, gathered.stopped ?? [], this.config.devices.length);
    return this.post(gathered);
  }

  /**
   * Counter totals (and forgetting hosts long gone), device memory into the
   * state file and `state_ok`, the config's schema, and the timestamps the
   * kind keeps. The log: the gather's, then what opening the state file said
   * (unless already logged), then what the totals and the state file say.
   */
  post(gathered: Gathered): Gathered {
    let metrics = gathered.metrics;
    const log = [...gathered.log, ...this.takeOpening()];
    if (this.totals) metrics = this.totals(metrics, (w) => log.push(w));
    if (this.file) {
      const saved = this.file.save(this.config, this.states, metrics);
      if (saved.failed !== undefined) log.push(saved.failed);
      metrics = saved.metrics;
    }
    if (this.shape) metrics = this.shape(metrics, (w) => log.push(w));
    if (!this.kind.stamps) metrics = metrics.map((m) => ({ name: m.name, tags: m.tags, fields: m.fields }));
    return { metrics, log };
  }

  /** Logs out of sessions kept open between gathers and closes kept-alive connections. */
  close(): Promise<void> {
    return closeSessions(this.config, this.states);
  }
}

/** Line protocol: every line that can be written exactly; one `W!` for each that cannot, after the batch's log. */
export function renderLines(batch: Gathered): Rendered {
  const log = [...batch.log];
  const out = serializeAll(batch.metrics, (w) => log.push(w));
  return { out, log };
}

/**
 * `--format pretty`: one gather as a table `width` columns wide; with
 * `rateMs`, two gathers that far apart and the rates between them (the log
 * is the second gather's). Two devices with one host tag are said, as the
 * totals would. `signal` aborting ends it at once with {@link Interrupted}.
 * The first gather's deadlines count from `timing.startedAt` (the process's start).
 */
export async function renderTable(
  config: Config,
  width: number,
  rateMs: number | undefined,
  timer: Timer,
  signal?: AbortSignal,
  timing: { readonly clock?: Clock; readonly startedAt?: number } = {},
): Promise<Rendered> {
  const [{ pretty }, { sharedSeriesWarnings }] = await Promise.all([import('./pretty/index.js'), import('./counters/index.js')]);
  const run = await Run.open(config, VIEW, timing.clock ? { clock: timing.clock } : {});
  const first = await run.whole(signal, timing.startedAt);
  const shared = (batch: Gathered): string[] => [...batch.log, ...sharedSeriesWarnings(batch.metrics, config.measurement)];
  if (rateMs === undefined) return { out: pretty(first.metrics, undefined, 0, width, run.usageNote), log: shared(first) };
  const started = timer.now();
  await timer.sleep(rateMs, signal);
  // Ctrl-C between the two readings: there is no rate to show.
  if (signal?.aborted === true) throw new Interrupted(signal.reason, [], config.devices.length);
  const second = await run.whole(signal);
  return { out: pretty(second.metrics, first.metrics, (timer.now() - started) / 1000, width, run.usageNote), log: shared(second) };
}

/** Where `--watch` draws. */
interface Screen {
  readonly write: (text: string) => void;
  /** The terminal's current size (it can change while the view runs). */
  readonly size: () => { readonly columns: number; readonly rows: number };
  readonly timer: Timer;
  /** Ends the view (Ctrl-C). */
  readonly signal?: AbortSignal;
}

const CLEAR_LINE_END = '\u001b[K';

/**
 * `--watch`: a gather every `everyMs` (`every` as the user wrote it), the
 * table redrawn in place with the rates since the gather before, until the
 * signal fires. Messages go on the screen, not to stderr: they would scroll
 * the table away.
 */
export async function watch(config: Config, every: string, everyMs: number, screen: Screen): Promise<void> {
  const { Watch } = await import('./pretty/index.js');
  const run = await Run.open(config, VIEW);
  const view = new Watch(run.usageNote);
  const { timer, signal } = screen;
  // Hide the cursor and start from a clear screen; each frame then overwrites the last in place.
  screen.write('\u001b[?25l\u001b[2J');
  try {
    while (!signal?.aborted) {
      const started = timer.now();
      // Ctrl-C during a gather ends it at once (a hanging device would hold the screen until its timeout).
      const gathered = run.post(await run.gather(signal));
      if (signal?.aborted) break;
      const time = new Date(timer.wallMs()).toTimeString().slice(0, 8);
      const head = `telegraf-homenet · every ${every} · ${time} · Ctrl-C to stop`;
      const lines = view.screen(gathered.metrics, gathered.log, started, head, screen.size());
      screen.write(`\u001b[H${lines.map((l) => `${l}${CLEAR_LINE_END}`).join('\n')}\n\u001b[J`);
      await timer.sleep(everyMs - (timer.now() - started), signal);
    }
  } finally {
    screen.write('\u001b[?25h');
  }
}
