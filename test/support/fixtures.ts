/**
 * Fixture folders: test/fixtures/<type>/<case>/ with saved pages, and
 * `expected.out` (line protocol with host=router) and/or `expected.err` (the
 * exact "area: message" lines of the areas that cannot be read).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { AREAS, DEVICE_KINDS, extractPage, recognizePages } from '../../src/devices/index.js';
import { serializeAll, type Metric } from '../../src/lineprotocol.js';
import { FIXTURES } from './helpers.js';

/** Every fixture case. */
export function fixtureCases(): { type: string; name: string; dir: string }[] {
  return readdirSync(FIXTURES).flatMap((type) =>
    readdirSync(`${FIXTURES}${type}`).map((name) => ({ type, name, dir: `${FIXTURES}${type}/${name}/` })),
  );
}

/** Parses a fixture case the way `telegraf-homenet parse --host router` does. */
export function parseFixture(type: string, dir: string): { out: string; err: string } {
  const kind = DEVICE_KINDS.get(type);
  if (!kind) throw new Error(`fixture folder for unknown type ${type}`);
  const saved = readdirSync(dir)
    .filter((f) => !f.startsWith('expected.'))
    .map((f) => ({ name: f, body: readFileSync(`${dir}${f}`, 'utf8') }));
  let pages;
  try {
    ({ pages } = recognizePages(kind, saved));
  } catch (e) {
    // A page of no known kind (a 403 page saved by mistake) is a case too.
    return { out: '', err: `${(e as Error).message}\n` };
  }
  // As `parse` does without --host: a page that names the device names the lines.
  const host = [...pages].map(([spec, page]) => spec.identify?.(page)?.host).find((h) => h !== undefined) ?? 'router';
  const metrics: Metric[] = [];
  let err = '';
  for (const [spec, page] of pages) {
    const r = extractPage(spec, page, { measurement: 'net' }, new Set(AREAS));
    metrics.push(...r.metrics.map((m) => ({ ...m, tags: { host, ...m.tags } })));
    for (const f of r.failures) err += `${f.area}: ${f.message}\n`;
  }
  const warnings: string[] = [];
  const out = serializeAll(metrics, (w) => warnings.push(w));
  if (warnings.length > 0) throw new Error(warnings.join('\n'));
  return { out, err };
}
