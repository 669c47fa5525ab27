/**
 * Label-led lookups over htmlparser2 documents. Device pages differ by
 * firmware in whitespace, `&nbsp;`, trailing colons and `th` versus `td`, so
 * everything here compares normalised visible text, never positions.
 */
import { Parser } from 'htmlparser2';

/**
 * A page as a lean tree: elements and text only (comments, doctypes and
 * processing instructions are dropped), built from htmlparser2's parser
 * events. htmlparser2 decides which tags a tag implies closed, exactly as for
 * its own DOM; this tree only keeps less per node, which is most of the time
 * a gather spends on pages.
 */
export interface El {
  readonly type: 'tag';
  readonly name: string;
  readonly attribs: Readonly<Record<string, string>>;
  readonly children: Node[];
  /** The previous sibling, element or text. */
  readonly prev: Node | null;
  /** {@link textOf} of this element, once asked (only asked once it is closed). */
  text?: string;
  /** Its end tag (or what implies it) has been read: it holds all it will. */
  closed?: true;
}

/** A run of text, entities decoded. */
export interface TextNode {
  readonly type: 'text';
  data: string;
  readonly prev: Node | null;
}

export type Node = El | TextNode;

/** A parsed page. */
export interface Doc {
  readonly type: 'root';
  readonly children: Node[];
  /** Every element in document order (the order their start tags appear). */
  readonly elements: readonly El[];
  text?: string;
}

/** Whether a node is an element (not text). */
export function isElement(n: Node): n is El {
  return n.type === 'tag';
}

/** A page that does not hold what its parser looks for; the message names the label and the page. */
export class ParseError extends Error {
  override name = 'ParseError';
}

/**
 * How deep a page may nest elements. Real status pages nest about 20 deep;
 * htmlparser2's own bookkeeping grows with the square of the depth (100,000
 * nested cells took a minute), and the tree's text is read recursively. A
 * page past this is refused as it is read, so the time it costs stays small.
 */
export const MAX_DEPTH = 256;

/**
 * How many elements a page read as a tree may have. The biggest real page
 * seen has 4,249; each element costs about 390 bytes of tree and a page of
 * 360,000 tiny tables took 480 ms and 140 MB, so this bounds what one page
 * can take. (The NAT page, which can be big for real, is read as rows.)
 */
export const MAX_ELEMENTS = 50_000;

/** The error of a page nested past {@link MAX_DEPTH} or longer than {@link MAX_ELEMENTS}. */
export function tooDeepError(elements = 0): ParseError {
  if (elements > MAX_ELEMENTS) return new ParseError(`the page has more than ${MAX_ELEMENTS} elements: not read`);
  return new ParseError(`the page nests elements more than ${MAX_DEPTH} deep (real pages nest about 20): not read`);
}

/** Builds the tree as the parser reads; `doc` is usable between writes. `tooDeep()` says the parser stopped at {@link MAX_DEPTH}. */
function treeBuilder(): { doc: Doc; parser: Parser; tooDeep: () => boolean; count: () => number } {
  const elements: El[] = [];
  const doc: Doc = { type: 'root', children: [], elements };
  const open: (El | Doc)[] = [doc];
  let parent: El | Doc = doc;
  let deep = false;
  const parser = new Parser(
    {
      onopentag(name, attribs) {
        if (deep) return;
        if (open.length > MAX_DEPTH || elements.length >= MAX_ELEMENTS) {
          // Stops the tokenizer: the rest of the text is never looked at.
          deep = true;
          parser.pause();
          return;
        }
        const el: El = { type: 'tag', name, attribs, children: [], prev: parent.children.at(-1) ?? null };
        parent.children.push(el);
        elements.push(el);
        open.push(el);
        parent = el;
      },
      onclosetag() {
        if (open.length > 1) {
          const el = open.pop();
          if (el?.type === 'tag') el.closed = true;
        }
        parent = open[open.length - 1] ?? doc;
      },
      ontext(data) {
        const last = parent.children.at(-1);
        // The tokenizer splits text around entities: one node per run, as a DOM has.
        if (last?.type === 'text') last.data += data;
        else parent.children.push({ type: 'text', data, prev: last ?? null });
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  return { doc, parser, tooDeep: () => deep, count: () => elements.length + (deep ? 1 : 0) };
}

/**
 * Paces a long read. Parsing is synchronous, so a page that takes long to
 * read would hold up every other device of the run: readers call this
 * between slices of the page, and the collector's pace yields to other
 * devices' I/O now and then and stops the read (ParseError) once the
 * device's time limit has passed. Offline parsing needs neither: {@link UNPACED}.
 */
export type Pace = () => Promise<void>;

/** No pacing: the `parse` command and tests read with no time limit and no other device. */
export const UNPACED: Pace = () => Promise.resolve();

/** How much of a page is read between two calls to the pace. */
const STEP_CHARS = 4096;

/**
 * A pace for one device: yields to the event loop after `sliceMs` of reading,
 * and throws a ParseError naming `why()` once `signal` has aborted.
 */
export function paceFor(signal: AbortSignal, why: () => string, sliceMs = 8): Pace {
  let since = performance.now();
  const stop = (): void => {
    if (signal.aborted) throw new ParseError(`stopped reading the page: ${why()}`);
  };
  return async () => {
    stop();
    if (performance.now() - since < sliceMs) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    since = performance.now();
    stop();
  };
}

/**
 * Parses an HTML or XHTML page, decoding entities (`&nbsp;` becomes U+00A0),
 * all at once: for small pages that are not read in an extract (a login form).
 * @throws ParseError for a page nested deeper than {@link MAX_DEPTH} or longer than {@link MAX_ELEMENTS}.
 */
export function parseHtml(text: string): Doc {
  const { doc, parser, tooDeep, count } = treeBuilder();
  parser.end(text);
  if (tooDeep()) throw tooDeepError(count());
  return doc;
}

/**
 * Feeds `text` to `parser` a slice at a time: `after` looks at what was read
 * after each slice (true: stop, the rest unread; it may throw), and `pace`
 * runs between slices. Ends the parser when the whole text was fed, and
 * says whether it was. The one loop every paced reader shares.
 */
export async function feedSlices(parser: Parser, text: string, pace: Pace, after: () => boolean = () => false, slice = STEP_CHARS): Promise<boolean> {
  for (let at = 0; at < text.length; at += slice) {
    parser.write(text.slice(at, at + slice));
    if (after()) return false;
    await pace();
  }
  parser.end();
  return true;
}

/**
 * Reads a page a slice at a time, calling `pace` between slices. With
 * `enough`, reads only as far as needed: `enough` looks at the tree after
 * every few KiB and says whether it has what it wants, which must come from
 * closed elements only ({@link El.closed}: the rest may still grow).
 * Returns the tree read so far; `complete` when the whole page was read.
 * A NAT table of thousands of sessions under a two-row summary is never read.
 * @throws ParseError for a page nested deeper than {@link MAX_DEPTH}, or from `pace`.
 */
export async function readHtml(text: string, pace: Pace, enough?: (doc: Doc) => boolean): Promise<{ doc: Doc; complete: boolean }> {
  const { doc, parser, tooDeep, count } = treeBuilder();
  const complete = await feedSlices(parser, text, pace, () => {
    if (tooDeep()) throw tooDeepError(count());
    return enough?.(doc) === true;
  });
  if (tooDeep()) throw tooDeepError(count());
  return { doc, complete };
}

/** One table row as {@link readRows} gives it: each cell's normalised text, a colspan cell repeated. */
export interface StreamRow {
  /** Which table, numbered from 0 in the order tables start. */
  readonly table: number;
  readonly cells: readonly string[];
  /** For each entry of `cells`, which cell of the row it came from (equal for a colspan's copies). */
  readonly from: readonly number[];
}

/**
 * Reads a page's table rows without building its tree, a slice at a time
 * with `pace` between slices: for pages whose rows are all that matters and
 * that can be big (a NAT table of 32,767 sessions is 3.7 MB, whose tree
 * would take 800 ms and 100 MB). `onRow` gets each row when it ends and
 * returns true to stop reading. Returns the page's whole text (for a label
 * written as text, not as a row) unless reading stopped early.
 * @throws ParseError for a page nested deeper than {@link MAX_DEPTH}, or from `pace`.
 */
export async function readRows(text: string, pace: Pace, onRow: (row: StreamRow) => boolean): Promise<{ complete: boolean }> {
  /** Per open table: its number, the row being read, the cell being read. */
  const open: { n: number; cells: string[]; from: number[]; cell: string[] | undefined; span: number; index: number }[] = [];
  let tablesSeen = 0;
  let depth = 0;
  /** Set from the parser's callbacks: past MAX_DEPTH, or onRow said stop. */
  const state = { deep: false, stop: false };
  const endCell = (t: (typeof open)[number]): void => {
    if (!t.cell) return;
    const cellText = normText(t.cell.join(''));
    for (let i = 0; i < t.span; i++) {
      t.cells.push(cellText);
      t.from.push(t.index);
    }
    t.index++;
    t.cell = undefined;
  };
  const endRow = (t: (typeof open)[number]): void => {
    endCell(t);
    if (t.cells.length > 0 && !state.stop) state.stop = onRow({ table: t.n, cells: t.cells, from: t.from });
    t.cells = [];
    t.from = [];
    t.index = 0;
  };
  const parser = new Parser(
    {
      onopentag(name, attribs) {
        if (state.deep || state.stop) return;
        if (++depth > MAX_DEPTH) {
          state.deep = true;
          parser.pause();
          return;
        }
        const t = open.at(-1);
        if (name === 'table') open.push({ n: tablesSeen++, cells: [], from: [], cell: undefined, span: 1, index: 0 });
        else if (t && name === 'tr') endRow(t);
        else if (t && (name === 'td' || name === 'th')) {
          endCell(t);
          t.cell = [];
          t.span = Math.min(MAX_COLSPAN, Math.max(1, Number.parseInt(attribs['colspan'] ?? '1', 10) || 1));
        }
      },
      onclosetag(name) {
        if (state.deep || state.stop) return;
        depth--;
        const t = open.at(-1);
        if (!t) return;
        if (name === 'td' || name === 'th') endCell(t);
        else if (name === 'tr') endRow(t);
        else if (name === 'table') {
          endRow(t);
          open.pop();
        }
      },
      ontext(data) {
        open.at(-1)?.cell?.push(data);
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  const whole = await feedSlices(parser, text, pace, () => {
    if (state.deep) throw tooDeepError();
    return state.stop;
  });
  if (!whole) return { complete: false };
  if (state.deep) throw tooDeepError();
  for (let t = open.pop(); t && !state.stop; t = open.pop()) endRow(t);
  return { complete: !state.stop };
}

/** A page's visible text, entities decoded, whitespace collapsed, read a slice at a time. */
export async function readText(text: string, pace: Pace): Promise<string> {
  const parts: string[] = [];
  await feedSlices(new Parser({ ontext: (data) => parts.push(data) }, { decodeEntities: true }), text, pace);
  return normText(parts.join(''));
}

/** Every text below a node, concatenated (a DOM's textContent). */
function rawText(node: Node | Doc): string {
  if (node.type === 'text') return node.data;
  let out = '';
  for (const c of node.children) out += c.type === 'text' ? c.data : rawText(c);
  return out;
}

/** Elements of the document that match, in document order. */
export function findAll(doc: Doc, test: (el: El) => boolean): El[] {
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
  return findAll(doc, (e) => e.name === 'table');
}

/** The text of a table's `<caption>`, or '' without one. */
export function captionOf(table: El): string {
  const cap = table.children.find((c): c is El => isElement(c) && c.name === 'caption');
  return cap ? textOf(cap) : '';
}

// Upper bound for colspan, so a hostile page cannot make us build huge rows.
const MAX_COLSPAN = 16;

/**
 * The rows of one table (not of tables nested in it), each as its `th`/`td`
 * cells, with a cell of `colspan=n` repeated n times so that columns line up.
 */
export function tableRows(table: El): El[][] {
  const rows: El[][] = [];
  const visit = (parent: El): void => {
    for (const child of parent.children) {
      if (!isElement(child)) continue;
      if (child.name === 'tr') rows.push(rowCells(child));
      else if (child.name === 'thead' || child.name === 'tbody' || child.name === 'tfoot') visit(child);
    }
  };
  visit(table);
  return rows;
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
export function tablesWithHeadings(doc: Doc): { table: El; heading: string }[] {
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
export interface ColumnTable {
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
    if (key !== '' && !out.has(key)) out.set(key, cells.map((c) => textOf(c)));
  }
  return { columns, rows: out };
}

/** A number followed by an optional unit: `35839 kbs`, `6.3 dB`, `-17.0 dBm`. */
export function measureOf(text: string): { value: number; unit: string } | undefined {
  const m = /^([-+]?(?:\d+\.?\d*|\.\d+))\s*([a-zA-Z%°/]*)$/.exec(normText(text));
  if (!m) return undefined;
  const value = Number(m[1]);
  return Number.isFinite(value) ? { value, unit: (m[2] ?? '').toLowerCase() } : undefined;
}
