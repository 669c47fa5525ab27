/**
 * `npm run release` (after `npm run binary`): dist/release/ with, per
 * architecture, telegraf-homenet-<version>-linux-<arch>.tar.gz holding one
 * folder of that name (the executable as `telegraf-homenet`, telegraf.d/,
 * README.md, docs/ (the pages its links lead to), LICENSE) and a SHA256SUMS
 * file in `sha256sum` format.
 *
 * The release's LICENSE is ours first, the repository's LICENSE (the licence
 * package.json's "license" names, MIT); then, since the executable contains
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

/** What the first line of a licence file says, by the SPDX identifier package.json's "license" gives. */
const LICENCE_TITLES: Readonly<Record<string, string>> = { MIT: 'MIT License' };

/** Our part of a release's licence: the repository's LICENSE, which must be the licence package.json names. */
function ownLicence(pkg: Pkg): string {
  const text = readFileSync(`${root}LICENSE`, 'utf8');
  const title = pkg.license !== undefined ? LICENCE_TITLES[pkg.license] : undefined;
  if (title === undefined || !text.startsWith(`${title}\n`)) {
    throw new Error(`package.json "license" is ${pkg.license ?? 'missing'}, and LICENSE begins "${text.split('\n')[0] ?? ''}": the two must name one licence`);
  }
  return text;
}

interface Pkg {
  readonly name: string;
  readonly version: string;
  readonly license?: string;
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

/** The LICENSE file of a release: ours (the repository's LICENSE), then Node.js's, then each bundled package's. */
function licence(pkg: Pkg, nodeFolder: string, nodeVersion: string): string {
  const bundled = JSON.parse(readFileSync(BUNDLED, 'utf8')) as string[];
  const rule = `\n${'-'.repeat(78)}\n\n`;
  return [
    ownLicence(pkg),
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
