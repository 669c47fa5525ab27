/**
 * What both AT&T page families share beyond what routers share
 * (../router.ts): DSL line tables, NAT session counts.
 * Everything is found by visible labels; a section that is absent yields no
 * metrics, a section that is present but unreadable is a ParseError.
 */
import { cleanTag, float, int, str, type FieldValue, type Metric } from '../../lineprotocol.js';
import { labelKey, measureOf, normText, readRows, readText, ParseError, tableRows, tables, textOf, type Doc, type El, type Pace } from '../../html/index.js';
import { dropImpossibleParts, setCounter, shown, type Omitter } from '../fields.js';
import { percentOf, pick } from '../router.js';
import { M } from './catalogue.js';

type Direction = 'down' | 'up';

function directionOfHeader(text: string): Direction | undefined {
  const h = labelKey(text);
  if (/^(down|downstream|download)$/.test(h)) return 'down';
  if (/^(up|upstream|upload)$/.test(h)) return 'up';
  return undefined;
}

type DslAs = 'kbps' | 'db' | 'text';
const DSL_ROWS: readonly [RegExp, string, DslAs][] = [
  [/^(rate|user rate|current rate|sync rate|actual rate)$/, 'rate_kbps', 'kbps'],
  [/^(max rate|max user rate|maximum rate|attainable rate|max attainable rate)$/, 'max_rate_kbps', 'kbps'],
  [/^(noise margin|snr margin|sn margin|snr)$/, 'noise_margin_db', 'db'],
  [/^(attenuation|line attenuation|loop attenuation)$/, 'attenuation_db', 'db'],
  [/^(output power|transmit power|tx power)$/, 'output_power_dbm', 'db'],
  [/^(protocol|modulation|mode)$/, 'protocol', 'text'],
  [/^(channel|latency|path|data path)$/, 'channel', 'text'],
];

/** A DSL row label as compared: `Output Power(dBm)` -> `output power` (the unit sits in the label on .ha pages). */
function dslLabel(text: string): string {
  return labelKey(text).replace(/\s*\([^()]*\)$/, '');
}

function dslRow(label: string): readonly [RegExp, string, DslAs] | undefined {
  return DSL_ROWS.find(([re]) => re.test(label));
}

/** A DSL reading, or undefined (left out with a message when the cell is not empty). */
function dslValue(omit: Omitter, where: string, text: string, as: DslAs): FieldValue | undefined {
  const t = normText(text);
  if (t === '') return undefined;
  // Words the table shows: without invisible characters, as tags are.
  if (as === 'text') return str(cleanTag(t));
  const m = measureOf(t);
  if (!m) {
    omit(`${where} is ${shown(t)}, not a number: left out`);
    return undefined;
  }
  if (as === 'db') return float(m.value);
  const kbps = Math.round(/^(mbps|mb\/s|mbs)$/.test(m.unit) ? m.value * 1000 : m.value);
  if (!Number.isSafeInteger(kbps) || kbps < 0) {
    omit(`${where} is ${shown(t)}, out of range: left out`);
    return undefined;
  }
  return int(kbps);
}

/**
 * `homenet_dsl` lines, one per DSL line and direction, from every table that
 * has a Down/Up header row (bonded lines are blocks led by a "Line N" cell),
 * and from two-column rows that name their direction (`Downstream Sync Rate
 * (kbps)`, as .ha firmware shows rate rows).
 */
export function dslMetrics(doc: Doc, title: string, omit: Omitter): Metric[] {
  const dsl = new DslLines(title, omit);
  // Rows without a direction (Modulation, Data Path) count only beside rows that have one.
  const undirected: [string, DslAs, string, string][] = [];
  for (const table of tables(doc)) {
    const rows = tableRows(table);
    const columns = rows.some(hasDownCell);
    let line = '1';
    let cols: Partial<Record<Direction, number>> = {};
    for (const row of rows) {
      const texts = row.map(cellText);
      const first = texts[0] ?? '';
      if (!columns) {
        // `Downstream Sync Rate (kbps)` | value
        if (texts.length < 2 || row[0] === row[1]) continue;
        const m = /^(downstream|upstream|down|up)\s+(.+)$/.exec(dslLabel(first));
        const spec = m ? dslRow(m[2] ?? '') : dslRow(dslLabel(first));
        if (!spec) continue;
        const dir = m ? directionOfHeader(m[1] ?? '') : undefined;
        if (dir) dsl.put('1', dir, spec[1], spec[2], first, texts[1] ?? '');
        else if (spec[2] === 'text') undirected.push([spec[1], spec[2], first, texts[1] ?? '']);
        continue;
      }
      const lineCell = texts.map(lineNumberOf).find(isMatch);
      if (lineCell?.[1]) line = lineCell[1];
      const down = texts.findIndex(isDownHeader);
      const up = texts.findIndex(isUpHeader);
      if (down >= 0) {
        cols = up >= 0 ? { down, up } : { down };
        continue;
      }
      const spec = dslRow(dslLabel(first));
      if (!spec || cols.down === undefined) continue;
      for (const dir of ['down', 'up'] as const) {
        const at = cols[dir];
        if (at !== undefined) dsl.put(line, dir, spec[1], spec[2], first, texts[at] ?? '');
      }
    }
  }
  const one = dsl.perLine.get('1');
  if (one && Object.keys(one.down).length + Object.keys(one.up).length > 0) {
    for (const [field, as, label, cell] of undirected) dsl.put('1', 'down', field, as, label, cell);
  }
  const out: Metric[] = [];
  for (const [line, dirs] of dsl.perLine) {
    for (const dir of ['down', 'up'] as const) {
      if (Object.keys(dirs[dir]).length > 0) out.push({ name: M.dsl, tags: { line, direction: dir }, fields: dirs[dir] });
    }
  }
  return out;
}

/** {@link dslMetrics}' fields per DSL line and direction; a class, not closures made per call (see below). */
class DslLines {
  readonly perLine = new Map<string, Record<Direction, Record<string, FieldValue>>>();

  constructor(
    private readonly title: string,
    private readonly omit: Omitter,
  ) {}

  /** The cell's value as `field` of the line's direction, unless the line has it already. */
  put(line: string, dir: Direction, field: string, as: DslAs, label: string, cell: string): void {
    let entry = this.perLine.get(line);
    if (!entry) {
      entry = { down: {}, up: {} };
      this.perLine.set(line, entry);
    }
    const fields = entry[dir];
    if (fields[field] !== undefined) return;
    const v = dslValue(this.omit, `${this.title}: DSL line ${line} ${dir} "${label}"`, cell, as);
    if (v !== undefined) fields[field] = v;
  }
}

// dslMetrics' per-cell tests, module-level rather than made per call: a
// closure made per call loses its optimised code at every full collection
// (see TreeBuilder in html/index.ts).
const isDownHeader = (t: string): boolean => directionOfHeader(t) === 'down';
const isUpHeader = (t: string): boolean => directionOfHeader(t) === 'up';
const cellText = (c: El): string => textOf(c);
const isDownCell = (c: El): boolean => isDownHeader(textOf(c));
const hasDownCell = (r: El[]): boolean => r.some(isDownCell);
const lineNumberOf = (t: string): RegExpExecArray | null => /^line\s*(\d+)\b/i.exec(t);
const isMatch = (m: RegExpExecArray | null): boolean => m !== null;

const NAT_IN_USE = ['total sessions in use', 'sessions in use', 'active sessions', 'current sessions', 'total number of connections', 'number of sessions'];
const NAT_MAX = ['total sessions available', 'sessions available', 'maximum sessions', 'max sessions'];

/**
 * `homenet_nat`: sessions in use, the gateway's capacity and how full it is.
 * The page is read as rows, never as a tree: a full table of 32,767
 * sessions is 3.7 MB. Most firmware puts a two-row summary above the
 * session list, and reading stops there; otherwise the sessions are counted.
 */
export async function natMetrics(body: string, title: string, ctx: { readonly omit: Omitter; readonly pace: Pace }): Promise<Metric[]> {
  const { omit } = ctx;
  /** Two-column rows, label -> value; the first of each label wins, as for the whole page. */
  const values = new Map<string, string>();
  /** The NAT table: the first table whose header row names a protocol and a source. */
  let natTable: number | undefined;
  let counted = 0;
  const read = await readRows(body, ctx.pace, (row) => {
    const [label, value] = row.cells;
    if (label !== undefined && value !== undefined && row.from[0] !== row.from[1]) {
      const key = labelKey(label);
      if (key !== '' && !values.has(key)) values.set(key, value);
    }
    if (natTable === undefined) {
      const t = row.cells.map(labelKey);
      if (t.some((x) => x.startsWith('protocol')) && t.some((x) => x.startsWith('source') || x.startsWith('src'))) natTable = row.table;
    } else if (row.table === natTable && row.cells.filter((c) => c !== '').length >= 3) {
      counted++;
    }
    // Both labels a whole-page read would pick (the first of each list) are known: the rest cannot change the answer.
    return values.has(NAT_MAX[0] ?? '') && values.has(NAT_IN_USE[0] ?? '');
  });
  let maxText = pick(values, NAT_MAX);
  let inUseText = pick(values, NAT_IN_USE);
  if (read.complete && (maxText === undefined || inUseText === undefined)) {
    // Some firmware writes "Total Sessions Available: 8192" as text, not a row.
    const text = await readText(body, ctx.pace);
    const fromText = (labels: readonly string[]): string | undefined => {
      for (const l of labels) {
        const m = new RegExp(`${l}\\s*:?\\s*(\\d+)`, 'i').exec(text);
        if (m?.[1]) return m[1];
      }
      return undefined;
    };
    maxText ??= fromText(NAT_MAX);
    inUseText ??= fromText(NAT_IN_USE);
  }
  // The sessions are counted only when the page does not say how many.
  const sessionsCounted = inUseText === undefined && natTable !== undefined ? counted : undefined;
  if (maxText === undefined && inUseText === undefined && sessionsCounted === undefined) {
    throw new ParseError(`${title}: no "Total Sessions Available" and no NAT table`);
  }
  const fields: Record<string, FieldValue> = {};
  if (inUseText !== undefined) setCounter(fields, 'sessions', omit, `${title}: "Total Sessions In Use"`, inUseText);
  else if (sessionsCounted !== undefined) fields['sessions'] = int(sessionsCounted);
  if (maxText !== undefined) setCounter(fields, 'sessions_max', omit, `${title}: "Total Sessions Available"`, maxText);
  if (Object.keys(fields).length === 0) throw new ParseError(`${title}: neither the sessions in use nor "Total Sessions Available" is readable`);
  // More sessions than the gateway holds (a table listing more rows than its
  // capacity): the count is wrong, and a percentage over 100 would be too.
  dropImpossibleParts(fields, { sessions: 'sessions_max' }, omit, title, false);
  const used = fields['sessions'];
  const max = fields['sessions_max'];
  if (used?.kind === 'int' && max?.kind === 'int' && max.value > 0n) fields['usage_pct'] = percentOf(used.value, max.value);
  return [{ name: M.nat, tags: {}, fields }];
}
