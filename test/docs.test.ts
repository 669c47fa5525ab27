/**
 * The documentation holds together (issue 14, item 8): the README is the
 * user's short path and docs/ holds the rest, so every relative link in
 * README.md and docs/*.md must name a file that exists and, with a
 * `#fragment`, a heading of that file (anchored as GitHub anchors headings);
 * every page in docs/ is linked from the README; and the README stays short.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from './support/helpers.js';

/** The README's limit: about 300 lines of the user's path, 330 at most. */
const README_MAX_LINES = 330;

/** README.md and every docs/*.md, as paths relative to the repository root. */
function pages(): string[] {
  const docs = readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`);
  return ['README.md', ...docs];
}

/** A page's lines outside fenced code blocks (links and headings there are not links and headings). */
function proseLines(text: string): string[] {
  const out: string[] = [];
  let fenced = false;
  for (const line of text.split('\n')) {
    if (/^\s*```/.test(line)) fenced = !fenced;
    else if (!fenced) out.push(line);
  }
  return out;
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
function slug(heading: string): string {
  return heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}_\- ]/gu, '')
    .replace(/ /g, '-');
}

/** The anchors of a page's headings; a repeated heading gets -1, -2 ... as on GitHub. */
function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const line of proseLines(text)) {
    const m = /^#{1,6}\s+(.+?)\s*#*\s*$/.exec(line);
    if (!m) continue;
    const base = slug(m[1] ?? '');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${String(n)}`);
  }
  return out;
}

/** Every inline link target of a page that is not an absolute URL. */
function relativeLinks(text: string): string[] {
  const targets: string[] = [];
  for (const line of proseLines(text)) {
    // Code spans can hold brackets and parentheses that are no link; a link's text may be one.
    const plain = line.replace(/`[^`]*`/g, 'code');
    for (const m of plain.matchAll(/\]\(([^()\s]+)(?:\s+"[^"]*")?\)/g)) {
      const target = m[1] ?? '';
      if (!/^[a-z][a-z0-9+.-]*:/i.test(target)) targets.push(target);
    }
  }
  return targets;
}

describe('README and docs/ (issue 14, item 8)', () => {
  it('every relative link points at a file that exists, and at a heading of it when it names one', () => {
    const broken: string[] = [];
    let checked = 0;
    for (const page of pages()) {
      const text = readFileSync(join(ROOT, page), 'utf8');
      for (const link of relativeLinks(text)) {
        checked++;
        const [path = '', fragment] = link.split('#', 2);
        const file = path === '' ? page : normalize(join(dirname(page), decodeURIComponent(path)));
        if (file.startsWith('..') || !existsSync(join(ROOT, file))) {
          broken.push(`${page}: ${link}: no file ${file}`);
          continue;
        }
        if (fragment === undefined) continue;
        if (!file.endsWith('.md') || statSync(join(ROOT, file)).isDirectory()) {
          broken.push(`${page}: ${link}: ${file} has no headings to point at`);
        } else if (!anchors(readFileSync(join(ROOT, file), 'utf8')).has(fragment)) {
          broken.push(`${page}: ${link}: ${file} has no heading with the anchor #${fragment}`);
        }
      }
    }
    assert.ok(checked >= 50, `only ${String(checked)} relative links found: is the link reader broken?`);
    assert.deepEqual(broken, []);
  });

  it('the README links to every page in docs/', () => {
    const linked = new Set(relativeLinks(readFileSync(join(ROOT, 'README.md'), 'utf8')).map((l) => normalize(l.split('#')[0] ?? '')));
    const missing = pages().filter((p) => p !== 'README.md' && !linked.has(relative('.', p)));
    assert.deepEqual(missing, [], 'docs/ pages the README does not link to');
  });

  it(`the README is at most ${String(README_MAX_LINES)} lines`, () => {
    const text = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
    assert.ok(lines <= README_MAX_LINES, `README.md has ${String(lines)} lines; move detail to docs/ and link it`);
  });

  it('docs/architecture.md has one line for every file under src/, bin/ and test/support/, and none for a file that is gone', () => {
    const text = readFileSync(join(ROOT, 'docs/architecture.md'), 'utf8');
    const walk = (dir: string): string[] =>
      readdirSync(join(ROOT, dir)).flatMap((name) => (statSync(join(ROOT, dir, name)).isDirectory() ? walk(`${dir}/${name}`) : [`${dir}/${name}`]));
    const files = [...walk('src'), ...walk('bin'), ...walk('test/support')];
    assert.ok(files.length > 50, 'the walk found the source files');
    assert.deepEqual(files.filter((f) => !new RegExp(`^${f.replace(/[.]/g, '\\.')}\\s`, 'm').test(text)), [], 'files without a line');
    const named = [...text.matchAll(/^((?:src|bin|test\/support)\/\S+)\s/gm)].map((m) => m[1] ?? '');
    assert.deepEqual(named.filter((f) => !existsSync(join(ROOT, f))), [], 'lines for files that are gone');
  });

  it('the link reader sees what GitHub sees', () => {
    // Pinned so that the checks above cannot pass by reading nothing.
    assert.equal(slug('`homenet_fiber` [line]: optical module'), 'homenet_fiber-line-optical-module');
    assert.equal(slug('Counter totals (`*_total` fields)'), 'counter-totals-_total-fields');
    assert.equal(slug('The access code (NAT sessions on BGW/NVG gateways)'), 'the-access-code-nat-sessions-on-bgwnvg-gateways');
    assert.deepEqual([...anchors('# A\n```\n# not a heading\n```\n## A\n')], ['a', 'a-1']);
    assert.deepEqual(relativeLinks('[a](docs/x.md#y) [b](https://e.org) `[c](no.md)`\n```\n[d](no.md)\n```\n'), ['docs/x.md#y']);
  });
});
