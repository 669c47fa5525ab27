/** Files a user names are read only when they are regular files of a sane size (issue 13, item 7). */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { lstatSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { loadState } from '../../src/state/index.js';
import { closedPort, runBin, runMain } from '../support/helpers.js';

/** main() in this process. */
const run = runMain;

/** A FIFO made by mkfifo(1), run without a shell. */
function mkfifo(path: string): string {
  const r = spawnSync('mkfifo', [path]);
  assert.equal(r.status, 0, String(r.stderr));
  return path;
}

describe('files a user names: regular files only, with a size bound', () => {
  let dir = '';
  let fifo = '';
  before(() => {
    dir = mkdtempSync(`${tmpdir()}/homenet-files-`);
    fifo = mkfifo(`${dir}/fifo`);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('--config on a FIFO: exit 2 at once, naming the file (it used to wait for a writer forever, deaf to SIGTERM)', async () => {
    const r = await runBin(['--config', fifo], { timeoutMs: 5000 });
    assert.equal(r.signal, null, 'it ended by itself');
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, `E! ${fifo}: cannot read the configuration file: a FIFO, not a regular file\n`);
  });

  it('access_code_file = /dev/zero, and an INI file over 1 MiB: exit 2 with exact messages, nothing read', async () => {
    writeFileSync(`${dir}/zero.ini`, '[gw]\ntype = att-bgw\nurl = http://127.0.0.1:9\ncollect = nat\naccess_code_file = /dev/zero\n');
    const zero = await run(['--config', `${dir}/zero.ini`]);
    assert.deepEqual(zero, { code: 2, stdout: '', stderr: `E! ${dir}/zero.ini: [gw] access_code_file: cannot read the file it names: a character device, not a regular file\n` });
    writeFileSync(`${dir}/big.ini`, `[gw]\ntype = att\nurl = http://127.0.0.1:9\n${';;\n'.repeat(400_000)}`);
    const big = await run(['--config', `${dir}/big.ini`]);
    assert.deepEqual(big, { code: 2, stdout: '', stderr: `E! ${dir}/big.ini: cannot read the configuration file: over 1 MiB\n` });
  });

  it('parse of a FIFO, of /dev/zero and of a page over 4 MiB: exit 2 at once, naming the file (issue 21, item 8)', async () => {
    // Through the launcher: a FIFO used to hang it, deaf to SIGTERM, and /dev/zero grew it to 22 GB.
    for (const [file, why] of [
      [fifo, 'a FIFO, not a regular file'],
      ['/dev/zero', 'a character device, not a regular file'],
    ] as const) {
      const r = await runBin(['parse', '--type', 'sonos', file], { timeoutMs: 5000 });
      assert.equal(r.signal, null, `${file}: it ended by itself`);
      assert.deepEqual({ code: r.code, stdout: r.stdout, stderr: r.stderr }, { code: 2, stdout: '', stderr: `E! ${file}: cannot read it: ${why}\n` });
    }
    writeFileSync(`${dir}/big.html`, `<html>${' '.repeat(4 * 1048576)}</html>`);
    assert.deepEqual(await run(['parse', '--type', 'att', `${dir}/big.html`]), { code: 2, stdout: '', stderr: `E! ${dir}/big.html: cannot read it: over 4 MiB\n` });
  });

  it('state_file on a FIFO or /dev/zero: the run goes on with a warning, and neither is touched', async () => {
    writeFileSync(`${dir}/state.ini`, `state_file = ${fifo}\n[gw]\ntype = att-pace\nurl = http://127.0.0.1:${await closedPort()}\ncollect = traffic\n`);
    const r = await run(['--config', `${dir}/state.ini`]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(
        `^E! state file ${fifo} is a FIFO, not a regular file: it is left untouched; fix: point state_file at a regular file, or at a path that does not exist yet; until then no \\*_total fields are printed$`,
        'm',
      ),
    );
    assert.ok(lstatSync(fifo).isFIFO());
    const zero = loadState('/dev/zero');
    assert.equal(zero.writable, false);
    assert.equal(
      zero.warning,
      'E! state file /dev/zero is a character device, not a regular file: it is left untouched; fix: point state_file at a regular file, or at a path that does not exist yet; until then no *_total fields are printed',
    );
  });
});
