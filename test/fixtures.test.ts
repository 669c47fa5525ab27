/**
 * Parser fixtures: one folder per case under test/fixtures/<type>/<case>/,
 * holding the saved page(s) and either `expected.out` (line protocol, with
 * host=router) or `expected.err` (the exact ParseError message). A new
 * firmware variant is a new folder, not new test code.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { DEVICE_KINDS, recognizePages } from '../src/devices/index.js';
import { ParseError } from '../src/html.js';
import { serializeAll } from '../src/lineprotocol.js';
import { FIXTURES } from './helpers.js';

/** Every fixture case, for this test and for the InfluxDB acceptance test. */
export function fixtureCases(): { type: string; name: string; dir: string }[] {
  return readdirSync(FIXTURES).flatMap((type) =>
    readdirSync(`${FIXTURES}${type}`).map((name) => ({ type, name, dir: `${FIXTURES}${type}/${name}/` })),
  );
}

/** Parses a fixture case the way `telegraf-homenet parse --host router` does. */
export function parseFixture(type: string, dir: string): string {
  const kind = DEVICE_KINDS.get(type);
  if (!kind) throw new Error(`fixture folder for unknown type ${type}`);
  const saved = readdirSync(dir)
    .filter((f) => !f.startsWith('expected.'))
    .map((f) => ({ name: f, body: readFileSync(`${dir}${f}`, 'utf8') }));
  const metrics = kind.parse(recognizePages(kind, saved), { measurement: 'net' });
  const warnings: string[] = [];
  const out = serializeAll(metrics.map((m) => ({ ...m, tags: { host: 'router', ...m.tags } })), (w) => warnings.push(w));
  assert.deepEqual(warnings, []);
  return out;
}

describe('parser fixtures', () => {
  const cases = fixtureCases();
  it('finds the fixture folders', () => {
    // Guards against a loop that passes because it found nothing.
    assert.ok(cases.length >= 12, `only ${cases.length} fixture cases found in ${FIXTURES}`);
    assert.ok(cases.filter((c) => c.name.startsWith('broken-')).length >= 3);
  });
  for (const c of cases) {
    it(`${c.type}/${c.name}`, () => {
      const files = readdirSync(c.dir);
      if (files.includes('expected.out')) {
        const expected = readFileSync(`${c.dir}expected.out`, 'utf8');
        assert.ok(expected.trim() !== '', 'expected.out is empty');
        assert.equal(parseFixture(c.type, c.dir), expected);
      } else {
        const expected = readFileSync(`${c.dir}expected.err`, 'utf8').trim();
        assert.throws(() => parseFixture(c.type, c.dir), (err: unknown) => {
          assert.ok(err instanceof ParseError, `expected a ParseError, got ${String(err)}`);
          assert.equal(err.message, expected);
          return true;
        });
      }
    });
  }
});
