/**
 * AT&T gateways, family 2: Arris BGW210-700, BGW320-500/505, NVG589/599
 * (".ha" pages). Sections are `<h2>` headings over `<table summary="...">`
 * tables of `<th scope="row">Label</th><td>value</td>` rows; tables are found
 * by their summary, or by their heading when a firmware words it differently.
 */
import { bool, cleanTag, float, str, type FieldValue, type Metric } from '../../lineprotocol.js';
import { findTable, labelKey, measureOf, normText, ParseError, rowValues, textOf, type Doc, type El } from '../../html/index.js';
import { M } from './catalogue.js';
import { dslMetrics, natMetrics } from './common.js';
import { columnCounterMetrics, counterName, PACKET_PARTS, percentOf, rowCounters, says, systemMetrics } from '../router.js';
import { dropImpossibleParts, setCounter, shown, timingFields, type Omitter } from '../fields.js';
import type { Family, PageSpec } from '../kind.js';
import { haLogin } from './login.js';

/** A page is markup with tables or headings; a page's visible text pasted into a bug report is not one. */
const MARKUP = /<(?:table|h[1-6])\b/i;

/** A recogniser: markup that says any of these. */
function pageSaying(...words: RegExp[]): (body: string) => boolean {
  return (body) => MARKUP.test(body) && words.some((re) => re.test(body));
}

const BROADBAND_TITLE = 'Broadband Status (/cgi-bin/broadbandstatistics.ha)';

// Traffic fields in the seed's order: tx then rx, then the .ha extras.
const TRAFFIC_ORDER = [
  'tx_bytes',
  'tx_pkts',
  'tx_err',
  'tx_pct',
  'rx_bytes',
  'rx_pkts',
  'rx_err',
  'rx_pct',
  'tx_drop',
  'rx_drop',
  'tx_unicast',
  'rx_unicast',
  'tx_multicast',
  'rx_multicast',
  'collisions',
];
/** The seed's counters: a page without one of these rows is worth a warning. */
const EXPECTED_LABELS: Readonly<Record<string, string>> = {
  tx_bytes: 'Transmit Bytes',
  tx_pkts: 'Transmit Packets',
  tx_err: 'Transmit Errors',
  rx_bytes: 'Receive Bytes',
  rx_pkts: 'Receive Packets',
  rx_err: 'Receive Errors',
};
/** Without any of these the traffic line says nothing. */
const KEY_COUNTERS = ['tx_bytes', 'rx_bytes', 'tx_pkts', 'rx_pkts'];
const IPV6_FIELDS = ['tx_pkts', 'tx_err', 'tx_drop', 'rx_pkts', 'rx_err', 'rx_drop'];

/** Fields named by {@link counterName} that have a row in a two-column table (readable or not). */
function countersShown(table: El): Set<string> {
  return new Set([...rowValues(table).keys()].map(counterName).filter((n): n is string => n !== undefined));
}

function trafficFields(doc: Doc, omit: Omitter): Record<string, FieldValue> {
  const table = findTable(doc, { summary: /ethernet ipv4 statistics|^ipv4 statistics/i, heading: /^ipv4 statistics$/i });
  if (!table) throw new ParseError(`${BROADBAND_TITLE}: no "Ethernet IPv4 Statistics Table" (or table under "IPv4 Statistics")`);
  const where = `${BROADBAND_TITLE}: IPv4 Statistics`;
  const counters = rowCounters(table, where, omit);
  if (!KEY_COUNTERS.some((k) => counters[k] !== undefined)) {
    throw new ParseError(`${where}: none of "Transmit Bytes", "Receive Bytes", "Transmit Packets", "Receive Packets" is readable`);
  }
  const rows = countersShown(table);
  for (const [name, label] of Object.entries(EXPECTED_LABELS)) {
    if (!rows.has(name)) omit(`${where} has no "${label}" row: ${name} left out`);
  }
  for (const dir of ['tx', 'rx'] as const) {
    const err = counters[`${dir}_err`];
    const pkts = counters[`${dir}_pkts`];
    if (err?.kind === 'int' && pkts?.kind === 'int') counters[`${dir}_pct`] = percentOf(err.value, pkts.value);
  }
  const fields: Record<string, FieldValue> = {};
  for (const k of TRAFFIC_ORDER) {
    const v = counters[k];
    if (v) fields[k] = v;
  }
  const v6 = findTable(doc, { summary: /ipv6 statistics/i, heading: /^ipv6 statistics$/i });
  if (v6) {
    const c6 = rowCounters(v6, `${BROADBAND_TITLE}: IPv6 Statistics`, omit);
    for (const k of IPV6_FIELDS) {
      const v = c6[k];
      if (v) fields[`ipv6_${k}`] = v;
    }
  }
  dropImpossibleParts(fields, { ...PACKET_PARTS, ipv6_tx_pkts: 'tx_pkts', ipv6_rx_pkts: 'rx_pkts' }, omit, BROADBAND_TITLE);
  return fields;
}

/** Connection source and state, Ethernet line state, speed and duplex. */
function wanMetrics(doc: Doc, omit: Omitter): Metric[] {
  const summary = findTable(doc, { summary: /most important wan information/i });
  const eth = findTable(doc, { summary: /^ethernet statistics/i, heading: /^ethernet status$/i });
  if (!summary && !eth) throw new ParseError(`${BROADBAND_TITLE}: no "Summary of the most important WAN information" table`);
  const fields: Record<string, FieldValue> = {};
  if (summary) {
    const v = rowValues(summary);
    const state = v.get('broadband connection');
    if (state === undefined || state === '') omit(`${BROADBAND_TITLE}: no "Broadband Connection" value: connected left out`);
    else fields['connected'] = bool(/^up$/i.test(state));
    // Words the table shows: without invisible characters, as tags are.
    const source = cleanTag(v.get('broadband connection source') ?? '');
    if (source) fields['source'] = str(source);
    const type = cleanTag(v.get('broadband network type') ?? '');
    if (type) fields['network_type'] = str(type);
  }
  if (eth) {
    const e = rowValues(eth);
    const line = e.get('line state');
    if (line !== undefined && line !== '') fields['link_up'] = bool(/^up$/i.test(line));
    const speed = [...e].find(([k]) => k.startsWith('current speed'));
    if (speed && normText(speed[1]) !== '') setCounter(fields, 'link_speed_mbps', omit, `${BROADBAND_TITLE}: "Current Speed (Mbps)"`, speed[1]);
    const duplex = cleanTag(e.get('current duplex') ?? '');
    if (duplex) fields['duplex'] = str(duplex);
  }
  if (Object.keys(fields).length === 0) throw new ParseError(`${BROADBAND_TITLE}: no readable connection state, source or WAN port row`);
  return [{ name: M.wan, tags: {}, fields }];
}

const broadband: PageSpec = {
  key: 'bgw-broadband',
  path: '/cgi-bin/broadbandstatistics.ha',
  title: BROADBAND_TITLE,
  recognize: pageSaying(says('Broadband', 'Connection', 'Source'), says('Ethernet', 'IPv4', 'Statistics', 'Table')),
  extracts: [
    {
      area: 'traffic',
      parse: async (page, ctx) => [{ name: ctx.measurement, tags: {}, fields: { ...trafficFields(await ctx.html(), ctx.omit), ...timingFields(page) } }],
    },
    {
      area: 'line',
      parse: async (_page, ctx) => {
        const doc = await ctx.html();
        return [...wanMetrics(doc, ctx.omit), ...dslMetrics(doc, BROADBAND_TITLE, ctx.omit)];
      },
    },
  ],
};

const LAN_TITLE = 'Home Network Status (/cgi-bin/lanstatistics.ha)';

function lanMetrics(doc: Doc, omit: Omitter): Metric[] {
  const out: Metric[] = [];
  const ports = findTable(doc, { summary: /lan ethernet statistics/i, heading: /^lan ethernet statistics$/i });
  if (!ports) throw new ParseError(`${LAN_TITLE}: no "LAN Ethernet Statistics Table"`);
  const ipv4 = findTable(doc, { summary: /ipv4 statistics/i, heading: /^ipv4 statistics$/i });
  if (ipv4) {
    const where = `${LAN_TITLE}: IPv4 Statistics`;
    const fields = rowCounters(ipv4, where, omit);
    dropImpossibleParts(fields, PACKET_PARTS, omit, where);
    if (Object.keys(fields).length > 0) out.push({ name: M.lan, tags: { interface: 'lan' }, fields });
  }
  const wifi = findTable(doc, { summary: /wi-?fi statistics/i, heading: /^wi-?fi network statistics$/i });
  if (wifi) out.push(...columnCounterMetrics(wifi, M.lan, `${LAN_TITLE}: Wi-Fi Network Statistics`, omit));
  out.push(...columnCounterMetrics(ports, M.lan, `${LAN_TITLE}: LAN Ethernet Statistics`, omit));
  return out;
}

const lan: PageSpec = {
  key: 'bgw-lan',
  path: '/cgi-bin/lanstatistics.ha',
  title: LAN_TITLE,
  recognize: pageSaying(says('LAN', 'Ethernet', 'Statistics')),
  extracts: [{ area: 'lan', parse: async (_page, ctx) => lanMetrics(await ctx.html(), ctx.omit) }],
};

const SYSTEM_TITLE = 'System Information (/cgi-bin/sysinfo.ha)';
// The row every firmware shows: "Time Since Last Reboot" (the Pace says "Boot").
const system: PageSpec = {
  key: 'bgw-system',
  path: '/cgi-bin/sysinfo.ha',
  title: SYSTEM_TITLE,
  recognize: pageSaying(says('Time', 'Since', 'Last', 'Reboot')),
  extracts: [{ area: 'system', parse: async (_page, ctx) => systemMetrics(await ctx.html(), SYSTEM_TITLE) }],
};

const FIBER_TITLE = 'Fiber Status (/cgi-bin/fiberstat.ha)';
/** One "X Currently N" heading and the alarm/warning thresholds in the table under it. */
interface Reading {
  readonly label: string;
  readonly name: string;
  readonly text: string;
  readonly thresholds: number[];
}

const THRESHOLD = /\(\s*threshold\s*:?\s*([-+]?(?:\d+\.?\d*|\.\d+))\s*\)/i;

function fiberReadings(doc: Doc): Reading[] {
  const out: Reading[] = [];
  let current: Reading | undefined;
  for (const el of doc.elements) {
    if (/^h[1-6]$/.test(el.name)) {
      const m = /^(.+?)\s+currently\s*:?\s*(.*)$/i.exec(textOf(el));
      current = m ? { label: m[1] ?? '', name: labelKey(m[1] ?? ''), text: m[2] ?? '', thresholds: [] } : undefined;
      if (current) out.push(current);
    } else if (current && (el.name === 'td' || el.name === 'th')) {
      const t = THRESHOLD.exec(textOf(el));
      if (t) current.thresholds.push(Number(t[1]));
    }
  }
  return out;
}

/**
 * How a page writes optical power. The BGW320 writes integers in tenths of a
 * dBm, and its Rx Power thresholds are negative, as dBm thresholds of a
 * receiver are (-322 ... -70). The BGW620 writes decimals and its Rx Power
 * thresholds are positive (0.5 ... 1.584), a linear scale; its reading 0.138
 * lies below its own low alarm threshold with the alarm flag at 0, and its
 * help text's SFF-8472 raw units fit none of the numbers, so that page
 * establishes no unit: its numbers are printed as shown, under `*_shown`.
 */
function powerScale(readings: readonly Reading[]): 'tenths-dbm' | 'shown' {
  const power = readings.filter((r) => /^(rx|tx) power$/.test(r.name));
  if (power.some((r) => /\d\.\d/.test(r.text))) return 'shown';
  const rx = readings.find((r) => r.name === 'rx power');
  if (rx && rx.thresholds.length > 0 && rx.thresholds.every((t) => t >= 0)) return 'shown';
  return 'tenths-dbm';
}

const round6 = (n: number): number => Math.round(n * 1e6) / 1e6;

/** Optical readings from headings such as `Rx Power  Currently -170`; units as {@link powerScale} finds them. */
function fiberMetrics(doc: Doc, omit: Omitter): Metric[] {
  const readings = fiberReadings(doc);
  const scale = powerScale(readings);
  const fields: Record<string, FieldValue> = {};
  const set = (field: string, value: number): void => {
    fields[field] ??= float(round6(value));
  };
  for (const r of readings) {
    const kind =
      /^(rx|tx) power$/.exec(r.name)?.[1] ??
      (r.name === 'temperature' ? 'temp' : /^(vcc|voltage|supply voltage)$/.test(r.name) ? 'vcc' : /^(tx bias|bias|tx bias current)$/.test(r.name) ? 'bias' : undefined);
    if (kind === undefined) continue;
    const value = measureOf(r.text);
    if (!value) {
      omit(`${FIBER_TITLE}: "${r.label}" reading is ${shown(r.text)}, not a number: left out`);
      continue;
    }
    const { value: n, unit } = value;
    if (kind === 'rx' || kind === 'tx') {
      if (unit === 'dbm') set(`${kind}_power_dbm`, n);
      else if (scale === 'tenths-dbm' && unit === '') set(`${kind}_power_dbm`, n / 10);
      else set(`${kind}_power_shown`, n);
    } else if (kind === 'temp') set('temperature_c', n);
    else if (kind === 'vcc') set('voltage_v', unit === 'mv' ? n / 1000 : n);
    // Neither model's page establishes the bias unit (the BGW320's 13 lies below its
    // own low alarm threshold of 20, flag 0): shown as is unless the cell names it.
    else if (unit === 'ma') set('tx_bias_ma', n);
    else if (unit === 'ua') set('tx_bias_ma', n / 1000);
    else set('tx_bias_shown', n);
  }
  if (Object.keys(fields).length === 0) throw new ParseError(`${FIBER_TITLE}: no readable "Rx Power ... Currently" (or other optical) reading`);
  if (!readings.some((r) => r.name === 'rx power')) omit(`${FIBER_TITLE}: no "Rx Power ... Currently" reading: receive power left out`);
  return [{ name: M.fiber, tags: {}, fields }];
}

const fiber: PageSpec = {
  key: 'bgw-fiber',
  path: '/cgi-bin/fiberstat.ha',
  title: FIBER_TITLE,
  recognize: pageSaying(says('(?:Rx|Tx)', 'Power', 'Currently')),
  extracts: [{ area: 'line', parse: async (_page, ctx) => fiberMetrics(await ctx.html(), ctx.omit) }],
  // Only the BGW320 has an optical module; other models answer 404.
  optional: true,
};

const NAT_TITLE = 'NAT Table (/cgi-bin/nattable.ha)';
const NAT_PAGE = pageSaying(says('Total', 'Sessions', 'Available'));
const nat: PageSpec = {
  key: 'bgw-nat',
  path: '/cgi-bin/nattable.ha',
  title: NAT_TITLE,
  recognize: (body) => NAT_PAGE(body) && !haLogin.isLoginPage(body),
  extracts: [{ area: 'nat', parse: (page, ctx) => natMetrics(page.body, NAT_TITLE, ctx) }],
  login: true,
};

/** AT&T family 2: BGW210-700, BGW320-500/505, NVG589/599 (".ha" pages). */
export const bgwFamily: Family = {
  name: 'bgw',
  description: 'BGW210 / BGW320 / NVG5x9 (.ha pages)',
  pages: [broadband, lan, system, fiber, nat],
  login: haLogin,
};
