/**
 * The metric reference (docs/metrics.md) and the README's overview against
 * the kinds' field catalogue: every field the catalogue has is documented
 * with its type and whether it is a counter, and the documents name no
 * field or measurement the program does not print.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { catalogue } from '../../src/devices/index.js';
import { ROOT } from '../support/helpers.js';

const SCRAPE = 'homenet_scrape';

/** Each `## \`measurement\`` section's table rows: field -> [type, counter]. */
function documented(text: string): Map<string, Map<string, { type: string; counter: string }>> {
  const out = new Map<string, Map<string, { type: string; counter: string }>>();
  let current: Map<string, { type: string; counter: string }> | undefined;
  for (const line of text.split('\n')) {
    const heading = /^## `([a-z_]+)`/.exec(line);
    if (heading?.[1]) {
      current = out.get(heading[1]) ?? new Map();
      out.set(heading[1], current);
      continue;
    }
    if (line.startsWith('## ')) current = undefined;
    const row = /^\| `([a-z0-9_]+)` \| (integer|float|boolean|string) \|[^|]*\| (yes|no) \|/.exec(line);
    if (row?.[1] && row[2] && row[3] && current) current.set(row[1], { type: row[2], counter: row[3] });
  }
  return out;
}

describe('the metric reference', () => {
  const docs = documented(readFileSync(`${ROOT}docs/metrics.md`, 'utf8'));
  const cat = catalogue('net');

  it('documents every catalogued field with its type and counter flag', () => {
    const wrong: string[] = [];
    for (const [m, fields] of cat.entries()) {
      for (const f of fields) {
        const doc = docs.get(m)?.get(f.name);
        if (!doc) wrong.push(`${m} ${f.name}: not in docs/metrics.md`);
        else if (doc.type !== f.type || doc.counter !== (f.counter ? 'yes' : 'no'))
          wrong.push(`${m} ${f.name}: documented ${doc.type}/${doc.counter}, catalogue ${f.type}/${f.counter ? 'yes' : 'no'}`);
      }
    }
    assert.deepEqual(wrong, []);
  });

  it("documents nothing the catalogue lacks (the scrape line is the program's own)", () => {
    const extra: string[] = [];
    for (const [m, fields] of docs) {
      if (m === SCRAPE) continue;
      for (const f of fields.keys()) if (!cat.field(m, f)) extra.push(`${m} ${f}`);
    }
    assert.deepEqual(extra, []);
    assert.ok((docs.get(SCRAPE)?.size ?? 0) >= 4, 'the scrape line is documented');
  });

  it('names every measurement in the README overview', () => {
    const readme = readFileSync(`${ROOT}README.md`, 'utf8');
    const overview = readme.slice(readme.indexOf('## Metrics'), readme.indexOf('\n## ', readme.indexOf('## Metrics') + 1));
    const named = new Set([...overview.matchAll(/^\| `([a-z_]+)`/gm)].map((m) => m[1]));
    assert.deepEqual(
      cat
        .entries()
        .map(([m]) => m)
        .filter((m) => !named.has(m)),
      [],
    );
    assert.deepEqual(
      [...named].filter((m) => m !== undefined && m !== SCRAPE && !cat.entries().some(([c]) => c === m)),
      [],
    );
  });
});
