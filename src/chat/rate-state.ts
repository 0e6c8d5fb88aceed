/**
 * Rate-limit state per key (fingerprint): the three token buckets and the flood counter that all
 * connections of one key share, and the table of them that the hub keeps, including recently
 * disconnected keys, so that reconnecting does not reset the limits.
 */
import type { ChatOptions } from './options.js';
import { FloodCounter, TokenBucket } from './ratelimit.js';

/**
 * The rate-limit state of one key (fingerprint), shared by its connections and kept for a while
 * after the last one ends, so that reconnecting (or using another name with the same key) does
 * not refill the buckets or reset the flood count. It is forgotten once it would be the same as
 * a fresh one (buckets full again, flood window over), so forgetting loses nothing.
 */
export class RateState {
  /** Connected members using this state. */
  users = 0;
  /** When the last user left (hub clock). */
  idleSince = 0;
  /** Room and direct messages. */
  readonly messages: TokenBucket;
  /** Every other request. */
  readonly commands: TokenBucket;
  /** Key distributions (`e2e_to` of kind `keys`). */
  readonly keys: TokenBucket;
  readonly flood: FloodCounter;
  /** Throws RangeError for rates or bursts that resolveOptions would have refused. */
  constructor(o: Readonly<ChatOptions>, now: number) {
    this.messages = new TokenBucket(o.messagesPerSecond, o.burst, now);
    this.commands = new TokenBucket(o.commandsPerSecond, o.commandBurst, now);
    this.keys = new TokenBucket(o.keysPerSecond, o.keysBurst, now);
    this.flood = new FloodCounter(o.floodDisconnectAfter, o.floodWindowMs);
  }
}

/**
 * The rate states of one hub, by fingerprint: of connected keys, and of recently disconnected
 * ones until they are as good as fresh. `acquire` when a member connects, `release` when it
 * ends. Never throws for options that resolveOptions accepted. `clock` is the hub's clock.
 */
export class RateStates {
  /** Rate state by fingerprint: of connected keys, and of recently disconnected ones (see RateState). Read-only outside. */
  readonly rateStates = new Map<string, RateState>();
  /** Recently disconnected keys' states, oldest first (Map order), until they are as good as fresh. Read-only outside. */
  readonly idleRates = new Map<string, RateState>();
  /** How long an idle rate state matters: until every bucket is full again and the flood window is over. */
  private readonly rateRetainMs: number;

  constructor(
    private readonly options: Readonly<ChatOptions>,
    private readonly clock: () => number,
  ) {
    const o = options;
    this.rateRetainMs = Math.max(
      Math.ceil((o.burst * 1000) / o.messagesPerSecond),
      Math.ceil((o.commandBurst * 1000) / o.commandsPerSecond),
      Math.ceil((o.keysBurst * 1000) / o.keysPerSecond),
      o.floodWindowMs,
    );
  }

  /** The key's rate state: its live one, its recent one, or a fresh one. Forgets idle states that no longer matter. */
  acquire(fingerprint: string, now: number): RateState {
    for (const [fpr, st] of this.idleRates) {
      // oldest first; also bounded in number, so a swarm of one-off keys cannot grow it without limit
      if (now - st.idleSince < this.rateRetainMs && this.idleRates.size <= 4 * this.options.maxConnections) break;
      this.idleRates.delete(fpr);
      this.rateStates.delete(fpr);
    }
    let st = this.rateStates.get(fingerprint);
    if (!st) {
      st = new RateState(this.options, now);
      this.rateStates.set(fingerprint, st);
    }
    this.idleRates.delete(fingerprint);
    st.users++;
    return st;
  }

  /** One user of `fingerprint`'s state `st` has ended; when it was the last, the state becomes idle from now (clock). */
  release(fingerprint: string, st: RateState): void {
    if (--st.users > 0) return;
    st.idleSince = this.clock();
    this.idleRates.delete(fingerprint);
    this.idleRates.set(fingerprint, st);
  }

  /** Forgets every state (the hub is shutting down). */
  clear(): void {
    this.rateStates.clear();
    this.idleRates.clear();
  }
}
