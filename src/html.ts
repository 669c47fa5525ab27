/**
 * Label-led lookups over htmlparser2 documents. Device pages differ by
 * firmware in whitespace, `&nbsp;`, trailing colons and `th` versus `td`, so
 * everything here compares normalised visible text, never positions.
 */
import { DomUtils, ElementType, parseDocument } from 'htmlparser2';

/** A parsed page. */
export type Doc = ReturnType<typeof parseDocument>;
/** An element of a parsed page. */
export type El = ReturnType<typeof DomUtils.getElementsByTagName>[number];

type Child = El['children'][number];

/** Whether a node is an element (not text, comment or directive). */
export function isElement(n: Child): n is El {
  return ElementType.isTag(n);
}

/** A page that does not hold what its parser looks for; the message names the label and the page. */
export class ParseError extends Error {
  override name = 'ParseError';
}

/** Parses an HTML or XHTML page, decoding entities (`&nbsp;` becomes U+00A0). */
export function parseHtml(text: string): Doc {
  return parseDocument(text, { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true });
}

/** Visible text with `&nbsp;` as a space, runs of whitespace collapsed and trimmed. */
export function normText(s: string): string {
  return s.replace(/[\s\u00a0]+/g, ' ').trim();
}

/** The normalised text of a node. */
export function textOf(node: Parameters<typeof DomUtils.textContent>[0]): string {
  return normText(DomUtils.textContent(node));
}

/** A label as compared: normalised, lower case, without a trailing colon. */
export function labelKey(s: string): string {
  return normText(s).replace(/\s*:$/, '').toLowerCase();
}

/** Every table of the document, nested ones included, in document order. */
export function tables(doc: Doc): El[] {
  return DomUtils.getElementsByTagName('table', doc, true);
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
  return /^\d{1,20}$/.test(t) ? t.replace(/^0+(?=\d)/, '') : undefined;
}

/** Parses a cell holding a decimal number, optionally followed by `%`. */
export function decimalOf(text: string): number | undefined {
  const t = normText(text).replace(/\s*%$/, '');
  if (!/^[-+]?(\d+\.?\d*|\.\d+)$/.test(t)) return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : undefined;
}
