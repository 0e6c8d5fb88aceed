/**
 * RSA key files in DER and PEM: PKCS #1 RSAPublicKey/RSAPrivateKey (RFC 8017 Appendix A.1),
 * SubjectPublicKeyInfo (RFC 5280 §4.1), PKCS #8 PrivateKeyInfo/OneAsymmetricKey (RFC 5208,
 * RFC 5958 §2) and encrypted PKCS #8 (RFC 5958 §3 with PBES2, see pbes2.ts). Keys with the
 * id-RSASSA-PSS algorithm (RFC 4055 §3.1) are read too; their parameters via pssParamsOfKey.
 *
 * Every key read goes through publicKeyFromComponents / privateKeyFromComponents (key.ts).
 */
import { DerReader, TAG, contextTag, derBitString, derInteger, derNull, derOctetString, derOid, derSequence, derSequenceReader } from './asn1.js';
import { bytesToUtf8 } from './bytes.js';
import { isRsaError, rsaError } from './errors.js';
import { hashByOid, type HashName } from './hash.js';
import {
  assertPrivateKey, assertPublicKey, privateKeyFromComponents, publicKeyFromComponents, toPublicKey,
  type KeyCheckOptions, type RsaPrivateKey, type RsaPublicKey,
} from './key.js';
import { decryptPrivateKeyInfo, encryptPrivateKeyInfo } from './pbes2.js';
import { looksLikePem, pemDecode, pemEncode } from './pem.js';

/** Options of importPrivateKey and importKey: the key checks, and for an encrypted key its passphrase. */
export interface KeyImportOptions extends KeyCheckOptions {
  /** The passphrase of an encrypted PKCS #8 key (a string is UTF-8 encoded). */
  passphrase?: string | Uint8Array;
  /**
   * Largest PBKDF2 iteration count accepted in an encrypted key, whatever its PRF. Default: a
   * bound per PRF of under a second of CPU (DEFAULT_MAX_KDF_ITERATIONS; 2 000 000 for
   * HMAC-SHA-256, the PRF this module and OpenSSL write).
   */
  maxKdfIterations?: number;
}

/** RSASSA-PSS parameters bound to an id-RSASSA-PSS key (RFC 4055 §3.1). */
export interface PssKeyParams {
  hash: HashName;
  mgfHash: HashName;
  saltLength: number;
}

const OID_RSA = '1.2.840.113549.1.1.1'; // rsaEncryption, RFC 8017 Appendix A.1
const OID_PSS = '1.2.840.113549.1.1.10'; // id-RSASSA-PSS, RFC 4055 §3.1
const OID_MGF1 = '1.2.840.113549.1.1.8'; // id-mgf1, RFC 4055 §2.2
const OTHER_KEYS: Record<string, string> = {
  '1.2.840.10045.2.1': 'an EC key', '1.2.840.10040.4.1': 'a DSA key', '1.3.101.110': 'an X25519 key',
  '1.3.101.111': 'an X448 key', '1.3.101.112': 'an Ed25519 key', '1.3.101.113': 'an Ed448 key',
};

type Format = 'spki' | 'pkcs1-public' | 'pkcs8' | 'pkcs1-private' | 'encrypted';
const LABELS: Record<string, Format> = {
  'PUBLIC KEY': 'spki', 'RSA PUBLIC KEY': 'pkcs1-public', 'PRIVATE KEY': 'pkcs8',
  'RSA PRIVATE KEY': 'pkcs1-private', 'ENCRYPTED PRIVATE KEY': 'encrypted',
};
const PRIVATE_FORMATS: readonly Format[] = ['pkcs8', 'pkcs1-private', 'encrypted'];

interface PrivateComponents { n: bigint; e: bigint; d: bigint; p: bigint; q: bigint; dp: bigint; dq: bigint; qi: bigint }
type Decoded =
  | { kind: 'public'; n: bigint; e: bigint; pss: PssKeyParams | undefined }
  | { kind: 'private'; c: PrivateComponents; pss: PssKeyParams | undefined };

// ---------------------------------------------------------------- reading structures

/** RFC 8017 Appendix A.1.1: RSAPublicKey ::= SEQUENCE { modulus, publicExponent }. */
function parsePkcs1Public(der: Uint8Array, what = 'PKCS #1 RSAPublicKey'): { n: bigint; e: bigint } {
  const r = derSequenceReader(der, what);
  const n = r.uint('modulus');
  const e = r.uint('publicExponent');
  r.finish('RSAPublicKey');
  return { n, e };
}

/** RFC 8017 Appendix A.1.2: RSAPrivateKey, two-prime (version 0) only. */
function parsePkcs1Private(der: Uint8Array, what = 'PKCS #1 RSAPrivateKey'): PrivateComponents {
  const r = derSequenceReader(der, what);
  const version = r.uint('version');
  if (version === 1n) throw rsaError('RSA_UNSUPPORTED', 'multi-prime RSA keys are not supported');
  if (version !== 0n) throw rsaError('RSA_INVALID_FORMAT', `${what}: unknown version ${version}`);
  const [n, e, d, p, q, dp, dq, qi] = ['modulus', 'publicExponent', 'privateExponent', 'prime1', 'prime2', 'exponent1', 'exponent2', 'coefficient'].map((f) => r.uint(f)) as bigint[];
  if (r.peekTag() === TAG.SEQUENCE) throw rsaError('RSA_UNSUPPORTED', 'multi-prime RSA keys are not supported');
  r.finish('RSAPrivateKey');
  return { n: n!, e: e!, d: d!, p: p!, q: q!, dp: dp!, dq: dq!, qi: qi! };
}

/** A hash AlgorithmIdentifier (RFC 4055 §2.1: parameters NULL or absent). */
function parseHashAlg(r: DerReader, field: string): HashName {
  const alg = r.sequence(field);
  const oid = alg.oid(field);
  if (!alg.done) alg.null(`${field} parameters`);
  alg.finish(field);
  const h = hashByOid(oid);
  if (!h || h.xof) throw rsaError('RSA_UNSUPPORTED', `${field} ${oid} is not supported in RSASSA-PSS parameters`);
  return h.name;
}

const PSS_DEFAULTS: PssKeyParams = { hash: 'SHA-1', mgfHash: 'SHA-1', saltLength: 20 };

/** RFC 4055 §3.1 / RFC 8017 Appendix A.2.3: RSASSA-PSS-params with defaults SHA-1, MGF1-SHA-1, 20, 1. */
function parsePssParams(r: DerReader): PssKeyParams {
  const out: PssKeyParams = { ...PSS_DEFAULTS };
  const h = r.optionalContext(0, 'hashAlgorithm');
  if (h) (out.hash = parseHashAlg(h, 'hashAlgorithm')), h.finish('hashAlgorithm');
  const m = r.optionalContext(1, 'maskGenAlgorithm');
  if (m) {
    const mgf = m.sequence('maskGenAlgorithm');
    const oid = mgf.oid('maskGenAlgorithm');
    if (oid !== OID_MGF1) throw rsaError('RSA_UNSUPPORTED', `mask generation function ${oid} is not supported (only MGF1)`);
    out.mgfHash = parseHashAlg(mgf, 'MGF1 hash');
    mgf.finish('maskGenAlgorithm');
    m.finish('maskGenAlgorithm');
  }
  const s = r.optionalContext(2, 'saltLength');
  if (s) (out.saltLength = s.smallUint('saltLength', 2048)), s.finish('saltLength');
  const t = r.optionalContext(3, 'trailerField');
  if (t) {
    if (t.uint('trailerField') !== 1n) throw rsaError('RSA_UNSUPPORTED', 'RSASSA-PSS trailerField other than 1 (0xBC) is not supported');
    t.finish('trailerField');
  }
  r.finish('RSASSA-PSS-params');
  return out;
}

/** An RSA AlgorithmIdentifier: rsaEncryption with NULL (RFC 3279 §2.3.1) or id-RSASSA-PSS (RFC 4055 §3.1). */
function parseKeyAlgorithm(r: DerReader): PssKeyParams | undefined {
  const alg = r.sequence('algorithm');
  const oid = alg.oid('algorithm');
  let pss: PssKeyParams | undefined;
  if (oid === OID_RSA) alg.null('rsaEncryption parameters');
  else if (oid === OID_PSS) pss = alg.done ? { ...PSS_DEFAULTS } : parsePssParams(alg.sequence('RSASSA-PSS-params'));
  else throw rsaError('RSA_INVALID_FORMAT', `${r.what}: not an RSA key (${OTHER_KEYS[oid] ?? `algorithm ${oid}`})`);
  alg.finish('algorithm');
  return pss;
}

/** RFC 5280 §4.1: SubjectPublicKeyInfo ::= SEQUENCE { algorithm, subjectPublicKey BIT STRING }. */
function parseSpki(der: Uint8Array): Decoded {
  const r = derSequenceReader(der, 'SubjectPublicKeyInfo');
  const pss = parseKeyAlgorithm(r);
  const key = r.bitString('subjectPublicKey');
  r.finish('SubjectPublicKeyInfo');
  return { kind: 'public', ...parsePkcs1Public(key, 'SubjectPublicKeyInfo RSAPublicKey'), pss };
}

/** RFC 5958 §2: OneAsymmetricKey { version, privateKeyAlgorithm, privateKey, [0] attributes, [1] publicKey }. */
function parsePkcs8(der: Uint8Array): Decoded {
  const what = 'PKCS #8';
  const r = derSequenceReader(der, what);
  const version = r.uint('version');
  if (version > 1n) throw rsaError('RSA_INVALID_FORMAT', `${what}: unknown version ${version}`);
  const pss = parseKeyAlgorithm(r);
  const c = parsePkcs1Private(r.octetString('privateKey'), 'PKCS #8 RSAPrivateKey');
  r.optional(contextTag(0)); // attributes: not used
  const pub = r.optional(contextTag(1, false));
  r.finish('PrivateKeyInfo');
  if (pub) {
    if (version !== 1n) throw rsaError('RSA_INVALID_FORMAT', `${what}: publicKey field requires version 2 (v2)`);
    if (pub.content[0] !== 0) throw rsaError('RSA_INVALID_FORMAT', `${what}: publicKey BIT STRING has unused bits`);
    const k = parsePkcs1Public(pub.content.subarray(1), 'PKCS #8 publicKey');
    if (k.n !== c.n || k.e !== c.e) throw rsaError('RSA_INVALID_KEY', 'PKCS #8 publicKey does not match the private key');
  }
  return { kind: 'private', c, pss };
}

/** Recognises a DER key file by its first two elements. */
function sniff(der: Uint8Array): Format {
  const r = derSequenceReader(der, 'key file');
  const t1 = r.peekTag();
  if (t1 !== undefined) r.next();
  const t2 = r.peekTag();
  if (t1 === TAG.SEQUENCE && t2 === TAG.BIT_STRING) return 'spki';
  if (t1 === TAG.SEQUENCE && t2 === TAG.OCTET_STRING) return 'encrypted';
  if (t1 === TAG.INTEGER && t2 === TAG.SEQUENCE) return 'pkcs8';
  if (t1 === TAG.INTEGER && t2 === TAG.INTEGER) {
    r.next();
    return r.done ? 'pkcs1-public' : 'pkcs1-private';
  }
  throw rsaError('RSA_INVALID_FORMAT', 'not an RSA key file: the DER is none of SPKI, PKCS #1, PKCS #8');
}

/** Turns PEM text or DER bytes into DER and its format (from the PEM label, or sniffed from the DER). */
function readInput(data: unknown): { der: Uint8Array; format: Format } {
  let text: string | undefined;
  if (typeof data === 'string') text = data;
  else if (!(data instanceof Uint8Array)) throw rsaError('RSA_INVALID_ARGUMENT', 'key data must be a PEM string or a Uint8Array of DER or PEM');
  else if (data.length === 0) throw rsaError('RSA_INVALID_FORMAT', 'key file is empty');
  else {
    try {
      text = bytesToUtf8(data);
    } catch {
      text = undefined;
    }
    // DER starts with a SEQUENCE; a text file that happens to start with "0" still reads as PEM
    if (data[0] === TAG.SEQUENCE && !(text && looksLikePem(text))) return { der: data, format: sniff(data) };
  }
  if (text === undefined || !looksLikePem(text))
    throw rsaError('RSA_INVALID_FORMAT', 'key file is neither DER (a SEQUENCE) nor PEM text ("-----BEGIN …-----")');
  const block = pemDecode(text, Object.keys(LABELS));
  if (/ENCRYPTED/.test(block.headers['Proc-Type'] ?? ''))
    throw rsaError('RSA_UNSUPPORTED', 'legacy OpenSSL-encrypted PEM ("Proc-Type: 4,ENCRYPTED") is not supported; convert it with ' +
      '`openssl pkcs8 -topk8 -v2 aes-256-cbc -in old.pem -out new.pem`');
  if (Object.keys(block.headers).length) throw rsaError('RSA_INVALID_FORMAT', `unexpected headers in PEM block "${block.label}"`);
  return { der: block.der, format: LABELS[block.label]! };
}

function decodeUnencrypted(der: Uint8Array, format: Format): Decoded {
  switch (format) {
    case 'spki': return parseSpki(der);
    case 'pkcs1-public': return { kind: 'public', ...parsePkcs1Public(der), pss: undefined };
    case 'pkcs8': return parsePkcs8(der);
    case 'pkcs1-private': return { kind: 'private', c: parsePkcs1Private(der), pss: undefined };
    case 'encrypted':
      throw rsaError('RSA_BAD_PASSPHRASE', 'the private key is encrypted: a passphrase is needed (use importPrivateKey with { passphrase })');
  }
}

function build(k: Decoded, opts: KeyCheckOptions | undefined): RsaPublicKey | RsaPrivateKey {
  return k.kind === 'public' ? publicKeyFromComponents(k, opts) : privateKeyFromComponents(k.c, opts);
}

// ---------------------------------------------------------------- public API

/**
 * Reads a public key from PEM or DER: SPKI ("PUBLIC KEY", rsaEncryption or id-RSASSA-PSS),
 * PKCS #1 ("RSA PUBLIC KEY"), or an unencrypted private key file (its public half is returned).
 * Throws RSA_INVALID_FORMAT for malformed input, RSA_BAD_PASSPHRASE for an encrypted key,
 * RSA_UNSUPPORTED for multi-prime keys, and the errors of publicKeyFromComponents.
 */
export function importPublicKey(data: string | Uint8Array, opts?: KeyCheckOptions): RsaPublicKey {
  const { der, format } = readInput(data);
  return toPublicKey(build(decodeUnencrypted(der, format), opts));
}

/**
 * Reads an unencrypted private key from PEM or DER (PKCS #8 "PRIVATE KEY" or PKCS #1
 * "RSA PRIVATE KEY"), synchronously. Throws RSA_INVALID_FORMAT for malformed input or a public
 * key, RSA_BAD_PASSPHRASE for an encrypted key, RSA_UNSUPPORTED for multi-prime keys, and the
 * errors of privateKeyFromComponents (RSA_INVALID_KEY, RSA_KEY_TOO_SMALL).
 */
export function parsePrivateKey(data: string | Uint8Array, opts?: KeyCheckOptions): RsaPrivateKey {
  const { der, format } = readInput(data);
  const k = decodeUnencrypted(der, format);
  if (k.kind !== 'private') throw rsaError('RSA_INVALID_FORMAT', 'expected a private key, found a public key');
  return privateKeyFromComponents(k.c, opts);
}

/**
 * Reads a private key from PEM or DER: PKCS #8, PKCS #1, or encrypted PKCS #8 ("ENCRYPTED
 * PRIVATE KEY", PBES2) opened with `opts.passphrase`. Throws as parsePrivateKey, plus
 * RSA_BAD_PASSPHRASE for a missing or wrong passphrase, RSA_LIMIT_EXCEEDED for more PBKDF2
 * iterations than `opts.maxKdfIterations` (or the PRF's default bound), and RSA_UNSUPPORTED for
 * legacy "Proc-Type: 4,ENCRYPTED" PEM and encryption schemes other than PBES2/PBKDF2/AES-CBC.
 */
export async function importPrivateKey(data: string | Uint8Array, opts?: KeyImportOptions): Promise<RsaPrivateKey> {
  const { der, format } = readInput(data);
  if (format !== 'encrypted') return parsePrivateKey(der, opts);
  if (opts?.passphrase === undefined) return parsePrivateKey(der, opts); // throws "a passphrase is needed"
  const plain = await decryptPrivateKeyInfo(der, opts.passphrase, opts.maxKdfIterations === undefined ? {} : { maxIterations: opts.maxKdfIterations });
  let k: Decoded;
  try {
    k = parsePkcs8(plain);
  } catch (e) {
    // a wrong passphrase seldom gives valid CBC padding, and then never valid DER
    if (!isRsaError(e, 'RSA_INVALID_FORMAT')) throw e;
    throw rsaError('RSA_BAD_PASSPHRASE', `wrong passphrase or damaged file: the decrypted key is not RSA PKCS #8 (${e.message})`, e);
  }
  return build(k, opts) as RsaPrivateKey;
}

/**
 * Reads any key file this module understands and returns a public or a private key, as
 * importPublicKey or importPrivateKey would (same errors).
 */
export async function importKey(data: string | Uint8Array, opts?: KeyImportOptions): Promise<RsaPublicKey | RsaPrivateKey> {
  const { der, format } = readInput(data);
  return PRIVATE_FORMATS.includes(format) ? importPrivateKey(data, opts) : build(decodeUnencrypted(der, format), opts);
}

/**
 * The RSASSA-PSS parameters of an id-RSASSA-PSS key file (SPKI or PKCS #8, PEM or DER), with the
 * RFC 4055 defaults (SHA-1, MGF1-SHA-1, salt 20) for absent fields; undefined for rsaEncryption
 * and PKCS #1 keys. Does not validate the key's numbers. Throws RSA_INVALID_FORMAT for malformed
 * input, RSA_UNSUPPORTED for unsupported hashes or mask functions, RSA_BAD_PASSPHRASE when encrypted.
 */
export function pssParamsOfKey(data: string | Uint8Array): PssKeyParams | undefined {
  const { der, format } = readInput(data);
  return decodeUnencrypted(der, format).pss;
}

/** RSAPublicKey DER (RFC 8017 Appendix A.1.1). */
function pkcs1PublicDer(k: RsaPublicKey): Uint8Array {
  return derSequence(derInteger(k.n), derInteger(k.e));
}

/** rsaEncryption AlgorithmIdentifier with NULL parameters (RFC 8017 Appendix A.1, RFC 3279 §2.3.1). */
function rsaAlgorithm(): Uint8Array {
  return derSequence(derOid(OID_RSA), derNull());
}

/**
 * Public key DER: SubjectPublicKeyInfo with rsaEncryption (default) or PKCS #1 RSAPublicKey.
 * Accepts a public or a private key. Throws RSA_INVALID_ARGUMENT for a bad key or format.
 */
export function exportPublicKeyDer(key: RsaPublicKey | RsaPrivateKey, format: 'spki' | 'pkcs1' = 'spki'): Uint8Array {
  const pub = publicOf(key);
  if (format === 'pkcs1') return pkcs1PublicDer(pub);
  if (format !== 'spki') throw rsaError('RSA_INVALID_ARGUMENT', `unknown public key format: ${String(format)}`);
  return derSequence(rsaAlgorithm(), derBitString(pkcs1PublicDer(pub))); // RFC 5280 §4.1
}

/** Public key PEM: "PUBLIC KEY" (SPKI, default) or "RSA PUBLIC KEY" (PKCS #1). Throws as exportPublicKeyDer. */
export function exportPublicKeyPem(key: RsaPublicKey | RsaPrivateKey, format: 'spki' | 'pkcs1' = 'spki'): string {
  return pemEncode(format === 'pkcs1' ? 'RSA PUBLIC KEY' : 'PUBLIC KEY', exportPublicKeyDer(key, format));
}

/**
 * Private key DER: PKCS #8 PrivateKeyInfo with rsaEncryption (default) or PKCS #1 RSAPrivateKey.
 * Throws RSA_INVALID_ARGUMENT for something that is not a private key or an unknown format.
 */
export function exportPrivateKeyDer(key: RsaPrivateKey, format: 'pkcs8' | 'pkcs1' = 'pkcs8'): Uint8Array {
  assertPrivateKey(key);
  // RFC 8017 Appendix A.1.2: version 0 (two-prime), n, e, d, p, q, dP, dQ, qInv
  const pkcs1 = derSequence(...[0n, key.n, key.e, key.d, key.p, key.q, key.dp, key.dq, key.qi].map((x) => derInteger(x)));
  if (format === 'pkcs1') return pkcs1;
  if (format !== 'pkcs8') throw rsaError('RSA_INVALID_ARGUMENT', `unknown private key format: ${String(format)}`);
  return derSequence(derInteger(0), rsaAlgorithm(), derOctetString(pkcs1)); // RFC 5208 §5, version 0 (v1)
}

/** Private key PEM: "PRIVATE KEY" (PKCS #8, default) or "RSA PRIVATE KEY" (PKCS #1). Throws as exportPrivateKeyDer. */
export function exportPrivateKeyPem(key: RsaPrivateKey, format: 'pkcs8' | 'pkcs1' = 'pkcs8'): string {
  return pemEncode(format === 'pkcs1' ? 'RSA PRIVATE KEY' : 'PRIVATE KEY', exportPrivateKeyDer(key, format));
}

/**
 * "ENCRYPTED PRIVATE KEY" PEM: PKCS #8 under PBES2 with PBKDF2-HMAC-SHA-256 (16-byte salt,
 * `opts.iterations`, default 600 000) and AES-256-CBC, readable by `openssl pkey -passin`.
 * Throws RSA_INVALID_ARGUMENT for a bad key, an empty passphrase or an iteration count outside
 * [1000, 10 000 000]; RSA_UNSUPPORTED without WebCrypto. Above 2 000 000 iterations, reading the
 * key back needs `maxKdfIterations` (importPrivateKey's default bound for HMAC-SHA-256).
 */
export async function exportEncryptedPrivateKeyPem(
  key: RsaPrivateKey,
  passphrase: string | Uint8Array,
  opts?: { iterations?: number },
): Promise<string> {
  return pemEncode('ENCRYPTED PRIVATE KEY', await encryptPrivateKeyInfo(exportPrivateKeyDer(key), passphrase, opts));
}

function publicOf(key: RsaPublicKey | RsaPrivateKey): RsaPublicKey {
  if (key && typeof key === 'object' && key.type === 'private') assertPrivateKey(key);
  else assertPublicKey(key);
  return toPublicKey(key);
}
