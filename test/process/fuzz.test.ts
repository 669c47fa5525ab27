/**
 * Property-based tests: every fixture page mutated (cut, duplicated, lines
 * reordered, markup injected, numbers made huge, negative, fractional or
 * text) must give metrics or ParseErrors and nothing else, and everything
 * that would be printed must be accepted by a real InfluxDB exactly. Random
 * Unicode names and values are either refused for a documented reason or
 * round-trip through InfluxDB exactly.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { DEVICE_KINDS, parseSaved } from '../../src/devices/index.js';
import { LineProtocolError, serialize, str, int, type Metric } from '../../src/lineprotocol.js';
import { HOSTILE_SHAPES, KIB, readWithEverySpec } from '../../src/bench/shapes.js';
import { fixtureCases, fixturePages } from '../support/fixtures.js';
import { roundTrip, startInfluxd, type Influxd } from '../support/influxd.js';
import { needs } from '../support/needs.js';

const INJECT = [
  '<table>',
  '</table>',
  '<tr>',
  '</tr>',
  '<td>',
  '</td>',
  '<th scope="row">',
  '<caption>IP Traffic</caption>',
  '<td>Transmit</td>',
  '<th scope="row">Receive Bytes</th><td>12</td>',
  '<!--',
  '-->',
  '<![CDATA[',
  ']]>',
  '&nbsp;',
  '&amp;',
  '&#0;',
  '\u0000',
  '\r\n\r\n',
  '<ZPInfo>',
  '</ZPInfo>',
  '<ZoneName>x\ty</ZoneName>',
  "<Command cmdline='/sbin/ifconfig'>",
  'eth9      Link encap:Ethernet\n',
  'RX bytes:',
  'TX packets:1 errors:x',
  '<h1>Rx Power&nbsp;&nbsp;Currently',
  'Line 7',
  'Time Since Last Reboot',
  'Total Sessions Available',
  '<ZPSupportInfo>',
  '"',
  '\\',
  '\u202e',
  '🎵',
];
const NUMBERS = ['99999999999999999999999', '18446744073709551616', '9223372036854775808', '-5', '3.14', 'abc', '', '0x10', '1e309', 'NaN'];

/** Every saved page of every fixture, with its type. */
function pages(): { type: string; name: string; body: string }[] {
  return fixtureCases().flatMap((c) => fixturePages(c.dir).map((path) => ({ type: c.type, name: `${c.type}/${c.name}/${path.slice(c.dir.length)}`, body: readFileSync(path, 'utf8') })));
}

/** A mutation of a page: a function of the text, drawn by fast-check. */
function mutation(body: string): fc.Arbitrary<string> {
  const at = fc.integer({ min: 0, max: body.length });
  const lines = body.split('\n');
  return fc.oneof(
    at.map((k) => body.slice(0, k)),
    fc.tuple(at, at, at).map(([a, b, c]) => body.slice(0, c) + body.slice(Math.min(a, b), Math.max(a, b)) + body.slice(c)),
    fc.array(fc.nat({ max: Math.max(0, lines.length - 1) }), { minLength: 2, maxLength: 12 }).map((idx) => {
      const copy = [...lines];
      for (let i = 0; i + 1 < idx.length; i += 2) {
        const [x, y] = [idx[i] ?? 0, idx[i + 1] ?? 0];
        [copy[x], copy[y]] = [copy[y] ?? '', copy[x] ?? ''];
      }
      return copy.join('\n');
    }),
    fc.tuple(at, fc.constantFrom(...INJECT)).map(([k, s]) => body.slice(0, k) + s + body.slice(k)),
    fc.tuple(fc.nat(), fc.constantFrom(...NUMBERS)).map(([n, s]) => {
      const runs = [...body.matchAll(/\d+/g)];
      const run = runs[n % Math.max(1, runs.length)];
      return run?.index === undefined ? body : body.slice(0, run.index) + s + body.slice(run.index + run[0].length);
    }),
  );
}

/** What a page gives: its metrics (tagged as `parse --host fuzz` would) or nothing; never an exception but ParseError. */
async function parseMutated(type: string, body: string): Promise<Metric[]> {
  const kind = DEVICE_KINDS.get(type);
  assert.ok(kind);
  try {
    // parseSaved lets anything but a ParseError through from the parsers: that is the property.
    return (await parseSaved(kind, [{ name: 'page', body }], 'net', { host: 'fuzz' })).metrics;
  } catch (err) {
    // Not recognisable as a page of this kind: `parse` says so and exits 2.
    if (err instanceof Error && err.message.startsWith('page: ')) return [];
    throw err;
  }
}

/**
 * What the fuzzers would print, for the InfluxDB suite at the end. Each fuzzer
 * (one per page, one for Unicode) adds to it when it runs; `fuzzed` names those
 * that ran, so that the InfluxDB suite run alone (`--test-name-pattern`) runs
 * the others itself, with the same seeds: it always writes what every fuzzer
 * prints (up to the caps), whichever of them this run selected.
 */
const printed: Metric[] = [];
const fuzzed = new Set<string>();

/** The mutated-page property of one page: metrics or ParseErrors, and every printed line serializes or is refused whole. */
async function fuzzPage(page: { type: string; name: string; body: string }): Promise<void> {
  fuzzed.add(page.name);
  await fc.assert(
    fc.asyncProperty(mutation(page.body), async (mutated) => {
      for (const m of await parseMutated(page.type, mutated)) {
        try {
          serialize(m);
          if (printed.length < 3000) printed.push(m);
        } catch (err) {
          // Refused whole with a warning is allowed; anything else is a bug.
          if (!(err instanceof LineProtocolError)) throw err;
        }
      }
    }),
    { numRuns: 60, seed: 20261125 },
  );
}

const PAGES = pages();

describe('fuzzing the parsers with mutated fixture pages', () => {
  for (const page of PAGES) {
    it(page.name, () => fuzzPage(page));
  }
});

describe('hostile page shapes: every page spec reads each, and only a ParseError may come out', () => {
  for (const [name, body] of HOSTILE_SHAPES) {
    it(name, async () => {
      assert.ok(body.length > 50 * KIB, 'the shape is big enough to show a quadratic cost');
      // How long it takes is npm run timing's to check (src/bench/shapes.ts), not this test's.
      await readWithEverySpec(body);
    });
  }
});

/** Why serialize may refuse a name or value: the documented rules, nothing else. */
function refusable(s: string): boolean {
  // eslint-disable-next-line no-control-regex -- control characters are a documented refusal
  return /[\u0000-\u001f\u007f]/.test(s) || !s.isWellFormed() || /\\(?=[,= "]|$)/.test(s) || s === '' || s.startsWith('_') || s === 'time';
}

const UNICODE = 'random Unicode names and values';

/** Where fast-check's code points skip the surrogates (U+D800 to U+DFFF), and by how much. */
const SURROGATES = { from: 0xd800, size: 0x800 };

/**
 * One code point: fast-check's `unit: 'binary'`, the same values from the same
 * seed, with the inverse given as a function. fast-check otherwise builds a
 * table of all 1.1 million code points to take the strings it slips in
 * (`__proto__`, `constructor`) apart, which cost 1.2 s of CPU in every run.
 */
const CODE_POINT = fc.integer({ min: 0, max: 0x10ffff - SURROGATES.size }).map(
  (i) => String.fromCodePoint(i < SURROGATES.from ? i : i + SURROGATES.size),
  (s) => {
    const c = typeof s === 'string' ? s.codePointAt(0) : undefined;
    if (c === undefined || String.fromCodePoint(c) !== s || (c >= SURROGATES.from && c < SURROGATES.from + SURROGATES.size)) throw new Error('not one code point');
    return c < SURROGATES.from ? c : c - SURROGATES.size;
  },
);

/** Random names, keys, tag values and strings: serialized, or refused for a documented reason. */
function fuzzUnicode(): void {
  fuzzed.add(UNICODE);
  const word = fc.string({ unit: CODE_POINT, minLength: 1, maxLength: 12 });
  fc.assert(
    fc.property(word, word, word, fc.string({ unit: CODE_POINT, maxLength: 40 }), (name, key, value, text) => {
      const m: Metric = { name, tags: { [key]: value }, fields: { text: str(text), n: int(1) } };
      try {
        serialize(m);
        if (printed.length < 6000) printed.push(m);
      } catch (err) {
        assert.ok(err instanceof LineProtocolError);
        // eslint-disable-next-line no-control-regex -- NUL is one of the refusals
        const stringBad = /[\r\n\u0000]/.test(text) || !text.isWellFormed();
        assert.ok(refusable(name) || refusable(key) || refusable(value) || stringBad || key === 'text' || key === 'n', `refused ${JSON.stringify([name, key, value, text])}: ${err.message}`);
      }
    }),
    { numRuns: 2000, seed: 7 },
  );
}

describe(UNICODE, () => {
  it('are refused only for a documented reason', () => fuzzUnicode());
});

describe('everything the fuzzers would print, written to a real InfluxDB', { skip: needs('influxd') }, () => {
  let influx: Influxd;
  before(async () => {
    influx = await startInfluxd();
  });
  after(() => influx.stop());

  it('is stored exactly', async () => {
    // Fuzzers left out of this run (a name pattern, this suite alone) run here, in the same order.
    for (const page of PAGES) if (!fuzzed.has(page.name)) await fuzzPage(page);
    if (!fuzzed.has(UNICODE)) fuzzUnicode();
    assert.ok(printed.length > 1000, `only ${printed.length} lines to write`);
    await roundTrip(influx, printed);
  });
});
