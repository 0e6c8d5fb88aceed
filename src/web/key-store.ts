/**
 * The user's identity in the browser: the RSA private key as PKCS #8 PEM (RFC 5208 / RFC 5958),
 * encrypted with PBES2 (RFC 8018 §6.2: PBKDF2-HMAC-SHA-256, 600 000 iterations, AES-256-CBC)
 * when the user chose a passphrase, plus the chosen name and the key's fingerprint, in one
 * record of the origin's IndexedDB (see kv.ts). Nothing leaves the browser.
 */
import { NAME_RE } from '../chat/events.js';
import { exportEncryptedPrivateKeyPem, exportPrivateKeyPem, importPrivateKey } from '../rsa/keyfile.js';
import { fingerprint } from '../rsa/fingerprint.js';
import { rsaError } from '../rsa/errors.js';
import type { RsaPrivateKey } from '../rsa/key.js';
import type { KeyValueStore } from './kv.js';

/** The record kept under IDENTITY_KEY. */
export interface StoredIdentity {
  version: 1;
  /** The name to ask the server for (NAME_RE). */
  name: string;
  /** PKCS #8 PEM: "PRIVATE KEY", or "ENCRYPTED PRIVATE KEY" when `encrypted`. */
  pem: string;
  encrypted: boolean;
  /** `SHA256:…` of the public key, shown before unlocking. */
  fingerprint: string;
  /** Modulus size in bits. */
  bits: number;
  /** When it was made, ms since the epoch. */
  created: number;
}

/** Where the identity lives in the store. */
export const IDENTITY_KEY = 'identity';

/** Shortest passphrase accepted (an empty one means "no passphrase"). */
export const MIN_PASSPHRASE_LENGTH = 8;

/** Why `name` is not acceptable, or undefined when it is (NAME_RE of src/chat/events.ts). Never throws. */
export function nameProblem(name: string): string | undefined {
  if (name === '') return 'choose a name';
  return NAME_RE.test(name) ? undefined : 'names are 1–32 characters: letters A–Z a–z, digits, _ . -';
}

/** Why this passphrase pair is not acceptable, or undefined (an empty pair means no passphrase). Never throws. */
export function passphraseProblem(passphrase: string, confirm: string): string | undefined {
  if (passphrase === '' && confirm === '') return undefined;
  if (passphrase.length < MIN_PASSPHRASE_LENGTH) return `use at least ${MIN_PASSPHRASE_LENGTH} characters, or none`;
  return passphrase === confirm ? undefined : 'the two passphrases differ';
}

/** The setup form's field a problem belongs to. */
export type SetupField = 'name' | 'pass' | 'pass2';

/** The passphrase rule, said up front on the setup form (and in its errors). */
export const PASSPHRASE_RULE = `at least ${MIN_PASSPHRASE_LENGTH} characters, or leave both fields empty for none`;

/**
 * Every problem of the setup form, each with the field it belongs to (shown next to that field):
 * the name, a passphrase too short (`pass`), a confirmation that differs (`pass2`). Empty when the
 * form is acceptable. Never throws.
 */
export function setupProblems(name: string, passphrase: string, confirm: string): { field: SetupField; message: string }[] {
  const out: { field: SetupField; message: string }[] = [];
  const n = nameProblem(name);
  if (n) out.push({ field: 'name', message: n.charAt(0).toUpperCase() + n.slice(1) });
  if (passphrase !== '' && passphrase.length < MIN_PASSPHRASE_LENGTH) out.push({ field: 'pass', message: `Too short: use ${PASSPHRASE_RULE}.` });
  else if (passphrase !== confirm) out.push({ field: 'pass2', message: 'The two passphrases differ: type the same one twice.' });
  return out;
}

function isStoredIdentity(v: unknown): v is StoredIdentity {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  return r.version === 1 && typeof r.name === 'string' && NAME_RE.test(r.name) && typeof r.pem === 'string'
    && typeof r.encrypted === 'boolean' && typeof r.fingerprint === 'string' && typeof r.bits === 'number' && typeof r.created === 'number';
}

/**
 * Stores `key` and `name`, the key encrypted under `passphrase` when one is given (non-empty),
 * replacing any previous identity. Returns the record. Throws RsaError RSA_INVALID_ARGUMENT for
 * an invalid name or key, RSA_UNSUPPORTED without WebCrypto (needed for PBES2); rejects with the
 * store's error when storage fails.
 */
export async function saveIdentity(store: KeyValueStore, key: RsaPrivateKey, name: string, passphrase = ''): Promise<StoredIdentity> {
  const problem = nameProblem(name);
  if (problem) throw rsaError('RSA_INVALID_ARGUMENT', problem);
  const encrypted = passphrase !== '';
  const pem = encrypted ? await exportEncryptedPrivateKeyPem(key, passphrase) : exportPrivateKeyPem(key);
  const record: StoredIdentity = {
    version: 1,
    name,
    pem,
    encrypted,
    fingerprint: fingerprint(key),
    bits: key.n.toString(2).length,
    created: Date.now(),
  };
  await store.put(IDENTITY_KEY, record);
  return record;
}

/** The stored identity, or undefined when there is none (or the record is not one we wrote). Rejects when storage fails. */
export async function loadIdentity(store: KeyValueStore): Promise<StoredIdentity | undefined> {
  const v = await store.get<unknown>(IDENTITY_KEY);
  return isStoredIdentity(v) ? v : undefined;
}

/**
 * The private key of a stored identity, decrypted with `passphrase` when it is encrypted.
 * Throws RsaError RSA_BAD_PASSPHRASE for a missing or wrong passphrase, RSA_INVALID_FORMAT for a
 * damaged record, and RSA_INVALID_KEY when the key does not match the recorded fingerprint.
 */
export async function unlockIdentity(stored: StoredIdentity, passphrase = ''): Promise<RsaPrivateKey> {
  if (stored.encrypted && passphrase === '') throw rsaError('RSA_BAD_PASSPHRASE', 'this key is protected by a passphrase: enter it');
  const key = await importPrivateKey(stored.pem, stored.encrypted ? { passphrase } : undefined);
  if (fingerprint(key) !== stored.fingerprint) throw rsaError('RSA_INVALID_KEY', 'the stored key does not match its recorded fingerprint');
  return key;
}

/** Deletes the stored identity (the key is gone for good). Rejects when storage fails. */
export async function forgetIdentity(store: KeyValueStore): Promise<void> {
  await store.delete(IDENTITY_KEY);
}
