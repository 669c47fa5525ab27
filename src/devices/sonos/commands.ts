/**
 * The command only Sonos kinds have: `discover`, which finds speakers with
 * SSDP and prints them as INI sections. Declared here, cheap to load on
 * every run; the search itself (discover.ts) is loaded when it runs.
 */
import { parseDuration } from '../../clock.js';
import { warning } from '../../log.js';
import { SettingError, type CommandIo, type KindCommand } from '../kind.js';

/** Checks the options and runs the search: the INI sections on stdout, what went wrong in `W!` lines. */
async function runDiscover(args: Readonly<Record<string, unknown>>, io: CommandIo): Promise<number> {
  const target = String(args['target']);
  const wait = String(args['wait']);
  const m = /^(.+):(\d{1,5})$/.exec(target);
  const port = Number(m?.[2]);
  if (!m?.[1] || port < 1 || port > 65535) throw new SettingError(`--target: ${JSON.stringify(target)} is not ADDRESS:PORT`);
  const waitMs = parseDuration(wait);
  if (waitMs === undefined || waitMs < 100 || waitMs > 60_000) throw new SettingError(`--wait: ${JSON.stringify(wait)} is not a duration from 100ms to 60s`);
  const { discover, iniSections } = await import('./discover.js');
  const found = await discover(m[1], port, waitMs, (w) => {
    io.stderr([warning(w)]);
  });
  if (found.length === 0) {
    io.stderr([warning(`no Sonos speaker answered within ${wait} (SSDP does not cross VLANs or routers: add speakers by address instead)`)]);
    return 0;
  }
  io.stdout(iniSections(found));
  return 0;
}

/** `discover`: the speakers answering SSDP, as INI sections to paste. */
export const DISCOVER: KindCommand = {
  name: 'discover',
  describe: 'find Sonos speakers with SSDP and print them as INI sections to paste',
  options: {
    target: { type: 'string', default: '239.255.255.250:1900', requiresArg: true, describe: 'where to send the M-SEARCH (ADDRESS:PORT)' },
    wait: { type: 'string', default: '2s', requiresArg: true, describe: 'how long to wait for answers' },
  },
  run: runDiscover,
};
