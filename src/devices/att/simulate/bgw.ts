/**
 * Simulated .ha-family gateways: a BGW320-505 on fiber with 32-bit counters
 * that wrap, and a BGW210-700 on DSL with 64-bit counters. Pages are XHTML in
 * windows-1252 with a per-request nonce, as the real ones are. All numbers,
 * names and serials are invented.
 */
import { randomBytes } from 'node:crypto';
import { countersAt, esc, fromZero, pad2, uptimeParts, type Counting, type Rate } from '../../../simulate/counters.js';
import { WRAP_32 } from '../../../lineprotocol.js';
import { natRows, simulatedSessions } from './pace.js';

/** The access code of every simulated .ha gateway (printed on a real one's label). */
export const SIM_ACCESS_CODE = '57%Xv#9a!3';

/** A simulated .ha model. */
export interface BgwModel {
  readonly prefix: string;
  readonly model: string;
  readonly manufacturer: string;
  readonly serial: string;
  readonly firmware: string;
  readonly bits: 32 | 64;
  readonly source: 'FIBER' | 'DSL';
  readonly uptime: 'dhms' | 'seconds';
  readonly bootSeconds: number;
  readonly rates: Readonly<Record<WanCounter, Rate>>;
}

type WanCounter = 'rx_pkts' | 'tx_pkts' | 'rx_bytes' | 'tx_bytes' | 'rx_unicast' | 'tx_unicast' | 'rx_multicast' | 'tx_multicast' | 'rx_drop' | 'tx_drop' | 'rx_err' | 'tx_err';

const r = (start: bigint, perSecond: bigint): Rate => ({ start, perSecond });

export const BGW_MODELS: readonly BgwModel[] = [
  {
    prefix: '/bgw320',
    model: 'BGW320-505',
    manufacturer: 'NOKIA',
    serial: 'SIM320X0004217',
    firmware: '6.30.5',
    bits: 32,
    source: 'FIBER',
    uptime: 'dhms',
    bootSeconds: 1_209_655,
    rates: {
      // 100 Mbit/s down, 30 s before its first wrap.
      rx_bytes: r(WRAP_32 - 375_000_000n, 12_500_000n),
      rx_pkts: r(2_100_000_000n, 9_000n),
      tx_bytes: r(3_900_000_000n, 1_500_000n),
      tx_pkts: r(800_000_000n, 3_000n),
      rx_unicast: r(2_099_990_000n, 9_000n),
      tx_unicast: r(799_990_000n, 3_000n),
      rx_multicast: r(0n, 0n),
      tx_multicast: r(21n, 0n),
      rx_drop: r(0n, 0n),
      tx_drop: r(4n, 0n),
      rx_err: r(0n, 0n),
      tx_err: r(0n, 0n),
    },
  },
  {
    prefix: '/bgw210',
    model: 'BGW210-700',
    manufacturer: 'Arris',
    serial: 'SIM210X0009931',
    firmware: '4.27.7',
    bits: 64,
    source: 'DSL',
    uptime: 'seconds',
    bootSeconds: 3_456_789,
    rates: {
      rx_bytes: r(21_474_836_480n, 3_000_000n),
      rx_pkts: r(16_000_000n, 2_200n),
      tx_bytes: r(8_589_934_592n, 400_000n),
      tx_pkts: r(10_500_000n, 900n),
      rx_unicast: r(15_999_000n, 2_200n),
      tx_unicast: r(10_499_000n, 900n),
      rx_multicast: r(5n, 0n),
      tx_multicast: r(160n, 0n),
      rx_drop: r(0n, 0n),
      tx_drop: r(1_900n, 0n),
      rx_err: r(0n, 0n),
      tx_err: r(0n, 0n),
    },
  },
];

function nonce(): string {
  return randomBytes(32).toString('hex');
}

function page(title: string, action: string, content: string): string {
  return `<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html lang="en" xml:lang="en" xmlns="http://www.w3.org/1999/xhtml" >
    <head>
        <title>${title}</title>
        <meta http-equiv="Content-Type" content="text/html; charset=windows-1252" />
    </head>
    <body>
      <div id="nav"><a href="/cgi-bin/home.ha">Device</a> <a href="/cgi-bin/broadbandstatistics.ha">Broadband</a>
        <a href="/cgi-bin/lanstatistics.ha">Home Network</a> <a href="/cgi-bin/nattable.ha">Diagnostics</a></div>
      <div id="content"><h1>${title}</h1>
         <form method="post" action="/cgi-bin/${action}">
<input type="hidden" name="nonce" value="${nonce()}" />
${content}
         </form>
      </div>
      <div id="footer">&copy; 2016-2026 AT&amp;T Intellectual Property. \u00a9 simulated</div>
    </body>
</html>
`;
}

function rowsOf(rows: readonly [string, string | bigint | number][]): string {
  return rows
    .map(
      ([label, value]) => `
                       <tr>
                           <th scope="row" width="47%">${label}</th>
                           <td class="col2">
${esc(String(value))}
                           </td>
                       </tr>`,
    )
    .join('');
}

function section(heading: string, summary: string, rows: readonly [string, string | bigint | number][]): string {
  return `
               <div class="section-header"><h2>${heading}</h2></div>
                   <div>
                     <table class="table75" summary="${summary}">${rowsOf(rows)}
                     </table>
                   </div>`;
}

/** `/cgi-bin/broadbandstatistics.ha`. */
export function bgwBroadbandPage(m: BgwModel, t: Counting): string {
  const c = countersAt(fromZero(m.rates, t.rebooted), t.ms, m.bits);
  const elapsedMs = t.ms;
  const since = t.rebooted ? 0n : 1n;
  const dsl =
    m.source === 'DSL'
      ? `
               <div class="section-header"><h2>DSL Status</h2></div>
                   <table class="table75" summary="DSL Line Status Table">
                     <tr><th scope="col">&nbsp;</th><th scope="col">Downstream</th><th scope="col">Upstream</th></tr>
                     <tr><th scope="row">Sync Rate</th><td>44.916 Mbps</td><td>6.012 Mbps</td></tr>
                     <tr><th scope="row">Max Attainable Rate</th><td>60124 kbps</td><td>9120 kbps</td></tr>
                     <tr><th scope="row">SNR Margin</th><td>8.9 dB</td><td>10.4 dB</td></tr>
                     <tr><th scope="row">Line Attenuation</th><td>13.7 dB</td><td>14.9 dB</td></tr>
                     <tr><th scope="row">Modulation</th><td>VDSL2 17a</td><td></td></tr>
                   </table>`
      : '';
  return page(
    'Broadband Status',
    'broadbandstatistics.ha',
    `${section('Primary Broadband', 'Summary of the most important WAN information', [
      ['Broadband Connection Source', m.source],
      ['Broadband Connection', 'Up'],
      ['Broadband Network Type', 'Lightspeed'],
      ['Broadband IPv4 Address', '203.0.113.77'],
      ['Gateway IPv4 Address', '203.0.113.1'],
      ['MTU', 1500],
    ])}${dsl}
               <div class="section-header"><h2>Ethernet Status</h2></div>
                   <table class="grid table75" summary="Ethernet Statistics Table">
                       <tr class="a"><th scope="row" class="heading a">Line State</th><td>
Up
</td></tr>
                       <tr class="b"><th scope="row" class="heading b">Current Speed (Mbps)</th><td>${m.source === 'FIBER' ? 10000 : 1000}</td></tr>
                       <tr class="a"><th scope="row" class="heading a">Current Duplex</th><td>full</td></tr>
                   </table>${section('IPv4 Statistics', 'Ethernet IPv4 Statistics Table', [
                     ['Receive Packets', c.rx_pkts],
                     ['Transmit Packets', c.tx_pkts],
                     ['Receive Bytes', c.rx_bytes],
                     ['Transmit Bytes', c.tx_bytes],
                     ['Receive Unicast', c.rx_unicast],
                     ['Transmit Unicast', c.tx_unicast],
                     ['Receive Multicast', c.rx_multicast],
                     ['Transmit Multicast', c.tx_multicast],
                     ['Receive Drops', c.rx_drop],
                     ['Transmit Drops', c.tx_drop],
                     ['Receive Errors', c.rx_err],
                     ['Transmit Errors', c.tx_err],
                     ['Collisions', 0],
                   ])}${section('IPv6 Statistics', 'IPv6 Statistics Table', [
                     ['Transmit Packets', 7_301n * since + BigInt(Math.floor(elapsedMs / 1000))],
                     ['Transmit Errors', 0],
                     ['Transmit Discards', 2],
                   ])}
              <div><input type="submit" name="Clear" class="cssbtn btnspacer" value="Clear Statistics" /></div>`,
  );
}

/** `/cgi-bin/lanstatistics.ha`. */
export function bgwLanPage(m: BgwModel, t: Counting): string {
  const s = Math.floor(t.ms / 1000);
  // A rebooted gateway counts from 0: every base below is then 0.
  const b = t.rebooted ? 0 : 1;
  const ports = [0, 1, 2, 3].map((i) => {
    const up = i < 3;
    const share = (base: number, perSecond: number): number => (up ? Math.floor((b * base) / (i + 1)) + s * perSecond : 0);
    return {
      up,
      speed: i === 0 && m.source === 'FIBER' ? 5_000_000_000 : up ? 1_000_000_000 : 0,
      tx_bytes: share(9_000_000_000, 50_000),
      rx_bytes: share(3_000_000_000, 9_000),
      tx_pkts: share(12_000_000, 60),
      rx_pkts: share(7_000_000, 30),
    };
  });
  const row = (label: string, f: (p: (typeof ports)[number]) => string | number): string =>
    `\n <tr><td class="col1" scope="row">${label}</td>${ports.map((p) => `\n <td class="col2">${f(p)}</td>`).join('')}\n </tr>`;
  const wifiRow = (label: string, a: number, b: number): string => `\n <tr><td scope="row" class="col1">${label}</td><td class="col2">${a}</td><td class="col2" width="70%">${b}</td></tr>`;
  return page(
    'Home Network Status',
    'lanstatistics.ha',
    ` <h2>IPv4 Statistics</h2>
 <div>
 <table class="table100" summary="This table displays IPv4 statistics.">${rowsOf([
   ['Transmit Packets', b * 20_000_000 + s * 90],
   ['Transmit Errors', 0],
   ['Transmit Discards', 0],
   ['Receive Packets', b * 10_000_000 + s * 40],
   ['Receive Errors', 0],
   ['Receive Discards', b * 23],
 ])}
 </table>
 </div>
 <h2>Wi-Fi Network Statistics</h2>
 <table cellpadding="1" class="table100" summary="This table displays Wi-Fi Statistics.">
 <tr><td width="30%">&nbsp;</td><th scope="col" width="35%">2.4 GHz</th><th scope="col" width="35%">5 GHz</th></tr>${wifiRow('Transmit Bytes', b * 812_345_678 + s * 2_000, b * 7_055_000_000 + s * 40_000)}${wifiRow('Receive Bytes', b * 95_123_456 + s * 300, b * 1_234_567_890 + s * 9_000)}${wifiRow('Transmit Packets', b * 1_500_000 + s * 3, b * 9_800_000 + s * 45)}${wifiRow('Receive Packets', b * 700_000 + s, b * 4_400_000 + s * 20)}${wifiRow('Transmit Error Packets', 0, 0)}${wifiRow('Receive Error Packets', 0, b)}${wifiRow('Transmit Discard Packets', b * 12, b * 3)}${wifiRow('Receive Discard Packets', 0, 0)}
 <tr><td>&nbsp;</td></tr>
 </table>
 <h2>LAN Ethernet Statistics</h2>
 <table class="table100" cellpadding="1" summary="LAN Ethernet Statistics Table">
 <tr><th scope="col" width="30%">&nbsp;</th><th scope="col">Port 1</th><th scope="col">Port 2</th><th scope="col">Port 3</th><th scope="col">Port 4</th></tr>${row('State', (p) => (p.up ? 'up' : 'down'))}${row('Transmit Speed', (p) => p.speed)}${row('Transmit Packets', (p) => p.tx_pkts)}${row('Transmit Bytes', (p) => p.tx_bytes)}${row('Transmit Unicast', (p) => Math.floor(p.tx_pkts * 0.9))}${row('Transmit Multicast', (p) => Math.floor(p.tx_pkts * 0.1))}${row('Transmit Dropped', () => 0)}${row('Transmit Errors', () => 0)}${row('Receive Packets', (p) => p.rx_pkts)}${row('Receive Bytes', (p) => p.rx_bytes)}${row('Receive Unicast', (p) => Math.floor(p.rx_pkts * 0.98))}${row('Receive Multicast', (p) => Math.floor(p.rx_pkts * 0.02))}${row('Receive Dropped', (p) => (p.up ? 52 : 0))}${row('Receive Errors', () => 0)}
 </table>`,
  );
}

/** `/cgi-bin/sysinfo.ha`: uptime as D:H:M:S or plain seconds, by firmware. */
export function bgwSystemPage(m: BgwModel, t: Counting): string {
  const seconds = Math.floor((t.rebooted ? 0 : m.bootSeconds) + t.ms / 1000);
  const u = uptimeParts(seconds);
  const uptime = m.uptime === 'dhms' ? `${pad2(u.d)}:${pad2(u.h)}:${pad2(u.m)}:${pad2(u.s)}` : String(seconds);
  return page(
    'System Information',
    'sysinfo.ha',
    section('System Information', 'System Information Table', [
      ['Manufacturer', m.manufacturer],
      ['Model Number', m.model],
      ['Serial Number', m.serial],
      ['Software Version', m.firmware],
      ['MAC Address', '02:00:5e:10:20:30'],
      ['First Use Date', '2024/02/29 12:00:00'],
      ['Time Since Last Reboot', uptime],
      ['Current Date/Time', '2026-11-25T10:00:00'],
      ['Hardware Version', '02001E0046004F'],
    ]),
  );
}

/** `/cgi-bin/fiberstat.ha` (fiber models): readings in headings, tenths of dBm. */
export function bgwFiberPage(elapsedMs: number): string {
  const wobble = Math.floor(elapsedMs / 10_000) % 5;
  const reading = (name: string, value: string | number): string => `
                <h1>${name}&nbsp;&nbsp;Currently ${value}</h1>
                <table class="grid table100" summary="${name} thresholds">
                  <tr><th>Alarm High</th><th>Alarm Low</th><th>Warning High</th><th>Warning Low</th></tr>
                  <tr><td>90</td><td>-40</td><td>85</td><td>-35</td></tr>
                </table>`;
  return page(
    'Fiber Status',
    'fiberstat.ha',
    `${section('Fiber Status', 'Fiber Status Table', [
      ['Optical WAN Operational Status', 'Up'],
      ['Link State', 'Up'],
      ['Wave Length', '1270 nm'],
    ])}${reading('Temperature', 47 + wobble)}${reading('Vcc', '3.31')}${reading('Tx Bias', '7.2')}${reading('Tx Power', 31 + wobble)}${reading('Rx Power', -183 - wobble)}`,
  );
}

/** `/cgi-bin/login.ha`; `message` is shown above the form. */
export function bgwLoginPage(message: string, nonceValue: string): string {
  return page(
    'Login',
    'login.ha',
    `  <p class="alert">${esc(message)}</p>
  <table summary="Login"><tr><th scope="row">Device Access Code</th><td><input type="password" name="password" /></td></tr></table>
  <input type="hidden" name="hashpassword" value="" />
  <input type="submit" name="Continue" value="Continue" />`,
  ).replace(/name="nonce" value="[0-9a-f]{64}"/, `name="nonce" value="${nonceValue}"`);
}

/** `/cgi-bin/nattable.ha` after login. */
export function bgwNatPage(elapsedMs: number): string {
  const n = simulatedSessions(elapsedMs);
  return page(
    'NAT Table',
    'nattable.ha',
    `${section('NAT Table', 'NAT session summary', [
      ['Total Sessions Available', 8192],
      ['Total Sessions In Use', n],
    ])}
     <table class="grid table100" summary="NAT Table">
       <tr><th>IP Family</th><th>Protocol</th><th>Lifetime</th><th>Source Address</th><th>Source Port</th><th>Destination Address</th><th>Destination Port</th></tr>${natRows(n)}
     </table>`,
  );
}
