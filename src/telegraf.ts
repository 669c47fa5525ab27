/**
 * `telegraf-homenet telegraf-config`: the Telegraf input block for a config
 * file, with a timeout derived from the config's own time limits.
 */
import { parseDuration, type Config } from './config.js';

/** How the block should run the program. */
export interface SnippetOptions {
  /** Absolute path of the INI file. */
  readonly path: string;
  readonly program: string;
  readonly execd: boolean;
  /** The string form of `commands`, for Telegraf before 1.39. */
  readonly legacy: boolean;
  readonly interval: string;
}

/** Seconds Telegraf should wait: our longest device limit, plus room to start and print. */
export function telegrafTimeoutSeconds(config: Config): number {
  const longest = Math.max(...config.devices.map((d) => d.timeoutMs));
  return Math.ceil((longest + 3000) / 1000);
}

/** A TOML basic string: JSON's escapes are valid TOML, and DEL, which TOML refuses raw and JSON leaves, is escaped too. */
function toml(s: string): string {
  return JSON.stringify(s).replace(/\u007f/g, '\\u007F');
}

// eslint-disable-next-line no-control-regex -- control characters are what a comment line cannot hold
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * A word for a POSIX shell, quoted when it needs to be: the parse commands
 * capture writes, and Telegraf's pre-1.39 command string, which it splits like a shell.
 */
export function shellWord(s: string): string {
  return /^[\w./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The Telegraf input block (exec, or execd) that runs the program with the config at `o.path`. */
export function telegrafSnippet(config: Config, o: SnippetOptions): string {
  const argv = [o.program, ...(o.execd ? ['execd'] : []), '--config', o.path];
  // A path with a line break would end the comment and make the rest of it live TOML.
  const shownPath = CONTROL.test(o.path) ? toml(o.path) : shellWord(o.path);
  const header = `## Made by: telegraf-homenet telegraf-config${o.execd ? ' --execd' : ''} --config ${shownPath}\n## ${config.devices.length} device(s); the longest device time limit is ${Math.max(...config.devices.map((d) => d.timeoutMs)) / 1000}s.\n`;
  if (o.execd) {
    return `${header}[[inputs.execd]]
  command = [${argv.map(toml).join(', ')}]
  ## A newline on stdin each interval asks for one gather.
  signal = "STDIN"
  interval = ${toml(o.interval)}
  restart_delay = "10s"
  data_format = "influx"
`;
  }
  const seconds = telegrafTimeoutSeconds(config);
  const intervalNote =
    seconds * 1000 >= (parseDuration(o.interval) ?? 0)
      ? '  ## The timeout is not shorter than the interval: Telegraf skips an interval while a run is still going.\n'
      : '';
  const commands = o.legacy ? `[${toml(argv.map(shellWord).join(' '))}]` : `[[${argv.map(toml).join(', ')}]]`;
  return `${header}[[inputs.exec]]
  commands = ${commands}
  interval = ${toml(o.interval)}
  ## Above the program's own limit, so Telegraf never kills a run that would end on its own.
${intervalNote}  timeout = "${seconds}s"
  data_format = "influx"
`;
}
