/**
 * `homenet_usage`, the data a gateway carried in the ISP's billing period:
 * its config keys and their exact errors.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, it } from 'node:test';
import { buildConfig, ConfigError } from '../src/config.js';
import { parseSize } from '../src/usage/settings.js';
import { runMain } from './support/helpers.js';

const FILE = '/etc/telegraf/homenet.ini';
const GW = '[gw]\ntype = att\nurl = http://192.168.1.254\n';

describe('usage: billing_day and data_cap in the config', () => {
  it('reads sizes in decimal (GB, TB) and binary (GiB, TiB) units, any case, rounded to whole bytes', () => {
    const sizes: [string, bigint][] = [
      ['1 TB', 10n ** 12n], ['1 TiB', 2n ** 40n], ['500 GB', 500n * 10n ** 9n], ['1.5 TB', 1_500_000_000_000n],
      ['750 gib', 750n * 2n ** 30n], ['1Tb', 10n ** 12n], ['1.1 KiB', 1126n], ['1024 GB', 1_024_000_000_000n], ['300000 B', 300_000n],
    ];
    for (const [text, bytes] of sizes) assert.equal(parseSize(text), bytes, text);
    for (const text of ['1 T', '1,000 GB', 'GB', '1 TBB', '-1 GB', '1e3 GB']) assert.equal(parseSize(text), undefined, text);
  });

  it('the top of the file is every gateway\'s; a gateway\'s section wins; speakers have none', () => {
    const c = buildConfig({
      file: FILE,
      fileText: `billing_day = 15\ndata_cap = 1 TB\n${GW}[gw2]\ntype = att-bgw\nurl = http://192.168.2.254\nbilling_day = 3\ndata_cap = none\n` +
        '[gw3]\ntype = att-pace\nurl = http://192.168.3.254\ndata_cap = 1.5 TiB\n[spk]\ntype = sonos\nurl = http://192.168.1.20:1400\n',
      devices: ['att=http://192.168.4.254'],
    });
    assert.deepEqual(Object.fromEntries(c.devices.map((d) => [d.name, d.usage])), {
      gw: { billingDay: 15, capBytes: 10n ** 12n },
      gw2: { billingDay: 3 },
      gw3: { billingDay: 15, capBytes: 3n * 2n ** 39n },
      spk: undefined,
      '--device 1': { billingDay: 15, capBytes: 10n ** 12n },
    });
    assert.deepEqual(buildConfig({ devices: ['att=http://192.168.1.254'] }).devices[0]?.usage, { billingDay: 1 }, 'the 1st, no cap, by default');
  });

  it('says every mistake exactly, naming file, section and key', () => {
    const text = 'billing_day = 29\ndata_cap = 1 T\n' +
      '[gw]\ntype = att\nurl = http://192.168.1.254\nbilling_day = first\ndata_cap = 0 GB\n' +
      '[gw2]\ntype = att\nurl = http://192.168.2.254\nbilling_day = 0\ndata_cap = 9000000000 EB\n' +
      '[spk]\ntype = sonos\nurl = http://192.168.1.20:1400\nbilling_day = 1\n';
    const why = '(the day of the month the ISP\'s billing period starts; 29 to 31 are not in every month)';
    assert.throws(() => buildConfig({ file: FILE, fileText: text }), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.deepEqual(err.problems, [
        `${FILE}: billing_day: "29" is not a day from 1 to 28 ${why}`,
        `${FILE}: data_cap: "1 T" is not a size (write it like 1 TB, 500 GB or 1.5 TiB; GB = 10^9 bytes, GiB = 2^30), or none`,
        `${FILE}: [gw] billing_day: "first" is not a day from 1 to 28 ${why}`,
        `${FILE}: [gw] data_cap: "0 GB" is no cap (leave data_cap out, or write none)`,
        `${FILE}: [gw2] billing_day: "0" is not a day from 1 to 28 ${why}`,
        `${FILE}: [gw2] data_cap: "9000000000 EB" is more than the 8 EiB a field can hold`,
        `${FILE}: [spk] billing_day: only for type att or att-pace or att-bgw, not sonos`,
      ]);
      return true;
    });
  });

  it('a mistake is exit status 2, one E! line, nothing on stdout', async () => {
    const dir = mkdtempSync(`${tmpdir()}/homenet-usage-config-`);
    try {
      writeFileSync(`${dir}/h.ini`, `${GW}billing_day = 31\n`);
      const r = await runMain(['--config', `${dir}/h.ini`]);
      assert.equal(r.code, 2);
      assert.equal(r.stdout, '');
      assert.equal(r.stderr, `E! ${dir}/h.ini: [gw] billing_day: "31" is not a day from 1 to 28 (the day of the month the ISP's billing period starts; 29 to 31 are not in every month)\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});


