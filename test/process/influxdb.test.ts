/**
 * Acceptance by a real InfluxDB 1.x: every line our fixtures and end-to-end
 * runs produce, and hostile names and values, are written to a real influxd,
 * read back with InfluxQL and compared exactly (names, tags, field types,
 * every digit).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startSimulator, type Simulator } from '../../src/simulate/server.js';
import { collectEverything, fixtureMetrics, HOSTILE } from '../support/acceptance.js';
import { roundTrip, startInfluxd, type Influxd } from '../support/influxd.js';
import { needs } from '../support/needs.js';

describe('InfluxDB acceptance (real influxd)', { skip: needs('influxd') }, () => {
  let influx: Influxd;
  let sim: Simulator;
  before(async () => {
    influx = await startInfluxd();
    sim = await startSimulator();
  });
  after(async () => {
    await sim.close();
    await influx.stop();
  });

  it('is a real InfluxDB 1.x', () => {
    assert.match(influx.version, /^1\./);
  });

  it('stores every line of every fixture exactly', async () => {
    await roundTrip(influx, await fixtureMetrics());
  });

  it('stores everything a collect run prints, with hostile tags and an error string', async () => {
    await roundTrip(influx, await collectEverything(sim));
  });

  it('stores hostile names and values exactly', async () => {
    await roundTrip(influx, HOSTILE);
  });
});
