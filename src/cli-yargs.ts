/**
 * The command line as yargs defines it: every command, option, help text and
 * usage error. Loaded only when the fast path in cli.ts cannot take the
 * arguments itself (help, version, the rarer commands, any mistake): yargs
 * costs about 50 ms to load, paid on every Telegraf interval otherwise.
 */
import { didYouMean } from './suggest.js';
import { readFileSync } from 'node:fs';
import yargs, { type Argv } from 'yargs';
import { DEFAULT_MEASUREMENT } from './config.js';
import { knownTypes } from './devices/index.js';

declare const HOMENET_VERSION: string | undefined;

/** The version: built into the single binary, else read from package.json. */
export function version(): string {
  if (typeof HOMENET_VERSION === 'string') return HOMENET_VERSION;
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** The command to run and its options, whichever path parsed them. */
export type Chosen =
  | { command: 'collect' | 'execd'; config?: string; device: string[]; tag: string[]; timeout?: string; format?: 'pretty' | 'lp'; rate?: string; watch?: string }
  | { command: 'parse'; type: string; files: string[]; host?: string; tag: string[]; measurement: string }
  | { command: 'simulate'; port: number; layout: string; fault: string; sonos: number }
  | { command: 'discover'; target: string; wait: string }
  | { command: 'telegraf-config'; config: string; execd: boolean; legacy: boolean; interval: string; program?: string }
  | { command: 'dashboard'; config: string; datasource: string; totals?: boolean; flux?: string }
  | { command: 'capture'; out: string; config?: string; device: string[]; tag: string[]; timeout?: string };

/** Repeatable string options arrive as a string or an array. */
function list(v: unknown): string[] {
  if (v === undefined) return [];
  return (Array.isArray(v) ? (v as unknown[]) : [v]).map((x) => (typeof x === 'string' ? x : JSON.stringify(x)));
}

/** A single-valued option: given twice is a usage error, as the fast path also refuses it. */
function optionalString(v: unknown, name: string): string | undefined {
  if (Array.isArray(v)) throw new Error(`--${name} given more than once`);
  return typeof v === 'string' ? v : undefined;
}

/** The options of collect and execd as the command to run. */
function gatherArgs(command: 'collect' | 'execd', a: Record<string, unknown>): Chosen {
  const chosen: Chosen = { command, device: list(a['device']), tag: list(a['tag']) };
  const config = optionalString(a['config'], 'config');
  const timeout = optionalString(a['timeout'], 'timeout');
  if (config !== undefined) chosen.config = config;
  if (timeout !== undefined) chosen.timeout = timeout;
  return chosen;
}

function configOptions(y: Argv): Argv {
  return y
    .option('config', { type: 'string', requiresArg: true, describe: 'INI file with devices and tags' })
    .option('device', { type: 'string', requiresArg: true, describe: 'TYPE=URL of a device (repeatable), e.g. att=http://192.168.1.254' })
    .option('tag', { type: 'string', requiresArg: true, describe: 'KEY=VALUE tag added to every metric (repeatable)' })
    .option('timeout', { type: 'string', requiresArg: true, describe: 'time limit per device, e.g. 4s (default 4s)' });
}


function buildParser(args: string[], choose: (c: Chosen) => void): Argv {
  const types = knownTypes();
  return yargs(args)
    .scriptName('telegraf-homenet')
    .usage('$0 [command] [options]\n\nReads home-network device status pages and prints InfluxDB line protocol for Telegraf.')
    .command(
      ['collect', '$0'],
      'gather every configured device once; line protocol on stdout (the default)',
      (y) =>
        configOptions(y)
          .option('format', { type: 'string', choices: ['lp', 'pretty'], describe: 'lp: line protocol (the default); pretty: a table with units, for a terminal' })
          .option('rate', { type: 'string', requiresArg: true, describe: 'with --format pretty: read twice this far apart (e.g. 5s) and show bits per second' })
          .option('watch', { type: 'string', requiresArg: true, describe: 'redraw the table every DURATION (e.g. 2s) with rates and a history, until Ctrl-C; needs a terminal' })
          // An epilog, not .example(): yargs puts examples in two columns and breaks a long command in the middle.
          .epilog(
            [
              'Examples:',
              '  telegraf-homenet --device att=http://192.168.1.254',
              '      one gateway, no config file',
              '  telegraf-homenet --config /etc/telegraf/homenet.ini --format pretty --rate 5s',
              '      a look at the devices from a terminal',
              '  telegraf-homenet --config /etc/telegraf/homenet.ini --watch 2s',
              '      a live view, until Ctrl-C',
            ].join('\n'),
          ),
      (a) => {
        const chosen = gatherArgs('collect', a);
        if (chosen.command !== 'collect') return;
        // No yargs default: a --format said on purpose is known (--watch refuses lp).
        if (a['format'] === 'pretty' || a['format'] === 'lp') chosen.format = a['format'];
        const rate = optionalString(a['rate'], 'rate');
        if (rate !== undefined) chosen.rate = rate;
        const watch = optionalString(a['watch'], 'watch');
        if (watch !== undefined) chosen.watch = watch;
        choose(chosen);
      },
    )
    .command(
      'execd',
      'stay running for Telegraf inputs.execd: one gather per line on stdin, timestamped',
      (y) => configOptions(y),
      (a) => {
        choose(gatherArgs('execd', a));
      },
    )
    .command(
      'parse <files..>',
      'parse saved page(s) offline and print line protocol (no network)',
      (y) =>
        y
          .positional('files', { type: 'string', array: true, describe: 'saved pages; the page kind is recognised from the content' })
          .option('type', { type: 'string', choices: types, demandOption: true, describe: 'device type the pages come from' })
          .option('host', { type: 'string', requiresArg: true, describe: 'host tag to put on the metrics' })
          .option('tag', { type: 'string', requiresArg: true, describe: 'KEY=VALUE tag added to every metric (repeatable)' })
          .option('measurement', { type: 'string', requiresArg: true, default: DEFAULT_MEASUREMENT, describe: 'measurement of the traffic counters' }),
      (a) => {
        const chosen: Chosen = {
          command: 'parse',
          type: a.type,
          files: list(a['files']),
          tag: list(a['tag']),
          measurement: a.measurement,
        };
        const host = optionalString(a['host'], 'host');
        if (host !== undefined) chosen.host = host;
        choose(chosen);
      },
    )
    .command(
      'capture',
      'collect once and save every page read, masked, with the parse commands that reproduce the run (for bug reports)',
      (y) => configOptions(y).option('out', { type: 'string', requiresArg: true, demandOption: true, describe: 'folder to save the pages in' }),
      (a) => {
        const g = gatherArgs('collect', a);
        if (g.command !== 'collect') return;
        const chosen: Chosen = { command: 'capture', out: optionalString(a['out'], 'out') ?? '', device: g.device, tag: g.tag };
        if (g.config !== undefined) chosen.config = g.config;
        if (g.timeout !== undefined) chosen.timeout = g.timeout;
        choose(chosen);
      },
    )
    .command(
      'dashboard',
      'print a Grafana dashboard (JSON, importable) for the devices of a config',
      (y) =>
        y
          .option('config', { type: 'string', requiresArg: true, demandOption: true, describe: 'the INI file the dashboard is for' })
          .option('datasource', { type: 'string', requiresArg: true, default: '${DS_INFLUXDB}', describe: 'Grafana data source UID (default: asked on import)' })
          .option('totals', { type: 'boolean', describe: 'graph the *_total fields (default: when the config sets state_file; use it with execd)' })
          .option('flux', { type: 'string', requiresArg: true, describe: 'Flux queries reading this InfluxDB 2.x bucket, instead of InfluxQL' }),
      (a) => {
        const chosen: Chosen = { command: 'dashboard', config: optionalString(a.config, 'config') ?? '', datasource: optionalString(a.datasource, 'datasource') ?? '' };
        if (typeof a.totals === 'boolean') chosen.totals = a.totals;
        const flux = optionalString(a.flux, 'flux');
        if (flux !== undefined) chosen.flux = flux;
        choose(chosen);
      },
    )
    .command(
      'telegraf-config',
      'print the Telegraf input block that runs this program with a config file',
      (y) =>
        y
          .option('config', { type: 'string', requiresArg: true, demandOption: true, describe: 'the INI file Telegraf should use' })
          .option('execd', { type: 'boolean', default: false, describe: 'an [[inputs.execd]] block instead of [[inputs.exec]]' })
          .option('legacy', { type: 'boolean', default: false, describe: 'for Telegraf before 1.39: the string form of commands, and no log_stderr' })
          .option('interval', { type: 'string', default: '10s', requiresArg: true, describe: 'how often Telegraf gathers' })
          .option('program', { type: 'string', requiresArg: true, describe: 'the path Telegraf should run (default: this program, where it runs from now)' }),
      (a) => {
        const program = optionalString(a.program, 'program');
        choose({
          command: 'telegraf-config',
          config: optionalString(a.config, 'config') ?? '',
          execd: a.execd,
          legacy: a.legacy,
          interval: optionalString(a.interval, 'interval') ?? '10s',
          ...(program !== undefined ? { program } : {}),
        });
      },
    )
    .command(
      'discover',
      'find Sonos speakers with SSDP and print them as INI sections to paste',
      (y) =>
        y
          .option('target', { type: 'string', default: '239.255.255.250:1900', requiresArg: true, describe: 'where to send the M-SEARCH (ADDRESS:PORT)' })
          .option('wait', { type: 'string', default: '2s', requiresArg: true, describe: 'how long to wait for answers' }),
      (a) => {
        choose({ command: 'discover', target: a.target, wait: a.wait });
      },
    )
    .command(
      'simulate',
      'serve simulated gateways and Sonos speakers on 127.0.0.1 until interrupted; prints the base URL',
      (y) =>
        y
          .option('port', { type: 'number', default: 0, describe: 'TCP port; 0 picks a free one' })
          .option('sonos', { type: 'number', default: 4, describe: 'speakers in the simulated Sonos household' })
          .option('layout', { type: 'string', choices: ['att', 'isp'], default: 'att', describe: 'AT&T firmware (caption) or ISP-branded table layout' })
          .option('fault', { type: 'string', default: 'none', describe: 'how the Pace misbehaves: hang, trickle, slow, reset, half, garbage, huge, status-403, status-404, status-500, redirect-away, wrong-device, invalid-utf8, windows-1252, odd-values, tiny-chunks, deep-nesting, many-tables, repeated-tokens, nat-hang' }),
      (a) => {
        choose({ command: 'simulate', port: a.port, layout: a.layout, fault: a.fault, sonos: a.sonos });
      },
    )
    .strict()
    .help()
    .alias('help', 'h')
    .version(version())
    .wrap(100)
    .exitProcess(false);
}

/** What yargs made of the arguments: a command, or help/version text, or a usage error. */
export interface Parsed {
  readonly chosen?: Chosen;
  readonly output: string;
  readonly usageError?: string;
}

/** Parses the arguments with the full yargs definition. */
/** Every command and option, for "did you mean" (a test checks them against each command's --help). */
export const COMMAND_WORDS = ['collect', 'execd', 'parse', 'capture', 'dashboard', 'telegraf-config', 'discover', 'simulate'];
export const OPTION_WORDS = ['config', 'datasource', 'device', 'execd', 'fault', 'flux', 'format', 'host', 'interval', 'layout', 'legacy', 'measurement', 'out', 'port', 'program', 'rate', 'sonos', 'tag', 'target', 'timeout', 'totals', 'type', 'wait', 'watch'].map((o) => `--${o}`);

/** yargs' "Unknown argument(s): a, b" with the closest command or option of each. */
function withSuggestions(message: string): string {
  const m = /^Unknown arguments?: (.+)$/.exec(message);
  if (!m?.[1]) return message;
  // yargs drops the dashes of an unknown option: try the word as a command, then as an option.
  const hints = m[1].split(', ').map((w) => {
    const word = w.replace(/^-+/, '');
    return (w.startsWith('-') ? '' : didYouMean(word, COMMAND_WORDS)) || didYouMean(`--${word}`, OPTION_WORDS);
  });
  return hints.some((h) => h !== '') ? `${message}${hints.join('')}` : message;
}

export async function parseWithYargs(argv: readonly string[]): Promise<Parsed> {
  let chosen: Chosen | undefined;
  let output = '';
  let usageError: string | undefined;
  try {
    await buildParser([...argv], (c) => (chosen = c))
      .fail((msg: string | undefined, err: Error | undefined) => {
        usageError = msg ?? err?.message ?? 'invalid arguments';
      })
      .parseAsync([...argv], {}, (_err, _argv, out) => {
        output = out;
      });
  } catch (err) {
    usageError ??= err instanceof Error ? err.message : String(err);
  }
  return { output, ...(chosen ? { chosen } : {}), ...(usageError !== undefined ? { usageError: withSuggestions(usageError) } : {}) };
}
