/** Sonos speakers against the simulator: identity, interfaces, 403, household, radio, discovery. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { collect, IDENTITY_REFRESH_MS, type DeviceState } from '../../src/collect/index.js';
import { buildConfig, type Config } from '../../src/config/index.js';
import { FetchError, fetchPage } from '../../src/http/index.js';
import { serialize, type Metric } from '../../src/lineprotocol.js';
import { DESCRIPTION_REFRESH_MS, MAX_INTERFACES, MAX_SPEAKERS, radioFields } from '../../src/devices/sonos/index.js';
import { startSimulator, type Simulator } from '../../src/simulate/server.js';
import { useSimulator } from '../support/context.js';
import { FIXTURES, lines, runMain } from '../support/helpers.js';
import { DESCRIPTION_FIELDS, readSupportSections, supportSections } from '../../src/devices/sonos/support.js';
import { MAX_DEPTH, UNPACED } from '../../src/html/index.js';

function speakerConfig(sim: Simulator, n: number, extra = '', type = 'sonos'): Config {
  return buildConfig({ file: 'sonos.ini', fileText: `[spk]\ntype = ${type}\nurl = ${sim.url}/sonos/${n}\n${extra}` });
}

const hosts = (metrics: readonly Metric[]): string[] => [...new Set(metrics.map((m) => m.tags['host'] ?? ''))];
const interfaces = (metrics: readonly Metric[]): string[] => metrics.filter((m) => m.name === 'net').map((m) => m.tags['interface'] ?? '');

describe('one Sonos speaker', () => {
  const lab = useSimulator();

  it('is named by its zone; the bridge and no all-zero interface; model and firmware on homenet_system', async () => {
    const { metrics, log } = await collect(speakerConfig(lab.sim, 1));
    assert.deepEqual(log, []);
    assert.deepEqual(hosts(metrics), ['Living Room (L)']);
    // ath0 and eth0 have counted nothing on this speaker: 26 fields of zeros per gather.
    assert.deepEqual(interfaces(metrics), ['br0']);
    const br0 = metrics.find((m) => m.tags['interface'] === 'br0');
    assert.deepEqual(Object.keys(br0?.fields ?? {}).slice(0, 13), [
      'tx_bytes',
      'tx_pkts',
      'tx_err',
      'tx_drop',
      'tx_overruns',
      'tx_carrier',
      'rx_bytes',
      'rx_pkts',
      'rx_err',
      'rx_drop',
      'rx_overruns',
      'rx_frame',
      'collisions',
    ]);
    const system = metrics.find((m) => m.name === 'homenet_system');
    assert.ok(system);
    assert.equal(system.tags['model'], 'Sonos One');
    assert.equal(system.tags['firmware'], '85.0-64200');
    assert.equal(system.tags['serial'], '5C-AA-FD-00-00-10:A');
    for (const m of metrics) serialize(m);
  });

  it('the two speakers of a stereo pair get two hosts', async () => {
    const config = buildConfig({ devices: [`sonos=${lab.url}/sonos/1`, `sonos=${lab.url}/sonos/2`] });
    const { metrics } = await collect(config);
    assert.deepEqual(hosts(metrics), ['Living Room (L)', 'Living Room (R)']);
  });

  it('identity is read again every 10 minutes (a renamed room shows), and not at all when the config names the host', async () => {
    const states = new Map<string, DeviceState>();
    let now = 5_000_000;
    const options = { states, now: () => now };
    const zp = (): number => lab.sim.hits.get('/sonos/3/status/zp') ?? 0;
    const start = zp();
    await collect(speakerConfig(lab.sim, 3), options);
    now += IDENTITY_REFRESH_MS - 1;
    await collect(speakerConfig(lab.sim, 3), options);
    assert.equal(zp() - start, 1);
    now += 1;
    const again = await collect(speakerConfig(lab.sim, 3), options);
    assert.equal(zp() - start, 2, 'due again');
    assert.deepEqual(hosts(again.metrics), ["Kid's Room"]);
    now -= 3_600_000;
    await collect(speakerConfig(lab.sim, 3), options);
    assert.equal(zp() - start, 3, 'a name read "in the future" (the clock went back) is read again');
    const named = await collect(speakerConfig(lab.sim, 3, 'host = den-speaker\n'));
    assert.deepEqual(hosts(named.metrics), ['den-speaker']);
    assert.equal(zp() - start, 3, 'no zp request when host is set');
  });

  it('execd reads the description once per 10 minutes and repeats its line in between, only beside a live page', async () => {
    const states = new Map<string, DeviceState>();
    let now = 1_000_000;
    const options = { states, keepSessions: true, now: () => now };
    const desc = (): number => lab.sim.hits.get('/sonos/2/xml/device_description.xml') ?? 0;
    const start = desc();
    const systemOf = async (config: Config): Promise<Metric | undefined> => {
      const { metrics, log } = await collect(config, options);
      assert.deepEqual(log, []);
      return metrics.find((m) => m.name === 'homenet_system');
    };
    const first = await systemOf(speakerConfig(lab.sim, 2));
    now += DESCRIPTION_REFRESH_MS - 1;
    const repeated = await systemOf(speakerConfig(lab.sim, 2));
    assert.equal(desc() - start, 1, 'read once');
    assert.deepEqual(repeated?.tags, first?.tags);
    assert.deepEqual(repeated?.fields, first?.fields);
    assert.ok(repeated?.time !== undefined && first?.time !== undefined && repeated.time > first.time, 'a fresh timestamp');
    // With nothing else to read, the description is read: it is what says the speaker is alive.
    await systemOf(speakerConfig(lab.sim, 2, 'collect = system\n'));
    assert.equal(desc() - start, 2);
    now += DESCRIPTION_REFRESH_MS - 1;
    await systemOf(speakerConfig(lab.sim, 2));
    assert.equal(desc() - start, 2, 'that read counts: repeated');
    now += 1;
    await systemOf(speakerConfig(lab.sim, 2));
    assert.equal(desc() - start, 3, 'due again 10 minutes after the last read');
    now -= 3_600_000;
    await systemOf(speakerConfig(lab.sim, 2));
    assert.equal(desc() - start, 4, 'a clock that went back an hour: read, not repeated for 70 minutes');
    // A one-shot collect without memory always reads it.
    await collect(speakerConfig(lab.sim, 2), { states });
    assert.equal(desc() - start, 5);
  });

  it('without /status/zp the room name and serial name it', async () => {
    const fetcher: typeof fetchPage = (url, o) => (url.pathname.endsWith('/status/zp') ? Promise.reject(new FetchError('HTTP 404 Not Found', 404)) : fetchPage(url, o));
    const { metrics, log } = await collect(speakerConfig(lab.sim, 2), { fetcher });
    assert.deepEqual(log, []);
    assert.deepEqual(hosts(metrics), ['Living Room 5C-AA-FD-00-00-11:A']);
  });

  it('64-bit counters keep every digit', async () => {
    const { metrics } = await collect(speakerConfig(lab.sim, 3, 'collect = traffic\n'));
    const rx = metrics.find((m) => m.tags['interface'] === 'br0')?.fields['rx_bytes']?.value as bigint;
    assert.ok(rx > 2n ** 32n, `rx_bytes ${rx}`);
  });

  it('interfaces chooses the lines, all keeps every one but lo; radio is opt-in', async () => {
    const a = await collect(speakerConfig(lab.sim, 1, 'interfaces = br0, lo\n'));
    assert.deepEqual(interfaces(a.metrics), ['br0', 'lo']);
    const all = await collect(speakerConfig(lab.sim, 1, 'interfaces = all\n'));
    assert.deepEqual(interfaces(all.metrics), ['ath0', 'br0', 'eth0']);
    assert.ok(!a.metrics.some((m) => m.name === 'homenet_radio'));
    const b = await collect(speakerConfig(lab.sim, 1, 'collect = traffic, radio\n'));
    const radio = b.metrics.find((m) => m.name === 'homenet_radio');
    assert.equal(radio?.fields['noise_floor_dbm']?.value, -98n);
    assert.ok(!b.metrics.some((m) => m.name === 'homenet_system'));
  });

  it('a 403 says "local access disabled" and how to fix it', async () => {
    const { metrics, log } = await collect(speakerConfig(lab.sim, 4));
    assert.equal(log.length, 1);
    assert.match(log[0] ?? '', /^E! \[spk\] sonos http:\/\/127\.0\.0\.1:\d+\/sonos\/4\/status\/zp: local access disabled \(HTTP 403\): .*Sonos app/);
    const status = metrics.find((m) => m.name === 'homenet_scrape');
    assert.equal(status?.fields['success']?.value, false);
    assert.ok(status);
    assert.match(String(status.fields['error']?.value), /^local access disabled \(HTTP 403\)/);
  });
});

describe('a Sonos household of 30 speakers', () => {
  const lab = useSimulator({ speakers: 30 });

  it('is collected in one request, each speaker under its own zone name, every line valid', async () => {
    const { metrics, log } = await collect(speakerConfig(lab.sim, 7, 'collect = traffic, system, radio\n', 'sonos-household'));
    assert.deepEqual(log, []);
    assert.equal(lab.sim.hits.get('/sonos/7/support/review'), 1);
    assert.equal([...lab.sim.hits.keys()].filter((k) => k.startsWith('/sonos/')).length, 1, 'no other speaker page requested');
    const speakers = hosts(metrics.filter((m) => m.name !== 'homenet_scrape'));
    assert.equal(speakers.length, 30);
    assert.ok(speakers.includes("Kid's Room") && speakers.includes('Den & Bar') && speakers.includes('Patio <Outdoor>'));
    assert.equal(metrics.filter((m) => m.name === 'homenet_system').length, 30);
    assert.equal(metrics.filter((m) => m.name === 'homenet_radio').length, 30);
    assert.equal(metrics.filter((m) => m.tags['interface'] === 'br0').length, 30);
    assert.equal(metrics.filter((m) => m.tags['interface'] === 'lo').length, 0);
    for (const m of metrics) serialize(m);
    const page = await fetchPage(new URL(`${lab.url}/sonos/7/support/review`), { signal: AbortSignal.timeout(5000) });
    assert.ok(page.body.length > 400_000, `a 30-speaker review is about 450 KB (${page.body.length})`);
  });
});

describe('a speaker listing thousands of interfaces, a household of too many speakers (issue 21, item 2)', () => {
  let sim: Simulator;
  let crowd: Simulator;
  before(async () => {
    sim = await startSimulator({ fault: 'many-interfaces' });
    crowd = await startSimulator({ speakers: MAX_SPEAKERS + 6 });
  });
  after(async () => {
    await Promise.all([sim.close(), crowd.close()]);
  });

  it(`a speaker: its first ${MAX_INTERFACES} interfaces and its bridge are read, and one line says how many were left out`, async () => {
    const { metrics, log } = await collect(speakerConfig(sim, 1));
    // ath0, 15,000 made-up ones, then br0, eth0 and lo: the first 32 blocks and the bridge are read.
    assert.deepEqual(log, [
      `W! [spk] sonos ${sim.url}/sonos/1/status/ifconfig: traffic: Network interfaces (/status/ifconfig): 15004 interfaces listed, more than the 32 a speaker is read for: 14971 left out`,
    ]);
    const names = interfaces(metrics);
    assert.equal(names.length, MAX_INTERFACES);
    assert.deepEqual(names.slice(0, 2), ['veth0', 'veth1']);
    assert.equal(names.at(-1), 'br0');
    assert.equal(metrics.find((m) => m.name === 'homenet_scrape')?.fields['values_omitted']?.value, 1n);
  });

  it('the same speaker in its household page', async () => {
    const { metrics, log } = await collect(speakerConfig(sim, 2, '', 'sonos-household'));
    assert.deepEqual(log, [
      `W! [spk] sonos-household ${sim.url}/sonos/2/support/review: traffic: Household review (/support/review): Living Room (L): 15004 interfaces listed, more than the 32 a speaker is read for: 14971 left out`,
    ]);
    assert.equal(metrics.filter((m) => m.name === 'net' && m.tags['host'] === 'Living Room (L)').length, MAX_INTERFACES);
  });

  it(`a household: its first ${MAX_SPEAKERS} speakers are read, and one line says how many were left out`, async () => {
    const { metrics, log } = await collect(speakerConfig(crowd, 2, 'collect = traffic, system\n', 'sonos-household'));
    assert.deepEqual(log, [
      `W! [spk] sonos-household ${crowd.url}/sonos/2/support/review: traffic: Household review (/support/review): ${MAX_SPEAKERS + 6} speakers listed, more than the ${MAX_SPEAKERS} a household is read for: 6 left out (all their lines)`,
    ]);
    assert.equal(hosts(metrics.filter((m) => m.name !== 'homenet_scrape')).length, MAX_SPEAKERS);
    assert.equal(metrics.filter((m) => m.name === 'net').length, MAX_SPEAKERS);
  });
});

/** One address on loopback where a simulated speaker answers, and `swap(n)` puts speaker n there (DHCP moved them). */
async function swappable(sim: Simulator): Promise<{ url: string; swap: (n: number) => void; close: () => Promise<void> }> {
  let speaker = 1;
  const server: Server = createServer((req, res) => {
    get(`${sim.url}/sonos/${speaker}${req.url ?? '/'}`, (from) => {
      res.writeHead(from.statusCode ?? 502, from.headers);
      from.pipe(res);
    }).on('error', () => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    swap: (n) => {
      speaker = n;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('a speaker swapped in at the same address (issue 21, item 14)', () => {
  let sim: Simulator;
  let at: Awaited<ReturnType<typeof swappable>>;
  before(async () => {
    sim = await startSimulator();
    at = await swappable(sim);
  });
  after(async () => {
    await at.close();
    await sim.close();
  });

  const hostOf = (metrics: readonly Metric[], name: string): string | undefined => metrics.find((m) => m.name === name)?.tags['host'];

  it("execd: the next gather has the new speaker's name and description, not the old one's for 10 minutes", async () => {
    at.swap(1);
    const config = buildConfig({ file: 's.ini', fileText: `[spk]\ntype = sonos\nurl = ${at.url}\n` });
    const states = new Map<string, DeviceState>();
    let now = 7_000_000;
    const options = { states, keepSessions: true, now: () => now };
    const zps = (): number => (sim.hits.get('/sonos/1/status/zp') ?? 0) + (sim.hits.get('/sonos/3/status/zp') ?? 0);
    const start = zps();
    const first = await collect(config, options);
    assert.equal(hostOf(first.metrics, 'net'), 'Living Room (L)');
    assert.equal(first.metrics.find((m) => m.name === 'homenet_system')?.tags['model'], 'Sonos One');
    at.swap(3);
    now += 60_000;
    const swapped = await collect(config, options);
    assert.deepEqual(swapped.log, []);
    assert.deepEqual(hosts(swapped.metrics), ["Kid's Room"]);
    const system = swapped.metrics.find((m) => m.name === 'homenet_system');
    assert.equal(system?.tags['model'], 'Sonos Era 300');
    assert.equal(system.tags['serial'], '5C-AA-FD-00-00-12:A');
    now += 60_000;
    const after = await collect(config, options);
    assert.deepEqual(hosts(after.metrics), ["Kid's Room"]);
    assert.equal(zps() - start, 2, 'its name read once more, at the swap');
  });

  it('collect with a state file: the run after the swap names the new speaker', async () => {
    at.swap(1);
    const dir = mkdtempSync(`${tmpdir()}/homenet-swap-`);
    try {
      writeFileSync(`${dir}/s.ini`, `state_file = ${dir}/state.json\n[spk]\ntype = sonos\nurl = ${at.url}\n`);
      const first = await runMain(['--config', `${dir}/s.ini`]);
      assert.match(first.stdout, /^net,host=Living\\ Room\\ \(L\),interface=br0 /m);
      assert.match(readFileSync(`${dir}/state.json`, 'utf8'), /"hardware":"5C:AA:FD:00:00:10"/);
      at.swap(3);
      const second = await runMain(['--config', `${dir}/s.ini`]);
      assert.equal(second.code, 0, second.stderr);
      assert.deepEqual([...new Set(lines(second.stdout).map((l) => /host=((?:\\.|[^,\s])+)/.exec(l)?.[1]))], ["Kid's\\ Room"]);
      assert.match(second.stdout, /^homenet_system,.*model=Sonos\\ Era\\ 300/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('discover and parse from the command line', () => {
  const lab = useSimulator();

  it('discover prints INI sections that are a valid config', async () => {
    const r = await runMain(['discover', '--target', `127.0.0.1:${lab.sim.ssdpPort}`, '--wait', '400ms']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^;; 4 Sonos speakers found\./);
    assert.match(r.stdout, /\n\[living-room-l\]\n;; Living Room \(L\), Sonos One \(S18\)\ntype = sonos\nurl = http:\/\/127\.0\.0\.1:\d+\/sonos\/1\n/);
    assert.match(r.stdout, /\[kid-s-room\]/);
    // The speaker answering 403: the whole sentence, with what to do about it.
    assert.match(
      r.stdout,
      /\n;; RINCON_\w+ \(local access disabled \(HTTP 403\): the owner turned off local network \(UPnP\) control; turn it back on in the Sonos app under the system's network settings\)\ntype = sonos\n/,
    );
    const config = buildConfig({ file: 'pasted.ini', fileText: r.stdout });
    assert.equal(config.devices.length, 4);
    assert.ok(config.devices.every((d) => d.type === 'sonos'));
  });

  it('discover with nobody answering: a warning, exit 0', async () => {
    const r = await runMain(['discover', '--target', '127.0.0.1:9', '--wait', '200ms']);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^W! no Sonos speaker answered within 200ms/);
  });

  it('parse names lines by the zone in a saved zp page, and --host overrides it', async () => {
    const dir = `${FIXTURES}sonos/stereo-pair-right-32bit/`;
    const r = await runMain(['parse', '--type', 'sonos', `${dir}ifconfig.xml`, `${dir}zp.xml`]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(lines(r.stdout).every((l) => l.startsWith('net,host=Dining\\ Room\\ (R),interface=')));
    const named = await runMain(['parse', '--type', 'sonos', '--host', 'dining', `${dir}ifconfig.xml`, `${dir}zp.xml`]);
    assert.ok(lines(named.stdout).every((l) => l.startsWith('net,host=dining,interface=')));
  });

  it('prints the bridge and each interface that counted a packet: the wired speaker its eth0, the wireless one its radio', async () => {
    const r = await runMain(['parse', '--type', 'sonos-household', `${FIXTURES}sonos-household/nested-controller-before-ifconfig/review.xml`]);
    assert.equal(r.code, 0, r.stderr);
    const net = lines(r.stdout)
      .filter((l) => l.startsWith('net,'))
      .map((l) => l.slice(0, l.indexOf(' ')));
    assert.deepEqual(net, [
      'net,host=Den,interface=br0',
      'net,host=Den,interface=eth0',
      'net,host=Garage,interface=ath0',
      'net,host=Garage,interface=br0',
      'net,host=Sunroom,interface=ath0',
      'net,host=Sunroom,interface=br0',
    ]);
  });
});

describe('a device description (issue 25): read up to the last field a reader takes', () => {
  // Invented speaker; the shape of a real description: the fields, then the root device's services and embedded devices.
  const field = (name: string, value: string): string => `<${name}>${value}</${name}>`;
  const services = `<serviceList>${'<service><serviceType>urn:schemas-upnp-org:service:Example:1</serviceType><SCPDURL>/xml/Example1.xml</SCPDURL></service>'.repeat(12)}</serviceList>`;
  const embedded = `<deviceList><device>${field('roomName', 'Embedded Room')}${field('modelName', 'Embedded Model')}${services}</device></deviceList>`;
  const page = (before: string, after: string): string =>
    `<?xml version="1.0" encoding="utf-8" ?><root xmlns="urn:schemas-upnp-org:device-1-0"><device>${before}${services}${embedded}${after}</device></root>`;
  const values: Record<string, string> = {
    roomName: 'Sun Room',
    serialNum: '00-0E-58-AB-CD-EF:9',
    modelName: 'Sonos Sample',
    modelNumber: 'X99',
    softwareVersion: '90.1-12345',
    hardwareVersion: '1.2.3.4-5',
    swGen: '2',
  };
  const fields = (names: readonly string[]): string => names.map((n) => field(n, values[n] ?? '')).join('');

  it('names every field the speaker readers and discover take', () => {
    assert.deepEqual([...DESCRIPTION_FIELDS].sort(), Object.keys(values).sort());
  });

  it("fields after the service and device lists are still read, the embedded devices' are not", async () => {
    const late = ['roomName', 'swGen'];
    const text = page(fields(DESCRIPTION_FIELDS.filter((f) => !late.includes(f))), fields(late));
    for (const sections of [supportSections(text), await readSupportSections(text, UNPACED)]) {
      assert.deepEqual(Object.fromEntries([...DESCRIPTION_FIELDS].map((f) => [f, sections[0]?.device.get(f)])), values);
    }
  });

  it('stops once every field is in: what follows is not read (here, nesting past the limit, which fails a whole read)', async () => {
    const deep = `${'<x>'.repeat(MAX_DEPTH + 10)}${'</x>'.repeat(MAX_DEPTH + 10)}`;
    const text = page(fields(DESCRIPTION_FIELDS), deep);
    // Read slice by slice (16 KiB each), the deep part comes in a later slice than the fields.
    for (const sections of [supportSections(text), await readSupportSections(page(fields(DESCRIPTION_FIELDS), `${' '.repeat(40_000)}${deep}`), UNPACED)]) {
      assert.equal(sections[0]?.device.get('roomName'), 'Sun Room');
      assert.equal(sections[0].device.get('swGen'), '2');
    }
    // One field missing (older firmware has no swGen): the page is read to its end, and that fails here.
    const partial = page(fields(DESCRIPTION_FIELDS.filter((f) => f !== 'swGen')), deep);
    assert.throws(() => supportSections(partial), /nests elements more than/);
  });
});

describe('radio status', () => {
  it('a noise floor of 0 dBm on every chain is no measurement: left out with a warning, the rest kept', () => {
    const omitted: string[] = [];
    const text = 'Noise Floor: 0 dBm\nNoise Floor: 0 dBm\nIEEE channel: 6\n';
    const fields = radioFields(text, 'radio', (m) => omitted.push(m));
    assert.deepEqual(Object.keys(fields), ['ieee_channel']);
    assert.deepEqual(omitted, ['radio: every "Noise Floor" reads 0 dBm (no measurement): noise_floor_dbm left out']);
    // A real reading beside a 0 is the floor; the 0 is not the worst chain.
    const mixed = radioFields('Noise Floor: -101 dBm\nNoise Floor: 0 dBm\n', 'radio', (m) => omitted.push(m));
    assert.equal(mixed['noise_floor_dbm']?.value, -101n);
    assert.equal(mixed['chains']?.value, 1n);
  });
});
