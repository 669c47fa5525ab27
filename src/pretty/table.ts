/**
 * The table both terminal views print: a heading line, then each block's
 * head, error and about lines and its rows.
 */
import type { Block, Row } from './blocks.js';
import { fit } from './text.js';
import { bitsPerSecond } from './units.js';

const SPARKS = '▁▂▃▄▅▆▇█';

/** A sparkline of the last `width` values, scaled to their own maximum. */
export function sparkline(values: readonly number[], width: number): string {
  const last = values.slice(-width);
  const max = Math.max(...last, 0);
  const line = last.map((v) => (max <= 0 ? SPARKS[0] : SPARKS[Math.min(SPARKS.length - 1, Math.floor((v / max) * (SPARKS.length - 1) + 0.5))]) ?? '').join('');
  return line.padStart(width);
}

/** How wide a table may be, and what to do with text that does not fit. */
export interface Layout {
  /** Terminal columns. */
  readonly width: number;
  /** Long status text: wrapped onto more lines (a one-off table) or cut (a screen redrawn in place). */
  readonly overflow: 'wrap' | 'cut';
  /** Rate history per row, for the sparkline column (the live view). */
  readonly history?: ReadonlyMap<string, readonly number[]>;
}

/** Readings a sparkline shows. */
export const HISTORY = 8;

/** The table: heading, then each block's lines. */
export function render(blocks: readonly Block[], layout: Layout, withRates: boolean): string {
  const all = blocks.flatMap((b) => b.rows);
  const nameW = Math.min(Math.max(8, ...all.map((r) => r.name.length)), 24);
  const heads = ['rx', 'tx', ...(withRates ? ['rx rate', 'tx rate'] : []), ...(layout.history ? ['history'] : []), 'errors'];
  const cellsOf = (r: Row): string[] => [
    r.rx ?? '',
    r.tx ?? '',
    ...(withRates ? [r.rxRate === undefined ? '' : bitsPerSecond(r.rxRate), r.txRate === undefined ? '' : bitsPerSecond(r.txRate)] : []),
    ...(layout.history ? [sparkline(layout.history.get(r.key) ?? [], HISTORY)] : []),
    r.err ?? '',
  ];
  const cells = new Map(all.filter((r) => r.rx !== undefined || r.tx !== undefined).map((r) => [r, cellsOf(r)]));
  // Each column as wide as its widest cell: an 80-column terminal keeps room for the status.
  const widths = heads.map((h, i) => Math.max(h.length, ...[...cells.values()].map((c) => c[i]?.length ?? 0)));
  const columns = (texts: readonly string[]): string => texts.map((t, i) => `  ${t.padStart(widths[i] ?? 0)}`).join('');
  const header = `  ${'row'.padEnd(nameW)}${columns(heads)}  status`;
  const statusAt = header.length - 'status'.length;
  const w = layout.width;
  // Too narrow for the last heading: the status text itself still shows, cut.
  let out = `${header.length <= w ? header : header.slice(0, statusAt).trimEnd()}\n`;
  for (const b of blocks) {
    out += `${fit([b.head, b.tags].filter((p) => p !== '').join(' · '), w, w - 2, 2, layout.overflow)}\n`;
    if (b.error !== undefined) out += `  ${fit(b.error, w - 2, w - 2, 2, layout.overflow)}\n`;
    if (b.about !== '') out += `  ${fit(b.about, w - 2, w - 2, 2, layout.overflow)}\n`;
    for (const r of b.rows) {
      const name = r.name.length > nameW ? `${r.name.slice(0, nameW - 1)}…` : r.name.padEnd(nameW);
      const c = cells.get(r);
      if (!c) {
        // A row with no traffic (line health, NAT) has its words right after the name.
        out += `  ${name}  ${fit(r.status, w - nameW - 4, w - nameW - 4, nameW + 4, layout.overflow)}\n`;
        continue;
      }
      const line = `  ${name}${columns(c)}`;
      // Status text that does not fit beside the numbers goes on under them, as wide as the name's rows.
      out += r.status === '' ? `${line.trimEnd()}\n` : `${line}  ${fit(r.status, w - statusAt, w - nameW - 4, nameW + 4, layout.overflow)}\n`;
    }
  }
  return out;
}
