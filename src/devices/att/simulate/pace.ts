/**
 * A simulated Pace 5268AC: its Broadband Status page in either known layout,
 * with counters that grow with time and wrap at 2^32 as the real ones do.
 * All numbers are invented.
 */

import { countersAt, esc, fromZero, pad2, uptimeParts, type Counting, type Rate } from '../../../simulate/counters.js';
import { WRAP_32 } from '../../../lineprotocol.js';

/** The two known layouts of the "IP Traffic" table (see DEVICES.md). */
export type PaceLayout = 'att' | 'isp';
export const PACE_LAYOUTS: readonly PaceLayout[] = ['att', 'isp'];

/** Errors as a percentage of packets, rounded the way the Pace shows it. */
function percent(errors: bigint, packets: bigint): string {
  if (packets === 0n) return '0';
  return String(Math.round((Number(errors) / Number(packets)) * 10_000) / 100);
}

/** Per counter: value at start and growth per second. */
const COUNTERS = {
  // 10 Mbit/s down, starting 60 s before its first wrap.
  rx_bytes: { start: WRAP_32 - 75_000_000n, perSecond: 1_250_000n },
  rx_pkts: { start: 87_654_321n, perSecond: 1_000n },
  rx_err: { start: 17n, perSecond: 0n },
  tx_bytes: { start: 1_234_567_890n, perSecond: 150_000n },
  tx_pkts: { start: 45_678_901n, perSecond: 400n },
  tx_err: { start: 0n, perSecond: 0n },
} as const satisfies Record<string, Rate>;

/** The six raw counters of the simulated gateway. */
type PaceCounters = Record<keyof typeof COUNTERS, bigint>;

/** Counter values after `t` of counting (from the simulator's start, or from a reboot), wrapped at 2^32. */
function paceCounters(t: Counting): PaceCounters {
  return countersAt(fromZero(COUNTERS, t.rebooted), t.ms, 32);
}

function trafficTable(layout: PaceLayout, c: PaceCounters): string {
  const row = (label: string, dir: 'tx' | 'rx', cls: string): string => {
    const bytes = c[`${dir}_bytes`];
    const pkts = c[`${dir}_pkts`];
    const err = c[`${dir}_err`];
    // Real pages pad the numbers with newlines and indentation.
    return `
                <tr>
                  <td${cls}>${label}</td>
                  <td>
                    ${bytes}
                  </td>
                  <td>${pkts}</td>
                  <td>${err}</td>
                  <td>${percent(err, pkts)}</td>
                </tr>`;
  };
  if (layout === 'att') {
    return `
              <table class="table100">
                <caption>IP Traffic</caption>
                <tr><th>Type</th><th>Bytes</th><th>Packets</th><th>Errors</th><th>% Errors</th></tr>${row('Transmit', 'tx', '')}${row('Receive', 'rx', '')}
              </table>`;
  }
  return `
              <table class="colortable">
                <tr>
                  <td class="tablesidebold">IP&nbsp;Traffic</td>
                  <td>Bytes</td>
                  <td>Packets</td>
                  <td>Errors</td>
                  <td>%</td>
                </tr>${row('Transmit:', 'tx', ' class="indent"')}${row('Receive:', 'rx', ' class="indent"')}
                <tr class="skipcolor"><td><br /></td></tr>
              </table>`;
}

/** The Broadband Status page (`/xslt?PAGE=C_1_0`) after `t` of counting. */
export function paceBroadbandPage(layout: PaceLayout, t: Counting): string {
  const c = paceCounters(t);
  return `<?xml version="1.0"?>
<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
  <head>
    <title>Broadband Status</title>
    <meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />
  </head>
  <body>
    <div id="contents">
              <h2>Summary Status</h2>
              <table class="colortable">
                <tr><td class="tablesidebold">Internet:</td><td>Connected</td></tr>
                <tr><td class="tablesidebold">DSL Link:</td><td>Connected</td></tr>
              </table>
              <h2>DSL Details</h2>
              <table class="colortable">
                <tr><td class="tablesidebold">DSL Line </td><td class="tablesidebold" colspan="2">Line 1 (inner pair)</td></tr>
                <tr><td></td><td>Down</td><td>Up</td></tr>
                <tr><td class="indent">Rate:</td><td>48210 kbs</td><td>9870 kbs</td></tr>
                <tr><td class="indent">Max Rate:</td><td>51022 kbs</td><td>10240 kbs</td></tr>
                <tr><td class="indent">Noise Margin:</td><td>7.1 dB</td><td>8.4 dB</td></tr>
                <tr><td class="indent">Attenuation:</td><td>19.5 dB</td><td>21.0 dB</td></tr>
                <tr><td class="indent">Output Power:</td><td>14.2 dBm</td><td>7.9 dBm</td></tr>
                <tr><td class="indent">Protocol:</td><td>G.993.2_17a</td><td></td></tr>
                <tr><td class="indent">Channel:</td><td>Fast</td><td></td></tr>
              </table>
              <h2>Traffic Statistics</h2>${trafficTable(layout, c)}
              <form name="pagepost2" method="post" action="/xslt?PAGE=C_1_0_POST_RESET_STATS">
                <input type="hidden" name="NONCE" value="5c0ffee5c0ffee5" />
                <input type="submit" class="button" value="Reset Statistics" />
              </form>
    </div>
  </body>
</html>
`;
}

function pacePage(title: string, content: string): string {
  return `<?xml version="1.0"?>
<html xmlns="http://www.w3.org/1999/xhtml">
  <head><title>${title}</title><meta http-equiv="Content-Type" content="text/html; charset=UTF-8" /></head>
  <body>
    <ul id="secondary"><li><a href="/xslt?PAGE=C_0_0">System Info</a></li><li><a href="/xslt?PAGE=C_1_0">Broadband</a></li>
      <li><a href="/xslt?PAGE=C_2_0">LAN</a></li><li><a href="/xslt?PAGE=C_5_0">Diagnostics</a></li></ul>
    <div id="contents">${content}
    </div>
  </body>
</html>
`;
}

/** System Info (`/xslt?PAGE=C_0_0`), uptime as "N days HH:MM:SS". */
export function paceSystemPage(t: Counting): string {
  const u = uptimeParts((t.rebooted ? 0 : 8_164_411) + t.ms / 1000);
  const row = (label: string, value: string): string => `\n        <tr><td class="tablesidebold">${label}:</td><td>${value}</td></tr>`;
  const uptime = `${u.d} ${u.d === 1 ? 'day' : 'days'} ${u.h}:${pad2(u.m)}:${pad2(u.s)}`;
  return pacePage(
    'System Information',
    `
      <h2>System Information</h2>
      <table class="colortable">${row('Manufacturer', 'Pace Plc')}${row('Model Number', '5268AC')}${row('Serial Number', '31415926535897')}${row('Software Version', '11.5.1.533678-att')}${row('Hardware Version', '2.1')}${row('Time Since Last Boot', uptime)}${row('Current Date/Time', 'Tue Mar 10 09:26:53 2026')}
      </table>`,
  );
}

type LanRates = Readonly<Record<'rx_bytes' | 'rx_pkts' | 'tx_bytes' | 'tx_pkts', Rate>>;
const IDLE: LanRates = {
  tx_bytes: { start: 0n, perSecond: 0n },
  tx_pkts: { start: 0n, perSecond: 0n },
  rx_bytes: { start: 0n, perSecond: 0n },
  rx_pkts: { start: 0n, perSecond: 0n },
};
const LAN_RATES: readonly LanRates[] = [
  {
    tx_bytes: { start: 3_000_000_000n, perSecond: 1_100_000n },
    tx_pkts: { start: 9_000_000n, perSecond: 900n },
    rx_bytes: { start: 700_000_000n, perSecond: 140_000n },
    rx_pkts: { start: 5_000_000n, perSecond: 380n },
  },
  {
    tx_bytes: { start: 120_000_000n, perSecond: 20_000n },
    tx_pkts: { start: 400_000n, perSecond: 30n },
    rx_bytes: { start: 50_000_000n, perSecond: 8_000n },
    rx_pkts: { start: 310_000n, perSecond: 20n },
  },
  IDLE,
  IDLE,
];

/** LAN statistics (`/xslt?PAGE=C_2_5`): one column per port, 32-bit counters. */
export function paceLanPage(t: Counting): string {
  const ports = LAN_RATES.map((r) => countersAt(fromZero(r, t.rebooted), t.ms, 32));
  const cells = (f: (p: (typeof ports)[number], i: number) => string): string => ports.map((p, i) => `<td>${f(p, i)}</td>`).join('');
  return pacePage(
    'LAN Statistics',
    `
      <h2>Ethernet LAN Statistics</h2>
      <table class="colortable">
        <tr><td></td><td>Port 1</td><td>Port 2</td><td>Port 3</td><td>Port 4</td></tr>
        <tr><td class="tablesidebold">State:</td>${cells((_, i) => (i < 2 ? 'up' : 'down'))}</tr>
        <tr><td class="indent">Transmit Bytes:</td>${cells((p) => String(p.tx_bytes))}</tr>
        <tr><td class="indent">Transmit Packets:</td>${cells((p) => String(p.tx_pkts))}</tr>
        <tr><td class="indent">Transmit Errors:</td>${cells(() => '0')}</tr>
        <tr><td class="indent">Receive Bytes:</td>${cells((p) => String(p.rx_bytes))}</tr>
        <tr><td class="indent">Receive Packets:</td>${cells((p) => String(p.rx_pkts))}</tr>
        <tr><td class="indent">Receive Errors:</td>${cells((_, i) => (i === 0 ? '3' : '0'))}</tr>
      </table>`,
  );
}

/** How many NAT sessions a simulated gateway holds: 40 to 102, changing every 10 s. */
export function simulatedSessions(elapsedMs: number): number {
  return 40 + ((Math.floor(elapsedMs / 10_000) * 37) % 63);
}

/** A NAT table's rows, one per session. */
export function natRows(count: number): string {
  let rows = '';
  for (let i = 0; i < count; i++) {
    const proto = i % 3 === 0 ? 'udp' : 'tcp';
    rows += `\n        <tr><td>ipv4</td><td>${proto}</td><td>${120 + (i % 60)}</td><td>192.168.1.${64 + (i % 20)}</td><td>${50000 + i}</td><td>198.51.100.${1 + (i % 200)}</td><td>${proto === 'udp' ? 53 : 443}</td></tr>`;
  }
  return rows;
}

/** NAT table (`/xslt?PAGE=C_5_5`); the Pace needs no login for it. */
export function paceNatPage(t: Counting): string {
  const n = simulatedSessions(t.ms);
  return pacePage(
    'NAT Table',
    `
      <h2>NAT Sessions</h2>
      <table class="colortable">
        <tr><td class="tablesidebold">Total Sessions Available:</td><td>8192</td></tr>
        <tr><td class="tablesidebold">Total Sessions In Use:</td><td>${n}</td></tr>
      </table>
      <table class="colortable">
        <tr><th>IP Family</th><th>Protocol</th><th>Lifetime</th><th>Source Address</th><th>Source Port</th><th>Destination Address</th><th>Destination Port</th></tr>${natRows(n)}
      </table>
      <p>${esc('Sessions & timers are approximate.')}</p>`,
  );
}
