/** Test doubles for the chat hub: a recording sink, a fake clock, opaque payloads, a hub with members. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { ChatHub, MemoryNameRegistry, type ChatOptions, type Member, type MemberSink, type NameRegistry } from '../../src/chat/index.js';
import type { ChatErrorCode, ClientRequest, E2eKind, ServerEvent } from '../../src/chat/events.js';

/** A sink that records what it is given. `capacity`: events it accepts before deliver returns false (a full queue). */
export class FakeSink implements MemberSink {
  readonly events: ServerEvent[] = [];
  closed: { code: ChatErrorCode; message: string } | undefined;
  closeCalls = 0;
  capacity = Infinity;
  /** Set to make deliver throw. */
  throwOnDeliver = false;

  deliver(event: ServerEvent): boolean {
    if (this.throwOnDeliver) throw new Error('sink broke');
    if (this.events.length >= this.capacity) return false;
    this.events.push(event);
    return true;
  }

  close(code: ChatErrorCode, message: string): void {
    this.closeCalls++;
    this.closed = { code, message };
  }

  of<K extends ServerEvent['type']>(type: K): Extract<ServerEvent, { type: K }>[] {
    return this.events.filter((e): e is Extract<ServerEvent, { type: K }> => e.type === type);
  }

  /** Forgets what was recorded (capacity is relative to what is kept). */
  clear(): void {
    this.events.length = 0;
  }

  last(): ServerEvent | undefined {
    return this.events[this.events.length - 1];
  }
}

export class FakeClock {
  constructor(public now = 1_700_000_000_000) {}
  advance(ms: number): void {
    this.now += ms;
  }
  readonly fn = (): number => this.now;
}

/** A deterministic fake fingerprint per key name. */
export function fp(keyName: string): string {
  return 'SHA256:' + createHash('sha256').update(keyName).digest('base64').replace(/=+$/, '');
}

/** A deterministic fake identity public key (base64, as ConnectIdentity.publicKey) per key name: the hub treats it as opaque. */
export function pk(keyName: string): string {
  return createHash('sha512').update(`spki:${keyName}`).digest('base64');
}

/** An opaque e2e payload standing for `label` (its UTF-8 bytes in base64): what the hub relays, and tests read back with `label`. */
export function opaque(label: string): string {
  return Buffer.from(label, 'utf8').toString('base64');
}

/** The label an opaque payload stands for. */
export function label(payload: string): string {
  return Buffer.from(payload, 'base64').toString('utf8');
}

export interface Client {
  member: Member;
  sink: FakeSink;
  send(req: unknown): void;
  /** An e2e_room with the payload opaque(text). */
  sendRoom(room: string, text: string, ref?: string): void;
  /** An e2e_to with the payload opaque(text). */
  sendTo(to: string, text: string, kind?: E2eKind, ref?: string): void;
  /** The labels of the e2e_room events received (optionally in one room). */
  roomTexts(room?: string): string[];
  /** The labels of the e2e_to events received (optionally of one kind). */
  toTexts(kind?: E2eKind): string[];
}

export interface Setup {
  hub: ChatHub;
  clock: FakeClock;
  names: NameRegistry;
  /** Connects and asserts success; `key` defaults to `name`, `source` (the client's address) to one per key. */
  connect(name: string, opts?: { key?: string; room?: string; source?: string }): Client;
}

export function setup(opts: Partial<ChatOptions> = {}, names: NameRegistry = new MemoryNameRegistry()): Setup {
  const clock = new FakeClock();
  const hub = new ChatHub({ serverFingerprint: fp('server'), ...opts }, names, clock.fn);
  const connect = (name: string, o: { key?: string; room?: string; source?: string } = {}): Client => {
    const sink = new FakeSink();
    const key = o.key ?? name;
    const r = hub.connect(
      { name, fingerprint: fp(key), publicKey: pk(key), source: o.source ?? `host-${key}`, ...(o.room !== undefined && { room: o.room }) },
      sink,
    );
    assert.ok(r.ok, `connect ${name}: ${r.ok ? '' : r.code + ' ' + r.message}`);
    const member = r.member;
    const send = (req: unknown) => hub.handle(member, req);
    return {
      member,
      sink,
      send,
      sendRoom: (room, text, ref) => send({ t: 'e2e_room', room, payload: opaque(text), ...(ref !== undefined && { ref }) } satisfies ClientRequest),
      sendTo: (to, text, kind = 'dm', ref) => send({ t: 'e2e_to', to, kind, payload: opaque(text), ...(ref !== undefined && { ref }) } satisfies ClientRequest),
      roomTexts: (room) => sink.of('e2e_room').filter((e) => room === undefined || e.room === room).map((e) => label(e.payload)),
      toTexts: (kind) => sink.of('e2e_to').filter((e) => kind === undefined || e.kind === kind).map((e) => label(e.payload)),
    };
  };
  return { hub, clock, names, connect };
}

/** Seeded PRNG (mulberry32) so fuzz failures reproduce. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
