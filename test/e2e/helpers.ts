/**
 * Shared fixtures of the end-to-end tests: distinct RSA identities (made by OpenSSL, cached in
 * the OS temporary folder by test/reliability/lib/keys.ts so a 200-member room does not regenerate
 * them every run), hex helpers and an assertion on E2EError codes.
 */
import assert from 'node:assert/strict';
import { isE2EError, type E2EErrorCode } from '../../src/e2e/errors.js';
import { bytesToHex, hexToBytes, type RsaPrivateKey } from '../../src/rsa/index.js';
import { keyPool } from '../reliability/lib/keys.js';

export const hex = (b: Uint8Array): string => bytesToHex(b);
export const unhex = (h: string): Uint8Array => hexToBytes(h);
export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

/** `n` distinct 2048-bit identities. */
export function identities(n: number): Promise<RsaPrivateKey[]> {
  return keyPool(n);
}

/** Asserts that `fn` throws an E2EError with `code`. */
export function throwsCode(fn: () => unknown, code: E2EErrorCode): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isE2EError(e), `expected E2EError ${code}, got ${String(e)}`);
    assert.equal(e.code, code);
    return true;
  });
}

/** A copy of `b` with byte `i` XORed with `mask`. */
export function flip(b: Uint8Array, i: number, mask = 0x01): Uint8Array {
  const c = b.slice();
  c[i] = c[i]! ^ mask;
  return c;
}
