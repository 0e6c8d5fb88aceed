/**
 * The hub's side of a cluster: what it tells the other nodes, and how it applies what they tell
 * it. Each node's hub keeps its own members and a *mirror* of every member of the other nodes
 * (MemberImpl with `node` set): rooms, /who, /rooms, /whois and bundle_get see the whole cluster
 * from any node, and join/leave notices are built by every node for its own members from the same
 * entries. Events are delivered by the node a member is connected to: a room message is delivered
 * at once to the sender's node's members and published once (`room`); every other node delivers
 * it to its own members of the room. The bus (src/cluster/bus.ts) keeps one order for all nodes,
 * which gives each member a sender's messages exactly once and in order.
 *
 * One live session per name, cluster-wide: the newest `up` of a name in the bus's order wins.
 * A node that reads another node's `up` for a name whose own session it has already announced
 * (read back its own `up`) ends that session (`replaced`); if it has not read its own `up` back
 * yet, its session is the newer one and it ignores the other (whose node, reading ours after its
 * own, ends its session). Every node decides the same way because every node reads the same order.
 */
import type { ClusterEntry, MemberAnnouncement } from './cluster-entries.js';
import { parseClusterEntry, STATE_CHUNK } from './cluster-entries.js';
import type { ServerEvent } from './events.js';
import type { MemberImpl } from './member.js';
import { nameKey } from './names.js';

/** What the hub needs of the cluster bus (ClusterBus, src/cluster/bus.ts, has this shape). */
export interface ClusterPort {
  readonly nodeId: string;
  publish(entry: Record<string, unknown>, lost?: (reason: string) => void): void;
}

/** The hub's state and actions that applying the other nodes' entries needs (hub.ts builds it). */
export interface ClusterHubHost {
  online(key: string): MemberImpl | undefined;
  /** This hub's own members. */
  locals(): Iterable<MemberImpl>;
  /** Every member of `room` (own and mirrors), or undefined when the room does not exist. */
  roomMembers(room: string): Iterable<MemberImpl> | undefined;
  bundleOf(m: MemberImpl): string | null;
  /** An own member's identity public key (SPKI DER base64), as the bundle directory keeps it. */
  publicKeyOf(m: MemberImpl): string;
  /** A mirror of another node's member: online, in the bundle directory, in no room yet. */
  addMirror(a: { name: string; fp: string; pk: string; sid: string; node: string }): MemberImpl;
  /** Adds `m` to `room` with a join notice to this node's members of the room. */
  enterRoom(m: MemberImpl, room: string): void;
  /** Takes `m` out of `room` with a leave notice to this node's members of the room. */
  leaveRoom(m: MemberImpl, room: string): void;
  setBundle(m: MemberImpl, bundle: string): void;
  /** Removes a mirror: it leaves its rooms with `reason` (leave notices). */
  removeMirror(m: MemberImpl, reason: string): void;
  /** Ends an own member with `code` (its sink is closed) and leave notices with `reason`. */
  dropLocal(m: MemberImpl, code: 'replaced', message: string, reason: string): void;
  /** `ev` to this node's members of `room`. */
  deliverRoom(room: string, ev: ServerEvent): void;
  /** `ev` to own member `m`. */
  deliver(m: MemberImpl, ev: ServerEvent): void;
  /** Sends pending notices (hub.drain). */
  drain(): void;
  log(message: string): void;
}

/** Counters of the cluster link, in HubStats. */
export interface ClusterLinkStats {
  /** Entries published by this hub. */
  published: number;
  /** Entries of other nodes applied. */
  applied: number;
  /** Entries dropped because they did not parse. */
  malformed: number;
  /** Nodes whose members were dropped because their heartbeat expired. */
  nodesLost: number;
}

/** The hub's cluster link described above. */
export class HubCluster {
  readonly stats: ClusterLinkStats = { published: 0, applied: 0, malformed: 0, nodesLost: 0 };

  constructor(
    private readonly port: ClusterPort,
    private readonly hub: ClusterHubHost,
  ) {}

  get nodeId(): string {
    return this.port.nodeId;
  }

  /** The cluster-wide session id of an own member. */
  sidOf(memberId: number): string {
    return `${this.port.nodeId}:${memberId}`;
  }

  private publish(entry: ClusterEntry, lost?: (reason: string) => void): void {
    this.stats.published++;
    this.port.publish(entry as unknown as Record<string, unknown>, lost);
  }

  // ─── what this node tells the others ────────────────────────────────────────────────────

  up(m: MemberImpl, pk: string): void {
    this.publish({ k: 'up', name: m.name, fp: m.fingerprint, pk, sid: m.sid });
  }
  down(m: MemberImpl, reason: string): void {
    this.publish({ k: 'down', name: m.name, sid: m.sid, reason });
  }
  join(m: MemberImpl, room: string): void {
    this.publish({ k: 'join', name: m.name, sid: m.sid, room });
  }
  leave(m: MemberImpl, room: string): void {
    this.publish({ k: 'leave', name: m.name, sid: m.sid, room });
  }
  bundle(m: MemberImpl, bundle: string): void {
    this.publish({ k: 'bundle', name: m.name, sid: m.sid, bundle });
  }

  /**
   * A room message of own member `sender`, already delivered to this node's members: published
   * for the others. If the bus gives it up, the sender is told who missed it: the other nodes'
   * members of the room when it was sent.
   */
  room(room: string, ev: ServerEvent & { type: 'e2e_room' }, sender: MemberImpl, ref?: string): void {
    this.publish({ k: 'room', room, ev }, () => {
      const members = this.hub.roomMembers(room);
      this.notDelivered(sender, ev.id, members ? [...members].filter((x) => x.node !== undefined).map((x) => x.name) : [], 'e2e_room', ref);
    });
  }

  /** `ev` for mirror `target` (its node delivers it); a direct message given up is reported to its sender. */
  to(target: MemberImpl, ev: ServerEvent, ref?: string): void {
    // the sender is looked up only if the entry is given up, not for every direct message
    const lost =
      ev.type === 'e2e_to'
        ? () => {
            const sender = this.hub.online(nameKey(ev.from));
            if (sender && sender.node === undefined) this.notDelivered(sender, ev.id, [target.name], 'e2e_to', ref);
          }
        : undefined;
    this.publish({ k: 'to', to: target.key, sid: target.sid, ev }, lost);
  }

  /** A node starting (or rebuilding its view) asks the others for their members. */
  hello(): void {
    this.publish({ k: 'hello' });
  }

  /** This node's members, rooms and bundles, for the others (`state` entries of STATE_CHUNK members). */
  announceState(): void {
    let chunk: MemberAnnouncement[] = [];
    for (const m of this.hub.locals()) {
      chunk.push({ name: m.name, fp: m.fingerprint, pk: this.hub.publicKeyOf(m), sid: m.sid, rooms: [...m.rooms], bundle: this.hub.bundleOf(m) });
      if (chunk.length === STATE_CHUNK) {
        this.publish({ k: 'state', members: chunk });
        chunk = [];
      }
    }
    if (chunk.length > 0) this.publish({ k: 'state', members: chunk });
  }

  private notDelivered(sender: MemberImpl, id: string, missed: string[], command: 'e2e_room' | 'e2e_to', ref?: string): void {
    if (!sender.connected || missed.length === 0) return;
    const shown = missed.length > 10 ? `${missed.slice(0, 10).join(', ')} and ${missed.length - 10} more` : missed.join(', ');
    this.hub.deliver(sender, {
      type: 'error',
      code: 'not_delivered',
      message: `your message did not reach ${shown}: the server could not pass it on to the other servers of its cluster in time; send it again`,
      command,
      id,
      missed,
      ...(ref !== undefined && { ref }),
    });
    this.hub.drain();
  }

  // ─── what the others tell this node (ClusterHandler) ────────────────────────────────────

  /** One entry from the bus, in its order. Never throws. */
  entry(from: string, raw: Record<string, unknown>, own: boolean): void {
    const e = parseClusterEntry(raw);
    if (!e) {
      this.stats.malformed++;
      return;
    }
    if (own) {
      if (e.k === 'up') {
        const m = this.hub.online(nameKey(e.name));
        if (m && m.sid === e.sid) m.announced = true;
      }
      return;
    }
    this.stats.applied++;
    try {
      this.apply(from, e);
    } finally {
      this.hub.drain();
    }
  }

  private apply(from: string, e: ClusterEntry): void {
    switch (e.k) {
      case 'up':
        this.applyUp(from, e, e.resync === true);
        return;
      case 'down': {
        const m = this.session(e.name, e.sid);
        if (m) this.hub.removeMirror(m, e.reason);
        return;
      }
      case 'join': {
        const m = this.session(e.name, e.sid);
        if (m && !m.rooms.has(e.room)) this.hub.enterRoom(m, e.room);
        return;
      }
      case 'leave': {
        const m = this.session(e.name, e.sid);
        if (m && m.rooms.has(e.room)) this.hub.leaveRoom(m, e.room);
        return;
      }
      case 'bundle': {
        const m = this.session(e.name, e.sid);
        if (m) this.hub.setBundle(m, e.bundle);
        return;
      }
      case 'room':
        return this.hub.deliverRoom(e.room, e.ev);
      case 'to': {
        const m = this.hub.online(e.to);
        if (m && m.node === undefined && m.sid === e.sid) this.hub.deliver(m, e.ev);
        return;
      }
      case 'hello':
        return this.announceState();
      case 'state':
        for (const a of e.members) {
          const m = this.applyUp(from, { name: a.name, fp: a.fp, pk: a.pk, sid: a.sid }, true);
          if (!m) continue;
          for (const room of a.rooms) if (!m.rooms.has(room)) this.hub.enterRoom(m, room);
          if (a.bundle !== null) this.hub.setBundle(m, a.bundle);
        }
        return;
    }
  }

  /** A session of another node: mirrored, replacing an older session of the name (see the file's comment). */
  private applyUp(from: string, a: { name: string; fp: string; pk: string; sid: string }, resync: boolean): MemberImpl | undefined {
    const existing = this.hub.online(nameKey(a.name));
    if (existing) {
      if (existing.sid === a.sid) return existing.node === undefined ? undefined : existing;
      if (resync) return undefined; // a re-announcement never displaces a live session
      if (existing.node === undefined) {
        if (!existing.announced) return undefined; // ours is newer: its node ends the other
        this.hub.dropLocal(existing, 'replaced', 'you signed in again from another connection', 'reconnected');
      } else this.hub.removeMirror(existing, 'reconnected');
      this.hub.drain();
    }
    return this.hub.addMirror({ ...a, node: from });
  }

  /** The mirror of session `sid` of `name`, if this node has it. */
  private session(name: string, sid: string): MemberImpl | undefined {
    const m = this.hub.online(nameKey(name));
    return m && m.node !== undefined && m.sid === sid ? m : undefined;
  }

  /**
   * The bus may have lost entries (`gap`): every mirror is dropped and rebuilt from the others'
   * `state`. This node was dropped by the others (`rejoined`): it announces its members again.
   */
  resync(reason: 'gap' | 'rejoined', mirrors: Iterable<MemberImpl>): void {
    this.hub.log(`cluster: resynchronising (${reason})`);
    if (reason === 'gap') {
      for (const m of [...mirrors]) this.hub.removeMirror(m, 'connection lost');
      this.hub.drain();
      this.hello();
    }
    this.announceState();
  }

  /** Another node is gone (its heartbeat expired): its members leave. */
  nodeLost(node: string, mirrors: Iterable<MemberImpl>): void {
    this.stats.nodesLost++;
    const gone = [...mirrors].filter((m) => m.node === node);
    for (const m of gone) this.hub.removeMirror(m, 'connection lost');
    this.hub.log(`cluster: node ${node} lost (${gone.length} members dropped)`);
    this.hub.drain();
  }
}
