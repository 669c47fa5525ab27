/** Field helpers every device family uses: counters from page text, request timings, sanity checks. */
import { digitsOf, normText } from '../html/index.js';
import { type FieldValue, int, INT64_MAX, WRAP_32 } from '../lineprotocol.js';
import type { PageText } from './kind.js';

/** Where an extract reports a value it left out (see ExtractContext.omit). */
export type Omitter = (message: string) => void;

/** The largest integer InfluxDB stores (int64); the `u` type is not an option on InfluxDB 1.x. */

/** A cell's text as it reads in a message: quoted, or "empty". */
export function shown(text: string): string {
  const t = normText(text);
  return t === '' ? 'empty' : JSON.stringify(t.length > 60 ? `${t.slice(0, 59)}…` : t);
}

/**
 * An integer counter from a cell, keeping every digit. A cell that holds no
 * whole number, or one above what an integer field holds, is left out with
 * a message through `omit` naming `where` (page and label) and what was there.
 */
function counter(omit: Omitter, where: string, text: string): FieldValue | undefined {
  const digits = digitsOf(text);
  if (digits === undefined) {
    omit(`${where} is ${shown(text)}, not a whole number: left out`);
    return undefined;
  }
  if (BigInt(digits) > INT64_MAX) {
    omit(`${where} is ${digits}, above ${INT64_MAX}, the largest integer InfluxDB stores: left out`);
    return undefined;
  }
  return int(digits);
}

/** Sets `fields[name]` to the counter in `text`, unless it is already set or left out. */
export function setCounter(fields: Record<string, FieldValue>, name: string, omit: Omitter, where: string, text: string): void {
  if (fields[name] !== undefined) return;
  const v = counter(omit, where, text);
  if (v !== undefined) fields[name] = v;
}

/** How far a part may exceed its whole: one 32-bit wrap of the whole (it wrapped, the part did not). */

/**
 * Leaves out each part that exceeds its whole by more than a 32-bit wrap can
 * explain (unicast packets above all packets: a junk high word some firmware
 * shows), so it cannot poison a `*_total` counter or a graph's scale.
 * `parts` maps a part's field to its whole's field. `counters`: false for
 * gauges (sessions in use against the capacity), which have no wrap to
 * explain any excess.
 */
export function dropImpossibleParts(fields: Record<string, FieldValue>, parts: Readonly<Record<string, string>>, omit: Omitter, where: string, counters = true): void {
  const slack = counters ? WRAP_32 : 0n;
  for (const [part, whole] of Object.entries(parts)) {
    const p = fields[part];
    const w = fields[whole];
    if (p?.kind !== 'int' || w?.kind !== 'int') continue;
    if (p.value > w.value + slack) {
      omit(`${where}: ${part} ${p.value} exceeds ${whole} ${w.value}${counters ? ' by more than a 32-bit wrap explains' : ''}: left out`);
      Reflect.deleteProperty(fields, part);
    }
  }
}

/** Request timings as the seed's integer millisecond fields, when the page was fetched. */
export function timingFields(page: PageText): Record<string, FieldValue> {
  const out: Record<string, FieldValue> = {};
  if (page.totalMs !== undefined) out['total_time'] = int(Math.round(page.totalMs));
  if (page.ttfbMs !== undefined) out['elapsed_time'] = int(Math.round(page.ttfbMs));
  return out;
}
