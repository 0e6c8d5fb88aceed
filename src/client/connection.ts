/**
 * The client side of a Parley connection: WebSocket, handshake, server pinning, encrypted
 * frames, automatic reconnection with backoff, and paced sending so that nothing the user typed
 * is ever dropped. It knows nothing of terminals: the chat command and tests drive it.
 */
import { EventEmitter } from 'node:events';
import WebSocket, { type RawData } from 'ws';
import type { ClientRequest, ServerEvent } from '../chat/events.js';
import { ClientHandshake, ProtocolError, SUBPROTOCOL, parseError, type Session } from '../protocol/index.js';
import { nodeCrypto } from '../protocol/crypto-node.js';
import type { RsaPrivateKey } from '../rsa/key.js';

/** What the caller decides about the server key presented on this connection. */
export type PinDecision = { ok: true } | { ok: false; message: string };

/** Options of ChatConnection; every limit named, with a default. */
export interface ConnectionOptions {
  url: string;
  identity: RsaPrivateKey;
  name: string;
  /** Checks the server's fingerprint (known_hosts); a refusal is fatal: no reconnection. */
  verifyServer: (fingerprint: string) => PinDecision;
  /** Extra CA certificates for wss:// with a self-signed certificate (PEM). */
  ca?: string | Buffer;
  /** First reconnection delay; doubles up to maxReconnectMs, with ±20 % jitter. */
  minReconnectMs?: number;
  maxReconnectMs?: number;
  /** Gives up a connection attempt (TCP + handshake) after this long. */
  connectTimeoutMs?: number;
  /** Reconnect at all (tests turn it off). Default true. */
  reconnect?: boolean;
  /** Largest frame sent or accepted (default 64 KiB, the protocol's default); must match the server's. */
  maxFrameBytes?: number;
}

/** Connection states, reported through the `status` event. */
export type ConnectionStatus =
  | { state: 'connecting'; attempt: number }
  | { state: 'connected'; serverFingerprint: string }
  | { state: 'reconnecting'; inMs: number; reason: string }
  | { state: 'closed'; reason: string };

/** Errors after which reconnecting would not help. */
const FATAL = new Set(['name_taken', 'invalid_name', 'server_key_changed', 'handshake_failed', 'replaced']);

/**
 * A connection that stays up: emits `status` (ConnectionStatus), `event` (ServerEvent, including
 * `ready` after every (re)connection), `paced` ({ queued, waitMs }) when it holds messages back to
 * respect the server's rate, and `fatal` ({ code, message }) when it stops for good.
 */
export class ChatConnection extends EventEmitter {
  private ws: WebSocket | undefined;
  private session: Session | undefined;
  private attempt = 0;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly queue: ClientRequest[] = [];
  private tokens = 0;
  private lastRefill = Date.now();
  private rate = { perSecond: 5, burst: 10 };
  private drainTimer: NodeJS.Timeout | undefined;
  private everReady = false;
  /** Rooms to rejoin after a reconnection. */
  readonly rooms = new Set<string>();
  serverFingerprint: string | undefined;

  constructor(private readonly opts: ConnectionOptions) {
    super();
  }

  /** Connects (and keeps reconnecting until close() or a fatal error). */
  start(): void {
    this.connect();
  }

  /** Queues a request; it is sent as soon as the connection and the rate allow. Never dropped. */
  send(req: ClientRequest): void {
    this.queue.push(req);
    this.drain();
  }

  /** Closes for good. */
  close(reason = 'bye'): void {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.drainTimer) clearTimeout(this.drainTimer);
    this.ws?.close(1000, reason);
    this.emit('status', { state: 'closed', reason } satisfies ConnectionStatus);
  }

  /** Messages waiting to be sent. */
  get pending(): number {
    return this.queue.length;
  }

  private connect(): void {
    if (this.stopped) return;
    this.attempt++;
    this.emit('status', { state: 'connecting', attempt: this.attempt } satisfies ConnectionStatus);
    const maxFrame = this.opts.maxFrameBytes ?? 64 * 1024;
    const hs = new ClientHandshake({ identity: this.opts.identity, name: this.opts.name, crypto: nodeCrypto, maxFrameLength: maxFrame });
    let ws: WebSocket;
    try {
      ws = new WebSocket(this.opts.url, SUBPROTOCOL, {
        maxPayload: maxFrame,
        perMessageDeflate: false,
        handshakeTimeout: this.opts.connectTimeoutMs ?? 10_000,
        ...(this.opts.ca !== undefined && { ca: this.opts.ca }),
      });
    } catch (e) {
      this.fatal('bad_url', `cannot connect to ${this.opts.url}: ${(e as Error).message}`);
      return;
    }
    this.ws = ws;
    let state: 'hello' | 'open' = 'hello';
    let closeReason = '';
    const handshakeTimer = setTimeout(() => {
      closeReason = 'the server did not answer the handshake in time';
      ws.terminate();
    }, this.opts.connectTimeoutMs ?? 10_000);
    ws.on('open', () => ws.send(hs.hello()));
    ws.on('message', (data: RawData, isBinary: boolean) => {
      const bytes = toBytes(data);
      try {
        if (!isBinary) throw new ProtocolError('malformed', 'the server sent a text message');
        if (bytes[0] === 0x7f) {
          const err = parseError(bytes);
          closeReason = `${err.code}: ${err.message}`;
          if (FATAL.has(err.code)) this.fatal(err.code, err.message);
          ws.close();
          return;
        }
        if (state === 'hello') {
          const r = hs.onServerHello(bytes);
          this.serverFingerprint = r.serverFingerprint;
          const pin = this.opts.verifyServer(r.serverFingerprint);
          if (!pin.ok) {
            clearTimeout(handshakeTimer);
            this.fatal('server_key_changed', pin.message);
            ws.close(1000, 'server key changed');
            return;
          }
          ws.send(r.finish);
          this.session = r.session;
          state = 'open';
          return;
        }
        const ev = this.session!.open(bytes) as ServerEvent;
        this.onEvent(ev, () => clearTimeout(handshakeTimer));
      } catch (e) {
        closeReason = e instanceof Error ? e.message : String(e);
        if (e instanceof ProtocolError && state === 'hello') {
          this.fatal('handshake_failed', `the server's handshake is invalid (${e.code}): ${e.message}`);
        }
        ws.close(4003, 'protocol error');
      }
    });
    ws.on('error', (err) => {
      closeReason = err.message;
    });
    ws.on('close', (code, reason) => {
      clearTimeout(handshakeTimer);
      this.session = undefined;
      if (this.ws === ws) this.ws = undefined;
      if (this.stopped) return;
      const why = closeReason || reason.toString() || `connection closed (${code})`;
      if (this.opts.reconnect === false) {
        this.stopped = true;
        this.emit('status', { state: 'closed', reason: why } satisfies ConnectionStatus);
        return;
      }
      const base = Math.min(this.opts.maxReconnectMs ?? 30_000, (this.opts.minReconnectMs ?? 500) * 2 ** Math.min(10, this.attempt - 1));
      const inMs = Math.round(base * (0.8 + 0.4 * Math.random())); // jitter only: not security-relevant
      this.emit('status', { state: 'reconnecting', inMs, reason: why } satisfies ConnectionStatus);
      this.retryTimer = setTimeout(() => this.connect(), inMs);
    });
  }

  private onEvent(ev: ServerEvent, connected: () => void): void {
    if (ev.type === 'ready') {
      connected();
      this.attempt = 0;
      this.rate = { perSecond: ev.limits.messagesPerSecond, burst: ev.limits.burst };
      // a full bucket on the first connection; after a reconnection the server remembers our
      // spending (its buckets follow the key), so we keep ours
      this.tokens = this.everReady ? Math.min(this.tokens, this.rate.burst) : this.rate.burst;
      this.lastRefill = Date.now();
      this.everReady = true;
      // rejoin the rooms of the previous connection
      const wanted = [...this.rooms];
      for (const r of ev.rooms) this.rooms.add(r);
      for (const r of wanted) if (!ev.rooms.includes(r)) this.queue.unshift({ t: 'join', room: r });
      this.emit('status', { state: 'connected', serverFingerprint: ev.serverFingerprint } satisfies ConnectionStatus);
      this.emit('event', ev);
      this.drain();
      return;
    }
    if (ev.type === 'join' && ev.name === this.opts.name) this.rooms.add(ev.room);
    if (ev.type === 'leave' && ev.name === this.opts.name) this.rooms.delete(ev.room);
    if (ev.type === 'error') {
      if (ev.code === 'rate_limited' && ev.retryAfterMs) {
        // the server refused one: hold everything back for as long as it asks
        this.tokens = 0;
        this.lastRefill = Date.now() + ev.retryAfterMs;
      }
      // a fatal error is reported once, through `fatal`
      if (FATAL.has(ev.code)) return this.fatal(ev.code, ev.message);
    }
    this.emit('event', ev);
  }

  private fatal(code: string, message: string): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.emit('fatal', { code, message });
  }

  /** Sends queued requests within the token bucket; says when it holds messages back. */
  private drain(): void {
    if (this.drainTimer || !this.session || !this.ws || this.ws.readyState !== WebSocket.OPEN) return;
    const now = Date.now();
    if (now > this.lastRefill) {
      this.tokens = Math.min(this.rate.burst, this.tokens + ((now - this.lastRefill) / 1000) * this.rate.perSecond);
      this.lastRefill = now;
    }
    while (this.queue.length) {
      const req = this.queue[0]!;
      const costly = req.t === 'say' || req.t === 'dm';
      if (costly && this.tokens < 1) break;
      if (costly) this.tokens -= 1;
      this.queue.shift();
      this.ws.send(this.session.seal(req));
    }
    if (this.queue.length) {
      const waitMs = Math.max(10, Math.ceil(((1 - this.tokens) / this.rate.perSecond) * 1000) + Math.max(0, this.lastRefill - now));
      this.emit('paced', { queued: this.queue.length, waitMs });
      this.drainTimer = setTimeout(() => {
        this.drainTimer = undefined;
        this.drain();
      }, waitMs);
    }
  }
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
