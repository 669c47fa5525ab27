/**
 * Text for a terminal of a given width: cut with `…` (a screen redrawn in
 * place) or wrapped onto more lines (a table printed once).
 */

/**
 * Text in lines of at most `first` columns, then `rest` columns after
 * `indent` spaces; broken between ` · ` parts where it can, else between words.
 */
export function fit(text: string, first: number, rest: number, indent: number, overflow: 'wrap' | 'cut'): string {
  if (text.length <= first) return text;
  if (overflow === 'cut') return `${text.slice(0, Math.max(0, first - 1))}…`;
  const lines: string[] = [];
  let line = '';
  const room = (): number => (lines.length === 0 ? first : rest);
  const add = (word: string, join: string): void => {
    if (line === '' || line.length + join.length + word.length <= room()) line += line === '' ? word : join + word;
    else {
      lines.push(line);
      line = word;
    }
  };
  for (const part of text.split(' · ')) {
    if (line !== '' && line.length + 3 + part.length > room()) {
      lines.push(line);
      line = '';
    }
    // A part (`attenuation 19.5 dB`) is kept whole; only one longer than a line is broken between words.
    if (part.length <= room()) add(part, ' · ');
    else part.split(' ').forEach((word, i) => {
      add(word, i === 0 && line !== '' ? ' · ' : ' ');
    });
  }
  lines.push(line);
  return lines.join(`\n${' '.repeat(indent)}`);
}

