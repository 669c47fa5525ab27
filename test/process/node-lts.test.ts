/**
 * The launcher on every Node.js LTS line the README names (issue 22, item 3):
 * 20, 22, 24 and 26, each the official build from the npm registry
 * (`npm run lts` fetches them; src/build/lts.ts pins them). On each, as a
 * user would run it from a server's Node: --version, an offline parse, a
 * collect and one execd gather against the simulator, with the same lines as
 * on the Node running the tests and nothing on stderr (a deprecation warning
 * of a newer Node would reach Telegraf's log at every run).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { LTS_NODES, ltsNodePath } from '../../src/build/lts.js';
import type { Metric } from '../../src/lineprotocol.js';
import { startSimulator, type Simulator } from '../../src/simulate/server.js';
import { BIN, FIXTURES, runProgram } from '../support/helpers.js';
import { fixturePages } from '../support/fixtures.js';
import { metricsOf } from '../support/acceptance.js';
import { needs } from '../support/needs.js';

const skip = needs('lts');

/** A line's series and field types, without the values (counters move, timings differ from run to run). */
function shape(m: Metric): string {
  const tags = Object.entries(m.tags)
    .map(([k, v]) => `${k}=${v}`)
    .sort()
    .join(',');
  const fields = Object.entries(m.fields)
    .map(([k, v]) => `${k}:${v.kind}`)
    .join(',');
  return `${m.name} ${tags} ${fields}`;
}

describe('the launcher on every Node.js LTS line', { skip }, () => {
  let sim: Simulator;
  let args: string[];
  /** What collect and execd print on the Node running the tests. */
  const reference = { collect: [] as string[], execd: [] as string[] };
  before(async () => {
    sim = await startSimulator();
    args = ['--device', `att=${sim.url}/bgw320`, '--device', `sonos-household=${sim.url}/sonos/1`, '--tag', 'site=lts'];
    for (const [kind, argv, input] of [
      ['collect', args, ''],
      ['execd', ['execd', ...args], '\n'],
    ] as const) {
      const r = await runProgram(process.execPath, [BIN, ...argv], { input });
      assert.equal(r.code, 0, r.stderr);
      reference[kind] = metricsOf(r.stdout).map(shape);
      assert.ok(reference[kind].length >= 10, `the reference ${kind} printed lines`);
    }
  });
  after(() => sim.close());

  for (const n of LTS_NODES) {
    describe(`Node.js ${n.build.version}`, () => {
      const run = (argv: string[], input?: string): ReturnType<typeof runProgram> =>
        runProgram(ltsNodePath(n), [BIN, ...argv], { cwd: '/', env: { PATH: process.env['PATH'] ?? '' }, ...(input !== undefined ? { input } : {}) });

      it('is the Node.js it claims to be', async () => {
        const r = await runProgram(ltsNodePath(n), ['-p', 'process.version']);
        assert.equal(r.stdout.trim(), `v${n.build.version}`);
        assert.equal(Number(n.build.version.split('.')[0]), n.major);
      });

      it('--version and an offline parse', async () => {
        const v = await run(['--version']);
        assert.deepEqual({ code: v.code, stderr: v.stderr }, { code: 0, stderr: '' });
        assert.match(v.stdout, /^\d+\.\d+\.\d+\n$/);
        const saved = `${FIXTURES}att-pace/att-caption/`;
        const p = await run(['parse', '--type', 'att-pace', '--host', 'router', ...fixturePages(saved)]);
        assert.deepEqual({ code: p.code, stderr: p.stderr }, { code: 0, stderr: '' });
        assert.equal(p.stdout, readFileSync(`${saved}expected.out`, 'utf8'));
      });

      it('collect prints the same series as on the Node running the tests, and nothing on stderr', async () => {
        const r = await run(args);
        assert.deepEqual({ code: r.code, stderr: r.stderr }, { code: 0, stderr: '' });
        assert.deepEqual(metricsOf(r.stdout).map(shape), reference.collect);
      });

      it('execd answers a gather and exits 0 at the end of its input', async () => {
        const r = await run(['execd', ...args], '\n');
        assert.equal(r.code, 0, r.stderr);
        // Its start-up line, and no other.
        assert.match(r.stderr, /^I! telegraf-homenet execd: 2 device\(s\)[^\n]*\n$/);
        const lines = metricsOf(r.stdout);
        assert.deepEqual(lines.map(shape), reference.execd);
        assert.ok(
          lines.every((m) => m.time !== undefined),
          'execd stamps every line',
        );
      });
    });
  }
});
