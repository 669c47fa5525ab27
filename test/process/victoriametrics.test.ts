/**
 * Acceptance by a second implementation of line protocol: VictoriaMetrics
 * (Debian's package), which users also point Telegraf at, reads every line
 * our fixtures, a collect run and hostile names produce. It refuses none of
 * them, and stores every number and boolean under the name and tags it
 * reads them as (`<measurement>_<field>`, tags as labels), with the value the
 * line says (booleans as 1 and 0). Numbers are compared to 15 significant
 * digits: VictoriaMetrics keeps about 16 (seen here: int64's largest,
 * 9223372036854775807, comes back as 9223372036854775000; the largest
 * float64's last digit is lost), which no counter of a home network reaches.
 * String fields are not compared: VictoriaMetrics keeps numbers only.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { serialize, type Metric } from '../../src/lineprotocol.js';
import { startSimulator, type Simulator } from '../../src/simulate/server.js';
import { collectEverything, fixtureMetrics, HOSTILE } from '../support/acceptance.js';
import { serveVictoria, type Exported, type Victoria } from '../support/victoria.js';
import { needs } from '../support/needs.js';

/** A series' identity as VictoriaMetrics exports it: its name and sorted labels. */
function seriesKey(labels: Readonly<Record<string, string>>): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** What VictoriaMetrics should hold for these metrics: series key -> millisecond -> value. */
function expected(metrics: readonly Metric[]): Map<string, Map<number, number>> {
  const out = new Map<string, Map<number, number>>();
  for (const m of metrics) {
    for (const [field, v] of Object.entries(m.fields)) {
      if (v.kind === 'string') continue;
      const key = seriesKey({ ...m.tags, __name__: `${m.name}_${field}` });
      const points = out.get(key) ?? new Map<number, number>();
      out.set(key, points);
      points.set(Number((m.time ?? 0n) / 1_000_000n), v.kind === 'bool' ? Number(v.value) : Number(v.value));
    }
  }
  return out;
}

function stored(rows: readonly Exported[]): Map<string, Map<number, number>> {
  return new Map(rows.map((r) => [seriesKey(r.metric), new Map(r.timestamps.map((t, i) => [t, r.values[i] ?? NaN]))]));
}

describe('VictoriaMetrics acceptance (real victoria-metrics)', { skip: needs('victoria-metrics') }, () => {
  let vm: Victoria;
  let sim: Simulator;
  before(async () => {
    [vm, sim] = await Promise.all([serveVictoria(), startSimulator()]);
  });
  after(async () => {
    await sim.close();
    await vm.stop();
  });

  it('refuses no line of the fixtures, a collect run and hostile names, and stores every number as written', async () => {
    const all = [...(await fixtureMetrics()), ...(await collectEverything(sim)), ...HOSTILE];
    // One millisecond apart (its resolution), so that no point replaces another.
    const base = 1_764_000_000_000n;
    const stamped = all.map((m, i) => ({ ...m, time: (base + BigInt(i)) * 1_000_000n }));
    await vm.write(stamped.map((m) => serialize(m)).join('\n') + '\n');
    assert.equal(await vm.invalidRows(), 0, 'lines VictoriaMetrics refused');
    const want = expected(stamped);
    const have = stored(await vm.exportAll(want.size));
    const wrong: string[] = [];
    for (const [key, points] of want) {
      for (const [t, v] of points) {
        const got = have.get(key)?.get(t);
        if (got === undefined || Math.abs(got - v) > Math.abs(v) * 1e-15) wrong.push(`${key} at ${String(t)}: wrote ${String(v)}, stored ${String(got)}`);
      }
    }
    assert.deepEqual(wrong.slice(0, 10), [], `${String(wrong.length)} of the written numbers`);
    assert.ok(want.size > 200, `only ${String(want.size)} series written`);
  });
});
