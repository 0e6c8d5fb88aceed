/**
 * The receiving side of a session (docs/E2E.md §Receiving): opens each payload (inbound.ts), and
 * keeps the ones that wait for their sender's bundle — a direct message or key distribution whose
 * channel cannot be built yet, and whatever that sender sends after it, in order — bounded per
 * sender and in total. They are retried once when the bundle answer arrives.
 */
import type { PeerDirectory } from './directory.js';
import { noEffects, type E2ERequest, type Effects } from './effects.js';
import { failure, openDirect, openRoomMessage, type DirectEvent, type ReceiverContext, type RoomEvent } from './inbound.js';

type Pending = { kind: 'room'; ev: RoomEvent } | { kind: 'direct'; ev: DirectEvent };

const roomBase = (ev: RoomEvent) => ({ kind: 'room' as const, id: ev.id, from: ev.from, room: ev.room, ts: ev.ts });
const directBase = (ev: DirectEvent) => ({ kind: ev.kind === 'keys' ? ('keys' as const) : ('dm' as const), id: ev.id, from: ev.from, to: ev.to, ts: ev.ts });

/** The inbox of one session. */
export class Inbox {
  private readonly bySender = new Map<string, Pending[]>();
  private total = 0;

  constructor(
    private readonly ctx: () => ReceiverContext,
    private readonly directory: PeerDirectory,
    private readonly limits: { maxPendingPerSender: number; maxPendingTotal: number },
    private readonly fetch: (names: string[]) => E2ERequest[],
  ) {}

  private add(from: string, item: Pending): boolean {
    const q = this.bySender.get(from) ?? [];
    if (q.length >= this.limits.maxPendingPerSender || this.total >= this.limits.maxPendingTotal) return false;
    q.push(item);
    this.bySender.set(from, q);
    this.total++;
    return true;
  }

  /** A room message. Never throws. */
  room(ev: RoomEvent): Effects {
    const out = noEffects();
    if (this.bySender.has(ev.from)) {
      if (!this.add(ev.from, { kind: 'room', ev })) out.received.push(failure(roomBase(ev), 'e2e_unknown_sender_key'));
      return out;
    }
    const r = openRoomMessage(this.ctx(), ev);
    out.received.push(r === 'unknown-chain' ? failure(roomBase(ev), 'e2e_unknown_sender_key') : r);
    return out;
  }

  /** A direct message or key distribution. Never throws. */
  direct(ev: DirectEvent): Effects {
    const out = noEffects();
    if (this.bySender.has(ev.from)) {
      if (!this.add(ev.from, { kind: 'direct', ev })) out.received.push(failure(directBase(ev), 'e2e_no_bundle'));
      return out;
    }
    const r = openDirect(this.ctx(), ev);
    if (r !== 'need-bundle') out.received.push(r);
    else if (!this.add(ev.from, { kind: 'direct', ev })) out.received.push(failure(directBase(ev), 'e2e_no_bundle'));
    else out.send.push(...this.fetch([ev.from]));
    return out;
  }

  /** Retries, once, what waited for `from`'s bundle (call after the bundle answer was taken). */
  drain(from: string): Effects {
    const out = noEffects();
    const q = this.bySender.get(from) ?? [];
    this.bySender.delete(from);
    this.total -= q.length;
    for (const item of q) {
      if (item.kind === 'room') {
        const r = openRoomMessage(this.ctx(), item.ev);
        out.received.push(r === 'unknown-chain' ? failure(roomBase(item.ev), 'e2e_unknown_sender_key') : r);
      } else {
        const r = openDirect(this.ctx(), item.ev);
        const code = this.directory.isAbsent(from) || !this.directory.bundleOf(from) ? 'e2e_no_bundle' : 'e2e_decrypt_failed';
        out.received.push(r === 'need-bundle' ? failure(directBase(item.ev), code) : r);
      }
    }
    return out;
  }
}
