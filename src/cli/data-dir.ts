/**
 * The server's data folder as the CLI sees it: where it is (--data, $PARLEY_DATA, the default),
 * and its lock (src/server/data-lock.ts) turned into clear command-line errors.
 */
import path from 'node:path';
import { DataDirBusyError, DataDirLock } from '../server/data-lock.js';
import { failure } from './errors.js';

/** The data folder without --data or PARLEY_DATA. */
export const DEFAULT_DATA_DIR = './.parley-server';

/** The absolute data folder: `flag` (--data), else $PARLEY_DATA, else DEFAULT_DATA_DIR. */
export function resolveDataDir(flag: string | undefined): string {
  return path.resolve(flag ?? process.env.PARLEY_DATA ?? DEFAULT_DATA_DIR);
}

/**
 * Takes the data folder's lock for a server (writing server.pid). Throws a CliError (exit 1)
 * when another server runs on it, or when the lock file cannot be used.
 */
export function lockDataDirForServer(dir: string): DataDirLock {
  try {
    return DataDirLock.acquire(dir, { writePid: true });
  } catch (e) {
    if (e instanceof DataDirBusyError) {
      throw failure(
        `another Parley server${e.pid === undefined ? '' : ` (pid ${e.pid})`} is running on the data folder ${dir}`,
        'stop it first, or choose another folder with --data',
      );
    }
    throw failure(`cannot lock the data folder ${dir}: ${(e as Error).message}`, 'check its permissions; a damaged server.lock may be deleted while no server runs');
  }
}
