/**
 * Reading and writing the state file (`state_file` in the config): read once
 * when a run starts, written atomically (a temporary file renamed over it)
 * after a gather. A missing, damaged or foreign file never stops a run: it
 * starts fresh, and a file that is not ours is never overwritten. What fixes
 * itself (a file not there yet, a damaged one of ours) is a `W!`; a file that
 * cannot be read or written (a file or folder of another user, a link, a file
 * that is not ours, a full disk) is an `E!` naming the fix, and
 * `state_ok=false` on the run's `homenet_scrape` lines. Such a run prints no
 * `*_total` fields (index.ts): a later run would count on from older readings
 * than it printed, and the totals would fall.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, constants, lstatSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, unlinkSync, writeFileSync, type Stats } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { currentUser, errnoOf, FileRefused, kindOf, MAX_STATE_BYTES, readRegularFile } from '../files.js';
import { error, shellWord, warning } from '../log.js';
import { emptyState, looksLikeOurs, stateFromJson, stateToJson, withoutDescribed, type State } from './format.js';

/** The state, whether it may be written back, and what to warn about. */
export interface LoadedState {
  readonly state: State;
  readonly writable: boolean;
  /** A `W!` line (it fixes itself) or an `E!` line (it needs someone: `isStateProblem`). */
  readonly warning?: string;
}

/** A user's name from /etc/passwd (Node has no getpwuid), else `uid N`. */
function userName(uid: number): string {
  if (uid === process.getuid?.()) return currentUser();
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const [name, , id] = line.split(':');
      if (name && Number(id) === uid) return name;
    }
  } catch {
    // No passwd file (a container): the number says it as well.
  }
  return `uid ${uid}`;
}

const UNTIL_FIXED = 'until then no *_total fields are printed';

/** Why a write failed, in words, for the codes a disk gives. */
const WRITE_CAUSES: Readonly<Record<string, string>> = {
  ENOSPC: 'the disk is full',
  EDQUOT: "the user's disk quota is used up",
  EFBIG: 'it would pass the size a file may have (ulimit -f)',
  EROFS: 'the file system is read-only',
};

/** `E!` for a state file this user may not read: who owns it, and the chown that fixes it. */
function unreadable(path: string, code: string): string {
  const user = currentUser();
  let owner: number | undefined;
  try {
    owner = lstatSync(path).uid;
  } catch {
    // A folder on the way we cannot enter: the owner is unknown, the fix the same.
  }
  const p = shellWord(path);
  if (owner === process.getuid?.()) {
    return error(`cannot read state file ${path} (${code}): it is ${user}'s own but not readable; fix: chmod u+rw ${p} (or delete it: rm ${p}); ${UNTIL_FIXED}`);
  }
  const whose = owner === undefined ? '' : `it belongs to ${userName(owner)} and `;
  return error(`cannot read state file ${path} (${code}): ${whose}this program runs as ${user}; fix: sudo chown ${shellWord(user)} ${p} (or delete it: sudo rm ${p}); ${UNTIL_FIXED}`);
}

/** Reads the state file at `path`; never throws, and says whether it may be written back. */
export function loadState(path: string): LoadedState {
  let text: string;
  let stat: Stats;
  try {
    // Not through a symbolic link: the rename would replace the link, not what it points to.
    ({ text, stat } = readRegularFile(path, MAX_STATE_BYTES, true));
  } catch (err) {
    if (err instanceof FileRefused && oversizeOfOurs(path)) {
      // Written by a version with no limit on what it kept (a speaker listing 15,000 interfaces made 19 MB):
      // refusing it for ever would leave every device without totals.
      return {
        state: emptyState(),
        writable: true,
        warning: warning(
          `state file ${path} is ${err.code}, more than the program reads back (an earlier version wrote it with no limit): counter totals start fresh, and it is replaced by one within the limit`,
        ),
      };
    }
    if (err instanceof FileRefused) {
      return {
        state: emptyState(),
        writable: false,
        warning: error(`state file ${path} is ${err.code}: it is left untouched; fix: point state_file at a regular file, or at a path that does not exist yet; ${UNTIL_FIXED}`),
      };
    }
    const code = errnoOf(err);
    if (code === 'ENOENT') return { state: emptyState(), writable: true, warning: warning(`state file ${path} does not exist yet: counter totals start fresh`) };
    if (code === 'EACCES' || code === 'EPERM') return { state: emptyState(), writable: false, warning: unreadable(path, code) };
    return { state: emptyState(), writable: false, warning: error(`cannot read state file ${path} (${code ?? 'error'}): ${UNTIL_FIXED}`) };
  }
  if (text.trim() === '') {
    // An empty file may be one an admin made for us (touch, chown); one we could not write ourselves is not ours to replace.
    if (stat.uid === process.getuid?.() && (stat.mode & 0o200) !== 0) {
      return { state: emptyState(), writable: true, warning: warning(`state file ${path} is empty: counter totals start fresh`) };
    }
    return {
      state: emptyState(),
      writable: false,
      warning: error(
        `state file ${path} is empty but read-only or another user's: it is left untouched; fix: sudo chown ${shellWord(currentUser())} ${shellWord(path)} && sudo chmod u+w ${shellWord(path)} (or delete it: sudo rm ${shellWord(path)}); ${UNTIL_FIXED}`,
      ),
    };
  }
  try {
    const state = stateFromJson(text);
    if (state.dropped === undefined) return { state, writable: true };
    return {
      state,
      writable: true,
      warning: warning(
        `state file ${path} had ${state.dropped} counter entries with a negative count, total or time (damaged): they were left out, and their *_total fields start again from their counters`,
      ),
    };
  } catch (err) {
    const why = err instanceof SyntaxError ? 'it is not valid JSON' : (err as Error).message;
    if (looksLikeOurs(text)) return { state: emptyState(), writable: true, warning: warning(`state file ${path} is damaged (${why}): counter totals start fresh`) };
    return {
      state: emptyState(),
      writable: false,
      warning: error(`state file ${path} is not ours (${why}): it is left untouched; fix: set state_file to a path of its own; ${UNTIL_FIXED}`),
    };
  }
}

/** Whether `path` is a regular file over {@link MAX_STATE_BYTES} that starts as a state file of ours. */
function oversizeOfOurs(path: string): boolean {
  try {
    const st = lstatSync(path);
    if (!st.isFile() || st.size <= MAX_STATE_BYTES) return false;
    const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    try {
      const head = Buffer.alloc(64);
      return looksLikeOurs(head.toString('utf8', 0, readSync(fd, head, 0, head.length, 0)));
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
}

/**
 * The state's text within {@link MAX_STATE_BYTES}, what the program reads
 * back: what the devices' describing pages said is left out first (it is
 * asked again); undefined when even the rest is over it.
 */
function boundedText(state: State): Buffer | undefined {
  let bytes = Buffer.from(stateToJson(state));
  if (bytes.length <= MAX_STATE_BYTES) return bytes;
  bytes = Buffer.from(stateToJson({ ...state, devices: new Map([...state.devices].map(([name, d]) => [name, withoutDescribed(d)])) }));
  return bytes.length <= MAX_STATE_BYTES ? bytes : undefined;
}

/** Writes the state atomically; returns a warning instead of throwing. */
export function saveState(path: string, state: State): string | undefined {
  // What is there now may not be what was read: only a regular file (or nothing) is replaced.
  try {
    const now = lstatSync(path);
    if (!now.isFile()) return error(`state file ${path} is now ${kindOf(now)}, not a regular file: it is left untouched; ${UNTIL_FIXED}`);
  } catch (err) {
    if (errnoOf(err) !== 'ENOENT') return cannotWrite(path, err);
  }
  // Never larger than what the next run reads: a file refused on reading would restart every total.
  const text = boundedText(state);
  if (text === undefined)
    return error(
      `state file ${path} would be over ${MAX_STATE_BYTES / 1048576} MiB, more than the program reads back: not written, and no *_total fields are printed (please report this: the counter totals are kept within 8 MiB)`,
    );
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
      writeFileSync(fd, text);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
    return undefined;
  } catch (err) {
    if (created) rmSync(tmp, { force: true });
    return cannotWrite(path, err);
  }
}

/** `E!` for a failed write; a folder this user may not write in names the chown that fixes it. */
function cannotWrite(path: string, err: unknown): string {
  const code = errnoOf(err) ?? String(err);
  if (code === 'EACCES' || code === 'EPERM') {
    // The file is replaced by a rename, so what must be writable is its folder.
    const user = currentUser();
    const dir = dirname(path);
    return error(
      `cannot write state file ${path} (${code}): ${user} cannot create files in ${dir}; fix: sudo chown ${shellWord(user)} ${shellWord(dir)}, or set state_file to a path in a folder ${user} owns; ${UNTIL_FIXED}`,
    );
  }
  const cause = WRITE_CAUSES[code];
  return error(
    `cannot write state file ${path} (${code}${cause === undefined ? '' : `: ${cause}`}): no *_total fields are printed until it can be written ` +
      '(a later run would count on from the older readings in it, and the totals would fall)',
  );
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
