/**
 * The identity folder of `parley chat` (default ~/.parley; PARLEY_HOME or --home choose
 * another, so several identities can live side by side):
 *
 *   key          the user's RSA private key, PKCS#8 PEM, mode 0600; "ENCRYPTED PRIVATE KEY"
 *                (PBES2) when created with a passphrase
 *   key.pub      its public key, SPKI PEM, mode 0644 (rewritten from `key` if missing or stale)
 *   config.json  {"name": "alice"}, mode 0600; unknown fields are kept when it is updated; the
 *                name is written once a server accepted it (rememberName), not before
 *   known_hosts  pinned server keys (see pins.ts)
 *
 * The folder is created with mode 0700. On first run a 2048-bit key is generated; later runs
 * load it. Every problem is a HomeError: a ClientError (src/client/errors.ts) with a stable
 * `code` saying what went wrong and a hint saying what to do (the CLI prints it as one line
 * `parley: message; hint`).
 *
 * This file loads or creates the identity; the folder, its paths and HomeError are in
 * home-folder.ts, config.json and the name in home-config.ts, the key files in home-key.ts
 * (their public names are re-exported here).
 */
import { lstatSync } from 'node:fs';
import path from 'node:path';
import { fingerprint } from '../rsa/fingerprint.js';
import type { RsaPrivateKey } from '../rsa/key.js';
import { generateKeyPair, type KeygenProgress } from '../rsa/keygen.js';
import { exportEncryptedPrivateKeyPem, exportPrivateKeyPem } from '../rsa/keyfile.js';
import { createFileExclusiveSync } from './fsutil.js';
import { readConfig, resolveName } from './home-config.js';
import { ensureHome, HomeError, homePaths, writeFailed, type HomePaths } from './home-folder.js';
import { ensurePublicKey, IDENTITY_KEY_BITS, keyCorrupt, loadKey, readKeyFile } from './home-key.js';

export { MAX_NAME_ATTEMPTS, NAME_RULE, nameProblem, quoteName, rememberName } from './home-config.js';
export {
  CONFIG_FILE,
  HomeError,
  homePaths,
  isHomeError,
  KEY_FILE,
  KNOWN_HOSTS_FILE,
  PUBLIC_KEY_FILE,
  resolveHome,
  type HomeErrorCode,
  type HomePaths,
} from './home-folder.js';
export { IDENTITY_KEY_BITS } from './home-key.js';

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
  /**
   * True when config.json already holds `name`. When false (a new name from --name or the
   * prompt), call rememberName once a server accepted the name.
   */
  nameSaved: boolean;
  paths: HomePaths;
  /** Things worth telling the user that did not stop loading (a folder open to others, a repaired key.pub). */
  warnings: string[];
}

/** Options of loadOrCreateIdentity. */
export interface IdentityOptions {
  /** The name to use (--name): validated; remembered in config.json by rememberName once a server accepts it. */
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

/**
 * Loads the identity of `home`, creating it on first run: the folder (0700), a new 2048-bit key
 * (`key`, 0600, encrypted when `passphrase` is given; `key.pub`). The name comes from
 * `opts.name`, else config.json, else `opts.prompt` (re-asked, saying why, while invalid); a new
 * name is not written to config.json (`nameSaved` false): rememberName does that once a server
 * accepted it.
 * Two processes starting at once in an empty home end up with the same key.
 * Throws HomeError (see HomeErrorCode).
 */
export async function loadOrCreateIdentity(home: string, opts: IdentityOptions): Promise<Identity> {
  const p = homePaths(path.resolve(home));
  const warnings = ensureHome(p.home);
  const cfg = readConfig(p);

  let data = readKeyFile(p);
  if (data !== undefined) {
    const name = await resolveName(cfg, opts);
    const { key, encrypted } = await loadKey(p, data, opts);
    warnings.push(...ensurePublicKey(p, key));
    return { name, key, fingerprint: fingerprint(key.publicKey), created: false, encrypted, nameSaved: cfg.name === name, paths: p, warnings };
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

  const name = await resolveName(cfg, opts);
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
    data = readKeyFile(p);
    if (data === undefined) throw keyCorrupt(p, 'it vanished while being created');
    const loaded = await loadKey(p, data, opts);
    warnings.push(...ensurePublicKey(p, loaded.key));
    return { name, key: loaded.key, fingerprint: fingerprint(loaded.key.publicKey), created: false, encrypted: loaded.encrypted, nameSaved: cfg.name === name, paths: p, warnings };
  }
  warnings.push(...ensurePublicKey(p, key));
  return { name, key, fingerprint: fingerprint(key.publicKey), created: true, encrypted, nameSaved: cfg.name === name, paths: p, warnings };
}
