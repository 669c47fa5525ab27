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
}

type Target = Record<string, unknown>;

/** A quoted InfluxQL identifier. */
function id(name: string): string {
  return `"${name.replace(/[\\"]/g, '\\$&')}"`;
}

/** An InfluxQL regular expression matching exactly these values. */
function oneOf(values: readonly string[]): string {
  return `/^(${values.map((v) => v.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&')).join('|')})$/`;
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
  let nextId = 1;
  let x = 0;
  let y = 0;
  const panels: Panel[] = [];
  const add = (title: string, description: string, targets: Target[], extra: Partial<Panel> = {}, width = 12): void => {
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
      targets: targets.map((t, i) => ({ refId: String.fromCharCode(65 + i), datasource: ds, rawQuery: true, resultFormat: 'time_series', ...t })),
      fieldConfig: { defaults: { unit: 'bps' }, overrides: [] },
      ...extra,
    });
  };
  const rate = (field: string, measurement: string, where: string, groupBy = '', scale = ''): string =>
    `SELECT non_negative_derivative(max(${id(field)}), 1s)${scale} FROM ${id(measurement)} WHERE ${where} AND $timeFilter GROUP BY time($__interval)${groupBy} fill(null)`;

  if (gateways.length > 0) {
    const where = `"host" =~ ${oneOf(gateways)}`;
    const wan = config.schema === 'telegraf' ? ` AND "interface" = 'wan'` : '';
    add('WAN bandwidth', `Bits per second to and from the Internet, per gateway. ${wrapNote}`, [
      { query: rate(counter('rx_bytes'), traffic, where + wan, ', "host"', ' * 8'), alias: '$tag_host in' },
      { query: rate(counter('tx_bytes'), traffic, where + wan, ', "host"', ' * -8'), alias: '$tag_host out' },
    ]);
    add('WAN packets and errors', `Packets and errors per second. ${wrapNote}`, [
      { query: rate(counter('rx_pkts'), traffic, where + wan, ', "host"'), alias: '$tag_host packets in' },
      { query: rate(counter('tx_pkts'), traffic, where + wan, ', "host"'), alias: '$tag_host packets out' },
      { query: rate(counter('rx_err'), traffic, where + wan, ', "host"'), alias: '$tag_host errors in' },
      { query: rate(counter('tx_err'), traffic, where + wan, ', "host"'), alias: '$tag_host errors out' },
    ], { fieldConfig: { defaults: { unit: 'pps' }, overrides: [] } });
    add('LAN ports and Wi-Fi', 'Bits per second on each LAN port and Wi-Fi band (received by the gateway from the home).', [
      { query: rate(o.totals ? 'rx_bytes_total' : 'rx_bytes', 'homenet_lan', where, ', "host", "interface"', ' * 8'), alias: '$tag_host $tag_interface' },
    ]);
    add('Line health', 'DSL noise margin (dB) per line and direction; fiber receive power (dBm).', [
      { query: `SELECT mean("noise_margin_db") FROM "homenet_dsl" WHERE ${where} AND $timeFilter GROUP BY time($__interval), "host", "line", "direction" fill(null)`, alias: '$tag_host line $tag_line $tag_direction margin' },
      { query: `SELECT mean("rx_power_dbm") FROM "homenet_fiber" WHERE ${where} AND $timeFilter GROUP BY time($__interval), "host" fill(null)`, alias: '$tag_host fiber rx power' },
    ], { fieldConfig: { defaults: { unit: 'dB' }, overrides: [] } });
    add('DSL sync rate', 'Current sync rate per line and direction.', [
      { query: `SELECT mean("rate_kbps") * 1000 FROM "homenet_dsl" WHERE ${where} AND $timeFilter GROUP BY time($__interval), "host", "line", "direction" fill(null)`, alias: '$tag_host line $tag_line $tag_direction' },
    ]);
    add('NAT sessions', 'Sessions in use against the gateway\'s capacity: new connections fail when they meet.', [
      { query: `SELECT max("sessions") FROM "homenet_nat" WHERE ${where} AND $timeFilter GROUP BY time($__interval), "host" fill(null)`, alias: '$tag_host in use' },
      { query: `SELECT max("sessions_max") FROM "homenet_nat" WHERE ${where} AND $timeFilter GROUP BY time($__interval), "host" fill(null)`, alias: '$tag_host capacity' },
    ], { fieldConfig: { defaults: { unit: 'short' }, overrides: [] } });
  }
  if (speakers.length > 0) {
    const zones = speakers.filter((d) => d.hostExplicit).map((d) => d.host);
    // Zone names come from the speakers themselves: match every host that has a br0.
    const where = `"interface" = 'br0'${zones.length > 0 && zones.length === speakers.length ? ` AND "host" =~ ${oneOf(zones)}` : ''}`;
    add('Sonos speakers', `Each speaker's bandwidth on its bridge (br0), stacked. ${wrapNote}`, [
      { query: rate(counter('rx_bytes'), traffic, where, ', "host"', ' * 8'), alias: '$tag_host' },
    ], { fieldConfig: { defaults: { unit: 'bps', custom: { stacking: { mode: 'normal', group: 'A' }, fillOpacity: 40 } }, overrides: [] } });
  }
  add('Uptime', 'Time since each device last rebooted.', [
    { query: `SELECT last("uptime_s") FROM "homenet_system" WHERE $timeFilter GROUP BY time($__interval), "host" fill(previous)`, alias: '$tag_host' },
  ], { fieldConfig: { defaults: { unit: 's' }, overrides: [] } });
  add('Scrape latency and failures', 'How long each device took to read, and the reads that failed (homenet_scrape).', [
    { query: `SELECT mean("duration_ms") FROM "homenet_scrape" WHERE $timeFilter GROUP BY time($__interval), "host" fill(null)`, alias: '$tag_host ms' },
    { query: `SELECT count("success") FROM "homenet_scrape" WHERE "success" = false AND $timeFilter GROUP BY time($__interval), "host" fill(0)`, alias: '$tag_host failed reads' },
  ], { fieldConfig: { defaults: { unit: 'ms' }, overrides: [] } }, 24);

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
