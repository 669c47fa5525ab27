/**
 * The program as users run it: bin/telegraf-homenet and `simulate` as
 * processes, from another folder, with exit codes, signals, a full disk and a
 * reader that goes away. What only main() decides (messages, exit codes of
 * mistakes) is run in this process beside them: a process each would test the
 * same code again at 0.3 s of CPU a start.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer as createHttpServer } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { SIM_ACCESS_CODE } from '../../src/devices/att/simulate/bgw.js';
import { startSimulator, type Simulator } from '../../src/simulate/server.js';
import { eventually } from '../support/clock.js';
import { useSimulator } from '../support/context.js';
import { BIN, closedPort, FIXTURES, lines, ROOT, runBin, runMain } from '../support/helpers.js';

/** Starts `telegraf-homenet simulate` and resolves with its printed URL. */
function startSimulateProcess(args: string[] = []): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [BIN, 'simulate', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const line = out.split('\n')[0];
      if (out.includes('\n') && line !== undefined) resolve({ url: line, child });
    });
    child.on('exit', (code) => reject(new Error(`simulate exited with ${code}`)));
  });
}

const LINE_NET = /^net,host=router,region=lab tx_bytes=\d+i,tx_pkts=\d+i,tx_err=\d+i,tx_pct=[\d.]+,rx_bytes=\d+i,rx_pkts=\d+i,rx_err=\d+i,rx_pct=[\d.]+,total_time=\d+i,elapsed_time=\d+i$/;
const LINE_SCRAPE_OK = /^homenet_scrape,host=router,region=lab,type=att(-pace)? success=true,duration_ms=\d+i,values_omitted=0i$/;

describe('bin/telegraf-homenet against the simulator', () => {
  let sim: { url: string; child: ChildProcess };
  let dir = '';
  before(async () => {
    sim = await startSimulateProcess();
    dir = mkdtempSync(`${tmpdir()}/homenet-e2e-`);
  });
  after(() => {
    sim.child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });

  it('simulate prints a loopback URL', () => {
    assert.match(sim.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('collect with a config file, from another folder: traffic and scrape status, exit 0, quiet stderr', async () => {
    const ini = `${dir}/homenet.ini`;
    writeFileSync(ini, `timeout = 3s\n[tags]\nregion = lab\n[router]\ntype = att\nurl = ${sim.url}\ncollect = traffic\n`);
    const r = await runBin(['--config', ini], { cwd: '/' });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    const out = lines(r.stdout);
    assert.equal(out.length, 2, r.stdout);
    assert.match(out[0] ?? '', LINE_NET);
    assert.match(out[1] ?? '', LINE_SCRAPE_OK);
  });

  it('collect is the default command and takes --device and --tag', async () => {
    const r = await runMain(['collect', '--device', `att-pace=${sim.url}`, '--tag', 'region=lab']);
    assert.equal(r.code, 0, r.stderr);
    const host = new URL(sim.url).host;
    assert.match(r.stdout, new RegExp(`^net,host=${host.replace(/\./g, '\\.')},region=lab tx_bytes=\\d+i`));
  });

  it('a dead device: exit 0, scrape status false, one E! line, the live device still printed', async () => {
    const ini = `${dir}/two.ini`;
    const port = await closedPort();
    writeFileSync(ini, `timeout = 1s\n[tags]\nregion = lab\n[router]\ntype = att-pace\nurl = ${sim.url}\ncollect = traffic\n[dead]\ntype = att-pace\nurl = http://127.0.0.1:${port}\n`);
    const r = await runMain(['--config', ini]);
    assert.equal(r.code, 0);
    const out = lines(r.stdout);
    assert.match(out[0] ?? '', LINE_NET);
    assert.match(out[1] ?? '', LINE_SCRAPE_OK);
    assert.match(out[2] ?? '', /^homenet_scrape,host=dead,region=lab,type=att-pace success=false,duration_ms=\d+i,values_omitted=0i,error="connection refused"$/);
    assert.equal(r.stderr, `E! [dead] att-pace http://127.0.0.1:${port}/xslt?PAGE=C_1_0: connection refused\n`);
  });

  it('a configuration error: exit 2, nothing on stdout, the exact message', async () => {
    const ini = `${dir}/bad.ini`;
    writeFileSync(ini, '[router]\ntype = att\nurl = http://192.168.1.254\ninsecure = maybe\n');
    const r = await runBin(['--config', ini]);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, `E! ${ini}: [router] insecure: "maybe" must be true or false\n`);
  });

  it('several configuration errors: one E! line each, exit 2', async () => {
    const ini = `${dir}/many.ini`;
    writeFileSync(ini, 'measurement = homenet_x\n[r]\ntype = att\nurl = ftp://x\ntimeout = 5\n');
    const r = await runMain(['--config', ini]);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.deepEqual(lines(r.stderr), [
      `E! ${ini}: measurement: "homenet_x" is reserved (names starting "homenet_" are the program's own)`,
      `E! ${ini}: [r] url: "ftp://x" is not an http:// or https:// URL`,
      `E! ${ini}: [r] timeout: "5" is not a duration (write it like 4s or 500ms)`,
    ]);
  });

  it('a missing config file: exit 2', async () => {
    const r = await runMain(['--config', `${dir}/absent.ini`]);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, `E! ${dir}/absent.ini: cannot read the configuration file: there is no such file (ENOENT)\n`);
  });

  it('unknown options and commands are usage errors: exit 2', async () => {
    for (const args of [['--devices', 'att=http://127.0.0.1:1'], ['frobnicate'], ['parse', '--type', 'att']]) {
      const r = await runMain(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /^E! .+\nRun "telegraf-homenet --help" for usage\.\n$/);
    }
  });

  it('--help and --version work from any folder', async () => {
    const help = await runMain(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /telegraf-homenet parse <files\.\.>/);
    assert.match(help.stdout, /--device/);
    const version = await runBin(['--version'], { cwd: '/' });
    const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { version: string };
    assert.equal(version.stdout, `${pkg.version}\n`);
  });

  it('parse reads a saved page offline and sets --host', async () => {
    const r = await runBin(['parse', '--type', 'att', '--host', 'router', `${FIXTURES}att-pace/isp-branded/C_1_0.html`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, readFileSync(`${FIXTURES}att-pace/isp-branded/expected.out`, 'utf8'));
  });

  it("parse of a broken page: the area's ParseError on stderr, the other areas on stdout", async () => {
    const r = await runMain(['parse', '--type', 'att', '--host', 'router', `${FIXTURES}att-pace/broken-no-table/C_1_0.html`]);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, readFileSync(`${FIXTURES}att-pace/broken-no-table/expected.out`, 'utf8'));
    assert.equal(r.stderr, readFileSync(`${FIXTURES}att-pace/broken-no-table/expected.err`, 'utf8'));
  });

  it('parse of a page of another kind: exit 2 naming the file', async () => {
    const other = `${dir}/other.xml`;
    writeFileSync(other, '<?xml version="1.0" ?><ZPSupportInfo></ZPSupportInfo>');
    const r = await runMain(['parse', '--type', 'att', other]);
    assert.equal(r.code, 2);
    const expected = `E! ${other}: not a page that type "att" reads (it reads: Broadband Status (/cgi-bin/broadbandstatistics.ha), `;
    assert.ok(r.stderr.startsWith(expected), r.stderr);
  });
});

describe('simulate as a process', () => {
  it('serves the ISP layout and stops cleanly on SIGTERM', async () => {
    const { url, child } = await startSimulateProcess(['--layout', 'isp']);
    const page = await (await fetch(`${url}/xslt?PAGE=C_1_0`)).text();
    assert.match(page, /class="tablesidebold">IP&nbsp;Traffic</);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  });
});

describe('messages that name the cause (issue #13, item 20)', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(`${tmpdir()}/homenet-msg-`);
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('a binary file given as the config: one line saying so, exit 2', async () => {
    writeFileSync(`${dir}/bin.ini`, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x00, 0x00, 0x0a, 0x1b, 0x5b, 0x32, 0x4a, 0x0a]));
    const r = await runMain(['--config', `${dir}/bin.ini`]);
    assert.deepEqual({ code: r.code, stdout: r.stdout, stderr: r.stderr }, { code: 2, stdout: '', stderr: `E! ${dir}/bin.ini: is not an INI file (it holds binary data)\n` });
  });

  it('control characters in a config error are escaped, never written raw', async () => {
    writeFileSync(`${dir}/ctl.ini`, '[a]\ntype = att\nurl = http://127.0.0.1:1\nho\u001b[2Jst = x\n');
    const r = await runMain(['--config', `${dir}/ctl.ini`]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /\[a\] ho\\x1b\[2Jst: unknown key/);
    // eslint-disable-next-line no-control-regex -- checking that none is left
    assert.doesNotMatch(r.stderr.replace(/\n/g, ''), /[\u0000-\u001f]/);
  });

  it('port 0 is refused: no device listens there', async () => {
    const r = await runMain(['--device', 'att=http://127.0.0.1:0']);
    assert.deepEqual(
      { code: r.code, stdout: r.stdout, stderr: r.stderr },
      {
        code: 2,
        stdout: '',
        stderr: 'E! --device "att=http://127.0.0.1:0": "http://127.0.0.1:0" has port 0, which no device listens on\n',
      },
    );
  });

  it('simulate on a port in use: exit 2 with the fix, no stack trace', async () => {
    const { createServer } = await import('node:net');
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    const port = (busy.address() as { port: number }).port;
    try {
      const r = await runMain(['simulate', '--port', String(port)]);
      assert.deepEqual({ code: r.code, stderr: r.stderr }, { code: 2, stderr: `E! --port: ${port} is in use by another program (choose another, or 0 for a free one)\n` });
    } finally {
      busy.close();
    }
  });

  it('stdout on a full disk: one E! line and exit 1, no stack trace', async () => {
    const port = await closedPort();
    const { openSync, closeSync } = await import('node:fs');
    const full = openSync('/dev/full', 'w');
    try {
      const child = spawn(process.execPath, [BIN, '--device', `att-pace=http://127.0.0.1:${port}`], { stdio: ['ignore', full, 'pipe'] });
      let stderr = '';
      child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      const code = await new Promise<number | null>((r) => child.on('close', r));
      assert.equal(code, 1);
      assert.match(stderr, /^E! cannot write the output \(ENOSPC\)$/m);
      assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
    } finally {
      closeSync(full);
    }
  });
});

describe('a reader that closes standard output early (issue 21)', () => {
  const lab = useSimulator();

  /** Runs the launcher with stdout a pipe whose reading end is closed at once; its exit code and stderr. */
  async function closedEarly(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stderr: string }> {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['pipe', 'pipe', 'pipe'], env });
    // Closed before the program has written anything: its first write fails with EPIPE.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      // execd: one gather, once it is ready.
      if (d.includes('I! telegraf-homenet execd')) child.stdin.write('\n');
    });
    if (args[0] !== 'execd') child.stdin.end();
    const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    const code = await new Promise<number | null>((r) => child.on('close', r));
    clearTimeout(killer);
    return { code, stderr };
  }

  it('collect: one E! line saying so, and exit 1, not 0', async () => {
    const r = await closedEarly(['--device', `att=${lab.url}/bgw320`]);
    assert.deepEqual(r, { code: 1, stderr: 'E! cannot write the output (EPIPE): standard output was closed before all of it was written\n' });
  });

  it('execd: the same, after logging out of the gateway', async () => {
    const ini = `${mkdtempSync(`${tmpdir()}/homenet-epipe-`)}/gw.ini`;
    writeFileSync(ini, `[gw]\ntype = att\nurl = ${lab.url}/bgw320\ncollect = nat\naccess_code_env = CODE\n`);
    const logouts = lab.sim.hits.get('/bgw320/cgi-bin/logout.ha') ?? 0;
    const r = await closedEarly(['execd', '--config', ini], { CODE: SIM_ACCESS_CODE });
    rmSync(ini.replace(/\/gw\.ini$/, ''), { recursive: true, force: true });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^E! cannot write the output \(EPIPE\): standard output was closed before all of it was written$/m);
    assert.equal((lab.sim.hits.get('/bgw320/cgi-bin/logout.ha') ?? 0) - logouts, 1, 'logged out');
    assert.equal(lab.sim.sessions('/bgw320'), 0);
  });
});

/**
 * A device that answers every request with HTTP 500 and counts the
 * connections the client has closed: once its one page's connection is
 * closed, the program has read the answer and is done with that device.
 */
async function failingDevice(): Promise<{ url: string; closed: () => number; close: () => Promise<void> }> {
  let closed = 0;
  const server = createHttpServer((_req, res) => {
    res.writeHead(500).end();
  });
  server.on('connection', (socket) => socket.on('close', () => closed++));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    closed: () => closed,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// Each device's timeout is 5 minutes: a run that waited for it instead of ending on the signal fails by this timeout.
describe('Ctrl-C and SIGTERM during a one-shot gather (collect, --format pretty, capture)', { timeout: 60_000 }, () => {
  let answered: Awaited<ReturnType<typeof failingDevice>>;
  let hang: Simulator;
  let dir = '';
  let ini = '';
  before(async () => {
    [answered, hang] = await Promise.all([failingDevice(), startSimulator({ fault: 'hang' })]);
    dir = mkdtempSync(`${tmpdir()}/homenet-interrupt-`);
    ini = `${dir}/homenet.ini`;
    // The longest timeout there is: before the fix, the run waited for it.
    writeFileSync(ini, `timeout = 5m\n[router]\ntype = att-pace\nurl = ${answered.url}\ncollect = traffic\n[stuck]\ntype = att-pace\nurl = ${hang.url}\ncollect = traffic\n`);
  });
  after(async () => {
    await Promise.all([answered.close(), hang.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  /**
   * Runs the launcher with `args` and sends `signal` once the one device has
   * answered (the program closed its connection) and the other one, which
   * never answers, has been asked.
   */
  async function interrupt(args: readonly string[], signal: NodeJS.Signals): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const [closedBefore, hangBefore] = [answered.closed(), hang.hits.get('/xslt?PAGE=C_1_0') ?? 0];
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    try {
      await eventually(() => answered.closed() > closedBefore && (hang.hits.get('/xslt?PAGE=C_1_0') ?? 0) > hangBefore);
      child.kill(signal);
      return { code: await closed, stdout, stderr };
    } finally {
      child.kill('SIGKILL');
    }
  }

  it('collect: Ctrl-C with one device answered and one hanging (timeout 5m) ends at once, exit 130, nothing on stdout, one W! line', async () => {
    const r = await interrupt(['--config', ini], 'SIGINT');
    assert.equal(r.code, 130, r.stderr);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, 'W! interrupted by SIGINT while waiting for [stuck] (1 of 2 devices had answered): nothing printed\n');
  });

  it('collect --format pretty: SIGTERM ends it at once, exit 143, no table', async () => {
    const r = await interrupt(['--config', ini, '--format', 'pretty'], 'SIGTERM');
    assert.equal(r.code, 143, r.stderr);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, 'W! interrupted by SIGTERM while waiting for [stuck] (1 of 2 devices had answered): nothing printed\n');
  });

  it('capture: Ctrl-C ends it at once, exit 130, no page saved', async () => {
    const out = `${dir}/capture`;
    const r = await interrupt(['capture', '--config', ini, '--out', out], 'SIGINT');
    assert.equal(r.code, 130, r.stderr);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, `W! interrupted by SIGINT while waiting for [stuck] (1 of 2 devices had answered): nothing printed, nothing saved in ${out}\n`);
    assert.deepEqual(readdirSync(out), []);
  });
});
