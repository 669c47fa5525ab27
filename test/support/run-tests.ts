/**
 * Runs the test files: `npm test` (after the build and lint) and `npm run
 * test:unit` call this file, compiled to dist/test/support/run-tests.js.
 *
 *   node dist/test/support/run-tests.js              every test of test/unit/ and test/process/
 *   node dist/test/support/run-tests.js unit         test/unit/ only (also --unit); `process` likewise
 *   node dist/test/support/run-tests.js x            the files named: x.test.js of every kind, unit/x.test.ts, ...
 *
 * with, optionally, --test-name-pattern=REGEX (repeatable),
 * --test-concurrency=N (default 2, one file per core here),
 * --test-reporter=spec|dot|tap (default spec), and --timings (each file's
 * wall time at the end, longest first): `npm test -- --test-name-pattern=wrap`.
 *
 * The folder says what a test needs: test/unit/ files start no process, open
 * no socket and wait for no timer (unit-guard.ts, loaded into every test
 * process, makes that so); test/process/ files run the program, the
 * simulator, influxd and the other tools. Files share processes (shards,
 * balanced by their last measure: one per core for the unit files, two per
 * core for the process files, which spend about half their time waiting),
 * since starting Node and loading the program's modules again for each file
 * cost more than most of them take; a process file that changes what the
 * whole process sees says `// run-tests: alone (why)` and gets its own, and
 * a file named alone runs alone. Files start longest first by the last run's measure (kept in
 * dist/test/timings.json), so that the run does not end with one long file
 * alone on one core.
 *
 * Node 20's test runner has no global set-up, so this starts the one InfluxDB
 * of the run (when influxd is installed and a file that needs it is run) and
 * passes its URL to every test file in HOMENET_TEST_INFLUXD; a test file run
 * alone (`node --test dist/test/process/x.test.js`) starts its own.
 *
 * Tests that cannot run here say `needs NAME: why` (needs.ts): they are listed
 * at the end, and under CI=true each of them fails the run, but for what CI
 * cannot have (CI_MAY_LACK).
 */
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { run } from 'node:test';
import { dot, spec, tap, type TestEvent } from 'node:test/reporters';
import { fileURLToPath } from 'node:url';
import { influxdMissing, serveInfluxd, SHARED_INFLUXD, type Influxd } from './influxd.js';
import { CI_MAY_LACK, NEEDS_REASON } from './needs.js';

/** dist/test/, the compiled files this runs. */
const TESTS = fileURLToPath(new URL('../', import.meta.url));
/** test/, their sources. */
const SOURCES = fileURLToPath(new URL('../../../test/', import.meta.url));
/** The kinds of test, by folder: the order in which files of unknown length start. */
const KINDS = ['process', 'unit'] as const;
/** Each file's wall time in the last run that ran it, ms, by its path under dist/test/. */
const TIMINGS = `${TESTS}timings.json`;

interface Options {
  /** Paths under dist/test/ (`unit/x.test.js`). */
  files: string[];
  patterns: string[];
  concurrency: number;
  reporter: 'spec' | 'dot' | 'tap';
  timings: boolean;
}

/** Every test file of a kind, as its compiled path under dist/test/ (a file whose source is gone stays in dist/: not run). */
function testsOf(kind: (typeof KINDS)[number]): string[] {
  return readdirSync(`${SOURCES}${kind}`, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => `${kind}/${f.replace(/\.ts$/, '.js')}`)
    .sort();
}

function lastTimings(): Record<string, number> {
  try {
    return JSON.parse(readFileSync(TIMINGS, 'utf8')) as Record<string, number>;
  } catch {
    return {};
  }
}

/** Longest first by the last measure; files never measured after them, process files first. */
function order(files: readonly string[], ms: Readonly<Record<string, number>> = lastTimings()): string[] {
  const kind = (f: string): number => KINDS.findIndex((k) => f.startsWith(`${k}/`));
  return [...files].sort((a, b) => (ms[b] ?? -1) - (ms[a] ?? -1) || kind(a) - kind(b) || a.localeCompare(b));
}

/** What a file never measured is taken to take, ms, for balancing the shards. */
const UNMEASURED_MS = 300;

/**
 * A process file that must not share its process says so in a line of its
 * own, `// run-tests: alone (why)`: it changes what the whole process sees
 * (a device kind registered while other files' simulators run).
 */
const ALONE = /^\/\/ run-tests: alone\b/m;

/** Whether a compiled test file asks to run in a process of its own. */
function runsAlone(file: string): boolean {
  try {
    return ALONE.test(readFileSync(`${TESTS}${file}`, 'utf8'));
  } catch {
    return true; // not compiled: run alone, so that the run reports it as the file it is
  }
}

/**
 * The files of one kind split into `count` shards of about the same last
 * measured time, each written as a file that imports its share (in the
 * kind's folder under dist/test/, where unit-guard.ts tells the kinds
 * apart); their paths under dist/test/, and the estimate of each.
 */
function shard(kind: (typeof KINDS)[number], files: readonly string[], count: number): { files: string[]; ms: Record<string, number> } {
  const ms = lastTimings();
  const shards = Array.from({ length: Math.min(count, files.length) }, () => ({ files: [] as string[], ms: 0 }));
  for (const f of order(files, ms)) {
    const lightest = shards.reduce((a, b) => (b.ms < a.ms ? b : a));
    lightest.files.push(f);
    lightest.ms += ms[f] ?? UNMEASURED_MS;
  }
  for (const old of readdirSync(`${TESTS}${kind}`).filter((f) => f.startsWith('.shard-'))) rmSync(`${TESTS}${kind}/${old}`);
  const out = { files: [] as string[], ms: {} as Record<string, number> };
  shards.forEach((sh, i) => {
    const name = `${kind}/.shard-${i + 1}-of-${shards.length}.test.js`;
    writeFileSync(`${TESTS}${name}`, sh.files.map((f) => `import './${f.slice(kind.length + 1)}';\n`).join(''));
    out.files.push(name);
    out.ms[name] = sh.ms;
  });
  return out;
}

/** The test files a command-line name means: `x` or `x.test.js` (of every kind that has one), `unit/x.test.ts`, `dist/test/unit/x.test.js`. */
function named(name: string, all: readonly string[]): string[] {
  const tail = name
    .replace(/\\/g, '/')
    .replace(/\.ts$/, '.js')
    .replace(/^(\.\/)?(dist\/)?(test\/)?/, '');
  const file = /\.test\.js$/.test(tail) ? tail : `${tail}.test.js`;
  const found = all.filter((f) => f === file || f.endsWith(`/${file}`));
  if (found.length === 0) throw new Error(`run-tests: no test file ${name} under ${SOURCES}`);
  return found;
}

function parse(args: readonly string[]): Options {
  const all = KINDS.flatMap(testsOf);
  const chosen: string[] = [];
  const o: Options = { files: [], patterns: [], concurrency: 2, reporter: 'spec', timings: false };
  for (const a of args) {
    const [key, value = ''] = a.split(/=(.*)/s);
    const kind = KINDS.find((k) => a === k || a === `--${k}`);
    if (kind !== undefined) chosen.push(...testsOf(kind));
    else if (a === '--timings') o.timings = true;
    else if (key === '--test-name-pattern') o.patterns.push(value);
    else if (key === '--test-concurrency' && /^[1-9]\d*$/.test(value)) o.concurrency = Number(value);
    else if (key === '--test-reporter' && (value === 'spec' || value === 'dot' || value === 'tap')) o.reporter = value;
    else if (a.startsWith('-')) throw new Error(`run-tests: unknown option ${a}`);
    else chosen.push(...named(a, all));
  }
  o.files = order([...new Set(chosen.length > 0 ? chosen : all)]);
  return o;
}

/** Whether a compiled test file uses InfluxDB (it imports the helper that starts it). */
function usesInfluxd(file: string): boolean {
  try {
    return readFileSync(`${TESTS}${file}`, 'utf8').includes('support/influxd.js');
  } catch {
    return false; // not compiled: the run reports it
  }
}

/** What the run saw: failures, skips by reason, each file's wall time. */
interface Seen {
  failed: boolean;
  readonly skips: Map<string, number>;
  readonly took: Map<string, number>;
}

/** The skips, for the end of the run; under CI=true, whether they fail it. */
function skipReport(skips: ReadonlyMap<string, number>, ci: boolean): { text: string; fails: boolean } {
  if (skips.size === 0) return { text: '', fails: false };
  const mayLack = (reason: string): boolean => CI_MAY_LACK.some((n) => n === NEEDS_REASON.exec(reason)?.[1]);
  const rows = [...skips].sort((a, b) => a[0].localeCompare(b[0])).map(([reason, n]) => `${String(n).padStart(5)} skipped  ${reason}${ci && !mayLack(reason) ? '  <- fails under CI=true' : ''}`);
  const fails = ci && [...skips.keys()].some((r) => !mayLack(r));
  const rule = fails
    ? `CI=true: the skips marked fail this run; CI must have what they need (only ${CI_MAY_LACK.join(', ')} may be missing there).`
    : `Under CI=true a skip fails the run, except for what CI cannot have: ${CI_MAY_LACK.join(', ')}.`;
  return { text: `\nSkipped here (a tool or a build step this machine lacks):\n${rows.join('\n')}\n${rule}\n`, fails };
}

/**
 * The files to start: the unit files in one shard per core; the process
 * files in two shards per core (they wait on other processes and sockets
 * about half of their time), but those that ask to run alone; a kind with
 * one file chosen runs it alone.
 */
function plan(o: Options): string[] {
  const shards = KINDS.map((kind) => {
    const files = o.files.filter((f) => f.startsWith(`${kind}/`));
    const shared = files.filter((f) => kind === 'unit' || !runsAlone(f));
    if (shared.length <= 1) return { files, ms: {} };
    const made = shard(kind, shared, kind === 'unit' ? o.concurrency : 2 * o.concurrency);
    return { files: [...files.filter((f) => !shared.includes(f)), ...made.files], ms: made.ms };
  });
  return order(
    shards.flatMap((s) => s.files),
    Object.assign({}, lastTimings(), ...shards.map((s) => s.ms)) as Record<string, number>,
  );
}

/** A shard's path under dist/test/. */
const SHARD = /^[a-z]+\/\.shard-/;

/** Runs the files, reporting as asked; what the run saw. */
async function runFiles(o: Options): Promise<Seen> {
  const seen: Seen = { failed: false, skips: new Map(), took: new Map() };
  const started = plan(o);
  const paths = started.map((f) => relative(process.cwd(), `${TESTS}${f}`));
  const stream = run({ files: paths, concurrency: o.concurrency, ...(o.patterns.length > 0 ? { testNamePatterns: o.patterns } : {}) })
    .on('test:fail', (data) => {
      if (data.todo === undefined || data.todo === false) seen.failed = true;
    })
    .on('test:pass', (data) => {
      if (data.skip !== undefined && data.skip !== false) {
        const reason = data.skip === true ? '(no reason given)' : data.skip;
        seen.skips.set(reason, (seen.skips.get(reason) ?? 0) + 1);
      }
    })
    .on('test:complete', (data) => {
      if (data.nesting !== 0) return;
      const i = paths.indexOf(data.name);
      // A file run alone: its own test; in a shard, each file's top-level tests, added up.
      if (i >= 0 && !SHARD.test(started[i] ?? '')) seen.took.set(started[i] ?? data.name, data.details.duration_ms);
      const file = data.file === undefined ? undefined : relative(TESTS, data.file);
      if (i < 0 && file !== undefined && !started.includes(file)) seen.took.set(file, (seen.took.get(file) ?? 0) + data.details.duration_ms);
    });
  const out = { end: false };
  if (o.reporter === 'spec') {
    await pipeline(stream, new spec(), process.stdout, out);
  } else {
    const events = async function* (): AsyncGenerator<TestEvent, void> {
      for await (const e of stream) yield e as TestEvent;
    };
    await pipeline((o.reporter === 'dot' ? dot : tap)(events()), process.stdout, out);
  }
  return seen;
}

async function main(args: readonly string[]): Promise<number> {
  const o = parse(args);
  let influx: Influxd | undefined;
  if (!process.env[SHARED_INFLUXD] && o.files.some(usesInfluxd) && influxdMissing() === undefined) {
    influx = await serveInfluxd();
    // The test processes inherit this process's environment.
    process.env[SHARED_INFLUXD] = influx.url;
  }
  // One time zone for every test process, whatever the machine's: two files set New York's for their
  // billing periods, and the files that share a process with them (a shard) see it too.
  process.env['TZ'] = 'America/New_York';
  // Every test process loads the guard (run() starts them with this process's execArgv); it acts in test/unit/ files only.
  process.execArgv.push(`--import=${new URL('./unit-guard.js', import.meta.url).href}`);
  // Ctrl-C reaches the test processes (and influxd) from the terminal; this one cleans up and ends.
  process.once('SIGINT', () => {
    void (influx?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
  });
  try {
    const seen = await runFiles(o);
    if (o.patterns.length === 0) writeFileSync(TIMINGS, `${JSON.stringify({ ...lastTimings(), ...Object.fromEntries(seen.took) }, null, 1)}\n`);
    if (o.timings) {
      const rows = [...seen.took].sort((a, b) => b[1] - a[1]).map(([f, ms]) => `${(ms / 1000).toFixed(1).padStart(6)} s  ${f}`);
      process.stdout.write(`\nWall time of each test file (${o.concurrency} at a time):\n${rows.join('\n')}\n`);
    }
    // CI=true, as CI services set it (and .ci/run); CI=false or empty is not CI.
    const skipped = skipReport(seen.skips, !['', '0', 'false'].includes(process.env['CI'] ?? ''));
    process.stdout.write(skipped.text);
    return seen.failed || skipped.fails ? 1 : 0;
  } finally {
    await influx?.stop();
  }
}

process.exitCode = await main(process.argv.slice(2));
