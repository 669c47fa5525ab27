/**
 * `npm run typecheck` (after `tsc -b`, which checks src/ and test/): the
 * launcher, bin/telegraf-homenet, type-checked as the CommonJS JavaScript it
 * is (checkJs, strict, Node's types). tsc takes no file without an extension,
 * so the launcher is handed to the compiler under the name
 * bin/telegraf-homenet.cjs, read from the real file; the messages name the
 * real file. Exits 1 on any error.
 *
 * This is a build tool, not part of the program.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const LAUNCHER = `${ROOT}bin/telegraf-homenet`;
/** The name the compiler knows the launcher by. */
const AS_CJS = `${LAUNCHER}.cjs`;

const options: ts.CompilerOptions = {
  allowJs: true,
  checkJs: true,
  noEmit: true,
  skipLibCheck: true,
  strict: true,
  noImplicitReturns: true,
  noUnusedLocals: true,
  noUnusedParameters: true,
  useUnknownInCatchVariables: true,
  target: ts.ScriptTarget.ES2022,
  lib: ['lib.es2024.d.ts'],
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  types: ['node'],
  typeRoots: [`${ROOT}node_modules/@types`],
};

const host = ts.createCompilerHost(options);
const fileExists = host.fileExists.bind(host);
const readFile = host.readFile.bind(host);
host.fileExists = (name) => name === AS_CJS || fileExists(name);
host.readFile = (name) => (name === AS_CJS ? readFileSync(LAUNCHER, 'utf8') : readFile(name));

const program = ts.createProgram([AS_CJS], options, host);
const diagnostics = ts.getPreEmitDiagnostics(program);
const text = ts.formatDiagnostics(diagnostics, {
  getCanonicalFileName: (f) => f,
  getCurrentDirectory: () => ROOT,
  getNewLine: () => '\n',
});
process.stdout.write(text.replaceAll('bin/telegraf-homenet.cjs', 'bin/telegraf-homenet'));
process.exitCode = diagnostics.length === 0 ? 0 : 1;
