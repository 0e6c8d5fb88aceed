/**
 * The key schedule (docs/PROTOCOL.md §Key schedule): the transcript hash and the expansion of
 * the three shared values into each direction's AES-256-GCM key and static IV.
 */
import { concat } from './bytes.js';
import type { ProtocolCrypto } from './crypto.js';
import { protocolError, wrapErrors } from './errors.js';
import { INFO_SESSION_KEYS } from './constants.js';
import { AEAD_KEY_LENGTH, AEAD_NONCE_LENGTH, SECRET_LENGTH, SESSION_KEY_MATERIAL_LENGTH, X25519_LENGTH } from './limits.js';

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
 * Derives the session keys:
 * ikm = shared ‖ client_secret ‖ server_secret; salt = transcript hash;
 * HKDF-SHA-256(ikm, salt, "parley/1 session keys", 88) = key_c2s ‖ key_s2c ‖ iv_c2s ‖ iv_s2c.
 * The ikm is wiped afterwards. Throws ProtocolError 'handshake_failed' for an input of the
 * wrong length or if `crypto` fails.
 */
export function deriveSessionKeys(crypto: ProtocolCrypto, input: KeyScheduleInput): SessionKeys {
  const { sharedSecret, clientSecret, serverSecret, transcriptHash: th } = input;
  if (sharedSecret.length !== X25519_LENGTH || clientSecret.length !== SECRET_LENGTH || serverSecret.length !== SECRET_LENGTH || th.length !== 32)
    throw protocolError('handshake_failed', 'key schedule input of the wrong length');
  const ikm = concat(sharedSecret, clientSecret, serverSecret);
  // RFC 5869 §2.2 extract with salt = transcript hash, §2.3 expand with the protocol's info string
  const okm = wrapErrors('handshake_failed', 'HKDF failed', () => crypto.hkdf(ikm, th, INFO_SESSION_KEYS, SESSION_KEY_MATERIAL_LENGTH));
  ikm.fill(0);
  if (okm.length !== SESSION_KEY_MATERIAL_LENGTH) throw protocolError('handshake_failed', 'HKDF returned the wrong length');
  const k = AEAD_KEY_LENGTH;
  const n = AEAD_NONCE_LENGTH;
  const keys: SessionKeys = {
    clientToServer: { key: okm.slice(0, k), iv: okm.slice(2 * k, 2 * k + n) },
    serverToClient: { key: okm.slice(k, 2 * k), iv: okm.slice(2 * k + n, 2 * k + 2 * n) },
  };
  okm.fill(0);
  return keys;
}
