/**
 * AT&T gateways, family 1: Pace 5268AC and 2Wire ("xslt" pages).
 *
 * The traffic counters sit in the "IP Traffic" table of Broadband Status
 * (`/xslt?PAGE=C_1_0`). Two layouts are known: AT&T firmware puts
 * "IP Traffic" in a `<caption>` over a `th` header row; ISP-branded firmware
 * puts it in the first cell of the header row and adds colons and spacer rows.
 * Both are found by those words and their columns by header words.
 */
import { float, int, type FieldValue, type Metric } from '../lineprotocol.js';
import {
  captionOf,
  decimalOf,
  digitsOf,
  isElement,
  labelKey,
  parseHtml,
  ParseError,
  tableRows,
  tables,
  textOf,
  type Doc,
  type El,
} from '../html.js';
import type { DeviceKind, PageSpec, PageText, ParseContext } from './kind.js';

const BROADBAND: PageSpec = { key: 'broadband', path: '/xslt?PAGE=C_1_0', title: 'Broadband Status (/xslt?PAGE=C_1_0)' };

const INT64_MAX = 2n ** 63n - 1n;

/** Counter columns by their header word; the value is the field suffix. */
type Column = 'bytes' | 'pkts' | 'err' | 'pct';
const COLUMN_NAMES: Readonly<Record<Column, string>> = { bytes: 'Bytes', pkts: 'Packets', err: 'Errors', pct: '% Errors' };

function columnOf(header: string): Column | undefined {
  const h = labelKey(header);
  if (h.includes('%')) return 'pct';
  if (/^bytes?$/.test(h)) return 'bytes';
  if (/^packets?$/.test(h)) return 'pkts';
  if (/^errors?$/.test(h)) return 'err';
  return undefined;
}

function directionOf(label: string): 'tx' | 'rx' | undefined {
  const l = labelKey(label);
  if (l === 'transmit' || l === 'transmitted') return 'tx';
  if (l === 'receive' || l === 'received') return 'rx';
  return undefined;
}

const IP_TRAFFIC = 'ip traffic';
// Elements that can carry a table's title just before it.
const TITLE_TAGS = new Set(['h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'p', 'b', 'strong', 'span', 'div', 'caption']);

/**
 * Whether a table is introduced by the words "IP Traffic": as its caption
 * (AT&T firmware), as the first cell of one of its first rows (ISP-branded
 * firmware), or as a title element right before it (tolerated in case a
 * firmware moves the caption out of the table).
 */
function isTrafficTable(t: El): boolean {
  if (labelKey(captionOf(t)) === IP_TRAFFIC) return true;
  if (tableRows(t).slice(0, 2).some((r) => r[0] !== undefined && labelKey(textOf(r[0])) === IP_TRAFFIC)) return true;
  let prev = t.prev;
  while (prev && !isElement(prev) && textOf(prev) === '') prev = prev.prev;
  return prev !== null && isElement(prev) && TITLE_TAGS.has(prev.name) && labelKey(textOf(prev)) === IP_TRAFFIC;
}

function findTrafficTable(doc: Doc): El | undefined {
  return tables(doc).find(isTrafficTable);
}

function trafficFields(doc: Doc): Record<string, FieldValue> {
  const table = findTrafficTable(doc);
  if (!table) {
    throw new ParseError(`${BROADBAND.title}: no "IP Traffic" table (looked for a caption or first cell reading "IP Traffic")`);
  }
  const rows = tableRows(table);
  const header = rows.find((r) => r.some((c) => columnOf(textOf(c)) !== undefined));
  if (!header) throw new ParseError(`${BROADBAND.title}: the "IP Traffic" table has no header row with "Bytes"`);

  const columns = new Map<Column, number>();
  header.forEach((cell, i) => {
    const col = columnOf(textOf(cell));
    if (col !== undefined && !columns.has(col)) columns.set(col, i);
  });
  for (const col of Object.keys(COLUMN_NAMES) as Column[]) {
    if (!columns.has(col)) {
      throw new ParseError(`${BROADBAND.title}: the "IP Traffic" table has no "${COLUMN_NAMES[col]}" column`);
    }
  }

  const fields: Record<string, FieldValue> = {};
  for (const [dir, label] of [['tx', 'Transmit'], ['rx', 'Receive']] as const) {
    const row = rows.find((r) => r[0] !== undefined && directionOf(textOf(r[0])) === dir);
    if (!row) throw new ParseError(`${BROADBAND.title}: the "IP Traffic" table has no "${label}" row`);
    // Seed order: tx then rx, each in this column order, whatever the page's order.
    for (const col of Object.keys(COLUMN_NAMES) as Column[]) {
      const cell = row[columns.get(col) ?? -1];
      const text = cell ? textOf(cell) : '';
      const where = `${BROADBAND.title}: "IP Traffic" ${label} ${COLUMN_NAMES[col]}`;
      if (col === 'pct') {
        const pct = decimalOf(text);
        if (pct === undefined) throw new ParseError(`${where} is ${JSON.stringify(text)}, not a number`);
        fields[`${dir}_pct`] = float(pct);
      } else {
        const digits = digitsOf(text);
        if (digits === undefined) throw new ParseError(`${where} is ${JSON.stringify(text)}, not a whole number`);
        if (BigInt(digits) > INT64_MAX) throw new ParseError(`${where} ${digits} does not fit in 64 bits`);
        fields[`${dir}_${col}`] = int(digits);
      }
    }
  }
  return fields;
}

/** Request timings as the seed's integer millisecond fields, when the page was fetched. */
export function timingFields(page: PageText): Record<string, FieldValue> {
  const out: Record<string, FieldValue> = {};
  if (page.totalMs !== undefined) out['total_time'] = int(Math.round(page.totalMs));
  if (page.ttfbMs !== undefined) out['elapsed_time'] = int(Math.round(page.ttfbMs));
  return out;
}

// Recognised by the words the page is about, not by the table itself, so
// that a damaged page still reaches parse() and gets its precise ParseError.
function recognize(body: string): string | undefined {
  return /(IP|Traffic)(\s|&nbsp;|&#160;)+(Traffic|Statistics)/i.test(body) ? BROADBAND.key : undefined;
}

function parse(pages: ReadonlyMap<string, PageText>, ctx: ParseContext): Metric[] {
  const page = pages.get(BROADBAND.key);
  if (!page) throw new ParseError(`${BROADBAND.title}: page missing`);
  const fields = { ...trafficFields(parseHtml(page.body)), ...timingFields(page) };
  return [{ name: ctx.measurement, tags: {}, fields }];
}

/** `type = att`: AT&T Pace 5268AC / 2Wire gateways. */
export const att: DeviceKind = {
  type: 'att',
  description: 'AT&T Pace 5268AC / 2Wire gateway (xslt status pages)',
  pages: [BROADBAND],
  recognize,
  parse,
};
