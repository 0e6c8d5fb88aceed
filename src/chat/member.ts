/**
 * Members of the hub: what a transport hands the hub (its sink, the peer's identity), what it
 * gets back (a Member, or why not), and the hub's own record of one connected member.
 */
import type { ChatErrorCode, ServerEvent } from './events.js';
import type { RateState } from './rate-state.js';

/** The transport's end of one member: its bounded outbound queue. */
export interface MemberSink {
  /** Queue `event` for the member; false when the queue is full (the hub then disconnects it). */
  deliver(event: ServerEvent): boolean;
  /** The hub ends this member: send `code`/`message` if possible, then close the connection. */
  close(code: ChatErrorCode, message: string): void;
}

/** A connected member, as the transport sees it. Only the hub creates members. */
export interface Member {
  /** Unique per hub. */
  readonly id: number;
  /** The registered spelling of the name (case-insensitively equal to what the client asked for). */
  readonly name: string;
  readonly fingerprint: string;
  /** The rooms the member is in (canonical, lower-case names). */
  readonly rooms: ReadonlySet<string>;
  /** False once the member has been disconnected (by the hub or by the transport). */
  readonly connected: boolean;
  /** Hub clock time of `connect`. */
  readonly connectedAt: number;
}

/** Who is connecting: the name the client asked for, its verified key and that key's fingerprint, and an optional first room. */
export interface ConnectIdentity {
  name: string;
  fingerprint: string;
  /**
   * The identity public key the transport authenticated, whose fingerprint is `fingerprint`:
   * SubjectPublicKeyInfo DER in canonical standard base64, at most MAX_IDENTITY_KEY_BYTES bytes.
   * The hub hands it out in `bundles` answers; it never parses it.
   */
  publicKey: string;
  /** The first room to join instead of DEFAULT_ROOM. */
  room?: string;
  /**
   * Where the connection comes from, as the transport sees it (the WebSocket server: the client's
   * address, an IPv6 /64, or the address a trusted proxy forwarded): an opaque label the hub only
   * uses as a key for per-source limits (new names). Absent: one shared "unknown" source.
   */
  source?: string;
}

/** `retryAfterMs`: when a later attempt may succeed (a spent budget of new names); a transport may pass it on in its `error` event. */
export type ConnectResult = { ok: true; member: Member } | { ok: false; code: ChatErrorCode; message: string; retryAfterMs?: number };

/** The hub's own record of a member (internal to src/chat: index.ts does not export it). */
export class MemberImpl implements Member {
  readonly rooms = new Set<string>();
  connected = true;
  /** Why the hub ended this member, when it did. */
  endedBy: { code: ChatErrorCode; message: string } | undefined;
  /**
   * In a cluster: the node this member is connected to, when it is another node's (a mirror:
   * in rooms, /who and /whois like any member, but its events are delivered by its own node).
   * Undefined for this hub's own members.
   */
  node: string | undefined;
  /** The member's session id across the cluster: `nodeId:memberId` (hub-cluster.ts). */
  sid = '';
  /** In a cluster: this hub has read its own `up` entry back from the bus (any later `up` of the name is newer). */
  announced = false;
  constructor(
    readonly id: number,
    readonly name: string,
    /** nameKey(name) */
    readonly key: string,
    readonly fingerprint: string,
    readonly connectedAt: number,
    readonly sink: MemberSink,
    readonly rate: RateState,
  ) {}
}
