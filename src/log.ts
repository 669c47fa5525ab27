/**
 * Log lines for stderr in the form Telegraf reads: a level prefix (`E! `,
 * `W! `, `I! `: Telegraf's exec and execd log each line at that level) and
 * one line of text. Every module makes its lines here, so the prefix, and
 * what a line may hold, are decided once.
 */

/** Error, warning, information. */
export type Level = 'E' | 'W' | 'I';

/**
 * Control characters as `\xNN` (C0, DEL and C1): text from a file, an
 * argument or a device never garbles a terminal or Telegraf's log, and a line
 * break cannot forge a line of another level.
 */
export function escapeControls(text: string): string {
  // eslint-disable-next-line no-control-regex -- escaping them on purpose
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
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
