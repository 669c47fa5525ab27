/**
 * Fixture folders: test/fixtures/<type>/<case>/ with saved pages, and
 * `expected.out` (line protocol with host=router) and/or `expected.err` (the
 * exact lines `parse` writes: "E! area: message" for each area that cannot
 * be read, then "W! area: message" for each value left out).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { DEVICE_KINDS, parseSaved } from '../../src/devices/index.js';
import { serializeAll } from '../../src/lineprotocol.js';
import { FIXTURES } from './helpers.js';

/** Every fixture case. */
export function fixtureCases(): { type: string; name: string; dir: string }[] {
  return readdirSync(FIXTURES).flatMap((type) => readdirSync(`${FIXTURES}${type}`).map((name) => ({ type, name, dir: `${FIXTURES}${type}/${name}/` })));
}

/** The saved pages of a fixture case (every file but `expected.*`), as paths. */
export function fixturePages(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => !f.startsWith('expected.'))
    .map((f) => `${dir}${f}`);
}

/** Parses a fixture case the way `telegraf-homenet parse --host router` does. */
export async function parseFixture(type: string, dir: string): Promise<{ out: string; err: string }> {
  const kind = DEVICE_KINDS.get(type);
  if (!kind) throw new Error(`fixture folder for unknown type ${type}`);
  const saved = fixturePages(dir).map((path) => ({ name: path.slice(dir.length), body: readFileSync(path, 'utf8') }));
  let parsed;
  try {
    // As `parse` does without --host: a page that names the device names the lines.
    parsed = await parseSaved(kind, saved, 'net', {}, 'router');
  } catch (e) {
    // A page of no known kind (a 403 page saved by mistake) is a case too.
    return { out: '', err: `${(e as Error).message}\n` };
  }
  const { metrics } = parsed;
  const err = [...parsed.failures.map((f) => `E! ${f.area}: ${f.message}\n`), ...parsed.omitted.map((o) => `W! ${o.area}: ${o.message}\n`)].join('');
  const warnings: string[] = [];
  const out = serializeAll(metrics, (w) => warnings.push(w));
  if (warnings.length > 0) throw new Error(warnings.join('\n'));
  return { out, err };
}
