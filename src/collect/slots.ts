/**
 * The connections a host:port may have at once: devices at one address
 * take turns, so a gateway's few sessions are not flooded.
 */

/** Devices gathered at once on one host:port, so a gateway's few sessions are not flooded. */
export const PER_HOST_LIMIT = 2;

/** One host:port: the slots in use, and the devices waiting for one in order. */
interface Host {
  busy: number;
  readonly queue: (Waiter | undefined)[];
  /** The first entry of `queue` still to serve: taken from the front without moving the rest. */
  head: number;
}

/** Who waits for a slot: it gives up when it is cut short (its deadline, a signal). */
interface Waiting {
  /** Already cut short. */
  readonly cut: boolean;
  /** Set while it waits; it calls this when it is cut short. */
  waiting: (() => void) | undefined;
}

/** Counting semaphores by key. */
export class Slots {
  private readonly hosts = new Map<string, Host>();

  constructor(private readonly limit: number) {}

  /** Resolves true with a slot, or false if `who` is cut short first (no slot is then held). */
  acquire(key: string, who: Waiting): Promise<boolean> {
    let host = this.hosts.get(key);
    if (host === undefined) {
      host = { busy: 0, queue: [], head: 0 };
      this.hosts.set(key, host);
    }
    if (host.busy < this.limit) {
      host.busy++;
      return Promise.resolve(true);
    }
    if (who.cut) return Promise.resolve(false);
    const queue = host.queue;
    return new Promise<boolean>((resolve) => {
      const waiter = new Waiter(who, resolve);
      queue.push(waiter);
      who.waiting = waiter.aborted;
    });
  }

  /**
   * Takes a slot of `key` now, for a device that holds one already and would
   * use a second (ahead.ts): only when one is free and no device waits for
   * one, so it never goes before them. True when taken; release() it.
   */
  tryAcquire(key: string): boolean {
    const host = this.hosts.get(key);
    if (host === undefined || host.busy >= this.limit || host.head < host.queue.length) return false;
    host.busy++;
    return true;
  }

  /** Hands the slot to the next device still waiting, or frees it. */
  release(key: string): void {
    const host = this.hosts.get(key);
    if (host === undefined) return;
    // Devices whose deadline passed while they waited are skipped here, not
    // taken out of the queue when they give up: 10,000 devices at one address
    // giving up at once would each search and shift the queue.
    while (host.head < host.queue.length) {
      const next = host.queue[host.head];
      // Served: nothing holds on to the device that waited there.
      host.queue[host.head++] = undefined;
      if (next?.grant() === true) return;
    }
    host.queue.length = 0;
    host.head = 0;
    host.busy--;
  }
}

/** A device waiting for a slot. Methods, not closures made per wait (see TreeBuilder in html/index.ts). */
class Waiter {
  readonly aborted = this.abort.bind(this);
  private settled = false;

  constructor(
    private readonly who: Waiting,
    private readonly resolve: (granted: boolean) => void,
  ) {}

  /** Takes the slot; false when this device has given up already. */
  grant(): boolean {
    if (this.settled) return false;
    this.settled = true;
    this.who.waiting = undefined;
    this.resolve(true);
    return true;
  }

  private abort(): void {
    if (this.settled) return;
    this.settled = true;
    this.resolve(false);
  }
}
