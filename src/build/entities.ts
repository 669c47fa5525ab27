/**
 * An esbuild plugin for both bundles (dist/bundle and the single binary):
 * htmlparser2's HTML entity table, decoded at build time.
 *
 * The `entities` package ships that table (13,494 16-bit words) packed in a
 * base-91 text that it unpacks in JavaScript when the module is evaluated:
 * 6-12 ms of CPU at every start on the bench machine, cold code, before a
 * page is read (and every device page has an `&nbsp;`, so loading it lazily
 * would not spare it). The plugin evaluates the package's own module here,
 * at build time, and replaces it with the same words as base64, which
 * `Buffer.from` decodes natively in well under a millisecond. The module's
 * export, and so every decoded entity, stays the same; the build fails if
 * the package no longer has that file or export.
 */
import { pathToFileURL } from 'node:url';
import type { Plugin } from 'esbuild';

/** The module the plugin replaces, under node_modules/entities/. */
const TABLE_FILE = /[\\/]node_modules[\\/]entities[\\/]dist[\\/]generated[\\/]decode-data-html\.js$/;

/** The module text that recreates `tree`: its words as base64, little-endian, swapped on a big-endian machine. */
export function tableModule(tree: Uint16Array): string {
  const bytes = Buffer.alloc(tree.length * 2);
  for (const [i, word] of tree.entries()) bytes.writeUInt16LE(word, i * 2);
  return `// htmlDecodeTree of the entities package, decoded at build time (src/build/entities.ts).
export const htmlDecodeTree = /* @__PURE__ */ (() => {
  const bytes = Buffer.from(${JSON.stringify(bytes.toString('base64'))}, "base64");
  if (new Uint8Array(Uint16Array.of(1).buffer)[0] !== 1) bytes.swap16();
  const tree = new Uint16Array(${tree.length});
  new Uint8Array(tree.buffer).set(bytes);
  return tree;
})();
`;
}

export const prebuiltEntities: Plugin = {
  name: 'prebuilt-entities',
  setup(build) {
    let found = false;
    build.onLoad({ filter: TABLE_FILE }, async (args) => {
      const mod = (await import(pathToFileURL(args.path).href)) as { htmlDecodeTree?: unknown };
      if (!(mod.htmlDecodeTree instanceof Uint16Array)) throw new Error(`${args.path} no longer exports htmlDecodeTree as a Uint16Array`);
      found = true;
      return { contents: tableModule(mod.htmlDecodeTree), loader: 'js' };
    });
    build.onEnd((result) => {
      if (result.errors.length === 0 && !found) throw new Error("the entities package's decode-data-html.js was not bundled: update src/build/entities.ts");
    });
  },
};
