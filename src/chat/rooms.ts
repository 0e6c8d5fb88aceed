/**
 * Rooms: a room exists while it has members and is forgotten when the last one leaves (the hub
 * keeps no history). Room names follow ROOM_RE and are case-insensitive; the hub reports them
 * in lower case ('Dev' and 'dev' are the same room, shown as 'dev'), so that case alone cannot
 * make a second room that looks like the first. Other look-alikes ('dev' and 'clev', 'l0bby')
 * are different rooms: rooms are not owned by anyone, so there is nobody to imitate (names are,
 * and the registry refuses look-alike names: src/chat/skeleton.ts).
 */
import { ROOM_RE } from './events.js';

/** The canonical (lower-case) name of a room, or undefined when `name` is not a valid room name. */
export function canonicalRoom(name: unknown): string | undefined {
  return typeof name === 'string' && ROOM_RE.test(name) ? name.toLowerCase() : undefined;
}

/** One room and its members, in the order they joined. */
export class Room<M> {
  readonly members = new Set<M>();
  constructor(readonly name: string) {}
  get size(): number {
    return this.members.size;
  }
}

/** The rooms that exist. Names given to it must already be canonical. */
export class RoomTable<M> {
  private readonly rooms = new Map<string, Room<M>>();

  get size(): number {
    return this.rooms.size;
  }

  get(name: string): Room<M> | undefined {
    return this.rooms.get(name);
  }

  /** The room, created when missing. The caller checks room limits first. */
  getOrCreate(name: string): Room<M> {
    let room = this.rooms.get(name);
    if (!room) {
      room = new Room<M>(name);
      this.rooms.set(name, room);
    }
    return room;
  }

  /** Adds `member`; false if it was already there. */
  add(room: Room<M>, member: M): boolean {
    if (room.members.has(member)) return false;
    room.members.add(member);
    return true;
  }

  /** Removes `member`, and the room when it becomes empty; false if it was not there. */
  remove(room: Room<M>, member: M): boolean {
    if (!room.members.delete(member)) return false;
    if (room.members.size === 0 && this.rooms.get(room.name) === room) this.rooms.delete(room.name);
    return true;
  }

  /** Every room with its member count, sorted by name. */
  list(): { room: string; members: number }[] {
    return [...this.rooms.values()]
      .map((r) => ({ room: r.name, members: r.size }))
      .sort((a, b) => (a.room < b.room ? -1 : a.room > b.room ? 1 : 0));
  }

  clear(): void {
    this.rooms.clear();
  }
}
