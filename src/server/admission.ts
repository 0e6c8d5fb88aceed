/**
 * Admission of new connections, all of it before any RSA work: the raw TCP connection (per
 * source, at the HTTP server's 'connection' event, so that a slowloris from one address is
 * bounded too) and the WebSocket upgrade (server-wide limits, then per source: connections,
 * pending handshakes, the handshake bucket). A refusal is an HTTP status — 503 for the
 * server-wide limits, 429 with Retry-After for a source's — and a (rate-limited) log line.
 */
import type { IncomingMessage } from 'node:http';
import { Socket, type Server } from 'node:net';
import { ThrottledLog, type Logger } from './log.js';
import type { TransportOptions } from './options.js';
import { SourceTable } from './per-source.js';
import { parseIp, resolveSource, sourceKey, TrustedProxies, type Source } from './source.js';

/** What admission needs to know of the server at an upgrade. */
export interface ServerLoad {
  closing: boolean;
  connections: number;
  pendingHandshakes: number;
}

/** verify()'s answer: go ahead, or the HTTP status, message and headers to refuse with. */
export type Verdict = { ok: true } | { ok: false; status: number; message: string; headers?: Record<string, string> };

/** Raw TCP sockets counted against a source (until upgraded or closed): one shared close listener, no closure per socket. */
const counted = new WeakMap<Socket, { table: SourceTable; key: string }>();
function onRawClose(this: Socket): void {
  uncount(this);
}
function uncount(socket: Socket): void {
  const c = counted.get(socket);
  if (!c) return;
  counted.delete(socket);
  socket.removeListener('close', onRawClose);
  c.table.closeRaw(c.key);
}

/** The TCP socket under a request's socket (a TLSSocket's is its `_parent`: the socket Node's 'connection' event gave). */
function rawSocketOf(s: Socket): Socket {
  const parent = (s as { _parent?: unknown })._parent;
  return parent instanceof Socket ? parent : s;
}

/** The response to a refused raw connection: plain HTTP/1.1, then the socket is closed. */
function refusalResponse(message: string, retryAfterS: number): string {
  const body = `${message}\n`;
  return `HTTP/1.1 429 Too Many Requests\r\nRetry-After: ${retryAfterS}\r\nContent-Type: text/plain; charset=utf-8\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
}

/** The admission of one ParleyServer. Never throws once constructed. */
export class Admission {
  readonly table: SourceTable;
  private readonly trusted: TrustedProxies;
  private readonly refusals: ThrottledLog;
  /** The source of each admitted upgrade request, until ws hands over its WebSocket. */
  private readonly admitted = new WeakMap<IncomingMessage, { source: Source; upgraded: boolean }>();
  private warnedForwarded = false;

  /** Throws a TypeError for bad trustedProxies (transportOptions has already checked them). */
  constructor(
    private readonly opts: TransportOptions,
    private readonly log: Logger,
    private readonly load: () => ServerLoad,
  ) {
    this.table = new SourceTable(opts);
    this.trusted = new TrustedProxies(opts.trustedProxies);
    this.refusals = new ThrottledLog(log, opts.refusalLogLinesPerSecond);
  }

  /**
   * Puts the per-source count of raw TCP connections in front of `server`'s own 'connection'
   * listeners (HTTP's parser, or TLS's handshake), so that a refused socket never reaches them:
   * it gets `429` and is closed (over TLS, where no HTTP can be spoken yet, it is just closed).
   */
  gate(server: Server, tls: boolean): void {
    const own = server.listeners('connection') as ((this: Server, socket: Socket) => void)[];
    server.removeAllListeners('connection');
    server.on('connection', (socket: Socket) => {
      if (this.admitRaw(socket, tls)) for (const listener of own) listener.call(server, socket);
    });
  }

  private admitRaw(socket: Socket, tls: boolean): boolean {
    const ip = parseIp(socket.remoteAddress);
    if (!ip || this.trusted.has(ip)) return true; // a trusted proxy's own connections carry everyone's
    const key = sourceKey(ip);
    const refusal = this.table.openRaw(key);
    if (!refusal) {
      counted.set(socket, { table: this.table, key });
      socket.on('close', onRawClose);
      return true;
    }
    this.refusals.info(`refused TCP connection from ${key}: ${refusal.reason} (${refusal.message})`);
    socket.on('error', () => {});
    if (tls) {
      socket.destroy();
      return false;
    }
    socket.resume(); // read and drop whatever the client sends
    socket.end(refusalResponse(refusal.message, refusal.retryAfterS));
    setTimeout(() => socket.destroy(), 1000).unref(); // a peer that never closes its side is cut
    return false;
  }

  /**
   * Decides a WebSocket upgrade: the server-wide limits first (503), then the source's
   * (SourceTable.admit, 429 with Retry-After). A yes counts the connection against its source;
   * the caller must then call afterVerify(req) once ws has had its chance to upgrade.
   */
  verify(req: IncomingMessage): Verdict {
    const source = resolveSource(req.socket.remoteAddress, req.socket.remotePort, req.headers['x-forwarded-for'], this.trusted);
    this.warnIfForwardedIgnored(req, source);
    const load = this.load();
    const o = this.opts;
    let refusal: { status: number; message: string; why: string; retryAfterS?: number } | undefined;
    if (load.closing) refusal = { status: 503, message: 'shutting down', why: 'shutting_down' };
    else if (load.connections >= o.maxConnections) refusal = { status: 503, message: 'server full', why: `server_full (${load.connections} connections)` };
    else if (load.pendingHandshakes >= o.maxPendingHandshakes)
      refusal = { status: 503, message: 'too many pending handshakes', why: `too many pending handshakes (${load.pendingHandshakes})` };
    else {
      const r = this.table.admit(source.key);
      if (r) refusal = { status: 429, message: r.message, why: `${r.reason} from ${source.key}`, retryAfterS: r.retryAfterS };
    }
    if (refusal) {
      if (!load.closing) this.refusals.info(`refused connection from ${source.label}: ${refusal.why}`);
      return { ok: false, status: refusal.status, message: refusal.message, ...(refusal.retryAfterS !== undefined && { headers: { 'Retry-After': String(refusal.retryAfterS) } }) };
    }
    this.admitted.set(req, { source, upgraded: false });
    return { ok: true };
  }

  /** After an admitted upgrade: if ws did not complete it (the socket was gone), the source gets its counts back. */
  afterVerify(req: IncomingMessage): void {
    const a = this.admitted.get(req);
    if (!a || a.upgraded) return;
    this.admitted.delete(req);
    this.release(a.source.key);
  }

  /**
   * ws hands over the WebSocket of an admitted request: its TCP connection stops counting as
   * not-yet-upgraded; returns the request's source. (A request verify() never saw, which cannot
   * happen through verifyClient, gets its source resolved and counted now, unchecked, so that
   * the Conn's releases balance.)
   */
  upgraded(req: IncomingMessage): Source {
    uncount(rawSocketOf(req.socket));
    const a = this.admitted.get(req);
    if (a) {
      a.upgraded = true;
      this.admitted.delete(req);
      return a.source;
    }
    const source = resolveSource(req.socket.remoteAddress, req.socket.remotePort, req.headers['x-forwarded-for'], this.trusted);
    this.table.track(source.key);
    return source;
  }

  /** An admitted connection's handshake ended (done, failed or timed out). */
  handshakeEnded(key: string): void {
    this.table.handshakeEnded(key);
  }

  /** An admitted connection closed (its handshake, if still running, has ended too). */
  connectionClosed(key: string): void {
    this.table.connectionClosed(key);
  }

  /** Gives back an admitted connection's counts when no Conn was made for it. */
  release(key: string): void {
    this.table.handshakeEnded(key);
    this.table.connectionClosed(key);
  }

  /** The server's periodic timer: forget refilled sources, report unlogged refusals. */
  sweep(): void {
    this.table.sweep();
    this.refusals.flush();
  }

  private warnIfForwardedIgnored(req: IncomingMessage, source: Source): void {
    if (this.warnedForwarded || req.headers['x-forwarded-for'] === undefined) return;
    const peer = parseIp(req.socket.remoteAddress);
    if (!peer || this.trusted.has(peer)) return;
    this.warnedForwarded = true;
    this.log.warn(
      `a request from ${peer.text} carried X-Forwarded-For, which is ignored: ${peer.text} is not a trusted proxy. ` +
        `If it is your reverse proxy, start the server with --trust-proxy ${peer.text}; otherwise every client behind it shares the limits of one source (${source.key}). ` +
        '(This warning is shown once.)',
    );
  }
}
