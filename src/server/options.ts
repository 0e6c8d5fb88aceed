/** Transport limits of `parley server`: every one a named option with a safe default. */
import { checkTicketOptions } from '../protocol/ticket.js';
import { TrustedProxies } from './source.js';

/** Limits and timeouts of the WebSocket transport (the chat limits live in src/chat/options.ts). */
export interface TransportOptions {
  /** Largest WebSocket message accepted, in bytes; larger ones close the connection (1009). */
  maxFrameBytes: number;
  /** A client must finish the handshake within this time (and a TCP connection its HTTP request, and TLS its handshake). */
  handshakeTimeoutMs: number;
  /** A connection with no traffic and no pong for this long is closed; pings go out at a third of it. */
  idleTimeoutMs: number;
  /** Bytes queued for one client beyond which it counts as a slow reader and is disconnected. */
  maxBufferedBytes: number;
  /** Open connections (handshaking or chatting) beyond which new ones are refused. */
  maxConnections: number;
  /** Connections still in the handshake beyond which new ones are refused (a flood of half-open handshakes). */
  maxPendingHandshakes: number;
  /**
   * WebSocket connections (handshaking or chatting) from one source (an IPv4 address, an IPv6
   * /64, or a forwarded client address, src/server/source.ts) beyond which its new upgrades
   * are refused with HTTP 429.
   */
  maxConnectionsPerSource: number;
  /** Connections from one source still in the handshake beyond which its new upgrades are refused (429). */
  maxPendingHandshakesPerSource: number;
  /**
   * TCP connections from one peer address that are not WebSockets (yet): page loads, idle
   * keep-alive, upgrade requests in progress, slowloris. Past it, new ones are answered 429 at
   * once (over TLS: closed). A trusted proxy's own address is exempt.
   */
  maxRawConnectionsPerSource: number;
  /**
   * Handshakes one source may start per second, on average: a token bucket, one token per
   * upgraded connection (each may send one ClientHello, which costs the server an RSA
   * signature); an empty bucket refuses the upgrade with 429 and Retry-After.
   */
  handshakesPerSecondPerSource: number;
  /** Size of that bucket: handshakes one source may start at once after a quiet period. */
  handshakeBurstPerSource: number;
  /**
   * Sources with nothing open whose handshake bucket is still refilling that the server
   * remembers; past it the oldest is forgotten (its bucket starts full again). Bounds the
   * per-source table's memory (~100–200 bytes an entry).
   */
  maxIdleSources: number;
  /** Refusal log lines per second at most (a flood must not flood the log); the rest are counted. */
  refusalLogLinesPerSecond: number;
  /**
   * Reverse proxies (IP addresses or CIDR prefixes) whose X-Forwarded-For header is believed:
   * a connection from one of them counts against the right-most forwarded address that is not
   * a trusted proxy. Empty: the header is ignored (anyone can write it).
   */
  trustedProxies: readonly string[];
  /**
   * How long a session ticket may be used after it is issued (docs/PROTOCOL.md §Session
   * resumption): a client that reconnects within it — to this node or any node with the same
   * identity key — resumes without RSA. At most ticketKeyEpochMs.
   */
  ticketLifetimeMs: number;
  /**
   * Length of a ticket-key epoch: every node derives the epoch's ticket key from the identity key
   * by itself; tickets of the current and the previous epoch are accepted.
   */
  ticketKeyEpochMs: number;
  /**
   * How long after a full (RSA) handshake a chain of resumptions may go on; then the client must
   * prove its key again (RFC 8446 §4.6.1 asks for such a limit).
   */
  ticketMaxAuthAgeMs: number;
}

/**
 * The defaults: generous for people, tight for floods. The per-source limits are meant for an
 * office of a hundred or two people behind one NAT address: 256 connections, 16 handshakes at
 * once, 64 non-WebSocket TCP connections (browsers open up to 6 each to load the page), and 20
 * handshakes at once then 4 a second — a reconnection storm of 200 clients after a restart takes
 * ~45 s, while one address can make the server sign at most ~4 ClientHellos a second (~4 % of
 * a core, docs/RELIABILITY.md). Raise them for a bigger NAT, or name your reverse proxy in
 * trustedProxies so that its clients are counted apart.
 */
export const DEFAULT_TRANSPORT: TransportOptions = {
  maxFrameBytes: 64 * 1024,
  handshakeTimeoutMs: 10_000,
  idleTimeoutMs: 60_000,
  maxBufferedBytes: 1024 * 1024,
  maxConnections: 2000,
  maxPendingHandshakes: 128,
  maxConnectionsPerSource: 256,
  maxPendingHandshakesPerSource: 16,
  maxRawConnectionsPerSource: 64,
  handshakesPerSecondPerSource: 4,
  handshakeBurstPerSource: 20,
  maxIdleSources: 10_000,
  refusalLogLinesPerSecond: 10,
  trustedProxies: [],
  ticketLifetimeMs: 3_600_000,
  ticketKeyEpochMs: 3_600_000,
  ticketMaxAuthAgeMs: 86_400_000,
};

/**
 * Merges `partial` over the defaults and checks every value: the numbers must be positive
 * integers, trustedProxies a list of IP addresses or CIDR prefixes. Throws a TypeError naming
 * the bad option.
 */
export function transportOptions(partial: Partial<TransportOptions> = {}): TransportOptions {
  const o = { ...DEFAULT_TRANSPORT, ...partial };
  for (const [k, v] of Object.entries(o)) {
    if (k === 'trustedProxies') continue;
    if (!Number.isSafeInteger(v) || (v as number) <= 0) throw new TypeError(`server option ${k} must be a positive integer, got ${String(v)}`);
  }
  if (!Array.isArray(o.trustedProxies) || !o.trustedProxies.every((p) => typeof p === 'string'))
    throw new TypeError('server option trustedProxies must be a list of IP addresses or CIDR prefixes');
  try {
    new TrustedProxies(o.trustedProxies);
  } catch (e) {
    throw new TypeError(`server option trustedProxies: ${(e as Error).message}`);
  }
  try {
    checkTicketOptions({ lifetimeMs: o.ticketLifetimeMs, epochMs: o.ticketKeyEpochMs, maxAuthAgeMs: o.ticketMaxAuthAgeMs });
  } catch (e) {
    throw new TypeError(`server option ${(e as Error).message}`);
  }
  return { ...o, trustedProxies: [...o.trustedProxies] };
}
