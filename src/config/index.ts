/**
 * The INI file and the quick flags, turned into one checked Config.
 *
 * Every check happens here, once, before any device is contacted, and every
 * message names the file, the section and the key (or the flag) at fault.
 */
import { didYouMean } from '../suggest.js';
import { parse as parseIni } from 'ini';
import { DEVICE_KINDS, exampleDevice, kindAreas, knownTypes, SettingError, type Area, type DeviceKind } from '../devices/index.js';
import { scanIni } from './ini.js';
import { readSecret, secretOf } from './secret.js';
import {
  asBoolean,
  asString,
  checkDuration,
  checkHostTag,
  checkMeasurement,
  checkStateFile,
  checkTag,
  checkTagsSize,
  checkType,
  checkUrl,
  commaList,
  ConfigError,
  fail,
  oneOf,
  Problems,
  splitPair,
  unknownKey,
  withoutUserinfo,
  type ConfigSources,
} from './values.js';
import { isUsageKey, planOf, readUsageKey, USAGE_KEYS, type PlanKeys, type UsagePlan } from './usage.js';

export { checkHostTag, checkMeasurement, ConfigError, parseDuration, type ConfigSources } from './values.js';
export type { UsagePlan } from './usage.js';

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
  /** Values of the keys only its kind reads ({@link KindKey}), by key. */
  readonly settings: Readonly<Record<string, unknown>>;
  /** Accept any TLS certificate from this device. */
  readonly insecure: boolean;
  /** Time limit for all of this device's requests in one gather, ms. */
  readonly timeoutMs: number;
  /** What to collect; undefined means every area that needs no login. */
  readonly areas?: ReadonlySet<Area>;
  /** The secret its kind's login needs (a gateway's access code). Never logged. */
  readonly secret?: string;
  /** A gateway's billing period and data cap (`billing_day`, `data_cap`): its `homenet_usage` line. Absent for other roles. */
  readonly usage?: UsagePlan;
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

/** Default per-device time limit: below Telegraf's default 5 s exec timeout. */
export const DEFAULT_TIMEOUT_MS = 4000;
export const DEFAULT_MEASUREMENT = 'net';

const TOP_KEYS = ['measurement', 'timeout', 'state_file', 'schema', 'counter_type', ...USAGE_KEYS] as const;
/** Keys every device section may have. */
const COMMON_KEYS = ['type', 'url', 'host', 'insecure', 'timeout', 'collect'] as const;

/** The keys a kind reads besides the common ones: its secret's two, its own, then a gateway's billing period and cap. */
function kindKeys(kind: DeviceKind): string[] {
  const secret = secretOf(kind);
  return [...(secret ? [`${secret.key}_file`, `${secret.key}_env`] : []), ...(kind.keys ?? []).map((k) => k.name), ...(kind.role === 'gateway' ? USAGE_KEYS : [])];
}

/** Every key a device section may have, and for the keys only some types read, those types (in registry order). */
function deviceKeys(): { all: string[]; typesOf: Map<string, string[]> } {
  const typesOf = new Map<string, string[]>();
  for (const kind of DEVICE_KINDS.values()) for (const k of kindKeys(kind)) typesOf.set(k, [...(typesOf.get(k) ?? []), kind.type]);
  return { all: [...COMMON_KEYS, ...typesOf.keys()], typesOf };
}

interface FileResult {
  warnings?: string[];
  measurement?: string;
  timeoutMs?: number;
  stateFile?: string;
  schema?: 'homenet' | 'telegraf';
  counterType?: 'integer' | 'float';
  /** `billing_day` and `data_cap` at the top: every gateway's unless its section says. */
  plan?: PlanKeys;
  tags: Record<string, string>;
  devices: {
    name: string;
    type: string;
    url: URL;
    host?: string;
    insecure: boolean;
    timeoutMs?: number;
    areas?: Set<Area>;
    secret?: string;
    settings: Record<string, unknown>;
    plan?: PlanKeys;
  }[];
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
        else if (key === 'state_file') out.stateFile = checkStateFile(where, asString(where, value), src.isDirectory);
        else if (key === 'schema') out.schema = oneOf(where, asString(where, value), ['homenet', 'telegraf'] as const);
        else if (key === 'counter_type') out.counterType = oneOf(where, asString(where, value), ['integer', 'float'] as const);
        else if (isUsageKey(key)) readUsageKey(where, key, asString(where, value), (out.plan ??= {}));
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

function readDeviceSection(file: string, name: string, given: Record<string, unknown>, src: ConfigSources, p: Problems, warn: (w: string) => void): FileResult['devices'][number] | undefined {
  const at = (k: string): string => `${file}: [${name}] ${k}`;
  const before = p.messages.length;
  let section = given;
  const keys = deviceKeys();
  for (const k of Object.keys(section)) {
    if (!keys.all.includes(k)) p.check(() => unknownKey(at(k), k, keys.all));
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
      const only = keys.typesOf.get(k);
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
  const kind = type === undefined ? undefined : DEVICE_KINDS.get(type);
  const settings: Record<string, unknown> = {};
  for (const key of kind?.keys ?? []) {
    const value = optional(key.name, (where, text) => {
      try {
        return key.read(text);
      } catch (err) {
        if (err instanceof SettingError) fail(where, err.message);
        throw err;
      }
    });
    if (value !== undefined) settings[key.name] = value;
  }
  const plan: PlanKeys = {};
  for (const key of kind?.role === 'gateway' ? USAGE_KEYS : []) optional(key, (where, text) => readUsageKey(where, key, text, plan));
  const secret = kind ? secretOf(kind) : undefined;
  const code = secret ? p.check(() => readSecret(secret, at, section, src, file, warn)) : undefined;
  if (type !== undefined && secret && areas !== undefined && section[`${secret.key}_file`] === undefined && section[`${secret.key}_env`] === undefined) {
    // Found now, not at the first gather: every run would fail that area otherwise.
    const needs = loginOnlyAreas(type).filter((a) => areas.has(a));
    if (needs.length > 0) {
      p.check(() =>
        fail(
          at('collect'),
          `${needs.join(', ')} needs the ${secret.whose}'s ${secret.what} on type ${type}: set ${secret.key}_file or ${secret.key}_env in this section, or leave ${needs.join(', ')} out`,
        ),
      );
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
    settings,
    plan,
    ...(code !== undefined ? { secret: code } : {}),
  };
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
  const fromFile: FileResult = (src.file !== undefined ? p.check(() => readFile(src.file ?? '', src.fileText ?? '', src, p)) : undefined) ?? { tags: {}, devices: [] };
  const defaultTimeout = (src.timeout !== undefined ? p.check(() => checkDuration('--timeout', src.timeout ?? '')) : undefined) ?? fromFile.timeoutMs ?? DEFAULT_TIMEOUT_MS;

  const flagTags = p.check(() => tagFlags(src.tags ?? [])) ?? {};
  const tags = { ...fromFile.tags, ...flagTags };
  const measurement = fromFile.measurement ?? DEFAULT_MEASUREMENT;
  p.check(() => {
    checkTagsSize(src.file ?? '', measurement, fromFile.tags, flagTags);
  });

  const devices: DeviceConfig[] = fromFile.devices.map((d) => ({
    name: d.name,
    type: d.type,
    url: d.url,
    host: d.host ?? d.name,
    hostExplicit: d.host !== undefined,
    insecure: d.insecure,
    timeoutMs: d.timeoutMs ?? defaultTimeout,
    ...(d.areas ? { areas: d.areas } : {}),
    settings: d.settings,
    ...(d.secret !== undefined ? { secret: d.secret } : {}),
    ...(DEVICE_KINDS.get(d.type)?.role === 'gateway' ? { usage: planOf(d.plan ?? {}, fromFile.plan ?? {}) } : {}),
  }));
  (src.devices ?? []).forEach((spec, i) => {
    p.check(() => {
      const where = `--device ${JSON.stringify(withoutUserinfo(spec))}`;
      const [type, url] = splitPair(where, spec, `TYPE=URL, like --device ${exampleDevice()}`);
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
        settings: {},
        ...(DEVICE_KINDS.get(checkedType)?.role === 'gateway' ? { usage: planOf({}, fromFile.plan ?? {}) } : {}),
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
    throw new ConfigError(src.file !== undefined ? `${src.file}: no devices configured (add a section with type and url)` : 'no devices configured: give --config FILE or --device TYPE=URL');
  }

  return {
    measurement,
    tags,
    devices,
    ...(fromFile.stateFile !== undefined ? { stateFile: fromFile.stateFile } : {}),
    schema: fromFile.schema ?? 'homenet',
    counterType: fromFile.counterType ?? 'integer',
    warnings: fromFile.warnings ?? [],
  };
}
