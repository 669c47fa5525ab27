/**
 * `--format pretty`: the terminal check. Devices, their lines and values in
 * human units, aligned, instead of line protocol; with two readings, the
 * traffic as bits per second.
 */
import type { FieldValue, Metric } from './lineprotocol.js';

const IEC = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];

function bytes(n: bigint): string {
  let v = Number(n);
  let i = 0;
  while (Math.abs(v) >= 1024 && i < IEC.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(1)} ${IEC[i] ?? ''}`;
}

/** Bits per second with an SI prefix. */
export function bitsPerSecond(bps: number): string {
  const units = ['bit/s', 'kbit/s', 'Mbit/s', 'Gbit/s'];
  let v = bps;
  let i = 0;
  while (Math.abs(v) >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i === 0 ? v.toFixed(0) : v.toFixed(1)} ${units[i] ?? ''}`;
}

function duration(seconds: bigint): string {
  const s = Number(seconds);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  return d > 0 ? `${d}d ${h}h` : h > 0 ? `${h}h ${m}m` : `${m}m ${s % 60}s`;
}

/** One value in the unit its name says. */
export function human(field: string, v: FieldValue): string {
  switch (v.kind) {
    case 'bool':
      return v.value ? 'yes' : 'no';
    case 'string':
      return v.value;
    case 'float':
      if (field.endsWith('_dbm')) return `${v.value} dBm`;
      if (field.endsWith('_db')) return `${v.value} dB`;
      if (field.endsWith('_pct')) return `${v.value}%`;
      if (field.endsWith('_c')) return `${v.value} °C`;
      if (field.endsWith('_v')) return `${v.value} V`;
      if (field.endsWith('_ma')) return `${v.value} mA`;
      return String(v.value);
    case 'int':
      if (/bytes(_total)?$/.test(field)) return bytes(v.value);
      if (field.endsWith('_kbps')) return bitsPerSecond(Number(v.value) * 1000);
      if (field.endsWith('_bps')) return bitsPerSecond(Number(v.value));
      if (field.endsWith('_mbps')) return bitsPerSecond(Number(v.value) * 1_000_000);
      if (field === 'uptime_s') return duration(v.value);
      if (field.endsWith('_ms') || field.endsWith('_time')) return `${v.value} ms`;
      return v.value.toLocaleString('en-US');
  }
}

const LABEL_TAGS = ['interface', 'line', 'direction'];

function label(m: Metric): string {
  const line = m.tags['line'];
  return [m.name, m.tags['interface'], line === undefined ? undefined : `line ${line}`, m.tags['direction']].filter((t) => t !== undefined).join(' ');
}

function key(m: Metric): string {
  return `${m.tags['host'] ?? ''}\u0000${label(m)}`;
}

/** The traffic rate between two readings of a line, from the totals when there are any. */
function rates(now: Metric, before: Metric | undefined, seconds: number): string {
  if (!before || seconds <= 0) return '';
  const out: string[] = [];
  for (const dir of ['rx', 'tx']) {
    for (const f of [`${dir}_bytes_total`, `${dir}_bytes`, dir === 'rx' ? 'bytes_recv' : 'bytes_sent']) {
      const a = before.fields[f];
      const b = now.fields[f];
      if (a?.kind === 'int' && b?.kind === 'int') {
        // A raw 32-bit counter that wrapped between the readings.
        const delta = b.value >= a.value ? b.value - a.value : b.value + 2n ** 32n - a.value;
        out.push(`${dir} ${bitsPerSecond((Number(delta) * 8) / seconds)}`);
        break;
      }
    }
  }
  return out.length > 0 ? `[${out.join(', ')}]  ` : '';
}

/**
 * The metrics of one gather as an aligned table by device; with `before`
 * (an earlier gather `seconds` before), traffic rates too.
 */
export function pretty(metrics: readonly Metric[], before?: readonly Metric[], seconds = 0): string {
  const previous = new Map((before ?? []).map((m) => [key(m), m]));
  // A line two devices print (one host tag for both) has no one previous reading: no rate.
  for (const batch of [before ?? [], metrics]) {
    const seen = new Set<string>();
    for (const m of batch) {
      const k = key(m);
      if (seen.has(k)) previous.delete(k);
      seen.add(k);
    }
  }
  const hosts = [...new Set(metrics.map((m) => m.tags['host'] ?? ''))];
  const width = Math.max(...metrics.filter((m) => m.name !== 'homenet_scrape').map((m) => label(m).length), 10);
  let out = '';
  for (const host of hosts) {
    const mine = metrics.filter((m) => (m.tags['host'] ?? '') === host);
    const status = mine.find((m) => m.name === 'homenet_scrape');
    const ok = status?.fields['success']?.value === true;
    const type = status?.tags['type'] ?? '';
    const took = status?.fields['duration_ms'];
    out += `${host}${type ? ` (${type})` : ''}: ${ok ? 'ok' : 'FAILED'}${took ? ` in ${human('duration_ms', took)}` : ''}`;
    const error = status?.fields['error'];
    out += error?.kind === 'string' ? ` - ${error.value}\n` : '\n';
    for (const m of mine) {
      if (m.name === 'homenet_scrape') continue;
      const values = Object.entries(m.fields)
        .filter(([f]) => !f.endsWith('_total') || m.fields[f.replace(/_total$/, '')] === undefined)
        .map(([f, v]) => `${f}=${human(f, v)}`)
        .join('  ');
      const extraTags = Object.entries(m.tags)
        .filter(([t]) => t !== 'host' && !LABEL_TAGS.includes(t))
        .map(([t, v]) => `${t}=${v}`)
        .join(' ');
      out += `  ${label(m).padEnd(width)}  ${rates(m, previous.get(key(m)), seconds)}${values}${extraTags ? `  (${extraTags})` : ''}\n`;
    }
  }
  return out;
}
