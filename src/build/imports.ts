/**
 * Part of `npm run lint`: the import graph of src/ and test/, read from the
 * sources with TypeScript's parser (no type checker: a second or less).
 *
 * - No import circle in src/: two files that import each other, at run time
 *   or by types, are one concern split by length (split by concern instead,
 *   or move what both need to a third file).
 * - No export that no other file imports: a name used only in its own file
 *   is not exported, and a name used nowhere is not written. Tests count as
 *   users; re-exports (`export *`, `export { x } from`) are followed to the
 *   file that declares the name.
 *
 * Prints one line per problem and exits 1 when there is any. This is a build
 * tool, not part of the program.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { circles } from './circles.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** What one file says about its imports and exports. */
interface FileFacts {
  /** Files it imports (src/ and test/ only), run-time and type imports alike. */
  readonly imports: Set<string>;
  /** Names it declares and exports. */
  readonly declared: Set<string>;
  /** Exported name -> where it comes from: [file, name there] (`export { a as b } from`, or an imported name exported again). */
  readonly reexports: Map<string, [string, string]>;
  /** Files whose every export it re-exports (`export *`). */
  readonly stars: string[];
  /** [file, name] pairs it uses from other files; name `*` when it takes the whole module. */
  readonly uses: [string, string][];
}

/** Every .ts file under `dir` (relative to the root), declaration files aside. */
function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir))
    .sort()
    .flatMap((name) => {
      const path = `${dir}/${name}`;
      if (statSync(join(ROOT, path)).isDirectory()) return name === 'fixtures' ? [] : sources(path);
      return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [path] : [];
    });
}

/** The file a relative specifier names (`./x.js` -> `dir/x.ts`), or undefined for a package. */
function resolve(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  return relative(ROOT, join(ROOT, dirname(from), specifier.replace(/\.js$/, '.ts')));
}

function hasExport(node: ts.Node): boolean {
  return ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
}

/** The names a declaration statement declares. */
function declaredNames(node: ts.Statement): string[] {
  if (ts.isVariableStatement(node)) return node.declarationList.declarations.flatMap((d) => (ts.isIdentifier(d.name) ? [d.name.text] : []));
  const named = node as ts.Statement & { name?: ts.Node };
  return named.name && ts.isIdentifier(named.name) ? [named.name.text] : [];
}

/** A module specifier's text, when it is a string literal. */
function specifierOf(node: ts.Expression | undefined): string | undefined {
  return node && ts.isStringLiteral(node) ? node.text : undefined;
}

/** What the file at `path` imports, exports and uses. */
function factsOf(path: string): FileFacts {
  const source = ts.createSourceFile(path, readFileSync(join(ROOT, path), 'utf8'), ts.ScriptTarget.Latest, true);
  const facts: FileFacts = { imports: new Set(), declared: new Set(), reexports: new Map(), stars: [], uses: [] };
  /** Local name -> [file, name there], for imported names exported again. */
  const imported = new Map<string, [string, string]>();
  const use = (file: string, name: string): void => {
    facts.imports.add(file);
    facts.uses.push([file, name]);
  };
  for (const st of source.statements) {
    if (ts.isImportDeclaration(st)) readImport(st, path, use, imported);
    else if (ts.isExportDeclaration(st)) readExport(st, path, facts, imported);
    else if (hasExport(st)) for (const name of declaredNames(st)) facts.declared.add(name);
  }
  const visit = (node: ts.Node): void => {
    if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      const file = resolve(path, node.argument.literal.text);
      if (file !== undefined) use(file, node.qualifier && ts.isIdentifier(node.qualifier) ? node.qualifier.text : '*');
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const file = resolve(path, specifierOf(node.arguments[0]) ?? '');
      if (file !== undefined) for (const name of destructured(node)) use(file, name);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return facts;
}

/** The names taken from a dynamic import (`const { a, b } = await import(...)`), or `*`. */
function destructured(call: ts.CallExpression): string[] {
  let node: ts.Node = call.parent;
  if (ts.isAwaitExpression(node)) node = node.parent;
  if (ts.isVariableDeclaration(node) && ts.isObjectBindingPattern(node.name)) {
    return node.name.elements.map((e) => (e.propertyName && ts.isIdentifier(e.propertyName) ? e.propertyName.text : ts.isIdentifier(e.name) ? e.name.text : '*'));
  }
  return ['*'];
}

function readImport(st: ts.ImportDeclaration, path: string, use: (file: string, name: string) => void, imported: Map<string, [string, string]>): void {
  const file = resolve(path, specifierOf(st.moduleSpecifier) ?? '');
  if (file === undefined) return;
  const clause = st.importClause;
  if (!clause) {
    use(file, '*');
    return;
  }
  if (clause.name) use(file, 'default');
  const bindings = clause.namedBindings;
  if (bindings && ts.isNamespaceImport(bindings)) use(file, '*');
  else if (bindings) {
    for (const el of bindings.elements) {
      const name = (el.propertyName ?? el.name).text;
      use(file, name);
      imported.set(el.name.text, [file, name]);
    }
  }
  if (!clause.name && !bindings) use(file, '*');
}

function readExport(st: ts.ExportDeclaration, path: string, facts: FileFacts, imported: Map<string, [string, string]>): void {
  const from = specifierOf(st.moduleSpecifier);
  const file = from === undefined ? undefined : resolve(path, from);
  if (from !== undefined && file === undefined) return;
  if (file !== undefined) facts.imports.add(file);
  const clause = st.exportClause;
  if (!clause) {
    if (file !== undefined) facts.stars.push(file);
    return;
  }
  if (!ts.isNamedExports(clause)) return;
  for (const el of clause.elements) {
    const local = (el.propertyName ?? el.name).text;
    if (file !== undefined) facts.reexports.set(el.name.text, [file, local]);
    else {
      const origin = imported.get(local);
      if (origin) facts.reexports.set(el.name.text, origin);
      else facts.declared.add(el.name.text);
    }
  }
}

/** Exports of src/ files that no other file uses, as `file: name`. */
function unusedExports(facts: ReadonlyMap<string, FileFacts>): string[] {
  const used = new Set<string>();
  /** Marks `name` of `file` used, following re-exports to where it is declared. */
  const mark = (file: string, name: string, seen = new Set<string>()): void => {
    const key = `${file}\0${name}`;
    if (seen.has(key)) return;
    seen.add(key);
    used.add(key);
    const f = facts.get(file);
    if (!f) return;
    if (name === '*') {
      for (const n of f.declared) mark(file, n, seen);
      for (const n of f.reexports.keys()) mark(file, n, seen);
      for (const s of f.stars) mark(s, '*', seen);
      return;
    }
    const origin = f.reexports.get(name);
    if (origin) mark(origin[0], origin[1], seen);
    if (!f.declared.has(name)) for (const s of f.stars) mark(s, name, seen);
  };
  for (const [file, f] of facts) for (const [target, name] of f.uses) if (target !== file) mark(target, name);
  const out: string[] = [];
  for (const [file, f] of facts) {
    if (!file.startsWith('src/')) continue;
    for (const name of [...f.declared, ...f.reexports.keys()]) if (!used.has(`${file}\0${name}`)) out.push(`${file}: ${name}`);
  }
  return out;
}

/** The problems of the tree at ROOT: circles in src/ and unused exports, one line each. */
function importProblems(): string[] {
  const facts = new Map([...sources('src'), ...sources('test')].map((f) => [f, factsOf(f)]));
  const graph = new Map([...facts].filter(([f]) => f.startsWith('src/')).map(([f, x]) => [f, x.imports]));
  return [...circles(graph).map((c) => `import circle: ${c.join(' <-> ')}`), ...unusedExports(facts).map((u) => `export no other file imports (make it local, or remove it when unused): ${u}`)];
}

// Run by lint.ts.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const problems = importProblems();
  for (const p of problems) process.stdout.write(`${p}\n`);
  if (problems.length > 0) process.exitCode = 1;
}
