/**
 * The house rules of src/ (docs/architecture.md): everything a device make
 * is lives in its folder under src/devices/, and the rest of the program
 * learns about kinds only through the registry (src/devices/index.ts); the
 * folders by concern are entered through their index.ts; and the circle
 * finder `npm run lint` uses (src/build/imports.ts) finds circles.
 *
 * Code is read with TypeScript's parser: identifiers, strings, template
 * text and regular expressions count, comments do not (a comment may say
 * why with an example, "a Sonos 403"; code that names a make knows it).
 */
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';
import { circles } from '../../src/build/imports.js';
import { ROOT } from '../support/helpers.js';

/**
 * Words that name a make, a model, or a concept only some kinds have:
 * - makes and models: AT&T (`att`), 2Wire, the Pace 5268AC (`5268`), BGW and
 *   NVG gateways, Sonos and its ids (`rincon`, `zoneplayer`). Not `pace` on
 *   its own: src/html/ paces long reads (`Pace`, `paceFor`), a word the
 *   program had before the make.
 * - what only some kinds have: a DSL or fiber line, NAT sessions, a radio,
 *   SSDP discovery, a household of speakers and its zones, a speaker
 *   (`speaker` is also a kind's role, which the registry's users read as a
 *   value, never spell out), the gateway's access code.
 * Words every kind may have stay out: traffic, line, LAN, system, uptime,
 * gateway (the role whose lines get homenet_usage).
 */
const KIND_WORDS = /^(att|at&t|2wire|5268\w*|bgw\d*|nvg\d*|sonos|rincon|zoneplayer|dsl|fiber|nat|radio|ssdp|households?|zones?|speakers?|access code)$/i;
/** A text that may hold one of them: most names do not, and are not split into words. */
const MAYBE_KIND_WORD = /att|at&t|2wire|5268|bgw|nvg|sonos|rincon|zoneplayer|dsl|fiber|nat|radio|ssdp|household|zone|speaker|access.code/i;

/**
 * Folders outside src/devices/ that may name kinds: the bench measures the
 * program against the devices it ships (its figures are named per device in
 * docs/performance.md), as the tests do; it is never part of the program.
 */
const MAY_NAME_KINDS = ['src/bench/'];

function walk(dir: string): string[] {
  return readdirSync(join(ROOT, dir))
    .sort()
    .flatMap((name) => (statSync(join(ROOT, dir, name)).isDirectory() ? walk(`${dir}/${name}`) : name.endsWith('.ts') ? [`${dir}/${name}`] : []));
}

const SOURCES = walk('src');

/** Each file parsed once, for both rules. */
const parsed = new Map<string, ts.SourceFile>();
function sourceOf(file: string): ts.SourceFile {
  let source = parsed.get(file);
  if (!source) {
    source = ts.createSourceFile(file, readFileSync(join(ROOT, file), 'utf8'), ts.ScriptTarget.Latest, true);
    parsed.set(file, source);
  }
  return source;
}

/** The words of a name or a text: `SimulatedSpeaker` -> simulated, speaker; `nat-hang` -> nat, hang; `at&t` stays whole. */
function wordsOf(text: string): string[] {
  return text
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[^A-Za-z0-9&]+/)
    .concat([...text.matchAll(/access[_ ]code/gi)].map(() => 'access code'))
    .filter((w) => w !== '');
}

/** The kind words in a file's code, with what held them. */
function kindWordsIn(file: string): string[] {
  const source = sourceOf(file);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    let text: string | undefined;
    if (ts.isIdentifier(node) || ts.isPrivateIdentifier(node)) text = node.text;
    else if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateLiteralToken(node) || ts.isRegularExpressionLiteral(node)) text = node.text;
    // Module paths are the import rule's business.
    if (text !== undefined && MAYBE_KIND_WORD.test(text) && !(ts.isStringLiteral(node) && (ts.isImportDeclaration(node.parent) || ts.isExportDeclaration(node.parent)))) {
      for (const w of wordsOf(text)) if (KIND_WORDS.test(w)) found.push(`${w} in ${JSON.stringify(text.slice(0, 60))}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** The src/ files a file imports (run-time, type and dynamic imports). */
function importsOf(file: string): string[] {
  const specifiers: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) specifiers.push(node.moduleSpecifier.text);
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteral(node.arguments[0])) specifiers.push(node.arguments[0].text);
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) specifiers.push(node.argument.literal.text);
    ts.forEachChild(node, visit);
  };
  visit(sourceOf(file));
  return specifiers.filter((f) => f.startsWith('.')).map((f) => relative(ROOT, join(ROOT, dirname(file), f.replace(/\.js$/, '.ts'))));
}

/** The folder of the kind a file belongs to (`src/devices/att/`), if it is in one. */
function kindFolder(file: string): string | undefined {
  return /^src\/devices\/[^/]+\//.exec(file)?.[0];
}

/** Folders other folders enter through their index.ts alone: what is inside is theirs to split. */
const ENTERED_BY_INDEX = ['src/config/', 'src/cli/', 'src/http/', 'src/html/', 'src/counters/', 'src/dashboard/'];

describe('the house by concern', () => {
  it('reads every source file and finds what it looks for', () => {
    assert.ok(SOURCES.length > 100, 'the walk found the sources');
    // The rules below find what they look for: pinned on text that breaks them.
    assert.deepEqual(wordsOf('SimulatedSpeaker nat-hang AT&T sonosHousehold'), ['Simulated', 'Speaker', 'nat', 'hang', 'AT&T', 'sonos', 'Household']);
    assert.ok(kindWordsIn('src/devices/sonos/index.ts').length > 0);
    assert.deepEqual(kindFolder('src/devices/sonos/index.ts'), 'src/devices/sonos/');
    assert.ok(importsOf('src/devices/index.ts').includes('src/devices/sonos/index.ts'));
  });

  it('no file outside src/devices/ names a make, a model or what only some kinds have', () => {
    const outside = SOURCES.filter((f) => !f.startsWith('src/devices/') && !MAY_NAME_KINDS.some((d) => f.startsWith(d)));
    assert.deepEqual(
      outside.flatMap((f) => kindWordsIn(f).map((w) => `${f}: ${w}`)),
      [],
    );
  });

  it("no file imports a kind's folder but the registry and the kind itself", () => {
    const wrong = SOURCES.flatMap((f) =>
      importsOf(f)
        .filter((target) => {
          const folder = kindFolder(target);
          return folder !== undefined && f !== 'src/devices/index.ts' && kindFolder(f) !== folder && !MAY_NAME_KINDS.some((d) => f.startsWith(d));
        })
        .map((target) => `${f} imports ${target}`),
    );
    assert.deepEqual(wrong, []);
  });

  it('the folders by concern are entered through their index.ts', () => {
    for (const d of ENTERED_BY_INDEX) assert.ok(SOURCES.includes(`${d}index.ts`), `${d} has its entry file`);
    const wrong = SOURCES.flatMap((f) =>
      importsOf(f)
        .filter((target) => ENTERED_BY_INDEX.some((d) => target.startsWith(d) && !f.startsWith(d) && target !== `${d}index.ts`))
        .map((target) => `${f} imports ${target}`),
    );
    assert.deepEqual(wrong, []);
  });

  it("lint's circle finder finds each circle, however long, and a file that imports itself", () => {
    const graph = (edges: Record<string, string[]>): Map<string, Set<string>> => new Map(Object.entries(edges).map(([k, v]) => [k, new Set(v)]));
    assert.deepEqual(circles(graph({ a: ['b'], b: ['a'], c: ['a'] })), [['a', 'b']]);
    assert.deepEqual(circles(graph({ a: ['b'], b: ['c'], c: ['a'], d: ['d'] })), [['a', 'b', 'c'], ['d']]);
    assert.deepEqual(circles(graph({ a: ['b', 'c'], b: ['c'], c: [] })), []);
  });
});
