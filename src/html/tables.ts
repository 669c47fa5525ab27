/**
 * Reading a parsed page: finding elements, their text, tables by caption,
 * summary or heading, rows of label and value, column tables, numbers.
 */
import { isElement, type Doc, type El, type Node } from './tree.js';

/** Every text below a node, concatenated (a DOM's textContent). */
function rawText(node: Node | Doc): string {
  if (node.type === 'text') return node.data;
  let out = '';
  for (const c of node.children) out += c.type === 'text' ? c.data : rawText(c);
  return out;
}

/** Elements of the document that match, in document order. */
function findAll(doc: Doc, test: (el: El) => boolean): El[] {
  return doc.elements.filter(test);
}

/** The first element of the document that matches. */
export function findOne(doc: Doc, test: (el: El) => boolean): El | undefined {
  return doc.elements.find(test);
}

/** Visible text with `&nbsp;` and control characters as a space, runs of whitespace collapsed and trimmed. */
export function normText(s: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are whitespace to a reader
  return s.replace(/[\s\u00a0\u0000-\u001f\u007f]+/g, ' ').trim();
}

/** The normalised text of a node (kept on elements: table code asks for a cell's text often). */
export function textOf(node: Node | Doc): string {
  if (node.type === 'text') return normText(node.data);
  return (node.text ??= normText(rawText(node)));
}

/** A label as compared: normalised, lower case, without a trailing colon. */
export function labelKey(s: string): string {
  return normText(s).replace(/\s*:$/, '').toLowerCase();
}

/** Every table of the document, nested ones included, in document order. */
export function tables(doc: Doc): El[] {
  return findAll(doc, isTable);
}

// Module-level, not made per call: see TreeBuilder in html/index.ts on V8 and closures made per page.
const isTable = (e: El): boolean => e.name === 'table';

/** The text of a table's `<caption>`, or '' without one. */
export function captionOf(table: El): string {
  const cap = table.children.find((c): c is El => isElement(c) && c.name === 'caption');
  return cap ? textOf(cap) : '';
}

// Upper bound for colspan, so a hostile page cannot make us build huge rows.
export const MAX_COLSPAN = 16;

/**
 * The rows of one table (not of tables nested in it), each as its `th`/`td`
 * cells, with a cell of `colspan=n` repeated n times so that columns line up.
 */
export function tableRows(table: El): El[][] {
  const rows: El[][] = [];
  visitRows(table, rows);
  return rows;
}

function visitRows(parent: El, rows: El[][]): void {
  for (const child of parent.children) {
    if (!isElement(child)) continue;
    if (child.name === 'tr') rows.push(rowCells(child));
    else if (child.name === 'thead' || child.name === 'tbody' || child.name === 'tfoot') visitRows(child, rows);
  }
}

function rowCells(tr: El): El[] {
  const cells: El[] = [];
  for (const c of tr.children) {
    if (!isElement(c) || (c.name !== 'td' && c.name !== 'th')) continue;
    const span = Math.min(MAX_COLSPAN, Math.max(1, Number.parseInt(c.attribs['colspan'] ?? '1', 10) || 1));
    for (let i = 0; i < span; i++) cells.push(c);
  }
  return cells;
}

/** Parses a cell holding a plain unsigned decimal integer into its digit string. */
export function digitsOf(text: string): string | undefined {
  const t = normText(text).replace(/,/g, '');
  return /^\d{1,64}$/.test(t) ? t.replace(/^0+(?=\d)/, '') : undefined;
}

/** Parses a cell holding a decimal number, optionally followed by `%`. */
export function decimalOf(text: string): number | undefined {
  const t = normText(text).replace(/\s*%$/, '');
  if (!/^[-+]?(\d+\.?\d*|\.\d+)$/.test(t)) return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : undefined;
}

const HEADING = /^h[1-6]$/;

/**
 * Every table with the text of the last heading before it in the document
 * (`<h2>IPv4 Statistics</h2>` introduces the table after it).
 */
function tablesWithHeadings(doc: Doc): { table: El; heading: string }[] {
  const out: { table: El; heading: string }[] = [];
  let heading = '';
  for (const el of findAll(doc, (e) => e.name === 'table' || HEADING.test(e.name))) {
    if (el.name === 'table') out.push({ table: el, heading });
    else heading = textOf(el);
  }
  return out;
}

/**
 * The first table whose `summary` attribute matches, else the first table
 * under a heading that matches.
 */
export function findTable(doc: Doc, want: { summary?: RegExp; heading?: RegExp }): El | undefined {
  const all = tablesWithHeadings(doc);
  const bySummary = want.summary && all.find((t) => want.summary?.test(normText(t.table.attribs['summary'] ?? '')));
  if (bySummary) return bySummary.table;
  return want.heading && all.find((t) => want.heading?.test(t.heading))?.table;
}

/**
 * A two-column table (`<th>Label</th><td>value</td>`, or `td` labels) as a map
 * from {@link labelKey} to the value's text. The first occurrence of a label wins.
 */
export function rowValues(table: El): Map<string, string> {
  const out = new Map<string, string>();
  for (const row of tableRows(table)) {
    const [label, value] = row;
    if (!label || !value || label === value) continue;
    const key = labelKey(textOf(label));
    if (key !== '' && !out.has(key)) out.set(key, textOf(value));
  }
  return out;
}

/** A table with named columns (`Port 1`, `2.4 GHz`) and labelled rows. */
interface ColumnTable {
  readonly columns: readonly string[];
  /** Row label ({@link labelKey}) to the cells under each column. */
  readonly rows: ReadonlyMap<string, readonly string[]>;
}

/**
 * Reads a table whose header row has an empty first cell and one name per
 * column, and whose other rows start with a label.
 */
export function columnTable(table: El): ColumnTable | undefined {
  const rows = tableRows(table);
  const headerAt = rows.findIndex((r) => r.length >= 2 && textOf(r[0] as El) === '' && r.slice(1).every((c) => textOf(c) !== ''));
  if (headerAt < 0) return undefined;
  const columns = (rows[headerAt] ?? []).slice(1).map((c) => textOf(c));
  const out = new Map<string, string[]>();
  for (const row of rows.slice(headerAt + 1)) {
    const [label, ...cells] = row;
    if (!label) continue;
    const key = labelKey(textOf(label));
    if (key !== '' && !out.has(key))
      out.set(
        key,
        cells.map((c) => textOf(c)),
      );
  }
  return { columns, rows: out };
}

/** A number followed by an optional unit: `35839 kbs`, `6.3 dB`, `-17.0 dBm`. */
export function measureOf(text: string): { value: number; unit: string } | undefined {
  // \u00b0 is the degree sign (the bundle is kept ASCII: src/build/bundle.ts).
  const m = /^([-+]?(?:\d+\.?\d*|\.\d+))\s*([a-zA-Z%\u00b0/]*)$/.exec(normText(text));
  if (!m) return undefined;
  const value = Number(m[1]);
  return Number.isFinite(value) ? { value, unit: (m[2] ?? '').toLowerCase() } : undefined;
}
