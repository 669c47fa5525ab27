/**
 * The terminal views as a user sees them: the real program in a real
 * terminal (tmux), 80 and 120 columns wide, for every example config of the
 * README (the household among them) with its URLs pointed at the built-in
 * simulator. The pane is read back as it shows (capture-pane, its whole
 * history, wrapped lines joined) and checked line by line: no line wider
 * than the pane, every heading there, the numbers whole, every device's
 * status its own (no healthy device says FAILED), and the live view redrawn
 * in place rather than scrolled.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { columns } from '../../src/pretty/text.js';
import { startSimulator, type Simulator } from '../../src/simulate/server.js';
import { BIN, ROOT, runMain } from '../support/helpers.js';
import { needs } from '../support/needs.js';

const run = promisify(execFile);

/** The simulator's access code for its .ha gateways (docs/simulator.md). */
const ACCESS_CODE = '57%Xv#9a!3';

/** `text` with every `from` made `to`; `from` must be there (a README that changed fails here, not silently). */
function replaced(text: string, from: string, to: string): string {
  assert.ok(text.includes(from), `the README no longer has ${JSON.stringify(from)}: update this test`);
  return text.split(from).join(to);
}

/** The README's examples, in the order {@link examples} lists them. */
const NAMES = ['the complete example (a household)', 'the complete example, a section per speaker', 'the quick check of a gateway', 'the sample homenet.ini'] as const;

/** A README example, and how its run ends up on the screen. */
interface Example {
  readonly name: (typeof NAMES)[number];
  /** The arguments of each view (after the program). */
  readonly pretty: readonly string[];
  readonly watch: readonly string[];
  /** Block heads it shows (devices, and a household's speakers), and how many of them failed (speakers that answer 403). */
  readonly heads: number;
  readonly failed: number;
  /** Window height: a standard 24 rows, or what the example's live view needs. */
  readonly rows: number;
  /** The gateway's data used, first on its `wan` row (a count in the state file), or, without a state file, why there is none (whole in the table). */
  readonly usage: 'counted' | 'not kept';
}

/**
 * The README's examples: its complete example (a BGW320 and a Sonos
 * household), the same with one section per speaker as `discover` writes
 * them, the quick checks of a gateway with --device, and the sample INI it
 * tells users to copy. The views' intervals are shortened (`--rate 1s`,
 * `--watch 500ms`): what is checked is the screen, not the time.
 */
async function examples(sim: Simulator, dir: string): Promise<Example[]> {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const complete = /### A complete example[^\n]*\n+```ini\n([\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(complete !== undefined, 'the README has its complete example');
  const codeFile = join(dir, 'att-access-code');
  writeFileSync(codeFile, ACCESS_CODE);
  chmodSync(codeFile, 0o600);
  let ini = replaced(complete, 'http://192.168.1.254', `${sim.url}/bgw320`);
  ini = replaced(ini, 'http://192.168.1.20:1400', `${sim.url}/sonos/1`);
  ini = replaced(ini, '/etc/telegraf/att-access-code', codeFile);
  ini = replaced(ini, '/var/lib/telegraf/homenet-state.json', join(dir, 'state.json'));
  writeFileSync(join(dir, 'complete.ini'), ini);
  // Telegraf's first run: the state file holds the gateway's count, which the views then show.
  const first = await runMain(['--config', join(dir, 'complete.ini')]);
  assert.equal(first.code, 0, first.stderr);
  // "Or one section per speaker ...; `telegraf-homenet discover` writes those sections for you."
  const found = await runMain(['discover', '--target', `127.0.0.1:${sim.ssdpPort}`, '--wait', '500ms']);
  assert.equal(found.code, 0, found.stderr);
  const household = /^\[sonos\]\ntype = sonos-household\nurl = [^\n]+\n/m;
  assert.match(ini, household);
  writeFileSync(join(dir, 'speakers.ini'), ini.replace(household, found.stdout));
  const sample = replaced(readFileSync(join(ROOT, 'telegraf.d/homenet.ini'), 'utf8'), 'http://192.168.1.254', sim.url);
  writeFileSync(join(dir, 'sample.ini'), sample);
  // "Check that a gateway answers, by hand": the README's own command lines.
  const quick = (flag: string): string[] => {
    const line = readme.split('\n').find((l) => l.startsWith('telegraf-homenet --device att=http://192.168.1.254') && l.includes(flag));
    assert.ok(line !== undefined, `the README checks a gateway with ${flag}`);
    const args = (line.split('#')[0] ?? '').trim().split(/\s+/).slice(1);
    return args.map((a) => a.replace('http://192.168.1.254', sim.url).replace(/^(5s|2s)$/, (d) => (d === '5s' ? '1s' : '500ms')));
  };
  const views = (config: string): Pick<Example, 'pretty' | 'watch'> => ({
    pretty: ['--config', join(dir, config), '--format', 'pretty', '--rate', '1s'],
    watch: ['--config', join(dir, config), '--watch', '500ms'],
  });
  const speakers = sim.speakers.length;
  return [
    { name: NAMES[0], ...views('complete.ini'), heads: 2 + speakers, failed: 0, rows: 24, usage: 'counted' },
    { name: NAMES[1], ...views('speakers.ini'), heads: 1 + speakers, failed: sim.speakers.filter((s) => s.forbidden).length, rows: 30, usage: 'counted' },
    { name: NAMES[2], pretty: quick('--format pretty'), watch: quick('--watch'), heads: 1, failed: 0, rows: 24, usage: 'not kept' },
    { name: NAMES[3], ...views('sample.ini'), heads: 1, failed: 0, rows: 24, usage: 'not kept' },
  ];
}

/** A tmux server of its own, in a folder of its own. */
class Tmux {
  constructor(private readonly socket: string) {}

  async cmd(...args: string[]): Promise<string> {
    return (await run('tmux', ['-S', this.socket, '-f', '/dev/null', ...args], { encoding: 'utf8' })).stdout;
  }

  /** The pane's whole history (-S -) as it shows, wrapped lines joined (-J): a too wide or scrolled screen shows. */
  screen(session: string): Promise<string> {
    return this.cmd('capture-pane', '-p', '-J', '-S', '-', '-t', session);
  }

  /** The screen once `done` says so, or after 30 s (the checks then say what was missing). */
  async until(session: string, done: (screen: string) => boolean): Promise<string> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const s = await this.screen(session);
      if (done(s) || Date.now() > deadline) return s;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

const quote = (a: string): string => `'${a.replace(/'/g, `'\\''`)}'`;
const SPARKS = /[▁▂▃▄▅▆▇█]/;
/** A number with its unit, whole: bytes, packets, bits per second, errors. */
const BYTES = String.raw`[\d.]+ (?:B|KiB|MiB|GiB|TiB)`;
const RATE = String.raw`[\d.]+ [kMGT]?bit/s`;

/** What every screen must show: each line within the pane, the heading, each device's own status, whole numbers on traffic rows. */
function check(screen: string, width: number, view: 'pretty' | 'watch', e: Example, stderr: string): void {
  const lines = screen.split('\n').map((l) => l.trimEnd());
  const shown = `${view} at ${width} columns:\n${screen}`;
  assert.deepEqual(
    lines.filter((l) => columns(l) > width),
    [],
    `wider than the pane: ${shown}`,
  );
  assert.ok(!lines.some((l) => /^… \d+ more lines/.test(l)), `the window holds it all: ${shown}`);
  // At 80 columns the live view's totals make way for the rates and their history; every other heading is kept.
  const totals = view === 'pretty' || width > 80;
  const heads = ['row', ...(totals ? ['rx', 'tx'] : []), 'rx rate', 'tx rate', ...(view === 'watch' ? ['history'] : []), 'err', 'status'];
  const heading = new RegExp(`^  ${heads.join(' +')}$`);
  assert.equal(lines.filter((l) => heading.test(l)).length, 1, `one heading line, ${heading.source}: ${shown}`);
  // Block heads start the line: a device's (name · type · status ...) or a household speaker's (name · status ...).
  const blocks = lines.filter((l) => /^[^\s…]/.test(l) && !l.startsWith('telegraf-homenet · ') && !/^[EWI]! |EXIT=\d+$/.test(l));
  const status = blocks.map(
    (l) =>
      l
        .split(' · ')
        .slice(1, 3)
        .find((p) => /^(ok|FAILED)\b/.test(p))
        ?.split(' ')[0],
  );
  assert.equal(blocks.length, e.heads, `every device and speaker has its block: ${shown}`);
  assert.ok(
    status.every((s) => s !== undefined),
    `every block says its status:\n${blocks.join('\n')}`,
  );
  assert.equal(status.filter((s) => s === 'FAILED').length, e.failed, `only the speakers that answer 403 say FAILED:\n${blocks.join('\n')}`);
  // Traffic rows: a gateway's `net` and each speaker's `br0`, every number whole.
  const cells = [...(totals ? [BYTES, BYTES] : []), RATE, RATE, ...(view === 'watch' ? [String.raw`${SPARKS.source}{2,}`] : []), String.raw`\d+/\d+`];
  const row = new RegExp(String.raw`^  (net|br0) +${cells.join(' +')}(  \S.*)?$`);
  const traffic = lines.filter((l) => row.test(l));
  const expected = lines.filter((l) => /^ {2}(net|br0) /.test(l));
  assert.ok(expected.length > 0 && traffic.length === expected.length, `traffic rows whole (${row.source}): ${shown}`);
  // The data used, in words on the gateway's wan row: whole at 80 columns too, where the rx and tx columns are gone.
  if (e.usage === 'counted') assert.match(screen, /^ {2}wan +used at least [\d.]+ [kMGT]?B of 1\.00 TB \([\d.]+%\) since \d{1,2} [A-Z][a-z]{2}( · |$)/m, shown);
  else if (view === 'pretty') assert.match(screen.replace(/\n {3,}/g, ' '), /^ {2}wan +connected .*data used: not kept without state_file \(or execd\)$/m, shown);
  if (view === 'watch') {
    assert.match(lines[0] ?? '', /^telegraf-homenet · every 500ms · \d\d:\d\d:\d\d · Ctrl-C to stop$/, shown);
    assert.equal(screen.match(/telegraf-homenet · every/g)?.length, 1, `redrawn in place, not scrolled: ${shown}`);
  }
  // The terminal echoes Ctrl-C as ^C before it.
  assert.match(screen, /^(\^C)?EXIT=0$/m, shown);
  // Only the speakers that answer 403 are logged (on stderr for the table, at the screen's foot for the live view).
  const log = view === 'pretty' ? stderr : lines.filter((l) => /^[EW]! /.test(l)).join('\n');
  assert.equal(log.split('\n').filter((l) => /^[EW]! /.test(l)).length, e.failed, `${log}\n${shown}`);
}

describe('the terminal views in a real terminal (tmux), every README example at 80 and 120 columns', { skip: needs('tmux'), concurrency: 4 }, () => {
  let sim: Simulator;
  let dir: string;
  let tmux: Tmux;
  let list: Example[] = [];
  before(async () => {
    sim = await startSimulator();
    dir = mkdtempSync(join(tmpdir(), 'homenet-tmux-'));
    tmux = new Tmux(join(dir, 'socket'));
    list = await examples(sim, dir);
  });
  after(async () => {
    try {
      await tmux.cmd('kill-server');
    } catch {
      // No session was started, or it is gone.
    }
    rmSync(dir, { recursive: true, force: true });
    await sim.close();
  });

  for (const [i, name] of NAMES.entries()) {
    for (const view of ['pretty', 'watch'] as const) {
      for (const width of [80, 120]) {
        it(`${name}: ${view === 'pretty' ? '--format pretty --rate' : '--watch'} at ${width} columns`, async () => {
          const e = list[i];
          assert.ok(e?.name === name, 'the examples are listed in this order');
          const session = `e${i}-${view}-${width}`;
          const stderr = join(dir, `${session}.err`);
          const command = [process.execPath, BIN, ...e[view]].map(quote).join(' ');
          await tmux.cmd('new-session', '-d', '-s', session, '-x', String(width), '-y', String(e.rows), `${command} 2>${quote(stderr)}; echo EXIT=$?; sleep 600`);
          if (view === 'watch') {
            // Three frames: the third has two rates in each traffic row's history.
            await tmux.until(session, (s) => new RegExp(String.raw`^ {2}(net|br0) .*${SPARKS.source}{2}`, 'm').test(s));
            await tmux.cmd('send-keys', '-t', session, 'C-c');
          }
          const screen = await tmux.until(session, (s) => /EXIT=\d+$/m.test(s));
          check(screen, width, view, e, readFileSync(stderr, 'utf8'));
        });
      }
    }
  }
});
