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

import { MAX_COLSPAN, normText } from './html-tables.js';

export * from './html-tables.js';
