/** What the `homenet_usage` tests expect: a line's fields, from the bytes each way and the period. */
import { bool, int, type FieldValue } from '../../src/lineprotocol.js';

/** An ISO time with its offset, in ms since the epoch. */
export const ms = (iso: string): number => Date.parse(iso);

/** The fields a `homenet_usage` line should have; `cap_pct` in hundredths, rounded down, as the program writes it. */
export function usageFields(rx: bigint, tx: bigint, partial: boolean, start: string, capBytes?: bigint): Record<string, FieldValue> {
  const bytes = rx + tx;
  return {
    rx_bytes: int(rx),
    tx_bytes: int(tx),
    bytes: int(bytes),
    partial: bool(partial),
    period_start_ms: int(ms(start)),
    ...(capBytes === undefined ? {} : { cap_bytes: int(capBytes), cap_pct: { kind: 'float' as const, value: Number((bytes * 10_000n) / capBytes) / 100 } }),
  };
}
