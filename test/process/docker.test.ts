/**
 * The Docker page, docs/docker.md (issue 16, item 6), states what the single
 * binary needs from the image it runs in: the C library and its version, the
 * loader, the other shared libraries. Those are facts of the binary, read
 * here with readelf as the page says they were, so that a new Node build
 * that needs a newer glibc or another library cannot leave the page wrong.
 * Runs when the binary is built and readelf (Debian's binutils) is there.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ROOT } from '../support/helpers.js';
import { needs } from '../support/needs.js';

const BINARY = `${ROOT}dist/telegraf-homenet-linux-x64`;
const skip = needs('binary-x64', 'readelf');

/** `readelf` on the binary, its output as text. */
function elf(...args: string[]): string {
  const r = spawnSync('readelf', ['-W', ...args, BINARY], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

/** Compares dotted versions: 2.28 > 2.3. */
function newer(a: string, b: string): boolean {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d > 0;
  }
  return false;
}

/** The Docker page (docs/docker.md, where the README's Docker section moved), whole. */
function dockerSection(): string {
  const doc = readFileSync(`${ROOT}docs/docker.md`, 'utf8');
  assert.ok(doc.startsWith('# Docker'), 'docs/docker.md is the Docker page');
  return doc;
}

describe("the README's Docker section states what the binary needs (issue 16, item 6)", () => {
  it('the newest glibc symbol version, the loader and the shared libraries are the ones the README names', { skip }, () => {
    // Newest version asked of each library family (GLIBC, GLIBCXX, ...), from the version-needs section.
    const newest = new Map<string, string>();
    for (const m of elf('-V').matchAll(/Name: ([A-Z]+)_([0-9.]+)/g)) {
      const [, family = '', version = ''] = m;
      const seen = newest.get(family);
      if (seen === undefined || newer(version, seen)) newest.set(family, version);
    }
    const glibc = newest.get('GLIBC');
    assert.ok(glibc, 'the binary asks for versioned glibc symbols');
    const needed = [...elf('-d').matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1] ?? '').sort();
    const loader = /Requesting program interpreter: ([^\]]+)\]/.exec(elf('-l'))?.[1];

    const section = dockerSection();
    assert.ok(section.includes(`glibc ${glibc} or newer`), `the README says "glibc ${glibc} or newer"`);
    assert.ok(section.includes(`\`GLIBC_${glibc}\``), `the README names \`GLIBC_${glibc}\``);
    for (const family of ['GLIBCXX', 'CXXABI']) {
      const v = newest.get(family);
      if (v !== undefined) assert.ok(section.includes(`\`${family}_${v}\``), `the README names \`${family}_${v}\``);
    }
    assert.ok(loader && section.includes(`\`${loader}\``), `the README names the loader ${String(loader)}`);
    const named = [...new Set([...section.matchAll(/`(lib[\w+-]+\.so\.\d+)`/g)].map((m) => m[1] ?? ''))].sort();
    assert.deepEqual(
      named,
      needed.filter((n) => n.startsWith('lib')),
      'the README names exactly the libraries the binary loads',
    );
  });
});
