/**
 * `telegraf-homenet dashboard`: a Grafana dashboard (JSON model, importable
 * as is) for the devices of a config. InfluxQL queries work on InfluxDB 1.x,
 * on 3.x and on 2.x through its InfluxQL compatibility; `--flux BUCKET`
 * writes the same panels in Flux for a 2.x Flux data source.
 *
 * The config decides which panels there are (the kinds' own, src/devices/
 * <make>/panels.ts, for the types and areas its devices have; then uptime and
 * scrape status for every device); the data decides what they show: the
 * `$host` variable lists the hosts the database holds (no host is written
 * into a query, so a new device needs no new dashboard), and `$total` finds
 * whether the data has `*_total` fields (execd, or collect with state_file)
 * so that counters are graphed from them when it has.
 */
import type { AnnotationQuery, Dashboard, DataQuery, FieldConfigSource, Panel, RowPanel, VariableModel } from '@grafana/schema';
import type { Config, DeviceConfig } from '../config/index.js';
import { flux, hostsVariableQuery, influxql, markQuery, TOTAL_SUFFIX, totalsVariableQuery, type Query } from './query.js';
import { catalogue, DEVICE_KINDS, defaultAreas, SCRAPE_MEASUREMENT, type Catalogue, type DeviceKind, type PanelMark, type PanelQuery, type PanelSpec } from '../devices/index.js';

/** The program's own status line (see src/collect/scrape.ts). */
/** Every panel, target, variable and annotation reads the data source `$datasource` names. */
const DS = { type: 'influxdb', uid: '${datasource}' } as const;

// Grafana's enums live in a dev dependency's types only: the JSON model holds their numbers.
// eslint-disable-next-line @typescript-eslint/no-unsafe-enum-assignment -- VariableHide.dontHide
const SHOWN: NonNullable<VariableModel['hide']> = 0;
// eslint-disable-next-line @typescript-eslint/no-unsafe-enum-assignment -- VariableHide.hideVariable
const HIDDEN: NonNullable<VariableModel['hide']> = 2;
// eslint-disable-next-line @typescript-eslint/no-unsafe-enum-assignment -- VariableRefresh.onTimeRangeChanged
const ON_TIME_RANGE: NonNullable<VariableModel['refresh']> = 2;
// eslint-disable-next-line @typescript-eslint/no-unsafe-enum-assignment -- VariableSort.alphabeticalAsc
const ALPHABETICAL: NonNullable<VariableModel['sort']> = 1;

/** What shapes the queries. */
export interface DashboardOptions {
  /** Grafana data source UID; `${DS_INFLUXDB}` asks for one on import. */
  readonly datasource: string;
  /** Graph the `*_total` fields (true) or the raw counters (false); undefined: whichever the data has (`$total`). */
  readonly totals?: boolean;
  /** Flux queries for InfluxDB 2.x, reading this bucket, instead of InfluxQL. */
  readonly fluxBucket?: string;
}

/** A panel as drawn: its queries resolved to fields, the ones drawn below the axis marked. */
interface Drawn {
  readonly title: string;
  readonly description: string;
  readonly unit: string;
  readonly row: string;
  readonly queries: readonly Query[];
  /** By query: drawn below the axis (a negative scale in the kind's declaration). */
  readonly below: readonly boolean[];
  readonly stacked?: boolean;
  readonly bars?: boolean;
  /** Values a dashed line is drawn at (the data caps). */
  readonly thresholds?: readonly number[];
}

/** What an annotation of the InfluxDB data source runs: the query, and for InfluxQL the columns its text and tags come from. */
interface InfluxTarget extends DataQuery {
  readonly query: string;
  readonly rawQuery?: boolean;
  readonly fromAnnotations?: boolean;
  readonly [column: string]: unknown;
}

/** An annotation in both the current form (target) and the one Grafana before 9 reads (query and columns at the top). */
type Annotation = AnnotationQuery<InfluxTarget> & { readonly query?: string; readonly textColumn?: string; readonly tagsColumn?: string };

/** Whether the device collects the area: the config's `collect`, or what its kind collects by default. */
function collects(kind: DeviceKind, d: DeviceConfig, area: string): boolean {
  return d.areas ? d.areas.has(area) : kind.families.some((f) => defaultAreas(f).has(area));
}

/** The config's kinds, gateways first, then speakers, each with its devices. */
function kindsOf(config: Config): { kind: DeviceKind; devices: DeviceConfig[] }[] {
  const out: { kind: DeviceKind; devices: DeviceConfig[] }[] = [];
  for (const role of ['gateway', 'device'] as const) {
    for (const kind of DEVICE_KINDS.values()) {
      const devices = config.devices.filter((d) => d.type === kind.type);
      if (kind.role === role && devices.length > 0) out.push({ kind, devices });
    }
  }
  return out;
}

/** The kinds' panels some device of the config can fill (its type, an area it collects), each once, in declaration order. */
function kindPanels(config: Config): PanelSpec[] {
  const out = new Set<PanelSpec>();
  for (const { kind, devices } of kindsOf(config)) {
    for (const panel of kind.panels ?? []) {
      const fills = (d: DeviceConfig): boolean => (panel.types === undefined || panel.types.includes(d.type)) && (panel.area === undefined || collects(kind, d, panel.area));
      if (devices.some(fills)) out.add(panel);
    }
  }
  return [...out];
}

/** The data caps of the config's gateways, each once, smallest first. */
function capsOf(config: Config): number[] {
  const caps = new Set(config.devices.flatMap((d) => (d.usage?.capBytes === undefined ? [] : [Number(d.usage.capBytes)])));
  return [...caps].sort((a, b) => a - b);
}

/** The uptime fields of the config's kinds, as [measurement, field] (a Sonos speaker has none). */
function uptimesOf(config: Config): [string, string][] {
  const found = new Map<string, [string, string]>();
  for (const { kind } of kindsOf(config)) {
    for (const m of kind.catalogue) {
      for (const f of m.fields) if (f.uptime === true) found.set(`${m.name ?? config.measurement}.${f.name}`, [m.name ?? config.measurement, f.name]);
    }
  }
  return [...found.values()];
}

/** A kind's query with its field as the data names it: a counter's total (or `$total`), a traffic field's Telegraf name. */
function resolve(q: PanelQuery, config: Config, cat: Catalogue, totals: boolean | undefined): Query {
  const traffic = config.measurement;
  const measurement = q.measurement ?? traffic;
  const named = measurement === traffic && config.schema === 'telegraf' ? cat.netName(q.field) : q.field;
  const suffix = cat.counter(measurement, q.field) === undefined || totals === false ? '' : totals === true ? '_total' : TOTAL_SUFFIX;
  // Telegraf's schema gives a gateway's traffic line interface=wan.
  const tags = measurement === traffic && config.schema === 'telegraf' && q.tags?.['interface'] === '' ? { ...q.tags, interface: 'wan' } : q.tags;
  const scale = q.scale === undefined || Math.abs(q.scale) === 1 ? undefined : Math.abs(q.scale);
  return {
    measurement,
    field: `${named}${suffix}`,
    fn: q.fn,
    groupBy: q.groupBy,
    alias: q.alias,
    ...(q.rate === true ? { rate: true } : {}),
    ...(scale !== undefined ? { scale } : {}),
    ...(tags && Object.keys(tags).length > 0 ? { tags } : {}),
  };
}

/** The panels every config gets: uptime (where its kinds have one) and the program's scrape status. */
function statusPanels(uptimes: readonly [string, string][]): Drawn[] {
  const byHost = ['host'];
  const one = (title: string, description: string, unit: string, queries: Query[], bars = false): Drawn => ({
    title,
    description,
    unit,
    row: 'Devices',
    queries,
    below: queries.map(() => false),
    bars,
  });
  return [
    ...uptimes
      .slice(0, 1)
      .map(([measurement, field]) =>
        one('Uptime', 'Time since each device last rebooted (a fall is marked as a reboot).', 's', [{ measurement, field, fn: 'last', groupBy: byHost, alias: '$tag_host' }]),
      ),
    one('Scrape duration', 'How long each device took to read (homenet_scrape).', 'ms', [{ measurement: SCRAPE_MEASUREMENT, field: 'duration_ms', fn: 'mean', groupBy: byHost, alias: '$tag_host' }]),
    one(
      'Scrape failures',
      'Reads that failed, and values left out of reads that did not (each one is a W! line in the log).',
      'short',
      [
        { measurement: SCRAPE_MEASUREMENT, field: 'success', fn: 'count', whereFalse: true, groupBy: byHost, alias: '$tag_host failed reads' },
        { measurement: SCRAPE_MEASUREMENT, field: 'values_omitted', fn: 'sum', groupBy: byHost, alias: '$tag_host values left out' },
      ],
      true,
    ),
  ];
}

/** A panel's field config: its unit, counts as whole numbers from 0, and the series drawn below the axis or stacked. */
function fieldConfig(p: Drawn, refIds: readonly string[]): FieldConfigSource {
  const counts = p.unit === 'short';
  const overrides = refIds.flatMap((refId, i) => {
    const properties = [
      ...(p.below[i] === true ? [{ id: 'custom.transform', value: 'negative-Y' }] : []),
      // Each query its own stack: what comes in and what goes out do not add up.
      ...(p.stacked === true ? [{ id: 'custom.stacking', value: { mode: 'normal', group: refId } }] : []),
    ];
    return properties.length > 0 ? [{ matcher: { id: 'byFrameRefID', options: refId }, properties }] : [];
  });
  const lines = p.thresholds ?? [];
  return {
    defaults: {
      unit: p.unit,
      ...(counts ? { decimals: 0, min: 0 } : {}),
      ...(lines.length > 0
        ? {
            thresholds: {
              // eslint-disable-next-line @typescript-eslint/no-unsafe-enum-assignment -- ThresholdsMode.Absolute
              mode: 'absolute' as NonNullable<FieldConfigSource['defaults']['thresholds']>['mode'],
              steps: [{ color: 'green', value: null }, ...lines.map((value) => ({ color: 'red', value }))],
            },
          }
        : {}),
      custom: {
        drawStyle: p.bars === true ? 'bars' : 'line',
        fillOpacity: p.stacked === true || p.bars === true ? 40 : 10,
        axisCenteredZero: p.below.some((b) => b),
        ...(lines.length > 0 ? { thresholdsStyle: { mode: 'dashed' } } : {}),
      },
    },
    overrides,
  };
}

/** The panels in their rows: a row header, then the row's panels two or three to a line. */
function layout(drawn: readonly Drawn[], render: (q: Query) => Record<string, unknown>): (Panel | RowPanel)[] {
  const rows = [...new Set(drawn.map((p) => p.row))];
  const out: (Panel | RowPanel)[] = [];
  let y = 0;
  for (const row of rows) {
    const inRow = drawn.filter((p) => p.row === row);
    out.push({ type: 'row', id: out.length + 1, title: row, collapsed: false, gridPos: { h: 1, w: 24, x: 0, y }, panels: [] });
    y += 1;
    const w = inRow.length === 1 ? 24 : inRow.length % 3 === 0 ? 8 : 12;
    inRow.forEach((p, i) => {
      const x = (i * w) % 24;
      if (i > 0 && x === 0) y += 8;
      const refIds = p.queries.map((_, j) => String.fromCharCode(65 + j));
      out.push({
        id: out.length + 1,
        type: 'timeseries',
        title: p.title,
        description: p.description,
        datasource: DS,
        gridPos: { h: 8, w, x, y },
        targets: p.queries.map((q, j) => ({ refId: refIds[j] ?? 'A', datasource: DS, ...render(q) })),
        fieldConfig: fieldConfig(p, refIds),
        options: { legend: { showLegend: true, displayMode: 'list', placement: 'bottom' }, tooltip: { mode: 'multi', sort: 'desc' } },
      });
    });
    y += 8;
  }
  return out;
}

/** The template variables: the data source, the hosts, and (unless the command said) whether there are totals. */
function variables(config: Config, cat: Catalogue, o: DashboardOptions): VariableModel[] {
  const chosen = { text: o.datasource === '${DS_INFLUXDB}' ? 'InfluxDB' : o.datasource, value: o.datasource };
  const list: VariableModel[] = [
    { type: 'datasource', name: 'datasource', label: 'InfluxDB', query: 'influxdb', current: chosen, hide: SHOWN, regex: '', options: [] },
    {
      type: 'query',
      name: 'host',
      label: 'Host',
      datasource: DS,
      query: hostsVariableQuery(o.fluxBucket),
      description: 'The devices to show: every host tag the database holds.',
      multi: true,
      includeAll: true,
      current: { text: ['All'], value: ['$__all'] },
      refresh: ON_TIME_RANGE,
      sort: ALPHABETICAL,
      regex: '',
      options: [],
    },
  ];
  if (o.totals === undefined) {
    const { query, regex } = totalsVariableQuery(config.measurement, config.schema === 'telegraf' ? cat.netName('rx_bytes') : 'rx_bytes', o.fluxBucket);
    list.push({
      type: 'query',
      name: 'total',
      label: 'Counter totals',
      datasource: DS,
      query,
      regex,
      description: '_total when the data has *_total fields (execd, or collect with state_file), else empty: the raw counters are graphed.',
      hide: HIDDEN,
      refresh: ON_TIME_RANGE,
      current: { text: '', value: '' },
      options: [],
    });
  }
  return list;
}

/** The annotations: Grafana's own, reboots (where the config's kinds have an uptime) and the kinds' panels' marks. */
function annotations(marks: readonly PanelMark[], bucket: string | undefined): Annotation[] {
  const colours = ['red', 'orange', 'purple', 'yellow'];
  return [
    { builtIn: 1, name: 'Annotations & Alerts', type: 'dashboard', datasource: { type: 'grafana', uid: '-- Grafana --' }, enable: true, hide: true, iconColor: 'rgba(0, 211, 255, 1)' },
    ...marks.map((mark, i): Annotation => {
      const a = markQuery(mark, bucket);
      const common = { name: mark.name, datasource: DS, enable: true, iconColor: colours[i % colours.length] ?? 'red' };
      if (bucket !== undefined) return { ...common, target: { refId: 'Anno', query: a.query } };
      const columns = { textColumn: a.textColumn ?? '', tagsColumn: a.tagsColumn ?? '', titleColumn: '', timeEndColumn: '' };
      return {
        ...common,
        query: a.query,
        textColumn: columns.textColumn,
        tagsColumn: columns.tagsColumn,
        target: { refId: 'Anno', query: a.query, rawQuery: true, fromAnnotations: true, queryType: 'tags', ...columns },
      };
    }),
  ];
}

export function dashboard(config: Config, o: DashboardOptions): Dashboard {
  const cat = catalogue(config.measurement);
  const wrapNote =
    o.totals === true
      ? 'From the *_total fields, which follow 32-bit wraps and resets.'
      : o.totals === false
        ? 'From the raw counters: on 32-bit gateways an interval with a wrap shows no traffic.'
        : 'From the *_total fields when the data has them (execd, or collect with state_file), which follow 32-bit wraps; else from the raw counters, where an interval with a 32-bit wrap shows no traffic.';
  const specs = kindPanels(config);
  const drawn: Drawn[] = [
    ...specs.map((p): Drawn => ({
      title: p.title,
      description: p.description.replace(/\bwrap$/, wrapNote),
      unit: p.unit,
      row: p.row,
      queries: p.queries.map((q) => resolve(q, config, cat, o.totals)),
      below: p.queries.map((q) => q.scale !== undefined && q.scale < 0),
      ...(p.stacked === true ? { stacked: true } : {}),
      ...(p.bars === true ? { bars: true } : {}),
      ...(p.threshold === 'data_cap' ? { thresholds: capsOf(config) } : {}),
    })),
    ...statusPanels(uptimesOf(config)),
  ];
  const reboots = uptimesOf(config).map(([measurement, field]): PanelMark => ({ name: 'Reboots', measurement, field, groupBy: ['host'], when: 'fell', text: 'reboot, uptime change', unit: 's' }));
  const render = (q: Query): Record<string, unknown> =>
    o.fluxBucket !== undefined ? { query: flux(q, o.fluxBucket) } : { query: influxql(q), rawQuery: true, resultFormat: 'time_series', alias: q.alias };
  return {
    title: 'Home network (telegraf-homenet)',
    uid: 'telegraf-homenet',
    tags: ['telegraf-homenet', 'network'],
    editable: true,
    schemaVersion: 39,
    time: { from: 'now-6h', to: 'now' },
    refresh: '1m',
    templating: { list: variables(config, cat, o) },
    annotations: { list: annotations([...reboots.slice(0, 1), ...specs.flatMap((p) => p.marks ?? [])], o.fluxBucket) },
    panels: layout(drawn, render),
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
