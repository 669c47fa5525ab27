/**
 * A kind's secret (a gateway's access code) from the file or environment
 * variable its section names; never from argv, never in a message.
 */
import { dirname, isAbsolute, join } from 'node:path';
import type { ConfigSources } from './values.js';
import { asString, CONTROL_CHARS, fail } from './values.js';
import { readFailure } from '../files.js';
import { DEVICE_KINDS, type DeviceKind } from '../devices/index.js';
import type { SecretSpec } from '../devices/kind.js';
import { shellWord, warning } from '../log.js';

/** The secret a kind's login needs (the first family with a login says which). */
export function secretOf(kind: DeviceKind): SecretSpec | undefined {
  return kind.families.find((f) => f.login)?.login?.secret;
}

/** The keys naming where a secret is (`access_code_file`, `access_code_env`): their values are never echoed. */
export function secretKeys(): string[] {
  return [...DEVICE_KINDS.values()].flatMap((k) => {
    const secret = secretOf(k);
    return secret ? [`${secret.key}_file`, `${secret.key}_env`] : [];
  });
}

// eslint-disable-next-line no-control-regex -- control characters are what we refuse
const SECRET_OK = /^[^\u0000-\u001f\u007f]{1,128}$/;

/** The secret's file as a shell word in a message: quoted when needed, control characters escaped. */
function pathWord(path: string): string {
  if (CONTROL_CHARS.test(path)) return JSON.stringify(path);
  return shellWord(path);
}

/**
 * Reads a kind's secret (a gateway's access code) from a file or an
 * environment variable. Messages never contain the secret, nor the values
 * of these two keys: a code written under the wrong key
 * (`access_code_env = <code>`) must not end up in a log. The one exception
 * is the warning about a file others can read: that file was read, so its
 * name is a path, and the fix needs it.
 */
export function readSecret(spec: SecretSpec, at: (k: string) => string, section: Record<string, unknown>, src: ConfigSources, iniFile: string, warn: (w: string) => void): string | undefined {
  const fileKey = `${spec.key}_file`;
  const envKey = `${spec.key}_env`;
  const file = section[fileKey];
  const env = section[envKey];
  if (file !== undefined && env !== undefined) fail(at(envKey), `set only one of ${fileKey} and ${envKey}`);
  let code: string;
  const reading = src.readSecrets ?? true;
  if (file !== undefined) {
    const given = asString(at(fileKey), file);
    if (!reading) return undefined;
    // Telegraf runs the program in its own working folder: a relative path means "beside the INI file".
    const path = isAbsolute(given) ? given : join(dirname(iniFile), given);
    let read: string | { readonly text: string; readonly mode: number };
    try {
      read = (
        src.readSecretFile ??
        (() => {
          throw new Error('no file reader');
        })
      )(path);
    } catch (err) {
      fail(at(fileKey), `cannot read the file it names: ${readFailure(err)}`);
    }
    code = (typeof read === 'string' ? read : read.text).trim();
    if (code === '') fail(at(fileKey), 'the file it names is empty');
    if (typeof read !== 'string' && (read.mode & 0o044) !== 0) {
      const mode = (read.mode & 0o777).toString(8).padStart(3, '0');
      warn(warning(`${at(fileKey)}: ${pathWord(path)} can be read by other users (mode ${mode}): chmod 600 ${pathWord(path)} (and chown it to the user Telegraf runs as)`));
    }
  } else if (env !== undefined) {
    const name = asString(at(envKey), env);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      fail(at(envKey), `not an environment variable name (write the name of a variable that holds the code, like ${spec.envExample})`);
    }
    if (!reading) return undefined;
    code = (src.env?.[name] ?? '').trim();
    if (code === '') fail(at(envKey), 'the environment variable it names is not set (or empty)');
  } else {
    return undefined;
  }
  if (!SECRET_OK.test(code)) fail(at(file !== undefined ? fileKey : envKey), `the ${spec.what} has control characters or is over 128 characters`);
  return code;
}
