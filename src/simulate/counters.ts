/** Counters of simulated devices: a start value and a rate, wrapping like the real hardware. */

/** A counter's value at start and its growth per second. */
export interface Rate {
  readonly start: bigint;
  readonly perSecond: bigint;
}

/**
 * How long a simulated device has been counting: since the simulator
 * started (`rebooted` false: its counters from their start values, its
 * uptime from its boot time long before), or since it was rebooted (from 0).
 */
export interface Counting {
  readonly ms: number;
  readonly rebooted: boolean;
}

/** The device at `prefix` of a simulator's context: since its reboot, else since the simulator started. */
export function countingOf(ctx: { elapsed(): number; sinceReboot(prefix: string): number | undefined }, prefix: string): Counting {
  const since = ctx.sinceReboot(prefix);
  return since === undefined ? { ms: ctx.elapsed(), rebooted: false } : { ms: since, rebooted: true };
}

/** A table of rates as a rebooted device counts: from 0. */
export function fromZero<K extends string>(rates: Readonly<Record<K, Rate>>, rebooted: boolean): Readonly<Record<K, Rate>> {
  if (!rebooted) return rates;
  const out = {} as Record<K, Rate>;
  for (const name of Object.keys(rates) as K[]) out[name] = { start: 0n, perSecond: rates[name].perSecond };
  return out;
}

/** The counter `elapsedMs` after start, wrapped at 2^bits. */
function counterAt(rate: Rate, elapsedMs: number, bits: 32 | 64): bigint {
  const ms = BigInt(Math.max(0, Math.floor(elapsedMs)));
  return (rate.start + (rate.perSecond * ms) / 1000n) % 2n ** BigInt(bits);
}

/** Every counter of a table of rates at one moment. */
export function countersAt<K extends string>(rates: Readonly<Record<K, Rate>>, elapsedMs: number, bits: 32 | 64): Record<K, bigint> {
  const out = {} as Record<K, bigint>;
  for (const name of Object.keys(rates) as K[]) out[name] = counterAt(rates[name], elapsedMs, bits);
  return out;
}

/** Whole seconds, minutes, hours and days of an uptime. */
export function uptimeParts(seconds: number): { d: number; h: number; m: number; s: number } {
  const t = Math.floor(seconds);
  return { d: Math.floor(t / 86400), h: Math.floor(t / 3600) % 24, m: Math.floor(t / 60) % 60, s: t % 60 };
}

export const pad2 = (n: number): string => String(n).padStart(2, '0');

/** Escapes text for HTML. */
export function esc(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);
}
