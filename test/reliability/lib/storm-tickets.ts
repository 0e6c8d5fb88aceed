/**
 * What the reconnection-storm tests share (test/reliability/resume-storm.test.ts, one surviving
 * server; test/cluster/lib/storm.ts, a cluster): the tickets a dead node had issued to its
 * clients, sealed here as a node seals them (serverTickets on the same identity and the default
 * options) instead of through 1,000 full handshakes, and a bounded-concurrency loop.
 */
import crypto from 'node:crypto';
import { PROTOCOL_VERSION, type ClientTicket } from '../../../src/protocol/index.js';
import { exportPublicKeyDer, fingerprint, type RsaPrivateKey } from '../../../src/rsa/index.js';
import { transportOptions } from '../../../src/server/options.js';
import { serverTickets } from '../../../src/server/tickets.js';

/** A ticket for `name` with `key`, as a server of identity `server` issues it after a full handshake `authenticatedAt` (ms). */
export function nodeTicket(server: RsaPrivateKey, key: RsaPrivateKey, name: string, authenticatedAt: number): ClientTicket {
  const secret = new Uint8Array(crypto.randomBytes(32));
  const sealed = serverTickets(server, transportOptions()).seal({ version: PROTOCOL_VERSION, authenticatedAt, resumptionSecret: secret, clientSpki: exportPublicKeyDer(key, 'spki'), fingerprint: fingerprint(key), name });
  if (!sealed) throw new Error('the ticket could not be sealed');
  return { ticket: sealed.ticket, resumptionSecret: secret, serverFingerprint: fingerprint(server) };
}

/** Runs `fn` over `items`, at most `n` at a time. */
export async function pool<T>(items: T[], n: number, fn: (x: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i]!, i);
      }
    }),
  );
}
