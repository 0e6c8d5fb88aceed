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
  /**
   * The transport failed; `onClose` follows. `failure` says why, where the transport can tell
   * (the `ws` socket can; a browser's WebSocket cannot): connect-failure.ts decides from it
   * whether waiting can help.
   */
  onError(message: string, failure?: SocketFailure): void;
  /** Closed, by either side; called once. */
  onClose(code: number, reason: string): void;
}

/**
 * What kind of failure a transport saw, as far as it can tell:
 *
 * - `refused`: nothing listens on that port (ECONNREFUSED)
 * - `dns`: the host name does not resolve (ENOTFOUND, EAI_AGAIN)
 * - `unreachable`: no route to the host or network (EHOSTUNREACH, ENETUNREACH …)
 * - `timeout`: no answer in time (ETIMEDOUT, the opening handshake timed out)
 * - `reset`: the connection was cut before the WebSocket opened (ECONNRESET, socket hang up)
 * - `http_status`: the server answered the upgrade with an HTTP status (`httpStatus`;
 *   `retryAfterMs` from a Retry-After header)
 * - `tls_untrusted`: the client refused the server's certificate (`code`: the TLS verification
 *   error, e.g. DEPTH_ZERO_SELF_SIGNED_CERT, CERT_HAS_EXPIRED, ERR_TLS_CERT_ALTNAME_INVALID)
 * - `not_tls`: a wss:// URL, but the server does not speak TLS (it answered in plain text)
 * - `tls_required`: a ws:// URL, but the server speaks TLS (a TLS handshake with it succeeded)
 * - `tls`: another TLS failure
 * - `other`: anything else
 */
export type SocketFailureKind = 'refused' | 'dns' | 'unreachable' | 'timeout' | 'reset' | 'http_status' | 'tls_untrusted' | 'not_tls' | 'tls_required' | 'tls' | 'other';

/** Why a transport failed (SocketHandlers.onError). */
export interface SocketFailure {
  kind: SocketFailureKind;
  /** The system or TLS error code (ECONNREFUSED, DEPTH_ZERO_SELF_SIGNED_CERT …), when there is one. */
  code?: string;
  /** For `http_status`: the HTTP status of the refused upgrade. */
  httpStatus?: number;
  /** For `http_status`: the server's Retry-After, in milliseconds. */
  retryAfterMs?: number;
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
