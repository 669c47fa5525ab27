/**
 * Page shapes a hostile or broken device can send (issue #13): long runs of
 * one token, deep nesting, many tiny elements. Each is generated at about
 * 128 KiB, where the old quadratic code took seconds (the ifconfig patterns
 * 2.6 s at 130 KB); linear code reads such a page in a few ms to a few tens.
 * The property tests read each with every page spec and let nothing but a
 * ParseError out; `npm run timing` checks how long that takes.
 *
 * This is a measuring tool, not part of the program.
 */
import { DEVICE_KINDS, extractPage, kindAreas, type PageSpec } from '../devices/index.js';
import { ParseError, UNPACED } from '../html/index.js';

/** The shapes are this big: large enough to show a quadratic cost. */
export const KIB = 1024;
const fill = (unit: string, bytes = 128 * KIB): string => unit.repeat(Math.ceil(bytes / unit.length));
const natRow = (i: number): string => `<tr><td>ipv4</td><td>tcp</td><td>${i % 90}</td><td>192.0.2.${i % 250}</td><td>${40000 + (i % 9999)}</td><td>198.51.100.${i % 250}</td><td>443</td></tr>\n`;
/** Each shape, named. */
export const HOSTILE_SHAPES: readonly (readonly [string, string])[] = [
  [
    'ifconfig: one endless "RX packets:1 " line',
    `<?xml version="1.0" ?><ZPSupportInfo><Command cmdline='/sbin/ifconfig'>br0       Link encap:Ethernet\n          ${fill('RX packets:1 ')}</Command></ZPSupportInfo>`,
  ],
  ['ifconfig: net-tools "RX errors 0 " repeated', `br0: flags=4163<UP>  mtu 1500\n        ${fill('RX errors 0 ')}`],
  ['ifconfig: one endless line of spaces', `br0       Link encap:Ethernet\n${fill(' ')}x`],
  ['"<form " repeated', `<html><body>${fill('<form ')}</body></html>`],
  ['"<form IP Traffic" repeated', `<html><body>${fill('<form IP Traffic ')}</body></html>`],
  ['nested <table><tr><td>', `<html><body><h2>IPv4 Statistics</h2>${fill('<table><tr><td>')}Receive Bytes</body></html>`],
  ['unclosed <div>', `<html><body>${fill('<div>')}Broadband Connection Source</body></html>`],
  ['XML nested 40,000 deep', `<?xml version="1.0" ?><ZPNetworkInfo><ZPSupportInfo>${fill('<a>')}`],
  ['10,000 <span> inside a label', `<table summary="Ethernet IPv4 Statistics Table"><tr><th>${'<span>'.repeat(10000)}Receive Bytes${'</span>'.repeat(10000)}</th><td>1</td></tr></table>`],
  [
    'a NAT table with no summary',
    `<html><body><h2>NAT Table</h2>Sessions Available<table><tr><th>Protocol</th><th>Source</th><th>Port</th></tr>${Array.from({ length: 1200 }, (_, i) => natRow(i)).join('')}</table></body></html>`,
  ],
  ['thousands of tiny tables', `<html><body>Total Sessions Available IP Traffic ${fill('<table><tr><td>a</td></tr></table>')}</body></html>`],
  ['cells of colspan 999999', `<table><tr>${fill('<td colspan="999999">x</td>')}</tr></table>`],
  ['entities in one cell', `<table><tr><th>Receive Bytes</th><td>${fill('&amp;&#x1F50A;&nbsp;')}</td></tr></table>`],
  ['an endless uptime', `<table><tr><th>Time Since Last Reboot</th><td>${fill('1:')}</td></tr></table>`],
  ['a fiber reading with endless thresholds', `<h1>Rx Power&nbsp;&nbsp;Currently -170</h1><table>${fill('<tr><td>0 (Threshold 999999999999)</td></tr>')}</table>`],
  ['an endless ZoneName', `<ZPNetworkInfo><ZPSupportInfo><ZPInfo><ZoneName>${fill('Den ')}</ZoneName></ZPInfo></ZPSupportInfo></ZPNetworkInfo>`],
];

/** Every page spec of every kind, once. */
const SPECS: readonly PageSpec[] = [...new Set([...DEVICE_KINDS.values()].flatMap((k) => k.families.flatMap((f) => f.pages)))];

/** Ten times the 100 ms a page may take: the old quadratic code took seconds on these shapes. */
export const PAGE_BOUND_MS = 1000;

/**
 * Reads `body` with every page spec, as a device may send any shape at any
 * path: recognised, extracted, identified. Anything but a ParseError coming
 * out is thrown. Returns the slowest spec and its time, ms.
 */
export async function readWithEverySpec(body: string): Promise<{ spec: string; ms: number }> {
  let slowest = { spec: '', ms: 0 };
  for (const spec of SPECS) {
    const started = performance.now();
    spec.recognize(body);
    await extractPage(spec, { body }, { measurement: 'net' }, new Set([...DEVICE_KINDS.values()].flatMap(kindAreas)), UNPACED);
    try {
      await spec.identify?.({ body }, UNPACED);
    } catch (err) {
      if (!(err instanceof ParseError)) throw err;
    }
    const ms = performance.now() - started;
    if (ms > slowest.ms) slowest = { spec: spec.key, ms };
  }
  return slowest;
}
