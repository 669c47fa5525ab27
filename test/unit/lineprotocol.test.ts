import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bool, float, int, LineProtocolError, serialize, serializeAll, str, type Metric } from '../../src/lineprotocol.js';

const f = { v: int(1) };

/** One named case per rule: the metric and the exact line, or the reason it is refused. */
const WRITES: readonly { name: string; metric: Metric; line: string }[] = [
  { name: 'integer carries i', metric: { name: 'm', tags: {}, fields: { v: int(42) } }, line: 'm v=42i' },
  { name: 'negative integer', metric: { name: 'm', tags: {}, fields: { v: int(-7) } }, line: 'm v=-7i' },
  { name: 'int64 max keeps every digit', metric: { name: 'm', tags: {}, fields: { v: int('9223372036854775807') } }, line: 'm v=9223372036854775807i' },
  { name: 'int64 min', metric: { name: 'm', tags: {}, fields: { v: int(-(2n ** 63n)) } }, line: 'm v=-9223372036854775808i' },
  { name: '2^53+1 is not rounded', metric: { name: 'm', tags: {}, fields: { v: int('9007199254740993') } }, line: 'm v=9007199254740993i' },
  { name: 'whole float has no i', metric: { name: 'm', tags: {}, fields: { v: float(1) } }, line: 'm v=1' },
  { name: 'fractional float', metric: { name: 'm', tags: {}, fields: { v: float(0.01) } }, line: 'm v=0.01' },
  { name: 'negative zero', metric: { name: 'm', tags: {}, fields: { v: float(-0) } }, line: 'm v=0' },
  { name: 'tiny float in exponent form', metric: { name: 'm', tags: {}, fields: { v: float(1e-7) } }, line: 'm v=1e-7' },
  { name: 'booleans', metric: { name: 'm', tags: {}, fields: { a: bool(true), b: bool(false) } }, line: 'm a=true,b=false' },
  { name: 'string field quotes', metric: { name: 'm', tags: {}, fields: { s: str('say "hi"') } }, line: 'm s="say \\"hi\\""' },
  { name: 'string field backslash', metric: { name: 'm', tags: {}, fields: { s: str('C:\\dir\\') } }, line: 'm s="C:\\\\dir\\\\"' },
  { name: 'string field keeps , = and spaces', metric: { name: 'm', tags: {}, fields: { s: str('a, b=c') } }, line: 'm s="a, b=c"' },
  { name: 'empty string field', metric: { name: 'm', tags: {}, fields: { s: str('') } }, line: 'm s=""' },
  { name: 'measurement escapes comma and space', metric: { name: 'my net,x', tags: {}, fields: f }, line: 'my\\ net\\,x v=1i' },
  { name: 'measurement keeps =', metric: { name: 'a=b', tags: {}, fields: f }, line: 'a=b v=1i' },
  { name: 'tag key and value escape , = space', metric: { name: 'm', tags: { 'a b,c=d': 'x y,z=w' }, fields: f }, line: 'm,a\\ b\\,c\\=d=x\\ y\\,z\\=w v=1i' },
  { name: 'field key escapes , = space', metric: { name: 'm', tags: {}, fields: { 'a b,c=d': int(1) } }, line: 'm a\\ b\\,c\\=d=1i' },
  { name: 'tags sorted by bytes', metric: { name: 'm', tags: { b: '2', a: '1', B: '3', é: '4' }, fields: f }, line: 'm,B=3,a=1,b=2,é=4 v=1i' },
  { name: 'empty tag value left out', metric: { name: 'm', tags: { a: '', b: 'x' }, fields: f }, line: 'm,b=x v=1i' },
  { name: 'quote in tag value is plain', metric: { name: 'm', tags: { q: 'say "x"' }, fields: f }, line: 'm,q=say\\ "x" v=1i' },
  { name: 'backslash inside tag value kept', metric: { name: 'm', tags: { p: 'a\\b' }, fields: f }, line: 'm,p=a\\b v=1i' },
  { name: 'non-ASCII and emoji unchanged', metric: { name: 'débit', tags: { room: 'Küche 🎵' }, fields: { 'größe': int(1) } }, line: 'débit,room=Küche\\ 🎵 größe=1i' },
  { name: 'timestamp in ns', metric: { name: 'm', tags: {}, fields: f, time: 1764000000123456789n }, line: 'm v=1i 1764000000123456789' },
  { name: 'field order kept', metric: { name: 'm', tags: {}, fields: { z: int(1), a: int(2) } }, line: 'm z=1i,a=2i' },
];

const REFUSALS: readonly { name: string; metric: Metric; reason: RegExp }[] = [
  { name: 'NaN', metric: { name: 'm', tags: {}, fields: { v: float(Number.NaN) } }, reason: /is NaN/ },
  { name: 'Infinity', metric: { name: 'm', tags: {}, fields: { v: float(Infinity) } }, reason: /is Infinity/ },
  { name: 'integer over int64', metric: { name: 'm', tags: {}, fields: { v: int(2n ** 63n) } }, reason: /64 bits/ },
  { name: 'no fields', metric: { name: 'm', tags: { a: 'b' }, fields: {} }, reason: /no fields/ },
  { name: 'empty measurement', metric: { name: '', tags: {}, fields: f }, reason: /measurement is empty/ },
  { name: 'tab in measurement', metric: { name: 'a\tb', tags: {}, fields: f }, reason: /control character/ },
  { name: 'newline in tag key', metric: { name: 'm', tags: { 'a\nb': 'x' }, fields: f }, reason: /control character/ },
  { name: 'CR in tag value', metric: { name: 'm', tags: { a: 'x\ry' }, fields: f }, reason: /control character/ },
  { name: 'tag value ending in backslash', metric: { name: 'm', tags: { a: 'x\\' }, fields: f }, reason: /backslash/ },
  { name: 'backslash before a space in a tag', metric: { name: 'm', tags: { a: 'x\\ y' }, fields: f }, reason: /backslash/ },
  { name: 'measurement ending in backslash', metric: { name: 'm\\', tags: {}, fields: f }, reason: /backslash/ },
  { name: 'tag key starting with _', metric: { name: 'm', tags: { _x: '1' }, fields: f }, reason: /starts with "_"/ },
  { name: 'field key time', metric: { name: 'm', tags: {}, fields: { time: int(1) } }, reason: /"time" is reserved/ },
  { name: 'tag key time', metric: { name: 'm', tags: { time: 'x' }, fields: f }, reason: /"time" is reserved/ },
  { name: 'newline in string field', metric: { name: 'm', tags: {}, fields: { s: str('a\nb') } }, reason: /line break/ },
  { name: 'lone surrogate', metric: { name: 'm', tags: { a: '\ud800' }, fields: f }, reason: /not valid Unicode/ },
  { name: 'same key as tag and field', metric: { name: 'm', tags: { v: 'x' }, fields: f }, reason: /both a tag and a field/ },
  { name: 'string over 64 KiB', metric: { name: 'm', tags: {}, fields: { s: str('x'.repeat(65537)) } }, reason: /64 KiB/ },
];

describe('line protocol: written exactly', () => {
  for (const c of WRITES) {
    it(c.name, () => {
      assert.equal(serialize(c.metric), c.line);
    });
  }
});

describe('line protocol: refused whole, never half-written', () => {
  for (const c of REFUSALS) {
    it(c.name, () => {
      assert.throws(
        () => serialize(c.metric),
        (err: unknown) => err instanceof LineProtocolError && c.reason.test(err.message),
      );
    });
  }
});

describe('serializeAll', () => {
  it('drops a bad metric with one warning and keeps the others', () => {
    const warnings: string[] = [];
    const out = serializeAll(
      [
        { name: 'm', tags: { host: 'a' }, fields: { v: int(1) } },
        { name: 'm', tags: { host: 'b' }, fields: { v: float(Number.NaN) } },
        { name: 'm', tags: { host: 'c' }, fields: { v: int(3) } },
      ],
      (w) => warnings.push(w),
    );
    assert.equal(out, 'm,host=a v=1i\nm,host=c v=3i\n');
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] ?? '', /^W! dropped a "m" metric from host "b": field "v" is NaN$/);
  });

  it("a series key over InfluxDB's 64 KiB limit is refused, with a warning of bounded length", () => {
    // InfluxDB 1.x takes the escaped series key plus 4 bytes and the longest field key up to 65535 bytes
    // (measured: m,host=<65523 x> v=1i accepted, vv=1i refused "max key length exceeded: 65536 > 65535").
    const longest = { name: 'm', tags: { host: 'x'.repeat(65523) }, fields: { v: int(1) } };
    assert.equal(serialize(longest).length, 65535 - 4 - 1 + ' v=1i'.length);
    assert.throws(() => serialize({ ...longest, fields: { vv: int(1) } }), {
      name: 'LineProtocolError',
      message: 'the series key (measurement and tags) with field "vv" is 65536 bytes: InfluxDB takes at most 65535',
    });
    // Escaping counts: 30,000 spaces become 60,000 bytes.
    assert.throws(() => serialize({ name: 'm', tags: { host: ' x'.repeat(30_000) }, fields: { v: int(1) } }), LineProtocolError);
    const warnings: string[] = [];
    const zone = 'Z'.repeat(70_000);
    assert.equal(
      serializeAll([{ name: 'net', tags: { host: zone }, fields: { v: int(1) } }], (w) => warnings.push(w)),
      '',
    );
    assert.equal(warnings.length, 1);
    assert.ok((warnings[0] ?? '').length < 300, warnings[0]?.slice(0, 300));
    assert.match(warnings[0] ?? '', /^W! dropped a "net" metric from host "Z{80}…": the series key \(measurement and tags\) with field "v" is 70014 bytes: InfluxDB takes at most 65535$/);
  });

  it('int() refuses values that would lose digits', () => {
    assert.throws(() => int(2 ** 53), TypeError);
    assert.throws(() => int('12a'), TypeError);
    assert.throws(() => int(1.5), TypeError);
  });
});
