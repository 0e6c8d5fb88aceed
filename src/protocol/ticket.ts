/**
 * Session tickets (docs/PROTOCOL.md §Ticket format): what a server seals for a client after a
 * handshake so that the client's next connection — to this node or any other node holding the
 * same identity key — can skip the RSA operations (RFC 8446 §2.2, §4.6.1). A ticket is opaque to
 * the client: AES-256-GCM under a ticket key that every node derives by itself with HKDF-SHA-256
 * from the server's RSA private key and the key epoch, so no new configuration is shared.
 */
import type { RsaPrivateKey } from '../rsa/index.js';
import { exportPublicKeyDer, i2osp } from '../rsa/index.js';
import { ByteReader, ByteWriter, concat } from './bytes.js';
import { INFO_TICKET_KEY } from './constants.js';
import type { ProtocolCrypto } from './crypto.js';
import { AEAD_KEY_LENGTH, AEAD_NONCE_LENGTH, AEAD_TAG_LENGTH, FINISHED_LENGTH, MAX_SPKI_LENGTH, MAX_TICKET_LENGTH, MAX_TICKET_LIFETIME_MS } from './limits.js';

/** Byte 0 of every ticket: the layout of this file. */
export const TICKET_FORMAT = 0x01;
/** format (1) ‖ protocol version (1) ‖ key epoch (u32) ‖ GCM nonce (12): the ticket's associated data. */
export const TICKET_HEADER_LENGTH = 2 + 4 + AEAD_NONCE_LENGTH;
/** How far in the future an issue time may lie (another node's clock running ahead). */
export const TICKET_CLOCK_SKEW_MS = 60_000;

/** What a ticket says about the client, authenticated by the full handshake it descends from. */
export interface TicketContents {
  /** The protocol version of the connection that issued it. */
  version: number;
  /** Unix time (ms) it was issued. */
  issuedAt: number;
  /** Unix time (ms) of the full handshake (RSA signatures) this chain of tickets started with. */
  authenticatedAt: number;
  /** How long after issuedAt it may be used, in ms. */
  lifetimeMs: number;
  /** The 32-byte secret the issuing session derived for the next connection. */
  resumptionSecret: Uint8Array;
  /** The client's RSA key, canonical SPKI DER. */
  clientSpki: Uint8Array;
  /** "SHA256:…" of clientSpki. */
  fingerprint: string;
  /** The name the client was admitted with. */
  name: string;
}

/** The ticket options of a server (named options of `parley server`, src/server/options.ts). */
export interface TicketOptions {
  /** How long a ticket may be used after it is issued, in ms (at most MAX_TICKET_LIFETIME_MS and epochMs). */
  lifetimeMs: number;
  /** Length of a ticket-key epoch, in ms: tickets sealed in the current or the previous epoch are accepted. */
  epochMs: number;
  /** How long after its full handshake a chain of resumptions may go on, in ms; then a full handshake is due. */
  maxAuthAgeMs: number;
  /** The clock (Unix ms); default Date.now. */
  now?: () => number;
}

/**
 * Checks ticket options. Throws RangeError naming the option: each must be a positive integer,
 * lifetimeMs at most epochMs (a ticket must outlive its key epoch's successor) and at most
 * MAX_TICKET_LIFETIME_MS (RFC 8446 §4.6.1's 7 days), epochMs from 1 s to 2^32 - 1 ms.
 */
export function checkTicketOptions(o: TicketOptions): TicketOptions {
  for (const k of ['lifetimeMs', 'epochMs', 'maxAuthAgeMs'] as const)
    if (!Number.isSafeInteger(o[k]) || o[k] <= 0) throw new RangeError(`ticket option ${k} must be a positive integer, got ${String(o[k])}`);
  if (o.lifetimeMs > o.epochMs) throw new RangeError(`ticketLifetimeMs (${o.lifetimeMs}) must not exceed ticketKeyEpochMs (${o.epochMs}): a ticket would die with its key`);
  if (o.lifetimeMs > MAX_TICKET_LIFETIME_MS) throw new RangeError(`ticketLifetimeMs must be at most ${MAX_TICKET_LIFETIME_MS} (7 days)`);
  if (o.epochMs < 1000 || o.epochMs >= 2 ** 32) throw new RangeError(`ticketKeyEpochMs must be between 1000 and 2^32 - 1, got ${o.epochMs}`);
  return o;
}

/**
 * The ticket key of `epoch` for `identity`: HKDF-SHA-256(IKM = I2OSP(min(p, q), k) ‖
 * I2OSP(max(p, q), k), salt = SHA-256(server SPKI DER), info = "parley/1 ticket key" ‖ u32(epoch),
 * 32), k the modulus length in bytes. The primes, not d or the file's bytes: every node holding
 * the same key derives the same ticket key, whatever file format it was loaded from.
 * Throws whatever `crypto` throws.
 */
export function deriveTicketKey(crypto: ProtocolCrypto, identity: RsaPrivateKey, epoch: number): Uint8Array {
  const k = identity.size;
  const [lo, hi] = identity.p < identity.q ? [identity.p, identity.q] : [identity.q, identity.p];
  const ikm = concat(i2osp(lo, k), i2osp(hi, k));
  try {
    // RFC 5869 §2.2–2.3; the epoch in `info` separates the keys of successive epochs
    return crypto.hkdf(ikm, crypto.sha256(exportPublicKeyDer(identity, 'spki')), concat(INFO_TICKET_KEY, u32(epoch)), AEAD_KEY_LENGTH);
  } finally {
    ikm.fill(0);
  }
}

const u32 = (n: number): Uint8Array => Uint8Array.of(n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
const u64 = (n: number): Uint8Array => concat(u32(Math.floor(n / 2 ** 32)), u32(n >>> 0));
const readU32 = (b: Uint8Array): number => ((b[0]! << 24) >>> 0) + (b[1]! << 16) + (b[2]! << 8) + b[3]!;
const readU64 = (b: Uint8Array): number => readU32(b.subarray(0, 4)) * 2 ** 32 + readU32(b.subarray(4, 8));

/** Seals and opens the tickets of one server identity. Methods throw nothing on bad input (see each). */
export class TicketSealer {
  readonly #identity: RsaPrivateKey;
  readonly #crypto: ProtocolCrypto;
  readonly options: Readonly<TicketOptions>;
  readonly #now: () => number;
  /** Ticket keys by epoch: the current and the previous one (and, briefly, the next). */
  readonly #keys = new Map<number, Uint8Array>();

  /** Throws RangeError for bad options (checkTicketOptions). */
  constructor(identity: RsaPrivateKey, crypto: ProtocolCrypto, options: TicketOptions) {
    this.#identity = identity;
    this.#crypto = crypto;
    this.options = checkTicketOptions({ ...options });
    this.#now = options.now ?? Date.now;
  }

  /** The clock the sealer uses (Unix ms). */
  now(): number {
    return this.#now();
  }

  #epoch(now: number): number {
    return Math.floor(now / this.options.epochMs) >>> 0;
  }

  #key(epoch: number): Uint8Array {
    let key = this.#keys.get(epoch);
    if (!key) {
      key = deriveTicketKey(this.#crypto, this.#identity, epoch);
      this.#keys.set(epoch, key);
      // keep only the epochs that can still be used
      for (const [e, k] of this.#keys) if (e !== epoch && e + 1 !== epoch && e !== epoch + 1) (k.fill(0), this.#keys.delete(e));
    }
    return key;
  }

  /**
   * A ticket for `c` issued now under the current epoch's key, and the lifetime the client is
   * told: the lifetime option, cut short so that the chain ends maxAuthAgeMs after its full
   * handshake. Undefined when that end is less than a second away (the next connection will make
   * a full handshake). Throws ProtocolError (from the crypto provider) or RangeError for a field
   * out of bounds.
   */
  seal(c: Omit<TicketContents, 'issuedAt' | 'lifetimeMs'>): { ticket: Uint8Array; lifetimeMs: number } | undefined {
    const now = this.#now();
    const lifetimeMs = Math.min(this.options.lifetimeMs, c.authenticatedAt + this.options.maxAuthAgeMs - now);
    if (!(lifetimeMs >= 1000)) return undefined;
    const epoch = this.#epoch(now);
    const nonce = this.#crypto.randomBytes(AEAD_NONCE_LENGTH); // random per ticket: SP 800-38D §8.2.2
    const header = concat(Uint8Array.of(TICKET_FORMAT, c.version), u32(epoch), nonce);
    const plaintext = new ByteWriter()
      .raw(u64(now))
      .raw(u64(c.authenticatedAt))
      .raw(u32(lifetimeMs))
      .fixed(c.resumptionSecret, FINISHED_LENGTH, 'resumption secret')
      .vec16(c.clientSpki, 1, MAX_SPKI_LENGTH, 'client SPKI')
      .vec8(new TextEncoder().encode(c.name), 1, 32, 'name')
      .vec8(new TextEncoder().encode(c.fingerprint), 1, 64, 'fingerprint')
      .bytes();
    // SP 800-38D §7.1 with the header as associated data
    const sealed = this.#crypto.aeadSeal(this.#key(epoch), nonce, plaintext, header);
    plaintext.fill(0);
    return { ticket: concat(header, sealed), lifetimeMs };
  }

  /**
   * Opens a ticket received on a connection of protocol `version`: its key epoch must be the
   * current or the previous one, it must authenticate, parse strictly, be of `version`, be
   * within its lifetime and its chain within maxAuthAgeMs. Returns undefined for every failure,
   * whatever the reason (one vague failure: the caller falls back to a full handshake). Throws nothing.
   */
  open(ticket: Uint8Array, version: number): TicketContents | undefined {
    try {
      if (ticket.length < TICKET_HEADER_LENGTH + AEAD_TAG_LENGTH || ticket.length > MAX_TICKET_LENGTH) return undefined;
      if (ticket[0] !== TICKET_FORMAT || ticket[1] !== version) return undefined;
      const now = this.#now();
      const epoch = readU32(ticket.subarray(2, 6));
      const current = this.#epoch(now);
      if (epoch !== current && epoch + 1 !== current) return undefined;
      const header = ticket.subarray(0, TICKET_HEADER_LENGTH);
      const plaintext = this.#crypto.aeadOpen(this.#key(epoch), ticket.subarray(6, TICKET_HEADER_LENGTH), ticket.subarray(TICKET_HEADER_LENGTH), header);
      const r = new ByteReader(plaintext, 'ticket');
      const issuedAt = readU64(r.fixed(8, 'issued_at'));
      const authenticatedAt = readU64(r.fixed(8, 'authenticated_at'));
      const lifetimeMs = readU32(r.fixed(4, 'lifetime'));
      const resumptionSecret = r.fixed(FINISHED_LENGTH, 'resumption secret');
      const clientSpki = r.vec16(1, MAX_SPKI_LENGTH, 'client SPKI');
      const name = new TextDecoder('utf-8', { fatal: true }).decode(r.vec8(1, 32, 'name'));
      const fingerprint = new TextDecoder('utf-8', { fatal: true }).decode(r.vec8(1, 64, 'fingerprint'));
      r.end();
      plaintext.fill(0);
      const age = now - issuedAt;
      if (age < -TICKET_CLOCK_SKEW_MS || age >= Math.min(lifetimeMs, this.options.lifetimeMs)) return undefined;
      if (now - authenticatedAt >= this.options.maxAuthAgeMs) return undefined;
      return { version, issuedAt, authenticatedAt, lifetimeMs, resumptionSecret, clientSpki, fingerprint, name };
    } catch {
      return undefined; // the single failure: not authentic, malformed, or a failing provider
    }
  }
}
