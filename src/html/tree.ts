/**
 * The tree a page is read into (html/index.ts builds it, tables.ts reads it):
 * its own file, so that the two need not import each other.
 */
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
interface TextNode {
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
