/** What Sonos speakers print: every measurement and field, with type, unit and whether it is a counter. */
import type { MeasurementSpec } from '../catalogue.js';
import { bothWays, COLLISIONS, INTERFACE_COUNTERS, SYSTEM_MEASUREMENT, SYSTEM_TAGS, TIMINGS } from '../vocabulary.js';

/** A speaker's radio health line. */
export const RADIO_MEASUREMENT = 'homenet_radio';

export const SONOS_CATALOGUE: readonly MeasurementSpec[] = [
  {
    // One traffic line per speaker interface.
    tags: ['interface'],
    fields: [
      ...INTERFACE_COUNTERS,
      ...bothWays('overruns', 'count', 'events', 'FIFO overruns'),
      { name: 'rx_frame', type: 'integer', unit: 'count', counter: 'events', about: 'receive framing errors' },
      { name: 'tx_carrier', type: 'integer', unit: 'count', counter: 'events', about: 'carrier losses' },
      COLLISIONS,
      ...TIMINGS,
    ],
  },
  {
    name: SYSTEM_MEASUREMENT,
    tags: SYSTEM_TAGS,
    fields: [
      { name: 'info', type: 'integer', about: 'always 1: the line carries the tags', hidden: true },
      { name: 'sw_gen', type: 'integer', about: 'Sonos software generation, where the page says it' },
    ],
  },
  {
    name: RADIO_MEASUREMENT,
    fields: [
      { name: 'noise_floor_dbm', type: 'integer', unit: 'dBm', about: 'noise floor of the worst radio chain' },
      { name: 'chains', type: 'integer', about: 'radio chains with a noise floor reading' },
      { name: 'ofdm_ani_level', type: 'integer', about: 'adaptive noise immunity level' },
      { name: 'ieee_channel', type: 'integer', about: 'Wi-Fi channel in use' },
    ],
  },
];
