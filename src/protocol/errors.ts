/**
 * One error type for the whole protocol module, with a stable machine-readable `code` (the
 * style of src/rsa/errors.ts: one factory, many codes). Every function of src/protocol throws
 * only ProtocolError; failures of the RSA library or of the crypto provider are wrapped.
 */

/** Every code a ProtocolError can carry (docs/PROTOCOL.md §Error codes). Callers may rely on them. */
export type ProtocolErrorCode =
  | 'unsupported_version' // byte 1 of a handshake message is not a version we speak
  | 'malformed' // wrong lengths, trailing bytes, bad name syntax, a plaintext that is not a JSON object
  | 'unexpected_message' // a message of an unknown type, or one not allowed in the current state
  | 'bad_signature' // the peer's RSASSA-PSS signature over the transcript does not verify
  | 'decrypt_failed' // an encrypted frame does not authenticate (altered, wrong key or direction)
  | 'replay' // an authentic frame whose counter is below the next expected one
  | 'out_of_order' // an authentic frame whose counter is above the next expected one (one was dropped or reordered)
  | 'too_large' // a message over a size limit, or a session that has used up its key
  | 'handshake_failed'; // an unacceptable RSA key, a bad X25519 share, a refused or failed handshake

/** Every ProtocolErrorCode at run time (docs/PROTOCOL.md §Error codes lists each; a test compares). */
export const PROTOCOL_ERROR_CODES: readonly ProtocolErrorCode[] = Object.freeze(
  Object.keys({
    unsupported_version: 0, malformed: 0, unexpected_message: 0, bad_signature: 0, decrypt_failed: 0, replay: 0, out_of_order: 0, too_large: 0, handshake_failed: 0,
  } satisfies Record<ProtocolErrorCode, 0>) as ProtocolErrorCode[],
);

/** An Error message (type 0x7F) received from the peer, attached to the ProtocolError it caused. */
export interface RemoteError {
  /** The peer's code: a ProtocolErrorCode or an application code such as 'server_full'. */
  code: string;
  message: string;
}

/** The error thrown by every function of src/protocol. */
export class ProtocolError extends Error {
  readonly code: ProtocolErrorCode;
  /** Set when the failure is the peer's Error message (see ClientHandshake.onServerHello). */
  readonly remote: RemoteError | undefined;
  constructor(code: ProtocolErrorCode, message: string, options?: { cause?: unknown; remote?: RemoteError }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ProtocolError';
    this.code = code;
    this.remote = options?.remote;
  }
}

/** Creates a ProtocolError; the single factory every file of src/protocol uses. Never throws. */
export function protocolError(code: ProtocolErrorCode, message: string, cause?: unknown, remote?: RemoteError): ProtocolError {
  return new ProtocolError(code, message, { cause, remote });
}

/** True when `e` is a ProtocolError, optionally with the given code. Never throws. */
export function isProtocolError(e: unknown, code?: ProtocolErrorCode): e is ProtocolError {
  return e instanceof ProtocolError && (code === undefined || e.code === code);
}

/**
 * Runs `fn`; a ProtocolError passes through unchanged, any other exception becomes a
 * ProtocolError with `code` and `message` (the original is kept as `cause`, never shown).
 * Throws only ProtocolError.
 */
export function wrapErrors<T>(code: ProtocolErrorCode, message: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof ProtocolError) throw e;
    throw protocolError(code, message, e);
  }
}
