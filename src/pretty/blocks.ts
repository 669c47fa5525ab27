/**
 * One gather's metrics as the terminal views tell them: a block per device
 * (its status, the tags all its lines share, model and firmware, said once),
 * then a row per interface, port or line, with rates from an earlier gather.
 *
 * A device is a section of the config, not a host tag: its lines and the
 * `homenet_scrape` line collect prints after them (collect/scrape.ts), in
 * the config's order. Its status is that line's. A Sonos household's
 * speakers carry a host tag each, none of them the household's own: each
 * speaker gets a block under the household's, with the household's status.
 */
import { DEFAULT_MEASUREMENT } from '../config/index.js';
import { catalogue, DEVICE_KINDS, SCRAPE_MEASUREMENT, SYSTEM_MEASUREMENT } from '../devices/index.js';
import { WRAP_32, type Metric } from '../lineprotocol.js';
import { escapeControls } from '../log.js';
import { bytes, count, describe, human } from './units.js';
import { USAGE_MEASUREMENT, usageWords } from './usage.js';

/** One row of a block: a traffic line (numbers in columns) or a line of words. */
export interface Row {
  /** The same row's key in the next gather: its rates and history follow it. */
  readonly key: string;
  readonly name: string;
  /** Bytes (or packets) received and sent; undefined for rows that count no traffic. */
  readonly rx?: string;
  readonly tx?: string;
  /** Receive/transmit errors. */
  readonly err?: string;
  /** Per second since the earlier gather: bits, or packets where the row counts no bytes (`rateUnit`). */
  readonly rxRate?: number;
  readonly txRate?: number;
  readonly rateUnit?: 'pkt/s';
  /** The rest of the line in words. */
  readonly status: string;
}

/** A device's block, or one speaker's under its household's. */
export interface Block {
  /** Name, type and status. */
  readonly head: string;
  /** The tags all its lines share (`region=home`), said once. */
  readonly tags: string;
  /** Why the device failed, on its own line under the head. */
  readonly error?: string;
  /** Uptime, model, firmware: from its `homenet_system` line. */
  readonly about: string;
  readonly rows: readonly Row[];
}

/** The columns a traffic row fills, also under their Telegraf names (from the catalogue); the rest of its fields go to the status text. */
const net = (field: string): string => catalogue(DEFAULT_MEASUREMENT).netName(field);
const COLUMNS = ['rx_bytes', 'tx_bytes', 'rx_pkts', 'tx_pkts', 'rx_err', 'tx_err'];
const COLUMN_FIELDS = new Set([...COLUMNS, ...COLUMNS.map(net), 'total_time', 'elapsed_time']);
/** Tags that tell a device's rows apart; they make the row's name. */
const LABEL_TAGS = ['interface', 'line', 'direction'];

const hostOf = (m: Metric): string => m.tags['host'] ?? '';

/** One configured device: its lines, then its scrape status (absent in a list made by hand). */
interface Device {
  readonly lines: readonly Metric[];
  readonly scrape?: Metric;
}

/** The metrics split into devices after each scrape line; lines after the last make one more, with no status. */
function devices(metrics: readonly Metric[]): Device[] {
  const out: Device[] = [];
  let lines: Metric[] = [];
  for (const m of metrics) {
    if (m.name !== SCRAPE_MEASUREMENT) lines.push(m);
    else {
      out.push({ lines, scrape: m });
      lines = [];
    }
  }
  if (lines.length > 0) out.push({ lines });
  return out;
}

function rowName(m: Metric): string {
  const iface = m.tags['interface'];
  // `lan port1`, `dsl 1 down`; a traffic line is its interface (Sonos) or its measurement (a gateway's `net`).
  const what = m.name.startsWith('homenet_') ? m.name.slice('homenet_'.length) : iface === undefined ? m.name : undefined;
  return escapeControls([what, iface, m.tags['line'], m.tags['direction']].filter((t) => t !== undefined).join(' '));
}

/** A row's identity from gather to gather: its device (by place in the config), host, measurement, name and other tags. */
function rowKey(m: Metric, device: number): string {
  const extra = Object.entries(m.tags)
    .filter(([t]) => t !== 'host' && !LABEL_TAGS.includes(t))
    .map(([t, v]) => `${t}=${v}`);
  return `${device}\u0000${hostOf(m)}\u0000${m.name}\u0000${rowName(m)}\u0000${extra.join(',')}`;
}

/** Each row's line by key, leaving out keys two lines share (two speakers of one name): they have no one reading to compare. */
function readings(metrics: readonly Metric[]): Map<string, Metric> {
  const byKey = new Map<string, Metric>();
  const twice = new Set<string>();
  devices(metrics).forEach((d, i) => {
    for (const m of d.lines) {
      const k = rowKey(m, i);
      if (byKey.has(k)) twice.add(k);
      byKey.set(k, m);
    }
  });
  for (const k of twice) byKey.delete(k);
  return byKey;
}

function int(m: Metric, f: string): bigint | undefined {
  const v = m.fields[f];
  return v?.kind === 'int' ? v.value : undefined;
}

/**
 * The rate between two readings of a row, from the totals when there are
 * any: bits per second, or packets per second from a row that counts no
 * bytes (a LAN total on some gateways).
 */
function rate(now: Metric, before: Metric, dir: 'rx' | 'tx', seconds: number): number | undefined {
  const bytes = [`${dir}_bytes_total`, `${dir}_bytes`, net(`${dir}_bytes`)];
  const pkts = [`${dir}_pkts_total`, `${dir}_pkts`, net(`${dir}_pkts`)];
  for (const [fields, per] of [
    [bytes, 8],
    [pkts, 1],
  ] as const) {
    for (const f of fields) {
      const a = int(before, f);
      const b = int(now, f);
      if (a === undefined || b === undefined) continue;
      // A raw 32-bit counter that wrapped between the readings; a bigger one that went down was reset.
      if (b < a && a >= WRAP_32) return undefined;
      const delta = b >= a ? b - a : b + WRAP_32 - a;
      return (Number(delta) * per) / seconds;
    }
  }
  return undefined;
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

function statusText(m: Metric, traffic: boolean): string {
  return Object.entries(m.fields)
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
    .map(([f, v]) => escapeControls(describe(f, v)))
    .join(' · ');
}

function makeRow(m: Metric, key: string, before: Metric | undefined, seconds: number): Row {
  const rx = trafficCell(m, 'rx');
  const tx = trafficCell(m, 'tx');
  const traffic = rx !== undefined || tx !== undefined;
  const row: { -readonly [K in keyof Row]: Row[K] } = { key, name: rowName(m), status: statusText(m, traffic) };
  if (rx !== undefined) row.rx = rx;
  if (tx !== undefined) row.tx = tx;
  const err = errCell(m);
  if (err !== undefined && traffic) row.err = err;
  if (before && seconds > 0) {
    const r = rate(m, before, 'rx', seconds);
    const t = rate(m, before, 'tx', seconds);
    if (r !== undefined) row.rxRate = r;
    if (t !== undefined) row.txRate = t;
    if (rx?.endsWith(' pkt') === true || tx?.endsWith(' pkt') === true) row.rateUnit = 'pkt/s';
  }
  return row;
}

/** Tags every one of `lines` carries alike, less the host, the type and those that name a row. */
function sharedTags(lines: readonly Metric[], said: ReadonlySet<string>): [string, string][] {
  return Object.entries(lines[0]?.tags ?? {}).filter(([t, v]) => t !== 'host' && t !== 'type' && !LABEL_TAGS.includes(t) && !said.has(t) && lines.every((m) => m.tags[t] === v));
}

const tagText = (tags: readonly [string, string][]): string[] => tags.map(([t, v]) => escapeControls(`${t}=${v}`));

/** Uptime, make and model, firmware, hardware, serial and the rest of a `homenet_system` line. */
function about(system: Metric | undefined): string {
  if (!system) return '';
  const st = system.tags;
  const cat = catalogue(DEFAULT_MEASUREMENT);
  const uptimeField = cat.uptime(system.name);
  const uptime = uptimeField === undefined ? undefined : system.fields[uptimeField];
  return escapeControls(
    [
      uptime === undefined || uptimeField === undefined ? undefined : `up ${human(uptimeField, uptime)}`,
      [st['manufacturer'], st['model']].filter((s) => s !== undefined).join(' '),
      st['firmware'] === undefined ? undefined : `firmware ${st['firmware']}`,
      st['hardware'] === undefined ? undefined : `hardware ${st['hardware']}`,
      st['serial'] === undefined ? undefined : `serial ${st['serial']}`,
      ...Object.entries(system.fields)
        .filter(([f]) => f !== uptimeField && cat.field(system.name, f)?.hidden !== true)
        .map(([f, v]) => describe(f, v)),
    ]
      .filter((s) => s !== undefined && s !== '')
      .join(' · '),
  );
}

/** What a gather needs to turn a device's lines into rows. */
interface Context {
  readonly device: number;
  readonly now: ReadonlyMap<string, Metric>;
  readonly previous: ReadonlyMap<string, Metric>;
  readonly seconds: number;
  /** What a gateway's block says when it has no `homenet_usage` line (no state file, say). */
  readonly usageNote?: string | undefined;
}

/** The block of one host's lines: its system line as the about line, the rest as rows; `said` are tags the heads above already say. */
function hostBlock(head: string, tags: readonly [string, string][], error: string | undefined, lines: readonly Metric[], said: ReadonlySet<string>, c: Context): Block {
  const system = lines.find((m) => m.name === SYSTEM_MEASUREMENT);
  const rows = lines
    .filter((m) => m !== system && m.name !== USAGE_MEASUREMENT)
    .map((m) => {
      const key = rowKey(m, c.device);
      // A key two lines share has no one earlier reading (readings() left it out).
      const row = makeRow(m, key, c.now.get(key) === m ? c.previous.get(key) : undefined, c.seconds);
      // Tags that differ between rows and name no interface or line: beside the name.
      const extra = Object.entries(m.tags).filter(([t]) => t !== 'host' && !LABEL_TAGS.includes(t) && !said.has(t));
      return extra.length === 0 ? row : { ...row, name: `${row.name} (${tagText(extra).join(' ')})` };
    });
  return { head, tags: tagText(tags).join(' · '), ...(error === undefined ? {} : { error }), about: about(system), rows };
}

/** A device's blocks: its own, then one per other host tag among its lines (a household's speakers). */
function deviceBlocks(d: Device, c: Context): Block[] {
  const own = d.scrape ? hostOf(d.scrape) : hostOf(d.lines[0] ?? { name: '', tags: {}, fields: {} });
  const data = d.lines.filter((m) => m.name !== SYSTEM_MEASUREMENT);
  // Tags all the device's lines carry are said once, in its head; a device that failed has only its scrape line.
  const shared = sharedTags(data.length > 0 ? data : d.scrape ? [d.scrape] : [], new Set());
  const said = new Set(shared.map(([t]) => t));
  const ok = d.scrape?.fields['success']?.value === true;
  const took = d.scrape?.fields['duration_ms'];
  const omitted = d.scrape ? int(d.scrape, 'values_omitted') : undefined;
  const error = d.scrape?.fields['error'];
  // No scrape line (a list made by hand): no status to say.
  const status = d.scrape === undefined ? undefined : ok ? 'ok' : 'FAILED';
  const head = [
    own,
    d.scrape?.tags['type'],
    status === undefined ? undefined : `${status}${took ? ` in ${human('duration_ms', took, 'ms')}` : ''}`,
    omitted ? `${omitted} values left out` : undefined,
  ].filter((s) => s !== undefined && s !== '');
  const lines = d.lines.filter((m) => hostOf(m) === own);
  const blocks = [withUsage(hostBlock(escapeControls(head.join(' · ')), shared, error?.kind === 'string' ? escapeControls(error.value) : undefined, lines, said, c), d, lines, c)];
  for (const host of new Set(d.lines.map(hostOf))) {
    if (host === own) continue;
    const lines = d.lines.filter((m) => hostOf(m) === host);
    const mine = sharedTags(
      lines.filter((m) => m.name !== SYSTEM_MEASUREMENT),
      said,
    );
    const head = [host, status].filter((s) => s !== undefined).join(' · ');
    blocks.push(hostBlock(escapeControls(head), mine, undefined, lines, new Set([...said, ...mine.map(([t]) => t)]), c));
  }
  return blocks;
}

/**
 * A gateway's block with the data it used, in words: first on its `wan`
 * row (the Internet connection it is of), so the README's complete example
 * still fits 80x24 and a narrow window keeps it; else on a row of its own.
 * A gateway that read its traffic and has no `homenet_usage` line says why
 * (the run's note), last on that row: it matters less than the line's state.
 */
function withUsage(b: Block, d: Device, lines: readonly Metric[], c: Context): Block {
  const used = lines.find((m) => m.name === USAGE_MEASUREMENT);
  const gateway = DEVICE_KINDS.get(d.scrape?.tags['type'] ?? '')?.role === 'gateway';
  // The traffic measurement is the one line not named homenet_ (the config refuses such a name for it).
  const traffic = lines.some((m) => !m.name.startsWith('homenet_') && m.tags['interface'] === undefined);
  const note = !used && gateway && traffic && c.usageNote !== undefined ? `data used: ${c.usageNote}` : undefined;
  if (!used && note === undefined) return b;
  const words = used ? escapeControls(usageWords(used)) : (note ?? '');
  const wan = b.rows.findIndex((r) => r.name === 'wan');
  if (wan < 0) return { ...b, rows: [...b.rows, { key: `${c.device}\u0000usage`, name: 'usage', status: words }] };
  const rows = [...b.rows];
  const row = rows[wan];
  if (row) rows[wan] = { ...row, status: [used ? words : '', row.status, used ? '' : words].filter((t) => t !== '').join(' · ') };
  return { ...b, rows };
}

/** The blocks of one gather, in the config's order; with `before` (an earlier gather `seconds` before), each row's rates. */
export function makeBlocks(metrics: readonly Metric[], before: readonly Metric[], seconds: number, usageNote?: string): Block[] {
  const now = readings(metrics);
  const previous = readings(before);
  return devices(metrics).flatMap((d, device) => deviceBlocks(d, { device, now, previous, seconds, usageNote }));
}
