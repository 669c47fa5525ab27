/**
 * What a suite of tests runs against, set up once for it: the built-in
 * simulator and a temporary folder. Called in a describe() (or at the top of
 * a file), each registers node:test's before() and after() hooks there and
 * returns an object whose fields are ready from the suite's first test on.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { after, before } from 'node:test';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/simulate/server.js';

/** A simulator started before the suite's first test and closed after its last. */
export interface SimulatorContext {
  readonly sim: Simulator;
  /** Its base URL, `http://127.0.0.1:PORT`. */
  readonly url: string;
}

/** A temporary folder made before the suite's first test and removed, with all in it, after its last. */
export interface FolderContext {
  readonly dir: string;
}

/** A value set by a before() hook, that says so when read before it ran. */
function later<T>(what: string): { value: T | undefined; get: () => T } {
  const box: { value: T | undefined; get: () => T } = {
    value: undefined,
    get: () => {
      if (box.value === undefined) throw new Error(`${what} is ready from the suite's first test on, not while it is being declared`);
      return box.value;
    },
  };
  return box;
}

/** The simulator for this suite, with `options` (a fault, a clock, a layout). */
export function useSimulator(options: SimulatorOptions = {}): SimulatorContext {
  const sim = later<Simulator>('the simulator');
  before(async () => {
    sim.value = await startSimulator(options);
  });
  after(async () => {
    await sim.value?.close();
  });
  return {
    get sim() {
      return sim.get();
    },
    get url() {
      return sim.get().url;
    },
  };
}

/** A temporary folder for this suite, named `homenet-<name>-XXXXXX` (mode 700, as mkdtemp makes it). */
export function useFolder(name: string): FolderContext {
  const dir = later<string>('the temporary folder');
  before(() => {
    dir.value = mkdtempSync(`${tmpdir()}/homenet-${name}-`);
  });
  after(() => {
    if (dir.value !== undefined) rmSync(dir.value, { recursive: true, force: true });
  });
  return {
    get dir() {
      return dir.get();
    },
  };
}

/** Both: the simulator and a temporary folder, as most suites that run the program want them. */
export function useSimulatorAndFolder(name: string, options: SimulatorOptions = {}): SimulatorContext & FolderContext {
  const s = useSimulator(options);
  const f = useFolder(name);
  return {
    get sim() {
      return s.sim;
    },
    get url() {
      return s.url;
    },
    get dir() {
      return f.dir;
    },
  };
}
