/**
 * The identity folder itself (see home.ts for its layout): where it is, the names of its
 * files, creating it (mode 0700), reading its small files, and HomeError, the error every
 * problem with the folder becomes (a ClientError with a stable `code` and a hint).
 */
import { chmodSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ClientError } from './errors.js';

export const KEY_FILE = 'key';
export const PUBLIC_KEY_FILE = 'key.pub';
export const CONFIG_FILE = 'config.json';
export const KNOWN_HOSTS_FILE = 'known_hosts';

/** Every code a HomeError can carry. */
export type HomeErrorCode =
  | 'HOME_NOT_DIRECTORY' // the home path exists and is not a folder
  | 'HOME_UNUSABLE' // the folder cannot be created or read
  | 'KEY_UNREADABLE' // `key` exists but cannot be read (permissions, a folder…)
  | 'KEY_CORRUPT' // `key` is not a valid RSA private key
  | 'KEY_INSECURE' // `key` is readable or writable by other users
  | 'KEY_MISSING' // key.pub exists but `key` does not: the identity was lost
  | 'PASSPHRASE_REQUIRED' // `key` is encrypted and no passphrase was given
  | 'BAD_PASSPHRASE' // the passphrase does not open `key`
  | 'CONFIG_UNREADABLE'
  | 'CONFIG_CORRUPT' // config.json is not a JSON object with a valid name
  | 'NAME_REQUIRED' // no name known, none given, and no terminal to ask
  | 'INVALID_NAME' // the name given does not match NAME_RE
  | 'WRITE_FAILED'; // a file of the home could not be written

/**
 * An identity-folder problem, with a hint saying what to do. The CLI prints it as
 * `parley: message; hint` and exits 1 (2 for INVALID_NAME: a bad --name is a usage error).
 */
export class HomeError extends ClientError<HomeErrorCode> {
  constructor(code: HomeErrorCode, message: string, hint: string, opts: { cause?: unknown } = {}) {
    super(code, message, hint, opts);
    this.name = 'HomeError';
  }
}

/** True when `e` is a HomeError (with the given code). */
export function isHomeError(e: unknown, code?: HomeErrorCode): e is HomeError {
  return e instanceof HomeError && (code === undefined || e.code === code);
}

/** The identity folder: `flag` (--home), else $PARLEY_HOME, else ~/.parley; always absolute. */
export function resolveHome(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  const chosen = flag || env.PARLEY_HOME || path.join(os.homedir(), '.parley');
  return path.resolve(chosen);
}

/** The files of a home folder. */
export interface HomePaths {
  home: string;
  key: string;
  publicKey: string;
  config: string;
  knownHosts: string;
}

/** The paths of the files of the home folder `home`. Throws nothing. */
export function homePaths(home: string): HomePaths {
  return {
    home,
    key: path.join(home, KEY_FILE),
    publicKey: path.join(home, PUBLIC_KEY_FILE),
    config: path.join(home, CONFIG_FILE),
    knownHosts: path.join(home, KNOWN_HOSTS_FILE),
  };
}

const MAX_FILE = 1 << 20;

/** The `code` of a Node.js system error (ENOENT, EACCES…), if any. */
export function errnoCode(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

/** A file mode's permission bits in octal, e.g. "0644". */
export function modeText(mode: number): string {
  return (mode & 0o777).toString(8).padStart(4, '0');
}

/** Whether file modes mean anything here (not on Windows). */
export const checkModes = process.platform !== 'win32';

/**
 * Creates the home folder (mode 0700) if needed; returns warnings about an existing one.
 * Throws HomeError HOME_NOT_DIRECTORY or HOME_UNUSABLE.
 */
export function ensureHome(home: string): string[] {
  let st;
  try {
    st = statSync(home);
  } catch (e) {
    if (errnoCode(e) !== 'ENOENT') throw homeUnusable(home, e);
    try {
      mkdirSync(home, { recursive: true, mode: 0o700 });
      chmodSync(home, 0o700);
    } catch (e2) {
      throw homeUnusable(home, e2);
    }
    return [];
  }
  if (!st.isDirectory())
    throw new HomeError('HOME_NOT_DIRECTORY', `${home} is not a folder`, 'give another folder with --home or PARLEY_HOME, or move that file away');
  if (checkModes && (st.mode & 0o077) !== 0)
    return [`${home} is accessible by other users (mode ${modeText(st.mode)}); run: chmod 700 ${home}`];
  return [];
}

function homeUnusable(home: string, e: unknown): HomeError {
  const why = errnoCode(e) === 'EACCES' || errnoCode(e) === 'EPERM' ? 'permission denied' : (e as Error).message;
  return new HomeError('HOME_UNUSABLE', `cannot use ${home} as the parley folder (${why})`, 'check its permissions, or choose another folder with --home', {
    cause: e,
  });
}

/**
 * Reads a small file; undefined when it does not exist. Any other failure (and a file over
 * 1 MiB) throws what `onError` makes of it.
 */
export function readSmall(file: string, onError: (e: unknown) => HomeError): Buffer | undefined {
  try {
    const st = statSync(file);
    if (st.isFile() && st.size > MAX_FILE) throw Object.assign(new Error(`${file} is too large (${st.size} bytes)`), { code: 'EFBIG' });
    return readFileSync(file);
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return undefined;
    throw onError(e);
  }
}

/** Why a file operation failed, in words for a message. */
export function why(e: unknown): string {
  switch (errnoCode(e)) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a folder';
    case 'EFBIG':
      return 'it is far too large';
    default:
      return e instanceof Error ? e.message : String(e);
  }
}

/** The HomeError WRITE_FAILED for `file`. */
export function writeFailed(file: string, e: unknown): HomeError {
  return new HomeError('WRITE_FAILED', `cannot write ${file} (${why(e)})`, 'check the permissions of the parley folder and the free space', { cause: e });
}
