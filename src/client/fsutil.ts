/**
 * Small synchronous file helpers of the client's home folder: atomic replacement (write a
 * temporary file beside the target, fsync, rename), exclusive creation that never replaces
 * (hard link), and a lock file for read-modify-write updates by several processes.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fchmodSync, fsyncSync, linkSync, openSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';

function tempPath(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

function writeTemp(file: string, data: string, mode: number): string {
  const tmp = tempPath(file);
  const fd = openSync(tmp, 'wx', mode);
  try {
    fchmodSync(fd, mode); // the umask must neither widen nor narrow it
    const buf = Buffer.from(data, 'utf8');
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    unlinkQuiet(tmp);
    throw e;
  }
  closeSync(fd);
  return tmp;
}

function unlinkQuiet(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // best effort
  }
}

function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // not supported everywhere (Windows); the rename is atomic anyway
  }
}

/** Replaces `file` atomically with `data` (mode `mode`): readers see the old or the new file, never a mix. */
export function writeFileAtomicSync(file: string, data: string, mode: number): void {
  const tmp = writeTemp(file, data, mode);
  try {
    renameSync(tmp, file);
  } catch (e) {
    unlinkQuiet(tmp);
    throw e;
  }
  fsyncDir(path.dirname(file));
}

/**
 * Creates `file` with `data` (mode `mode`) complete or not at all, and only if it does not
 * exist: returns false, leaving the existing file alone, when another process created it first.
 */
export function createFileExclusiveSync(file: string, data: string, mode: number): boolean {
  const tmp = writeTemp(file, data, mode);
  try {
    linkSync(tmp, file);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'ENOSYS') {
      // a file system without hard links: O_EXCL on the target, then the content
      const fd = openSync(file, 'wx', mode);
      closeSync(fd);
      renameSync(tmp, file);
      return true;
    }
    throw e;
  } finally {
    unlinkQuiet(tmp);
    fsyncDir(path.dirname(file));
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Raised by withLockSync when the lock stays taken; `lockFile` names it. */
export class LockTimeoutError extends Error {
  constructor(readonly lockFile: string) {
    super(`${lockFile} is held by another process`);
    this.name = 'LockTimeoutError';
  }
}

/**
 * Runs `fn` holding the lock file `lockFile` (created with O_EXCL, removed afterwards). Waits up
 * to `timeoutMs` for another holder; a lock older than `staleMs` (a crashed process) is broken.
 */
export function withLockSync<T>(lockFile: string, fn: () => T, opts: { timeoutMs?: number; staleMs?: number } = {}): T {
  const timeoutMs = opts.timeoutMs ?? 3000;
  const staleMs = opts.staleMs ?? 10_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      closeSync(openSync(lockFile, 'wx', 0o600));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      try {
        if (Date.now() - statSync(lockFile).mtimeMs > staleMs) {
          unlinkQuiet(lockFile);
          continue;
        }
      } catch {
        continue; // it went away meanwhile
      }
      if (Date.now() > deadline) throw new LockTimeoutError(lockFile);
      sleepSync(15);
    }
  }
  try {
    return fn();
  } finally {
    unlinkQuiet(lockFile);
  }
}
