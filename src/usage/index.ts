/**
 * `homenet_usage`: the data each gateway carried in the ISP's billing
 * period, from the exact `*_total` twins of its traffic line's `rx_bytes`
 * and `tx_bytes` (counters/index.ts), so a 32-bit wrap or a reboot costs nothing
 * the totals do not already count.
 *
 * What a gateway used so far is kept with the totals (the state file, and
 * execd's memory) and grows by what the totals grew since the gather
 * before; so it follows the totals' rules: it never falls within a period,
 * never jumps (the totals never do), and it is printed only where the
 * totals are (an unwritten state file prints neither, state/index.ts).
 *
 * - A new period (local midnight of `billing_day`, period.ts) starts from
 *   the last reading before it: what the totals grew between that reading
 *   and the first after the boundary is shared between the two periods by
 *   time, when the readings are at most {@link MAX_SPLIT_MS} apart. Further
 *   apart, the new period is counted from the first reading in it, and says
 *   `partial=true`: nothing tells how much of the gap was in it.
 * - A gateway with no earlier reading (a first run, a new state file) is
 *   counted from its first reading, `partial=true` until the next period:
 *   an honest lower bound, rather than nothing for up to a month.
 * - Totals that started again (a state file that was lost, a host forgotten)
 *   add nothing for that gather, and the period says `partial=true`.
 */
import { SCRAPE_MEASUREMENT } from '../devices/index.js';
import type { Config, DeviceConfig, UsagePlan } from '../config/index.js';
import { totalOf, type CounterState } from '../counters/index.js';
import { USAGE } from '../devices/vocabulary.js';
import { bool, float, int, type FieldValue, type Metric } from '../lineprotocol.js';
import { periodStart } from './period.js';

/** The measurement. */
export const USAGE_MEASUREMENT = USAGE.name;
/** Readings further apart than this across a period's start are not shared between the periods by time (1 hour). */
export const MAX_SPLIT_MS = 3_600_000;
/** A gateway host not counted for this long is forgotten (as the totals forget a host, counters/index.ts). */
const FORGET_AFTER_MS = 30 * 86_400_000;
/** Gateways remembered at most (the most recently counted): a home has one or two. */
const MAX_GATEWAYS = 64;

/** One gateway's count of its current billing period. */
export interface PeriodCount {
  /** When the period began, ms since the epoch. */
  readonly periodMs: number;
  /** When it was last counted, ms since the epoch. */
  readonly atMs: number;
  readonly rx: bigint;
  readonly tx: bigint;
  /** Not all of the period is counted (see the head of this file). */
  readonly partial: boolean;
}

/** Every gateway's count, by host tag: in the state file (format.ts) and in execd's memory. */
export type UsageMemory = Map<string, PeriodCount>;

/** A gateway's traffic line in a gather, and its totals before the gather's readings were added. */
interface Found {
  readonly index: number;
  readonly plan: UsagePlan;
  readonly rx: bigint | undefined;
  readonly tx: bigint | undefined;
}

/** What {@link UsageCounter.before} noted for {@link UsageCounter.add}. */
export interface BeforeTotals {
  readonly found: readonly Found[];
  /** Every gateway's host in the gather, found or not (one that failed keeps its count). */
  readonly hosts: ReadonlySet<string>;
}

/**
 * The gateways' traffic lines: each device's lines come before its scrape
 * line, in the config's order (collect/index.ts); a gateway's traffic line
 * is the one of the traffic measurement with its host and no interface tag.
 */
function gateways(metrics: readonly Metric[], config: Config): { lines: { index: number; device: DeviceConfig }[]; hosts: Set<string> } {
  const lines: { index: number; device: DeviceConfig }[] = [];
  const hosts = new Set<string>();
  let device = 0;
  let from = 0;
  for (const [i, m] of metrics.entries()) {
    if (m.name !== SCRAPE_MEASUREMENT) continue;
    const d = config.devices[device++];
    const host = m.tags['host'];
    if (d?.usage !== undefined && m.tags['type'] === d.type && host !== undefined) {
      hosts.add(host);
      for (let j = from; j < i; j++) {
        const line = metrics[j];
        if (line?.name === config.measurement && line.tags['host'] === host && line.tags['interface'] === undefined) lines.push({ index: j, device: d });
      }
    }
    from = i + 1;
  }
  return { lines, hosts };
}

/** The total of a field on a line, when the line has it. */
function intField(m: Metric | undefined, field: string): bigint | undefined {
  const v = m?.fields[field];
  return v?.kind === 'int' ? v.value : undefined;
}

/** What the totals grew by since `before`; undefined when they started again (or had not begun). */
function grown(before: bigint | undefined, now: bigint): bigint | undefined {
  return before === undefined || now < before ? undefined : now - before;
}

/** Counts the gateways' data per billing period, gather after gather, and prints it. */
export class UsageCounter {
  constructor(
    private readonly config: Config,
    private readonly memory: UsageMemory,
    private readonly options: {
      /** Start a count for a gateway with none (false: a view that only reads the state file shows only what it holds). */
      readonly begin: boolean;
      /** The wall clock, ms since the epoch. */
      readonly wallMs: () => number;
    },
  ) {}

  /** Before the gather's totals are added: the gateways' lines and their totals so far. */
  before(metrics: readonly Metric[], counters: CounterState): BeforeTotals {
    const { lines, hosts } = gateways(metrics, this.config);
    const found: Found[] = [];
    for (const { index, device } of lines) {
      const m = metrics[index];
      if (m === undefined || device.usage === undefined) continue;
      found.push({ index, plan: device.usage, rx: totalOf(counters, m, 'rx_bytes'), tx: totalOf(counters, m, 'tx_bytes') });
    }
    return { found, hosts };
  }

  /** After the totals are added (`metrics` in the same order as for {@link before}): each gateway's `homenet_usage` line after its traffic line. */
  add(metrics: readonly Metric[], before: BeforeTotals): Metric[] {
    const nowMs = Math.floor(this.options.wallMs());
    const after = new Map<number, Metric>();
    for (const f of before.found) {
      const m = metrics[f.index];
      const rx = intField(m, 'rx_bytes_total');
      const tx = intField(m, 'tx_bytes_total');
      const host = m?.tags['host'];
      // No totals on the line (two devices with one host tag, no room left for new series): nothing to count from.
      if (m === undefined || host === undefined || rx === undefined || tx === undefined) continue;
      const count = this.next(this.memory.get(host), periodStart(nowMs, f.plan.billingDay), nowMs, grown(f.rx, rx), grown(f.tx, tx));
      if (count === undefined) continue;
      this.memory.delete(host);
      this.memory.set(host, count);
      after.set(f.index, usageLine(m, count, f.plan));
    }
    this.forget(nowMs, before.hosts);
    if (after.size === 0) return [...metrics];
    const out: Metric[] = [];
    for (const [i, m] of metrics.entries()) {
      out.push(m);
      const line = after.get(i);
      if (line) out.push(line);
    }
    return out;
  }

  /** A gateway's count after this gather's reading at `nowMs`, whose totals grew by `rx` and `tx` (undefined: started again). */
  private next(prev: PeriodCount | undefined, periodMs: number, nowMs: number, rx: bigint | undefined, tx: bigint | undefined): PeriodCount | undefined {
    const known = rx !== undefined && tx !== undefined;
    if (prev === undefined) return this.options.begin ? { periodMs, atMs: nowMs, rx: 0n, tx: 0n, partial: true } : undefined;
    if (prev.periodMs === periodMs) {
      return known ? { ...prev, atMs: nowMs, rx: prev.rx + rx, tx: prev.tx + tx } : { ...prev, atMs: nowMs, partial: true };
    }
    // A new period since the last reading: the growth between the two readings, shared by time.
    const span = nowMs - prev.atMs;
    if (known && prev.periodMs < periodMs && prev.atMs < periodMs && span <= MAX_SPLIT_MS) {
      const share = (n: bigint): bigint => (n * BigInt(nowMs - periodMs)) / BigInt(span);
      return { periodMs, atMs: nowMs, rx: share(rx), tx: share(tx), partial: false };
    }
    return { periodMs, atMs: nowMs, rx: 0n, tx: 0n, partial: true };
  }

  /** Forgets gateways not counted for 30 days and not in this gather, and all but the most recently counted past {@link MAX_GATEWAYS}. */
  private forget(nowMs: number, present: ReadonlySet<string>): void {
    for (const [host, c] of this.memory) if (nowMs - c.atMs > FORGET_AFTER_MS && !present.has(host)) this.memory.delete(host);
    // The map is in the order gateways were last counted: the first are the longest unseen.
    for (const host of this.memory.keys()) {
      if (this.memory.size <= MAX_GATEWAYS) break;
      this.memory.delete(host);
    }
  }
}

/** The `homenet_usage` line of a count, with the traffic line's tags and time. */
function usageLine(traffic: Metric, c: PeriodCount, plan: UsagePlan): Metric {
  const bytes = c.rx + c.tx;
  const fields: Record<string, FieldValue> = {
    rx_bytes: int(c.rx),
    tx_bytes: int(c.tx),
    bytes: int(bytes),
    partial: bool(c.partial),
    period_start_ms: int(c.periodMs),
  };
  if (plan.capBytes !== undefined) {
    fields['cap_bytes'] = int(plan.capBytes);
    // Hundredths of a percent, exact from the integers.
    fields['cap_pct'] = float(Number((bytes * 10_000n) / plan.capBytes) / 100);
  }
  return { name: USAGE_MEASUREMENT, tags: traffic.tags, fields, ...(traffic.time !== undefined ? { time: traffic.time } : {}) };
}

/** The lines without `homenet_usage`: for a run whose totals are not printed (its state file could not be written). */
export function withoutUsage(metrics: readonly Metric[]): Metric[] {
  return metrics.filter((m) => m.name !== USAGE_MEASUREMENT);
}
