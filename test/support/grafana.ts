/**
 * What Grafana does with a dashboard's query text before InfluxDB sees it,
 * for the tests that run the dashboard's queries: template variables filled
 * in (its template service and the InfluxDB data source's formatting) and a
 * query variable's options taken from a query's answer (its regex and
 * capture group). Written after Grafana's own code for the cases the
 * dashboard uses; anything else is refused, so that a query using a variable
 * or format this does not know fails the test instead of passing untested.
 */
import type { Dashboard, Panel, RowPanel, VariableModel } from '@grafana/schema';

/** Grafana's regex escape of one value (kbn.regexEscape). */
export function regexEscape(value: string): string {
  return value.replace(/[\\^$*+?.()|[\]{}/]/g, '\\$&');
}

/** The `regex` format: one escaped value, or an alternation of several. */
function regexFormat(values: readonly string[]): string {
  const escaped = values.map(regexEscape);
  return escaped.length === 1 ? (escaped[0] ?? '') : `(${escaped.join('|')})`;
}

/** What fills a query: the dashboard's variables by name (an array for several values chosen), and the built-ins Grafana or its backend fills. */
export interface Filling {
  readonly variables: Readonly<Record<string, string | readonly string[]>>;
  /** `$timeFilter` as Grafana writes it for a relative range: `time >= now() - 1h and time <= now()`. */
  readonly timeFilter: string;
  /** `$__interval`, e.g. `15s`. */
  readonly interval: string;
  /** A Flux data source: it passes no format function, so several values with no format are Grafana's default, a glob `{a,b}`. */
  readonly flux?: boolean;
}

/**
 * The query as the data source sends it: `$name`, `${name}` and
 * `${name:regex|raw}` filled. A multi-value variable with no format is an
 * escaped alternation (the InfluxQL data source's own formatting), or a glob
 * for Flux.
 */
export function fill(query: string, f: Filling): string {
  return query.replace(/\$\{(\w+)(?::(\w+))?\}|\$(\w+)/g, (whole, braced: string | undefined, format: string | undefined, plain: string | undefined) => {
    const name = braced ?? plain ?? '';
    if (name === 'timeFilter' && format === undefined) return f.timeFilter;
    if (name === '__interval' && format === undefined) return f.interval;
    const value = f.variables[name];
    if (value === undefined) throw new Error(`${whole}: no such variable in ${query}`);
    const values = typeof value === 'string' ? [value] : value;
    if (format === 'regex') return regexFormat(values);
    if (format === 'raw') return values.join(',');
    if (format === undefined) return typeof value === 'string' ? value : f.flux === true ? `{${values.join(',')}}` : regexFormat(values);
    throw new Error(`${whole}: format ${format} is not one this test knows`);
  });
}

/**
 * A query variable's options from the rows its query returned, as Grafana
 * makes them: with a regex, rows it does not match are dropped and a capture
 * group's text is the value; duplicates go.
 */
export function variableOptions(values: readonly string[], regex: string | undefined): string[] {
  const m = regex ? /^\/(.*)\/([gimsuy]*)$/.exec(regex) : null;
  const re = m ? new RegExp(m[1] ?? '', m[2]) : undefined;
  const out: string[] = [];
  for (const v of values) {
    if (!re) {
      out.push(v);
      continue;
    }
    const match = re.exec(v);
    if (!match) continue;
    out.push(match.length > 1 ? (match[1] ?? '') : v);
  }
  return [...new Set(out)];
}

/** The value Grafana gives a single-value variable: its first option, or the empty value when it has none. */
export function firstOrNone(options: readonly string[]): string {
  return options[0] ?? '';
}

/** A dashboard's variable by name. */
export function variable(d: Dashboard, name: string): VariableModel | undefined {
  return d.templating?.list?.find((v) => v.name === name);
}

/** The panels that draw (rows left out). */
export function drawingPanels(d: Dashboard): Panel[] {
  return (d.panels ?? []).filter((p): p is Panel => p.type !== 'row').concat((d.panels ?? []).flatMap((p) => (p.type === 'row' ? (p as RowPanel).panels : [])));
}

/** A panel's query texts, by refId. */
export function targetsOf(p: Panel | undefined): { refId: string; query: string }[] {
  return (p?.targets ?? []).map((t) => ({ refId: String(t.refId), query: String(t['query']) }));
}
