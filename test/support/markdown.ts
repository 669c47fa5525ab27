/**
 * Reading Markdown links as GitHub does, to check that the README and docs/
 * hold together wherever they are read: in the source tree
 * (test/docs.test.ts), in the npm package and in the release tarball (which
 * ship docs/ beside the README so that its links work there too).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';

/** README.md and every docs/*.md under `root`, as paths relative to it. */
export function pages(root: string): string[] {
  const docs = readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`);
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
export function slug(heading: string): string {
  return heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}_\- ]/gu, '')
    .replace(/ /g, '-');
}

/** The anchors of a page's headings; a repeated heading gets -1, -2 ... as on GitHub. */
export function anchors(text: string): Set<string> {
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
export function relativeLinks(text: string): string[] {
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

/**
 * The relative links of `pageList` (paths under `root`) that name no file
 * under `root`, or no heading of it, one line each; and how many were checked.
 */
export function brokenLinks(root: string, pageList: readonly string[]): { broken: string[]; checked: number } {
  const broken: string[] = [];
  let checked = 0;
  for (const page of pageList) {
    const text = readFileSync(join(root, page), 'utf8');
    for (const link of relativeLinks(text)) {
      checked++;
      const [path = '', fragment] = link.split('#', 2);
      const file = path === '' ? page : normalize(join(dirname(page), decodeURIComponent(path)));
      if (file.startsWith('..') || !existsSync(join(root, file))) {
        broken.push(`${page}: ${link}: no file ${file}`);
        continue;
      }
      if (fragment === undefined) continue;
      if (!file.endsWith('.md') || statSync(join(root, file)).isDirectory()) {
        broken.push(`${page}: ${link}: ${file} has no headings to point at`);
      } else if (!anchors(readFileSync(join(root, file), 'utf8')).has(fragment)) {
        broken.push(`${page}: ${link}: ${file} has no heading with the anchor #${fragment}`);
      }
    }
  }
  return { broken, checked };
}
