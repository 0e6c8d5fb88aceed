/**
 * The rooms remembered from before a reload, until the server has answered their rejoin. The
 * page hands them to ChatConnection (its `rooms`, which it rejoins after every `ready`, in one
 * burst before anything else it sends); the server answers each join, in order, with the join
 * or with an error about a `join` (e.g. `room_limit`). Until then they still count as the
 * user's rooms for memory.ts, so that a reload while connecting forgets nothing; once every
 * rejoin is answered, the refused ones are given up (and taken out of ChatConnection's rooms,
 * so that it stops asking for them).
 */
import type { ChatEvent } from '../chat/events.js';

/** See the file comment. */
export class RoomsToRejoin {
  private readonly waiting: Set<string>;
  /** Answers still expected to the rejoin burst after the last `ready` (0: none expected). */
  private answersLeft = 0;
  /** The rooms of that burst not answered by a join yet (lower case): only their joins are answers. */
  private readonly asked = new Set<string>();

  constructor(rooms: Iterable<string>) {
    this.waiting = new Set(rooms);
  }

  /** The remembered rooms not rejoined yet. */
  get pending(): string[] {
    return [...this.waiting];
  }

  /**
   * Follows one server event. `rejoining`, for `ready` only: the rooms ChatConnection asks to
   * rejoin after it (its rooms that `ready.rooms` lacks). Returns the remembered rooms given up
   * (their rejoin was refused). Never throws.
   */
  apply(ev: ChatEvent, me: string, rejoining: string[] = []): string[] {
    if (this.waiting.size === 0) return [];
    if (ev.type === 'ready') {
      for (const r of ev.rooms) this.forget(r);
      this.answersLeft = rejoining.length;
      this.asked.clear();
      for (const r of rejoining) this.asked.add(r.toLowerCase());
      return this.settle();
    }
    if (this.answersLeft === 0) return [];
    // (the join into ready's own room, which follows ready, is not an answer)
    if (ev.type === 'join' && ev.name.toLowerCase() === me.toLowerCase() && this.asked.delete(ev.room.toLowerCase())) {
      this.forget(ev.room);
      this.answersLeft--;
    } else if (ev.type === 'error' && ev.command === 'join') this.answersLeft--;
    return this.settle();
  }

  private forget(room: string): void {
    for (const r of this.waiting) if (r.toLowerCase() === room.toLowerCase()) this.waiting.delete(r);
  }

  private settle(): string[] {
    if (this.answersLeft > 0) return [];
    const refused = [...this.waiting];
    this.waiting.clear();
    return refused;
  }
}
