/**
 * The tokens of a TypeScript file that say something, without loading
 * TypeScript (whose 9 MB cost the architecture test 1.2 s of CPU before it
 * read a file): identifiers, the text of strings, templates and regular
 * expressions, with comments left out, and the module paths the file
 * imports. A scanner, not a parser: a `/` starts a regular expression
 * where an operand may start, as in every JavaScript tokenizer.
 */

/** One token that counts: a name, or the text of a literal (`path`: a module specifier). */
export interface CodeToken {
  readonly kind: 'name' | 'text' | 'path';
  readonly text: string;
}

/** Words after which a `/` starts a regular expression, not a division. */
const BEFORE_OPERAND = new Set(['return', 'typeof', 'case', 'do', 'else', 'in', 'of', 'new', 'delete', 'void', 'throw', 'instanceof', 'yield', 'await']);

/** The end of a quoted string or regular expression body that starts after `from`, honouring backslashes (and, in a regular expression, classes). */
function endOf(code: string, from: number, close: string, regex: boolean): number {
  let inClass = false;
  for (let i = from; i < code.length; i++) {
    const c = code[i];
    if (c === '\\') i++;
    else if (regex && c === '[') inClass = true;
    else if (regex && c === ']') inClass = false;
    else if (c === close && !inClass) return i;
    else if (c === '\n' && close !== '`') return i; // unterminated: stop at the line's end
  }
  return code.length;
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', v: '\v', 0: '\0' };

/** A string's or template's text as the program sees it: its escapes decoded (`'\\nsonos'` holds the word sonos). */
function unescape(raw: string): string {
  return raw.replace(/\\(u\{([0-9a-fA-F]+)\}|u([0-9a-fA-F]{4})|x([0-9a-fA-F]{2})|\r?\n|.)/gs, (_, all: string, braced?: string, u4?: string, x2?: string) => {
    const hex = braced ?? u4 ?? x2;
    if (hex !== undefined) return String.fromCodePoint(parseInt(hex, 16));
    if (all.startsWith('\n') || all.startsWith('\r')) return ''; // a line continuation
    return SIMPLE_ESCAPES[all] ?? all;
  });
}

/** The tokens of `code` (see the head of this file). */
export function codeTokens(code: string): CodeToken[] {
  const out: CodeToken[] = [];
  /** For each template being read, the depth of braces its current `${` opened at. */
  const templates: number[] = [];
  let depth = 0;
  let operand = true; // whether an operand may start here (a `/` is then a regular expression)
  let i = 0;
  /** Reads template text from `i` (just after a backtick or a `}`) to a `${` or the closing backtick. */
  const templateText = (): void => {
    let text = '';
    for (; i < code.length; i++) {
      const c = code[i] ?? '';
      if (c === '\\') {
        text += code.slice(i, i + 2);
        i++;
      } else if (c === '`') break;
      else if (c === '$' && code[i + 1] === '{') break;
      else text += c;
    }
    out.push({ kind: 'text', text: unescape(text) });
    if (code[i] === '`') {
      i++;
      operand = false;
    } else {
      i += 2;
      templates.push(depth++);
      operand = true;
    }
  };
  while (i < code.length) {
    const c = code[i] ?? '';
    const next = code[i + 1];
    if (c === '/' && next === '/') i = code.indexOf('\n', i) < 0 ? code.length : code.indexOf('\n', i);
    else if (c === '/' && next === '*') i = code.indexOf('*/', i + 2) < 0 ? code.length : code.indexOf('*/', i + 2) + 2;
    else if (c === "'" || c === '"') {
      const end = endOf(code, i + 1, c, false);
      // import 'x', import('x'), export ... from 'x': a module path, not a word of the code
      // (`Buffer.from('x')` and `{ from: 'x' }` are words).
      const path = /(?:^|[^\w$.])(?:from|import|import\s*\()\s*$/.test(code.slice(Math.max(0, i - 40), i));
      out.push({ kind: path ? 'path' : 'text', text: unescape(code.slice(i + 1, end)) });
      i = end + 1;
      operand = false;
    } else if (c === '`') {
      i++;
      templateText();
    } else if (c === '/' && operand) {
      const end = endOf(code, i + 1, '/', true);
      out.push({ kind: 'text', text: code.slice(i + 1, end) });
      i = end + 1;
      while (/[a-z]/i.test(code[i] ?? '')) i++;
      operand = false;
    } else if (/[A-Za-z_$]/.test(c)) {
      const word = /^[\w$]+/.exec(code.slice(i, i + 200))?.[0] ?? c;
      out.push({ kind: 'name', text: word });
      i += word.length;
      operand = BEFORE_OPERAND.has(word);
    } else if (/[0-9]/.test(c)) {
      i += /^[\w.]+/.exec(code.slice(i, i + 100))?.[0].length ?? 1;
      operand = false;
    } else if (c === '}' && templates.at(-1) === depth - 1) {
      templates.pop();
      depth--;
      i++;
      templateText();
    } else {
      if (c === '{') depth++;
      else if (c === '}') depth--;
      operand = !/[\s)\]}]/.test(c) ? true : /\s/.test(c) ? operand : false;
      i++;
    }
  }
  return out;
}
