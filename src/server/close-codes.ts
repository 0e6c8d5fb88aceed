/**
 * How the end of a connection is named: the WebSocket close code the server sends (to the
 * client), and the `leave` reason the rooms see when the connection, not the hub, ended a member
 * (the hub names its own ends: `slow consumer`, `flooding`, `reconnected`, `connection error`).
 */
import type { ChatErrorCode } from '../chat/events.js';
import type { ProtocolErrorCode } from '../protocol/errors.js';

/** WebSocket close codes used by the server (4000–4999 are the application's). */
export const CLOSE = {
  normal: 1000,
  goingAway: 1001,
  tooBig: 1009,
  handshakeFailed: 4001, // the handshake failed (the Error message's code says why: malformed, bad_signature, …) or timed out
  refused: 4002, // name_taken, server_full, invalid_name, unsupported_version: the `error` event (or Error message) says which
  protocolError: 4003, // a frame error after the handshake (`error` event protocol_error)
  rateLimited: 4004,
  slowConsumer: 4005,
  idle: 4006,
} as const;

/**
 * The close code for a connection the server ends with `code`: a ChatErrorCode, or — in the
 * plaintext Error message of a failed handshake — a ProtocolErrorCode. Never throws.
 */
export function closeCodeFor(code: ChatErrorCode | ProtocolErrorCode): number {
  switch (code) {
    case 'rate_limited':
      return CLOSE.rateLimited;
    case 'slow_consumer':
      return CLOSE.slowConsumer;
    case 'idle_timeout':
      return CLOSE.idle;
    case 'shutting_down':
      return CLOSE.goingAway;
    case 'protocol_error':
      return CLOSE.protocolError;
    case 'handshake_failed':
    case 'handshake_timeout':
    case 'malformed':
    case 'unexpected_message':
    case 'bad_signature':
    case 'decrypt_failed':
    case 'replay':
    case 'out_of_order':
    case 'too_large':
      return CLOSE.handshakeFailed;
    default:
      return CLOSE.refused;
  }
}

/** The `leave` reason when the server ends a member's connection with `code` (idle_timeout → "idle timeout"). */
export function leaveReasonFor(code: ChatErrorCode | ProtocolErrorCode): string {
  switch (code) {
    case 'idle_timeout':
      return 'idle timeout';
    case 'slow_consumer':
      return 'slow consumer';
    case 'rate_limited':
      return 'flooding';
    case 'internal_error':
      return 'server error';
    case 'shutting_down':
      return 'server shutting down';
    default:
      return code.replace(/_/g, ' ');
  }
}

/**
 * The `leave` reason when the client's side ended the connection, by the close code the server
 * saw (RFC 6455 §7.4.1): a close handshake (1000, 1001 a closed browser tab, 1005 no code) is
 * "quit"; no close frame at all (1006: the process was killed, the network or machine went away)
 * is "connection lost"; anything else (a malformed or oversized frame) is "connection error".
 */
export function leaveReasonForClose(code: number): string {
  if (code === 1000 || code === 1001 || code === 1005) return 'quit';
  if (code === 1006) return 'connection lost';
  return 'connection error';
}
