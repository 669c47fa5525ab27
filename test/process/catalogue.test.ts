/**
 * The kinds' field catalogues against what the program prints: every field
 * of every fixture's expected output and of a collect of every simulated
 * device is in the catalogue with its type, and every catalogue entry is
 * printed by some fixture or simulated device (no stale entries). The
 * catalogue drives totals, shape, the table and the dashboard, so a field
 * missing from it would silently lose its `*_total` or its Telegraf name.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { buildConfig } from '../../src/config/index.js';
import { catalogue, DEVICE_KINDS, isType } from '../../src/devices/index.js';
import type { Metric } from '../../src/lineprotocol.js';
import { SIM_ACCESS_CODE } from '../../src/devices/att/simulate/bgw.js';
import { startSimulator, type Simulator } from '../../src/simulate/server.js';
import { fixtureCases } from '../support/fixtures.js';
import { readLine } from '../support/lpread.js';
import { EXECD, Run } from '../../src/pipeline.js';

const SCRAPE = 'homenet_scrape';

function fixtureMetrics(): { where: string; m: Metric }[] {
  return fixtureCases().flatMap(({ type, name, dir }) => {
    let text = '';
    try {
      text = readFileSync(`${dir}/expected.out`, 'utf8');
    } catch {
      return [];
    }
    return text
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => ({ where: `${type}/${name}`, m: readLine(l) }));
  });
}

describe('the field catalogue', () => {
  let sim: Simulator;
  let simulated: Metric[] = [];
  before(async () => {
    sim = await startSimulator({ speakers: 2 });
    // A cap, so that the data used prints every field (execd's totals: the lines it prints).
    const ini = [
      'data_cap = 1 TB\n',
      `[pace]\ntype = att-pace\nurl = ${sim.url}\ncollect = traffic, line, lan, system, nat\n`,
      `[bgw320]\ntype = att-bgw\nurl = ${sim.url}/bgw320\ncollect = traffic, line, lan, system, nat\naccess_code_env = CODE\n`,
      `[bgw210]\ntype = att\nurl = ${sim.url}/bgw210\ncollect = traffic, line, lan, system, nat\naccess_code_env = CODE\n`,
      `[spk]\ntype = sonos\nurl = ${sim.url}${sim.speakers[0]?.prefix ?? ''}\ncollect = traffic, system, radio\ninterfaces = all\n`,
      `[house]\ntype = sonos-household\nurl = ${sim.url}${sim.speakers[0]?.prefix ?? ''}\ncollect = traffic, system, radio\ninterfaces = all\n`,
    ].join('');
    const config = buildConfig({ file: 'c.ini', fileText: ini, env: { CODE: SIM_ACCESS_CODE } });
    const run = await Run.open(config, EXECD);
    try {
      const gathered = await run.gather();
      assert.deepEqual(gathered.log, [], 'every simulated device reads cleanly');
      // (The speaker in both [spk] and [house] gets no totals, and a W! that says so.)
      simulated = run.post(gathered).metrics;
      assert.ok(
        simulated.some((m) => m.name === 'homenet_usage'),
        'the data used is printed',
      );
    } finally {
      await run.close();
    }
  });
  after(async () => {
    await sim.close();
  });

  it('has every field printed, with its type', () => {
    const cat = catalogue('net');
    const all = [...fixtureMetrics(), ...simulated.map((m) => ({ where: 'simulator', m }))].filter(({ m }) => m.name !== SCRAPE);
    assert.ok(all.length > 100, `fixtures and the simulator print lines (${all.length})`);
    const missing = new Set<string>();
    for (const { where, m } of all) {
      for (const [field, value] of Object.entries(m.fields)) {
        const spec = cat.field(m.name, field);
        if (!spec) missing.add(`${m.name} ${field} (${where})`);
        else assert.ok(isType(value, spec.type), `${where}: ${m.name} ${field} is ${value.kind}, the catalogue says ${spec.type}`);
      }
    }
    assert.deepEqual([...missing], []);
  });

  it('has no field nothing prints', () => {
    const printed = new Set([...fixtureMetrics().map(({ m }) => m), ...simulated].flatMap((m) => Object.keys(m.fields).map((f) => `${m.name} ${f}`)));
    const stale = catalogue('net')
      .entries()
      .flatMap(([m, fields]) => fields.map((f) => `${m} ${f.name}`))
      .filter((k) => !printed.has(k));
    assert.deepEqual(stale, []);
  });

  it('gives every kind a catalogue whose counters are integers', () => {
    for (const kind of DEVICE_KINDS.values()) {
      assert.ok(kind.catalogue.length > 0, kind.type);
      for (const m of kind.catalogue) for (const f of m.fields) if (f.counter) assert.equal(f.type, 'integer', `${kind.type} ${f.name}`);
    }
  });
});
