/**
 * `telegraf-homenet discover`: finds Sonos speakers with an SSDP M-SEARCH and
 * prints them as INI sections ready to paste. SSDP does not cross VLANs or
 * routers: static sections keep working without it.
 */
import { createSocket } from 'node:dgram';
import { fetchPage, FetchError } from './http.js';
import { supportSections } from './devices/sonos.js';

export const SSDP_ADDRESS = '239.255.255.250';
export const SSDP_PORT = 1900;
const ZONEPLAYER = 'urn:schemas-upnp-org:device:ZonePlayer:1';

/** One speaker that answered. */
export interface Found {
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
export function ssdpHeaders(reply: string): Map<string, string> {
  const headers = new Map<string, string>();
  for (const line of reply.split(/\r?\n/).slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toUpperCase(), line.slice(colon + 1).trim());
  }
  return headers;
}

/** Sends the M-SEARCH and gathers distinct speakers until `waitMs` has passed. */
async function search(address: string, port: number, waitMs: number): Promise<{ location: string; uuid: string; household?: string }[]> {
  const socket = createSocket('udp4');
  const found = new Map<string, { location: string; uuid: string; household?: string }>();
  socket.on('message', (msg) => {
    const text = msg.toString('latin1');
    if (!/^HTTP\/1\.1 200/i.test(text)) return;
    const h = ssdpHeaders(text);
    const location = h.get('LOCATION');
    const uuid = /uuid:(RINCON_[0-9A-Za-z]+)/.exec(h.get('USN') ?? '')?.[1];
    if (!location || !uuid || found.has(uuid)) return;
    const household = h.get('X-RINCON-HOUSEHOLD');
    found.set(uuid, household ? { location, uuid, household } : { location, uuid });
  });
  socket.on('error', () => undefined);
  await new Promise<void>((resolve) => socket.bind(0, resolve));
  const request = Buffer.from(
    `M-SEARCH * HTTP/1.1\r\nHOST: ${SSDP_ADDRESS}:${SSDP_PORT}\r\nMAN: "ssdp:discover"\r\nMX: 1\r\nST: ${ZONEPLAYER}\r\n\r\n`,
  );
  // UDP may lose a datagram: ask twice.
  socket.send(request, port, address);
  const again = setTimeout(() => {
    socket.send(request, port, address);
  }, Math.min(300, waitMs / 3));
  await new Promise((r) => setTimeout(r, waitMs));
  clearTimeout(again);
  await new Promise<void>((r) => {
    socket.close(() => {
      r();
    });
  });
  return [...found.values()];
}

async function describe(location: string, uuid: string, household: string | undefined, timeoutMs: number): Promise<Found> {
  const base = new URL(location);
  const url = base.origin + base.pathname.replace(/\/xml\/device_description\.xml$/, '');
  const signal = AbortSignal.timeout(timeoutMs);
  const common = household ? { url, uuid, household } : { url, uuid };
  try {
    const [zp, desc] = await Promise.all([
      fetchPage(new URL(`${url}/status/zp`), { signal }),
      fetchPage(new URL(location), { signal }),
    ]);
    const zone = supportSections(zp.body)[0]?.info.get('ZoneName')?.trim();
    const device = supportSections(desc.body)[0]?.device;
    const name = device?.get('modelName')?.trim();
    const number = device?.get('modelNumber')?.trim();
    const model = name && number ? `${name} (${number})` : (name ?? number ?? '');
    return { ...common, ...(zone ? { zone } : {}), ...(model ? { model } : {}) };
  } catch (err) {
    const note =
      err instanceof FetchError && err.status === 403 ? 'local access disabled (HTTP 403): turn it back on in the Sonos app' : err instanceof Error ? err.message : String(err);
    return { ...common, note };
  }
}

/** Finds the speakers answering at `address:port` within `waitMs`, with their zone names and models. */
export async function discover(address: string, port: number, waitMs: number): Promise<Found[]> {
  const answers = await search(address, port, waitMs);
  const found = await Promise.all(answers.map((a) => describe(a.location, a.uuid, a.household, Math.max(waitMs, 1000))));
  return found.sort((a, b) => (a.zone ?? a.url).localeCompare(b.zone ?? b.url));
}

/** A section name from a zone name: lower case, `-` for anything else; unique within `taken`. */
export function sectionName(zone: string, taken: Set<string>): string {
  const base = zone.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '') || 'speaker';
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
    out += `;; ${what !== '' ? what : f.uuid}${f.note ? ` (${f.note})` : ''}\n`;
    out += `type = sonos\nurl = ${f.url}\n`;
  }
  const first = found.find((f) => f.note === undefined);
  if (first) {
    out += `\n;; Or every speaker in one request, through any one of them (use instead of the sections above):\n`;
    out += `; [sonos-household]\n; type = sonos-household\n; url = ${first.url}\n`;
  }
  return out;
}
