/**
 * Reading files a user names (the INI file, an access code file, the state
 * file, the pages `parse` reads): regular files only, and only up to a size
 * bound. A FIFO would block the run (no timer or signal can end a blocked
 * synchronous read) and a character device such as /dev/zero never ends;
 * neither is even opened.
 */
import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { userInfo } from 'node:os';

/** Bounds far above any real file of each kind, low enough to be read at once. */
export const MAX_CONFIG_BYTES = 1048576;
export const MAX_SECRET_BYTES = 65536;
export const MAX_STATE_BYTES = 16 * 1048576;

/**
 * A path that is not a regular file, or is too large. `code` is the reason in
 * words ("a FIFO, not a regular file"), so that messages which show an errno
 * code (`cannot read X (ENOENT)`) read just as well with it.
 */
export class FileRefused extends Error {
  override name = 'FileRefused';
  constructor(readonly code: string) {
    super(code);
  }
}

/** What a path is, in words, when it is not a regular file. */
export function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a folder';
  if (st.isSymbolicLink()) return 'a symbolic link';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a file';
}

function sizeWords(bytes: number): string {
  return bytes % 1048576 === 0 ? `${bytes / 1048576} MiB` : `${Math.round(bytes / 1024)} KiB`;
}

/** A file's text, and what fstat said of the file that was read. */
interface FileText {
  readonly text: string;
  readonly stat: Stats;
}

/**
 * Reads a regular file of at most `maxBytes` as UTF-8.
 * @param noFollow refuse a symbolic link at `path` itself instead of following it.
 * @throws FileRefused for anything but a regular file, or one over `maxBytes`;
 *   the errno error (ENOENT, EACCES, ...) when it cannot be opened.
 */
export function readRegularFile(path: string, maxBytes: number, noFollow = false): FileText {
  const { bytes, stat } = readRegularBytes(path, maxBytes, noFollow);
  return { text: bytes.toString('utf8'), stat };
}

/**
 * {@link readRegularFile}'s bytes, undecoded (a saved page declares its own charset).
 * @throws as readRegularFile does.
 */
export function readRegularBytes(path: string, maxBytes: number, noFollow = false): { readonly bytes: Buffer; readonly stat: Stats } {
  // Looked at before opening: opening a FIFO waits for a writer, and opening a device can act on it.
  const before = noFollow ? lstatSync(path) : statSync(path);
  if (!before.isFile()) throw new FileRefused(`${kindOf(before)}, not a regular file`);
  if (before.size > maxBytes) throw new FileRefused(`over ${sizeWords(maxBytes)}`);
  // O_NONBLOCK: if the path was swapped for a FIFO since, open still returns at once.
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | (noFollow ? constants.O_NOFOLLOW : 0));
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new FileRefused(`${kindOf(stat)}, not a regular file`);
    // Read to the end, not to the size fstat gave: the file may grow meanwhile, up to the bound.
    let buf = Buffer.allocUnsafe(Math.min(maxBytes + 1, stat.size + 1));
    let length = 0;
    for (;;) {
      if (length === buf.length) {
        if (length > maxBytes) throw new FileRefused(`over ${sizeWords(maxBytes)}`);
        const bigger = Buffer.allocUnsafe(Math.min(maxBytes + 1, length * 2));
        buf.copy(bigger, 0, 0, length);
        buf = bigger;
      }
      const n = readSync(fd, buf, length, buf.length - length, null);
      if (n === 0) break;
      length += n;
    }
    if (length > maxBytes) throw new FileRefused(`over ${sizeWords(maxBytes)}`);
    return { bytes: buf.subarray(0, length), stat };
  } finally {
    closeSync(fd);
  }
}

/** The user this process runs as, by name where the system has one. */
export function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return String(process.getuid?.() ?? 'this user');
  }
}

/** Why a named file could not be opened, in words, for the errno codes a user meets. */
const READ_CAUSES: Readonly<Record<string, (user: string) => string>> = {
  ENOENT: () => 'there is no such file',
  ENOTDIR: () => 'a part of the path is a file, not a folder',
  EACCES: (user) => `${user} may not read it, or may not enter one of its folders`,
  EPERM: (user) => `${user} may not read it`,
  ELOOP: () => 'too many symbolic links, or a loop of them',
  ENAMETOOLONG: () => 'the path is too long',
  EISDIR: () => 'a folder, not a regular file',
};

/** A system call's error code (`ENOENT`), or undefined for an error that has none (a bug's). */
export function errnoOf(err: unknown): string | undefined {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * A failure to read a file a user named, as the end of a message: the cause
 * in words with its code, `no such file (ENOENT)`, or FileRefused's own words
 * (`a FIFO, not a regular file`).
 */
export function readFailure(err: unknown): string {
  if (err instanceof FileRefused) return err.code;
  const code = errnoOf(err);
  if (code === undefined) return err instanceof Error ? err.message : String(err);
  const cause = READ_CAUSES[code];
  return cause === undefined ? code : `${cause(currentUser())} (${code})`;
}
