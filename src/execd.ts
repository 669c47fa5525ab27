/**
 * `telegraf-homenet execd`, for Telegraf's `[[inputs.execd]]` with
 * `signal = "STDIN"`: one gather per newline on stdin, the whole batch
 * written at once, every metric stamped when its page arrived. Gathers never
 * overlap, and requests never pile up: any number of newlines that arrive
 * before a gather starts ask for that one gather, and those that arrive during
 * a gather ask for one more after it (Telegraf's ticks behind a slow device,
 * or a burst of newlines, must not turn into gathers back to back). Ends with
 * exit status 0 on stdin EOF (after the gather in flight and the one asked
 * for) and on SIGTERM (at once, dropping the gather in flight).
 *
 * The log is kept readable for months: a problem repeated gather after
 * gather (a speaker with local access disabled, a gateway that is off) is
 * logged when it starts, when it changes, every {@link REPEAT_REPORT_MS}
 * while it lasts (with how often it repeated), and when it clears.
 */
import { setFlagsFromString } from 'node:v8';
import type { CollectOptions } from './collect/index.js';
import type { Config } from './config/index.js';
import { info, levelOf, writeLines } from './log.js';
import { EXECD, renderLines, Run } from './pipeline.js';

/** What execd reads and writes. */
interface ExecdIo {
  readonly stdin: AsyncIterable<string | Buffer>;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Aborted on SIGTERM/SIGINT. */
  readonly signal?: AbortSignal;
  /** Wall clock in ms for the log's repeat reports; injectable so tests need not wait 10 minutes. */
  readonly now?: () => number;
}

/** A problem that lasts is logged again this often, with how many times it repeated. */
const REPEAT_REPORT_MS = 10 * 60_000;

/** A problem seen at the last gather, under its key. */
interface Ongoing {
  /** The lines of the problem as last logged, joined: any difference is a change. */
  readonly text: string;
  readonly lines: readonly string[];
  /** Who had it, for the line saying it cleared: `[name] type`, or the line itself. */
  readonly label: string;
  readonly kind: 'error' | 'warning';
  /** When it started (its first gather), and when it was last logged. */
  readonly since: number;
  reported: number;
  /** Gathers that had it, and of those, the ones not logged since `reported`. */
  gathers: number;
  repeats: number;
}

/** `12m`, `1h5m`, `45s`: a duration for a log line. */
function span(ms: number): string {
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const parts = [h > 0 ? `${h}h` : '', m > 0 ? `${m}m` : '', s % 60 > 0 || s === 0 ? `${s % 60}s` : ''];
  return parts.join('');
}

/**
 * Turns the log lines of each gather into the lines worth printing. A
 * device's lines of one level (`E! [name] ...`) are one problem, keyed by
 * device and level, so several failing pages change together; any other
 * line is its own problem.
 */
class RepeatFilter {
  private readonly ongoing = new Map<string, Ongoing>();

  constructor(private readonly now: () => number = Date.now) {}

  /** The lines of one gather in; the lines to print out. */
  filter(lines: readonly string[]): string[] {
    const now = this.now();
    const groups = new Map<string, { label: string; kind: 'error' | 'warning'; lines: string[] }>();
    for (const line of lines) {
      const level = levelOf(line);
      const text = level === undefined ? line : line.slice(3);
      const device = level === 'E' || level === 'W' ? /^(\[.*?\] \S+) /.exec(text)?.[1] : undefined;
      const key = device === undefined ? line : `${level ?? ''} ${device}`;
      const group = groups.get(key) ?? { label: device ?? text, kind: level === 'W' ? 'warning' : 'error', lines: [] };
      group.lines.push(line);
      groups.set(key, group);
    }
    const out: string[] = [];
    for (const [key, g] of groups) {
      const text = g.lines.join('\n');
      const was = this.ongoing.get(key);
      if (was?.text === text) {
        was.gathers++;
        was.repeats++;
        if (now - was.reported >= REPEAT_REPORT_MS) {
          out.push(...g.lines.map((l) => `${l} (repeated ${was.repeats} times in the last ${span(now - was.reported)})`));
          was.reported = now;
          was.repeats = 0;
        }
        continue;
      }
      // New, or changed: said in full; a change keeps the start of the trouble.
      out.push(...g.lines);
      this.ongoing.set(key, { text, lines: g.lines, label: g.label, kind: g.kind, since: was?.since ?? now, reported: now, gathers: (was?.gathers ?? 0) + 1, repeats: 0 });
    }
    for (const [key, was] of this.ongoing) {
      if (groups.has(key)) continue;
      this.ongoing.delete(key);
      // A one-off (a counter reset) needs no "cleared": only what lasted does.
      if (was.gathers > 1) out.push(info(`${was.label}: the ${was.kind} cleared after ${was.gathers} gathers over ${span(now - was.since)}`));
    }
    return out;
  }
}

/** V8's heap settings for a process that gathers every few seconds for months. */
function tuneHeapForLongRuns(): void {
  // A gather allocates a few MiB that die young; V8 answers by doubling its
  // young generation up to 2 x 16 MiB, which a long-lived process then keeps
  // resident (see docs/performance.md for the figures). Read at every
  // scavenge, so it works set here.
  setFlagsFromString('--semi-space-growth-factor=1');
  // The old generation: left alone, V8 lets it grow by at least 8 MiB of
  // garbage past what a full collection leaves (7 MB) before the next one.
  // Starting incremental marking 15% of the way there keeps it near 10 MB
  // (RSS 61-64 MiB instead of 69-80 over 20,000 gathers back to back).
  // Unlike a forced gc(), these are V8's own collections: they keep maps
  // that optimised code depends on, so they deoptimise nothing. Each costs
  // the re-optimisation of functions whose closures died, which is why the
  // gather path makes its callbacks once (module-level functions, methods).
  // 15 rather than 10: the same memory within the runs' spread, and 2.55-2.66
  // ms per gather against 2.67-3.27 (four runs each; docs/performance.md).
  // Read at every allocation step, so it works set here.
  setFlagsFromString('--incremental-marking-hard-trigger=15');
}

/** Runs until stdin ends or the signal aborts; returns the exit status (0). */
export async function runExecd(config: Config, io: ExecdIo, options: CollectOptions = {}): Promise<number> {
  tuneHeapForLongRuns();
  // Counter totals and device memory live in the run; a state file, when configured, carries them across restarts.
  const run = await Run.open(config, EXECD, options);
  // Said at once, not with the first gather: the file is read now, and not again.
  writeLines(io.stderr, run.takeOpening());
  // Shared with the stdin reader below.
  // At most one gather is ever waiting: a request while one waits merges into it.
  const st: { pending: boolean; ended: boolean } = { pending: false, ended: false };
  let wake: (() => void) | undefined;
  const poke = (): void => {
    wake?.();
    wake = undefined;
  };
  const stopping = new AbortController();
  // One listener for the whole run (one per wait would pile up, a gather every few seconds for months).
  const onSignal = (): void => {
    stopping.abort();
    poke();
  };
  io.signal?.addEventListener('abort', onSignal, { once: true });
  const isStopping = (): boolean => stopping.signal.aborted;

  // Reading stdin runs beside the gathers, so a newline during a gather is seen at once.
  const reader = (async () => {
    try {
      for await (const chunk of io.stdin) {
        const text = typeof chunk === 'string' ? chunk : chunk.toString('utf8');
        if (text.includes('\n')) {
          st.pending = true;
          poke();
        }
        if (isStopping()) break;
      }
    } finally {
      st.ended = true;
      poke();
    }
  })();

  const repeats = new RepeatFilter(io.now);
  writeLines(io.stderr, [info(`telegraf-homenet execd: ${config.devices.length} device(s); one gather per line on stdin`)]);
  while (!isStopping()) {
    if (!st.pending) {
      if (st.ended) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
      continue;
    }
    // Let a burst of newlines that is already read land first, so it asks for this one gather.
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (isStopping()) break;
    // Taken before the gather starts, so newlines during it ask for exactly one more.
    st.pending = false;
    const gathered = await run.gather(stopping.signal);
    // A gather cut short by SIGTERM is not written: half a picture would mislead.
    if (isStopping()) break;
    const { out, log } = renderLines(run.post(gathered));
    if (out !== '') io.stdout(out);
    writeLines(io.stderr, repeats.filter(log));
  }
  io.signal?.removeEventListener('abort', onSignal);
  await run.close();
  // Leave the stdin reader to end with the process; do not wait for more input.
  void reader.catch(() => undefined);
  return 0;
}
