/**
 * A network namespace of its own for the name-lookup figures and tests: only
 * a loopback, and its own /etc/resolv.conf and /etc/hosts (`ip netns exec`
 * mounts /etc/netns/NAME/* over /etc/* for what it runs), so that a lookup
 * reaches the lab's DNS server and never the machine's resolver.
 *
 * This is a measuring tool, not part of the program.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';

let made = 0;
let probed: string | undefined | null = null;

/** Why a namespace cannot be made here (not Linux, not root, no `ip`, not permitted), or undefined when it can. */
export function netnsMissing(): string | undefined {
  if (probed !== null) return probed;
  probed = probe();
  return probed;
}

function probe(): string | undefined {
  if (process.platform !== 'linux') return 'network namespaces are Linux only';
  if (process.getuid?.() !== 0) return 'needs root (ip netns add)';
  const version = spawnSync('ip', ['-V'], { encoding: 'utf8' });
  if (version.error !== undefined) return '`ip` is not installed (Debian: apt-get install iproute2)';
  try {
    new Netns({}).close();
  } catch (err) {
    return `ip netns add failed here: ${err instanceof Error ? err.message : String(err)}`;
  }
  return undefined;
}

function ip(args: readonly string[]): void {
  const r = spawnSync('ip', [...args], { encoding: 'utf8' });
  if (r.error !== undefined) throw r.error;
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr.trim()}`);
}

/** Every namespace still open, removed when this process exits whatever happened (Ctrl-C included). */
const open = new Set<Netns>();
const closeAll = (): void => {
  for (const ns of open) ns.close();
};
process.on('exit', closeAll);
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    closeAll();
    // Then the signal does what it would have done.
    process.kill(process.pid, sig);
  });
}

/** A namespace with its loopback up and, under /etc/netns/NAME/, the files given (`resolv.conf`, `hosts`). */
export class Netns {
  readonly name = `homenet-${process.pid}-${made++}`;

  constructor(files: Readonly<Record<string, string>>) {
    ip(['netns', 'add', this.name]);
    open.add(this);
    try {
      ip(['-n', this.name, 'link', 'set', 'lo', 'up']);
      const dir = this.folder();
      mkdirSync(dir, { recursive: true });
      for (const [file, text] of Object.entries(files)) writeFileSync(`${dir}/${file}`, text);
    } catch (err) {
      this.close();
      throw err;
    }
  }

  /** `program args...` run inside the namespace: the command line to spawn. */
  command(program: string, args: readonly string[]): { program: string; args: string[] } {
    return { program: 'ip', args: ['netns', 'exec', this.name, program, ...args] };
  }

  /** Removes the namespace and its folder under /etc/netns (what still runs in it keeps running, in no namespace's name). */
  close(): void {
    if (!open.delete(this)) return;
    spawnSync('ip', ['netns', 'del', this.name]);
    rmSync(this.folder(), { recursive: true, force: true });
  }

  private folder(): string {
    return `/etc/netns/${this.name}`;
  }
}
