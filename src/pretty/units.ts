/**
 * Values in words for the terminal views: each number with its unit beside
 * it (`link speed 10.0 Gbit/s`, never `link_speed_mbps=10.0 Gbit/s`), three
 * significant digits so that a column stays narrow and a glance is enough.
 * Units, labels and a flag's words come from the kinds' field catalogue.
 */
import { DEFAULT_MEASUREMENT } from '../config/index.js';
import { catalogue, type FieldSpec } from '../devices/index.js';
import type { FieldValue } from '../lineprotocol.js';

const IEC = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];

/** Three significant digits, as rounded (9.996 is `10.0`, not `10.00`): a column stays narrow and a glance is enough. */
function short(v: number): string {
  const a = Math.abs(v);
  return Number(a.toFixed(2)) < 10 ? v.toFixed(2) : Number(a.toFixed(1)) < 100 ? v.toFixed(1) : v.toFixed(0);
}

/** `v` divided by `step` until it shows below `step` (999.7 kbit/s is `1.00 Mbit/s`), and how many times. */
function scaled(v: number, step: number, most: number): [number, number] {
  let i = 0;
  while (i < most && Math.abs(Number(short(v))) >= step) {
    v /= step;
    i++;
  }
  return [v, i];
}

const SI = ['', 'k', 'M', 'G', 'T'];

/** Bytes with an IEC prefix: `3.80 GiB`, at most 8 characters. */
export function bytes(n: bigint): string {
  const [v, i] = scaled(Number(n), 1024, IEC.length - 1);
  return i === 0 ? `${Number(n)} B` : `${short(v)} ${IEC[i] ?? ''}`;
}

/** Bytes with an SI prefix, as ISPs count them: `412 GB`, `1.00 TB`. */
export function siBytes(n: bigint): string {
  const [v, i] = scaled(Number(n), 1000, SI_BYTES.length - 1);
  return i === 0 ? `${Number(n)} B` : `${short(v)} ${SI_BYTES[i] ?? ''}`;
}
const SI_BYTES = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB'];

/** A count with an SI prefix past 9,999: `10.0M pkt`. */
export function count(n: bigint, unit: string): string {
  if (n < 10_000n && n > -10_000n) return `${n} ${unit}`;
  const [v, i] = scaled(Number(n), 1000, SI.length - 1);
  return `${short(v)}${SI[i] ?? ''} ${unit}`;
}

/** A rate with an SI prefix on its unit: `12.3 Mbit/s`, `1.20 kpkt/s`, at most 11 characters. */
export function perSecond(rate: number, unit: 'bit/s' | 'pkt/s'): string {
  const [v, i] = scaled(rate, 1000, SI.length - 1);
  return `${i === 0 ? v.toFixed(0) : short(v)} ${SI[i] ?? ''}${unit}`;
}

/** Bits per second with an SI prefix: `12.3 Mbit/s`. */
export function bitsPerSecond(bps: number): string {
  return perSecond(bps, 'bit/s');
}

function duration(seconds: bigint): string {
  const s = Number(seconds);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  return d > 0 ? `${d}d ${h}h` : h > 0 ? `${h}h ${m}m` : `${m}m ${s % 60}s`;
}

/** A float as written, without a binary tail (0.48828125 -> 0.49). */
function decimal(v: number): string {
  return String(Number(v.toPrecision(Math.abs(v) >= 1 ? 4 : 2)));
}

/** A number in one of the catalogue's units, and the suffix a field's name in that unit ends with (not repeated in its label). */
interface Shown {
  readonly suffix: string;
  show(v: FieldValue): string;
}

/** A float or int with a unit after it, as written. */
const inUnit = (suffix: string, unit: string): Shown => ({ suffix, show: (v) => `${decimal(Number(v.value))}${unit}` });

/** How a value in each of the catalogue's units is shown. */
const SHOWN: Readonly<Record<string, Shown>> = {
  'kbit/s': { suffix: '_kbps', show: (v) => bitsPerSecond(Number(v.value) * 1000) },
  'Mbit/s': { suffix: '_mbps', show: (v) => bitsPerSecond(Number(v.value) * 1_000_000) },
  'bit/s': { suffix: '_bps', show: (v) => bitsPerSecond(Number(v.value)) },
  dBm: inUnit('_dbm', ' dBm'),
  dB: inUnit('_db', ' dB'),
  percent: inUnit('_pct', '%'),
  '°C': inUnit('_c', ' °C'),
  V: inUnit('_v', ' V'),
  mA: inUnit('_ma', ' mA'),
  ms: { suffix: '_ms', show: (v) => `${String(v.value)} ms` },
};

/** The catalogue's entry for a field, by its name (the measurement's name does not matter here). */
function specOf(field: string): FieldSpec | undefined {
  return catalogue(DEFAULT_MEASUREMENT).named(field);
}

/** One value in its unit, from the kinds' catalogues unless `unit` says (a line of the program's own, not in them). */
export function human(field: string, v: FieldValue, unit?: string): string {
  switch (v.kind) {
    case 'bool':
      return v.value ? 'yes' : 'no';
    case 'string':
      return v.value;
    case 'float':
    case 'int': {
      const spec = unit === undefined ? specOf(field) : undefined;
      const u = unit ?? (spec?.uptime === true ? 'uptime' : spec?.unit);
      if (v.kind === 'int' && u === 'bytes') return bytes(v.value);
      if (v.kind === 'int' && u === 'uptime') return duration(v.value);
      const shown = u === undefined ? undefined : SHOWN[u];
      if (shown) return shown.show(v);
      return v.kind === 'int' ? v.value.toLocaleString('en-US') : decimal(v.value);
    }
  }
}

/** A field in words with its unit beside the number, as the catalogue says: `link_speed_mbps` 10000 -> `link speed 10.0 Gbit/s`. */
export function describe(field: string, v: FieldValue): string {
  const spec = specOf(field);
  const suffix = spec?.unit === undefined ? undefined : SHOWN[spec.unit]?.suffix;
  const words = spec?.label ?? (suffix !== undefined && field.endsWith(suffix) ? field.slice(0, -suffix.length) : field).replace(/_/g, ' ');
  if (v.kind === 'bool') {
    if (spec?.states) return v.value ? spec.states[0] : spec.states[1];
    return v.value ? words : `not ${words}`;
  }
  const value = human(field, v);
  return words === '' ? value : `${words} ${value}`;
}
