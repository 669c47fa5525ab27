/**
 * The dashboard's InfluxQL as a user's Grafana runs it: the program run by
 * its launcher against the simulator, gather after gather with a state file
 * (totals), its lines stamped as Telegraf stamps them and written to a real
 * influxd; then every panel, variable and annotation query of the dashboard,
 * its variables filled from that database as Grafana fills them, returns the
 * series each panel is for.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { after, before, describe, it } from 'node:test';
import type { Dashboard } from '@grafana/schema';
import { buildConfig, type Config } from '../../src/config/index.js';
import { dashboard, type DashboardOptions } from '../../src/dashboard/index.js';
import { SIM_ACCESS_CODE } from '../../src/devices/att/simulate/bgw.js';
import { int, serialize, type Metric } from '../../src/lineprotocol.js';
import { shape } from '../../src/shape.js';
import { startSimulator } from '../../src/simulate/server.js';
import { drawingPanels, fill, firstOrNone, targetsOf, variable, variableOptions, type Filling } from '../support/grafana.js';
import { closedPort, lines, runMain } from '../support/helpers.js';
import { startInfluxd, type Influxd } from '../support/influxd.js';
import { needs } from '../support/needs.js';
import { JsonNumber, type Json } from '../support/json.js';
import { readLine } from '../support/lpread.js';

/** Telegraf's interval in this test: the simulator's clock moves this much between gathers. */
const STEP_S = 15;
const GATEWAYS = ['pace', 'fiber', 'dsl'];
const SPEAKERS = ['Living Room (L)', 'Living Room (R)', "Kid's Room", 'Küche'];

function ini(url: string, dir: string, dead: number, schema = 'homenet'): string {
  return (
    `schema = ${schema}\nstate_file = ${dir}/state.json\ndata_cap = 1 TB\n` +
    `[pace]\ntype = att\nurl = ${url}\n` +
    `[fiber]\ntype = att\nurl = ${url}/bgw320\ncollect = traffic, line, lan, system, nat\naccess_code_env = CODE\n` +
    `[dsl]\ntype = att\nurl = ${url}/bgw210\n` +
    `[house]\ntype = sonos-household\nurl = ${url}/sonos/1\ncollect = traffic, system, radio\n` +
    `[dead]\ntype = att\nurl = http://127.0.0.1:${dead}\n`
  );
}

/** One collect run (in this process, as the launcher runs it); its lines as metrics. */
async function collectOnce(path: string): Promise<Metric[]> {
  const r = await runMain(['--config', path], { env: { CODE: SIM_ACCESS_CODE } });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^E! \[dead\] /m);
  return lines(r.stdout).map(readLine);
}

/**
 * Seven gathers 15 s apart (the simulated gateways' 32-bit counters wrap
 * between them), then every simulated device restarted (a reboot: uptime
 * and counters start again) and two more gathers. Each gather's lines get
 * its time, as Telegraf stamps an exec input's lines.
 */
async function simulatedDays(): Promise<{ metrics: Metric[]; config: Config }> {
  const dir = mkdtempSync(`${tmpdir()}/homenet-dash-`);
  const dead = await closedPort();
  const t0 = BigInt(Date.now() - 20 * 60_000) * 1_000_000n;
  const metrics: Metric[] = [];
  let config: Config | undefined;
  try {
    let gather = 0;
    for (const gathers of [7, 2]) {
      let simMs = 0;
      const sim = await startSimulator({ now: () => simMs });
      const path = `${dir}/homenet.ini`;
      const text = ini(sim.url, dir, dead);
      writeFileSync(path, text);
      config = buildConfig({ file: path, fileText: text, env: { CODE: SIM_ACCESS_CODE } });
      try {
        for (let i = 0; i < gathers; i++, gather++) {
          simMs = i * STEP_S * 1000;
          const time = t0 + BigInt(gather * STEP_S) * 1_000_000_000n;
          metrics.push(...(await collectOnce(path)).map((m) => ({ ...m, time })));
        }
      } finally {
        await sim.close();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // A retrain, which the simulator cannot show: the Pace's line back at a lower downstream rate.
  metrics.push({ name: 'homenet_dsl', tags: { direction: 'down', host: 'pace', line: '1' }, fields: { rate_kbps: int(40_110) }, time: t0 + 9n * BigInt(STEP_S) * 1_000_000_000n });
  assert.ok(config);
  return { metrics, config };
}

type Series = { tags?: Record<string, string>; values: Json[][] };

function seriesOf(result: Json): Series[] {
  const results = (result as { results: { series?: Series[]; error?: string }[] }).results;
  return results.flatMap((r) => {
    if (r.error) throw new Error(r.error);
    return r.series ?? [];
  });
}

const cell = (v: Json | undefined): string => (v instanceof JsonNumber ? v.text : typeof v === 'string' ? v : JSON.stringify(v));

/** What a query variable gets in Grafana: its query run, then its regex. */
async function optionsOf(influx: Influxd, db: string, d: Dashboard, name: string): Promise<string[]> {
  const v = variable(d, name);
  assert.ok(v && typeof v.query === 'string', `variable ${name}`);
  // SHOW TAG VALUES answers key, value; SHOW FIELD KEYS answers the key first.
  const column = v.query.startsWith('SHOW TAG VALUES') ? 1 : 0;
  const rows = seriesOf(await influx.query(db, v.query)).flatMap((s) => s.values.map((row) => cell(row[column])));
  return variableOptions(rows, v.regex);
}

/** The hosts each panel shows when every host is chosen (with totals: the data used needs them). */
const EXPECTED: Readonly<Record<string, readonly string[]>> = {
  'WAN bandwidth': GATEWAYS,
  'Data used this billing period': GATEWAYS,
  'WAN packets': GATEWAYS,
  'WAN errors and drops': GATEWAYS,
  'DSL sync rate': ['pace', 'dsl'],
  'DSL noise margin (SNR)': ['pace', 'dsl'],
  'DSL attenuation': ['pace', 'dsl'],
  'DSL output power': ['pace'],
  'Fiber optical power': ['fiber'],
  'Fiber module temperature': ['fiber'],
  'Fiber module voltage': ['fiber'],
  'LAN ports and Wi-Fi': GATEWAYS,
  'NAT sessions': ['pace', 'fiber'],
  'Sonos speakers': SPEAKERS,
  'Sonos Wi-Fi noise floor': SPEAKERS,
  Uptime: GATEWAYS,
  'Scrape duration': [...GATEWAYS, 'house', 'dead'],
  'Scrape failures': [...GATEWAYS, 'house', 'dead'],
};

/** {@link EXPECTED}, for data with totals or without (exec with no state file: no data used either). */
function expected(totals: boolean): Readonly<Record<string, readonly string[]>> {
  return totals ? EXPECTED : { ...EXPECTED, 'Data used this billing period': [] };
}

/** Runs every panel query with these variables; the hosts each panel's series are of. Every series has a value. */
async function panelHosts(influx: Influxd, db: string, d: Dashboard, f: Filling): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>();
  for (const p of drawingPanels(d)) {
    const hosts = new Set<string>();
    for (const t of targetsOf(p)) {
      const q = fill(t.query, f);
      for (const s of seriesOf(await influx.query(db, q))) {
        assert.ok(
          s.values.some((row) => row[1] !== null),
          `${p.title ?? ''}: a series with no value for ${q}`,
        );
        hosts.add(s.tags?.['host'] ?? '(none)');
      }
    }
    out.set(p.title ?? '', hosts);
  }
  return out;
}

describe('the dashboard on a real InfluxDB, with data from the simulator', { skip: needs('influxd') }, () => {
  let influx: Influxd;
  let config: Config;
  /** The homenet_usage lines the runs printed, in order. */
  let usageLines: Metric[] = [];
  const db = (name: string): string => `dash_${name}_${process.pid}`;
  const base = { timeFilter: 'time >= now() - 1h and time <= now()', interval: `${STEP_S}s` };

  before(async () => {
    influx = await startInfluxd();
    const data = await simulatedDays();
    config = data.config;
    usageLines = data.metrics.filter((m) => m.name === 'homenet_usage');
    // What exec without a state file prints: no totals, no data used.
    const withoutTotals = data.metrics.filter((m) => m.name !== 'homenet_usage').map((m) => ({ ...m, fields: Object.fromEntries(Object.entries(m.fields).filter(([k]) => !k.endsWith('_total'))) }));
    const telegraf = shape(data.metrics, { ...config, schema: 'telegraf' });
    for (const [name, metrics] of [
      ['totals', data.metrics],
      ['raw', withoutTotals],
      ['telegraf', telegraf],
    ] as const) {
      await influx.query('', `CREATE DATABASE ${db(name)}`);
      await influx.write(db(name), metrics.map((m) => serialize(m)).join('\n') + '\n');
    }
  });
  after(() => influx.stop());

  for (const [name, schema, totals] of [
    ['totals', 'homenet', '_total'],
    ['raw', 'homenet', ''],
    ['telegraf', 'telegraf', '_total'],
  ] as const) {
    it(`${name === 'raw' ? 'without totals (exec, no state file)' : name === 'telegraf' ? 'schema = telegraf' : 'with totals'}: the variables find the hosts and the totals, every panel shows its hosts`, async () => {
      const d = dashboard({ ...config, schema }, { datasource: 'x' });
      const hosts = await optionsOf(influx, db(name), d, 'host');
      assert.deepEqual([...hosts].sort(), [...GATEWAYS, 'house', 'dead', ...SPEAKERS].sort());
      const total = firstOrNone(await optionsOf(influx, db(name), d, 'total'));
      assert.equal(total, totals);
      for (const interval of [`${STEP_S}s`, '5s', '1m']) {
        const shown = await panelHosts(influx, db(name), d, { ...base, interval, variables: { host: hosts, total, datasource: 'x' } });
        for (const [title, want] of Object.entries(expected(name !== 'raw'))) {
          assert.deepEqual([...(shown.get(title) ?? [])].sort(), [...want].sort(), `${title} at $__interval ${interval}`);
        }
        assert.equal(shown.size, Object.keys(EXPECTED).length, [...shown.keys()].join(', '));
      }
    });
  }

  it('$host with two values chosen: each panel shows those two only', async () => {
    const d = dashboard(config, { datasource: 'x' });
    const chosen = ['pace', "Kid's Room"];
    const shown = await panelHosts(influx, db('totals'), d, { ...base, variables: { host: chosen, total: '_total', datasource: 'x' } });
    assert.deepEqual([...(shown.get('WAN bandwidth') ?? [])], ['pace']);
    assert.deepEqual([...(shown.get('Sonos speakers') ?? [])], ["Kid's Room"]);
    for (const [title, hosts] of shown) for (const h of hosts) assert.ok(chosen.includes(h), `${title} shows ${h}`);
  });

  for (const totals of [true, false]) {
    it(`--${totals ? '' : 'no-'}totals: every panel shows its hosts from the fields it names`, async () => {
      const d: Dashboard = dashboard(config, { datasource: 'x', totals } satisfies DashboardOptions);
      const shown = await panelHosts(influx, db(totals ? 'totals' : 'raw'), d, { ...base, variables: { host: [...GATEWAYS, 'house', 'dead', ...SPEAKERS], datasource: 'x' } });
      for (const [title, want] of Object.entries(expected(totals))) assert.deepEqual([...(shown.get(title) ?? [])].sort(), [...want].sort(), title);
    });
  }

  it("the data used: each gateway's last reading of the period, the config's data_cap a dashed line across it", async () => {
    const d = dashboard(config, { datasource: 'x' });
    const panel = drawingPanels(d).find((p) => p.title === 'Data used this billing period');
    assert.ok(panel, 'the panel is drawn');
    assert.deepEqual(panel.fieldConfig?.defaults.thresholds?.steps, [
      { color: 'green', value: null },
      { color: 'red', value: 1e12 },
    ]);
    assert.deepEqual(panel.fieldConfig.defaults.custom?.['thresholdsStyle'], { mode: 'dashed' });
    const printed = new Map<string, string>();
    for (const m of usageLines) printed.set(m.tags['host'] ?? '', String(m.fields['bytes']?.value));
    assert.deepEqual([...printed.keys()].sort(), [...GATEWAYS].sort(), 'every gateway printed its data used');
    const [target] = targetsOf(panel);
    assert.ok(target);
    const last = new Map<string, string>();
    for (const s of seriesOf(await influx.query(db('totals'), fill(target.query, { ...base, variables: { host: GATEWAYS, datasource: 'x' } })))) {
      const values = s.values.filter((row) => row[1] !== null);
      last.set(s.tags?.['host'] ?? '', cell(values.at(-1)?.[1]));
    }
    assert.deepEqual(Object.fromEntries(last), Object.fromEntries(printed));
  });

  it("marks the gateways' reboots and the Pace's retrain", async () => {
    const d = dashboard(config, { datasource: 'x' });
    const marked = new Map<string, string[]>();
    for (const a of d.annotations?.list ?? []) {
      const target = a.target as { query?: string; textColumn?: string } | undefined;
      if (target?.query === undefined) continue;
      const q = fill(target.query, { ...base, variables: { host: [...GATEWAYS, ...SPEAKERS, 'house', 'dead'], datasource: 'x' } });
      const series = seriesOf(await influx.query(db('totals'), q));
      const rows = series.flatMap((s) => s.values.map((row) => ({ columns: (s as unknown as { columns: string[] }).columns, row })));
      marked.set(a.name, rows.map(({ columns, row }) => cell(row[columns.indexOf('host')])).sort());
      for (const { columns, row } of rows) assert.notEqual(row[columns.indexOf(target.textColumn ?? '')], undefined, q);
    }
    assert.deepEqual(Object.fromEntries(marked), { Reboots: [...GATEWAYS].sort(), 'DSL retrains': ['pace'] });
  });
});
