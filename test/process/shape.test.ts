/** schema = telegraf and counter_type = float, written to a real InfluxDB. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { serialize } from '../../src/lineprotocol.js';
import { startSimulator, type Simulator } from '../../src/simulate/server.js';
import { startInfluxd, type Influxd } from '../support/influxd.js';
import { needs } from '../support/needs.js';
import { lines, runMain } from '../support/helpers.js';
import { readLine } from '../support/lpread.js';

describe('migrating from the old Python script (float counters) into a real InfluxDB', { skip: needs('influxd') }, () => {
  let influx: Influxd;
  let sim: Simulator;
  let dir = '';
  before(async () => {
    influx = await startInfluxd();
    sim = await startSimulator();
    dir = mkdtempSync(`${tmpdir()}/homenet-shape-`);
  });
  after(async () => {
    await sim.close();
    await influx.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('counter_type = float writes into float counters without a type conflict; integers would conflict', async () => {
    await influx.query('', 'CREATE DATABASE legacy');
    // What the old script wrote: float counters.
    await influx.write('legacy', 'net,host=router tx_bytes=3713275163.0,rx_bytes=4909425.0,tx_pkts=56434892.0,rx_pkts=109068990.0 1700000000000000000\n');
    const run = async (extra: string): Promise<string> => {
      writeFileSync(`${dir}/m.ini`, `${extra}[router]\ntype = att-pace\nurl = ${sim.url}\ncollect = traffic\n`);
      const r = await runMain(['--config', `${dir}/m.ini`]);
      assert.equal(r.code, 0, r.stderr);
      return lines(r.stdout)
        .filter((l) => l.startsWith('net,'))
        .map((l) => `${l} 1700000060000000000`)
        .join('\n');
    };
    await assert.rejects(influx.write('legacy', await run('')), /field type conflict/);
    await influx.write('legacy', await run('counter_type = float\n'));
    // Both points are there: the old float one and ours.
    const res = JSON.stringify(await influx.query('legacy', 'SELECT count(rx_bytes) FROM net'));
    assert.match(res, /"values":\[\[\{"text":"0"\},\{"text":"2"\}\]\]/);
  });

  it('schema = telegraf output answers the queries of a Telegraf net dashboard', async () => {
    writeFileSync(`${dir}/t.ini`, `schema = telegraf\n[router]\ntype = att-pace\nurl = ${sim.url}\ncollect = traffic\n[den]\ntype = sonos\nurl = ${sim.url}/sonos/1\ncollect = traffic\n`);
    const r = await runMain(['--config', `${dir}/t.ini`]);
    assert.equal(r.code, 0, r.stderr);
    const body = lines(r.stdout)
      .map((l, i) => `${serialize(readLine(l))} ${1700000000000000000n + BigInt(i) * 1000n}`)
      .join('\n');
    await influx.query('', 'CREATE DATABASE telegraf');
    await influx.write('telegraf', body);
    // The shape of a stock Telegraf network panel query.
    const q = 'SELECT last("bytes_recv") AS "in", last("bytes_sent") AS "out" FROM "net" GROUP BY "host", "interface"';
    const res = JSON.stringify(await influx.query('telegraf', q));
    assert.match(res, /"interface":"wan"/);
    assert.match(res, /"interface":"br0"/);
  });
});
