/**
 * Runs the test files: `npm test` (after the build and lint) and `npm run
 * test:unit` call this file, compiled to dist/test/support/run-tests.js.
 *
 *   node dist/test/support/run-tests.js            every test/*.test.ts, as compiled in dist/test/
 *   node dist/test/support/run-tests.js --unit     the unit files below only
 *   node dist/test/support/run-tests.js x.test.js  the files named
 *
 * with, optionally, --test-name-pattern=REGEX (repeatable),
 * --test-concurrency=N (default 2, one file per core here),
 * --test-reporter=spec|dot|tap (default spec), and --timings (each file's
 * wall time at the end, longest first): `npm test -- --test-name-pattern=wrap`.
 *
 * Node 20's test runner has no global set-up, so this starts the one InfluxDB
 * of the run (when influxd is installed and a file that needs it is run),
 * passes its URL to every test file in HOMENET_TEST_INFLUXD, runs the files
 * (each in its own process, as `node --test` does), stops the server and
 * exits 1 if a test failed. A file run alone (`node --test
 * dist/test/x.test.js`) has no such variable and starts a server of its own
 * (test/support/influxd.ts).
 *
 * It calls node:test's run() rather than `node --test`, which sorts the files
 * by name: the slow files start first here, so that the run does not end
 * with one of them running alone while the other core idles.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { run } from 'node:test';
import { dot, spec, tap, type TestEvent } from 'node:test/reporters';
import { fileURLToPath } from 'node:url';
import { influxdMissing, serveInfluxd, SHARED_INFLUXD, type Influxd } from './influxd.js';

/** dist/test/, the compiled files this runs. */
const TESTS = fileURLToPath(new URL('../', import.meta.url));
/** test/, their sources. */
const SOURCES = fileURLToPath(new URL('../../../test/', import.meta.url));

/**
 * `npm run test:unit` (and test:quick, which compiles first): the files that
 * need no bundle (they never run bin/telegraf-homenet or a single binary),
 * no influxd, and start no process, so they run in a few seconds against
 * what tsc last compiled. Chosen by measurement (`--timings`, and each file
 * alone under /usr/bin/time): a file that spawns the program pays Node's
 * start-up on every run (0.1-0.3 s each, dozens of runs per file), and
 * fuzz.test.js alone takes 6-8 s of CPU. Together these take about 5 s of CPU;
 * collect.test.js's deadlines run on a fake clock, so none is waited out.
 * A new test file that starts nothing and is quick belongs here.
 */
const UNIT = [
  'captures', 'collect', 'config', 'counters', 'discover', 'execd', 'fixtures', 'html', 'lineprotocol', 'usage',
].map((n) => `${n}.test.js`);

/** The files that take longest (measured), longest first; they start first, the others follow by name. */
const SLOW_FIRST = ['reliability', 'fuzz', 'e2e', 'package', 'dashboard', 'pretty', 'terminal', 'telegraf', 'capture', 'sonos', 'collect'].map((n) => `${n}.test.js`);

/** Whether a compiled test file uses InfluxDB (it imports the helper that starts it). */
function usesInfluxd(file: string): boolean {
  try {
    return readFileSync(`${TESTS}${file}`, 'utf8').includes('support/influxd.js');
  } catch {
    return false; // not compiled: the run reports it
  }
}

function order(files: readonly string[]): string[] {
  const rank = (f: string): number => {
    const i = SLOW_FIRST.indexOf(f);
    return i < 0 ? SLOW_FIRST.length : i;
  };
  return [...files].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

interface Options {
  files: string[];
  patterns: string[];
  concurrency: number;
  reporter: 'spec' | 'dot' | 'tap';
  timings: boolean;
}

function parse(args: readonly string[]): Options {
  // A compiled file whose source was deleted or renamed stays in dist/ (tsc removes nothing): not run.
  const all = readdirSync(SOURCES).filter((f) => f.endsWith('.test.ts')).map((f) => f.replace(/\.ts$/, '.js'));
  const named: string[] = [];
  const o: Options = { files: [], patterns: [], concurrency: 2, reporter: 'spec', timings: false };
  let unit = false;
  for (const a of args) {
    const [key, value = ''] = a.split(/=(.*)/s);
    if (a === '--unit') unit = true;
    else if (a === '--timings') o.timings = true;
    else if (key === '--test-name-pattern') o.patterns.push(value);
    else if (key === '--test-concurrency' && /^[1-9]\d*$/.test(value)) o.concurrency = Number(value);
    else if (key === '--test-reporter' && (value === 'spec' || value === 'dot' || value === 'tap')) o.reporter = value;
    else if (a.startsWith('-')) throw new Error(`run-tests: unknown option ${a}`);
    else {
      const f = a.replace(/^.*\//, '').replace(/\.ts$/, '.js');
      if (!all.includes(f)) throw new Error(`run-tests: no test file ${SOURCES}${f.replace(/\.js$/, '.ts')}`);
      named.push(f);
    }
  }
  o.files = order(unit ? UNIT : named.length > 0 ? named : all);
  return o;
}

async function main(args: readonly string[]): Promise<number> {
  const o = parse(args);
  let influx: Influxd | undefined;
  if (!process.env[SHARED_INFLUXD] && o.files.some(usesInfluxd) && influxdMissing() === undefined) {
    influx = await serveInfluxd();
    // The test processes inherit this process's environment.
    process.env[SHARED_INFLUXD] = influx.url;
  }
  // Ctrl-C reaches the test processes (and influxd) from the terminal; this one cleans up and ends.
  process.once('SIGINT', () => {
    void (influx?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
  });
  try {
    const result = { failed: false };
    const paths = o.files.map((f) => relative(process.cwd(), `${TESTS}${f}`));
    /** Wall time of each file's process, as its file-level test completes. */
    const took = new Map<string, number>();
    const stream = run({
      files: paths,
      concurrency: o.concurrency,
      ...(o.patterns.length > 0 ? { testNamePatterns: o.patterns } : {}),
    })
      .on('test:fail', (data) => {
        if (data.todo === undefined || data.todo === false) result.failed = true;
      })
      .on('test:complete', (data) => {
        if (data.nesting === 0 && paths.includes(data.name)) took.set(data.name, data.details.duration_ms);
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
    if (o.timings) {
      const rows = [...took].sort((a, b) => b[1] - a[1]).map(([f, ms]) => `${(ms / 1000).toFixed(1).padStart(6)} s  ${f}`);
      process.stdout.write(`\nWall time of each test file (${o.concurrency} at a time):\n${rows.join('\n')}\n`);
    }
    return result.failed ? 1 : 0;
  } finally {
    await influx?.stop();
  }
}

process.exitCode = await main(process.argv.slice(2));
