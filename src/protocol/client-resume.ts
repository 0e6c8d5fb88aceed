/**
 * The client's side of session resumption (docs/PROTOCOL.md §Session resumption): checking a
 * ResumeServerHello — the server's stated key against the one that issued the ticket, and its
 * Finished MAC, which only a holder of the ticket key could make — and making the ResumeFinish
 * that proves the client holds the resumption secret. No RSA operation.
 */
import { equalBytes, fingerprintOfDigest } from '../rsa/index.js';
import type { ProtocolCrypto } from './crypto.js';
import { protocolError, wrapErrors } from './errors.js';
import { deriveFinishedKeys, deriveResumedKeys, finishedMac, hashMessages, type SessionKeys } from './key-schedule.js';
import { encodeResumeFinish, type ResumeServerHello } from './resume-messages.js';

/** A ticket as a client keeps it (in memory), with what it needs to use it. */
export interface ClientTicket {
  /** The opaque ticket the server sent. */
  ticket: Uint8Array;
  /** The resumption secret of the session the ticket was issued on (never sent). */
  resumptionSecret: Uint8Array;
  /** "SHA256:…" of the server key that session authenticated. */
  serverFingerprint: string;
}

/** The fingerprint string ("SHA256:" ‖ unpadded base64) of a 32-byte key hash: src/rsa's fingerprintOfDigest. Never throws. */
export const fingerprintOfHash = fingerprintOfDigest;

/** What a completed resumption gives the client. */
export interface ClientResumed {
  finish: Uint8Array;
  keys: SessionKeys;
  transcriptHash: Uint8Array;
  serverFingerprint: string;
  nextResumptionSecret: Uint8Array;
}

/**
 * Checks a ResumeServerHello and makes the ResumeFinish and the resumed keys. `shared` is X25519
 * of the client's ephemeral key and the server's share. Throws ProtocolError 'handshake_failed'
 * when the server states another key than the ticket's server, and 'bad_signature' when its
 * Finished does not verify (it does not hold the ticket key).
 */
export function clientResume(
  crypto: ProtocolCrypto, ticket: ClientTicket, clientHello: Uint8Array, serverHello: Uint8Array, rsh: ResumeServerHello, shared: Uint8Array, version: number,
): ClientResumed {
  const serverFingerprint = fingerprintOfHash(rsh.serverKeyHash);
  if (serverFingerprint !== ticket.serverFingerprint) throw protocolError('handshake_failed', 'the server states another key than the one that issued the ticket');
  const input = { resumptionSecret: ticket.resumptionSecret, sharedSecret: shared };
  const thServer = hashMessages(crypto, clientHello, rsh.macked);
  const fk = deriveFinishedKeys(crypto, input, thServer);
  try {
    // RFC 8446 §4.4.4: the server's Finished proves it opened the ticket (it holds the ticket key)
    if (!equalBytes(rsh.serverFinished, finishedMac(crypto, fk.server, thServer))) throw protocolError('bad_signature', "the server's Finished does not verify");
    const finish = encodeResumeFinish(finishedMac(crypto, fk.client, hashMessages(crypto, clientHello, serverHello)), version);
    const transcriptHash = hashMessages(crypto, clientHello, serverHello, finish);
    const { keys, nextResumptionSecret } = wrapErrors('handshake_failed', 'key schedule failed', () => deriveResumedKeys(crypto, input, transcriptHash));
    return { finish, keys, transcriptHash, serverFingerprint, nextResumptionSecret };
  } finally {
    fk.server.fill(0);
    fk.client.fill(0);
  }
}
