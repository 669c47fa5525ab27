/** The execd loop in this process: how newlines on stdin become gathers. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Fetcher } from '../../src/collect/index.js';
import { buildConfig } from '../../src/config/index.js';
import { runExecd } from '../../src/execd.js';
import { FetchError } from '../../src/http/index.js';
import { until } from '../support/clock.js';
import { reads } from '../support/helpers.js';

/** No network needed: the loop is what is tested, so every page fails at once. */
const refused: Fetcher = () => Promise.reject(new FetchError('connection refused', undefined, true));

/**
 * Runs execd over what `stdin` yields (then EOF) with a device whose pages
 * `fetcher` answers (by default: refused at once); `batches` resolves on
 * each batch written. Returns how many gathers ran.
 */
async function gathers(stdin: (batches: () => Promise<void>) => AsyncIterable<string>, fetcher: Fetcher = refused): Promise<number> {
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

  it('newlines read while a gather is in flight ask for one more gather, not one each', async () => {
    // The first page asked waits until the test lets it go; every other one is refused at once.
    let release = (): void => undefined;
    let asked = 0;
    const fetcher: Fetcher = (url, options) => {
      asked++;
      if (asked > 1) return refused(url, options);
      return new Promise((_resolve, reject) => {
        release = () => {
          reject(new FetchError('connection refused', undefined, true));
        };
      });
    };
    const n = await gathers(async function* () {
      yield '\n';
      await until(() => asked === 1);
      // Read while the first gather waits: each resumption of this generator is a read by execd.
      yield '\n';
      yield '\n\n';
      release();
      // EOF: execd ends after the gather in flight and the one those newlines asked for.
    }, fetcher);
    assert.equal(n, 2);
  });
});
