/** Wall-clock time in nanoseconds, for the timestamps `execd` writes. */

// Anchored at the first reading, not at load: the single binary is a V8
// startup snapshot, and a clock read while it was built would be stale.
let anchor: { wallNs: bigint; hr: bigint } | undefined;

/**
 * Nanoseconds since the epoch: the wall clock at the first call plus the
 * monotonic clock since, so stamps taken a few microseconds apart stay in order.
 */
export function nowNs(): bigint {
  anchor ??= { wallNs: BigInt(Date.now()) * 1_000_000n, hr: process.hrtime.bigint() };
  return anchor.wallNs + (process.hrtime.bigint() - anchor.hr);
}
