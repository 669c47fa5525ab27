/**
 * Parser fixtures: one folder per case under test/fixtures/<type>/<case>/,
 * holding the saved page(s) and either `expected.out` (line protocol, with
 * host=router) or `expected.err` (the exact ParseError message). A new
 * firmware variant is a new folder, not new test code.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ParseError } from '../src/html.js';
import { fixtureCases, parseFixture } from './support/fixtures.js';
import { FIXTURES } from './support/helpers.js';

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
