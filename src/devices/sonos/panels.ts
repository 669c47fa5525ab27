/** The dashboard panels of Sonos speakers (`wrap` in a description: how counter wraps show with the chosen fields). */
import type { PanelSpec } from '../kind.js';
import { RADIO_MEASUREMENT } from './catalogue.js';

const br0 = { interface: 'br0' };

export const SONOS_PANELS: readonly PanelSpec[] = [
  {
    title: 'Sonos speakers',
    row: 'Sonos',
    description: "Each speaker's bandwidth on its bridge (br0), stacked: received (above the axis) and sent (below). wrap",
    unit: 'bps',
    stacked: true,
    queries: [
      { field: 'rx_bytes', fn: 'max', rate: true, scale: 8, tags: br0, groupBy: ['host'], alias: '$tag_host in' },
      { field: 'tx_bytes', fn: 'max', rate: true, scale: -8, tags: br0, groupBy: ['host'], alias: '$tag_host out' },
    ],
  },
  {
    title: 'Sonos Wi-Fi noise floor',
    row: 'Sonos',
    area: 'radio',
    description: 'Noise floor of the worst radio chain per speaker (collect = radio): higher is noisier.',
    unit: 'dBm',
    queries: [{ measurement: RADIO_MEASUREMENT, field: 'noise_floor_dbm', fn: 'max', groupBy: ['host'], alias: '$tag_host' }],
  },
];
