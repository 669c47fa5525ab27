/** Counters of simulated devices: a start value and a rate, wrapping like the real hardware. */

/** A counter's value at start and its growth per second. */
export interface Rate {
  readonly start: bigint;
  readonly perSecond: bigint;
}

/** The counter `elapsedMs` after start, wrapped at 2^bits. */
export function counterAt(rate: Rate, elapsedMs: number, bits: 32 | 64): bigint {
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
