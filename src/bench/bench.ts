/**
 * `npm run bench`: the speed and memory targets, measured against the
 * simulator on loopback. Machines here are noisy, so every figure is a
 * median of interleaved runs and, where the target is a ratio, divided by a
 * baseline measured in the same run. Prints one line per target.
 *
 * This is a measuring tool, not part of the program: it runs other programs.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { collect } from '../collect.js';
import { buildConfig } from '../config.js';
import { DEVICE_KINDS, extractPage, type Area } from '../devices/index.js';
import { fetchPage } from '../http.js';
import { household, reviewPage } from '../devices/sonos/simulate/sonos.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = `${root}bin/telegraf-homenet`;
const BINARY = `${root}dist/telegraf-homenet-linux-x64`;
const BASE_NODE = `${root}dist/sea/base-26.10.0/package/bin/node`;
const RUNS = Number(process.env['BENCH_RUNS'] ?? 11);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

interface ProcessRun {
  ms: number;
  peakKiB: number;
  /** Highest private (anonymous) resident memory seen, sampled every 2 ms. */
  anonKiB: number;
  code: number | null;
}

/** The program's own pid: GNU time's child when it runs under GNU time. */
function programPid(pid: number): number {
  if (!haveGnuTime) return pid;
  try {
    return Number(readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(' ')[0]) || pid;
  } catch {
    return pid;
  }
}

// GNU time reads the peak resident size from the kernel when the program
// ends (ru_maxrss); polling /proc can only sample it.
const GNU_TIME = '/usr/bin/time';
const haveGnuTime = existsSync(GNU_TIME) && spawnSync(GNU_TIME, ['-f', '%M', 'true'], { encoding: 'utf8' }).stderr.trim() !== '';
let runCount = 0;

/** Runs a program to its end; wall time and peak resident memory. */
function runProcess(program: string, args: string[], input?: string): Promise<ProcessRun> {
  const rssFile = `${tmpdir()}/homenet-bench-rss-${process.pid}-${runCount++}`;
  const [cmd, argv] = haveGnuTime ? [GNU_TIME, ['-f', '%M', '-o', rssFile, program, ...args]] : [program, args];
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(cmd, argv, { stdio: ['pipe', 'ignore', 'ignore'], cwd: '/' });
    let peakKiB = 0;
    let anonKiB = 0;
    const poll = setInterval(() => {
      try {
        const status = readFileSync(`/proc/${programPid(child.pid ?? 0)}/status`, 'utf8');
        const hwm = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
        const anon = /RssAnon:\s+(\d+) kB/.exec(status)?.[1];
        if (hwm !== undefined && !haveGnuTime) peakKiB = Math.max(peakKiB, Number(hwm));
        if (anon !== undefined) anonKiB = Math.max(anonKiB, Number(anon));
      } catch {
        // gone
      }
    }, 2);
    child.on('exit', (code) => {
      const ms = performance.now() - started;
      clearInterval(poll);
      if (haveGnuTime) {
        peakKiB = Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop());
        rmSync(rssFile, { force: true });
      }
      resolve({ ms, peakKiB, anonKiB, code });
    });
    child.stdin.end(input ?? '');
  });
}

/** CPU time (user + system) of a process so far, ms, from /proc. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / 100;
}

interface Row {
  readonly what: string;
  readonly figure: string;
  readonly target: string;
  readonly met: boolean | undefined;
}
const rows: Row[] = [];
function report(what: string, figure: string, target: string, met: boolean | undefined): void {
  rows.push({ what, figure, target, met });
  process.stdout.write(`${what.padEnd(58)} ${figure.padEnd(26)} ${target.padEnd(12)} ${met === undefined ? 'info' : met ? 'met' : 'MISSED'}\n`);
}

/** Starts the simulator as its own process (so its CPU is not ours) and returns its URL. */
async function simulatorProcess(args: string[] = []): Promise<{ url: string; stop: () => void }> {
  const child = spawn(process.execPath, [BIN, 'simulate', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'ignore'] });
  const url = await new Promise<string>((resolve) => {
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (out.includes('\n')) resolve(out.split('\n')[0] ?? '');
    });
  });
  return { url, stop: () => child.kill('SIGTERM') };
}

/**
 * The pages a default collect of the gateway and three speakers fetches,
 * one list per device, in order.
 */
function collectPages(url: string): string[][] {
  const pace = ['C_1_0', 'C_0_0', 'C_2_5', 'C_5_5'].map((p) => `${url}/xslt?PAGE=${p}`);
  const speaker = (n: number): string[] => ['/status/zp', '/status/ifconfig', '/xml/device_description.xml'].map((p) => `${url}/sonos/${n}${p}`);
  return [pace, speaker(1), speaker(2), speaker(3)];
}

/**
 * A program that fetches the same pages on bare node:net sockets (two
 * devices at a time, as collect does on one host:port) and parses nothing:
 * what any Node program that makes these requests pays on top of `node -e 0`.
 */
function bareRequestsScript(devices: string[][]): string {
  return `const net = require('node:net');
    const devices = ${JSON.stringify(devices)};
    const get = (u) => new Promise((ok, fail) => {
      const { hostname, port, pathname, search } = new URL(u);
      const s = net.connect(Number(port), hostname);
      let head = '';
      s.on('error', fail).on('data', (d) => { if (head.length < 12) head += d.toString('latin1'); });
      s.on('end', () => (head.startsWith('HTTP/1.1 200') ? ok() : fail(new Error(u + ': ' + head.slice(0, 12)))));
      s.write('GET ' + pathname + search + ' HTTP/1.1\\r\\nHost: ' + hostname + ':' + port + '\\r\\nConnection: close\\r\\n\\r\\n');
    });
    const lane = async () => { for (let d; (d = devices.shift()); ) for (const u of d) await get(u); };
    Promise.all([lane(), lane()]).catch((e) => { console.error(e); process.exitCode = 1; });`;
}

/** htmlparser2 (which the design fixes) bundled alone into one file that parses one tag: its start-up cost. */
async function htmlparser2Alone(dir: string): Promise<string> {
  const { build } = await import('esbuild');
  const file = `${dir}/htmlparser2-alone.cjs`;
  await build({
    stdin: { contents: "const { Parser } = require('htmlparser2'); new Parser({}, {}).end('<p>a&amp;b</p>');", resolveDir: root, loader: 'js' },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    outfile: file,
    logLevel: 'error',
  });
  return file;
}

/**
 * Issue 16's start-up targets: a collect against the floor (a bare program
 * of the same Node build making the same requests), for the launcher and the
 * single binary, every program interleaved in one loop so that the machine's
 * drift hits all of them alike; and the binary against the launcher.
 */
async function startupAndMemory(): Promise<void> {
  const sim = await simulatorProcess();
  const devices = ['--device', `att-pace=${sim.url}`, ...[1, 2, 3].flatMap((n) => ['--device', `sonos=${sim.url}/sonos/${n}`])];
  const bare = ['-e', bareRequestsScript(collectPages(sim.url))];
  const dir = mkdtempSync(`${tmpdir()}/homenet-bench-`);
  const parserAlone = [await htmlparser2Alone(dir)];
  const targets: { name: string; program: string; args: string[]; base: string }[] = [
    { name: 'bin/telegraf-homenet', program: process.execPath, args: [BIN, ...devices], base: process.execPath },
  ];
  if (existsSync(BINARY) && existsSync(BASE_NODE)) targets.push({ name: 'single binary', program: BINARY, args: devices, base: BASE_NODE });
  const runs = targets.map(() => ({ runs: [] as ProcessRun[], bases: [] as ProcessRun[], floors: [] as ProcessRun[], parsers: [] as ProcessRun[] }));
  for (let i = 0; i < RUNS; i++) {
    for (const [k, t] of targets.entries()) {
      const r = runs[k];
      if (!r) continue;
      r.bases.push(await runProcess(t.base, ['-e', '0']));
      r.runs.push(await runProcess(t.program, t.args));
      r.floors.push(await runProcess(t.base, bare));
      r.parsers.push(await runProcess(t.base, parserAlone));
    }
  }
  const wall: number[] = [];
  for (const [k, t] of targets.entries()) {
    const r = runs[k];
    if (!r) continue;
    if (r.runs.some((x) => x.code !== 0)) throw new Error(`${t.name} failed`);
    if (r.floors.some((x) => x.code !== 0)) throw new Error('the bare-request script failed');
    if (r.parsers.some((x) => x.code !== 0)) throw new Error('the htmlparser2 script failed');
    const ms = median(r.runs.map((x) => x.ms));
    wall.push(ms);
    const floor = median(r.floors.map((x) => x.ms));
    const base = median(r.bases.map((x) => x.ms));
    const ratio = ms / floor;
    report(
      `collect 1 gateway + 3 speakers, ${t.name}, vs its floor`,
      `${ratio.toFixed(2)}x (${ms.toFixed(0)} / ${floor.toFixed(0)} ms)`,
      '<= 1.25x',
      ratio <= 1.25,
    );
    report('  floor: the same 13 requests on bare sockets, no parsing', `${(floor / base).toFixed(2)}x node -e 0 (${base.toFixed(0)} ms)`, '', undefined);
    const parser = median(r.parsers.map((x) => x.ms));
    report('  htmlparser2 alone, bundled: loaded, one tag parsed', `${(parser / base).toFixed(2)}x node -e 0 (${parser.toFixed(0)} ms)`, '', undefined);
    const peak = median(r.runs.map((x) => x.peakKiB)) / 1024;
    report(`peak memory of that run, ${t.name}`, `${peak.toFixed(1)} MiB (node -e 0: ${(median(r.bases.map((x) => x.peakKiB)) / 1024).toFixed(1)})`, '<= 60 MiB', peak <= 60);
    const anon = median(r.runs.map((x) => x.anonKiB)) / 1024;
    report('  of which private (the rest: executable and library pages, shared)', `${anon.toFixed(1)} MiB (node -e 0: ${(median(r.bases.map((x) => x.anonKiB)) / 1024).toFixed(1)})`, '', undefined);
  }
  const [launcher, binary] = wall;
  if (launcher !== undefined && binary !== undefined) {
    report('collect, single binary vs the launcher (same run)', `${(binary / launcher).toFixed(2)}x (${binary.toFixed(0)} / ${launcher.toFixed(0)} ms)`, '<= 1.0x', binary <= launcher);
  } else report('collect, single binary', 'skipped: not built (npm run binary)', '', undefined);
  rmSync(dir, { recursive: true, force: true });
  sim.stop();
}

async function slowSpeakers(): Promise<void> {
  // 30 speakers on 30 loopback addresses (the per-host limit is per address), each answering after 200 ms.
  const script = `
    import { startSimulator } from ${JSON.stringify(`${root}dist/src/simulate/server.js`)};
    const urls = [];
    for (let i = 0; i < 30; i++) urls.push((await startSimulator({ address: '127.0.0.' + (i + 2), delayMs: 200, speakers: 1 })).url);
    process.stdout.write(urls.join(' ') + '\\n');`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const urls = await new Promise<string[]>((resolve) => {
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (out.includes('\n')) resolve((out.split('\n')[0] ?? '').split(' '));
    });
  });
  const ini = urls.map((u, i) => `[spk${i}]\ntype = sonos\nurl = ${u}/sonos/1\nhost = speaker-${i}\ncollect = traffic\n`).join('');
  const config = buildConfig({ file: 'bench.ini', fileText: `timeout = 3s\n${ini}` });
  const one: number[] = [];
  const all: number[] = [];
  for (let i = 0; i < Math.max(5, RUNS >> 1); i++) {
    let t = performance.now();
    await fetchPage(new URL(`${urls[0] ?? ''}/sonos/1/status/ifconfig`), { signal: AbortSignal.timeout(3000) });
    one.push(performance.now() - t);
    t = performance.now();
    const { log } = await collect(config);
    all.push(performance.now() - t);
    if (log.length > 0) throw new Error(log.join('\n'));
  }
  const ratio = median(all) / median(one);
  report('collect of 30 speakers that answer in 200 ms, vs one request', `${ratio.toFixed(2)}x (${median(all).toFixed(0)} / ${median(one).toFixed(0)} ms)`, '<= 1.5x', ratio <= 1.5);
  child.kill();
}

/** Gathers V8 needs to optimise what a gather runs: each function runs only a few times per gather. */
const EXECD_WARM_UP = 1000;
/** How far the long execd run goes (the memory target counts from gather 1,000 to 20,000); gathers run back to back. */
const EXECD_GATHERS = Number(process.env['BENCH_EXECD_GATHERS'] ?? 20_000);

/** Resident memory of a process now, MiB. */
function rssMiB(pid: number): number {
  return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
}

interface ExecdRun {
  /** CPU per gather, ms: gathers 31 to 130, and from {@link EXECD_WARM_UP} to the end (at least 500 gathers). */
  early: number;
  steady: number;
  /** Resident memory, MiB, after the given number of gathers. */
  rss: Map<number, number>;
}

/**
 * An execd run, gathers back to back (at Telegraf's one per 10 s, 1,000
 * gathers are under 3 hours of a run that lasts weeks), measured in the child
 * from /proc: CPU per gather just after start-up (gathers 31 to 130) and in
 * the steady state from {@link EXECD_WARM_UP} on, and resident memory every
 * 1,000 gathers up to `gathers`.
 */
async function execdRun(argsFor: (url: string) => string[], gathers = EXECD_WARM_UP + 500): Promise<ExecdRun> {
  const sim = await simulatorProcess();
  const child = spawn(process.execPath, [BIN, 'execd', ...argsFor(sim.url)], { stdio: ['pipe', 'pipe', 'ignore'] });
  let batches = 0;
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    batches += (d.match(/^homenet_scrape,/gm) ?? []).length / 4;
  });
  let done = 0;
  const rss = new Map<number, number>();
  const pid = child.pid ?? 0;
  const gather = async (): Promise<void> => {
    const want = Math.round(batches) + 1;
    child.stdin.write('\n');
    while (Math.round(batches) < want) await new Promise((r) => setTimeout(r, 1));
    done++;
    if (done % 1000 === 0 || done === 10) rss.set(done, rssMiB(pid));
  };
  const perGather = async (n: number): Promise<number> => {
    const before = cpuMs(pid);
    for (let i = 0; i < n; i++) await gather();
    return (cpuMs(pid) - before) / n;
  };
  // The first gathers find identities and descriptions.
  for (let i = 0; i < 30; i++) await gather();
  const early = await perGather(100);
  while (done < EXECD_WARM_UP) await gather();
  const steady = await perGather(Math.max(500, gathers - EXECD_WARM_UP));
  child.stdin.end();
  sim.stop();
  return { early, steady, rss };
}

/**
 * What the same requests cost with nothing but node:http (keep-alive, one
 * connection per device, bodies discarded), in this process: the floor under
 * the execd figure.
 */
async function httpFloor(url: string, paths: string[][]): Promise<number> {
  const http = await import('node:http');
  const agents = paths.map(() => new http.Agent({ keepAlive: true, maxSockets: 1 }));
  const get = (agent: import('node:http').Agent, path: string): Promise<void> =>
    new Promise((resolve, reject) => {
      http
        .get(`${url}${path}`, { agent }, (res) => {
          res.on('data', () => undefined).on('end', resolve);
        })
        .on('error', reject);
    });
  const gather = (): Promise<unknown> => Promise.all(paths.map(async (list, i) => {
    for (const p of list) await get(agents[i] as import('node:http').Agent, p);
  }));
  for (let i = 0; i < EXECD_WARM_UP; i++) await gather();
  const before = process.cpuUsage();
  const n = 500;
  for (let i = 0; i < n; i++) await gather();
  const used = process.cpuUsage(before);
  for (const a of agents) a.destroy();
  return (used.user + used.system) / 1000 / n;
}

async function parseReview(): Promise<void> {
  const body = reviewPage(household(30), 0);
  const kind = DEVICE_KINDS.get('sonos-household');
  const spec = kind?.families[0]?.pages[0];
  if (!spec) throw new Error('no review page spec');
  const areas = new Set<Area>(['traffic', 'system', 'radio']);
  const json = JSON.stringify({ pad: 'x'.repeat(body.length) });
  const parse: number[] = [];
  const baseline: number[] = [];
  for (let i = 0; i < RUNS * 2; i++) {
    // A fresh string each time, as a device sends.
    const page = `${body}${' '.repeat(i % 2)}`;
    let t = performance.now();
    await extractPage(spec, { body: page }, { measurement: 'net' }, areas);
    parse.push(performance.now() - t);
    t = performance.now();
    JSON.parse(json);
    baseline.push(performance.now() - t);
  }
  report(
    `parse a ${(body.length / 1024).toFixed(0)} KB, 30-speaker review page (all areas)`,
    `${median(parse).toFixed(1)} ms (JSON.parse of as much: ${median(baseline).toFixed(2)})`,
    '<= 20 ms',
    median(parse) <= 20,
  );
}

/**
 * Issue #13's target: any page up to the 4 MiB cap read in under 100 ms.
 * The worst shapes, each through the page spec that reads it, against
 * htmlparser2 alone tokenizing the same text with no tree (the floor any
 * reader built on it has), measured in the same run.
 */
async function hostilePages(): Promise<void> {
  const { Parser } = await import('htmlparser2');
  const natRow = (i: number): string => `<tr><td>ipv4</td><td>tcp</td><td>${i % 90}</td><td>192.0.2.${i % 250}</td><td>${40000 + (i % 9999)}</td><td>198.51.100.${i % 250}</td><td>443</td></tr>\n`;
  const specs = new Map([...DEVICE_KINDS.values()].flatMap((k) => k.families.flatMap((f) => f.pages)).map((p) => [p.key, p]));
  const shapes: [string, string, string][] = [
    ['a NAT table of 32,767 sessions under its summary', 'bgw-nat', `<html><body><table><tr><th>Total Sessions Available</th><td>32767</td></tr><tr><th>Total Sessions In Use</th><td>32767</td></tr></table><table><tr><th>Protocol</th><th>Source</th><th>Port</th></tr>${Array.from({ length: 32767 }, (_, i) => natRow(i)).join('')}</table></body></html>`],
    ['a NAT table of 32,767 sessions, no summary', 'pace-nat', `<html><body><h2>NAT Table</h2><table><tr><th>Protocol</th><th>Source</th><th>Port</th></tr>${Array.from({ length: 32767 }, (_, i) => natRow(i)).join('')}</table></body></html>`],
    ['4 MiB of tiny tables', 'pace-broadband', `<html><body>IP Traffic ${'<table><tr><td>a</td></tr></table>'.repeat(123_000)}</body></html>`],
    ['ifconfig, one endless "RX packets:1 " line', 'sonos-ifconfig', `br0       Link encap:Ethernet\n          ${'RX packets:1 '.repeat(320_000)}`],
  ];
  for (const [what, key, body] of shapes) {
    const spec = specs.get(key);
    if (!spec) throw new Error(`no page spec ${key}`);
    const read: number[] = [];
    const floor: number[] = [];
    for (let i = 0; i < Math.max(3, Math.floor(RUNS / 2)); i++) {
      let t = performance.now();
      await extractPage(spec, { body }, { measurement: 'net' }, new Set(spec.extracts.map((e) => e.area)));
      read.push(performance.now() - t);
      t = performance.now();
      new Parser({}).end(body);
      floor.push(performance.now() - t);
    }
    const ms = median(read);
    report(
      `read ${what} (${(body.length / 1048576).toFixed(1)} MB)`,
      `${ms.toFixed(0)} ms (${(ms / median(floor)).toFixed(1)}x htmlparser2 alone, ${median(floor).toFixed(0)} ms)`,
      '<= 100 ms',
      ms <= 100,
    );
  }
}

/** The approaches users are replacing, when they are installed here. */
async function oldWays(): Promise<void> {
  const sim = await simulatorProcess();
  const page = `${sim.url}/xslt?PAGE=C_1_0`;
  const have = (cmd: string, args: string[]): boolean => spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
  const ours: number[] = [];
  for (let i = 0; i < RUNS; i++) ours.push((await runProcess(process.execPath, [BIN, '--device', `att-pace=${sim.url}`, '--timeout', '2s'])).ms);
  report('ours: one Pace gateway, whole process', `${median(ours).toFixed(0)} ms`, '', undefined);
  if (have('curl', ['--version'])) {
    const curl: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t = performance.now();
      const c = spawnSync('curl', ['-s', page], { encoding: 'utf8' });
      spawnSync('grep', ['-A4', 'Transmit'], { input: c.stdout });
      curl.push(performance.now() - t);
    }
    report('curl | grep of the same page (text, not line protocol)', `${median(curl).toFixed(0)} ms`, '', undefined);
  } else report('curl | grep', 'skipped: curl is not installed', '', undefined);
  // The first Python on hand with requests and BeautifulSoup (Debian's python3-requests, python3-bs4).
  const python = ['python3', '/usr/bin/python3'].find((p) => have(p, ['-c', 'import requests, bs4']));
  if (python !== undefined) {
    const py = `import requests, bs4\nt = bs4.BeautifulSoup(requests.get(${JSON.stringify(page)}, timeout=4).text, 'html.parser')\nprint([td.get_text() for td in t.find_all('td')][:5])`;
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) times.push((await runProcess(python, ['-c', py])).ms);
    report('Python requests + BeautifulSoup of the same page', `${median(times).toFixed(0)} ms`, '', undefined);
  } else report('Python requests + BeautifulSoup', 'skipped: python3 requests/bs4 not installed', '', undefined);
  sim.stop();
}

process.stdout.write(
  `telegraf-homenet bench on ${process.platform}-${process.arch}, Node ${process.version}, ${RUNS} runs per figure, medians; peak memory ${haveGnuTime ? 'from GNU time (ru_maxrss)' : 'polled from /proc (install Debian\'s time for exact figures)'}\n`,
);
await parseReview();
await hostilePages();
await startupAndMemory();
await slowSpeakers();
{
  const devices = (url: string): string[] => ['--device', `att-pace=${url}`, ...[1, 2, 3].flatMap((n) => ['--device', `sonos=${url}/sonos/${n}`])];
  const all = await execdRun(devices, EXECD_GATHERS);
  report('execd CPU per gather, 1 gateway + 3 speakers, default areas', `${all.steady.toFixed(2)} ms (gathers ${EXECD_WARM_UP.toLocaleString('en')} to ${Math.max(EXECD_WARM_UP + 500, EXECD_GATHERS).toLocaleString('en')})`, '<= 3 ms', all.steady <= 3);
  report('  the same, gathers 31 to 130 (V8 still optimising)', `${all.early.toFixed(2)} ms`, '', undefined);
  const late = [...all.rss].filter(([n]) => n >= 1000);
  const most = Math.max(...late.map(([, m]) => m));
  const at = (n: number): string => (all.rss.has(n) ? `${n}: ${(all.rss.get(n) ?? 0).toFixed(1)}` : '');
  report(
    `execd resident memory, gathers 1,000 to ${all.rss.size > 0 ? Math.max(...all.rss.keys()).toLocaleString('en') : '?'} (most)`,
    `${most.toFixed(1)} MiB`,
    '<= 60 MiB',
    most <= 60,
  );
  report('  after gathers', [10, 1000, 5000, 20_000].map(at).filter(Boolean).join(', '), '', undefined);
  {
    const sim = await simulatorProcess();
    const pace = ['/xslt?PAGE=C_1_0', '/xslt?PAGE=C_0_0', '/xslt?PAGE=C_2_5', '/xslt?PAGE=C_5_5'];
    const floor = await httpFloor(sim.url, [pace, ...[1, 2, 3].map((n) => [`/sonos/${n}/status/ifconfig`])]);
    sim.stop();
    report('  floor: the same 7 requests with bare node:http, no parsing', `${floor.toFixed(2)} ms`, '', undefined);
  }
  const dir = mkdtempSync(`${tmpdir()}/homenet-bench-`);
  const trafficOnly = await execdRun((url) => {
    const ini = ['[gw]\ntype = att-pace', ...[1, 2, 3].map((n) => `[spk${n}]\ntype = sonos`)]
      .map((head, i) => `${head}\nurl = ${url}${i === 0 ? '' : `/sonos/${i}`}\ncollect = traffic\n`)
      .join('');
    writeFileSync(`${dir}/traffic.ini`, ini);
    return ['--config', `${dir}/traffic.ini`];
  });
  rmSync(dir, { recursive: true, force: true });
  report('execd CPU per gather, the same with collect = traffic', `${trafficOnly.steady.toFixed(2)} ms (gathers 31 to 130: ${trafficOnly.early.toFixed(2)})`, '', undefined);
}
await oldWays();
const missed = rows.filter((r) => r.met === false).length;
process.stdout.write(`${missed === 0 ? 'every target met' : `${missed} target(s) missed`}\n`);
