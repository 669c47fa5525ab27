/**
 * AT&T gateways, family 2: Arris BGW210-700, BGW320-500/505, NVG589/599
 * (".ha" pages). Sections are `<h2>` headings over `<table summary="...">`
 * tables of `<th scope="row">Label</th><td>value</td>` rows; tables are found
 * by their summary, or by their heading when a firmware words it differently.
 */
import { bool, float, str, type FieldValue, type Metric } from '../lineprotocol.js';
import { findAll, findOne, findTable, labelKey, measureOf, normText, parseHtml, ParseError, rowValues, textOf, type Doc } from '../html.js';
import { columnCounterMetrics, dslMetrics, errorPercent, M, natMetrics, rowCounters, systemMetrics } from './att-common.js';
import { counter, timingFields } from './fields.js';
import type { Family, LoginSpec, PageSpec } from './kind.js';

const HA_PAGE = /\/cgi-bin\/[a-z_]+\.ha|\.ha["?]/i;

/** The page's own form posts back to it: the surest sign of which .ha page this is. */
function postsTo(page: string): RegExp {
  return new RegExp(`<form[^>]*action=["']?/cgi-bin/${page}\\.ha`, 'i');
}

const BROADBAND_TITLE = 'Broadband Status (/cgi-bin/broadbandstatistics.ha)';

// Traffic fields in the seed's order: tx then rx, then the .ha extras.
const TRAFFIC_ORDER = [
  'tx_bytes', 'tx_pkts', 'tx_err', 'tx_pct', 'rx_bytes', 'rx_pkts', 'rx_err', 'rx_pct',
  'tx_drop', 'rx_drop', 'tx_unicast', 'rx_unicast', 'tx_multicast', 'rx_multicast', 'collisions',
];
const REQUIRED = ['tx_bytes', 'tx_pkts', 'tx_err', 'rx_bytes', 'rx_pkts', 'rx_err'];
const REQUIRED_LABELS: Readonly<Record<string, string>> = {
  tx_bytes: 'Transmit Bytes', tx_pkts: 'Transmit Packets', tx_err: 'Transmit Errors',
  rx_bytes: 'Receive Bytes', rx_pkts: 'Receive Packets', rx_err: 'Receive Errors',
};

function trafficFields(doc: Doc): Record<string, FieldValue> {
  const table = findTable(doc, { summary: /ethernet ipv4 statistics|^ipv4 statistics/i, heading: /^ipv4 statistics$/i });
  if (!table) throw new ParseError(`${BROADBAND_TITLE}: no "Ethernet IPv4 Statistics Table" (or table under "IPv4 Statistics")`);
  const counters = rowCounters(table, `${BROADBAND_TITLE}: IPv4 Statistics`);
  for (const name of REQUIRED) {
    if (counters[name] === undefined) {
      throw new ParseError(`${BROADBAND_TITLE}: IPv4 Statistics has no "${REQUIRED_LABELS[name] ?? name}" row`);
    }
  }
  counters['tx_pct'] = errorPercent(counters['tx_err'], counters['tx_pkts']);
  counters['rx_pct'] = errorPercent(counters['rx_err'], counters['rx_pkts']);
  const fields: Record<string, FieldValue> = {};
  for (const k of TRAFFIC_ORDER) {
    const v = counters[k];
    if (v) fields[k] = v;
  }
  const v6 = findTable(doc, { summary: /ipv6 statistics/i, heading: /^ipv6 statistics$/i });
  if (v6) {
    const c6 = rowCounters(v6, `${BROADBAND_TITLE}: IPv6 Statistics`);
    for (const k of ['tx_pkts', 'tx_err', 'tx_drop', 'rx_pkts', 'rx_err', 'rx_drop']) {
      const v = c6[k];
      if (v) fields[`ipv6_${k}`] = v;
    }
  }
  return fields;
}

/** Connection source and state, Ethernet line state, speed and duplex. */
function wanMetrics(doc: Doc): Metric[] {
  const summary = findTable(doc, { summary: /most important wan information/i });
  if (!summary) throw new ParseError(`${BROADBAND_TITLE}: no "Summary of the most important WAN information" table`);
  const v = rowValues(summary);
  const fields: Record<string, FieldValue> = {};
  const state = v.get('broadband connection');
  if (state === undefined) throw new ParseError(`${BROADBAND_TITLE}: no "Broadband Connection" row`);
  fields['connected'] = bool(/^up$/i.test(state));
  const source = v.get('broadband connection source');
  if (source) fields['source'] = str(source);
  const type = v.get('broadband network type');
  if (type) fields['network_type'] = str(type);
  const eth = findTable(doc, { summary: /^ethernet statistics/i, heading: /^ethernet status$/i });
  if (eth) {
    const e = rowValues(eth);
    const line = e.get('line state');
    if (line !== undefined && line !== '') fields['link_up'] = bool(/^up$/i.test(line));
    const speed = [...e].find(([k]) => k.startsWith('current speed'));
    if (speed && normText(speed[1]) !== '') fields['link_speed_mbps'] = counter(`${BROADBAND_TITLE}: "Current Speed (Mbps)"`, speed[1]);
    const duplex = e.get('current duplex');
    if (duplex) fields['duplex'] = str(duplex);
  }
  return [{ name: M.wan, tags: {}, fields }];
}

const broadband: PageSpec = {
  key: 'bgw-broadband',
  path: '/cgi-bin/broadbandstatistics.ha',
  title: BROADBAND_TITLE,
  recognize: (body) =>
    postsTo('broadbandstatistics').test(body) || /Broadband(\s|&nbsp;)+Connection(\s|&nbsp;)+Source|Ethernet IPv4 Statistics Table/i.test(body),
  extracts: [
    {
      area: 'traffic',
      parse: (page, ctx) => [{ name: ctx.measurement, tags: {}, fields: { ...trafficFields(parseHtml(page.body)), ...timingFields(page) } }],
    },
    {
      area: 'line',
      parse: (page) => {
        const doc = parseHtml(page.body);
        return [...wanMetrics(doc), ...dslMetrics(doc, BROADBAND_TITLE)];
      },
    },
  ],
};

const LAN_TITLE = 'Home Network Status (/cgi-bin/lanstatistics.ha)';

function lanMetrics(doc: Doc): Metric[] {
  const out: Metric[] = [];
  const ports = findTable(doc, { summary: /lan ethernet statistics/i, heading: /^lan ethernet statistics$/i });
  if (!ports) throw new ParseError(`${LAN_TITLE}: no "LAN Ethernet Statistics Table"`);
  const ipv4 = findTable(doc, { summary: /ipv4 statistics/i, heading: /^ipv4 statistics$/i });
  if (ipv4) {
    const fields = rowCounters(ipv4, `${LAN_TITLE}: IPv4 Statistics`);
    if (Object.keys(fields).length > 0) out.push({ name: M.lan, tags: { interface: 'lan' }, fields });
  }
  const wifi = findTable(doc, { summary: /wi-?fi statistics/i, heading: /^wi-?fi network statistics$/i });
  if (wifi) out.push(...columnCounterMetrics(wifi, `${LAN_TITLE}: Wi-Fi Network Statistics`));
  out.push(...columnCounterMetrics(ports, `${LAN_TITLE}: LAN Ethernet Statistics`));
  return out;
}

const lan: PageSpec = {
  key: 'bgw-lan',
  path: '/cgi-bin/lanstatistics.ha',
  title: LAN_TITLE,
  recognize: (body) => postsTo('lanstatistics').test(body) || /LAN(\s|&nbsp;)+Ethernet(\s|&nbsp;)+Statistics/i.test(body),
  extracts: [{ area: 'lan', parse: (page) => lanMetrics(parseHtml(page.body)) }],
};

const SYSTEM_TITLE = 'System Information (/cgi-bin/sysinfo.ha)';
const system: PageSpec = {
  key: 'bgw-system',
  path: '/cgi-bin/sysinfo.ha',
  title: SYSTEM_TITLE,
  recognize: (body) =>
    postsTo('sysinfo').test(body) || (HA_PAGE.test(body) && /Time(\s|&nbsp;)+Since(\s|&nbsp;)+Last(\s|&nbsp;)+Reboot/i.test(body)),
  extracts: [{ area: 'system', parse: (page) => systemMetrics(parseHtml(page.body), SYSTEM_TITLE) }],
};

const FIBER_TITLE = 'Fiber Status (/cgi-bin/fiberstat.ha)';
/** Reading name on the page -> field, and how a unit-less number converts. */
const FIBER_READINGS: readonly [RegExp, string, (n: number, unit: string) => number][] = [
  // "Rx Power Currently -170" is tenths of a dBm; a value with "dBm" is already dBm.
  [/^rx power$/, 'rx_power_dbm', (n, unit) => (unit === 'dbm' ? n : n / 10)],
  [/^tx power$/, 'tx_power_dbm', (n, unit) => (unit === 'dbm' ? n : n / 10)],
  [/^temperature$/, 'temperature_c', (n) => n],
  [/^(vcc|voltage|supply voltage)$/, 'voltage_v', (n, unit) => (unit === 'mv' ? n / 1000 : n)],
  [/^(tx bias|bias|tx bias current)$/, 'tx_bias_ma', (n, unit) => (unit === 'ua' ? n / 1000 : n)],
];

/** BGW320 optical readings, from headings such as `Rx Power  Currently -170`. */
function fiberMetrics(doc: Doc): Metric[] {
  const fields: Record<string, FieldValue> = {};
  for (const h of findAll(doc, (e) => /^h[1-6]$/.test(e.name))) {
    const m = /^(.+?)\s+currently\s*:?\s*(.+)$/i.exec(textOf(h));
    if (!m) continue;
    const name = labelKey(m[1] ?? '');
    const reading = FIBER_READINGS.find(([re]) => re.test(name));
    if (!reading || fields[reading[1]] !== undefined) continue;
    const value = measureOf(m[2] ?? '');
    if (!value) throw new ParseError(`${FIBER_TITLE}: "${m[1] ?? ''}" reading ${JSON.stringify(m[2])} is not a number`);
    fields[reading[1]] = float(Math.round(reading[2](value.value, value.unit) * 1e6) / 1e6);
  }
  if (fields['rx_power_dbm'] === undefined) throw new ParseError(`${FIBER_TITLE}: no "Rx Power ... Currently" reading`);
  return [{ name: M.fiber, tags: {}, fields }];
}

const fiber: PageSpec = {
  key: 'bgw-fiber',
  path: '/cgi-bin/fiberstat.ha',
  title: FIBER_TITLE,
  recognize: (body) => postsTo('fiberstat').test(body) || /(Rx|Tx)(\s|&nbsp;)+Power(\s|&nbsp;)+Currently/i.test(body),
  extracts: [{ area: 'line', parse: (page) => fiberMetrics(parseHtml(page.body)) }],
  // Only the BGW320 has an optical module; other models answer 404.
  optional: true,
};

const NAT_TITLE = 'NAT Table (/cgi-bin/nattable.ha)';
const nat: PageSpec = {
  key: 'bgw-nat',
  path: '/cgi-bin/nattable.ha',
  title: NAT_TITLE,
  recognize: (body) =>
    (postsTo('nattable').test(body) || (HA_PAGE.test(body) && /Total(\s|&nbsp;)+Sessions(\s|&nbsp;)+Available/i.test(body))) &&
    !loginSpec.isLoginPage(body),
  extracts: [{ area: 'nat', parse: (page) => natMetrics(page.body, NAT_TITLE) }],
  login: true,
};

function inputValue(doc: Doc, name: string): string | undefined {
  const input = findOne(doc, (e) => e.name === 'input' && e.attribs['name'] === name);
  return input?.attribs['value'];
}

/** The .ha login: md5(access code + nonce), the password field as asterisks. */
export const loginSpec: LoginSpec = {
  loginPath: '/cgi-bin/login.ha',
  logoutPath: '/cgi-bin/logout.ha',
  nonce: (body) => {
    const v = inputValue(parseHtml(body), 'nonce');
    return v !== undefined && /^[0-9a-f]{64}$/i.test(v) ? v : undefined;
  },
  form: (accessCode, nonce, md5) =>
    new URLSearchParams({
      nonce,
      password: '*'.repeat(accessCode.length),
      hashpassword: md5(accessCode + nonce),
      Continue: 'Continue',
    }),
  isLoginPage: (body) => /name=["']?hashpassword/i.test(body),
  sessionsExhausted: (body) => /all\s+(of\s+the\s+)?web\s*server\s+sessions\s+are\s+in\s+use/i.test(body),
};

/** AT&T family 2: BGW210-700, BGW320-500/505, NVG589/599 (".ha" pages). */
export const bgwFamily: Family = {
  name: 'bgw',
  description: 'BGW210 / BGW320 / NVG5x9 (.ha pages)',
  pages: [broadband, lan, system, fiber, nat],
  login: loginSpec,
};
