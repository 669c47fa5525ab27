/**
 * AT&T gateways, family 1: Pace 5268AC and 2Wire ("xslt" pages).
 *
 * The traffic counters sit in the "IP Traffic" table of Broadband Status
 * (`/xslt?PAGE=C_1_0`). Two layouts are known: AT&T firmware puts
 * "IP Traffic" in a `<caption>` over a `th` header row; ISP-branded firmware
 * puts it in the first cell of the header row and adds colons and spacer rows.
 * Both are found by those words and their columns by header words.
 */
import { bool, float, str, type FieldValue, type Metric } from '../../lineprotocol.js';
import { captionOf, columnTable, decimalOf, isElement, labelKey, ParseError, tableRows, tables, textOf, type Doc, type El } from '../../html/index.js';
import { M } from './catalogue.js';
import { dslMetrics, natMetrics } from './common.js';
import { columnCounterMetrics, says, SP, systemMetrics } from '../router.js';
import { setCounter, shown, timingFields, type Omitter } from '../fields.js';
import type { ExtractContext, Family, PageSpec, PageText } from '../kind.js';

const BROADBAND_TITLE = 'Broadband Status (/xslt?PAGE=C_1_0)';
const BROADBAND = { title: BROADBAND_TITLE };

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
  if (
    tableRows(t)
      .slice(0, 2)
      .some((r) => r[0] !== undefined && labelKey(textOf(r[0])) === IP_TRAFFIC)
  )
    return true;
  let prev = t.prev;
  while (prev && !isElement(prev) && textOf(prev) === '') prev = prev.prev;
  return prev !== null && isElement(prev) && TITLE_TAGS.has(prev.name) && labelKey(textOf(prev)) === IP_TRAFFIC;
}

function findTrafficTable(doc: Doc): El | undefined {
  return tables(doc).find(isTrafficTable);
}

// Module-level, and loops below, rather than callbacks made on every call:
// those lose their optimised code at every full collection (see TreeBuilder
// in html/index.ts).
const namesAColumn = (r: El[]): boolean => r.some(isColumnCell);
const isColumnCell = (c: El): boolean => columnOf(textOf(c)) !== undefined;

/** The first row whose first cell names direction `dir`. */
function directionRow(rows: El[][], dir: 'tx' | 'rx'): El[] | undefined {
  for (const r of rows) if (r[0] !== undefined && directionOf(textOf(r[0])) === dir) return r;
  return undefined;
}

function trafficFields(doc: Doc, omit: Omitter): Record<string, FieldValue> {
  const table = findTrafficTable(doc);
  if (!table) {
    throw new ParseError(`${BROADBAND.title}: no "IP Traffic" table (looked for a caption or first cell reading "IP Traffic")`);
  }
  const rows = tableRows(table);
  const header = rows.find(namesAColumn);
  if (!header) throw new ParseError(`${BROADBAND.title}: the "IP Traffic" table has no header row with "Bytes"`);

  const columns = new Map<Column, number>();
  for (const [i, cell] of header.entries()) {
    const col = columnOf(textOf(cell));
    if (col !== undefined && !columns.has(col)) columns.set(col, i);
  }
  if (!columns.has('bytes') && !columns.has('pkts')) {
    throw new ParseError(`${BROADBAND.title}: the "IP Traffic" table has neither a "Bytes" nor a "Packets" column`);
  }
  const found = [
    { dir: 'tx', label: 'Transmit', row: directionRow(rows, 'tx') },
    { dir: 'rx', label: 'Receive', row: directionRow(rows, 'rx') },
  ] as const;
  if (found[0].row === undefined && found[1].row === undefined) throw new ParseError(`${BROADBAND.title}: the "IP Traffic" table has no "Transmit" or "Receive" row`);
  for (const col of Object.keys(COLUMN_NAMES) as Column[]) {
    if (columns.has(col)) continue;
    // One line per value, so that values_omitted counts values.
    for (const { dir, row } of found) if (row) omit(`${BROADBAND.title}: the "IP Traffic" table has no "${COLUMN_NAMES[col]}" column: ${dir}_${col} left out`);
  }

  const fields: Record<string, FieldValue> = {};
  for (const { dir, label, row } of found) {
    if (!row) {
      omit(`${BROADBAND.title}: the "IP Traffic" table has no "${label}" row: ${dir}_* left out`);
      continue;
    }
    // Seed order: tx then rx, each in this column order, whatever the page's order.
    for (const col of Object.keys(COLUMN_NAMES) as Column[]) {
      const at = columns.get(col);
      if (at === undefined) continue;
      const cell = row[at];
      const text = cell ? textOf(cell) : '';
      const where = `${BROADBAND.title}: "IP Traffic" ${label} ${COLUMN_NAMES[col]}`;
      if (col === 'pct') {
        const pct = decimalOf(text);
        if (pct === undefined) omit(`${where} is ${shown(text)}, not a number: left out`);
        else fields[`${dir}_pct`] = float(pct);
      } else {
        setCounter(fields, `${dir}_${col}`, omit, where, text);
      }
    }
  }
  if (!['tx_bytes', 'rx_bytes', 'tx_pkts', 'rx_pkts'].some((k) => fields[k] !== undefined)) {
    throw new ParseError(`${BROADBAND.title}: no byte or packet count in the "IP Traffic" table is readable`);
  }
  return fields;
}

/** "Summary Status": Internet and DSL Link, each "Connected" or not. */
function wanMetrics(doc: Doc): Metric[] {
  const fields: Record<string, FieldValue> = {};
  for (const t of tables(doc)) {
    for (const row of tableRows(t)) {
      const first = row[0];
      if (!first) continue;
      const label = labelKey(textOf(first));
      // The state is the last non-empty cell; a bullet image sits between.
      const value =
        row
          .slice(1)
          .map((c) => textOf(c))
          .filter((v) => v !== '')
          .pop() ?? '';
      if (label === 'internet' && fields['connected'] === undefined) fields['connected'] = bool(/^connected$/i.test(value));
      if ((label === 'dsl link' || label === 'broadband link') && fields['link_up'] === undefined) {
        fields['link_up'] = bool(/^connected$|^up$/i.test(value));
        fields['source'] = str('DSL');
      }
    }
  }
  return Object.keys(fields).length === 0 ? [] : [{ name: M.wan, tags: {}, fields }];
}

const PORT_COLUMN = /^(port|lan|ethernet|lan port)\s*\d+$/i;

/** The LAN port table: one column per port ("Port 1" ...). */
function lanMetrics(doc: Doc, title: string, omit: Omitter): Metric[] {
  const table = tables(doc).find((t) => columnTable(t)?.columns.some((c) => PORT_COLUMN.test(c)) === true);
  if (!table) throw new ParseError(`${title}: no table with "Port 1" ... columns`);
  return columnCounterMetrics(table, M.lan, title, omit);
}

const broadband: PageSpec = {
  key: 'pace-broadband',
  path: '/xslt?PAGE=C_1_0',
  title: BROADBAND_TITLE,
  // By the words the page is about, not the table itself, so that a damaged
  // page still reaches its extracts and gets a precise ParseError.
  recognize: (body) => /(IP|Traffic)(\s|&nbsp;|&#160;)+(Traffic|Statistics)/i.test(body),
  extracts: [
    {
      area: 'traffic',
      parse: async (page: PageText, ctx: ExtractContext) => [{ name: ctx.measurement, tags: {}, fields: { ...trafficFields(await ctx.html(), ctx.omit), ...timingFields(page) } }],
    },
    {
      area: 'line',
      parse: async (_page, ctx) => {
        const doc = await ctx.html();
        return [...wanMetrics(doc), ...dslMetrics(doc, BROADBAND_TITLE, ctx.omit)];
      },
    },
  ],
};

const SYSTEM_TITLE = 'System Info (/xslt?PAGE=C_0_0)';
const SYSTEM_WORDS = says('Time', 'Since', 'Last', '(?:Re)?boot');
const system: PageSpec = {
  key: 'pace-system',
  path: '/xslt?PAGE=C_0_0',
  title: SYSTEM_TITLE,
  // Pace firmware says "Boot"; the .ha family's "Reboot" goes to that family when the kind reads both.
  recognize: (body) => SYSTEM_WORDS.test(body),
  extracts: [{ area: 'system', parse: async (_page, ctx) => systemMetrics(await ctx.html(), SYSTEM_TITLE) }],
};

const LAN_TITLE = 'LAN Statistics (/xslt?PAGE=C_2_5)';
// A column header "Port 1" (a cell of its own).
const LAN_WORDS = new RegExp(`>\\s*Port(?:\\s|&nbsp;|&#160;)*1\\s*<`, 'i');
const lan: PageSpec = {
  key: 'pace-lan',
  path: '/xslt?PAGE=C_2_5',
  title: LAN_TITLE,
  recognize: (body) => LAN_WORDS.test(body),
  extracts: [{ area: 'lan', parse: async (_page, ctx) => lanMetrics(await ctx.html(), LAN_TITLE, ctx.omit) }],
};

const NAT_TITLE = 'NAT Table (/xslt?PAGE=C_5_5)';
const NAT_WORDS = new RegExp(`Sessions${SP}Available|NAT${SP}(?:Table|Sessions)`, 'i');
const nat: PageSpec = {
  key: 'pace-nat',
  path: '/xslt?PAGE=C_5_5',
  title: NAT_TITLE,
  recognize: (body) => NAT_WORDS.test(body),
  extracts: [{ area: 'nat', parse: (page, ctx) => natMetrics(page.body, NAT_TITLE, ctx) }],
};

/** AT&T family 1: Pace 5268AC and 2Wire gateways ("xslt" pages, no login). */
export const paceFamily: Family = {
  name: 'pace',
  description: 'Pace 5268AC / 2Wire (xslt pages)',
  pages: [broadband, system, lan, nat],
};
