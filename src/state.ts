/**
 * The counter state file of `collect` (`state_file` in the config): read at
 * start, written atomically (a temporary file renamed over it) at the end.
 * A missing, damaged or foreign file never stops a run: it starts fresh with
 * a warning, and a file that is not ours is never overwritten.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, constants, lstatSync, openSync, readdirSync, renameSync, rmSync, unlinkSync, writeFileSync, type Stats } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { emptyState, looksLikeOurs, stateFromJson, stateToJson, type CounterState } from './counters.js';
import { FileRefused, kindOf, MAX_STATE_BYTES, readRegularFile } from './files.js';

/** The state, whether it may be written back, and what to warn about. */
export interface LoadedState {
  readonly state: CounterState;
  readonly writable: boolean;
  readonly warning?: string;
}

/** Reads the state file at `path`; never throws, and says whether it may be written back. */
export function loadState(path: string): LoadedState {
  let text: string;
  let stat: Stats;
  try {
    // Not through a symbolic link: the rename would replace the link, not what it points to.
    ({ text, stat } = readRegularFile(path, MAX_STATE_BYTES, true));
  } catch (err) {
    if (err instanceof FileRefused) {
      return { state: emptyState(), writable: false, warning: `W! state file ${path} is ${err.code}: counter totals start fresh, and it is left untouched` };
    }
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { state: emptyState(), writable: true, warning: `W! state file ${path} does not exist yet: counter totals start fresh` };
    return { state: emptyState(), writable: false, warning: `W! cannot read state file ${path} (${code ?? 'error'}): counter totals start fresh` };
  }
  if (text.trim() === '') {
    // An empty file may be one an admin made for us (touch, chown); one we could not write ourselves is not ours to replace.
    if (stat.uid === process.getuid?.() && (stat.mode & 0o200) !== 0) {
      return { state: emptyState(), writable: true, warning: `W! state file ${path} is empty: counter totals start fresh` };
    }
    return {
      state: emptyState(),
      writable: false,
      warning: `W! state file ${path} is empty but read-only or another user's: counter totals start fresh, and it is left untouched`,
    };
  }
  try {
    return { state: stateFromJson(text), writable: true };
  } catch (err) {
    const why = err instanceof SyntaxError ? 'it is not valid JSON' : (err as Error).message;
    if (looksLikeOurs(text)) return { state: emptyState(), writable: true, warning: `W! state file ${path} is damaged (${why}): counter totals start fresh` };
    return {
      state: emptyState(),
      writable: false,
      warning: `W! state file ${path} is not ours (${why}): counter totals start fresh, and it is left untouched`,
    };
  }
}

/** Writes the state atomically; returns a warning instead of throwing. */
export function saveState(path: string, state: CounterState): string | undefined {
  // What is there now may not be what was read: only a regular file (or nothing) is replaced.
  try {
    const now = lstatSync(path);
    if (!now.isFile()) return `W! state file ${path} is now ${kindOf(now)}, not a regular file: it is left untouched, and counter totals will restart`;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return `W! cannot write state file ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)}): counter totals will restart`;
  }
  if (!cleaned.has(path)) {
    cleaned.add(path);
    cleanStale(path);
  }
  // A random name, created exclusively and never through a link: a name planted in the folder
  // (a symbolic link to someone else's file) is never written through.
  const tmp = `${path}.tmp-${randomBytes(8).toString('hex')}`;
  let created = false;
  try {
    const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o640);
    created = true;
    try {
      writeFileSync(fd, stateToJson(state));
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
    return undefined;
  } catch (err) {
    if (created) rmSync(tmp, { force: true });
    return `W! cannot write state file ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)}): counter totals will restart`;
  }
}

/** State paths whose folder was already cleaned of stale temporary files in this process. */
const cleaned = new Set<string>();
/** A temporary file this old was left by a run that was killed (a write takes milliseconds). */
const STALE_MS = 10 * 60_000;

/** Removes temporary files of `path` left by killed runs: our own regular files only, and only old ones. */
function cleanStale(path: string): void {
  const dir = dirname(path);
  const prefix = `${basename(path)}.tmp-`;
  try {
    for (const name of readdirSync(dir)) {
      if (!name.startsWith(prefix) || !/^[0-9a-f]+$/.test(name.slice(prefix.length))) continue;
      const p = join(dir, name);
      const st = lstatSync(p);
      if (st.isFile() && st.uid === process.getuid?.() && Date.now() - st.mtimeMs > STALE_MS) unlinkSync(p);
    }
  } catch {
    // Cleaning is a courtesy: a folder we cannot list (or a file that went away) does not stop the write.
  }
}
