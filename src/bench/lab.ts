/**
 * The devices a deadline figure or test runs against, in a process of their
 * own (so that their CPU is not the measured program's): simulators, each
 * with its options, and optionally, inside a network namespace, a DNS server
 * on the namespace's 127.0.0.1:53 (dns.ts).
 *
 *   node dist/src/bench/lab.js SPEC_JSON
 *
 * prints `{"urls":[...]}` once everything listens, then one `{"query":...}`
 * line per DNS query, and runs until it is killed or its stdin ends (the
 * process that started it is gone, whatever ended it).
 *
 * This is a measuring tool, not part of the program.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { SimulatorOptions } from '../simulate/server.js';
import type { DnsQuery } from './dns.js';
import type { Netns } from './netns.js';

/** What a lab runs. */
interface LabSpec {
  /** One simulator each (options that are data: fault, layout, address, delayMs, speakers). */
  readonly simulators: readonly Omit<SimulatorOptions, 'now'>[];
  /** Names the DNS server answers, with their IPv4 address; it swallows every other query. Inside a namespace only. */
  readonly dns?: Readonly<Record<string, string>>;
}

/** A running lab. */
export interface Lab {
  /** Each simulator's base URL, in the order of the spec. */
  readonly urls: readonly string[];
  /** The DNS queries received so far. */
  queries(): readonly DnsQuery[];
  /** Whether the lab process still runs. */
  running(): boolean;
  stop(): Promise<void>;
}

const SELF = fileURLToPath(import.meta.url);

/** Starts a lab (inside `netns` when given) and resolves once it listens. */
export async function startLab(spec: LabSpec, netns?: Netns): Promise<Lab> {
  if (spec.dns !== undefined && netns === undefined) throw new Error('a lab DNS server listens on port 53: only inside a namespace of its own');
  const argv = [SELF, JSON.stringify(spec)];
  const cmd = netns ? netns.command(process.execPath, argv) : { program: process.execPath, args: argv };
  const child = spawn(cmd.program, cmd.args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const queries: DnsQuery[] = [];
  let exited = false;
  const exit = new Promise<void>((resolve) => {
    child.on('exit', () => {
      exited = true;
      resolve();
    });
  });
  const urls = await new Promise<string[]>((resolve, reject) => {
    let buffered = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      buffered += d;
      let nl;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = JSON.parse(buffered.slice(0, nl)) as { urls?: string[]; query?: DnsQuery };
        buffered = buffered.slice(nl + 1);
        if (line.urls) resolve(line.urls);
        if (line.query) queries.push(line.query);
      }
    });
    void exit.then(() => {
      reject(new Error('the lab ended before it listened'));
    });
  });
  return {
    urls,
    queries: () => queries,
    running: () => !exited,
    stop: async () => {
      if (!exited) child.kill('SIGKILL');
      await exit;
    },
  };
}

async function main(spec: LabSpec): Promise<void> {
  const { startSimulator } = await import('../simulate/server.js');
  const urls: string[] = [];
  for (const options of spec.simulators) urls.push((await startSimulator(options)).url);
  if (spec.dns !== undefined) {
    const { startDnsServer } = await import('./dns.js');
    await startDnsServer(spec.dns, (query) => process.stdout.write(`${JSON.stringify({ query })}\n`));
  }
  process.stdout.write(`${JSON.stringify({ urls })}\n`);
  process.stdin.on('end', () => process.exit(0)).resume();
}

if (process.argv[1] === SELF) await main(JSON.parse(process.argv[2] ?? '{"simulators":[]}') as LabSpec);
