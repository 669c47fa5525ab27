/**
 * The import graph's check `npm run lint` runs (src/build/imports.ts)
 * finds circles; lint itself holds the tree to it.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { circles } from '../../src/build/imports.js';

const graph = (edges: Record<string, string[]>): Map<string, Set<string>> => new Map(Object.entries(edges).map(([k, v]) => [k, new Set(v)]));

describe('the import graph', () => {
  it('finds each circle, however long, and a file that imports itself', () => {
    assert.deepEqual(circles(graph({ a: ['b'], b: ['a'], c: ['a'] })), [['a', 'b']]);
    assert.deepEqual(circles(graph({ a: ['b'], b: ['c'], c: ['a'], d: ['d'] })), [['a', 'b', 'c'], ['d']]);
    assert.deepEqual(circles(graph({ a: ['b', 'c'], b: ['c'], c: [] })), []);
  });
});
