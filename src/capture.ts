/**
 * `telegraf-homenet capture --out DIR`: one collect that also saves every
 * page it read, with addresses, MACs, serials, device IDs and nonces masked,
 * and next to them the `parse` commands that reproduce the run offline. What
 * a user attaches to a bug report when a firmware changes a page.
 */
import { lstatSync, mkdirSync, readdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import type { Fetcher } from './collect/index.js';
import { ConfigError, type Config, type DeviceConfig } from './config/index.js';
import { declared, DEVICE_KINDS, namesItself } from './devices/index.js';
import { errnoOf, kindOf } from './files.js';
import { fetchPage } from './http/index.js';
import { serializeAll } from './lineprotocol.js';
import { info, shellWord } from './log.js';
import { CAPTURE, renderLines, Run } from './pipeline.js';

/**
 * Masks identifying details in the pages of one capture: addresses, MACs,
 * serial numbers, the device IDs each kind declares, nonces. Each distinct value gets its own
 * numbered placeholder, the same one on every page of the run and in
 * README.txt, so that two speakers of a stereo pair stay two speakers and a
 * device's pages still agree with each other. Counters, labels and version
 * numbers (`1.20.1.6-1.2` is a hardware version, not an address) are kept.
 */
export class Masker {
  private readonly seen = new Map<string, string>();
  private readonly counts = new Map<string, number>();

  /** The placeholder of `value` among values of `kind`, made by `make(n)` for the n-th distinct one. */
  private placeholder(kind: string, value: string, make: (n: number) => string): string {
    const key = `${kind}\u0000${value.toLowerCase()}`;
    let p = this.seen.get(key);
    if (p === undefined) {
      const n = (this.counts.get(kind) ?? 0) + 1;
      this.counts.set(kind, n);
      p = make(n);
      this.seen.set(key, p);
    }
    return p;
  }

  /** A serial number's placeholder (pages and README.txt's serial tags alike). */
  serial(value: string): string {
    return this.placeholder('serial', value.trim(), (n) => `SERIAL-MASKED-${n}`);
  }

  /** A page (or any text) with identifying details masked. */
  mask(text: string): string {
    const hex = (n: number, width: number): string => n.toString(16).toUpperCase().padStart(width, '0');
    // Login and form nonces: nothing to tell apart.
    let masked = text.replace(/\b[0-9a-f]{64}\b/gi, '0'.repeat(64));
    // What the kinds say identifies a device on their pages (a speaker's UPnP id).
    for (const m of declared((k) => k.masks)) masked = masked.replace(m.pattern, (v) => this.placeholder(m.kind, v, (n) => m.placeholder(n)));
    return (
      masked
        // Serial numbers by their labels (HTML rows and XML elements).
        .replace(/(serial(?:\s|&nbsp;)*(?:number|num)?(?::|\s|&nbsp;)*<\/t[hd]>\s*<td[^>]*>)(\s*)([^<]*)/gi, (_m, head: string, space: string, v: string) =>
          v.trim() === '' ? `${head}${space}${v}` : `${head}${space}${this.serial(v)}`,
        )
        .replace(serialElements(), (_m, tag: string, v: string) => `<${tag}>${this.serial(v)}</${tag}>`)
        // MAC addresses, with colons or dashes (some serials start with one); not the last six parts of an IPv6 address.
        .replace(/\b(?<!:)[0-9A-Fa-f]{2}([:-])(?:[0-9A-Fa-f]{2}\1){4}[0-9A-Fa-f]{2}\b(?!\1[0-9A-Fa-f])/g, (m, sep: string) =>
          this.placeholder('mac', m.replace(/-/g, ':'), (n) => ['02', '00', '00', hex(n >> 16, 2), hex((n >> 8) & 0xff, 2), hex(n & 0xff, 2)].join(sep)),
        )
        // IPv6 addresses (with a prefix length), see isIpv6.
        .replace(/(?<![\w:])(?:[0-9a-f]{0,4}:){2,7}[0-9a-f]{0,4}(?![\w:])(\/\d{1,3}(?!\d))?/gi, (m, length?: string) => {
          const address = length === undefined ? m : m.slice(0, -length.length);
          return isIpv6(address, length !== undefined) ? `${this.placeholder('ipv6', address, (n) => `2001:db8::${n.toString(16)}`)}${length ?? ''}` : m;
        })
        // IPv4 addresses, documentation addresses instead; the first of a range a-b too, but not inside a version such as 1.20.1.6-1.2.
        .replace(IPV4_ADDRESS, (m) => this.placeholder('ipv4', m, (n) => `${['192.0.2', '198.51.100', '203.0.113'][Math.min(2, Math.floor((n - 1) / 254))] ?? '203.0.113'}.${((n - 1) % 254) + 1}`))
    );
  }
}

/** The XML elements the kinds say hold a serial, as one pattern (one that matches nothing when none does). */
function serialElements(): RegExp {
  const names = declared((k) => k.serialElements);
  return names.length === 0 ? /(?!)/g : new RegExp(`<(${names.map((n) => n.replace(/[^\w.-]/g, '')).join('|')})>([^<]*)<\\/\\1>`, 'g');
}

const OCTET = '(?:25[0-5]|2[0-4]\\d|1?\\d?\\d)';
const IPV4 = `${OCTET}(?:\\.${OCTET}){3}`;
/** An IPv4 address, not inside a longer run of digits and dots; followed by "-" only as the first of a range. */
const IPV4_ADDRESS = new RegExp(`(?<![\\d.])${IPV4}(?!\\d|\\.\\d|-(?!${IPV4}))`, 'g');

/**
 * Whether a run of colon-separated hex is an IPv6 address: with "::" or a
 * hex letter; in digits only (2600:1700:5310:2000:0:0:0:1, a customer's
 * part), when it has all eight parts, a prefix length, or a part after the
 * first of three or four digits. A time (12:07:45:09) has two digits in each
 * part after the first, and a MAC's placeholder (02:00:00:00:00:0A) six pairs.
 */
function isIpv6(text: string, prefixed: boolean): boolean {
  const parts = text.split(':');
  if (parts.length === 6 && parts.every((p) => p.length === 2)) return false;
  if (text.includes('::') || /[a-f]/i.test(text)) return true;
  return parts.length === 8 || prefixed || parts.slice(1).some((p) => p.length > 2);
}

/** A page with identifying details masked (a fresh {@link Masker}: one page alone). */
export function mask(text: string): string {
  return new Masker().mask(text);
}

/** A file name for a saved page: the last part of its path and query. */
function fileName(url: URL, taken: Set<string>): string {
  const base = (url.pathname.split('/').pop() ?? 'page') + (url.search ? `-${url.search.replace(/[^A-Za-z0-9_]+/g, '')}` : '');
  let name = `${base.replace(/[^A-Za-z0-9_.-]+/g, '_') || 'page'}${/\.(html?|xml|ha)$/.test(base) ? '' : '.html'}`;
  for (let i = 2; taken.has(name); i++) name = name.replace(/(\.[a-z]+)?$/, `-${i}$1`);
  taken.add(name);
  return name;
}

/** The code of a file system error, or the error itself in words. */
function why(err: unknown): string {
  return errnoOf(err) ?? String(err);
}

/**
 * One folder per device, from its section name. Names that fold to the same
 * folder (`[up stairs]`, `[up_stairs]`, or a case-insensitive file system's
 * `[Gw]` and `[gw]`) get `-2`, `-3`: one device's pages never overwrite another's.
 */
function deviceFolders(devices: readonly DeviceConfig[]): Map<DeviceConfig, string> {
  const used = new Set<string>(['readme.txt']);
  const folders = new Map<DeviceConfig, string>();
  for (const device of devices) {
    // Not starting with "-": the folder names are arguments of parse.
    const base = device.name.replace(/[^A-Za-z0-9_.-]+/g, '_').replace(/^[-_.]+/, '') || 'device';
    let folder = base;
    for (let i = 2; used.has(folder.toLowerCase()); i++) folder = `${base}-${i}`;
    used.add(folder.toLowerCase());
    folders.set(device, folder);
  }
  return folders;
}

/** A folder to write into: made now, or one that is already a real folder (a link is not followed). */
function ownFolder(path: string): void {
  try {
    mkdirSync(path);
    return;
  } catch (err) {
    if (errnoOf(err) !== 'EEXIST') throw new ConfigError(`--out: cannot make the folder ${path} (${why(err)})`);
  }
  const st = lstatSync(path);
  if (!st.isDirectory()) {
    throw new ConfigError(`--out: ${path} is ${kindOf(st)}, not a folder: capture does not write through it (remove it, or choose a new --out)`);
  }
}

/**
 * Checks `--out` before anything is asked of a device: a new folder, or an
 * empty one. An earlier capture's files would stay beside the new ones, with
 * placeholders numbered by another run (`192.0.2.1` another address in each):
 * the folder would describe no run. Refused rather than cleared: they may be
 * the only copy of a page a firmware since changed.
 */
function prepareOut(dir: string): void {
  let entries: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new ConfigError(`--out: ${dir} exists and is not a folder (choose a new folder)`);
    entries = readdirSync(dir);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    if (errnoOf(err) !== 'ENOENT') throw new ConfigError(`--out: cannot use ${dir} (${why(err)})`);
    try {
      mkdirSync(dir, { recursive: true });
    } catch (e) {
      throw new ConfigError(`--out: cannot make the folder ${dir} (${why(e)})`);
    }
    return;
  }
  if (entries.length > 0) {
    const n = entries.length === 1 ? JSON.stringify(entries[0]) : `${entries.length} entries`;
    throw new ConfigError(`--out: ${dir} is not empty (${n}): capture writes into a new or empty folder only, so that the pages of two runs never mix (choose a new --out, or empty this one)`);
  }
}

/** Writes a new file: whatever took its name while the run went on (a planted link) is removed, not written through. */
function writeNew(path: string, text: string): void {
  try {
    unlinkSync(path);
  } catch (err) {
    if (errnoOf(err) !== 'ENOENT') throw new ConfigError(`--out: cannot replace ${path} (${why(err)})`);
  }
  // O_EXCL: if a name appeared again meanwhile, fail rather than follow it.
  writeFileSync(path, text, { flag: 'wx' });
}

/**
 * Runs one collect, saves masked pages and the parse commands in `dir`;
 * returns what to print. `signal` aborting ends it at once with
 * pipeline.ts's Interrupted, before anything is saved (`dir` may be left empty).
 */
export async function capture(config: Config, dir: string, signal?: AbortSignal): Promise<{ out: string; log: readonly string[] }> {
  const folders = deviceFolders(config.devices);
  // A bad --out is found before any device is asked (and before any login).
  prepareOut(dir);
  const pages: { url: URL; body: string }[] = [];
  const recording: Fetcher = async (url, options) => {
    const page = await fetchPage(url, options);
    // Only GET pages: a login POST's answer holds nothing to parse.
    if (!options.form) pages.push({ url, body: page.body });
    return page;
  };
  // The lines as the devices gave them (what parse prints from the saved pages), without timestamps.
  const run = await Run.open(config, CAPTURE, { fetcher: recording });
  const batch = await run.whole(signal);
  const { metrics } = batch;
  const { out, log } = renderLines(batch);
  // One masker for the whole run: a value has one placeholder on every page and in README.txt.
  const masker = new Masker();
  const masked = pages.map((p) => ({ url: p.url, body: masker.mask(p.body) }));
  // README.txt shows the run masked as the pages are: a serial tag (and a host tag a serial was added to) too.
  const serials = [...new Set(metrics.map((m) => m.tags['serial'] ?? ''))].filter((v) => v.length >= 4);
  const hideSerials = (text: string): string => serials.reduce((t, v) => t.split(v).join(masker.serial(v)), text);
  const shown = serializeAll(
    metrics.map((m) => ({
      name: m.name,
      tags: Object.fromEntries(Object.entries(m.tags).map(([k, v]) => [k, k === 'serial' ? masker.serial(v) : hideSerials(v)])),
      fields: m.fields,
    })),
    () => undefined,
  );
  const commands: string[] = [];
  // A page belongs to the device whose URL is the longest prefix of it (simulated devices share a host).
  const prefixOf = (d: DeviceConfig): string => `${d.url.href.replace(/\/$/, '')}/`;
  const owner = (url: URL): DeviceConfig | undefined => config.devices.filter((d) => url.href.startsWith(prefixOf(d))).sort((a, b) => prefixOf(b).length - prefixOf(a).length)[0];
  for (const device of config.devices) {
    const mine = masked.filter((p) => owner(p.url) === device);
    if (mine.length === 0) continue;
    const folder = folders.get(device) ?? 'device';
    ownFolder(`${dir}/${folder}`);
    const taken = new Set<string>();
    const files = mine.map((p) => {
      const name = fileName(p.url, taken);
      writeNew(`${dir}/${folder}/${name}`, p.body);
      return `${folder}/${name}`;
    });
    // Pages a parser does not read (a login page) make `parse` refuse the set: leave them out.
    const parseable = files.filter((f) => !/login|logout/.test(f));
    // A speaker names itself from its saved zp page, as it did in the run.
    const kind = DEVICE_KINDS.get(device.type);
    const host = device.hostExplicit || !kind || !namesItself(kind) ? ['--host', device.host] : [];
    // Quoted for a shell: a host tag such as $(touch x) is a name, not a command to run.
    // The run's own tags, so that the lines come out as they did.
    const tags = Object.entries(config.tags).flatMap(([k, v]) => ['--tag', `${k}=${v}`]);
    commands.push(['telegraf-homenet', 'parse', '--type', device.type, ...host, ...tags, ...parseable].map(shellWord).join(' '));
  }
  writeNew(
    `${dir}/README.txt`,
    `Captured by telegraf-homenet capture. Addresses, MAC addresses, serial numbers,\ndevice IDs and nonces are masked; check before sharing.\n\nReproduce the run from this folder with:\n\n${commands.join('\n')}\n\nWhat the run printed:\n\n${masker.mask(shown)}\n${log.length > 0 ? `and on stderr:\n\n${masker.mask(hideSerials(log.join('\n')))}\n` : ''}`,
  );
  return { out, log: [...log, info(`saved ${pages.length} page(s) and the parse commands in ${dir}`)] };
}
