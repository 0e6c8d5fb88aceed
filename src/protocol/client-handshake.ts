/**
 * The client's side of the handshake (docs/PROTOCOL.md §Handshake): hello() makes the
 * ClientHello; onServerHello() checks the ServerHello and returns the ClientFinish and the
 * Session. Pinning is the caller's decision: it compares `serverFingerprint` with its
 * known_hosts entry before it sends `finish`. With `tickets`, hello() makes a ResumeHello that
 * asks for tickets and offers `ticket` if given; the server's answer decides between a
 * resumption (client-resume.ts) and the full handshake (docs/PROTOCOL.md §Session resumption).
 */
import type { RsaPrivateKey, RsaPublicKey } from '../rsa/index.js';
import { copyBytes } from './bytes.js';
import {
  CONTEXT_CLIENT_SIGNATURE, CONTEXT_SERVER_SIGNATURE, LABEL_CLIENT_SECRET, LABEL_SERVER_SECRET, PROTOCOL_VERSION, SUBPROTOCOL_VERSIONS,
} from './constants.js';
import type { ProtocolCrypto } from './crypto.js';
import { protocolError, wrapErrors } from './errors.js';
import { deriveResumptionSecret, deriveSessionKeys, transcriptHash } from './key-schedule.js';
import { appendSignature, checkName, encodeClientFinishSigned, encodeClientHello, parseServerHello } from './messages.js';
import { clientResume, type ClientTicket } from './client-resume.js';
import { encodeResumeHello, parseResumeServerHello } from './resume-messages.js';
import { importPeerKey, ownIdentity, signTranscript, unwrapSecret, verifyTranscript, wrapSecret, type KnownKey } from './rsa-identity.js';
import { checkMaxFrameLength, Session } from './session.js';
import { NONCE_LENGTH, SECRET_LENGTH, X25519_LENGTH } from './limits.js';

/** Options of ClientHandshake. */
export interface ClientHandshakeOptions {
  /** The client's long-term RSA key (2048–4096 bits, e = 65537). */
  identity: RsaPrivateKey;
  /** The requested name (NAME_RE). */
  name: string;
  crypto: ProtocolCrypto;
  /** Passed to the Session; default DEFAULT_MAX_FRAME_LENGTH. */
  maxFrameLength?: number;
  /**
   * The protocol version to speak: PROTOCOL_VERSION (the default — Parley's clients never set
   * it), or an older one of SUBPROTOCOL_VERSIONS, for tests and tools that play an older client.
   */
  version?: number;
  /** Ask for session tickets: hello() makes a ResumeHello (docs/PROTOCOL.md §Session resumption). Default false. */
  tickets?: boolean;
  /** A ticket to offer for a resumption (with `tickets`). */
  ticket?: ClientTicket;
}

/** What onServerHello returns. */
export interface ClientHandshakeResult {
  /** The ClientFinish to send, once the caller has accepted serverFingerprint. */
  finish: Uint8Array;
  /** The client's session; usable as soon as `finish` is sent. */
  session: Session;
  /** The server's RSA public key, authenticated by its signature over this handshake (absent after a resumption). */
  serverKey?: RsaPublicKey;
  /**
   * "SHA256:…" of the server's key (src/rsa fingerprint), for comparison with the pinned value;
   * after a resumption, the key the server states in its MACed ResumeServerHello.
   */
  serverFingerprint: string;
  /** True when the offered ticket was accepted: no RSA operation took place. */
  resumed: boolean;
  /** True when a ticket was offered and the server chose the full handshake instead. */
  ticketRefused: boolean;
  /** With `tickets`: the secret to keep with the ticket this session will receive (never sent). */
  resumptionSecret?: Uint8Array;
}

type State = 'new' | 'hello_sent' | 'done' | 'failed';

/** The client's half of one handshake; use each object for one connection. Throws only ProtocolError. */
export class ClientHandshake {
  readonly #identity: RsaPrivateKey;
  readonly #own: KnownKey;
  readonly #name: string;
  readonly #crypto: ProtocolCrypto;
  readonly #maxFrameLength: number;
  readonly #version: number;
  #state: State = 'new';
  #clientHello: Uint8Array | undefined;
  #ephemeralPrivate: Uint8Array | undefined;
  readonly #tickets: boolean;
  #ticket: ClientTicket | undefined;

  /**
   * Checks the options. Throws ProtocolError 'handshake_failed' when `identity` is not an RSA
   * private key of 2048–4096 bits with e = 65537, 'malformed' for an invalid name or
   * maxFrameLength, and 'unsupported_version' for a version not in SUBPROTOCOL_VERSIONS.
   */
  constructor(opts: ClientHandshakeOptions) {
    this.#own = ownIdentity(opts.identity, 'client');
    this.#identity = opts.identity;
    checkName(opts.name);
    this.#name = opts.name;
    this.#crypto = opts.crypto;
    this.#maxFrameLength = checkMaxFrameLength(opts.maxFrameLength);
    const version = opts.version ?? PROTOCOL_VERSION;
    if (![...SUBPROTOCOL_VERSIONS.values()].includes(version)) throw protocolError('unsupported_version', `protocol version ${String(version)} is not spoken here`);
    this.#version = version;
    this.#tickets = opts.tickets === true;
    // a copy: the handshake wipes its resumption secret when it ends, the caller's stays as it was
    this.#ticket = this.#tickets && opts.ticket ? { ...opts.ticket, resumptionSecret: copyBytes(opts.ticket.resumptionSecret) } : undefined;
  }

  /**
   * Makes the ClientHello: a fresh nonce and X25519 key pair, the client's RSA key and name.
   * Call once. Throws ProtocolError 'unexpected_message' when called again and
   * 'handshake_failed' if the crypto provider fails.
   */
  hello(): Uint8Array {
    if (this.#state !== 'new') throw protocolError('unexpected_message', 'hello() may be called only once');
    this.#state = 'failed';
    const clientHello = wrapErrors('handshake_failed', 'the crypto provider failed', () => {
      const nonce = this.#crypto.randomBytes(NONCE_LENGTH);
      const eph = this.#crypto.x25519Keypair(); // RFC 7748 §6.1: a fresh ephemeral key per connection
      if (!(eph.privateKey instanceof Uint8Array) || eph.privateKey.length !== X25519_LENGTH) throw protocolError('handshake_failed', 'bad X25519 key from the crypto provider');
      this.#ephemeralPrivate = eph.privateKey;
      const fields = { nonce, ephemeral: eph.publicKey, rsaKey: this.#own.spki, name: this.#name };
      if (!this.#tickets) return encodeClientHello(fields, this.#version);
      return encodeResumeHello({ ...fields, ticket: this.#ticket?.ticket ?? new Uint8Array(0) }, this.#version);
    });
    this.#clientHello = clientHello;
    this.#state = 'hello_sent';
    return copyBytes(this.#clientHello);
  }

  /**
   * Processes the ServerHello: checks its layout, the server's RSA key and its signature over
   * ClientHello ‖ ServerHello, unwraps server_secret, computes the X25519 secret, makes the
   * signed ClientFinish and derives the session keys. The ephemeral private key is wiped.
   * Throws ProtocolError: 'unexpected_message' (wrong state or message type),
   * 'unsupported_version', 'malformed', 'too_large', 'handshake_failed' (unacceptable server
   * key, low-order X25519 share, or an Error message from the server — then `remote` holds
   * its code and text) and 'bad_signature'. After any failure this object is unusable.
   */
  onServerHello(msg: Uint8Array): ClientHandshakeResult {
    if (this.#state !== 'hello_sent') throw protocolError('unexpected_message', `ServerHello not expected now (${this.#state})`);
    this.#state = 'failed';
    try {
      const result = this.#process(msg);
      this.#state = 'done';
      return result;
    } finally {
      this.#ephemeralPrivate?.fill(0);
      this.#ephemeralPrivate = undefined;
      this.#ticket?.resumptionSecret.fill(0);
      this.#ticket = undefined;
    }
  }

  #process(msg: Uint8Array): ClientHandshakeResult {
    const crypto = this.#crypto;
    const clientHello = this.#clientHello!;
    const serverHello = copyBytes(msg);
    const ticket = this.#ticket;
    if (ticket) {
      // the server either accepts the ticket (ResumeServerHello) or goes on with the full handshake (ServerHello)
      const rsh = parseResumeServerHello(serverHello, this.#version);
      if (rsh) {
        // RFC 7748 §6.1: the fresh ephemeral exchange that gives a resumed session forward secrecy
        const shared = wrapErrors('handshake_failed', 'X25519 failed', () => crypto.x25519(this.#ephemeralPrivate!, rsh.ephemeral));
        try {
          const r = clientResume(crypto, ticket, clientHello, serverHello, rsh, shared, this.#version);
          const session = new Session({ role: 'client', keys: r.keys, transcriptHash: r.transcriptHash, crypto, maxFrameLength: this.#maxFrameLength });
          return { finish: r.finish, session, serverFingerprint: r.serverFingerprint, resumed: true, ticketRefused: false, resumptionSecret: r.nextResumptionSecret };
        } finally {
          shared.fill(0);
        }
      }
    }
    const sh = parseServerHello(serverHello, this.#version);
    const server = importPeerKey(sh.rsaKey, 'server');
    if (sh.wrappedSecret.length !== this.#own.key.size) throw protocolError('malformed', 'ServerHello: server_secret_wrapped is not the size of the client key');
    if (sh.signature.length !== server.key.size) throw protocolError('malformed', 'ServerHello: signature is not the size of the server key');
    // the server's signature covers everything so far: RFC 8446 §4.4.3 CertificateVerify, with RSASSA-PSS (RFC 8017 §8.1)
    verifyTranscript(server.key, CONTEXT_SERVER_SIGNATURE, [clientHello, sh.signed], sh.signature, 'server');
    // RFC 8017 §7.1.2, with implicit rejection (see unwrapSecret)
    const serverSecret = unwrapSecret(crypto, this.#identity, sh.wrappedSecret, LABEL_SERVER_SECRET);
    // RFC 7748 §6.1: the ephemeral Diffie-Hellman secret; throws on an all-zero result
    const shared = wrapErrors('handshake_failed', 'X25519 failed', () => crypto.x25519(this.#ephemeralPrivate!, sh.ephemeral));
    const clientSecret = wrapErrors('handshake_failed', 'random generation failed', () => crypto.randomBytes(SECRET_LENGTH));
    // RFC 8017 §7.1.1: client_secret to the server's key
    const finishSigned = encodeClientFinishSigned({ wrappedSecret: wrapSecret(server.key, clientSecret, LABEL_CLIENT_SECRET, crypto) }, this.#version);
    const signature = signTranscript(this.#identity, CONTEXT_CLIENT_SIGNATURE, [clientHello, serverHello, finishSigned], crypto);
    const finish = appendSignature(finishSigned, signature);
    const th = transcriptHash(crypto, clientHello, serverHello, finish);
    // RFC 5869: HKDF over all three secrets, salted with the transcript hash
    const keys = deriveSessionKeys(crypto, { sharedSecret: shared, clientSecret, serverSecret, transcriptHash: th });
    const resumptionSecret = this.#tickets ? deriveResumptionSecret(crypto, { sharedSecret: shared, clientSecret, serverSecret, transcriptHash: th }) : undefined;
    for (const s of [shared, clientSecret, serverSecret]) s.fill(0);
    const session = new Session({ role: 'client', keys, transcriptHash: th, crypto, maxFrameLength: this.#maxFrameLength });
    return { finish, session, serverKey: server.key, serverFingerprint: server.fingerprint, resumed: false, ticketRefused: ticket !== undefined, ...(resumptionSecret && { resumptionSecret }) };
  }
}
