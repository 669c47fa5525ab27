/**
 * The state file's JSON: what it holds, and the one place that reads and
 * writes its text. Integers (counters, totals, timestamps in ns) are decimal
 * strings, so every digit survives JSON.
 *
 * ```
 * {"format":"telegraf-homenet-counters","version":1,
 *  "series":{"net\u0000host=router\u0000rx_bytes":["last","total","atNs",wide]},
 *  "uptime":{"router":["seconds","atNs"]},
 *  "devices":{"gw":{"url":"...","family":"pace","identity":"...","identifiedAt":ms,"hardware":"00:11:...",
 *                   "described":{"page key":{"until":ms,"metrics":[{name,tags,fields:{"f":["int","1"]}}]}}}},
 *  "forgotten":{"den":"atNs"},
 *  "held":{"net\u0000host=router\u0000rx_bytes":["value","atNs"] or ["value","atNs",true] (its line was reset)},
 *  "usage":{"router":[periodMs,atMs,"rx","tx",partial]}}
 * ```
 * `devices` came after the first files, `forgotten` after it, and `held` (a
 * reading of 2^32 or more set aside until the next one tells a 64-bit
 * counter from a glitch) after that: a file without them has none. `held`
 * is written only when a series holds a reading, so a file written before
 * it comes back the same; older code reading it only loses the held reading.
 * A device's `hardware` came next; older code ignores it. `usage` (each
 * gateway's count of its billing period, src/usage/) came last, written only
 * when there is one: older code ignores it and writes the file back without
 * it, and the next count is then partial, which it says. A change of the format that older code would
 * misread gets a new version; this reader then keeps reading every older
 * version, and the next save writes the new one.
 */
import { emptyState as emptyCounters, type CounterState } from '../counters/index.js';
import type { FieldValue, Metric } from '../lineprotocol.js';
import type { PeriodCount, UsageMemory } from '../usage/index.js';

/** What a device said of itself, remembered between runs so that it is not asked again; only for the same URL. */
export interface RememberedDevice {
  readonly url: string;
  /** The family's name (`pace`, `bgw`, ...). */
  readonly family?: string;
  readonly identity?: string;
  /** When the identity was read, ms since the epoch. */
  readonly identifiedAt?: number;
  /** The hardware address its pages showed: another one means another device at the URL. */
  readonly hardware?: string;
  /** Pages that only describe the device (a speaker's model and firmware), by page key. */
  readonly described?: Readonly<Record<string, RememberedPage>>;
}

/** What a describing page said, repeated instead of asked again until `until` (ms since the epoch). */
export interface RememberedPage {
  readonly until: number;
  readonly metrics: readonly Metric[];
}

/** Everything the state file holds: the counter totals' readings and the device memory. */
export interface State {
  readonly counters: CounterState;
  /** By device (INI section) name. */
  readonly devices: Map<string, RememberedDevice>;
  /** Each gateway's count of its billing period, by host tag (none: a state from before them). */
  readonly usage?: UsageMemory;
  /** Counter entries the file held that were left out when it was read: a negative count, total or time is no reading. */
  readonly dropped?: number;
}

/** A device's memory without what its describing pages said (that is asked again). */
export function withoutDescribed(d: RememberedDevice): RememberedDevice {
  if (!d.described) return d;
  const copy = { ...d };
  Reflect.deleteProperty(copy, 'described');
  return copy;
}

/** A state with nothing remembered: a first run. */
export function emptyState(): State {
  return { counters: emptyCounters(), devices: new Map(), usage: new Map() };
}

const FORMAT = 'telegraf-homenet-counters';
/** The version this code writes. */
export const STATE_VERSION = 1;

/** The state as JSON text. */
export function stateToJson(state: State): string {
  const { series, uptime, forgotten } = state.counters;
  return JSON.stringify({
    format: FORMAT,
    version: STATE_VERSION,
    series: Object.fromEntries([...series].map(([k, s]) => [k, [String(s.last), String(s.total), String(s.atNs), s.wide]])),
    uptime: Object.fromEntries([...uptime].map(([k, u]) => [k, [String(u.seconds), String(u.atNs)]])),
    devices: Object.fromEntries([...state.devices].map(([k, d]) => [k, deviceToJson(d)])),
    forgotten: Object.fromEntries([...forgotten].map(([host, atNs]) => [host, String(atNs)])),
    ...heldToJson(series),
    ...(state.usage === undefined || state.usage.size === 0
      ? {}
      : { usage: Object.fromEntries([...state.usage].map(([host, c]) => [host, [c.periodMs, c.atMs, String(c.rx), String(c.tx), c.partial]])) }),
  });
}

/** The held readings, only where there are any (see the head of this file). */
function heldToJson(series: CounterState['series']): { held?: Record<string, [string, string] | [string, string, true]> } {
  const held: Record<string, [string, string] | [string, string, true]> = {};
  for (const [k, s] of series) if (s.held) held[k] = s.held.reset === true ? [String(s.held.value), String(s.held.atNs), true] : [String(s.held.value), String(s.held.atNs)];
  return Object.keys(held).length === 0 ? {} : { held };
}

// In the file a field is [kind, value as text]: integers keep every digit.
type SavedField = [FieldValue['kind'], string];

function deviceToJson(d: RememberedDevice): unknown {
  if (!d.described) return d;
  const described = Object.fromEntries(
    Object.entries(d.described).map(([key, page]) => [
      key,
      {
        until: page.until,
        metrics: page.metrics.map((m) => ({
          name: m.name,
          tags: m.tags,
          fields: Object.fromEntries(Object.entries(m.fields).map(([k, v]): [string, SavedField] => [k, [v.kind, String(v.value)]])),
        })),
      },
    ]),
  );
  return { ...d, described };
}

function damaged(): never {
  throw new Error('it has a damaged entry');
}

function objectOf(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : damaged();
}

function savedField([kind, text]: unknown[]): FieldValue {
  if (typeof text !== 'string') damaged();
  if (kind === 'int' && /^-?\d{1,20}$/.test(text)) return { kind, value: BigInt(text) };
  if (kind === 'float' && Number.isFinite(Number(text)) && text.trim() !== '') return { kind, value: Number(text) };
  if (kind === 'bool' && (text === 'true' || text === 'false')) return { kind, value: text === 'true' };
  if (kind === 'string') return { kind, value: text };
  return damaged();
}

function savedMetric(v: unknown): Metric {
  const m = objectOf(v);
  const tags = objectOf(m['tags']);
  if (typeof m['name'] !== 'string' || Object.values(tags).some((t) => typeof t !== 'string')) damaged();
  const fields = Object.entries(objectOf(m['fields'])).map(([k, f]): [string, FieldValue] => [k, savedField(Array.isArray(f) && f.length === 2 ? f : damaged())]);
  return { name: m['name'], tags: tags as Record<string, string>, fields: Object.fromEntries(fields) };
}

function rememberedDevice(v: unknown): RememberedDevice {
  const d = objectOf(v);
  const optional = (key: string, type: 'string' | 'number'): boolean => d[key] === undefined || typeof d[key] === type;
  if (typeof d['url'] !== 'string' || !optional('family', 'string') || !optional('identity', 'string') || !optional('identifiedAt', 'number') || !optional('hardware', 'string')) damaged();
  const described: Record<string, RememberedPage> = {};
  for (const [key, page] of Object.entries(d['described'] === undefined ? {} : objectOf(d['described']))) {
    const p = objectOf(page);
    if (typeof p['until'] !== 'number' || !Array.isArray(p['metrics'])) damaged();
    described[key] = { until: p['until'], metrics: (p['metrics'] as unknown[]).map(savedMetric) };
  }
  return {
    url: d['url'],
    ...(typeof d['family'] === 'string' ? { family: d['family'] } : {}),
    ...(typeof d['identity'] === 'string' && typeof d['identifiedAt'] === 'number' ? { identity: d['identity'], identifiedAt: d['identifiedAt'] } : {}),
    ...(typeof d['hardware'] === 'string' ? { hardware: d['hardware'] } : {}),
    ...(Object.keys(described).length > 0 ? { described } : {}),
  };
}

/** A gateway's count from its entry, `[periodMs, atMs, "rx", "tx", partial]`. */
function periodCount(v: unknown, big: (v: unknown) => bigint): PeriodCount {
  if (!Array.isArray(v) || v.length !== 5) damaged();
  const [periodMs, atMs, rx, tx, partial] = v as unknown[];
  if (!Number.isSafeInteger(periodMs) || !Number.isSafeInteger(atMs) || typeof partial !== 'boolean') damaged();
  return { periodMs: periodMs as number, atMs: atMs as number, rx: big(rx), tx: big(tx), partial };
}

/** Whether text looks like a state file of ours (even a damaged one), so that it may be overwritten. */
export function looksLikeOurs(text: string): boolean {
  return text.trim() === '' || text.trimStart().startsWith(`{"format":"${FORMAT}"`);
}

/**
 * Reads state JSON of any version this code knows.
 * @throws Error saying why it is not usable (not JSON, another program's, a version from newer code, damaged).
 */
export function stateFromJson(text: string): State {
  const data = JSON.parse(text) as unknown;
  if (typeof data !== 'object' || data === null || (data as { format?: unknown }).format !== FORMAT) {
    throw new Error('it was not written by telegraf-homenet');
  }
  const { version } = data as { version?: unknown };
  if (version !== 1) throw new Error(`it has version ${String(version)}, not ${STATE_VERSION}`);
  return fromVersion1(data);
}

/** Version 1, the first. */
function fromVersion1(data: object): State {
  const { series, uptime, devices, forgotten, held, usage } = data as { series?: unknown; uptime?: unknown; devices?: unknown; forgotten?: unknown; held?: unknown; usage?: unknown };
  const state = emptyState();
  const { counters } = state;
  const big = (v: unknown): bigint => {
    if (typeof v !== 'string' || !/^-?\d{1,20}$/.test(v)) throw new Error('it has a damaged number');
    return BigInt(v);
  };
  // A negative number is read but is no reading: its entry is left out (said once), not the whole file.
  let dropped = 0;
  const readings = (...values: bigint[]): boolean => {
    if (values.every((n) => n >= 0n)) return true;
    dropped++;
    return false;
  };
  for (const [k, v] of Object.entries((series ?? {}) as Record<string, unknown>)) {
    if (!Array.isArray(v) || v.length !== 4) throw new Error('it has a damaged entry');
    const [last, total, atNs, wide] = v as unknown[];
    const s = { last: big(last), total: big(total), atNs: big(atNs), wide: wide === true };
    if (readings(s.last, s.total, s.atNs)) counters.series.set(k, s);
  }
  for (const [k, v] of Object.entries((uptime ?? {}) as Record<string, unknown>)) {
    if (!Array.isArray(v) || v.length !== 2) throw new Error('it has a damaged entry');
    const [seconds, atNs] = v as unknown[];
    const u = { seconds: big(seconds), atNs: big(atNs) };
    if (readings(u.seconds, u.atNs)) counters.uptime.set(k, u);
  }
  // Files from before device memory have none.
  for (const [k, v] of Object.entries((devices ?? {}) as Record<string, unknown>)) {
    state.devices.set(k, rememberedDevice(v));
  }
  // Nor do files from before forgotten hosts were noted.
  for (const [host, atNs] of Object.entries((forgotten ?? {}) as Record<string, unknown>)) counters.forgotten.set(host, big(atNs));
  // Nor held readings; one of a series not in the file has nothing to be judged against.
  for (const [k, v] of Object.entries((held ?? {}) as Record<string, unknown>)) {
    if (!Array.isArray(v) || (v.length !== 2 && !(v.length === 3 && v[2] === true))) throw new Error('it has a damaged entry');
    const [value, atNs, reset] = v as unknown[];
    const s = counters.series.get(k);
    const h = { value: big(value), atNs: big(atNs) };
    if (s && readings(h.value, h.atNs)) s.held = reset === true ? { ...h, reset: true } : h;
  }
  // Nor counts of billing periods.
  for (const [host, v] of Object.entries((usage ?? {}) as Record<string, unknown>)) {
    const c = periodCount(v, big);
    if (readings(BigInt(c.periodMs), BigInt(c.atMs), c.rx, c.tx)) state.usage?.set(host, c);
  }
  return dropped === 0 ? state : { ...state, dropped };
}
