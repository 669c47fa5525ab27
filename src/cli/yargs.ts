/**
 * The command line as yargs reads it, built from the table in table.ts:
 * the --help text and every usage error. Loaded only when the fast path
 * cannot take the arguments itself (help, version, the rarer commands, any
 * mistake): yargs costs about 50 ms to load, paid on every Telegraf interval
 * otherwise.
 */
import { didYouMean } from '../suggest.js';
import { readFileSync } from 'node:fs';
import yargs, { type Argv, type Options } from 'yargs';
import type { Chosen, CommandSpec, CommandTable, OptionSpec } from './table.js';

declare const HOMENET_VERSION: string | undefined;

/** The version: built into the single binary, else read from package.json. */
export function version(): string {
  if (typeof HOMENET_VERSION === 'string') return HOMENET_VERSION;
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export type { Chosen } from './table.js';

/** Repeatable string options arrive as a string or an array. */
function list(v: unknown): string[] {
  if (v === undefined) return [];
  return (Array.isArray(v) ? (v as unknown[]) : [v]).map((x) => (typeof x === 'string' ? x : JSON.stringify(x)));
}

/** An option of the table as yargs takes it. */
function yargsOption(o: OptionSpec): Options {
  const { type, describe } = o;
  const y: Options = { type, describe };
  if (o.default !== undefined) y.default = o.default;
  if (o.type !== 'string') return y;
  if (o.requiresArg) y.requiresArg = true;
  if (o.demandOption) y.demandOption = true;
  if (o.choices) y.choices = typeof o.choices === 'function' ? [...o.choices()] : [...o.choices];
  return y;
}

/**
 * What yargs read, as the command to run: a repeatable option as a list; a
 * single-valued one given twice is a usage error, as the fast path also
 * refuses it; an option of another type than the table's (--no-config) is
 * left out.
 */
function toChosen(name: string, spec: CommandSpec, a: Record<string, unknown>, args: readonly string[]): Chosen {
  const chosen: Record<string, unknown> = { command: name };
  if (spec.positional) chosen[spec.positional.name] = list(a[spec.positional.name]);
  // Counted in the arguments themselves: yargs folds a repeated number option into one number.
  const given = (key: string): number => args.filter((t) => t === `--${key}` || t.startsWith(`--${key}=`)).length;
  for (const [key, o] of Object.entries(spec.options)) {
    const v = a[key];
    if (o.type === 'string' && o.repeatable) chosen[key] = list(v);
    else if (Array.isArray(v) || given(key) > 1) throw new Error(`--${key} given more than once`);
    else if (typeof v === o.type) chosen[key] = v;
  }
  // The shape of `chosen` follows the table as `Chosen` does; the tests compare it with the fast path.
  return chosen as Chosen;
}

function buildParser(table: CommandTable, args: string[], choose: (c: Chosen) => void): Argv {
  let parser = yargs(args).scriptName('telegraf-homenet').usage('$0 [command] [options]\n\nReads home-network device status pages and prints InfluxDB line protocol for Telegraf.');
  for (const [name, spec] of table) {
    const words = spec.positional ? `${name} <${spec.positional.name}..>` : name;
    parser = parser.command(
      spec.default ? [words, '$0'] : words,
      spec.describe,
      (y) => {
        const p = spec.positional;
        const withPositional = p ? y.positional(p.name, { type: 'string', array: true, describe: p.describe }) : y;
        const options = withPositional.options(Object.fromEntries(Object.entries(spec.options).map(([key, o]) => [key, yargsOption(o)])));
        return spec.epilog !== undefined ? options.epilog(spec.epilog) : options;
      },
      (a) => {
        choose(toChosen(name, spec, a, args.slice(0, args.includes('--') ? args.indexOf('--') : args.length)));
      },
    );
  }
  const built = parser.strict().help().alias('help', 'h').version(version()).wrap(100).exitProcess(false);
  skipHelpCache(built);
  return built;
}

/**
 * yargs lays out a command's whole help text as it runs the command, to keep
 * it for a `showHelp()` the command might call later (cacheHelpMessage);
 * nothing here calls that (a usage error goes to `.fail()`, `--help` is laid
 * out when asked), and the layout measured every word's width: 1.5-3 ms a
 * parse, most of the command-line tests' time. Left out where yargs has the
 * hook (its internal methods; if a version has none, nothing changes).
 */
function skipHelpCache(parser: Argv): void {
  const internal = (parser as unknown as { getInternalMethods?: () => { getUsageInstance?: () => { cacheHelpMessage?: () => void } } }).getInternalMethods?.();
  const usage = internal?.getUsageInstance?.();
  if (usage?.cacheHelpMessage !== undefined) usage.cacheHelpMessage = () => undefined;
}

/** What yargs made of the arguments: a command, or help/version text, or a usage error. */
export interface Parsed {
  readonly chosen?: Chosen;
  readonly output: string;
  readonly usageError?: string;
}

/** Every command and every option of a table, for "did you mean". */
export function suggestionWords(table: CommandTable): { readonly commands: string[]; readonly options: string[] } {
  const options = new Set(table.flatMap(([, c]) => Object.keys(c.options)));
  return { commands: table.map(([name]) => name), options: [...options].sort().map((o) => `--${o}`) };
}

/** yargs' "Unknown argument(s): a, b" with the closest command or option of each. */
function withSuggestions(table: CommandTable, message: string): string {
  const m = /^Unknown arguments?: (.+)$/.exec(message);
  if (!m?.[1]) return message;
  // yargs drops the dashes of an unknown option: try the word as a command, then as an option.
  const words = suggestionWords(table);
  const hints = m[1].split(', ').map((w) => {
    const word = w.replace(/^-+/, '');
    return (w.startsWith('-') ? '' : didYouMean(word, words.commands)) || didYouMean(`--${word}`, words.options);
  });
  return hints.some((h) => h !== '') ? `${message}${hints.join('')}` : message;
}

/** Parses the arguments with the yargs parser of `table` (table.ts's COMMAND_LIST, or a test's). */
export async function parseWithYargs(argv: readonly string[], table: CommandTable): Promise<Parsed> {
  let chosen: Chosen | undefined;
  let output = '';
  let usageError: string | undefined;
  try {
    await buildParser(table, [...argv], (c) => (chosen = c))
      .fail((msg: string | undefined, err: Error | undefined) => {
        usageError = msg ?? err?.message ?? 'invalid arguments';
      })
      .parseAsync([...argv], {}, (_err, _argv, out) => {
        output = out;
      });
  } catch (err) {
    usageError ??= err instanceof Error ? err.message : String(err);
  }
  return { output, ...(chosen ? { chosen } : {}), ...(usageError !== undefined ? { usageError: withSuggestions(table, usageError) } : {}) };
}
