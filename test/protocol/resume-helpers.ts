/**
 * Fixtures of the session-resumption tests: a ticket sealer on a fixed clock, a full handshake
 * through ResumeHello that returns the ticket the client would keep, a resumption with a given
 * ticket, and tickets built from docs/PROTOCOL.md §Ticket format with node:crypto alone.
 */
import assert from 'node:assert/strict';
import nodeCryptoModule from 'node:crypto';
import { base64ToBytes, type RsaPrivateKey } from '../../src/rsa/index.js';
import { nodeCrypto } from '../../src/protocol/crypto-node.js';
import {
  ClientHandshake, ServerHandshake, TicketSealer,
  type ClientHandshakeResult, type ClientTicket, type ServerHandshakeResult, type TicketOptions,
} from '../../src/protocol/index.js';

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
/** A fixed "now" in the middle of a key epoch of one hour. */
export const T0 = 1_780_000_000_000 + HOUR / 2;

/** A TicketSealer for `identity` whose clock reads `clock.now`. */
export function sealer(identity: RsaPrivateKey, clock: { now: number }, o: Partial<TicketOptions> = {}): TicketSealer {
  return new TicketSealer(identity, nodeCrypto, { lifetimeMs: HOUR, epochMs: HOUR, maxAuthAgeMs: DAY, now: () => clock.now, ...o });
}

/** The three messages and both results of one handshake. */
export interface Run {
  hello: Uint8Array;
  serverHello: Uint8Array;
  finish: Uint8Array;
  client: ClientHandshakeResult;
  server: ServerHandshakeResult;
}

/** One handshake with `tickets` on, offering `ticket` if given; throws what the handshake throws. */
export function handshake(o: { serverKey: RsaPrivateKey; tickets?: TicketSealer; clientKey: RsaPrivateKey; name?: string; ticket?: ClientTicket }): Run {
  const c = new ClientHandshake({ identity: o.clientKey, name: o.name ?? 'alice', crypto: nodeCrypto, tickets: true, ...(o.ticket && { ticket: o.ticket }) });
  const s = new ServerHandshake({ identity: o.serverKey, crypto: nodeCrypto, ...(o.tickets && { tickets: o.tickets }) });
  const hello = c.hello();
  const serverHello = s.onClientHello(hello);
  const client = c.onServerHello(serverHello);
  const server = s.onClientFinish(client.finish);
  return { hello, serverHello, finish: client.finish, client, server };
}

/** The ticket a client keeps after `run`: the server's ticket event paired with the client's resumption secret. */
export function keptTicket(run: Run): ClientTicket {
  assert.ok(run.server.ticket, 'the server issued a ticket');
  assert.ok(run.client.resumptionSecret, 'the client derived a resumption secret');
  return { ticket: base64ToBytes(run.server.ticket.ticket), resumptionSecret: run.client.resumptionSecret, serverFingerprint: run.client.serverFingerprint };
}

const b64u = (x: bigint): string => Buffer.from(x.toString(16).padStart(Math.ceil(x.toString(16).length / 2) * 2, '0'), 'hex').toString('base64url');

/** `key` as a node:crypto KeyObject (through JWK), for computations independent of src/rsa. */
export function nodeKey(key: RsaPrivateKey): nodeCryptoModule.KeyObject {
  return nodeCryptoModule.createPrivateKey({
    key: { kty: 'RSA', n: b64u(key.n), e: b64u(key.e), d: b64u(key.d), p: b64u(key.p), q: b64u(key.q), dp: b64u(key.dp), dq: b64u(key.dq), qi: b64u(key.qi) },
    format: 'jwk',
  });
}

const be = (x: bigint, len: number): Buffer => Buffer.from(x.toString(16).padStart(2 * len, '0'), 'hex');
const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};

/** The ticket key of `epoch`, computed from docs/PROTOCOL.md with node:crypto only. */
export function independentTicketKey(identity: RsaPrivateKey, epoch: number): Buffer {
  const k = identity.size;
  const [lo, hi] = identity.p < identity.q ? [identity.p, identity.q] : [identity.q, identity.p];
  const spki = nodeCryptoModule.createPublicKey(nodeKey(identity)).export({ type: 'spki', format: 'der' });
  const salt = nodeCryptoModule.createHash('sha256').update(spki).digest();
  return Buffer.from(nodeCryptoModule.hkdfSync('sha256', Buffer.concat([be(lo, k), be(hi, k)]), salt, Buffer.concat([Buffer.from('parley/1 ticket key'), u32(epoch)]), 32));
}

/** A ticket built from docs/PROTOCOL.md §Ticket format with node:crypto only. */
export function independentTicket(identity: RsaPrivateKey, f: {
  epoch: number; issuedAt: number; authenticatedAt: number; lifetimeMs: number; secret: Uint8Array; spki: Uint8Array; name: string; fingerprint: string; version?: number;
}): Uint8Array {
  const nonce = nodeCryptoModule.randomBytes(12);
  const header = Buffer.concat([Buffer.of(0x01, f.version ?? 2), u32(f.epoch), nonce]);
  const u64 = (n: number) => Buffer.concat([u32(Math.floor(n / 2 ** 32)), u32(n >>> 0)]);
  const plaintext = Buffer.concat([
    u64(f.issuedAt), u64(f.authenticatedAt), u32(f.lifetimeMs), Buffer.from(f.secret),
    Buffer.from([f.spki.length >> 8, f.spki.length & 0xff]), Buffer.from(f.spki),
    Buffer.of(f.name.length), Buffer.from(f.name), Buffer.of(f.fingerprint.length), Buffer.from(f.fingerprint),
  ]);
  const c = nodeCryptoModule.createCipheriv('aes-256-gcm', independentTicketKey(identity, f.epoch), nonce);
  c.setAAD(header);
  return new Uint8Array(Buffer.concat([header, c.update(plaintext), c.final(), c.getAuthTag()]));
}
