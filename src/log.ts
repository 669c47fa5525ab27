/**
 * Log lines for stderr in the form Telegraf reads: a level prefix (`E! `,
 * `W! `, `I! `: Telegraf's exec and execd log each line at that level) and
 * one line of text. Every module makes its lines here, so the prefix, and
 * what a line may hold, are decided once.
 */

/** Error, warning, information. */
export type Level = 'E' | 'W' | 'I';

/**
 * Characters that change how the text around them shows, or show nothing:
 * bidi marks, embeddings, overrides and isolates (U+202E turns the rest of a
 * line around), zero-width spaces and joiners, the word joiner, the BOM. A
 * zero-width joiner between two emoji (a family, a cook) is part of the
 * emoji and not one of them.
 */
export const INVISIBLE =
  /(?<!\p{Extended_Pictographic}(?:[\u{1F3FB}-\u{1F3FF}]|\uFE0F)?)\u200d|\u200d(?!\p{Extended_Pictographic})|[\u061c\u180e\u200b\u200c\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/gu;

/**
 * Control characters as `\xNN` (C0, DEL and C1), and {@link INVISIBLE}
 * ones as `\u202e`: text from a file, an argument or a device never garbles
 * a terminal or Telegraf's log, a line break cannot forge a line of another
 * level, and no line shows other words than it holds.
 */
export function escapeControls(text: string): string {
  return (
    text
      // eslint-disable-next-line no-control-regex -- escaping them on purpose
      .replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
      .replace(INVISIBLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
  );
}

/** One log line (no newline at its end): the level's prefix, then `text` with control characters escaped. */
export function logLine(level: Level, text: string): string {
  return `${level}! ${escapeControls(text)}`;
}

/** An `E! ` line: something failed. */
export function error(text: string): string {
  return logLine('E', text);
}

/** A `W! ` line: something was left out or may not be what was meant. */
export function warning(text: string): string {
  return logLine('W', text);
}

/** An `I! ` line: for information. */
export function info(text: string): string {
  return logLine('I', text);
}

/** A text of several lines (a message of several sentences, a stack trace): one log line each. */
export function logLines(level: Level, text: string): string[] {
  return text.split('\n').map((l) => logLine(level, l));
}

/** The level of a log line, or undefined for a line that has none. */
export function levelOf(line: string): Level | undefined {
  const m = /^([EWI])! /.exec(line);
  return m ? (m[1] as Level) : undefined;
}

/** Writes lines to `write` in one call (a reader never sees half a batch), each ending in a newline; nothing for none. */
export function writeLines(write: (text: string) => void, lines: readonly string[]): void {
  if (lines.length > 0) write(`${lines.join('\n')}\n`);
}

/**
 * A word for a POSIX shell, quoted when it needs to be: the parse commands
 * capture writes, Telegraf's pre-1.39 command string (which it splits like a
 * shell), and the commands a message tells a user to run.
 */
export function shellWord(s: string): string {
  return /^[\w./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
