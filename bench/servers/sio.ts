/**
 * The Socket.IO baseline: every socket joins room `lobby`; a `say` is turned into the same
 * event as the hub's and broadcast with `io.to(room).emit` (Socket.IO encodes it once per
 * broadcast). WebSocket transport only, no compression. With a Redis URL it is one node of a
 * Socket.IO cluster, as its documentation sets one up: `@socket.io/redis-adapter` on two
 * node-redis clients (one publishes, one subscribes), so that `io.to(room).emit` reaches the
 * room's sockets on every node (bench:cluster).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdapter } from '@socket.io/redis-adapter';
import { createClient } from 'redis';
import { Server } from 'socket.io';
import type { BenchServer } from './ws.js';

/**
 * Starts the Socket.IO broadcast server on 127.0.0.1 (ephemeral port). Clients send `auth: { name }`.
 * `redisUrl`: join the Socket.IO cluster on that Redis. Rejects when Redis cannot be reached.
 */
export async function startSioBroadcast(redisUrl?: string): Promise<BenchServer> {
  const httpServer = http.createServer();
  const io = new Server(httpServer, { transports: ['websocket'], perMessageDeflate: false, serveClient: false });
  const redis: { quit(): Promise<unknown> }[] = [];
  if (redisUrl !== undefined) {
    const pub = createClient({ url: redisUrl });
    const sub = pub.duplicate();
    for (const c of [pub, sub]) c.on('error', (e: Error) => console.error(`sio node: redis: ${e.message}`));
    await Promise.all([pub.connect(), sub.connect()]);
    redis.push(pub, sub);
    io.adapter(createAdapter(pub, sub));
  }
  let seq = 0;
  let deliveries = 0;
  io.on('connection', (socket) => {
    const name = String((socket.handshake.auth as { name?: unknown }).name ?? '?');
    void socket.join('lobby');
    socket.on('say', (req: { room?: string; body?: unknown }) => {
      io.to('lobby').emit('message', { type: 'message', id: `s-${(++seq).toString(36)}`, from: name, room: req?.room, ts: Date.now(), body: req?.body });
      deliveries += io.sockets.adapter.rooms.get('lobby')?.size ?? 0;
    });
  });
  await new Promise<void>((r) => httpServer.listen(0, '127.0.0.1', r));
  const close = () => {
    void io.close();
    for (const c of redis) void c.quit().catch(() => {});
  };
  return { address: httpServer.address() as AddressInfo, deliveries: () => deliveries, close };
}
