/**
 * The session-ticket sealer of a server identity (docs/PROTOCOL.md §Session resumption), shared
 * by every connection: its ticket keys are derived once per key epoch, not per connection. Every
 * node of a cluster loads the same identity key, so each derives the same ticket keys by itself
 * and a ticket one node issued opens on any other.
 */
import { nodeCrypto } from '../protocol/crypto-node.js';
import { TicketSealer } from '../protocol/ticket.js';
import type { RsaPrivateKey } from '../rsa/index.js';
import type { TransportOptions } from './options.js';

const sealers = new WeakMap<RsaPrivateKey, Map<string, TicketSealer>>();

/**
 * The TicketSealer of `identity` with the ticket options of `transport` (ticketLifetimeMs,
 * ticketKeyEpochMs, ticketMaxAuthAgeMs), made on first use and then reused. Throws RangeError for
 * ticket options transportOptions() would have refused.
 */
export function serverTickets(identity: RsaPrivateKey, transport: Pick<TransportOptions, 'ticketLifetimeMs' | 'ticketKeyEpochMs' | 'ticketMaxAuthAgeMs'>): TicketSealer {
  let byOptions = sealers.get(identity);
  if (!byOptions) sealers.set(identity, (byOptions = new Map()));
  const id = `${transport.ticketLifetimeMs}/${transport.ticketKeyEpochMs}/${transport.ticketMaxAuthAgeMs}`;
  let sealer = byOptions.get(id);
  if (!sealer) {
    sealer = new TicketSealer(identity, nodeCrypto, { lifetimeMs: transport.ticketLifetimeMs, epochMs: transport.ticketKeyEpochMs, maxAuthAgeMs: transport.ticketMaxAuthAgeMs });
    byOptions.set(id, sealer);
  }
  return sealer;
}
