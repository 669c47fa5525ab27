/**
 * The dashboard panels of AT&T gateways (`wrap` in a description: how counter
 * wraps show with the chosen fields). Directions: what comes into the home is
 * drawn above the axis, what leaves it below (a negative scale).
 */
import type { PanelQuery, PanelSpec } from '../kind.js';
import { USAGE } from '../vocabulary.js';
import { M } from './catalogue.js';

const byHost = ['host'];
const perLine = ['host', 'line', 'direction'];
/** A gateway's own traffic line has no interface tag (a speaker's lines in the same measurement have one). */
const WAN = { interface: '' };
const rateOf = (field: string, alias: string, scale?: number): PanelQuery => ({
  field,
  fn: 'max',
  rate: true,
  tags: WAN,
  groupBy: byHost,
  alias,
  ...(scale !== undefined ? { scale } : {}),
});
const perLineMean = (field: string, alias: string, scale?: number): PanelQuery => ({
  measurement: M.dsl,
  field,
  fn: 'mean',
  groupBy: perLine,
  alias: `$tag_host line $tag_line $tag_direction ${alias}`.trimEnd(),
  ...(scale !== undefined ? { scale } : {}),
});
const fiber = (field: string, alias: string): PanelQuery => ({ measurement: M.fiber, field, fn: 'mean', groupBy: byHost, alias: `$tag_host ${alias}` });

/** The .ha family (att, att-bgw) has the fiber page; a Pace never has. */
const FIBER_TYPES = ['att', 'att-bgw'];

export const ATT_PANELS: readonly PanelSpec[] = [
  {
    title: 'WAN bandwidth',
    row: 'Internet',
    description: 'Bits per second from the Internet (above the axis) and to it (below), per gateway. wrap',
    unit: 'bps',
    queries: [rateOf('rx_bytes', '$tag_host in', 8), rateOf('tx_bytes', '$tag_host out', -8)],
  },
  {
    title: 'Data used this billing period',
    row: 'Internet',
    area: 'traffic',
    description:
      'Bytes from and to the Internet together since the billing period began (billing_day), as the ISP counts them against the cap ' +
      '(data_cap: the dashed line). Kept with execd, or collect with state_file; a count that began after its period did is a lower bound (partial=true).',
    unit: 'decbytes',
    threshold: 'data_cap',
    // The last reading of an interval: one across a period's start is the new period's.
    queries: [{ measurement: USAGE.name, field: 'bytes', fn: 'last', groupBy: byHost, alias: '$tag_host used' }],
  },
  {
    title: 'WAN packets',
    row: 'Internet',
    description: 'Packets per second from the Internet (above) and to it (below). wrap',
    unit: 'pps',
    queries: [rateOf('rx_pkts', '$tag_host in'), rateOf('tx_pkts', '$tag_host out', -1)],
  },
  {
    title: 'WAN errors and drops',
    row: 'Internet',
    description: 'Packets per second received or sent in error, and dropped (the .ha gateways count drops). wrap',
    unit: 'pps',
    queries: [rateOf('rx_err', '$tag_host errors in'), rateOf('tx_err', '$tag_host errors out'), rateOf('rx_drop', '$tag_host drops in'), rateOf('tx_drop', '$tag_host drops out')],
  },
  {
    title: 'DSL sync rate',
    row: 'DSL line',
    area: 'line',
    description: 'Sync rate and attainable rate per line and direction: a drop in the sync rate is a retrain at a lower rate.',
    unit: 'bps',
    queries: [perLineMean('rate_kbps', 'sync', 1000), perLineMean('max_rate_kbps', 'attainable', 1000)],
    // No page gives a retrain count; a retrain comes back at another sync rate (one at the same rate does not show).
    marks: [
      {
        name: 'DSL retrains',
        measurement: M.dsl,
        field: 'rate_kbps',
        tags: { direction: 'down' },
        groupBy: ['host', 'line'],
        when: 'changed',
        text: 'DSL retrain, downstream sync rate change',
        unit: 'kbit/s',
      },
    ],
  },
  {
    title: 'DSL noise margin (SNR)',
    row: 'DSL line',
    area: 'line',
    description: 'Signal-to-noise margin per line and direction; below about 6 dB the line retrains or errors climb.',
    unit: 'dB',
    queries: [perLineMean('noise_margin_db', '')],
  },
  {
    title: 'DSL attenuation',
    row: 'DSL line',
    area: 'line',
    description: 'Line attenuation per line and direction: it follows the length of the copper and rises with a fault.',
    unit: 'dB',
    queries: [perLineMean('attenuation_db', '')],
  },
  {
    title: 'DSL output power',
    row: 'DSL line',
    area: 'line',
    description: 'Transmit power per line and direction, where the gateway shows it.',
    unit: 'dBm',
    queries: [perLineMean('output_power_dbm', '')],
  },
  {
    title: 'Fiber optical power',
    row: 'Fiber line',
    area: 'line',
    types: FIBER_TYPES,
    description: "Received and transmitted optical power of the gateway's fiber module.",
    unit: 'dBm',
    queries: [fiber('rx_power_dbm', 'rx power'), fiber('tx_power_dbm', 'tx power')],
  },
  {
    title: 'Fiber module temperature',
    row: 'Fiber line',
    area: 'line',
    types: FIBER_TYPES,
    description: 'Temperature of the fiber module.',
    unit: 'celsius',
    queries: [fiber('temperature_c', 'temperature')],
  },
  {
    title: 'Fiber module voltage',
    row: 'Fiber line',
    area: 'line',
    types: FIBER_TYPES,
    description: 'Supply voltage of the fiber module.',
    unit: 'volt',
    queries: [fiber('voltage_v', 'supply')],
  },
  {
    title: 'LAN ports and Wi-Fi',
    row: 'Home network',
    area: 'lan',
    description: 'Bits per second on each LAN port and Wi-Fi band: to the home (above the axis) and from it (below). wrap',
    unit: 'bps',
    queries: [
      { measurement: M.lan, field: 'tx_bytes', fn: 'max', rate: true, scale: 8, groupBy: ['host', 'interface'], alias: '$tag_host $tag_interface to the home' },
      { measurement: M.lan, field: 'rx_bytes', fn: 'max', rate: true, scale: -8, groupBy: ['host', 'interface'], alias: '$tag_host $tag_interface from the home' },
    ],
  },
  {
    title: 'NAT sessions',
    row: 'Home network',
    area: 'nat',
    description: "Sessions in use against the gateway's capacity: new connections fail when they meet.",
    unit: 'short',
    queries: [
      { measurement: M.nat, field: 'sessions', fn: 'max', groupBy: byHost, alias: '$tag_host in use' },
      { measurement: M.nat, field: 'sessions_max', fn: 'max', groupBy: byHost, alias: '$tag_host capacity' },
    ],
  },
];
