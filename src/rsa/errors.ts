/**
 * One error type for the whole RSA module, with a stable machine-readable `code`
 * (the style of websockets/ws: one factory, many codes).
 *
 * Decryption and signature failures deliberately carry ONE vague code and message
 * whatever went wrong inside, so that no caller can leak a padding oracle
 * (Bleichenbacher 1998, Manger 2001).
 */

/** Every code an RsaError can carry. Callers and tests may rely on these strings. */
export type RsaErrorCode =
  | 'RSA_INVALID_ARGUMENT' // a parameter of the wrong type or out of its documented range
  | 'RSA_UNSUPPORTED' // a hash, algorithm, key type or size this module does not implement
  | 'RSA_LIMIT_EXCEEDED' // an input over a safety bound (modulus size, public exponent, PBKDF2 iterations); see RsaError.limit
  | 'RSA_KEY_TOO_SMALL' // key generation or import below the minimum modulus size
  | 'RSA_INVALID_KEY' // a key whose numbers are inconsistent (p·q ≠ n, e·d ≢ 1 mod λ, …)
  | 'RSA_INVALID_FORMAT' // malformed PEM, DER, ASN.1 or JWK
  | 'RSA_BAD_PASSPHRASE' // an encrypted private key that does not open with the passphrase given
  | 'RSA_MESSAGE_TOO_LONG' // plaintext too long for OAEP with this key and hash
  | 'RSA_INPUT_OUT_OF_RANGE' // an integer representative outside [0, n-1] or an input of the wrong length
  | 'RSA_DECRYPTION_FAILED' // the single error for every decryption failure
  | 'RSA_FAULT_DETECTED' // a private-key result that did not survive the public-key re-check
  | 'RSA_ENGINE_UNAVAILABLE' // the WebAssembly RSA engine was asked for where it cannot load (engine.ts)
  | 'RSA_INTEGRITY' // the sealed text's hash check failed
  | 'RSA_ENCODING'; // the message cannot be encoded (e.g. PSS salt too long for the key)

/**
 * Which safety bound an RSA_LIMIT_EXCEEDED error hit: the option that raises it, the value found
 * and the bound in force. Callers can offer "raise `option` to `value`" without parsing messages.
 */
export interface RsaLimit {
  readonly option: 'maxBits' | 'maxExponentBits' | 'maxKdfIterations';
  readonly value: number;
  readonly max: number;
}

/** The error thrown by every function of src/rsa. */
export class RsaError extends Error {
  readonly code: RsaErrorCode;
  /** Set for RSA_LIMIT_EXCEEDED only. */
  readonly limit: RsaLimit | undefined;
  constructor(code: RsaErrorCode, message: string, options?: { cause?: unknown; limit?: RsaLimit }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RsaError';
    this.code = code;
    this.limit = options?.limit;
  }
}

/** Creates an RsaError; the single factory every module uses. */
export function rsaError(code: RsaErrorCode, message: string, cause?: unknown): RsaError {
  return new RsaError(code, message, cause === undefined ? undefined : { cause });
}

/**
 * An RSA_LIMIT_EXCEEDED error: `what` (e.g. "RSA modulus of 20000 bits") is over the bound `max`
 * of `option`; the message names the bound and the option that raises it.
 */
export function limitError(option: RsaLimit['option'], what: string, value: number, max: number, unit: string): RsaError {
  return new RsaError(
    'RSA_LIMIT_EXCEEDED',
    `${what} exceeds the limit of ${max} ${unit} (a bound on the work a hostile key file can cause); ` +
      `if you trust this key, raise the option ${option} to ${value}`,
    { limit: { option, value, max } },
  );
}

/** The one message used for every decryption failure, whatever its cause. */
export const DECRYPTION_FAILED = 'decryption failed';

/** True when `e` is an RsaError, optionally with the given code. */
export function isRsaError(e: unknown, code?: RsaErrorCode): e is RsaError {
  return e instanceof RsaError && (code === undefined || e.code === code);
}
