/**
 * What the client's E2E layer sent and what each request stood for (e2e-client.ts): the user's
 * messages waiting in the session for peers' keys (per `room:R` / `dm:NAME`, in order), the
 * payload and ref of every message sent (to recognise the server's echo of it, and an error
 * about it), and the refs of key distributions and bundle requests (to say which failed, or to
 * ask again). Every map is bounded by `maxRemembered` (the oldest entry goes). No I/O.
 */
import type { PlainMessageRequest } from '../chat/events.js';

/** One message the user typed, as the layer encrypts it. */
export interface Origin {
  req: PlainMessageRequest;
  text: string;
  action: boolean;
  /** The room (a say), lower case. */
  room?: string;
  /** The recipient (a dm). */
  to?: string;
}

/** What an error's ref points at. */
export type RefTarget = { kind: 'message'; origin: Origin } | { kind: 'keys'; to: string } | { kind: 'bundles'; names: string[] };

/** The bookkeeping of one E2E layer (kept across connections: refs stay unique). */
export class Outbox {
  private readonly queued = new Map<string, Origin[]>();
  private readonly byPayload = new Map<string, Origin>();
  private readonly byRef = new Map<string, RefTarget & { payload?: string }>();
  private nextRef = 0;

  constructor(private readonly maxRemembered: number) {}

  /** The session queued `o` (it waits for peers' keys). */
  queue(o: Origin): void {
    const key = o.room !== undefined ? `room:${o.room}` : `dm:${o.to}`;
    this.queued.set(key, [...(this.queued.get(key) ?? []), o]);
  }

  /** The oldest message queued for `room` (a room) or `to` (a dm), which the session now sends or drops. */
  shift(where: { room: string } | { to: string }): Origin | undefined {
    const key = 'room' in where ? `room:${where.room}` : `dm:${where.to}`;
    const q = this.queued.get(key);
    const o = q?.shift();
    if (q?.length === 0) this.queued.delete(key);
    return o;
  }

  /** Messages waiting in the session. */
  get waiting(): number {
    let n = 0;
    for (const q of this.queued.values()) n += q.length;
    return n;
  }

  /** Empties the session queue (the session is gone) and returns its messages, oldest first per place. */
  takeWaiting(): Origin[] {
    const all = [...this.queued.values()].flat();
    this.queued.clear();
    return all;
  }

  /** A new ref for a message with `payload` made from `o`; its echo and errors will find `o`. */
  message(payload: string, o: Origin): string {
    this.byPayload.set(payload, o);
    return this.ref('e', { kind: 'message', origin: o, payload });
  }

  /** A new ref for a key distribution to `to`. */
  keys(to: string): string {
    return this.ref('k', { kind: 'keys', to });
  }

  /** A new ref for a bundle request for `names`. */
  bundles(names: string[]): string {
    return this.ref('b', { kind: 'bundles', names });
  }

  private ref(prefix: string, target: RefTarget & { payload?: string }): string {
    const ref = `${prefix}${(this.nextRef++).toString(36)}`;
    this.byRef.set(ref, target);
    if (this.byRef.size > this.maxRemembered) this.byRef.delete(this.byRef.keys().next().value!);
    if (this.byPayload.size > this.maxRemembered) this.byPayload.delete(this.byPayload.keys().next().value!);
    return ref;
  }

  /** The message whose payload the server echoed, once (a second echo of it finds nothing). */
  echo(payload: string): Origin | undefined {
    const o = this.byPayload.get(payload);
    this.byPayload.delete(payload);
    return o;
  }

  /** True when `ref` is one of our messages' (still remembered). */
  isMessage(ref: string | undefined): boolean {
    return ref !== undefined && this.byRef.get(ref)?.kind === 'message';
  }

  /** The origin of the message with `ref`, without forgetting it. */
  originOf(ref: string | undefined): Origin | undefined {
    const t = ref !== undefined ? this.byRef.get(ref) : undefined;
    return t?.kind === 'message' ? t.origin : undefined;
  }

  /** What `ref` (from the server's error) stands for, forgotten now; a refused message's payload is forgotten too. */
  refused(ref: string | undefined): RefTarget | undefined {
    if (ref === undefined) return undefined;
    const t = this.byRef.get(ref);
    if (!t) return undefined;
    this.byRef.delete(ref);
    if (t.payload !== undefined) this.byPayload.delete(t.payload);
    return t;
  }
}
