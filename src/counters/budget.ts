/**
 * How much the counter totals remember, and what goes first when a limit is
 * reached. Without limits one device could make the state grow without end
 * (a speaker naming 2,000 new interfaces every run, a household page naming
 * new speakers, tag values kilobytes long) until the state file passed what
 * the program reads back and every device's totals restarted.
 *
 * - A host keeps at most {@link MAX_HOST_SERIES} series. A new one past that
 *   makes room by forgetting the host's series it did not report in this
 *   gather; if it reported them all, the new one gets no total.
 * - All the state weighs at most {@link MAX_WEIGHT} (about its size in the
 *   state file). A new series past that makes room by forgetting whole hosts
 *   that are not in this gather, longest unseen first; if none is left, it
 *   gets no total.
 *
 * A host in this gather is never forgotten whole, so a configured device
 * (whose scrape line carries its host tag even when it does not answer)
 * keeps its totals. What was forgotten early is said in one `W!` line per
 * host and gather (its totals start again from its counters if it returns).
 */
import type { CounterState } from './state.js';
import type { Metric } from '../lineprotocol.js';
import { warning } from '../log.js';

/** Series one host keeps totals for: a gateway has about 110, a speaker 13 per interface (33 read at most). */
export const MAX_HOST_SERIES = 512;
/** What the counter state may weigh, about its bytes in the state file: half of the 16 MiB the program reads back. */
export const MAX_WEIGHT = 8 * 1048576;

/** A series' weight: its key and, in the file, its four numbers and punctuation. */
function seriesWeight(key: string): number {
  return key.length + 100;
}

/** A remembered uptime's or forgotten host's weight. */
function hostWeight(host: string): number {
  return host.length + 50;
}

/** The host tag in a series key (`name\0tag=value...\0field`); '' when it has none. */
export function hostOf(key: string): string {
  const at = key.indexOf('\u0000host=');
  if (at < 0) return '';
  const from = at + '\u0000host='.length;
  const end = key.indexOf('\u0000', from);
  return key.slice(from, end < 0 ? key.length : end);
}

/** The line a series key belongs to (the key without its field). */
function lineOf(key: string): string {
  return key.slice(0, key.lastIndexOf('\u0000'));
}

/** States already brought within the limits once (a state read from a file may not be). */
const checked = new WeakSet<CounterState>();

/** A host's series and when it was last seen (ns since the epoch). */
interface HostEntry {
  keys: string[];
  lastNs: bigint;
}

/** What one gather asks of the state's limits, worked out only when a limit may be reached. */
export class Budget {
  /** By host, built at the first need. */
  private hosts: Map<string, HostEntry> | undefined;
  private weight = 0;
  /** Hosts not in this gather, longest unseen first, and how many of them were forgotten. */
  private absent: string[] | undefined;
  private absentForgotten = 0;
  /** Hosts whose unreported series were forgotten to make room. */
  private readonly crowded = new Set<string>();
  /** Hosts already left with only this gather's series: looking again would find nothing to forget (it cost a pass over 512 keys per new series). */
  private readonly swept = new Set<string>();
  /** Series that got no total, by host: how many, the first, and why. */
  private readonly refused = new Map<string, { count: number; readonly first: string; readonly why: string }>();

  /** This gather's line keys (a series of one of them was reported) and host tags, made at the first need. */
  private seen: { readonly lines: ReadonlySet<string>; readonly hosts: ReadonlySet<string> } | undefined;

  /**
   * @param lines this gather's lines
   * @param keys their line keys, where they have counters
   * @param nowNs when this gather was read (ns since the epoch), for the notes of forgotten hosts
   */
  constructor(
    private readonly state: CounterState,
    private readonly lines: readonly Metric[],
    private readonly keys: readonly (string | undefined)[],
    private readonly nowNs: bigint,
  ) {}

  private get reported(): ReadonlySet<string> {
    return this.gathered().lines;
  }

  private get present(): ReadonlySet<string> {
    return this.gathered().hosts;
  }

  private gathered(): { readonly lines: ReadonlySet<string>; readonly hosts: ReadonlySet<string> } {
    this.seen ??= {
      lines: new Set(this.keys.filter((k): k is string => k !== undefined)),
      hosts: new Set(this.lines.map((m) => m.tags['host'] ?? '')),
    };
    return this.seen;
  }

  private index(): Map<string, HostEntry> {
    if (this.hosts) return this.hosts;
    const hosts = new Map<string, HostEntry>();
    for (const [key, s] of this.state.series) {
      const host = hostOf(key);
      const entry = hosts.get(host);
      if (entry) {
        entry.keys.push(key);
        if (s.atNs > entry.lastNs) entry.lastNs = s.atNs;
      } else hosts.set(host, { keys: [key], lastNs: s.atNs });
    }
    for (const [host, u] of this.state.uptime) {
      const entry = hosts.get(host);
      if (!entry) hosts.set(host, { keys: [], lastNs: u.atNs });
      else if (u.atNs > entry.lastNs) entry.lastNs = u.atNs;
    }
    this.hosts = hosts;
    this.weight = this.weigh();
    return hosts;
  }

  /** The state's weight, counted afresh. */
  private weigh(): number {
    let weight = 0;
    for (const key of this.state.series.keys()) weight += seriesWeight(key);
    for (const host of this.state.uptime.keys()) weight += hostWeight(host);
    for (const host of this.state.forgotten.keys()) weight += hostWeight(host);
    return weight;
  }

  /**
   * Whether a series first seen in this gather may be remembered: makes room
   * for it when a limit is reached, or notes that it gets no total (`shown`
   * names it in the `W!` line).
   */
  admit(key: string, shown: string): boolean {
    const hosts = this.index();
    const host = hostOf(key);
    let entry = hosts.get(host);
    if (!entry) {
      entry = { keys: [], lastNs: 0n };
      hosts.set(host, entry);
    }
    const need = seriesWeight(key);
    let why: string | undefined;
    if (entry.keys.length >= MAX_HOST_SERIES) this.forgetUnreported(host, entry);
    if (entry.keys.length >= MAX_HOST_SERIES) why = `host ${JSON.stringify(host)} reports more than the ${MAX_HOST_SERIES} series a host keeps totals for`;
    else if (!this.makeRoom(need)) why = `the counter totals are full (${MAX_WEIGHT / 1048576} MiB) with the series of this gather's hosts`;
    if (why !== undefined) {
      const r = this.refused.get(host);
      if (r) r.count++;
      else this.refused.set(host, { count: 1, first: shown, why });
      return false;
    }
    entry.keys.push(key);
    this.weight += need;
    return true;
  }

  /**
   * Brings a state read from a file (written before these limits, or with
   * other ones) within them. Only admissions make a state grow, and they
   * keep to the limits: after the first gather of a state, this costs
   * nothing unless one happened.
   */
  trim(): void {
    if (this.hosts === undefined && checked.has(this.state)) return;
    checked.add(this.state);
    if (this.hosts === undefined && this.state.series.size <= MAX_HOST_SERIES && this.weigh() <= MAX_WEIGHT) return;
    for (const [host, entry] of this.index()) {
      if (entry.keys.length > MAX_HOST_SERIES) this.forgetUnreported(host, entry);
    }
    this.makeRoom(0);
  }

  /** Forgets a host's series not reported in this gather (once a gather: what is admitted after is reported). */
  private forgetUnreported(host: string, entry: HostEntry): void {
    if (this.swept.has(host)) return;
    this.swept.add(host);
    const kept: string[] = [];
    for (const k of entry.keys) {
      if (this.reported.has(lineOf(k))) kept.push(k);
      else {
        this.state.series.delete(k);
        this.weight -= seriesWeight(k);
      }
    }
    if (kept.length < entry.keys.length) this.crowded.add(host);
    entry.keys = kept;
  }

  /** Forgets hosts not in this gather, longest unseen first, then the oldest notes of forgotten hosts, until `need` more fits. */
  private makeRoom(need: number): boolean {
    if (this.weight + need <= MAX_WEIGHT) return true;
    const hosts = this.index();
    this.absent ??= [...hosts]
      .filter(([host]) => !this.present.has(host))
      .sort(([, a], [, b]) => (a.lastNs < b.lastNs ? -1 : a.lastNs > b.lastNs ? 1 : 0))
      .map(([host]) => host);
    for (let host = this.absent.shift(); host !== undefined; host = this.absent.shift()) {
      this.forgetHost(host, hosts);
      if (this.weight + need <= MAX_WEIGHT) return true;
    }
    for (const host of this.state.forgotten.keys()) {
      if (this.weight + need <= MAX_WEIGHT) return true;
      this.state.forgotten.delete(host);
      this.weight -= hostWeight(host);
    }
    return this.weight + need <= MAX_WEIGHT;
  }

  /** Forgets a host whole (its series and uptime), noting it so that its return is said. */
  private forgetHost(host: string, hosts: Map<string, HostEntry>): void {
    const entry = hosts.get(host);
    if (!entry) return;
    for (const k of entry.keys) {
      this.state.series.delete(k);
      this.weight -= seriesWeight(k);
    }
    if (this.state.uptime.delete(host)) this.weight -= hostWeight(host);
    hosts.delete(host);
    // Re-inserted, so the notes stay oldest first.
    if (this.state.forgotten.delete(host)) this.weight -= hostWeight(host);
    this.state.forgotten.set(host, this.nowNs);
    this.weight += hostWeight(host);
    this.absentForgotten++;
  }

  /** What this gather's limits cost: one `W!` line per host, and one for the hosts forgotten whole. */
  warnings(): string[] {
    const out: string[] = [];
    for (const host of this.crowded) {
      out.push(
        warning(
          `host ${JSON.stringify(host)} reports more series than the ${MAX_HOST_SERIES} a host keeps totals for: those it did not report in this gather were forgotten (their *_total fields start again from their counters if they return)`,
        ),
      );
    }
    if (this.absentForgotten > 0) {
      out.push(
        warning(
          `the counter totals reached their ${MAX_WEIGHT / 1048576} MiB: ${this.absentForgotten} host(s) not in this gather were forgotten, longest unseen first (their *_total fields start again from their counters if they return)`,
        ),
      );
    }
    for (const r of this.refused.values()) {
      out.push(warning(`${r.first}${r.count > 1 ? ` and ${r.count - 1} more series` : ''}: no *_total: ${r.why}`));
    }
    return out;
  }
}
