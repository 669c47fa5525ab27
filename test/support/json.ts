/**
 * JSON.parse loses digits of integers over 2^53; InfluxDB answers with such
 * integers. This reader keeps every number as its source text.
 */

/** A JSON number, as written. */
export class JsonNumber {
  constructor(readonly text: string) {}
}
export type Json = null | boolean | string | JsonNumber | Json[] | { [k: string]: Json };

/** Parses JSON text, numbers as {@link JsonNumber}. */
export function parseJson(text: string): Json {
  let i = 0;
  const ws = (): void => {
    while (/\s/.test(text[i] ?? '')) i++;
  };
  const value = (): Json => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const obj: Record<string, Json> = {};
      ws();
      if (text[i] === '}') {
        i++;
        return obj;
      }
      for (;;) {
        ws();
        const k = value();
        if (typeof k !== 'string') throw new Error(`object key expected at ${i}`);
        ws();
        if (text[i++] !== ':') throw new Error(`":" expected at ${i}`);
        obj[k] = value();
        ws();
        const sep = text[i++];
        if (sep === '}') return obj;
        if (sep !== ',') throw new Error(`"," expected at ${i}`);
      }
    }
    if (c === '[') {
      i++;
      const arr: Json[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return arr;
      }
      for (;;) {
        arr.push(value());
        ws();
        const sep = text[i++];
        if (sep === ']') return arr;
        if (sep !== ',') throw new Error(`"," expected at ${i}`);
      }
    }
    if (c === '"') {
      const m = /^"(?:[^"\\]|\\.)*"/.exec(text.slice(i));
      if (!m) throw new Error(`bad string at ${i}`);
      i += m[0].length;
      return JSON.parse(m[0]) as string;
    }
    const m = /^(?:true|false|null|-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)/.exec(text.slice(i));
    if (!m) throw new Error(`bad value at ${i}`);
    i += m[0].length;
    if (m[0] === 'true' || m[0] === 'false') return m[0] === 'true';
    if (m[0] === 'null') return null;
    return new JsonNumber(m[0]);
  };
  const v = value();
  ws();
  if (i !== text.length) throw new Error(`trailing text at ${i}`);
  return v;
}
