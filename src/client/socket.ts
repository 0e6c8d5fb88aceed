/**
 * The one thing ChatConnection needs from a transport: a binary message socket. The terminal
 * client plugs in `ws` (socket-ws.ts), the browser its native WebSocket (src/web/socket-browser.ts),
 * so the connection logic (handshake, pinning, pacing, reconnection) is shared, not copied.
 */

/** Callbacks a socket calls; each at most as the transport reports it. */
export interface SocketHandlers {
  /** The connection is open: the handshake may start. */
  onOpen(): void;
  /** One whole message; `isBinary` false for a text message (a protocol error for Parley). */
  onMessage(data: Uint8Array, isBinary: boolean): void;
  /** The transport failed; `onClose` follows. */
  onError(message: string): void;
  /** Closed, by either side; called once. */
  onClose(code: number, reason: string): void;
}

/** An open (or opening) socket. */
export interface ClientSocket {
  /** Sends one binary message; ignored once closing. */
  send(data: Uint8Array): void;
  /** Closes with a WebSocket close code (1000, 4000–4999) and a short reason. */
  close(code?: number, reason?: string): void;
  /** Drops the connection at once, without a closing handshake. */
  terminate(): void;
  /** True while messages can be sent. */
  readonly isOpen: boolean;
}

/** Settings a socket factory receives from the connection. */
export interface SocketSettings {
  /** WebSocket subprotocol to request (the protocol's SUBPROTOCOL). */
  subprotocol: string;
  /** Largest message accepted (where the transport can enforce it). */
  maxFrameBytes: number;
  /** Gives up opening after this long. */
  connectTimeoutMs: number;
}

/**
 * Opens a socket to `url`. Throws (synchronously) only for a malformed URL; every later failure
 * arrives through `handlers.onError` / `handlers.onClose`.
 */
export type SocketFactory = (url: string, handlers: SocketHandlers, settings: SocketSettings) => ClientSocket;
