/**
 * The checks of single config values (durations, URLs, tags, names) and the
 * one error type of a wrong config: each message names where (file, section
 * and key, or the flag) and what is wrong.
 */
import { didYouMean } from '../suggest.js';
import { DEVICE_KINDS, knownTypes } from '../devices/index.js';
import { int, LineProtocolError, serialize } from '../lineprotocol.js';
import { INVISIBLE } from '../log.js';
import { parseDuration } from '../clock.js';

const MIN_TIMEOUT_MS = 100;
const MAX_TIMEOUT_MS = 300_000;

/** A usage or configuration mistake; the message is complete and exact. Exit status 2. */
export class ConfigError extends Error {
  override name = 'ConfigError';

  constructor(
    message: string,
    /** Each mistake's message, one log line each: a file name with a line break in it makes no second line. */
    readonly problems: readonly string[] = [message],
  ) {
    super(message);
  }
}

/** Tags the program sets itself. */
const RESERVED_TAGS = ['host', 'type', 'interface'];

export { parseDuration };

export function fail(where: string, message: string): never {
  throw new ConfigError(`${where}: ${message}`);
}

/** Every mistake of a config, gathered in one pass so the user fixes them all at once. */
export class Problems {
  readonly messages: string[] = [];
  private readonly notes = new Map<string, string>();

  /** Runs one check; a ConfigError is noted and undefined returned. */
  check<T>(fn: () => T): T | undefined {
    try {
      return fn();
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      for (const m of err.problems) this.messages.push(this.noted(m));
      return undefined;
    }
  }

  /** Adds `note` to a mistake found later at `where` (`file: [section] key`): a value the INI reader cut at a comment. */
  note(where: string, note: string): void {
    this.notes.set(where, note);
  }

  private noted(message: string): string {
    for (const [where, note] of this.notes) if (message.startsWith(`${where}: `)) return `${message} (${note})`;
    return message;
  }

  throwIfAny(): void {
    if (this.messages.length > 0) throw new ConfigError(this.messages.join('\n'), this.messages);
  }
}

export function checkDuration(where: string, value: string): number {
  const ms = parseDuration(value);
  if (ms === undefined) fail(where, `${JSON.stringify(value)} is not a duration (write it like 4s or 500ms)`);
  if (ms < MIN_TIMEOUT_MS || ms > MAX_TIMEOUT_MS) {
    fail(where, `${JSON.stringify(value)} is out of range (100ms to 5m)`);
  }
  return ms;
}

/**
 * A URL (or `TYPE=URL`) for a message, with whatever stands between `//`
 * and the last `@` hidden: a user name and password have no place in a log,
 * even in a URL that is refused for other reasons.
 */
export function withoutUserinfo(text: string): string {
  return text.replace(/\/\/.*@/s, '//…@');
}

export function checkUrl(where: string, value: string): URL {
  let url: URL;
  const shown = JSON.stringify(withoutUserinfo(value));
  try {
    url = new URL(value);
  } catch {
    fail(where, `${shown} is not a URL (write it like http://192.168.1.254)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    fail(where, `${shown} is not an http:// or https:// URL`);
  }
  // A password in argv or in a world-readable URL is a leak waiting to happen.
  if (url.username !== '' || url.password !== '') fail(where, 'must not contain a user name or password');
  if (url.search !== '' || url.hash !== '') fail(where, `${shown} must not have a query or fragment`);
  // Port 0 is no port a device listens on (the system would pick one at random).
  if (url.port === '0') fail(where, `${shown} has port 0, which no device listens on`);
  return url;
}

export function checkType(where: string, value: string): string {
  if (!DEVICE_KINDS.has(value)) {
    fail(where, `unknown device type ${JSON.stringify(value)}${didYouMean(value, knownTypes())} (known: ${knownTypes().join(', ')})`);
  }
  return value;
}

/**
 * Refuses a name or value with an invisible character in it (log.ts's
 * INVISIBLE): a bidi override or a zero-width space makes two names that
 * look alike two series, or turns a table's text around.
 */
function refuseInvisible(where: string, as: string, text: string): void {
  const c = text.match(INVISIBLE)?.[0];
  if (c !== undefined) fail(where, `${as}: it holds U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}, an invisible character that changes how the text shows (remove it)`);
}

export function checkTag(where: string, key: string, value: string): void {
  if (RESERVED_TAGS.includes(key)) fail(where, `the tag ${JSON.stringify(key)} is set by the program and cannot be overridden here`);
  if (value === '') fail(where, 'empty value (a tag needs a value)');
  refuseInvisible(where, 'cannot be written as a tag', key + value);
  try {
    serialize({ name: 'check', tags: { [key]: value }, fields: { v: int(0) } });
  } catch (err) {
    if (err instanceof LineProtocolError) fail(where, `cannot be written as a tag: ${err.message}`);
    throw err;
  }
}

/**
 * The most bytes the measurement and the config's tags may take, written
 * out (`net,region=north,...`). InfluxDB refuses a line whose series key
 * passes 65,535 bytes, and these are in every line: the rest is kept for the
 * program's own tags (host, type, interface, model ..., each at most 256
 * characters from a device) and field names.
 */
const MAX_CONFIG_KEY_BYTES = 32_768;

/**
 * Checks that the measurement and the tags, together, leave room for the
 * program's own tags: each value alone may pass and the sum still make every
 * line too long for InfluxDB (every metric was dropped, exit 0). The message
 * names the tag at which the sum passes the bound: the file's in their
 * order, then the `--tag` flags (which win over a file's tag of that key).
 */
export function checkTagsSize(file: string, measurement: string, fileTags: Readonly<Record<string, string>>, flagTags: Readonly<Record<string, string>>): void {
  const v = { v: int(0) };
  const bare = Buffer.byteLength(serialize({ name: 'm', tags: {}, fields: v }));
  let sum = Buffer.byteLength(serialize({ name: measurement, tags: {}, fields: v })) - bare + 1;
  const over = (where: string): void => {
    if (sum > MAX_CONFIG_KEY_BYTES)
      fail(
        where,
        `the measurement and tags come to ${sum} bytes written out with this one; at most ${MAX_CONFIG_KEY_BYTES}, so that every line's series key keeps room for the program's own tags within InfluxDB's 65,535 bytes`,
      );
  };
  over(`${file}: measurement`);
  for (const [key, value] of Object.entries({ ...fileTags, ...flagTags })) {
    // `,key=value` as written: the same line with and without the tag.
    sum += Buffer.byteLength(serialize({ name: 'm', tags: { [key]: value }, fields: v })) - bare;
    const shown = `${key}=${value.length > 20 ? `${value.slice(0, 19)}…` : value}`;
    over(key in flagTags ? `--tag ${JSON.stringify(shown)}` : `${file}: [tags] ${key}`);
  }
}

/** Checks a host tag value; returns it trimmed. */
export function checkHostTag(where: string, value: string): string {
  const host = value.trim();
  if (host === '') fail(where, 'empty value');
  refuseInvisible(where, 'cannot be written as a tag', host);
  try {
    serialize({ name: 'check', tags: { host }, fields: { v: int(0) } });
  } catch (err) {
    if (err instanceof LineProtocolError) fail(where, `cannot be written as a tag: ${err.message}`);
    throw err;
  }
  return host;
}

/** Checks a measurement name. */
export function checkMeasurement(where: string, value: string): string {
  refuseInvisible(where, 'cannot be a measurement name', value);
  try {
    serialize({ name: value, tags: {}, fields: { v: int(0) } });
  } catch (err) {
    if (err instanceof LineProtocolError) fail(where, `cannot be a measurement name: ${err.message}`);
    throw err;
  }
  if (value.startsWith('homenet_')) fail(where, `${JSON.stringify(value)} is reserved (names starting "homenet_" are the program's own)`);
  return value;
}

/** Checks `state_file`: an absolute path in a folder that exists (when `isDirectory` can tell). */
export function checkStateFile(where: string, value: string, isDirectory?: (path: string) => boolean): string {
  if (!value.startsWith('/')) fail(where, `${JSON.stringify(value)} is not an absolute path`);
  const dir = value.slice(0, value.lastIndexOf('/')) || '/';
  if (isDirectory && !isDirectory(dir)) fail(where, `the folder ${dir} does not exist`);
  return value;
}

/** The ini package gives strings, booleans (`true`/`false`), arrays (`k[]`) and objects (sections). */
export function asString(where: string, value: unknown): string {
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) fail(where, 'lists (key[] = ...) are not supported');
  return fail(where, 'has no value');
}

export function asBoolean(where: string, value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  fail(where, `${JSON.stringify(asString(where, value))} must be true or false`);
}

export function unknownKey(where: string, key: string, known: readonly string[]): never {
  fail(where, `unknown key${didYouMean(key, known)} (known: ${known.join(', ')})`);
}

export function oneOf<T extends string>(where: string, value: string, allowed: readonly T[]): T {
  const found = allowed.find((a) => a === value);
  if (found === undefined) fail(where, `${JSON.stringify(value)} must be ${allowed.join(' or ')}`);
  return found;
}

export function commaList(value: string): string[] {
  return value
    .split(',')
    .map((a) => a.trim())
    .filter((a) => a !== '');
}

export function splitPair(where: string, text: string, shape: string): [string, string] {
  const eq = text.indexOf('=');
  if (eq <= 0) fail(where, `expected ${shape}`);
  return [text.slice(0, eq).trim(), text.slice(eq + 1).trim()];
}

// eslint-disable-next-line no-control-regex -- control characters are what we refuse
export const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

/** What the command line supplies. */
export interface ConfigSources {
  /** Path of the INI file, as given (used in messages). */
  readonly file?: string;
  /** The INI file's text, when `file` is given. */
  readonly fileText?: string;
  readonly devices?: readonly string[];
  readonly tags?: readonly string[];
  readonly timeout?: string;
  /**
   * Reads a secret file (an access code); the config never holds a secret itself.
   * With the file's mode, a file others can read draws a warning.
   */
  readonly readSecretFile?: (path: string) => string | { readonly text: string; readonly mode: number };
  /** The environment, for `access_code_env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * False for commands that ask no device (dashboard, telegraf-config): the
   * secret's keys are checked, the file or variable is not read, so that they
   * work where the code is not (an admin's shell without the variable).
   */
  readonly readSecrets?: boolean;
  /** Whether a path is a directory, to check `state_file` up front. */
  readonly isDirectory?: (path: string) => boolean;
}
