/**
 * The Grafana dashboard's model: its variables (a dashboard that loses them
 * fails here), no host written into a query, a unit on every axis, both
 * directions, the rows the config's devices can fill, the annotations. The
 * queries run on a real InfluxDB in dashboard-influxdb.test.ts and through
 * the Flux compiler in dashboard-flux.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Dashboard } from '@grafana/schema';
import { buildConfig, type Config } from '../../src/config/index.js';
import { dashboard, dashboardJson } from '../../src/dashboard/index.js';
import { drawingPanels, targetsOf, variable } from '../support/grafana.js';

/** Every kind of device the simulator has, as the README's examples configure them. */
function configOf(sections: string, schema = 'homenet'): Config {
  return buildConfig({ file: 'dash.ini', fileText: `schema = ${schema}\n${sections}`, env: { CODE: 'x' } });
}
const ALL = configOf(
  '[gwa]\ntype = att\nurl = http://127.0.0.1:1\n[gwb]\ntype = att-bgw\nurl = http://127.0.0.1:1/bgw320\ncollect = traffic, line, lan, system, nat\naccess_code_env = CODE\n' +
    '[hh1]\ntype = sonos-household\nurl = http://127.0.0.1:1/sonos/1\ncollect = traffic, system, radio\n',
);

/** Every query text of the dashboard: panels, variables, annotations. */
function allQueries(d: Dashboard): string[] {
  const panels = drawingPanels(d).flatMap((p) => targetsOf(p).map((t) => t.query));
  const vars = (d.templating?.list ?? []).filter((v) => v.type === 'query').map((v) => (typeof v.query === 'string' ? v.query : JSON.stringify(v.query)));
  const notes = (d.annotations?.list ?? []).flatMap((a) => (a.target && 'query' in a.target ? [String(a.target['query'])] : []));
  return [...panels, ...vars, ...notes];
}

function units(d: Dashboard): Map<string, string | undefined> {
  return new Map(drawingPanels(d).map((p) => [p.title ?? '', p.fieldConfig?.defaults.unit]));
}

function titles(d: Dashboard): string[] {
  return (d.panels ?? []).map((p) => `${p.type === 'row' ? '# ' : ''}${p.title ?? ''}`);
}

describe('the Grafana dashboard', () => {
  for (const flux of [undefined, 'homenet/autogen']) {
    const mode = flux === undefined ? 'InfluxQL' : 'Flux';
    it(`${mode}: has $datasource and a multi-value $host from the data, and every query reads through them`, () => {
      const d = dashboard(ALL, { datasource: '${DS_INFLUXDB}', ...(flux !== undefined ? { fluxBucket: flux } : {}) });
      const ds = variable(d, 'datasource');
      assert.equal(ds?.type, 'datasource');
      assert.equal(ds.query, 'influxdb');
      const host = variable(d, 'host');
      assert.equal(host?.type, 'query');
      assert.equal(host.multi, true);
      assert.equal(host.includeAll, true);
      assert.deepEqual(host.datasource, { type: 'influxdb', uid: '${datasource}' });
      assert.match(typeof host.query === 'string' ? host.query : '', flux === undefined ? /^SHOW TAG VALUES FROM .* WITH KEY = "host"$/ : /schema\.tagValues\(bucket: "homenet\/autogen", tag: "host"/);
      for (const p of drawingPanels(d)) {
        assert.deepEqual(p.datasource, { type: 'influxdb', uid: '${datasource}' }, p.title);
        for (const t of p.targets ?? []) assert.deepEqual(t.datasource, { type: 'influxdb', uid: '${datasource}' }, p.title);
      }
      const queries = allQueries(d);
      assert.ok(queries.length >= 25, `${queries.length} queries`);
      for (const q of queries.filter((text) => !/^SHOW|schema\./.test(text))) {
        // The hosts come from $host: none is written in, and every query is filtered by it.
        assert.ok(q.includes('/^${host:regex}$/'), q);
        for (const name of ['gwa', 'gwb', 'hh1']) assert.ok(!q.includes(name), `${name} in ${q}`);
      }
    });
  }

  it('finds out from the data whether it has totals, unless --totals or --no-totals says', () => {
    const auto = dashboard(ALL, { datasource: 'x' });
    const total = variable(auto, 'total');
    assert.equal(total?.hide, 2);
    assert.equal(total.query, 'SHOW FIELD KEYS FROM "net"');
    assert.equal(total.regex, '/^rx_bytes(_total)$/');
    const wan = drawingPanels(auto).find((p) => p.title === 'WAN bandwidth');
    assert.match(targetsOf(wan)[0]?.query ?? '', /max\("rx_bytes\$\{total:raw\}"\)/);
    for (const [totals, field] of [
      [true, 'rx_bytes_total'],
      [false, 'rx_bytes'],
    ] as const) {
      const d = dashboard(ALL, { datasource: 'x', totals });
      assert.equal(variable(d, 'total'), undefined);
      const q = targetsOf(drawingPanels(d).find((p) => p.title === 'WAN bandwidth'))[0]?.query ?? '';
      assert.ok(q.includes(`max("${field}")`), q);
    }
    const telegraf = variable(dashboard(configOf('[pace]\ntype = att\nurl = http://127.0.0.1:1\n', 'telegraf'), { datasource: 'x' }), 'total');
    assert.equal(telegraf?.regex, '/^bytes_recv(_total)$/');
  });

  it('puts the right unit on every axis, and draws what leaves the home below it', () => {
    const d = dashboard(ALL, { datasource: 'x' });
    assert.deepEqual(Object.fromEntries(units(d)), {
      'WAN bandwidth': 'bps',
      'Data used this billing period': 'decbytes',
      'WAN packets': 'pps',
      'WAN errors and drops': 'pps',
      'DSL sync rate': 'bps',
      'DSL noise margin (SNR)': 'dB',
      'DSL attenuation': 'dB',
      'DSL output power': 'dBm',
      'Fiber optical power': 'dBm',
      'Fiber module temperature': 'celsius',
      'Fiber module voltage': 'volt',
      'LAN ports and Wi-Fi': 'bps',
      'NAT sessions': 'short',
      'Sonos speakers': 'bps',
      'Sonos Wi-Fi noise floor': 'dBm',
      Uptime: 's',
      'Scrape duration': 'ms',
      'Scrape failures': 'short',
    });
    const failures = drawingPanels(d).find((p) => p.title === 'Scrape failures');
    assert.equal(failures?.fieldConfig?.defaults.decimals, 0);
    for (const title of ['WAN bandwidth', 'WAN packets', 'LAN ports and Wi-Fi', 'Sonos speakers']) {
      const p = drawingPanels(d).find((x) => x.title === title);
      const below = (p?.fieldConfig?.overrides ?? []).filter((o) => o.properties.some((x) => x.id === 'custom.transform' && x.value === 'negative-Y'));
      // Two directions: one query above the axis, the other below, both positive numbers.
      assert.equal(p?.targets?.length, 2, title);
      assert.deepEqual(
        below.map((o) => o.matcher.options),
        ['B'],
        title,
      );
      for (const t of targetsOf(p)) assert.doesNotMatch(t.query, /\* -/, title);
    }
  });

  it("draws the line rows the config's devices can have: DSL for a Pace, DSL and fiber for the .ha family, none without the line area", () => {
    const pace = titles(dashboard(configOf('[pace]\ntype = att-pace\nurl = http://127.0.0.1:1\n'), { datasource: 'x' }));
    assert.ok(pace.includes('# DSL line') && !pace.includes('# Fiber line'), pace.join(', '));
    const bgw = titles(dashboard(configOf('[gw]\ntype = att-bgw\nurl = http://127.0.0.1:1\n'), { datasource: 'x' }));
    assert.ok(bgw.includes('# DSL line') && bgw.includes('# Fiber line'), bgw.join(', '));
    const noLine = titles(dashboard(configOf('[gw]\ntype = att\nurl = http://127.0.0.1:1\ncollect = traffic, system\n'), { datasource: 'x' }));
    assert.ok(!noLine.some((t) => /line$|LAN/.test(t)), noLine.join(', '));
    const speakers = dashboard(configOf('[house]\ntype = sonos-household\nurl = http://127.0.0.1:1\n'), { datasource: 'x' });
    assert.deepEqual(titles(speakers), ['# Sonos', 'Sonos speakers', '# Devices', 'Scrape duration', 'Scrape failures']);
    assert.deepEqual(
      (speakers.annotations?.list ?? []).map((a) => a.name),
      ['Annotations & Alerts'],
    );
  });

  it('marks reboots and DSL retrains', () => {
    const d = dashboard(ALL, { datasource: 'x' });
    const notes = (d.annotations?.list ?? []).filter((a) => a.builtIn !== 1);
    assert.deepEqual(
      notes.map((a) => a.name),
      ['Reboots', 'DSL retrains'],
    );
    for (const a of notes) {
      assert.deepEqual(a.datasource, { type: 'influxdb', uid: '${datasource}' });
      const target = a.target as Record<string, unknown> | undefined;
      assert.equal(target?.['fromAnnotations'], true);
      assert.equal(target['tagsColumn'], 'host');
    }
  });

  it('is a Grafana dashboard model: unique ids, a 24-column grid without overlaps, an import question', () => {
    const d = dashboard(ALL, { datasource: '${DS_INFLUXDB}' });
    assert.equal(typeof d.schemaVersion, 'number');
    const ids = (d.panels ?? []).map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length);
    const cells = new Set<string>();
    for (const p of d.panels ?? []) {
      const g = p.gridPos;
      assert.ok(g && g.x >= 0 && g.x + g.w <= 24 && g.h > 0, `panel ${p.id ?? '?'} fits the grid`);
      for (let x = g.x; x < g.x + g.w; x++) {
        for (let y = g.y; y < g.y + g.h; y++) {
          assert.ok(!cells.has(`${x},${y}`), `panel ${p.title ?? '?'} overlaps another at ${x},${y}`);
          cells.add(`${x},${y}`);
        }
      }
    }
    const json = JSON.parse(dashboardJson(ALL, { datasource: '${DS_INFLUXDB}' })) as { __inputs?: { name: string }[]; templating: { list: { name: string; current: { value: string } }[] } };
    assert.equal(json.__inputs?.[0]?.name, 'DS_INFLUXDB');
    assert.equal(json.templating.list[0]?.current.value, '${DS_INFLUXDB}');
    const baked = JSON.parse(dashboardJson(ALL, { datasource: 'P951FEA4DE68E13C5' })) as { __inputs?: unknown; templating: { list: { current: { value: string } }[] } };
    assert.equal(baked.__inputs, undefined);
    assert.equal(baked.templating.list[0]?.current.value, 'P951FEA4DE68E13C5');
  });
});
