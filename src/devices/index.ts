/**
 * The registry of device kinds (config `type` -> kind), the catalogue of
 * everything they print, and running a page's extracts (the collector's and
 * the offline `parse` command's).
 */
import { att, attBgw, attPace } from './att/index.js';
import { sonos, sonosHousehold } from './sonos/index.js';
import { ParseError, readHtml, UNPACED, type Doc, type Pace } from '../html/index.js';
import type { Metric } from '../lineprotocol.js';
import { Catalogue } from './catalogue.js';
import { USAGE } from './vocabulary.js';

export { SCRAPE_MEASUREMENT, SYSTEM_MEASUREMENT } from './vocabulary.js';
import { kindAreas, type Area, type DeviceKind, type Family, type PageSpec, type PageText, type ParseContext } from './kind.js';

export type { Area, CommandIo, KindCommand, DeviceKind, Family, Login, PageSpec, PageText, PanelMark, PanelQuery, PanelSpec } from './kind.js';
export { defaultAreas, kindAreas, LoginRefused, namesItself, SettingError } from './kind.js';
export { Catalogue, isType, type FieldSpec } from './catalogue.js';

const kinds = new Map<string, DeviceKind>([att, attPace, attBgw, sonos, sonosHousehold].map((k) => [k.type, k]));

/** Every supported device kind by its config `type`, in the order they were registered. */
export const DEVICE_KINDS: ReadonlyMap<string, DeviceKind> = kinds;

/**
 * Adds a device kind: its type is then accepted by the config, collected,
 * totalled, shown, drawn and masked like the built-in ones (which are
 * registered above; this is for kinds defined elsewhere, a test's).
 * @throws Error when the type is taken.
 */
export function registerKind(kind: DeviceKind): void {
  if (kinds.has(kind.type)) throw new Error(`device type ${kind.type} is registered already`);
  kinds.set(kind.type, kind);
  built = undefined;
}

/** The catalogue last built: the same kinds and measurement give the same one (every gather asks for it). */
let built: Catalogue | undefined;

/** What every registered kind prints, with the traffic lines under `trafficMeasurement`. */
export function catalogue(trafficMeasurement: string): Catalogue {
  if (built?.trafficMeasurement !== trafficMeasurement) {
    const all = [...kinds.values()];
    // The data used in a billing period is printed for every gateway, whatever its make.
    built = new Catalogue([...all.flatMap((k) => k.catalogue), ...(all.some((k) => k.role === 'gateway') ? [USAGE] : [])], trafficMeasurement);
  }
  return built;
}

/** Each distinct value of a kind declaration across the registered kinds (kinds of one make share theirs), in order. */
export function declared<T>(of: (kind: DeviceKind) => readonly T[] | undefined, only?: (kind: DeviceKind) => boolean): T[] {
  const seen = new Set<T>();
  for (const k of kinds.values()) if (!only || only(k)) for (const v of of(k) ?? []) seen.add(v);
  return [...seen];
}

/** A `--device` value for help texts and messages: the first kind with an example URL, with it. */
export function exampleDevice(): string {
  const kind = [...kinds.values()].find((k) => k.exampleUrl !== undefined);
  return kind ? `${kind.type}=${kind.exampleUrl ?? ''}` : 'TYPE=http://192.0.2.1';
}

/** The known types, for messages and help. */
export function knownTypes(): string[] {
  return [...DEVICE_KINDS.keys()];
}

/** A saved page: where it came from (for messages) and its text. */
interface SavedPage {
  readonly name: string;
  readonly body: string;
}

/** Saved pages that are not pages of one family of the kind: the user's mistake (`parse` exits 2), not a bug. */
export class PagesRefused extends Error {
  override name = 'PagesRefused';
}

/** Saved pages recognised as pages of one family. */
interface RecognizedPages {
  readonly family: Family;
  readonly pages: ReadonlyMap<PageSpec, PageText>;
}

/**
 * Recognises each saved page by its content, as a page of one family of the
 * kind. Used by the offline `parse` command and the fixture tests. Pages are
 * judged by what they say, and a page that reads as a page of several
 * families (a stripped system page) goes with the family that reads all of
 * them, the kind's first such family.
 * @throws PagesRefused naming a file that is no page of this kind, a page given twice, or pages of two families.
 */
function recognizePages(kind: DeviceKind, saved: readonly SavedPage[]): RecognizedPages {
  if (saved.length === 0) throw new PagesRefused('no pages given');
  const matches = saved.map((file) => {
    const specs = new Map<Family, PageSpec>();
    for (const f of kind.families) {
      const p = f.pages.find((page) => page.recognize(file.body));
      if (p) specs.set(f, p);
    }
    if (specs.size === 0) {
      const expected = kind.families.flatMap((f) => f.pages.map((p) => p.title)).join(', ');
      throw new PagesRefused(`${file.name}: not a page that type "${kind.type}" reads (it reads: ${expected})`);
    }
    return { file, specs };
  });
  const family = kind.families.find((f) => matches.every((m) => m.specs.has(f)));
  if (!family) {
    const first = matches[0];
    const firstFamily = first ? [...first.specs.keys()][0] : undefined;
    const odd = matches.find((m) => firstFamily === undefined || !m.specs.has(firstFamily));
    const oddFamily = odd ? [...odd.specs.keys()][0] : undefined;
    throw new PagesRefused(`${odd?.file.name ?? ''}: a ${oddFamily?.description ?? ''} page, but ${first?.file.name ?? ''} is a ${firstFamily?.description ?? ''} page`);
  }
  const pages = new Map<PageSpec, PageText>();
  const from = new Map<PageSpec, string>();
  for (const { file, specs } of matches) {
    const spec = specs.get(family);
    if (!spec) continue;
    const earlier = from.get(spec);
    if (earlier !== undefined) throw new PagesRefused(`${file.name}: the same page as ${earlier}`);
    from.set(spec, file.name);
    pages.set(spec, { body: file.body });
  }
  return { family, pages };
}

/** One area that could not be read from one page. */
interface AreaFailure {
  readonly area: Area;
  readonly page: PageSpec;
  readonly message: string;
}

/** One value left out of an area's lines (the rest of the area printed). */
type Omission = AreaFailure;

/** What the extracts of one page gave: lines, areas that failed, values left out. */
interface Extracted {
  readonly metrics: Metric[];
  readonly failures: AreaFailure[];
  readonly omitted: Omission[];
}

/** What a page's extracts read from it once for all of them. */
class PageReads {
  private readonly memos = new Map<string, Promise<unknown>>();

  constructor(
    private readonly body: string,
    private readonly pace: Pace,
  ) {}

  memo<T>(key: string, read: (body: string, pace: Pace) => Promise<T>): Promise<T> {
    let p = this.memos.get(key) as Promise<T> | undefined;
    if (!p) {
      p = read(this.body, this.pace);
      this.memos.set(key, p);
    }
    return p;
  }

  html(): Promise<Doc> {
    return this.memo('html', readDoc);
  }
}

async function readDoc(body: string, pace: Pace): Promise<Doc> {
  return (await readHtml(body, pace)).doc;
}

/**
 * Runs the extracts of one page for the chosen areas. A ParseError costs
 * only its own area (and what it had left out is not reported twice); an
 * odd value costs only itself; other errors (bugs) are thrown. The page is
 * read once for all its extracts, paced by `pace` (the collector's stops at
 * the device's time limit).
 */
export async function extractPage(spec: PageSpec, page: PageText, ctx: ParseContext, areas: ReadonlySet<Area>, pace: Pace = UNPACED): Promise<Extracted> {
  const metrics: Metric[] = [];
  const failures: AreaFailure[] = [];
  const omitted: Omission[] = [];
  const reads = new PageReads(page.body, pace);
  // Methods, bound: not closures made per page (see TreeBuilder in html/index.ts).
  const html = reads.html.bind(reads);
  const memo = reads.memo.bind(reads);
  for (const extract of spec.extracts) {
    if (!areas.has(extract.area)) continue;
    const mine: Omission[] = [];
    const omit = (message: string): void => {
      mine.push({ area: extract.area, page: spec, message });
    };
    try {
      metrics.push(...(await extract.parse(page, { ...ctx, omit, pace, html, memo })));
      omitted.push(...mine);
    } catch (err) {
      if (!(err instanceof ParseError)) throw err;
      failures.push({ area: extract.area, page: spec, message: err.message });
    }
  }
  return { metrics, failures, omitted };
}

/**
 * Parses saved pages of one device offline, every area they hold: the
 * `parse` command and the fixture tests. The lines get `tags`; their host is
 * `tags.host`, else the name a page gives the device (a Sonos zone), else
 * `defaultHost`.
 * @throws PagesRefused when a page is no page of this kind (see recognizePages).
 */
export async function parseSaved(kind: DeviceKind, saved: readonly SavedPage[], measurement: string, tags: Readonly<Record<string, string>>, defaultHost?: string): Promise<Extracted> {
  const { pages } = recognizePages(kind, saved);
  let named: string | undefined;
  const omitted: Omission[] = [];
  for (const [spec, page] of pages) {
    if (named !== undefined || tags['host'] !== undefined) break;
    const id = await spec.identify?.(page, UNPACED);
    named = id?.host;
    // Said as the collector says it; `host` stands where an area would.
    if (id?.note !== undefined) omitted.push({ area: 'host', page: spec, message: id.note });
  }
  const host = tags['host'] ?? named ?? defaultHost;
  const lineTags = host === undefined ? tags : { ...tags, host };
  const metrics: Metric[] = [];
  const failures: AreaFailure[] = [];
  for (const [spec, page] of pages) {
    const r = await extractPage(spec, page, { measurement }, new Set(kindAreas(kind)));
    metrics.push(...r.metrics.map((m) => ({ ...m, tags: { ...lineTags, ...m.tags } })));
    failures.push(...r.failures);
    omitted.push(...r.omitted);
  }
  return { metrics, failures, omitted };
}
