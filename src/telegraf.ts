/**
 * `telegraf-homenet telegraf-config`: the Telegraf input block for a config
 * file, with a timeout derived from the config's own time limits.
 */
import { realpathSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseDuration, type Config } from './config/index.js';
import { shellWord, warning } from './log.js';
import { errnoOf } from './files.js';

/** Where the program that is running now lives, as the launcher or the single binary knows it. */
export interface RunningProgram {
  /** The single binary's own path, or the launcher's path as it was run (a PATH link stays a link). */
  readonly path: string;
  /** The Node.js the launcher runs on (its `#!/usr/bin/env node` finds it on Telegraf's PATH); absent for the binary. */
  readonly node?: string;
}

/** Where the snippets in telegraf.d/ and the README install the program. */
export const DEFAULT_PROGRAM = '/usr/local/bin/telegraf-homenet';

/** Folders on the PATH that Telegraf's service has (systemd's default PATH). */
const SERVICE_PATH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/** The first thing that keeps another user (Telegraf runs as `telegraf`) from running `path`, or undefined. */
function closedToOthers(path: string, script: boolean): string | undefined {
  // The kernel walks the path as given and, through a link, the real one: both must be open.
  const real = realpathSync(path);
  for (const p of new Set([path, real])) {
    for (let dir = dirname(p); ; dir = dirname(dir)) {
      const mode = statSync(dir).mode;
      if ((mode & 0o001) === 0) return `the folder ${dir} is closed to other users (mode ${(mode & 0o777).toString(8)})`;
      if (dir === '/') break;
    }
  }
  const mode = statSync(real).mode;
  // A script is read by its interpreter as well as executed.
  const need = script ? 0o005 : 0o001;
  if ((mode & need) !== need) return `${real} is not ${script ? 'readable and executable' : 'executable'} by other users (mode ${(mode & 0o777).toString(8)})`;
  return undefined;
}

/**
 * Warnings about the program path a block names: Telegraf runs it as its own
 * user, from its own PATH, and a block it cannot run fails at every interval.
 */
export function programWarnings(program: RunningProgram): string[] {
  const say = (why: string): string =>
    warning(
      `the block runs ${program.path}, which Telegraf (user telegraf) may not be able to run: ${why}; install the program where every user can run it (see Install in the README) or give --program PATH`,
    );
  const out: string[] = [];
  try {
    const why = closedToOthers(program.path, program.node !== undefined);
    if (why !== undefined) out.push(say(why));
  } catch (err) {
    out.push(say(`it cannot be found here (${errnoOf(err) ?? String(err)})`));
  }
  if (program.node !== undefined) {
    try {
      const why = closedToOthers(program.node, false);
      if (why !== undefined) out.push(say(`its Node.js, ${program.node}: ${why}`));
      else if (!SERVICE_PATH.includes(dirname(program.node))) {
        out.push(say(`it starts node from Telegraf's PATH (${SERVICE_PATH.join(':')} under systemd), and this one is ${program.node}`));
      }
    } catch {
      // The Node.js running this very code exists; a stat that fails here says nothing useful.
    }
  }
  return out;
}

/** How the block should run the program. */
interface SnippetOptions {
  /** Absolute path of the INI file. */
  readonly path: string;
  /** The path Telegraf runs. */
  readonly program: string;
  readonly execd: boolean;
  /** The string form of `commands`, for Telegraf before 1.39. */
  readonly legacy: boolean;
  readonly interval: string;
}

/**
 * Seconds Telegraf should wait: our longest device limit, plus room to start
 * (a slow board), log out (its own 400 ms), save the state file and print.
 */
function telegrafTimeoutSeconds(config: Config): number {
  const longest = Math.max(...config.devices.map((d) => d.timeoutMs));
  return Math.ceil((longest + 4000) / 1000);
}

/** A TOML basic string: JSON's escapes are valid TOML, and DEL, which TOML refuses raw and JSON leaves, is escaped too. */
function toml(s: string): string {
  return JSON.stringify(s).replace(/\u007f/g, '\\u007F');
}

// eslint-disable-next-line no-control-regex -- control characters are what a comment line cannot hold
const CONTROL = /[\u0000-\u001f\u007f]/;

/** The Telegraf input block (exec, or execd) that runs the program with the config at `o.path`. */
export function telegrafSnippet(config: Config, o: SnippetOptions): string {
  const argv = [o.program, ...(o.execd ? ['execd'] : []), '--config', o.path];
  // A path with a line break would end the comment and make the rest of it live TOML.
  const shownPath = CONTROL.test(o.path) ? toml(o.path) : shellWord(o.path);
  const flags = `${o.execd ? ' --execd' : ''}${o.legacy ? ' --legacy' : ''}`;
  const header = `## Made by: telegraf-homenet telegraf-config${flags} --config ${shownPath}\n## ${config.devices.length} device(s); the longest device time limit is ${Math.max(...config.devices.map((d) => d.timeoutMs)) / 1000}s.\n`;
  if (o.execd) {
    // execd's command has been an argv array since execd began (1.14), and it always logs stderr line by line.
    return `${header}[[inputs.execd]]
  ## The program and its arguments, one string each.
  command = [${argv.map(toml).join(', ')}]
  ## A newline on stdin each interval asks for one gather.
  signal = "STDIN"
  interval = ${toml(o.interval)}
  ## If the program ever exits, Telegraf starts it again after this long.
  restart_delay = "10s"
  data_format = "influx"
`;
  }
  const seconds = telegrafTimeoutSeconds(config);
  const intervalNote = seconds * 1000 >= (parseDuration(o.interval) ?? 0) ? '  ## The timeout is not shorter than the interval: Telegraf skips an interval while a run is still going.\n' : '';
  const commands = o.legacy
    ? `  ## For Telegraf before 1.39: the command as one string, which Telegraf splits like a shell.
  ## No log_stderr either: Telegraf before 1.38.1 refuses to start on it, and without it
  ## only the first stderr line of a run reaches the log. On 1.38.1, add: log_stderr = true
  commands = [${toml(argv.map(shellWord).join(' '))}]
`
    : `  ## The program and its arguments, one string each (Telegraf 1.39 and later;
  ## for older ones: telegraf-homenet telegraf-config --legacy).
  commands = [[${argv.map(toml).join(', ')}]]
`;
  const logStderr = o.legacy
    ? ''
    : `  ## Log every stderr line at the level of its E!/W!/I! prefix (Telegraf 1.38.1 and later).
  log_stderr = true
`;
  // Said once, where the set-up is chosen, rather than in a warning every run.
  const unkept =
    config.stateFile === undefined
      ? `## No state_file in the config: no *_total fields${config.devices.some((d) => d.usage !== undefined) ? ' and no homenet_usage (data used in the billing period)' : ''}.\n## Set state_file in it, or run execd (telegraf-config --execd), to have them.\n`
      : '';
  return `${header}${unkept}[[inputs.exec]]
${commands}  interval = ${toml(o.interval)}
  ## Above the program's own limit, so Telegraf never kills a run that would end on its own.
${intervalNote}  timeout = "${seconds}s"
  ## The program prints InfluxDB line protocol (the exec default is JSON).
  data_format = "influx"
${logStderr}`;
}
