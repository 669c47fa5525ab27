/** Wall-clock time in nanoseconds, for the timestamps `execd` writes. */

const anchorWallNs = BigInt(Date.now()) * 1_000_000n;
const anchorHr = process.hrtime.bigint();

/**
 * Nanoseconds since the epoch: the wall clock at start-up plus the monotonic
 * clock since, so stamps taken a few microseconds apart stay in order.
 */
export function nowNs(): bigint {
  return anchorWallNs + (process.hrtime.bigint() - anchorHr);
}
