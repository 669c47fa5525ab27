/**
 * `telegraf-homenet discover`: finds Sonos speakers with an SSDP M-SEARCH and
 * prints them as INI sections ready to paste. SSDP does not cross VLANs or
 * routers: static sections keep working without it.
 */
import { createSocket } from 'node:dgram';
import { fetchPage, FetchError } from '../../http/index.js';
import { HINTS } from './speaker.js';
import { supportSections } from './support.js';

const SSDP_ADDRESS = '239.255.255.250';
const SSDP_PORT = 1900;
const ZONEPLAYER = 'urn:schemas-upnp-org:device:ZonePlayer:1';

/** One speaker that answered. */
interface Found {
  /** Device URL, e.g. http://192.168.1.20:1400 */
  readonly url: string;
  readonly uuid: string;
  readonly household?: string;
  readonly zone?: string;
  readonly model?: string;
  /** Why its name could not be read (e.g. local access disabled). */
  readonly note?: string;
}

/** The headers of one SSDP reply, names upper-cased. */
function ssdpHeaders(reply: string): Map<string, string> {
  const headers = new Map<string, string>();
  for (const line of reply.split(/\r?\n/).slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toUpperCase(), line.slice(colon + 1).trim());
  }
  return headers;
}

/** One SSDP answer: what it says, and the address it came from. */
interface Answer {
  readonly location: string;
  readonly uuid: string;
  readonly household?: string;
  readonly from: string;
}

/** Sends the M-SEARCH and gathers distinct speakers until `waitMs` has passed. */
async function search(address: string, port: number, waitMs: number): Promise<Answer[]> {
  const socket = createSocket('udp4');
  const found = new Map<string, Answer>();
  socket.on('message', (msg, rinfo) => {
    const text = msg.toString('latin1');
    if (!/^HTTP\/1\.1 200/i.test(text)) return;
    const h = ssdpHeaders(text);
    const location = h.get('LOCATION');
    const uuid = /uuid:(RINCON_[0-9A-Za-z]{1,64})/.exec(h.get('USN') ?? '')?.[1];
    if (!location || !uuid || found.has(uuid)) return;
    const household = h.get('X-RINCON-HOUSEHOLD');
    const from = rinfo.address;
    found.set(uuid, household ? { location, uuid, household, from } : { location, uuid, from });
  });
  socket.on('error', () => undefined);
  await new Promise<void>((resolve) => socket.bind(0, resolve));
  const request = Buffer.from(`M-SEARCH * HTTP/1.1\r\nHOST: ${SSDP_ADDRESS}:${SSDP_PORT}\r\nMAN: "ssdp:discover"\r\nMX: 1\r\nST: ${ZONEPLAYER}\r\n\r\n`);
  // UDP may lose a datagram: ask twice.
  socket.send(request, port, address);
  const again = setTimeout(
    () => {
      socket.send(request, port, address);
    },
    Math.min(300, waitMs / 3),
  );
  await new Promise((r) => setTimeout(r, waitMs));
  clearTimeout(again);
  await new Promise<void>((r) => {
    socket.close(() => {
      r();
    });
  });
  return [...found.values()];
}

const DESCRIPTION = '/xml/device_description.xml';

/**
 * The device URL an answer's LOCATION names, or why it is not used. Only the
 * address that answered is ever asked (a LOCATION may name any host, and
 * whatever is written into the INI is later trusted with an access code), and
 * only a plain path goes into the INI, where `;` or `#` would start a comment.
 */
function speakerUrl(location: string, from: string): { url: string } | { why: string } {
  let base: URL;
  try {
    base = new URL(location);
  } catch {
    return { why: 'is not a URL' };
  }
  if (base.protocol !== 'http:' || base.username !== '' || base.password !== '' || base.search !== '' || base.hash !== '') {
    return { why: 'is not a plain http:// URL' };
  }
  if (base.hostname.replace(/^\[|\]$/g, '') !== from) return { why: 'is on another host (only the address that answered is asked)' };
  const prefix = base.pathname.endsWith(DESCRIPTION) ? base.pathname.slice(0, -DESCRIPTION.length) : base.pathname.replace(/\/$/, '');
  if (!/^(\/[A-Za-z0-9._~-]+)*$/.test(prefix)) return { why: 'is not a plain path' };
  return { url: base.origin + prefix };
}

async function describe(url: string, uuid: string, household: string | undefined, timeoutMs: number): Promise<Found> {
  const signal = AbortSignal.timeout(timeoutMs);
  const common = household ? { url, uuid, household } : { url, uuid };
  try {
    const [zp, desc] = await Promise.all([fetchPage(new URL(`${url}/status/zp`), { signal }), fetchPage(new URL(`${url}${DESCRIPTION}`), { signal })]);
    const zone = supportSections(zp.body)[0]?.info.get('ZoneName')?.trim();
    const device = supportSections(desc.body)[0]?.device;
    const name = device?.get('modelName')?.trim();
    const number = device?.get('modelNumber')?.trim();
    const model = name && number ? `${name} (${number})` : (name ?? number ?? '');
    return { ...common, ...(zone ? { zone } : {}), ...(model ? { model } : {}) };
  } catch (err) {
    const note = (err instanceof FetchError && err.status !== undefined ? HINTS[err.status] : undefined) ?? (err instanceof Error ? err.message : String(err));
    return { ...common, note };
  }
}

/**
 * Finds the speakers answering at `address:port` within `waitMs`, with their
 * zone names and models. An answer whose LOCATION cannot be used is left out,
 * and `warn` is told why.
 */
export async function discover(address: string, port: number, waitMs: number, warn: (message: string) => void = () => undefined): Promise<Found[]> {
  const answers = await search(address, port, waitMs);
  const usable: { url: string; answer: Answer }[] = [];
  for (const a of answers) {
    const checked = speakerUrl(a.location, a.from);
    if ('why' in checked) warn(`ignored the answer of ${a.from} (${a.uuid}): its LOCATION ${JSON.stringify(a.location.slice(0, 200))} ${checked.why}`);
    else usable.push({ url: checked.url, answer: a });
  }
  const found = await Promise.all(usable.map((u) => describe(u.url, u.answer.uuid, u.answer.household, Math.max(waitMs, 1000))));
  return found.sort((a, b) => (a.zone ?? a.url).localeCompare(b.zone ?? b.url));
}

/**
 * Device text made fit for one INI comment line: no control characters or
 * line separators (a zone name is whatever its owner, or an attacker, typed),
 * and short.
 */
function iniComment(text: string, max = 120): string {
  const flat = text
    // eslint-disable-next-line no-control-regex -- control characters are what we remove
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** A section name from a zone name: lower case, `-` for anything else, at most 40 characters; unique within `taken`. */
function sectionName(zone: string, taken: Set<string>): string {
  const base =
    zone
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .slice(0, 40)
      .replace(/^-+|-+$/g, '') || 'speaker';
  let name = base;
  for (let i = 2; taken.has(name); i++) name = `${base}-${i}`;
  taken.add(name);
  return name;
}

/** The INI text for the speakers found. */
export function iniSections(found: readonly Found[]): string {
  const taken = new Set<string>();
  let out = `;; ${found.length} Sonos speaker${found.length === 1 ? '' : 's'} found. Paste into homenet.ini.\n`;
  for (const f of found) {
    const name = sectionName(f.zone ?? f.uuid, taken);
    const what = [f.zone, f.model].filter(Boolean).join(', ');
    out += `\n[${name}]\n`;
    // The note is a sentence saying what to do (a speaker answering 403): kept whole, within reason.
    out += `;; ${iniComment(what !== '' ? what : f.uuid)}${f.note ? ` (${iniComment(f.note, 240)})` : ''}\n`;
    out += `type = sonos\nurl = ${f.url}\n`;
  }
  const first = found.find((f) => f.note === undefined);
  if (first) {
    out += `\n;; Or every speaker in one request, through any one of them (use instead of the sections above):\n`;
    out += `; [sonos-household]\n; type = sonos-household\n; url = ${first.url}\n`;
  }
  return out;
}
