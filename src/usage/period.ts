/**
 * Billing periods: each starts at local midnight of the billing day (the
 * machine's time zone, as the ISP's bill reads it at home), this month or
 * the month before.
 */

/** The start of the billing period `atMs` (ms since the epoch) falls in, ms since the epoch. */
export function periodStart(atMs: number, billingDay: number): number {
  const at = new Date(atMs);
  // Local midnight; where a clock change skips midnight, the first moment of that day.
  const start = new Date(at.getFullYear(), at.getMonth(), billingDay).getTime();
  return start <= atMs ? start : new Date(at.getFullYear(), at.getMonth() - 1, billingDay).getTime();
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** A period's start in words, in local time: `1 Dec`. */
export function dayWords(ms: number): string {
  const d = new Date(ms);
  return `${d.getDate()} ${MONTHS[d.getMonth()] ?? ''}`;
}
