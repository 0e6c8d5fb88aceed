/**
 * "Is a server running on this data folder?" — answered by a lock, not by a pid file.
 *
 * A running `parley server` holds an exclusive SQLite lock (BEGIN EXCLUSIVE, which SQLite takes
 * with POSIX advisory locks on Unix and LockFileEx on Windows) on `<data>/server.lock` for as
 * long as it runs. The operating system drops that lock when the process ends in any way —
 * SIGKILL, a crash, a power cut — so a dead server never blocks the folder, and a recycled PID
 * cannot fool the check: only a live process holding the lock counts. `server.pid` beside it
 * only names the process in messages; it decides nothing (a stale one is ignored).
 *
 * Known limit: advisory locks are unreliable on some network file systems (old NFS setups); keep
 * the data folder on a local disk.
 */
import Database from 'better-sqlite3';
import { closeSync, existsSync, openSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** The lock file inside the data folder (an empty SQLite database). */
export const SERVER_LOCK_FILE = 'server.lock';
/** The running server's process id, for messages only. */
export const SERVER_PID_FILE = 'server.pid';

/** How long a check or an operator command waits for the lock before concluding that a server holds it, ms. */
export const PROBE_WAIT_MS = 250;
/** How long a starting server waits (an operator command may hold the lock for a moment), ms. */
export const SERVER_WAIT_MS = 2000;

/** Another live process holds the data folder's lock; `pid` from server.pid when it names one. */
export class DataDirBusyError extends Error {
  constructor(
    readonly dir: string,
    readonly pid: number | undefined,
  ) {
    super(`a Parley server${pid === undefined ? '' : ` (pid ${pid})`} is running on ${dir}`);
    this.name = 'DataDirBusyError';
  }
}

function isBusy(e: unknown): boolean {
  const code = (e as { code?: string }).code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
}

/** The pid written in `dir`'s server.pid, or undefined when there is none or it is not a pid. */
function readPid(dir: string): number | undefined {
  try {
    const text = readFileSync(path.join(dir, SERVER_PID_FILE), 'utf8').trim();
    return /^[1-9][0-9]{0,9}$/.test(text) ? Number(text) : undefined;
  } catch {
    return undefined;
  }
}

/** The exclusive lock on a data folder: held by a running server, or briefly by an operator command. */
export class DataDirLock {
  private released = false;

  private constructor(
    readonly dir: string,
    private readonly db: Database.Database,
    private readonly wrotePid: boolean,
  ) {}

  /**
   * Takes `dir`'s lock, creating server.lock (mode 0600) when missing, waiting up to `waitMs`.
   * With `writePid` (a server), writes server.pid. Throws DataDirBusyError when a live process
   * holds the lock, and the file system's or SQLite's error when the file cannot be used.
   */
  static acquire(dir: string, opts: { waitMs?: number; writePid?: boolean } = {}): DataDirLock {
    const file = path.join(dir, SERVER_LOCK_FILE);
    try {
      closeSync(openSync(file, 'wx', 0o600));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const db = new Database(file, { timeout: opts.waitMs ?? SERVER_WAIT_MS });
    try {
      db.exec('BEGIN EXCLUSIVE'); // held until close(): the process's lifetime for a server
    } catch (e) {
      db.close();
      if (isBusy(e)) throw new DataDirBusyError(dir, readPid(dir));
      throw e;
    }
    if (opts.writePid) writeFileSync(path.join(dir, SERVER_PID_FILE), `${process.pid}\n`, { mode: 0o600 });
    return new DataDirLock(dir, db, opts.writePid === true);
  }

  /** Gives the lock up (idempotent); removes server.pid when this lock wrote it and it still names this process. */
  release(): void {
    if (this.released) return;
    this.released = true;
    if (this.wrotePid && readPid(this.dir) === process.pid) {
      try {
        unlinkSync(path.join(this.dir, SERVER_PID_FILE));
      } catch {
        /* already gone */
      }
    }
    this.db.close(); // closing ends the transaction and drops the lock
  }
}

/**
 * Whether a live process (a server) holds `dir`'s lock, with the pid from server.pid when it has
 * one. Creates nothing: a folder without server.lock has never had a server of this version.
 * Throws SQLite's error for a lock file that is not a database.
 */
export function serverOnDataDir(dir: string, waitMs = PROBE_WAIT_MS): { running: false } | { running: true; pid: number | undefined } {
  const file = path.join(dir, SERVER_LOCK_FILE);
  if (!existsSync(file)) return { running: false };
  let lock: DataDirLock;
  try {
    lock = DataDirLock.acquire(dir, { waitMs });
  } catch (e) {
    if (e instanceof DataDirBusyError) return { running: true, pid: e.pid };
    throw e;
  }
  lock.release();
  return { running: false };
}
