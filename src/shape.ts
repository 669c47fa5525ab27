/**
 * The last step before printing: the field names and counter type the
 * config asks for (`schema`, `counter_type`), for dashboards and databases
 * made for other collectors.
 *
 * - `schema = telegraf`: the traffic lines use Telegraf's own `inputs.net`
 *   field names and carry an `interface` tag (`wan` for a gateway), so
 *   dashboards made for Telegraf's net input work unchanged.
 * - `counter_type = float`: counters are written as floats, for databases
 *   first written by scripts that did so (InfluxDB fixes a field's type, and
 *   an integer point into a float field is refused). Floats keep 53 bits.
 */
import type { Config } from './config.js';
import { COUNTER } from './counters.js';
import { float, type FieldValue, type Metric } from './lineprotocol.js';

/** Our traffic field -> Telegraf `inputs.net` field. */
export const TELEGRAF_NET_NAMES: Readonly<Record<string, string>> = {
  tx_bytes: 'bytes_sent',
  rx_bytes: 'bytes_recv',
  tx_pkts: 'packets_sent',
  rx_pkts: 'packets_recv',
  rx_err: 'err_in',
  tx_err: 'err_out',
  rx_drop: 'drop_in',
  tx_drop: 'drop_out',
};

function isCounter(field: string): boolean {
  return COUNTER.test(field.replace(/_total$/, ''));
}

/** Applies the config's schema and counter type to the metrics about to be printed. */
export function shape(metrics: readonly Metric[], config: Pick<Config, 'measurement' | 'schema' | 'counterType'>): Metric[] {
  if (config.schema === 'homenet' && config.counterType === 'integer') return [...metrics];
  return metrics.map((m) => {
    const traffic = m.name === config.measurement;
    if (!traffic && m.name !== 'homenet_lan') return m;
    const fields: Record<string, FieldValue> = {};
    for (const [key, value] of Object.entries(m.fields)) {
      const base = key.replace(/_total$/, '');
      const total = key.endsWith('_total') ? '_total' : '';
      const name = traffic && config.schema === 'telegraf' ? `${TELEGRAF_NET_NAMES[base] ?? base}${total}` : key;
      fields[name] = config.counterType === 'float' && value.kind === 'int' && isCounter(key) ? float(Number(value.value)) : value;
    }
    const tags = traffic && config.schema === 'telegraf' && m.tags['interface'] === undefined ? { ...m.tags, interface: 'wan' } : m.tags;
    return { ...m, tags, fields };
  });
}
