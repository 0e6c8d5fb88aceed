/**
 * The server's RSA key in its data folder (<data>/server_key, PKCS#8 PEM, and server_key.pub):
 * made on first start, refused when group or others can read or change it (as OpenSSH refuses
 * an unprotected private key), and optionally encrypted with a passphrase (PBES2, as
 * `parley keygen --passphrase-file` writes).
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { isRsaError } from '../rsa/errors.js';
import type { RsaPrivateKey } from '../rsa/key.js';
import { exportEncryptedPrivateKeyPem, exportPrivateKeyPem, exportPublicKeyPem, pssParamsOfKey } from '../rsa/keyfile.js';
import { failure, fileError } from './errors.js';
import { exists, loadPrivateKey, readPassphraseFile, writeNewFile, type KeyLimits } from './io.js';
import { generateWithProgress } from './keygen.js';

/** The name of the server's private key file in the data folder. */
export const SERVER_KEY_FILE = 'server_key';

/** How the server key is protected: a passphrase file (--key-passphrase-file) and the KDF bound. */
export interface ServerKeyOptions {
  /** The first line of this file is the key's passphrase; a new key is written encrypted. */
  passphraseFile?: string;
  /** --max-kdf-iterations: the PBKDF2 bound for opening the key (default: the RSA module's). */
  maxKdfIterations?: number;
}

/** `file` quoted for a POSIX shell when it needs it, so that the hint can be pasted as is. */
function shellQuote(file: string): string {
  return /^[\w@%+=:,./-]+$/.test(file) ? file : `'${file.replace(/'/g, `'\\''`)}'`;
}

/**
 * Throws a CliError (exit 1) when the key file's mode lets group or others read, write or run it
 * (mode & 0o077, as OpenSSH checks private keys), saying to run `chmod 600 FILE`. Not on Windows,
 * whose permissions are not mode bits. `option` (--data, --key) names where the path came from.
 */
export async function assertPrivateFileMode(file: string, option = '--data'): Promise<void> {
  if (process.platform === 'win32') return;
  let mode: number;
  try {
    ({ mode } = await stat(file));
  } catch (e) {
    throw fileError(e, file, option);
  }
  if ((mode & 0o077) === 0) return;
  const octal = (mode & 0o777).toString(8).padStart(4, '0');
  throw failure(
    `the server key ${file} has mode ${octal}: group or others can read or change it, so the server will not use it`,
    option === '--key'
      ? `run 'chmod 600 ${shellQuote(file)}' (and if others may have read it, make a new key with 'parley keygen --out FILE' and give it to every node)`
      : `run 'chmod 600 ${shellQuote(file)}' (and if others may have read it, make a new key: move it away and restart)`,
  );
}

/** True when a key file is encrypted PKCS#8 (read without validating the key's numbers). */
function isEncryptedKey(data: Uint8Array): boolean {
  try {
    pssParamsOfKey(data);
    return false;
  } catch (e) {
    return isRsaError(e, 'RSA_BAD_PASSPHRASE');
  }
}

/** The key limits of the server key: the option named in messages, and the PBKDF2 bound. */
function limitsOf(opts: ServerKeyOptions): KeyLimits {
  return {
    passphraseOption: '--key-passphrase-file',
    ...(opts.maxKdfIterations !== undefined && { maxKdfIterations: opts.maxKdfIterations }),
  };
}

/**
 * Loads an existing server key file after checking its mode (assertPrivateFileMode) and that a
 * passphrase is given only for an encrypted key. `option` names where the path came from
 * (--data, --key) in messages. Throws CliErrors as loadOrCreateServerKey.
 */
async function loadServerKey(keyFile: string, opts: ServerKeyOptions, option: string): Promise<RsaPrivateKey> {
  await assertPrivateFileMode(keyFile, option);
  if (opts.passphraseFile !== undefined && !isEncryptedKey(new Uint8Array(await readFile(keyFile)))) {
    const f = shellQuote(keyFile);
    throw failure(
      `--key-passphrase-file was given, but the server key ${keyFile} is not encrypted`,
      `start without it, or encrypt the key first: openssl pkcs8 -topk8 -v2 aes-256-cbc -iter 600000 -in ${f} -out ${f}.enc ` +
        `-passout file:${shellQuote(opts.passphraseFile)} && chmod 600 ${f}.enc && mv ${f}.enc ${f}`,
    );
  }
  return loadPrivateKey(keyFile, opts.passphraseFile, option, limitsOf(opts));
}

/**
 * `parley server --key FILE`: loads the server key from FILE (PKCS#8 PEM, encrypted or not, as
 * `parley keygen` writes it) — the one key every node of a cluster shares, so that a client's pin
 * holds whichever node it reaches. Never makes a key: a missing FILE is a CliError (exit 1) that
 * says how to make one. Throws the CliErrors of loadOrCreateServerKey for an existing file
 * (mode open to group or others, passphrase problems, a file that is not a key).
 */
export async function loadServerKeyFile(file: string, opts: ServerKeyOptions = {}): Promise<RsaPrivateKey> {
  if (!(await exists(file))) {
    const enc = opts.passphraseFile === undefined ? '' : ` --passphrase-file ${shellQuote(opts.passphraseFile)}`;
    throw failure(
      `the server key ${file} (--key) does not exist; parley server never makes a key there, since every node of a cluster must load the same one`,
      `make it once with 'parley keygen --out ${shellQuote(file)}${enc}' and copy that file (mode 0600) to every node`,
    );
  }
  return loadServerKey(file, opts, '--key');
}

/**
 * Loads <dir>/server_key, or makes a 2048-bit key there on first start (encrypted with the
 * passphrase when `opts.passphraseFile` is given) with server_key.pub beside it. Throws CliErrors
 * (exit 1) for a key file that group or others can access, an encrypted key without a passphrase,
 * a wrong passphrase, a passphrase given for a key that is not encrypted, and the load errors of
 * loadPrivateKey.
 */
export async function loadOrCreateServerKey(dir: string, opts: ServerKeyOptions = {}): Promise<{ key: RsaPrivateKey; created: boolean }> {
  const keyFile = path.join(dir, SERVER_KEY_FILE);
  if (await exists(keyFile)) return { key: await loadServerKey(keyFile, opts, '--data'), created: false };
  // read the passphrase before the (slow) generation, so that a bad file fails at once
  const passphrase = opts.passphraseFile === undefined ? undefined : await readPassphraseFile(opts.passphraseFile, '--key-passphrase-file');
  process.stderr.write(`first start: generating the server's RSA key in ${dir}${passphrase === undefined ? '' : ' (encrypted with the passphrase)'}\n`);
  const key = await generateWithProgress(2048);
  const pem = passphrase === undefined ? exportPrivateKeyPem(key, 'pkcs8') : await exportEncryptedPrivateKeyPem(key, passphrase);
  await writeNewFile(keyFile, pem, 0o600, false, '--data');
  await writeNewFile(`${keyFile}.pub`, exportPublicKeyPem(key.publicKey), 0o644, false, '--data');
  return { key, created: true };
}
