/**
 * `npm run demo`: starts the simulated devices on loopback (those of every
 * registered kind), runs the real launcher against them once, and prints
 * what Telegraf would receive.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startSimulator } from './server.js';

const bin = fileURLToPath(new URL('../../../bin/telegraf-homenet', import.meta.url));
const sim = await startSimulator();
const args = [...sim.demoDevices().flatMap((d) => ['--device', d]), '--tag', 'region=demo'];
process.stderr.write(`I! simulated devices at ${sim.url}\nI! running: telegraf-homenet ${args.join(' ')}\n`);
const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'inherit', 'inherit'] });
const code = await new Promise<number>((resolve) => {
  child.on('exit', (c) => {
    resolve(c ?? 1);
  });
});
await sim.close();
process.exitCode = code;
