/** Field helpers every device family uses: counters from page text, request timings. */
import { digitsOf, normText, ParseError } from '../html.js';
import { int, type FieldValue } from '../lineprotocol.js';
import type { PageText } from './kind.js';

const INT64_MAX = 2n ** 63n - 1n;

/** An integer counter from a cell, keeping every digit; `where` names it in errors. */
export function counter(where: string, text: string): FieldValue {
  const digits = digitsOf(text);
  if (digits === undefined) throw new ParseError(`${where} is ${JSON.stringify(normText(text))}, not a whole number`);
  if (BigInt(digits) > INT64_MAX) throw new ParseError(`${where} ${digits} does not fit in 64 bits`);
  return int(digits);
}

/** Request timings as the seed's integer millisecond fields, when the page was fetched. */
export function timingFields(page: PageText): Record<string, FieldValue> {
  const out: Record<string, FieldValue> = {};
  if (page.totalMs !== undefined) out['total_time'] = int(Math.round(page.totalMs));
  if (page.ttfbMs !== undefined) out['elapsed_time'] = int(Math.round(page.ttfbMs));
  return out;
}
