/**
 * Pages fetched ahead of their turn: in a one-shot run, while one of a
 * device's pages is on the wire, its next page goes out on a second
 * connection when its host:port has one free (slots.ts allows two), so a
 * gateway's four pages take two round trips instead of four. Pages are still
 * read in their order. Never a page behind a login (logging in stays serial),
 * and never in execd, which keeps one connection per device open between
 * gathers.
 */
import type { PageSpec } from '../devices/index.js';
import type { FetchedPage } from '../http/index.js';

/** A second connection to a device's host:port, when one is free. */
export interface Spare {
  /** Takes a slot of the host:port now: false when none is free or another device waits for one. */
  take(): boolean;
  /** Gives the slot back (to the next device waiting for one). */
  give(): void;
}

/**
 * The pages a device's gather will ask, in order, and those sent before
 * their turn: one at a time, on the spare connection, beside the page the
 * gather asks on its own. So the device never has more than two requests on
 * the wire, and its host no more than its two connections carry.
 */
export class Ahead {
  private readonly early = new Map<PageSpec, Promise<FetchedPage>>();
  /** A page sent ahead is on the wire (on the spare connection). */
  private sending = false;

  constructor(
    /** The pages in the order the gather asks them, none behind a login. */
    private readonly plan: readonly PageSpec[],
    private readonly spare: Spare,
    /** Fetches a page without making it the device's page in flight (gather.ts). */
    private readonly request: (spec: PageSpec) => Promise<FetchedPage>,
    /** Whether the gather has this page already. */
    private readonly has: (spec: PageSpec) => boolean,
  ) {}

  /** The page sent ahead for `spec`, handed out once; undefined when it was not. */
  take(spec: PageSpec): Promise<FetchedPage> | undefined {
    const early = this.early.get(spec);
    this.early.delete(spec);
    return early;
  }

  /** `spec` is asked now: the first page after it that is not asked yet goes out too, if a connection is free. */
  next(spec: PageSpec): void {
    const at = this.plan.indexOf(spec);
    if (at < 0 || this.sending) return;
    for (let i = at + 1; i < this.plan.length; i++) {
      const later = this.plan[i];
      if (later === undefined || this.has(later) || this.early.has(later)) continue;
      if (!this.spare.take()) return;
      this.sending = true;
      const sent = this.request(later);
      // Settled here as well, so a page nobody reads (the device failed first) is no unhandled rejection.
      sent.then(this.give, this.give);
      this.early.set(later, sent);
      return;
    }
  }

  private readonly give = (): void => {
    this.sending = false;
    this.spare.give();
  };
}
