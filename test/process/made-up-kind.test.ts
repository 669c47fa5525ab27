/**
 * A device kind defined only in test/ (support/widget-kind.ts), registered
 * at run time through the registry's API, gets what the built-in kinds get:
 * its config keys checked, collect over real HTTP from the built-in
 * simulator, `*_total` across a 32-bit wrap, the table with its units from
 * the catalogue, a dashboard panel, capture masking (its ids and serial
 * elements), a simulator fault of its own and a command of its own. No file
 * under src/ knows its name.
 */
// run-tests: alone (it registers a made-up device kind, which every simulator and registry lookup in the process would see)
import { strict as assert } from 'node:assert';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { buildConfig, ConfigError } from '../../src/config/index.js';
import { registerKind } from '../../src/devices/index.js';
import { startSimulator, type Simulator } from '../../src/simulate/server.js';
import { ROOT, runMain } from '../support/helpers.js';
import { brokenKind, misreadKind, FROBS_START, FROBS_STEP, WIDGET_FAULT, WIDGET_PREFIX, WIDGET_TYPE, widgetKind } from '../support/widget-kind.js';

registerKind(widgetKind);
registerKind(brokenKind);
registerKind(misreadKind);

const run = runMain;

function configError(text: string): string {
  try {
    buildConfig({ file: 'w.ini', fileText: text });
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  return 'no error';
}

describe('a device kind registered from outside src/', () => {
  let sim: Simulator;
  let dir: string;
  let ini: string;
  before(async () => {
    sim = await startSimulator();
    dir = mkdtempSync(`${tmpdir()}/homenet-widget-`);
    ini = `${dir}/w.ini`;
    writeFileSync(ini, `state_file = ${dir}/state.json\n[gadget]\ntype = ${WIDGET_TYPE}\nurl = ${sim.url}${WIDGET_PREFIX}\ncolour = green\n`);
  });
  after(async () => {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('has its config keys and areas checked, with exact messages', () => {
    const url = `url = ${sim.url}${WIDGET_PREFIX}\n`;
    assert.equal(configError(`[gadget]\ntype = ${WIDGET_TYPE}\n${url}colour = purple\n`), 'w.ini: [gadget] colour: "purple" is not a widget colour (red, green or blue)');
    assert.equal(configError('[gw]\ntype = att\nurl = http://192.168.1.254\ncolour = red\n'), `w.ini: [gw] colour: only for type ${WIDGET_TYPE}, not att`);
    assert.equal(configError(`[gadget]\ntype = ${WIDGET_TYPE}\n${url}collect = traffic\n`), `w.ini: [gadget] collect: unknown area "traffic" for type ${WIDGET_TYPE} (known: gizmo)`);
    assert.match(configError(`[gadget]\ntype = ${WIDGET_TYPE}\n${url}color = red\n`), /^w\.ini: \[gadget\] color: unknown key \(did you mean "colour"\?\) \(known: .*, interfaces, colour\)$/);
    const ok = buildConfig({ file: 'w.ini', fileText: `[gadget]\ntype = ${WIDGET_TYPE}\n${url}colour = blue\n` });
    assert.deepEqual(ok.devices[0]?.settings, { colour: 'blue' });
  });

  it('is collected from its simulator, and its counter gets a total across a 32-bit wrap', async () => {
    const first = await run(['collect', '--config', ini]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr, /^W! state file .* does not exist yet: counter totals start fresh\n$/);
    const second = await run(['collect', '--config', ini]);
    assert.equal(second.code, 0, second.stderr);
    const wrapped = (FROBS_START + FROBS_STEP) % 2 ** 32;
    const line = second.stdout.split('\n').find((l) => l.startsWith('homenet_widget,'));
    assert.equal(line, `homenet_widget,colour=green,host=gadget frobs=${wrapped}i,temperature_c=41.5,throughput=2500i,frobs_total=${FROBS_START + FROBS_STEP}i`);
    assert.match(second.stdout, new RegExp(`^homenet_scrape,host=gadget,type=${WIDGET_TYPE} success=true,duration_ms=\\d+i,values_omitted=0i,state_ok=true$`, 'm'));
  });

  it('shows in the table', async () => {
    const r = await run(['collect', '--config', ini, '--format', 'pretty']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^gadget · ${WIDGET_TYPE} · ok in \\d+ ms`, 'm'));
    assert.match(r.stdout, /widget .*frobs [\d,]+ · temperature 41\.5 °C/);
    // A field with no unit in its name: kbit/s from the catalogue.
    assert.match(r.stdout, /· throughput 2\.50 Mbit\/s/);
  });

  it('has its own command, listed by --help, with its usage errors', async () => {
    const help = await run(['--help']);
    assert.match(help.stdout, /^ {2}telegraf-homenet widget-find +find the widget at a URL and print its INI section to paste$/m);
    const found = await run(['widget-find', '--url', `${sim.url}${WIDGET_PREFIX}`]);
    assert.deepEqual(found, { code: 0, stdout: `[widget-c0ffee42]\ntype = ${WIDGET_TYPE}\nurl = ${sim.url}${WIDGET_PREFIX}\n`, stderr: '' });
    const bad = await run(['widget-find', '--url', 'ftp://example']);
    assert.deepEqual(bad, { code: 2, stdout: '', stderr: 'E! --url: "ftp://example" is not a loopback http:// URL\n' });
  });

  it('has a simulator fault of its own: listed, taken by simulate, and reported by collect', async () => {
    const help = await run(['simulate', '--help']);
    assert.match(help.stdout.replace(/\s+/g, ' '), new RegExp(`; or the widget: ${WIDGET_FAULT} \\[string\\]`));
    const unknown = await run(['simulate', '--fault', 'nope']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, new RegExp(`known: .*, ${WIDGET_FAULT}\\)$`, 'm'));
    const stalled = await startSimulator({ fault: WIDGET_FAULT });
    try {
      const r = await run(['collect', '--device', `${WIDGET_TYPE}=${stalled.url}${WIDGET_PREFIX}`]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^homenet_scrape,host=[^ ]+,type=widget-x1 success=false,.*error="gizmo: Widget status \(\/status\.txt\): no \\"frobs:\\" line"$/m);
    } finally {
      await stalled.close();
    }
  });

  it('needed no file under src/ to name it', () => {
    const walk = (dir: string): string[] => readdirSync(dir).flatMap((n) => (statSync(`${dir}/${n}`).isDirectory() ? walk(`${dir}/${n}`) : [`${dir}/${n}`]));
    const files = walk(`${ROOT}src`);
    assert.ok(files.length > 100, 'the walk found the sources');
    assert.deepEqual(
      files.filter((f) => /widget/i.test(readFileSync(f, 'utf8'))),
      [],
    );
  });

  it('gets its dashboard panel, its counter read through $total and its hosts through $host', async () => {
    const r = await run(['dashboard', '--config', ini]);
    assert.equal(r.code, 0, r.stderr);
    const panel = (JSON.parse(r.stdout) as { panels: { title: string; targets: { query: string }[] }[] }).panels.find((p) => p.title === 'Widget frobs');
    assert.equal(
      panel?.targets[0]?.query,
      'SELECT non_negative_derivative(max("frobs${total:raw}"), 1s) FROM "homenet_widget" WHERE "host" =~ /^${host:regex}$/ AND $timeFilter GROUP BY time($__interval), "host" fill(null)',
    );
  });

  it('parse: a page of another kind is a usage error (2), a bug in a parser is a bug (1)', async () => {
    const page = `${dir}/status.txt`;
    writeFileSync(page, 'WIDGET STATUS\nfrobs: 12\n');
    const ok = await run(['parse', '--type', WIDGET_TYPE, '--host', 'gadget', page]);
    assert.deepEqual(ok, { code: 0, stdout: 'homenet_widget,host=gadget frobs=12i\n', stderr: 'W! gizmo: Widget status (/status.txt): no "temp:" line: temperature_c left out\n' });
    const other = await run(['parse', '--type', 'sonos', page]);
    assert.equal(other.code, 2, other.stderr);
    const bug = await run(['parse', '--type', 'broken-x1', page]);
    assert.equal(bug.code, 1, bug.stderr);
    assert.equal(bug.stdout, '');
    assert.match(bug.stderr, /^E! internal error \(please report it\): TypeError: frobs is not a function$/m);
    // A bug in telling a kind's pages apart is a bug too, not the user's mistake.
    const misread = await run(['parse', '--type', 'misread-x1', page]);
    assert.equal(misread.code, 1, misread.stderr);
    assert.match(misread.stderr, /^E! internal error \(please report it\): TypeError: body\.lines is not a function$/m);
  });

  it('has its own identifiers masked by capture', async () => {
    const out = `${dir}/capture`;
    const r = await run(['capture', '--config', ini, '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    const page = readFileSync(`${out}/gadget/${readdirSync(`${out}/gadget`).find((f) => f.startsWith('status')) ?? ''}`, 'utf8');
    assert.match(page, /^id: WIDGET-ID-MASKED-1$/m);
    assert.doesNotMatch(page, /C0FFEE42/);
    assert.match(page, /^serial: <WidgetSerial>SERIAL-MASKED-1<\/WidgetSerial>$/m);
  });
});
