/**
 * The Parley server: an HTTP server whose WebSocket endpoint runs the Parley handshake
 * (src/protocol) and then hands each authenticated connection to the chat hub (src/chat) through
 * a small MemberSink. The hub knows nothing of sockets; this file knows nothing of rooms.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer, type WebSocket, type RawData } from 'ws';
import { ChatHub, type ChatOptions, type Member, type NameRegistry } from '../chat/index.js';
import type { ChatErrorCode, ServerEvent } from '../chat/events.js';
import { ProtocolError, ServerHandshake, encodeError, SUBPROTOCOL, type Session } from '../protocol/index.js';
import { nodeCrypto } from '../protocol/crypto-node.js';
import { encodeMessage } from '../protocol/session.js';
import { AEAD_TAG_LENGTH, FRAME_HEADER_LENGTH } from '../protocol/limits.js';
import { fingerprint, type RsaPrivateKey } from '../rsa/index.js';
import { silentLogger, type Logger } from './log.js';
import { transportOptions, type TransportOptions } from './options.js';

/** WebSocket close codes used by the server (4000–4999 are the application's). */
export const CLOSE = {
  normal: 1000,
  goingAway: 1001,
  tooBig: 1009,
  handshakeFailed: 4001,
  refused: 4002, // name_taken, server_full, invalid_name: the `error` event says which
  protocolError: 4003,
  rateLimited: 4004,
  slowConsumer: 4005,
  idle: 4006,
} as const;

/** Options of ParleyServer. */
export interface ServerOptions {
  host?: string;
  port?: number;
  identity: RsaPrivateKey;
  names: NameRegistry;
  chat?: Partial<ChatOptions>;
  transport?: Partial<TransportOptions>;
  log?: Logger;
  /** Serves plain HTTP requests (the web client); default: 426 Upgrade Required. */
  httpHandler?: http.RequestListener;
  /**
   * Serve https:// and wss:// with this certificate chain and private key (PEM). The Parley
   * handshake runs inside TLS unchanged: TLS protects the page and the metadata of the WebSocket;
   * the client still pins the server's Parley key.
   */
  tls?: { cert: string | Buffer; key: string | Buffer };
}

function closeCodeFor(code: ChatErrorCode): number {
  switch (code) {
    case 'rate_limited':
      return CLOSE.rateLimited;
    case 'slow_consumer':
      return CLOSE.slowConsumer;
    case 'idle_timeout':
      return CLOSE.idle;
    case 'shutting_down':
      return CLOSE.goingAway;
    case 'protocol_error':
      return CLOSE.protocolError;
    case 'handshake_failed':
    case 'handshake_timeout':
      return CLOSE.handshakeFailed;
    default:
      return CLOSE.refused;
  }
}

/** A running Parley server. */
export class ParleyServer {
  readonly hub: ChatHub;
  readonly fingerprint: string;
  private readonly http: http.Server | https.Server;
  private readonly wss: WebSocketServer;
  private readonly opts: TransportOptions;
  private readonly log: Logger;
  private readonly conns = new Set<Conn>();
  private pending = 0;
  private closing = false;

  constructor(private readonly options: ServerOptions) {
    this.opts = transportOptions(options.transport);
    this.log = options.log ?? silentLogger;
    this.fingerprint = fingerprint(options.identity);
    this.hub = new ChatHub({ ...options.chat, serverFingerprint: this.fingerprint }, options.names);
    const handler: http.RequestListener =
      options.httpHandler ??
      ((_req, res) => {
        res.writeHead(426, { 'content-type': 'text/plain', upgrade: 'websocket' });
        res.end('Parley speaks WebSocket here: connect with `parley chat`.\n');
      });
    this.http = options.tls
      ? https.createServer({ cert: options.tls.cert, key: options.tls.key, minVersion: 'TLSv1.2' }, handler)
      : http.createServer(handler);
    // A TCP connection that never sends its HTTP upgrade is bounded too: cut after the handshake
    // timeout (ws clears this timeout on the sockets it upgrades), and counted against the limits.
    this.http.setTimeout(this.opts.handshakeTimeoutMs);
    this.http.maxConnections = this.opts.maxConnections + this.opts.maxPendingHandshakes;
    this.wss = new WebSocketServer({
      server: this.http,
      maxPayload: this.opts.maxFrameBytes,
      perMessageDeflate: false, // compression before encryption leaks (CRIME); frames are ciphertext anyway
      handleProtocols: (protocols) => (protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
      verifyClient: (_info, cb) => {
        if (this.closing) return cb(false, 503, 'shutting down');
        if (this.conns.size >= this.opts.maxConnections) {
          this.log.info(`refused connection: server_full (${this.conns.size} connections)`);
          return cb(false, 503, 'server full');
        }
        if (this.pending >= this.opts.maxPendingHandshakes) {
          this.log.info(`refused connection: too many pending handshakes (${this.pending})`);
          return cb(false, 503, 'too many pending handshakes');
        }
        cb(true);
      },
    });
    this.wss.on('connection', (ws, req) => {
      if (ws.protocol !== SUBPROTOCOL) {
        ws.close(CLOSE.protocolError, `subprotocol ${SUBPROTOCOL} required`);
        return;
      }
      const peer = `${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? '?'}`;
      const conn = new Conn(this, ws, peer, req.socket);
      this.conns.add(conn);
      ws.once('close', () => this.conns.delete(conn));
    });
  }

  /** Starts listening; resolves to the bound address (port 0 picks a free one). */
  async listen(): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(this.options.port ?? 8765, this.options.host ?? '127.0.0.1', () => resolve());
    });
    return this.http.address() as AddressInfo;
  }

  /** Closes every connection with a notice (`shutting_down`) and stops listening. */
  close(message = 'the server is shutting down'): Promise<void> {
    this.closed ??= this.shutdown(message);
    return this.closed;
  }

  private closed: Promise<void> | undefined;

  private async shutdown(message: string): Promise<void> {
    this.closing = true;
    this.hub.shutdown(message);
    for (const c of this.conns) c.fail('shutting_down', message);
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    const httpClosed = new Promise<void>((resolve) => this.http.close(() => resolve()));
    // sockets that never became WebSockets (idle keep-alive, or silent since they connected)
    // would hold close() open forever; upgraded sockets are not the HTTP server's any more
    this.http.closeAllConnections();
    await httpClosed;
    // connections that ignore the close handshake are cut after a grace period
    setTimeout(() => {
      for (const c of this.conns) c.ws.terminate();
    }, 1000).unref();
  }

  /** @internal */ get transport(): TransportOptions {
    return this.opts;
  }
  /** @internal */ get logger(): Logger {
    return this.log;
  }
  /** @internal */ handshakeStarted(): void {
    this.pending++;
  }
  /** @internal */ handshakeEnded(): void {
    this.pending--;
  }
  /** @internal */ get identity(): RsaPrivateKey {
    return this.options.identity;
  }
  /** Number of open connections (for tests and stats). */
  get connectionCount(): number {
    return this.conns.size;
  }
}

/** One WebSocket connection: handshake, then frames to and from the hub. */
class Conn {
  private state: 'hello' | 'finish' | 'open' | 'closed' = 'hello';
  /** Dropped once the handshake is over, so an idle connection does not keep it. */
  private hs: ServerHandshake | undefined;
  private session: Session | undefined;
  private member: Member | undefined;
  private name = '?';
  private timer: NodeJS.Timeout | undefined;
  private lastSeen = Date.now();
  private pinger: NodeJS.Timeout | undefined;
  /** Encoded events delivered since the last flush, and their bytes. */
  private outbox: Uint8Array[] = [];
  private outboxBytes = 0;

  constructor(
    private readonly server: ParleyServer,
    readonly ws: WebSocket,
    private readonly peer: string,
    /** The connection's TCP (or TLS) socket, the one `ws` writes to: corked while flush() writes, watched for outbound progress. */
    private readonly socket: Socket,
  ) {
    this.hs = new ServerHandshake({ identity: server.identity, crypto: nodeCrypto, maxFrameLength: server.transport.maxFrameBytes });
    server.handshakeStarted();
    this.timer = setTimeout(() => this.refuse('handshake_timeout', 'the handshake did not finish in time'), server.transport.handshakeTimeoutMs);
    ws.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    ws.on('pong', () => (this.lastSeen = Date.now()));
    ws.on('close', (code, reason) => this.onClose(code, reason.toString()));
    ws.on('error', (err) => {
      server.logger.info(`connection error from ${peer}: ${err.message}`);
    });
  }

  private onMessage(data: RawData, isBinary: boolean): void {
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
        const joined = this.server.hub.connect({ name: r.name, fingerprint: r.clientFingerprint }, this.sink());
        if (!joined.ok) {
          this.server.logger.info(`refused ${r.name} (${r.clientFingerprint}) from ${this.peer}: ${joined.code}`);
          this.fail(joined.code, joined.message);
          return;
        }
        this.member = joined.member;
        this.server.logger.info(`connect ${r.name} (${r.clientFingerprint}) from ${this.peer}`);
        this.startPings();
      } else {
        const req = this.session!.open(bytes);
        this.server.hub.handle(this.member!, req);
      }
    } catch (e) {
      if (e instanceof ProtocolError) return this.protocolFailure(e);
      this.server.logger.warn(`internal error on connection from ${this.peer}: ${(e as Error).stack ?? String(e)}`);
      this.fail('internal_error', 'internal server error');
    }
  }

  private sink() {
    return {
      deliver: (event: ServerEvent): boolean => {
        if (this.state !== 'open') return true;
        if (this.ws.bufferedAmount + this.outboxBytes > this.server.transport.maxBufferedBytes) return false;
        const plaintext = plaintextOf(event);
        this.outbox.push(plaintext);
        this.outboxBytes += plaintext.length;
        flushWhenIdle(this);
        return true;
      },
      close: (code: ChatErrorCode, message: string) => this.fail(code, message),
    };
  }

  private startPings(): void {
    const idle = this.server.transport.idleTimeoutMs;
    // Bytes the kernel has taken from us: when they grow, the peer is reading (TCP drains), even if
    // its pong is still queued behind our data — a slow but live reader is not "idle"; one that
    // stops reading fills the buffers and meets slow_consumer (maxBufferedBytes) or this timeout.
    const drained = () => this.socket.bytesWritten - this.socket.writableLength;
    let lastDrained = drained();
    this.pinger = setInterval(() => {
      const now = drained();
      if (now !== lastDrained) this.lastSeen = Date.now();
      lastDrained = now;
      if (Date.now() - this.lastSeen > idle) return this.fail('idle_timeout', `no traffic for ${Math.round(idle / 1000)} s`);
      this.ws.ping();
    }, Math.max(1000, Math.floor(idle / 3)));
    this.pinger.unref();
  }

  private protocolFailure(e: ProtocolError): void {
    const code: ChatErrorCode = this.state === 'open' ? 'protocol_error' : 'handshake_failed';
    this.server.logger.info(`${this.state === 'open' ? 'protocol error' : 'handshake failed'} (${e.code}) from ${this.peer} (${this.name}): ${e.message}`);
    this.fail(code, `${e.code}: ${e.message}`);
  }

  private refuse(code: ChatErrorCode, message: string): void {
    this.server.logger.info(`refused ${this.peer}: ${code}: ${message}`);
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
    if (this.state !== 'open' || !this.session) return;
    const room = this.session.maxFrameLength - FRAME_OVERHEAD - BATCH_OVERHEAD;
    this.socket.cork();
    try {
      for (let i = 0; i < out.length; ) {
        let j = i + 1;
        let size = out[i]!.length;
        while (j < out.length && size + 1 + out[j]!.length <= room) size += 1 + out[j++]!.length;
        this.ws.send(this.session.sealEncoded(j - i === 1 ? out[i]! : batchPlaintext(out, i, j, size)));
        i = j;
      }
    } finally {
      this.socket.uncork();
    }
  }

  /** Tells the client why (encrypted once the session exists, a plaintext error frame before) and closes. */
  fail(code: ChatErrorCode, message: string): void {
    if (this.state === 'closed') return;
    try {
      this.flush(); // what was delivered before the failure goes first
      if (this.session && this.state === 'open') this.ws.send(this.session.seal({ type: 'error', code, message } satisfies ServerEvent));
      else this.ws.send(encodeError(code, message));
    } catch {
      // the socket may already be gone
    }
    this.ws.close(closeCodeFor(code), message.slice(0, 120));
    this.finish();
  }

  private handshakeDone(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.server.handshakeEnded();
    }
  }

  private finish(): void {
    this.handshakeDone();
    if (this.pinger) clearInterval(this.pinger);
    if (this.state === 'closed') return;
    this.state = 'closed';
    if (this.member) this.server.hub.disconnect(this.member);
  }

  private onClose(code: number, reason: string): void {
    const wasMember = this.member !== undefined && this.state !== 'closed';
    this.finish();
    if (this.member && wasMember) this.server.logger.info(`disconnect ${this.name} from ${this.peer}: ${code}${reason ? ` ${reason}` : ''}`);
    else if (this.member) this.server.logger.info(`disconnect ${this.name} from ${this.peer}`);
  }
}

// ─── fan-out helpers ──────────────────────────────────────────────────────────────────────────

let lastEvent: ServerEvent | undefined;
let lastPlaintext: Uint8Array | undefined;

/**
 * The frame plaintext of `event`, encoded once per fan-out: the hub hands the same frozen event
 * object to every member's sink in turn (and freezes the message body it contains), so the last
 * frozen event's encoding is remembered and reused while the same object keeps coming. An
 * unfrozen event is encoded every time.
 */
function plaintextOf(event: ServerEvent): Uint8Array {
  if (event === lastEvent) return lastPlaintext!;
  const plaintext = encodeMessage(event);
  if (Object.isFrozen(event)) {
    lastEvent = event;
    lastPlaintext = plaintext;
  } else lastEvent = lastPlaintext = undefined;
  return plaintext;
}

/** Frame header and GCM tag around a frame's plaintext. */
const FRAME_OVERHEAD = FRAME_HEADER_LENGTH + AEAD_TAG_LENGTH;
const BATCH_PREFIX = new TextEncoder().encode('{"type":"batch","events":[');
const BATCH_SUFFIX = new TextEncoder().encode(']}');
const BATCH_OVERHEAD = BATCH_PREFIX.length + BATCH_SUFFIX.length;

/**
 * One scratch buffer for batch plaintexts: a plaintext lives only until it is sealed (the seal
 * copies it into the frame), so batches reuse this memory instead of allocating their own —
 * a native allocation per batch raised the server's resident memory under connection storms.
 */
let scratch = new Uint8Array(16 * 1024);

/**
 * `{"type":"batch","events":[e_i,…,e_(j-1)]}` from already encoded events (`size`: their bytes
 * plus commas), in the shared scratch buffer: valid until the next call.
 */
function batchPlaintext(events: Uint8Array[], i: number, j: number, size: number): Uint8Array {
  if (scratch.length < BATCH_OVERHEAD + size) scratch = new Uint8Array(Math.max(BATCH_OVERHEAD + size, scratch.length * 2));
  const out = scratch.subarray(0, BATCH_OVERHEAD + size);
  out.set(BATCH_PREFIX, 0);
  let o = BATCH_PREFIX.length;
  for (let k = i; k < j; k++) {
    if (k > i) out[o++] = 0x2c; // ','
    out.set(events[k]!, o);
    o += events[k]!.length;
  }
  out.set(BATCH_SUFFIX, o);
  return out;
}

const toFlush = new Set<Conn>();
let flushScheduled = false;

function flushAll(): void {
  flushScheduled = false;
  const conns = [...toFlush];
  toFlush.clear();
  for (const c of conns) {
    try {
      c.flush();
    } catch (e) {
      // an event too large for a frame (the hub's limits make this unreachable); never crash the server
      c.fail('internal_error', `internal error while sending to you: ${(e as Error).message}`);
    }
  }
}

/**
 * Sends `conn`'s delivered events once the event loop has handled the I/O at hand (setImmediate
 * runs right after the poll phase): every event for one client in the meantime — several
 * fan-outs when several requests arrived together — leaves in one frame and one write.
 */
function flushWhenIdle(conn: Conn): void {
  toFlush.add(conn);
  if (!flushScheduled) {
    flushScheduled = true;
    setImmediate(flushAll);
  }
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
