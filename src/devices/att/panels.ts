/** The dashboard panels of AT&T gateways (`wrap` in a description: how counter wraps show with the chosen fields). */
import type { PanelQuery, PanelSpec } from '../kind.js';

const byHost = ['host'];
const rateOf = (field: string, alias: string, scale?: number): PanelQuery => ({
  field, fn: 'max', rate: true, groupBy: byHost, alias, ...(scale !== undefined ? { scale } : {}),
});
const perLine = ['host', 'line', 'direction'];

export const ATT_PANELS: readonly PanelSpec[] = [
  {
    title: 'WAN bandwidth',
    description: 'Bits per second to and from the Internet, per gateway. wrap',
    unit: 'bps',
    queries: [rateOf('rx_bytes', '$tag_host in', 8), rateOf('tx_bytes', '$tag_host out', -8)],
  },
  {
    title: 'WAN packets and errors',
    description: 'Packets and errors per second. wrap',
    unit: 'pps',
    queries: [
      rateOf('rx_pkts', '$tag_host packets in'),
      rateOf('tx_pkts', '$tag_host packets out'),
      rateOf('rx_err', '$tag_host errors in'),
      rateOf('tx_err', '$tag_host errors out'),
    ],
  },
  {
    title: 'LAN ports and Wi-Fi',
    description: 'Bits per second on each LAN port and Wi-Fi band (received by the gateway from the home).',
    unit: 'bps',
    queries: [{ measurement: 'homenet_lan', field: 'rx_bytes', fn: 'max', rate: true, scale: 8, groupBy: ['host', 'interface'], alias: '$tag_host $tag_interface' }],
  },
  {
    title: 'Line health',
    description: 'DSL noise margin (dB) per line and direction; fiber receive power (dBm).',
    unit: 'dB',
    queries: [
      { measurement: 'homenet_dsl', field: 'noise_margin_db', fn: 'mean', groupBy: perLine, alias: '$tag_host line $tag_line $tag_direction margin' },
      { measurement: 'homenet_fiber', field: 'rx_power_dbm', fn: 'mean', groupBy: byHost, alias: '$tag_host fiber rx power' },
    ],
  },
  {
    title: 'DSL sync rate',
    description: 'Current sync rate per line and direction.',
    unit: 'bps',
    queries: [{ measurement: 'homenet_dsl', field: 'rate_kbps', fn: 'mean', scale: 1000, groupBy: perLine, alias: '$tag_host line $tag_line $tag_direction' }],
  },
  {
    title: 'NAT sessions',
    description: "Sessions in use against the gateway's capacity: new connections fail when they meet.",
    unit: 'short',
    queries: [
      { measurement: 'homenet_nat', field: 'sessions', fn: 'max', groupBy: byHost, alias: '$tag_host in use' },
      { measurement: 'homenet_nat', field: 'sessions_max', fn: 'max', groupBy: byHost, alias: '$tag_host capacity' },
    ],
  },
];
