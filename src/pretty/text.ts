/**
 * Text for a terminal of a given width. How many columns a text takes (East
 * Asian wide characters and emoji two, combining marks none: a zone named
 * in Japanese must not push a row past the window), and text made to fit:
 * cut with `…` (a screen redrawn in place) or wrapped onto more lines (a
 * table printed once). Both keep a part (`rx drop 1,200,005` between ` · `)
 * or at least a word whole where they can: a number is shown whole or not
 * at all, never as `1,20…`.
 */
/** Characters that take no column of their own: combining marks (variation selectors among them), zero-width spaces and joiners. */
const ZERO = /[\p{Mn}\p{Me}\u200b-\u200f\u2060]/u;
/** Characters that take two: Hangul, CJK, kana, full-width forms, emoji shown as emoji. */
const WIDE =
  /[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u{20000}-\u{3fffd}\p{Emoji_Presentation}]/u;
/** Text every character of which takes one column (the usual case, counted without a look at each). */
const NARROW = /^[\u0020-\u007e\u00a0-\u02ff\u2010-\u2027\u2190-\u21ff\u2500-\u259f]*$/;

/** The terminal columns `text` takes. */
export function columns(text: string): number {
  if (NARROW.test(text)) return text.length;
  let n = 0;
  for (const c of text) n += ZERO.test(c) ? 0 : WIDE.test(c) ? 2 : 1;
  return n;
}

/** The longest start of `text` within `width` columns, and the rest. */
function split(text: string, width: number): [string, string] {
  let used = 0;
  let i = 0;
  for (const c of text) {
    const w = columns(c);
    if (used + w > width) break;
    used += w;
    i += c.length;
  }
  return [text.slice(0, i), text.slice(i)];
}

/** `text` in at most `width` columns, cut anywhere with `…`: for names, which are read by their start. */
export function clip(text: string, width: number): string {
  if (columns(text) <= width) return text;
  return width <= 0 ? '' : `${split(text, width - 1)[0]}…`;
}

/** `text` padded with spaces to `width` columns (after it, or before it with `right`), clipped if longer. */
export function pad(text: string, width: number, right = false): string {
  const t = clip(text, width);
  const gap = ' '.repeat(Math.max(0, width - columns(t)));
  return right ? gap + t : t + gap;
}

/** Where text may be cut: between parts, and between words but not after a number (`5.00 Gbit/s` stays whole). */
const BREAKS = [/ \u00b7 /g, /(?<!\d) /g];

/**
 * `text` in at most `width` columns, cut with `…` after the last whole part
 * that fits (when that keeps at least half the room), else after the last
 * whole word, else anywhere.
 */
export function cut(text: string, width: number): string {
  if (columns(text) <= width) return text;
  const room = width - 1;
  for (const [i, at] of BREAKS.entries()) {
    let end = 0;
    for (const m of text.matchAll(at)) {
      const upTo = m.index + m[0].length;
      if (columns(text.slice(0, upTo)) > room) break;
      end = upTo;
    }
    if (end > 0 && (i > 0 || columns(text.slice(0, end)) >= room / 2)) return `${text.slice(0, end)}…`;
  }
  return clip(text, width);
}

/**
 * `text` in lines of at most `first` columns, then `rest`: broken between
 * parts where it can, else between words, and a word longer than a line in
 * pieces. When not even the first part fits in `first`, the first line is
 * empty and the text starts on the next (rather than leave one word beside).
 */
export function wrap(text: string, first: number, rest: number): string[] {
  const lines: string[] = [];
  let line = '';
  const room = (): number => Math.max(1, lines.length === 0 ? first : rest);
  const push = (): void => {
    lines.push(line);
    line = '';
  };
  if (first < 1) lines.push('');
  for (const part of text.split(' · ')) {
    const joined = line === '' ? part : `${line} · ${part}`;
    if (columns(joined) <= room()) {
      line = joined;
      continue;
    }
    if (line !== '' || (lines.length === 0 && columns(part) <= rest)) push();
    if (columns(part) <= room()) {
      line = part;
      continue;
    }
    for (const word of part.split(' ')) {
      const next = line === '' ? word : `${line} ${word}`;
      if (columns(next) <= room()) {
        line = next;
        continue;
      }
      if (line !== '') push();
      let w = word;
      while (columns(w) > room()) {
        const [head, tail] = split(w, room());
        lines.push(head);
        w = tail;
      }
      line = w;
    }
  }
  push();
  return lines;
}
