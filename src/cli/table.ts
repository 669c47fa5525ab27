/**
 * The command line as data: every command and option, with its help text.
 * Both parsers are derived from it: the yargs definition (yargs.ts, which
 * writes --help and every usage error) and the fast path here, which reads
 * the everyday `collect` and `execd` runs without loading yargs (about 50 ms
 * on every Telegraf interval). The parsed arguments' type, `Chosen`, is
 * derived from it too, so an option added here reaches all three.
 *
 * This module is loaded on every run: no yargs, nothing cli/index.ts does not load
 * anyway; and yargs.ts imports only its types (it is handed the table),
 * so that the bundle keeps it in its entry file, not in one more chunk.
 */
import { DEFAULT_MEASUREMENT } from '../config/index.js';
import { declared, exampleDevice, knownTypes } from '../devices/index.js';
import { SHARED_FAULTS } from '../simulate/faults.js';

interface StringBase {
  readonly type: 'string';
  readonly describe: string;
  /** Given any number of times, read as a list (else given twice is a usage error). */
  readonly repeatable?: true;
  /** The values allowed; a function for a list known only when it is asked for. */
  readonly choices?: readonly string[] | (() => readonly string[]);
  readonly default?: string;
  readonly demandOption?: true;
}

/**
 * A string option; only these can be read by the fast path (`fast`), and
 * only those that take a value (`requiresArg`: else yargs reads a bare
 * `--name` as '').
 */
type StringOption = StringBase & ({ readonly requiresArg?: true; readonly fast?: never } | { readonly requiresArg: true; readonly fast: true });

interface BooleanOption {
  readonly type: 'boolean';
  readonly describe: string;
  readonly default?: boolean;
}

interface NumberOption {
  readonly type: 'number';
  readonly describe: string;
  readonly default?: number;
}

export type OptionSpec = StringOption | BooleanOption | NumberOption;

export interface CommandSpec {
  readonly describe: string;
  /** The command run when none is named. */
  readonly default?: true;
  /** The fast path may read this command (only its options marked `fast`). */
  readonly fast?: true;
  /** Non-option arguments: one or more, read as a list. */
  readonly positional?: { readonly name: string; readonly describe: string };
  /** In the order --help lists them. */
  readonly options: Readonly<Record<string, OptionSpec>>;
  readonly epilog?: string;
}

/** What collect, execd and capture take to know the devices. */
const GATHER = {
  config: { type: 'string', requiresArg: true, fast: true, describe: 'INI file with devices and tags' },
  device: { type: 'string', requiresArg: true, repeatable: true, fast: true, describe: `TYPE=URL of a device (repeatable), e.g. ${exampleDevice()}` },
  tag: { type: 'string', requiresArg: true, repeatable: true, fast: true, describe: 'KEY=VALUE tag added to every metric (repeatable)' },
  timeout: { type: 'string', requiresArg: true, fast: true, describe: 'time limit per device, e.g. 4s (default 4s)' },
} as const;

/** The program's own commands, in the order --help lists them (the kinds' own come before `simulate`). */
const COMMANDS = {
  collect: {
    describe: 'gather every configured device once; line protocol on stdout (the default)',
    default: true,
    fast: true,
    options: {
      ...GATHER,
      format: { type: 'string', choices: ['lp', 'pretty'], describe: 'lp: line protocol (the default); pretty: a table with units, for a terminal' },
      rate: { type: 'string', requiresArg: true, describe: 'with --format pretty: read twice this far apart (e.g. 5s) and show bits per second' },
      watch: { type: 'string', requiresArg: true, describe: 'redraw the table every DURATION (e.g. 2s) with rates and a history, until Ctrl-C; needs a terminal' },
    },
    // An epilog, not yargs' examples: those come in two columns that break a long command in the middle.
    epilog: [
      'Examples:',
      `  telegraf-homenet --device ${exampleDevice()}`,
      '      one gateway, no config file',
      '  telegraf-homenet --config /etc/telegraf/homenet.ini --format pretty --rate 5s',
      '      a look at the devices from a terminal',
      '  telegraf-homenet --config /etc/telegraf/homenet.ini --watch 2s',
      '      a live view, until Ctrl-C',
    ].join('\n'),
  },
  execd: {
    describe: 'stay running for Telegraf inputs.execd: one gather per line on stdin, timestamped',
    fast: true,
    options: GATHER,
  },
  parse: {
    describe: 'parse saved page(s) offline and print line protocol (no network)',
    positional: { name: 'files', describe: 'saved pages; the page kind is recognised from the content' },
    options: {
      type: { type: 'string', choices: knownTypes, demandOption: true, describe: 'device type the pages come from' },
      host: { type: 'string', requiresArg: true, describe: 'host tag to put on the metrics' },
      tag: GATHER.tag,
      measurement: { type: 'string', requiresArg: true, default: DEFAULT_MEASUREMENT, describe: 'measurement of the traffic counters' },
    },
  },
  capture: {
    describe: 'collect once and save every page read, masked, with the parse commands that reproduce the run (for bug reports)',
    options: {
      ...GATHER,
      out: { type: 'string', requiresArg: true, demandOption: true, describe: 'folder to save the pages in' },
    },
  },
  dashboard: {
    describe: 'print a Grafana dashboard (JSON, importable) for the devices of a config',
    options: {
      config: { type: 'string', requiresArg: true, demandOption: true, describe: 'the INI file the dashboard is for' },
      datasource: { type: 'string', requiresArg: true, default: '${DS_INFLUXDB}', describe: 'Grafana data source UID (default: asked on import)' },
      totals: { type: 'boolean', describe: 'graph the *_total fields, or with --no-totals the raw counters (default: whichever the data has)' },
      flux: { type: 'string', requiresArg: true, describe: 'Flux queries reading this InfluxDB 2.x bucket, instead of InfluxQL' },
    },
  },
  'telegraf-config': {
    describe: 'print the Telegraf input block that runs this program with a config file',
    options: {
      config: { type: 'string', requiresArg: true, demandOption: true, describe: 'the INI file Telegraf should use' },
      execd: { type: 'boolean', default: false, describe: 'an [[inputs.execd]] block instead of [[inputs.exec]]' },
      legacy: { type: 'boolean', default: false, describe: 'for Telegraf before 1.39: the string form of commands, and no log_stderr' },
      interval: { type: 'string', default: '10s', requiresArg: true, describe: 'how often Telegraf gathers' },
      program: { type: 'string', requiresArg: true, describe: 'the path Telegraf should run (default: this program, where it runs from now)' },
    },
  },
  simulate: {
    // Its help names what the kinds simulate when the table is made (commandTable).
    describe: 'serve simulated devices on 127.0.0.1 until interrupted; prints the base URL',
    options: {
      port: { type: 'number', default: 0, describe: 'TCP port; 0 picks a free one' },
      // The kinds' own options come here when the table is made (commandTable).
      // Its help is written from the kinds' faults when the table is made (commandTable).
      fault: { type: 'string', default: 'none', describe: 'how the simulated devices misbehave' },
    },
  },
} as const satisfies Readonly<Record<string, CommandSpec>>;

type Commands = typeof COMMANDS;
type CommandName = keyof Commands;

/** The value an option is read as. */
type ValueOf<O> = O extends { type: 'boolean' }
  ? boolean
  : O extends { type: 'number' }
    ? number
    : O extends { repeatable: true }
      ? string[]
      : O extends { choices: readonly (infer C extends string)[] }
        ? C
        : string;
/** Options that always have a value: lists (maybe empty), defaults, and the demanded. */
type Present<O> = O extends { repeatable: true } | { default: unknown } | { demandOption: true } ? true : false;
type Flatten<T> = { [K in keyof T]: T[K] } & {};
type ArgsOf<N, C> = C extends { options: infer Os }
  ? Flatten<
      { command: N } & { -readonly [K in keyof Os as Present<Os[K]> extends true ? K : never]: ValueOf<Os[K]> } & {
        -readonly [K in keyof Os as Present<Os[K]> extends true ? never : K]?: ValueOf<Os[K]>;
      } & (C extends { positional: { name: infer P extends string } } ? { [K in P]: string[] } : unknown)
    >
  : never;

/** The command to run and its options, whichever parser read them. */
export type Chosen = { [N in CommandName]: ArgsOf<N, Commands[N]> }[CommandName];

/** The table as both parsers take it: each command's name and spec, in the order --help lists them. */
export type CommandTable = readonly (readonly [string, CommandSpec])[];

/**
 * The whole table: the program's commands, then those the registered kinds
 * contribute (Sonos's `discover`), then `simulate`, the tool for trying them
 * all. Read at each call: a kind registered later (a test's) is in it.
 */
export function commandTable(): CommandTable {
  const own: [string, CommandSpec][] = Object.entries(COMMANDS);
  const kinds = declared((k) => k.commands).map((c): [string, CommandSpec] => [c.name, { describe: c.describe, options: c.options }]);
  const last = own.findIndex(([name]) => name === 'simulate');
  const [, simulate] = own[last] ?? [];
  const simulated = declared((k) => (k.simulates === undefined ? [] : [k.simulates]));
  const describe = simulated.length === 0 ? simulate?.describe : `serve simulated ${simulated.join(' and ')} on 127.0.0.1 until interrupted; prints the base URL`;
  const withFaults: [string, CommandSpec][] = simulate
    ? [
        [
          'simulate',
          { ...simulate, describe: describe ?? '', options: { port: COMMANDS.simulate.options.port, ...simulateOptions(), fault: { ...COMMANDS.simulate.options.fault, describe: faultHelp() } } },
        ],
      ]
    : [];
  return [...own.slice(0, last), ...kinds, ...withFaults, ...own.slice(last + 1)];
}

/** The options of `simulate` the kinds contribute, by name, in the order the kinds were registered. */
function simulateOptions(): Record<string, OptionSpec> {
  return Object.fromEntries(declared((k) => k.simulateOptions).map((o) => [o.name, o.option]));
}

/** `--fault`'s help: each make's faults under who misbehaves, the shared ones under the make that applies them. */
function faultHelp(): string {
  const shared = SHARED_FAULTS.filter((f) => f !== 'none');
  const parts = declared((k) => (k.faults ? [k.faults] : [])).map((f) => `${f.who}: ${[...(f.shared ? shared : []), ...f.names].join(', ')}`);
  return parts.length === 0 ? `how the simulated devices misbehave: ${shared.join(', ')}` : `how ${parts.join('; or ')}`;
}

/** The table with the kinds registered when the program starts (the built-in ones). */
export const COMMAND_LIST: CommandTable = commandTable();

/**
 * The arguments of the everyday runs, a command marked `fast` (or none, for
 * the default) followed only by its options marked `fast`, each with a value
 * (`--name value` or `--name=value`), read without loading yargs. Anything
 * else (other commands, help, unknown or odd options, values yargs could read
 * another way) returns undefined and goes to yargs, which stays the judge of
 * the command line; a test checks that both read every argument list the same
 * way. `table` is the program's, or a test's.
 */
export function fastParse(argv: readonly string[], table: CommandTable = COMMAND_LIST): Chosen | undefined {
  const named = table.find(([n]) => n === argv[0]);
  let i = named ? 1 : 0;
  const [name, spec] = named ?? table.find(([, c]) => c.default === true) ?? [];
  if (name === undefined || spec?.fast !== true || spec.positional) return undefined;
  const values = new Map<string, string[]>();
  for (; i < argv.length; i++) {
    const m = /^--([a-z][a-z-]*)(?:=([\s\S]*))?$/.exec(argv[i] ?? '');
    const key = m?.[1] ?? '';
    const option = Object.hasOwn(spec.options, key) ? spec.options[key] : undefined;
    if (!m || option?.type !== 'string' || option.fast !== true) return undefined;
    let value = m[2];
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined || value.startsWith('-')) return undefined;
    }
    if (value === '') return undefined;
    const choices = typeof option.choices === 'function' ? option.choices() : option.choices;
    if (choices && !choices.includes(value)) return undefined;
    const list = values.get(key) ?? [];
    list.push(value);
    if (option.repeatable !== true && list.length > 1) return undefined;
    values.set(key, list);
  }
  const chosen: Record<string, unknown> = { command: name };
  for (const [key, option] of Object.entries(spec.options)) {
    const given = values.get(key) ?? [];
    if (option.type === 'string' && option.repeatable === true) chosen[key] = given;
    else if (given[0] !== undefined) chosen[key] = given[0];
    else if (option.default !== undefined) chosen[key] = option.default;
    else if (option.type === 'string' && option.demandOption === true) return undefined;
  }
  // The shape of `chosen` follows the table as `Chosen` does; the tests compare it with what yargs makes.
  return chosen as Chosen;
}
