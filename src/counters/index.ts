/**
 * Monotonic `*_total` fields for counters that wrap.
 *
 * The Pace, some BGW320 firmware and most Sonos speakers count bytes in 32
 * bits: at 1 Gbit/s that wraps every 34 seconds, and a graph of the raw
 * counter's derivative is wrong at every wrap. For every counter field this
 * adds `<field>_total`, an int64 that only grows.
 *
 * When a counter goes down, it either wrapped at 2^32 or was reset (a reboot,
 * "Reset/Clear Statistics"). The rule, applied per line (one device, one
 * interface):
 *
 * 1. the device's uptime went down since the last reading: reset;
 * 2. the counter is 64-bit (it read 2^32 or more and went on up from there;
 *    or it read 2^32 or more last time): reset;
 * 3. as a wrap it would mean more than any home link carries in the time
 *    between the readings (10 Gbit/s of bytes, 2 million packets/s, 100,000
 *    errors, drops or collisions/s): reset;
 * 4. another counter of the same line is a reset by rules 1-3 ("Reset
 *    Statistics" and reboots zero them together; a bytes wrap rarely comes
 *    with a packets wrap): reset;
 * 5. otherwise: a wrap at 2^32.
 *
 * On a wrap the total grows by `new + 2^32 - old`, on a reset by `new` (the
 * counter restarted from 0), otherwise by `new - old`. A counter first seen
 * starts its total at its own value. No total ever grows faster than rule
 * 3's rates: a reset whose `new` is more than the counter could count since
 * the last reading is no count from 0; fallen by less than 2^32, it is a
 * wrap of a 32-bit count under a high word that stayed (the junk high word
 * below, once it looked like a 64-bit counter's), and otherwise set aside.
 *
 * A reading is set aside (not added to the total, with a `W!` line; the
 * series stays at its last good reading, so the next one counts from there)
 * when it rises faster than rule 3's rates, or when it is 2^32 or more on a
 * counter not known to be 64-bit and the next reading does not go on up from
 * it: BGW320 firmware once in a while shows a junk high word (2816 x 2^32) on
 * a 32-bit count. Such a reading is held until the next one: going on up, it
 * was a 64-bit counter's and is counted then (only the rise since it, if the
 * jump to it was too fast); falling back, it was a glitch and the series stays
 * 32-bit, so its next wrap is still a wrap. Readings further apart than one wrap
 * period (34 s at 1 Gbit/s) can hide a whole wrap: poll more often than that.
 *
 * What is remembered is bounded (budget.ts): a host keeps at most
 * 512 series, and all of them at most 8 MiB; past that, series and hosts not
 * in the gather are forgotten first, and a new series with no room gets no
 * total, each said in a `W!` line.
 *
 * A total never passes 2^63-1, the largest integer a field can hold: one
 * absurd reading (a page showing 9223372036854775807) would otherwise make
 * every later total unprintable, and with it the whole line. Such a series
 * starts again from its counter, as if first seen, with a `W!` line.
 */
import { catalogue, type Catalogue } from '../devices/index.js';
import { Budget, hostOf } from './budget.js';
import { describe, gain, isReset, judge, type Reading } from './judge.js';
import { type FieldValue, int, INT64_MAX, type Metric } from '../lineprotocol.js';
import { warning } from '../log.js';
import type { CounterState } from './state.js';

export { emptyState, type CounterState, type HeldReading, type SeriesState, type UptimeState } from './state.js';

function lineKey(m: Metric): string {
  const tags = Object.keys(m.tags)
    .sort()
    .map((k) => `${k}=${m.tags[k] ?? ''}`);
  return [m.name, ...tags].join('\u0000');
}

/** The total a line's counter field has reached so far, when its series is followed (before this gather's reading is added). */
export function totalOf(state: CounterState, m: Metric, field: string): bigint | undefined {
  return state.series.get(`${lineKey(m)}\u0000${field}`)?.total;
}

/** Whether a metric's measurement carries counters (the catalogue says: the traffic one, a gateway's LAN one). */
function counted(m: Metric, cat: Catalogue): boolean {
  return cat.hasCounters(m.name);
}

/** The device's uptime on a line, when the line carries one. */
function uptimeOf(m: Metric, cat: Catalogue): FieldValue | undefined {
  const field = cat.uptime(m.name);
  return field === undefined ? undefined : m.fields[field];
}

/**
 * Adds `<field>_total` to every counter field of the traffic and LAN lines,
 * updating `state`. Metrics without a timestamp are taken as read at `nowNs`.
 */
export function addTotals(metrics: readonly Metric[], state: CounterState, trafficMeasurement: string, nowNs: bigint, warn: (line: string) => void = () => undefined): Metric[] {
  const cat = catalogue(trafficMeasurement);
  const keys = metrics.map((m) => (counted(m, cat) ? lineKey(m) : undefined));
  const shared = findShared(metrics, keys, cat);
  for (const w of shared.warnings) warn(w);
  // Rule 1 needs each host's uptime of this batch before its counters.
  const rebooted = rebootedHosts(metrics, state, cat, shared.uptimeHosts, nowNs);

  // Hosts forgotten by prune() whose series start again in this batch.
  const returned = new Set<string>();
  // The limits on what is remembered: worked out only if a series is new.
  const budget = new Budget(state, metrics, keys, nowNs);
  // A loop, not a callback made on every call: such a callback loses its
  // optimised code at every full collection (see TreeBuilder in html/index.ts).
  const out: Metric[] = [];
  for (const [i, m] of metrics.entries()) {
    const line = keys[i];
    // A series two devices write has no one counter to follow: its state is left as it was.
    if (line === undefined || shared.keys.has(line)) {
      out.push(m);
      continue;
    }
    const at = m.time ?? nowNs;
    const hostRebooted = rebooted.has(m.tags['host'] ?? '');
    const readings: Reading[] = [];
    for (const [field, v] of Object.entries(m.fields)) {
      const kind = v.kind === 'int' ? cat.counter(m.name, field) : undefined;
      if (v.kind !== 'int' || kind === undefined || v.value < 0n || v.value > INT64_MAX) continue;
      const key = `${line}\u0000${field}`;
      const before = state.series.get(key);
      if (!before) {
        const host = m.tags['host'];
        if (host !== undefined && state.forgotten.has(host)) returned.add(host);
        if (!budget.admit(key, `${describe(m)} ${field}`)) continue;
        readings.push({ field, kind, value: v.value, key, before, change: 'first', from: v.value, wide: false });
        continue;
      }
      readings.push({ field, kind, value: v.value, key, before, ...judge(v.value, at, before, kind, hostRebooted, m, field, warn) });
    }
    // Rule 4: one reset on the line makes every decrease on it a reset.
    const lineReset = hostRebooted || readings.some(isReset);
    const totals = totalsOf(readings, lineReset, m, at, state, warn);
    out.push(Object.keys(totals).length === 0 ? m : { ...m, fields: { ...m.fields, ...totals } });
  }
  for (const host of returned) {
    warn(warning(`host ${JSON.stringify(host)} had been forgotten (no device printed it for 30 days, or the counter totals reached their limit): its *_total fields start again from its counters`));
    state.forgotten.delete(host);
  }
  budget.trim();
  for (const w of budget.warnings()) warn(w);
  return out;
}

/**
 * Rule 1: the hosts whose uptime went down since the last gather, with each
 * host's uptime of this batch remembered (hosts two devices share aside).
 */
function rebootedHosts(metrics: readonly Metric[], state: CounterState, cat: Catalogue, sharedHosts: ReadonlySet<string>, nowNs: bigint): Set<string> {
  const rebooted = new Set<string>();
  for (const m of metrics) {
    const up = uptimeOf(m, cat);
    const host = m.tags['host'];
    if (up?.kind !== 'int' || host === undefined || sharedHosts.has(host)) continue;
    const before = state.uptime.get(host);
    if (before && up.value < before.seconds) rebooted.add(host);
    state.uptime.set(host, { seconds: up.value, atNs: m.time ?? nowNs });
  }
  return rebooted;
}

/** The `*_total` fields of one line's judged readings, its series in `state` moved on. */
function totalsOf(readings: readonly Reading[], lineReset: boolean, m: Metric, at: bigint, state: CounterState, warn: (line: string) => void): Record<string, FieldValue> {
  const totals: Record<string, FieldValue> = {};
  for (const r of readings) {
    const before = r.before;
    let total: bigint;
    if (!before || r.change === 'first') total = r.value;
    else if (r.change === 'held' || r.change === 'aside') {
      // Set aside: the series stays at its last good reading, and the next reading counts from there
      // (from 0 if the line was reset meanwhile: the reset is not to be lost with the reading).
      if (r.change === 'held' && lineReset && before.held) before.held.reset = true;
      totals[`${r.field}_total`] = int(before.total);
      continue;
    } else {
      const added = gain(r, before, at, lineReset, m, warn);
      // Set aside, as above: the series stays at its last good reading.
      if (added === undefined) {
        totals[`${r.field}_total`] = int(before.total);
        continue;
      }
      total = before.total + added;
    }
    // Past int64: start again, and say so, rather than lose the line.
    const restart = total > INT64_MAX;
    if (restart) {
      warn(warning(`${describe(m)} ${r.field}_total: the total would pass ${INT64_MAX} (the largest integer a field can hold): it starts again from the counter (${r.value})`));
      total = r.value;
    }
    if (before && !restart) {
      before.wide ||= r.wide;
      before.last = r.value;
      before.total = total;
      before.atNs = at;
    } else state.series.set(r.key, { last: r.value, total, atNs: at, wide: false });
    totals[`${r.field}_total`] = int(total);
  }
  return totals;
}

/**
 * The lines without the `*_total` fields {@link addTotals} gave them: for a
 * run whose totals could not be kept for the next one (its state file could
 * not be written).
 */
export function withoutTotals(metrics: readonly Metric[], trafficMeasurement: string): Metric[] {
  const cat = catalogue(trafficMeasurement);
  const out: Metric[] = [];
  for (const m of metrics) {
    let fields: Record<string, FieldValue> | undefined;
    if (counted(m, cat)) {
      for (const key of Object.keys(m.fields)) {
        if (!key.endsWith('_total') || cat.counter(m.name, key.slice(0, -'_total'.length)) === undefined) continue;
        fields ??= { ...m.fields };
        Reflect.deleteProperty(fields, key);
      }
    }
    out.push(fields ? { ...m, fields } : m);
  }
  return out;
}

/** What one gather's lines say about devices that share a host tag. */
interface Shared {
  /** Series keys written by more than one line. */
  readonly keys: ReadonlySet<string>;
  /** Hosts with more than one uptime. */
  readonly uptimeHosts: ReadonlySet<string>;
  readonly warnings: readonly string[];
}

/**
 * Two lines of one gather with the same series are two devices that ended
 * with the same host tag (two speakers with one zone name in two households,
 * a speaker in `[sonos]` and in a `[sonos-household]`): a total of the two
 * counters would jump between them every gather, and one uptime would make
 * the other's look like a reboot. `keys[i]` is line i's series key, where it
 * has counters.
 */
function findShared(metrics: readonly Metric[], keys: readonly (string | undefined)[], cat: Catalogue): Shared {
  const seen = new Set<string>();
  const twice = new Set<string>();
  // Per host: how many series are seen twice (and the first of them), and whether its uptime is.
  const hosts = new Map<string, { first?: string; series: number; uptime?: string }>();
  for (const [i, m] of metrics.entries()) {
    const host = m.tags['host'] ?? '';
    const uptime = keys[i] === undefined && uptimeOf(m, cat)?.kind === 'int';
    const key = keys[i] ?? (uptime ? `\u0001${host}` : undefined);
    if (key === undefined) continue;
    if (!seen.has(key)) {
      seen.add(key);
      continue;
    }
    if (twice.has(key)) continue;
    twice.add(key);
    const h = hosts.get(host) ?? { series: 0 };
    // A system line carries the firmware and model tags too; its host is what matters.
    if (uptime) h.uptime = `${m.name},host=${host}`;
    else {
      h.first ??= describe(m);
      h.series += 1;
    }
    hosts.set(host, h);
  }
  if (hosts.size === 0) return { keys: twice, uptimeHosts: new Set(), warnings: [] };
  const uptimeHosts = new Set<string>();
  const warnings: string[] = [];
  for (const [host, h] of hosts) {
    if (h.uptime !== undefined) uptimeHosts.add(host);
    const what = h.series > 1 ? `${h.first ?? ''} and ${h.series - 1} more series` : (h.first ?? h.uptime ?? '');
    const effects = [...(h.series > 0 ? ["their counters get no *_total (it would mix two devices' counters)"] : []), ...(h.uptime !== undefined ? ['a reboot is not told from its uptime'] : [])];
    warnings.push(
      warning(`more than one device has the host tag ${JSON.stringify(host)} (${what} twice in one gather): ${effects.join(', and ')}; ` + 'give each device its own host (host = ... in its section)'),
    );
  }
  return { keys: twice, uptimeHosts, warnings };
}

/**
 * What to say when two devices of one gather ended with the same host tag
 * (one `W!` line per host), for commands that show the lines without totals.
 */
export function sharedSeriesWarnings(metrics: readonly Metric[], trafficMeasurement: string): string[] {
  const cat = catalogue(trafficMeasurement);
  return [
    ...findShared(
      metrics,
      metrics.map((m) => (counted(m, cat) ? lineKey(m) : undefined)),
      cat,
    ).warnings,
  ];
}

/** How long a host that no device prints any more keeps its counter readings. */
const FORGET_AFTER_NS = 30n * 86_400n * 1_000_000_000n;
/** Hosts remembered as forgotten, so their return can be told (newest kept). */
const MAX_FORGOTTEN = 1000;

/**
 * Keeps the state as small as the network: drops series and uptimes not seen
 * for `maxAgeNs`, except those of hosts in `present` (this gather's lines). A
 * configured device prints its scrape line under its host tag even when it
 * does not answer, so its totals never fall back however long it is away;
 * what goes is a host no device prints any more (removed, renamed, a speaker
 * gone from its household). Such a host is noted in `forgotten`, so that if
 * it comes back the restart of its totals is said.
 */
export function prune(state: CounterState, nowNs: bigint, present: readonly Metric[] = [], maxAgeNs = FORGET_AFTER_NS): void {
  let hosts: Set<string> | undefined;
  const kept = (host: string): boolean => {
    hosts ??= new Set(present.map((m) => m.tags['host'] ?? ''));
    return hosts.has(host);
  };
  for (const [k, s] of state.series) {
    if (nowNs - s.atNs <= maxAgeNs) continue;
    const host = hostOf(k);
    if (kept(host)) continue;
    state.series.delete(k);
    // Re-inserted, so the map stays oldest first.
    state.forgotten.delete(host);
    state.forgotten.set(host, nowNs);
  }
  for (const [k, u] of state.uptime) if (nowNs - u.atNs > maxAgeNs && !kept(k)) state.uptime.delete(k);
  for (const host of state.forgotten.keys()) {
    if (state.forgotten.size <= MAX_FORGOTTEN) break;
    state.forgotten.delete(host);
  }
}
