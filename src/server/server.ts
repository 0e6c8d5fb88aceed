/**
 * The Parley server: an HTTP server whose WebSocket endpoint runs the Parley handshake
 * (src/protocol) and then hands each authenticated connection to the chat hub (src/chat) through
 * a small MemberSink (one Conn per connection, src/server/conn.ts). The hub knows nothing of
 * sockets; the server knows nothing of rooms.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { ChatHub, fitToEventBytes, MIN_EVENT_BYTES, type AsyncNameRegistry, type ChatOptions, type NameRegistry } from '../chat/index.js';
import type { ClusterBus } from '../cluster/bus.js';
import { selectSubprotocol, ServerHandshake, SUBPROTOCOL, SUBPROTOCOL_VERSIONS } from '../protocol/index.js';
import { nodeCrypto } from '../protocol/crypto-node.js';
import { fingerprint, type RsaPrivateKey } from '../rsa/index.js';
import { Admission } from './admission.js';
import { CLOSE, Conn, type ConnHost } from './conn.js';
import { silentLogger, ThrottledLog, type Logger } from './log.js';
import { FRAME_OVERHEAD } from './outbox.js';
import { transportOptions, type TransportOptions } from './options.js';

export { CLOSE } from './conn.js';

/** The body of the HTTP 400 that refuses an upgrade offering no Parley subprotocol. */
export const NO_SUBPROTOCOL_MESSAGE = `Parley needs the WebSocket subprotocol ${SUBPROTOCOL} (Sec-WebSocket-Protocol)`;

/** The subprotocols a WebSocket upgrade offers (RFC 6455 §4.1: a comma-separated Sec-WebSocket-Protocol, possibly repeated). Never throws. */
export function offeredSubprotocols(header: string | string[] | undefined): Set<string> {
  const all = Array.isArray(header) ? header.join(',') : (header ?? '');
  return new Set(all.split(',').map((p) => p.trim()).filter((p) => p.length > 0));
}

/** Options of ParleyServer. */
export interface ServerOptions {
  host?: string;
  port?: number;
  /** The server's RSA key: 2048–4096 bits with e = 65537 (else the constructor throws ProtocolError 'handshake_failed'). */
  identity: RsaPrivateKey;
  /** Name ownership: synchronous (SQLite, memory) on a single node; PostgresNameRegistry (async) in a cluster. */
  names: NameRegistry | AsyncNameRegistry;
  /**
   * Join a cluster of nodes that share one chat through this bus (RedisClusterBus). Every node
   * must use the same identity key and the same PostgreSQL registry. Absent: a single node.
   */
  cluster?: ClusterBus;
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
  /** Who may connect: server-wide and per-source limits, before any RSA work. */
  private readonly admission: Admission;
  /** Log lines of upgrades refused for want of a Parley subprotocol, rate-limited like the admission's. */
  private readonly subprotocolRefusals: ThrottledLog;
  private closing = false;
  private readonly sweeper: NodeJS.Timeout;
  /** What each connection sees of this server. */
  private readonly host: ConnHost;

  constructor(private readonly options: ServerOptions) {
    this.opts = transportOptions(options.transport);
    this.log = options.log ?? silentLogger;
    // the identity must be within the protocol's key bounds (2048–4096 bits, e = 65537): refuse to start rather than fail every handshake
    void new ServerHandshake({ identity: options.identity, crypto: nodeCrypto });
    this.fingerprint = fingerprint(options.identity);
    // every event the hub builds must fit in one frame: it learns the frame's plaintext size, and
    // fits its end-to-end limits (payloads, bundles) to it unless they were given
    const maxEventBytes = this.opts.maxFrameBytes - FRAME_OVERHEAD;
    if (maxEventBytes < MIN_EVENT_BYTES) {
      throw new TypeError(`server option maxFrameBytes must be at least ${MIN_EVENT_BYTES + FRAME_OVERHEAD} (protocol 2's events need it), got ${this.opts.maxFrameBytes}`);
    }
    this.hub = new ChatHub(fitToEventBytes({ ...options.chat, serverFingerprint: this.fingerprint }, maxEventBytes), options.names, Date.now, options.cluster);
    this.hub.clusterLog = (line) => this.log.info(line);
    this.host = {
      hub: this.hub,
      identity: options.identity,
      transport: this.opts,
      logger: this.log,
      handshakeStarted: () => void this.pending++,
      handshakeEnded: (conn) => {
        this.pending--;
        this.admission.handshakeEnded(conn.source.key);
      },
      connClosed: (conn) => {
        if (this.conns.delete(conn)) this.admission.connectionClosed(conn.source.key);
      },
    };
    this.subprotocolRefusals = new ThrottledLog(this.log, this.opts.refusalLogLinesPerSecond);
    this.admission = new Admission(this.opts, this.log, () => ({ closing: this.closing, connections: this.conns.size, pendingHandshakes: this.pending }));
    const handler: http.RequestListener =
      options.httpHandler ??
      ((_req, res) => {
        res.writeHead(426, { 'content-type': 'text/plain', upgrade: 'websocket' });
        res.end('Parley speaks WebSocket here: connect with `parley chat`.\n');
      });
    // A TCP connection that never sends its HTTP upgrade (or a whole request) is bounded too: Node
    // answers 408 and closes it after the handshake timeout, checked by one server-wide timer
    // (no timer per socket); it is counted against the connection limits below, and against its
    // address's maxRawConnectionsPerSource (Admission.gate). Over TLS, the TLS handshake itself
    // must also finish within the handshake timeout (Node's default is 120 s).
    const limits: http.ServerOptions = {
      headersTimeout: this.opts.handshakeTimeoutMs,
      requestTimeout: this.opts.handshakeTimeoutMs,
      connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(this.opts.handshakeTimeoutMs / 4))),
    };
    this.http = options.tls
      ? https.createServer({ ...limits, handshakeTimeout: this.opts.handshakeTimeoutMs, cert: options.tls.cert, key: options.tls.key, minVersion: 'TLSv1.2' }, handler)
      : http.createServer(limits, handler);
    this.http.maxConnections = this.opts.maxConnections + this.opts.maxPendingHandshakes;
    this.admission.gate(this.http, options.tls !== undefined);
    this.wss = new WebSocketServer({
      server: this.http,
      maxPayload: this.opts.maxFrameBytes,
      perMessageDeflate: false, // compression before encryption leaks (CRIME); frames are ciphertext anyway
      clientTracking: false, // this.conns tracks the connections
      // the newest version the client offers; an older one only to tell its client to upgrade (Conn)
      handleProtocols: (protocols) => selectSubprotocol(protocols),
      // every check before any RSA work: server-wide limits (503), then the source's (429 with Retry-After)
      verifyClient: (info, cb) => {
        // no Parley subprotocol offered: refused at the upgrade (400), before it counts against any limit (docs/PROTOCOL.md §Transport)
        if (selectSubprotocol(offeredSubprotocols(info.req.headers['sec-websocket-protocol'])) === false) {
          this.subprotocolRefusals.info(`refused connection from ${info.req.socket.remoteAddress ?? '?'}: no Parley subprotocol offered (${JSON.stringify(String(info.req.headers['sec-websocket-protocol'] ?? '')).slice(0, 80)})`);
          return cb(false, 400, NO_SUBPROTOCOL_MESSAGE);
        }
        const v = this.admission.verify(info.req);
        if (!v.ok) return cb(false, v.status, v.message, v.headers);
        cb(true); // ws completes the upgrade (and emits 'connection') synchronously, or drops a dead socket
        this.admission.afterVerify(info.req);
      },
    });
    // ws re-emits every 'error' of the HTTP server on the WebSocketServer: without a listener here
    // a failed listen (EADDRINUSE…) would crash the process before listen() could reject, and a
    // later one (EMFILE on accept) would take the whole server down
    this.wss.on('error', (e: Error) => {
      if (this.http.listening) this.log.warn(`server socket error: ${e.message}`);
    });
    this.wss.on('connection', (ws, req) => {
      const source = this.admission.upgraded(req);
      const version = SUBPROTOCOL_VERSIONS.get(ws.protocol);
      if (version === undefined) {
        // unreachable: verifyClient refused every upgrade without a subprotocol of ours
        this.admission.release(source.key);
        ws.close(CLOSE.handshakeFailed, `subprotocol ${SUBPROTOCOL} required`);
        return;
      }
      this.conns.add(new Conn(this.host, ws, source, req.socket, version));
    });
    // one timer pings every connection and closes the idle ones (Conn.sweep), not one per connection
    this.sweeper = setInterval(() => {
      const now = Date.now();
      for (const c of this.conns) {
        try {
          c.sweep(now);
        } catch (e) {
          // one connection's failure must neither crash the server nor skip the others
          this.log.warn(`internal error while checking a connection: ${(e as Error).message}`);
          c.fail('internal_error', 'internal server error');
        }
      }
      this.admission.sweep();
      this.subprotocolRefusals.flush();
    }, Math.max(1000, Math.floor(this.opts.idleTimeoutMs / 3)));
    this.sweeper.unref();
  }

  /**
   * Starts listening; resolves to the bound address (port 0 picks a free one). Rejects with the
   * system error (a `code` such as EADDRINUSE, EADDRNOTAVAIL, EACCES, ENOTFOUND) when it cannot.
   */
  async listen(): Promise<AddressInfo> {
    const bus = this.options.cluster;
    if (bus) {
      // the other nodes' members first: a client admitted here must see the whole cluster
      await bus.start(this.hub.clusterHandler());
      this.hub.clusterStarted();
    }
    try {
      await new Promise<void>((resolve, reject) => {
        this.http.once('error', reject);
        this.http.listen(this.options.port ?? 8765, this.options.host ?? '127.0.0.1', () => {
          this.http.off('error', reject);
          resolve();
        });
      });
    } catch (e) {
      await bus?.stop();
      throw e;
    }
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
    clearInterval(this.sweeper);
    this.hub.shutdown(message);
    for (const c of this.conns) c.fail('shutting_down', message);
    // connections that ignore the close handshake are cut after a grace period (before that,
    // the HTTP server's close below waits for them: their sockets are still its connections)
    setTimeout(() => {
      for (const c of this.conns) c.ws.terminate();
    }, 1000).unref();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    const httpClosed = new Promise<void>((resolve) => this.http.close(() => resolve()));
    // sockets that never became WebSockets (idle keep-alive, or silent since they connected)
    // would hold close() open forever; upgraded sockets are not the HTTP server's any more
    this.http.closeAllConnections();
    await httpClosed;
    // the bus sends what is still in its outbox — the leave of this node's members, which
    // hub.shutdown published — for up to its stopFlushMs, then stops
    await this.options.cluster?.stop();
  }

  /**
   * What one source (an IPv4 address, an IPv6 /64 as `2001:db8:1:2::/64`, see src/server/source.ts)
   * has open now: TCP connections that are not WebSockets yet, WebSocket connections, and those
   * still in the handshake (for tests and stats).
   */
  sourceCounts(source: string): { raw: number; connections: number; pendingHandshakes: number } {
    return this.admission.table.counts(source);
  }

  /** Number of open connections (for tests and stats). */
  get connectionCount(): number {
    return this.conns.size;
  }
}
