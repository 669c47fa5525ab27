/** Page bytes to text: the charset a page declares (header or meta), windows-1252 as gateways send it, UTF-8 otherwise. */
import { TextDecoder } from 'node:util';

/** The charset a page declares, in its Content-Type header or its first KiB. */
function declaredCharset(contentType: string | undefined, head: Buffer): string {
  const fromHeader = /charset\s*=\s*"?([\w.:-]+)/i.exec(contentType ?? '');
  if (fromHeader?.[1]) return fromHeader[1].toLowerCase();
  const text = head.subarray(0, 1024).toString('latin1');
  const fromMarkup = /<\?xml[^>]*encoding\s*=\s*["']([\w.:-]+)|<meta[^>]*charset\s*=\s*["']?([\w.:-]+)/i.exec(text);
  return (fromMarkup?.[1] ?? fromMarkup?.[2] ?? 'utf-8').toLowerCase();
}

// WHATWG maps all of these labels to windows-1252. Node 20's TextDecoder
// decodes that as ISO-8859-1 (0x93 is a C1 control, not a quote), so it is
// done here: Latin-1 except for the 0x80-0x9F block below.
const CP1252_LABELS = new Set(['windows-1252', 'cp1252', 'x-cp1252', 'iso-8859-1', 'iso8859-1', 'latin1', 'l1', 'us-ascii', 'ascii']);
const CP1252_HIGH =
  '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f' +
  '\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';

function decodeCp1252(body: Buffer): string {
  const latin1 = body.toString('latin1');
  return /[\u0080-\u009f]/.test(latin1) ? latin1.replace(/[\u0080-\u009f]/g, (c) => CP1252_HIGH[c.charCodeAt(0) - 0x80] ?? c) : latin1;
}

/** Decodes a body by its declared charset; unknown charsets fall back to UTF-8. */
export function decodeBody(body: Buffer, contentType: string | undefined): string {
  const charset = declaredCharset(contentType, body);
  if (CP1252_LABELS.has(charset)) return decodeCp1252(body);
  return decoderFor(charset).decode(body);
}

// Decoders are stateless between whole-buffer decode() calls: one per charset.
const decoders = new Map<string, TextDecoder>();
function decoderFor(charset: string): TextDecoder {
  let decoder = decoders.get(charset);
  if (!decoder) {
    try {
      decoder = new TextDecoder(charset);
    } catch {
      decoder = decoderFor('utf-8');
    }
    decoders.set(charset, decoder);
  }
  return decoder;
}
