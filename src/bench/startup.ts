/**
 * `npm run bench`: a whole `collect` as Telegraf's exec runs it, side by
 * side with its floor, every program of a case interleaved in one loop so
 * that the machine's drift hits all of them alike: the launcher against the
 * floor on the Node that runs it (this one), the single binary against the
 * same floor on the binary's own Node (issue 25: the binary's Node 26 starts
 * faster than Node 20, so a floor on Node 20 flattered it). The floor is a
 * bare program making the same requests, two at a time per host:port, and
 * parsing nothing. Cases: the gateway and three speakers at one address and
 * at four, a household of 20 and of 50 speakers; and one page against the
 * seed's Python.
 *
 * This is a measuring tool, not part of the program: it runs other programs.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { programPath } from '../build/targets.js';
import { startLab } from './lab.js';
import { bareRequestsScript, BASE_NODE, BIN, BINARY, gatewayPages, htmlparser2Alone, LoadSpan, median, PROGRAM_ROOT, type ProcessRun, report, runProcess, RUNS, speakerPages } from './measure.js';

/** One start-up case: the devices on the command line and the pages they are read from. */
interface Case {
  readonly what: string;
  readonly devices: readonly string[];
  readonly pages: readonly string[][];
  readonly rounds: number;
  /** The case the targets of memory and of the launcher without its cache are reported for. */
  readonly main?: boolean;
}

/** A program measured against its floor: both run by `node` (the program's own Node). */
interface Side {
  readonly name: string;
  readonly node: string;
  readonly program: string;
  readonly args: (c: Case) => string[];
}

const wall = (runs: readonly ProcessRun[]): number => median(runs.map((r) => r.ms));
const cpu = (runs: readonly ProcessRun[]): number => median(runs.map((r) => r.cpuMs ?? NaN));
const ms = (x: number): string => x.toFixed(0);
const versionOf = (node: string): string => spawnSync(node, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.trim();

/** `ratio (a / b ms)` of wall time, and the same of CPU time where it was measured. */
function ratios(runs: readonly ProcessRun[], floors: readonly ProcessRun[]): string {
  const w = `${(wall(runs) / wall(floors)).toFixed(2)}x (${ms(wall(runs))} / ${ms(wall(floors))} ms)`;
  return Number.isFinite(cpu(runs)) ? `${w}, CPU ${(cpu(runs) / cpu(floors)).toFixed(2)}x (${ms(cpu(runs))} / ${ms(cpu(floors))} ms)` : w;
}

/** Runs `c` with every side and its floor interleaved, and reports each side against its floor. */
async function measureCase(c: Case, sides: readonly Side[], extras: { uncached: string; parser: string }): Promise<void> {
  const load = new LoadSpan();
  const floor = ['-e', bareRequestsScript(c.pages.map((p) => [...p]))];
  const runs = sides.map(() => ({ bases: [] as ProcessRun[], runs: [] as ProcessRun[], floors: [] as ProcessRun[], parsers: [] as ProcessRun[], uncached: [] as ProcessRun[] }));
  for (let i = 0; i < c.rounds; i++) {
    for (const [k, side] of sides.entries()) {
      const r = runs[k];
      if (r === undefined) continue;
      if (c.main === true) r.bases.push(await runProcess(side.node, ['-e', '0']));
      r.floors.push(await runProcess(side.node, floor));
      r.runs.push(await runProcess(side.program, side.args(c)));
      if (c.main === true && k === 0) r.uncached.push(await runProcess(side.node, [extras.uncached, ...c.devices]));
      if (c.main === true) r.parsers.push(await runProcess(side.node, [extras.parser]));
    }
    load.sample();
  }
  const during = load.toString();
  for (const [k, side] of sides.entries()) {
    const r = runs[k];
    if (r === undefined) continue;
    for (const [what, list] of [
      [side.name, r.runs],
      ['the floor', r.floors],
      ['the launcher without its cache', r.uncached],
      ['htmlparser2 alone', r.parsers],
    ] as const) {
      if (list.some((x) => x.code !== 0)) throw new Error(`${c.what}: ${what} failed`);
    }
    const ratio = wall(r.runs) / wall(r.floors);
    report(`${c.what}: ${side.name} / the floor on its Node`, `${ratios(r.runs, r.floors)}; ${during}`, '<= 1.25x', ratio <= 1.25);
    if (c.main !== true) continue;
    if (r.uncached.length > 0) report('  the launcher without its code cache (a Node of another version)', ratios(r.uncached, r.floors), '', undefined);
    report('  the floor: the same requests on bare sockets, nothing parsed', `${(wall(r.floors) / wall(r.bases)).toFixed(2)}x node -e 0 (${ms(wall(r.bases))} ms)`, '', undefined);
    report('  htmlparser2 alone, bundled: loaded, one tag parsed', `${(wall(r.parsers) / wall(r.bases)).toFixed(2)}x node -e 0`, '', undefined);
    const peak = median(r.runs.map((x) => x.peakKiB)) / 1024;
    report(`  peak memory, ${side.name}`, `${peak.toFixed(1)} MiB (node -e 0: ${(median(r.bases.map((x) => x.peakKiB)) / 1024).toFixed(1)})`, '<= 60 MiB', peak <= 60);
    const anon = median(r.runs.map((x) => x.anonKiB)) / 1024;
    report('  of which private (the rest: executable and library pages, shared)', `${anon.toFixed(1)} MiB (node -e 0: ${(median(r.bases.map((x) => x.anonKiB)) / 1024).toFixed(1)})`, '', undefined);
  }
  const [launcher, binary] = runs;
  if (launcher && binary && sides.length > 1) report(`${c.what}: the binary / the launcher`, ratios(binary.runs, launcher.runs), '', undefined);
}

/** The launcher's program with no code cache beside it, as a Node of another version than the build's finds it. */
function uncachedLauncher(dir: string): string {
  const uncached = `${dir}/uncached/`;
  cpSync(`${PROGRAM_ROOT}bin`, `${uncached}bin`, { recursive: true });
  mkdirSync(`${uncached}dist/bundle`, { recursive: true });
  cpSync(programPath(PROGRAM_ROOT), programPath(uncached));
  return `${uncached}bin/telegraf-homenet`;
}

/** `--device` arguments and pages for a gateway at `gateway` and speakers `n` at `speakers[i]`. */
function devicesOf(what: string, gateway: string, speakers: readonly [string, number][], rounds: number, main = false): Case {
  const devices = ['--device', `att-pace=${gateway}`, ...speakers.flatMap(([url, n]) => ['--device', `sonos=${url}/sonos/${n}`])];
  return { what, devices, pages: [gatewayPages(gateway), ...speakers.map(([url, n]) => speakerPages(url, n))], rounds, main };
}

/** Every start-up case, side by side with its floors. */
export async function startupFigures(): Promise<void> {
  const dir = mkdtempSync(`${tmpdir()}/homenet-bench-`);
  const extras = { uncached: uncachedLauncher(dir), parser: await htmlparser2Alone(dir) };
  const sides: Side[] = [{ name: `the launcher (Node ${process.versions.node})`, node: process.execPath, program: process.execPath, args: (c) => [BIN, ...c.devices] }];
  if (existsSync(BINARY) && existsSync(BASE_NODE)) sides.push({ name: `the binary (Node ${versionOf(BASE_NODE)})`, node: BASE_NODE, program: BINARY, args: (c) => [...c.devices] });
  else report('the single binary', 'skipped: not built (npm run binary)', '', undefined);
  // The simulated household's 4th speaker answers 403: the big households leave it out.
  const healthy = (n: number): number[] => Array.from({ length: n + 1 }, (_, i) => i + 1).filter((i) => i !== 4);
  const lab = await startLab({
    simulators: [{}, ...[2, 3, 4, 5].map((i) => ({ address: `127.0.0.${i}` })), { speakers: 51 }],
  });
  try {
    const [one, gw, s1, s2, s3, big] = lab.urls as [string, string, string, string, string, string];
    const cases: Case[] = [
      devicesOf(
        'collect 1 gateway + 3 speakers, one address',
        one,
        [
          [one, 1],
          [one, 2],
          [one, 3],
        ],
        RUNS,
        true,
      ),
      devicesOf(
        'collect 1 gateway + 3 speakers, four addresses',
        gw,
        [
          [s1, 1],
          [s2, 2],
          [s3, 3],
        ],
        RUNS,
      ),
      devicesOf(
        'collect 1 gateway + 20 speakers, one address',
        big,
        healthy(20).map((n) => [big, n]),
        Math.max(5, RUNS >> 1),
      ),
      devicesOf(
        'collect 1 gateway + 50 speakers, one address',
        big,
        healthy(50).map((n) => [big, n]),
        Math.max(5, RUNS >> 1),
      ),
    ];
    for (const c of cases) await measureCase(c, sides, extras);
    await onePage(one, sides, dir);
  } finally {
    await lab.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The first Python on hand with requests and BeautifulSoup (Debian's python3-requests, python3-bs4). */
function seedPython(): string | undefined {
  return ['python3', '/usr/bin/python3'].find((p) => spawnSync(p, ['-c', 'import requests, bs4'], { stdio: 'ignore' }).status === 0);
}

/**
 * One page, the gateway's traffic counters, read by the program and by the
 * seed's way (Python requests + BeautifulSoup, what users replace),
 * interleaved: how many times faster the program is.
 */
async function onePage(url: string, sides: readonly Side[], dir: string): Promise<void> {
  const python = seedPython();
  if (python === undefined) {
    report("one page: the seed's Python (requests + BeautifulSoup)", 'skipped: python3 requests/bs4 not installed', '', undefined);
    return;
  }
  writeFileSync(`${dir}/one-page.ini`, `[gw]\ntype = att-pace\nurl = ${url}\ncollect = traffic\n`);
  const page = `${url}/xslt?PAGE=C_1_0`;
  const py = `import requests, bs4\nt = bs4.BeautifulSoup(requests.get(${JSON.stringify(page)}, timeout=4).text, 'html.parser')\nprint([td.get_text() for td in t.find_all('td')][:5])`;
  const load = new LoadSpan();
  const seed: ProcessRun[] = [];
  const ours = sides.map(() => [] as ProcessRun[]);
  for (let i = 0; i < RUNS; i++) {
    seed.push(await runProcess(python, ['-c', py]));
    for (const [k, side] of sides.entries()) ours[k]?.push(await runProcess(side.program, [...side.args({ what: '', devices: [], pages: [], rounds: 0 }), '--config', `${dir}/one-page.ini`]));
    load.sample();
  }
  if (seed.some((r) => r.code !== 0)) throw new Error("the seed's Python failed");
  for (const [k, side] of sides.entries()) {
    const runs = ours[k] ?? [];
    if (runs.some((r) => r.code !== 0)) throw new Error(`one page: ${side.name} failed`);
    const faster = wall(seed) / wall(runs);
    const cpuFaster = Number.isFinite(cpu(runs)) ? `, CPU ${(cpu(seed) / cpu(runs)).toFixed(2)}x (${ms(cpu(seed))} / ${ms(cpu(runs))} ms)` : '';
    report(`one page: the seed's Python / ${side.name}`, `${faster.toFixed(2)}x faster (${ms(wall(seed))} / ${ms(wall(runs))} ms${cpuFaster}); ${load.toString()}`, '>= 2x', faster >= 2);
  }
}
