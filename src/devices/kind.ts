/**
 * What a device kind is: families of page layouts, the pages each family
 * serves, and pure extract functions that turn one page's text into metrics.
 * Extracts see page text only (no network, clock, environment or files), so
 * they are tested on fixture files and reused by the offline `parse` command;
 * only the collector fetches.
 */
import type { Doc, Pace } from '../html/index.js';
import type { Metric } from '../lineprotocol.js';
import type { MeasurementSpec } from './catalogue.js';

/**
 * What a user can choose to collect (`collect = ...` in the config): a name
 * a kind's extracts give their lines (`traffic`, `line`, `nat` ...).
 */
export type Area = string;
/**
 * The order the areas any make may have are listed in messages; a kind's own
 * areas (a gateway's `nat`, a speaker's `radio`) follow in the order its pages feed them.
 */
const AREAS: readonly Area[] = ['traffic', 'line', 'lan', 'system'];

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
  /** The device's settings from the config keys its kind declares ({@link KindKey}), by key. */
  readonly settings?: Readonly<Record<string, unknown>>;
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
  /** Something read from the page once for all its extracts (a household's sections), by key; `read` gets the page's text and the pace. */
  readonly memo: <T>(key: string, read: (body: string, pace: Pace) => Promise<T>) => Promise<T>;
}

/** Who a device says it is: the host tag it should get unless the config names one. */
interface Identity {
  readonly host: string;
  /** What was changed in the name to make it a tag (a name cut to its first characters): one `W!` line. */
  readonly note?: string;
}

/** One area's metrics from one page. */
interface Extract {
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
  /**
   * The device's hardware address as this page shows it (a speaker's
   * ifconfig), for a page read every gather: when it changes, another device
   * answers at the URL (DHCP gave a swapped-in speaker the old one's
   * address), and its name and description are read again at once.
   * Undefined when the page shows none.
   */
  readonly hardware?: (body: string) => string | undefined;
}

/** A secret a kind's login needs, read from `<key>_file` or `<key>_env` in the device's section (never from argv). */
export interface SecretSpec {
  /** `access_code`: the keys are `access_code_file` and `access_code_env`. */
  readonly key: string;
  /** What it is called in messages: `access code`. */
  readonly what: string;
  /** Whose it is: `gateway`. */
  readonly whose: string;
  /** An environment variable name to show in a message: `ATT_ACCESS_CODE`. */
  readonly envExample: string;
}

/** The requests a login may make: the device's own, under its time limit, never logged. */
interface LoginHttp {
  fetch(path: string, extra?: { readonly form?: URLSearchParams; readonly cookie?: string }): Promise<{ readonly body: string; readonly cookies: readonly string[] }>;
}

/** A login that did not give a session: where, why, and how long not to try again (a full session pool). */
export class LoginRefused extends Error {
  override name = 'LoginRefused';
  constructor(
    readonly path: string,
    message: string,
    readonly backoffMs?: number,
  ) {
    super(message);
  }
}

/**
 * How a family logs in. The collector calls it for pages marked `login`
 * (the areas those pages feed are what a failed login costs), keeps the
 * session between gathers of a long-lived process and logs out.
 */
export interface Login {
  readonly secret: SecretSpec;
  readonly logoutPath: string;
  /** Whether a page is the login page (the session is missing or expired). */
  isLoginPage(body: string): boolean;
  /**
   * Logs in with the secret.
   * @returns the session's cookie header.
   * @throws LoginRefused naming the page and why.
   */
  logIn(secret: string, http: LoginHttp): Promise<string>;
}

/** A set of models that share page layouts. */
export interface Family {
  readonly name: string;
  readonly description: string;
  /** Pages in fetch order; the first one identifies the family when a kind has several. */
  readonly pages: readonly PageSpec[];
  readonly login?: Login;
  /** Areas read only when `collect` names them (a radio counter that resets when read). */
  readonly optInAreas?: readonly Area[];
  /** What an HTTP status means on this family, for the log line (a Sonos 403). */
  readonly statusHints?: Readonly<Record<number, string>>;
}

/** A config key only some kinds read (`interfaces` of a speaker). */
export interface KindKey {
  readonly name: string;
  /**
   * The setting from the key's text (trimmed), kept in the device's
   * `settings` under the key's name.
   * @throws SettingError saying what is wrong with it (the config adds the file, section and key).
   */
  read(text: string): unknown;
}

/** A config value a kind refuses; the message says why, without the file, section and key (a kind's command: with the option). */
export class SettingError extends Error {
  override name = 'SettingError';
}

/** Something `capture` replaces on a kind's pages before they are shared, beyond what every page gets (addresses, serials). */
export interface MaskSpec {
  /** What it is (`rincon`): equal values get one placeholder across the run. */
  readonly kind: string;
  /** Global regular expression for it. */
  readonly pattern: RegExp;
  /** The n-th distinct value's placeholder. */
  placeholder(n: number): string;
}

/** One query of a dashboard panel. */
export interface PanelQuery {
  /** Undefined: the traffic measurement (the config's `measurement`). */
  readonly measurement?: string;
  /** As printed by default; a counter is read from its `*_total` when there are totals, a traffic field by its Telegraf name with `schema = telegraf`. */
  readonly field: string;
  readonly fn: 'max' | 'mean' | 'last' | 'count' | 'sum';
  /** Per-second rate of a counter (non-negative derivative). */
  readonly rate?: boolean;
  /** Multiplies the value: 8 turns bytes into bits; a negative scale draws the direction out of the home below the axis. */
  readonly scale?: number;
  /** Tag values the series must have; an empty value: the tag must be absent. */
  readonly tags?: Readonly<Record<string, string>>;
  readonly groupBy: readonly string[];
  /** Grafana alias, `$tag_host in`. */
  readonly alias: string;
}

/** Events drawn on every panel where a field's reading changed from the one before (a DSL retrain: the sync rate moved). */
export interface PanelMark {
  /** The annotation's name, its toggle at the top of the dashboard. */
  readonly name: string;
  readonly measurement: string;
  readonly field: string;
  readonly tags?: Readonly<Record<string, string>>;
  /** The series compared: a change is between two readings of one of them. */
  readonly groupBy: readonly string[];
  /** Only a fall (an uptime: a reboot), or any change. */
  readonly when: 'fell' | 'changed';
  /** The event's text, before the change and its unit. */
  readonly text: string;
  readonly unit: string;
}

/** A dashboard panel a kind contributes (kinds of one make share theirs). */
export interface PanelSpec {
  readonly title: string;
  /** `wrap` is replaced by a sentence on how counter wraps show with the chosen fields. */
  readonly description: string;
  /** Grafana unit id of the panel's one axis (`bps`, `dB`, `dBm`, `short` ...): every query of a panel shares it. */
  readonly unit: string;
  readonly queries: readonly PanelQuery[];
  /** The dashboard row it is drawn in (`Internet`, `DSL line` ...); rows come in the order their first panel is declared. */
  readonly row: string;
  /** Stacked areas (a household's speakers add up); each query is its own stack, so in and out do not add up. */
  readonly stacked?: boolean;
  /** Bars instead of lines, for counts per interval. */
  readonly bars?: boolean;
  /** Drawn only for devices of these config types (a Pace has no fiber page); undefined: every type of the make. */
  readonly types?: readonly string[];
  /** Drawn only for devices that collect this area (`collect = ...`, or by default). */
  readonly area?: Area;
  /** Annotations that come with the panel. */
  readonly marks?: readonly PanelMark[];
  /** Lines drawn across it: `data_cap`, the config's data cap of each of its gateways that has one. */
  readonly threshold?: 'data_cap';
}

/**
 * An option of a command a kind contributes, as the command line's table
 * declares its own (src/cli/table.ts takes these as they are).
 */
type KindOption =
  | { readonly type: 'string'; readonly describe: string; readonly default?: string; readonly requiresArg?: true; readonly choices?: readonly string[] }
  | { readonly type: 'number'; readonly describe: string; readonly default?: number }
  | { readonly type: 'boolean'; readonly describe: string; readonly default?: boolean };

/** Where a kind's command writes: stdout as it is, stderr as whole `E!`/`W!`/`I!` lines (src/log.ts makes them). */
export interface CommandIo {
  stdout(text: string): void;
  stderr(lines: readonly string[]): void;
}

/**
 * A command only a kind has (Sonos's `discover`): listed by --help after the
 * program's own commands, before `simulate`, and run by name.
 */
export interface KindCommand {
  readonly name: string;
  readonly describe: string;
  /** In the order --help lists them. */
  readonly options: Readonly<Record<string, KindOption>>;
  /**
   * Runs it with its options' values (each option's type; defaults filled in).
   * Load what it needs here, not where the kind is declared: every run loads the kinds.
   * @returns the exit status.
   * @throws SettingError for a value the user must change (`--target: ...`): exit 2 with the message.
   */
  run(args: Readonly<Record<string, unknown>>, io: CommandIo): Promise<number>;
}

/** Ways a make's simulated devices misbehave beyond the faults any make's pages can be spoilt with (`simulate --fault`). */
interface KindFaults {
  /** Who misbehaves, for --help: `the Pace misbehaves`, `the first speaker`. */
  readonly who: string;
  /** The make's own faults, in the order --help and messages list them. */
  readonly names: readonly string[];
  /** Its simulator spoils its pages with the faults every make may use too (src/simulate/faults.ts): --help lists them under it. */
  readonly shared?: true;
}

/** An option of `simulate` a make contributes (`--layout`): listed by `simulate --help`, checked here, given to the simulator. */
interface SimulateOption {
  /** `layout` for `--layout`. */
  readonly name: string;
  readonly option: KindOption;
  /** The simulator's option it sets (src/simulate/server.ts's SimulatorOptions: `layout`, `speakers`). */
  readonly sets: string;
  /** Why a value is refused, after the option's name (`is not a number of speakers from 0 to 200`); undefined when it is fine. */
  check?(value: unknown): string | undefined;
}

/** Serves a make's simulated devices inside the built-in simulator (see src/simulate/server.ts). */
type SimulatorLoader = () => Promise<import('../simulate/make.js').SimulatedMake>;

/** A config `type`. */
export interface DeviceKind {
  readonly type: string;
  readonly description: string;
  /** A gateway (the home's Internet connection) or another device in the home (a speaker): how the dashboard groups its panels; a gateway's lines get homenet_usage. */
  readonly role: 'gateway' | 'device';
  /** A URL devices of this kind usually answer at (`http://192.168.1.254`): the first kind with one gives help texts and messages their example. */
  readonly exampleUrl?: string;
  /** What its simulator serves, in words for `simulate --help` (`gateways`, `Sonos speakers`); the same for kinds of one make. */
  readonly simulates?: string;
  /** What to check when the address has none of this kind's pages (its first page answers 404). */
  readonly notFoundHint: string;
  /** Tried in order until one's first page answers; the answer is kept for the run. */
  readonly families: readonly Family[];
  /** Every measurement and field its pages can print. */
  readonly catalogue: readonly MeasurementSpec[];
  /**
   * Its lines' host tags come from its pages (a zone name in a household
   * page), not only from an identifying page: the config cannot know them.
   */
  readonly namesItself?: boolean;
  /** Config keys only this kind reads. */
  readonly keys?: readonly KindKey[];
  /** Its dashboard panels (the same objects for kinds of one make: drawn once). */
  readonly panels?: readonly PanelSpec[];
  /** What `capture` masks on its pages besides addresses and serials. */
  readonly masks?: readonly MaskSpec[];
  /** XML elements on its pages whose text is a serial number (`SerialNumber`): `capture` masks them as it masks a serial row. */
  readonly serialElements?: readonly string[];
  /** Its simulated devices (the same loader for kinds of one make: started once). */
  readonly simulator?: SimulatorLoader;
  /** Options of `simulate` for its simulated devices (the same objects for kinds of one make), in the order --help lists them. */
  readonly simulateOptions?: readonly SimulateOption[];
  /** Its simulated devices' own faults (the same object for kinds of one make). */
  readonly faults?: KindFaults;
  /** Commands only it has (the same objects for kinds of one make: listed once). */
  readonly commands?: readonly KindCommand[];
}

/** Areas collected when the config does not say: everything that needs no login and is not opt-in. */
export function defaultAreas(family: Family): ReadonlySet<Area> {
  let areas = defaults.get(family);
  if (!areas) {
    const optIn = new Set(family.optInAreas ?? []);
    areas = new Set(
      family.pages
        .filter((p) => p.login !== true)
        .flatMap((p) => p.extracts.map((e) => e.area))
        .filter((a) => !optIn.has(a)),
    );
    defaults.set(family, areas);
  }
  return areas;
}
const defaults = new WeakMap<Family, ReadonlySet<Area>>();

/** Every area some page of the kind can feed, in {@link AREAS} order, then its own in the order it declares them. */
export function kindAreas(kind: DeviceKind): Area[] {
  const have = new Set(kind.families.flatMap((f) => f.pages.flatMap((p) => p.extracts.map((e) => e.area))));
  return [...AREAS.filter((a) => have.has(a)), ...[...have].filter((a) => !AREAS.includes(a))];
}

/** Whether devices of the kind name themselves (a Sonos zone name): their host tag comes from them unless the config sets one. */
export function namesItself(kind: DeviceKind): boolean {
  return kind.namesItself === true || kind.families.some((f) => f.pages.some((p) => p.identify !== undefined));
}
