/**
 * src/build/entities.ts: the bundles carry htmlparser2's HTML entity table
 * decoded at build time. The table they load must be word for word the one
 * the entities package unpacks itself, and htmlparser2 bundled with it must
 * decode entities as it does without it. Real esbuild, real packages.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { after, describe, it } from 'node:test';
import { build } from 'esbuild';
import { prebuiltEntities, tableModule } from '../../src/build/entities.js';
import { ROOT } from '../support/helpers.js';

interface Bundled {
  tree: Uint16Array;
  text: (html: string) => string;
}

const dir = mkdtempSync(`${tmpdir()}/homenet-entities-`);
after(() => rmSync(dir, { recursive: true, force: true }));

/** htmlparser2 and the entities table bundled with or without the plugin into one CommonJS file, loaded. */
async function bundled(name: string, withPlugin: boolean): Promise<Bundled> {
  const file = `${dir}/${name}.cjs`;
  await build({
    stdin: {
      contents: `const { Parser } = require('htmlparser2');
        const { htmlDecodeTree } = require('entities/decode');
        module.exports = {
          tree: htmlDecodeTree,
          text: (html) => { let t = ''; const p = new Parser({ ontext: (s) => { t += s; } }); p.end(html); return t; },
        };`,
      resolveDir: ROOT,
      loader: 'js',
    },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    outfile: file,
    logLevel: 'error',
    plugins: withPlugin ? [prebuiltEntities] : [],
  });
  return createRequire(import.meta.url)(file) as Bundled;
}

describe('the HTML entity table decoded at build time', () => {
  it('is word for word the table the entities package unpacks at run time', async () => {
    const [ours, theirs] = [await bundled('ours', true), await bundled('theirs', false)];
    assert.ok(theirs.tree.length > 10_000, "the package's own table is there to compare with");
    assert.equal(ours.tree.length, theirs.tree.length);
    assert.deepEqual([...ours.tree], [...theirs.tree]);
  });

  it('decodes entities in text and attributes as htmlparser2 does without it', async () => {
    const [ours, theirs] = [await bundled('ours2', true), await bundled('theirs2', false)];
    const html = '<td>IP&nbsp;Traffic &amp; more &notin; &NotNestedGreaterGreater; &#160;&#x41; &amp &ampx &nosuch; &lt;b&gt;</td>';
    const text = ours.text(html);
    assert.equal(text, theirs.text(html));
    assert.equal(text, 'IP\u00a0Traffic & more \u2209 \u2aa2\u0338 \u00a0A & &x &nosuch; <b>');
  });

  it('writes a module that swaps the bytes back on a big-endian machine', () => {
    const text = tableModule(Uint16Array.of(1, 0x1234));
    assert.match(text, /Buffer\.from\("AQA0Eg==", "base64"\)/, 'little-endian words as base64');
    assert.match(text, /swap16\(\)/);
  });
});
