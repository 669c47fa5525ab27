/**
 * The `--flux` dashboard for InfluxDB 2.x. No 2.x server can run here
 * (Debian has none), so its queries are not run on data: every panel,
 * variable and annotation query, its variables filled as Grafana fills them
 * and `v.*` as Grafana's backend does, goes through the Flux compiler (the
 * parser and type checker, see test/support/flux.ts), and reads the same
 * measurements and fields as the InfluxQL dashboard that runs on influxd in
 * dashboard-influxdb.test.ts.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Dashboard } from '@grafana/schema';
import { buildConfig } from '../../src/config/index.js';
import { dashboard } from '../../src/dashboard/index.js';
import { fluxChecker, type FluxChecker } from '../support/flux.js';
import { drawingPanels, fill, targetsOf } from '../support/grafana.js';

const CONFIG = buildConfig({
  file: 'dash.ini',
  fileText:
    '[gwa]\ntype = att\nurl = http://127.0.0.1:1\n[gwb]\ntype = att-bgw\nurl = http://127.0.0.1:1/bgw320\ncollect = traffic, line, lan, system, nat\naccess_code_env = CODE\n' +
    '[hh1]\ntype = sonos-household\nurl = http://127.0.0.1:1/sonos/1\ncollect = traffic, system, radio\n',
  env: { CODE: 'x' },
});
const BUCKET = 'homenet/autogen';

/** Grafana's backend puts the dashboard's range and interval where a Flux query says `v.…`. */
function grafanaBackend(query: string): string {
  return query.replaceAll('v.timeRangeStart', '2026-03-01T00:00:00Z').replaceAll('v.timeRangeStop', '2026-03-01T06:00:00Z').replaceAll('v.windowPeriod', '15s');
}

/** Every Flux text of the dashboard, named, as Grafana sends it: hosts with regex characters among them. */
function filled(d: Dashboard, total: string): [string, string][] {
  const f = { flux: true, timeFilter: '', interval: '', variables: { host: ['gwa', 'Living Room (L)', "Kid's Room"], total, datasource: 'x' } };
  const panels = drawingPanels(d).flatMap((p) => targetsOf(p).map((t): [string, string] => [`${p.title ?? ''} ${t.refId}`, t.query]));
  const vars = (d.templating?.list ?? []).filter((v) => v.type === 'query').map((v): [string, string] => [`$${v.name}`, typeof v.query === 'string' ? v.query : '']);
  const notes = (d.annotations?.list ?? []).flatMap((a): [string, string][] => {
    const q = (a.target as { query?: string } | undefined)?.query;
    return q === undefined ? [] : [[a.name, q]];
  });
  return [...panels, ...vars, ...notes].map(([name, q]) => [name, grafanaBackend(fill(q, f))]);
}

/** Measurement and fields an InfluxQL panel query reads, and the same as a Flux one says them. */
function readsInfluxql(q: string): string[] {
  const measurement = /FROM "([^"]+)"/.exec(q)?.[1] ?? '';
  return [`r._measurement == "${measurement}"`, ...[...q.matchAll(/\b(?:max|mean|last|count|sum)\("([^"]+)"\)/g)].map((m) => `r._field == "${m[1] ?? ''}"`)];
}

describe('the --flux dashboard', () => {
  let flux: FluxChecker;
  /** What the compiler said of each text: the three dashboards share most queries, and compiling is this file's cost. */
  const said = new Map<string, Promise<string[]>>();
  const compiled = (text: string): Promise<string[]> => {
    let errors = said.get(text);
    if (errors === undefined) {
      errors = flux.check(text);
      said.set(text, errors);
    }
    return errors;
  };
  before(async () => {
    flux = await fluxChecker();
  });

  it('the checker is the Flux compiler: it refuses what InfluxDB 2.x would', async () => {
    assert.deepEqual(await flux.check('from(bucket: "b")\n  |> range(start: -1h)\n  |> derivative(unit: 1s, nonNegative: true)'), []);
    const wrong = await flux.check('from(bucket: "b")\n  |> range(start: -1h)\n  |> derivatve(unit: 1s)\n  |> aggregateWindow(every: 15s, fn: 3)');
    assert.equal(wrong.length, 2, wrong.join('\n'));
    assert.match(wrong[0] ?? '', /undefined identifier derivatve/);
  });

  for (const totals of [undefined, true, false]) {
    it(`every query compiles, totals ${totals === undefined ? 'from the data' : totals ? 'forced' : 'off'}`, async () => {
      const d = dashboard(CONFIG, { datasource: 'x', fluxBucket: BUCKET, ...(totals !== undefined ? { totals } : {}) });
      const texts = filled(d, totals === false ? '' : '_total');
      assert.ok(texts.length >= 28, `${texts.length} queries`);
      for (const [name, text] of texts) {
        assert.deepEqual(await compiled(text), [], `${name}:\n${text}`);
        if (!name.startsWith('$')) assert.match(text, /r\.host =~ \/\^\(gwa\|Living Room \\\(L\\\)\|Kid's Room\)\$\//, name);
      }
    });
  }

  it('reads the measurements and fields the InfluxQL dashboard reads, panel by panel', () => {
    const ql = drawingPanels(dashboard(CONFIG, { datasource: 'x' }));
    const fx = drawingPanels(dashboard(CONFIG, { datasource: 'x', fluxBucket: BUCKET }));
    assert.deepEqual(
      fx.map((p) => p.title),
      ql.map((p) => p.title),
    );
    ql.forEach((p, i) => {
      const fluxTargets = targetsOf(fx[i]);
      targetsOf(p).forEach((t, j) => {
        const f = fluxTargets[j]?.query ?? '';
        for (const says of readsInfluxql(t.query)) assert.ok(f.includes(says), `${p.title ?? ''}: ${says} in\n${f}`);
        assert.equal(/non_negative_derivative/.test(t.query), f.includes('derivative(unit: 1s, nonNegative: true)'), f);
      });
    });
  });
});
