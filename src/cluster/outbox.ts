/**
 * The bus's outbox: entries published by this node that Redis has not acknowledged yet, in
 * publish order. The sender takes a batch from the head, sends it, and either confirms it (the
 * batch leaves the outbox) or fails it (the batch stays at the head and goes out again first, so
 * retries never overtake newer entries). Bounded twice: `maxEntries` waiting at most (a new entry
 * beyond it is given up, `outbox_full`) and `timeoutMs` waiting at most (`outbox_timeout`).
 *
 * An entry given up after it was sent at least once may still have reached Redis (its reply was
 * lost): `lost` then means "may not have reached every node", which is what its sender must be told.
 */
import type { LostReason } from './bus.js';

/** One entry waiting for Redis. */
export interface OutboxItem {
  /** This node's sequence number of the entry (1, 2, 3…). */
  readonly seq: number;
  /** The entry as JSON. */
  readonly json: string;
  /** When it was published (Date.now()). */
  readonly at: number;
  /** Told once if the entry is given up. */
  readonly lost: ((reason: LostReason) => void) | undefined;
}

/** A FIFO of entries with at most one batch in flight at its head. */
export class Outbox {
  private items: OutboxItem[] = [];
  private head = 0;
  private flying = 0;

  /**
   * @param maxEntries entries that may wait at most
   * @param timeoutMs how long an entry may wait, ms
   * @param giveUp called for every entry given up (it reports to the entry's `lost`)
   */
  constructor(
    private readonly maxEntries: number,
    private readonly timeoutMs: number,
    private readonly giveUp: (item: OutboxItem, reason: LostReason) => void,
  ) {}

  /** Entries waiting now, the batch in flight included. */
  get size(): number {
    return this.items.length - this.head;
  }

  /** Entries of the batch in flight (0: none). */
  get inFlight(): number {
    return this.flying;
  }

  /** Appends `item`; when the outbox is full, gives it up (`outbox_full`) instead and returns false. */
  push(item: OutboxItem): boolean {
    if (this.size >= this.maxEntries) {
      this.giveUp(item, 'outbox_full');
      return false;
    }
    this.items.push(item);
    return true;
  }

  /**
   * The next batch from the head — at most `maxEntries` entries and about `maxBytes` of JSON (at
   * least one entry) — now in flight. Empty when a batch is already in flight or nothing waits.
   */
  take(maxEntries: number, maxBytes: number): OutboxItem[] {
    if (this.flying > 0) return [];
    const batch: OutboxItem[] = [];
    let bytes = 0;
    for (let i = this.head; i < this.items.length && batch.length < maxEntries; i++) {
      const item = this.items[i] as OutboxItem;
      if (batch.length > 0 && bytes + item.json.length > maxBytes) break;
      bytes += item.json.length;
      batch.push(item);
    }
    this.flying = batch.length;
    return batch;
  }

  /** The batch in flight reached Redis: it leaves the outbox. Returns how many entries it held. */
  confirm(): number {
    const n = this.flying;
    for (let i = 0; i < n; i++) this.items[this.head + i] = undefined as unknown as OutboxItem;
    this.head += n;
    this.flying = 0;
    this.compact();
    return n;
  }

  /** The batch in flight failed (or its answer was lost): it stays at the head, to be sent again first. */
  fail(): void {
    this.flying = 0;
  }

  /** Gives up (`outbox_timeout`) the entries at the head that waited longer than the timeout, unless a batch is in flight. Returns how many. */
  expire(now: number): number {
    if (this.flying > 0) return 0;
    let n = 0;
    while (this.head < this.items.length) {
      const item = this.items[this.head] as OutboxItem;
      if (now - item.at <= this.timeoutMs) break;
      this.items[this.head] = undefined as unknown as OutboxItem;
      this.head++;
      n++;
      this.giveUp(item, 'outbox_timeout');
    }
    this.compact();
    return n;
  }

  /** Gives up every entry (`reason`), the batch in flight included; the outbox is empty after. Returns how many. */
  drain(reason: LostReason): number {
    const rest = this.items.slice(this.head);
    this.items = [];
    this.head = 0;
    this.flying = 0;
    for (const item of rest) this.giveUp(item, reason);
    return rest.length;
  }

  private compact(): void {
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}
