/**
 * The documentation holds together (issue 14, item 8): the README is the
 * user's short path and docs/ holds the rest, so every relative link in
 * README.md and docs/*.md must name a file that exists and, with a
 * `#fragment`, a heading of that file (anchored as GitHub anchors headings);
 * every page in docs/ is linked from the README; and the README stays short.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, normalize, relative } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from '../support/helpers.js';
import { anchors, brokenLinks, pages as allPages, relativeLinks, slug } from '../support/markdown.js';

/** The README's limit: about 300 lines of the user's path, 330 at most. */
const README_MAX_LINES = 330;

const pages = (): string[] => allPages(ROOT);

describe('README and docs/ (issue 14, item 8)', () => {
  it('every relative link points at a file that exists, and at a heading of it when it names one', () => {
    const { broken, checked } = brokenLinks(ROOT, pages());
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
    const walk = (dir: string): string[] => readdirSync(join(ROOT, dir)).flatMap((name) => (statSync(join(ROOT, dir, name)).isDirectory() ? walk(`${dir}/${name}`) : [`${dir}/${name}`]));
    const files = [...walk('src'), ...walk('bin'), ...walk('test/support')];
    assert.ok(files.length > 50, 'the walk found the source files');
    assert.deepEqual(
      files.filter((f) => !new RegExp(`^${f.replace(/[.]/g, '\\.')}\\s`, 'm').test(text)),
      [],
      'files without a line',
    );
    const named = [...text.matchAll(/^((?:src|bin|test\/support)\/\S+)\s/gm)].map((m) => m[1] ?? '');
    assert.deepEqual(
      named.filter((f) => !existsSync(join(ROOT, f))),
      [],
      'lines for files that are gone',
    );
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
