/**
 * Parser fixtures: one folder per case under test/fixtures/<type>/<case>/,
 * holding the saved page(s), `expected.out` (line protocol with host=router)
 * and, for damaged pages, `expected.err` (one "area: message" line per area
 * that cannot be read). A new firmware variant is a new folder, not new code.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fixtureCases, parseFixture } from '../support/fixtures.js';
import { FIXTURES } from '../support/helpers.js';

const read = (path: string): string => (existsSync(path) ? readFileSync(path, 'utf8') : '');

describe('parser fixtures', () => {
  const cases = fixtureCases();
  it('finds the fixture folders', () => {
    // Guards against a loop that passes because it found nothing.
    assert.ok(cases.length >= 12, `only ${cases.length} fixture cases found in ${FIXTURES}`);
    assert.ok(cases.filter((c) => c.name.startsWith('broken-')).length >= 3);
  });
  for (const c of cases) {
    it(`${c.type}/${c.name}`, async () => {
      const expectedOut = read(`${c.dir}expected.out`);
      const expectedErr = read(`${c.dir}expected.err`);
      assert.ok(expectedOut !== '' || expectedErr !== '', 'a case needs expected.out or expected.err');
      const { out, err } = await parseFixture(c.type, c.dir);
      assert.equal(err, expectedErr);
      assert.equal(out, expectedOut);
    });
  }
});
