/**
 * Label-led lookups over htmlparser2 documents. Device pages differ by
 * firmware in whitespace, `&nbsp;`, trailing colons and `th` versus `td`, so
 * everything here compares normalised visible text, never positions.
 */
import { Parser } from 'htmlparser2';
import type { Doc, El } from './tree.js';
import { MAX_COLSPAN, normText } from './tables.js';

export * from './tree.js';
export * from './tables.js';

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
 * seen has 4,249 (the pages read, in the captures seen: up to 564); each
 * element costs about 390 bytes of tree, and the readers look at each
 * table's cells: a page of 8,192 elements in tables of long cells is read in
 * about 70 ms (16,384: 100 ms, 50,000: 340 ms; docs/performance.md). (The
 * NAT page, which can be big for real, is read as rows.)
 */
const MAX_ELEMENTS = 8_192;

/**
 * How much text a page read as a tree may have: 1 MiB (real pages are 10 to
 * 80 KB). htmlparser2 alone takes about 25 ms for it on the bench machine,
 * 100 ms for the 4 MiB a response may be.
 */
export const MAX_TREE_CHARS = 1_048_576;

/** The error of a page nested past {@link MAX_DEPTH} or longer than {@link MAX_ELEMENTS}. */
export function tooDeepError(elements = 0): ParseError {
  if (elements > MAX_ELEMENTS) return new ParseError(`the page has more than ${MAX_ELEMENTS} elements: not read`);
  return new ParseError(`the page nests elements more than ${MAX_DEPTH} deep (real pages nest about 20): not read`);
}

/** The error of a page over {@link MAX_TREE_CHARS}. */
function tooLongError(chars: number): ParseError {
  return new ParseError(`the page is ${(chars / 1_048_576).toFixed(1)} MiB of text, over the 1 MiB a page read as a tree may be (real ones are 10 to 80 KB): not read`);
}

/**
 * Builds the tree as the parser reads; `doc` is usable between writes.
 * `deep` says the parser stopped at {@link MAX_DEPTH}. The parser's callbacks
 * are methods, not closures made per page: V8 keeps a function's optimised
 * code only while a closure of it lives, so closures made per page lose
 * theirs at every full collection and are optimised again, gather after
 * gather, in a long execd run.
 */
class TreeBuilder {
  readonly elements: El[] = [];
  readonly doc: Doc = { type: 'root', children: [], elements: this.elements };
  private readonly open: (El | Doc)[] = [this.doc];
  private parent: El | Doc = this.doc;
  deep = false;
  readonly parser: Parser = new Parser(this, { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true });

  /** `enough`: {@link readHtml}'s. */
  constructor(private readonly enough?: (doc: Doc) => boolean) {}

  onopentag(name: string, attribs: Record<string, string>): void {
    if (this.deep) return;
    if (this.open.length > MAX_DEPTH || this.elements.length >= MAX_ELEMENTS) {
      // Stops the tokenizer: the rest of the text is never looked at.
      this.deep = true;
      this.parser.pause();
      return;
    }
    const parent = this.parent;
    const el: El = { type: 'tag', name, attribs, children: [], prev: parent.children.at(-1) ?? null };
    parent.children.push(el);
    this.elements.push(el);
    this.open.push(el);
    this.parent = el;
  }

  onclosetag(): void {
    const open = this.open;
    if (open.length > 1) {
      const el = open.pop();
      if (el?.type === 'tag') el.closed = true;
    }
    this.parent = open[open.length - 1] ?? this.doc;
  }

  ontext(data: string): void {
    const parent = this.parent;
    const last = parent.children.at(-1);
    // The tokenizer splits text around entities: one node per run, as a DOM has.
    if (last?.type === 'text') last.data += data;
    else parent.children.push({ type: 'text', data, prev: last ?? null });
  }

  count(): number {
    return this.elements.length + (this.deep ? 1 : 0);
  }

  /** After each slice {@link readHtml} feeds: whether `enough` has what it wants. @throws ParseError past the limits. */
  readEnough(): boolean {
    if (this.deep) throw tooDeepError(this.count());
    return this.enough?.(this.doc) === true;
  }
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
 * A pace for one device: yields to the event loop after `sliceMs` of reading
 * by `now` (the collector's clock, in ms), and throws a ParseError naming
 * `why()` once `signal` has aborted.
 */
export function paceFor(signal: AbortSignal, why: () => string, sliceMs = 8, now: () => number = () => performance.now()): Pace {
  const pacer = new Pacer(signal, why, sliceMs, now);
  // A method, bound: not a closure made per device (see TreeBuilder).
  return pacer.pace.bind(pacer);
}

class Pacer {
  private since: number;

  constructor(
    private readonly signal: AbortSignal,
    private readonly why: () => string,
    private readonly sliceMs: number,
    private readonly now: () => number,
  ) {
    this.since = now();
  }

  async pace(): Promise<void> {
    this.stopIfAborted();
    if (this.now() - this.since < this.sliceMs) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.since = this.now();
    this.stopIfAborted();
  }

  private stopIfAborted(): void {
    if (this.signal.aborted) throw new ParseError(`stopped reading the page: ${this.why()}`);
  }
}

/**
 * Parses an HTML or XHTML page, decoding entities (`&nbsp;` becomes U+00A0),
 * all at once: for small pages that are not read in an extract (a login form).
 * @throws ParseError for a page nested deeper than {@link MAX_DEPTH} or longer than {@link MAX_ELEMENTS} or {@link MAX_TREE_CHARS}.
 */
export function parseHtml(text: string): Doc {
  if (text.length > MAX_TREE_CHARS) throw tooLongError(text.length);
  const b = new TreeBuilder();
  b.parser.end(text);
  if (b.deep) throw tooDeepError(b.count());
  return b.doc;
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
 * @throws ParseError for a page nested deeper than {@link MAX_DEPTH}, with more than {@link MAX_ELEMENTS}
 * elements or {@link MAX_TREE_CHARS} of text before what `enough` wants, or from `pace`.
 */
export async function readHtml(text: string, pace: Pace, enough?: (doc: Doc) => boolean): Promise<{ doc: Doc; complete: boolean }> {
  const b = new TreeBuilder(enough);
  // Past MAX_TREE_CHARS only if `enough` has what it wants before it.
  const within = text.length > MAX_TREE_CHARS ? text.slice(0, MAX_TREE_CHARS) : text;
  // A method, bound: not a closure made per page (see TreeBuilder).
  const complete = await feedSlices(b.parser, within, pace, b.readEnough.bind(b));
  if (b.deep) throw tooDeepError(b.count());
  if (complete && within !== text) throw tooLongError(text.length);
  return { doc: b.doc, complete };
}

/** One table row as {@link readRows} gives it: each cell's normalised text, a colspan cell repeated. */
interface StreamRow {
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
  const r = new RowReader(onRow);
  const whole = await feedSlices(r.parser, text, pace, r.readEnough.bind(r));
  if (!whole) return { complete: false };
  if (r.deep) throw tooDeepError();
  for (let t = r.open.pop(); t && !r.stop; t = r.open.pop()) r.endRow(t);
  return { complete: !r.stop };
}

/** An open table of {@link readRows}: its number, the row being read, the cell being read. */
interface OpenTable {
  n: number;
  cells: string[];
  from: number[];
  cell: string[] | undefined;
  span: number;
  index: number;
}

/** {@link readRows}' parser callbacks, as methods for the reason {@link TreeBuilder} gives. */
class RowReader {
  readonly open: OpenTable[] = [];
  private tablesSeen = 0;
  private depth = 0;
  /** Past MAX_DEPTH, or onRow said stop. */
  deep = false;
  stop = false;
  readonly parser: Parser = new Parser(this, { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true });

  constructor(private readonly onRow: (row: StreamRow) => boolean) {}

  /** After each slice {@link readRows} feeds: whether onRow said stop. @throws ParseError past MAX_DEPTH. */
  readEnough(): boolean {
    if (this.deep) throw tooDeepError();
    return this.stop;
  }

  endCell(t: OpenTable): void {
    if (!t.cell) return;
    const cellText = normText(t.cell.join(''));
    for (let i = 0; i < t.span; i++) {
      t.cells.push(cellText);
      t.from.push(t.index);
    }
    t.index++;
    t.cell = undefined;
  }

  endRow(t: OpenTable): void {
    this.endCell(t);
    if (t.cells.length > 0 && !this.stop) this.stop = this.onRow({ table: t.n, cells: t.cells, from: t.from });
    t.cells = [];
    t.from = [];
    t.index = 0;
  }

  onopentag(name: string, attribs: Record<string, string>): void {
    if (this.deep || this.stop) return;
    if (++this.depth > MAX_DEPTH) {
      this.deep = true;
      this.parser.pause();
      return;
    }
    const t = this.open.at(-1);
    if (name === 'table') this.open.push({ n: this.tablesSeen++, cells: [], from: [], cell: undefined, span: 1, index: 0 });
    else if (t && name === 'tr') this.endRow(t);
    else if (t && (name === 'td' || name === 'th')) {
      this.endCell(t);
      t.cell = [];
      t.span = Math.min(MAX_COLSPAN, Math.max(1, Number.parseInt(attribs['colspan'] ?? '1', 10) || 1));
    }
  }

  onclosetag(name: string): void {
    if (this.deep || this.stop) return;
    this.depth--;
    const t = this.open.at(-1);
    if (!t) return;
    if (name === 'td' || name === 'th') this.endCell(t);
    else if (name === 'tr') this.endRow(t);
    else if (name === 'table') {
      this.endRow(t);
      this.open.pop();
    }
  }

  ontext(data: string): void {
    this.open.at(-1)?.cell?.push(data);
  }
}

/** {@link readText}'s one callback. */
class TextParts {
  readonly parts: string[] = [];
  ontext(data: string): void {
    this.parts.push(data);
  }
}

/** A page's visible text, entities decoded, whitespace collapsed, read a slice at a time. */
export async function readText(text: string, pace: Pace): Promise<string> {
  const t = new TextParts();
  await feedSlices(new Parser(t, { decodeEntities: true }), text, pace);
  return normText(t.parts.join(''));
}
