/** The Grafana dashboard: Grafana's schema types, and every query against what the collector really prints. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Dashboard } from '@grafana/schema';
import { collect } from '../src/collect/index.js';
import { buildConfig, type Config } from '../src/config.js';
import { addTotals, emptyState } from '../src/counters.js';
import { dashboard, dashboardJson } from '../src/dashboard.js';
import { serialize, type Metric } from '../src/lineprotocol.js';
import { shape } from '../src/shape.js';
import { SIM_ACCESS_CODE } from '../src/devices/att/simulate/bgw.js';
import { startSimulator, type Simulator } from '../src/simulate/server.js';
import { closedPort } from './support/helpers.js';
import { influxdMissing, startInfluxd, type Influxd } from './support/influxd.js';

const missing = influxdMissing();
if (missing !== undefined && process.env['CI']) throw new Error(`CI: ${missing}`);

function configFor(sim: Simulator, schema: string): Config {
  return buildConfig({
    file: 'dash.ini',
    fileText: `schema = ${schema}\n[pace]\ntype = att\nurl = ${sim.url}\n[fiber]\ntype = att\nurl = ${sim.url}/bgw320\ncollect = traffic, line, lan, system, nat\naccess_code_env = CODE\n[dsl]\ntype = att\nurl = ${sim.url}/bgw210\n[house]\ntype = sonos-household\nurl = ${sim.url}/sonos/1\n`,
    env: { CODE: SIM_ACCESS_CODE },
  });
}

/**
 * Two gathers a second apart, with totals and the schema applied, as execd
 * would print them. The derivative queries need points in two different
 * seconds (GROUP BY time(1s)): the first gather's timestamps are moved one
 * second back instead of waiting a second between the gathers.
 */
async function emitted(config: Config, failing = 0): Promise<Metric[]> {
  const state = emptyState();
  const out: Metric[] = [];
  for (const back of [1_000_000_000n, 0n]) {
    const { metrics, log } = await collect(config);
    assert.equal(log.length, failing, log.join('\n'));
    const stamped = metrics.map((m) => (m.time === undefined ? m : { ...m, time: m.time - back }));
    out.push(...shape(addTotals(stamped, state, config.measurement, 0n), config));
  }
  return out;
}

/** Measurement, fields and GROUP BY tags a query reads. */
function reads(query: string): { measurement: string; fields: string[]; tags: string[] } {
  const measurement = /FROM "([^"]+)"/.exec(query)?.[1] ?? '';
  const fields = [...query.matchAll(/\b(?:max|mean|last|count)\("([^"]+)"\)/g)].map((m) => m[1] ?? '');
  const groupBy = /GROUP BY (.*?)(?: fill\(|$)/.exec(query)?.[1] ?? '';
  const tags = [...groupBy.matchAll(/"([^"]+)"/g)].map((m) => m[1] ?? '');
  return { measurement, fields, tags };
}

function queries(d: Dashboard): string[] {
  return (d.panels ?? []).flatMap((p) => ('targets' in p ? (p.targets ?? []) : []).map((t) => String(t['query'])));
}

describe('the Grafana dashboard', () => {
  let sim: Simulator;
  before(async () => {
    sim = await startSimulator();
  });
  after(() => sim.close());

  for (const schema of ['homenet', 'telegraf']) {
    it(`schema = ${schema}: every query reads a measurement, fields and tags the collector prints`, async () => {
      const config = configFor(sim, schema);
      const out = await emitted(config);
      const fields = new Map<string, Set<string>>();
      const tags = new Map<string, Set<string>>();
      for (const m of out) {
        for (const f of Object.keys(m.fields)) fields.set(m.name, (fields.get(m.name) ?? new Set()).add(f));
        for (const t of Object.keys(m.tags)) tags.set(m.name, (tags.get(m.name) ?? new Set()).add(t));
      }
      for (const totals of [false, true]) {
        const qs = queries(dashboard(config, { datasource: 'influx-uid', totals }));
        assert.ok(qs.length >= 12, `${qs.length} queries`);
        for (const q of qs) {
          const r = reads(q);
          assert.ok(fields.has(r.measurement), `${r.measurement} is printed (${q})`);
          for (const f of r.fields) assert.ok(fields.get(r.measurement)?.has(f), `${r.measurement}.${f} is printed (${q})`);
          for (const t of r.tags) assert.ok(tags.get(r.measurement)?.has(t), `${r.measurement} has tag ${t} (${q})`);
        }
      }
    });
  }

  it('--flux: the same panels in Flux, reading the same measurements and fields from the bucket', () => {
    const config = configFor(sim, 'homenet');
    const ql = dashboard(config, { datasource: 'x', totals: true });
    const fx = dashboard(config, { datasource: 'x', totals: true, fluxBucket: 'homenet/autogen' });
    const pairs = queries(ql).map((q, i) => [q, queries(fx)[i] ?? ''] as const);
    assert.equal(queries(fx).length, queries(ql).length);
    for (const [q, f] of pairs) {
      const r = reads(q);
      assert.match(f, /^from\(bucket: "homenet\/autogen"\)\n {2}\|> range\(start: v\.timeRangeStart, stop: v\.timeRangeStop\)/);
      assert.ok(f.includes(`r._measurement == "${r.measurement}"`), f);
      for (const field of r.fields) assert.ok(f.includes(`r._field == "${field}"`), f);
      assert.equal(/non_negative_derivative/.test(q), /derivative\(unit: 1s, nonNegative: true\)/.test(f), f);
    }
  });

  it('is a Grafana dashboard model: schema types, unique ids, a 24-column grid, an import question', () => {
    const config = configFor(sim, 'homenet');
    const d: Dashboard = dashboard(config, { datasource: '${DS_INFLUXDB}', totals: false });
    assert.equal(typeof d.schemaVersion, 'number');
    const ids = (d.panels ?? []).map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length);
    for (const p of d.panels ?? []) {
      const g = p.gridPos;
      assert.ok(g && g.x >= 0 && g.x + g.w <= 24 && g.h > 0, `panel ${p.id ?? '?'} fits the grid`);
    }
    const json = JSON.parse(dashboardJson(config, { datasource: '${DS_INFLUXDB}', totals: false })) as { __inputs?: { name: string }[] };
    assert.equal(json.__inputs?.[0]?.name, 'DS_INFLUXDB');
  });
});

describe('the dashboard queries on a real InfluxDB', { skip: missing ?? false }, () => {
  let sim: Simulator;
  let influx: Influxd;
  before(async () => {
    sim = await startSimulator();
    influx = await startInfluxd();
  });
  after(async () => {
    await sim.close();
    await influx.stop();
  });

  it('each returns data for the simulated devices (and one dead one)', async () => {
    const live = configFor(sim, 'homenet');
    const dead = buildConfig({ devices: [`att=http://127.0.0.1:${await closedPort()}`] });
    const config: Config = { ...live, devices: [...live.devices, ...dead.devices] };
    const out = await emitted(config, 1);
    await influx.query('', 'CREATE DATABASE dash');
    await influx.write('dash', out.map((m) => serialize(m)).join('\n') + '\n');
    for (const totals of [false, true]) {
      for (const q of queries(dashboard(config, { datasource: 'x', totals }))) {
        const sql = q.replace('$timeFilter', 'time > now() - 1h').replace('$__interval', '1s');
        const res = JSON.stringify(await influx.query('dash', sql));
        assert.doesNotMatch(res, /"error"/, sql);
        assert.match(res, /"series":\[/, `no data for ${sql}`);
      }
    }
  });
});
