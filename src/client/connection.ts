/**
 * The client side of a Parley connection: WebSocket, handshake, server pinning, encrypted
 * frames, automatic reconnection with backoff, and paced sending so that nothing the user typed
 * is ever dropped. It knows nothing of terminals: the chat command and tests drive it.
 */
import { NAME_RE, type ChatEvent, type OutgoingRequest } from '../chat/events.js';
import type { ProtocolCrypto } from '../protocol/crypto.js';
import { ClientHandshake } from '../protocol/client-handshake.js';
import { MessageType, SUBPROTOCOL } from '../protocol/constants.js';
import { parseError } from '../protocol/error-message.js';
import { unbatch } from '../protocol/batch.js';
import { ProtocolError } from '../protocol/errors.js';
import { encodeMessage, type Session } from '../protocol/session.js';
import { AEAD_TAG_LENGTH, FRAME_HEADER_LENGTH } from '../protocol/limits.js';
import type { RsaPrivateKey } from '../rsa/key.js';
import { describeFailure } from './connect-failure.js';
import { Emitter } from './emitter.js';
import { checkServerEvent } from './event-check.js';
import type { ClientSocket, SocketFactory } from './socket.js';
import { TicketKeeper, type TicketEventFields } from './tickets.js';

/** What the caller decides about the server key presented on this connection. */
export type PinDecision = { ok: true } | { ok: false; message: string };

/** Options of ChatConnection; every limit named, with a default. */
export interface ConnectionOptions {
  /**
   * The server, or several servers of one cluster (which share one server key): the client tries
   * them in turn, round robin — the next one after a failed attempt or a dropped connection, with
   * the usual backoff — and stays on the one that answers.
   */
  url: string | readonly string[];
  identity: RsaPrivateKey;
  name: string;
  /** Checks the fingerprint presented by the server at `url` (known_hosts); a refusal is fatal (`server_key_changed`): no reconnection. */
  verifyServer: (fingerprint: string, url: string) => PinDecision;
  /** The protocol's crypto provider: nodeCrypto in Node, webCrypto in browsers. */
  crypto: ProtocolCrypto;
  /** Opens the transport: wsSocketFactory() in Node, the browser's WebSocket in the web client. */
  socket: SocketFactory;
  /**
   * First reconnection delay (default 500 ms); doubles after each failed attempt up to
   * maxReconnectMs (default 30 s), with ±20 % jitter.
   */
  minReconnectMs?: number;
  maxReconnectMs?: number;
  /**
   * A connection counts as up — and the delay starts again from minReconnectMs — only after it
   * stayed open this long after `ready` (default 10 s). A connection cut right after `ready` (a
   * flapping server, or a forged message injected after every handshake) keeps doubling the
   * delay instead of reconnecting in a tight loop.
   */
  stableAfterMs?: number;
  /** Gives up a connection attempt (TCP + handshake) after this long. */
  connectTimeoutMs?: number;
  /** Reconnect at all (tests turn it off). Default true. */
  reconnect?: boolean;
  /** Largest frame sent or accepted (default 64 KiB, the protocol's default); must match the server's. */
  maxFrameBytes?: number;
  /**
   * The longest wait a server's Retry-After (on an HTTP 429/503 refusal of the upgrade) may
   * impose before the next attempt on that server (default 10 minutes; with several servers the
   * others are tried meanwhile): the header is unauthenticated, so it may lengthen a wait, never
   * stop the client.
   */
  maxRetryAfterMs?: number;
  /**
   * Session resumption (docs/PROTOCOL.md §Session resumption), default true: ask the server for
   * tickets, keep the latest in memory (never on disk) and offer it on reconnection, so that the
   * server does no RSA work; a refused ticket falls back to the full handshake by itself.
   */
  resumption?: boolean;
}

/** Connection states, reported through the `status` event. */
export type ConnectionStatus =
  /** `url`: the server tried now. */
  | { state: 'connecting'; attempt: number; url: string }
  /** `url`: the server now connected (with several, see ChatConnection.servers). */
  | { state: 'connected'; serverFingerprint: string; url: string }
  /**
   * `reason`: why the attempt failed, with what to do (untrusted text: sanitize it); `brief`: the
   * same in a few words, for a status line.
   */
  | { state: 'reconnecting'; inMs: number; reason: string; brief?: string }
  | { state: 'closed'; reason: string };

/**
 * What a client does with an error (docs/PROTOCOL.md §Errors, "What a client does with an error"):
 *
 * - An Error message (0x7F) is not authenticated: anyone on the path can forge one. Before the
 *   session keys exist it ends this attempt only — the client reconnects with its usual backoff
 *   and shows the code and message (sanitized by the front end) as the reason. After the client
 *   has sent ClientFinish it is `unexpected_message`, like any message that is not a frame: the
 *   client closes, reconnects, and never shows its text.
 * - A ServerHello that does not parse or verify ends this attempt too (reconnect).
 * - A pinned server key that differs stops the client for good (`server_key_changed`, before
 *   ClientFinish is sent): its own decision, like SSH's.
 * - So do the transport failures that waiting cannot heal, all decided by the client's own TLS
 *   stack or URL parser (connect-failure.ts): a certificate it refuses (`tls_untrusted`), the
 *   wrong scheme (`wrong_scheme`: wss:// to a plain server, ws:// to a TLS server), a malformed
 *   URL (`bad_url`). Every other transport failure (refused, unknown host, timeout, HTTP 429/503
 *   …) is retried with backoff, its reason and advice in the `reconnecting` status.
 * - Of the authenticated `error` events (inside frames), the codes below stop the client for
 *   good: reconnecting cannot help (another key owns the name, the name is refused, this key
 *   signed in elsewhere, this key may claim no new name now, the server speaks another protocol
 *   version — then with the client's own advice, VERSION_HINT). Every other code is shown and the
 *   connection goes on, or — when the server closes after it (`server_full`, `idle_timeout`,
 *   `slow_consumer`, `shutting_down`, `protocol_error`, `internal_error`, a flood's
 *   `rate_limited`) — is reconnected with backoff.
 */
export const FATAL_ERROR_CODES: ReadonlySet<string> = new Set(['name_taken', 'invalid_name', 'replaced', 'name_limit', 'unsupported_version']);

/**
 * The client's own words for `unsupported_version` (docs/PROTOCOL.md §Versions): the server
 * speaks another protocol version than this client. Shown with the server's message, which
 * says which versions (but is only the server's text).
 */
export const VERSION_HINT = 'this client and the server speak different versions of the Parley protocol: upgrade Parley (or, if the server is the older one, ask its operator to upgrade it)';

/**
 * Whether `req` draws from the server's message bucket (PublicLimits.messagesPerSecond): a room
 * or direct message, end-to-end encrypted (`e2e_room`, `e2e_to` of kind `dm`) or still plain
 * (`say`, `dm`: the front ends' requests before the E2E layer). Key distributions have a bucket
 * of their own on the server and are not paced here.
 */
function isPacedMessage(req: OutgoingRequest): boolean {
  return req.t === 'say' || req.t === 'dm' || req.t === 'e2e_room' || (req.t === 'e2e_to' && req.kind === 'dm');
}

/** The requests the connection stamps with a ref and sends again after a `rate_limited` about them: messages and key distributions. */
type Resendable = Extract<OutgoingRequest, { t: 'say' | 'dm' | 'e2e_room' | 'e2e_to' }>;

function isResendable(req: OutgoingRequest): req is Resendable {
  return req.t === 'say' || req.t === 'dm' || req.t === 'e2e_room' || req.t === 'e2e_to';
}

/**
 * The codes of an Error message answering a ResumeHello that make the client stop asking for
 * tickets (docs/PROTOCOL.md §Client rules): `unexpected_message`, what a server that does not
 * implement resumption answers, and `handshake_failed`, what servers before the error codes of
 * docs/PROTOCOL.md §Errors said for every refusal (their text began "unexpected_message: ").
 */
export const RESUMPTION_REFUSED_CODES: ReadonlySet<string> = new Set(['unexpected_message', 'handshake_failed']);

/** Bytes a frame adds to its plaintext: the 9-byte header and the 16-byte GCM tag. */
const FRAME_OVERHEAD = FRAME_HEADER_LENGTH + AEAD_TAG_LENGTH;

/** How many sent messages are remembered so that one the server refused can be sent again. */
const RESEND_WINDOW = 256;

/** Events of a ChatConnection. */
export interface ConnectionEvents extends Record<string, unknown> {
  status: ConnectionStatus;
  event: ChatEvent;
  paced: { queued: number; waitMs: number };
  fatal: FatalError;
}

/**
 * Why the connection stopped for good. `fromServer`: the code and message came from the server
 * (an authenticated `error` event) and are untrusted text; otherwise the client wrote them
 * (a changed server key, a malformed URL) and they may span several lines.
 */
export interface FatalError {
  code: string;
  message: string;
  fromServer: boolean;
  /** What the user can do (the client's own text; set for transport failures and bad_url). */
  hint?: string;
}

type Timer = ReturnType<typeof setTimeout>;

/**
 * A connection that stays up: emits `status` (ConnectionStatus), `event` (ServerEvent, including
 * `ready` after every (re)connection), `paced` ({ queued, waitMs }) when it holds messages back to
 * respect the server's rate, and `fatal` (FatalError) when it stops for good — only for a changed
 * server key or an authenticated FATAL_ERROR_CODES event; nothing unauthenticated stops it.
 * Every text in these events that came from the network (status reasons, error messages) is
 * untrusted: a front end sanitizes it before it reaches a terminal (src/client/text.ts).
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
  /** Connections in a row that failed or did not stay up for stableAfterMs: the backoff's exponent. */
  private failures = 0;
  /** When the current connection got `ready`. */
  private upSince: number | undefined;
  private stopped = false;
  /** Counts connect() calls: a socket of an earlier attempt reports nothing any more. */
  private generation = 0;
  /** The code of the fatal error that stopped the connection, if one did. */
  private stoppedBy: string | undefined;
  /** The name asked for in the handshake (retryAs changes it). */
  private name: string;
  private retryTimer: Timer | undefined;
  private readonly queue: OutgoingRequest[] = [];
  private tokens = 0;
  private lastRefill = Date.now();
  private rate = { perSecond: 5, burst: 10 };
  /** The bucket of key distributions (`e2e_to` of kind `keys`): the server's keysPerSecond / keysBurst, one token of slack. */
  private keyTokens = 0;
  private keyRate = { perSecond: 100, burst: 999 };
  private drainTimer: Timer | undefined;
  private everReady = false;
  /** The server's frame limit on the current connection (its `ready.maxFrameLength`), if it said. */
  private serverMaxFrame: number | undefined;
  private nextRef = 0;
  /** Recently sent messages by ref, oldest first, for a resend after a refusal. */
  private readonly sent = new Map<string, OutgoingRequest>();
  /** Rooms to rejoin after a reconnection. */
  readonly rooms = new Set<string>();
  /** The latest session ticket, in memory only (tickets.ts). */
  private readonly tickets = new TicketKeeper();
  /** Off for the rest of this connection's life once a server answered a ResumeHello as a message it does not know (an older server). */
  private resumption: boolean;
  /** Handshakes so far that resumed with a ticket (no RSA on either side), for tests and status. */
  resumedHandshakes = 0;
  serverFingerprint: string | undefined;
  /** The servers to try, in order (ConnectionOptions.url). */
  readonly servers: readonly string[];
  /** Index in `servers` of the one tried now (or connected). */
  private serverIndex = 0;
  /** Per server index: no attempt before this time (its last Retry-After). */
  private readonly notBefore = new Map<number, number>();

  /** Throws RangeError for an empty list of servers. */
  constructor(private readonly opts: ConnectionOptions) {
    super();
    this.name = opts.name;
    this.resumption = opts.resumption ?? true;
    this.servers = typeof opts.url === 'string' ? [opts.url] : [...opts.url];
    if (this.servers.length === 0) throw new RangeError('ChatConnection: no server URL');
  }

  /** The server tried now, or connected. */
  get url(): string {
    return this.servers[this.serverIndex]!;
  }

  /** Connects (and keeps reconnecting until close() or a fatal error). */
  start(): void {
    this.connect();
  }

  /** Queues a request; it is sent as soon as the connection and the rate allow. Never dropped. */
  send(req: OutgoingRequest): void {
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

  /**
   * After the server refused the name for good (a `fatal` name_taken or invalid_name): connects
   * again, asking for `name` — for a front end that let the user choose another. Throws
   * RangeError in any other state, and for a name outside NAME_RE (the handshake would refuse it).
   */
  retryAs(name: string): void {
    if (this.stoppedBy !== 'name_taken' && this.stoppedBy !== 'invalid_name') throw new RangeError('retryAs: the connection was not stopped by a refused name');
    if (!NAME_RE.test(name)) throw new RangeError(`retryAs: invalid name ${JSON.stringify(name)}`);
    this.socket?.terminate();
    this.socket = undefined;
    this.session = undefined;
    if (this.drainTimer) clearTimeout(this.drainTimer);
    this.drainTimer = undefined;
    this.name = name;
    this.stopped = false;
    this.stoppedBy = undefined;
    this.failures = 0;
    this.attempt = 0;
    this.connect();
  }

  /** True when a session ticket is kept for the next connection (in memory only). */
  get hasTicket(): boolean {
    return this.tickets.held;
  }

  /** The name asked for on the next (or current) connection. */
  get currentName(): string {
    return this.name;
  }

  /** Messages waiting to be sent. */
  get pending(): number {
    return this.queue.length;
  }

  /** The requests waiting to be sent, in order (the objects given to send()). */
  get queued(): readonly OutgoingRequest[] {
    return this.queue;
  }

  /**
   * Removes from the queue, and returns in order, the requests for which `pick` is true — for
   * the E2E layer, whose payloads belong to one connection's session and must be made again
   * after a reconnection. Throws nothing (unless `pick` does).
   */
  takeQueued(pick: (req: OutgoingRequest) => boolean): OutgoingRequest[] {
    const taken: OutgoingRequest[] = [];
    for (let i = 0; i < this.queue.length; ) {
      if (pick(this.queue[i]!)) taken.push(...this.queue.splice(i, 1));
      else i++;
    }
    return taken;
  }

  private connect(): void {
    if (this.stopped) return;
    const generation = ++this.generation;
    this.attempt++;
    this.upSince = undefined;
    const url = this.url;
    this.emit('status', { state: 'connecting', attempt: this.attempt, url });
    const maxFrame = this.opts.maxFrameBytes ?? 64 * 1024;
    const timeoutMs = this.opts.connectTimeoutMs ?? 10_000;
    const ticket = this.resumption ? this.tickets.offer(this.name) : undefined;
    const hs = new ClientHandshake({ identity: this.opts.identity, name: this.name, crypto: this.opts.crypto, maxFrameLength: maxFrame, tickets: this.resumption, ...(ticket && { ticket }) });
    const askedTickets = this.resumption;
    /** This session's resumption secret, paired with the ticket the server sends after `ready`. */
    let resumptionSecret: Uint8Array | undefined;
    let state: 'hello' | 'open' = 'hello';
    this.serverMaxFrame = undefined;
    // why this attempt failed: the first reason given wins (a timeout's terminate() then makes the socket report an error too)
    let closeReason = '';
    let closeBrief = '';
    let retryAfterMs: number | undefined;
    let socket: ClientSocket;
    const handshakeTimer = setTimeout(() => {
      closeReason = 'the server did not answer the handshake in time';
      closeBrief = 'no answer';
      socket.terminate();
    }, timeoutMs);
    // once this attempt has failed, nothing more the socket delivers counts
    let ended = false;
    const end = (why: string, brief: string, code?: number, reason?: string) => {
      ended = true;
      closeReason ||= why;
      closeBrief ||= brief;
      socket.close(code, reason);
    };
    const current = () => generation === this.generation;
    const onMessage = (bytes: Uint8Array, isBinary: boolean) => {
      if (ended || !current()) return;
      try {
        if (!isBinary) throw new ProtocolError('malformed', 'the server sent a text message');
        if (state === 'hello') {
          if (bytes[0] === MessageType.Error) {
            // unauthenticated (anyone on the path can forge one): it ends this attempt, nothing more
            const err = parseError(bytes);
            // a ticket answered with an Error is not offered again; a server without resumption refuses the ResumeHello itself:
            // unexpected_message (docs/PROTOCOL.md §Who asks for tickets), or handshake_failed from a server before the error codes
            if (ticket) this.tickets.drop();
            if (askedTickets && RESUMPTION_REFUSED_CODES.has(err.code)) this.resumption = false;
            if (err.code === 'unsupported_version') return end(`${err.code}: ${err.message} (${VERSION_HINT})`, 'protocol version refused: upgrade Parley?');
            return end(`${err.code}: ${err.message}`, `refused (${err.code})`);
          }
          const r = hs.onServerHello(bytes);
          if (r.ticketRefused) this.tickets.drop(); // docs/PROTOCOL.md §Session resumption: refused, the full handshake goes on
          if (r.resumed) this.resumedHandshakes++;
          resumptionSecret = r.resumptionSecret;
          this.serverFingerprint = r.serverFingerprint;
          const pin = this.opts.verifyServer(r.serverFingerprint, url);
          if (!pin.ok) {
            // docs/PROTOCOL.md §Processing, client step 7: stop, do not send ClientFinish
            clearTimeout(handshakeTimer);
            this.fatal('server_key_changed', pin.message, false);
            return end('server key changed', 'server key changed', 1000, 'server key changed');
          }
          socket.send(r.finish);
          this.session = r.session;
          state = 'open';
          return;
        }
        // the session keys exist: only authenticated frames count (docs/PROTOCOL.md §Transport)
        if (bytes[0] !== MessageType.Frame) {
          throw new ProtocolError('unexpected_message', `the server sent an unencrypted message (type 0x${(bytes[0] ?? 0).toString(16).padStart(2, '0')}) after the handshake; it was ignored`);
        }
        const ev = checkServerEvent(this.session!.open(bytes));
        for (const e of unbatch(ev)) {
          if (ended || this.stopped || !current()) return;
          const checked = checkServerEvent(e);
          if (checked.type === ('ticket' as string)) {
            // the protocol's own event: kept here, never shown
            this.tickets.take(checked as unknown as TicketEventFields, resumptionSecret, this.serverFingerprint, this.name);
            continue;
          }
          this.onEvent(checked, () => clearTimeout(handshakeTimer));
        }
      } catch (e) {
        if (state === 'hello' && ticket) this.tickets.drop(); // an invalid answer to a ticket: not offered again
        const what = e instanceof ProtocolError ? `(${e.code}): ${e.message}` : `: ${e instanceof Error ? e.message : String(e)}`;
        if (state === 'hello') end(`the server's handshake is invalid ${what}`, 'invalid handshake', 4003, 'protocol error');
        else end(`protocol error ${what}`, 'protocol error', 4003, 'protocol error');
      }
    };
    const onClose = (code: number, reason: string) => {
      clearTimeout(handshakeTimer);
      resumptionSecret?.fill(0);
      resumptionSecret = undefined;
      if (!current()) return;
      this.session = undefined;
      if (this.socket === socket) this.socket = undefined;
      if (this.drainTimer) clearTimeout(this.drainTimer);
      this.drainTimer = undefined;
      if (this.stopped) return;
      const why = closeReason || reason || `connection closed (${code})`;
      const brief = closeBrief || 'connection closed';
      if (this.opts.reconnect === false) {
        this.stopped = true;
        this.emit('status', { state: 'closed', reason: why });
        return;
      }
      const stable = this.upSince !== undefined && Date.now() - this.upSince >= (this.opts.stableAfterMs ?? 10_000);
      this.failures = stable ? 1 : this.failures + 1;
      const base = Math.min(this.opts.maxReconnectMs ?? 30_000, (this.opts.minReconnectMs ?? 500) * 2 ** Math.min(10, this.failures - 1));
      const backoff = Math.round(base * (0.8 + 0.4 * Math.random())); // jitter only: not security-relevant
      // a server's Retry-After may delay the next attempt on that server (up to maxRetryAfterMs), never hasten it
      const now = Date.now();
      if (retryAfterMs !== undefined) this.notBefore.set(this.serverIndex, now + Math.min(retryAfterMs, this.opts.maxRetryAfterMs ?? 600_000));
      // several servers: the next attempt goes to the next one (round robin), this one may be down
      this.serverIndex = (this.serverIndex + 1) % this.servers.length;
      const inMs = Math.max(backoff, (this.notBefore.get(this.serverIndex) ?? 0) - now);
      this.emit('status', { state: 'reconnecting', inMs, reason: why, brief });
      this.retryTimer = setTimeout(() => this.connect(), inMs);
    };
    try {
      socket = this.opts.socket(url, {
        onOpen: () => socket.send(hs.hello()),
        onMessage,
        onError: (message, failure) => {
          if (!current() || closeReason) return;
          const f = describeFailure(url, message, failure);
          if (f.fatal) {
            // the client's own TLS stack refused, or the scheme is wrong: waiting cannot help
            clearTimeout(handshakeTimer);
            ended = true;
            closeReason = f.reason;
            return this.fatal(f.fatal.code, f.fatal.message, false, f.fatal.hint);
          }
          closeReason = f.reason;
          closeBrief = f.brief;
          retryAfterMs = f.retryAfterMs;
        },
        onClose,
      }, { subprotocol: SUBPROTOCOL, maxFrameBytes: maxFrame, connectTimeoutMs: timeoutMs });
    } catch (e) {
      clearTimeout(handshakeTimer);
      this.fatal('bad_url', `cannot connect to ${url}: ${(e as Error).message}`, false, 'give the server as ws://HOST:PORT or wss://HOST:PORT');
      return;
    }
    this.socket = socket;
  }

  private onEvent(ev: ChatEvent, connected: () => void): void {
    if (ev.type === 'ready') {
      connected();
      this.attempt = 0;
      this.upSince = Date.now();
      // one token of slack below the server's bucket absorbs network jitter (see the class comment)
      this.rate = { perSecond: ev.limits.messagesPerSecond, burst: Math.max(1, ev.limits.burst - 1) };
      // a full bucket on the first connection; after a reconnection the server remembers our
      // spending (its buckets follow the key), so we keep ours
      this.tokens = this.everReady ? Math.min(this.tokens, this.rate.burst) : this.rate.burst;
      this.keyRate = { perSecond: ev.limits.keysPerSecond ?? 100, burst: Math.max(1, (ev.limits.keysBurst ?? 1000) - 1) };
      this.keyTokens = this.everReady ? Math.min(this.keyTokens, this.keyRate.burst) : this.keyRate.burst;
      this.lastRefill = Date.now();
      this.everReady = true;
      this.serverMaxFrame = ev.maxFrameLength;
      // rejoin the rooms of the previous connection
      const wanted = [...this.rooms];
      for (const r of ev.rooms) this.rooms.add(r);
      for (const r of wanted) if (!ev.rooms.includes(r)) this.queue.unshift({ t: 'join', room: r });
      this.emit('status', { state: 'connected', serverFingerprint: ev.serverFingerprint, url: this.url });
      this.emit('event', ev);
      this.drain();
      return;
    }
    // names are case-insensitive: the server names us by the registered spelling (ready.name), which may differ in case from the one asked for
    if (ev.type === 'join' && sameName(ev.name, this.name)) this.rooms.add(ev.room);
    if (ev.type === 'leave' && sameName(ev.name, this.name)) this.rooms.delete(ev.room);
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
      if (FATAL_ERROR_CODES.has(ev.code)) return this.fatal(ev.code, ev.message, true, ev.code === 'unsupported_version' ? VERSION_HINT : undefined);
    }
    this.emit('event', ev);
  }

  private fatal(code: string, message: string, fromServer: boolean, hint?: string): void {
    if (this.stopped) return;
    this.stopped = true;
    this.stoppedBy = code;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.emit('fatal', { code, message, fromServer, ...(hint !== undefined && { hint }) });
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
      const elapsed = (now - this.lastRefill) / 1000;
      this.tokens = Math.min(this.rate.burst, this.tokens + elapsed * this.rate.perSecond);
      this.keyTokens = Math.min(this.keyRate.burst, this.keyTokens + elapsed * this.keyRate.perSecond);
      this.lastRefill = now;
    }
    let keysShort = false;
    while (this.queue.length) {
      let req = this.queue[0]!;
      const costly = isPacedMessage(req);
      if (costly && this.tokens < 1) break;
      const keys = req.t === 'e2e_to' && req.kind === 'keys';
      if (keys && this.keyTokens < 1) {
        keysShort = true;
        break;
      }
      this.queue.shift();
      if (isResendable(req)) {
        // messages draw from the bucket; every message and key distribution gets a ref, so that one the server refuses for its rate is sent again
        if (costly) this.tokens -= 1;
        if (keys) this.keyTokens -= 1;
        // a ref the caller chose (the E2E layer's, to map the server's errors back to what the user typed) is kept
        const ref = req.ref ?? `m${(this.nextRef++).toString(36)}`;
        req = { ...req, ref };
        this.sent.set(ref, req);
        if (this.sent.size > RESEND_WINDOW) this.sent.delete(this.sent.keys().next().value!);
      }
      // a request whose frame the server (or this client) would refuse is refused here, not sent: the server would close the connection (1009)
      const plaintext = encodeMessage(req);
      const limit = Math.min(this.session.maxFrameLength, this.serverMaxFrame ?? Infinity);
      if (plaintext.length + FRAME_OVERHEAD > limit) {
        if (isResendable(req) && req.ref !== undefined) this.sent.delete(req.ref);
        this.emit('event', {
          type: 'error',
          code: 'too_long',
          message: `this request would make a ${plaintext.length + FRAME_OVERHEAD}-byte frame; the server accepts at most ${limit} bytes`,
          command: req.t,
          ...(isResendable(req) && req.ref !== undefined && { ref: req.ref }),
        });
        continue;
      }
      socket.send(this.session.sealEncoded(plaintext));
    }
    if (this.queue.length) {
      const short = keysShort ? (1 - this.keyTokens) / this.keyRate.perSecond : (1 - this.tokens) / this.rate.perSecond;
      const waitMs = Math.max(10, Math.ceil(short * 1000) + Math.max(0, this.lastRefill - now));
      this.emit('paced', { queued: this.queue.length, waitMs });
      this.scheduleDrain(waitMs);
    }
  }
}

/** Whether two names are the same name (NAME_RE names are ASCII and case-insensitive). Never throws. */
function sameName(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
