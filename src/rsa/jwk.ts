/**
 * RSA keys as JSON Web Keys (RFC 7517, RFC 7518 §6.3): kty "RSA" with Base64urlUInt members.
 * Reading is strict: base64url without padding, minimal integers (RFC 7518 §2), all CRT members
 * for a private key (RFC 7518 §6.3.2); multi-prime ("oth") keys are not supported.
 */
import { bytesToBase64, base64ToBytes } from './bytes.js';
import { byteLength, i2osp, os2ip } from './bigint.js';
import { rsaError } from './errors.js';
import {
  assertPrivateKey, assertPublicKey, privateKeyFromComponents, publicKeyFromComponents,
  type KeyCheckOptions, type RsaPrivateKey, type RsaPublicKey,
} from './key.js';

/** An RSA JSON Web Key (compatible with the DOM JsonWebKey type). */
export interface RsaJwk {
  kty: 'RSA';
  n: string;
  e: string;
  d?: string;
  p?: string;
  q?: string;
  dp?: string;
  dq?: string;
  qi?: string;
  [member: string]: unknown;
}

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi'] as const;

/** RFC 7518 §2: Base64urlUInt, the minimal big-endian bytes of the integer in base64url without padding. */
function encodeUInt(x: bigint): string {
  return bytesToBase64(i2osp(x, Math.max(1, byteLength(x))), true);
}

function decodeUInt(jwk: Record<string, unknown>, member: string): bigint {
  const v = jwk[member];
  if (typeof v !== 'string') throw rsaError('RSA_INVALID_FORMAT', `JWK member "${member}" must be a string`);
  if (!/^[A-Za-z0-9_-]+$/.test(v)) throw rsaError('RSA_INVALID_FORMAT', `JWK member "${member}" is not base64url without padding`);
  let bytes: Uint8Array;
  try {
    bytes = base64ToBytes(v);
  } catch (e) {
    throw rsaError('RSA_INVALID_FORMAT', `JWK member "${member}" is not valid base64url`, e);
  }
  if (bytesToBase64(bytes, true) !== v) throw rsaError('RSA_INVALID_FORMAT', `JWK member "${member}" is non-canonical base64url`);
  if (bytes.length > 1 && bytes[0] === 0)
    throw rsaError('RSA_INVALID_FORMAT', `JWK member "${member}" has leading zero bytes (RFC 7518 §2 requires the minimum)`);
  return os2ip(bytes);
}

/**
 * The JWK of a key: kty, n, e, and for a private key d, p, q, dp, dq, qi (RFC 7518 §6.3).
 * Throws RSA_INVALID_ARGUMENT when `key` is not a key made by this module.
 */
export function exportJwk(key: RsaPublicKey | RsaPrivateKey): RsaJwk {
  if (key && typeof key === 'object' && key.type === 'private') assertPrivateKey(key);
  else assertPublicKey(key);
  const jwk: RsaJwk = { kty: 'RSA', n: encodeUInt(key.n), e: encodeUInt(key.e) };
  if (key.type === 'private') for (const m of PRIVATE_MEMBERS) jwk[m] = encodeUInt(key[m]);
  return jwk;
}

/**
 * Reads an RSA JWK (an object, or its JSON text) into a public key, or a private key when it has
 * "d". Throws RSA_INVALID_FORMAT for invalid JSON, a non-RSA kty, missing or malformed members,
 * or a partial set of CRT members; RSA_UNSUPPORTED for "oth" (multi-prime) or a private key
 * without p, q, dp, dq, qi; and the errors of public/privateKeyFromComponents.
 */
export function importJwk(jwk: unknown, opts?: KeyCheckOptions): RsaPublicKey | RsaPrivateKey {
  if (typeof jwk === 'string') {
    try {
      jwk = JSON.parse(jwk) as unknown;
    } catch (e) {
      throw rsaError('RSA_INVALID_FORMAT', 'JWK text is not valid JSON', e);
    }
  }
  if (!jwk || typeof jwk !== 'object' || Array.isArray(jwk)) throw rsaError('RSA_INVALID_FORMAT', 'a JWK must be a JSON object');
  const o = jwk as Record<string, unknown>;
  if (typeof o.kty !== 'string') throw rsaError('RSA_INVALID_FORMAT', 'JWK has no "kty" member');
  // RFC 7518 §6.1: "RSA" is the key type of RSA keys
  if (o.kty !== 'RSA') throw rsaError('RSA_INVALID_FORMAT', `not an RSA key (JWK kty "${o.kty}")`);
  // RFC 7518 §6.3.2.7: "oth" carries the third and further primes
  if (o.oth !== undefined) throw rsaError('RSA_UNSUPPORTED', 'multi-prime RSA keys are not supported');
  const n = decodeUInt(o, 'n');
  const e = decodeUInt(o, 'e');
  const present = PRIVATE_MEMBERS.filter((m) => o[m] !== undefined);
  if (present.length === 0) return publicKeyFromComponents({ n, e }, opts);
  if (o.d === undefined) throw rsaError('RSA_INVALID_FORMAT', `JWK has private members (${present.join(', ')}) but no "d"`);
  // RFC 7518 §6.3.2: if any of p, q, dp, dq, qi is present, all of them must be
  if (present.length === 1)
    throw rsaError('RSA_UNSUPPORTED', 'private JWKs without the CRT members p, q, dp, dq, qi are not supported');
  if (present.length !== PRIVATE_MEMBERS.length) {
    const missing = PRIVATE_MEMBERS.filter((m) => o[m] === undefined);
    throw rsaError('RSA_INVALID_FORMAT', `private JWK is missing ${missing.map((m) => `"${m}"`).join(', ')}`);
  }
  const [d, p, q, dp, dq, qi] = PRIVATE_MEMBERS.map((m) => decodeUInt(o, m)) as [bigint, bigint, bigint, bigint, bigint, bigint];
  return privateKeyFromComponents({ n, e, d, p, q, dp, dq, qi }, opts);
}
