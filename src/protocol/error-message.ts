/**
 * The Error message (type 0x7F), the only unencrypted way to report a failure, used before a
 * session exists: type | version | code (u8 length + ASCII) | message (u16 length + UTF-8).
 * Its layout is the same in every protocol version, so a receiver accepts any version byte.
 */
import { ByteReader, ByteWriter } from './bytes.js';
import { MessageType, PROTOCOL_VERSION } from './constants.js';
import { protocolError, type RemoteError } from './errors.js';
import { ERROR_CODE_RE, MAX_ERROR_CODE_LENGTH, MAX_ERROR_MESSAGE_LENGTH } from './limits.js';

/** Longest possible Error message: header, code and message at their limits. */
export const MAX_ERROR_LENGTH = 2 + 1 + MAX_ERROR_CODE_LENGTH + 2 + MAX_ERROR_MESSAGE_LENGTH;

/** UTF-8 of `s`, cut to at most `max` bytes on a character boundary. */
function utf8Truncated(s: string, max: number): Uint8Array {
  const b = new TextEncoder().encode(s);
  if (b.length <= max) return b;
  let end = max;
  while (end > 0 && (b[end]! & 0xc0) === 0x80) end--; // never split a UTF-8 sequence
  return b.slice(0, end);
}

/**
 * Encodes an Error message. `code` is a ProtocolErrorCode or an application code (e.g.
 * 'server_full'); `message` is human-readable and is cut to MAX_ERROR_MESSAGE_LENGTH UTF-8
 * bytes. Throws ProtocolError 'malformed' when `code` does not match ERROR_CODE_RE.
 */
export function encodeError(code: string, message: string): Uint8Array {
  if (typeof code !== 'string' || !ERROR_CODE_RE.test(code)) throw protocolError('malformed', `invalid error code ${JSON.stringify(code)}`);
  return new ByteWriter()
    .u8(MessageType.Error)
    .u8(PROTOCOL_VERSION)
    .vec8(new TextEncoder().encode(code), 1, MAX_ERROR_CODE_LENGTH, 'Error code')
    .vec16(utf8Truncated(String(message), MAX_ERROR_MESSAGE_LENGTH), 0, MAX_ERROR_MESSAGE_LENGTH, 'Error message')
    .bytes();
}

/**
 * Decodes an Error message into its code and message. Throws ProtocolError 'unexpected_message'
 * when the type byte is not 0x7F, 'too_large' above MAX_ERROR_LENGTH, and 'malformed' for a
 * short or over-long message, a code outside ERROR_CODE_RE, invalid UTF-8 or trailing bytes.
 */
export function parseError(msg: Uint8Array): RemoteError {
  if (!(msg instanceof Uint8Array) || msg.length < 2) throw protocolError('malformed', 'Error: message too short');
  if (msg[0] !== MessageType.Error) throw protocolError('unexpected_message', 'not an Error message');
  if (msg.length > MAX_ERROR_LENGTH) throw protocolError('too_large', `Error: ${msg.length} bytes exceeds the ${MAX_ERROR_LENGTH}-byte limit`);
  const r = new ByteReader(msg, 'Error');
  r.fixed(2, 'header'); // any version: the Error layout never changes
  const codeBytes = r.vec8(1, MAX_ERROR_CODE_LENGTH, 'code');
  const text = r.vec16(0, MAX_ERROR_MESSAGE_LENGTH, 'message');
  r.end();
  const code = String.fromCharCode(...codeBytes);
  if (!ERROR_CODE_RE.test(code)) throw protocolError('malformed', 'Error: code is not [a-z0-9_]');
  let message: string;
  try {
    message = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(text);
  } catch (e) {
    throw protocolError('malformed', 'Error: message is not valid UTF-8', e);
  }
  return { code, message };
}
