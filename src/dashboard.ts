/**
 * `telegraf-homenet dashboard`: a Grafana dashboard (JSON model, importable
 * as is) for the devices of a config, with InfluxQL queries that work on
 * InfluxDB 1.x, on 2.x through its InfluxQL compatibility and on 3.x.
 *
 * Every query names measurements and fields from FIELDS below; a test checks
 * those against what a collect of the simulator really prints, so a renamed
 * field breaks the build, not the user's graphs.
 */
import type { Dashboard, Panel } from '@grafana/schema';
import type { Config } from './config.js';
import { TELEGRAF_NET_NAMES } from './shape.js';

/** The measurements and fields the dashboard reads (traffic names before `schema`). */
export const FIELDS = {
  traffic: ['rx_bytes', 'tx_bytes', 'rx_pkts', 'tx_pkts', 'rx_err', 'tx_err', 'rx_bytes_total', 'tx_bytes_total', 'rx_pkts_total', 'tx_pkts_total', 'rx_err_total', 'tx_err_total'],
  homenet_lan: ['rx_bytes', 'tx_bytes'],
  homenet_dsl: ['noise_margin_db', 'rate_kbps'],
  homenet_fiber: ['rx_power_dbm', 'tx_power_dbm'],
  homenet_nat: ['sessions', 'sessions_max'],
  homenet_system: ['uptime_s'],
  homenet_scrape: ['success', 'duration_ms'],
} as const;

/** What shapes the queries. */
export interface DashboardOptions {
  /** Grafana data source UID; `${DS_INFLUXDB}` asks for one on import. */
  readonly datasource: string;
  /** Use the `*_total` fields (execd, or collect with state_file). */
  readonly totals: boolean;
  /** Flux queries for InfluxDB 2.x, reading this bucket, instead of InfluxQL. */
  readonly fluxBucket?: string;
}

/** One query, in terms both InfluxQL and Flux can say. */
interface Query {
  readonly measurement: string;
  readonly field: string;
  readonly fn: 'max' | 'mean' | 'last' | 'count';
  /** Per-second rate of a counter (non-negative derivative). */
  readonly rate?: boolean;
  readonly scale?: number;
  readonly hosts?: readonly string[];
  readonly tags?: Readonly<Record<string, string>>;
  /** Only points where the field is false (failed scrapes). */
  readonly whereFalse?: boolean;
  readonly groupBy: readonly string[];
  readonly alias: string;
}

/** A quoted InfluxQL identifier. */
function id(name: string): string {
  return `"${name.replace(/[\\"]/g, '\\$&')}"`;
}

/** A regular expression matching exactly these values (InfluxQL and Flux share the syntax). */
function oneOf(values: readonly string[]): string {
  return `/^(${values.map((v) => v.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&')).join('|')})$/`;
}

function influxql(q: Query): string {
  const where = [
    ...(q.hosts ? [`"host" =~ ${oneOf(q.hosts)}`] : []),
    ...Object.entries(q.tags ?? {}).map(([k, v]) => `${id(k)} = '${v.replace(/'/g, "\\'")}'`),
    ...(q.whereFalse ? [`${id(q.field)} = false`] : []),
    '$timeFilter',
  ].join(' AND ');
  const agg = `${q.fn}(${id(q.field)})`;
  const value = `${q.rate ? `non_negative_derivative(${agg}, 1s)` : agg}${q.scale !== undefined ? ` * ${q.scale}` : ''}`;
  const fill = q.fn === 'last' ? 'previous' : q.fn === 'count' ? '0' : 'null';
  return `SELECT ${value} FROM ${id(q.measurement)} WHERE ${where} GROUP BY time($__interval)${q.groupBy.map((t) => `, ${id(t)}`).join('')} fill(${fill})`;
}

function flux(q: Query, bucket: string): string {
  const filters = [
    `r._measurement == ${JSON.stringify(q.measurement)}`,
    `r._field == ${JSON.stringify(q.field)}`,
    ...(q.hosts ? [`r.host =~ ${oneOf(q.hosts)}`] : []),
    ...Object.entries(q.tags ?? {}).map(([k, v]) => `r[${JSON.stringify(k)}] == ${JSON.stringify(v)}`),
    ...(q.whereFalse ? ['r._value == false'] : []),
  ].join(' and ');
  const lines = [
    `from(bucket: ${JSON.stringify(bucket)})`,
    '  |> range(start: v.timeRangeStart, stop: v.timeRangeStop)',
    `  |> filter(fn: (r) => ${filters})`,
    `  |> group(columns: [${q.groupBy.map((t) => JSON.stringify(t)).join(', ')}])`,
    `  |> aggregateWindow(every: v.windowPeriod, fn: ${q.fn}, createEmpty: false)`,
    ...(q.rate ? ['  |> derivative(unit: 1s, nonNegative: true)'] : []),
    ...(q.scale !== undefined ? [`  |> map(fn: (r) => ({ r with _value: float(v: r._value) * ${q.scale.toFixed(1)} }))`] : []),
  ];
  return lines.join('\n');
}

export function dashboard(config: Config, o: DashboardOptions): Dashboard {
  const ds = { type: 'influxdb', uid: o.datasource };
  const traffic = config.measurement;
  const name = (field: string): string => {
    if (config.schema !== 'telegraf') return field;
    const base = field.replace(/_total$/, '');
    return `${TELEGRAF_NET_NAMES[base] ?? base}${field.endsWith('_total') ? '_total' : ''}`;
  };
  const counter = (f: string): string => name(o.totals ? `${f}_total` : f);
  const gateways = config.devices.filter((d) => d.type.startsWith('att')).map((d) => d.host);
  const speakers = config.devices.filter((d) => d.type.startsWith('sonos'));
  const wrapNote = o.totals
    ? 'From the *_total fields, which follow 32-bit wraps and resets.'
    : 'From the raw counters: on 32-bit gateways an interval with a wrap shows no traffic. Use execd, or state_file with collect, for *_total fields.';
  const render = (q: Query): Record<string, unknown> =>
    o.fluxBucket !== undefined ? { query: flux(q, o.fluxBucket) } : { query: influxql(q), rawQuery: true, resultFormat: 'time_series', alias: q.alias };
  let nextId = 1;
  let x = 0;
  let y = 0;
  const panels: Panel[] = [];
  const add = (title: string, description: string, queries: Query[], unit: string, extra: Partial<Panel> = {}, width = 12): void => {
    // Two panels a row, left to right.
    if (x + width > 24) {
      x = 0;
      y += 8;
    }
    const at = x;
    x += width;
    panels.push({
      id: nextId++,
      type: 'timeseries',
      title,
      description,
      datasource: ds,
      gridPos: { h: 8, w: width, x: at, y },
      targets: queries.map((q, i) => ({ refId: String.fromCharCode(65 + i), datasource: ds, ...render(q) })),
      fieldConfig: { defaults: { unit }, overrides: [] },
      ...extra,
    });
  };
  const byHost = ['host'];

  if (gateways.length > 0) {
    const hosts = gateways;
    const wan = config.schema === 'telegraf' ? { interface: 'wan' } : {};
    const rateOf = (field: string, alias: string, scale?: number): Query => ({
      measurement: traffic, field: counter(field), fn: 'max', rate: true, hosts, tags: wan, groupBy: byHost, alias, ...(scale !== undefined ? { scale } : {}),
    });
    add('WAN bandwidth', `Bits per second to and from the Internet, per gateway. ${wrapNote}`, [
      rateOf('rx_bytes', '$tag_host in', 8),
      rateOf('tx_bytes', '$tag_host out', -8),
    ], 'bps');
    add('WAN packets and errors', `Packets and errors per second. ${wrapNote}`, [
      rateOf('rx_pkts', '$tag_host packets in'),
      rateOf('tx_pkts', '$tag_host packets out'),
      rateOf('rx_err', '$tag_host errors in'),
      rateOf('tx_err', '$tag_host errors out'),
    ], 'pps');
    add('LAN ports and Wi-Fi', 'Bits per second on each LAN port and Wi-Fi band (received by the gateway from the home).', [
      { measurement: 'homenet_lan', field: o.totals ? 'rx_bytes_total' : 'rx_bytes', fn: 'max', rate: true, scale: 8, hosts, groupBy: ['host', 'interface'], alias: '$tag_host $tag_interface' },
    ], 'bps');
    add('Line health', 'DSL noise margin (dB) per line and direction; fiber receive power (dBm).', [
      { measurement: 'homenet_dsl', field: 'noise_margin_db', fn: 'mean', hosts, groupBy: ['host', 'line', 'direction'], alias: '$tag_host line $tag_line $tag_direction margin' },
      { measurement: 'homenet_fiber', field: 'rx_power_dbm', fn: 'mean', hosts, groupBy: byHost, alias: '$tag_host fiber rx power' },
    ], 'dB');
    add('DSL sync rate', 'Current sync rate per line and direction.', [
      { measurement: 'homenet_dsl', field: 'rate_kbps', fn: 'mean', scale: 1000, hosts, groupBy: ['host', 'line', 'direction'], alias: '$tag_host line $tag_line $tag_direction' },
    ], 'bps');
    add('NAT sessions', "Sessions in use against the gateway's capacity: new connections fail when they meet.", [
      { measurement: 'homenet_nat', field: 'sessions', fn: 'max', hosts, groupBy: byHost, alias: '$tag_host in use' },
      { measurement: 'homenet_nat', field: 'sessions_max', fn: 'max', hosts, groupBy: byHost, alias: '$tag_host capacity' },
    ], 'short');
  }
  if (speakers.length > 0) {
    const zones = speakers.filter((d) => d.hostExplicit).map((d) => d.host);
    // Zone names come from the speakers themselves: unless every host is set, match every br0.
    const hosts = zones.length > 0 && zones.length === speakers.length ? { hosts: zones } : {};
    add('Sonos speakers', `Each speaker's bandwidth on its bridge (br0), stacked. ${wrapNote}`, [
      { measurement: traffic, field: counter('rx_bytes'), fn: 'max', rate: true, scale: 8, tags: { interface: 'br0' }, ...hosts, groupBy: byHost, alias: '$tag_host' },
    ], 'bps', { fieldConfig: { defaults: { unit: 'bps', custom: { stacking: { mode: 'normal', group: 'A' }, fillOpacity: 40 } }, overrides: [] } });
  }
  add('Uptime', 'Time since each device last rebooted.', [
    { measurement: 'homenet_system', field: 'uptime_s', fn: 'last', groupBy: byHost, alias: '$tag_host' },
  ], 's');
  add('Scrape latency and failures', 'How long each device took to read, and the reads that failed (homenet_scrape).', [
    { measurement: 'homenet_scrape', field: 'duration_ms', fn: 'mean', groupBy: byHost, alias: '$tag_host ms' },
    { measurement: 'homenet_scrape', field: 'success', fn: 'count', whereFalse: true, groupBy: byHost, alias: '$tag_host failed reads' },
  ], 'ms', {}, 24);

  return {
    title: 'Home network (telegraf-homenet)',
    uid: 'telegraf-homenet',
    tags: ['telegraf-homenet', 'network'],
    editable: true,
    schemaVersion: 39,
    time: { from: 'now-6h', to: 'now' },
    refresh: '1m',
    panels,
  };
}

/** The JSON to import: the dashboard plus the data-source question Grafana asks on import. */
export function dashboardJson(config: Config, o: DashboardOptions): string {
  const model: Dashboard & { __inputs?: unknown[] } = dashboard(config, o);
  if (o.datasource === '${DS_INFLUXDB}') {
    model.__inputs = [{ name: 'DS_INFLUXDB', label: 'InfluxDB', type: 'datasource', pluginId: 'influxdb', pluginName: 'InfluxDB' }];
  }
  return `${JSON.stringify(model, null, 2)}\n`;
}
