/**
 * The application-level messages of Parley, shared by the server, the terminal client, the
 * browser client and tests. They travel inside the encrypted session frames of src/protocol
 * (docs/PROTOCOL.md §Application messages) and are the `--json` output of `parley chat`.
 *
 * The envelope keeps routing fields (`room`, `to`, `from`, `ts`, `id`) apart from the `body`,
 * so that an end-to-end encrypted body can later replace the plaintext body without any change
 * to routing.
 */

/** Names: 1–32 of A–Z a–z 0–9 _ . - */
export const NAME_RE = /^[A-Za-z0-9_.-]{1,32}$/;
/** Room names follow the same rule as user names. */
export const ROOM_RE = NAME_RE;
/** The room every client joins first unless it asks for another. */
export const DEFAULT_ROOM = 'lobby';

/** The body of a chat message: the text and the SHA-256 of its UTF-8 bytes (hex), from the sender. */
export interface MessageBody {
  text: string;
  /** Lower-case hex SHA-256 of the UTF-8 text, computed by the original sender. */
  sha256: string;
  /** `true` for an action (`/me waves`). */
  action?: boolean;
}

/** Stable error codes a client or script may rely on. */
export type ChatErrorCode =
  | 'name_taken' // another key owns this name
  | 'invalid_name'
  | 'invalid_room'
  | 'not_in_room'
  | 'no_such_user'
  | 'unknown_command'
  | 'bad_command' // wrong arguments to a command
  | 'too_long' // message text over the limit
  | 'rate_limited' // over the per-user message rate
  | 'server_full' // connection limit reached
  | 'server_key_changed' // (client-side) the pinned server key differs
  | 'protocol_error' // a malformed or unexpected frame
  | 'handshake_failed'
  | 'handshake_timeout'
  | 'idle_timeout'
  | 'slow_consumer' // the outbound queue filled up
  | 'shutting_down'
  | 'internal_error'
  | 'replaced' // the same name signed in again with the same key; this connection was closed (do not auto-reconnect)
  | 'room_limit' // too many rooms: this member's (maxRoomsPerUser) or the server's (maxRooms)
  | 'name_limit' // no new name now: this key already holds its names (maxNamesPerKey), too many new names from this source, or the registry is full
  | 'hash_mismatch'; // a message body whose sha256 is not the SHA-256 of its text (refused, never relayed)

/**
 * A client's own label for one request (`ref`), echoed in an `error` about that request so the
 * client knows which one failed (e.g. to send a rate-limited message again): 1–32 of A–Z a–z 0–9 _ -.
 */
export const REF_RE = /^[A-Za-z0-9_-]{1,32}$/;

/** Client → server requests (inside session frames). */
export type ClientRequest =
  | { t: 'say'; room: string; body: MessageBody; ref?: string }
  | { t: 'dm'; to: string; body: MessageBody; ref?: string }
  | { t: 'join'; room: string }
  | { t: 'leave'; room: string }
  | { t: 'rooms' }
  | { t: 'who'; room: string }
  | { t: 'whois'; name: string }
  | { t: 'ping' };

/** Server → client events (inside session frames). Every event has `type`. */
export type ServerEvent =
  | { type: 'ready'; name: string; fingerprint: string; serverFingerprint: string; rooms: string[]; limits: PublicLimits }
  | { type: 'message'; id: string; from: string; room: string; ts: number; body: MessageBody }
  | { type: 'direct'; id: string; from: string; to: string; ts: number; body: MessageBody }
  | { type: 'join'; room: string; name: string; members: number; ts: number }
  | { type: 'leave'; room: string; name: string; members: number; ts: number; reason?: string }
  | { type: 'rooms'; rooms: { room: string; members: number }[] }
  | { type: 'who'; room: string; members: string[] }
  | { type: 'whois'; name: string; fingerprint: string; online: boolean; rooms: string[] }
  | { type: 'system'; message: string; ts: number }
  | {
      type: 'error';
      code: ChatErrorCode;
      message: string;
      retryAfterMs?: number;
      /** The `t` of the request that failed, when it was a known command. */
      command?: ClientRequest['t'];
      /** The `ref` of the request that failed, when it carried a valid one. */
      ref?: string;
    }
  | { type: 'pong' }
  /** Several events in one frame, in order (the server's choice when it has more than one ready). Never nested. */
  | { type: 'batch'; events: ServerEvent[] };

/** Limits the server tells each client in `ready`, so a well-behaved client paces itself. */
export interface PublicLimits {
  /** In Unicode code points. */
  maxMessageLength: number;
  /** Sustained rate of `say` + `dm`. */
  messagesPerSecond: number;
  /** Burst of `say` + `dm`. */
  burst: number;
  /** Sustained rate of every other request (join, leave, rooms, who, whois, ping). Always sent by the hub; optional for older peers. */
  commandsPerSecond?: number;
  /** Burst of every other request. Always sent by the hub. */
  commandBurst?: number;
  /** Rooms one member may be in at once. Always sent by the hub. */
  maxRoomsPerUser?: number;
}
