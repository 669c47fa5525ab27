/**
 * The data a gateway used in its billing period, as words on its block in
 * the terminal views (`used 412 GB of 1.00 TB (41.2%) since 1 Dec`): a
 * narrow window leaves out the rx and tx columns, not the words that lead a
 * row.
 */
import type { Metric } from '../lineprotocol.js';
import { USAGE } from '../devices/vocabulary.js';
import { dayWords } from '../usage/period.js';
import { bytes, human, siBytes } from './units.js';

/** The measurement whose line is told in words. */
export const USAGE_MEASUREMENT = USAGE.name;

const GiB = 2n ** 30n;

function intOf(m: Metric, field: string): bigint | undefined {
  const v = m.fields[field];
  return v?.kind === 'int' ? v.value : undefined;
}

/**
 * A `homenet_usage` line in words. Sizes in the units of the cap: binary
 * when it is a whole number of GiB and not of GB (`data_cap = 1 TiB`),
 * decimal otherwise, as ISPs bill. A count that began after its period did
 * is a lower bound, and says `at least`.
 */
export function usageWords(m: Metric): string {
  const used = intOf(m, 'bytes') ?? 0n;
  const cap = intOf(m, 'cap_bytes');
  const size = cap !== undefined && cap % GiB === 0n && cap % 1_000_000_000n !== 0n ? bytes : siBytes;
  const start = intOf(m, 'period_start_ms');
  const pct = m.fields['cap_pct'];
  const words = [
    m.fields['partial']?.value === true ? 'used at least' : 'used',
    size(used),
    ...(cap === undefined ? [] : ['of', size(cap), ...(pct ? [`(${human('cap_pct', pct)})`] : [])]),
    ...(start === undefined ? [] : ['since', dayWords(Number(start))]),
  ];
  return words.join(' ');
}
