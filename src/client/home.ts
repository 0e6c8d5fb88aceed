/**
 * The identity folder of `parley chat` (default ~/.parley; PARLEY_HOME or --home choose
 * another, so several identities can live side by side):
 *
 *   key          the user's RSA private key, PKCS#8 PEM, mode 0600; "ENCRYPTED PRIVATE KEY"
 *                (PBES2) when created with a passphrase
 *   key.pub      its public key, SPKI PEM, mode 0644 (rewritten from `key` if missing or stale)
 *   config.json  {"name": "alice"}, mode 0600; unknown fields are kept when it is updated
 *   known_hosts  pinned server keys (see pins.ts)
 *
 * The folder is created with mode 0700. On first run a 2048-bit key is generated; later runs
 * load it. Every problem is a HomeError: a CliError (one line `parley: message; hint`) with a
 * stable `code` saying what went wrong, and a hint saying what to do.
 */
import { chmodSync, lstatSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NAME_RE } from '../chat/events.js';
import { CliError, EXIT_FAILURE, EXIT_USAGE } from '../cli/errors.js';
import { isRsaError } from '../rsa/errors.js';
import { fingerprint } from '../rsa/fingerprint.js';
import type { RsaPrivateKey } from '../rsa/key.js';
import { generateKeyPair, type KeygenProgress } from '../rsa/keygen.js';
import { exportEncryptedPrivateKeyPem, exportPrivateKeyPem, exportPublicKeyPem, importPrivateKey } from '../rsa/keyfile.js';
import { createFileExclusiveSync, writeFileAtomicSync } from './fsutil.js';

export const KEY_FILE = 'key';
export const PUBLIC_KEY_FILE = 'key.pub';
export const CONFIG_FILE = 'config.json';
export const KNOWN_HOSTS_FILE = 'known_hosts';
/** Bits of the key generated on first run. */
export const IDENTITY_KEY_BITS = 2048;

/** What the rules for names are, for messages. */
export const NAME_RULE = 'a name is 1–32 of A–Z a–z 0–9 _ . -';

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

/** An identity-folder problem: `parley: message; hint`, exit 1 (2 for an invalid --name). */
export class HomeError extends CliError {
  readonly code: HomeErrorCode;
  constructor(code: HomeErrorCode, message: string, hint: string, opts: { cause?: unknown; exitCode?: number } = {}) {
    super(message, { hint, exitCode: opts.exitCode ?? EXIT_FAILURE, cause: opts.cause });
    this.name = 'HomeError';
    this.code = code;
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

export function homePaths(home: string): HomePaths {
  return {
    home,
    key: path.join(home, KEY_FILE),
    publicKey: path.join(home, PUBLIC_KEY_FILE),
    config: path.join(home, CONFIG_FILE),
    knownHosts: path.join(home, KNOWN_HOSTS_FILE),
  };
}

/** A loaded identity. */
export interface Identity {
  name: string;
  key: RsaPrivateKey;
  /** "SHA256:…" of the public key, as `parley fingerprint key.pub` prints it. */
  fingerprint: string;
  /** True when this call generated the key (first run). */
  created: boolean;
  /** True when `key` is stored encrypted with a passphrase. */
  encrypted: boolean;
  paths: HomePaths;
  /** Things worth telling the user that did not stop loading (a folder open to others, a repaired key.pub). */
  warnings: string[];
}

/** Options of loadOrCreateIdentity. */
export interface IdentityOptions {
  /** The name to use (--name): validated, and remembered in config.json. */
  name?: string;
  /** Encrypts a new key / opens an encrypted one. */
  passphrase?: string;
  /** May the user be asked (stdin is a terminal)? Without it a missing name is an error. */
  interactive: boolean;
  /** Asks a question on the terminal and resolves to the answer, or null on end of input. */
  prompt?: (question: string) => Promise<string | null>;
  /** Asks for the passphrase of an encrypted key without echo; null on end of input. */
  askPassphrase?: (question: string) => Promise<string | null>;
  /** Called once before a key is generated (first run): show "generating…" here. */
  onKeygenStart?: (bits: number) => void;
  /** Progress of key generation, called synchronously and often: keep it cheap. */
  onProgress?: (p: KeygenProgress) => void;
  /** The key generator (default generateKeyPair, 2048 bits); tests and worker threads replace it. */
  generateKey?: (onProgress?: (p: KeygenProgress) => void) => RsaPrivateKey | Promise<RsaPrivateKey>;
}

const MAX_NAME_ATTEMPTS = 5;
const MAX_PASSPHRASE_ATTEMPTS = 3;
const MAX_FILE = 1 << 20;

function errnoCode(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

function modeText(mode: number): string {
  return (mode & 0o777).toString(8).padStart(4, '0');
}

const checkModes = process.platform !== 'win32';

/** Creates the home folder (mode 0700) if needed; returns warnings about an existing one. */
function ensureHome(home: string): string[] {
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

/** Reads a small file; undefined when it does not exist. */
function readSmall(file: string, onError: (e: unknown) => HomeError): Buffer | undefined {
  try {
    const st = statSync(file);
    if (st.isFile() && st.size > MAX_FILE) throw Object.assign(new Error(`${file} is too large (${st.size} bytes)`), { code: 'EFBIG' });
    return readFileSync(file);
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return undefined;
    throw onError(e);
  }
}

function why(e: unknown): string {
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

/** config.json: a JSON object; `name`, when present, a valid name. Unknown fields are kept. */
type Config = Record<string, unknown> & { name?: string };

function readConfig(p: HomePaths): Config {
  const raw = readSmall(
    p.config,
    (e) =>
      new HomeError('CONFIG_UNREADABLE', `cannot read ${p.config} (${why(e)})`, 'check its permissions, or delete it (parley will ask for your name again)', {
        cause: e,
      }),
  );
  if (raw === undefined) return {};
  const corrupt = (what: string): HomeError =>
    new HomeError('CONFIG_CORRUPT', `${p.config} is damaged: ${what}`, `fix it (it should read {"name": "yourname"}) or delete it and parley will ask for your name again`);
  let cfg: unknown;
  try {
    cfg = JSON.parse(raw.toString('utf8'));
  } catch (e) {
    throw corrupt(`not valid JSON (${(e as Error).message})`);
  }
  if (typeof cfg !== 'object' || cfg === null || Array.isArray(cfg)) throw corrupt('not a JSON object');
  const name = (cfg as Config).name;
  if (name !== undefined && (typeof name !== 'string' || !NAME_RE.test(name))) throw corrupt(`"name" is not a valid name (${NAME_RULE})`);
  return cfg as Config;
}

function writeConfig(p: HomePaths, cfg: Config): void {
  try {
    writeFileAtomicSync(p.config, `${JSON.stringify(cfg, null, 2)}\n`, 0o600);
  } catch (e) {
    throw writeFailed(p.config, e);
  }
}

function writeFailed(file: string, e: unknown): HomeError {
  return new HomeError('WRITE_FAILED', `cannot write ${file} (${why(e)})`, 'check the permissions of the parley folder and the free space', { cause: e });
}

/**
 * Remembers `name` in config.json of `home` (keeping its other fields); for a caller that lets
 * the user pick another name after the server said `name_taken`. Throws INVALID_NAME.
 */
export function rememberName(home: string, name: string): void {
  if (!NAME_RE.test(name)) throw invalidName(name, '--name');
  const p = homePaths(home);
  ensureHome(home);
  const cfg = readConfig(p);
  if (cfg.name !== name) writeConfig(p, { ...cfg, name });
}

function invalidName(name: string, source: string): HomeError {
  return new HomeError('INVALID_NAME', `'${name}' is not a valid name`, `${NAME_RULE}; check ${source}`, { exitCode: EXIT_USAGE });
}

/** The name: --name, else config.json, else asked on the terminal; remembered when new. */
async function resolveName(p: HomePaths, cfg: Config, opts: IdentityOptions): Promise<string> {
  let name: string | undefined;
  if (opts.name !== undefined) {
    if (!NAME_RE.test(opts.name)) throw invalidName(opts.name, '--name');
    name = opts.name;
  } else if (cfg.name !== undefined) {
    name = cfg.name;
  } else if (opts.interactive && opts.prompt) {
    let question = 'Choose your name (1–32 of A–Z a–z 0–9 _ . -): ';
    for (let i = 0; i < MAX_NAME_ATTEMPTS && name === undefined; i++) {
      const answer = await opts.prompt(question);
      if (answer === null) break;
      const a = answer.trim();
      if (NAME_RE.test(a)) name = a;
      else question = `'${a}' is not a valid name (${NAME_RULE}). Your name: `;
    }
    if (name === undefined) throw new HomeError('NAME_REQUIRED', 'no name chosen', 'run again and type a name, or give one with --name NAME');
  } else {
    throw new HomeError('NAME_REQUIRED', 'no name is known for this identity', 'give one with --name NAME (it is remembered in the parley folder)');
  }
  if (cfg.name !== name) writeConfig(p, { ...cfg, name });
  return name;
}

function isEncryptedPem(data: Buffer): boolean {
  return data.subarray(0, 4096).toString('latin1').includes('-----BEGIN ENCRYPTED PRIVATE KEY-----');
}

function keyCorrupt(p: HomePaths, detail: string, cause?: unknown): HomeError {
  return new HomeError(
    'KEY_CORRUPT',
    `${p.key} is not a valid RSA private key (${detail})`,
    `restore it from a backup; or, to start over with a new identity (your name then belongs to the old key on servers you used), move ${p.home} away`,
    { cause },
  );
}

/** Opens the existing key file. */
async function loadKey(p: HomePaths, data: Buffer, opts: IdentityOptions): Promise<{ key: RsaPrivateKey; encrypted: boolean }> {
  const encrypted = isEncryptedPem(data);
  if (!encrypted) {
    try {
      return { key: await importPrivateKey(data), encrypted };
    } catch (e) {
      throw keyCorrupt(p, isRsaError(e) ? e.message : String(e), e);
    }
  }
  let passphrase = opts.passphrase;
  let attempts = 0;
  for (;;) {
    if (passphrase === undefined) {
      if (opts.interactive && opts.askPassphrase && attempts < MAX_PASSPHRASE_ATTEMPTS) {
        const answer = await opts.askPassphrase(attempts === 0 ? `Passphrase for ${p.key}: ` : `Wrong passphrase. Passphrase for ${p.key}: `);
        if (answer !== null && answer !== '') passphrase = answer;
      }
      if (passphrase === undefined)
        throw new HomeError(
          'PASSPHRASE_REQUIRED',
          `${p.key} is encrypted with a passphrase`,
          attempts === 0 ? 'give it with --passphrase-file FILE (the passphrase is the first line of FILE)' : 'run again with the right passphrase',
        );
    }
    attempts++;
    try {
      return { key: await importPrivateKey(data, { passphrase }), encrypted };
    } catch (e) {
      if (!isRsaError(e, 'RSA_BAD_PASSPHRASE')) throw keyCorrupt(p, isRsaError(e) ? e.message : String(e), e);
      if (opts.passphrase === undefined && opts.interactive && opts.askPassphrase && attempts < MAX_PASSPHRASE_ATTEMPTS) {
        passphrase = undefined;
        continue;
      }
      throw new HomeError('BAD_PASSPHRASE', `wrong passphrase for ${p.key}`, 'check the passphrase (the first line of the --passphrase-file FILE)', { cause: e });
    }
  }
}

/** Writes key.pub when it is missing or does not match `key`; returns a warning when it was stale. */
function ensurePublicKey(p: HomePaths, key: RsaPrivateKey): string[] {
  const pem = exportPublicKeyPem(key.publicKey, 'spki');
  let current: string | undefined;
  try {
    current = readFileSync(p.publicKey, 'utf8');
  } catch {
    current = undefined;
  }
  if (current === pem) return [];
  try {
    writeFileAtomicSync(p.publicKey, pem, 0o644);
  } catch (e) {
    throw writeFailed(p.publicKey, e);
  }
  return current === undefined ? [] : [`${p.publicKey} did not match ${p.key}; it was rewritten from the private key`];
}

/**
 * Loads the identity of `home`, creating it on first run: the folder (0700), a new 2048-bit key
 * (`key`, 0600, encrypted when `passphrase` is given; `key.pub`), and config.json with the name.
 * The name comes from `opts.name`, else config.json, else `opts.prompt` (re-asked while invalid).
 * Two processes starting at once in an empty home end up with the same key.
 * Throws HomeError (see HomeErrorCode).
 */
export async function loadOrCreateIdentity(home: string, opts: IdentityOptions): Promise<Identity> {
  const p = homePaths(path.resolve(home));
  const warnings = ensureHome(p.home);
  const cfg = readConfig(p);

  const readKey = (): Buffer | undefined => {
    // like ssh, refuse a private key that other users may read or replace
    try {
      const st = statSync(p.key);
      if (checkModes && st.isFile() && (st.mode & 0o077) !== 0)
        throw new HomeError('KEY_INSECURE', `${p.key} is accessible by other users (mode ${modeText(st.mode)})`, `a private key must be private: run chmod 600 ${p.key}`);
    } catch (e) {
      if (e instanceof HomeError) throw e;
      if (errnoCode(e) === 'ENOENT') return undefined;
    }
    return readSmall(
      p.key,
      (e) => new HomeError('KEY_UNREADABLE', `cannot read ${p.key} (${why(e)})`, 'check that it is a file you can read (chmod 600), or choose another folder with --home', { cause: e }),
    );
  };

  let data = readKey();
  if (data !== undefined) {
    const name = await resolveName(p, cfg, opts);
    const { key, encrypted } = await loadKey(p, data, opts);
    warnings.push(...ensurePublicKey(p, key));
    return { name, key, fingerprint: fingerprint(key.publicKey), created: false, encrypted, paths: p, warnings };
  }

  // first run — unless the identity was lost, which must not silently become a new one
  let pubExists = false;
  try {
    lstatSync(p.publicKey);
    pubExists = true;
  } catch {
    pubExists = false;
  }
  if (pubExists)
    throw new HomeError(
      'KEY_MISSING',
      `${p.publicKey} exists but the private key ${p.key} is missing`,
      `restore ${p.key} from a backup; or, to create a new identity, delete ${p.publicKey} (your name then belongs to the old key on servers you used)`,
    );

  const name = await resolveName(p, cfg, opts);
  opts.onKeygenStart?.(IDENTITY_KEY_BITS);
  const generate = opts.generateKey ?? ((onProgress) => generateKeyPair({ bits: IDENTITY_KEY_BITS, onProgress }));
  const key = await generate(opts.onProgress);
  const encrypted = opts.passphrase !== undefined;
  const pem = encrypted ? await exportEncryptedPrivateKeyPem(key, opts.passphrase!) : exportPrivateKeyPem(key, 'pkcs8');
  let created: boolean;
  try {
    created = createFileExclusiveSync(p.key, pem, 0o600);
  } catch (e) {
    throw writeFailed(p.key, e);
  }
  if (!created) {
    // another parley created the identity meanwhile: use that one
    data = readKey();
    if (data === undefined) throw keyCorrupt(p, 'it vanished while being created');
    const loaded = await loadKey(p, data, opts);
    warnings.push(...ensurePublicKey(p, loaded.key));
    return { name, key: loaded.key, fingerprint: fingerprint(loaded.key.publicKey), created: false, encrypted: loaded.encrypted, paths: p, warnings };
  }
  warnings.push(...ensurePublicKey(p, key));
  return { name, key, fingerprint: fingerprint(key.publicKey), created: true, encrypted, paths: p, warnings };
}
