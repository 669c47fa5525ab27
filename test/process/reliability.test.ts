/** The program as a process under faults: deadlines, execd, the counter state file. */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { serialize } from '../../src/lineprotocol.js';
import { HOSTILE_FAULTS, startSimulator, type Fault, type Simulator } from '../../src/simulate/server.js';
import { useSimulator } from '../support/context.js';
import { eventually, FakeClock, until } from '../support/clock.js';
import { readLine } from '../support/lpread.js';
import { BIN, closedPort, lines, runBin, runMain } from '../support/helpers.js';

let dir = '';
before(() => {
  dir = mkdtempSync(`${tmpdir()}/homenet-rel-`);
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('one good gateway and every kind of misbehaving device, 2 s limit', () => {
  // Whatever the devices send, the good gateway's metrics are printed and each
  // bad device is one scrape line and one E! line: a collect in this process,
  // on a clock the test moves past the 2 s once the devices that never finish
  // (a hang, a trickle) were asked. How soon a real run ends (by its timeout +
  // 0.5 s from the process's start) is measured by `npm run timing` and the
  // bench, not here: no test here depends on the machine's speed.
  const faults: Fault[] = ['hang', 'trickle', 'reset', 'status-403', 'status-500', 'garbage', 'half', 'huge', ...HOSTILE_FAULTS];
  const sims: Simulator[] = [];
  let good: Simulator;
  before(async () => {
    good = await startSimulator();
    for (const f of faults) sims.push(await startSimulator({ fault: f }));
  });
  after(async () => {
    await Promise.all([good, ...sims].map((s) => s.close()));
  });

  it('exits 0 with the good metrics, a scrape line for each and an E! line for each bad one', async () => {
    const refused = await closedPort();
    // Every device gets all the time it needs to misbehave its own way: only the devices that
    // never finish (a hang, a trickle) are ended by the 2 s.
    const endless = (f: Fault): boolean => f === 'hang' || f === 'trickle';
    const sections = [
      `[good]\ntype = att-pace\nurl = ${good.url}\ntimeout = 1m\n`,
      ...faults.map((f, i) => `[${f}]\ntype = att-pace\nurl = ${sims[i]?.url ?? ''}\ncollect = traffic\n${endless(f) ? '' : 'timeout = 1m\n'}`),
      `[refused]\ntype = att-pace\nurl = http://127.0.0.1:${refused}\n`,
    ];
    writeFileSync(`${dir}/ten.ini`, `timeout = 2s\n${sections.join('')}`);
    const clock = new FakeClock();
    const running = runMain(['--config', `${dir}/ten.ini`], { clock });
    await until(() => sims.slice(0, 2).every((s) => s.hits.has('/xslt?PAGE=C_1_0')));
    clock.advance(2000);
    const r = await running;
    assert.equal(r.code, 0);
    const out = lines(r.stdout);
    for (const l of out) assert.equal(serialize(readLine(l)), l, 'every printed line is valid');
    const scrapes = out.filter((l) => l.startsWith('homenet_scrape,'));
    assert.equal(scrapes.length, faults.length + 2);
    // repeated-tokens is read whole: a page with odd words in it is still the page.
    assert.deepEqual(
      scrapes.filter((l) => l.includes('success=true')).map((l) => /host=([^,]+)/.exec(l)?.[1]),
      ['good', 'repeated-tokens'],
    );
    assert.ok(out.some((l) => l.startsWith('net,host=good ')));
    assert.ok(out.some((l) => l.startsWith('homenet_system,') && l.includes('host=good')));
    const errs = lines(r.stderr);
    for (const name of [...faults.filter((f) => f !== 'repeated-tokens'), 'refused']) {
      assert.equal(errs.filter((l) => l.startsWith(`E! [${name}] att-pace http://127.0.0.1:`)).length, 1, `one line for ${name}:\n${r.stderr}`);
      // Only the endless ones were cut by the deadline; every other one said what was wrong with it.
      const cut = errs.some((l) => l.startsWith(`E! [${name}] `) && l.endsWith("no complete answer within 2000 ms (the device's timeout)"));
      assert.equal(cut, endless(name), `${name}:\n${r.stderr}`);
    }
    assert.equal(errs.length, faults.length, r.stderr);
  });

  it('leaves nothing running: a collect against a hanging device ends by itself after its deadline', async () => {
    const hang = sims[0];
    assert.ok(hang);
    const r = await runBin(['--device', `att-pace=${hang.url}`, '--timeout', '500ms']);
    // A leftover socket or timer would keep the process alive until the helper's guard kills it.
    assert.deepEqual([r.code, r.signal], [0, null]);
    assert.match(r.stdout, /success=false,duration_ms=\d+i,values_omitted=0i,error="no complete answer within 500 ms/);
  });
});

describe('a gateway whose firmware renamed one column', () => {
  let odd: Simulator;
  let good: Simulator;
  before(async () => {
    odd = await startSimulator({ fault: 'odd-values' });
    good = await startSimulator();
  });
  after(async () => {
    await Promise.all([odd.close(), good.close()]);
  });

  it('costs only those values: the rest of the line prints, one W! line each, values_omitted counts them', async () => {
    writeFileSync(`${dir}/odd.ini`, `[odd]\ntype = att-pace\nurl = ${odd.url}\ncollect = traffic\n[good]\ntype = att-pace\nurl = ${good.url}\ncollect = traffic\n`);
    const r = await runMain(['--config', `${dir}/odd.ini`]);
    assert.equal(r.code, 0);
    const out = lines(r.stdout);
    const traffic = out.find((l) => l.startsWith('net,host=odd '));
    assert.ok(traffic, r.stdout);
    assert.match(traffic, /\btx_bytes=\d+i,tx_pkts=\d+i,tx_pct=[\d.]+,rx_bytes=\d+i/);
    assert.doesNotMatch(traffic, /_err=/);
    assert.match(out.find((l) => l.startsWith('homenet_scrape,host=odd,')) ?? '', / success=true,duration_ms=\d+i,values_omitted=2i$/, r.stderr);
    assert.match(out.find((l) => l.startsWith('homenet_scrape,host=good,')) ?? '', / success=true,duration_ms=\d+i,values_omitted=0i$/);
    const warnings = lines(r.stderr);
    assert.deepEqual(
      warnings.map((l) => l.replace(/http:\/\/127\.0\.0\.1:\d+/, 'URL')),
      ['tx', 'rx'].map((d) => `W! [odd] att-pace URL/xslt?PAGE=C_1_0: traffic: Broadband Status (/xslt?PAGE=C_1_0): the "IP Traffic" table has no "Errors" column: ${d}_err left out`),
    );
  });
});

/** The execd processes still running: none is left behind, whatever a test does. */
const running = new Set<ChildProcess>();
after(() => {
  for (const child of running) child.kill('SIGKILL');
});

/** A running `execd`, its output as it comes, and ways to feed and stop it. */
function startExecd(args: string[]): {
  send: (text: string) => void;
  end: () => void;
  kill: (sig: NodeJS.Signals) => void;
  output: () => string;
  /** What it wrote on stderr so far. */
  errors: () => string;
  /** Resolves once `count` batches (scrape lines) were printed. */
  waitFor: (count: number) => Promise<void>;
  /** Resolves when execd has said it is ready (its I! line). */
  ready: Promise<void>;
  exit: Promise<{ code: number | null }>;
} {
  const child = spawn(process.execPath, [BIN, 'execd', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  running.add(child);
  let out = '';
  let err = '';
  const batches = (): number => lines(out).filter((l) => l.startsWith('homenet_scrape,')).length;
  /** Who waits for how many batches. */
  const waiting = new Set<{ count: number; resolve: () => void }>();
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    for (const w of waiting) {
      if (batches() >= w.count) {
        waiting.delete(w);
        w.resolve();
      }
    }
  });
  const ready = new Promise<void>((resolve) => {
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      err += d;
      if (err.includes('I! telegraf-homenet execd')) resolve();
    });
  });
  const exit = new Promise<{ code: number | null }>((resolve) => {
    child.on('exit', (code) => {
      running.delete(child);
      resolve({ code });
    });
  });
  return {
    send: (text) => child.stdin.write(text),
    end: () => {
      child.stdin.end();
    },
    kill: (sig) => {
      child.kill(sig);
    },
    output: () => out,
    errors: () => err,
    ready,
    waitFor: (count) =>
      batches() >= count
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            waiting.add({ count, resolve });
          }),
    exit,
  };
}

/** Requests a simulator has received so far, all paths together. */
const requests = (s: Simulator): number => [...s.hits.values()].reduce((a, b) => a + b, 0);

describe('execd', { timeout: 30_000 }, () => {
  let sim: Simulator;
  let slow: Simulator;
  /** The slow device's clock: it answers when the test moves it. */
  const slowClock = new FakeClock();
  before(async () => {
    sim = await startSimulator();
    slow = await startSimulator({ fault: 'slow', clock: slowClock });
  });
  after(async () => {
    await sim.close();
    await slow.close();
  });

  it('three newlines: three timestamped batches with counter totals, then exit 0 on EOF', async () => {
    const e = startExecd(['--device', `att-pace=${sim.url}`, '--device', `sonos=${sim.url}/sonos/1`]);
    await e.ready;
    const before = BigInt(Date.now()) * 1_000_000n;
    for (let i = 1; i <= 3; i++) {
      e.send('\n');
      await e.waitFor(2 * i);
    }
    e.end();
    assert.equal((await e.exit).code, 0);
    const out = lines(e.output()).map((l) => ({ l, m: readLine(l) }));
    assert.equal(out.filter((x) => x.m.name === 'homenet_scrape').length, 6);
    for (const { l, m } of out) {
      assert.ok(m.time !== undefined && m.time >= before && m.time <= BigInt(Date.now()) * 1_000_000n, `timestamp in ns: ${l}`);
      assert.equal(serialize(m), l);
    }
    const nets = out.filter((x) => x.m.name === 'net' && x.m.tags['interface'] === undefined);
    assert.equal(nets.length, 3);
    const totals = nets.map((x) => x.m.fields['rx_bytes_total']?.value as bigint);
    assert.ok(
      totals.every((t, i) => i === 0 || t >= (totals[i - 1] ?? 0n)),
      'totals only grow',
    );
  });

  it('with a state file, a restarted execd does not ask the family or the zone name again', async () => {
    writeFileSync(`${dir}/e.ini`, `state_file = ${dir}/execd-state.json\n[gw]\ntype = att\nurl = ${sim.url}\ncollect = traffic\n[spk]\ntype = sonos\nurl = ${sim.url}/sonos/1\n`);
    const asked = (): number[] => ['/cgi-bin/broadbandstatistics.ha', '/sonos/1/status/zp'].map((p) => sim.hits.get(p) ?? 0);
    const start = asked();
    for (const run of [1, 2]) {
      const e = startExecd(['--config', `${dir}/e.ini`]);
      await e.ready;
      e.send('\n');
      await e.waitFor(2);
      e.end();
      assert.equal((await e.exit).code, 0);
      assert.deepEqual(
        asked().map((n, i) => n - (start[i] ?? 0)),
        [1, 1],
        `run ${run}: each asked once in all`,
      );
      assert.match(e.output(), /^net,host=Living\\ Room\\ \(L\),interface=br0 /m);
    }
  });

  it('newlines during a gather ask for one more gather, not one each', async () => {
    const e = startExecd(['--device', `att-pace=${slow.url}`, '--device', `att-pace=${sim.url}`]);
    await e.ready;
    // The page the slow device answers late, when its clock moves.
    const late = (): number => slow.hits.get('/xslt?PAGE=C_1_0') ?? 0;
    const asked = late();
    e.send('\n');
    // The gather is in flight once the slow device was asked.
    await eventually(() => late() > asked);
    e.send('\n\n\n');
    // EOF now: execd ends after the gather in flight and the one asked for, so what it printed
    // when it exits is every gather those newlines caused: one each would be more, none fewer.
    e.end();
    slowClock.advance(300);
    await eventually(() => late() > asked + 1);
    slowClock.advance(300);
    assert.equal((await e.exit).code, 0);
    const scrapes = lines(e.output()).filter((l) => l.startsWith('homenet_scrape,'));
    assert.equal(scrapes.length, 4, 'two gathers of two devices');
    assert.ok(
      scrapes.every((l) => l.includes('success=true')),
      scrapes.join('\n'),
    );
  });

  it('a long run leaks nothing: 15 gathers and stderr holds only its I! line', async () => {
    // Node warns on stderr when listeners pile up on one signal (it did, once per idle wait).
    const e = startExecd(['--device', `att-pace=${sim.url}`, '--device', `sonos=${sim.url}/sonos/1`]);
    await e.ready;
    for (let i = 1; i <= 15; i++) {
      e.send('\n');
      await e.waitFor(2 * i);
    }
    e.end();
    assert.equal((await e.exit).code, 0);
    assert.deepEqual(lines(e.errors()), ['I! telegraf-homenet execd: 2 device(s); one gather per line on stdin']);
  });

  it('SIGTERM while waiting for a newline: exit 0 at once', async () => {
    const e = startExecd(['--device', `att-pace=${sim.url}`]);
    await e.ready;
    e.send('\n');
    await e.waitFor(1);
    e.kill('SIGTERM');
    assert.equal((await e.exit).code, 0);
    assert.equal(lines(e.output()).filter((l) => l.startsWith('homenet_scrape,')).length, 1);
  });

  it('SIGTERM during a gather: exit 0 at once, no half batch', async () => {
    const hang = await startSimulator({ fault: 'hang' });
    try {
      // The hanging device's deadline is far beyond the helper's 15 s guard: only the signal can end this gather.
      const e = startExecd(['--device', `att-pace=${hang.url}`, '--device', `att-pace=${sim.url}`, '--timeout', '5m']);
      await e.ready;
      e.send('\n');
      await eventually(() => requests(hang) > 0);
      e.kill('SIGTERM');
      assert.equal((await e.exit).code, 0);
      assert.equal(e.output(), '');
    } finally {
      await hang.close();
    }
  });
});

describe('collect with a state file', () => {
  const lab = useSimulator();

  /** One collect, in this process: each run reads and writes the state file as a process of its own would. */
  const run = (ini: string): ReturnType<typeof runMain> => runMain(['--config', ini]);

  it('adds totals from the second run on, and keeps the file valid', async () => {
    const state = `${dir}/state.json`;
    writeFileSync(`${dir}/s.ini`, `state_file = ${state}\n[gw]\ntype = att-pace\nurl = ${lab.url}\ncollect = traffic, lan\n`);
    const first = await run(`${dir}/s.ini`);
    assert.equal(first.code, 0);
    assert.match(first.stderr, /^W! state file .* does not exist yet: counter totals start fresh\n$/);
    const second = await run(`${dir}/s.ini`);
    assert.equal(second.stderr, '');
    const net = readLine(lines(second.stdout)[0] ?? '');
    assert.equal(net.name, 'net');
    assert.ok((net.fields['rx_bytes_total']?.value as bigint) >= (net.fields['rx_bytes']?.value as bigint));
    assert.ok(lines(second.stdout).some((l) => l.startsWith('homenet_lan,') && l.includes('tx_bytes_total=')));
    assert.ok(readFileSync(state, 'utf8').startsWith('{"format":"telegraf-homenet-counters"'));
    // What the two runs left next to the state file: the file itself and nothing
    // else, whatever a temporary file is named (it was STATE.tmp-<pid>, it is STATE.tmp-<random hex>).
    assert.deepEqual(
      readdirSync(dir).filter((n) => n.startsWith('state.json')),
      ['state.json'],
      'no temporary file left',
    );
  });

  it('remembers the gateway family, the zone name and the description: the next run asks none, unless the URL changed', async () => {
    const state = `${dir}/memory.json`;
    const speaker = `[spk]\ntype = sonos\nurl = ${lab.url}/sonos/2\n`;
    writeFileSync(`${dir}/m.ini`, `state_file = ${state}\n[gw]\ntype = att\nurl = ${lab.url}\ncollect = traffic\n${speaker}`);
    const asked = (path: string): number => lab.sim.hits.get(path) ?? 0;
    const probe = '/cgi-bin/broadbandstatistics.ha';
    const zp = '/sonos/2/status/zp';
    const description = '/sonos/2/xml/device_description.xml';
    const [probes, zps, descriptions] = [asked(probe), asked(zp), asked(description)];
    const first = await run(`${dir}/m.ini`);
    assert.equal(asked(probe) - probes, 1, 'the first run finds the family');
    assert.equal(asked(zp) - zps, 1, 'and the zone name');
    assert.equal(asked(description) - descriptions, 1, 'and reads the description');
    const second = await run(`${dir}/m.ini`);
    assert.equal(second.stderr, '');
    assert.equal(asked(probe) - probes, 1, 'the second run asks no family');
    assert.equal(asked(zp) - zps, 1, 'and no zone name');
    assert.equal(asked(description) - descriptions, 1, 'and repeats the description');
    const series = (out: string): string[] => lines(out).map((l) => l.split(' ')[0] ?? '');
    assert.deepEqual(series(second.stdout), series(first.stdout), 'the same series, named the same');
    const system = (out: string): string | undefined => lines(out).find((l) => l.startsWith('homenet_system,') && l.includes('Living\\ Room'));
    assert.ok(system(first.stdout));
    assert.equal(system(second.stdout), system(first.stdout), 'the same homenet_system line');
    assert.ok(
      lines(second.stdout).some((l) => l.startsWith('net,host=Living\\ Room\\ (R),interface=br0 ')),
      second.stdout,
    );
    // A section renamed, a URL written differently: what was remembered is not used.
    writeFileSync(`${dir}/m.ini`, `state_file = ${state}\n[router]\ntype = att\nurl = ${lab.url}\ncollect = traffic\n[spk]\ntype = sonos\nurl = ${lab.url}/sonos/2/\n`);
    await run(`${dir}/m.ini`);
    assert.equal(asked(probe) - probes, 2);
    assert.equal(asked(zp) - zps, 2);
    assert.equal(asked(description) - descriptions, 2);
  });

  it('a damaged state file: a warning, a fresh start, rewritten', async () => {
    const state = `${dir}/damaged.json`;
    writeFileSync(state, '{"format":"telegraf-homenet-counters","version":1,"ser');
    writeFileSync(`${dir}/d.ini`, `state_file = ${state}\n[gw]\ntype = att-pace\nurl = ${lab.url}\ncollect = traffic\n`);
    const r = await run(`${dir}/d.ini`);
    assert.equal(r.code, 0);
    assert.match(r.stderr, /^W! state file .*damaged\.json is damaged \(it is not valid JSON\): counter totals start fresh\n$/);
    assert.ok(JSON.parse(readFileSync(state, 'utf8')));
  });

  it('a file that is not ours: a warning, and it is left untouched', async () => {
    const state = `${dir}/passwd`;
    writeFileSync(state, 'root:x:0:0:root:/root:/bin/bash\n');
    writeFileSync(`${dir}/f.ini`, `state_file = ${state}\n[gw]\ntype = att-pace\nurl = ${lab.url}\ncollect = traffic\n`);
    const r = await run(`${dir}/f.ini`);
    assert.equal(r.code, 0);
    assert.match(r.stderr, /^E! state file \S+ is not ours .*: it is left untouched; fix: set state_file to a path of its own; until then no \*_total fields are printed\n$/);
    assert.equal(readFileSync(state, 'utf8'), 'root:x:0:0:root:/root:/bin/bash\n');
    assert.match(r.stdout, /^net,host=gw /);
  });
});
