/**
 * The plain `ws` baseline: a WebSocket broadcast server doing the same application work as the
 * hub for a room message — parse the request, build the event, serialise it once — and sending
 * the same text to every member of the room, without encryption or limits.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

/** Starts the broadcast server on 127.0.0.1 (ephemeral port). Clients name themselves with `?name=`. */
export async function startWsBroadcast(): Promise<{ address: AddressInfo; close: () => void }> {
  const httpServer = http.createServer();
  const wss = new WebSocketServer({ server: httpServer, perMessageDeflate: false, clientTracking: false });
  const room = new Set<WebSocket>();
  let seq = 0;
  wss.on('connection', (ws, req) => {
    const name = new URL(req.url ?? '/', 'http://x').searchParams.get('name') ?? '?';
    room.add(ws);
    ws.on('close', () => room.delete(ws));
    ws.on('message', (data) => {
      let req: { t?: string; room?: string; body?: unknown };
      try {
        req = JSON.parse(data.toString());
      } catch {
        return;
      }
      if (req.t !== 'say') return;
      const text = JSON.stringify({ type: 'message', id: `w-${(++seq).toString(36)}`, from: name, room: req.room, ts: Date.now(), body: req.body });
      for (const m of room) m.send(text);
    });
  });
  await new Promise<void>((r) => httpServer.listen(0, '127.0.0.1', r));
  return { address: httpServer.address() as AddressInfo, close: () => httpServer.close() };
}
