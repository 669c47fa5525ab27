/**
 * `telegraf-homenet capture --out DIR`: one collect that also saves every
 * page it read, with addresses, MACs, serials, device IDs and nonces masked,
 * and next to them the `parse` commands that reproduce the run offline. What
 * a user attaches to a bug report when a firmware changes a page.
 */
import { lstatSync, mkdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { collect, type Fetcher } from './collect.js';
import { ConfigError, type Config, type DeviceConfig } from './config.js';
import { kindOf } from './files.js';
import { fetchPage } from './http.js';
import { serializeAll } from './lineprotocol.js';
import { shellWord } from './telegraf.js';

/** What a serial number becomes, in saved pages and in README.txt alike. */
const SERIAL_MASK = 'SERIAL-MASKED';

/** What is masked in saved pages, and with what. Counters and labels are left alone. */
const MASKS: readonly [RegExp, string | ((m: string) => string)][] = [
  // Login and form nonces.
  [/\b[0-9a-f]{64}\b/gi, '0'.repeat(64)],
  // Sonos device IDs.
  [/RINCON_[0-9A-Fa-f]{12,}/g, 'RINCON_000000000000001400'],
  // Serial numbers by their labels (HTML rows and XML elements).
  [/(serial(?:\s|&nbsp;)*(?:number|num)?(?::|\s|&nbsp;)*<\/t[hd]>\s*<td[^>]*>)\s*[^<]*/gi, `$1${SERIAL_MASK}`],
  [/<(SerialNumber|serialNum)>[^<]*<\/\1>/g, `<$1>${SERIAL_MASK}</$1>`],
  // MAC addresses, with colons or dashes (Sonos serials start with one).
  [/\b[0-9A-Fa-f]{2}([:-])(?:[0-9A-Fa-f]{2}\1){4}[0-9A-Fa-f]{2}\b/g, (m) => m.replace(/[0-9A-Fa-f]{2}/g, '00').replace(/00$/, '01')],
  // IPv6 addresses; times such as 12:07:45:09 have neither "::" nor hex letters and stay.
  [/(?<![\w:])(?:[0-9a-f]{0,4}:){2,7}[0-9a-f]{0,4}(?![\w:])/gi, (m) => (m.includes('::') || /[a-f]/i.test(m) ? '2001:db8::1' : m)],
  // IPv4 addresses: documentation addresses instead.
  [/\b(?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}\b/g, '192.0.2.1'],
];

/** A page with identifying details masked. */
export function mask(text: string): string {
  return MASKS.reduce((t, [re, by]) => t.replace(re, by as string), text);
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
  return (err as NodeJS.ErrnoException).code ?? String(err);
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
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new ConfigError(`--out: cannot make the folder ${path} (${why(err)})`);
  }
  const st = lstatSync(path);
  if (!st.isDirectory()) {
    throw new ConfigError(`--out: ${path} is ${kindOf(st)}, not a folder: capture does not write through it (remove it, or choose a new --out)`);
  }
}

/** Checks `--out` and the device folders in it before anything is asked of a device. */
function prepareOut(dir: string, folders: Iterable<string>): void {
  try {
    if (!statSync(dir).isDirectory()) throw new ConfigError(`--out: ${dir} exists and is not a folder (choose a new folder)`);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new ConfigError(`--out: cannot use ${dir} (${why(err)})`);
    try {
      mkdirSync(dir, { recursive: true });
    } catch (e) {
      throw new ConfigError(`--out: cannot make the folder ${dir} (${why(e)})`);
    }
  }
  for (const folder of folders) {
    try {
      const st = lstatSync(`${dir}/${folder}`);
      if (!st.isDirectory()) throw new ConfigError(`--out: ${dir}/${folder} is ${kindOf(st)}, not a folder: capture does not write through it (remove it, or choose a new --out)`);
    } catch (err) {
      if (err instanceof ConfigError) throw err;
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new ConfigError(`--out: cannot use ${dir}/${folder} (${why(err)})`);
    }
  }
}

/** Writes a new file: whatever had its name (a file of an earlier capture, a planted link) is removed, not written through. */
function writeNew(path: string, text: string): void {
  try {
    unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new ConfigError(`--out: cannot replace ${path} (${why(err)})`);
  }
  // O_EXCL: if a name appeared again meanwhile, fail rather than follow it.
  writeFileSync(path, text, { flag: 'wx' });
}

/** Runs one collect, saves masked pages and the parse commands in `dir`; returns what to print. */
export async function capture(config: Config, dir: string): Promise<{ out: string; log: string[] }> {
  const folders = deviceFolders(config.devices);
  // A bad --out is found before any device is asked (and before any login).
  prepareOut(dir, folders.values());
  const pages: { url: URL; body: string }[] = [];
  const recording: Fetcher = async (url, options) => {
    const page = await fetchPage(url, options);
    // Only GET pages: a login POST's answer holds nothing to parse.
    if (!options.form) pages.push({ url, body: page.body });
    return page;
  };
  const { metrics, log } = await collect(config, { fetcher: recording });
  const out = serializeAll(metrics.map((m) => ({ name: m.name, tags: m.tags, fields: m.fields })), (w) => log.push(w));
  // README.txt shows the run masked as the pages are: a serial tag (and a host tag a serial was added to) too.
  const serials = [...new Set(metrics.map((m) => m.tags['serial'] ?? ''))].filter((v) => v.length >= 4);
  const hideSerials = (text: string): string => serials.reduce((t, v) => t.split(v).join(SERIAL_MASK), text);
  const shown = serializeAll(
    metrics.map((m) => ({
      name: m.name,
      tags: Object.fromEntries(Object.entries(m.tags).map(([k, v]) => [k, k === 'serial' ? SERIAL_MASK : hideSerials(v)])),
      fields: m.fields,
    })),
    () => undefined,
  );
  const commands: string[] = [];
  // A page belongs to the device whose URL is the longest prefix of it (simulated devices share a host).
  const prefixOf = (d: DeviceConfig): string => `${d.url.href.replace(/\/$/, '')}/`;
  const owner = (url: URL): DeviceConfig | undefined =>
    config.devices.filter((d) => url.href.startsWith(prefixOf(d))).sort((a, b) => prefixOf(b).length - prefixOf(a).length)[0];
  for (const device of config.devices) {
    const mine = pages.filter((p) => owner(p.url) === device);
    if (mine.length === 0) continue;
    const folder = folders.get(device) ?? 'device';
    ownFolder(`${dir}/${folder}`);
    const taken = new Set<string>();
    const files = mine.map((p) => {
      const name = fileName(p.url, taken);
      writeNew(`${dir}/${folder}/${name}`, mask(p.body));
      return `${folder}/${name}`;
    });
    // Pages a parser does not read (a login page) make `parse` refuse the set: leave them out.
    const parseable = files.filter((f) => !/login|logout/.test(f));
    // A speaker names itself from its saved zp page, as it did in the run.
    const host = device.hostExplicit || !device.type.startsWith('sonos') ? ['--host', device.host] : [];
    // Quoted for a shell: a host tag such as $(touch x) is a name, not a command to run.
    commands.push(['telegraf-homenet', 'parse', '--type', device.type, ...host, ...parseable].map(shellWord).join(' '));
  }
  writeNew(
    `${dir}/README.txt`,
    `Captured by telegraf-homenet capture. Addresses, MAC addresses, serial numbers,\ndevice IDs and nonces are masked; check before sharing.\n\nReproduce the run from this folder with:\n\n${commands.join('\n')}\n\nWhat the run printed:\n\n${mask(shown)}\n${log.length > 0 ? `and on stderr:\n\n${mask(hideSerials(log.join('\n')))}\n` : ''}`,
  );
  return { out, log: [...log, `I! saved ${pages.length} page(s) and the parse commands in ${dir}`] };
}
