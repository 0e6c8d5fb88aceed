/**
 * One error type for the end-to-end layer, with a stable machine-readable `code` (the style of
 * src/protocol/errors.ts). Messages are deliberately vague about *why* a payload failed — a
 * signature, a tag and a replay check fail alike from the outside — but say what to do next.
 * Every function of src/e2e throws only E2EError; failures of src/rsa or of the crypto provider
 * are wrapped.
 */

/** Every code an E2EError (or a failed Received result) can carry. Callers may rely on them. */
export type E2EErrorCode =
  | 'e2e_malformed' // a payload, bundle or distribution that does not parse (wrong lengths, version, trailing bytes)
  | 'e2e_bad_signature' // a signature (Ed25519 on a payload, RSA-PSS on a bundle) does not verify under the certified key
  | 'e2e_decrypt_failed' // a signed payload whose ciphertext does not authenticate (sender bug, or sealed to a key we no longer hold)
  | 'e2e_replay' // a payload already received (or so old that its key was dropped)
  | 'e2e_unknown_sender_key' // a room message whose sender chain we never received
  | 'e2e_wrong_context' // the signed context (room, recipient, sender) is not where the server delivered it
  | 'e2e_too_far_ahead' // a sequence number beyond the forward-jump bound
  | 'e2e_hash_mismatch' // an authentic message whose text does not match the SHA-256 its sender put beside it (a broken sender)
  | 'e2e_key_changed' // the peer presents another identity key than the pinned one, not yet accepted
  | 'e2e_not_member' // a payload or distribution from someone not a member of the room (or for a room we are not in)
  | 'e2e_no_bundle' // no certified bundle for this peer yet: fetch it (bundle_get) and try again
  | 'e2e_verify_required' // a verified peer changed keys: only a new verification (/verify) unblocks them
  | 'e2e_too_large' // a text or payload over a size limit
  | 'e2e_invalid_argument'; // a caller passed something unusable (a programming error, not the network's fault)

/** The error thrown by every function of src/e2e. */
export class E2EError extends Error {
  readonly code: E2EErrorCode;
  constructor(code: E2EErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'E2EError';
    this.code = code;
  }
}

/** Creates an E2EError; the single factory every file of src/e2e uses. Never throws. */
export function e2eError(code: E2EErrorCode, message: string, cause?: unknown): E2EError {
  return new E2EError(code, message, { cause });
}

/** True when `e` is an E2EError, optionally with the given code. Never throws. */
export function isE2EError(e: unknown, code?: E2EErrorCode): e is E2EError {
  return e instanceof E2EError && (code === undefined || e.code === code);
}

/**
 * Runs `fn`; an E2EError passes through unchanged, any other exception becomes an E2EError
 * with `code` and `message` (the original kept as `cause`, never shown). Throws only E2EError.
 */
export function wrapE2E<T>(code: E2EErrorCode, message: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof E2EError) throw e;
    throw e2eError(code, message, e);
  }
}

/** The user-facing message for each failure code of a received payload: vague on purpose, with what to do next. */
export const RECEIVE_FAILURE_TEXT: Readonly<Record<E2EErrorCode, string>> = Object.freeze({
  e2e_malformed: 'a message could not be read (damaged or from an incompatible client)',
  e2e_bad_signature: 'a message could not be authenticated: it may have been altered or forged; it is not shown as verified',
  e2e_decrypt_failed: 'a message could not be decrypted: it may have been altered, or sealed to a key this session no longer holds',
  e2e_replay: 'a message arrived twice (or too late): the copy was dropped',
  e2e_unknown_sender_key: 'a message arrived before its sender shared keys with you: it cannot be read; the sender may need to resend',
  e2e_wrong_context: 'a message arrived somewhere it was not sent to (another room, conversation or sender): it was dropped',
  e2e_too_far_ahead: 'a message is too far ahead of its sender’s previous ones: it was dropped',
  e2e_hash_mismatch: 'a message’s text does not match its signed hash: its sender’s client is broken; it is not shown as verified',
  e2e_key_changed: 'this peer’s key changed: check it with /verify, then accept it with /trust',
  e2e_not_member: 'a message came from someone who is not a member of the room: it was dropped',
  e2e_no_bundle: 'no keys for this peer yet: they are being fetched',
  e2e_verify_required: 'this peer was verified and their key changed: compare safety numbers again with /verify',
  e2e_too_large: 'a message is too large',
  e2e_invalid_argument: 'internal error in the end-to-end layer',
});
