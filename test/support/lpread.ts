/**
 * A reader for the line protocol our serializer writes, used by tests to turn
 * printed lines back into metrics (to compare them with what InfluxDB stores).
 * It follows InfluxDB's rules: in names a backslash escapes `,` `=` space,
 * in string fields it escapes `\` and `"`; otherwise it is a plain character.
 */
import { bool, float, int, str, type FieldValue, type Metric } from '../../src/lineprotocol.js';

class Reader {
  i = 0;
  constructor(readonly s: string) {}

  /** Reads a name up to an unescaped stop character; a backslash escapes `,` `=` and space. */
  name(stops: string): string {
    let out = '';
    while (this.i < this.s.length) {
      const c = this.s[this.i] ?? '';
      if (c === '\\' && ',= '.includes(this.s[this.i + 1] ?? '\0')) {
        out += this.s[this.i + 1] ?? '';
        this.i += 2;
        continue;
      }
      if (stops.includes(c)) break;
      out += c;
      this.i++;
    }
    return out;
  }

  expect(c: string): void {
    if (this.s[this.i] !== c) throw new Error(`expected ${JSON.stringify(c)} at ${this.i} in ${JSON.stringify(this.s)}`);
    this.i++;
  }

  value(): FieldValue {
    if (this.s[this.i] === '"') {
      this.i++;
      let out = '';
      for (;;) {
        const c = this.s[this.i];
        if (c === undefined) throw new Error(`unterminated string in ${JSON.stringify(this.s)}`);
        if (c === '\\' && (this.s[this.i + 1] === '"' || this.s[this.i + 1] === '\\')) {
          out += this.s[this.i + 1] ?? '';
          this.i += 2;
          continue;
        }
        this.i++;
        if (c === '"') return str(out);
        out += c;
      }
    }
    const start = this.i;
    while (this.i < this.s.length && this.s[this.i] !== ',' && this.s[this.i] !== ' ') this.i++;
    const raw = this.s.slice(start, this.i);
    if (/^-?\d+i$/.test(raw)) return int(raw.slice(0, -1));
    if (raw === 'true' || raw === 'false') return bool(raw === 'true');
    const n = Number(raw);
    if (raw === '' || !Number.isFinite(n)) throw new Error(`bad field value ${JSON.stringify(raw)} in ${JSON.stringify(this.s)}`);
    return float(n);
  }
}

/** Parses one line of line protocol. */
export function readLine(line: string): Metric {
  const r = new Reader(line);
  const name = r.name(', ');
  const tags: Record<string, string> = {};
  while (line[r.i] === ',') {
    r.i++;
    const k = r.name('=');
    r.expect('=');
    tags[k] = r.name(', ');
  }
  r.expect(' ');
  const fields: Record<string, FieldValue> = {};
  for (;;) {
    const k = r.name('=');
    r.expect('=');
    fields[k] = r.value();
    if (line[r.i] !== ',') break;
    r.i++;
  }
  if (r.i === line.length) return { name, tags, fields };
  r.expect(' ');
  const time = line.slice(r.i);
  if (!/^-?\d+$/.test(time)) throw new Error(`bad timestamp in ${JSON.stringify(line)}`);
  return { name, tags, fields, time: BigInt(time) };
}
