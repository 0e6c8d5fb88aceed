/**
 * Our messages waiting for bundles (docs/E2E.md §Sending): per room while new members' bundles
 * are fetched, per recipient while theirs is. Bounded by maxQueuedSends per queue: when a queue
 * is full the next message is sent at once (its members without keys are withheld).
 */

/** One waiting message. */
export interface Queued {
  text: string;
  action: boolean;
}

/** The queues of one session, in arrival order. */
export class OutboundQueues {
  private readonly room = new Map<string, Queued[]>();
  private readonly direct = new Map<string, Queued[]>();

  constructor(private readonly max: number) {}

  private push(map: Map<string, Queued[]>, key: string, item: Queued): boolean {
    const q = map.get(key) ?? [];
    if (q.length >= this.max) return false;
    q.push(item);
    map.set(key, q);
    return true;
  }

  /** Queues `item` for `room`; false when the queue is full (send it now instead). */
  pushRoom(room: string, item: Queued): boolean {
    return this.push(this.room, room, item);
  }
  /** Queues `item` for recipient `to`; false when the queue is full. */
  pushDirect(to: string, item: Queued): boolean {
    return this.push(this.direct, to, item);
  }
  /** True when messages wait for `room` (a new one must queue behind them to keep the order). */
  hasRoom(room: string): boolean {
    return (this.room.get(room)?.length ?? 0) > 0;
  }
  /** True when messages wait for `to`. */
  hasDirect(to: string): boolean {
    return (this.direct.get(to)?.length ?? 0) > 0;
  }
  /** Rooms with waiting messages. */
  rooms(): string[] {
    return [...this.room.keys()];
  }
  /** Recipients with waiting messages. */
  directs(): string[] {
    return [...this.direct.keys()];
  }
  /** Removes and returns what waits for `room`. */
  takeRoom(room: string): Queued[] {
    const q = this.room.get(room) ?? [];
    this.room.delete(room);
    return q;
  }
  /** Removes and returns what waits for `to`. */
  takeDirect(to: string): Queued[] {
    const q = this.direct.get(to) ?? [];
    this.direct.delete(to);
    return q;
  }
  /** Forgets what waits for `room` (we left it). */
  dropRoom(room: string): void {
    this.room.delete(room);
  }
}
