/**
 * What the `ini` package does not say about a file, found by reading its raw
 * text line by line as `ini` reads it: repeated sections and keys, names and
 * values cut at an inline comment, section names it would misread.
 */
import { unsafe as iniValue } from 'ini';
import { CONTROL_CHARS, fail, type Problems } from './values.js';
import { secretKeys } from './secret.js';
import { warning } from '../log.js';

/**
 * Where the INI reader cuts an unquoted value (or section name): at the first
 * `;` or `#` that no `\` escapes, as `ini` does. -1 when it keeps it whole.
 */
function commentAt(raw: string): number {
  const v = raw.trim();
  if (v.length > 1 && ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'")))) return -1;
  for (let i = 0; i < v.length; i++) {
    const c = v[i];
    if (c === '\\') i++;
    else if (c === ';' || c === '#') return i;
  }
  return -1;
}

/**
 * What `ini` does not say: it merges a repeated section, keeps the last of a
 * repeated key, cuts names and values at an inline comment, and takes any
 * section name. The raw text is read line by line as `ini` reads it, so that
 * each of these gets an exact message with its line. Returns the section
 * names refused (their keys are not checked again) and the warnings.
 */
export function scanIni(file: string, text: string, p: Problems): { refused: Set<string>; warnings: string[] } {
  const refused = new Set<string>();
  const warnings: string[] = [];
  const sections = new Map<string, number>();
  let section: string | undefined;
  let skip = false;
  let keys = new Map<string, number>();
  text.split(/\r\n|\r|\n/).forEach((line, i) => {
    const n = i + 1;
    if (line.trim() === '' || /^\s*[;#]/.test(line)) return;
    const header = /^\[([^\]]*)\]\s*$/.exec(line);
    if (header) {
      const raw = header[1] ?? '';
      const name = iniValue(raw);
      const where = `${file}: [${CONTROL_CHARS.test(raw) ? JSON.stringify(raw) : raw}]`;
      const first = sections.get(name);
      const problem =
        commentAt(raw) >= 0
          ? 'section names cannot contain ";" or "#", where the INI reader cuts a name'
          : name === ''
            ? 'empty section name'
            : CONTROL_CHARS.test(name)
              ? 'section names cannot contain control characters'
              : name.includes('\\')
                ? 'section names cannot contain "\\"'
                : name === '__proto__'
                  ? 'cannot be a section name'
                  : undefined;
      section = name;
      keys = new Map();
      skip = problem !== undefined || first !== undefined;
      if (problem !== undefined) p.check(() => fail(where, `${problem} (line ${n})`));
      else if (first !== undefined) p.check(() => fail(where, `appears twice (lines ${first} and ${n}): the INI reader would merge the two into one device`));
      if (skip) refused.add(name);
      else sections.set(name, n);
      return;
    }
    const pair = /^([^=]+)(=(.*))?$/.exec(line);
    if (!pair || skip) return;
    const key = iniValue(pair[1] ?? '');
    const where = section === undefined ? `${file}: ${key}` : `${file}: [${section}] ${key}`;
    // The INI reader drops it without a word: said here, or the line would be silently ignored.
    if (key.replace(/\[\]$/, '') === '__proto__') p.check(() => fail(where, `cannot be a key name (line ${n})`));
    // key[] lines make a list, refused later with its own message.
    if (!key.endsWith('[]')) {
      const first = keys.get(key);
      if (first !== undefined) p.check(() => fail(where, `set twice (lines ${first} and ${n}): only the last would count`));
      else keys.set(key, n);
    }
    const raw = (pair[3] ?? '').trim();
    const cut = commentAt(raw);
    if (pair[2] === undefined || cut < 0) return;
    const mark = raw[cut] ?? '#';
    const [what, fix] = secretKeys().includes(key)
      ? [`the value was cut at "${mark}" on line ${n}, where a comment starts`, 'quote the value to keep it whole']
      : [`read as ${JSON.stringify(iniValue(raw))}: the rest of line ${n}, from "${mark}", is a comment`, `write ${key} = ${JSON.stringify(raw)} to keep it whole`];
    warnings.push(warning(`${where}: ${what} (${fix})`));
    // A value refused after the cut ("empty") says why it was empty.
    p.note(where, `${what}; ${fix}`);
  });
  return { refused, warnings };
}
