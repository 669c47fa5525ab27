/**
 * The Flux compiler's front end (InfluxData's flux-lsp, built to WebAssembly:
 * the parser and the type checker against Flux's standard library), for
 * checking Flux text where no InfluxDB 2.x server can run it. It says whether
 * a script compiles: unknown functions, wrong argument names or types, syntax;
 * not what it returns on data.
 */
import { createRequire } from 'node:module';

type FluxLsp = typeof import('@influxdata/flux-lsp-node');

interface Diagnostic {
  readonly message: string;
  readonly range: { readonly start: { readonly line: number; readonly character: number } };
}

/** A running language server; check() answers with the compiler's messages for one script. */
export interface FluxChecker {
  check(script: string): Promise<string[]>;
}

/** Starts the language server in this process. */
export async function fluxChecker(): Promise<FluxChecker> {
  const { Lsp } = createRequire(import.meta.url)('@influxdata/flux-lsp-node') as FluxLsp;
  const lsp = new Lsp();
  const waiting = new Map<string, (d: readonly Diagnostic[]) => void>();
  lsp.onMessage((text: string) => {
    const m = JSON.parse(text) as { method?: string; params?: { uri: string; diagnostics: Diagnostic[] } };
    if (m.method === 'textDocument/publishDiagnostics' && m.params) waiting.get(m.params.uri)?.(m.params.diagnostics);
  });
  // It runs for the life of the process; a failure ends the checks that wait on it.
  lsp.run().catch((err: unknown) => {
    for (const done of waiting.values()) done([{ message: `flux-lsp stopped: ${String(err)}`, range: { start: { line: 0, character: 0 } } }]);
  });
  const send = (msg: object): Promise<unknown> => lsp.send(JSON.stringify({ jsonrpc: '2.0', ...msg }));
  await send({ id: 1, method: 'initialize', params: { capabilities: {} } });
  await send({ method: 'initialized', params: {} });
  let n = 0;
  return {
    async check(script) {
      const uri = `file:///check-${++n}.flux`;
      const published = new Promise<readonly Diagnostic[]>((resolve) => waiting.set(uri, resolve));
      await send({ method: 'textDocument/didOpen', params: { textDocument: { uri, languageId: 'flux', version: 1, text: script } } });
      const diagnostics = await published;
      waiting.delete(uri);
      // Closed once read: with every script left open, each check took longer than the one before (the --flux dashboard's tests took 8.9 s so, 0.6 s closed).
      await send({ method: 'textDocument/didClose', params: { textDocument: { uri } } });
      return diagnostics.map((d) => `${d.range.start.line + 1}:${d.range.start.character + 1}: ${d.message}`);
    },
  };
}
