/** Fixture folders: test/fixtures/<type>/<case>/ with pages and expected.out or expected.err. */
import { readdirSync, readFileSync } from 'node:fs';
import { DEVICE_KINDS, recognizePages } from '../../src/devices/index.js';
import { serializeAll } from '../../src/lineprotocol.js';
import { FIXTURES } from './helpers.js';

/** Every fixture case. */
export function fixtureCases(): { type: string; name: string; dir: string }[] {
  return readdirSync(FIXTURES).flatMap((type) =>
    readdirSync(`${FIXTURES}${type}`).map((name) => ({ type, name, dir: `${FIXTURES}${type}/${name}/` })),
  );
}

/**
 * Parses a fixture case the way `telegraf-homenet parse --host router` does.
 * @throws the parser's ParseError for broken pages; an Error if a metric could not be serialized.
 */
export function parseFixture(type: string, dir: string): string {
  const kind = DEVICE_KINDS.get(type);
  if (!kind) throw new Error(`fixture folder for unknown type ${type}`);
  const saved = readdirSync(dir)
    .filter((f) => !f.startsWith('expected.'))
    .map((f) => ({ name: f, body: readFileSync(`${dir}${f}`, 'utf8') }));
  const metrics = kind.parse(recognizePages(kind, saved), { measurement: 'net' });
  const warnings: string[] = [];
  const out = serializeAll(metrics.map((m) => ({ ...m, tags: { host: 'router', ...m.tags } })), (w) => warnings.push(w));
  if (warnings.length > 0) throw new Error(warnings.join('\n'));
  return out;
}
