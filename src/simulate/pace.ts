/**
 * A simulated Pace 5268AC: its Broadband Status page in either known layout,
 * with counters that grow with time and wrap at 2^32 as the real ones do.
 * All numbers are invented.
 */

/** The two known layouts of the "IP Traffic" table (see DEVICES.md). */
export type PaceLayout = 'att' | 'isp';
export const PACE_LAYOUTS: readonly PaceLayout[] = ['att', 'isp'];

const WRAP = 2n ** 32n;

/** Per counter: value at start and growth per second. */
const COUNTERS = {
  // 10 Mbit/s down, starting 60 s before its first wrap.
  rx_bytes: { start: WRAP - 75_000_000n, perSecond: 1_250_000n },
  rx_pkts: { start: 87_654_321n, perSecond: 1_000n },
  rx_err: { start: 17n, perSecond: 0n },
  tx_bytes: { start: 1_234_567_890n, perSecond: 150_000n },
  tx_pkts: { start: 45_678_901n, perSecond: 400n },
  tx_err: { start: 0n, perSecond: 0n },
} as const;

/** The six raw counters of the simulated gateway. */
export type PaceCounters = Record<keyof typeof COUNTERS, bigint>;

/** Counter values `elapsedMs` after the simulator started, wrapped at 2^32. */
export function paceCounters(elapsedMs: number): PaceCounters {
  const ms = BigInt(Math.max(0, Math.floor(elapsedMs)));
  const out = {} as PaceCounters;
  for (const [name, c] of Object.entries(COUNTERS) as [keyof typeof COUNTERS, { start: bigint; perSecond: bigint }][]) {
    out[name] = (c.start + (c.perSecond * ms) / 1000n) % WRAP;
  }
  return out;
}

function percent(errors: bigint, packets: bigint): string {
  if (packets === 0n) return '0';
  return String(Math.round((Number(errors) / Number(packets)) * 10_000) / 100);
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

/** The Broadband Status page (`/xslt?PAGE=C_1_0`) at `elapsedMs` after start. */
export function paceBroadbandPage(layout: PaceLayout, elapsedMs: number): string {
  const c = paceCounters(elapsedMs);
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
                <tr><td></td><td>Down</td><td>Up</td></tr>
                <tr><td class="indent">Rate:</td><td>48210 kbs</td><td>9870 kbs</td></tr>
                <tr><td class="indent">Noise Margin:</td><td>7.1 dB</td><td>8.4 dB</td></tr>
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
