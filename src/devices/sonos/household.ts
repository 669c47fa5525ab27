/** The whole Sonos household through one speaker: every speaker's lines from one `/support/review` request. */
import { cleanTag } from '../../lineprotocol.js';
import { ParseError } from '../../html/index.js';
import type { ExtractContext, Family, PageSpec } from '../kind.js';
import { IFCONFIG, parseIfconfig, RADIO_FILE, radioFields, systemLine, trafficLines } from './readings.js';
import { HINTS, tooLong } from './speaker.js';
import { sectionsOf, type SupportSection } from './support.js';
import { RADIO_MEASUREMENT } from './catalogue.js';

const REVIEW_TITLE = 'Household review (/support/review)';

/**
 * Speakers read of one household page. A real household has a few dozen at
 * most; a page of 4 MiB could name thousands, each a host with series of
 * its own in the output and the state file.
 */
export const MAX_SPEAKERS = 64;

/**
 * Every speaker of a review page with a unique host tag: its zone name (plus
 * serial when two share one); the first {@link MAX_SPEAKERS}. A name cut to
 * fit a tag, and the speakers left out past them, are said once, by the
 * first of the page's extracts: every area's lines carry the same names.
 */
async function speakers(ctx: ExtractContext): Promise<{ host: string; section: SupportSection }[]> {
  const sections = (await sectionsOf(ctx)).filter((s) => s.info.has('ZoneName'));
  if (sections.length === 0) throw new ParseError(`${REVIEW_TITLE}: no <ZPSupportInfo> with a <ZoneName>`);
  let first = false;
  await ctx.memo('sonos-review-names', () => Promise.resolve((first = true)));
  if (sections.length > MAX_SPEAKERS) {
    const leftOut = `${REVIEW_TITLE}: ${sections.length} speakers listed, more than the ${MAX_SPEAKERS} a household is read for: ${sections.length - MAX_SPEAKERS} left out (all their lines)`;
    await ctx.memo('sonos-review-left-out', () => {
      ctx.omit(leftOut);
      return Promise.resolve(true);
    });
  }
  const count = new Map<string, number>();
  const zoneOf = (s: SupportSection, cut?: (n: number) => void): string => cleanTag(s.info.get('ZoneName') ?? '', cut);
  for (const s of sections) count.set(zoneOf(s), (count.get(zoneOf(s)) ?? 0) + 1);
  return sections.slice(0, MAX_SPEAKERS).map((section) => {
    const serial = cleanTag(section.info.get('SerialNumber') ?? '');
    // The speaker keeps its lines under the name cut short, and says so.
    const said = (n: number): void => {
      ctx.omit(tooLong(`${REVIEW_TITLE}: speaker ${serial || '(no serial)'}`, 'ZoneName', n));
    };
    const zone = zoneOf(section, first ? said : undefined);
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
        const lines = (await speakers(ctx)).flatMap(({ host, section }) => {
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
      parse: async (_page, ctx) =>
        (await speakers(ctx)).flatMap(({ host, section }) => {
          const line = systemLine((k) => section.info.get(k), { host });
          return line ? [line] : [];
        }),
    },
    {
      area: 'radio',
      parse: async (_page, ctx) =>
        (await speakers(ctx)).flatMap(({ host, section }) => {
          const text = section.files.get(RADIO_FILE);
          if (text === undefined) return [];
          try {
            return [{ name: RADIO_MEASUREMENT, tags: { host }, fields: radioFields(text, `${REVIEW_TITLE}: ${host}`, ctx.omit) }];
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
