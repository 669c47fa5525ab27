/**
 * Field entries more than one make prints (interface counters, request
 * timings, uptime), for the kinds' catalogues: one meaning, one unit and one
 * Telegraf name wherever they appear.
 */
import type { CounterKind, FieldSpec, MeasurementSpec } from './catalogue.js';

const DIRECTIONS = { tx: 'sent', rx: 'received' } as const;

/** `tx_<what>` and `rx_<what>` counters. */
export function bothWays(what: string, unit: string, counter: CounterKind, about: string, net?: { tx: string; rx: string }): FieldSpec[] {
  return (['tx', 'rx'] as const).map((d) => ({
    name: `${d}_${what}`,
    type: 'integer',
    unit,
    counter,
    ...(net ? { net: net[d] } : {}),
    about: `${about} ${DIRECTIONS[d]}`,
  }));
}

/** Bytes, packets, errors and drops each way: what every interface counts. */
export const INTERFACE_COUNTERS: readonly FieldSpec[] = [
  ...bothWays('bytes', 'bytes', 'bytes', 'bytes', { tx: 'bytes_sent', rx: 'bytes_recv' }),
  ...bothWays('pkts', 'packets', 'packets', 'packets', { tx: 'packets_sent', rx: 'packets_recv' }),
  ...bothWays('err', 'packets', 'events', 'errors', { tx: 'err_out', rx: 'err_in' }),
  ...bothWays('drop', 'packets', 'events', 'dropped packets', { tx: 'drop_out', rx: 'drop_in' }),
];

/** Unicast and multicast packets each way. */
export const CAST_COUNTERS: readonly FieldSpec[] = [...bothWays('unicast', 'packets', 'packets', 'unicast packets'), ...bothWays('multicast', 'packets', 'packets', 'multicast packets')];

export const COLLISIONS: FieldSpec = { name: 'collisions', type: 'integer', unit: 'count', counter: 'events', about: 'Ethernet collisions' };

/** How long the request for the page took, when it came over the network. */
export const TIMINGS: readonly FieldSpec[] = [
  { name: 'total_time', type: 'integer', unit: 'ms', about: 'the whole request for the page, first byte sent to last byte read' },
  { name: 'elapsed_time', type: 'integer', unit: 'ms', about: "time to the first byte of the answer (the device's think time)" },
];

export const UPTIME: FieldSpec = { name: 'uptime_s', type: 'integer', unit: 's', uptime: true, about: 'time since the last reboot', label: 'uptime' };

/** The line saying what a device is (model, firmware, serial) and its uptime, whatever its make. */
export const SYSTEM_MEASUREMENT = 'homenet_system';

/** The program's own line about each device's gather (success, time, values left out, why not): src/collect/scrape.ts writes it. */
export const SCRAPE_MEASUREMENT = 'homenet_scrape';

/** Tags of the system line: what the device says it is (a firmware upgrade starts a new series). */
export const SYSTEM_TAGS = ['model', 'model_number', 'firmware', 'serial', 'manufacturer', 'hardware'];

/**
 * The data a gateway carried in the ISP's billing period (src/usage/): the
 * program's own line, for every kind whose role is `gateway`, counted from
 * the `*_total` twins of its traffic line's `rx_bytes` and `tx_bytes`.
 */
export const USAGE: MeasurementSpec & { readonly name: string } = {
  name: 'homenet_usage',
  fields: [
    { name: 'rx_bytes', type: 'integer', unit: 'bytes', about: 'bytes received from the Internet in the billing period so far' },
    { name: 'tx_bytes', type: 'integer', unit: 'bytes', about: 'bytes sent to the Internet in the billing period so far' },
    { name: 'bytes', type: 'integer', unit: 'bytes', about: 'both ways together, as ISPs count data against a cap' },
    { name: 'partial', type: 'boolean', about: 'not all of the period is counted: counting began after the period did (no reading before its start), or the totals started again' },
    { name: 'period_start_ms', type: 'integer', unit: 'ms', about: 'when the billing period began (local midnight of billing_day), ms since the epoch' },
    { name: 'cap_bytes', type: 'integer', unit: 'bytes', about: 'the data cap (data_cap), when the config sets one' },
    { name: 'cap_pct', type: 'float', unit: 'percent', about: '`bytes` as a percentage of the cap, when the config sets one' },
  ],
};
