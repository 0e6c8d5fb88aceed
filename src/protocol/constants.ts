/**
 * Fixed values of protocol version 2: the WebSocket subprotocol, the version byte, the message
 * types and the ASCII labels that separate the uses of each key (docs/PROTOCOL.md).
 *
 * Version 2 changed the application messages only (end-to-end encryption: the server relays
 * opaque payloads, docs/PROTOCOL.md §Application messages); its handshake is version 1's but
 * for the version byte, which both signatures cover. The labels therefore keep their
 * "parley/1" text: they name the handshake's uses of each key, which did not change.
 */

/** The WebSocket subprotocol (RFC 6455 §1.9, Sec-WebSocket-Protocol) a client asks for and a server must select. */
export const SUBPROTOCOL = 'parley.v2';

/** The protocol version carried in byte 1 of every handshake and Error message. */
export const PROTOCOL_VERSION = 2;

/**
 * The subprotocol of each version this implementation can still run the handshake of, newest
 * first. A version-2 server selects `parley.v1` for a client that offers nothing newer only to
 * tell it, over an authenticated session, that it must upgrade (docs/PROTOCOL.md §Versions).
 */
export const SUBPROTOCOL_VERSIONS: ReadonlyMap<string, number> = new Map([
  [SUBPROTOCOL, PROTOCOL_VERSION],
  ['parley.v1', 1],
]);

/** Byte 0 of every protocol message. */
export const MessageType = {
  ClientHello: 0x01,
  ServerHello: 0x02,
  ClientFinish: 0x03,
  /** A ClientHello that asks for session tickets and may offer one (docs/PROTOCOL.md §Session resumption). */
  ResumeHello: 0x04,
  /** The server's answer that accepts the ticket of a ResumeHello. */
  ResumeServerHello: 0x05,
  /** The client's Finished of a resumption. */
  ResumeFinish: 0x06,
  Frame: 0x10,
  Error: 0x7f,
} as const;

/** One of the values of MessageType. */
export type MessageTypeValue = (typeof MessageType)[keyof typeof MessageType];

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

/** RSAES-OAEP label (RFC 8017 §7.1) of the server_secret wrapped to the client's key. */
export const LABEL_SERVER_SECRET = ascii('parley/1 server secret');
/** RSAES-OAEP label (RFC 8017 §7.1) of the client_secret wrapped to the server's key. */
export const LABEL_CLIENT_SECRET = ascii('parley/1 client secret');
/** Context string of the server's signature (followed by one 0x00 byte, as in RFC 8446 §4.4.3). */
export const CONTEXT_SERVER_SIGNATURE = ascii('parley/1 server signature');
/** Context string of the client's signature (followed by one 0x00 byte). */
export const CONTEXT_CLIENT_SIGNATURE = ascii('parley/1 client signature');
/** HKDF `info` (RFC 5869 §2.3) of the session key expansion. */
export const INFO_SESSION_KEYS = ascii('parley/1 session keys');
/** HKDF `info` of the resumption secret a session leaves for its next connection (docs/PROTOCOL.md §Session resumption). */
export const INFO_RESUMPTION_SECRET = ascii('parley/1 resumption secret');
/** HKDF `info` of a resumption's two Finished keys (server's, then client's). */
export const INFO_RESUME_FINISHED = ascii('parley/1 resume finished keys');
/** HKDF `info` of a resumed session's keys (the same split as INFO_SESSION_KEYS'). */
export const INFO_RESUMED_SESSION_KEYS = ascii('parley/1 resumed session keys');
/** HKDF `info` prefix of a ticket key; the key epoch follows as a u32. */
export const INFO_TICKET_KEY = ascii('parley/1 ticket key');
