/**
 * The Parley server as the benchmarks run it: the real ParleyServer (handshake, hub, one
 * AES-256-GCM seal per recipient) with the per-key rate limits and connection caps — and the
 * per-source ones, since every client comes from 127.0.0.1 — raised through ServerOptions, so
 * that the load generator's senders and handshakes are not throttled. Defaults in src/ are
 * unchanged.
 */
import type { AddressInfo } from 'node:net';
import { MemoryNameRegistry, type ConnectIdentity, type MemberSink } from '../../src/chat/index.js';
import type { ServerEvent } from '../../src/chat/events.js';
import { Conn } from '../../src/server/conn.js';
import { ParleyServer } from '../../src/server/server.js';
import type { RsaPrivateKey } from '../../src/rsa/index.js';
import type { BenchServer } from './ws.js';

let deliveries = 0;
/**
 * Counts the room messages the hub hands to connections (one per recipient, before batching),
 * as the baselines count theirs: a wrapper on the prototype, so that no connection holds more
 * memory for it.
 */
const deliver = Conn.prototype.deliver;
Conn.prototype.deliver = function (this: Conn, event: ServerEvent): boolean {
  if (event.type === 'e2e_room') deliveries++;
  return deliver.call(this, event);
};

/** Names `i<k>x<n>` (idle connections) are put in room `idle<k>` instead of the lobby. */
const IDLE_NAME = /^i(\d+)x\d+$/;

/**
 * Starts a ParleyServer on 127.0.0.1 (ephemeral port) with bench limits. Idle-connection
 * clients (names `i<k>x<n>`) join room `idle<k>` first, so that 5,000 idle connections make
 * rooms of ~100 rather than one lobby whose join notices would be a 12.5-million-event storm.
 */
export async function startParley(identity: RsaPrivateKey): Promise<BenchServer & { server: ParleyServer }> {
  const server = new ParleyServer({
    identity,
    names: new MemoryNameRegistry(),
    host: '127.0.0.1',
    port: 0,
    chat: {
      messagesPerSecond: 10_000,
      burst: 100_000,
      commandsPerSecond: 10_000,
      commandBurst: 100_000,
      maxConnections: 1_000_000,
      maxRooms: 1_000_000,
      // the load generators share keys and all come from 127.0.0.1
      maxNamesPerKey: 10_000,
      newNamesPerSourceBurst: 1_000_000,
      maxRegisteredNames: 100_000_000,
    },
    // every load-generator client comes from 127.0.0.1: the per-source limits are raised with the others
    transport: {
      maxConnections: 100_000, maxPendingHandshakes: 10_000, idleTimeoutMs: 3_600_000, handshakeTimeoutMs: 120_000,
      maxConnectionsPerSource: 100_000, maxPendingHandshakesPerSource: 10_000, maxRawConnectionsPerSource: 100_000,
      handshakesPerSecondPerSource: 1_000_000, handshakeBurstPerSource: 1_000_000,
      // an open-loop point past capacity queues deliveries, as the baselines (which have no limit) do
      maxBufferedBytes: 256 * 1024 * 1024,
    },
  });
  const hub = server.hub;
  const connect = hub.connect.bind(hub);
  hub.connect = (id: ConnectIdentity, sink: MemberSink) => {
    const m = IDLE_NAME.exec(id.name);
    return connect(m ? { ...id, room: `idle${m[1]}` } : id, sink);
  };
  const address: AddressInfo = await server.listen();
  return { server, address, deliveries: () => deliveries, close: () => void server.close() };
}
