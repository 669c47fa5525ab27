/** schema = telegraf and counter_type = float: the lines as they are shaped. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildConfig } from '../../src/config/index.js';
import { float, int, serialize, type Metric } from '../../src/lineprotocol.js';
import { shape } from '../../src/shape.js';

const gateway: Metric = {
  name: 'net',
  tags: { host: 'router' },
  fields: { tx_bytes: int(10n), rx_bytes: int(20n), tx_pkts: int(1n), rx_pkts: int(2n), tx_err: int(0n), rx_err: int(0n), tx_pct: float(0), rx_bytes_total: int(4294967316n), total_time: int(12) },
};

describe('shape', () => {
  it('schema = telegraf: inputs.net names and an interface tag', () => {
    const [m] = shape([gateway], { measurement: 'net', schema: 'telegraf', counterType: 'integer' });
    assert.equal(
      serialize(m ?? gateway),
      'net,host=router,interface=wan bytes_sent=10i,bytes_recv=20i,packets_sent=1i,packets_recv=2i,err_out=0i,err_in=0i,tx_pct=0,bytes_recv_total=4294967316i,total_time=12i',
    );
  });

  it('counter_type = float: counters become floats, nothing else does', () => {
    const [m] = shape([gateway], { measurement: 'net', schema: 'homenet', counterType: 'float' });
    assert.equal(serialize(m ?? gateway), 'net,host=router tx_bytes=10,rx_bytes=20,tx_pkts=1,rx_pkts=2,tx_err=0,rx_err=0,tx_pct=0,rx_bytes_total=4294967316,total_time=12i');
  });

  it('a Sonos interface keeps its own interface tag; other measurements are untouched', () => {
    const speaker: Metric = { name: 'net', tags: { host: 'Den', interface: 'br0' }, fields: { rx_bytes: int(5n) } };
    const system: Metric = { name: 'homenet_system', tags: { host: 'Den' }, fields: { uptime_s: int(5) } };
    const out = shape([speaker, system], { measurement: 'net', schema: 'telegraf', counterType: 'float' });
    assert.deepEqual(
      out.map((m) => serialize(m)),
      ['net,host=Den,interface=br0 bytes_recv=5', 'homenet_system,host=Den uptime_s=5i'],
    );
  });

  it('the config keys are checked', () => {
    assert.equal(buildConfig({ file: 'f', fileText: 'schema = telegraf\ncounter_type = float\n', devices: ['att=http://192.168.1.254'] }).schema, 'telegraf');
    assert.throws(() => buildConfig({ file: 'f', fileText: 'schema = influx\n', devices: ['att=http://192.168.1.254'] }), { message: 'f: schema: "influx" must be homenet or telegraf' });
  });
});
