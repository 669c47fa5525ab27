/**
 * Command definitions. `main(argv, io)` parses the arguments, runs one
 * command and returns the exit status; only bin/ touches `process`.
 *
 * Exit status: 0 whenever the configuration was valid (device failures are
 * data, and Telegraf's exec drops all output of a non-zero run); 2 for usage
 * and configuration errors, with nothing on stdout; 1 only for a bug.
 */
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Chosen } from './cli-yargs.js';

/** The arguments of collect and execd. */
type GatherArgs = Extract<Chosen, { command: 'collect' | 'execd' }>;
import { nowNs } from './clock.js';
import { collect, recallDevices, rememberDevices, type DeviceState } from './collect.js';
import {
  buildConfig,
  checkHostTag,
  checkMeasurement,
  ConfigError,
  parseDuration,
  tagFlags,
  type Config,
  type ConfigSources,
} from './config.js';
import { DEVICE_KINDS, parseSaved } from './devices/index.js';
import { MAX_CONFIG_BYTES, MAX_SECRET_BYTES, readRegularFile } from './files.js';
import { decodeBody } from './http.js';
import { serializeAll, type Metric } from './lineprotocol.js';
import { DEFAULT_PROGRAM, programWarnings, telegrafSnippet, type RunningProgram } from './telegraf.js';

/** Where a command's output goes; injectable for tests. */
export interface Io {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Aborted on SIGINT/SIGTERM; long-running commands stop when it fires. */
  readonly signal?: AbortSignal;
  /** The environment (for `access_code_env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Standard input, for execd. */
  readonly stdin?: AsyncIterable<string | Buffer>;
  /** Where this program runs from (the launcher or the single binary), for telegraf-config. */
  readonly program?: RunningProgram;
  /** Present only when stdout is a terminal: its current size (it can change while --watch runs). */
  readonly terminal?: () => { readonly columns: number; readonly rows: number };
}

function loadConfig(c: { config?: string; device: string[]; tag: string[]; timeout?: string }, io: Io): Config {
  const sources: { -readonly [K in keyof ConfigSources]: ConfigSources[K] } = {
    devices: c.device,
    tags: c.tag,
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
      throw new ConfigError(`${c.config}: cannot read the configuration file (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
  }
  if (c.timeout !== undefined) sources.timeout = c.timeout;
  const config = buildConfig(sources);
  for (const w of config.warnings) io.stderr(`${w}\n`);
  return config;
}

/** A table as wide as the terminal, within what stays readable; 100 columns into a pipe or file. */
function tableWidth(io: Io): number {
  const columns = io.terminal?.().columns ?? 100;
  return Math.min(Math.max(columns, 60), 160);
}

async function runPretty(c: GatherArgs, config: Config, io: Io): Promise<number> {
  const { pretty } = await import('./pretty.js');
  const width = tableWidth(io);
  let rateMs: number | undefined;
  if (c.rate !== undefined) {
    rateMs = parseDuration(c.rate);
    if (rateMs === undefined || rateMs < 1000 || rateMs > 300_000) throw new ConfigError(`--rate: ${JSON.stringify(c.rate)} is not a duration from 1s to 5m`);
  }
  const { sharedSeriesWarnings } = await import('./counters.js');
  const states = new Map<string, DeviceState>();
  const first = await collect(config, { states });
  if (rateMs === undefined) {
    emit([], [...first.log, ...sharedSeriesWarnings(first.metrics, config.measurement)], io);
    io.stdout(pretty(first.metrics, undefined, 0, width));
    return 0;
  }
  const started = performance.now();
  await new Promise((r) => setTimeout(r, rateMs));
  const second = await collect(config, { states });
  emit([], [...second.log, ...sharedSeriesWarnings(second.metrics, config.measurement)], io);
  io.stdout(pretty(second.metrics, first.metrics, (performance.now() - started) / 1000, width));
  return 0;
}

/** Waits `ms`, or less when the signal fires. */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((done) => {
    if (signal?.aborted) {
      done();
      return;
    }
    const timer = setTimeout(finish, ms);
    signal?.addEventListener('abort', finish, { once: true });
    function finish(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', finish);
      done();
    }
  });
}

const CLEAR_LINE_END = '\u001b[K';

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
  const { Watch } = await import('./pretty.js');
  const watch = new Watch();
  const states = new Map<string, DeviceState>();
  // Hide the cursor and start from a clear screen; each frame then overwrites the last in place.
  io.stdout('\u001b[?25l\u001b[2J');
  try {
    while (!io.signal?.aborted) {
      const started = performance.now();
      const gathered = await collect(config, { states });
      if (io.signal?.aborted) break;
      const { columns, rows } = terminal();
      const width = Math.max(columns, 40);
      const time = new Date().toTimeString().slice(0, 8);
      const head = `telegraf-homenet · every ${c.watch} · ${time} · Ctrl-C to stop`;
      const body = watch.frame(gathered.metrics, started, width).split('\n').filter((l) => l !== '');
      // Messages go on the screen, not to stderr: they would scroll the table away.
      const log = gathered.log.map((l) => (l.length > width ? `${l.slice(0, width - 1)}…` : l));
      let lines = [head, '', ...body, ...(log.length > 0 ? ['', ...log] : [])];
      if (lines.length > rows - 1) lines = [...lines.slice(0, Math.max(rows - 2, 1)), `… ${lines.length - rows + 2} more lines: make the window taller`];
      io.stdout(`\u001b[H${lines.map((l) => `${l}${CLEAR_LINE_END}`).join('\n')}\n\u001b[J`);
      await pause(everyMs - (performance.now() - started), io.signal);
    }
  } finally {
    io.stdout('\u001b[?25h');
  }
  return 0;
}

async function runCollect(c: GatherArgs, io: Io): Promise<number> {
  if (c.watch !== undefined && c.rate !== undefined) throw new ConfigError('--rate: not with --watch (every redraw shows the rates since the one before)');
  if (c.watch !== undefined && c.format === 'lp') throw new ConfigError('--watch: only with the table (leave --format lp out)');
  const config = loadConfig(c, io);
  if (c.watch !== undefined) return runWatch({ ...c, watch: c.watch }, config, io);
  if (c.rate !== undefined && c.format !== 'pretty') throw new ConfigError('--rate: only with --format pretty');
  if (c.format === 'pretty') return runPretty(c, config, io);
  // Counter totals need the previous run's readings, and what devices said
  // about themselves need not be asked again: only with a state file.
  const stateFile = config.stateFile;
  const files = stateFile === undefined ? undefined : await import('./state.js');
  const saved = stateFile === undefined ? undefined : files?.loadState(stateFile);
  const states = saved ? recallDevices(config, saved.state.devices) : new Map<string, DeviceState>();
  const gathered = await collect(config, { states, remember: saved !== undefined });
  let metrics = gathered.metrics;
  const log = [...gathered.log];
  if (stateFile !== undefined && files && saved) {
    const { addTotals, prune } = await import('./counters.js');
    if (saved.warning) log.push(saved.warning);
    const now = nowNs();
    metrics = addTotals(metrics, saved.state, config.measurement, now, (w) => log.push(w));
    prune(saved.state, now, metrics);
    rememberDevices(config, states, saved.state.devices);
    const failed = saved.writable ? files.saveState(stateFile, saved.state) : undefined;
    if (failed) log.push(failed);
    // A problem that every run would meet again is data too, so a dashboard or an alert can see it.
    metrics = files.markStateOk(metrics, !files.isStateProblem(saved.warning) && !files.isStateProblem(failed));
  }
  if (config.schema !== 'homenet' || config.counterType !== 'integer') metrics = (await import('./shape.js')).shape(metrics, config);
  // Telegraf stamps exec output itself (and rounds it to its precision).
  emit(metrics.map((m) => ({ name: m.name, tags: m.tags, fields: m.fields })), log, io);
  return 0;
}

async function runExecdCommand(c: GatherArgs, io: Io): Promise<number> {
  const config = loadConfig(c, io);
  const { runExecd } = await import('./execd.js');
  if (!io.stdin) throw new ConfigError('execd: no standard input to read');
  return runExecd(config, {
    stdin: io.stdin,
    stdout: io.stdout,
    stderr: io.stderr,
    ...(io.signal ? { signal: io.signal } : {}),
  });
}

function emit(metrics: readonly Metric[], log: readonly string[], io: Io): void {
  const warnings: string[] = [];
  const out = serializeAll(metrics, (w) => warnings.push(w));
  // One write each, so a reader never sees half a batch.
  if (out !== '') io.stdout(out);
  const errs = [...log, ...warnings];
  if (errs.length > 0) io.stderr(errs.join('\n') + '\n');
}

async function runParse(c: Extract<Chosen, { command: 'parse' }>, io: Io): Promise<number> {
  const kind = DEVICE_KINDS.get(c.type);
  if (!kind) throw new ConfigError(`--type: unknown device type ${JSON.stringify(c.type)}`);
  const tags = tagFlags(c.tag);
  if (c.host !== undefined) tags['host'] = checkHostTag('--host', c.host);
  checkMeasurement('--measurement', c.measurement);
  const saved = c.files.map((name) => {
    try {
      return { name, body: decodeBody(readFileSync(name), undefined) };
    } catch (err) {
      throw new ConfigError(`${name}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
  });
  let parsed;
  try {
    parsed = await parseSaved(kind, saved, c.measurement, tags);
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  emit(parsed.metrics, [...parsed.failures.map((f) => `E! ${f.area}: ${f.message}`), ...parsed.omitted.map((o) => `W! ${o.area}: ${o.message}`)], io);
  return 0;
}

async function runSimulate(c: Extract<Chosen, { command: 'simulate' }>, io: Io): Promise<number> {
  const { startSimulator, FAULTS } = await import('./simulate/server.js');
  const fault = FAULTS.find((f) => f === c.fault);
  if (fault === undefined) throw new ConfigError(`--fault: unknown fault ${JSON.stringify(c.fault)} (known: ${FAULTS.join(', ')})`);
  if (!Number.isInteger(c.port) || c.port < 0 || c.port > 65535) throw new ConfigError(`--port: ${c.port} is not a TCP port`);
  if (!Number.isInteger(c.sonos) || c.sonos < 0 || c.sonos > 200) throw new ConfigError(`--sonos: ${c.sonos} is not a number of speakers from 0 to 200`);
  let sim;
  try {
    sim = await startSimulator({ port: c.port, layout: c.layout, fault, speakers: c.sonos });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new ConfigError(`--port: ${c.port} is in use by another program (choose another, or 0 for a free one)`);
    if (code === 'EACCES') throw new ConfigError(`--port: ${c.port} needs privileges this user does not have (choose one above 1023)`);
    throw err;
  }
  io.stdout(`${sim.url}\n`);
  const say = [`I! simulated devices on ${sim.url}; stop with Ctrl-C`, ...sim.describe().map((line) => `I!   ${line}`)];
  io.stderr(say.join('\n') + '\n');
  await new Promise<void>((resolve) => {
    if (!io.signal || io.signal.aborted) {
      resolve();
      return;
    }
    io.signal.addEventListener('abort', () => {
      resolve();
    }, { once: true });
  });
  await sim.close();
  return 0;
}

function runTelegrafConfig(c: Extract<Chosen, { command: 'telegraf-config' }>, io: Io): number {
  const path = resolve(c.config);
  // The config is checked now: a snippet for a broken config would fail at every interval.
  const config = loadConfig({ config: path, device: [], tag: [] }, io);
  const interval = parseDuration(c.interval);
  if (interval === undefined || interval < 1000) throw new ConfigError(`--interval: ${JSON.stringify(c.interval)} is not a duration of 1s or more`);
  if (c.program !== undefined && !c.program.startsWith('/')) throw new ConfigError(`--program: ${JSON.stringify(c.program)} is not an absolute path`);
  // The block names the program that is running now, so that it can be pasted as it is.
  const program: RunningProgram | undefined = c.program !== undefined ? { path: c.program } : io.program;
  const warnings = program ? programWarnings(program) : [];
  if (warnings.length > 0) io.stderr(warnings.join('\n') + '\n');
  io.stdout(telegrafSnippet(config, { path, execd: c.execd, legacy: c.legacy, interval: c.interval, program: program?.path ?? DEFAULT_PROGRAM }));
  return 0;
}

async function runDashboard(c: Extract<Chosen, { command: 'dashboard' }>, io: Io): Promise<number> {
  const config = loadConfig({ config: c.config, device: [], tag: [] }, io);
  const { dashboardJson } = await import('./dashboard.js');
  io.stdout(
    dashboardJson(config, {
      datasource: c.datasource,
      totals: c.totals ?? config.stateFile !== undefined,
      ...(c.flux !== undefined ? { fluxBucket: c.flux } : {}),
    }),
  );
  return 0;
}

async function runDiscover(c: Extract<Chosen, { command: 'discover' }>, io: Io): Promise<number> {
  const m = /^(.+):(\d{1,5})$/.exec(c.target);
  const port = Number(m?.[2]);
  if (!m?.[1] || port < 1 || port > 65535) throw new ConfigError(`--target: ${JSON.stringify(c.target)} is not ADDRESS:PORT`);
  const waitMs = parseDuration(c.wait);
  if (waitMs === undefined || waitMs < 100 || waitMs > 60_000) throw new ConfigError(`--wait: ${JSON.stringify(c.wait)} is not a duration from 100ms to 60s`);
  const { discover, iniSections } = await import('./devices/sonos/discover.js');
  const found = await discover(m[1], port, waitMs, (w) => {
    io.stderr(`W! ${w}\n`);
  });
  if (found.length === 0) {
    io.stderr(`W! no Sonos speaker answered within ${c.wait} (SSDP does not cross VLANs or routers: add speakers by address instead)\n`);
    return 0;
  }
  io.stdout(iniSections(found));
  return 0;
}

const FAST_OPTIONS = new Set(['config', 'device', 'tag', 'timeout']);
const SINGLE = new Set(['config', 'timeout']);

/**
 * The arguments of the everyday runs, `[collect|execd] [--config F]
 * [--device T=U]... [--tag K=V]... [--timeout D]`, read without loading yargs.
 * Anything else (other commands, help, unknown or odd options) returns
 * undefined and goes to yargs, which stays the definition of the command
 * line; a test checks that both read every argument list the same way.
 */
export function fastParse(argv: readonly string[]): Chosen | undefined {
  let i = 0;
  let command: 'collect' | 'execd' = 'collect';
  if (argv[0] === 'collect' || argv[0] === 'execd') {
    command = argv[0];
    i = 1;
  }
  const values: Record<string, string[]> = { config: [], device: [], tag: [], timeout: [] };
  for (; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const m = /^--([a-z]+)(?:=([\s\S]*))?$/.exec(arg);
    const name = m?.[1];
    if (!m || name === undefined || !FAST_OPTIONS.has(name)) return undefined;
    let value = m[2];
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined || value.startsWith('-')) return undefined;
    }
    if (value === '') return undefined;
    const list = values[name] ?? [];
    list.push(value);
    if (SINGLE.has(name) && list.length > 1) return undefined;
    values[name] = list;
  }
  const chosen: GatherArgs = { command, device: values['device'] ?? [], tag: values['tag'] ?? [] };
  const [config] = values['config'] ?? [];
  const [timeout] = values['timeout'] ?? [];
  if (config !== undefined) chosen.config = config;
  if (timeout !== undefined) chosen.timeout = timeout;
  return chosen;
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
    const parsed = await (await import('./cli-yargs.js')).parseWithYargs(argv);
    chosen = parsed.chosen;
    output = parsed.output;
    usageError = parsed.usageError;
  }
  if (usageError !== undefined) {
    io.stderr(`E! ${usageError}\nRun "telegraf-homenet --help" for usage.\n`);
    return 2;
  }
  if (chosen === undefined) {
    // --help or --version: yargs produced the text.
    if (output !== '') io.stdout(output.endsWith('\n') ? output : `${output}\n`);
    return 0;
  }
  try {
    switch (chosen.command) {
      case 'collect':
        return await runCollect(chosen, io);
      case 'parse':
        return await runParse(chosen, io);
      case 'simulate':
        return await runSimulate(chosen, io);
      case 'discover':
        return await runDiscover(chosen, io);
      case 'execd':
        return await runExecdCommand(chosen, io);
      case 'telegraf-config':
        return runTelegrafConfig(chosen, io);
      case 'dashboard':
        return await runDashboard(chosen, io);
      case 'capture': {
        const config = loadConfig(chosen, io);
        const { capture } = await import('./capture.js');
        const { out, log } = await capture(config, resolve(chosen.out));
        emit([], log, io);
        if (out !== '') io.stdout(out);
        return 0;
      }
    }
  } catch (err) {
    if (err instanceof ConfigError) {
      // Control characters from a file or an argument would garble the terminal or Telegraf's log.
      // eslint-disable-next-line no-control-regex -- escaping them on purpose
      const safe = (line: string): string => line.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
      io.stderr(err.message.split('\n').map((line) => `E! ${safe(line)}\n`).join(''));
      return 2;
    }
    io.stderr(`E! internal error (please report it): ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return 1;
  }
}
