/**
 * The server's side of session resumption (docs/PROTOCOL.md §Session resumption): opening the
 * ticket of a ResumeHello and answering with a ResumeServerHello whose Finished MAC only a holder
 * of the ticket key can make; checking the client's Finished; and the `ticket` event that hands
 * a client its next ticket. No RSA operation anywhere: the cost of a resumption is one AES-GCM
 * open, one X25519 exchange, a few HKDF/HMAC/SHA-256 calls and the next ticket's AES-GCM seal.
 */
import { bytesToBase64, equalBytes } from '../rsa/index.js';
import { copyBytes } from './bytes.js';
import type { ProtocolCrypto } from './crypto.js';
import { protocolError, wrapErrors } from './errors.js';
import { deriveFinishedKeys, deriveResumedKeys, finishedMac, hashMessages, type FinishedKeys, type SessionKeys } from './key-schedule.js';
import { NONCE_LENGTH } from './limits.js';
import { encodeResumeServerHelloMacked, parseResumeFinish, type ResumeHello } from './resume-messages.js';
import type { KnownKey } from './rsa-identity.js';
import type { TicketContents, TicketSealer } from './ticket.js';

/** The event (inside a frame, after `ready`) that gives a client its next ticket: docs/PROTOCOL.md §Ticket event. */
export interface TicketEvent {
  type: 'ticket';
  /** The ticket, standard base64 (RFC 4648 §4, padded). */
  ticket: string;
  /** How long the client may offer it, in ms from its arrival. */
  lifetimeMs: number;
}

/** A resumption accepted so far: what the ResumeFinish is checked against. */
export interface ResumePending {
  clientHello: Uint8Array;
  serverHello: Uint8Array;
  contents: TicketContents;
  client: KnownKey;
  finishedKeys: FinishedKeys;
  resumptionSecret: Uint8Array;
  shared: Uint8Array;
}

/**
 * Opens the ticket of a ResumeHello and, when it is acceptable — authentic, of this connection's
 * protocol version, within its lifetime and key epochs, and for the very key and name the hello
 * states — returns the ResumeServerHello and the pending state. Undefined for any refusal, with no
 * reason (the caller goes on with a full handshake). `shared` is X25519 of the server's fresh
 * ephemeral key and the client's share, computed by the caller. Throws ProtocolError
 * 'handshake_failed' only if the crypto provider fails.
 */
export function acceptTicket(
  crypto: ProtocolCrypto, tickets: TicketSealer, own: KnownKey, client: KnownKey, clientHello: Uint8Array, rh: ResumeHello,
  eph: { publicKey: Uint8Array }, shared: Uint8Array, version: number,
): { serverHello: Uint8Array; pending: ResumePending } | undefined {
  const contents = tickets.open(rh.ticket, version);
  if (!contents || contents.name !== rh.name || contents.fingerprint !== client.fingerprint || !equalBytes(contents.clientSpki, client.spki)) return undefined;
  const nonce = wrapErrors('handshake_failed', 'random generation failed', () => crypto.randomBytes(NONCE_LENGTH));
  // the server states its key (its fingerprint's hash) inside the MACed transcript; the client compares it with its pin
  const macked = encodeResumeServerHelloMacked({ nonce, ephemeral: eph.publicKey, serverKeyHash: wrapErrors('handshake_failed', 'SHA-256 failed', () => crypto.sha256(own.spki)) }, version);
  const input = { resumptionSecret: contents.resumptionSecret, sharedSecret: shared };
  const thServer = hashMessages(crypto, clientHello, macked);
  const finishedKeys = deriveFinishedKeys(crypto, input, thServer);
  // RFC 8446 §4.4.4: the server's Finished, keyed from the resumption secret only the ticket key could reveal
  const serverHello = new Uint8Array([...macked, ...finishedMac(crypto, finishedKeys.server, thServer)]);
  return { serverHello, pending: { clientHello, serverHello, contents, client, finishedKeys, resumptionSecret: contents.resumptionSecret, shared } };
}

/**
 * Checks a ResumeFinish against the pending resumption: its layout, then the client's Finished
 * over ResumeHello ‖ ResumeServerHello (constant-time comparison). Returns the session keys, the
 * transcript hash and the next resumption secret. Throws ProtocolError 'unexpected_message',
 * 'unsupported_version', 'malformed', 'too_large', 'bad_signature' (the Finished does not verify:
 * the sender does not hold the resumption secret) or 'handshake_failed'.
 */
export function finishResume(crypto: ProtocolCrypto, p: ResumePending, msg: Uint8Array, version: number): { keys: SessionKeys; transcriptHash: Uint8Array; nextResumptionSecret: Uint8Array } {
  const finish = copyBytes(msg);
  const mac = parseResumeFinish(finish, version);
  const thClient = hashMessages(crypto, p.clientHello, p.serverHello);
  // RFC 8446 §4.4.4: the client proves it holds the resumption secret, over the whole transcript so far
  if (!equalBytes(mac, finishedMac(crypto, p.finishedKeys.client, thClient))) throw protocolError('bad_signature', "the client's Finished does not verify");
  const transcriptHash = hashMessages(crypto, p.clientHello, p.serverHello, finish);
  const { keys, nextResumptionSecret } = deriveResumedKeys(crypto, { resumptionSecret: p.resumptionSecret, sharedSecret: p.shared }, transcriptHash);
  return { keys, transcriptHash, nextResumptionSecret };
}

/** Wipes the secrets of a pending resumption. Never throws. */
export function wipeResume(p: ResumePending): void {
  for (const b of [p.finishedKeys.server, p.finishedKeys.client, p.resumptionSecret, p.shared]) b.fill(0);
}

/**
 * The `ticket` event for a client just authenticated as `c`, or undefined when no ticket is due
 * (its chain reached maxAuthAgeMs). Throws ProtocolError 'handshake_failed' if sealing fails.
 */
export function ticketEvent(tickets: TicketSealer, c: Omit<TicketContents, 'issuedAt' | 'lifetimeMs'>): TicketEvent | undefined {
  const t = wrapErrors('handshake_failed', 'sealing the ticket failed', () => tickets.seal(c));
  return t && { type: 'ticket', ticket: bytesToBase64(t.ticket), lifetimeMs: t.lifetimeMs };
}
