/** The execd loop in process: how newlines on stdin become gathers. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Fetcher } from '../src/collect.js';
import { buildConfig } from '../src/config.js';
import { runExecd } from '../src/execd.js';
import { FetchError } from '../src/http.js';

/**
 * Runs execd over what `stdin` yields (then EOF) with a device that refuses
 * at once; `batches` resolves on each batch written. Returns how many gathers ran.
 */
async function gathers(stdin: (batches: () => Promise<void>) => AsyncIterable<string>): Promise<number> {
  // No network needed: the loop is what is tested, so every page fails at once.
  const fetcher: Fetcher = () => Promise.reject(new FetchError('connection refused', undefined, true));
  let count = 0;
  let written = (): void => undefined;
  const nextBatch = (): Promise<void> => new Promise<void>((resolve) => (written = resolve));
  const code = await runExecd(
    buildConfig({ devices: ['att-pace=http://127.0.0.1:9'] }),
    {
      stdin: stdin(nextBatch),
      stdout: () => {
        count++;
        written();
      },
      stderr: () => undefined,
    },
    { fetcher },
  );
  assert.equal(code, 0);
  return count;
}

/** Each string as one read from stdin. */
async function* reads(chunks: readonly string[]): AsyncIterable<string> {
  for (const c of chunks) yield await Promise.resolve(c);
}

describe('execd: newlines and gathers', () => {
  it('1,000 newlines in one read while idle: one gather, not 1,000', async () => {
    const n = await gathers(() => reads(['\n'.repeat(1000)]));
    assert.equal(n, 1);
  });

  it('1,000 newlines one per read: one gather: newlines already read when it starts all ask for it', async () => {
    const n = await gathers(() => reads(Array.from({ length: 1000 }, () => '\n')));
    assert.equal(n, 1);
  });

  it('a newline after a batch was written asks for another gather', async () => {
    const n = await gathers(async function* (nextBatch) {
      const first = nextBatch();
      yield '\n';
      await first;
      const second = nextBatch();
      yield '\n\n';
      await second;
    });
    assert.equal(n, 2);
  });
});
