/**
 * Safety numbers (docs/E2E.md §Safety numbers), computed as Signal's numeric fingerprints
 * (libsignal fingerprint.rs, version 0): for each party
 *
 *   h = 0x0000 ‖ key ‖ id;  5,200 times: h = SHA-512(h ‖ key)
 *   digits = six 5-byte big-endian chunks of h[0..30), each mod 100,000, as 5 digits
 *
 * where key = the party's RSA identity SPKI DER and id = its name in UTF-8. The two 30-digit
 * strings in ascending order make the 60-digit safety number, the same on both sides; it is shown
 * in 12 groups of 5. It changes when either key (or name) changes.
 */
import { concat, utf8 } from './codec.js';
import type { E2ECrypto } from './crypto.js';
import { e2eError } from './errors.js';

/** SHA-512 iterations per party (Signal's value). */
export const SAFETY_NUMBER_ITERATIONS = 5200;
/** Version prefix of the hash input (Signal's version 0). */
const VERSION = Uint8Array.of(0, 0);

/** One party: the name and the RSA identity SPKI DER. */
export interface SafetyParty {
  name: string;
  spki: Uint8Array;
}

/** The 30 digits of one party. Throws 'e2e_invalid_argument' for an empty name or key. */
export function partyDigits(crypto: E2ECrypto, p: SafetyParty, iterations = SAFETY_NUMBER_ITERATIONS): string {
  if (typeof p.name !== 'string' || p.name === '' || !(p.spki instanceof Uint8Array) || p.spki.length === 0) throw e2eError('e2e_invalid_argument', 'a safety number needs a name and a key');
  let h = concat(VERSION, p.spki, utf8(p.name));
  for (let i = 0; i < iterations; i++) h = crypto.sha512(concat(h, p.spki)); // FIPS 180-4
  let out = '';
  for (let c = 0; c < 6; c++) {
    let x = 0;
    for (let j = 0; j < 5; j++) x = x * 256 + h[5 * c + j]!; // 40 bits: exact in a double
    out += String(x % 100_000).padStart(5, '0');
  }
  return out;
}

/** The 60-digit safety number of two parties (order-independent). Throws as partyDigits. */
export function safetyNumber(crypto: E2ECrypto, a: SafetyParty, b: SafetyParty): string {
  const da = partyDigits(crypto, a);
  const db = partyDigits(crypto, b);
  return da < db ? da + db : db + da;
}

/** `digits` in groups of 5 separated by spaces, 4 groups per line when `lines` is true. */
export function formatSafetyNumber(digits: string, lines = false): string {
  const groups = digits.match(/\d{1,5}/g) ?? [];
  if (!lines) return groups.join(' ');
  const rows: string[] = [];
  for (let i = 0; i < groups.length; i += 4) rows.push(groups.slice(i, i + 4).join(' '));
  return rows.join('\n');
}
