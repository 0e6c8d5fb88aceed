/**
 * The application-level messages of Parley, shared by the server, the terminal client, the
 * browser client and tests. They travel inside the encrypted session frames of src/protocol
 * (docs/PROTOCOL.md §Application messages); with the events the client builds itself
 * (DecryptedEvent) they are the `--json` output of `parley chat`.
 *
 * Protocol version 2 is end-to-end encrypted: a message's text never reaches the server. The
 * client's E2E layer turns what the user writes (PlainMessageRequest: the body of version 1)
 * into an opaque base64 `payload` sent with `e2e_room` or `e2e_to`; the server checks the
 * routing fields (`room`, `to`, `kind`) and the payload's size and encoding, stamps `from`,
 * `fromFingerprint`, `id` and `ts`, and relays it. The receiving clients decrypt and verify it
 * and show it as a `message` or `direct` event (DecryptedEvent), which never travels on the wire.
 */

/** Names: 1–32 of A–Z a–z 0–9 _ . - */
export const NAME_RE = /^[A-Za-z0-9_.-]{1,32}$/;
/** Room names follow the same rule as user names. */
export const ROOM_RE = NAME_RE;
/** The room every client joins first unless it asks for another. */
export const DEFAULT_ROOM = 'lobby';

/**
 * The body of a chat message: the text and the SHA-256 of its UTF-8 bytes (hex), from the
 * sender. In protocol version 2 it exists only inside the end-to-end encrypted payload (the
 * E2E layer's business) and in the client's `message` / `direct` events.
 */
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
  | 'bad_command' // wrong arguments to a command (also: a payload or bundle that is not canonical base64)
  | 'too_long' // message text over maxMessageLength (the client's check), an e2e payload over maxPayloadBytes (keys: maxKeysPayloadBytes), a bundle over maxBundleBytes
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
  | 'unsupported_version' // the client speaks another protocol version (docs/PROTOCOL.md §Versions): upgrade Parley
  | 'registry_unavailable' // the name registry (a cluster's PostgreSQL) cannot be reached: try again later (retryable)
  | 'not_delivered' // a cluster node could not pass a message on to the other nodes in time: `missed` names who did not get it
  /**
   * A message body whose sha256 is not the SHA-256 of its text. Protocol 1's server refused such
   * a say/dm; in protocol 2 the server never sees the body, and the code is the client's (its
   * E2E layer and --json output: scripts rely on it).
   */
  | 'hash_mismatch';

/** Every ChatErrorCode at run time, in the order of the type (docs/PROTOCOL.md §Error codes lists each; a test compares). */
export const CHAT_ERROR_CODES: readonly ChatErrorCode[] = Object.freeze(
  Object.keys({
    name_taken: 0, invalid_name: 0, invalid_room: 0, not_in_room: 0, no_such_user: 0, unknown_command: 0, bad_command: 0, too_long: 0,
    rate_limited: 0, server_full: 0, server_key_changed: 0, protocol_error: 0, handshake_failed: 0, handshake_timeout: 0, idle_timeout: 0,
    slow_consumer: 0, shutting_down: 0, internal_error: 0, replaced: 0, room_limit: 0, name_limit: 0, unsupported_version: 0,
    registry_unavailable: 0, not_delivered: 0, hash_mismatch: 0,
  } satisfies Record<ChatErrorCode, 0>) as ChatErrorCode[],
);

/**
 * A client's own label for one request (`ref`), echoed in an `error` about that request so the
 * client knows which one failed (e.g. to send a rate-limited message again): 1–32 of A–Z a–z 0–9 _ -.
 */
export const REF_RE = /^[A-Za-z0-9_-]{1,32}$/;

/** What an `e2e_to` carries: a direct message, or a pairwise key distribution (a sender key, a rekey). */
export type E2eKind = 'dm' | 'keys';
/** The values of E2eKind. */
export const E2E_KINDS: readonly E2eKind[] = Object.freeze(['dm', 'keys']);

/** Client → server requests on the wire (protocol version 2, inside session frames). */
export type ClientRequest =
  | { t: 'join'; room: string }
  | { t: 'leave'; room: string }
  | { t: 'rooms' }
  | { t: 'who'; room: string }
  | { t: 'whois'; name: string }
  | { t: 'ping' }
  /** Publishes (or replaces) the sender's own bundle: opaque canonical base64, at most maxBundleBytes decoded. */
  | { t: 'bundle_put'; bundle: string; ref?: string }
  /** Asks for the identity keys, fingerprints and bundles of up to maxBundleGet names. */
  | { t: 'bundle_get'; names: string[]; ref?: string }
  /** An end-to-end encrypted room message: opaque canonical base64, at most maxPayloadBytes decoded. */
  | { t: 'e2e_room'; room: string; payload: string; ref?: string }
  /** An end-to-end encrypted direct message (`dm`) or pairwise key distribution (`keys`) to one user. */
  | { t: 'e2e_to'; to: string; kind: E2eKind; payload: string; ref?: string };

/**
 * A message the user wants to send, as the client's front end hands it to the E2E layer, which
 * encrypts it into an `e2e_room` / `e2e_to`. These were protocol 1's plaintext requests; in
 * protocol 2 they never go on the wire (a server answers `unknown_command`).
 */
export type PlainMessageRequest =
  | { t: 'say'; room: string; body: MessageBody; ref?: string }
  | { t: 'dm'; to: string; body: MessageBody; ref?: string };

/** What a client's front end asks its connection for: a request for the server, or a message for the E2E layer. */
export type OutgoingRequest = ClientRequest | PlainMessageRequest;

/** One answer of `bundles`: a user's identity key (SPKI DER, base64), its fingerprint, and its bundle if it published one. */
export interface BundleEntry {
  /** The registered spelling of the name. */
  name: string;
  /** The user's identity RSA public key: canonical SubjectPublicKeyInfo DER, standard base64 — the key its handshake authenticated. */
  key: string;
  /** "SHA256:…" of `key` (docs/PROTOCOL.md §Algorithms). */
  fingerprint: string;
  /** The opaque bundle the user published with bundle_put (base64), or null when it has published none under this key. */
  bundle: string | null;
}

/** Server → client events on the wire (protocol version 2, inside session frames). Every event has `type`. */
export type ServerEvent =
  /**
   * The first event of a session. `name`: the name the client holds — the registered spelling,
   * which may differ in case from the one asked for; `rooms`: the rooms it is in (the server has
   * joined it to the first by itself). `maxFrameLength`: the largest frame, in bytes, the
   * server sends and accepts on this connection — the transport's field, added by the server's
   * connection, not the hub (absent from servers before it).
   */
  | { type: 'ready'; name: string; fingerprint: string; serverFingerprint: string; rooms: string[]; limits: PublicLimits; maxFrameLength?: number }
  /** `fingerprint`: the joining member's key, so that every client sees every member the server adds, with its key. */
  | { type: 'join'; room: string; name: string; members: number; ts: number; fingerprint: string }
  | { type: 'leave'; room: string; name: string; members: number; ts: number; reason?: string }
  | { type: 'rooms'; rooms: { room: string; members: number }[] }
  /** `fingerprints`: name → fingerprint of every member listed. */
  | { type: 'who'; room: string; members: string[]; fingerprints: Record<string, string>; /** Never on the wire: the client's E2E layer lists the members the user verified. */ verified?: string[] }
  /** `verified` is never on the wire: the client's E2E layer sets it (the user verified this key with /verify). */
  | { type: 'whois'; name: string; fingerprint: string; online: boolean; rooms: string[]; verified?: boolean }
  | { type: 'system'; message: string; ts: number }
  /**
   * The answer to one bundle_get, in one or more consecutive events (each within the frame
   * limit): `more` is true on all but the last. Every requested name is in exactly one of
   * them: in `bundles`, or in `unknown` (not registered, or a key the server has not seen since
   * it started).
   */
  | { type: 'bundles'; bundles: BundleEntry[]; unknown: string[]; more: boolean }
  /**
   * A room message, to every member of `room` at that moment, the sender included (its
   * confirmation). `ref`: only on the sender's own copy, the request's valid `ref`.
   */
  | { type: 'e2e_room'; id: string; from: string; fromFingerprint: string; room: string; ts: number; payload: string; ref?: string }
  /** A direct message or key distribution, to `to` (and, for `dm`, an echo to the sender: only the echo carries the request's `ref`). */
  | { type: 'e2e_to'; id: string; from: string; fromFingerprint: string; to: string; kind: E2eKind; ts: number; payload: string; ref?: string }
  | {
      type: 'error';
      code: ChatErrorCode;
      message: string;
      retryAfterMs?: number;
      /** The `t` of the request that failed, when it was a known command. */
      command?: ClientRequest['t'];
      /** The `ref` of the request that failed, when it carried a valid one. */
      ref?: string;
      /** `not_delivered`: the members who did not get the message. */
      missed?: string[];
      /** `not_delivered`: the id of the message they missed. */
      id?: string;
    }
  | { type: 'pong' }
  /** Several events in one frame, in order (the server's choice when it has more than one ready). Never nested. */
  | { type: 'batch'; events: ServerEvent[] };

/**
 * A room message as a client shows it after its E2E layer decrypted and checked an `e2e_room`
 * event: never on the wire in protocol 2. `fingerprint` is the sender key whose signature
 * verified, or null when none did.
 */
export interface MessageEvent {
  type: 'message';
  id: string;
  from: string;
  room: string;
  ts: number;
  body: MessageBody;
  /**
   * Set by the client's E2E layer (src/client/e2e-client.ts): true only when the signature
   * checked under the pinned, accepted key and the text matches the SHA-256 inside the signed
   * payload (our own messages: the echo of a payload we made). Absent counts as false.
   */
  verified?: boolean;
  /** Why the message is not verified (an E2EErrorCode such as e2e_key_changed), or null/absent. */
  code?: string | null;
  fingerprint: string | null;
}

/** A direct message as a client shows it after decrypting an `e2e_to` of kind `dm` (see MessageEvent). */
export interface DirectEvent {
  type: 'direct';
  id: string;
  from: string;
  to: string;
  ts: number;
  body: MessageBody;
  /** As MessageEvent.verified. */
  verified?: boolean;
  /** As MessageEvent.code. */
  code?: string | null;
  fingerprint: string | null;
}

/** The events a client builds itself from decrypted payloads. */
export type DecryptedEvent = MessageEvent | DirectEvent;

/**
 * An `error` as a client's front end sees it: the server's, whose `command` the E2E layer may
 * name by the front end's request (an error about the `e2e_room` that carried a `say` is about
 * that `say`, as `--json` reports it).
 */
export type ClientErrorEvent = Omit<Extract<ServerEvent, { type: 'error' }>, 'command'> & { command?: OutgoingRequest['t'] };

/** What a client's front end shows: the server's events (its errors as ClientErrorEvent) and the decrypted messages. */
export type ChatEvent = Exclude<ServerEvent, { type: 'error' }> | ClientErrorEvent | DecryptedEvent;

/** Limits the server tells each client in `ready`, so a well-behaved client paces itself. */
export interface PublicLimits {
  /** In Unicode code points: the longest text a client may send (the server cannot check it: clients do, both ways). */
  maxMessageLength: number;
  /** Sustained rate of room and direct messages (`e2e_room`, `e2e_to` of kind `dm`). */
  messagesPerSecond: number;
  /** Burst of room and direct messages. */
  burst: number;
  /** Sustained rate of every other request (join, leave, rooms, who, whois, ping, bundle_put, bundle_get). Always sent by the hub; optional for older peers. */
  commandsPerSecond?: number;
  /** Burst of every other request. Always sent by the hub. */
  commandBurst?: number;
  /** Rooms one member may be in at once. Always sent by the hub. */
  maxRoomsPerUser?: number;
  /** Sustained rate of key distributions (`e2e_to` of kind `keys`). Always sent by the hub (protocol 2). */
  keysPerSecond?: number;
  /** Burst of key distributions. Always sent by the hub (protocol 2). */
  keysBurst?: number;
  /** Largest e2e payload, in decoded bytes. Always sent by the hub (protocol 2). */
  maxPayloadBytes?: number;
  /** Largest key distribution payload (`e2e_to` of kind `keys`), in decoded bytes. Always sent by the hub (protocol 2). */
  maxKeysPayloadBytes?: number;
  /** Largest bundle, in decoded bytes. Always sent by the hub (protocol 2). */
  maxBundleBytes?: number;
  /** Most names in one bundle_get. Always sent by the hub (protocol 2). */
  maxBundleGet?: number;
}
