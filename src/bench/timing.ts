/**
 * `npm run timing`: the time promises, checked against bounds that hold on a
 * busy machine, as a CI step of its own (`npm test` asserts nothing about
 * time). Each run is measured on a quiet machine and with both cores kept
 * busy; the median of each must be within the promise: `timeout` + 0.5 s
 * from the process's start (deadline.ts), execd ending within 0.5 s of
 * SIGTERM, and every page spec reading each hostile page shape within 1 s
 * (shapes.ts). Exits 1 when one is missed.
 *
 * This is a measuring tool, not part of the program.
 */
import { deadlineFigures, execdStopFigure, spread, WIND_DOWN_MS } from './deadline.js';
import { median, report, rows } from './measure.js';
import { HOSTILE_SHAPES, PAGE_BOUND_MS, readWithEverySpec } from './shapes.js';

/** Runs of each scenario, quiet and busy: their median is within the promise (3 keep CI's step near a minute). */
const RUNS = Number(process.env['TIMING_RUNS'] ?? 3);
/** How soon execd must end after SIGTERM (Telegraf waits 5 s, then kills it). */
const EXECD_STOP_MS = 500;

process.stdout.write(`telegraf-homenet timing check, ${RUNS} runs each quiet and with both cores busy; medians must be within the promise\n`);
for (const f of await deadlineFigures(RUNS, true)) {
  const bound = f.timeoutMs + WIND_DOWN_MS;
  if (f.skipped !== undefined) {
    report(f.what, `skipped: ${f.skipped}`, '', undefined);
    continue;
  }
  const quietToo = f.promised;
  const busyToo = f.promised && f.busyToo;
  report(`${f.what}, quiet`, spread(f.quiet), quietToo ? `<= ${(bound / 1000).toFixed(1)} s` : '', quietToo ? median([...f.quiet]) <= bound : undefined);
  report(`${f.what}, busy`, spread(f.busy), busyToo ? `<= ${(bound / 1000).toFixed(1)} s` : '', busyToo ? median([...f.busy]) <= bound : undefined);
}
const execd = await execdStopFigure(RUNS);
for (const [how, ms] of [
  ['quiet', execd.quiet],
  ['busy', execd.busy],
] as const) {
  report(`execd: SIGTERM during a gather to exit, ${how}`, `${median(ms).toFixed(0)} ms (max ${Math.max(...ms).toFixed(0)})`, `<= ${EXECD_STOP_MS} ms`, median(ms) <= EXECD_STOP_MS);
}
// Reading a hostile page shape is CPU alone, measured as the machine is: the slowest page spec of one
// read, or the median of three when the first is over the bound (a moment the machine was busy).
for (const [name, body] of HOSTILE_SHAPES) {
  const reads = [await readWithEverySpec(body)];
  if ((reads[0]?.ms ?? 0) > PAGE_BOUND_MS) reads.push(await readWithEverySpec(body), await readWithEverySpec(body));
  const ms = median(reads.map((r) => r.ms));
  const slowest = reads.reduce((a, b) => (b.ms > a.ms ? b : a));
  report(`hostile page shape: ${name}`, `${ms.toFixed(0)} ms (slowest: ${slowest.spec})`, `<= ${PAGE_BOUND_MS} ms`, ms <= PAGE_BOUND_MS);
}
const missed = rows.filter((r) => r.met === false).length;
process.stdout.write(`${missed === 0 ? 'every time promise kept' : `${missed} time promise(s) missed`}\n`);
process.exitCode = missed === 0 ? 0 : 1;
