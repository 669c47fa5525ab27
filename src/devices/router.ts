/**
 * What a router's status pages tend to share, whatever the make: labels as a
 * page writes them, counter rows named by their labels, the system table
 * (model, firmware, serial, uptime in every format seen), port tables with a
 * column per port, percentages. A make's extracts use what fits its pages.
 * Everything is found by visible labels; a section that is absent yields no
 * metrics, a section that is present but unreadable is a ParseError.
 */
import { bool, cleanTag, float, int, type FieldValue, type Metric } from '../lineprotocol.js';
import { columnTable, labelKey, normText, ParseError, rowValues, tables, type Doc, type El } from '../html/index.js';
import { dropImpossibleParts, setCounter, type Omitter } from './fields.js';
import { SYSTEM_MEASUREMENT } from './vocabulary.js';

/** Words of a label as a page may write them: spaces or `&nbsp;` between. */
export const SP = String.raw`(?:\s|&nbsp;|&#160;)+`;

/** Whether the raw page text holds these words (a title, heading, caption or row label); each word may be a pattern. */
export function says(...words: string[]): RegExp {
  return new RegExp(words.join(SP), 'i');
}

/**
 * The field a counter label stands for: `Receive Bytes` -> rx_bytes,
 * `Transmit Error Packets` -> tx_err, `Receive Drops` -> rx_drop, `Collisions`.
 */
export function counterName(label: string): string | undefined {
  const l = labelKey(label);
  if (l === 'collisions') return 'collisions';
  const m = /^(transmit|transmitted|tx|send|sent|receive|received|rx)\s+(.+)$/.exec(l);
  if (!m) return undefined;
  const dir = /^(transmit|transmitted|tx|send|sent)$/.test(m[1] ?? '') ? 'tx' : 'rx';
  const what = m[2] ?? '';
  const kinds: [RegExp, string][] = [
    [/^bytes?$/, 'bytes'],
    [/^packets?$/, 'pkts'],
    [/^(errors?|error packets)$/, 'err'],
    [/^(drops?|dropped|discards?|discard packets|dropped packets)$/, 'drop'],
    [/^unicast( packets)?$/, 'unicast'],
    [/^multicast( packets)?$/, 'multicast'],
    [/^broadcast( packets)?$/, 'broadcast'],
  ];
  const kind = kinds.find(([re]) => re.test(what))?.[1];
  return kind === undefined ? undefined : `${dir}_${kind}`;
}

/** A percentage to 4 decimal places, as precise as anyone graphs it. */
export function percentOf(part: bigint, whole: bigint): FieldValue {
  if (whole === 0n) return float(0);
  return float(Math.round((Number(part) * 100 * 10_000) / Number(whole)) / 10_000);
}

/** A row label -> value map of every two-column row on the page; the first of each label wins. */
function allRowValues(doc: Doc): Map<string, string> {
  const out = new Map<string, string>();
  for (const t of tables(doc)) {
    for (const [k, v] of rowValues(t)) if (!out.has(k)) out.set(k, v);
  }
  return out;
}

/** The first label of `labels` present in `values`. */
export function pick(values: ReadonlyMap<string, string>, labels: readonly string[]): string | undefined {
  for (const l of labels) {
    const v = values.get(l);
    if (v !== undefined) return v;
  }
  return undefined;
}

/**
 * Uptime in seconds from every format the gateways use:
 * `94 days 13:33:31`, `0 day 0:14:23`, `D:H:M:S` (`00:09:51:01`), `H:M:S`, plain seconds.
 */
function uptimeSeconds(text: string): number | undefined {
  const t = normText(text).toLowerCase();
  let m = /^(\d+)\s*days?,?\s+(\d+):(\d{1,2}):(\d{1,2})$/.exec(t) ?? /^(\d+):(\d+):(\d{1,2}):(\d{1,2})$/.exec(t);
  if (m) return ((Number(m[1]) * 24 + Number(m[2])) * 60 + Number(m[3])) * 60 + Number(m[4]);
  m = /^(\d+):(\d{1,2}):(\d{1,2})$/.exec(t);
  if (m) return (Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3]);
  m = /^(\d+)\s*(s|sec|seconds)?$/.exec(t);
  return m ? Number(m[1]) : undefined;
}

const UPTIME_LABELS = ['time since last reboot', 'time since last boot', 'system uptime', 'uptime'];

/** The `homenet_system` line: model, firmware, serial as tags; uptime in seconds. */
export function systemMetrics(doc: Doc, title: string): Metric[] {
  const values = allRowValues(doc);
  const uptimeText = pick(values, UPTIME_LABELS);
  if (uptimeText === undefined) throw new ParseError(`${title}: no "Time Since Last Reboot" (or "Time Since Last Boot") row`);
  const uptime = uptimeSeconds(uptimeText);
  if (uptime === undefined) throw new ParseError(`${title}: uptime ${JSON.stringify(uptimeText)} is not in a known format`);
  if (!Number.isSafeInteger(uptime)) throw new ParseError(`${title}: uptime ${JSON.stringify(uptimeText)} is out of range`);
  const tags: Record<string, string> = {};
  const tagLabels: [string, readonly string[]][] = [
    ['manufacturer', ['manufacturer']],
    ['model', ['model number', 'model']],
    ['serial', ['serial number', 'serial']],
    ['firmware', ['software version', 'firmware version']],
    ['hardware', ['hardware version']],
  ];
  for (const [tag, labels] of tagLabels) {
    const v = cleanTag(pick(values, labels) ?? '');
    if (v !== '') tags[tag] = v;
  }
  return [{ name: SYSTEM_MEASUREMENT, tags, fields: { uptime_s: int(uptime) } }];
}

/** `Port 1` -> port1, `2.4 GHz` -> wifi-2.4ghz, `5 GHz` -> wifi-5ghz. */
function interfaceName(column: string): string {
  const c = normText(column).toLowerCase();
  const ghz = /^(?:wi-?fi\s*)?([\d.]+)\s*ghz$/.exec(c);
  if (ghz) return `wifi-${ghz[1] ?? ''}ghz`;
  return c.replace(/\s+/g, '');
}

/**
 * One line per port or band (a gateway's `homenet_lan`) from a table with one column each:
 * counter rows, plus `State` (up) and `Transmit Speed` (bit/s) where present.
 */
export function columnCounterMetrics(table: El, measurement: string, where: string, omit: Omitter): Metric[] {
  const t = columnTable(table);
  if (!t) throw new ParseError(`${where}: no header row naming the columns`);
  // A loop, not a callback made on every call (see dslMetrics in att/common.ts).
  const out: Metric[] = [];
  for (const [i, column] of t.columns.entries()) {
    const fields: Record<string, FieldValue> = {};
    for (const [label, cells] of t.rows) {
      const text = cells[i] ?? '';
      // An empty cell under a column is "not shown", as a missing row is.
      if (normText(text) === '') continue;
      const at = `${where} ${column} "${label}"`;
      if (label === 'state' || label === 'status' || label === 'link state') fields['up'] ??= bool(/^up$/i.test(normText(text)));
      else if (label === 'transmit speed' || label === 'speed' || label === 'link speed') setCounter(fields, 'speed_bps', omit, at, text);
      else {
        const name = counterName(label);
        if (name !== undefined) setCounter(fields, name, omit, at, text);
      }
    }
    dropImpossibleParts(fields, PACKET_PARTS, omit, `${where} ${column}`);
    if (Object.keys(fields).length > 0) out.push({ name: measurement, tags: { interface: cleanTag(interfaceName(column)) }, fields });
  }
  return out;
}

/** Packet counts that are parts of a direction's packets. */
export const PACKET_PARTS: Readonly<Record<string, string>> = {
  tx_unicast: 'tx_pkts',
  rx_unicast: 'rx_pkts',
  tx_multicast: 'tx_pkts',
  rx_multicast: 'rx_pkts',
  tx_broadcast: 'tx_pkts',
  rx_broadcast: 'rx_pkts',
};

/** Counter rows of a two-column table, e.g. the IPv4 statistics, as fields named by {@link counterName}. */
export function rowCounters(table: El, where: string, omit: Omitter): Record<string, FieldValue> {
  const fields: Record<string, FieldValue> = {};
  for (const [label, text] of rowValues(table)) {
    const name = counterName(label);
    if (name !== undefined) setCounter(fields, name, omit, `${where} "${label}"`, text);
  }
  return fields;
}
