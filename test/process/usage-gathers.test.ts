/**
 * `homenet_usage` gathered as Telegraf gathers it: the collector against
 * the simulator over real HTTP, gather after gather with a state file and
 * with execd, across a 32-bit wrap, a gateway reboot and a billing-day
 * boundary (the wall clock injected: nothing waits; New York's time zone,
 * whose clocks go back inside a period); the lines through a real InfluxDB;
 * a state file that cannot be written, and none at all (the built program).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { buildConfig } from '../../src/config/index.js';
import { runExecd } from '../../src/execd.js';
import { int, type FieldValue, type Metric } from '../../src/lineprotocol.js';
import { COLLECT, renderLines, Run } from '../../src/pipeline.js';
import { startSimulator, type Simulator } from '../../src/simulate/server.js';
import { BIN, lines, runMain, runProgram } from '../support/helpers.js';
import { roundTrip, startInfluxd } from '../support/influxd.js';
import { needs } from '../support/needs.js';
import { readLine } from '../support/lpread.js';
import { ms, usageFields } from '../support/usage.js';

// Billing periods start at local midnight: New York's, here (UTC-5, UTC-4 in summer).
process.env['TZ'] = 'America/New_York';

/** The simulated Pace (its received bytes wrap 60 s after the simulator starts): bytes per second each way. */
const RX = 1_250_000n;
const TX = 150_000n;

/** One step of a scenario: the clocks, a reboot of the Pace before the gather, what homenet_usage then says. */
interface Step {
  readonly wall: string;
  readonly simS: number;
  readonly reboot?: boolean;
  readonly expect: Record<string, FieldValue>;
}

/** How the steps' gathers are run: collect with a state file (a Run per step, as a process per run), or one execd. */
type Mode = 'collect with a state file' | 'execd';

/** Runs the steps against a simulator on the clocks given; the lines of each gather, and the log. */
async function runSteps(mode: Mode, ini: (url: string) => string, steps: readonly Step[]): Promise<{ batches: Metric[][]; log: string[] }> {
  let simMs = 0;
  let wall = 0;
  const sim = await startSimulator({ now: () => simMs });
  const dir = mkdtempSync(`${tmpdir()}/homenet-usage-`);
  const apply = (s: Step): void => {
    simMs = s.simS * 1000;
    wall = ms(s.wall);
    if (s.reboot === true) sim.reboot('');
  };
  const batches: Metric[][] = [];
  const log: string[] = [];
  try {
    const text = `${mode === 'execd' ? '' : `state_file = ${dir}/state.json\n`}${ini(sim.url)}`;
    const config = buildConfig({ file: `${dir}/h.ini`, fileText: text });
    if (mode === 'execd') {
      let written = (): void => undefined;
      const stdin = async function* (): AsyncIterable<string> {
        for (const s of steps) {
          apply(s);
          const batch = new Promise<void>((resolve) => (written = resolve));
          yield '\n';
          await batch;
        }
      };
      await runExecd(
        config,
        {
          stdin: stdin(),
          stdout: (t) => {
            batches.push(lines(t).map(readLine));
            written();
          },
          stderr: (t) => log.push(...lines(t).filter((l) => !l.startsWith('I! '))),
        },
        { now: () => wall },
      );
    } else {
      for (const s of steps) {
        apply(s);
        const run = await Run.open(config, COLLECT, { now: () => wall });
        const r = renderLines(await run.whole());
        batches.push(lines(r.out).map(readLine));
        log.push(...r.log.filter((l) => !l.includes('does not exist yet')));
      }
    }
  } finally {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return { batches, log };
}

/** The Pace's homenet_usage fields, and its raw received bytes, in each batch. */
function usageOf(batches: readonly Metric[][]): { fields: Record<string, FieldValue> | undefined; rx: bigint | undefined }[] {
  return batches.map((b) => {
    const raw = b.find((m) => m.name === 'net')?.fields['rx_bytes'];
    return { fields: b.find((m) => m.name === 'homenet_usage')?.fields, rx: raw?.kind === 'int' ? raw.value : undefined };
  });
}

const PACE =
  (cap: string) =>
  (url: string): string =>
    `${cap}[gw]\ntype = att-pace\nurl = ${url}\ncollect = traffic, system\n`;
const MB100 = 100_000_000n;
/** All the lines of the scenarios, for the InfluxDB round trip. */
const printed: Metric[] = [];

for (const mode of ['collect with a state file', 'execd'] as const) {
  describe(`usage: ${mode}, against the simulator`, () => {
    it('across a 32-bit wrap: the data used grows by what was carried, never by the wrap', async () => {
      const NOV = '2024-11-01T04:00:00Z';
      const steps: Step[] = [
        { wall: '2024-11-20T12:00:00-05:00', simS: 0, expect: usageFields(0n, 0n, true, NOV, MB100) },
        { wall: '2024-11-20T12:00:30-05:00', simS: 30, expect: usageFields(30n * RX, 30n * TX, true, NOV, MB100) },
        // The received bytes wrapped at 60 s.
        { wall: '2024-11-20T12:01:30-05:00', simS: 90, expect: usageFields(90n * RX, 90n * TX, true, NOV, MB100) },
      ];
      const { batches, log } = await runSteps(mode, PACE('data_cap = 100 MB\n'), steps);
      const seen = usageOf(batches);
      assert.ok((seen[2]?.rx ?? 0n) < (seen[1]?.rx ?? 0n), `the counter wrapped: ${seen.map((s) => s.rx).join(', ')}`);
      assert.deepEqual(
        seen.map((s) => s.fields),
        steps.map((s) => s.expect),
      );
      assert.equal(seen[2]?.fields?.['cap_pct']?.value, 126, 'past the cap: 126%');
      assert.deepEqual(log, []);
      printed.push(...batches.flat().filter((m) => m.name === 'homenet_usage'));
    });

    it('across a gateway reboot: what the counters counted since it is added; nothing falls', async () => {
      const NOV = '2024-11-01T04:00:00Z';
      const steps: Step[] = [
        { wall: '2024-11-20T12:00:00-05:00', simS: 0, expect: usageFields(0n, 0n, true, NOV) },
        { wall: '2024-11-20T12:00:40-05:00', simS: 40, expect: usageFields(40n * RX, 40n * TX, true, NOV) },
        // Rebooted just before this gather: its counters and uptime read 0; 10 s later, 10 s worth.
        { wall: '2024-11-20T12:00:50-05:00', simS: 40, reboot: true, expect: usageFields(40n * RX, 40n * TX, true, NOV) },
        { wall: '2024-11-20T12:01:00-05:00', simS: 50, expect: usageFields(50n * RX, 50n * TX, true, NOV) },
        { wall: '2024-11-20T12:01:20-05:00', simS: 70, expect: usageFields(70n * RX, 70n * TX, true, NOV) },
      ];
      const { batches, log } = await runSteps(mode, PACE(''), steps);
      const seen = usageOf(batches);
      assert.equal(seen[3]?.rx, 10n * RX, 'the counter started again from 0');
      const uptime = batches[3]?.find((m) => m.name === 'homenet_system')?.fields['uptime_s'];
      assert.deepEqual(uptime, int(10), 'and the uptime');
      assert.deepEqual(
        seen.map((s) => s.fields),
        steps.map((s) => s.expect),
      );
      assert.deepEqual(log, []);
      printed.push(...batches.flat().filter((m) => m.name === 'homenet_usage'));
    });

    it("across a billing-day boundary (billing_day = 3, the day New York's clocks go back): the new period from its midnight", async () => {
      const OCT = '2024-10-03T04:00:00Z';
      const NOV = '2024-11-03T04:00:00Z';
      const steps: Step[] = [
        { wall: '2024-11-02T23:59:00-04:00', simS: 100, expect: usageFields(0n, 0n, true, OCT, 10n ** 9n) },
        { wall: '2024-11-02T23:59:40-04:00', simS: 140, expect: usageFields(40n * RX, 40n * TX, true, OCT, 10n ** 9n) },
        // 40 s later, 20 of them after midnight: half of what the 40 s carried is the new period's, and it is whole.
        { wall: '2024-11-03T00:00:20-04:00', simS: 180, expect: usageFields(20n * RX, 20n * TX, false, NOV, 10n ** 9n) },
        { wall: '2024-11-03T00:01:20-04:00', simS: 240, expect: usageFields(80n * RX, 80n * TX, false, NOV, 10n ** 9n) },
        // 1:30, a second time: the same period, an hour later.
        { wall: '2024-11-03T01:30:00-05:00', simS: 300, expect: usageFields(140n * RX, 140n * TX, false, NOV, 10n ** 9n) },
      ];
      const { batches, log } = await runSteps(mode, PACE('billing_day = 3\ndata_cap = 1 GB\n'), steps);
      assert.deepEqual(
        usageOf(batches).map((s) => s.fields),
        steps.map((s) => s.expect),
      );
      assert.deepEqual(log, []);
      printed.push(...batches.flat().filter((m) => m.name === 'homenet_usage'));
    });
  });
}

describe('usage: the lines on a real InfluxDB', { skip: needs('influxd') }, () => {
  it('stores every homenet_usage line of the scenarios exactly: integers, the float percentage, the flag', async () => {
    assert.equal(printed.length, 26, 'the scenarios of both modes ran first');
    const influx = await startInfluxd();
    try {
      await roundTrip(influx, printed);
    } finally {
      await influx.stop();
    }
  });
});

describe('usage: a state file that cannot be written (the built program)', () => {
  let dir = '';
  let sim: Simulator;
  let simMs = 0;
  before(async () => {
    dir = mkdtempSync(`${tmpdir()}/homenet-usage-unwritable-`);
    sim = await startSimulator({ now: () => simMs });
  });
  after(async () => {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints no homenet_usage while it cannot be written; the next run goes on from the file, never from what was not kept', async () => {
    writeFileSync(`${dir}/u.ini`, `state_file = ${dir}/state.json\n[gw]\ntype = att-pace\nurl = ${sim.url}\ncollect = traffic\n`);
    /** A collect at `atS` on the simulator's clock; unwritable: under `ulimit -f` (files of at most 100 bytes). */
    const run = async (atS: number, writable: boolean): Promise<Metric[]> => {
      simMs = atS * 1000;
      const args = [BIN, '--config', `${dir}/u.ini`];
      const r = writable ? await runProgram(process.execPath, args) : await runProgram('prlimit', ['--fsize=100', process.execPath, ...args]);
      assert.equal(r.code, 0, r.stderr);
      return lines(r.stdout).map(readLine);
    };
    const used = (b: Metric[]): bigint | undefined => {
      const v = b.find((m) => m.name === 'homenet_usage')?.fields['rx_bytes'];
      return v?.kind === 'int' ? v.value : undefined;
    };
    const first = await run(1000, true);
    const unwritten = await run(1030, false);
    const again = await run(1060, true);
    assert.equal(used(first), 0n);
    assert.equal(used(unwritten), undefined, 'no data used the next run could not go on from');
    assert.equal(
      unwritten.some((m) => Object.keys(m.fields).some((f) => f.endsWith('_total'))),
      false,
    );
    // From the file's reading at 1,000 s, as the totals.
    assert.equal(used(again), 60n * RX);
  });

  it('a collect without state_file prints none, and says nothing every run: telegraf-config says it once', async () => {
    writeFileSync(`${dir}/plain.ini`, `[gw]\ntype = att-pace\nurl = ${sim.url}\ncollect = traffic\n`);
    const r = await runMain(['--config', `${dir}/plain.ini`]);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /homenet_usage|_total=/);
    assert.equal(r.stderr, '');
    const block = await runMain(['telegraf-config', '--config', `${dir}/plain.ini`, '--program', '/usr/local/bin/telegraf-homenet']);
    assert.match(
      block.stdout,
      /^## No state_file in the config: no \*_total fields and no homenet_usage \(data used in the billing period\)\.\n## Set state_file in it, or run execd \(telegraf-config --execd\), to have them\.$/m,
    );
    const execd = await runMain(['telegraf-config', '--execd', '--config', `${dir}/plain.ini`, '--program', '/usr/local/bin/telegraf-homenet']);
    assert.doesNotMatch(execd.stdout, /state_file/);
    const kept = await runMain(['telegraf-config', '--config', `${dir}/u.ini`, '--program', '/usr/local/bin/telegraf-homenet']);
    assert.doesNotMatch(kept.stdout, /No state_file/);
  });
});

describe('usage: in the terminal views, against the simulator', () => {
  it('the views read the state file and never write it', async () => {
    let simMs = 0;
    const sim = await startSimulator({ now: () => simMs });
    const dir = mkdtempSync(`${tmpdir()}/homenet-usage-view-`);
    try {
      writeFileSync(`${dir}/v.ini`, `state_file = ${dir}/state.json\ndata_cap = 100 MB\n[gw]\ntype = att-pace\nurl = ${sim.url}\ncollect = traffic, line\n`);
      const none = await runMain(['--config', `${dir}/v.ini`, '--format', 'pretty']);
      assert.match(none.stdout.replace(/\n {3,}/g, ' '), /^ {2}wan +.*data used: none in the state file yet$/m, none.stdout);
      assert.equal(none.stderr, '', 'nothing said of a file that is not there yet: a view only reads it');
      assert.equal((await runMain(['--config', `${dir}/v.ini`])).code, 0);
      const saved = readFileSync(`${dir}/state.json`, 'utf8');
      simMs = 40_000;
      const view = await runMain(['--config', `${dir}/v.ini`, '--format', 'pretty']);
      assert.equal(view.code, 0, view.stderr);
      // 40 s of the Pace since the collect: 50,000,000 received and 6,000,000 sent, 56% of 100 MB.
      assert.match(view.stdout, /^ {2}wan +used at least 56\.0 MB of 100 MB \(56%\) since \d{1,2} [A-Z][a-z]{2} · connected/m, view.stdout);
      assert.equal(readFileSync(`${dir}/state.json`, 'utf8'), saved, 'the state file is as the collect left it');
    } finally {
      await sim.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
