/**
 * The table both terminal views print: a heading line, then each block's
 * head, error and about lines and its rows, in a given number of columns.
 * Numbers sit in right-aligned columns and are never cut; row names are cut
 * (`lan wifi-2.…`) before any number goes, and when the window is still too
 * narrow whole columns are left out, least useful first: the totals (when
 * there are rates), then the history, then the errors. Text is cut with `…`
 * or wrapped, as the layout says; no line is wider than the layout.
 */
import type { Block, Row } from './blocks.js';
import { clip, columns, cut, pad, wrap } from './text.js';
import { perSecond } from './units.js';

/** How wide a table may be, and what to do with text that does not fit. */
interface Layout {
  /** Terminal columns. */
  readonly width: number;
  /** Long text: wrapped onto more lines (a one-off table) or cut (a screen redrawn in place, one line a row). */
  readonly overflow: 'wrap' | 'cut';
  /** Rate columns (empty until there are two readings). */
  readonly rates: boolean;
  /** Rate history per row key, for the sparkline column (the live view). */
  readonly history?: ReadonlyMap<string, readonly number[]>;
}

/** Readings a sparkline shows. */
export const HISTORY = 8;

const SPARKS = '▁▂▃▄▅▆▇█';

/** A sparkline of the last `width` values, scaled to their own maximum. */
export function sparkline(values: readonly number[], width: number): string {
  const last = values.slice(-width);
  const max = Math.max(...last, 0);
  const line = last.map((v) => (max <= 0 ? SPARKS[0] : SPARKS[Math.min(SPARKS.length - 1, Math.floor((v / max) * (SPARKS.length - 1) + 0.5))]) ?? '').join('');
  return line.padStart(width);
}

/** A column of numbers. */
interface Column {
  readonly head: string;
  /** Never narrower (the widest value it can hold): a column keeps its place from frame to frame. */
  readonly least: number;
  readonly cell: (r: Row) => string;
  /** When the window is too narrow, columns go lowest `drop` first; 0: kept. */
  readonly drop: number;
}

const rateCell = (r: Row, v: number | undefined): string => (v === undefined ? '' : perSecond(v, r.rateUnit ?? 'bit/s'));

/** The columns of a layout, in the order they are printed. */
function allColumns(layout: Layout): Column[] {
  const history = layout.history;
  return [
    // Totals go first when there are rates: the rates are what a look at the screen is for.
    { head: 'rx', least: 8, cell: (r) => r.rx ?? '', drop: layout.rates ? 1 : 0 },
    { head: 'tx', least: 8, cell: (r) => r.tx ?? '', drop: layout.rates ? 1 : 0 },
    ...(layout.rates
      ? [
          { head: 'rx rate', least: 11, cell: (r: Row) => rateCell(r, r.rxRate), drop: 0 },
          { head: 'tx rate', least: 11, cell: (r: Row) => rateCell(r, r.txRate), drop: 0 },
        ]
      : []),
    ...(history ? [{ head: 'history', least: HISTORY, cell: (r: Row) => sparkline(history.get(r.key) ?? [], HISTORY), drop: 2 }] : []),
    { head: 'err', least: 3, cell: (r) => r.err ?? '', drop: 3 },
  ];
}

/** Row names are cut to no fewer columns than this before a column of numbers is left out. */
const NAME_LEAST = 10;
const NAME_MOST = 24;
/** Room kept for the status beside the numbers: its heading (its text wraps under the row), or a few words (cut, one line a row). */
const STATUS_LEAST = { wrap: 'status'.length, cut: 16 };

/** The columns that fit, their widths and the name column's. */
function fitColumns(rows: readonly Row[], layout: Layout): { cols: Column[]; widths: number[]; nameW: number } {
  const traffic = rows.filter((r) => r.rx !== undefined || r.tx !== undefined);
  const widthOf = (c: Column): number => Math.max(c.least, columns(c.head), ...traffic.map((r) => columns(c.cell(r))));
  const natural = Math.min(Math.max(8, ...rows.map((r) => columns(r.name))), NAME_MOST);
  const least = Math.min(natural, NAME_LEAST);
  let cols = allColumns(layout);
  let widths = cols.map(widthOf);
  const numbers = (): number => widths.reduce((sum, w) => sum + 2 + w, 0);
  // The two spaces before the name and before the status.
  const others = 2 + 2 + STATUS_LEAST[layout.overflow];
  for (;;) {
    const drop = Math.min(...cols.map((c) => c.drop).filter((d) => d > 0));
    if (others + least + numbers() <= layout.width || drop === Infinity) break;
    cols = cols.filter((c) => c.drop !== drop);
    widths = cols.map(widthOf);
  }
  const nameW = Math.max(Math.min(natural, layout.width - others - numbers()), least);
  return { cols, widths, nameW };
}

/**
 * `text` in `first` columns, further lines at `indent`: one line cut, or
 * lines wrapped. `whole`: beside the numbers only if it fits there whole,
 * else all of it under them.
 */
function place(text: string, layout: Layout, first: number, indent: number, whole = false): string[] {
  if (layout.overflow === 'cut') return [cut(text, first)];
  const lines = wrap(text, whole && columns(text) > first ? 0 : first, layout.width - indent);
  return lines.map((l, i) => (i === 0 ? l : `${' '.repeat(indent)}${l}`));
}

/** The table: heading, then each block's lines; every line at most `layout.width` columns. */
export function table(blocks: readonly Block[], layout: Layout): string[] {
  const w = layout.width;
  const { cols, widths, nameW } = fitColumns(
    blocks.flatMap((b) => b.rows),
    layout,
  );
  const numbers = (texts: readonly string[]): string => texts.map((t, i) => `  ${pad(t, widths[i] ?? 0, true)}`).join('');
  const heading = `  ${pad('row', nameW)}${numbers(cols.map((c) => c.head))}  status`;
  const statusAt = columns(heading) - 'status'.length;
  const under = nameW + 4;
  const out = [heading];
  const add = (prefix: string, lines: readonly string[]): void => {
    lines.forEach((l, i) => out.push(i === 0 ? `${prefix}${l}`.trimEnd() : l.trimEnd()));
  };
  for (const b of blocks) {
    const head = (parts: readonly string[]): string => parts.filter((p) => p !== '').join(' · ');
    if (layout.overflow === 'wrap') add('', place(head([b.head, b.tags]), layout, w, 2));
    // One line a device on a screen: uptime and model before the tags, which say the least there.
    else add('', place(head([b.head, b.about, b.tags]), layout, w, 2));
    if (b.error !== undefined) add('  ', place(b.error, layout, w - 2, 2));
    if (b.about !== '' && layout.overflow === 'wrap') add('  ', place(b.about, layout, w - 2, 2));
    for (const r of b.rows) {
      const name = `  ${pad(clip(r.name, nameW), nameW)}`;
      if (r.rx === undefined && r.tx === undefined) {
        // A row with no traffic (line health, NAT) has its words right after the name.
        add(`${name}  `, place(r.status, layout, w - under, under));
        continue;
      }
      const line = `${name}${numbers(cols.map((c) => c.cell(r)))}`;
      // Status text that does not fit beside the numbers goes on under them, as wide as the name's rows.
      add(r.status === '' ? line : `${line}  `, r.status === '' ? [''] : place(r.status, layout, w - statusAt, under, true));
    }
  }
  // Narrower than any layout can serve (a window under 50 columns): cut, rather than wrap and scroll.
  return out.map((l) => clip(l, w));
}
