/**
 * Values in words for the terminal views: each number with its unit beside
 * it (`link speed 10.0 Gbit/s`, never `link_speed_mbps=10.0 Gbit/s`), three
 * significant digits so that a column stays narrow and a glance is enough.
 * Units come from the kinds' field catalogue and the field names' suffixes.
 */
import { DEFAULT_MEASUREMENT } from '../config/index.js';
import { catalogue } from '../devices/index.js';
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

/** Unit suffixes of field names, and the unit each stands for. */
const SUFFIXES: readonly [string, (v: FieldValue) => string][] = [
  ['_kbps', (v) => bitsPerSecond(Number(v.value) * 1000)],
  ['_mbps', (v) => bitsPerSecond(Number(v.value) * 1_000_000)],
  ['_bps', (v) => bitsPerSecond(Number(v.value))],
  ['_dbm', (v) => `${decimal(Number(v.value))} dBm`],
  ['_db', (v) => `${decimal(Number(v.value))} dB`],
  ['_pct', (v) => `${decimal(Number(v.value))}%`],
  ['_c', (v) => `${decimal(Number(v.value))} °C`],
  ['_v', (v) => `${decimal(Number(v.value))} V`],
  ['_ma', (v) => `${decimal(Number(v.value))} mA`],
  ['_ms', (v) => `${String(v.value)} ms`],
  ['_time', (v) => `${String(v.value)} ms`],
];

/** One value in the unit its name says. */
export function human(field: string, v: FieldValue): string {
  switch (v.kind) {
    case 'bool':
      return v.value ? 'yes' : 'no';
    case 'string':
      return v.value;
    case 'float':
    case 'int': {
      // By field name, from the kinds' catalogues (the measurement's name does not matter here).
      const unit = catalogue(DEFAULT_MEASUREMENT).unitOf(field);
      if (v.kind === 'int' && unit === 'bytes') return bytes(v.value);
      if (v.kind === 'int' && unit === 'uptime') return duration(v.value);
      const suffix = SUFFIXES.find(([s]) => field.endsWith(s));
      if (suffix) return suffix[1](v);
      return v.kind === 'int' ? v.value.toLocaleString('en-US') : decimal(v.value);
    }
  }
}

/** A field in words with its unit beside the number: `link_speed_mbps` 10000 -> `link speed 10.0 Gbit/s`. */
export function describe(field: string, v: FieldValue): string {
  const words = (field === 'uptime_s' ? 'uptime' : field.replace(/_(kbps|mbps|bps|dbm|db|pct|c|v|ma|ms)$/, '')).replace(/_/g, ' ');
  if (v.kind === 'bool') {
    if (field === 'up' || field === 'link_up') return `${field === 'up' ? '' : 'link '}${v.value ? 'up' : 'down'}`;
    return v.value ? words : `not ${words}`;
  }
  // Names of things read as themselves: "DSL", "full", "G.993.2_17a".
  if (v.kind === 'string' && ['source', 'protocol', 'channel', 'duplex', 'network_type'].includes(field)) return v.value;
  // A port's speed beside its state (`up · 1.00 Gbit/s`) needs no word: a narrow window keeps it whole.
  if (field === 'speed_bps') return human(field, v);
  return `${words} ${human(field, v)}`;
}
