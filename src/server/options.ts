/** Transport limits of `parley server`: every one a named option with a safe default. */

/** Limits and timeouts of the WebSocket transport (the chat limits live in src/chat/options.ts). */
export interface TransportOptions {
  /** Largest WebSocket message accepted, in bytes; larger ones close the connection (1009). */
  maxFrameBytes: number;
  /** A client must finish the handshake within this time. */
  handshakeTimeoutMs: number;
  /** A connection with no traffic and no pong for this long is closed; pings go out at a third of it. */
  idleTimeoutMs: number;
  /** Bytes queued for one client beyond which it counts as a slow reader and is disconnected. */
  maxBufferedBytes: number;
  /** Open connections (handshaking or chatting) beyond which new ones are refused. */
  maxConnections: number;
  /** Connections still in the handshake beyond which new ones are refused (a flood of half-open handshakes). */
  maxPendingHandshakes: number;
}

/** The defaults: generous for people, tight for floods. */
export const DEFAULT_TRANSPORT: TransportOptions = {
  maxFrameBytes: 64 * 1024,
  handshakeTimeoutMs: 10_000,
  idleTimeoutMs: 60_000,
  maxBufferedBytes: 1024 * 1024,
  maxConnections: 2000,
  maxPendingHandshakes: 128,
};

/**
 * Merges `partial` over the defaults and checks every value is a positive integer.
 * Throws a TypeError naming the bad option.
 */
export function transportOptions(partial: Partial<TransportOptions> = {}): TransportOptions {
  const o = { ...DEFAULT_TRANSPORT, ...partial };
  for (const [k, v] of Object.entries(o))
    if (!Number.isSafeInteger(v) || (v as number) <= 0) throw new TypeError(`server option ${k} must be a positive integer, got ${String(v)}`);
  return o;
}
