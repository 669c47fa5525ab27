/** The shipped Telegraf snippets and sample INI (telegraf.d/), read once, and their settings. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ROOT } from './helpers.js';

/** telegraf.d/homenet.conf, the [[inputs.exec]] block. */
export const EXEC_CONF = readFileSync(`${ROOT}telegraf.d/homenet.conf`, 'utf8');
/** telegraf.d/homenet-execd.conf, the [[inputs.execd]] block. */
export const EXECD_CONF = readFileSync(`${ROOT}telegraf.d/homenet-execd.conf`, 'utf8');
/** telegraf.d/homenet.ini, the sample configuration. */
export const SAMPLE_INI = readFileSync(`${ROOT}telegraf.d/homenet.ini`, 'utf8');

/** `key = value` of a snippet's block, comments left out: the value as written. */
export function setting(snippet: string, key: string): string {
  const m = new RegExp(`^\\s*${key}\\s*=\\s*(.+)$`, 'm').exec(snippet);
  assert.ok(m?.[1], `${key} is set`);
  return m[1].trim();
}
