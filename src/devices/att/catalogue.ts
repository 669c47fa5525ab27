/** What AT&T gateways print: every measurement and field, with type, unit and whether it is a counter. */
import type { FieldSpec, MeasurementSpec } from '../catalogue.js';
import { bothWays, CAST_COUNTERS, COLLISIONS, INTERFACE_COUNTERS, SYSTEM_MEASUREMENT, SYSTEM_TAGS, TIMINGS, UPTIME } from '../vocabulary.js';

/** Measurement names of the gateway areas (the traffic one is configurable). */
export const M = {
  wan: 'homenet_wan',
  dsl: 'homenet_dsl',
  fiber: 'homenet_fiber',
  lan: 'homenet_lan',
  system: SYSTEM_MEASUREMENT,
  nat: 'homenet_nat',
} as const;

const float = (name: string, unit: string, about: string): FieldSpec => ({ name, type: 'float', unit, about });
const integer = (name: string, unit: string, about: string): FieldSpec => ({ name, type: 'integer', unit, about });
const text = (name: string, about: string): FieldSpec => ({ name, type: 'string', about });
/** A name that reads as itself in the terminal views (`DSL`, `full`), with no words before it. */
const word = (name: string, about: string): FieldSpec => ({ ...text(name, about), label: '' });
const flag = (name: string, about: string): FieldSpec => ({ name, type: 'boolean', about });

export const ATT_CATALOGUE: readonly MeasurementSpec[] = [
  {
    // The WAN side: the traffic measurement, one line per gateway.
    fields: [
      ...INTERFACE_COUNTERS,
      float('tx_pct', 'percent', 'transmit errors as a percentage of packets'),
      float('rx_pct', 'percent', 'receive errors as a percentage of packets'),
      ...CAST_COUNTERS,
      COLLISIONS,
      ...bothWays('pkts', 'packets', 'packets', 'IPv6 packets').map((f) => ({ ...f, name: `ipv6_${f.name}` })),
      ...bothWays('err', 'packets', 'events', 'IPv6 errors').map((f) => ({ ...f, name: `ipv6_${f.name}` })),
      ...bothWays('drop', 'packets', 'events', 'IPv6 discards').map((f) => ({ ...f, name: `ipv6_${f.name}` })),
      ...TIMINGS,
    ],
  },
  {
    name: M.wan,
    fields: [
      flag('connected', 'Internet connected'),
      { ...flag('link_up', 'the line is up'), states: ['link up', 'link down'] },
      word('source', 'DSL, ETHERNET or FIBER'),
      word('network_type', 'e.g. Lightspeed'),
      integer('link_speed_mbps', 'Mbit/s', 'WAN port speed'),
      word('duplex', 'full or half'),
    ],
  },
  {
    name: M.dsl,
    tags: ['line', 'direction'],
    fields: [
      integer('rate_kbps', 'kbit/s', 'current sync rate'),
      integer('max_rate_kbps', 'kbit/s', 'attainable rate'),
      float('noise_margin_db', 'dB', 'noise (SNR) margin'),
      float('attenuation_db', 'dB', 'line attenuation'),
      float('output_power_dbm', 'dBm', 'transmit power'),
      word('protocol', 'e.g. G.993.2_8b'),
      word('channel', 'Interleaved or Fast'),
    ],
  },
  {
    name: M.fiber,
    fields: [
      float('rx_power_dbm', 'dBm', 'received optical power'),
      float('tx_power_dbm', 'dBm', 'transmitted optical power'),
      float('rx_power_shown', '', 'received optical power as the page shows it (unit not established)'),
      float('tx_power_shown', '', 'transmitted optical power as the page shows it (unit not established)'),
      float('temperature_c', '°C', 'module temperature'),
      float('voltage_v', 'V', 'supply voltage'),
      float('tx_bias_shown', '', 'laser bias current as the page shows it (unit not established)'),
      float('tx_bias_ma', 'mA', 'laser bias current'),
    ],
  },
  {
    name: M.lan,
    tags: ['interface'],
    fields: [
      { ...flag('up', 'port state'), states: ['up', 'down'] },
      // Beside the port's state (`up · 1.00 Gbit/s`) it needs no word: a narrow window keeps it whole.
      { ...integer('speed_bps', 'bit/s', 'port speed'), label: '' },
      ...INTERFACE_COUNTERS,
      ...CAST_COUNTERS,
      ...bothWays('broadcast', 'packets', 'packets', 'broadcast packets'),
    ],
  },
  { name: M.system, tags: SYSTEM_TAGS, fields: [UPTIME] },
  {
    name: M.nat,
    fields: [
      integer('sessions', 'sessions', 'NAT sessions in use'),
      integer('sessions_max', 'sessions', 'NAT sessions available'),
      float('usage_pct', 'percent', 'sessions as a percentage of sessions_max'),
    ],
  },
];
