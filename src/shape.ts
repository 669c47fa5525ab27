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
import type { Config } from './config/index.js';
import { catalogue } from './devices/index.js';
import { float, type FieldValue, type Metric } from './lineprotocol.js';

/** Applies the config's schema and counter type to the metrics about to be printed. */
export function shape(metrics: readonly Metric[], config: Pick<Config, 'measurement' | 'schema' | 'counterType'>): Metric[] {
  if (config.schema === 'homenet' && config.counterType === 'integer') return [...metrics];
  const cat = catalogue(config.measurement);
  return metrics.map((m) => {
    const traffic = m.name === config.measurement;
    if (!traffic && !cat.hasCounters(m.name)) return m;
    const fields: Record<string, FieldValue> = {};
    for (const [key, value] of Object.entries(m.fields)) {
      const name = traffic && config.schema === 'telegraf' ? cat.netName(key) : key;
      const counter = cat.field(m.name, key)?.counter !== undefined;
      fields[name] = config.counterType === 'float' && value.kind === 'int' && counter ? float(Number(value.value)) : value;
    }
    const tags = traffic && config.schema === 'telegraf' && m.tags['interface'] === undefined ? { ...m.tags, interface: 'wan' } : m.tags;
    return { ...m, tags, fields };
  });
}
