/**
 * The client's session ticket (docs/PROTOCOL.md §Session resumption, "Client rules"): the latest
 * one the server gave, kept in memory only, and offered on the next connection so that a
 * reconnection — after a network blip or a cluster node's death — costs the server no RSA
 * operation. Never written to disk: a ticket and its resumption secret sign this identity in
 * without its (passphrase-protected) private key until the chain expires, so a copy on disk
 * would be a second, unprotected credential; a restarted client makes one full handshake.
 */
import { base64ToBytes } from '../rsa/index.js';
import type { ClientTicket } from '../protocol/client-resume.js';
import { MAX_TICKET_LENGTH, MAX_TICKET_LIFETIME_MS } from '../protocol/limits.js';

/** A `ticket` event as the server sends it (already shape-checked by event-check.ts). */
export interface TicketEventFields {
  ticket: string;
  lifetimeMs: number;
}

interface Kept {
  ticket: ClientTicket;
  /** The name the ticket's session was admitted with: offered only when asking for the same name. */
  name: string;
  /** Local clock (ms) after which it is not offered. */
  expiresAt: number;
}

/** Keeps the latest ticket of one ChatConnection. Methods throw nothing. */
export class TicketKeeper {
  #kept: Kept | undefined;

  constructor(private readonly now: () => number = Date.now) {}

  /** The ticket to offer when asking for `name`, if one is kept, unexpired and for that name. */
  offer(name: string): ClientTicket | undefined {
    const k = this.#kept;
    if (!k) return undefined;
    if (this.now() >= k.expiresAt) return this.drop();
    return k.name === name ? k.ticket : undefined;
  }

  /**
   * Takes a `ticket` event received on a session whose resumption secret is `secret`, by a
   * server whose key is `serverFingerprint`, admitted as `name`. An event whose ticket is not
   * base64 of 1–MAX_TICKET_LENGTH bytes, or whose lifetime is not positive, is ignored; the
   * lifetime is capped at MAX_TICKET_LIFETIME_MS (7 days, RFC 8446 §4.6.1).
   */
  take(ev: TicketEventFields, secret: Uint8Array | undefined, serverFingerprint: string | undefined, name: string): void {
    if (!secret || !serverFingerprint || !(ev.lifetimeMs > 0)) return;
    let ticket: Uint8Array;
    try {
      ticket = base64ToBytes(ev.ticket);
    } catch {
      return;
    }
    if (ticket.length === 0 || ticket.length > MAX_TICKET_LENGTH) return;
    this.drop();
    this.#kept = {
      ticket: { ticket, resumptionSecret: secret.slice(), serverFingerprint },
      name,
      expiresAt: this.now() + Math.min(ev.lifetimeMs, MAX_TICKET_LIFETIME_MS),
    };
  }

  /** Forgets the ticket (wiping its secret): the server refused it, or answered it with something other than a handshake. Returns undefined. */
  drop(): undefined {
    this.#kept?.ticket.resumptionSecret.fill(0);
    this.#kept = undefined;
    return undefined;
  }

  /** True when a ticket is kept (expired or not). */
  get held(): boolean {
    return this.#kept !== undefined;
  }
}
