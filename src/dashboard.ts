/**
 * `telegraf-homenet dashboard`: a Grafana dashboard (JSON model, importable
 * as is) for the devices of a config, with InfluxQL queries that work on
 * InfluxDB 1.x, on 2.x through its InfluxQL compatibility and on 3.x.
 *
 * The panels are the device kinds' own (src/devices/<make>/), gateways'
 * first, then speakers', then uptime and scrape status for every device.
 * Every query names a measurement and field of the kinds' catalogue; a test
 * checks those against what a collect of the simulator really prints, so a
 * renamed field breaks the build, not the user's graphs.
 */
import type { Dashboard, Panel } from '@grafana/schema';
import type { Config, DeviceConfig } from './config.js';
import { catalogue, DEVICE_KINDS, namesItself, type DeviceKind, type PanelSpec } from './devices/index.js';

/** The program's own status line (see src/collect/scrape.ts). */
const SCRAPE = 'homenet_scrape';

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

/** The kinds' panels in the order they are drawn (gateways, then speakers), each with the devices it draws. */
function kindPanels(config: Config): { panel: PanelSpec; devices: DeviceConfig[] }[] {
  const out = new Map<PanelSpec, DeviceConfig[]>();
  for (const role of ['gateway', 'speaker'] as const) {
    for (const kind of DEVICE_KINDS.values()) {
      if (kind.role !== role) continue;
      const devices = config.devices.filter((d) => d.type === kind.type);
      if (devices.length === 0) continue;
      for (const panel of kind.panels ?? []) out.set(panel, [...(out.get(panel) ?? []), ...devices]);
    }
  }
  // In the config's order, whichever kind each is.
  const order = (d: DeviceConfig): number => config.devices.indexOf(d);
  return [...out].map(([panel, devices]) => ({ panel, devices: devices.sort((a, b) => order(a) - order(b)) }));
}

/**
 * The hosts a panel's queries are limited to: its devices' host tags, unless
 * one of them names itself (a speaker's zone name is not known here): then
 * every host.
 */
function hostsOf(devices: readonly DeviceConfig[]): string[] | undefined {
  const kindOf = (d: DeviceConfig): DeviceKind | undefined => DEVICE_KINDS.get(d.type);
  if (devices.some((d) => !d.hostExplicit && kindOf(d) !== undefined && namesItself(kindOf(d) as DeviceKind))) return undefined;
  return devices.map((d) => d.host);
}

export function dashboard(config: Config, o: DashboardOptions): Dashboard {
  const ds = { type: 'influxdb', uid: o.datasource };
  const traffic = config.measurement;
  const cat = catalogue(traffic);
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

  for (const { panel, devices } of kindPanels(config)) {
    const hosts = hostsOf(devices);
    const queries = panel.queries.map((q): Query => {
      const measurement = q.measurement ?? traffic;
      // A counter is read from its total when there are totals; a traffic field by its Telegraf name with schema = telegraf.
      const counted = o.totals && cat.counter(measurement, q.field) !== undefined ? `${q.field}_total` : q.field;
      const field = measurement === traffic && config.schema === 'telegraf' ? cat.netName(counted) : counted;
      // Telegraf's schema gives a gateway's traffic line interface=wan.
      const tags = measurement === traffic && config.schema === 'telegraf' && q.tags?.['interface'] === undefined ? { ...q.tags, interface: 'wan' } : q.tags;
      return {
        measurement,
        field,
        fn: q.fn,
        groupBy: q.groupBy,
        alias: q.alias,
        ...(q.rate === true ? { rate: true } : {}),
        ...(q.scale !== undefined ? { scale: q.scale } : {}),
        ...(hosts ? { hosts } : {}),
        ...(tags && Object.keys(tags).length > 0 ? { tags } : {}),
      };
    });
    const description = panel.description.replace(/\bwrap$/, wrapNote);
    const extra: Partial<Panel> = panel.stacked === true
      ? { fieldConfig: { defaults: { unit: panel.unit, custom: { stacking: { mode: 'normal', group: 'A' }, fillOpacity: 40 } }, overrides: [] } }
      : {};
    add(panel.title, description, queries, panel.unit, extra);
  }
  const [uptime] = cat.uptimes();
  if (uptime) {
    add('Uptime', 'Time since each device last rebooted.', [
      { measurement: uptime[0], field: uptime[1], fn: 'last', groupBy: byHost, alias: '$tag_host' },
    ], 's');
  }
  add('Scrape latency and failures', 'How long each device took to read, and the reads that failed (homenet_scrape).', [
    { measurement: SCRAPE, field: 'duration_ms', fn: 'mean', groupBy: byHost, alias: '$tag_host ms' },
    { measurement: SCRAPE, field: 'success', fn: 'count', whereFalse: true, groupBy: byHost, alias: '$tag_host failed reads' },
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
