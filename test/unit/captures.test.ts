/**
 * Real pages from other people's gateways and speakers, parsed directly.
 *
 * The pages live outside the project, in the shared captures folder (router/,
 * sonos/, found/; each has a PROVENANCE.md saying where every page came from).
 * They are third-party data and are read from there at run time, never copied
 * into the repository. When the folder is absent the tests say so (skipped,
 * `needs captures`), so a missing folder can never look like a pass; under
 * CI=true that fails the run (test/support/needs.ts says where it is looked for).
 *
 * Every expected value below was read off the page by eye and converted by the
 * documented rules (docs/metrics.md, plus the rules for the fiber page
 * and for impossible counters noted where they apply). None of them came from
 * running the parser: these tests are there to catch the parser being wrong
 * on pages nobody wrote for it, so its own output cannot be the reference.
 *
 * Every page of the folder must appear in the table (the first test checks
 * that), either with the lines it must print or as a page the program refuses.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DEVICE_KINDS, parseSaved } from '../../src/devices/index.js';
import { bool, float, int, serializeAll, str, type FieldValue, type Metric } from '../../src/lineprotocol.js';
import { capturesFolder, needs } from '../support/needs.js';

/** The shared folder: beside the clone, or where HOMENET_CAPTURES says. */
const CAPTURES = capturesFolder();

// ---------------------------------------------------------------- expectations

/** A field that must not be printed: the page does not show it, or shows it impossibly. */
const ABSENT = Symbol('absent');
type Want = FieldValue | typeof ABSENT;

/** One line a page must print. */
interface Line {
  readonly name: string;
  /** Tags that pick the line out among the page's lines of this measurement; exactly one line must match. */
  readonly select?: Readonly<Record<string, string>>;
  /** Tags the chosen line must carry with exactly these values (identity tags). */
  readonly tags?: Readonly<Record<string, string>>;
  readonly fields: Readonly<Record<string, Want>>;
}

/** Pages the program reads: what it must print for them, parsed together as one device. */
interface Read {
  readonly files: readonly string[];
  readonly type: string;
  readonly lines: readonly Line[];
  /** host -> every interface of its `net` lines (all but lo), in any order. */
  readonly interfaces?: Readonly<Record<string, readonly string[]>>;
  /** Every host tag the output may carry (household pages: one per speaker). */
  readonly hosts?: readonly string[];
}

/** Pages the program does not read: parseSaved must refuse them rather than guess. */
interface Refused {
  readonly files: readonly string[];
  readonly type: string;
  /** Why it is not a page of this type. */
  readonly refused: string;
}

type Case = Read | Refused;

// parseSaved is called as `parse` calls it without --host, so pages that do
// not name their device get this host.
const HOST = 'router';

// ---------------------------------------------------------------- router/ (older AT&T captures)

const ROUTER: readonly Case[] = [
  {
    // Arris BGW210-700, WAN on Ethernet. IPv6 Status reads "Unavailable" yet the
    // IPv6 Statistics table is there with counts: it is read all the same.
    files: ['router/bgw210-700-broadbandstatistics-1.html'],
    type: 'att',
    lines: [
      {
        name: 'net',
        fields: {
          tx_bytes: int(7508079029n),
          rx_bytes: int(17144382854n),
          tx_pkts: int(9043310n),
          rx_pkts: int(13631389n),
          tx_err: int(0n),
          rx_err: int(0n),
          tx_drop: int(1722n),
          rx_drop: int(0n),
          tx_unicast: int(9043055n),
          rx_unicast: int(13631386n),
          tx_multicast: int(141n),
          rx_multicast: int(3n),
          collisions: int(0n),
          ipv6_tx_pkts: int(1875n),
          ipv6_tx_err: int(0n),
          ipv6_tx_drop: int(2n),
        },
      },
      {
        name: 'homenet_wan',
        fields: {
          connected: bool(true),
          source: str('ETHERNET'),
          network_type: str('Lightspeed'),
          link_up: bool(true),
          link_speed_mbps: int(1000n),
          duplex: str('full'),
        },
      },
    ],
  },
  {
    // The LAN page of the same gateway: 64-bit per-port byte counters (port 1
    // sent 12.8 GB), port 4 down with zero speed.
    files: ['router/bgw210-700-lanstatistics-1.html'],
    type: 'att',
    lines: [
      {
        name: 'homenet_lan',
        select: { interface: 'port1' },
        fields: {
          up: bool(true),
          speed_bps: int(1000000000n),
          tx_pkts: int(17790589n),
          tx_bytes: int(12808905434n),
          tx_unicast: int(10431830n),
          tx_multicast: int(5826543n),
          tx_drop: int(2n),
          tx_err: int(0n),
          rx_pkts: int(9293214n),
          rx_bytes: int(7151659255n),
          rx_unicast: int(9134547n),
          rx_multicast: int(35854n),
          rx_drop: int(52n),
          rx_err: int(0n),
        },
      },
      {
        name: 'homenet_lan',
        select: { interface: 'port2' },
        fields: {
          up: bool(true),
          speed_bps: int(1000000000n),
          tx_pkts: int(14321073n),
          tx_bytes: int(8284295415n),
          tx_unicast: int(6938094n),
          tx_multicast: int(5734295n),
          tx_drop: int(0n),
          tx_err: int(0n),
          rx_pkts: int(3915467n),
          rx_bytes: int(2133688393n),
          rx_unicast: int(3804992n),
          rx_multicast: int(104492n),
          rx_drop: int(0n),
          rx_err: int(0n),
        },
      },
      {
        name: 'homenet_lan',
        select: { interface: 'port3' },
        fields: {
          up: bool(true),
          speed_bps: int(100000000n),
          tx_pkts: int(7880148n),
          tx_bytes: int(689460898n),
          tx_unicast: int(337390n),
          tx_multicast: int(5887788n),
          tx_drop: int(0n),
          tx_err: int(0n),
          rx_pkts: int(723278n),
          rx_bytes: int(1013088251n),
          rx_unicast: int(722504n),
          rx_multicast: int(716n),
          rx_drop: int(0n),
          rx_err: int(0n),
        },
      },
      {
        name: 'homenet_lan',
        select: { interface: 'port4' },
        fields: { up: bool(false), speed_bps: int(0n), tx_pkts: int(0n), tx_bytes: int(0n), rx_pkts: int(0n), rx_bytes: int(0n) },
      },
      {
        // The LAN-side IPv4 Statistics table: packets, errors and discards only, no bytes.
        name: 'homenet_lan',
        select: { interface: 'lan' },
        fields: {
          tx_pkts: int(21089229n),
          tx_err: int(0n),
          tx_drop: int(0n),
          rx_pkts: int(10418946n),
          rx_err: int(0n),
          rx_drop: int(23n),
          tx_bytes: ABSENT,
          rx_bytes: ABSENT,
        },
      },
      {
        // "Receive Error Packets" is the one non-zero Wi-Fi counter on the page.
        name: 'homenet_lan',
        select: { interface: 'wifi-5ghz' },
        fields: { tx_bytes: int(0n), rx_bytes: int(0n), tx_pkts: int(0n), rx_pkts: int(0n), tx_err: int(0n), rx_err: int(1n), tx_drop: int(0n), rx_drop: int(0n) },
      },
    ],
  },
  {
    // BGW320-500 on Ethernet. Receive Unicast (1554028950) is above Receive
    // Packets (1554021474) by 7476: a small excess, far below 2^32, so both stay.
    // The byte counters look 32-bit here (4.07 GB for 1.55 G packets).
    files: ['router/bgw320-500-broadbandstatistics-1.html'],
    type: 'att',
    lines: [
      {
        name: 'net',
        fields: {
          tx_bytes: int(3415517179n),
          rx_bytes: int(4066849231n),
          tx_pkts: int(730879952n),
          rx_pkts: int(1554021474n),
          tx_err: int(0n),
          rx_err: int(0n),
          tx_drop: int(0n),
          rx_drop: int(0n),
          tx_unicast: int(730694236n),
          rx_unicast: int(1554028950n),
          tx_multicast: int(16n),
          rx_multicast: int(0n),
          collisions: int(0n),
          ipv6_tx_pkts: int(730694250n),
          ipv6_tx_err: int(0n),
          ipv6_tx_drop: int(0n),
        },
      },
      {
        name: 'homenet_wan',
        fields: {
          connected: bool(true),
          source: str('ETHERNET'),
          network_type: str('Lightspeed'),
          link_up: bool(true),
          link_speed_mbps: int(1000n),
          duplex: str('full'),
        },
      },
    ],
  },
  {
    files: ['router/bgw320-home-1.html'],
    type: 'att',
    // /cgi-bin/home.ha is no page the program fetches. It carries a "More Info"
    // button whose form posts to /cgi-bin/sysinfo.ha; that button must not make
    // it pass for the System Information page (it has no uptime or model rows).
    refused: 'the home page, not one of broadbandstatistics/lanstatistics/sysinfo/fiberstat/nattable',
  },
  {
    // A Pace gateway with Sonic.net firmware, VDSL2 (G.993.2_8b), "IP Traffic"
    // as the first cell of the header row. The Pace shows the error % itself.
    files: ['router/pace-C_1_0-1.html'],
    type: 'att',
    lines: [
      {
        name: 'net',
        fields: {
          tx_bytes: int(72955334n),
          tx_pkts: int(69729951n),
          tx_err: int(5n),
          tx_pct: float(0),
          rx_bytes: int(1466396873n),
          rx_pkts: int(106708182n),
          rx_err: int(1792n),
          rx_pct: float(0),
        },
      },
      { name: 'homenet_wan', fields: { connected: bool(true), link_up: bool(true), source: str('DSL') } },
      {
        name: 'homenet_dsl',
        select: { line: '1', direction: 'down' },
        fields: {
          rate_kbps: int(35839n),
          max_rate_kbps: int(37371n),
          noise_margin_db: float(6.3),
          attenuation_db: float(22.6),
          output_power_dbm: float(18.4),
          protocol: str('G.993.2_8b'),
          channel: str('Interleaved'),
        },
      },
      {
        name: 'homenet_dsl',
        select: { line: '1', direction: 'up' },
        fields: {
          rate_kbps: int(10000n),
          max_rate_kbps: int(10311n),
          noise_margin_db: float(6.2),
          attenuation_db: float(23.5),
          output_power_dbm: float(8.6),
        },
      },
    ],
  },
];

// ---------------------------------------------------------------- found/att-bgw and found/att-pace

const FOUND_ATT: readonly Case[] = [
  // --- sysinfo.ha: identity tags and uptime, both uptime formats.
  {
    files: ['found/att-bgw/bgw320-505-sysinfo-fw6.34.7.html'],
    type: 'att',
    lines: [
      {
        name: 'homenet_system',
        tags: { manufacturer: 'NOKIA', model: 'BGW320-505', serial: 'SNTLABS0000001', firmware: '6.34.7', hardware: '02001E0046004F' },
        fields: { uptime_s: int(218901n) },
      },
    ],
  },
  {
    files: ['found/att-bgw/bgw320-500-sysinfo-fw6.35.8.html'],
    type: 'att',
    lines: [
      {
        name: 'homenet_system',
        tags: { manufacturer: 'HUMAX', model: 'BGW320-500', serial: 'SERIAL0000000', firmware: '6.35.8', hardware: '02001F00460050' },
        fields: { uptime_s: int(1085939n) },
      },
    ],
  },
  {
    // Reduced by its publisher to the one table: no nav, no form, no .ha link
    // left. It is still the System Information page and must be read as one.
    files: ['found/att-bgw/bgw320-505-sysinfo-sanitized-1.html'],
    type: 'att',
    lines: [
      {
        name: 'homenet_system',
        tags: { manufacturer: 'NOKIA', model: 'BGW320-505', serial: 'F4KE00000001', firmware: '6.35.8', hardware: '02001E0046004F' },
        fields: { uptime_s: int(57067n) },
      },
    ],
  },
  {
    // "Time Since Last Reboot 00:06:07:45" is D:H:M:S: 6*3600 + 7*60 + 45 = 22065 s.
    files: ['found/att-bgw/bgw620-700-sysinfo-1.html'],
    type: 'att',
    lines: [
      {
        name: 'homenet_system',
        tags: { manufacturer: 'COMMSCOPE', model: 'BGW620-700', serial: 'SNTLABS0000001', firmware: '5.35.7', hardware: '02002300460053' },
        fields: { uptime_s: int(22065n) },
      },
    ],
  },

  // --- broadbandstatistics.ha: traffic and WAN state.
  {
    // Unicast and IPv6 Transmit Packets are a few packets above the IPv4
    // packet counts (11, 15, 24): within reason, so kept. The byte counters
    // have wrapped at 2^32 (about 9 bytes a packet), which is the counters'
    // business, not the parser's.
    files: ['found/att-bgw/bgw320-505-broadbandstatistics-fw6.34.7.html'],
    type: 'att',
    lines: [
      {
        name: 'net',
        fields: {
          tx_bytes: int(511101176n),
          rx_bytes: int(1045268297n),
          tx_pkts: int(70131268n),
          rx_pkts: int(114225910n),
          tx_err: int(0n),
          rx_err: int(0n),
          tx_drop: int(0n),
          rx_drop: int(11n),
          tx_unicast: int(70131283n),
          rx_unicast: int(114225921n),
          tx_multicast: int(3n),
          rx_multicast: int(0n),
          collisions: int(0n),
          ipv6_tx_pkts: int(70131292n),
          ipv6_tx_err: int(0n),
          ipv6_tx_drop: int(0n),
        },
      },
      {
        name: 'homenet_wan',
        fields: {
          connected: bool(true),
          source: str('FIBER'),
          network_type: str('Lightspeed'),
          link_up: bool(true),
          link_speed_mbps: int(10000n),
          duplex: str('full'),
        },
      },
    ],
  },
  {
    // The contradiction rule: Receive Unicast 12094923334274, Transmit Unicast
    // 12094840243819 and IPv6 Transmit Packets 12094840243821 each exceed their
    // direction's packets (295431047 / 212351256) by far more than 2^32 (they
    // carry a bogus high word, 2816 * 2^32), so those three are left out and
    // everything else on the line stays.
    files: ['found/att-bgw/bgw320-500-broadbandstatistics-fw6.35.8.html'],
    type: 'att',
    lines: [
      {
        name: 'net',
        fields: {
          tx_bytes: int(193899216140n),
          rx_bytes: int(299042212153n),
          tx_pkts: int(212351256n),
          rx_pkts: int(295431047n),
          tx_err: int(0n),
          rx_err: int(0n),
          tx_drop: int(0n),
          rx_drop: int(0n),
          tx_unicast: ABSENT,
          rx_unicast: ABSENT,
          tx_multicast: int(0n),
          rx_multicast: int(3n),
          collisions: int(0n),
          ipv6_tx_pkts: ABSENT,
          ipv6_tx_err: int(0n),
          ipv6_tx_drop: int(0n),
        },
      },
      {
        name: 'homenet_wan',
        fields: {
          connected: bool(true),
          source: str('ETHERNET'),
          network_type: str('Lightspeed'),
          link_up: bool(true),
          link_speed_mbps: int(1000n),
          duplex: str('full'),
        },
      },
    ],
  },
  {
    // 64-bit byte counters (13.8 GB received); IPv6 cells without padding.
    files: ['found/att-bgw/bgw620-700-broadbandstatistics-1.html'],
    type: 'att',
    lines: [
      {
        name: 'net',
        fields: {
          tx_bytes: int(416498726n),
          rx_bytes: int(13801230809n),
          tx_pkts: int(1800970n),
          rx_pkts: int(10347636n),
          tx_err: int(0n),
          rx_err: int(0n),
          tx_drop: int(14n),
          rx_drop: int(0n),
          tx_unicast: int(1800556n),
          rx_unicast: int(10347633n),
          tx_multicast: int(364n),
          rx_multicast: int(3n),
          collisions: int(0n),
          ipv6_tx_pkts: int(4668n),
          ipv6_tx_err: int(0n),
          ipv6_tx_drop: int(0n),
        },
      },
      {
        name: 'homenet_wan',
        fields: {
          connected: bool(true),
          source: str('FIBER'),
          network_type: str('Lightspeed'),
          link_up: bool(true),
          link_speed_mbps: int(10000n),
          duplex: str('full'),
        },
      },
    ],
  },
  {
    // Reduced by its publisher: the IPv4 table keeps only packets, bytes and
    // collisions, the IPv6 table has no Discards row, the Ethernet table no
    // Duplex row. Rows that are not there are simply not printed; nothing fails.
    files: ['found/att-bgw/bgw320-505-broadbandstatistics-sanitized-1.html'],
    type: 'att',
    lines: [
      {
        name: 'net',
        fields: {
          tx_bytes: int(22202241496n),
          rx_bytes: int(20481376953n),
          tx_pkts: int(19151520n),
          rx_pkts: int(24434732n),
          collisions: int(0n),
          ipv6_tx_pkts: int(11n),
          ipv6_tx_err: int(0n),
          tx_err: ABSENT,
          rx_err: ABSENT,
          tx_drop: ABSENT,
          rx_drop: ABSENT,
          ipv6_tx_drop: ABSENT,
        },
      },
      {
        name: 'homenet_wan',
        fields: {
          connected: bool(true),
          source: str('FIBER'),
          network_type: str('Lightspeed'),
          link_up: bool(true),
          link_speed_mbps: int(1000n),
          duplex: ABSENT,
        },
      },
    ],
  },

  // --- fiberstat.ha. BGW320 pages write integers with negative Rx Power
  // thresholds: power is in tenths of a dBm. What unit Tx Bias is in is not
  // established, so it is printed as shown (tx_bias_shown), never as mA.
  // All readings are floats on every model: the same field must keep one type
  // in a measurement, and the BGW620 writes decimals.
  {
    files: ['found/att-bgw/bgw320-505-fiberstat-fw6.34.7.html'],
    type: 'att',
    lines: [
      {
        name: 'homenet_fiber',
        fields: {
          rx_power_dbm: float(-17),
          tx_power_dbm: float(5.9),
          temperature_c: float(53),
          voltage_v: float(3),
          tx_bias_shown: float(13),
          tx_bias_ma: ABSENT,
        },
      },
    ],
  },
  {
    files: ['found/att-bgw/bgw320-505-fiberstat-sanitized-1.html'],
    type: 'att',
    lines: [
      {
        name: 'homenet_fiber',
        fields: {
          rx_power_dbm: float(-18.8),
          tx_power_dbm: float(3),
          temperature_c: float(42),
          voltage_v: float(3),
          tx_bias_shown: float(8),
          tx_bias_ma: ABSENT,
        },
      },
    ],
  },
  {
    // The BGW620-700 writes decimals with positive Rx Power thresholds
    // (0.5 .. 1.584): not tenths of a dBm, and no unit is given, so no *_dbm
    // field; the powers and the bias are printed as shown.
    files: ['found/att-bgw/bgw620-700-fiberstat-1.html'],
    type: 'att',
    lines: [
      {
        name: 'homenet_fiber',
        fields: {
          temperature_c: float(53.82),
          voltage_v: float(3.37),
          tx_power_shown: float(40.319),
          rx_power_shown: float(0.138),
          tx_bias_shown: float(371.62),
          rx_power_dbm: ABSENT,
          tx_power_dbm: ABSENT,
          tx_bias_ma: ABSENT,
        },
      },
    ],
  },

  // --- lanstatistics.ha and nattable.ha (reduced pages).
  {
    // Port 1 at 5 Gb/s; its Transmit Bytes (85,026,562 for 25.6 M packets) has
    // wrapped at 2^32 and is printed as shown.
    files: ['found/att-bgw/bgw320-505-lanstatistics-sanitized-1.html'],
    type: 'att',
    lines: [
      {
        name: 'homenet_lan',
        select: { interface: 'port1' },
        fields: {
          up: bool(true),
          speed_bps: int(5000000000n),
          tx_pkts: int(25591757n),
          tx_bytes: int(85026562n),
          tx_unicast: int(25125397n),
          tx_multicast: int(51905n),
          tx_drop: int(0n),
          tx_err: int(0n),
          rx_pkts: int(19595857n),
          rx_bytes: int(1047361343n),
          rx_unicast: int(19589849n),
          rx_multicast: int(5988n),
          rx_drop: int(0n),
          rx_err: int(0n),
        },
      },
      ...(['port2', 'port3', 'port4'] as const).map((port): Line => ({
        name: 'homenet_lan',
        select: { interface: port },
        fields: { up: bool(false), speed_bps: int(0n), tx_pkts: int(0n), tx_bytes: int(0n), rx_pkts: int(0n), rx_bytes: int(0n) },
      })),
    ],
  },
  {
    files: ['found/att-bgw/bgw320-505-nattable-sanitized-1.html'],
    type: 'att',
    lines: [{ name: 'homenet_nat', fields: { sessions: int(7n), sessions_max: int(32767n) } }],
  },

  // --- pasted text. These are what someone copied out of a browser window
  // into a note or a forum post, not pages a device serves: the program never
  // receives them, and reading numbers out of loose text would be guessing.
  {
    // Tab-separated text of a DSL-mode broadbandstatistics.ha. It contains the
    // words "Broadband Connection Source", which must not be enough to take it
    // for the HTML page.
    files: ['found/att-bgw/att-dsl-adsl2plus-broadbandstatistics-pasted-text-1.txt'],
    type: 'att',
    refused: 'pasted visible text of a page, not the page',
  },
  {
    files: ['found/att-pace/2wire-2700hgb-mdc-dsl-diagnostics-pasted-text-1.txt'],
    type: 'att',
    refused: 'pasted text of a 2Wire /mdc page inside a forum post',
  },
  {
    files: ['found/att-pace/2wire-2700hgb-mdc-dsl-stats-pasted-text-2.txt'],
    type: 'att',
    refused: 'pasted text of a 2Wire /mdc page inside a forum post',
  },
];

// ---------------------------------------------------------------- Sonos

/** A device description: host is roomName + serialNum (a stereo pair shares a room). */
function description(
  file: string,
  room: string,
  want: {
    model: string;
    model_number: string;
    firmware: string;
    hardware: string;
    serial: string;
    swGen?: bigint;
  },
): Read {
  const { swGen, ...tags } = want;
  return {
    files: [file],
    type: 'sonos',
    hosts: [`${room} ${want.serial}`],
    lines: [
      {
        name: 'homenet_system',
        select: { host: `${room} ${want.serial}` },
        tags,
        // S1 firmware before swGen existed has no <swGen>: the line is still printed.
        fields: { info: int(1n), sw_gen: swGen === undefined ? ABSENT : int(swGen) },
      },
    ],
  };
}

/** br0 counters (or any interface's) as read off an ifconfig block. */
function ifaceLine(host: string, iface: string, c: { rxBytes: bigint; txBytes: bigint; rxPkts: bigint; txPkts: bigint }, more: Record<string, Want> = {}): Line {
  return {
    name: 'net',
    select: { host, interface: iface },
    fields: { rx_bytes: int(c.rxBytes), tx_bytes: int(c.txBytes), rx_pkts: int(c.rxPkts), tx_pkts: int(c.txPkts), ...more },
  };
}

/** A speaker's identity on a household page (no model there, and S1 has no SWGen). */
function speakerSystem(host: string, firmware: string, hardware: string, serial: string, swGen?: bigint): Line {
  return {
    name: 'homenet_system',
    select: { host },
    tags: { firmware, hardware, serial },
    fields: { info: int(1n), sw_gen: swGen === undefined ? ABSENT : int(swGen) },
  };
}

const AGGREGATE = 'found/sonos/support-aggregate-s1-35.3-8players.xml';
const AGGREGATE_SPEAKERS = ['LR Playbar', 'Kitchen', 'Master Bedroom', 'Office (S)', 'LR Window', 'Office Connect', 'Office (L+R)', 'Living Room'];

const FOUND_SONOS: readonly Case[] = [
  description('found/sonos/xml-device_description-zb100-bridge-28.1.xml', 'BRIDGE', {
    model: 'Sonos BRIDGE',
    model_number: 'ZB100',
    firmware: '28.1-83040',
    hardware: '1.5.0.0-2',
    serial: '00-0E-58-4E-92-84:2',
  }),
  description('found/sonos/xml-device_description-s3-play3-28.1.xml', 'Chambre coline', {
    model: 'Sonos PLAY:3',
    model_number: 'S3',
    firmware: '28.1-83040',
    hardware: '1.8.1.2-2',
    serial: '00-0E-58-71-26-2E:D',
  }),
  description('found/sonos/xml-device_description-zp90-connect-28.1.xml', 'Cuisine ete', {
    model: 'Sonos CONNECT',
    model_number: 'ZP90',
    firmware: '28.1-83040',
    hardware: '1.16.5.5-2',
    serial: '00-0E-58-A3-D3-66:3',
  }),
  description('found/sonos/xml-device_description-zp120-connectamp-28.1.xml', 'Piscine', {
    model: 'Sonos CONNECT:AMP',
    model_number: 'ZP120',
    firmware: '28.1-83040',
    hardware: '1.16.3.1-2',
    serial: '00-0E-58-30-0F-20:D',
  }),
  {
    // One household dump, 8 S1 players. Each speaker's counters must come from
    // its own <Command cmdline='/sbin/ifconfig'>. LR Window's section holds a
    // controller's nested <Controllers><ZPSupportInfo> (whose own
    // SoftwareVersion is 35.3-39102) before its ifconfig: that inner block must
    // neither end LR Window's section nor lend it its version.
    files: [AGGREGATE],
    type: 'sonos-household',
    hosts: AGGREGATE_SPEAKERS,
    // By default the bridge and the interfaces that counted a packet: the
    // wired speakers' eth0 (and the Connect's eth1), no idle SonosNet radio.
    interfaces: {
      'LR Playbar': ['br0'],
      Kitchen: ['br0'],
      'Master Bedroom': ['br0'],
      'Office (S)': ['br0', 'eth0'],
      'LR Window': ['br0'],
      'Office Connect': ['br0', 'eth0', 'eth1'],
      'Office (L+R)': ['br0', 'eth0'],
      'Living Room': ['br0', 'eth0'],
    },
    lines: [
      ifaceLine('LR Playbar', 'br0', { rxBytes: 2554816264n, txBytes: 266020826n, rxPkts: 28646232n, txPkts: 2392795n }),
      ifaceLine('Kitchen', 'br0', { rxBytes: 2589188243n, txBytes: 277353230n, rxPkts: 28761382n, txPkts: 2451666n }),
      ifaceLine('Master Bedroom', 'br0', { rxBytes: 3457895926n, txBytes: 271764904n, rxPkts: 29127139n, txPkts: 2628322n }),
      ifaceLine('Office (S)', 'br0', { rxBytes: 2601261798n, txBytes: 436138991n, rxPkts: 403416437n, txPkts: 4034043n }),
      ifaceLine('LR Window', 'br0', { rxBytes: 2548505636n, txBytes: 251776705n, rxPkts: 28571962n, txPkts: 2283437n }),
      ifaceLine('Office Connect', 'br0', { rxBytes: 2763570370n, txBytes: 693719224n, rxPkts: 31189617n, txPkts: 377479654n }),
      ifaceLine('Office (L+R)', 'br0', { rxBytes: 2337462518n, txBytes: 1006256233n, rxPkts: 402982929n, txPkts: 4775819n }),
      ifaceLine('Living Room', 'br0', { rxBytes: 2544448313n, txBytes: 249445726n, rxPkts: 28483519n, txPkts: 2221120n }),
      // Office (S) is wired through eth0 (RX 0, TX 15433207 packets); checked
      // so an ifconfig of the wrong speaker cannot pass on br0 alone.
      ifaceLine('Office (S)', 'eth0', { rxBytes: 0n, txBytes: 1939196674n, rxPkts: 0n, txPkts: 15433207n }),
      speakerSystem('LR Playbar', '35.3-39010', '1.9.1.10-1', '5C-AA-FD-12-C7-60:5'),
      speakerSystem('Kitchen', '35.3-39010', '1.13.1.7-1', '5C-AA-FD-0C-A1-D4:9'),
      speakerSystem('Master Bedroom', '35.3-39010', '1.8.3.7-1', '5C-AA-FD-70-B4-CC:1'),
      speakerSystem('Office (S)', '35.3-39010', '1.8.2.4-1', '00-0E-58-9D-64-0A:F'),
      speakerSystem('LR Window', '35.3-39010', '1.8.3.7-1', 'B8-E9-37-84-82-BC:C'),
      speakerSystem('Office Connect', '35.3-39010', '1.17.5.5-1', 'B8-E9-37-90-E1-FE:F'),
      speakerSystem('Office (L+R)', '35.3-39010', '1.13.1.7-1', '5C-AA-FD-0C-9E-DE:G'),
      speakerSystem('Living Room', '35.3-39010', '1.8.3.7-1', 'B8-E9-37-57-FA-A0:8'),
    ],
  },
];

// The 30 zones of support-review-1.xml, in page order. "Kids&apos; Bath" is
// an entity on the page; the tag carries the apostrophe.
const REVIEW_SPEAKERS = [
  'Living Room (R)',
  'Workshop Desk',
  'Workshop5',
  'Guest Room',
  'Salón',
  'Dining Room (L)',
  'Study (R)',
  'Dining Room (R)',
  'Kitchen',
  'Workshop 1',
  'Hall Bath',
  'TV Room (RR)',
  "Kids' Bath",
  'Patio (R)',
  'TV Room (LR)',
  'Kitchen One SL',
  'Primary Bed Rear (L)',
  'TV Room (LF,RF)',
  'Lower Kitchen (L)',
  'Primary Bed Front (L)',
  'Study (L)',
  'WorkshopPlay3 (R)',
  'Primary Bed Front (R)',
  'Living Room (L)',
  'Patio (L)',
  'Boost Loft',
  'Boost Workshop',
  'Boost Upstairs',
  'WorkshopPlay3 (L)',
  'Lower Kitchen (R)',
];

const SONOS: readonly Case[] = [
  {
    // /status/zp of "Living Room (R)" with that same speaker's ifconfig text:
    // the zp page names the host of the counters.
    files: ['sonos/status-zp-derived-1.xml', 'sonos/sbin-ifconfig-1.txt'],
    type: 'sonos',
    hosts: ['Living Room (R)'],
    interfaces: { 'Living Room (R)': ['br0'] },
    lines: [
      // 4,076,401,561 bytes for 52.7 M packets: wrapped at 32 bits, printed as shown.
      ifaceLine('Living Room (R)', 'br0', { rxBytes: 4076401561n, txBytes: 1511813553n, rxPkts: 52676265n, txPkts: 3851636n }, { rx_drop: int(1233516n) }),
    ],
  },
  {
    // A model with 64-bit counters: eth0 received 27,762,802,377 bytes.
    files: ['sonos/sbin-ifconfig-2.txt'],
    type: 'sonos',
    hosts: [HOST],
    interfaces: { [HOST]: ['br0', 'eth0'] },
    lines: [
      ifaceLine(HOST, 'br0', { rxBytes: 23058660305n, txBytes: 2106837057n, rxPkts: 90697532n, txPkts: 4713622n }),
      ifaceLine(HOST, 'eth0', { rxBytes: 27762802377n, txBytes: 6792678384n, rxPkts: 105438537n, txPkts: 19772696n }, { rx_err: int(3n) }),
    ],
  },
  {
    // Boost Loft, wired: eth0 shows errors:8 frame:8.
    files: ['sonos/sbin-ifconfig-3.txt'],
    type: 'sonos',
    hosts: [HOST],
    interfaces: { [HOST]: ['br0', 'eth0'] },
    lines: [
      ifaceLine(HOST, 'br0', { rxBytes: 1378899384n, txBytes: 604446710n, rxPkts: 89287581n, txPkts: 1589522n }),
      ifaceLine(HOST, 'eth0', { rxBytes: 1290720353n, txBytes: 2075357527n, rxPkts: 33113209n, txPkts: 20216901n }, { rx_err: int(8n), rx_frame: int(8n) }),
    ],
  },
  {
    // Patio (R): eth0 ends with a "Base address:0x4000" line, which is no counter.
    files: ['sonos/sbin-ifconfig-4.txt'],
    type: 'sonos',
    hosts: [HOST],
    interfaces: { [HOST]: ['br0'] },
    lines: [ifaceLine(HOST, 'br0', { rxBytes: 3972942006n, txBytes: 1691126401n, rxPkts: 83473993n, txPkts: 4597556n })],
  },
  {
    // A single br0 block from another publisher, trailing spaces stripped and no blank line at the end.
    files: ['sonos/sbin-ifconfig-5.txt'],
    type: 'sonos',
    hosts: [HOST],
    interfaces: { [HOST]: ['br0'] },
    lines: [ifaceLine(HOST, 'br0', { rxBytes: 555177988n, txBytes: 19272833n, rxPkts: 591245n, txPkts: 30434n }, { rx_drop: int(9258n) })],
  },
  {
    files: ['sonos/sbin-ifconfig-6.txt'],
    type: 'sonos',
    hosts: [HOST],
    interfaces: { [HOST]: ['br0'] },
    lines: [ifaceLine(HOST, 'br0', { rxBytes: 292347904n, txBytes: 97213697n, rxPkts: 1429939n, txPkts: 226055n }, { rx_drop: int(39347n) })],
  },
  {
    // Every chain reads "0 dBm" (four lines for an RX:2 radio) and there is
    // no OFDM ANI line. 0 dBm is no measurement, so no noise floor is printed
    // (with a W! line); the page gives no ANI level either.
    files: ['sonos/proc-ath_rincon-status-1.txt'],
    type: 'sonos',
    lines: [{ name: 'homenet_radio', select: { host: HOST }, fields: { noise_floor_dbm: ABSENT, chains: ABSENT, ieee_channel: int(6n), ofdm_ani_level: ABSENT } }],
  },
  {
    files: ['sonos/proc-ath_rincon-status-2.txt'],
    type: 'sonos',
    lines: [
      {
        name: 'homenet_radio',
        select: { host: HOST },
        fields: { noise_floor_dbm: int(-105n), chains: int(3n), ofdm_ani_level: int(9n), ieee_channel: int(6n) },
      },
    ],
  },
  description('sonos/xml-device_description-1.xml', 'TV', {
    model: 'Sonos Playbar',
    model_number: 'S9',
    firmware: '57.4-83220',
    hardware: '1.9.1.10-2.2',
    serial: '94-9F-00-68-00-A9:D',
    swGen: 1n,
  }),
  {
    // 30 S2 speakers (SWGen 2). Counters checked on the speakers whose
    // ifconfig was also saved alone, plus the two with non-ASCII/entity names.
    files: ['sonos/support-review-1.xml'],
    type: 'sonos-household',
    hosts: REVIEW_SPEAKERS,
    interfaces: {
      'Living Room (R)': ['br0'],
      'Workshop Desk': ['br0', 'eth0'],
    },
    lines: [
      ifaceLine('Living Room (R)', 'br0', { rxBytes: 4076401561n, txBytes: 1511813553n, rxPkts: 52676265n, txPkts: 3851636n }),
      ifaceLine('Workshop Desk', 'br0', { rxBytes: 23058660305n, txBytes: 2106837057n, rxPkts: 90697532n, txPkts: 4713622n }),
      ifaceLine('Workshop Desk', 'eth0', { rxBytes: 27762802377n, txBytes: 6792678384n, rxPkts: 105438537n, txPkts: 19772696n }),
      ifaceLine('Boost Loft', 'br0', { rxBytes: 1378899384n, txBytes: 604446710n, rxPkts: 89287581n, txPkts: 1589522n }),
      ifaceLine('Patio (R)', 'br0', { rxBytes: 3972942006n, txBytes: 1691126401n, rxPkts: 83473993n, txPkts: 4597556n }),
      ifaceLine('Lower Kitchen (R)', 'br0', { rxBytes: 292347904n, txBytes: 97213697n, rxPkts: 1429939n, txPkts: 226055n }),
      ifaceLine('Salón', 'br0', { rxBytes: 1863524828n, txBytes: 1933715744n, rxPkts: 56802257n, txPkts: 4703867n }),
      ifaceLine("Kids' Bath", 'br0', { rxBytes: 754514742n, txBytes: 1672376764n, rxPkts: 54450782n, txPkts: 4042408n }),
      ifaceLine('TV Room (LF,RF)', 'br0', { rxBytes: 312344407n, txBytes: 2824383139n, rxPkts: 57614117n, txPkts: 20499029n }),
      speakerSystem('Living Room (R)', '96.0-78270', '1.28.2.6-1.2', '38-42-0B-00-00-04:E', 2n),
      speakerSystem('Boost Loft', '86.8-78270', '1.12.1.2-1.1', '78-28-CA-00-00-05:C', 2n),
      {
        name: 'homenet_radio',
        select: { host: 'Boost Loft' },
        fields: { noise_floor_dbm: int(-105n), chains: int(3n), ofdm_ani_level: int(9n) },
      },
    ],
  },
  {
    files: ['sonos/status-showstp-1.xml'],
    type: 'sonos',
    // /status/showstp (brctl showstp br0): spanning-tree state, which the program does not collect.
    refused: 'a /status/showstp page, which no Sonos page of the program is',
  },
  {
    files: ['sonos/soap-GetZoneGroupState-1.xml'],
    type: 'sonos',
    // A SOAP answer to a POST, not a GET page: the program never sends it.
    refused: 'a SOAP GetZoneGroupState response',
  },
];

const CASES: readonly Case[] = [...ROUTER, ...FOUND_ATT, ...FOUND_SONOS, ...SONOS];

// ---------------------------------------------------------------- checking

function isRefused(c: Case): c is Refused {
  return 'refused' in c;
}

function show(v: FieldValue | undefined): string {
  if (v === undefined) return 'absent';
  switch (v.kind) {
    case 'int':
      return `${v.value.toString()}i`;
    case 'float':
      return `${v.value} (float)`;
    case 'bool':
      return String(v.value);
    case 'string':
      return JSON.stringify(v.value);
  }
}

/** Whether a printed value is the expected one: same type; floats within rounding of a division. */
function same(got: FieldValue, want: FieldValue): boolean {
  if (got.kind === 'float' && want.kind === 'float') {
    return Math.abs(got.value - want.value) <= 1e-9 * Math.max(1, Math.abs(want.value));
  }
  return got.kind === want.kind && got.value === want.value;
}

function describeLine(m: Metric): string {
  const tags = Object.entries(m.tags)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  return `${m.name}{${tags}}`;
}

/** Every difference between what the pages printed and the case's table, as sentences. */
function problemsOf(c: Read, metrics: readonly Metric[]): string[] {
  const problems: string[] = [];
  for (const want of c.lines) {
    const select = want.select ?? {};
    const where = `${want.name}${JSON.stringify(select)}`;
    const matches = metrics.filter((m) => m.name === want.name && Object.entries(select).every(([k, v]) => m.tags[k] === v));
    if (matches.length !== 1) {
      const others = metrics.filter((m) => m.name === want.name).map(describeLine);
      const printed = others.length === 0 ? `no ${want.name} line` : `${others.slice(0, 8).join('; ')}${others.length > 8 ? ` and ${others.length - 8} more` : ''}`;
      problems.push(`${where}: ${matches.length} matching lines, expected 1 (printed: ${printed})`);
      continue;
    }
    const [line] = matches;
    if (!line) continue;
    for (const [k, v] of Object.entries(want.tags ?? {})) {
      if (line.tags[k] !== v) problems.push(`${where}: tag ${k} is ${JSON.stringify(line.tags[k])}, expected ${JSON.stringify(v)}`);
    }
    for (const [k, w] of Object.entries(want.fields)) {
      const got = line.fields[k];
      if (w === ABSENT) {
        if (got !== undefined) problems.push(`${where}: ${k} is ${show(got)}, expected it left out`);
      } else if (got === undefined || !same(got, w)) {
        problems.push(`${where}: ${k} is ${show(got)}, expected ${show(w)}`);
      }
    }
  }
  for (const [host, names] of Object.entries(c.interfaces ?? {})) {
    const got = metrics
      .filter((m) => m.name === 'net' && m.tags['host'] === host)
      .map((m) => m.tags['interface'] ?? '?')
      .sort();
    const expected = [...names].sort();
    if (got.join(' ') !== expected.join(' ')) problems.push(`net lines of ${host}: interfaces [${got.join(', ')}], expected [${expected.join(', ')}]`);
  }
  if (c.hosts) {
    const got = [...new Set(metrics.map((m) => m.tags['host'] ?? '(no host)'))].sort();
    const expected = [...c.hosts].sort();
    if (JSON.stringify(got) !== JSON.stringify(expected)) problems.push(`hosts ${JSON.stringify(got)}, expected ${JSON.stringify(expected)}`);
  }
  return problems;
}

function read(files: readonly string[]): { name: string; body: string }[] {
  // The AT&T pages are ASCII and the Sonos ones UTF-8 ("Salón", "©").
  return files.map((f) => ({ name: f, body: readFileSync(join(CAPTURES, f), 'utf8') }));
}

/** Every capture in the folder: everything but the provenance notes. */
function capturedFiles(): string[] {
  return readdirSync(CAPTURES, { recursive: true, encoding: 'utf8' })
    .filter((f) => statSync(join(CAPTURES, f)).isFile() && !f.endsWith('PROVENANCE.md'))
    .map((f) => f.split('\\').join('/'))
    .sort();
}

// Skipped test by test, so that the summary counts every one of them as skipped.
const skip = needs('captures');

describe('real captured pages', () => {
  it('every page in the folder has an entry in the table, and every entry a page', { skip }, () => {
    const inFolder = capturedFiles();
    const inTable = [...new Set(CASES.flatMap((c) => c.files))].sort();
    // Guards against a walk that finds nothing and so checks nothing.
    assert.ok(inFolder.length >= 30, `only ${inFolder.length} pages under ${CAPTURES}`);
    assert.deepEqual(
      inFolder.filter((f) => !inTable.includes(f)),
      [],
      'pages nobody has read yet: add them to the table',
    );
    assert.deepEqual(
      inTable.filter((f) => !inFolder.includes(f)),
      [],
      'table entries without a page',
    );
  });

  for (const c of CASES) {
    const title = `${c.files.join(' + ')} (${c.type})`;
    if (isRefused(c)) {
      it(`${title} is refused: ${c.refused}`, { skip }, async () => {
        const kind = DEVICE_KINDS.get(c.type);
        assert.ok(kind, `no type ${c.type}`);
        const saved = read(c.files);
        await assert.rejects(
          () => parseSaved(kind, saved, 'net', {}, HOST),
          (err: unknown) => err instanceof Error && /not a page/.test(err.message) && c.files.some((f) => err.message.includes(f)),
        );
      });
      continue;
    }
    it(title, { skip }, async () => {
      assert.ok(c.lines.length > 0, 'a case must expect at least one line');
      const kind = DEVICE_KINDS.get(c.type);
      assert.ok(kind, `no type ${c.type}`);
      const { metrics, failures } = await parseSaved(kind, read(c.files), 'net', {}, HOST);
      // No page here has an area that cannot be read: a missing row is left
      // out of its line, it does not fail the area.
      assert.deepEqual(
        failures.map((f) => `${f.area}: ${f.message}`),
        [],
        'areas that failed',
      );
      assert.deepEqual(problemsOf(c, metrics), []);
      // Every line must also be writable: names with apostrophes, accents, parentheses and colons.
      const warnings: string[] = [];
      serializeAll(metrics, (w) => warnings.push(w));
      assert.deepEqual(warnings, []);
    });
  }
});
