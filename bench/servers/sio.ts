/**
 * The Socket.IO baseline: every socket joins room `lobby`; a `say` is turned into the same
 * event as the hub's and broadcast with `io.to(room).emit` (Socket.IO encodes it once per
 * broadcast). WebSocket transport only, no compression.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import type { BenchServer } from './ws.js';

/** Starts the Socket.IO broadcast server on 127.0.0.1 (ephemeral port). Clients send `auth: { name }`. */
export async function startSioBroadcast(): Promise<BenchServer> {
  const httpServer = http.createServer();
  const io = new Server(httpServer, { transports: ['websocket'], perMessageDeflate: false, serveClient: false });
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
  return { address: httpServer.address() as AddressInfo, deliveries: () => deliveries, close: () => void io.close() };
}
