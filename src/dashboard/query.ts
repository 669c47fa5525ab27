/**
 * The text of the dashboard's queries, in InfluxQL (InfluxDB 1.x, 3.x and 2.x
 * through its InfluxQL compatibility) and in Flux (2.x): panel series, the
 * template variables' queries and the annotations' queries.
 *
 * No host is written into any query: every one filters on the `$host`
 * variable, written `${host:regex}` so that Grafana turns the values chosen
 * into one escaped alternation, `(a|b)`, in both languages (the Flux data
 * source applies no regex escaping of its own).
 */

import { SCRAPE_MEASUREMENT, SYSTEM_MEASUREMENT, type PanelMark } from '../devices/index.js';

/** The host filter's variable, as a regex alternation. */
const HOST_REGEX = '${host:regex}';
/** The `*_total` suffix when the data has totals, else empty (see {@link totalsVariableQuery}). */
export const TOTAL_SUFFIX = '${total:raw}';

/** One series query, in terms both InfluxQL and Flux can say. */
export interface Query {
  readonly measurement: string;
  /** May end in {@link TOTAL_SUFFIX}. */
  readonly field: string;
  readonly fn: 'max' | 'mean' | 'last' | 'count' | 'sum';
  /** Per-second rate of a counter (non-negative derivative). */
  readonly rate?: boolean;
  readonly scale?: number;
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

/** A quoted InfluxQL string literal. */
function literal(value: string): string {
  return `'${value.replace(/[\\']/g, '\\$&')}'`;
}

/** A Flux number literal: a float, as `map` needs to multiply a float. */
function fluxFloat(n: number): string {
  return Number.isInteger(n) ? n.toFixed(1) : String(n);
}

/** The WHERE conditions every InfluxQL series query starts with. */
function conditions(tags: Readonly<Record<string, string>> = {}): string[] {
  return [`"host" =~ /^${HOST_REGEX}$/`, ...Object.entries(tags).map(([k, v]) => `${id(k)} = ${literal(v)}`)];
}

/** A panel series in InfluxQL. */
export function influxql(q: Query): string {
  const where = [...conditions(q.tags), ...(q.whereFalse ? [`${id(q.field)} = false`] : []), '$timeFilter'].join(' AND ');
  const agg = `${q.fn}(${id(q.field)})`;
  const value = `${q.rate ? `non_negative_derivative(${agg}, 1s)` : agg}${q.scale !== undefined ? ` * ${q.scale}` : ''}`;
  // A count is 0 where nothing happened; a reading missing is a gap, except a last value, which holds.
  const fill = q.fn === 'last' ? 'previous' : q.fn === 'count' || q.fn === 'sum' ? '0' : 'null';
  return `SELECT ${value} FROM ${id(q.measurement)} WHERE ${where} GROUP BY time($__interval)${q.groupBy.map((t) => `, ${id(t)}`).join('')} fill(${fill})`;
}

/** The Flux filter conditions every series query starts with. */
function fluxConditions(measurement: string, field: string, tags: Readonly<Record<string, string>> = {}): string[] {
  return [
    `r._measurement == ${JSON.stringify(measurement)}`,
    `r._field == ${JSON.stringify(field)}`,
    `r.host =~ /^${HOST_REGEX}$/`,
    // A tag a line does not have is no column of its row (InfluxQL's `tag = ''` matches it).
    ...Object.entries(tags).map(([k, v]) => (v === '' ? `not exists r[${JSON.stringify(k)}]` : `r[${JSON.stringify(k)}] == ${JSON.stringify(v)}`)),
  ];
}

/** The start of every Flux query: the bucket in the dashboard's time range. */
function fluxFrom(bucket: string): string[] {
  return [`from(bucket: ${JSON.stringify(bucket)})`, '  |> range(start: v.timeRangeStart, stop: v.timeRangeStop)'];
}

/** A panel series in Flux, reading `bucket`. */
export function flux(q: Query, bucket: string): string {
  const filters = [...fluxConditions(q.measurement, q.field, q.tags), ...(q.whereFalse ? ['r._value == false'] : [])];
  return [
    ...fluxFrom(bucket),
    `  |> filter(fn: (r) => ${filters.join(' and ')})`,
    // _field names the series, as the alias does in InfluxQL.
    `  |> group(columns: [${['_field', ...q.groupBy].map((t) => JSON.stringify(t)).join(', ')}])`,
    `  |> aggregateWindow(every: v.windowPeriod, fn: ${q.fn}, createEmpty: false)`,
    ...(q.rate ? ['  |> derivative(unit: 1s, nonNegative: true)'] : []),
    ...(q.scale !== undefined ? [`  |> map(fn: (r) => ({r with _value: float(v: r._value) * ${fluxFloat(q.scale)}}))`] : []),
  ].join('\n');
}

/** Our measurements every device writes a line to, under its host tags (a household's speakers under their zone names). */
const HOST_MEASUREMENTS = [SCRAPE_MEASUREMENT, SYSTEM_MEASUREMENT];

/** The `$host` variable's query: every host tag our measurements hold. */
export function hostsVariableQuery(bucket?: string): string {
  if (bucket === undefined) return `SHOW TAG VALUES FROM ${HOST_MEASUREMENTS.map(id).join(', ')} WITH KEY = "host"`;
  const predicate = HOST_MEASUREMENTS.map((m) => `r._measurement == ${JSON.stringify(m)}`).join(' or ');
  return `import "influxdata/influxdb/schema"\n\nschema.tagValues(bucket: ${JSON.stringify(bucket)}, tag: "host", predicate: (r) => ${predicate}, start: v.timeRangeStart, stop: v.timeRangeStop)`;
}

/**
 * The `$total` variable's query and regex: the traffic measurement's field
 * keys, of which only the counter's `*_total` twin matches, its capture group
 * giving `_total`. When the data has no totals nothing matches and Grafana
 * gives the variable the empty value: the raw counters are graphed.
 */
export function totalsVariableQuery(measurement: string, counter: string, bucket?: string): { query: string; regex: string } {
  const regex = `/^${counter.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}(_total)$/`;
  if (bucket === undefined) return { query: `SHOW FIELD KEYS FROM ${id(measurement)}`, regex };
  return {
    query: `import "influxdata/influxdb/schema"\n\nschema.fieldKeys(bucket: ${JSON.stringify(bucket)}, predicate: (r) => r._measurement == ${JSON.stringify(measurement)}, start: v.timeRangeStart, stop: v.timeRangeStop)`,
    regex,
  };
}

/** An annotation's query and, for InfluxQL, the columns Grafana reads its text and tags from. */
interface AnnotationText {
  readonly query: string;
  readonly textColumn?: string;
  readonly tagsColumn?: string;
}

/**
 * The points where a mark's field changed from its reading before (fell, or
 * changed at all), per series of its GROUP BY: the series of one host are read
 * as one unless the mark names more tags (a firmware upgrade starts a new
 * series of homenet_system, and comes with a reboot).
 */
export function markQuery(mark: PanelMark, bucket?: string): AnnotationText {
  const test = mark.when === 'fell' ? '< 0' : '!= 0';
  if (bucket === undefined) {
    const inner = `SELECT difference(${id(mark.field)}) AS "change" FROM ${id(mark.measurement)} WHERE ${conditions(mark.tags).join(' AND ')} AND $timeFilter GROUP BY ${mark.groupBy.map(id).join(', ')}`;
    return { query: `SELECT "change", "host" FROM (${inner}) WHERE "change" ${test.replace('!=', '<>')}`, textColumn: 'change', tagsColumn: 'host' };
  }
  return {
    query: [
      ...fluxFrom(bucket),
      `  |> filter(fn: (r) => ${fluxConditions(mark.measurement, mark.field, mark.tags).join(' and ')})`,
      `  |> group(columns: [${mark.groupBy.map((t) => JSON.stringify(t)).join(', ')}])`,
      '  |> sort(columns: ["_time"])',
      '  |> difference()',
      `  |> filter(fn: (r) => r._value ${test})`,
      `  |> map(fn: (r) => ({_time: r._time, host: r.host, text: ${JSON.stringify(`${mark.text}: `)} + string(v: r._value) + ${JSON.stringify(` ${mark.unit}`)}}))`,
    ].join('\n'),
  };
}
