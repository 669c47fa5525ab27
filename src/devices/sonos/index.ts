/**
 * Sonos speakers (port 1400): busybox `ifconfig` text inside XML support
 * pages, identity from `/status/zp` or the UPnP device description, and the
 * whole household in one `/support/review` page.
 */
import { Parser } from 'htmlparser2';
import { cleanTag, int, type FieldValue, type Metric } from '../../lineprotocol.js';
import { feedSlices, MAX_DEPTH, ParseError, tooDeepError, type Pace } from '../../html.js';
import { setCounter, timingFields, type Omitter } from '../fields.js';
import type { DeviceKind, ExtractContext, Family, PageSpec, PageText, ParseContext } from '../kind.js';

/** One `<ZPSupportInfo>`: a speaker's ZPInfo fields, command outputs and files. */
export interface SupportSection {
  readonly info: Map<string, string>;
  readonly commands: Map<string, string>;
  readonly files: Map<string, string>;
  /** UPnP device description fields (`roomName`, `modelName` ...), when the page is one. */
  readonly device: Map<string, string>;
}

/**
 * Reads the Sonos support XML (`/status/*`, `/support/review`, the device
 * description) in one streaming pass: the 450 KB review page of a 30-speaker
 * house is never built into a document tree. A `<ZPSupportInfo>` nested in
 * another (a controller's own info under `<Controllers>`) belongs to the
 * speaker around it: it is no section of its own, does not end that
 * speaker's section, and nothing in it (its own commands) is kept.
 * @throws ParseError for a page nested deeper than {@link MAX_DEPTH}.
 */
export function supportSections(xml: string): SupportSection[] {
  const { parser, done } = sectionsBuilder();
  parser.end(xml);
  return done();
}

/** {@link supportSections}, read a slice at a time with `pace` between slices. */
export async function readSupportSections(xml: string, pace: Pace): Promise<SupportSection[]> {
  const { parser, done } = sectionsBuilder();
  await feedSlices(parser, xml, pace, undefined, SLICE_CHARS);
  return done();
}

/** How much of a support page is read between two calls to the pace. */
const SLICE_CHARS = 16_384;

function sectionsBuilder(): { parser: Parser; done: () => SupportSection[] } {
  const sections: SupportSection[] = [];
  let current: SupportSection | undefined;
  const stack: string[] = [];
  /** Depth in the stack of the open `<ZPSupportInfo>` elements, outermost first. */
  const infos: number[] = [];
  let capture: { into: Map<string, string>; key: string; text: string; depth: number } | undefined;
  let deep = false;
  const section = (): SupportSection => {
    if (!current) {
      current = { info: new Map(), commands: new Map(), files: new Map(), device: new Map() };
      sections.push(current);
    }
    return current;
  };
  const parser = new Parser(
    {
      onopentag(name, attribs) {
        if (deep) return;
        if (stack.length >= MAX_DEPTH) {
          // htmlparser2's bookkeeping grows with the square of the depth: stop reading.
          deep = true;
          parser.pause();
          return;
        }
        stack.push(name);
        if (capture) return;
        if (name === 'ZPSupportInfo') {
          // A new speaker only at the outermost level.
          if (infos.length === 0) current = undefined;
          infos.push(stack.length);
          return;
        }
        // Inside a nested block: none of it is the speaker's.
        if (infos.length > 1) return;
        const parent = stack[stack.length - 2];
        if (name === 'Command' && attribs['cmdline'] !== undefined) {
          capture = { into: section().commands, key: attribs['cmdline'], text: '', depth: stack.length };
        } else if (name === 'File' && attribs['name'] !== undefined) {
          capture = { into: section().files, key: attribs['name'], text: '', depth: stack.length };
        } else if (parent === 'ZPInfo') {
          capture = { into: section().info, key: name, text: '', depth: stack.length };
        } else if (parent === 'device' && stack[stack.length - 3] === 'root') {
          capture = { into: section().device, key: name, text: '', depth: stack.length };
        }
      },
      ontext(text) {
        if (capture) capture.text += text;
      },
      onclosetag() {
        if (deep) return;
        if (capture && capture.depth === stack.length) {
          if (!capture.into.has(capture.key)) capture.into.set(capture.key, capture.text);
          capture = undefined;
        }
        if (infos.at(-1) === stack.length) infos.pop();
        stack.pop();
      },
    },
    { xmlMode: true, decodeEntities: true },
  );
  return {
    parser,
    done: () => {
      if (deep) throw tooDeepError();
      return sections;
    },
  };
}

/** The page's sections, or none for a page that cannot be read in time (identify never rejects). */
async function readableSections(xml: string, pace: Pace): Promise<SupportSection[]> {
  try {
    return await readSupportSections(xml, pace);
  } catch (err) {
    if (!(err instanceof ParseError)) throw err;
    return [];
  }
}

/** The page's sections, read once for all its extracts. */
function sectionsOf(page: PageText, ctx: ExtractContext): Promise<SupportSection[]> {
  return ctx.memo('support', () => readSupportSections(page.body, ctx.pace));
}

/** One interface's counters from ifconfig text. */
interface IfaceCounters {
  readonly name: string;
  readonly fields: Record<string, FieldValue>;
}

/**
 * The counters of one ifconfig block, read line by line and token by token
 * (linear in the text: a page of one endless `RX packets:1 RX packets:1 ...`
 * line costs one pass). Two formats:
 * - busybox / net-tools 1.x: `RX packets:52676265 errors:0 dropped:1233516 overruns:0 frame:0`,
 *   `collisions:0 txqueuelen:1000`, `RX bytes:4000000000 (3.7 GiB)  TX bytes:1500000000 (1.4 GiB)`;
 * - net-tools 2.x: `RX packets 123  bytes 456 (456.0 B)`, `RX errors 0  dropped 0  overruns 0  frame 0`,
 *   `TX errors 0  dropped 0 overruns 0  carrier 0  collisions 0`.
 * The first value of each counter wins.
 */
function ifconfigCounters(block: string): Map<string, string> {
  const found = new Map<string, string>();
  const put = (field: string, value: string): void => {
    if (!found.has(field)) found.set(field, value);
  };
  for (const line of block.split('\n')) {
    // The direction a line's unprefixed words (errors, dropped ...) belong to: its first RX/TX.
    const lead = /^\s*(RX|TX)\s+(packets|errors)\b/.exec(line);
    const dir = lead?.[1] === 'RX' ? 'rx' : lead?.[1] === 'TX' ? 'tx' : undefined;
    for (const m of line.matchAll(/\b(?:(RX|TX)\s+)?(packets|bytes|errors|dropped|overruns|frame|carrier|collisions)(?::|\s+)(\S+)/g)) {
      const word = m[2] ?? '';
      const value = m[3] ?? '';
      const d = m[1] === 'RX' ? 'rx' : m[1] === 'TX' ? 'tx' : dir;
      if (word === 'collisions') put('collisions', value);
      else if (word === 'packets' || word === 'bytes') {
        // `bytes` right after a packets count (net-tools 2.x) belongs to the same direction.
        if (d !== undefined) put(`${d}_${word === 'packets' ? 'pkts' : 'bytes'}`, value);
      } else if (d !== undefined) {
        put(`${d}_${word === 'errors' ? 'err' : word === 'dropped' ? 'drop' : word}`, value);
      }
    }
  }
  return found;
}

const FIELD_ORDER = [
  'tx_bytes', 'tx_pkts', 'tx_err', 'tx_drop', 'tx_overruns', 'tx_carrier',
  'rx_bytes', 'rx_pkts', 'rx_err', 'rx_drop', 'rx_overruns', 'rx_frame', 'collisions',
];

const KEY_COUNTERS = ['rx_bytes', 'tx_bytes', 'rx_pkts', 'tx_pkts'];
const KEY_LABELS: Readonly<Record<string, string>> = { rx_bytes: 'RX bytes', tx_bytes: 'TX bytes', rx_pkts: 'RX packets', tx_pkts: 'TX packets' };

/**
 * Interfaces and their counters from `ifconfig` output: blocks separated by
 * blank lines, each starting with the interface name at the left margin.
 * A counter that is missing or unreadable is left out (said through `omit`);
 * an interface with no byte or packet count at all is left out whole.
 * @throws ParseError when the text holds no interface.
 */
export function parseIfconfig(text: string, where: string, omit: Omitter): IfaceCounters[] {
  const out: IfaceCounters[] = [];
  let blocks = 0;
  for (const block of text.replace(/\r/g, '').split(/\n[ \t]*\n/)) {
    const head = /^([A-Za-z0-9_.:@-]+?):?\s+(Link encap|flags=)/m.exec(block);
    if (!head?.[1]) continue;
    blocks++;
    const name = head[1];
    const found = ifconfigCounters(block);
    const fields: Record<string, FieldValue> = {};
    for (const f of FIELD_ORDER) {
      const v = found.get(f);
      if (v !== undefined) setCounter(fields, f, omit, `${where}: ${name} ${f}`, v);
    }
    if (!KEY_COUNTERS.some((k) => fields[k] !== undefined)) {
      omit(`${where}: interface ${name} has no readable "RX bytes", "TX bytes", "RX packets" or "TX packets" counter: its line left out`);
      continue;
    }
    for (const k of KEY_COUNTERS) {
      if (!found.has(k)) omit(`${where}: interface ${name} has no "${KEY_LABELS[k] ?? k}" counter: ${k} left out`);
    }
    out.push({ name, fields });
  }
  if (blocks === 0) throw new ParseError(`${where}: no interface in the ifconfig output`);
  return out;
}

/**
 * Which interfaces to print: the configured ones; with `all`, all but the
 * loopback; by default the bridge and any other that has counted a packet
 * (most speakers show an idle radio or an unplugged port, all zeros for ever).
 */
function wanted(ctx: ParseContext, i: IfaceCounters): boolean {
  if (ctx.interfaces === 'all') return i.name !== 'lo';
  if (ctx.interfaces) return ctx.interfaces.has(i.name);
  if (i.name === 'lo') return false;
  if (i.name === 'br0') return true;
  return ['rx_pkts', 'tx_pkts', 'rx_bytes', 'tx_bytes'].some((f) => {
    const v = i.fields[f];
    return v?.kind === 'int' ? v.value !== 0n : v?.kind === 'float' ? v.value !== 0 : false;
  });
}

function trafficLines(ifaces: readonly IfaceCounters[], ctx: ParseContext, tags: Record<string, string>, page: PageText): Metric[] {
  return ifaces
    .filter((i) => wanted(ctx, i))
    .map((i) => ({ name: ctx.measurement, tags: { ...tags, interface: i.name }, fields: { ...i.fields, ...timingFields(page) } }));
}

const IFCONFIG = '/sbin/ifconfig';
const RADIO_FILE = '/proc/ath_rincon/status';

/** The command text of a support page, or the page itself when it is bare text. */
async function commandText(page: PageText, ctx: ExtractContext, cmdline: string, where: string): Promise<string> {
  const body = page.body;
  if (!body.trimStart().startsWith('<')) return body;
  const text = (await sectionsOf(page, ctx)).map((s) => s.commands.get(cmdline) ?? s.files.get(cmdline)).find((t) => t !== undefined);
  if (text === undefined) throw new ParseError(`${where}: no <Command cmdline='${cmdline}'> output`);
  return text;
}

/** `homenet_radio`: SonosNet radio health from `/proc/ath_rincon/status` text. */
export function radioFields(text: string, where: string, omit: Omitter): Record<string, FieldValue> {
  const fields: Record<string, FieldValue> = {};
  const small = (n: number): boolean => Number.isSafeInteger(n) && Math.abs(n) < 1_000_000;
  const read = [...text.matchAll(/Noise Floor:\s*(-?\d{1,7})\s*dBm/g)].map((m) => Number(m[1])).filter(small);
  // "0 dBm" on a chain is no measurement (a real radio's floor is near -100 dBm):
  // as the worst chain it would put a 0 on the graph.
  const noise = read.filter((n) => n !== 0);
  if (read.length > 0 && noise.length === 0) omit(`${where}: every "Noise Floor" reads 0 dBm (no measurement): noise_floor_dbm left out`);
  if (noise.length > 0) {
    // The worst (highest) chain: that is the one that limits the link.
    fields['noise_floor_dbm'] = int(Math.max(...noise));
    fields['chains'] = int(noise.length);
  }
  const ani = /OFDM ANI level:\s*(\d{1,7})\b/.exec(text);
  if (ani?.[1]) fields['ofdm_ani_level'] = int(Number(ani[1]));
  const channel = /IEEE channel:\s*(\d{1,7})\b/.exec(text);
  if (channel?.[1]) fields['ieee_channel'] = int(Number(channel[1]));
  if (Object.keys(fields).length === 0) throw new ParseError(`${where}: no "Noise Floor" or "OFDM ANI level" line`);
  return fields;
}

/**
 * A speaker's `homenet_system` line from ZPInfo or device-description fields:
 * model, firmware, hardware and serial as tags, `info=1i` so that the line
 * exists on every generation, and `sw_gen` where the page has it (S2; S1
 * firmware has no such element). Undefined when the page names none of them.
 */
function systemLine(get: (k: string) => string | undefined, tags: Record<string, string>): Metric | undefined {
  const t: Record<string, string> = { ...tags };
  const named = new Set<string>();
  const set = (tag: string, ...keys: string[]): void => {
    for (const k of keys) {
      const v = cleanTag(get(k) ?? '');
      if (v) {
        t[tag] = v;
        named.add(tag);
        return;
      }
    }
  };
  set('model', 'modelName');
  set('model_number', 'modelNumber');
  set('firmware', 'SoftwareVersion', 'softwareVersion');
  set('hardware', 'HardwareVersion', 'hardwareVersion');
  set('serial', 'SerialNumber', 'serialNum');
  if (named.size === 0) return undefined;
  const fields: Record<string, FieldValue> = { info: int(1) };
  const gen = (get('SWGen') ?? get('swGen'))?.trim();
  if (gen !== undefined && /^\d{1,6}$/.test(gen)) fields['sw_gen'] = int(Number(gen));
  return { name: 'homenet_system', tags: t, fields };
}

// ----- one speaker

const ZP_TITLE = 'Zone Player status (/status/zp)';
const zp: PageSpec = {
  key: 'sonos-zp',
  path: '/status/zp',
  title: ZP_TITLE,
  recognize: (body) => /<ZPInfo>/.test(body) && !/<ZPNetworkInfo/.test(body) && !/cmdline=/.test(body),
  extracts: [],
  identify: async (page, pace) => {
    const zone = cleanTag((await readableSections(page.body, pace))[0]?.info.get('ZoneName') ?? '');
    return zone ? { host: zone } : undefined;
  },
};

const DESCRIPTION_TITLE = 'Device description (/xml/device_description.xml)';
/** How often execd reads a speaker's description again (a firmware update shows within this). */
export const DESCRIPTION_REFRESH_MS = 10 * 60_000;
async function deviceFields(page: PageText, ctx: ExtractContext): Promise<Map<string, string>> {
  const d = (await sectionsOf(page, ctx))[0]?.device;
  if (!d || d.size === 0) throw new ParseError(`${DESCRIPTION_TITLE}: no UPnP <root><device> element`);
  return d;
}
const description: PageSpec = {
  key: 'sonos-description',
  path: '/xml/device_description.xml',
  title: DESCRIPTION_TITLE,
  recognize: (body) => /urn:schemas-upnp-org:device-1-0/.test(body) && /ZonePlayer|Sonos/i.test(body),
  describesMs: DESCRIPTION_REFRESH_MS,
  extracts: [
    {
      area: 'system',
      parse: async (page, ctx) => {
        const d = await deviceFields(page, ctx);
        const line = systemLine((k) => d.get(k), {});
        if (!line) throw new ParseError(`${DESCRIPTION_TITLE}: no <modelName>, <softwareVersion>, <hardwareVersion> or <serialNum> element`);
        return [line];
      },
    },
  ],
  // Both speakers of a stereo pair share a roomName: the serial keeps them apart.
  identify: async (page, pace) => {
    // A page without a <device> names nobody; the system area reports it.
    const d = (await readableSections(page.body, pace))[0]?.device ?? new Map<string, string>();
    const room = cleanTag(d.get('roomName') ?? '');
    const serial = cleanTag(d.get('serialNum') ?? '');
    return room ? { host: serial ? `${room} ${serial}` : room } : undefined;
  },
};

const IFCONFIG_TITLE = 'Network interfaces (/status/ifconfig)';
const ifconfig: PageSpec = {
  key: 'sonos-ifconfig',
  path: '/status/ifconfig',
  title: IFCONFIG_TITLE,
  // The XML page, or its bare text as a user may have saved it.
  recognize: (body) =>
    !/<ZPNetworkInfo/.test(body) && (/cmdline=['"]\/sbin\/ifconfig['"]/.test(body) || /^[A-Za-z0-9_.:@-]+:?\s+(Link encap:|flags=)/m.test(body)),
  extracts: [
    {
      area: 'traffic',
      parse: async (page, ctx) => trafficLines(parseIfconfig(await commandText(page, ctx, IFCONFIG, IFCONFIG_TITLE), IFCONFIG_TITLE, ctx.omit), ctx, {}, page),
    },
  ],
};

const RADIO_TITLE = 'Radio status (/status/proc/ath_rincon/status)';
const radio: PageSpec = {
  key: 'sonos-radio',
  path: '/status/proc/ath_rincon/status',
  title: RADIO_TITLE,
  recognize: (body) => /Noise Floor:|OFDM ANI level/.test(body) && !/<ZPNetworkInfo/.test(body),
  extracts: [
    {
      area: 'radio',
      parse: async (page, ctx) => [{ name: 'homenet_radio', tags: {}, fields: radioFields(await commandText(page, ctx, RADIO_FILE, RADIO_TITLE), RADIO_TITLE, ctx.omit) }],
    },
  ],
};

const HINTS: Readonly<Record<number, string>> = {
  403: 'local access disabled (HTTP 403): the owner turned off local network (UPnP) control; turn it back on in the Sonos app under the system\'s network settings',
};

/** One speaker: identity from /status/zp (else the device description), traffic from /status/ifconfig. */
export const sonosFamily: Family = {
  name: 'sonos',
  description: 'Sonos speaker',
  // The first page is only fetched for areas that need it; identity comes first anyway.
  pages: [zp, ifconfig, description, radio],
  optInAreas: ['radio'],
  statusHints: HINTS,
};

// ----- the whole household from one speaker

const REVIEW_TITLE = 'Household review (/support/review)';

/** Every speaker of a review page with a unique host tag: its zone name (plus serial when two share one). */
async function speakers(page: PageText, ctx: ExtractContext): Promise<{ host: string; section: SupportSection }[]> {
  const sections = (await sectionsOf(page, ctx)).filter((s) => s.info.has('ZoneName'));
  if (sections.length === 0) throw new ParseError(`${REVIEW_TITLE}: no <ZPSupportInfo> with a <ZoneName>`);
  const count = new Map<string, number>();
  const zoneOf = (s: SupportSection): string => cleanTag(s.info.get('ZoneName') ?? '');
  for (const s of sections) count.set(zoneOf(s), (count.get(zoneOf(s)) ?? 0) + 1);
  return sections.map((section) => {
    const zone = zoneOf(section);
    const serial = cleanTag(section.info.get('SerialNumber') ?? '');
    if (zone === '') return { host: serial !== '' ? serial : 'unnamed speaker', section };
    return { host: (count.get(zone) ?? 0) > 1 && serial ? `${zone} ${serial}` : zone, section };
  });
}

const review: PageSpec = {
  key: 'sonos-review',
  path: '/support/review',
  title: REVIEW_TITLE,
  recognize: (body) => /<ZPNetworkInfo/.test(body),
  extracts: [
    {
      area: 'traffic',
      parse: async (page, ctx) => {
        const lines = (await speakers(page, ctx)).flatMap(({ host, section }) => {
          const where = `${REVIEW_TITLE}: ${host}`;
          const text = section.commands.get(IFCONFIG);
          // No speaker is dropped silently: its graphs stop, so say why.
          if (text === undefined) {
            ctx.omit(`${where}: no <Command cmdline='/sbin/ifconfig'> output in its section: its traffic left out`);
            return [];
          }
          try {
            return trafficLines(parseIfconfig(text, where, ctx.omit), ctx, { host }, page);
          } catch (err) {
            // One speaker's unreadable text costs that speaker only.
            if (!(err instanceof ParseError)) throw err;
            ctx.omit(`${err.message}: its traffic left out`);
            return [];
          }
        });
        if (lines.length === 0) throw new ParseError(`${REVIEW_TITLE}: no speaker's counters are readable`);
        return lines;
      },
    },
    {
      area: 'system',
      parse: async (page, ctx) =>
        (await speakers(page, ctx)).flatMap(({ host, section }) => {
          const line = systemLine((k) => section.info.get(k), { host });
          return line ? [line] : [];
        }),
    },
    {
      area: 'radio',
      parse: async (page, ctx) =>
        (await speakers(page, ctx)).flatMap(({ host, section }) => {
          const text = section.files.get(RADIO_FILE);
          if (text === undefined) return [];
          try {
            return [{ name: 'homenet_radio', tags: { host }, fields: radioFields(text, `${REVIEW_TITLE}: ${host}`, ctx.omit) }];
          } catch (err) {
            if (!(err instanceof ParseError)) throw err;
            ctx.omit(`${err.message}: its radio line left out`);
            return [];
          }
        }),
    },
  ],
};

/** The household through one speaker: every speaker's lines from one request. */
export const sonosHouseholdFamily: Family = {
  name: 'sonos-household',
  description: 'Sonos household (support review)',
  pages: [review],
  optInAreas: ['radio'],
  statusHints: HINTS,
};

export const sonos: DeviceKind = {
  type: 'sonos',
  description: 'one Sonos speaker (http://IP:1400)',
  notFoundHint: 'a Sonos speaker answers on port 1400: http://IP:1400',
  families: [sonosFamily],
};

export const sonosHousehold: DeviceKind = {
  type: 'sonos-household',
  description: 'every Sonos speaker of a household, through any one of them (http://IP:1400)',
  notFoundHint: 'a Sonos speaker answers on port 1400: http://IP:1400',
  families: [sonosHouseholdFamily],
};
