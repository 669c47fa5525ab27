/**
 * `--format pretty` and `--watch`: the terminal view. One block per device
 * (its status, the tags all its lines share, model and firmware, said once),
 * then one row per interface, port or line: bytes received and sent, rates
 * from two readings, errors, and the rest in words with the unit beside the
 * number (`link speed 10.0 Gbit/s`, never `link_speed_mbps=10.0 Gbit/s`).
 */
import { DEFAULT_MEASUREMENT } from './config.js';
import { catalogue } from './devices/index.js';
import type { FieldValue, Metric } from './lineprotocol.js';

const IEC = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];

/** Three significant digits: a column stays narrow and a glance is enough. */
function short(v: number): string {
  return Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2);
}

function bytes(n: bigint): string {
  let v = Number(n);
  let i = 0;
  while (Math.abs(v) >= 1024 && i < IEC.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${short(v)} ${IEC[i] ?? ''}`;
}

function count(n: bigint, unit: string): string {
  const v = Number(n);
  if (Math.abs(v) < 10_000) return `${v} ${unit}`;
  const [d, p] = Math.abs(v) >= 1e9 ? [1e9, 'G'] : Math.abs(v) >= 1e6 ? [1e6, 'M'] : [1e3, 'k'];
  return `${short(v / d)}${p} ${unit}`;
}

/** Bits per second with an SI prefix. */
export function bitsPerSecond(bps: number): string {
  const units = ['bit/s', 'kbit/s', 'Mbit/s', 'Gbit/s', 'Tbit/s'];
  let v = bps;
  let i = 0;
  while (Math.abs(v) >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i === 0 ? v.toFixed(0) : short(v)} ${units[i] ?? ''}`;
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
function describe(field: string, v: FieldValue): string {
  const words = (field === 'uptime_s' ? 'uptime' : field.replace(/_(kbps|mbps|bps|dbm|db|pct|c|v|ma|ms)$/, '')).replace(/_/g, ' ');
  if (v.kind === 'bool') {
    if (field === 'up' || field === 'link_up') return `${field === 'up' ? '' : 'link '}${v.value ? 'up' : 'down'}`;
    return v.value ? words : `not ${words}`;
  }
  // Names of things read as themselves: "DSL", "full", "G.993.2_17a".
  if (v.kind === 'string' && ['source', 'protocol', 'channel', 'duplex', 'network_type'].includes(field)) return v.value;
  return `${words} ${human(field, v)}`;
}

/** The columns a traffic row fills, also under their Telegraf names (from the catalogue); the rest of its fields go to the status text. */
const net = (field: string): string => catalogue(DEFAULT_MEASUREMENT).netName(field);
const COLUMNS = ['rx_bytes', 'tx_bytes', 'rx_pkts', 'tx_pkts', 'rx_err', 'tx_err'];
const COLUMN_FIELDS = new Set([...COLUMNS, ...COLUMNS.map(net), 'total_time', 'elapsed_time']);
/** Tags that tell a device's rows apart; they make the row's name. */
const LABEL_TAGS = ['interface', 'line', 'direction'];

function rowName(m: Metric): string {
  const iface = m.tags['interface'];
  // `lan port1`, `dsl 1 down`; a traffic line is its interface (Sonos) or its measurement (a gateway's `net`).
  const what = m.name.startsWith('homenet_') ? m.name.slice('homenet_'.length) : iface === undefined ? m.name : undefined;
  return [what, iface, m.tags['line'], m.tags['direction']].filter((t) => t !== undefined).join(' ');
}

function rowKey(m: Metric): string {
  const extra = Object.entries(m.tags).filter(([t]) => t !== 'host' && !LABEL_TAGS.includes(t)).map(([t, v]) => `${t}=${v}`);
  return `${m.tags['host'] ?? ''}\u0000${m.name}\u0000${rowName(m)}\u0000${extra.join(',')}`;
}

function int(m: Metric, f: string): bigint | undefined {
  const v = m.fields[f];
  return v?.kind === 'int' ? v.value : undefined;
}

/** The bits per second between two readings of a row, from the totals when there are any. */
function rate(now: Metric, before: Metric, dir: 'rx' | 'tx', seconds: number): number | undefined {
  for (const f of [`${dir}_bytes_total`, `${dir}_bytes`, net(`${dir}_bytes`)]) {
    const a = int(before, f);
    const b = int(now, f);
    if (a === undefined || b === undefined) continue;
    // A raw 32-bit counter that wrapped between the readings; a bigger one that went down was reset.
    if (b < a && a >= 2n ** 32n) return undefined;
    const delta = b >= a ? b - a : b + 2n ** 32n - a;
    return (Number(delta) * 8) / seconds;
  }
  return undefined;
}

/** One row of a device's block. */
interface Row {
  readonly key: string;
  readonly name: string;
  /** Bytes (or packets) received and sent; undefined for rows that count no traffic. */
  readonly rx?: string;
  readonly tx?: string;
  readonly err?: string;
  readonly rxRate?: number;
  readonly txRate?: number;
  readonly status: string;
}

function trafficCell(m: Metric, dir: 'rx' | 'tx'): string | undefined {
  const b = int(m, `${dir}_bytes`) ?? int(m, net(`${dir}_bytes`));
  if (b !== undefined) return bytes(b);
  const p = int(m, `${dir}_pkts`) ?? int(m, net(`${dir}_pkts`));
  return p === undefined ? undefined : count(p, 'pkt');
}

function errCell(m: Metric): string | undefined {
  const rx = int(m, 'rx_err') ?? int(m, net('rx_err'));
  const tx = int(m, 'tx_err') ?? int(m, net('tx_err'));
  if (rx === undefined && tx === undefined) return undefined;
  return `${rx ?? 0n}/${tx ?? 0n}`;
}

function makeRow(m: Metric, before: Metric | undefined, seconds: number): Row {
  const rx = trafficCell(m, 'rx');
  const tx = trafficCell(m, 'tx');
  const traffic = rx !== undefined || tx !== undefined;
  const status = Object.entries(m.fields)
    .filter(([f, v]) => {
      // A *_total twin says the same as its raw counter here.
      if (f.endsWith('_total') && m.fields[f.replace(/_total$/, '')] !== undefined) return false;
      if (traffic && COLUMN_FIELDS.has(f)) return false;
      // Counters of trouble matter when they are not zero; the rest of a traffic row's counters are detail.
      if (traffic && v.kind === 'int' && /^(ipv6_)?(rx|tx)_|^collisions$/.test(f)) return /_(err|drop|overruns|frame|carrier)$|^collisions$/.test(f) && v.value !== 0n;
      if (traffic && /^(rx|tx)_pct$/.test(f)) return Number(v.value) !== 0;
      // A port that is down has no speed worth saying.
      if (f === 'speed_bps' && v.kind === 'int' && v.value === 0n) return false;
      return true;
    })
    .map(([f, v]) => describe(f, v));
  const row: { -readonly [K in keyof Row]: Row[K] } = { key: rowKey(m), name: rowName(m), status: status.join(' · ') };
  if (rx !== undefined) row.rx = rx;
  if (tx !== undefined) row.tx = tx;
  const err = errCell(m);
  if (err !== undefined && traffic) row.err = err;
  if (before && seconds > 0) {
    const r = rate(m, before, 'rx', seconds);
    const t = rate(m, before, 'tx', seconds);
    if (r !== undefined) row.rxRate = r;
    if (t !== undefined) row.txRate = t;
  }
  return row;
}

/** One device's block: its header lines and rows. */
interface Block {
  readonly head: string;
  /** Why the device failed, on its own line under the head. */
  readonly error?: string;
  readonly about: string;
  readonly rows: readonly Row[];
}

function makeBlocks(metrics: readonly Metric[], before: readonly Metric[], seconds: number): Block[] {
  const previous = new Map(before.map((m) => [rowKey(m), m]));
  // A row two devices print (one host tag for both) has no one previous reading: no rate.
  for (const batch of [before, metrics]) {
    const seen = new Set<string>();
    for (const m of batch) {
      const k = rowKey(m);
      if (seen.has(k)) previous.delete(k);
      seen.add(k);
    }
  }
  const hosts = [...new Set(metrics.map((m) => m.tags['host'] ?? ''))];
  return hosts.map((host) => {
    const mine = metrics.filter((m) => (m.tags['host'] ?? '') === host);
    const status = mine.find((m) => m.name === 'homenet_scrape');
    const system = mine.find((m) => m.name === 'homenet_system');
    const lines = mine.filter((m) => m !== status && m !== system);
    // Tags every line of the device carries are said once, in its header.
    // (A device that failed has only its status line: its tags, less the type said beside the name.)
    const tagged = lines.length > 0 ? lines : status ? [status] : [];
    const shared = Object.entries(tagged[0]?.tags ?? {}).filter(
      ([t, v]) => t !== 'host' && t !== 'type' && !LABEL_TAGS.includes(t) && tagged.every((m) => m.tags[t] === v),
    );
    const sharedKeys = new Set(shared.map(([t]) => t));
    const ok = status?.fields['success']?.value === true;
    const took = status?.fields['duration_ms'];
    const omitted = int(status ?? { name: '', tags: {}, fields: {} }, 'values_omitted');
    const error = status?.fields['error'];
    const head = [
      host,
      status?.tags['type'],
      `${ok ? 'ok' : 'FAILED'}${took ? ` in ${human('duration_ms', took)}` : ''}`,
      omitted ? `${omitted} values left out` : undefined,
      ...shared.map(([t, v]) => `${t}=${v}`),
    ].filter((s) => s !== undefined && s !== '').join(' · ');
    const st = system?.tags ?? {};
    const uptime = system?.fields['uptime_s'];
    const about = system
      ? [
          uptime === undefined ? undefined : `up ${human('uptime_s', uptime)}`,
          [st['manufacturer'], st['model']].filter((s) => s !== undefined).join(' '),
          st['firmware'] === undefined ? undefined : `firmware ${st['firmware']}`,
          st['hardware'] === undefined ? undefined : `hardware ${st['hardware']}`,
          st['serial'] === undefined ? undefined : `serial ${st['serial']}`,
          ...Object.entries(system.fields).filter(([f]) => f !== 'info' && f !== 'uptime_s').map(([f, v]) => describe(f, v)),
        ].filter((s) => s !== undefined && s !== '').join(' · ')
      : '';
    const rows = lines.map((m) => {
      const row = makeRow(m, previous.get(rowKey(m)), seconds);
      // Tags that differ between rows and name no interface or line: beside the name.
      const extra = Object.entries(m.tags).filter(([t]) => t !== 'host' && !LABEL_TAGS.includes(t) && !sharedKeys.has(t));
      return extra.length === 0 ? row : { ...row, name: `${row.name} (${extra.map(([t, v]) => `${t}=${v}`).join(' ')})` };
    });
    return { head, ...(error?.kind === 'string' ? { error: error.value } : {}), about, rows };
  });
}

const SPARKS = '▁▂▃▄▅▆▇█';

/** A sparkline of the last `width` values, scaled to their own maximum. */
export function sparkline(values: readonly number[], width: number): string {
  const last = values.slice(-width);
  const max = Math.max(...last, 0);
  const line = last.map((v) => (max <= 0 ? SPARKS[0] : SPARKS[Math.min(SPARKS.length - 1, Math.floor((v / max) * (SPARKS.length - 1) + 0.5))]) ?? '').join('');
  return line.padStart(width);
}

/** How wide a table may be, and what to do with text that does not fit. */
export interface Layout {
  /** Terminal columns. */
  readonly width: number;
  /** Long status text: wrapped onto more lines (a one-off table) or cut (a screen redrawn in place). */
  readonly overflow: 'wrap' | 'cut';
  /** Rate history per row, for the sparkline column (the live view). */
  readonly history?: ReadonlyMap<string, readonly number[]>;
}

const HISTORY = 8;

/**
 * Text in lines of at most `first` columns, then `rest` columns after
 * `indent` spaces; broken between ` · ` parts where it can, else between words.
 */
function fit(text: string, first: number, rest: number, indent: number, overflow: 'wrap' | 'cut'): string {
  if (text.length <= first) return text;
  if (overflow === 'cut') return `${text.slice(0, Math.max(0, first - 1))}…`;
  const lines: string[] = [];
  let line = '';
  const room = (): number => (lines.length === 0 ? first : rest);
  const add = (word: string, join: string): void => {
    if (line === '' || line.length + join.length + word.length <= room()) line += line === '' ? word : join + word;
    else {
      lines.push(line);
      line = word;
    }
  };
  for (const part of text.split(' · ')) {
    if (line !== '' && line.length + 3 + part.length > room()) {
      lines.push(line);
      line = '';
    }
    // A part (`attenuation 19.5 dB`) is kept whole; only one longer than a line is broken between words.
    if (part.length <= room()) add(part, ' · ');
    else part.split(' ').forEach((word, i) => {
      add(word, i === 0 && line !== '' ? ' · ' : ' ');
    });
  }
  lines.push(line);
  return lines.join(`\n${' '.repeat(indent)}`);
}

function render(blocks: readonly Block[], layout: Layout, withRates: boolean): string {
  const all = blocks.flatMap((b) => b.rows);
  const nameW = Math.min(Math.max(8, ...all.map((r) => r.name.length)), 24);
  const heads = ['rx', 'tx', ...(withRates ? ['rx rate', 'tx rate'] : []), ...(layout.history ? ['history'] : []), 'errors'];
  const cellsOf = (r: Row): string[] => [
    r.rx ?? '',
    r.tx ?? '',
    ...(withRates ? [r.rxRate === undefined ? '' : bitsPerSecond(r.rxRate), r.txRate === undefined ? '' : bitsPerSecond(r.txRate)] : []),
    ...(layout.history ? [sparkline(layout.history.get(r.key) ?? [], HISTORY)] : []),
    r.err ?? '',
  ];
  const cells = new Map(all.filter((r) => r.rx !== undefined || r.tx !== undefined).map((r) => [r, cellsOf(r)]));
  // Each column as wide as its widest cell: an 80-column terminal keeps room for the status.
  const widths = heads.map((h, i) => Math.max(h.length, ...[...cells.values()].map((c) => c[i]?.length ?? 0)));
  const columns = (texts: readonly string[]): string => texts.map((t, i) => `  ${t.padStart(widths[i] ?? 0)}`).join('');
  const header = `  ${'row'.padEnd(nameW)}${columns(heads)}  status`;
  const statusAt = header.length - 'status'.length;
  const w = layout.width;
  // Too narrow for the last heading: the status text itself still shows, cut.
  let out = `${header.length <= w ? header : header.slice(0, statusAt).trimEnd()}\n`;
  for (const b of blocks) {
    out += `${fit(b.head, w, w - 2, 2, layout.overflow)}\n`;
    if (b.error !== undefined) out += `  ${fit(b.error, w - 2, w - 2, 2, layout.overflow)}\n`;
    if (b.about !== '') out += `  ${fit(b.about, w - 2, w - 2, 2, layout.overflow)}\n`;
    for (const r of b.rows) {
      const name = r.name.length > nameW ? `${r.name.slice(0, nameW - 1)}…` : r.name.padEnd(nameW);
      const c = cells.get(r);
      if (!c) {
        // A row with no traffic (line health, NAT) has its words right after the name.
        out += `  ${name}  ${fit(r.status, w - nameW - 4, w - nameW - 4, nameW + 4, layout.overflow)}\n`;
        continue;
      }
      const line = `  ${name}${columns(c)}`;
      // Status text that does not fit beside the numbers goes on under them, as wide as the name's rows.
      out += r.status === '' ? `${line.trimEnd()}\n` : `${line}  ${fit(r.status, w - statusAt, w - nameW - 4, nameW + 4, layout.overflow)}\n`;
    }
  }
  return out;
}

/**
 * The metrics of one gather as a table by device; with `before` (an earlier
 * gather `seconds` before), traffic rates too.
 */
export function pretty(metrics: readonly Metric[], before?: readonly Metric[], seconds = 0, width = 100): string {
  const blocks = makeBlocks(metrics, before ?? [], seconds);
  return render(blocks, { width, overflow: 'wrap' }, before !== undefined && seconds > 0);
}

/**
 * The live view: each gather becomes one screen, with rates from the gather
 * before it and a short history of each row's traffic (received plus sent).
 */
export class Watch {
  private before: readonly Metric[] = [];
  private beforeMs: number | undefined;
  private readonly history = new Map<string, number[]>();

  /** The screen for a gather made at `atMs` (ms, any monotonic clock). */
  frame(metrics: readonly Metric[], atMs: number, width: number): string {
    const seconds = this.beforeMs === undefined ? 0 : (atMs - this.beforeMs) / 1000;
    const blocks = makeBlocks(metrics, this.before, seconds);
    const seen = new Set<string>();
    for (const r of blocks.flatMap((b) => b.rows)) {
      seen.add(r.key);
      if (r.rxRate === undefined && r.txRate === undefined) continue;
      const h = this.history.get(r.key) ?? [];
      h.push((r.rxRate ?? 0) + (r.txRate ?? 0));
      if (h.length > HISTORY) h.shift();
      this.history.set(r.key, h);
    }
    for (const k of this.history.keys()) if (!seen.has(k)) this.history.delete(k);
    this.before = metrics;
    this.beforeMs = atMs;
    return render(blocks, { width, overflow: 'cut', history: this.history }, true);
  }
}
