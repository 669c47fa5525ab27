/**
 * The house rules of src/ (docs/architecture.md): everything a device make
 * is lives in its folder under src/devices/, and the rest of the program
 * learns about kinds only through the registry (src/devices/index.ts); the
 * folders by concern are entered through their index.ts; and the circle
 * finder `npm run lint` uses (src/build/imports.ts) finds circles.
 *
 * Code is read by a scanner (support/code-tokens.ts): identifiers, strings,
 * template text and regular expressions count, comments do not (a comment
 * may say why with an example, "a Sonos 403"; code that names a make knows
 * it). TypeScript's parser read it as well, at 2 s of CPU a run.
 */
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { circles } from '../../src/build/circles.js';
import { codeTokens, type CodeToken } from '../support/code-tokens.js';
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

/** Each file scanned once, for both rules. */
const scanned = new Map<string, CodeToken[]>();
function tokensOf(file: string): CodeToken[] {
  let tokens = scanned.get(file);
  if (!tokens) {
    tokens = codeTokens(readFileSync(join(ROOT, file), 'utf8'));
    scanned.set(file, tokens);
  }
  return tokens;
}

/** The words of a name or a text: `SimulatedSpeaker` -> simulated, speaker; `nat-hang` -> nat, hang; `at&t` stays whole. */
function wordsOf(text: string): string[] {
  return text
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[^A-Za-z0-9&]+/)
    .concat([...text.matchAll(/access[_ ]code/gi)].map(() => 'access code'))
    .filter((w) => w !== '');
}

/** The kind words in a file's code, with what held them (module paths are the import rule's business). */
function kindWordsIn(file: string): string[] {
  return tokensOf(file)
    .filter((t) => t.kind !== 'path' && MAYBE_KIND_WORD.test(t.text))
    .flatMap((t) =>
      wordsOf(t.text)
        .filter((w) => KIND_WORDS.test(w))
        .map((w) => `${w} in ${JSON.stringify(t.text.slice(0, 60))}`),
    );
}

/** The src/ files a file imports (run-time, type and dynamic imports). */
function importsOf(file: string): string[] {
  return tokensOf(file)
    .filter((t) => t.kind === 'path' && t.text.startsWith('.'))
    .map((t) => relative(ROOT, join(ROOT, dirname(file), t.text.replace(/\.js$/, '.ts'))));
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

  it('the scanner sees code as TypeScript does: comments out, escapes decoded, module paths apart', () => {
    const code = [
      "import a from './a.js'; // a Sonos 403",
      "export * from './b.js'; /* Pace */ const t = await import('./c.js');",
      "type T = import('./d.js').X; const o = { from: 'now-6h' }, b = Buffer.from('\\nbgw');",
      "const r = x / 2 / y, re = /\\/\\/ sonos/u, s = `zone ${`${1}`} ${o['nat']}`;",
    ].join('\n');
    const tokens = codeTokens(code);
    assert.deepEqual(
      tokens.filter((t) => t.kind === 'path').map((t) => t.text),
      ['./a.js', './b.js', './c.js', './d.js'],
    );
    const texts = tokens.filter((t) => t.kind === 'text').map((t) => t.text);
    assert.deepEqual(texts, ['now-6h', '\nbgw', String.raw`\/\/ sonos`, 'zone ', '', '', ' ', 'nat', '']);
    assert.ok(!tokens.some((t) => /Sonos|Pace/.test(t.text)), 'comments are not code');
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
