/**
 * InfluxDB line protocol: the Metric type and its serializer.
 *
 * Telegraf discards a whole `exec` run when one line is bad, so a metric that
 * cannot be written exactly is refused as a whole ({@link LineProtocolError})
 * rather than written half or approximately.
 */
import { INVISIBLE, warning } from './log.js';

/** A typed field value. Integers are bigint so 64-bit counters keep every digit. */
export type FieldValue =
  | { readonly kind: 'int'; readonly value: bigint }
  | { readonly kind: 'float'; readonly value: number }
  | { readonly kind: 'bool'; readonly value: boolean }
  | { readonly kind: 'string'; readonly value: string };

/** One point: measurement, tags, fields and an optional timestamp in nanoseconds. */
export interface Metric {
  readonly name: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly fields: Readonly<Record<string, FieldValue>>;
  readonly time?: bigint;
}

/** Why a metric cannot be written. */
export class LineProtocolError extends Error {
  override name = 'LineProtocolError';
}

const INT64_MIN = -(2n ** 63n);
/** The largest integer a field can hold (int64). */
export const INT64_MAX = 2n ** 63n - 1n;
/** Where a 32-bit counter wraps to 0: most devices' byte counters are this wide. */
export const WRAP_32 = 2n ** 32n;
/** InfluxDB refuses string fields over 64 KiB. */
const MAX_STRING_BYTES = 64 * 1024;
/**
 * InfluxDB refuses a point whose escaped series key, plus 4 bytes and a field
 * key, is over this ("max key length exceeded"; measured on 1.x).
 */
const MAX_KEY_BYTES = 65_535;
/** Values longer than this are cut in messages: a 70,000-character zone name is no log line. */
const SHOWN_MAX = 80;

/** A value quoted for a message, cut when long. */
function shown(s: string): string {
  return JSON.stringify(s.length > SHOWN_MAX ? `${s.slice(0, SHOWN_MAX)}…` : s);
}

/** An integer field from a bigint, a safe JS integer, or a string of decimal digits. */
export function int(value: bigint | number | string): FieldValue {
  if (typeof value === 'bigint') return { kind: 'int', value };
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new TypeError(`int(): ${value} is not a safe integer`);
    return { kind: 'int', value: BigInt(value) };
  }
  if (!/^-?\d+$/.test(value)) throw new TypeError(`int(): ${JSON.stringify(value)} is not a decimal integer`);
  return { kind: 'int', value: BigInt(value) };
}

/** A float field. NaN and infinities are refused when serialized. */
export function float(value: number): FieldValue {
  return { kind: 'float', value };
}

/** A boolean field. */
export function bool(value: boolean): FieldValue {
  return { kind: 'bool', value };
}

/** A string field. */
export function str(value: string): FieldValue {
  return { kind: 'string', value };
}

// Characters escaped with a backslash, per part of the line.
const NAME_SPECIALS = /[, ]/g;
const KEY_SPECIALS = /[,= ]/g;
// InfluxDB 1.x unescapes `\,` `\=` `\ ` and `\"` in names without first
// unescaping `\\`, so a backslash before one of those (or at the very end,
// where it would escape the separator) cannot round-trip.
const AMBIGUOUS_BACKSLASH = /\\(?=[,= "]|$)/;
// eslint-disable-next-line no-control-regex -- control characters are exactly what we look for
const CONTROL = /[\u0000-\u001f\u007f]/;
// eslint-disable-next-line no-control-regex
const LINE_BREAK = /[\r\n\u0000]/;

// Names, keys and tag values repeat every gather: each one that passed its
// check is remembered with its escaped form (bounded, for hostile input).
const MEMO_MAX = 10_000;
const goodNames = new Map<string, string>();
const goodKeys = new Map<string, string>();
const goodValues = new Map<string, string>();

function remember(memo: Map<string, string>, raw: string, escaped: string): string {
  // Long texts are rare and would make the memo large.
  if (raw.length > 1024) return escaped;
  if (memo.size >= MEMO_MAX) memo.clear();
  memo.set(raw, escaped);
  return escaped;
}

/** A measurement name, checked and escaped. */
function nameText(s: string): string {
  const known = goodNames.get(s);
  if (known !== undefined) return known;
  checkName('measurement', s);
  return remember(goodNames, s, s.replace(NAME_SPECIALS, '\\$&'));
}

/** A tag or field key, checked and escaped. */
function keyText(what: string, s: string): string {
  const known = goodKeys.get(s);
  if (known !== undefined) return known;
  checkKey(what, s);
  return remember(goodKeys, s, escapeKey(s));
}

/** A tag value, checked and escaped. */
function tagValueText(key: string, s: string): string {
  const known = goodValues.get(s);
  if (known !== undefined) return known;
  checkName(`tag ${JSON.stringify(key)} value`, s);
  return remember(goodValues, s, escapeKey(s));
}

function checkName(what: string, s: string): void {
  if (s === '') throw new LineProtocolError(`${what} is empty`);
  if (CONTROL.test(s)) throw new LineProtocolError(`${what} ${shown(s)} contains a control character`);
  if (!s.isWellFormed()) throw new LineProtocolError(`${what} ${shown(s)} is not valid Unicode`);
  if (AMBIGUOUS_BACKSLASH.test(s)) {
    throw new LineProtocolError(`${what} ${shown(s)} has a backslash that line protocol cannot carry`);
  }
}

function checkKey(what: string, key: string): void {
  checkName(what, key);
  if (key.startsWith('_')) throw new LineProtocolError(`${what} ${shown(key)} starts with "_"`);
  if (key === 'time') throw new LineProtocolError(`${what} "time" is reserved`);
}

function escapeKey(s: string): string {
  return s.replace(KEY_SPECIALS, '\\$&');
}

function formatField(key: string, v: FieldValue): string {
  switch (v.kind) {
    case 'int':
      if (v.value < INT64_MIN || v.value > INT64_MAX) {
        throw new LineProtocolError(`field ${JSON.stringify(key)} value ${v.value} does not fit in 64 bits`);
      }
      return `${v.value}i`;
    case 'float':
      if (!Number.isFinite(v.value)) throw new LineProtocolError(`field ${JSON.stringify(key)} is ${v.value}`);
      // -0 would print as "0" anyway; String() keeps every significant digit.
      return String(v.value);
    case 'bool':
      return v.value ? 'true' : 'false';
    case 'string':
      if (LINE_BREAK.test(v.value)) {
        throw new LineProtocolError(`field ${JSON.stringify(key)} contains a line break`);
      }
      if (!v.value.isWellFormed()) throw new LineProtocolError(`field ${JSON.stringify(key)} is not valid Unicode`);
      if (Buffer.byteLength(v.value) > MAX_STRING_BYTES) {
        throw new LineProtocolError(`field ${JSON.stringify(key)} is longer than 64 KiB`);
      }
      return `"${v.value.replace(/[\\"]/g, '\\$&')}"`;
  }
}

// UTF-16 code unit order is UTF-8 byte order except where a surrogate pair
// meets a character from U+E000 up.
const NOT_BYTE_ORDERED = /[\uD800-\uFFFF]/;

/** Byte-wise order of UTF-8 strings, the order InfluxDB and Telegraf sort tags in. */
function byteOrder(a: string, b: string): number {
  if (NOT_BYTE_ORDERED.test(a) || NOT_BYTE_ORDERED.test(b)) return Buffer.compare(Buffer.from(a), Buffer.from(b));
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Refuses a point whose series key with its longest field key is over InfluxDB's limit. */
function checkKeyLength(seriesKey: string, fieldKeys: readonly string[]): void {
  let longest = '';
  let longestBytes = 0;
  for (const k of fieldKeys) {
    const bytes = Buffer.byteLength(escapeKey(k));
    if (bytes > longestBytes) [longest, longestBytes] = [k, bytes];
  }
  const total = Buffer.byteLength(seriesKey) + 4 + longestBytes;
  if (total > MAX_KEY_BYTES) {
    throw new LineProtocolError(`the series key (measurement and tags) with field ${shown(longest)} is ${total} bytes: InfluxDB takes at most ${MAX_KEY_BYTES}`);
  }
}

/**
 * One line of line protocol, without the newline.
 * Tags are sorted and empty tag values left out.
 * @throws LineProtocolError when the metric cannot be written exactly.
 */
export function serialize(m: Metric): string {
  let line = nameText(m.name);

  const tagKeys = Object.keys(m.tags)
    .filter((k) => m.tags[k] !== '')
    .sort(byteOrder);
  for (const k of tagKeys) {
    line += `,${keyText('tag key', k)}=${tagValueText(k, m.tags[k] ?? '')}`;
  }

  const seriesKey = line;
  let longestKey = 0;
  const fieldKeys = Object.keys(m.fields);
  if (fieldKeys.length === 0) throw new LineProtocolError('metric has no fields');
  let sep = ' ';
  for (const k of fieldKeys) {
    const key = keyText('field key', k);
    if (key.length > longestKey) longestKey = key.length;
    if (Object.hasOwn(m.tags, k) && m.tags[k] !== '') {
      throw new LineProtocolError(`${JSON.stringify(k)} is both a tag and a field`);
    }
    const v = m.fields[k];
    if (v === undefined) continue;
    line += `${sep}${key}=${formatField(k, v)}`;
    sep = ',';
  }
  if (sep === ' ') throw new LineProtocolError('metric has no fields');
  // UTF-8 takes at most 3 bytes per UTF-16 unit: count bytes only when it could matter.
  if ((seriesKey.length + longestKey) * 3 + 4 > MAX_KEY_BYTES) checkKeyLength(seriesKey, fieldKeys);

  if (m.time !== undefined) {
    if (m.time < INT64_MIN || m.time > INT64_MAX) throw new LineProtocolError(`timestamp ${m.time} is out of range`);
    line += ` ${m.time}`;
  }
  return line;
}

/**
 * Serializes every metric, one line each with a trailing newline. A metric that
 * cannot be written is left out and reported through `warn`, so the rest of the
 * batch stays usable.
 */
export function serializeAll(metrics: readonly Metric[], warn: (message: string) => void): string {
  let out = '';
  for (const m of metrics) {
    try {
      out += serialize(m) + '\n';
    } catch (err) {
      if (!(err instanceof LineProtocolError)) throw err;
      const host = m.tags['host'];
      const where = host === undefined ? '' : ` from host ${shown(host)}`;
      warn(warning(`dropped a ${JSON.stringify(m.name)} metric${where}: ${err.message}`));
    }
  }
  return out;
}

/**
 * The most characters of a device's text kept in a tag (a zone name, a
 * model): far above any real name, and far below the 64 KiB series key that
 * InfluxDB refuses whole, with every line of the device and its
 * `homenet_scrape` line (a 70,000-character zone name made the speaker vanish).
 */
export const MAX_DEVICE_TAG_CHARS = 256;

/**
 * Device-provided text made fit for a tag value: control characters and
 * invisible ones (bidi overrides, zero-width spaces) removed, whitespace
 * collapsed, broken Unicode repaired, backslashes (which line protocol
 * cannot always carry) turned into `/`, and text longer than
 * {@link MAX_DEVICE_TAG_CHARS} cut to its first characters and `…` (`cut` is
 * told how long it was). Better a slightly changed firmware tag than a
 * dropped metric.
 */
export function cleanTag(text: string, cut?: (chars: number) => void): string {
  const clean = text
    .toWellFormed()
    // Two names that look alike must be one name, and none may turn a table's text around.
    .replace(INVISIBLE, '')
    // eslint-disable-next-line no-control-regex -- removing control characters on purpose
    .replace(/[\u0000-\u001f\u007f]+/g, ' ')
    .replace(/\\/g, '/')
    .replace(/\s+/g, ' ')
    .trim();
  if (clean.length <= MAX_DEVICE_TAG_CHARS) return clean;
  // Counted in code points, so that no surrogate pair is split.
  let chars = 0;
  let keep = 0;
  for (const c of clean) {
    chars++;
    if (chars < MAX_DEVICE_TAG_CHARS) keep += c.length;
  }
  if (chars <= MAX_DEVICE_TAG_CHARS) return clean;
  cut?.(chars);
  return `${clean.slice(0, keep).trimEnd()}…`;
}
