/**
 * Byte layouts of the three handshake messages (docs/PROTOCOL.md §Handshake), encoding and
 * strict structural decoding only; the cryptographic checks live in client-handshake.ts and
 * server-handshake.ts. Every decoder throws only ProtocolError ('malformed', 'too_large',
 * 'unexpected_message', 'unsupported_version', see openHandshakeMessage).
 */
import { NAME_RE } from '../chat/events.js';
import { ByteReader, ByteWriter, copyBytes } from './bytes.js';
import { MessageType, PROTOCOL_VERSION } from './constants.js';
import { openHandshakeMessage, startHandshakeMessage } from './envelope.js';
import { protocolError } from './errors.js';
import { parseError } from './error-message.js';
import { MAX_RSA_BYTES, MAX_SPKI_LENGTH, NONCE_LENGTH, X25519_LENGTH } from './limits.js';

/** ClientHello (0x01) fields. */
export interface ClientHello {
  nonce: Uint8Array;
  /** The client's ephemeral X25519 public key. */
  ephemeral: Uint8Array;
  /** The client's RSA public key, SubjectPublicKeyInfo DER. */
  rsaKey: Uint8Array;
  /** The requested name, matching NAME_RE. */
  name: string;
}

/** ServerHello (0x02) fields; `signed` is the message up to, not including, the signature's length. */
export interface ServerHello {
  nonce: Uint8Array;
  ephemeral: Uint8Array;
  rsaKey: Uint8Array;
  /** RSAES-OAEP(client RSA key, server_secret). */
  wrappedSecret: Uint8Array;
  signature: Uint8Array;
  signed: Uint8Array;
}

/** ClientFinish (0x03) fields; `signed` is the message up to, not including, the signature's length. */
export interface ClientFinish {
  /** RSAES-OAEP(server RSA key, client_secret). */
  wrappedSecret: Uint8Array;
  signature: Uint8Array;
  signed: Uint8Array;
}

/** Throws a ProtocolError 'handshake_failed' that carries the peer's Error message as `remote`. */
export function peerRefused(msg: Uint8Array): never {
  const remote = parseError(msg);
  throw protocolError('handshake_failed', `the peer refused the handshake: ${remote.code}: ${remote.message}`, undefined, remote);
}

/** Throws ProtocolError 'malformed' unless `name` matches NAME_RE (1–32 of A–Z a–z 0–9 _ . -). */
export function checkName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || !NAME_RE.test(name))
    throw protocolError('malformed', 'name must be 1–32 characters of A–Z a–z 0–9 _ . -');
}

/**
 * Encodes a ClientHello of protocol `version` (default PROTOCOL_VERSION). Throws ProtocolError
 * 'malformed' when a field has the wrong length or the name is invalid.
 */
export function encodeClientHello(m: ClientHello, version: number = PROTOCOL_VERSION): Uint8Array {
  return writeClientHelloFields(startHandshakeMessage(MessageType.ClientHello, version), m).bytes();
}

/**
 * Writes a ClientHello's fields after the type and version bytes: the start of a ResumeHello's
 * body too (resume-messages.ts). Throws ProtocolError 'malformed' for a bad length or name.
 */
export function writeClientHelloFields(w: ByteWriter, m: ClientHello): ByteWriter {
  checkName(m.name);
  return w
    .fixed(m.nonce, NONCE_LENGTH, 'client_nonce')
    .fixed(m.ephemeral, X25519_LENGTH, 'client ephemeral')
    .vec16(m.rsaKey, 1, MAX_SPKI_LENGTH, 'client RSA key')
    .vec8(new TextEncoder().encode(m.name), 1, 32, 'name');
}

/**
 * Decodes a ClientHello strictly (exact lengths, no trailing bytes, name syntax) of protocol
 * `version` (default PROTOCOL_VERSION). Throws as the module doc says.
 */
export function parseClientHello(msg: Uint8Array, version: number = PROTOCOL_VERSION): ClientHello {
  const r = openHandshakeMessage(msg, MessageType.ClientHello, undefined, version);
  const fields = readClientHelloFields(r);
  r.end();
  checkName(fields.name);
  return fields;
}

/**
 * Reads a ClientHello's fields (a ResumeHello's first ones too). The name's syntax is NOT checked
 * here: the caller checks it with checkName after r.end(). Throws ProtocolError as ByteReader does.
 */
export function readClientHelloFields(r: ByteReader): ClientHello {
  const nonce = r.fixed(NONCE_LENGTH, 'client_nonce');
  const ephemeral = r.fixed(X25519_LENGTH, 'client ephemeral');
  const rsaKey = r.vec16(1, MAX_SPKI_LENGTH, 'client RSA key');
  const name = String.fromCharCode(...r.vec8(1, 32, 'name'));
  return { nonce, ephemeral, rsaKey, name };
}

/**
 * Encodes a ServerHello of protocol `version` (default PROTOCOL_VERSION) without its signature:
 * the bytes the server signs. Throws ProtocolError 'malformed' for a field of the wrong length.
 */
export function encodeServerHelloSigned(m: Omit<ServerHello, 'signature' | 'signed'>, version: number = PROTOCOL_VERSION): Uint8Array {
  return startHandshakeMessage(MessageType.ServerHello, version)
    .fixed(m.nonce, NONCE_LENGTH, 'server_nonce')
    .fixed(m.ephemeral, X25519_LENGTH, 'server ephemeral')
    .vec16(m.rsaKey, 1, MAX_SPKI_LENGTH, 'server RSA key')
    .vec16(m.wrappedSecret, 1, MAX_RSA_BYTES, 'server_secret_wrapped')
    .bytes();
}

/**
 * Decodes a ServerHello of protocol `version` (default PROTOCOL_VERSION) strictly. An Error
 * message (0x7F) in its place throws ProtocolError 'handshake_failed' with the peer's code and
 * message in `remote`. Otherwise throws as the module doc says.
 */
export function parseServerHello(msg: Uint8Array, version: number = PROTOCOL_VERSION): ServerHello {
  const r = openHandshakeMessage(msg, MessageType.ServerHello, peerRefused, version);
  const nonce = r.fixed(NONCE_LENGTH, 'server_nonce');
  const ephemeral = r.fixed(X25519_LENGTH, 'server ephemeral');
  const rsaKey = r.vec16(1, MAX_SPKI_LENGTH, 'server RSA key');
  const wrappedSecret = r.vec16(1, MAX_RSA_BYTES, 'server_secret_wrapped');
  const signedEnd = r.offset;
  const signature = r.vec16(1, MAX_RSA_BYTES, 'signature');
  r.end();
  return { nonce, ephemeral, rsaKey, wrappedSecret, signature, signed: copyBytes(msg, 0, signedEnd) };
}

/**
 * Encodes a ClientFinish of protocol `version` (default PROTOCOL_VERSION) without its signature:
 * the bytes the client signs. Throws ProtocolError 'malformed' for a bad length.
 */
export function encodeClientFinishSigned(m: Pick<ClientFinish, 'wrappedSecret'>, version: number = PROTOCOL_VERSION): Uint8Array {
  return startHandshakeMessage(MessageType.ClientFinish, version).vec16(m.wrappedSecret, 1, MAX_RSA_BYTES, 'client_secret_wrapped').bytes();
}

/** Decodes a ClientFinish of protocol `version` (default PROTOCOL_VERSION) strictly. Throws as the module doc says. */
export function parseClientFinish(msg: Uint8Array, version: number = PROTOCOL_VERSION): ClientFinish {
  const r = openHandshakeMessage(msg, MessageType.ClientFinish, undefined, version);
  const wrappedSecret = r.vec16(1, MAX_RSA_BYTES, 'client_secret_wrapped');
  const signedEnd = r.offset;
  const signature = r.vec16(1, MAX_RSA_BYTES, 'signature');
  r.end();
  return { wrappedSecret, signature, signed: copyBytes(msg, 0, signedEnd) };
}

/** Appends the signature field (u16 length + bytes) to a signed prefix. Throws ProtocolError 'malformed' for a bad length. */
export function appendSignature(signed: Uint8Array, signature: Uint8Array): Uint8Array {
  return new ByteWriter().raw(signed).vec16(signature, 1, MAX_RSA_BYTES, 'signature').bytes();
}
