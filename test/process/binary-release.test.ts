/**
 * The release folder (`npm run release`): one tarball per architecture with
 * the binary, telegraf.d/, README.md, docs/ and LICENSE, and a SHA256SUMS file that
 * `sha256sum -c` accepts. The tarball for this machine is unpacked and run as
 * someone who downloaded it would: from another folder, with `env -i`.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { TARGETS, type Arch } from '../../src/build/targets.js';
import { FIXTURES, ROOT, runProgram } from '../support/helpers.js';
import { fixturePages } from '../support/fixtures.js';
import { brokenLinks, pages } from '../support/markdown.js';
import { needs } from '../support/needs.js';

const RELEASE = `${ROOT}dist/release/`;
const skip = needs('release');

const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { version: string };
const folder = (arch: Arch): string => `telegraf-homenet-${pkg.version}-linux-${arch}`;

describe('the release folder', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(`${tmpdir()}/homenet-release-`);
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('holds one tarball per architecture and SHA256SUMS that sha256sum -c accepts', { skip }, () => {
    const tarballs = TARGETS.map((t) => `${folder(t.arch)}.tar.gz`);
    assert.deepEqual(readdirSync(RELEASE).sort(), ['SHA256SUMS', ...tarballs].sort());
    const sums = readFileSync(`${RELEASE}SHA256SUMS`, 'utf8');
    assert.deepEqual(
      sums
        .split('\n')
        .filter(Boolean)
        .map((l) => l.replace(/^[0-9a-f]{64} {2}/, ''))
        .sort(),
      tarballs.sort(),
    );
    assert.match(execFileSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: RELEASE }).toString(), /^(\S+: OK\n)+$/);
  });

  it('each tarball holds one folder: the binary, telegraf.d/, README.md, docs/, LICENSE', { skip }, () => {
    const snippets = [...readdirSync(`${ROOT}telegraf.d`).map((f) => `telegraf.d/${f}`), 'docs/', ...pages(ROOT).filter((p) => p.startsWith('docs/'))];
    for (const t of TARGETS) {
      const listing = execFileSync('tar', ['-tvzf', `${RELEASE}${folder(t.arch)}.tar.gz`]).toString();
      const names = listing
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split(/\s+/).at(-1) ?? '');
      const top = `${folder(t.arch)}/`;
      assert.deepEqual(names.sort(), [top, `${top}LICENSE`, `${top}README.md`, `${top}telegraf-homenet`, `${top}telegraf.d/`, ...snippets.map((s) => top + s)].sort());
      assert.match(listing, new RegExp(`^-rwxr-xr-x \\S+ +\\d+ \\S+ \\S+ ${top}telegraf-homenet$`, 'm'));
    }
  });

  it('unpacked elsewhere, runs with env -i from /: --version, parse, the licence', { skip }, async () => {
    const arch = process.arch as Arch;
    execFileSync('tar', ['-xzf', `${RELEASE}${folder(arch)}.tar.gz`, '-C', dir]);
    const home = `${dir}/${folder(arch)}/`;
    assert.equal(statSync(`${home}telegraf-homenet`).size, statSync(`${ROOT}dist/telegraf-homenet-linux-${arch}`).size);
    const run = (args: string[]): ReturnType<typeof runProgram> => runProgram('/usr/bin/env', ['-i', `${home}telegraf-homenet`, ...args], { cwd: '/' });
    const v = await run(['--version']);
    assert.deepEqual({ code: v.code, stdout: v.stdout, stderr: v.stderr }, { code: 0, stdout: `${pkg.version}\n`, stderr: '' });
    const saved = `${FIXTURES}att-pace/att-caption/`;
    const p = await run(['parse', '--type', 'att-pace', '--host', 'router', ...fixturePages(saved)]);
    assert.equal(p.code, 0, p.stderr);
    assert.equal(p.stdout, readFileSync(`${saved}expected.out`, 'utf8'));
    // The repository's LICENSE (package.json "license": MIT), then Node.js's own, which the binary contains.
    const licence = readFileSync(`${home}LICENSE`, 'utf8');
    assert.ok(licence.startsWith(readFileSync(`${ROOT}LICENSE`, 'utf8')), "the release's licence begins with the repository's");
    assert.match(licence, /^MIT License\n\nCopyright \(c\) /);
    assert.match(licence, /Node\.js is licensed for use as follows:/);
    assert.match(readFileSync(`${home}README.md`, 'utf8'), /^# telegraf-homenet\n/);
    // Its links lead to the docs/ pages shipped beside it.
    const links = brokenLinks(home, pages(home));
    assert.ok(links.checked >= 50, `only ${String(links.checked)} links read in the unpacked README and docs/`);
    assert.deepEqual(links.broken, []);
  });
});
