/**
 * `--format pretty` and `--watch`: the terminal views of a gather. One block
 * per device (blocks.ts), a row per interface, port or line, laid out in the
 * window's width (table.ts) with values in words (units.ts).
 */
import type { Metric } from '../lineprotocol.js';
import { makeBlocks } from './blocks.js';
import { HISTORY, table } from './table.js';
import { cut } from './text.js';

/**
 * The metrics of one gather as a table by device, `width` columns wide,
 * long text wrapped; with `before` (an earlier gather `seconds` before),
 * traffic rates too. `usageNote`: what a gateway with no data used says.
 */
export function pretty(metrics: readonly Metric[], before?: readonly Metric[], seconds = 0, width = 100, usageNote?: string): string {
  const blocks = makeBlocks(metrics, before ?? [], seconds, usageNote);
  return `${table(blocks, { width, overflow: 'wrap', rates: before !== undefined && seconds > 0 }).join('\n')}\n`;
}

/** The window the live view draws in. */
export interface WindowSize {
  readonly columns: number;
  readonly rows: number;
}

/**
 * The live view: each gather becomes one screen, with rates from the gather
 * before it and a short history of each row's traffic (received plus sent).
 * One line a row, cut to the window: a line that wrapped would scroll the
 * screen and lose its top.
 */
export class Watch {
  private before: readonly Metric[] = [];
  private beforeMs: number | undefined;
  private readonly history = new Map<string, number[]>();

  /** `usageNote`: what a gateway with no data used says (no state file, say). */
  constructor(private readonly usageNote?: string) {}

  /** The table for a gather made at `atMs` (ms, any monotonic clock), `width` columns wide. */
  frame(metrics: readonly Metric[], atMs: number, width: number): string {
    return `${this.table(metrics, atMs, width).join('\n')}\n`;
  }

  /**
   * The lines of the screen for a gather: `title`, the table (no blank line
   * between: the README's complete example fits 80x24), the gather's log
   * lines at the bottom (on the screen, not stderr: they would scroll the
   * table away). Each fits the window's width, and they leave its last line
   * free (the cursor's), the one before saying how many more there were.
   */
  screen(metrics: readonly Metric[], log: readonly string[], atMs: number, title: string, size: WindowSize): string[] {
    const width = size.columns;
    const body = this.table(metrics, atMs, width);
    const lines = [cut(title, width), ...body, ...(log.length > 0 ? ['', ...log.map((l) => cut(l, width))] : [])];
    const room = Math.max(size.rows - 1, 2);
    if (lines.length <= room) return lines;
    return [...lines.slice(0, room - 1), cut(`… ${lines.length - room + 1} more lines: make the window taller`, width)];
  }

  private table(metrics: readonly Metric[], atMs: number, width: number): string[] {
    const seconds = this.beforeMs === undefined ? 0 : (atMs - this.beforeMs) / 1000;
    const blocks = makeBlocks(metrics, this.before, seconds, this.usageNote);
    const seen = new Set<string>();
    for (const r of blocks.flatMap((b) => b.rows)) {
      seen.add(r.key);
      if (r.rxRate === undefined && r.txRate === undefined) continue;
      const h = this.history.get(r.key) ?? [];
      h.push((r.rxRate ?? 0) + (r.txRate ?? 0));
      if (h.length > HISTORY) h.shift();
      this.history.set(r.key, h);
    }
    for (const k of this.history.keys()) if (!seen.has(k)) this.history.delete(k);
    this.before = metrics;
    this.beforeMs = atMs;
    return table(blocks, { width, overflow: 'cut', rates: true, history: this.history });
  }
}
