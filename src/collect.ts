/**
 * One gather: every device concurrently, each under its own time limit, each
 * failure turned into a log line and a `homenet_scrape` metric instead of a
 * crash, so one dead device never costs the others' data.
 */
import { performance } from 'node:perf_hooks';
import type { Config, DeviceConfig } from './config.js';
import { DEVICE_KINDS, type PageText } from './devices/index.js';
import { ParseError } from './html.js';
import { FetchError, fetchPage, type FetchOptions, type FetchedPage } from './http.js';
import { bool, int, str, type FieldValue, type Metric } from './lineprotocol.js';

/** Measurement of the per-device scrape status. */
export const SCRAPE_MEASUREMENT = 'homenet_scrape';
/** Longest `error` field written; causes are one sentence, pages can be long. */
const MAX_ERROR_CHARS = 300;

/** The network, replaceable for tests of the collector's own logic. */
export type Fetcher = (url: URL, options: FetchOptions) => Promise<FetchedPage>;

/** Result of one gather. */
export interface Gathered {
  readonly metrics: Metric[];
  /** One `E! ` line per failed device, for stderr. */
  readonly log: string[];
}

/** Resolves a page path (with query) under the device's base URL, keeping any path prefix. */
export function pageUrl(base: URL, path: string): URL {
  const prefix = base.pathname.replace(/\/+$/, '');
  return new URL(prefix + path, base.origin);
}

/** Text fit for a log line and a string field: one line, bounded. */
function oneLine(s: string): string {
  // eslint-disable-next-line no-control-regex -- removing control characters on purpose
  const flat = s.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return flat.length > MAX_ERROR_CHARS ? `${flat.slice(0, MAX_ERROR_CHARS - 1)}…` : flat;
}

function describeFailure(err: unknown): string {
  if (err instanceof FetchError || err instanceof ParseError) return err.message;
  // Anything else is our bug; still confined to this device.
  return `internal error (please report it): ${err instanceof Error ? err.message : String(err)}`;
}

async function gatherDevice(device: DeviceConfig, config: Config, fetcher: Fetcher): Promise<Gathered> {
  const kind = DEVICE_KINDS.get(device.type);
  const started = performance.now();
  const controller = new AbortController();
  const timer = setTimeout(() => {
    controller.abort(new FetchError(`no complete answer within ${device.timeoutMs} ms (the device's timeout)`));
  }, device.timeoutMs);
  const baseTags = { ...config.tags, host: device.host };
  const metrics: Metric[] = [];
  let failure: string | undefined;
  let current = device.url.href;
  try {
    if (!kind) throw new Error(`no device kind ${device.type}`);
    const pages = new Map<string, PageText>();
    for (const spec of kind.pages) {
      const url = pageUrl(device.url, spec.path);
      current = url.href;
      const page = await fetcher(url, { signal: controller.signal, insecure: device.insecure });
      pages.set(spec.key, page);
    }
    current = device.url.href;
    for (const m of kind.parse(pages, { measurement: config.measurement })) {
      metrics.push({ ...m, tags: { ...baseTags, ...m.tags } });
    }
  } catch (err) {
    failure = oneLine(describeFailure(err));
  } finally {
    clearTimeout(timer);
  }
  const fields: Record<string, FieldValue> = {
    success: bool(failure === undefined),
    duration_ms: int(Math.round(performance.now() - started)),
  };
  if (failure !== undefined) fields['error'] = str(failure);
  metrics.push({ name: SCRAPE_MEASUREMENT, tags: { ...baseTags, type: device.type }, fields });
  const log = failure === undefined ? [] : [`E! [${device.name}] ${device.type} ${current}: ${failure}`];
  return { metrics, log };
}

/**
 * Gathers every configured device concurrently. Never rejects because of a
 * device: failures come back as log lines and `success=false` metrics.
 */
export async function collect(config: Config, fetcher: Fetcher = fetchPage): Promise<Gathered> {
  const results = await Promise.all(config.devices.map((d) => gatherDevice(d, config, fetcher)));
  return {
    metrics: results.flatMap((r) => r.metrics),
    log: results.flatMap((r) => r.log),
  };
}
