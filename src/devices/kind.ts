/**
 * What a device kind is: families of page layouts, the pages each family
 * serves, and pure extract functions that turn one page's text into metrics.
 * Extracts see page text only (no network, clock, environment or files), so
 * they are tested on fixture files and reused by the offline `parse` command;
 * only the collector fetches.
 */
import type { Doc, Pace } from '../html.js';
import type { Metric } from '../lineprotocol.js';

/** What a user can choose to collect (`collect = ...` in the config). */
export type Area = 'traffic' | 'line' | 'lan' | 'system' | 'nat' | 'radio';
export const AREAS: readonly Area[] = ['traffic', 'line', 'lan', 'system', 'nat', 'radio'];

/** A page's text, with the fetch timings when it came over the network. */
export interface PageText {
  readonly body: string;
  /** Whole request in ms; absent for pages read from files. */
  readonly totalMs?: number;
  /** Time to first byte in ms; absent for pages read from files. */
  readonly ttfbMs?: number;
  /** When the page arrived, ns since the epoch; absent for pages read from files. */
  readonly receivedNs?: bigint;
}

/** Settings that change what a parser names its output. */
export interface ParseContext {
  /** Measurement of the traffic counters (`measurement` in the config). */
  readonly measurement: string;
  /**
   * Interfaces to print (`interfaces` in the config): these names, `all` (all
   * but `lo`), or undefined: `br0` and any other that has counted a packet.
   */
  readonly interfaces?: ReadonlySet<string> | 'all';
}

/**
 * What an extract is given: the settings, and where to report a value it
 * left out. A value that is missing, unreadable or outside its field's type
 * costs only itself (DESIGN.md): the extract leaves the field out, says so
 * here (one sentence naming the page, the label and what was there) and
 * prints the rest of the line.
 */
export interface ExtractContext extends ParseContext {
  readonly omit: (message: string) => void;
  /** Called between slices of a long read: yields to other devices, stops at the device's time limit. */
  readonly pace: Pace;
  /** The page's HTML tree, read once for all the page's extracts. */
  readonly html: () => Promise<Doc>;
  /** Something read from the page once for all its extracts (a household's sections), by key. */
  readonly memo: <T>(key: string, read: () => Promise<T>) => Promise<T>;
}

/** Who a device says it is: the host tag it should get unless the config names one. */
export interface Identity {
  readonly host: string;
}

/** One area's metrics from one page. */
export interface Extract {
  readonly area: Area;
  /**
   * Metrics of this area found on the page; tags identify the series within
   * the device (the collector adds `host` and the global tags). Returns []
   * when the page has no such section (a fiber line has no DSL details).
   * Values left out are reported through `ctx.omit`.
   * @throws ParseError when a section is there but none of its key values is readable, naming the label and the page.
   */
  parse(page: PageText, ctx: ExtractContext): Metric[] | Promise<Metric[]>;
}

/** One page a device family serves. */
export interface PageSpec {
  /** Stable name, used in messages and by `parse`. */
  readonly key: string;
  /** Path and query, relative to the device URL. */
  readonly path: string;
  /** What the page is called on the device, for messages. */
  readonly title: string;
  /** Whether this text is this page, judged from its content. */
  recognize(body: string): boolean;
  readonly extracts: readonly Extract[];
  /** Some models lack this page: a 404 skips it quietly. */
  readonly optional?: boolean;
  /** Served only after logging in with the device's access code. */
  readonly login?: boolean;
  /**
   * The page only describes the device (model, firmware, serial) and changes
   * with a firmware update at most: a long-lived process (execd) reads it
   * again after this many ms and repeats what it said in between.
   */
  readonly describesMs?: number;
  /**
   * The device's own name for itself, for its host tag. Pages with this are
   * read (in order, until one answers) before any area, once per process.
   * Resolves undefined, never rejects, when the page names nobody (or
   * cannot be read in time).
   */
  readonly identify?: (page: PageText, pace: Pace) => Promise<Identity | undefined>;
}

/** How a family logs in (the pure parts; the collector does the requests). */
export interface LoginSpec {
  readonly loginPath: string;
  readonly logoutPath: string;
  /** The per-request nonce of the login page, or undefined when it has none. */
  nonce(body: string): string | undefined;
  /** The login form for this access code and nonce; `md5` is given (node:crypto loads only for logins). */
  form(accessCode: string, nonce: string, md5: (text: string) => string): URLSearchParams;
  /** Whether a page is the login page (the session is missing or expired). */
  isLoginPage(body: string): boolean;
  /** Whether the device refuses logins because its session pool is full. */
  sessionsExhausted(body: string): boolean;
}

/** A set of models that share page layouts. */
export interface Family {
  readonly name: string;
  readonly description: string;
  /** Pages in fetch order; the first one identifies the family when a kind has several. */
  readonly pages: readonly PageSpec[];
  readonly login?: LoginSpec;
  /** Areas read only when `collect` names them (a radio counter that resets when read). */
  readonly optInAreas?: readonly Area[];
  /** What an HTTP status means on this family, for the log line (a Sonos 403). */
  readonly statusHints?: Readonly<Record<number, string>>;
}

/** A config `type`. */
export interface DeviceKind {
  readonly type: string;
  readonly description: string;
  /** What to check when the address has none of this kind's pages (its first page answers 404). */
  readonly notFoundHint: string;
  /** Tried in order until one's first page answers; the answer is kept for the run. */
  readonly families: readonly Family[];
}

/** Areas collected when the config does not say: everything that needs no login and is not opt-in. */
export function defaultAreas(family: Family): ReadonlySet<Area> {
  let areas = defaults.get(family);
  if (!areas) {
    const optIn = new Set(family.optInAreas ?? []);
    areas = new Set(family.pages.filter((p) => p.login !== true).flatMap((p) => p.extracts.map((e) => e.area)).filter((a) => !optIn.has(a)));
    defaults.set(family, areas);
  }
  return areas;
}
const defaults = new WeakMap<Family, ReadonlySet<Area>>();

/** Every area some page of the kind can feed, in {@link AREAS} order. */
export function kindAreas(kind: DeviceKind): Area[] {
  const have = new Set(kind.families.flatMap((f) => f.pages.flatMap((p) => p.extracts.map((e) => e.area))));
  return AREAS.filter((a) => have.has(a));
}
