/**
 * What a speaker's pages say, whichever page says it: interface counters
 * from `ifconfig` text, radio health, and the system line's tags.
 */
import { cleanTag, int, type FieldValue, type Metric } from '../../lineprotocol.js';
import { ParseError } from '../../html/index.js';
import { setCounter, timingFields, type Omitter } from '../fields.js';
import type { ExtractContext, PageText, ParseContext } from '../kind.js';
import { sectionsOf } from './support.js';
import { interfacesSetting } from './settings.js';
import { SYSTEM_MEASUREMENT } from '../vocabulary.js';

/** One interface's counters from ifconfig text. */
interface IfaceCounters {
  readonly name: string;
  readonly fields: Record<string, FieldValue>;
}

/**
 * The counters of one ifconfig block, read line by line and token by token
 * (linear in the text: a page of one endless `RX packets:1 RX packets:1 ...`
 * line costs one pass). Two formats:
 * - busybox / net-tools 1.x: `RX packets:52676265 errors:0 dropped:1233516 overruns:0 frame:0`,
 *   `collisions:0 txqueuelen:1000`, `RX bytes:4000000000 (3.7 GiB)  TX bytes:1500000000 (1.4 GiB)`;
 * - net-tools 2.x: `RX packets 123  bytes 456 (456.0 B)`, `RX errors 0  dropped 0  overruns 0  frame 0`,
 *   `TX errors 0  dropped 0 overruns 0  carrier 0  collisions 0`.
 * The first value of each counter wins.
 */
function ifconfigCounters(block: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const line of block.split('\n')) {
    // The direction a line's unprefixed words (errors, dropped ...) belong to: its first RX/TX.
    const lead = /^\s*(RX|TX)\s+(packets|errors)\b/.exec(line);
    const dir = lead?.[1] === 'RX' ? 'rx' : lead?.[1] === 'TX' ? 'tx' : undefined;
    // exec() on one expression, not matchAll(), which copies (and compiles) it for every line.
    COUNTER_WORD.lastIndex = 0;
    for (let m = COUNTER_WORD.exec(line); m !== null; m = COUNTER_WORD.exec(line)) {
      const word = m[2] ?? '';
      const value = m[3] ?? '';
      const d = m[1] === 'RX' ? 'rx' : m[1] === 'TX' ? 'tx' : dir;
      let field: string | undefined;
      if (word === 'collisions') field = 'collisions';
      // `bytes` right after a packets count (net-tools 2.x) belongs to the same direction.
      else if (word === 'packets' || word === 'bytes') field = d === undefined ? undefined : `${d}_${word === 'packets' ? 'pkts' : 'bytes'}`;
      else if (d !== undefined) field = `${d}_${word === 'errors' ? 'err' : word === 'dropped' ? 'drop' : word}`;
      if (field !== undefined && !found.has(field)) found.set(field, value);
    }
  }
  return found;
}

const COUNTER_WORD = /\b(?:(RX|TX)\s+)?(packets|bytes|errors|dropped|overruns|frame|carrier|collisions)(?::|\s+)(\S+)/g;

const FIELD_ORDER = ['tx_bytes', 'tx_pkts', 'tx_err', 'tx_drop', 'tx_overruns', 'tx_carrier', 'rx_bytes', 'rx_pkts', 'rx_err', 'rx_drop', 'rx_overruns', 'rx_frame', 'collisions'];

const KEY_COUNTERS = ['rx_bytes', 'tx_bytes', 'rx_pkts', 'tx_pkts'];
const KEY_LABELS: Readonly<Record<string, string>> = { rx_bytes: 'RX bytes', tx_bytes: 'TX bytes', rx_pkts: 'RX packets', tx_pkts: 'TX packets' };

/**
 * Interface blocks read of one speaker's ifconfig text. A real speaker lists
 * fewer than ten (ath0, ath1, br0, eth0, eth1, lo, ...); a page listing
 * thousands (15,000 fit in the 4 MiB a page may have) would otherwise print
 * thousands of lines every gather and keep a total for each of their
 * counters (13 each) in the state file.
 */
export const MAX_INTERFACES = 32;

/**
 * Interfaces and their counters from `ifconfig` output: blocks separated by
 * blank lines, each starting with the interface name at the left margin.
 * A counter that is missing or unreadable is left out (said through `omit`);
 * an interface with no byte or packet count at all is left out whole. Only
 * the first {@link MAX_INTERFACES} blocks are read, and the bridge wherever
 * it is (it carries the speaker's traffic); the rest are left out with one
 * message.
 * @throws ParseError when the text holds no interface.
 */
export function parseIfconfig(text: string, where: string, omit: Omitter): IfaceCounters[] {
  const out: IfaceCounters[] = [];
  let blocks = 0;
  let beyond = 0;
  for (const block of text.replace(/\r/g, '').split(/\n[ \t]*\n/)) {
    const head = /^([A-Za-z0-9_.:@-]+?):?\s+(Link encap|flags=)/m.exec(block);
    if (!head?.[1]) continue;
    blocks++;
    const name = head[1];
    if (blocks > MAX_INTERFACES && name !== 'br0') {
      beyond++;
      continue;
    }
    const iface = readInterface(block, name, where, omit);
    if (iface) out.push(iface);
  }
  if (blocks === 0) throw new ParseError(`${where}: no interface in the ifconfig output`);
  if (beyond > 0) omit(`${where}: ${blocks} interfaces listed, more than the ${MAX_INTERFACES} a speaker is read for: ${beyond} left out`);
  return out;
}

/** One interface block's counters; undefined (said through `omit`) when it has no byte or packet count. */
function readInterface(block: string, name: string, where: string, omit: Omitter): IfaceCounters | undefined {
  const found = ifconfigCounters(block);
  const fields: Record<string, FieldValue> = {};
  for (const f of FIELD_ORDER) {
    const v = found.get(f);
    if (v !== undefined) setCounter(fields, f, omit, `${where}: ${name} ${f}`, v);
  }
  if (!KEY_COUNTERS.some((k) => fields[k] !== undefined)) {
    omit(`${where}: interface ${name} has no readable "RX bytes", "TX bytes", "RX packets" or "TX packets" counter: its line left out`);
    return undefined;
  }
  for (const k of KEY_COUNTERS) {
    if (!found.has(k)) omit(`${where}: interface ${name} has no "${KEY_LABELS[k] ?? k}" counter: ${k} left out`);
  }
  return { name, fields };
}

/**
 * Which interfaces to print: the configured ones; with `all`, all but the
 * loopback; by default the bridge and any other that has counted a packet
 * (most speakers show an idle radio or an unplugged port, all zeros for ever).
 */
function wanted(ctx: ParseContext, i: IfaceCounters): boolean {
  const chosen = interfacesSetting(ctx.settings);
  if (chosen === 'all') return i.name !== 'lo';
  if (chosen) return chosen.has(i.name);
  if (i.name === 'lo') return false;
  if (i.name === 'br0') return true;
  // Loops, here and below, rather than callbacks made on every call: those
  // lose their optimised code at every full collection (see TreeBuilder in html/index.ts).
  for (const f of ['rx_pkts', 'tx_pkts', 'rx_bytes', 'tx_bytes']) {
    const v = i.fields[f];
    if (v?.kind === 'int' ? v.value !== 0n : v?.kind === 'float' ? v.value !== 0 : false) return true;
  }
  return false;
}

export function trafficLines(ifaces: readonly IfaceCounters[], ctx: ParseContext, tags: Record<string, string>, page: PageText): Metric[] {
  const out: Metric[] = [];
  for (const i of ifaces) {
    if (wanted(ctx, i)) out.push({ name: ctx.measurement, tags: { ...tags, interface: i.name }, fields: { ...i.fields, ...timingFields(page) } });
  }
  return out;
}

const MAC = '[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}';
/** The bridge's address, in either format (its block may start the command text, after `>`). */
const BRIDGE_MAC = new RegExp(`(?:^|>|\\n)br0:?[ \\t]+(?:Link encap:\\S+[ \\t]+HWaddr[ \\t]+(${MAC})|flags=[^\\n]*(?:\\n[^\\n]*){0,8}?\\n[ \\t]+ether[ \\t]+(${MAC}))`);
const FIRST_MAC = new RegExp(`\\b(?:HWaddr|ether)[ \\t]+(${MAC})`);

/**
 * The speaker's own hardware address from its ifconfig page (raw text or
 * XML): the bridge's (it carries the speaker's MAC), else the first
 * interface's; upper case. Read every gather, it tells a speaker swapped in
 * at the same address from the one that was there.
 */
export function hardwareAddress(body: string): string | undefined {
  const m = BRIDGE_MAC.exec(body) ?? FIRST_MAC.exec(body);
  return (m?.[1] ?? m?.[2])?.toUpperCase();
}

export const IFCONFIG = '/sbin/ifconfig';
export const RADIO_FILE = '/proc/ath_rincon/status';

/** The command text of a support page, or the page itself when it is bare text. */
export async function commandText(page: PageText, ctx: ExtractContext, cmdline: string, where: string): Promise<string> {
  const body = page.body;
  if (!body.trimStart().startsWith('<')) return body;
  const text = (await sectionsOf(ctx)).map((s) => s.commands.get(cmdline) ?? s.files.get(cmdline)).find((t) => t !== undefined);
  if (text === undefined) throw new ParseError(`${where}: no <Command cmdline='${cmdline}'> output`);
  return text;
}

/** `homenet_radio`: SonosNet radio health from `/proc/ath_rincon/status` text. */
export function radioFields(text: string, where: string, omit: Omitter): Record<string, FieldValue> {
  const fields: Record<string, FieldValue> = {};
  const small = (n: number): boolean => Number.isSafeInteger(n) && Math.abs(n) < 1_000_000;
  const read = [...text.matchAll(/Noise Floor:\s*(-?\d{1,7})\s*dBm/g)].map((m) => Number(m[1])).filter(small);
  // "0 dBm" on a chain is no measurement (a real radio's floor is near -100 dBm):
  // as the worst chain it would put a 0 on the graph.
  const noise = read.filter((n) => n !== 0);
  if (read.length > 0 && noise.length === 0) omit(`${where}: every "Noise Floor" reads 0 dBm (no measurement): noise_floor_dbm left out`);
  if (noise.length > 0) {
    // The worst (highest) chain: that is the one that limits the link.
    fields['noise_floor_dbm'] = int(Math.max(...noise));
    fields['chains'] = int(noise.length);
  }
  const ani = /OFDM ANI level:\s*(\d{1,7})\b/.exec(text);
  if (ani?.[1]) fields['ofdm_ani_level'] = int(Number(ani[1]));
  const channel = /IEEE channel:\s*(\d{1,7})\b/.exec(text);
  if (channel?.[1]) fields['ieee_channel'] = int(Number(channel[1]));
  if (Object.keys(fields).length === 0) throw new ParseError(`${where}: no "Noise Floor" or "OFDM ANI level" line`);
  return fields;
}

/**
 * A speaker's `homenet_system` line from ZPInfo or device-description fields:
 * model, firmware, hardware and serial as tags, `info=1i` so that the line
 * exists on every generation, and `sw_gen` where the page has it (S2; S1
 * firmware has no such element). Undefined when the page names none of them.
 */
export function systemLine(get: (k: string) => string | undefined, tags: Record<string, string>): Metric | undefined {
  const t: Record<string, string> = { ...tags };
  const named = new Set<string>();
  const set = (tag: string, ...keys: string[]): void => {
    for (const k of keys) {
      const v = cleanTag(get(k) ?? '');
      if (v) {
        t[tag] = v;
        named.add(tag);
        return;
      }
    }
  };
  set('model', 'modelName');
  set('model_number', 'modelNumber');
  set('firmware', 'SoftwareVersion', 'softwareVersion');
  set('hardware', 'HardwareVersion', 'hardwareVersion');
  set('serial', 'SerialNumber', 'serialNum');
  if (named.size === 0) return undefined;
  const fields: Record<string, FieldValue> = { info: int(1) };
  const gen = (get('SWGen') ?? get('swGen'))?.trim();
  if (gen !== undefined && /^\d{1,6}$/.test(gen)) fields['sw_gen'] = int(Number(gen));
  return { name: SYSTEM_MEASUREMENT, tags: t, fields };
}
