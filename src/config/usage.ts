/**
 * The two config keys of the data used in a billing period: `billing_day`
 * (the day of the month the ISP's period starts, 1-28, default 1) and
 * `data_cap` (a size: `1 TB`, `500 GB`, `1.5 TiB`, or `none`). Both may be
 * set at the top of the file, for every gateway, and in a gateway's own
 * section, for that one (two lines from two ISPs); speakers carry no WAN
 * traffic, so their sections refuse them.
 *
 * Sizes follow the units' own meaning, as ISPs bill: `GB` and `TB` are
 * decimal (10^9, 10^12 bytes), `GiB` and `TiB` binary (2^30, 2^40). The
 * letters may be in any case: no ISP caps data in bits, so `1 Tb` is read
 * as `1 TB`.
 */
import { fail } from './values.js';
import { INT64_MAX } from '../lineprotocol.js';

/** The keys, at the top of the file and in a gateway's section. */
export const USAGE_KEYS = ['billing_day', 'data_cap'] as const;
type UsageKey = (typeof USAGE_KEYS)[number];

/** Where a gateway's billing period starts and what it may use. */
export interface UsagePlan {
  /** The day of the month the period starts, at local midnight: 1 to 28. */
  readonly billingDay: number;
  /** The data cap in bytes; absent: no cap. */
  readonly capBytes?: bigint;
}

/** What one place (the top of the file, or a section) set; `capBytes` null is `none`. */
export interface PlanKeys {
  billingDay?: number;
  capBytes?: bigint | null;
}

const DEFAULT_BILLING_DAY = 1;
/** A cap must fit an int64 field (`cap_bytes`). */

/** SI prefixes in order: k is the first power (10^3, or 2^10 with an i), e the sixth. */
const POWERS = ['k', 'm', 'g', 't', 'p', 'e'];

/** What a prefix (`k`, `gi` ...; lower case) multiplies by; undefined for none of them. */
function factorOf(prefix: string): bigint | undefined {
  if (prefix === '') return 1n;
  const binary = prefix.endsWith('i');
  const power = POWERS.indexOf(binary ? prefix.slice(0, -1) : prefix) + 1;
  if (power === 0) return undefined;
  return binary ? 2n ** BigInt(10 * power) : 10n ** BigInt(3 * power);
}

/**
 * A size in bytes (`1 TB`, `500GB`, `1.5 TiB`, `750 gib`), rounded to whole
 * bytes; undefined when the text is not a size.
 */
export function parseSize(text: string): bigint | undefined {
  const m = /^(\d{1,18})(?:\.(\d{1,12}))?\s*([kmgtpe]i?)?b$/i.exec(text.trim());
  if (!m) return undefined;
  const factor = factorOf((m[3] ?? '').toLowerCase());
  if (factor === undefined) return undefined;
  const fraction = m[2] ?? '';
  const scale = 10n ** BigInt(fraction.length);
  const scaled = BigInt(`${m[1] ?? '0'}${fraction}`) * factor;
  // Rounded half up, to whole bytes (1.1 KiB is 1126 bytes).
  return (scaled * 2n + scale) / (scale * 2n);
}

/**
 * Reads one of the keys into `into`, and returns it.
 * @throws ConfigError naming `where` (file, section and key) and what is wrong.
 */
export function readUsageKey(where: string, key: UsageKey, text: string, into: PlanKeys): PlanKeys {
  const shown = JSON.stringify(text);
  if (key === 'billing_day') {
    const day = /^\d{1,2}$/.test(text) ? Number(text) : NaN;
    if (!(day >= 1 && day <= 28)) fail(where, `${shown} is not a day from 1 to 28 (the day of the month the ISP's billing period starts; 29 to 31 are not in every month)`);
    into.billingDay = day;
    return into;
  }
  if (text.toLowerCase() === 'none') {
    into.capBytes = null;
    return into;
  }
  const bytes = parseSize(text);
  if (bytes === undefined) fail(where, `${shown} is not a size (write it like 1 TB, 500 GB or 1.5 TiB; GB = 10^9 bytes, GiB = 2^30), or none`);
  if (bytes === 0n) fail(where, `${shown} is no cap (leave data_cap out, or write none)`);
  if (bytes > INT64_MAX) fail(where, `${shown} is more than the 8 EiB a field can hold`);
  into.capBytes = bytes;
  return into;
}

/** Whether a key is one of {@link USAGE_KEYS}. */
export function isUsageKey(key: string): key is UsageKey {
  return (USAGE_KEYS as readonly string[]).includes(key);
}

/** A gateway's plan: its section's keys over the top of the file's, over the defaults. */
export function planOf(own: PlanKeys, top: PlanKeys): UsagePlan {
  const billingDay = own.billingDay ?? top.billingDay ?? DEFAULT_BILLING_DAY;
  const cap = own.capBytes !== undefined ? own.capBytes : top.capBytes;
  return cap === undefined || cap === null ? { billingDay } : { billingDay, capBytes: cap };
}
