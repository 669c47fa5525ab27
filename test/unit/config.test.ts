import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { buildConfig, ConfigError, parseDuration, type ConfigSources } from '../../src/config/index.js';

const FILE = '/etc/telegraf/homenet.ini';
const ok = (text: string, extra: Omit<ConfigSources, 'file' | 'fileText'> = {}) => buildConfig({ file: FILE, fileText: text, ...extra });

describe('config: valid files', () => {
  it('reads the DESIGN.md example', () => {
    const c = ok(`;; Measurement name for traffic counters.
measurement = net
;; Per-device time limit for all of its requests.
timeout = 4s

[tags]
;; Added to every metric.
region = livingstone

[router]
type = att
url = http://192.168.1.254
;; host tag; defaults to the section name.
host = router
insecure = false

[upstairs]
type = att
url = https://192.168.2.254/prefix/
insecure = true
timeout = 1500ms
`);
    assert.equal(c.measurement, 'net');
    assert.deepEqual(c.tags, { region: 'livingstone' });
    assert.equal(c.devices.length, 2);
    const router = c.devices[0];
    const upstairs = c.devices[1];
    assert.ok(router && upstairs);
    assert.equal(router.name, 'router');
    assert.equal(router.host, 'router');
    assert.equal(router.url.href, 'http://192.168.1.254/');
    assert.equal(router.insecure, false);
    assert.equal(router.timeoutMs, 4000);
    assert.equal(upstairs.host, 'upstairs', 'host defaults to the section name');
    assert.equal(upstairs.insecure, true);
    assert.equal(upstairs.timeoutMs, 1500);
  });

  it('defaults: measurement net, timeout 4s', () => {
    const c = ok('[gw]\ntype = att\nurl = http://192.168.1.254\n');
    assert.equal(c.measurement, 'net');
    assert.equal(c.devices[0]?.timeoutMs, 4000);
  });

  it('flags add devices and tags; --timeout overrides the file', () => {
    const c = ok('timeout = 3s\n[tags]\nregion = a\n[gw]\ntype = att\nurl = http://192.168.1.254\n', {
      devices: ['att=http://127.0.0.1:8080'],
      tags: ['region=b', 'site=lab'],
      timeout: '2s',
    });
    assert.deepEqual(c.tags, { region: 'b', site: 'lab' });
    assert.deepEqual(
      c.devices.map((d) => [d.host, d.timeoutMs]),
      [
        ['gw', 2000],
        ['127.0.0.1:8080', 2000],
      ],
    );
  });

  it('a --device host tag is host:port and path, so simulated devices on one address stay apart', () => {
    const c = buildConfig({
      devices: ['att=http://127.0.0.1:8080', 'att=http://127.0.0.1:8081', 'att=http://[::1]:9000', 'att=http://127.0.0.1:8080/bgw320/'],
    });
    assert.deepEqual(
      c.devices.map((d) => d.host),
      ['127.0.0.1:8080', '127.0.0.1:8081', '::1:9000', '127.0.0.1:8080/bgw320'],
    );
  });

  it('collect and the access code', () => {
    const c = buildConfig({
      file: FILE,
      fileText: '[gw]\ntype = att-bgw\nurl = http://192.168.1.254\ncollect = nat, traffic\naccess_code_file = /etc/telegraf/att-code\n',
      readSecretFile: (path) => (path === '/etc/telegraf/att-code' ? '  12345#7890\n' : ''),
    });
    assert.deepEqual([...(c.devices[0]?.areas ?? [])], ['nat', 'traffic']);
    assert.equal(c.devices[0]?.secret, '12345#7890', 'trimmed, # kept (a file, not INI)');
    const e = buildConfig({ file: FILE, fileText: '[gw]\ntype = att\nurl = http://192.168.1.254\naccess_code_env = ATT_CODE\n', env: { ATT_CODE: 'abc' } });
    assert.equal(e.devices[0]?.secret, 'abc');
  });

  it('durations', () => {
    assert.equal(parseDuration('4s'), 4000);
    assert.equal(parseDuration('500ms'), 500);
    assert.equal(parseDuration('1.5s'), 1500);
    assert.equal(parseDuration('1m30s'), 90_000);
    assert.equal(parseDuration('4'), undefined);
    assert.equal(parseDuration('four'), undefined);
  });
});

/** Each mistake and its exact message. */
const MISTAKES: readonly { name: string; text?: string; flags?: Omit<ConfigSources, 'file' | 'fileText'>; message: string }[] = [
  {
    name: 'unknown top-level key',
    text: 'interval = 10s\n[gw]\ntype=att\nurl=http://192.168.1.254\n',
    message: `${FILE}: interval: unknown key (known: measurement, timeout, state_file, schema, counter_type, billing_day, data_cap)`,
  },
  { name: 'bad top-level duration', text: 'timeout = 4\n', message: `${FILE}: timeout: "4" is not a duration (write it like 4s or 500ms)` },
  { name: 'duration out of range', text: 'timeout = 10ms\n', message: `${FILE}: timeout: "10ms" is out of range (100ms to 5m)` },
  { name: 'measurement of our own', text: 'measurement = homenet_scrape\n', message: `${FILE}: measurement: "homenet_scrape" is reserved (names starting "homenet_" are the program's own)` },
  {
    name: 'measurement with a trailing backslash',
    text: 'measurement = net\\\n',
    message: `${FILE}: measurement: cannot be a measurement name: measurement "net\\\\" has a backslash that line protocol cannot carry`,
  },
  {
    name: 'unknown device key',
    text: '[router]\ntype = att\nurl = http://192.168.1.254\npassword = x\n',
    message: `${FILE}: [router] password: unknown key (known: type, url, host, insecure, timeout, collect, access_code_file, access_code_env, billing_day, data_cap, interfaces)`,
  },
  {
    name: 'unknown type',
    text: '[router]\ntype = netgear\nurl = http://192.168.1.1\n',
    message: `${FILE}: [router] type: unknown device type "netgear" (known: att, att-pace, att-bgw, sonos, sonos-household)`,
  },
  { name: 'missing type', text: '[router]\nurl = http://192.168.1.1\n', message: `${FILE}: [router] type: missing (every device needs one; known: att, att-pace, att-bgw, sonos, sonos-household)` },
  { name: 'missing url', text: '[router]\ntype = att\n', message: `${FILE}: [router] url: missing (every device needs one, like http://192.168.1.254)` },
  { name: 'not a URL', text: '[router]\ntype = att\nurl = 192.168.1.254\n', message: `${FILE}: [router] url: "192.168.1.254" is not a URL (write it like http://192.168.1.254)` },
  { name: 'wrong scheme', text: '[router]\ntype = att\nurl = ftp://192.168.1.254\n', message: `${FILE}: [router] url: "ftp://192.168.1.254" is not an http:// or https:// URL` },
  { name: 'credentials in URL', text: '[router]\ntype = att\nurl = http://admin:secret@192.168.1.254\n', message: `${FILE}: [router] url: must not contain a user name or password` },
  { name: 'query in URL', text: '[router]\ntype = att\nurl = http://192.168.1.254/?x=1\n', message: `${FILE}: [router] url: "http://192.168.1.254/?x=1" must not have a query or fragment` },
  { name: 'insecure not boolean', text: '[router]\ntype = att\nurl = https://192.168.1.254\ninsecure = yes\n', message: `${FILE}: [router] insecure: "yes" must be true or false` },
  {
    name: 'bad device timeout',
    text: '[router]\ntype = att\nurl = http://192.168.1.254\ntimeout = soon\n',
    message: `${FILE}: [router] timeout: "soon" is not a duration (write it like 4s or 500ms)`,
  },
  { name: 'empty host', text: '[router]\ntype = att\nurl = http://192.168.1.254\nhost =\n', message: `${FILE}: [router] host: empty value` },
  {
    name: 'duplicate host',
    text: '[a]\ntype = att\nurl = http://192.168.1.254\nhost = gw\n[b]\ntype = att\nurl = http://192.168.2.254\nhost = gw\n',
    message: `${FILE}: [b] host: "gw" is already the host of [a] (each device needs its own host tag)`,
  },
  { name: 'dotted section', text: '[living.room]\ntype = att\nurl = http://192.168.1.254\n', message: `${FILE}: [living.room]: section names cannot contain "." (use "-" or "_")` },
  { name: 'backslash in a section name', text: '[a\\]\ntype = att\nurl = http://192.168.1.254\n', message: `${FILE}: [a\\]: section names cannot contain "\\" (line 1)` },
  {
    name: 'TAB in a section name',
    text: '[gw]\ntype = att\nurl = http://192.168.1.254\n[a\tb]\ntype = att\nurl = http://192.168.2.254\n',
    message: `${FILE}: ["a\\tb"]: section names cannot contain control characters (line 4)`,
  },
  { name: 'line break in a quoted section name', text: '["a\\nb"]\ntype = att\nurl = http://192.168.1.254\n', message: `${FILE}: ["a\\nb"]: section names cannot contain control characters (line 1)` },
  { name: 'empty section name', text: '[]\ntype = att\nurl = http://192.168.1.254\n', message: `${FILE}: []: empty section name (line 1)` },
  {
    name: 'comment character in a section name',
    text: '[living;room]\ntype = sonos\nurl = http://192.168.1.20:1400\n',
    message: `${FILE}: [living;room]: section names cannot contain ";" or "#", where the INI reader cuts a name (line 1)`,
  },
  {
    name: 'repeated section',
    text: '[router]\ntype = att\nurl = http://192.168.1.254\n\n[router]\nhost = gw\n',
    message: `${FILE}: [router]: appears twice (lines 1 and 5): the INI reader would merge the two into one device`,
  },
  {
    name: 'repeated key',
    text: '[router]\ntype = att\nurl = http://192.168.1.254\n;; the other one\nurl = http://192.168.2.254\n',
    message: `${FILE}: [router] url: set twice (lines 3 and 5): only the last would count`,
  },
  {
    name: 'repeated top-level key',
    text: 'timeout = 4s\ntimeout = 2s\n[gw]\ntype = att\nurl = http://192.168.1.254\n',
    message: `${FILE}: timeout: set twice (lines 1 and 2): only the last would count`,
  },
  {
    name: 'tag over the 64 KiB key limit',
    text: `[tags]\nnote = ${'n'.repeat(70_000)}\n[gw]\ntype = att\nurl = http://192.168.1.254\n`,
    message: `${FILE}: [tags] note: cannot be written as a tag: the series key (measurement and tags) with field "v" is 70016 bytes: InfluxDB takes at most 65535`,
  },
  {
    name: 'tags whose sum passes 32 KiB (each alone passes)',
    text: `measurement = traffic\n[tags]\nregion = ${'r'.repeat(20_000)}\nsite = ${'s'.repeat(20_000)}\n[gw]\ntype = att\nurl = http://192.168.1.254\n`,
    message: `${FILE}: [tags] site: the measurement and tags come to 40021 bytes written out with this one; at most 32768, so that every line's series key keeps room for the program's own tags within InfluxDB's 65,535 bytes`,
  },
  {
    name: '--tag flags whose sum passes 32 KiB',
    flags: { devices: ['att=http://192.168.1.254'], tags: [`a=${'a'.repeat(16_500)}`, `b=${'b'.repeat(16_500)}`, 'c=1'] },
    message: `--tag "b=bbbbbbbbbbbbbbbbbbb…": the measurement and tags come to 33009 bytes written out with this one; at most 32768, so that every line's series key keeps room for the program's own tags within InfluxDB's 65,535 bytes`,
  },
  { name: '__proto__ as a key in a section', text: '[router]\ntype = att\nurl = http://192.168.1.254\n__proto__ = x\n', message: `${FILE}: [router] __proto__: cannot be a key name (line 4)` },
  {
    name: '__proto__ as a tag or a top-level key',
    text: '__proto__ = 1\n[tags]\n__proto__ = y\n[router]\ntype = att\nurl = http://192.168.1.254\n',
    message: `${FILE}: __proto__: cannot be a key name (line 1)\n${FILE}: [tags] __proto__: cannot be a key name (line 3)`,
  },
  {
    name: 'a value a comment left empty names the comment',
    text: 'measurement = #x\n[gw]\ntype = att\nurl = http://192.168.1.254\nhost = ;y\n',
    message: `${FILE}: measurement: cannot be a measurement name: measurement is empty (read as "": the rest of line 1, from "#", is a comment; write measurement = "#x" to keep it whole)\n${FILE}: [gw] host: empty value (read as "": the rest of line 5, from ";", is a comment; write host = ";y" to keep it whole)`,
  },
  {
    name: 'a bidi override in a tag value',
    text: '[tags]\nregion = north\u202Ehtuos\n[gw]\ntype = att\nurl = http://192.168.1.254\n',
    message: `${FILE}: [tags] region: cannot be written as a tag: it holds U+202E, an invisible character that changes how the text shows (remove it)`,
  },
  {
    name: 'a zero-width space in a section name (the host tag)',
    text: '[gw\u200B]\ntype = att\nurl = http://192.168.1.254\n',
    message: `${FILE}: [gw\u200B]: cannot be written as a tag: it holds U+200B, an invisible character that changes how the text shows (remove it)`,
  },
  { name: 'list value', text: '[router]\ntype = att\nurl[] = http://192.168.1.254\n', message: `${FILE}: [router] url: lists (key[] = ...) are not supported` },
  { name: 'reserved tag', text: '[tags]\nhost = x\n', message: `${FILE}: [tags] host: the tag "host" is set by the program and cannot be overridden here` },
  { name: 'empty tag', text: '[tags]\nregion =\n', message: `${FILE}: [tags] region: empty value (a tag needs a value)` },
  { name: 'tag key with _', text: '[tags]\n_region = x\n', message: `${FILE}: [tags] _region: cannot be written as a tag: tag key "_region" starts with "_"` },
  {
    name: 'unknown area',
    text: '[router]\ntype = att\nurl = http://192.168.1.254\ncollect = traffic, wifi\n',
    message: `${FILE}: [router] collect: unknown area "wifi" for type att (known: traffic, line, lan, system, nat)`,
  },
  { name: 'empty collect', text: '[router]\ntype = att\nurl = http://192.168.1.254\ncollect = ,\n', message: `${FILE}: [router] collect: empty (choose from: traffic, line, lan, system, nat)` },
  {
    name: 'access code file missing',
    text: '[router]\ntype = att\nurl = http://192.168.1.254\naccess_code_file = /nonexistent/code\n',
    message: `${FILE}: [router] access_code_file: cannot read the file it names: there is no such file (ENOENT)`,
  },
  {
    name: 'access code env unset',
    text: '[router]\ntype = att\nurl = http://192.168.1.254\naccess_code_env = NO_SUCH_VAR_HOMENET\n',
    message: `${FILE}: [router] access_code_env: the environment variable it names is not set (or empty)`,
  },
  {
    name: 'access code env not a name',
    text: '[router]\ntype = att\nurl = http://192.168.1.254\naccess_code_env = $CODE\n',
    message: `${FILE}: [router] access_code_env: not an environment variable name (write the name of a variable that holds the code, like ATT_ACCESS_CODE)`,
  },
  {
    name: 'both access code sources',
    text: '[router]\ntype = att\nurl = http://192.168.1.254\naccess_code_env = A\naccess_code_file = /x\n',
    message: `${FILE}: [router] access_code_env: set only one of access_code_file and access_code_env`,
  },
  {
    name: 'area of another type',
    text: '[spk]\ntype = sonos\nurl = http://192.168.1.20:1400\ncollect = traffic, nat\n',
    message: `${FILE}: [spk] collect: unknown area "nat" for type sonos (known: traffic, system, radio)`,
  },
  {
    name: 'access code on a speaker',
    text: '[spk]\ntype = sonos\nurl = http://192.168.1.20:1400\naccess_code_env = X\n',
    message: `${FILE}: [spk] access_code_env: only for type att or att-bgw, not sonos`,
  },
  { name: 'interfaces on a gateway', text: '[gw]\ntype = att\nurl = http://192.168.1.254\ninterfaces = br0\n', message: `${FILE}: [gw] interfaces: only for type sonos or sonos-household, not att` },
  { name: 'bad interface name', text: '[spk]\ntype = sonos\nurl = http://192.168.1.20:1400\ninterfaces = br0, eth 0\n', message: `${FILE}: [spk] interfaces: "eth 0" is not an interface name` },
  { name: 'no devices in file', text: 'measurement = net\n', message: `${FILE}: no devices configured (add a section with type and url)` },
  { name: 'no devices at all', flags: {}, message: 'no devices configured: give --config FILE or --device TYPE=URL' },
  { name: '--device without =', flags: { devices: ['att'] }, message: '--device "att": expected TYPE=URL, like --device att=http://192.168.1.254' },
  {
    name: '--device unknown type',
    flags: { devices: ['sonoz=http://192.168.1.20:1400'] },
    message: '--device "sonoz=http://192.168.1.20:1400": unknown device type "sonoz" (did you mean "sonos"?) (known: att, att-pace, att-bgw, sonos, sonos-household)',
  },
  { name: '--device bad URL', flags: { devices: ['att=gateway'] }, message: '--device "att=gateway": "gateway" is not a URL (write it like http://192.168.1.254)' },
  {
    name: '--device with a password in its URL: the password is not echoed',
    flags: { devices: ['att=http://admin:Hunter2pw@192.168.1.254'] },
    message: '--device "att=http://…@192.168.1.254": must not contain a user name or password',
  },
  {
    name: '--device with a password in a URL that is no URL',
    flags: { devices: ['att=http://admin:Hunter2pw@[bad'] },
    message: '--device "att=http://…@[bad": "http://…@[bad" is not a URL (write it like http://192.168.1.254)',
  },
  {
    name: 'a password in a URL that is no URL',
    text: '[router]\ntype = att\nurl = http://admin:Hunter2pw@[bad\n',
    message: `${FILE}: [router] url: "http://…@[bad" is not a URL (write it like http://192.168.1.254)`,
  },
  { name: '--tag without =', flags: { devices: ['att=http://192.168.1.254'], tags: ['region'] }, message: '--tag "region": expected KEY=VALUE, like --tag region=home' },
  { name: '--timeout bad', flags: { devices: ['att=http://192.168.1.254'], timeout: '5 seconds' }, message: '--timeout: "5 seconds" is not a duration (write it like 4s or 500ms)' },
];

describe('config: an access code under the wrong key is never echoed', () => {
  // Codes as printed on gateway labels: one that is a valid variable name, one that is not, one for the file key.
  const cases: readonly { key: string; code: string; message: string }[] = [
    { key: 'access_code_env', code: 'Zq7Kx2Pw9R', message: 'the environment variable it names is not set (or empty)' },
    { key: 'access_code_env', code: '4829-1736<0', message: 'not an environment variable name (write the name of a variable that holds the code, like ATT_ACCESS_CODE)' },
    { key: 'access_code_file', code: '8*4&2<9!0%', message: 'cannot read the file it names: there is no such file (ENOENT)' },
  ];
  for (const c of cases) {
    it(`${c.key} = <a code>`, () => {
      const text = `[router]\ntype = att\nurl = http://192.168.1.254\n${c.key} = ${c.code}\n`;
      assert.throws(
        () => buildConfig({ file: FILE, fileText: text, readSecretFile: (path) => readFileSync(path, 'utf8'), env: {} }),
        (err: unknown) => {
          assert.ok(err instanceof ConfigError);
          assert.ok(!err.message.includes(c.code), err.message);
          assert.equal(err.message, `${FILE}: [router] ${c.key}: ${c.message}`);
          return true;
        },
      );
    });
  }

  it('nor is the path of an empty code file', () => {
    const text = '[router]\ntype = att\nurl = http://192.168.1.254\naccess_code_file = 8*4&2<9!0%\n';
    assert.throws(() => buildConfig({ file: FILE, fileText: text, readSecretFile: () => ' \n' }), {
      message: `${FILE}: [router] access_code_file: the file it names is empty`,
    });
  });
});

describe('config: a value cut by an inline comment', () => {
  const gw = '[gw]\ntype = att-bgw\nurl = http://192.168.1.254\n';
  it('is read up to the comment, with a warning that says how to keep it whole', () => {
    const c = ok('[living]\ntype = sonos\nurl = http://192.168.1.20:1400\nhost = Living Room #2\n');
    assert.equal(c.devices[0]?.host, 'Living Room');
    assert.deepEqual(c.warnings, [`W! ${FILE}: [living] host: read as "Living Room": the rest of line 4, from "#", is a comment (write host = "Living Room #2" to keep it whole)`]);
  });

  it('quoted or escaped, it is whole and there is no warning', () => {
    for (const text of ['host = "Living Room #2"\n', 'host = Living Room \\#2\n']) {
      const c = ok(`[living]\ntype = sonos\nurl = http://192.168.1.20:1400\n${text}`);
      assert.equal(c.devices[0]?.host, 'Living Room #2', text);
      assert.deepEqual(c.warnings, [], text);
    }
  });

  it("the warning never shows an access code key's value", () => {
    const c = ok(`${gw}collect = nat\naccess_code_file = /etc/att;code\n`, { readSecretFile: () => '1234' });
    assert.deepEqual(c.warnings, [`W! ${FILE}: [gw] access_code_file: the value was cut at ";" on line 5, where a comment starts (quote the value to keep it whole)`]);
  });
});

describe('config: every mistake in one pass', () => {
  it('reports all of them, in file order', () => {
    const text = 'timeout = soon\n[tags]\nhost = x\n[a]\ntype = att\nurl = 192.168.1.254\ncolour = blue\n[b]\ntype = sonoz\nurl = http://192.168.1.20:1400\n';
    assert.throws(
      () => buildConfig({ file: FILE, fileText: text, devices: ['att'] }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.deepEqual(err.message.split('\n'), [
          `${FILE}: timeout: "soon" is not a duration (write it like 4s or 500ms)`,
          `${FILE}: [tags] host: the tag "host" is set by the program and cannot be overridden here`,
          `${FILE}: [a] colour: unknown key (known: type, url, host, insecure, timeout, collect, access_code_file, access_code_env, billing_day, data_cap, interfaces)`,
          `${FILE}: [a] url: "192.168.1.254" is not a URL (write it like http://192.168.1.254)`,
          `${FILE}: [b] type: unknown device type "sonoz" (did you mean "sonos"?) (known: att, att-pace, att-bgw, sonos, sonos-household)`,
          '--device "att": expected TYPE=URL, like --device att=http://192.168.1.254',
        ]);
        return true;
      },
    );
  });

  it('state_file must be an absolute path in an existing folder', () => {
    const src = { file: FILE, devices: ['att=http://192.168.1.254'], isDirectory: (d: string) => d === '/var/lib/homenet' };
    assert.equal(buildConfig({ ...src, fileText: 'state_file = /var/lib/homenet/state.json\n' }).stateFile, '/var/lib/homenet/state.json');
    assert.throws(() => buildConfig({ ...src, fileText: 'state_file = state.json\n' }), { message: `${FILE}: state_file: "state.json" is not an absolute path` });
    assert.throws(() => buildConfig({ ...src, fileText: 'state_file = /nope/state.json\n' }), { message: `${FILE}: state_file: the folder /nope does not exist` });
  });
});

describe('config: each mistake has its exact message', () => {
  for (const m of MISTAKES) {
    it(m.name, () => {
      const io = { readSecretFile: (path: string) => readFileSync(path, 'utf8'), env: {} };
      const src: ConfigSources = m.text !== undefined ? { file: FILE, fileText: m.text, ...io, ...m.flags } : { ...io, ...m.flags };
      assert.throws(
        () => buildConfig(src),
        (err: unknown) => {
          assert.ok(err instanceof ConfigError, String(err));
          assert.equal(err.message, m.message);
          return true;
        },
      );
    });
  }
});
