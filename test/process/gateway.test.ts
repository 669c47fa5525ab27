/** Whole-gateway gathers against the simulator: families, areas, the .ha login and its session pool. */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { collect, type DeviceState } from '../../src/collect/index.js';
import { buildConfig, type Config } from '../../src/config/index.js';
import { bgwFamily } from '../../src/devices/att/bgw.js';
import { paceFamily } from '../../src/devices/att/pace.js';
import { FetchError, fetchPage } from '../../src/http/index.js';
import { serialize, type Metric } from '../../src/lineprotocol.js';
import { SIM_ACCESS_CODE } from '../../src/devices/att/simulate/bgw.js';
import { startSimulator, type Simulator } from '../../src/simulate/server.js';
import { useSimulator, useSimulatorAndFolder } from '../support/context.js';
import { lines, runBin, runMain } from '../support/helpers.js';

const ALL = 'traffic, line, lan, system, nat';

function config(sim: Simulator, prefix: string, extra = '', env: Record<string, string> = { CODE: SIM_ACCESS_CODE }): Config {
  return buildConfig({
    file: 'gw.ini',
    fileText: `[gw]\ntype = att\nurl = ${sim.url}${prefix}\n${extra}`,
    env,
  });
}

function names(metrics: readonly Metric[]): string[] {
  return [...new Set(metrics.map((m) => m.name))];
}

function scrape(metrics: readonly Metric[]): Metric | undefined {
  return metrics.find((m) => m.name === 'homenet_scrape');
}

describe('AT&T gateways against the simulator', () => {
  const lab = useSimulator();

  it('a remembered family whose first page is gone is found again (another model at that address)', async () => {
    const states = new Map<string, DeviceState>([['gw', { family: paceFamily }]]);
    const { metrics, log } = await collect(config(lab.sim, '/bgw320', 'collect = traffic\n'), { states });
    assert.deepEqual(log, []);
    assert.equal(states.get('gw')?.family, bgwFamily);
    assert.equal(scrape(metrics)?.fields['success']?.value, true);
    assert.ok(
      metrics.some((m) => m.name === 'net' && m.fields['ipv6_tx_pkts'] !== undefined),
      'read as a BGW',
    );
  });

  it('BGW320 with collect = everything: every measurement, one request per page, session closed', async () => {
    const before = new Map(lab.sim.hits);
    const { metrics, log } = await collect(config(lab.sim, '/bgw320', `collect = ${ALL}\naccess_code_env = CODE\n`));
    assert.deepEqual(log, []);
    assert.deepEqual(names(metrics).sort(), ['homenet_fiber', 'homenet_lan', 'homenet_nat', 'homenet_scrape', 'homenet_system', 'homenet_wan', 'net']);
    assert.equal(scrape(metrics)?.fields['success']?.value, true);
    for (const m of metrics) serialize(m);
    const delta = (path: string): number => (lab.sim.hits.get(`/bgw320${path}`) ?? 0) - (before.get(`/bgw320${path}`) ?? 0);
    for (const page of ['broadbandstatistics', 'lanstatistics', 'sysinfo', 'fiberstat', 'nattable', 'logout']) {
      assert.equal(delta(`/cgi-bin/${page}.ha`), 1, `${page}.ha requested once`);
    }
    assert.equal(delta('/cgi-bin/login.ha'), 2, 'login page read once and posted once');
    assert.equal(lab.sim.sessions('/bgw320'), 0, 'logged out after a collect');
    const nat = metrics.find((m) => m.name === 'homenet_nat');
    assert.equal(nat?.fields['sessions_max']?.value, 8192n);
    const fiber = metrics.find((m) => m.name === 'homenet_fiber');
    assert.ok((fiber?.fields['rx_power_dbm']?.value as number) < -17, 'tenths of dBm converted');
  });

  it('a NAT page that hangs past the deadline: the error names it, and the session is still closed', async () => {
    const hanging = await startSimulator({ fault: 'nat-hang' });
    try {
      const dev = config(hanging, '/bgw320', 'collect = nat\naccess_code_env = CODE\ntimeout = 600ms\n');
      const { log } = await collect(dev);
      assert.deepEqual(log, [`E! [gw] att ${hanging.url}/bgw320/cgi-bin/nattable.ha: no complete answer within 600 ms (the device's timeout)`]);
      assert.equal(hanging.hits.get('/bgw320/cgi-bin/logout.ha'), 1, 'logout sent after the deadline');
      assert.equal(hanging.sessions('/bgw320'), 0, 'no session left open');
    } finally {
      await hanging.close();
    }
  });

  it('the default areas need no login: no NAT, no login request', async () => {
    const before = lab.sim.hits.get('/bgw320/cgi-bin/login.ha') ?? 0;
    const { metrics, log } = await collect(config(lab.sim, '/bgw320'));
    assert.deepEqual(log, []);
    assert.ok(!names(metrics).includes('homenet_nat'));
    assert.ok(names(metrics).includes('homenet_lan'));
    assert.equal(lab.sim.hits.get('/bgw320/cgi-bin/login.ha') ?? 0, before);
  });

  it('BGW210 has no fiber page: skipped quietly, 64-bit counters kept whole', async () => {
    const { metrics, log } = await collect(config(lab.sim, '/bgw210', 'collect = traffic, line\n'));
    assert.deepEqual(log, []);
    assert.equal(scrape(metrics)?.fields['success']?.value, true);
    assert.ok(!names(metrics).includes('homenet_fiber'));
    assert.ok((metrics[0]?.fields['rx_bytes']?.value as bigint) > 2n ** 32n);
    assert.equal(metrics.filter((m) => m.name === 'homenet_dsl').length, 2);
  });

  it('the Pace family is found after a 404 and remembered for later gathers', async () => {
    const states = new Map<string, DeviceState>();
    const probe = (): number => lab.sim.hits.get('/cgi-bin/broadbandstatistics.ha') ?? 0;
    const first = probe();
    const a = await collect(config(lab.sim, ''), { states });
    assert.deepEqual(a.log, []);
    assert.deepEqual(names(a.metrics).sort(), ['homenet_dsl', 'homenet_lan', 'homenet_nat', 'homenet_scrape', 'homenet_system', 'homenet_wan', 'net']);
    assert.equal(probe(), first + 1);
    await collect(config(lab.sim, ''), { states });
    assert.equal(probe(), first + 1, 'no second probe');
    assert.equal(states.get('gw')?.family?.name, 'pace');
  });

  it('a failing page costs only its area', async () => {
    const fetcher: typeof fetchPage = (url, options) => (url.pathname.endsWith('/lanstatistics.ha') ? Promise.reject(new FetchError('HTTP 500 Internal Server Error', 500)) : fetchPage(url, options));
    const { metrics, log } = await collect(config(lab.sim, '/bgw320'), { fetcher });
    assert.deepEqual(log, [`E! [gw] att ${lab.url}/bgw320/cgi-bin/lanstatistics.ha: lan: HTTP 500 Internal Server Error`]);
    assert.deepEqual(names(metrics).sort(), ['homenet_fiber', 'homenet_scrape', 'homenet_system', 'homenet_wan', 'net']);
    assert.equal(scrape(metrics)?.fields['success']?.value, false);
    assert.equal(scrape(metrics)?.fields['error']?.value, 'lan: HTTP 500 Internal Server Error');
  });

  it('NAT without an access code: that area says how to set one', async () => {
    const { metrics, log } = await collect(config(lab.sim, '/bgw320', 'collect = traffic, nat\n'));
    assert.equal(log.length, 1);
    assert.match(log[0] ?? '', /nattable\.ha: nat: needs the access code: set access_code_file or access_code_env for this device$/);
    assert.ok(names(metrics).includes('net'));
  });

  it('a wrong access code: the NAT area fails, the rest prints, the code is never shown', async () => {
    const wrong = 'Wr0ng#Code!';
    const { metrics, log } = await collect(config(lab.sim, '/bgw320', 'collect = traffic, nat\naccess_code_env = CODE\n', { CODE: wrong }));
    assert.equal(log.length, 1);
    assert.match(log[0] ?? '', /login\.ha: nat: login refused: check the access code$/);
    assert.ok(names(metrics).includes('net'));
    const all = log.join('\n') + metrics.map((m) => serialize(m)).join('\n');
    assert.ok(!all.includes(wrong) && !all.includes(SIM_ACCESS_CODE));
  });

  it('the login POST sends no Cookie header when the login page set no cookie (issue 21)', async () => {
    const sent: (string | undefined)[] = [];
    const fetcher: typeof fetchPage = (url, options) => {
      if (options.form) sent.push(options.cookie);
      return fetchPage(url, options);
    };
    const { log } = await collect(config(lab.sim, '/bgw320', 'collect = nat\naccess_code_env = CODE\n'), { fetcher });
    assert.deepEqual(log, []);
    assert.deepEqual(sent, [undefined], 'one POST, without a cookie');
  });

  it('execd keeps the session: one login for two gathers', async () => {
    const states = new Map<string, DeviceState>();
    const cfg = config(lab.sim, '/bgw320', 'collect = nat\naccess_code_env = CODE\n');
    const posts = (): number => lab.sim.hits.get('/bgw320/cgi-bin/login.ha') ?? 0;
    const start = posts();
    for (let i = 0; i < 2; i++) {
      const { metrics, log } = await collect(cfg, { states, keepSessions: true });
      assert.deepEqual(log, []);
      assert.ok(names(metrics).includes('homenet_nat'));
    }
    assert.equal(posts() - start, 2, 'one GET and one POST of login.ha in all');
    assert.equal(lab.sim.sessions('/bgw320'), 1);
    assert.ok(states.get('gw')?.session !== undefined);
  });
});

describe('a gateway whose web sessions are all in use', () => {
  const lab = useSimulator({ maxSessions: 0 });

  it('backs off: reports it, then does not try to log in again for minutes', async () => {
    const states = new Map<string, DeviceState>();
    let now = 1_000_000;
    const cfg = config(lab.sim, '/bgw320', 'collect = traffic, nat\naccess_code_env = CODE\n');
    const first = await collect(cfg, { states, now: () => now });
    assert.match(first.log[0] ?? '', /nat: the gateway says all web server sessions are in use; no login for 5 minutes$/);
    assert.ok(names(first.metrics).includes('net'), 'the other areas still print');
    const logins = lab.sim.hits.get('/bgw320/cgi-bin/login.ha');
    now += 60_000;
    const second = await collect(cfg, { states, now: () => now });
    assert.match(second.log[0] ?? '', /nat: the gateway said all its web sessions are in use; not logging in again before the back-off ends$/);
    assert.equal(lab.sim.hits.get('/bgw320/cgi-bin/login.ha'), logins, 'no login attempt during the back-off');
    now += 5 * 60_000;
    await collect(cfg, { states, now: () => now });
    assert.ok((lab.sim.hits.get('/bgw320/cgi-bin/login.ha') ?? 0) > (logins ?? 0), 'tries again after the back-off');
  });
});

describe('the access code, from a file and through the launcher from its environment', () => {
  const lab = useSimulatorAndFolder('code');

  it('from a file: NAT is collected and the code appears nowhere in the output', async () => {
    writeFileSync(`${lab.dir}/code`, `${SIM_ACCESS_CODE}\n`, { mode: 0o600 });
    writeFileSync(`${lab.dir}/gw.ini`, `[gw]\ntype = att\nurl = ${lab.url}/bgw320\ncollect = ${ALL}\naccess_code_file = ${lab.dir}/code\n`);
    const r = await runMain(['--config', `${lab.dir}/gw.ini`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.ok(lines(r.stdout).some((l) => l.startsWith('homenet_nat,host=gw sessions=')));
    assert.ok(!r.stdout.includes(SIM_ACCESS_CODE) && !r.stderr.includes(SIM_ACCESS_CODE));
  });

  it('a wrong code from the environment: exit 0, one E! line, the code appears nowhere', async () => {
    writeFileSync(`${lab.dir}/env.ini`, `[gw]\ntype = att\nurl = ${lab.url}/bgw320\ncollect = traffic, nat\naccess_code_env = HOMENET_TEST_CODE\n`);
    const secret = 'Not-The-Code-42';
    const r = await runBin(['--config', `${lab.dir}/env.ini`], { env: { ...process.env, HOMENET_TEST_CODE: secret } });
    assert.equal(r.code, 0);
    assert.equal(lines(r.stderr).length, 1);
    assert.match(r.stderr, /^E! \[gw\] att .*: nat: login refused: check the access code\n$/);
    assert.ok(!r.stdout.includes(secret) && !r.stderr.includes(secret));
  });
});

describe('a simulated gateway rebooted', () => {
  it('counts from 0 again, uptime and counters, LAN ports too; the gateways not rebooted go on', async () => {
    let simMs = 0;
    const sim = await startSimulator({ now: () => simMs });
    try {
      const read = async (prefix: string): Promise<Map<string, bigint>> => {
        const { metrics } = await collect(config(sim, prefix, 'collect = traffic, lan, system\n'));
        const out = new Map<string, bigint>();
        for (const m of metrics) {
          for (const f of ['rx_bytes', 'tx_pkts', 'uptime_s']) {
            const v = m.fields[f];
            if (v?.kind === 'int') out.set(`${m.name}${m.tags['interface'] === undefined ? '' : ` ${m.tags['interface']}`} ${f}`, v.value);
          }
        }
        return out;
      };
      simMs = 50_000;
      const before = { pace: await read(''), bgw: await read('/bgw320') };
      sim.reboot('/bgw320');
      simMs = 60_000;
      const after = { pace: await read(''), bgw: await read('/bgw320') };
      // 10 s since the reboot: 12,500,000 bytes a second received, 3,000 packets sent, over the WAN; the busiest LAN port's share.
      assert.equal(after.bgw.get('homenet_system uptime_s'), 10n);
      assert.equal(after.bgw.get('net rx_bytes'), 125_000_000n);
      assert.equal(after.bgw.get('net tx_pkts'), 30_000n);
      assert.equal(after.bgw.get('homenet_lan port1 rx_bytes'), 90_000n);
      // Everything that had counted anything is lower (a port that is down counts nothing either way).
      for (const [key, value] of after.bgw) if ((before.bgw.get(key) ?? 0n) > 0n) assert.ok(value < (before.bgw.get(key) ?? 0n), `${key}: ${before.bgw.get(key)} then ${value}`);
      // The Pace at the root was not rebooted: 10 s more of everything.
      assert.equal(after.pace.get('homenet_system uptime_s'), (before.pace.get('homenet_system uptime_s') ?? 0n) + 10n);
      assert.equal(after.pace.get('net tx_pkts'), (before.pace.get('net tx_pkts') ?? 0n) + 4000n);
    } finally {
      await sim.close();
    }
  });
});
