/**
 * The browser's SocketFactory: the native WebSocket (RFC 6455) with `binaryType = 'arraybuffer'`,
 * so ChatConnection runs in the page exactly as in the terminal client.
 */
import type { ClientSocket, SocketFactory } from '../client/socket.js';

/**
 * The WebSocket URL of the Parley server that served this page: same host and port, `wss:` when
 * the page came over https (never downgraded), `ws:` for http. Throws Error for other schemes.
 */
export function serverUrlFor(loc: { protocol: string; host: string }): string {
  if (loc.protocol === 'https:') return `wss://${loc.host}/`;
  if (loc.protocol === 'http:') return `ws://${loc.host}/`;
  throw new Error(`cannot derive a WebSocket URL from a ${loc.protocol} page`);
}

/**
 * A SocketFactory over the browser's WebSocket. The factory throws (synchronously) only for a
 * malformed URL, as the WebSocket constructor does. Browsers cannot cap the size of incoming
 * messages, so `maxFrameBytes` is enforced by the Session; `connectTimeoutMs` is enforced here.
 */
export const browserSocketFactory: SocketFactory = (url, h, s) => {
  const ws = new WebSocket(url, s.subprotocol);
  ws.binaryType = 'arraybuffer';
  let closed = false;
  const finish = (code: number, reason: string) => {
    if (closed) return;
    closed = true;
    clearTimeout(timer);
    h.onClose(code, reason);
  };
  const timer = setTimeout(() => {
    if (ws.readyState === WebSocket.CONNECTING) {
      h.onError('the connection timed out');
      ws.close();
      finish(1006, 'connection timed out');
    }
  }, s.connectTimeoutMs);
  ws.onopen = () => {
    clearTimeout(timer);
    // RFC 6455 §4.1: a server that did not select our subprotocol is not a Parley server
    if (ws.protocol !== s.subprotocol) {
      h.onError(`the server did not select the subprotocol ${s.subprotocol}`);
      ws.close(4003, 'subprotocol required');
      return;
    }
    h.onOpen();
  };
  ws.onmessage = (e: MessageEvent) => {
    if (e.data instanceof ArrayBuffer) h.onMessage(new Uint8Array(e.data), true);
    else h.onMessage(new TextEncoder().encode(String(e.data)), false);
  };
  ws.onerror = () => h.onError('the connection to the server failed');
  ws.onclose = (e: CloseEvent) => finish(e.code, e.reason);
  const socket: ClientSocket = {
    send: (data) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(data);
    },
    close: (code, reason) => {
      try {
        ws.close(code, reason);
      } catch {
        ws.close(); // a code the browser does not allow (only 1000 and 3000–4999 are)
      }
    },
    terminate: () => {
      ws.close();
      finish(1006, 'terminated');
    },
    get isOpen() {
      return ws.readyState === WebSocket.OPEN;
    },
  };
  return socket;
};
