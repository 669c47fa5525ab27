/** Registry: config `type` -> device kind; recognising saved pages. */
import { att, attBgw, attPace } from './att.js';
import { sonos, sonosHousehold } from './sonos.js';
import { ParseError } from '../html.js';
import type { Metric } from '../lineprotocol.js';
import { AREAS, type Area, type DeviceKind, type Family, type PageSpec, type PageText, type ParseContext } from './kind.js';

export type { Area, DeviceKind, Extract, Family, Identity, LoginSpec, PageSpec, PageText, ParseContext } from './kind.js';
export { AREAS, defaultAreas, kindAreas } from './kind.js';

/** Every supported device kind by its config `type`. */
export const DEVICE_KINDS: ReadonlyMap<string, DeviceKind> = new Map(
  [att, attPace, attBgw, sonos, sonosHousehold].map((k) => [k.type, k]),
);

/** The known types, for messages and help. */
export function knownTypes(): string[] {
  return [...DEVICE_KINDS.keys()];
}

/** A saved page: where it came from (for messages) and its text. */
export interface SavedPage {
  readonly name: string;
  readonly body: string;
}

/** Saved pages recognised as pages of one family. */
export interface RecognizedPages {
  readonly family: Family;
  readonly pages: ReadonlyMap<PageSpec, PageText>;
}

/**
 * Recognises each saved page by its content, as a page of one family of the
 * kind. Used by the offline `parse` command and the fixture tests.
 * @throws Error naming a file that is no page of this kind, a page given twice, or pages of two families.
 */
export function recognizePages(kind: DeviceKind, saved: readonly SavedPage[]): RecognizedPages {
  const pages = new Map<PageSpec, PageText>();
  const from = new Map<PageSpec, string>();
  let family: Family | undefined;
  for (const file of saved) {
    const match = kind.families
      .flatMap((f) => f.pages.map((p) => ({ f, p })))
      .find(({ p }) => p.recognize(file.body));
    if (!match) {
      const expected = kind.families.flatMap((f) => f.pages.map((p) => p.title)).join(', ');
      throw new Error(`${file.name}: not a page that type "${kind.type}" reads (it reads: ${expected})`);
    }
    if (family !== undefined && family !== match.f) {
      throw new Error(`${file.name}: a ${match.f.description} page, but the others are ${family.description} pages`);
    }
    family = match.f;
    const earlier = from.get(match.p);
    if (earlier !== undefined) throw new Error(`${file.name}: the same page as ${earlier}`);
    from.set(match.p, file.name);
    pages.set(match.p, { body: file.body });
  }
  if (!family) throw new Error('no pages given');
  return { family, pages };
}

/** One area that could not be read from one page. */
export interface AreaFailure {
  readonly area: Area;
  readonly page: PageSpec;
  readonly message: string;
}

/**
 * Runs the extracts of one page for the chosen areas. A ParseError costs
 * only its own area; other errors (bugs) are thrown.
 */
export function extractPage(
  spec: PageSpec,
  page: PageText,
  ctx: ParseContext,
  areas: ReadonlySet<Area>,
): { metrics: Metric[]; failures: AreaFailure[] } {
  const metrics: Metric[] = [];
  const failures: AreaFailure[] = [];
  for (const extract of spec.extracts) {
    if (!areas.has(extract.area)) continue;
    try {
      metrics.push(...extract.parse(page, ctx));
    } catch (err) {
      if (!(err instanceof ParseError)) throw err;
      failures.push({ area: extract.area, page: spec, message: err.message });
    }
  }
  return { metrics, failures };
}

/**
 * Parses saved pages of one device offline, every area they hold: the
 * `parse` command and the fixture tests. The lines get `tags`; their host is
 * `tags.host`, else the name a page gives the device (a Sonos zone), else
 * `defaultHost`.
 * @throws Error when a page is no page of this kind (see recognizePages).
 */
export function parseSaved(
  kind: DeviceKind,
  saved: readonly SavedPage[],
  measurement: string,
  tags: Readonly<Record<string, string>>,
  defaultHost?: string,
): { metrics: Metric[]; failures: AreaFailure[] } {
  const { pages } = recognizePages(kind, saved);
  const named = [...pages].map(([spec, page]) => spec.identify?.(page)?.host).find((h) => h !== undefined);
  const host = tags['host'] ?? named ?? defaultHost;
  const lineTags = host === undefined ? tags : { ...tags, host };
  const metrics: Metric[] = [];
  const failures: AreaFailure[] = [];
  for (const [spec, page] of pages) {
    const r = extractPage(spec, page, { measurement }, new Set(AREAS));
    metrics.push(...r.metrics.map((m) => ({ ...m, tags: { ...lineTags, ...m.tags } })));
    failures.push(...r.failures);
  }
  return { metrics, failures };
}
