/**
 * One WebSocket connection of the Parley server: the handshake, then frames to and from the chat
 * hub, for which the connection is the member's MemberSink. It knows nothing of rooms; the
 * server (ConnHost) gives it the hub, the limits and the log. A client of an older protocol
 * version (its subprotocol's) is told to upgrade — over its authenticated session when its
 * handshake completes — and never reaches the hub (docs/PROTOCOL.md §Versions).
 *
 * An idle connection is kept small — a server holds thousands: no closures or timers of its own
 * once the handshake is over (the socket listeners below are shared by every connection and the
 * server pings all connections from one timer, see sweep()).
 */
import type { Socket } from 'node:net';
import type { WebSocket, RawData } from 'ws';
import type { ChatHub, Member, MemberSink } from '../chat/index.js';
import type { ChatErrorCode, ServerEvent } from '../chat/events.js';
import { PROTOCOL_VERSION, ProtocolError, ServerHandshake, encodeError, unsupportedVersionMessage, type ProtocolErrorCode, type Session } from '../protocol/index.js';
import { nodeCrypto } from '../protocol/crypto-node.js';
import type { RsaPrivateKey } from '../rsa/index.js';
import type { Logger } from './log.js';
import type { TransportOptions } from './options.js';
import type { Source } from './source.js';
import { closeCodeFor, leaveReasonFor, leaveReasonForClose } from './close-codes.js';
import { BATCH_OVERHEAD, FRAME_OVERHEAD, batchPlaintext, flushWhenIdle, plaintextOf, type Flushable } from './outbox.js';
import { serverTickets } from './tickets.js';

export { CLOSE } from './close-codes.js';

/** Requests a client may send between its ClientFinish and its admission (the registry's answer). */
export const MAX_EARLY_REQUESTS = 64;

/** What a connection needs of its server. */
export interface ConnHost {
  readonly hub: ChatHub;
  readonly identity: RsaPrivateKey;
  readonly transport: TransportOptions;
  readonly logger: Logger;
  /** A handshake began / ended (finished, failed or timed out): counted against maxPendingHandshakes (and per source). */
  handshakeStarted(): void;
  handshakeEnded(conn: Conn): void;
  /** The connection's socket closed: forget it. */
  connClosed(conn: Conn): void;
}

// One set of socket listeners for every connection (EventEmitter calls them with `this` = the
// socket), instead of four closures per connection.
const connOf = new WeakMap<WebSocket, Conn>();
function onWsMessage(this: WebSocket, data: RawData, isBinary: boolean): void {
  connOf.get(this)?.onMessage(data, isBinary);
}
function onWsPong(this: WebSocket): void {
  connOf.get(this)?.onPong();
}
function onWsClose(this: WebSocket, code: number, reason: Buffer): void {
  connOf.get(this)?.onClose(code, reason.toString());
}
function onWsError(this: WebSocket, err: Error): void {
  connOf.get(this)?.onError(err);
}

/** One WebSocket connection: handshake, then frames to and from the hub. */
export class Conn implements MemberSink, Flushable {
  /** `admitting`: the handshake is done and the hub is asking its registry; requests wait in `early`. */
  private state: 'hello' | 'finish' | 'admitting' | 'open' | 'closed' = 'hello';
  /** Requests that arrived while admitting (at most MAX_EARLY_REQUESTS), handled once admitted. */
  private early: unknown[] | undefined;
  /** Dropped once the handshake is over, so an idle connection does not keep it. */
  private hs: ServerHandshake | undefined;
  private session: Session | undefined;
  private member: Member | undefined;
  private name = '?';
  private timer: NodeJS.Timeout | undefined;
  private lastSeen = Date.now();
  /** Bytes of ours the kernel had taken, and bytes still queued in user space, at the last sweep (see sweep()). */
  private lastDrained = 0;
  private lastQueued = 0;
  /** Encoded events delivered since the last flush, and their bytes. */
  private outbox: Uint8Array[] = [];
  private outboxBytes = 0;

  constructor(
    private readonly host: ConnHost,
    readonly ws: WebSocket,
    /** Where the connection comes from (src/server/source.ts): its per-source limits and the hub's key on `source.key`. */
    readonly source: Source,
    /** The connection's TCP (or TLS) socket, the one `ws` writes to: corked while flush() writes, watched for outbound progress. */
    private readonly socket: Socket,
    /** The protocol version of the subprotocol the server selected (SUBPROTOCOL_VERSIONS). */
    version: number = PROTOCOL_VERSION,
  ) {
    this.hs = new ServerHandshake({ identity: host.identity, crypto: nodeCrypto, maxFrameLength: host.transport.maxFrameBytes, version, tickets: serverTickets(host.identity, host.transport) });
    host.handshakeStarted();
    this.timer = setTimeout(() => this.refuse('handshake_timeout', 'the handshake did not finish in time'), host.transport.handshakeTimeoutMs);
    connOf.set(ws, this);
    ws.on('message', onWsMessage);
    ws.on('pong', onWsPong);
    ws.on('close', onWsClose);
    ws.on('error', onWsError);
  }

  /** For log lines: the peer's address and port (and the forwarded client address behind a trusted proxy). */
  private get peer(): string {
    return this.source.label;
  }

  /** The session while it carries events — from the end of the handshake (admitting, open) until closed — else undefined. */
  private get liveSession(): Session | undefined {
    return this.state === 'open' || this.state === 'admitting' ? this.session : undefined;
  }

  /** @internal A WebSocket message from the client. */
  onMessage(data: RawData, isBinary: boolean): void {
    this.lastSeen = Date.now();
    if (this.state === 'closed') return;
    const bytes = toBytes(data);
    if (!isBinary) return this.protocolFailure(new ProtocolError('malformed', 'text WebSocket messages are not part of the protocol'));
    try {
      if (this.state === 'hello') {
        this.ws.send(this.hs!.onClientHello(bytes));
        this.state = 'finish';
      } else if (this.state === 'finish') {
        const r = this.hs!.onClientFinish(bytes);
        this.hs = undefined;
        this.session = r.session;
        this.name = r.name;
        this.handshakeDone();
        this.state = 'open';
        this.lastDrained = this.drained();
        if (r.version !== PROTOCOL_VERSION) {
          // an older client, authenticated (it has checked our key against its pin): told so over its session, and never admitted
          this.host.logger.info(`refused ${r.name} (${r.clientFingerprint}) from ${this.peer}: unsupported_version (protocol ${r.version})`);
          this.fail('unsupported_version', unsupportedVersionMessage(r.version));
          return;
        }
        const publicKey = Buffer.from(r.clientSpki).toString('base64');
        this.state = 'admitting';
        void this.admit({ name: r.name, fingerprint: r.clientFingerprint, publicKey, source: this.source.key }, r.clientFingerprint, r.ticket as unknown as ServerEvent | undefined, r.resumed === true);
      } else if (this.state === 'admitting') {
        const req = this.session!.open(bytes);
        this.early ??= [];
        if (this.early.length >= MAX_EARLY_REQUESTS) return this.fail('rate_limited', `more than ${MAX_EARLY_REQUESTS} requests before the server had admitted you`);
        this.early.push(req);
      } else {
        const req = this.session!.open(bytes);
        this.host.hub.handle(this.member!, req);
      }
    } catch (e) {
      if (e instanceof ProtocolError && e.code === 'unsupported_version' && this.state !== 'open') {
        // a handshake message of another version than the connection's: no session to say it over
        this.host.logger.info(`refused ${this.peer}: unsupported_version: ${e.message}`);
        return this.fail('unsupported_version', unsupportedVersionMessage(bytes[1]));
      }
      if (e instanceof ProtocolError) return this.protocolFailure(e);
      this.host.logger.warn(`internal error on connection from ${this.peer}: ${(e as Error).stack ?? String(e)}`);
      this.fail('internal_error', 'internal server error');
    }
  }

  /** The hub's admission (asynchronous with a cluster's registry), then the requests that arrived meanwhile. Never rejects. */
  private async admit(id: { name: string; fingerprint: string; publicKey: string; source: string }, fingerprint: string, ticket: ServerEvent | undefined, resumed: boolean): Promise<void> {
    const joined = await this.host.hub.admit(id, this);
    if (this.state === 'closed') {
      // the client went away while the registry answered
      if (joined.ok) this.host.hub.disconnect(joined.member, 'quit');
      return;
    }
    if (!joined.ok) {
      this.host.logger.info(`refused ${id.name} (${fingerprint}) from ${this.peer}: ${joined.code}`);
      this.fail(joined.code, joined.message, joined.retryAfterMs);
      return;
    }
    this.member = joined.member;
    this.state = 'open';
    // the client's next session ticket, after its `ready` (docs/PROTOCOL.md §Session resumption): a protocol event, not the hub's
    if (ticket) this.deliver(ticket);
    this.host.logger.info(`connect ${id.name} (${fingerprint}) from ${this.peer}${resumed ? ' (resumed)' : ''}`);
    // ws's Receiver keeps the last client frame's mask as a view into the TCP read it came
    // in, so a quiet client's ClientFinish (~0.5 KB) would stay in memory until its next
    // frame; the pong to this ping (a 6-byte frame) takes its place at once
    this.ws.ping();
    const early = this.early;
    this.early = undefined;
    for (const req of early ?? []) {
      if (this.state !== 'open') break;
      this.host.hub.handle(this.member, req);
    }
  }

  /** @internal */
  onPong(): void {
    this.lastSeen = Date.now();
  }

  /** @internal */
  onError(err: Error): void {
    this.host.logger.info(`connection error from ${this.peer}: ${err.message}`);
  }

  /** MemberSink: queues `event` for the next flush; false when the client is too far behind (slow consumer). */
  deliver(event: ServerEvent): boolean {
    // 'admitting': the hub's `ready` and first join notice come before admit() has returned
    const session = this.liveSession;
    if (!session) return true;
    if (this.ws.bufferedAmount + this.outboxBytes > this.host.transport.maxBufferedBytes) return false;
    // the transport's own field of `ready` (docs/PROTOCOL.md §ServerEvent): the frame limit, which the hub does not know
    const plaintext = plaintextOf(event.type === 'ready' ? { ...event, maxFrameLength: session.maxFrameLength } : event);
    this.outbox.push(plaintext);
    this.outboxBytes += plaintext.length;
    flushWhenIdle(this);
    return true;
  }

  /** MemberSink: the hub ends this member. */
  close(code: ChatErrorCode, message: string): void {
    this.fail(code, message);
  }

  /** Bytes the kernel has taken from us so far (written minus still queued in user space). */
  private drained(): number {
    return this.socket.bytesWritten - this.socket.writableLength;
  }

  /**
   * Called by the server every ping interval (a third of idleTimeoutMs): closes the connection
   * as idle_timeout when the peer has shown no sign of life for idleTimeoutMs, otherwise pings.
   * Signs of life: a message or a pong from it, or — for a slow reader whose pong is still
   * queued behind our data — a backlog of ours that was waiting in user space at the last sweep
   * and has since moved into the kernel (TCP only drains when the peer reads). Bytes the kernel
   * takes while nothing was waiting prove nothing (its buffers accept our pings even when the
   * peer has stopped), so they do not count. A reader that stops fills the buffers and meets
   * slow_consumer or this timeout.
   */
  sweep(now: number): void {
    if (this.state !== 'open') return;
    const drained = this.drained();
    if (this.lastQueued > 0 && drained !== this.lastDrained) this.lastSeen = now;
    this.lastDrained = drained;
    this.lastQueued = this.socket.writableLength;
    const idle = this.host.transport.idleTimeoutMs;
    if (now - this.lastSeen > idle) return this.fail('idle_timeout', `no traffic for ${Math.round(idle / 1000)} s`);
    this.ws.ping();
  }

  /**
   * A ProtocolError ends the connection. Before the session exists the plaintext Error message
   * carries the protocol's own code (`malformed`, `bad_signature`, `unexpected_message`,
   * `too_large`, `handshake_failed` …: docs/PROTOCOL.md §Protocol error codes) and its text;
   * once it exists (admitting or open) the encrypted `error` event is `protocol_error`, its text
   * starting with that code.
   */
  private protocolFailure(e: ProtocolError): void {
    const session = this.liveSession !== undefined;
    this.host.logger.info(`${session ? 'protocol error' : 'handshake failed'} (${e.code}) from ${this.peer} (${this.name}): ${e.message}`);
    if (session) this.fail('protocol_error', `${e.code}: ${e.message}`);
    else this.fail(e.code, e.message);
  }

  private refuse(code: ChatErrorCode, message: string): void {
    this.host.logger.info(`refused ${this.peer}: ${code}: ${message}`);
    this.fail(code, message);
  }

  /**
   * Sends the events delivered since the last flush, in order: one frame each, or several in one
   * `batch` frame (docs/PROTOCOL.md §Batches) as long as it stays within the frame limit — one
   * AES-GCM seal per client per turn of the event loop instead of one per event.
   */
  flush(): void {
    const out = this.outbox;
    if (out.length === 0) return;
    this.outbox = [];
    this.outboxBytes = 0;
    const session = this.liveSession;
    if (!session) return;
    const room = session.maxFrameLength - FRAME_OVERHEAD - BATCH_OVERHEAD;
    this.socket.cork();
    try {
      for (let i = 0; i < out.length; ) {
        let j = i + 1;
        let size = out[i]!.length;
        while (j < out.length && size + 1 + out[j]!.length <= room) size += 1 + out[j++]!.length;
        this.ws.send(session.sealEncoded(j - i === 1 ? out[i]! : batchPlaintext(out, i, j, size)));
        i = j;
      }
    } finally {
      this.socket.uncork();
    }
  }

  /** @internal flush() threw: an event too large for a frame (the hub's limits make this unreachable); never crash the server. */
  onFlushError(error: Error): void {
    this.fail('internal_error', `internal error while sending to you: ${error.message}`);
  }

  /**
   * Tells the client why (encrypted once the session exists, with `retryAfterMs` when given; a
   * plaintext Error message before) and closes.
   */
  fail(code: ChatErrorCode | ProtocolErrorCode, message: string, retryAfterMs?: number): void {
    if (this.state === 'closed') return;
    try {
      this.flush(); // what was delivered before the failure goes first
      const session = this.liveSession;
      if (session) {
        // after the handshake only ChatErrorCodes travel in `error` events (protocolFailure sends protocol_error)
        const ev: ServerEvent = { type: 'error', code: code as ChatErrorCode, message, ...(retryAfterMs !== undefined && { retryAfterMs }) };
        this.ws.send(session.seal(ev));
      } else this.ws.send(encodeError(code, message));
    } catch {
      // the socket may already be gone
    }
    this.ws.close(closeCodeFor(code), message.slice(0, 120));
    this.finish(leaveReasonFor(code));
  }

  private handshakeDone(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.host.handshakeEnded(this);
    }
  }

  /** The connection is over: the member (if any) leaves its rooms with `reason` (a no-op when the hub ended it). */
  private finish(reason: string): void {
    this.handshakeDone();
    if (this.state === 'closed') return;
    this.state = 'closed';
    if (this.member) this.host.hub.disconnect(this.member, reason);
  }

  /** @internal The socket closed (after our close, the client's, or a network failure). */
  onClose(code: number, reason: string): void {
    const wasMember = this.member !== undefined && this.state !== 'closed';
    this.finish(leaveReasonForClose(code));
    this.host.connClosed(this);
    if (this.member && wasMember) this.host.logger.info(`disconnect ${this.name} from ${this.peer}: ${code}${reason ? ` ${reason}` : ''}`);
    else if (this.member) this.host.logger.info(`disconnect ${this.name} from ${this.peer}`);
  }
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
