/**
 * `npm run release` (after `npm run binary`): dist/release/ with, per
 * architecture, telegraf-homenet-<version>-linux-<arch>.tar.gz holding one
 * folder of that name (the executable as `telegraf-homenet`, telegraf.d/,
 * README.md, docs/ (the pages its links lead to), LICENSE) and a SHA256SUMS
 * file in `sha256sum` format.
 *
 * LICENSE is written here, not kept at the top of the repository: DESIGN.md
 * fixes the top level and has no room for it. Its first part is the licence
 * package.json's "license" names (MIT); then, since the executable contains
 * them, Node.js's own LICENSE (from the official package the binary is made
 * of) and the licence file of every npm package bundled into the program.
 *
 * This is a build tool, not part of the program: it may run other programs.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { baseFolder, BUNDLED } from './binary.js';
import { binaryPath, TARGETS } from './targets.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const out = `${root}dist/release/`;

/** Licence texts by SPDX identifier; package.json's "license" must name one of them. */
const LICENCES: Readonly<Record<string, (holder: string) => string>> = {
  MIT: (holder) => `MIT License

Copyright (c) ${holder}

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
`,
};

interface Pkg {
  readonly name: string;
  readonly version: string;
  readonly license?: string;
  readonly author?: string | { readonly name: string };
}

function readPkg(folder: string): Pkg {
  return JSON.parse(readFileSync(`${folder}package.json`, 'utf8')) as Pkg;
}

/** A bundled package's licence: its LICENSE-like file, under a heading naming it. */
function packageLicence(folder: string): string {
  const pkg = readPkg(folder);
  const file = readdirSync(folder).find((f) => /^(licen[cs]e|copying)([-.][\w.-]+)?$/i.test(f));
  if (!file) throw new Error(`${folder}: no licence file, so the release cannot carry ${pkg.name}'s licence`);
  return `${pkg.name} ${pkg.version} (${pkg.license ?? 'see below'}):\n\n${readFileSync(`${folder}${file}`, 'utf8').trim()}\n`;
}

/** The LICENSE file of a release: ours, then Node.js's, then each bundled package's. */
function licence(pkg: Pkg, nodeFolder: string, nodeVersion: string): string {
  const text = pkg.license !== undefined ? LICENCES[pkg.license] : undefined;
  if (!text) throw new Error(`package.json "license" is ${pkg.license ?? 'missing'}; release.ts has the text of: ${Object.keys(LICENCES).join(', ')}`);
  const author = typeof pkg.author === 'string' ? pkg.author : pkg.author?.name;
  const bundled = JSON.parse(readFileSync(BUNDLED, 'utf8')) as string[];
  const rule = `\n${'-'.repeat(78)}\n\n`;
  return [
    text(`${new Date().getUTCFullYear()} ${author ?? `the ${pkg.name} authors`}`),
    `The ${pkg.name} executable is built on Node.js ${nodeVersion} and contains\nthe npm packages listed after it, each under its own licence, as follows.\n`,
    readFileSync(`${nodeFolder}LICENSE`, 'utf8').trim() + '\n',
    ...bundled.map((p) => packageLicence(`${root}${p}/`)),
  ].join(rule);
}

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

function main(): void {
  const pkg = readPkg(root);
  rmSync(out, { recursive: true, force: true });
  const stage = `${root}dist/release-stage/`;
  rmSync(stage, { recursive: true, force: true });
  const sums: string[] = [];
  for (const t of TARGETS) {
    const binary = binaryPath(root, t.arch);
    if (!existsSync(binary)) throw new Error(`${binary} is missing: run npm run binary first`);
    const name = `${pkg.name}-${pkg.version}-linux-${t.arch}`;
    const dir = `${stage}${name}/`;
    mkdirSync(dir, { recursive: true });
    copyFileSync(binary, `${dir}${pkg.name}`);
    chmodSync(`${dir}${pkg.name}`, 0o755);
    cpSync(`${root}telegraf.d`, `${dir}telegraf.d`, { recursive: true });
    copyFileSync(`${root}README.md`, `${dir}README.md`);
    cpSync(`${root}docs`, `${dir}docs`, { recursive: true });
    writeFileSync(`${dir}LICENSE`, licence(pkg, baseFolder(t), t.base.version));
    mkdirSync(out, { recursive: true });
    const tarball = `${name}.tar.gz`;
    // Owned by root in the archive, not by whoever built it; one order whatever the file system's.
    execFileSync('tar', ['-czf', `${out}${tarball}`, '-C', stage, '--sort=name', '--owner=0', '--group=0', '--numeric-owner', '--mode=go-w', name]);
    sums.push(`${sha256(`${out}${tarball}`)}  ${tarball}\n`);
    process.stderr.write(`I! wrote ${out}${tarball}\n`);
  }
  rmSync(stage, { recursive: true, force: true });
  writeFileSync(`${out}SHA256SUMS`, sums.join(''));
  process.stderr.write(`I! wrote ${out}SHA256SUMS\n`);
}

main();
