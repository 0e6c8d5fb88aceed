/**
 * A minimal Parley client on the raw protocol classes (ClientHandshake + Session over `ws`),
 * for load, slow-consumer and flood tests: no pacing, no reconnection, full control over the
 * socket (pause it, flood it). Every event goes to `onEvent`; `keepEvents` also records them.
 */
import WebSocket from 'ws';
import { ClientHandshake, parseError, SUBPROTOCOL, type ClientTicket, type Session } from '../../../src/protocol/index.js';
import { base64ToBytes } from '../../../src/rsa/index.js';
import { nodeCrypto } from '../../../src/protocol/crypto-node.js';
import type { ClientRequest, ServerEvent } from '../../../src/chat/events.js';
import type { RsaPrivateKey } from '../../../src/rsa/index.js';
import { unbatch } from '../../../src/protocol/batch.js';

/** Why a connection attempt failed: an HTTP refusal of the upgrade (503, 429), an Error message, or a socket problem. */
export class ConnectError extends Error {
  constructor(readonly kind: 'http' | 'refused' | 'socket' | 'timeout', message: string, readonly status?: number, readonly code?: string, readonly retryAfter?: string) {
    super(message);
    this.name = 'ConnectError';
  }
}

export interface RawClientOptions {
  keepEvents?: boolean;
  onEvent?: (e: ServerEvent, c: RawClient) => void;
  /** Gives up on the WebSocket upgrade + handshake + `ready` after this long. Default 30 s. */
  timeoutMs?: number;
  /** Answer the server's pings (the WebSocket default); false plays a peer that has stopped. */
  autoPong?: boolean;
  /** Connect from this local address (any of 127.0.0.0/8 works on Linux: several sources on one machine). */
  localAddress?: string;
  /** Extra headers of the upgrade request (e.g. X-Forwarded-For). */
  headers?: Record<string, string>;
  /** Ask for session tickets (a ResumeHello), offering `ticket` if given (docs/PROTOCOL.md §Session resumption). */
  tickets?: boolean;
  ticket?: ClientTicket;
}

export class RawClient {
  readonly events: ServerEvent[] = [];
  session!: Session;
  ready!: Extract<ServerEvent, { type: 'ready' }>;
  /** Resolves when the socket closes, with the close code and reason. */
  readonly closed: Promise<{ code: number; reason: string }>;
  closeInfo: { code: number; reason: string } | undefined;
  /** WebSocket pings received from the server so far. */
  pings = 0;
  /** An event that could not be decrypted or parsed (the client then closes). */
  failure: string | undefined;
  /** The handshake resumed with the offered ticket (no RSA on either side). */
  resumed = false;
  /** The offered ticket was refused: the full handshake followed. */
  ticketRefused = false;
  /** The latest ticket the server sent on this connection, paired with this session's resumption secret. */
  ticket: ClientTicket | undefined;
  private waiters: { pred: (e: ServerEvent) => boolean; resolve: (e: ServerEvent) => void }[] = [];

  private constructor(readonly ws: WebSocket, readonly name: string, private readonly opts: RawClientOptions) {
    ws.on('ping', () => this.pings++);
    this.closed = new Promise((resolve) =>
      ws.once('close', (code, reason) => {
        this.closeInfo = { code, reason: reason.toString() };
        resolve(this.closeInfo);
      }),
    );
  }

  /** Connects, runs the handshake and resolves at `ready`. Rejects with ConnectError. */
  static connect(url: string, key: RsaPrivateKey, name: string, opts: RawClientOptions = {}): Promise<RawClient> {
    const ws = new WebSocket(url, SUBPROTOCOL, {
      perMessageDeflate: false, maxPayload: 64 * 1024, autoPong: opts.autoPong ?? true,
      ...(opts.localAddress !== undefined && { localAddress: opts.localAddress }),
      ...(opts.headers !== undefined && { headers: opts.headers }),
    });
    const c = new RawClient(ws, name, opts);
    const hs = new ClientHandshake({ identity: key, name, crypto: nodeCrypto, ...((opts.tickets || opts.ticket) && { tickets: true }), ...(opts.ticket && { ticket: opts.ticket }) });
    let secret: Uint8Array | undefined;
    let serverFingerprint = '';
    return new Promise<RawClient>((resolve, reject) => {
      let state: 'hello' | 'finish' | 'open' = 'hello';
      const fail = (e: ConnectError) => {
        clearTimeout(timer);
        ws.terminate();
        reject(e);
      };
      const timer = setTimeout(() => fail(new ConnectError('timeout', `${name}: no ready within ${opts.timeoutMs ?? 30_000} ms`)), opts.timeoutMs ?? 30_000);
      ws.on('unexpected-response', (_req, res) => {
        res.resume();
        const retryAfter = res.headers['retry-after'];
        fail(new ConnectError('http', `${name}: upgrade refused with HTTP ${res.statusCode}`, res.statusCode, undefined, typeof retryAfter === 'string' ? retryAfter : undefined));
      });
      ws.on('error', (e) => fail(new ConnectError('socket', `${name}: ${e.message}`)));
      ws.once('close', (code, reason) => {
        if (state !== 'open' || !c.ready) fail(new ConnectError('socket', `${name}: closed during the handshake (${code} ${reason.toString()})`));
      });
      ws.on('open', () => ws.send(hs.hello()));
      ws.on('message', (data: Buffer, isBinary: boolean) => {
        const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
        try {
          if (!isBinary) throw new Error('text message');
          if (state === 'hello') {
            if (bytes[0] === 0x7f) {
              const e = parseError(bytes);
              return fail(new ConnectError('refused', `${name}: ${e.code}: ${e.message}`, undefined, e.code));
            }
            const r = hs.onServerHello(bytes);
            c.resumed = r.resumed;
            c.ticketRefused = r.ticketRefused;
            secret = r.resumptionSecret;
            serverFingerprint = r.serverFingerprint;
            ws.send(r.finish);
            c.session = r.session;
            state = 'open';
            return;
          }
          for (const ev of unbatch(c.session.open(bytes) as ServerEvent)) {
            if ((ev as { type: string }).type === 'ticket') {
              const t = ev as unknown as { ticket: string };
              if (secret) c.ticket = { ticket: base64ToBytes(t.ticket), resumptionSecret: secret.slice(), serverFingerprint };
              continue;
            }
            if (!c.ready) {
              if (ev.type !== 'ready') {
                const code = ev.type === 'error' ? ev.code : ev.type;
                return fail(new ConnectError('refused', `${name}: ${code}`, undefined, code));
              }
              c.ready = ev;
              clearTimeout(timer);
              resolve(c);
            }
            c.deliver(ev);
          }
        } catch (e) {
          c.failure = e instanceof Error ? e.message : String(e);
          if (!c.ready) return fail(new ConnectError('socket', `${name}: ${c.failure}`));
          ws.close(4003, 'protocol error');
        }
      });
    });
  }

  /**
   * Connects, retrying refusals of the upgrade (HTTP 503: too many pending handshakes, server
   * full; 429: a per-source limit) and socket errors with a growing delay, for at most `deadlineMs`.
   */
  static async connectWithRetry(url: string, key: RsaPrivateKey, name: string, opts: RawClientOptions & { deadlineMs?: number } = {}): Promise<{ client: RawClient; attempts: number }> {
    const end = Date.now() + (opts.deadlineMs ?? 60_000);
    for (let attempt = 1; ; attempt++) {
      try {
        return { client: await RawClient.connect(url, key, name, opts), attempts: attempt };
      } catch (e) {
        const retriable = e instanceof ConnectError && (e.kind === 'http' || e.kind === 'socket' || e.kind === 'timeout');
        if (!retriable || Date.now() > end) throw e;
        await new Promise((r) => setTimeout(r, Math.min(2000, 50 * 2 ** Math.min(attempt, 6)) * (0.5 + Math.random())));
      }
    }
  }

  private deliver(ev: ServerEvent): void {
    if (this.opts.keepEvents) this.events.push(ev);
    this.opts.onEvent?.(ev, this);
    if (this.waiters.length) this.waiters = this.waiters.filter((w) => (w.pred(ev) ? (w.resolve(ev), false) : true));
  }

  /** Seals and sends one request. */
  send(req: ClientRequest | Record<string, unknown>): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(this.session.seal(req));
  }

  /** Resolves with the next event matching `pred` (an already recorded one if keepEvents). */
  next(pred: (e: ServerEvent) => boolean, timeoutMs = 10_000): Promise<ServerEvent> {
    const seen = this.events.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const w = {
        pred,
        resolve: (e: ServerEvent) => {
          clearTimeout(t);
          resolve(e);
        },
      };
      const t = setTimeout(() => {
        this.waiters = this.waiters.filter((x) => x !== w);
        reject(new Error(`${this.name}: no matching event within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push(w);
    });
  }

  /** Stops reading the socket: the kernel buffers, then the server's queue for us, fill up. */
  pause(): void {
    this.ws.pause();
  }
  resume(): void {
    this.ws.resume();
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /** Closes (normal close); the socket is cut if the server does not answer within 2 s. */
  close(): void {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    this.ws.close(1000, 'bye');
    const t = setTimeout(() => this.ws.terminate(), 2000);
    t.unref();
  }

  /** Cuts the connection at once. */
  terminate(): void {
    this.ws.terminate();
  }
}
