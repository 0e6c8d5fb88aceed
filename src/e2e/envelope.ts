/**
 * The signed envelope of every end-to-end payload (docs/E2E.md §Envelope). The server relays it
 * as an opaque base64 string; the sender's Ed25519 key (certified by its bundle) signs the
 * ciphertext together with its whole context, under a label per kind:
 *
 *   header   = 0x01 ‖ kind (u8) ‖ room (str8) ‖ to (str8) ‖ sender (str8) ‖ sender fingerprint (32)
 *              ‖ chain id (16) ‖ seq (u32) ‖ ts (u64, ms)
 *   envelope = header ‖ body (u32 length ‖ bytes) ‖ signature (64)
 *   signature = Ed25519(label(kind) ‖ 0x00 ‖ header ‖ body length ‖ body)      (RFC 8032 §5.1.6)
 *
 * kind 1 room message: room set, to empty; chain id = the sender's chain, seq = its iteration;
 *        body = AES-256-GCM under the chain's message key, AAD = header.
 * kind 2 direct message: room empty, to = recipient; chain id = the pairwise channel id, seq =
 *        the channel sequence; body = pairwise AES-256-GCM, AAD = header.
 * kind 3 key distribution: room and to set; chain id and seq as kind 2; body = pairwise
 *        AES-256-GCM of a distribution, AAD = header.
 */
import { concat, Reader, u32, utf8, Writer } from './codec.js';
import { ED25519_SIGNATURE_LENGTH, type E2ECrypto } from './crypto.js';
import { e2eError } from './errors.js';
import { FINGERPRINT_LENGTH } from './identity.js';

/** Version byte of the envelope format. */
export const ENVELOPE_VERSION = 1;
/** Length of the chain id field (a sender chain id or a pairwise channel id: both 16 bytes). */
export const ENVELOPE_CHAIN_ID_LENGTH = 16;
/** Longest room, recipient and sender name in bytes (the server allows 32 ASCII characters). */
export const MAX_NAME_BYTES = 64;

/** The three kinds, with their wire values and signature labels. */
export const ENVELOPE_KINDS = {
  room: { code: 1, label: 'parley e2e room message v1' },
  dm: { code: 2, label: 'parley e2e direct message v1' },
  keys: { code: 3, label: 'parley e2e key distribution v1' },
} as const;
export type EnvelopeKind = keyof typeof ENVELOPE_KINDS;

/** The signed context of a payload. */
export interface EnvelopeHeader {
  kind: EnvelopeKind;
  /** Room name (kinds room and keys), or '' (dm). */
  room: string;
  /** Recipient name (kinds dm and keys), or '' (room). */
  to: string;
  sender: string;
  /** Raw SHA-256 of the sender's identity SPKI DER. */
  senderFp: Uint8Array;
  chainId: Uint8Array;
  seq: number;
  /** Sender's clock, ms since 1970. */
  ts: number;
}

/** A parsed envelope; `header` bytes are the AEAD's AAD. */
export interface ParsedEnvelope extends EnvelopeHeader {
  headerBytes: Uint8Array;
  body: Uint8Array;
  signature: Uint8Array;
  /** Everything the signature covers after the label: header ‖ body length ‖ body. */
  signedBytes: Uint8Array;
}

function kindOf(code: number): EnvelopeKind | undefined {
  for (const [k, v] of Object.entries(ENVELOPE_KINDS)) if (v.code === code) return k as EnvelopeKind;
  return undefined;
}

/** Which of room / to each kind needs. */
function shapeOk(h: { kind: EnvelopeKind; room: string; to: string }): boolean {
  if (h.kind === 'room') return h.room !== '' && h.to === '';
  if (h.kind === 'dm') return h.room === '' && h.to !== '';
  return h.room !== '' && h.to !== '';
}

/** The header bytes of `h`. Throws 'e2e_invalid_argument' for a field out of range or a kind without its room / recipient. */
export function encodeHeader(h: EnvelopeHeader): Uint8Array {
  if (!shapeOk(h)) throw e2eError('e2e_invalid_argument', `an envelope of kind ${h.kind} has the wrong room / recipient fields`);
  return new Writer()
    .u8(ENVELOPE_VERSION)
    .u8(ENVELOPE_KINDS[h.kind].code)
    .str8(h.room, 0, MAX_NAME_BYTES, 'room')
    .str8(h.to, 0, MAX_NAME_BYTES, 'recipient')
    .str8(h.sender, 1, MAX_NAME_BYTES, 'sender')
    .fixed(h.senderFp, FINGERPRINT_LENGTH, 'sender fingerprint')
    .fixed(h.chainId, ENVELOPE_CHAIN_ID_LENGTH, 'chain id')
    .u32(h.seq)
    .u64(h.ts)
    .bytes();
}

/** label(kind) ‖ 0x00 ‖ signed bytes: the Ed25519 message. */
function signatureInput(kind: EnvelopeKind, signedBytes: Uint8Array): Uint8Array {
  return concat(utf8(ENVELOPE_KINDS[kind].label), Uint8Array.of(0), signedBytes);
}

/**
 * The envelope of `headerBytes` (from encodeHeader(h)) and `body`, signed with `ed25519Private`.
 * Throws 'e2e_too_large' when the whole envelope would exceed `maxPayloadBytes`.
 */
export function signEnvelope(crypto: E2ECrypto, h: EnvelopeHeader, headerBytes: Uint8Array, body: Uint8Array, ed25519Private: Uint8Array, maxPayloadBytes: number): Uint8Array {
  if (headerBytes.length + 4 + body.length + ED25519_SIGNATURE_LENGTH > maxPayloadBytes) throw e2eError('e2e_too_large', `payload over ${maxPayloadBytes} bytes`);
  const signed = concat(headerBytes, u32(body.length), body);
  const sig = crypto.ed25519Sign(ed25519Private, signatureInput(h.kind, signed)); // RFC 8032 §5.1.6
  return concat(signed, sig);
}

/**
 * Parses an envelope (the signature is not checked here). Throws E2EError 'e2e_too_large' over
 * `maxPayloadBytes`, 'e2e_malformed' for any other defect (unknown version or kind, bad lengths,
 * trailing bytes, a kind without its room / recipient).
 */
export function parseEnvelope(bytes: Uint8Array, maxPayloadBytes: number): ParsedEnvelope {
  if (!(bytes instanceof Uint8Array)) throw e2eError('e2e_malformed', 'payload is not bytes');
  if (bytes.length > maxPayloadBytes) throw e2eError('e2e_too_large', `payload over ${maxPayloadBytes} bytes`);
  const r = new Reader(bytes, 'payload');
  if (r.u8('version') !== ENVELOPE_VERSION) throw e2eError('e2e_malformed', 'payload of an unknown version (one of you should upgrade Parley)');
  const kind = kindOf(r.u8('kind'));
  if (!kind) throw e2eError('e2e_malformed', 'payload of an unknown kind (one of you should upgrade Parley)');
  const room = r.str8(0, MAX_NAME_BYTES, 'room');
  const to = r.str8(0, MAX_NAME_BYTES, 'recipient');
  const sender = r.str8(1, MAX_NAME_BYTES, 'sender');
  const senderFp = r.fixed(FINGERPRINT_LENGTH, 'sender fingerprint');
  const chainId = r.fixed(ENVELOPE_CHAIN_ID_LENGTH, 'chain id');
  const seq = r.u32('sequence');
  const ts = r.u64('timestamp');
  const headerLen = r.offset;
  const body = r.vec32(0, maxPayloadBytes, 'body');
  const signedLen = r.offset;
  const signature = r.fixed(ED25519_SIGNATURE_LENGTH, 'signature');
  r.end();
  if (!shapeOk({ kind, room, to })) throw e2eError('e2e_malformed', `payload of kind ${kind} with the wrong room / recipient fields`);
  return { kind, room, to, sender, senderFp, chainId, seq, ts, headerBytes: bytes.slice(0, headerLen), body, signature, signedBytes: bytes.slice(0, signedLen) };
}

/** True when the envelope's signature verifies under `ed25519Public` (RFC 8032 §5.1.7) with its kind's label. Never throws. */
export function verifyEnvelope(crypto: E2ECrypto, env: ParsedEnvelope, ed25519Public: Uint8Array): boolean {
  return crypto.ed25519Verify(ed25519Public, signatureInput(env.kind, env.signedBytes), env.signature);
}
