/**
 * Every limit of the chat as a named option with a safe default, and their validation.
 *
 * The hub (src/chat/hub.ts) enforces them itself, except maxQueuedEvents, which bounds the
 * sink's queue (the transport's). Transport limits (frame size, timeouts, buffered bytes) are
 * in src/server/options.ts.
 *
 * `resolveOptions` fills in defaults and throws a `ChatOptionsError` naming the option for an
 * unknown option (a typo must not silently fall back to a default), a value of the wrong type
 * or a value out of range.
 */

export interface ChatOptions {
  /** Longest message text, in Unicode code points. Default 4000. */
  maxMessageLength: number;
  /** Sustained rate of `say`/`dm` per member (token bucket refill, tokens per second). Default 5. */
  messagesPerSecond: number;
  /** Burst of `say`/`dm` per member (token bucket capacity). Default 10. */
  burst: number;
  /** Sustained rate of every other request per member (join, leave, who, whois, rooms, ping…). Default 10. */
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
  /** Fingerprint of the server's key, sent to each member in `ready`. Default '' (none). */
  serverFingerprint: string;
}

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
  return Object.freeze(out);
}

function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 20 ? v.slice(0, 20) + '…' : v);
  if (typeof v === 'number') return String(v);
  return v === null ? 'null' : typeof v;
}
