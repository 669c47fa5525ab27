/** One Sonos speaker: identity from /status/zp (else the device description), traffic from /status/ifconfig. */
import { cleanTag, MAX_DEVICE_TAG_CHARS } from '../../lineprotocol.js';
import { ParseError } from '../../html/index.js';
import type { ExtractContext, Family, PageSpec } from '../kind.js';
import { commandText, hardwareAddress, IFCONFIG, parseIfconfig, RADIO_FILE, radioFields, systemLine, trafficLines } from './readings.js';
import { readableSections, sectionsOf } from './support.js';
import { RADIO_MEASUREMENT } from './catalogue.js';

const ZP_TITLE = 'Zone Player status (/status/zp)';
const zp: PageSpec = {
  key: 'sonos-zp',
  path: '/status/zp',
  title: ZP_TITLE,
  recognize: (body) => /<ZPInfo>/.test(body) && !/<ZPNetworkInfo/.test(body) && !/cmdline=/.test(body),
  extracts: [],
  identify: async (page, pace) => {
    let note: string | undefined;
    const zone = cleanTag((await readableSections(page.body, pace))[0]?.info.get('ZoneName') ?? '', (n) => (note = tooLong(ZP_TITLE, 'ZoneName', n)));
    return zone ? { host: zone, ...(note !== undefined ? { note } : {}) } : undefined;
  },
};

/** The note of a name cut to fit a tag. */
export function tooLong(title: string, element: string, chars: number): string {
  return `${title}: <${element}> is ${chars} characters long: the host tag keeps its first ${MAX_DEVICE_TAG_CHARS - 1} and "…"`;
}

const DESCRIPTION_TITLE = 'Device description (/xml/device_description.xml)';
/** How often execd reads a speaker's description again (a firmware update shows within this). */
export const DESCRIPTION_REFRESH_MS = 10 * 60_000;
async function deviceFields(ctx: ExtractContext): Promise<Map<string, string>> {
  const d = (await sectionsOf(ctx))[0]?.device;
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
      parse: async (_page, ctx) => {
        const d = await deviceFields(ctx);
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
    let note: string | undefined;
    const room = cleanTag(d.get('roomName') ?? '', (n) => (note = tooLong(DESCRIPTION_TITLE, 'roomName', n)));
    const serial = cleanTag(d.get('serialNum') ?? '');
    return room ? { host: serial ? `${room} ${serial}` : room, ...(note !== undefined ? { note } : {}) } : undefined;
  },
};

const IFCONFIG_TITLE = 'Network interfaces (/status/ifconfig)';
const ifconfig: PageSpec = {
  key: 'sonos-ifconfig',
  path: '/status/ifconfig',
  title: IFCONFIG_TITLE,
  // The XML page, or its bare text as a user may have saved it.
  recognize: (body) => !/<ZPNetworkInfo/.test(body) && (/cmdline=['"]\/sbin\/ifconfig['"]/.test(body) || /^[A-Za-z0-9_.:@-]+:?\s+(Link encap:|flags=)/m.test(body)),
  extracts: [
    {
      area: 'traffic',
      parse: async (page, ctx) => trafficLines(parseIfconfig(await commandText(page, ctx, IFCONFIG, IFCONFIG_TITLE), IFCONFIG_TITLE, ctx.omit), ctx, {}, page),
    },
  ],
  // Read every gather: a speaker swapped in at this address is named at once.
  hardware: hardwareAddress,
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
      parse: async (page, ctx) => [{ name: RADIO_MEASUREMENT, tags: {}, fields: radioFields(await commandText(page, ctx, RADIO_FILE, RADIO_TITLE), RADIO_TITLE, ctx.omit) }],
    },
  ],
};

export const HINTS: Readonly<Record<number, string>> = {
  403: "local access disabled (HTTP 403): the owner turned off local network (UPnP) control; turn it back on in the Sonos app under the system's network settings",
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
