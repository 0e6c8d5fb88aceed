/**
 * The fair baseline: the plain `ws` broadcast server (ws.ts) with Parley's batching and nothing
 * else — no handshake, no encryption, no limits. Events for one client queue until the event loop
 * has handled the I/O at hand (one setImmediate for all clients, as src/server/outbox.ts
 * flushWhenIdle does), then leave in one WebSocket message: the event itself when there is one,
 * else `{"type":"batch","events":[…]}` (docs/PROTOCOL.md §Batches), split as Parley splits at
 * its frame limit. Parley minus this server is what Parley's security costs.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { messageText, parseSay, type BenchServer } from './ws.js';

/** Parley's default maxFrameBytes less its frame header and tag, as Conn.flush() fills a batch. */
const MAX_MESSAGE = 64 * 1024 - 25;
const PREFIX = '{"type":"batch","events":[';
const SUFFIX = ']}';

class Client {
  outbox: string[] = [];
  constructor(readonly ws: WebSocket) {}

  /** Sends what is queued: one message per turn, batches within MAX_MESSAGE. */
  flush(): void {
    const out = this.outbox;
    this.outbox = [];
    const room = MAX_MESSAGE - PREFIX.length - SUFFIX.length;
    for (let i = 0; i < out.length; ) {
      let j = i + 1;
      let size = out[i]!.length;
      while (j < out.length && size + 1 + out[j]!.length <= room) size += 1 + out[j++]!.length;
      this.ws.send(j - i === 1 ? out[i]! : PREFIX + out.slice(i, j).join(',') + SUFFIX);
      i = j;
    }
  }
}

/** Starts the batching broadcast server on 127.0.0.1 (ephemeral port). Clients name themselves with `?name=`. */
export async function startWsBatched(): Promise<BenchServer> {
  const httpServer = http.createServer();
  const wss = new WebSocketServer({ server: httpServer, perMessageDeflate: false, clientTracking: false });
  const room = new Set<Client>();
  const toFlush = new Set<Client>();
  let scheduled = false;
  let seq = 0;
  let deliveries = 0;
  const flushAll = () => {
    scheduled = false;
    const clients = [...toFlush];
    toFlush.clear();
    for (const c of clients) c.flush();
  };
  wss.on('connection', (ws, req) => {
    const name = new URL(req.url ?? '/', 'http://x').searchParams.get('name') ?? '?';
    const me = new Client(ws);
    room.add(me);
    ws.on('close', () => {
      room.delete(me);
      toFlush.delete(me);
    });
    ws.on('message', (data) => {
      const say = parseSay(data);
      if (!say) return;
      const text = messageText(`b-${(++seq).toString(36)}`, name, say);
      for (const m of room) {
        m.outbox.push(text);
        toFlush.add(m);
      }
      deliveries += room.size;
      if (!scheduled) {
        scheduled = true;
        setImmediate(flushAll);
      }
    });
  });
  await new Promise<void>((r) => httpServer.listen(0, '127.0.0.1', r));
  return { address: httpServer.address() as AddressInfo, deliveries: () => deliveries, close: () => httpServer.close() };
}
