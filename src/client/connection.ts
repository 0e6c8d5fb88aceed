/**
 * The client side of a Parley connection: WebSocket, handshake, server pinning, encrypted
 * frames, automatic reconnection with backoff, and paced sending so that nothing the user typed
 * is ever dropped. It knows nothing of terminals: the chat command and tests drive it.
 */
import type { ClientRequest, ServerEvent } from '../chat/events.js';
import type { ProtocolCrypto } from '../protocol/crypto.js';
import { ClientHandshake } from '../protocol/client-handshake.js';
import { SUBPROTOCOL } from '../protocol/constants.js';
import { parseError } from '../protocol/error-message.js';
import { unbatch } from '../protocol/batch.js';
import { ProtocolError } from '../protocol/errors.js';
import type { Session } from '../protocol/session.js';
import type { RsaPrivateKey } from '../rsa/key.js';
import { Emitter } from './emitter.js';
import type { ClientSocket, SocketFactory } from './socket.js';

/** What the caller decides about the server key presented on this connection. */
export type PinDecision = { ok: true } | { ok: false; message: string };

/** Options of ChatConnection; every limit named, with a default. */
export interface ConnectionOptions {
  url: string;
  identity: RsaPrivateKey;
  name: string;
  /** Checks the server's fingerprint (known_hosts); a refusal is fatal: no reconnection. */
  verifyServer: (fingerprint: string) => PinDecision;
  /** The protocol's crypto provider: nodeCrypto in Node, webCrypto in browsers. */
  crypto: ProtocolCrypto;
  /** Opens the transport: wsSocketFactory() in Node, the browser's WebSocket in the web client. */
  socket: SocketFactory;
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

/** How many sent messages are remembered so that one the server refused can be sent again. */
const RESEND_WINDOW = 256;

/** Events of a ChatConnection. */
export interface ConnectionEvents extends Record<string, unknown> {
  status: ConnectionStatus;
  event: ServerEvent;
  paced: { queued: number; waitMs: number };
  fatal: { code: string; message: string };
}

type Timer = ReturnType<typeof setTimeout>;

/**
 * A connection that stays up: emits `status` (ConnectionStatus), `event` (ServerEvent, including
 * `ready` after every (re)connection), `paced` ({ queued, waitMs }) when it holds messages back to
 * respect the server's rate, and `fatal` ({ code, message }) when it stops for good.
 *
 * Pacing: the client keeps its own token bucket one token smaller than the server's, so network
 * jitter that bunches its frames together does not make the server refuse one; should the server
 * refuse a message anyway (`rate_limited` with the message's `ref`), it is queued again at the
 * front and sent when the server says — nothing the user typed is dropped.
 */
export class ChatConnection extends Emitter<ConnectionEvents> {
  private socket: ClientSocket | undefined;
  private session: Session | undefined;
  private attempt = 0;
  private stopped = false;
  private retryTimer: Timer | undefined;
  private readonly queue: ClientRequest[] = [];
  private tokens = 0;
  private lastRefill = Date.now();
  private rate = { perSecond: 5, burst: 10 };
  private drainTimer: Timer | undefined;
  private everReady = false;
  private nextRef = 0;
  /** Recently sent messages by ref, oldest first, for a resend after a refusal. */
  private readonly sent = new Map<string, ClientRequest>();
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
    this.drainTimer = undefined;
    this.socket?.close(1000, reason);
    this.emit('status', { state: 'closed', reason });
  }

  /** Messages waiting to be sent. */
  get pending(): number {
    return this.queue.length;
  }

  private connect(): void {
    if (this.stopped) return;
    this.attempt++;
    this.emit('status', { state: 'connecting', attempt: this.attempt });
    const maxFrame = this.opts.maxFrameBytes ?? 64 * 1024;
    const timeoutMs = this.opts.connectTimeoutMs ?? 10_000;
    const hs = new ClientHandshake({ identity: this.opts.identity, name: this.opts.name, crypto: this.opts.crypto, maxFrameLength: maxFrame });
    let state: 'hello' | 'open' = 'hello';
    let closeReason = '';
    let socket: ClientSocket;
    const handshakeTimer = setTimeout(() => {
      closeReason = 'the server did not answer the handshake in time';
      socket.terminate();
    }, timeoutMs);
    const onMessage = (bytes: Uint8Array, isBinary: boolean) => {
      try {
        if (!isBinary) throw new ProtocolError('malformed', 'the server sent a text message');
        if (bytes[0] === 0x7f) {
          const err = parseError(bytes);
          closeReason = `${err.code}: ${err.message}`;
          if (FATAL.has(err.code)) this.fatal(err.code, err.message);
          socket.close();
          return;
        }
        if (state === 'hello') {
          const r = hs.onServerHello(bytes);
          this.serverFingerprint = r.serverFingerprint;
          const pin = this.opts.verifyServer(r.serverFingerprint);
          if (!pin.ok) {
            clearTimeout(handshakeTimer);
            this.fatal('server_key_changed', pin.message);
            socket.close(1000, 'server key changed');
            return;
          }
          socket.send(r.finish);
          this.session = r.session;
          state = 'open';
          return;
        }
        const ev = this.session!.open(bytes) as ServerEvent;
        for (const e of unbatch(ev)) this.onEvent(e, () => clearTimeout(handshakeTimer));
      } catch (e) {
        closeReason = e instanceof Error ? e.message : String(e);
        if (e instanceof ProtocolError && state === 'hello') {
          this.fatal('handshake_failed', `the server's handshake is invalid (${e.code}): ${e.message}`);
        }
        socket.close(4003, 'protocol error');
      }
    };
    const onClose = (code: number, reason: string) => {
      clearTimeout(handshakeTimer);
      this.session = undefined;
      if (this.socket === socket) this.socket = undefined;
      if (this.drainTimer) clearTimeout(this.drainTimer);
      this.drainTimer = undefined;
      if (this.stopped) return;
      const why = closeReason || reason || `connection closed (${code})`;
      if (this.opts.reconnect === false) {
        this.stopped = true;
        this.emit('status', { state: 'closed', reason: why });
        return;
      }
      const base = Math.min(this.opts.maxReconnectMs ?? 30_000, (this.opts.minReconnectMs ?? 500) * 2 ** Math.min(10, this.attempt - 1));
      const inMs = Math.round(base * (0.8 + 0.4 * Math.random())); // jitter only: not security-relevant
      this.emit('status', { state: 'reconnecting', inMs, reason: why });
      this.retryTimer = setTimeout(() => this.connect(), inMs);
    };
    try {
      socket = this.opts.socket(this.opts.url, {
        onOpen: () => socket.send(hs.hello()),
        onMessage,
        onError: (message) => {
          closeReason = message;
        },
        onClose,
      }, { subprotocol: SUBPROTOCOL, maxFrameBytes: maxFrame, connectTimeoutMs: timeoutMs });
    } catch (e) {
      clearTimeout(handshakeTimer);
      this.fatal('bad_url', `cannot connect to ${this.opts.url}: ${(e as Error).message}`);
      return;
    }
    this.socket = socket;
  }

  private onEvent(ev: ServerEvent, connected: () => void): void {
    if (ev.type === 'ready') {
      connected();
      this.attempt = 0;
      // one token of slack below the server's bucket absorbs network jitter (see the class comment)
      this.rate = { perSecond: ev.limits.messagesPerSecond, burst: Math.max(1, ev.limits.burst - 1) };
      // a full bucket on the first connection; after a reconnection the server remembers our
      // spending (its buckets follow the key), so we keep ours
      this.tokens = this.everReady ? Math.min(this.tokens, this.rate.burst) : this.rate.burst;
      this.lastRefill = Date.now();
      this.everReady = true;
      // rejoin the rooms of the previous connection
      const wanted = [...this.rooms];
      for (const r of ev.rooms) this.rooms.add(r);
      for (const r of wanted) if (!ev.rooms.includes(r)) this.queue.unshift({ t: 'join', room: r });
      this.emit('status', { state: 'connected', serverFingerprint: ev.serverFingerprint });
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
        const again = ev.ref !== undefined ? this.sent.get(ev.ref) : undefined;
        if (again) {
          // not dropped: sent again first, when the server allows (no error shown for it)
          this.sent.delete(ev.ref!);
          this.queue.unshift(again);
          this.emit('paced', { queued: this.queue.length, waitMs: ev.retryAfterMs });
          this.scheduleDrain(ev.retryAfterMs);
          return;
        }
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

  private scheduleDrain(waitMs: number): void {
    if (this.drainTimer || this.stopped) return;
    this.drainTimer = setTimeout(() => {
      this.drainTimer = undefined;
      this.drain();
    }, waitMs);
  }

  /** Sends queued requests within the token bucket; says when it holds messages back. */
  private drain(): void {
    const socket = this.socket;
    if (this.drainTimer || !this.session || !socket || !socket.isOpen) return;
    const now = Date.now();
    if (now > this.lastRefill) {
      this.tokens = Math.min(this.rate.burst, this.tokens + ((now - this.lastRefill) / 1000) * this.rate.perSecond);
      this.lastRefill = now;
    }
    while (this.queue.length) {
      let req = this.queue[0]!;
      const costly = req.t === 'say' || req.t === 'dm';
      if (costly && this.tokens < 1) break;
      this.queue.shift();
      if (req.t === 'say' || req.t === 'dm') {
        this.tokens -= 1;
        req = { ...req, ref: `m${(this.nextRef++).toString(36)}` };
        this.sent.set(req.ref!, req);
        if (this.sent.size > RESEND_WINDOW) this.sent.delete(this.sent.keys().next().value!);
      }
      socket.send(this.session.seal(req));
    }
    if (this.queue.length) {
      const waitMs = Math.max(10, Math.ceil(((1 - this.tokens) / this.rate.perSecond) * 1000) + Math.max(0, this.lastRefill - now));
      this.emit('paced', { queued: this.queue.length, waitMs });
      this.scheduleDrain(waitMs);
    }
  }
}
