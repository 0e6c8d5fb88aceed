/**
 * The key files of the identity folder: `key`, the user's RSA private key (PKCS#8 PEM, mode
 * 0600; "ENCRYPTED PRIVATE KEY" (PBES2) when created with a passphrase), refused when other
 * users may read or replace it; and `key.pub`, its public key (SPKI PEM, mode 0644), rewritten
 * from `key` when missing or stale.
 */
import { readFileSync, statSync } from 'node:fs';
import { isRsaError } from '../rsa/errors.js';
import type { RsaPrivateKey } from '../rsa/key.js';
import { exportPublicKeyPem, importPrivateKey } from '../rsa/keyfile.js';
import { writeFileAtomicSync } from './fsutil.js';
import type { IdentityOptions } from './home.js';
import { checkModes, errnoCode, HomeError, modeText, readSmall, why, writeFailed, type HomePaths } from './home-folder.js';

/** Bits of the key generated on first run. */
export const IDENTITY_KEY_BITS = 2048;

const MAX_PASSPHRASE_ATTEMPTS = 3;

/**
 * Reads `key`; undefined when it does not exist. Throws HomeError KEY_INSECURE (readable or
 * writable by other users) or KEY_UNREADABLE.
 */
export function readKeyFile(p: HomePaths): Buffer | undefined {
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
}

function isEncryptedPem(data: Buffer): boolean {
  return data.subarray(0, 4096).toString('latin1').includes('-----BEGIN ENCRYPTED PRIVATE KEY-----');
}

/** The HomeError KEY_CORRUPT for `key` of `p`. */
export function keyCorrupt(p: HomePaths, detail: string, cause?: unknown): HomeError {
  return new HomeError(
    'KEY_CORRUPT',
    `${p.key} is not a valid RSA private key (${detail})`,
    `restore it from a backup; or, to start over with a new identity (your name then belongs to the old key on servers you used), move ${p.home} away`,
    { cause },
  );
}

/**
 * Opens the existing key file (its contents `data`), asking for the passphrase when it is
 * encrypted and none was given. Throws HomeError KEY_CORRUPT, PASSPHRASE_REQUIRED or BAD_PASSPHRASE.
 */
export async function loadKey(p: HomePaths, data: Buffer, opts: IdentityOptions): Promise<{ key: RsaPrivateKey; encrypted: boolean }> {
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

/**
 * Writes key.pub when it is missing or does not match `key`; returns a warning when it was stale.
 * Throws HomeError WRITE_FAILED.
 */
export function ensurePublicKey(p: HomePaths, key: RsaPrivateKey): string[] {
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
