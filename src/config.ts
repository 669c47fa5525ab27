/**
 * The INI file and the quick flags, turned into one checked Config.
 *
 * Every check happens here, once, before any device is contacted, and every
 * message names the file, the section and the key (or the flag) at fault.
 */
import { didYouMean } from './suggest.js';
import { parse as parseIni, unsafe as iniValue } from 'ini';
import { dirname, isAbsolute, join } from 'node:path';
import { DEVICE_KINDS, kindAreas, knownTypes, type Area } from './devices/index.js';
import { int, LineProtocolError, serialize } from './lineprotocol.js';
import { warning } from './log.js';

/** One device to gather. */
export interface DeviceConfig {
  /** The INI section name, or `--device N` for a flag. */
  readonly name: string;
  readonly type: string;
  /** Base URL; page paths are resolved under it. */
  readonly url: URL;
  /** The `host` tag of every metric of this device (unless it names itself, see hostExplicit). */
  readonly host: string;
  /** The config set `host`: a device's own name for itself (a Sonos zone name) is not used. */
  readonly hostExplicit: boolean;
  /** Interfaces to print (Sonos): these names, `all` (all but `lo`), or undefined: `br0` and those that counted a packet. */
  readonly interfaces?: ReadonlySet<string> | 'all';
  /** Accept any TLS certificate from this device. */
  readonly insecure: boolean;
  /** Time limit for all of this device's requests in one gather, ms. */
  readonly timeoutMs: number;
  /** What to collect; undefined means every area that needs no login. */
  readonly areas?: ReadonlySet<Area>;
  /** The gateway's access code, for pages behind its login. Never logged. */
  readonly accessCode?: string;
}

/** Everything a gather needs. */
export interface Config {
  /** Measurement of the traffic counters. */
  readonly measurement: string;
  /** Tags added to every metric. */
  readonly tags: Readonly<Record<string, string>>;
  readonly devices: readonly DeviceConfig[];
  /** Where `collect` keeps counter state between runs, for the `*_total` fields. */
  readonly stateFile?: string;
  /** Field names of the traffic lines: ours, or Telegraf's `inputs.net` ones. */
  readonly schema: 'homenet' | 'telegraf';
  /** Counters as integers (ours), or as floats for databases first written with float counters. */
  readonly counterType: 'integer' | 'float';
  /** `W! ` lines about a file that is valid but may not say what its author meant (a value cut by a comment). */
  readonly warnings: readonly string[];
}

/** A usage or configuration mistake; the message is complete and exact. Exit status 2. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

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
  /** Whether a path is a directory, to check `state_file` up front. */
  readonly isDirectory?: (path: string) => boolean;
}

/** Default per-device time limit: below Telegraf's default 5 s exec timeout. */
export const DEFAULT_TIMEOUT_MS = 4000;
export const DEFAULT_MEASUREMENT = 'net';
const MIN_TIMEOUT_MS = 100;
const MAX_TIMEOUT_MS = 300_000;

const TOP_KEYS = ['measurement', 'timeout', 'state_file', 'schema', 'counter_type'] as const;
const DEVICE_KEYS = ['type', 'url', 'host', 'insecure', 'timeout', 'collect', 'access_code_file', 'access_code_env', 'interfaces'] as const;
/** Keys that mean something for some types only. */
const TYPE_KEYS: Readonly<Record<string, readonly string[]>> = {
  access_code_file: ['att', 'att-bgw'],
  access_code_env: ['att', 'att-bgw'],
  interfaces: ['sonos', 'sonos-household'],
};
/** Tags the program sets itself. */
const RESERVED_TAGS = ['host', 'type', 'interface'];

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Parses a duration such as `4s`, `500ms`, `1.5s` or `1m30s` into ms.
 * @returns undefined when the text is not such a duration.
 */
export function parseDuration(text: string): number | undefined {
  const t = text.trim();
  if (!/^(\d+(\.\d+)?(ms|s|m|h))+$/.test(t)) return undefined;
  let ms = 0;
  for (const m of t.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) ms += Number(m[1]) * (UNITS[m[2] ?? ''] ?? 0);
  return Math.round(ms);
}

function fail(where: string, message: string): never {
  throw new ConfigError(`${where}: ${message}`);
}

/** Every mistake of a config, gathered in one pass so the user fixes them all at once. */
class Problems {
  readonly messages: string[] = [];

  /** Runs one check; a ConfigError is noted and undefined returned. */
  check<T>(fn: () => T): T | undefined {
    try {
      return fn();
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      this.messages.push(err.message);
      return undefined;
    }
  }

  throwIfAny(): void {
    if (this.messages.length > 0) throw new ConfigError(this.messages.join('\n'));
  }
}

function checkDuration(where: string, value: string): number {
  const ms = parseDuration(value);
  if (ms === undefined) fail(where, `${JSON.stringify(value)} is not a duration (write it like 4s or 500ms)`);
  if (ms < MIN_TIMEOUT_MS || ms > MAX_TIMEOUT_MS) {
    fail(where, `${JSON.stringify(value)} is out of range (100ms to 5m)`);
  }
  return ms;
}

function checkUrl(where: string, value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    fail(where, `${JSON.stringify(value)} is not a URL (write it like http://192.168.1.254)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    fail(where, `${JSON.stringify(value)} is not an http:// or https:// URL`);
  }
  // A password in argv or in a world-readable URL is a leak waiting to happen.
  if (url.username !== '' || url.password !== '') fail(where, 'must not contain a user name or password');
  if (url.search !== '' || url.hash !== '') fail(where, `${JSON.stringify(value)} must not have a query or fragment`);
  // Port 0 is no port a device listens on (the system would pick one at random).
  if (url.port === '0') fail(where, `${JSON.stringify(value)} has port 0, which no device listens on`);
  return url;
}

function checkType(where: string, value: string): string {
  if (!DEVICE_KINDS.has(value)) {
    fail(where, `unknown device type ${JSON.stringify(value)}${didYouMean(value, knownTypes())} (known: ${knownTypes().join(', ')})`);
  }
  return value;
}

function checkTag(where: string, key: string, value: string): void {
  if (RESERVED_TAGS.includes(key)) fail(where, `the tag ${JSON.stringify(key)} is set by the program and cannot be overridden here`);
  if (value === '') fail(where, 'empty value (a tag needs a value)');
  try {
    serialize({ name: 'check', tags: { [key]: value }, fields: { v: int(0) } });
  } catch (err) {
    if (err instanceof LineProtocolError) fail(where, `cannot be written as a tag: ${err.message}`);
    throw err;
  }
}

/** Checks a host tag value; returns it trimmed. */
export function checkHostTag(where: string, value: string): string {
  const host = value.trim();
  if (host === '') fail(where, 'empty value');
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
  try {
    serialize({ name: value, tags: {}, fields: { v: int(0) } });
  } catch (err) {
    if (err instanceof LineProtocolError) fail(where, `cannot be a measurement name: ${err.message}`);
    throw err;
  }
  if (value.startsWith('homenet_')) fail(where, `${JSON.stringify(value)} is reserved (names starting "homenet_" are the program's own)`);
  return value;
}

/** The ini package gives strings, booleans (`true`/`false`), arrays (`k[]`) and objects (sections). */
function asString(where: string, value: unknown): string {
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) fail(where, 'lists (key[] = ...) are not supported');
  return fail(where, 'has no value');
}

function asBoolean(where: string, value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  fail(where, `${JSON.stringify(asString(where, value))} must be true or false`);
}

function unknownKey(where: string, key: string, known: readonly string[]): never {
  fail(where, `unknown key${didYouMean(key, known)} (known: ${known.join(', ')})`);
}

interface FileResult {
  warnings?: string[];
  measurement?: string;
  timeoutMs?: number;
  stateFile?: string;
  schema?: 'homenet' | 'telegraf';
  counterType?: 'integer' | 'float';
  tags: Record<string, string>;
  devices: {
    name: string;
    type: string;
    url: URL;
    host?: string;
    insecure: boolean;
    timeoutMs?: number;
    areas?: Set<Area>;
    accessCode?: string;
    interfaces?: Set<string> | 'all';
  }[];
}

function oneOf<T extends string>(where: string, value: string, allowed: readonly T[]): T {
  const found = allowed.find((a) => a === value);
  if (found === undefined) fail(where, `${JSON.stringify(value)} must be ${allowed.join(' or ')}`);
  return found;
}

function checkStateFile(where: string, value: string, src: ConfigSources): string {
  if (!value.startsWith('/')) fail(where, `${JSON.stringify(value)} is not an absolute path`);
  const dir = value.slice(0, value.lastIndexOf('/')) || '/';
  if (src.isDirectory && !src.isDirectory(dir)) fail(where, `the folder ${dir} does not exist`);
  return value;
}

// eslint-disable-next-line no-control-regex -- control characters are what we refuse
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;
const SECRET_KEYS = ['access_code_file', 'access_code_env'];

/**
 * Where the INI reader cuts an unquoted value (or section name): at the first
 * `;` or `#` that no `\` escapes, as `ini` does. -1 when it keeps it whole.
 */
function commentAt(raw: string): number {
  const v = raw.trim();
  if (v.length > 1 && ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'")))) return -1;
  for (let i = 0; i < v.length; i++) {
    const c = v[i];
    if (c === '\\') i++;
    else if (c === ';' || c === '#') return i;
  }
  return -1;
}

/**
 * What `ini` does not say: it merges a repeated section, keeps the last of a
 * repeated key, cuts names and values at an inline comment, and takes any
 * section name. The raw text is read line by line as `ini` reads it, so that
 * each of these gets an exact message with its line. Returns the section
 * names refused (their keys are not checked again) and the warnings.
 */
function scanIni(file: string, text: string, p: Problems): { refused: Set<string>; warnings: string[] } {
  const refused = new Set<string>();
  const warnings: string[] = [];
  const sections = new Map<string, number>();
  let section: string | undefined;
  let skip = false;
  let keys = new Map<string, number>();
  text.split(/\r\n|\r|\n/).forEach((line, i) => {
    const n = i + 1;
    if (line.trim() === '' || /^\s*[;#]/.test(line)) return;
    const header = /^\[([^\]]*)\]\s*$/.exec(line);
    if (header) {
      const raw = header[1] ?? '';
      const name = iniValue(raw);
      const where = `${file}: [${CONTROL_CHARS.test(raw) ? JSON.stringify(raw) : raw}]`;
      const first = sections.get(name);
      const problem =
        commentAt(raw) >= 0 ? 'section names cannot contain ";" or "#", where the INI reader cuts a name'
        : name === '' ? 'empty section name'
        : CONTROL_CHARS.test(name) ? 'section names cannot contain control characters'
        : name.includes('\\') ? 'section names cannot contain "\\"'
        : name === '__proto__' ? 'cannot be a section name'
        : undefined;
      section = name;
      keys = new Map();
      skip = problem !== undefined || first !== undefined;
      if (problem !== undefined) p.check(() => fail(where, `${problem} (line ${n})`));
      else if (first !== undefined) p.check(() => fail(where, `appears twice (lines ${first} and ${n}): the INI reader would merge the two into one device`));
      if (skip) refused.add(name);
      else sections.set(name, n);
      return;
    }
    const pair = /^([^=]+)(=(.*))?$/.exec(line);
    if (!pair || skip) return;
    const key = iniValue(pair[1] ?? '');
    const where = section === undefined ? `${file}: ${key}` : `${file}: [${section}] ${key}`;
    // key[] lines make a list, refused later with its own message.
    if (!key.endsWith('[]')) {
      const first = keys.get(key);
      if (first !== undefined) p.check(() => fail(where, `set twice (lines ${first} and ${n}): only the last would count`));
      else keys.set(key, n);
    }
    const raw = (pair[3] ?? '').trim();
    const cut = commentAt(raw);
    if (pair[2] === undefined || cut < 0) return;
    const mark = raw[cut] ?? '#';
    warnings.push(
      SECRET_KEYS.includes(key)
        ? warning(`${where}: the value was cut at "${mark}" on line ${n}, where a comment starts (quote the value to keep it whole)`)
        : warning(`${where}: read as ${JSON.stringify(iniValue(raw))}: the rest of line ${n}, from "${mark}", is a comment (write ${key} = ${JSON.stringify(raw)} to keep it whole)`),
    );
  });
  return { refused, warnings };
}

function readFile(file: string, text: string, src: ConfigSources, p: Problems): FileResult {
  // A binary file read as INI gives one garbled error per line of noise: say what it is, once.
  // eslint-disable-next-line no-control-regex -- NUL is what marks binary data
  if (/\u0000/.test(text)) fail(file, 'is not an INI file (it holds binary data)');
  const scan = scanIni(file, text, p);
  let ini: Record<string, unknown>;
  try {
    ini = parseIni(text);
  } catch (err) {
    fail(file, `not a valid INI file: ${err instanceof Error ? err.message : String(err)}`);
  }
  const out: FileResult = { warnings: scan.warnings, tags: {}, devices: [] };
  for (const [key, value] of Object.entries(ini)) {
    const isSection = typeof value === 'object' && value !== null && !Array.isArray(value);
    if (isSection && scan.refused.has(key)) continue;
    if (!isSection) {
      const where = `${file}: ${key}`;
      p.check(() => {
        if (key === 'measurement') out.measurement = checkMeasurement(where, asString(where, value));
        else if (key === 'timeout') out.timeoutMs = checkDuration(where, asString(where, value));
        else if (key === 'state_file') out.stateFile = checkStateFile(where, asString(where, value), src);
        else if (key === 'schema') out.schema = oneOf(where, asString(where, value), ['homenet', 'telegraf'] as const);
        else if (key === 'counter_type') out.counterType = oneOf(where, asString(where, value), ['integer', 'float'] as const);
        else unknownKey(where, key, TOP_KEYS);
      });
      continue;
    }
    const section = value as Record<string, unknown>;
    // ini turns [a.b] into a nested section; say so rather than "unknown key".
    const nested = Object.entries(section).find(([, v]) => typeof v === 'object' && v !== null && !Array.isArray(v));
    if (nested) {
      p.check(() => fail(`${file}: [${key}.${nested[0]}]`, 'section names cannot contain "." (use "-" or "_")'));
      continue;
    }
    if (key === 'tags') {
      for (const [k, v] of Object.entries(section)) {
        const where = `${file}: [tags] ${k}`;
        p.check(() => {
          const s = asString(where, v);
          checkTag(where, k, s);
          out.tags[k] = s;
        });
      }
      continue;
    }
    const device = readDeviceSection(file, key, section, src, p, (w) => out.warnings?.push(w));
    if (device) out.devices.push(device);
  }
  return out;
}

function commaList(value: string): string[] {
  return value.split(',').map((a) => a.trim()).filter((a) => a !== '');
}

function checkAreas(where: string, value: string, type: string): Set<Area> {
  const kind = DEVICE_KINDS.get(type);
  const known = kind ? kindAreas(kind) : [];
  const names = commaList(value);
  if (names.length === 0) fail(where, `empty (choose from: ${known.join(', ')})`);
  const areas = new Set<Area>();
  for (const n of names) {
    const area = known.find((a) => a === n);
    if (area === undefined) fail(where, `unknown area ${JSON.stringify(n)} for type ${type}${didYouMean(n, known)} (known: ${known.join(', ')})`);
    areas.add(area);
  }
  return areas;
}

function checkInterfaces(where: string, value: string): Set<string> | 'all' {
  const names = commaList(value);
  if (names.length === 0) fail(where, 'empty (name interfaces like br0, eth0, or all)');
  // `all` is today's whole list; no Sonos interface is called that.
  if (names.length === 1 && names[0] === 'all') return 'all';
  const bad = names.find((n) => !/^[A-Za-z0-9_.:@-]{1,32}$/.test(n));
  if (bad !== undefined) fail(where, `${JSON.stringify(bad)} is not an interface name`);
  return new Set(names);
}

// eslint-disable-next-line no-control-regex -- control characters are what we refuse
const SECRET_OK = /^[^\u0000-\u001f\u007f]{1,128}$/;

/** The access code file as a shell word in a message: quoted when needed, control characters escaped. */
function pathWord(path: string): string {
  if (CONTROL_CHARS.test(path)) return JSON.stringify(path);
  return /^[\w./:=@%+-]+$/.test(path) ? path : `'${path.replace(/'/g, `'\\''`)}'`;
}

/**
 * Reads the access code from a file or an environment variable. Messages
 * never contain the code, nor the values of these two keys: a code written
 * under the wrong key (`access_code_env = <code>`) must not end up in a log.
 * The one exception is the warning about a file others can read: that file
 * was read, so its name is a path, and the fix needs it.
 */
function readAccessCode(at: (k: string) => string, section: Record<string, unknown>, src: ConfigSources, iniFile: string, warn: (w: string) => void): string | undefined {
  const file = section['access_code_file'];
  const env = section['access_code_env'];
  if (file !== undefined && env !== undefined) fail(at('access_code_env'), 'set only one of access_code_file and access_code_env');
  let code: string;
  if (file !== undefined) {
    const given = asString(at('access_code_file'), file);
    // Telegraf runs the program in its own working folder: a relative path means "beside the INI file".
    const path = isAbsolute(given) ? given : join(dirname(iniFile), given);
    let read: string | { readonly text: string; readonly mode: number };
    try {
      read = (src.readSecretFile ?? (() => { throw new Error('no file reader'); }))(path);
    } catch (err) {
      fail(at('access_code_file'), `cannot read the file it names (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    code = (typeof read === 'string' ? read : read.text).trim();
    if (code === '') fail(at('access_code_file'), 'the file it names is empty');
    if (typeof read !== 'string' && (read.mode & 0o044) !== 0) {
      const mode = (read.mode & 0o777).toString(8).padStart(3, '0');
      warn(warning(`${at('access_code_file')}: ${pathWord(path)} can be read by other users (mode ${mode}): chmod 600 ${pathWord(path)} (and chown it to the user Telegraf runs as)`));
    }
  } else if (env !== undefined) {
    const name = asString(at('access_code_env'), env);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      fail(at('access_code_env'), 'not an environment variable name (write the name of a variable that holds the code, like ATT_ACCESS_CODE)');
    }
    code = (src.env?.[name] ?? '').trim();
    if (code === '') fail(at('access_code_env'), 'the environment variable it names is not set (or empty)');
  } else {
    return undefined;
  }
  if (!SECRET_OK.test(code)) fail(at(file !== undefined ? 'access_code_file' : 'access_code_env'), 'the access code has control characters or is over 128 characters');
  return code;
}

/**
 * Areas that every family of the kind serves only after a login. `att` is
 * not one with `nat`: it may be a Pace, whose NAT page needs no code.
 */
function loginOnlyAreas(type: string): Area[] {
  const kind = DEVICE_KINDS.get(type);
  if (!kind) return [];
  return kindAreas(kind).filter((a) =>
    kind.families.every((f) => {
      const pages = f.pages.filter((p) => p.extracts.some((e) => e.area === a));
      return pages.length > 0 && pages.every((p) => p.login === true);
    }),
  );
}

function readDeviceSection(
  file: string,
  name: string,
  given: Record<string, unknown>,
  src: ConfigSources,
  p: Problems,
  warn: (w: string) => void,
): FileResult['devices'][number] | undefined {
  const at = (k: string): string => `${file}: [${name}] ${k}`;
  const before = p.messages.length;
  let section = given;
  for (const k of Object.keys(section)) {
    if (!(DEVICE_KEYS as readonly string[]).includes(k)) p.check(() => unknownKey(at(k), k, DEVICE_KEYS));
  }
  const type = p.check(() => {
    if (section['type'] === undefined) fail(at('type'), `missing (every device needs one; known: ${knownTypes().join(', ')})`);
    return checkType(at('type'), asString(at('type'), section['type']));
  });
  const url = p.check(() => {
    if (section['url'] === undefined) fail(at('url'), 'missing (every device needs one, like http://192.168.1.254)');
    return checkUrl(at('url'), asString(at('url'), section['url']));
  });
  if (type !== undefined) {
    for (const k of Object.keys(section)) {
      const only = TYPE_KEYS[k];
      if (only && !only.includes(type)) {
        p.check(() => fail(at(k), `only for type ${only.join(' or ')}, not ${type}`));
        // Reported once: the key is not read as well.
        section = Object.fromEntries(Object.entries(section).filter(([key]) => key !== k));
      }
    }
  }
  const optional = <T>(key: string, read: (where: string, text: string) => T): T | undefined =>
    section[key] === undefined ? undefined : p.check(() => read(at(key), asString(at(key), section[key])));
  const insecure = section['insecure'] === undefined ? false : p.check(() => asBoolean(at('insecure'), section['insecure']));
  const host = optional('host', checkHostTag);
  // Without `host`, the section name is the host tag.
  if (section['host'] === undefined) p.check(() => checkHostTag(`${file}: [${name}]`, name));
  const timeoutMs = optional('timeout', checkDuration);
  const areas = type === undefined ? undefined : optional('collect', (w, t) => checkAreas(w, t, type));
  const interfaces = optional('interfaces', checkInterfaces);
  const code = p.check(() => readAccessCode(at, section, src, file, warn));
  if (type !== undefined && areas !== undefined && section['access_code_file'] === undefined && section['access_code_env'] === undefined) {
    // Found now, not at the first gather: every run would fail that area otherwise.
    const needs = loginOnlyAreas(type).filter((a) => areas.has(a));
    if (needs.length > 0) {
      p.check(() => fail(at('collect'), `${needs.join(', ')} needs the gateway's access code on type ${type}: set access_code_file or access_code_env in this section, or leave ${needs.join(', ')} out`));
    }
  }
  if (type === undefined || url === undefined || p.messages.length > before) return undefined;
  return {
    name,
    type,
    url,
    insecure: insecure ?? false,
    ...(host !== undefined ? { host } : {}),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    ...(areas ? { areas } : {}),
    ...(interfaces ? { interfaces } : {}),
    ...(code !== undefined ? { accessCode: code } : {}),
  };
}

function splitPair(where: string, text: string, shape: string): [string, string] {
  const eq = text.indexOf('=');
  if (eq <= 0) fail(where, `expected ${shape}`);
  return [text.slice(0, eq).trim(), text.slice(eq + 1).trim()];
}

/** The `--tag KEY=VALUE` flags as tags, each checked. */
export function tagFlags(flags: readonly string[]): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const t of flags) {
    const where = `--tag ${JSON.stringify(t)}`;
    const [k, v] = splitPair(where, t, 'KEY=VALUE, like --tag region=home');
    checkTag(where, k, v);
    tags[k] = v;
  }
  return tags;
}

/**
 * Builds the Config from the INI text and the flags; flags add devices and
 * tags, and `--timeout` overrides the file's top-level timeout.
 * @throws ConfigError with an exact message.
 */
export function buildConfig(src: ConfigSources): Config {
  const p = new Problems();
  const fromFile: FileResult =
    (src.file !== undefined ? p.check(() => readFile(src.file ?? '', src.fileText ?? '', src, p)) : undefined) ?? { tags: {}, devices: [] };
  const defaultTimeout =
    (src.timeout !== undefined ? p.check(() => checkDuration('--timeout', src.timeout ?? '')) : undefined) ??
    fromFile.timeoutMs ??
    DEFAULT_TIMEOUT_MS;

  const tags = { ...fromFile.tags, ...p.check(() => tagFlags(src.tags ?? [])) };

  const devices: DeviceConfig[] = fromFile.devices.map((d) => ({
    name: d.name,
    type: d.type,
    url: d.url,
    host: d.host ?? d.name,
    hostExplicit: d.host !== undefined,
    insecure: d.insecure,
    timeoutMs: d.timeoutMs ?? defaultTimeout,
    ...(d.areas ? { areas: d.areas } : {}),
    ...(d.interfaces ? { interfaces: d.interfaces } : {}),
    ...(d.accessCode !== undefined ? { accessCode: d.accessCode } : {}),
  }));
  (src.devices ?? []).forEach((spec, i) => {
    p.check(() => {
      const where = `--device ${JSON.stringify(spec)}`;
      const [type, url] = splitPair(where, spec, 'TYPE=URL, like --device att=http://192.168.1.254');
      const checkedType = checkType(where, type);
      const parsed = checkUrl(where, url);
      devices.push({
        name: `--device ${i + 1}`,
        type: checkedType,
        url: parsed,
        // host:port and any path, so that simulated devices on one address stay apart.
        host: parsed.host.replace(/^\[|\](?=:|$)/g, '') + parsed.pathname.replace(/\/+$/, ''),
        hostExplicit: false,
        insecure: false,
        timeoutMs: defaultTimeout,
      });
    });
  });

  const seen = new Map<string, string>();
  for (const d of devices) {
    const owner = seen.get(d.host);
    if (owner !== undefined) {
      const where = src.file !== undefined && !d.name.startsWith('--') ? `${src.file}: [${d.name}] host` : d.name;
      p.check(() => fail(where, `${JSON.stringify(d.host)} is already the host of ${owner} (each device needs its own host tag)`));
    }
    seen.set(d.host, d.name.startsWith('--') ? d.name : `[${d.name}]`);
  }
  p.throwIfAny();
  if (devices.length === 0) {
    throw new ConfigError(
      src.file !== undefined
        ? `${src.file}: no devices configured (add a section with type and url)`
        : 'no devices configured: give --config FILE or --device TYPE=URL',
    );
  }

  return {
    measurement: fromFile.measurement ?? DEFAULT_MEASUREMENT,
    tags,
    devices,
    ...(fromFile.stateFile !== undefined ? { stateFile: fromFile.stateFile } : {}),
    schema: fromFile.schema ?? 'homenet',
    counterType: fromFile.counterType ?? 'integer',
    warnings: fromFile.warnings ?? [],
  };
}
