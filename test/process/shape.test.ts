/** schema = telegraf and counter_type = float, unit and against a real InfluxDB. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { buildConfig } from '../src/config.js';
import { float, int, serialize, type Metric } from '../src/lineprotocol.js';
import { shape } from '../src/shape.js';
import { startSimulator, type Simulator } from '../src/simulate/server.js';
import { influxdMissing, startInfluxd, type Influxd } from './support/influxd.js';
import { lines, runBin } from './support/helpers.js';
import { readLine } from './support/lpread.js';

const gateway: Metric = {
  name: 'net',
  tags: { host: 'router' },
  fields: { tx_bytes: int(10n), rx_bytes: int(20n), tx_pkts: int(1n), rx_pkts: int(2n), tx_err: int(0n), rx_err: int(0n), tx_pct: float(0), rx_bytes_total: int(4294967316n), total_time: int(12) },
};

describe('shape', () => {
  it('schema = telegraf: inputs.net names and an interface tag', () => {
    const [m] = shape([gateway], { measurement: 'net', schema: 'telegraf', counterType: 'integer' });
    assert.equal(serialize(m ?? gateway), 'net,host=router,interface=wan bytes_sent=10i,bytes_recv=20i,packets_sent=1i,packets_recv=2i,err_out=0i,err_in=0i,tx_pct=0,bytes_recv_total=4294967316i,total_time=12i');
  });

  it('counter_type = float: counters become floats, nothing else does', () => {
    const [m] = shape([gateway], { measurement: 'net', schema: 'homenet', counterType: 'float' });
    assert.equal(serialize(m ?? gateway), 'net,host=router tx_bytes=10,rx_bytes=20,tx_pkts=1,rx_pkts=2,tx_err=0,rx_err=0,tx_pct=0,rx_bytes_total=4294967316,total_time=12i');
  });

  it('a Sonos interface keeps its own interface tag; other measurements are untouched', () => {
    const speaker: Metric = { name: 'net', tags: { host: 'Den', interface: 'br0' }, fields: { rx_bytes: int(5n) } };
    const system: Metric = { name: 'homenet_system', tags: { host: 'Den' }, fields: { uptime_s: int(5) } };
    const out = shape([speaker, system], { measurement: 'net', schema: 'telegraf', counterType: 'float' });
    assert.deepEqual(out.map((m) => serialize(m)), ['net,host=Den,interface=br0 bytes_recv=5', 'homenet_system,host=Den uptime_s=5i']);
  });

  it('the config keys are checked', () => {
    assert.equal(buildConfig({ file: 'f', fileText: 'schema = telegraf\ncounter_type = float\n', devices: ['att=http://192.168.1.254'] }).schema, 'telegraf');
    assert.throws(() => buildConfig({ file: 'f', fileText: 'schema = influx\n', devices: ['att=http://192.168.1.254'] }), { message: 'f: schema: "influx" must be homenet or telegraf' });
  });
});

const missing = influxdMissing();
if (missing !== undefined && process.env['CI']) throw new Error(`CI: ${missing}`);

describe('migrating from the old Python script (float counters) into a real InfluxDB', { skip: missing ?? false }, () => {
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
      const r = await runBin(['--config', `${dir}/m.ini`]);
      assert.equal(r.code, 0, r.stderr);
      return lines(r.stdout).filter((l) => l.startsWith('net,')).map((l) => `${l} 1700000060000000000`).join('\n');
    };
    await assert.rejects(influx.write('legacy', await run('')), /field type conflict/);
    await influx.write('legacy', await run('counter_type = float\n'));
    // Both points are there: the old float one and ours.
    const res = JSON.stringify(await influx.query('legacy', 'SELECT count(rx_bytes) FROM net'));
    assert.match(res, /"values":\[\[\{"text":"0"\},\{"text":"2"\}\]\]/);
  });

  it('schema = telegraf output answers the queries of a Telegraf net dashboard', async () => {
    writeFileSync(`${dir}/t.ini`, `schema = telegraf\n[router]\ntype = att-pace\nurl = ${sim.url}\ncollect = traffic\n[den]\ntype = sonos\nurl = ${sim.url}/sonos/1\ncollect = traffic\n`);
    const r = await runBin(['--config', `${dir}/t.ini`]);
    assert.equal(r.code, 0, r.stderr);
    const body = lines(r.stdout).map((l, i) => `${serialize(readLine(l))} ${1700000000000000000n + BigInt(i) * 1000n}`).join('\n');
    await influx.query('', 'CREATE DATABASE telegraf');
    await influx.write('telegraf', body);
    // The shape of a stock Telegraf network panel query.
    const q = 'SELECT last("bytes_recv") AS "in", last("bytes_sent") AS "out" FROM "net" GROUP BY "host", "interface"';
    const res = JSON.stringify(await influx.query('telegraf', q));
    assert.match(res, /"interface":"wan"/);
    assert.match(res, /"interface":"br0"/);
  });
});
