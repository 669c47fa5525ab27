/**
 * Command definitions. `main(argv, io)` parses the arguments, runs one
 * command and returns the exit status; only bin/ touches `process`.
 *
 * Exit status: 0 whenever the configuration was valid (device failures are
 * data, and Telegraf's exec drops all output of a non-zero run); 2 for usage
 * and configuration errors, with nothing on stdout; 1 only for a bug; 130
 * (SIGINT, Ctrl-C) or 143 (SIGTERM) when a signal cut a one-shot run short,
 * with nothing on stdout (pipeline.ts's Interrupted).
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { commandTable, fastParse, type Chosen } from './table.js';

/** The arguments of collect and execd (execd has no --format, --rate or --watch). */
type GatherArgs = Omit<Extract<Chosen, { command: 'collect' }>, 'command'> & { command: 'collect' | 'execd' };
import { SYSTEM_TIMER, type Clock, type Timer } from '../clock.js';
import { buildConfig, checkHostTag, checkMeasurement, ConfigError, parseDuration, tagFlags, type Config, type ConfigSources } from '../config/index.js';
import { declared, DEVICE_KINDS, PagesRefused, parseSaved, SettingError } from '../devices/index.js';
import { errnoOf, MAX_CONFIG_BYTES, MAX_SECRET_BYTES, readFailure, readRegularBytes, readRegularFile } from '../files.js';
import { decodeBody, DEFAULT_MAX_BYTES } from '../http/index.js';
import { error, info, logLines, warning, writeLines } from '../log.js';
import { COLLECT, Interrupted, renderLines, renderTable, Run, watch, type Rendered } from '../pipeline.js';
import { DEFAULT_PROGRAM, programWarnings, telegrafSnippet, type RunningProgram } from '../telegraf.js';

/** Where a command's output goes; injectable for tests. */
export interface Io {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /**
   * Aborted on SIGINT/SIGTERM, with the signal's name (`'SIGINT'`) as its
   * reason; long-running commands stop when it fires, one-shot ones print
   * nothing and exit 128 + the signal's number.
   */
  readonly signal?: AbortSignal;
  /** The environment (for `access_code_env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Standard input, for execd. */
  readonly stdin?: AsyncIterable<string | Buffer>;
  /** Where this program runs from (the launcher or the single binary), for telegraf-config. */
  readonly program?: RunningProgram;
  /** Present only when stdout is a terminal: its current size (it can change while --watch runs). */
  readonly terminal?: () => { readonly columns: number; readonly rows: number };
  /** Clocks and waiting for --rate and --watch (the system's when absent). */
  readonly timer?: Timer;
  /** What the collector's deadlines and pacing are timed with (the system's when absent). */
  readonly clock?: Clock;
  /**
   * When the process started, on `clock`: a one-shot collect's deadlines
   * count from it, so that its start-up counts too (the launcher: 0, where
   * performance.now() counts from). Absent, the run counts from its own start.
   */
  readonly started?: number;
}

function loadConfig(c: { config?: string; device: string[]; tag: string[]; timeout?: string }, io: Io, readSecrets = true): Config {
  const sources: { -readonly [K in keyof ConfigSources]: ConfigSources[K] } = {
    devices: c.device,
    tags: c.tag,
    readSecrets,
    readSecretFile: (path) => {
      const { text, stat } = readRegularFile(path, MAX_SECRET_BYTES);
      return { text, mode: stat.mode };
    },
    env: io.env ?? {},
    isDirectory: (path) => {
      try {
        return statSync(path).isDirectory();
      } catch {
        return false;
      }
    },
  };
  if (c.config !== undefined) {
    sources.file = c.config;
    try {
      sources.fileText = readRegularFile(c.config, MAX_CONFIG_BYTES).text;
    } catch (err) {
      throw new ConfigError(`${c.config}: cannot read the configuration file: ${readFailure(err)}`);
    }
  }
  if (c.timeout !== undefined) sources.timeout = c.timeout;
  const config = buildConfig(sources);
  writeLines(io.stderr, config.warnings);
  return config;
}

/** A table as wide as the terminal, within what stays readable; 100 columns into a pipe or file. */
function tableWidth(io: Io): number {
  const columns = io.terminal?.().columns ?? 100;
  return Math.min(Math.max(columns, 60), 160);
}

/** `--rate`, checked: a duration from 1 s to 5 min, in ms. */
function rateOf(rate: string): number {
  const ms = parseDuration(rate);
  if (ms === undefined || ms < 1000 || ms > 300_000) throw new ConfigError(`--rate: ${JSON.stringify(rate)} is not a duration from 1s to 5m`);
  return ms;
}

/**
 * `--watch`: gather every interval and redraw the table in place until
 * Ctrl-C. It never ends on its own, so it refuses to run unless stdout is
 * a terminal: Telegraf (a pipe) can never wait on it for ever.
 */
async function runWatch(c: GatherArgs & { watch: string }, config: Config, io: Io): Promise<number> {
  const everyMs = parseDuration(c.watch);
  if (everyMs === undefined || everyMs < 500 || everyMs > 300_000) throw new ConfigError(`--watch: ${JSON.stringify(c.watch)} is not a duration from 500ms to 5m`);
  const terminal = io.terminal;
  if (!terminal) throw new ConfigError('--watch: standard output is not a terminal (the live view redraws the screen until Ctrl-C; for Telegraf or a file, leave --watch out)');
  await watch(config, c.watch, everyMs, { write: io.stdout, size: terminal, timer: io.timer ?? SYSTEM_TIMER, ...(io.signal ? { signal: io.signal } : {}) });
  return 0;
}

async function runCollect(c: GatherArgs, io: Io): Promise<number> {
  if (c.watch !== undefined && c.rate !== undefined) throw new ConfigError('--rate: not with --watch (every redraw shows the rates since the one before)');
  if (c.watch !== undefined && c.format === 'lp') throw new ConfigError('--watch: only with the table (leave --format lp out)');
  const config = loadConfig(c, io);
  if (c.watch !== undefined) return runWatch({ ...c, watch: c.watch }, config, io);
  if (c.rate !== undefined && c.format !== 'pretty') throw new ConfigError('--rate: only with --format pretty');
  if (c.format === 'pretty') {
    const { out, log } = await renderTable(config, tableWidth(io), c.rate === undefined ? undefined : rateOf(c.rate), io.timer ?? SYSTEM_TIMER, io.signal, {
      ...(io.clock ? { clock: io.clock } : {}),
      ...(io.started !== undefined ? { startedAt: io.started } : {}),
    });
    writeLines(io.stderr, log);
    io.stdout(out);
    return 0;
  }
  const run = await Run.open(config, COLLECT, io.clock ? { clock: io.clock } : {});
  // Ctrl-C or SIGTERM ends it at once, with nothing printed (pipeline.ts's Interrupted says why).
  emit(renderLines(await run.whole(io.signal, io.started)), io);
  return 0;
}

async function runExecdCommand(c: GatherArgs, io: Io): Promise<number> {
  const config = loadConfig(c, io);
  const { runExecd } = await import('../execd.js');
  if (!io.stdin) throw new ConfigError('execd: no standard input to read');
  return runExecd(config, {
    stdin: io.stdin,
    stdout: io.stdout,
    stderr: io.stderr,
    ...(io.signal ? { signal: io.signal } : {}),
  });
}

/** A run's output: stdout in one write, so a reader never sees half a batch, then its log. */
function emit(rendered: Rendered, io: Io): void {
  if (rendered.out !== '') io.stdout(rendered.out);
  writeLines(io.stderr, rendered.log);
}

async function runParse(c: Extract<Chosen, { command: 'parse' }>, io: Io): Promise<number> {
  const kind = DEVICE_KINDS.get(c.type);
  if (!kind) throw new ConfigError(`--type: unknown device type ${JSON.stringify(c.type)}`);
  const tags = tagFlags(c.tag);
  if (c.host !== undefined) tags['host'] = checkHostTag('--host', c.host);
  checkMeasurement('--measurement', c.measurement);
  const saved = c.files.map((name) => {
    try {
      // As --config: a FIFO would hang the run, /dev/zero never ends; no page the collector takes is over its cap.
      return { name, body: decodeBody(readRegularBytes(name, DEFAULT_MAX_BYTES).bytes, undefined) };
    } catch (err) {
      throw new ConfigError(`${name}: cannot read it: ${readFailure(err)}`);
    }
  });
  // Pages that are no pages of this kind are a usage error; anything else going wrong is a bug (exit 1).
  const parsed = await parseSaved(kind, saved, c.measurement, tags).catch((err: unknown) => {
    throw err instanceof PagesRefused ? new ConfigError(err.message) : err;
  });
  const log = [...parsed.failures.map((f) => error(`${f.area}: ${f.message}`)), ...parsed.omitted.map((o) => warning(`${o.area}: ${o.message}`))];
  emit(renderLines({ metrics: parsed.metrics, log }), io);
  return 0;
}

async function runSimulate(c: Extract<Chosen, { command: 'simulate' }>, io: Io): Promise<number> {
  const { startSimulator, knownFaults } = await import('../simulate/server.js');
  const faults = knownFaults();
  const fault = faults.find((f) => f === c.fault);
  if (fault === undefined) throw new ConfigError(`--fault: unknown fault ${JSON.stringify(c.fault)} (known: ${faults.join(', ')})`);
  if (!Number.isInteger(c.port) || c.port < 0 || c.port > 65535) throw new ConfigError(`--port: ${c.port} is not a TCP port`);
  // The kinds' own options (--layout), each checked by its kind and given to the simulator under the name it says.
  const given: Record<string, unknown> = {};
  for (const o of declared((k) => k.simulateOptions)) {
    const value = (c as Readonly<Record<string, unknown>>)[o.name];
    if (value === undefined) continue;
    const why = o.check?.(value);
    if (why !== undefined) throw new ConfigError(`--${o.name}: ${why}`);
    given[o.sets] = value;
  }
  let sim;
  try {
    sim = await startSimulator({ ...given, port: c.port, fault });
  } catch (err) {
    const code = errnoOf(err);
    if (code === 'EADDRINUSE') throw new ConfigError(`--port: ${c.port} is in use by another program (choose another, or 0 for a free one)`);
    if (code === 'EACCES') throw new ConfigError(`--port: ${c.port} needs privileges this user does not have (choose one above 1023)`);
    throw err;
  }
  io.stdout(`${sim.url}\n`);
  writeLines(io.stderr, [info(`simulated devices on ${sim.url}; stop with Ctrl-C`), ...sim.describe().map((line) => info(`  ${line}`))]);
  await new Promise<void>((resolve) => {
    if (!io.signal || io.signal.aborted) {
      resolve();
      return;
    }
    io.signal.addEventListener(
      'abort',
      () => {
        resolve();
      },
      { once: true },
    );
  });
  await sim.close();
  return 0;
}

function runTelegrafConfig(c: Extract<Chosen, { command: 'telegraf-config' }>, io: Io): number {
  const path = resolve(c.config);
  // The config is checked now: a snippet for a broken config would fail at every interval.
  // The block needs no access code: an admin's shell may not have the variable Telegraf's service has.
  const config = loadConfig({ config: path, device: [], tag: [] }, io, false);
  const interval = parseDuration(c.interval);
  if (interval === undefined || interval < 1000) throw new ConfigError(`--interval: ${JSON.stringify(c.interval)} is not a duration of 1s or more`);
  if (c.program !== undefined && !c.program.startsWith('/')) throw new ConfigError(`--program: ${JSON.stringify(c.program)} is not an absolute path`);
  // The block names the program that is running now, so that it can be pasted as it is.
  const program: RunningProgram | undefined = c.program !== undefined ? { path: c.program } : io.program;
  const warnings = program ? programWarnings(program) : [];
  writeLines(io.stderr, warnings);
  io.stdout(telegrafSnippet(config, { path, execd: c.execd, legacy: c.legacy, interval: c.interval, program: program?.path ?? DEFAULT_PROGRAM }));
  return 0;
}

async function runDashboard(c: Extract<Chosen, { command: 'dashboard' }>, io: Io): Promise<number> {
  const config = loadConfig({ config: c.config, device: [], tag: [] }, io, false);
  const { dashboardJson } = await import('../dashboard/index.js');
  io.stdout(
    dashboardJson(config, {
      datasource: c.datasource,
      // Unless the command line says, the dashboard finds out from the data whether it has totals.
      ...(c.totals !== undefined ? { totals: c.totals } : {}),
      ...(c.flux !== undefined ? { fluxBucket: c.flux } : {}),
    }),
  );
  return 0;
}

/** Runs a command a kind contributes, when `name` is one; undefined when it is none. */
async function runKindCommand(name: string, chosen: Readonly<Record<string, unknown>>, io: Io): Promise<number | undefined> {
  const command = declared((k) => k.commands).find((k) => k.name === name);
  if (!command) return undefined;
  try {
    return await command.run(chosen, {
      stdout: io.stdout,
      stderr: (lines) => {
        writeLines(io.stderr, lines);
      },
    });
  } catch (err) {
    // The kind's word for a value the user must change; anything else is a bug.
    if (err instanceof SettingError) throw new ConfigError(err.message);
    throw err;
  }
}

/**
 * Runs the command line `argv` (without node and script) and returns the exit status.
 */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  let chosen: Chosen | undefined;
  let output = '';
  let usageError: string | undefined;
  chosen = fastParse(argv);
  if (!chosen) {
    const parsed = await (await import('./yargs.js')).parseWithYargs(argv, commandTable());
    chosen = parsed.chosen;
    output = parsed.output;
    usageError = parsed.usageError;
  }
  if (usageError !== undefined) {
    // A message of several lines (yargs' "Invalid values:" and the choices) is one E! line each.
    writeLines(io.stderr, [...logLines('E', usageError), 'Run "telegraf-homenet --help" for usage.']);
    return 2;
  }
  if (chosen === undefined) {
    // --help or --version: yargs produced the text.
    if (output !== '') io.stdout(output.endsWith('\n') ? output : `${output}\n`);
    return 0;
  }
  try {
    const own = await runKindCommand(chosen.command, chosen, io);
    if (own !== undefined) return own;
    switch (chosen.command) {
      case 'collect':
        return await runCollect(chosen, io);
      case 'parse':
        return await runParse(chosen, io);
      case 'simulate':
        return await runSimulate(chosen, io);
      case 'execd':
        return await runExecdCommand(chosen, io);
      case 'telegraf-config':
        return runTelegrafConfig(chosen, io);
      case 'dashboard':
        return await runDashboard(chosen, io);
      case 'capture': {
        const config = loadConfig(chosen, io);
        const { capture } = await import('../capture.js');
        const { out, log } = await capture(config, resolve(chosen.out), io.signal);
        writeLines(io.stderr, log);
        if (out !== '') io.stdout(out);
        return 0;
      }
    }
  } catch (err) {
    if (err instanceof Interrupted) {
      const lost = chosen.command === 'capture' ? `nothing printed, nothing saved in ${resolve(chosen.out)}` : 'nothing printed';
      writeLines(io.stderr, [err.logLine(lost)]);
      return err.exitCode;
    }
    if (err instanceof ConfigError) {
      // One line per mistake, control characters escaped (a line break in a file name too): text from a file or an argument would garble the terminal or Telegraf's log.
      writeLines(
        io.stderr,
        err.problems.map((m) => error(m)),
      );
      return 2;
    }
    writeLines(io.stderr, logLines('E', `internal error (please report it): ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`));
    return 1;
  }
}
