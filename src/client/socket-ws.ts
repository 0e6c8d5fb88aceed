/** The SocketFactory of the terminal client and tests: the `ws` package, with an optional CA for wss://. */
import WebSocket, { type RawData } from 'ws';
import type { ClientSocket, SocketFactory } from './socket.js';

/**
 * Returns a SocketFactory over `ws`. `ca` adds trusted certificates (PEM) for a wss:// server with
 * a self-signed certificate. The factory throws only for a malformed URL (as `ws` does).
 */
export function wsSocketFactory(opts: { ca?: string | Buffer } = {}): SocketFactory {
  return (url, h, s) => {
    const ws = new WebSocket(url, s.subprotocol, {
      maxPayload: s.maxFrameBytes,
      perMessageDeflate: false,
      handshakeTimeout: s.connectTimeoutMs,
      ...(opts.ca !== undefined && { ca: opts.ca }),
    });
    ws.on('open', () => h.onOpen());
    ws.on('message', (data: RawData, isBinary: boolean) => h.onMessage(toBytes(data), isBinary));
    ws.on('error', (err) => h.onError(err.message));
    ws.on('close', (code, reason) => h.onClose(code, reason.toString()));
    const socket: ClientSocket = {
      send: (data) => {
        if (ws.readyState === WebSocket.OPEN) ws.send(data);
      },
      close: (code, reason) => ws.close(code, reason),
      terminate: () => ws.terminate(),
      get isOpen() {
        return ws.readyState === WebSocket.OPEN;
      },
    };
    return socket;
  };
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
