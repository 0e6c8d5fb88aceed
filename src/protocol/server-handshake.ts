/**
 * The server's side of the handshake (docs/PROTOCOL.md §Handshake): onClientHello() checks the
 * ClientHello and makes the signed ServerHello; onClientFinish() checks the client's signature
 * and returns the Session with the client's authenticated key and requested name. With ticket
 * options, a ResumeHello (0x04) is accepted too: a valid ticket makes it a resumption
 * (server-resume.ts, no RSA), anything else a full handshake; either way the result carries the
 * client's next ticket (docs/PROTOCOL.md §Session resumption).
 */
import type { RsaPrivateKey, RsaPublicKey } from '../rsa/index.js';
import { copyBytes } from './bytes.js';
import {
  CONTEXT_CLIENT_SIGNATURE, CONTEXT_SERVER_SIGNATURE, LABEL_CLIENT_SECRET, LABEL_SERVER_SECRET, PROTOCOL_VERSION, SUBPROTOCOL_VERSIONS,
} from './constants.js';
import type { ProtocolCrypto } from './crypto.js';
import { protocolError, wrapErrors } from './errors.js';
import { deriveResumptionSecret, deriveSessionKeys, transcriptHash } from './key-schedule.js';
import { appendSignature, encodeServerHelloSigned, parseClientFinish, parseClientHello, type ClientHello } from './messages.js';
import { MessageType } from './constants.js';
import { parseResumeHello } from './resume-messages.js';
import { acceptTicket, finishResume, ticketEvent, wipeResume, type ResumePending, type TicketEvent } from './server-resume.js';
import type { TicketSealer } from './ticket.js';
import { importPeerKey, ownIdentity, signTranscript, unwrapSecret, verifyTranscript, wrapSecret, type KnownKey } from './rsa-identity.js';
import { checkMaxFrameLength, Session } from './session.js';
import { NONCE_LENGTH, SECRET_LENGTH } from './limits.js';

/** Options of ServerHandshake. */
export interface ServerHandshakeOptions {
  /** The server's long-term RSA key (2048–4096 bits, e = 65537); clients pin its fingerprint. */
  identity: RsaPrivateKey;
  crypto: ProtocolCrypto;
  /** Passed to the Session; default DEFAULT_MAX_FRAME_LENGTH. */
  maxFrameLength?: number;
  /**
   * The protocol version of this connection, given by the subprotocol the server selected
   * (SUBPROTOCOL_VERSIONS): PROTOCOL_VERSION (the default), or an older version whose handshake
   * is still spoken only so that its client can be told to upgrade over the authenticated
   * session. Every handshake message must carry it.
   */
  version?: number;
  /**
   * Seals and opens session tickets (src/server/tickets.ts gives every connection its server's).
   * Absent: a ResumeHello's ticket is ignored (a full handshake follows) and no ticket is issued.
   */
  tickets?: TicketSealer;
}

/** What onClientFinish returns. */
export interface ServerHandshakeResult {
  /** The server's session. */
  session: Session;
  /** The client's RSA public key, authenticated by its signature over this handshake. */
  clientKey: RsaPublicKey;
  /** "SHA256:…" of clientKey: the client's identity. */
  clientFingerprint: string;
  /** The client's RSA public key as it sent it: canonical SubjectPublicKeyInfo DER (its fingerprint is clientFingerprint). */
  clientSpki: Uint8Array;
  /** The name the client asked for (syntax checked with NAME_RE; uniqueness is the chat layer's business). */
  name: string;
  /** The protocol version of the handshake (ServerHandshakeOptions.version): the caller refuses anything but PROTOCOL_VERSION after it. */
  version: number;
  /** True when the client resumed with a ticket (no RSA operation on either side). */
  resumed: boolean;
  /**
   * The client's next ticket, to send in a frame once the client is admitted (after `ready`):
   * present when it asked for tickets (ResumeHello) and this server issues them.
   */
  ticket?: TicketEvent;
}

interface Pending {
  clientHello: Uint8Array;
  serverHello: Uint8Array;
  client: KnownKey;
  name: string;
  shared: Uint8Array;
  serverSecret: Uint8Array;
}

type State = 'new' | 'hello_sent' | 'done' | 'failed';

/** The server's half of one handshake; use each object for one connection. Throws only ProtocolError. */
export class ServerHandshake {
  readonly #identity: RsaPrivateKey;
  readonly #own: KnownKey;
  readonly #crypto: ProtocolCrypto;
  readonly #maxFrameLength: number;
  readonly #version: number;
  readonly #tickets: TicketSealer | undefined;
  #state: State = 'new';
  #pending: Pending | undefined;
  #resume: ResumePending | undefined;
  /** The client sent a ResumeHello: it wants a ticket. */
  #wantsTicket = false;

  /**
   * Checks the options. Throws ProtocolError 'handshake_failed' when `identity` is not an RSA
   * private key of 2048–4096 bits with e = 65537, 'malformed' for a bad maxFrameLength, and
   * 'unsupported_version' for a version that is not one of SUBPROTOCOL_VERSIONS'.
   */
  constructor(opts: ServerHandshakeOptions) {
    this.#own = ownIdentity(opts.identity, 'server');
    this.#identity = opts.identity;
    this.#crypto = opts.crypto;
    this.#maxFrameLength = checkMaxFrameLength(opts.maxFrameLength);
    const version = opts.version ?? PROTOCOL_VERSION;
    if (![...SUBPROTOCOL_VERSIONS.values()].includes(version)) throw protocolError('unsupported_version', `protocol version ${String(version)} is not spoken here`);
    this.#version = version;
    this.#tickets = opts.tickets;
  }

  /** The protocol version this handshake speaks (ServerHandshakeOptions.version). Never throws. */
  get version(): number {
    return this.#version;
  }

  /** The server's fingerprint, "SHA256:…", as clients will see it. Never throws. */
  get fingerprint(): string {
    return this.#own.fingerprint;
  }

  /**
   * Processes a ClientHello and returns the ServerHello to send. Checks, cheapest first: the
   * envelope and every length, the name (NAME_RE), the client's RSA key (canonical SPKI,
   * 2048–4096 bits, e = 65537) and its X25519 share (not low-order); only then does it sign.
   * With ticket options, a ResumeHello whose ticket is accepted is answered with a
   * ResumeServerHello instead (no signature); any other ResumeHello like a ClientHello.
   * Throws ProtocolError 'unexpected_message' (wrong state or type), 'unsupported_version',
   * 'malformed', 'too_large' or 'handshake_failed'. After any failure this object is unusable.
   */
  onClientHello(msg: Uint8Array): Uint8Array {
    if (this.#state !== 'new') throw protocolError('unexpected_message', `ClientHello not expected now (${this.#state})`);
    this.#state = 'failed';
    const crypto = this.#crypto;
    const clientHello = copyBytes(msg);
    const resume = clientHello[0] === MessageType.ResumeHello;
    const ch: ClientHello & { ticket?: Uint8Array } = resume ? parseResumeHello(clientHello, this.#version) : parseClientHello(clientHello, this.#version);
    this.#wantsTicket = resume && this.#tickets !== undefined;
    const client = importPeerKey(ch.rsaKey, 'client');
    const eph = wrapErrors('handshake_failed', 'X25519 key generation failed', () => {
      const kp = crypto.x25519Keypair(); // RFC 7748 §6.1: a fresh ephemeral key per connection
      if (!(kp.privateKey instanceof Uint8Array) || !(kp.publicKey instanceof Uint8Array)) throw new TypeError('bad key pair');
      return kp;
    });
    let shared: Uint8Array;
    try {
      // RFC 7748 §6.1: computed now, so a low-order share is refused before the server signs anything
      shared = wrapErrors('handshake_failed', 'X25519 failed', () => crypto.x25519(eph.privateKey, ch.ephemeral));
    } finally {
      eph.privateKey.fill(0);
    }
    if (this.#wantsTicket && ch.ticket?.length) {
      // RFC 8446 §4.2.11 psk_dhe_ke: a valid ticket and a fresh X25519 exchange; refused tickets fall through to the full handshake
      const accepted = acceptTicket(crypto, this.#tickets!, this.#own, client, clientHello, ch as Required<typeof ch>, eph, shared, this.#version);
      if (accepted) {
        this.#resume = accepted.pending;
        this.#state = 'hello_sent';
        return copyBytes(accepted.serverHello);
      }
    }
    const { nonce, serverSecret } = wrapErrors('handshake_failed', 'random generation failed', () => ({
      nonce: crypto.randomBytes(NONCE_LENGTH),
      serverSecret: crypto.randomBytes(SECRET_LENGTH),
    }));
    let serverHello: Uint8Array;
    try {
      const signed = encodeServerHelloSigned(
        {
          nonce,
          ephemeral: eph.publicKey,
          rsaKey: this.#own.spki,
          wrappedSecret: wrapSecret(client.key, serverSecret, LABEL_SERVER_SECRET, crypto), // RFC 8017 §7.1.1
        },
        this.#version,
      );
      // RFC 8446 §4.4.3-style signature over the transcript so far, RSASSA-PSS (RFC 8017 §8.1)
      serverHello = appendSignature(signed, signTranscript(this.#identity, CONTEXT_SERVER_SIGNATURE, [clientHello, signed], crypto));
    } catch (e) {
      shared.fill(0);
      serverSecret.fill(0);
      throw e;
    }
    this.#pending = { clientHello, serverHello, client, name: ch.name, shared, serverSecret };
    this.#state = 'hello_sent';
    return copyBytes(serverHello);
  }

  /**
   * Processes the ClientFinish: checks its layout and the client's signature over ClientHello
   * ‖ ServerHello ‖ ClientFinish (made with the key from the ClientHello), unwraps
   * client_secret and derives the session. Throws ProtocolError 'unexpected_message',
   * 'unsupported_version', 'malformed', 'too_large', 'bad_signature' or 'handshake_failed'.
   * After any failure this object is unusable.
   */
  onClientFinish(msg: Uint8Array): ServerHandshakeResult {
    if (this.#state !== 'hello_sent') throw protocolError('unexpected_message', `ClientFinish not expected now (${this.#state})`);
    this.#state = 'failed';
    if (this.#resume) return this.#finishResume(this.#resume, msg);
    const p = this.#pending!;
    this.#pending = undefined;
    try {
      const result = this.#finish(p, copyBytes(msg));
      this.#state = 'done';
      return result;
    } finally {
      p.shared.fill(0);
      p.serverSecret.fill(0);
    }
  }

  #finish(p: Pending, finish: Uint8Array): ServerHandshakeResult {
    const crypto = this.#crypto;
    const cf = parseClientFinish(finish, this.#version);
    if (cf.wrappedSecret.length !== this.#own.key.size) throw protocolError('malformed', 'ClientFinish: client_secret_wrapped is not the size of the server key');
    if (cf.signature.length !== p.client.key.size) throw protocolError('malformed', 'ClientFinish: signature is not the size of the client key');
    // the client proves possession of the key it announced, over the whole transcript (RFC 8446 §4.4.3 pattern)
    verifyTranscript(p.client.key, CONTEXT_CLIENT_SIGNATURE, [p.clientHello, p.serverHello, cf.signed], cf.signature, 'client');
    // RFC 8017 §7.1.2, with implicit rejection (see unwrapSecret)
    const clientSecret = unwrapSecret(crypto, this.#identity, cf.wrappedSecret, LABEL_CLIENT_SECRET);
    const th = transcriptHash(crypto, p.clientHello, p.serverHello, finish);
    // RFC 5869: HKDF over all three secrets, salted with the transcript hash
    const keys = deriveSessionKeys(crypto, { sharedSecret: p.shared, clientSecret, serverSecret: p.serverSecret, transcriptHash: th });
    // the secret this session leaves for the client's next connection (RFC 8446 §7.1's resumption_master_secret)
    const resumptionSecret = this.#wantsTicket ? deriveResumptionSecret(crypto, { sharedSecret: p.shared, clientSecret, serverSecret: p.serverSecret, transcriptHash: th }) : undefined;
    clientSecret.fill(0);
    const session = new Session({ role: 'server', keys, transcriptHash: th, crypto, maxFrameLength: this.#maxFrameLength });
    const ticket = resumptionSecret && this.#ticket(p.client, p.name, resumptionSecret, this.#tickets!.now());
    return { session, clientKey: p.client.key, clientFingerprint: p.client.fingerprint, clientSpki: copyBytes(p.client.spki), name: p.name, version: this.#version, resumed: false, ...(ticket && { ticket }) };
  }

  /** Checks the client's Finished of a resumption and returns the resumed session (no RSA operation). */
  #finishResume(p: ResumePending, msg: Uint8Array): ServerHandshakeResult {
    this.#resume = undefined;
    try {
      const r = finishResume(this.#crypto, p, msg, this.#version);
      const session = new Session({ role: 'server', keys: r.keys, transcriptHash: r.transcriptHash, crypto: this.#crypto, maxFrameLength: this.#maxFrameLength });
      // a fresh ticket after each resumption, carrying the chain's original authentication time
      const ticket = this.#ticket(p.client, p.contents.name, r.nextResumptionSecret, p.contents.authenticatedAt);
      this.#state = 'done';
      return { session, clientKey: p.client.key, clientFingerprint: p.client.fingerprint, clientSpki: copyBytes(p.client.spki), name: p.contents.name, version: this.#version, resumed: true, ...(ticket && { ticket }) };
    } finally {
      wipeResume(p);
    }
  }

  /** The next ticket for this client (the secret is wiped once sealed). */
  #ticket(client: KnownKey, name: string, resumptionSecret: Uint8Array, authenticatedAt: number): TicketEvent | undefined {
    try {
      return ticketEvent(this.#tickets!, { version: this.#version, authenticatedAt, resumptionSecret, clientSpki: client.spki, fingerprint: client.fingerprint, name });
    } finally {
      resumptionSecret.fill(0);
    }
  }
}
