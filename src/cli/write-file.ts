/**
 * Writing files from the CLI: exclusive creation of new files, and atomic replacement — a new
 * file beside the target (exclusive create, its mode set explicitly, fsync) renamed over it — so
 * that a secret never lands in a file whose old mode lets others read it, and a reader never
 * sees half a file.
 */
import { randomBytes } from 'node:crypto';
import { constants as fsConstants, unlinkSync } from 'node:fs';
import { lstat, open, realpath, rename, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { failure } from './errors.js';
import { onInterrupt } from './interrupt.js';

/** A CliError for a failed write to `file`, naming `option` in the hint; other errors as they are. */
export function writeError(e: unknown, file: string, option?: string): unknown {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  const where = option ? `check the path given to ${option}` : 'check the path';
  if (code === 'ENOENT') return failure(`cannot write ${file}: the directory ${path.dirname(file)} does not exist`, where, e);
  if (code === 'EACCES' || code === 'EPERM') return failure(`cannot write ${file}: permission denied`, where, e);
  if (code === 'EISDIR') return failure(`cannot write ${file}: it is a directory`, where, e);
  if (code === 'EEXIST') return failure(`${file} already exists`, 'use --force to overwrite it, or --out to choose another file', e);
  if (code === 'ENOSPC') return failure(`cannot write ${file}: no space left on the device`, undefined, e);
  return e;
}

/** True when `file` exists (as anything, even a dangling symbolic link). */
export async function exists(file: string): Promise<boolean> {
  try {
    await lstat(file);
    return true;
  } catch {
    return false;
  }
}

const O_NOFOLLOW = fsConstants.O_NOFOLLOW ?? 0;

/** Writes `data` into a new file `file` (exclusive, never through a symbolic link) with exactly `mode`, and fsyncs it. */
async function createExclusive(file: string, data: string | Uint8Array, mode: number): Promise<void> {
  const fh = await open(file, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL | O_NOFOLLOW, mode);
  try {
    await fh.chmod(mode); // the umask must neither widen nor narrow it
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** fsync of a directory, so that a rename in it survives a crash; not possible everywhere (Windows). */
async function syncDir(dir: string): Promise<void> {
  try {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    // best effort: the rename is atomic anyway
  }
}

/**
 * Where replaceFile must put the new file: the path of the regular file `file` names (following
 * symbolic links), `file` itself when nothing exists there (or only a dangling link, which is
 * then replaced by the file: never created through), or undefined when `file` is something that
 * keeps no data on disk — a FIFO, a terminal, anything under /dev or /proc — to be written to directly.
 */
async function replacementTarget(file: string): Promise<string | undefined> {
  // device and process folders (/dev/stdout, /dev/fd/3, /proc/self/fd/1): never rename there
  if (process.platform !== 'win32' && /^\/(dev|proc)\//.test(path.resolve(file))) return undefined;
  let st;
  try {
    st = await stat(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return file;
    throw e;
  }
  if (st.isDirectory()) throw Object.assign(new Error(`${file} is a directory`), { code: 'EISDIR' });
  if (!st.isFile()) return undefined;
  const real = await realpath(file);
  // a path through /proc (an open file descriptor) names no real file: write to it directly
  return (await stat(real).catch(() => undefined))?.ino === st.ino ? real : undefined;
}

/**
 * Replaces `file` with `data`, which ends up with exactly `mode` whatever the old file's mode was:
 * a new file is created exclusively beside it (".NAME.PID.RANDOM.tmp", mode `mode`), written,
 * fsynced and renamed over it. A symbolic link is followed to the regular file it names (as
 * writing through it would); a dangling one is replaced, never written through. Something that is
 * not a regular file (a FIFO, /dev/null, /dev/stdout) is written to directly: it keeps no data on
 * disk. The temporary file is removed on failure and on Ctrl+C. Throws CliErrors from writeError
 * naming `option`.
 */
export async function replaceFile(file: string, data: string | Uint8Array, mode: number, option = '--out'): Promise<void> {
  let target: string | undefined;
  try {
    target = await replacementTarget(file);
    if (target === undefined) return await writeFile(file, data);
  } catch (e) {
    throw writeError(e, file, option);
  }
  const tmp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const stopCleanup = onInterrupt(() => unlinkSync(tmp));
  try {
    await createExclusive(tmp, data, mode);
    await rename(tmp, target);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw writeError(e, file, option);
  } finally {
    stopCleanup();
  }
  await syncDir(path.dirname(target));
}

/**
 * Writes `file` with exactly `mode`: without `replace` it must not exist yet (exclusive create,
 * never through a symbolic link; EEXIST becomes "already exists, use --force"); with `replace`
 * an existing file is replaced atomically (replaceFile), so a key is never half-written and never
 * missing. Throws CliErrors from writeError naming `option`.
 */
export async function writeNewFile(file: string, data: string | Uint8Array, mode: number, replace: boolean, option = '--out'): Promise<void> {
  if (replace) return replaceFile(file, data, mode, option);
  try {
    await createExclusive(file, data, mode);
  } catch (e) {
    throw writeError(e, file, option);
  }
}
