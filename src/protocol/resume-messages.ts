/**
 * Byte layouts of the three session-resumption messages (docs/PROTOCOL.md §Session resumption):
 * ResumeHello (0x04) — a ClientHello that asks for tickets and may offer one —,
 * ResumeServerHello (0x05) and ResumeFinish (0x06). Encoding and strict structural decoding
 * only; the checks of the ticket and the Finished MACs live in server-resume.ts and
 * client-resume.ts. Decoders throw only ProtocolError ('malformed', 'too_large',
 * 'unexpected_message', 'unsupported_version', or 'handshake_failed' for a peer's Error message).
 */
import { copyBytes } from './bytes.js';
import { MessageType, PROTOCOL_VERSION } from './constants.js';
import { openHandshakeMessage, startHandshakeMessage } from './envelope.js';
import { protocolError } from './errors.js';
import { checkName, peerRefused, readClientHelloFields, writeClientHelloFields, type ClientHello } from './messages.js';
import { FINISHED_LENGTH, MAX_TICKET_LENGTH, NONCE_LENGTH, X25519_LENGTH } from './limits.js';

/** ResumeHello (0x04): a ClientHello's fields and a ticket, empty when the client has none to offer. */
export interface ResumeHello extends ClientHello {
  /** The ticket to resume with (0–MAX_TICKET_LENGTH bytes; empty: "no ticket, but issue me one"). */
  ticket: Uint8Array;
}

/** ResumeServerHello (0x05) fields; `macked` is the message up to, not including, server_finished. */
export interface ResumeServerHello {
  nonce: Uint8Array;
  ephemeral: Uint8Array;
  /** SHA-256 of the server's RSA key (SPKI DER): its fingerprint, stated inside the transcript. */
  serverKeyHash: Uint8Array;
  serverFinished: Uint8Array;
  macked: Uint8Array;
}

/** Length of a ResumeServerHello up to server_finished, and in all. */
export const RESUME_SERVER_HELLO_MACKED = 2 + NONCE_LENGTH + X25519_LENGTH + 32;
const RESUME_SERVER_HELLO_LENGTH = RESUME_SERVER_HELLO_MACKED + FINISHED_LENGTH;

/** Encodes a ResumeHello of protocol `version`. Throws ProtocolError 'malformed' for a bad field. */
export function encodeResumeHello(m: ResumeHello, version: number = PROTOCOL_VERSION): Uint8Array {
  return writeClientHelloFields(startHandshakeMessage(MessageType.ResumeHello, version), m).vec16(m.ticket, 0, MAX_TICKET_LENGTH, 'ticket').bytes();
}

/** Decodes a ResumeHello strictly (exact lengths, no trailing bytes, name syntax). Throws as the module doc says. */
export function parseResumeHello(msg: Uint8Array, version: number = PROTOCOL_VERSION): ResumeHello {
  const r = openHandshakeMessage(msg, MessageType.ResumeHello, undefined, version);
  const fields = readClientHelloFields(r);
  const ticket = r.vec16(0, MAX_TICKET_LENGTH, 'ticket');
  r.end();
  checkName(fields.name);
  return { ...fields, ticket };
}

/** Encodes a ResumeServerHello without its server_finished: the bytes the MAC's transcript ends with. Throws ProtocolError 'malformed'. */
export function encodeResumeServerHelloMacked(m: Omit<ResumeServerHello, 'serverFinished' | 'macked'>, version: number = PROTOCOL_VERSION): Uint8Array {
  return startHandshakeMessage(MessageType.ResumeServerHello, version)
    .fixed(m.nonce, NONCE_LENGTH, 'server_nonce')
    .fixed(m.ephemeral, X25519_LENGTH, 'server ephemeral')
    .fixed(m.serverKeyHash, 32, 'server key hash')
    .bytes();
}

/**
 * Decodes what a client receives after a ResumeHello: a ResumeServerHello, or `undefined` for a
 * ServerHello (0x02: the server refused the ticket, the full handshake goes on). An Error
 * message throws ProtocolError 'handshake_failed' with the peer's code and message in `remote`.
 * Otherwise throws as the module doc says.
 */
export function parseResumeServerHello(msg: Uint8Array, version: number = PROTOCOL_VERSION): ResumeServerHello | undefined {
  if (msg instanceof Uint8Array && msg[0] === MessageType.ServerHello) return undefined;
  const r = openHandshakeMessage(msg, MessageType.ResumeServerHello, peerRefused, version);
  if (msg.length !== RESUME_SERVER_HELLO_LENGTH) throw protocolError('malformed', `ResumeServerHello must be ${RESUME_SERVER_HELLO_LENGTH} bytes`);
  const nonce = r.fixed(NONCE_LENGTH, 'server_nonce');
  const ephemeral = r.fixed(X25519_LENGTH, 'server ephemeral');
  const serverKeyHash = r.fixed(32, 'server key hash');
  const serverFinished = r.fixed(FINISHED_LENGTH, 'server_finished');
  r.end();
  return { nonce, ephemeral, serverKeyHash, serverFinished, macked: copyBytes(msg, 0, RESUME_SERVER_HELLO_MACKED) };
}

/** Encodes a ResumeFinish. Throws ProtocolError 'malformed' for a MAC of the wrong length. */
export function encodeResumeFinish(clientFinished: Uint8Array, version: number = PROTOCOL_VERSION): Uint8Array {
  return startHandshakeMessage(MessageType.ResumeFinish, version).fixed(clientFinished, FINISHED_LENGTH, 'client_finished').bytes();
}

/** Decodes a ResumeFinish strictly and returns client_finished. Throws as the module doc says. */
export function parseResumeFinish(msg: Uint8Array, version: number = PROTOCOL_VERSION): Uint8Array {
  const r = openHandshakeMessage(msg, MessageType.ResumeFinish, undefined, version);
  const mac = r.fixed(FINISHED_LENGTH, 'client_finished');
  r.end();
  return mac;
}
