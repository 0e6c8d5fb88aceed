/**
 * The first bytes of every protocol message: byte 0 is the type (MessageType); in handshake and
 * Error messages byte 1 is the protocol version. Frames (0x10) have no version byte.
 */
import { ByteReader, ByteWriter } from './bytes.js';
import { MessageType, PROTOCOL_VERSION, type MessageTypeValue } from './constants.js';
import { protocolError } from './errors.js';
import { MAX_HANDSHAKE_LENGTH } from './limits.js';

const KNOWN: ReadonlySet<number> = new Set(Object.values(MessageType));
const NAMES: Record<number, string> = Object.fromEntries(Object.entries(MessageType).map(([k, v]) => [v, k]));

/** The name of a message type for error messages ("ServerHello", or "0x42"). Never throws. */
export function messageTypeName(type: number): string {
  return NAMES[type] ?? `0x${type.toString(16).padStart(2, '0')}`;
}

/**
 * The type of a received message (byte 0), so a caller can dispatch: one of MessageType.
 * Throws ProtocolError 'malformed' for something that is not a non-empty Uint8Array and
 * 'unexpected_message' for an unknown type byte.
 */
export function decodeMessageType(msg: Uint8Array): MessageTypeValue {
  if (!(msg instanceof Uint8Array) || msg.length === 0) throw protocolError('malformed', 'empty or non-binary protocol message');
  const t = msg[0]!;
  if (!KNOWN.has(t)) throw protocolError('unexpected_message', `unknown message type ${messageTypeName(t)}`);
  return t as MessageTypeValue;
}

/** A writer that has already written `type` and `version` (default PROTOCOL_VERSION). Never throws. */
export function startHandshakeMessage(type: MessageTypeValue, version: number = PROTOCOL_VERSION): ByteWriter {
  return new ByteWriter().u8(type).u8(version);
}

/**
 * Checks the envelope of a received handshake message and returns a reader positioned after
 * the version byte. Throws ProtocolError: 'malformed' when it is not a Uint8Array or is
 * shorter than 2 bytes, 'too_large' above MAX_HANDSHAKE_LENGTH, 'unexpected_message' when the
 * type is not `type` (with the peer's Error details as `remote` when it is an Error message),
 * 'unsupported_version' when byte 1 is not `version` (default PROTOCOL_VERSION: a server
 * passes the version of the connection's subprotocol).
 */
export function openHandshakeMessage(
  msg: Uint8Array,
  type: MessageTypeValue,
  peerError?: (msg: Uint8Array) => never,
  version: number = PROTOCOL_VERSION,
): ByteReader {
  const what = messageTypeName(type);
  if (!(msg instanceof Uint8Array) || msg.length < 2) throw protocolError('malformed', `${what}: message too short`);
  if (msg.length > MAX_HANDSHAKE_LENGTH) throw protocolError('too_large', `${what}: ${msg.length} bytes exceeds the ${MAX_HANDSHAKE_LENGTH}-byte limit`);
  if (msg[0] !== type) {
    if (msg[0] === MessageType.Error && peerError) peerError(msg);
    throw protocolError('unexpected_message', `expected ${what}, got ${messageTypeName(msg[0]!)}`);
  }
  // the version byte: one version per WebSocket subprotocol, no negotiation inside the handshake
  if (msg[1] !== version) {
    const speaks = version === PROTOCOL_VERSION ? `this implementation speaks ${PROTOCOL_VERSION}` : `this connection's subprotocol is version ${version}`;
    throw protocolError('unsupported_version', `${what}: protocol version ${msg[1]} is not supported (${speaks})`);
  }
  const r = new ByteReader(msg, what);
  r.fixed(2, 'header');
  return r;
}
