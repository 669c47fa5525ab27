/**
 * What the acceptance tests write to real databases (InfluxDB 1.x,
 * VictoriaMetrics): every fixture's lines, everything a collect run against
 * the simulator prints with hostile tags, and hostile names and values.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { bool, float, int, serialize, str, type Metric } from '../../src/lineprotocol.js';
import { SIM_ACCESS_CODE } from '../../src/devices/att/simulate/bgw.js';
import type { Simulator } from '../../src/simulate/server.js';
import { fixtureCases, parseFixture } from './fixtures.js';
import { closedPort, lines, runBin } from './helpers.js';
import { readLine } from './lpread.js';

/** Lines of program output as metrics; each must re-serialize to itself. */
export function metricsOf(output: string): Metric[] {
  return lines(output).map((line) => {
    const m = readLine(line);
    assert.equal(serialize(m), line, 'reader and serializer agree');
    return m;
  });
}

/** Every line of every fixture's expected.out. */
export async function fixtureMetrics(): Promise<Metric[]> {
  const all: Metric[] = [];
  for (const c of fixtureCases()) {
    if (!readdirSync(c.dir).includes('expected.out')) continue;
    all.push(...metricsOf((await parseFixture(c.type, c.dir)).out));
  }
  assert.ok(all.length >= 7);
  return all;
}

/** The measurements a collect of every simulated model prints (collectEverything's devices). */
export const EVERY_MEASUREMENT = ['net', 'homenet_wan', 'homenet_dsl', 'homenet_fiber', 'homenet_lan', 'homenet_system', 'homenet_nat', 'homenet_radio', 'homenet_scrape'];

/**
 * Everything one collect run prints for every simulated model, a device that
 * refuses connections, and tags with every character line protocol escapes.
 */
export async function collectEverything(sim: Simulator): Promise<Metric[]> {
  const dead = await closedPort();
  const dir = mkdtempSync(`${tmpdir()}/homenet-acc-`);
  writeFileSync(
    `${dir}/bgw.ini`,
    `[bgw320]\ntype = att\nurl = ${sim.url}/bgw320\ncollect = traffic, line, lan, system, nat\naccess_code_env = SIM_CODE\n` +
      `[house]\ntype = sonos-household\nurl = ${sim.url}/sonos/1\ncollect = traffic, system, radio\n`,
  );
  const r = await runBin(
    [
      '--config',
      `${dir}/bgw.ini`,
      '--device',
      `att=${sim.url}`,
      '--device',
      `att=${sim.url}/bgw210`,
      '--device',
      `sonos=${sim.url}/sonos/3`,
      '--device',
      `sonos=${sim.url}/sonos/4`,
      '--device',
      `att=http://127.0.0.1:${String(dead)}`,
      '--tag',
      'site=Maison de l\'été, 2 = deux "ok"',
      '--tag',
      'room key=Küche 🎵',
      '--tag',
      'path=C:\\Users\\ops',
    ],
    { env: { ...process.env, SIM_CODE: SIM_ACCESS_CODE } },
  );
  rmSync(dir, { recursive: true, force: true });
  assert.equal(r.code, 0, r.stderr);
  const metrics = metricsOf(r.stdout);
  const names = new Set(metrics.map((m) => m.name));
  for (const name of EVERY_MEASUREMENT) assert.ok(names.has(name), `${name} in the output`);
  assert.equal(metrics[0]?.tags['site'], 'Maison de l\'été, 2 = deux "ok"');
  assert.equal(metrics.at(-1)?.fields['error']?.value, 'connection refused');
  return metrics;
}

/** Names, tags and values with every character and extreme that line protocol must carry. */
export const HOSTILE: readonly Metric[] = [
  {
    name: 'net work,x=1 "q" \\b é🎵',
    tags: {
      'tag key, with=all': 'value with spaces, commas=equals',
      'quote"': 'say "hi"',
      'emoji🎵': 'Küche 🎵 Süd',
      'back\\slash': 'C:\\Users\\x',
    },
    fields: {
      'field key, =': int('9223372036854775807'),
      'neg': int(-(2n ** 63n)),
      's': str('text with "quotes", commas=, spaces and \\ a backslash at the end\\'),
      'f': float(0.1),
      'tiny': float(1e-7),
      'huge': float(1.7976931348623157e308),
      'b': bool(true),
      'empty': str(''),
      'ünï': str('日本語 🎵'),
    },
  },
  { name: 'net work,x=1 "q" \\b é🎵', tags: { 'emoji🎵': 'other' }, fields: { b: bool(false), f: float(-2.5) } },
  { name: 'homenet_scrape', tags: { host: 'router', type: 'att' }, fields: { success: bool(false), duration_ms: int(12), error: str('HTTP 500 "Internal" \\ Error') } },
];
