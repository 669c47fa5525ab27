/**
 * Host names to addresses for http/index.ts, within the device's deadline:
 * /etc/hosts first, then the DNS servers of /etc/resolv.conf (its `search`
 * domains and `ndots` as the C library applies them), asked on the event
 * loop through Node's c-ares resolver and stopped when the deadline passes.
 *
 * Not Node's dns.lookup(): it calls getaddrinfo() in one of the four threads
 * of libuv's pool, where it cannot be stopped. With a DNS server that never
 * answers (a gateway that is also the DNS server, rebooting), each call runs
 * for resolv.conf's `timeout` x `attempts` (10 s by default, and the calls
 * queue behind each other, /etc/hosts names included), and Node waits for
 * those threads before any exit, process.exit() included: the run's lines
 * were ready at its deadline, the process ended 10-15 s later, and Telegraf
 * had killed it and thrown every device's lines away.
 *
 * What getaddrinfo() would also ask and this does not: the other sources
 * nsswitch.conf may name (NIS, LDAP). An mDNS name (`.local`, answered by
 * the avahi daemon on this host, not by a DNS server) still goes to
 * getaddrinfo().
 */
import type { LookupAddress, LookupOneOptions, LookupAllOptions } from 'node:dns';
import { MAX_CONFIG_BYTES, MAX_STATE_BYTES, readRegularFile } from '../files.js';

/** How long an answer is used: a gather's pages ask once, the next gather (execd, --watch) asks again. */
const ANSWER_MS = 5000;

/** Answers by name, with when each was given (performance.now()). */
const answers = new Map<string, { readonly addresses: readonly LookupAddress[]; readonly at: number }>();

/** An error as dns.lookup() gives it, so that errors.ts words it alike. */
function lookupError(code: string, name: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`getaddrinfo ${code} ${name}`), { code, hostname: name });
}

const family = (address: string): number => (address.includes(':') ? 6 : 4);

/** The addresses /etc/hosts gives `name` (lower case), in the file's order. */
export function hostsEntries(text: string, name: string): LookupAddress[] {
  const out: LookupAddress[] = [];
  for (const line of text.split('\n')) {
    const words = line.replace(/#.*/, '').trim().split(/\s+/);
    const address = words[0];
    if (address === undefined || words.length < 2) continue;
    for (let i = 1; i < words.length; i++) {
      if (words[i]?.toLowerCase() === name && !out.some((a) => a.address === address)) out.push({ address, family: family(address) });
    }
  }
  return out;
}

/**
 * The names to ask the DNS servers for `name`, in order, as the C library's
 * resolver does: with at least `ndots` dots (default 1) the name as it is
 * first, then with each `search` (or `domain`) suffix; with fewer, the other
 * way round; a name ending in a dot as it is only.
 */
export function searchNames(resolvConf: string, name: string): string[] {
  if (name.endsWith('.')) return [name.slice(0, -1)];
  let search: string[] = [];
  let ndots = 1;
  for (const line of resolvConf.split('\n')) {
    const [key, ...values] = line
      .replace(/[#;].*/, '')
      .trim()
      .split(/\s+/);
    // The last of `domain` and `search` counts.
    if (key === 'search' || key === 'domain') search = values.filter((v) => v !== '');
    if (key === 'options') {
      const n = /^ndots:(\d+)$/.exec(values.find((v) => v.startsWith('ndots:')) ?? '')?.[1];
      if (n !== undefined) ndots = Math.min(Number(n), 15);
    }
  }
  const suffixed = search.map((s) => `${name}.${s.replace(/\.$/, '')}`);
  const dots = name.split('.').length - 1;
  return dots >= ndots ? [name, ...suffixed] : [...suffixed, name];
}

function readOr(path: string, maxBytes: number): string {
  try {
    return readRegularFile(path, maxBytes).text;
  } catch {
    // No such file is no entry (and for resolv.conf, c-ares' own defaults).
    return '';
  }
}

/**
 * The addresses of `name` (lower case, as a URL has it), or an error with a
 * getaddrinfo code (ENOTFOUND, EAI_AGAIN); when `signal` aborts first, the
 * questions in flight are cancelled and the promise rejects with the
 * signal's reason.
 */
async function lookupHost(name: string, signal: AbortSignal): Promise<readonly LookupAddress[]> {
  const known = answers.get(name);
  if (known !== undefined && performance.now() - known.at < ANSWER_MS) return known.addresses;
  signal.throwIfAborted();
  // An ad-blocking hosts file can hold 100,000 lines: bounded like a state file.
  let addresses: readonly LookupAddress[] = hostsEntries(readOr('/etc/hosts', MAX_STATE_BYTES), name);
  if (addresses.length === 0) addresses = /\.local\.?$/.test(name) ? await multicast(name) : await askDns(name, signal);
  answers.set(name, { addresses, at: performance.now() });
  return addresses;
}

async function multicast(name: string): Promise<LookupAddress[]> {
  const dns = await import('node:dns');
  return dns.promises.lookup(name, { all: true, hints: dns.ADDRCONFIG });
}

/** Codes that mean "no such name here": the next search name is asked. */
const NOT_HERE = new Set(['ENOTFOUND', 'ENODATA']);

async function askDns(name: string, signal: AbortSignal): Promise<LookupAddress[]> {
  const { promises } = await import('node:dns');
  signal.throwIfAborted();
  const resolver = new promises.Resolver();
  const cancel = (): void => {
    resolver.cancel();
  };
  signal.addEventListener('abort', cancel, { once: true });
  let trouble: unknown;
  try {
    for (const candidate of searchNames(readOr('/etc/resolv.conf', MAX_CONFIG_BYTES), name)) {
      // A and AAAA at once, as getaddrinfo() asks them.
      const [v4, v6] = await Promise.allSettled([resolver.resolve4(candidate), resolver.resolve6(candidate)]);
      signal.throwIfAborted();
      const found = [...(v4.status === 'fulfilled' ? v4.value : []), ...(v6.status === 'fulfilled' ? v6.value : [])];
      if (found.length > 0) return found.map((address) => ({ address, family: family(address) }));
      for (const r of [v4, v6]) {
        if (r.status === 'fulfilled') continue;
        const code = (r.reason as { code?: unknown }).code;
        if (typeof code !== 'string' || !NOT_HERE.has(code)) trouble ??= r.reason;
      }
    }
  } finally {
    signal.removeEventListener('abort', cancel);
  }
  // A server that failed (or timed out) on one of the names may know it: not "no such name".
  throw trouble === undefined ? lookupError('ENOTFOUND', name) : lookupError('EAI_AGAIN', name);
}

/** Node's `lookup` callback, in both of its forms (one address, or all of them). */
type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** Where a request is, for the message when its deadline passes: the name being looked up, if it is. */
export interface LookupStage {
  resolving?: string | undefined;
}

/**
 * The `lookup` option of one request (node:net calls it for a name, never
 * for an IP address): {@link lookupHost} under the request's signal, the
 * name noted in `stage` while it runs.
 */
export class RequestLookup {
  readonly lookup = this.run.bind(this);

  constructor(
    private readonly signal: AbortSignal,
    private readonly stage: LookupStage,
  ) {}

  private run(name: string, options: LookupOneOptions | LookupAllOptions, callback: LookupCallback): void {
    this.stage.resolving = name;
    lookupHost(name.toLowerCase(), this.signal).then(
      (all) => {
        this.stage.resolving = undefined;
        // node:net asks for one family when the socket is bound to one.
        const wanted = options.family === 4 || options.family === 6 ? all.filter((a) => a.family === options.family) : all;
        const first = wanted[0];
        if (first === undefined) callback(lookupError('ENOTFOUND', name), '');
        else if (options.all === true) callback(null, [...wanted]);
        else callback(null, first.address, first.family);
      },
      (err: unknown) => {
        this.stage.resolving = undefined;
        callback(err instanceof Error ? err : lookupError('EAI_AGAIN', name), '');
      },
    );
  }
}
