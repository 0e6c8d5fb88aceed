/**
 * The key schedule (docs/PROTOCOL.md §Key schedule): the transcript hash and the expansion of
 * the three shared values into each direction's AES-256-GCM key and static IV.
 */
import { concat } from './bytes.js';
import type { ProtocolCrypto } from './crypto.js';
import { protocolError, wrapErrors } from './errors.js';
import { INFO_RESUME_FINISHED, INFO_RESUMED_SESSION_KEYS, INFO_RESUMPTION_SECRET, INFO_SESSION_KEYS } from './constants.js';
import { AEAD_KEY_LENGTH, AEAD_NONCE_LENGTH, FINISHED_LENGTH, SECRET_LENGTH, SESSION_KEY_MATERIAL_LENGTH, X25519_LENGTH } from './limits.js';

/** One direction's traffic key and static IV. */
export interface DirectionKeys {
  key: Uint8Array;
  iv: Uint8Array;
}

/** The output of the key schedule: one key and IV per direction. */
export interface SessionKeys {
  clientToServer: DirectionKeys;
  serverToClient: DirectionKeys;
}

/** The inputs of the key schedule. */
export interface KeyScheduleInput {
  /** X25519(eph_c, eph_s), 32 bytes. */
  sharedSecret: Uint8Array;
  /** The client's 32-byte secret (wrapped to the server's RSA key in ClientFinish). */
  clientSecret: Uint8Array;
  /** The server's 32-byte secret (wrapped to the client's RSA key in ServerHello). */
  serverSecret: Uint8Array;
  /** SHA-256(ClientHello ‖ ServerHello ‖ ClientFinish). */
  transcriptHash: Uint8Array;
}

/**
 * SHA-256 of the complete handshake: ClientHello ‖ ServerHello ‖ ClientFinish, each message
 * exactly as sent. Throws ProtocolError 'handshake_failed' if `crypto` fails.
 */
export function transcriptHash(crypto: ProtocolCrypto, clientHello: Uint8Array, serverHello: Uint8Array, clientFinish: Uint8Array): Uint8Array {
  return wrapErrors('handshake_failed', 'SHA-256 failed', () => crypto.sha256(concat(clientHello, serverHello, clientFinish)));
}

/**
 * Derives the session keys of a full handshake:
 * ikm = shared ‖ client_secret ‖ server_secret; salt = transcript hash;
 * HKDF-SHA-256(ikm, salt, "parley/1 session keys", 88) = key_c2s ‖ key_s2c ‖ iv_c2s ‖ iv_s2c.
 * The ikm is wiped afterwards. Throws ProtocolError 'handshake_failed' for an input of the
 * wrong length or if `crypto` fails.
 */
export function deriveSessionKeys(crypto: ProtocolCrypto, input: KeyScheduleInput): SessionKeys {
  const ikm = fullIkm(input);
  try {
    return expandSessionKeys(crypto, ikm, input.transcriptHash, INFO_SESSION_KEYS);
  } finally {
    ikm.fill(0);
  }
}

/** shared ‖ client_secret ‖ server_secret, after checking every length. Throws ProtocolError 'handshake_failed'. */
function fullIkm(input: KeyScheduleInput): Uint8Array {
  const { sharedSecret, clientSecret, serverSecret, transcriptHash: th } = input;
  if (sharedSecret.length !== X25519_LENGTH || clientSecret.length !== SECRET_LENGTH || serverSecret.length !== SECRET_LENGTH || th.length !== 32)
    throw protocolError('handshake_failed', 'key schedule input of the wrong length');
  return concat(sharedSecret, clientSecret, serverSecret);
}

/** HKDF-SHA-256 of `ikm` salted with `salt`, checking the output length. Throws ProtocolError 'handshake_failed'. */
function hkdf(crypto: ProtocolCrypto, ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  // RFC 5869 §2.2 extract with the given salt, §2.3 expand with the protocol's info string
  const okm = wrapErrors('handshake_failed', 'HKDF failed', () => crypto.hkdf(ikm, salt, info, length));
  if (okm.length !== length) throw protocolError('handshake_failed', 'HKDF returned the wrong length');
  return okm;
}

/** The 88 bytes of key material under `info`, split into both directions' keys and IVs. */
function expandSessionKeys(crypto: ProtocolCrypto, ikm: Uint8Array, th: Uint8Array, info: Uint8Array): SessionKeys {
  const okm = hkdf(crypto, ikm, th, info, SESSION_KEY_MATERIAL_LENGTH);
  const k = AEAD_KEY_LENGTH;
  const n = AEAD_NONCE_LENGTH;
  const keys: SessionKeys = {
    clientToServer: { key: okm.slice(0, k), iv: okm.slice(2 * k, 2 * k + n) },
    serverToClient: { key: okm.slice(k, 2 * k), iv: okm.slice(2 * k + n, 2 * k + 2 * n) },
  };
  okm.fill(0);
  return keys;
}

/**
 * The resumption secret a full handshake leaves for its next connection:
 * HKDF-SHA-256(ikm = shared ‖ client_secret ‖ server_secret, salt = transcript hash,
 * "parley/1 resumption secret", 32) — the role of RFC 8446 §7.1's resumption_master_secret.
 * Throws ProtocolError 'handshake_failed' as deriveSessionKeys does.
 */
export function deriveResumptionSecret(crypto: ProtocolCrypto, input: KeyScheduleInput): Uint8Array {
  const ikm = fullIkm(input);
  try {
    return hkdf(crypto, ikm, input.transcriptHash, INFO_RESUMPTION_SECRET, FINISHED_LENGTH);
  } finally {
    ikm.fill(0);
  }
}

/** The inputs of a resumption's key schedule (docs/PROTOCOL.md §Resumption key schedule). */
export interface ResumeInput {
  /** The resumption secret sealed in the ticket (the client's copy: the one its last session left). */
  resumptionSecret: Uint8Array;
  /** X25519 of this connection's fresh ephemeral keys. */
  sharedSecret: Uint8Array;
}

/** resumption_secret ‖ shared after checking both lengths. Throws ProtocolError 'handshake_failed'. */
function resumeIkm(input: ResumeInput): Uint8Array {
  if (input.resumptionSecret.length !== FINISHED_LENGTH || input.sharedSecret.length !== X25519_LENGTH)
    throw protocolError('handshake_failed', 'resumption key schedule input of the wrong length');
  return concat(input.resumptionSecret, input.sharedSecret);
}

/** A resumption's two Finished keys. */
export interface FinishedKeys {
  server: Uint8Array;
  client: Uint8Array;
}

/**
 * The Finished keys of a resumption: HKDF-SHA-256(ikm = resumption_secret ‖ shared,
 * salt = SHA-256(ResumeHello ‖ ResumeServerHello up to server_finished),
 * "parley/1 resume finished keys", 64) = server key ‖ client key. Throws ProtocolError 'handshake_failed'.
 */
export function deriveFinishedKeys(crypto: ProtocolCrypto, input: ResumeInput, serverTranscriptHash: Uint8Array): FinishedKeys {
  const ikm = resumeIkm(input);
  try {
    const fk = hkdf(crypto, ikm, serverTranscriptHash, INFO_RESUME_FINISHED, 2 * FINISHED_LENGTH);
    return { server: fk.slice(0, FINISHED_LENGTH), client: fk.slice(FINISHED_LENGTH) };
  } finally {
    ikm.fill(0);
  }
}

/** RFC 8446 §4.4.4: verify_data = HMAC(finished_key, transcript hash). Throws ProtocolError 'handshake_failed' if `crypto` fails. */
export function finishedMac(crypto: ProtocolCrypto, finishedKey: Uint8Array, transcriptHash: Uint8Array): Uint8Array {
  const mac = wrapErrors('handshake_failed', 'HMAC failed', () => crypto.hmacSha256(finishedKey, transcriptHash));
  if (mac.length !== FINISHED_LENGTH) throw protocolError('handshake_failed', 'HMAC returned the wrong length');
  return mac;
}

/** A resumed session's keys and the resumption secret it leaves for the next connection. */
export interface ResumedKeys {
  keys: SessionKeys;
  nextResumptionSecret: Uint8Array;
}

/**
 * A resumed session's keys, HKDF-SHA-256(ikm = resumption_secret ‖ shared, salt = SHA-256 of
 * the three resumption messages, "parley/1 resumed session keys", 88), split like a full
 * session's, and its own resumption secret (same ikm and salt, "parley/1 resumption secret",
 * 32). Throws ProtocolError 'handshake_failed'.
 */
export function deriveResumedKeys(crypto: ProtocolCrypto, input: ResumeInput, transcriptHash: Uint8Array): ResumedKeys {
  if (transcriptHash.length !== 32) throw protocolError('handshake_failed', 'transcript hash of the wrong length');
  const ikm = resumeIkm(input);
  try {
    return {
      keys: expandSessionKeys(crypto, ikm, transcriptHash, INFO_RESUMED_SESSION_KEYS),
      nextResumptionSecret: hkdf(crypto, ikm, transcriptHash, INFO_RESUMPTION_SECRET, FINISHED_LENGTH),
    };
  } finally {
    ikm.fill(0);
  }
}

/** SHA-256 of the concatenation of `parts` (a resumption's partial transcripts). Throws ProtocolError 'handshake_failed' if `crypto` fails. */
export function hashMessages(crypto: ProtocolCrypto, ...parts: Uint8Array[]): Uint8Array {
  return wrapErrors('handshake_failed', 'SHA-256 failed', () => crypto.sha256(concat(...parts)));
}
