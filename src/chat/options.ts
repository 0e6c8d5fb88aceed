/**
 * Every limit of the chat as a named option with a safe default, and their validation.
 *
 * The hub (src/chat/hub.ts) enforces them itself, except maxQueuedEvents, which bounds the
 * sink's queue (the transport's). Transport limits (frame size, timeouts, buffered bytes) are
 * in src/server/options.ts; the transport tells the hub its frame size as maxEventBytes
 * (fitToEventBytes).
 *
 * `resolveOptions` fills in defaults and throws a `ChatOptionsError` naming the option for an
 * unknown option (a typo must not silently fall back to a default), a value of the wrong type,
 * a value out of range, or end-to-end limits whose events would not fit in maxEventBytes.
 */
import { base64Length } from './base64.js';
import {
  BUNDLE_ENTRY_OVERHEAD, BUNDLES_EVENT_OVERHEAD, bundleBytesFitting, bundleGetFitting, E2E_EVENT_OVERHEAD, payloadBytesFitting,
} from './sizes.js';

export interface ChatOptions {
  /**
   * Longest message text, in Unicode code points. Default 4000. The server cannot check it (the
   * text is end-to-end encrypted): it tells the clients in `ready`, and they check it, both when
   * sending and when receiving; the server bounds the ciphertext with maxPayloadBytes.
   */
  maxMessageLength: number;
  /** Sustained rate of room and direct messages (`e2e_room`, `e2e_to` of kind `dm`) per member (token bucket refill, tokens per second). Default 5. */
  messagesPerSecond: number;
  /** Burst of room and direct messages per member (token bucket capacity). Default 10. */
  burst: number;
  /**
   * Sustained rate of key distributions (`e2e_to` of kind `keys`) per member. Default 100.
   * Key distributions have their own bucket because they come in bursts that messages never
   * do: a member who joins a room of N members sends its sender key to the N − 1 others at once
   * (and each of them sends theirs to it: one each), and a member who next sends after someone
   * left a room of N sends a fresh key to the N − 2 who remain. With messagesPerSecond's 10 a
   * join of a 200-member room would take ~40 s; here it goes at once, and the bucket is full
   * again 10 s later. Each costs the server one delivery, against a room message's N: 100 key
   * distributions a second cost it less than one message a second to a room of 200.
   */
  keysPerSecond: number;
  /** Burst of key distributions per member: one join of a room of keysBurst + 1 members at once. Default 1000 (maxConnections' default: the largest possible room). */
  keysBurst: number;
  /** Sustained rate of every other request per member (join, leave, who, whois, rooms, ping, bundle_put, bundle_get…). Default 10. */
  commandsPerSecond: number;
  /** Burst of every other request per member. Default 30. */
  commandBurst: number;
  /** A member whose requests are refused for rate more than this many times… Default 50. */
  floodDisconnectAfter: number;
  /** …within this many milliseconds is disconnected with `rate_limited`. Default 10000. */
  floodWindowMs: number;
  /** Rooms one member may be in at once. Default 20. */
  maxRoomsPerUser: number;
  /** Rooms that may exist at once (a room exists while it has members; the default room is always allowed). Default 1000. */
  maxRooms: number;
  /** Members connected at once; more get `server_full`. Default 1000. */
  maxConnections: number;
  /**
   * Events queued for one member before it counts as a slow consumer (its sink's `deliver`
   * returns false and the hub disconnects it with `slow_consumer`). The queue belongs to the
   * transport's sink; the hub only reacts to `false`. Default 1000.
   */
  maxQueuedEvents: number;
  /**
   * Names one key may hold. A key that holds them and asks for another name gets `name_limit`;
   * it can always reconnect with a name it holds. Default 1.
   */
  maxNamesPerKey: number;
  /**
   * New names one source (ConnectIdentity.source: the client's address as the transport sees
   * it) may register per hour, sustained (token bucket refill). Default 20.
   */
  newNamesPerSourcePerHour: number;
  /** New names one source may register at once (token bucket capacity). Default 20. */
  newNamesPerSourceBurst: number;
  /** Names the registry may hold in all; beyond it, new names get `name_limit` until the operator releases some. Default 100000. */
  maxRegisteredNames: number;
  /**
   * Largest end-to-end payload (`e2e_room`, `e2e_to`), in decoded bytes; larger ones get
   * `too_long`. Default 32768: the ciphertext of a 4000-code-point text (≤ 16 000 bytes of
   * UTF-8) with its E2E header and signature, twice over. Its event must fit in maxEventBytes.
   */
  maxPayloadBytes: number;
  /**
   * Largest key distribution (`e2e_to` of kind `keys`) payload, in decoded bytes; larger ones get
   * `too_long`. Default 2048: a sender key over a pairwise channel (a 32-byte chain key, a public
   * signing key, an index, a signature, the channel's nonce and tag) is a few hundred bytes.
   * Distributions have the larger keys bucket, so their size is bounded apart: a member can send
   * one user at most keysBurst of them at once — about 3 MB with the defaults (a payload of at
   * most 2732 characters of base64 and its envelope), where maxPayloadBytes would allow ~44 MB.
   */
  maxKeysPayloadBytes: number;
  /** Largest bundle (`bundle_put`), in decoded bytes; larger ones get `too_long`. Default 4096. Must fit in a `bundles` event of maxEventBytes. */
  maxBundleBytes: number;
  /** Most names in one `bundle_get`; more get `bad_command`. Default 256. */
  maxBundleGet: number;
  /**
   * Bundles kept for names with no connected member (the last ones to disconnect; the oldest is
   * forgotten first). A connected member's bundle is always kept. Default 1000 (~7 MB at most
   * with the default sizes).
   */
  maxOfflineBundles: number;
  /**
   * Largest event the transport can carry, as JSON bytes (one frame's plaintext): the hub never
   * builds a larger one. It splits a `bundle_get`'s answer over several `bundles` events and
   * refuses limits whose events could not fit. Default 65511: a 64 KiB frame less its header
   * and tag. The Parley server sets it from its maxFrameBytes (fitToEventBytes).
   */
  maxEventBytes: number;
  /** Fingerprint of the server's key, sent to each member in `ready`. Default '' (none). */
  serverFingerprint: string;
}

/** The smallest maxEventBytes accepted: room for a payload and a bundle of a few kilobytes each. */
export const MIN_EVENT_BYTES = 4096;

export const DEFAULT_CHAT_OPTIONS: Readonly<ChatOptions> = Object.freeze({
  maxMessageLength: 4000,
  messagesPerSecond: 5,
  burst: 10,
  commandsPerSecond: 10,
  commandBurst: 30,
  floodDisconnectAfter: 50,
  floodWindowMs: 10_000,
  maxRoomsPerUser: 20,
  maxRooms: 1000,
  maxConnections: 1000,
  maxQueuedEvents: 1000,
  maxNamesPerKey: 1,
  newNamesPerSourcePerHour: 20,
  newNamesPerSourceBurst: 20,
  maxRegisteredNames: 100_000,
  keysPerSecond: 100,
  keysBurst: 1000,
  maxPayloadBytes: 32_768,
  maxKeysPayloadBytes: 2048,
  maxBundleBytes: 4096,
  maxBundleGet: 256,
  maxOfflineBundles: 1000,
  maxEventBytes: 65_511,
  serverFingerprint: '',
});

/** Thrown by `resolveOptions`; `option` names the offending option. */
export class ChatOptionsError extends Error {
  readonly option: string;
  constructor(option: string, message: string) {
    super(`invalid chat option ${option}: ${message}`);
    this.name = 'ChatOptionsError';
    this.option = option;
  }
}

interface NumberRule {
  min: number;
  max: number;
  integer: boolean;
}

/** Ranges: wide enough for any sane deployment, narrow enough to refuse nonsense (0, NaN, ∞, 1e12). */
const NUMBER_RULES: Record<Exclude<keyof ChatOptions, 'serverFingerprint'>, NumberRule> = {
  maxMessageLength: { min: 1, max: 100_000, integer: true },
  messagesPerSecond: { min: 0.001, max: 10_000, integer: false },
  burst: { min: 1, max: 100_000, integer: true },
  commandsPerSecond: { min: 0.001, max: 10_000, integer: false },
  commandBurst: { min: 1, max: 100_000, integer: true },
  floodDisconnectAfter: { min: 1, max: 1_000_000, integer: true },
  floodWindowMs: { min: 1, max: 86_400_000, integer: true },
  maxRoomsPerUser: { min: 1, max: 100_000, integer: true },
  maxRooms: { min: 1, max: 1_000_000, integer: true },
  maxConnections: { min: 1, max: 1_000_000, integer: true },
  maxQueuedEvents: { min: 1, max: 1_000_000, integer: true },
  maxNamesPerKey: { min: 1, max: 10_000, integer: true },
  newNamesPerSourcePerHour: { min: 0.001, max: 1_000_000, integer: false },
  newNamesPerSourceBurst: { min: 1, max: 1_000_000, integer: true },
  maxRegisteredNames: { min: 1, max: 100_000_000, integer: true },
  keysPerSecond: { min: 0.001, max: 100_000, integer: false },
  keysBurst: { min: 1, max: 1_000_000, integer: true },
  maxPayloadBytes: { min: 256, max: 16 * 1024 * 1024, integer: true },
  maxKeysPayloadBytes: { min: 256, max: 16 * 1024 * 1024, integer: true },
  maxBundleBytes: { min: 256, max: 1024 * 1024, integer: true },
  maxBundleGet: { min: 1, max: 100_000, integer: true },
  maxOfflineBundles: { min: 0, max: 10_000_000, integer: true },
  maxEventBytes: { min: MIN_EVENT_BYTES, max: 16 * 1024 * 1024, integer: true },
};

/**
 * Defaults plus `opts`, validated. Throws `ChatOptionsError` for an unknown option, a wrong
 * type or an out-of-range value. `undefined` values mean "use the default". The result is frozen.
 */
export function resolveOptions(opts: Partial<ChatOptions> = {}): Readonly<ChatOptions> {
  if (opts === null || typeof opts !== 'object' || Array.isArray(opts)) {
    throw new ChatOptionsError('(options)', 'expected an object');
  }
  const out: ChatOptions = { ...DEFAULT_CHAT_OPTIONS };
  for (const key of Object.keys(opts)) {
    if (!Object.hasOwn(DEFAULT_CHAT_OPTIONS, key)) {
      throw new ChatOptionsError(key, `unknown option (known: ${Object.keys(DEFAULT_CHAT_OPTIONS).join(', ')})`);
    }
    const value = (opts as Record<string, unknown>)[key];
    if (value === undefined) continue;
    if (key === 'serverFingerprint') {
      if (typeof value !== 'string') throw new ChatOptionsError(key, 'expected a string');
      if (value.length > 256 || !/^[\x21-\x7e]*$/.test(value)) {
        throw new ChatOptionsError(key, 'expected at most 256 printable ASCII characters without spaces');
      }
      out.serverFingerprint = value;
      continue;
    }
    const rule = NUMBER_RULES[key as keyof typeof NUMBER_RULES];
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new ChatOptionsError(key, `expected a finite number, got ${describe(value)}`);
    }
    if (rule.integer && !Number.isInteger(value)) throw new ChatOptionsError(key, `expected an integer, got ${value}`);
    if (value < rule.min || value > rule.max) {
      throw new ChatOptionsError(key, `${value} is out of range [${rule.min}, ${rule.max}]`);
    }
    (out as unknown as Record<string, number>)[key] = value;
  }
  checkFit(out);
  return Object.freeze(out);
}

/**
 * Throws ChatOptionsError unless every end-to-end event fits in maxEventBytes: an e2e event with
 * a payload of maxPayloadBytes, a `bundles` event with one bundle of maxBundleBytes, and the
 * `unknown` list of a bundle_get of maxBundleGet names.
 */
function checkFit(o: ChatOptions): void {
  const max = o.maxEventBytes;
  const tooBig = (option: keyof ChatOptions, most: number) =>
    new ChatOptionsError(option, `${o[option]} makes events over maxEventBytes (${max}); at most ${most} fits`);
  if (base64Length(o.maxPayloadBytes) + E2E_EVENT_OVERHEAD > max) throw tooBig('maxPayloadBytes', payloadBytesFitting(max));
  if (base64Length(o.maxKeysPayloadBytes) + E2E_EVENT_OVERHEAD > max) throw tooBig('maxKeysPayloadBytes', payloadBytesFitting(max));
  if (BUNDLES_EVENT_OVERHEAD + BUNDLE_ENTRY_OVERHEAD + base64Length(o.maxBundleBytes) > max) throw tooBig('maxBundleBytes', bundleBytesFitting(max));
  if (o.maxBundleGet > bundleGetFitting(max)) throw tooBig('maxBundleGet', bundleGetFitting(max));
}

/**
 * `opts` for a transport whose largest event is `maxEventBytes` (a frame's plaintext): that
 * value as maxEventBytes, and maxPayloadBytes, maxKeysPayloadBytes, maxBundleBytes and maxBundleGet lowered from
 * their defaults to what fits when `opts` does not set them (values it sets are kept, and
 * resolveOptions refuses them if they do not fit). Never throws.
 */
export function fitToEventBytes(opts: Partial<ChatOptions>, maxEventBytes: number): Partial<ChatOptions> {
  const d = DEFAULT_CHAT_OPTIONS;
  return {
    ...opts,
    maxEventBytes,
    maxPayloadBytes: opts.maxPayloadBytes ?? Math.min(d.maxPayloadBytes, payloadBytesFitting(maxEventBytes)),
    maxKeysPayloadBytes: opts.maxKeysPayloadBytes ?? Math.min(d.maxKeysPayloadBytes, payloadBytesFitting(maxEventBytes)),
    maxBundleBytes: opts.maxBundleBytes ?? Math.min(d.maxBundleBytes, bundleBytesFitting(maxEventBytes)),
    maxBundleGet: opts.maxBundleGet ?? Math.min(d.maxBundleGet, bundleGetFitting(maxEventBytes)),
  };
}

function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 20 ? v.slice(0, 20) + '…' : v);
  if (typeof v === 'number') return String(v);
  return v === null ? 'null' : typeof v;
}
