/**
 * The one small hash interface of the RSA module, backed by @noble/hashes so that the same
 * code runs in browsers and Node. Names follow the Wycheproof/JOSE spelling ("SHA-256").
 */
import { sha1 } from '@noble/hashes/legacy.js';
import { sha224, sha256, sha384, sha512, sha512_224, sha512_256 } from '@noble/hashes/sha2.js';
import { sha3_224, sha3_256, sha3_384, sha3_512, shake128, shake256 } from '@noble/hashes/sha3.js';
import { rsaError } from './errors.js';

/** Hash algorithm names this module understands. */
export type HashName =
  | 'SHA-1'
  | 'SHA-224'
  | 'SHA-256'
  | 'SHA-384'
  | 'SHA-512'
  | 'SHA-512/224'
  | 'SHA-512/256'
  | 'SHA3-224'
  | 'SHA3-256'
  | 'SHA3-384'
  | 'SHA3-512'
  | 'SHAKE128'
  | 'SHAKE256';

/** A hash function: its name, output length in bytes, and a one-shot digest. */
export interface Hash {
  readonly name: HashName;
  readonly outputLen: number;
  /** Digest of `data`; for SHAKE, `outLen` bytes of output (default outputLen). */
  digest(data: Uint8Array, outLen?: number): Uint8Array;
  /** True for extendable-output functions (SHAKE), usable directly as a PSS mask function. */
  readonly xof: boolean;
  /** DER of the AlgorithmIdentifier OID (RFC 8017 Appendix B.1), for DigestInfo and key files. */
  readonly oid: string;
}

function fixed(name: HashName, fn: (d: Uint8Array) => Uint8Array, outputLen: number, oid: string): Hash {
  return Object.freeze({ name, outputLen, xof: false, oid, digest: (d: Uint8Array) => fn(d) });
}

// RFC 8702 §2: SHAKE128 and SHAKE256 in RSASSA-PSS use 256- and 512-bit outputs.
function xof(name: HashName, fn: typeof shake128, outputLen: number, oid: string): Hash {
  return Object.freeze({
    name,
    outputLen,
    xof: true,
    oid,
    digest: (d: Uint8Array, outLen = outputLen) => fn(d, { dkLen: outLen }),
  });
}

const HASHES: Record<HashName, Hash> = {
  'SHA-1': fixed('SHA-1', sha1, 20, '1.3.14.3.2.26'),
  'SHA-224': fixed('SHA-224', sha224, 28, '2.16.840.1.101.3.4.2.4'),
  'SHA-256': fixed('SHA-256', sha256, 32, '2.16.840.1.101.3.4.2.1'),
  'SHA-384': fixed('SHA-384', sha384, 48, '2.16.840.1.101.3.4.2.2'),
  'SHA-512': fixed('SHA-512', sha512, 64, '2.16.840.1.101.3.4.2.3'),
  'SHA-512/224': fixed('SHA-512/224', sha512_224, 28, '2.16.840.1.101.3.4.2.5'),
  'SHA-512/256': fixed('SHA-512/256', sha512_256, 32, '2.16.840.1.101.3.4.2.6'),
  'SHA3-224': fixed('SHA3-224', sha3_224, 28, '2.16.840.1.101.3.4.2.7'),
  'SHA3-256': fixed('SHA3-256', sha3_256, 32, '2.16.840.1.101.3.4.2.8'),
  'SHA3-384': fixed('SHA3-384', sha3_384, 48, '2.16.840.1.101.3.4.2.9'),
  'SHA3-512': fixed('SHA3-512', sha3_512, 64, '2.16.840.1.101.3.4.2.10'),
  SHAKE128: xof('SHAKE128', shake128, 32, '2.16.840.1.101.3.4.2.11'),
  SHAKE256: xof('SHAKE256', shake256, 64, '2.16.840.1.101.3.4.2.12'),
};

const ALIASES: Record<string, HashName> = {
  SHA1: 'SHA-1',
  SHA224: 'SHA-224',
  SHA256: 'SHA-256',
  SHA384: 'SHA-384',
  SHA512: 'SHA-512',
  'SHA512/224': 'SHA-512/224',
  'SHA512/256': 'SHA-512/256',
  'SHA-512-224': 'SHA-512/224',
  'SHA-512-256': 'SHA-512/256',
  'SHA512-224': 'SHA-512/224',
  'SHA512-256': 'SHA-512/256',
  'SHA3_224': 'SHA3-224',
  'SHA3_256': 'SHA3-256',
  'SHA3_384': 'SHA3-384',
  'SHA3_512': 'SHA3-512',
};

/**
 * Looks a hash up by name ("SHA-256", "sha256", "SHA-512/256", "SHAKE128", …).
 * Throws RSA_UNSUPPORTED for anything else.
 */
export function getHash(name: string | Hash): Hash {
  if (typeof name !== 'string') return name;
  const up = name.toUpperCase();
  const key = (up in HASHES ? up : ALIASES[up]) as HashName | undefined;
  const h = key ? HASHES[key] : undefined;
  if (!h) throw rsaError('RSA_UNSUPPORTED', `unsupported hash: ${name}`);
  return h;
}

/** Finds a hash by its dotted OID, or undefined. */
export function hashByOid(oid: string): Hash | undefined {
  return Object.values(HASHES).find((h) => h.oid === oid);
}

/** All supported hash names. */
export const HASH_NAMES = Object.keys(HASHES) as HashName[];
