/**
 * `--format pretty` and `--watch`: the terminal views of a gather. One block
 * per device (blocks.ts), a row per interface, port or line (table.ts), with
 * values in words (units.ts).
 */
import type { Metric } from '../lineprotocol.js';
import { makeBlocks } from './blocks.js';
import { HISTORY, render } from './table.js';

/**
 * The metrics of one gather as a table by device; with `before` (an earlier
 * gather `seconds` before), traffic rates too.
 */
export function pretty(metrics: readonly Metric[], before?: readonly Metric[], seconds = 0, width = 100): string {
  const blocks = makeBlocks(metrics, before ?? [], seconds);
  return render(blocks, { width, overflow: 'wrap' }, before !== undefined && seconds > 0);
}

/**
 * The live view: each gather becomes one screen, with rates from the gather
 * before it and a short history of each row's traffic (received plus sent).
 */
export class Watch {
  private before: readonly Metric[] = [];
  private beforeMs: number | undefined;
  private readonly history = new Map<string, number[]>();

  /** The screen for a gather made at `atMs` (ms, any monotonic clock). */
  frame(metrics: readonly Metric[], atMs: number, width: number): string {
    const seconds = this.beforeMs === undefined ? 0 : (atMs - this.beforeMs) / 1000;
    const blocks = makeBlocks(metrics, this.before, seconds);
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
    return render(blocks, { width, overflow: 'cut', history: this.history }, true);
  }
}
