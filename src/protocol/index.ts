/**
 * Parley's wire protocol, version 2 (docs/PROTOCOL.md): a transport-independent handshake
 * (X25519 + RSA-OAEP-wrapped secrets + RSA-PSS transcript signatures, HKDF-SHA-256) and
 * AES-256-GCM frames carrying the JSON messages of src/chat/events.ts. Bytes in, bytes out;
 * the WebSocket (subprotocol SUBPROTOCOL) is the caller's. Everything here throws only
 * ProtocolError.
 *
 * This entry point is platform-neutral: the Node crypto provider is imported separately,
 * `import { nodeCrypto } from './protocol/crypto-node.js'`, so a browser bundle never pulls in
 * node:crypto.
 */
export { ProtocolError, protocolError, isProtocolError, type ProtocolErrorCode, type RemoteError } from './errors.js';
export { SUBPROTOCOL, SUBPROTOCOL_VERSIONS, PROTOCOL_VERSION, MessageType, type MessageTypeValue } from './constants.js';
export { selectSubprotocol, unsupportedVersionMessage } from './versions.js';
export * from './limits.js';
export type { ProtocolCrypto } from './crypto.js';
export { decodeMessageType } from './envelope.js';
export { encodeError, parseError, MAX_ERROR_LENGTH } from './error-message.js';
export { ClientHandshake, type ClientHandshakeOptions, type ClientHandshakeResult } from './client-handshake.js';
export { ServerHandshake, type ServerHandshakeOptions, type ServerHandshakeResult } from './server-handshake.js';
export { Session, type SessionOptions } from './session.js';
export { unbatch } from './batch.js';
export { deriveSessionKeys, transcriptHash, type SessionKeys, type DirectionKeys, type KeyScheduleInput } from './key-schedule.js';
export { deriveResumptionSecret, deriveFinishedKeys, deriveResumedKeys, finishedMac, type ResumeInput, type FinishedKeys, type ResumedKeys } from './key-schedule.js';
export { TicketSealer, deriveTicketKey, checkTicketOptions, type TicketContents, type TicketOptions } from './ticket.js';
export { type ClientTicket, fingerprintOfHash } from './client-resume.js';
export { type TicketEvent } from './server-resume.js';
export { encodeResumeHello, parseResumeHello, parseResumeServerHello, encodeResumeFinish, parseResumeFinish, type ResumeHello, type ResumeServerHello } from './resume-messages.js';
