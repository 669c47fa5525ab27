/**
 * The field catalogue: every measurement and field a device kind prints,
 * with its type, unit, whether it is a counter, and its Telegraf `inputs.net`
 * name. Each kind declares its own (src/devices/<make>/catalogue.ts); the
 * totals, the output shape, the table view, the dashboard and the metric
 * reference read it instead of knowing field names.
 */
import type { FieldValue } from '../lineprotocol.js';

/** A field's type in line protocol. */
type FieldType = 'integer' | 'float' | 'boolean' | 'string';

/**
 * A counter that only grows until it wraps or is reset, by what it counts:
 * what rate would be implausible for it (10 Gbit/s of bytes, 2 million
 * packets/s, 100,000 events/s) decides a wrap from a reset.
 */
export type CounterKind = 'bytes' | 'packets' | 'events';

/** One field of a measurement. */
export interface FieldSpec {
  readonly name: string;
  readonly type: FieldType;
  /** `bytes`, `packets`, `ms`, `s`, `dBm`, `kbit/s` ...; absent for flags, names and plain numbers. */
  readonly unit?: string;
  /** It counts up and may wrap: with state it gets a `<name>_total` twin that never goes down. */
  readonly counter?: CounterKind;
  /** Its name in Telegraf's `inputs.net` (`schema = telegraf`), where that has one. */
  readonly net?: string;
  /** The device's time since boot: it going down means a reboot (its counters were reset). */
  readonly uptime?: boolean;
  /** What it means, for the metric reference. */
  readonly about: string;
  /**
   * The words the terminal views put before its value: `''` for a value that
   * reads as itself (`DSL`, `full`) or needs none (a port's speed beside its
   * state). Absent: its name, less the unit its name ends with, `_` as spaces.
   */
  readonly label?: string;
  /** A flag's words when true and when false (`up`, `down`); absent: its label, or `not` and its label. */
  readonly states?: readonly [yes: string, no: string];
  /** Left out of the terminal views: it says nothing there (a constant that carries its line's tags). */
  readonly hidden?: true;
}

/** One measurement a kind prints. */
export interface MeasurementSpec {
  /** Its name; undefined for the traffic lines, named by the config's `measurement` (default `net`). */
  readonly name?: string;
  /** The tags that tell its series apart within a device (besides `host`). */
  readonly tags?: readonly string[];
  readonly fields: readonly FieldSpec[];
}

/** What the catalogue says about the lines of one run. */
export class Catalogue {
  private readonly byMeasurement = new Map<string, Map<string, FieldSpec>>();
  /** Measurements with a counter field, and each measurement's uptime field: asked for every line of every gather. */
  private readonly counted = new Set<string>();
  private readonly uptimeField = new Map<string, string>();

  /** The measurements of `specs`; the traffic lines under `trafficMeasurement`. */
  constructor(
    specs: Iterable<MeasurementSpec>,
    readonly trafficMeasurement: string,
  ) {
    for (const m of specs) {
      const name = m.name ?? trafficMeasurement;
      const fields = this.byMeasurement.get(name) ?? new Map<string, FieldSpec>();
      for (const f of m.fields) if (!fields.has(f.name)) fields.set(f.name, f);
      this.byMeasurement.set(name, fields);
    }
    for (const [name, fields] of this.byMeasurement) {
      for (const f of fields.values()) {
        if (f.counter !== undefined) this.counted.add(name);
        if (f.uptime === true && !this.uptimeField.has(name)) this.uptimeField.set(name, f.name);
      }
    }
  }

  /** A field's entry; a `*_total` twin has its counter's. */
  field(measurement: string, field: string): FieldSpec | undefined {
    const fields = this.byMeasurement.get(measurement);
    if (!fields) return undefined;
    const f = fields.get(field);
    if (f) return f;
    if (!field.endsWith('_total')) return undefined;
    const base = fields.get(field.slice(0, -'_total'.length));
    return base?.counter !== undefined ? base : undefined;
  }

  /** What a field counts, when it is a counter (not a `*_total`). */
  counter(measurement: string, field: string): CounterKind | undefined {
    return this.byMeasurement.get(measurement)?.get(field)?.counter;
  }

  /** Whether any field of the measurement is a counter. */
  hasCounters(measurement: string): boolean {
    return this.counted.has(measurement);
  }

  /** The uptime field of a measurement, if it has one. */
  uptime(measurement: string): string | undefined {
    return this.uptimeField.get(measurement);
  }

  /** Every measurement that has an uptime field, with that field. */
  uptimes(): [measurement: string, field: string][] {
    return [...this.byMeasurement.keys()].flatMap((m) => {
      const f = this.uptime(m);
      return f === undefined ? [] : [[m, f] as [string, string]];
    });
  }

  /** A traffic field's name in Telegraf's `inputs.net` (a `*_total` keeps its suffix), else the field itself. */
  netName(field: string): string {
    const f = this.field(this.trafficMeasurement, field);
    if (f?.net === undefined) return field;
    return field.endsWith('_total') && f.name !== field ? `${f.net}_total` : f.net;
  }

  /** The field of `measurement` whose Telegraf name is `net`, for reading lines printed with `schema = telegraf`. */
  fromNet(measurement: string, net: string): FieldSpec | undefined {
    const fields = this.byMeasurement.get(measurement);
    return fields ? [...fields.values()].find((f) => f.net === net) : undefined;
  }

  /** A field's unit, whatever measurement it is in (a name means one thing throughout); a `*_total` has its counter's. */
  unitOf(field: string): string | undefined {
    const f = this.named(field);
    return f?.uptime === true ? 'uptime' : f?.unit;
  }

  /** A field by its name, whatever measurement it is in (a name means one thing throughout); a `*_total` is its counter's. */
  named(field: string): FieldSpec | undefined {
    for (const m of this.byMeasurement.keys()) {
      const f = this.field(m, field);
      if (f) return f;
    }
    return undefined;
  }

  /** Every measurement name and its fields, in declaration order. */
  entries(): [measurement: string, fields: FieldSpec[]][] {
    return [...this.byMeasurement].map(([m, fields]) => [m, [...fields.values()]]);
  }
}

/** Whether a value is of a field type. */
export function isType(v: FieldValue, type: FieldType): boolean {
  const kinds: Record<FieldType, FieldValue['kind']> = { integer: 'int', float: 'float', boolean: 'bool', string: 'string' };
  return kinds[type] === v.kind;
}
