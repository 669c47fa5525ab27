/**
 * What a device's gather says about itself: the `homenet_scrape` line
 * (success, time, values left out, why not) and its `E!`/`W!` log lines.
 */
import { nowNs } from '../clock.js';
import type { DeviceGather, Failure } from './gather.js';
import { bool, int, str, type FieldValue, type Metric } from '../lineprotocol.js';
import { logLine, type Level } from '../log.js';
import { SCRAPE_MEASUREMENT } from '../devices/index.js';

/** Longest `error` field written; causes are one sentence, pages can be long. */
const MAX_ERROR_CHARS = 300;

/** Text fit for a log line and a string field: one line, bounded. */
function oneLine(s: string, max = MAX_ERROR_CHARS): string {
  // eslint-disable-next-line no-control-regex -- removing control characters on purpose
  const flat = s.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** The device's lines with its tags, its scrape status line, and its log lines. */
export function scrapeResult(g: DeviceGather, identity: string | undefined, startedMs: number): { metrics: Metric[]; log: string[] } {
  const { device, config } = g;
  const baseTags: Record<string, string> = { ...config.tags, host: identity ?? g.state.identity ?? device.host };
  const metrics: Metric[] = [];
  for (const m of g.metrics) metrics.push({ ...m, tags: { ...baseTags, ...m.tags } });
  const fields: Record<string, FieldValue> = {
    success: bool(g.failures.length === 0),
    duration_ms: int(Math.round(g.clock.now() - startedMs)),
    values_omitted: int(g.omitted.length),
  };
  if (g.failures.length > 0) {
    fields['error'] = str(oneLine(g.failures.map((f) => (f.area ? `${f.area}: ${f.message}` : f.message)).join('; ')));
  }
  metrics.push({ name: SCRAPE_MEASUREMENT, tags: { ...baseTags, type: device.type }, fields, time: nowNs() });
  const line = (level: Level, f: Failure): string => logLine(level, `[${device.name}] ${device.type} ${f.url}: ${f.area ? `${f.area}: ` : ''}${oneLine(f.message, 1000)}`);
  const log = [...g.failures.map((f) => line('E', f)), ...g.omitted.map((f) => line('W', f))];
  return { metrics, log };
}
