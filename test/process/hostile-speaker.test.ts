/** A speaker listing thousands of interfaces beside a good gateway: the output, the state file and execd's memory stay bounded (issue 21, items 2 and 3). */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { MAX_HOST_SERIES } from '../../src/counters/budget.js';
import { buildConfig } from '../../src/config/index.js';
import { runExecd } from '../../src/execd.js';
import { stateFromJson } from '../../src/state/index.js';
import { useSimulator } from '../support/context.js';
import { lines, runMain } from '../support/helpers.js';

let dir = '';
before(() => {
  dir = mkdtempSync(`${tmpdir()}/homenet-hostile-`);
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** The gateway's `rx_bytes_total` in printed lines, one per batch. */
function gatewayTotals(out: string): bigint[] {
  return lines(out).flatMap((l) => {
    const t = /^net,host=gw .*\brx_bytes_total=(\d+)i/.exec(l)?.[1];
    return t === undefined ? [] : [BigInt(t)];
  });
}

/** A state file's series of `host`. */
function seriesOf(path: string, host: string): number {
  return [...stateFromJson(readFileSync(path, 'utf8')).counters.series.keys()].filter((k) => k.includes(`\u0000host=${host}\u0000`)).length;
}

describe('a speaker listing 15,000 interfaces beside a good gateway', () => {
  const lab = useSimulator({ fault: 'many-interfaces' });

  it("two collects with a state file: under 4 MiB, read back, and the gateway's totals go on", async () => {
    const state = `${dir}/many.json`;
    writeFileSync(`${dir}/many.ini`, `state_file = ${state}\n[gw]\ntype = att-pace\nurl = ${lab.url}\ncollect = traffic\n[spk]\ntype = sonos\nurl = ${lab.url}/sonos/1\n`);
    const runs = [await runMain(['--config', `${dir}/many.ini`]), await runMain(['--config', `${dir}/many.ini`])];
    for (const r of runs) {
      assert.equal(r.code, 0, r.stderr);
      assert.ok(lines(r.stdout).length < 50, `${lines(r.stdout).length} lines`);
      assert.match(r.stdout, /^homenet_scrape,host=gw,type=att-pace success=true,.*state_ok=true/m);
      assert.match(r.stderr, /^W! \[spk\] sonos \S+: traffic: Network interfaces \(\/status\/ifconfig\): 15004 interfaces listed, more than the 32 a speaker is read for: 14971 left out$/m);
    }
    assert.doesNotMatch(runs[1]?.stderr ?? '', /state file/);
    assert.ok(statSync(state).size < 4 * 1048576, `${statSync(state).size} bytes`);
    const [first, second] = runs.map((r) => gatewayTotals(r.stdout)[0]);
    assert.ok(first !== undefined && second !== undefined && second >= first, `${first} then ${second}`);
  });
});

describe('execd beside a speaker naming 2,000 new interfaces every gather', () => {
  const lab = useSimulator({ fault: 'new-interfaces' });

  it(`keeps at most ${MAX_HOST_SERIES} of its series, in memory and in the state file, and the gateway's totals go on`, async () => {
    const state = `${dir}/new.json`;
    const config = buildConfig({ file: 'new.ini', fileText: `state_file = ${state}\n[gw]\ntype = att-pace\nurl = ${lab.url}\ncollect = traffic\n[spk]\ntype = sonos\nurl = ${lab.url}/sonos/1\n` });
    let out = '';
    let err = '';
    let written = (): void => undefined;
    const kept: number[] = [];
    async function* newlines(): AsyncIterable<string> {
      for (let i = 0; i < 12; i++) {
        const batch = new Promise<void>((resolve) => (written = resolve));
        yield '\n';
        await batch;
        kept.push(seriesOf(state, 'Living Room (L)'));
      }
    }
    const code = await runExecd(config, {
      stdin: newlines(),
      stdout: (text) => {
        out += text;
        written();
      },
      stderr: (text) => (err += text),
    });
    assert.equal(code, 0);
    assert.ok(
      kept.every((n) => n > 0 && n <= MAX_HOST_SERIES),
      `series kept after each gather: ${kept.join(', ')}`,
    );
    const totals = gatewayTotals(out);
    assert.equal(totals.length, 12);
    assert.ok(
      totals.every((t, i) => i === 0 || t >= (totals[i - 1] ?? 0n)),
      totals.join(', '),
    );
    assert.match(err, /^W! host "Living Room \(L\)" reports more series than the 512 a host keeps totals for/m);
    assert.ok(statSync(state).size < 200_000, `${statSync(state).size} bytes`);
  });
});
