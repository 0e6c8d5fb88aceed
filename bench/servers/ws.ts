/**
 * The plain `ws` baseline: a WebSocket broadcast server doing the same application work as the
 * hub for a room message — parse the request, build the event, serialise it once — and sending
 * the same text to every member of the room, one WebSocket message per event, without
 * encryption or limits: what people write.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

/** A benchmark server: its address, and how many room messages it has handed to clients so far. */
export interface BenchServer {
  address: AddressInfo;
  /** Deliveries so far: one per event per recipient (however the events are framed). */
  deliveries(): number;
  close(): void;
}

/** The event a baseline builds for a `say` request: the hub's `message` event, serialised once. */
export function messageText(id: string, from: string, req: { room?: string; body?: unknown }): string {
  return JSON.stringify({ type: 'message', id, from, room: req.room, ts: Date.now(), body: req.body });
}

/** Parses a baseline client's request text; undefined for anything but a well-formed `say`. */
export function parseSay(data: WebSocket.RawData): { room?: string; body?: unknown } | undefined {
  try {
    const req = JSON.parse(data.toString()) as { t?: string; room?: string; body?: unknown };
    return req.t === 'say' ? req : undefined;
  } catch {
    return undefined;
  }
}

/** Starts the broadcast server on 127.0.0.1 (ephemeral port). Clients name themselves with `?name=`. */
export async function startWsBroadcast(): Promise<BenchServer> {
  const httpServer = http.createServer();
  const wss = new WebSocketServer({ server: httpServer, perMessageDeflate: false, clientTracking: false });
  const room = new Set<WebSocket>();
  let seq = 0;
  let deliveries = 0;
  wss.on('connection', (ws, req) => {
    const name = new URL(req.url ?? '/', 'http://x').searchParams.get('name') ?? '?';
    room.add(ws);
    ws.on('close', () => room.delete(ws));
    ws.on('message', (data) => {
      const say = parseSay(data);
      if (!say) return;
      const text = messageText(`w-${(++seq).toString(36)}`, name, say);
      for (const m of room) m.send(text);
      deliveries += room.size;
    });
  });
  await new Promise<void>((r) => httpServer.listen(0, '127.0.0.1', r));
  return { address: httpServer.address() as AddressInfo, deliveries: () => deliveries, close: () => httpServer.close() };
}
