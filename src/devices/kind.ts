/**
 * What a device kind is: the pages it reads and a pure parse function.
 * Parsers see page text only (no network, clock, environment or files), so
 * they are tested on fixture files and reused by the offline `parse` command.
 */
import type { Metric } from '../lineprotocol.js';

/** One page a device kind reads. */
export interface PageSpec {
  /** Stable name of the page kind, used in messages and by `parse`. */
  readonly key: string;
  /** Path and query, relative to the device URL. */
  readonly path: string;
  /** What the page is called on the device, for messages. */
  readonly title: string;
}

/** A page's text, with the fetch timings when it came over the network. */
export interface PageText {
  readonly body: string;
  /** Whole request in ms; absent for pages read from files. */
  readonly totalMs?: number;
  /** Time to first byte in ms; absent for pages read from files. */
  readonly ttfbMs?: number;
}

/** Settings that change what a parser names its output. */
export interface ParseContext {
  /** Measurement of the traffic counters (`measurement` in the config). */
  readonly measurement: string;
}

/** A family of devices that share page layouts. */
export interface DeviceKind {
  /** The config `type`. */
  readonly type: string;
  /** For help texts and messages. */
  readonly description: string;
  /** Pages fetched in every gather, in order. */
  readonly pages: readonly PageSpec[];
  /** The key of the page kind this text is, recognised from its content, or undefined. */
  recognize(body: string): string | undefined;
  /**
   * Metrics from the pages, keyed by {@link PageSpec.key}. Tags identify the
   * series within the device; the collector adds `host` and the global tags.
   * @throws ParseError when a page lacks what is needed, naming the label and the page.
   */
  parse(pages: ReadonlyMap<string, PageText>, ctx: ParseContext): Metric[];
}
