/** Test doubles for the chat hub: a recording sink, a fake clock, message bodies, a hub with members. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { ChatHub, MemoryNameRegistry, type ChatOptions, type Member, type MemberSink, type NameRegistry } from '../../src/chat/index.js';
import type { ChatErrorCode, ClientRequest, MessageBody, ServerEvent } from '../../src/chat/events.js';

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

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export function body(text: string, action?: boolean): MessageBody {
  return action === undefined ? { text, sha256: sha256Hex(text) } : { text, sha256: sha256Hex(text), action };
}

/** A deterministic fake fingerprint per key name. */
export function fp(keyName: string): string {
  return 'SHA256:' + createHash('sha256').update(keyName).digest('base64').replace(/=+$/, '');
}

export interface Client {
  member: Member;
  sink: FakeSink;
  send(req: unknown): void;
  say(room: string, text: string): void;
  dm(to: string, text: string): void;
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
    const r = hub.connect({ name, fingerprint: fp(key), source: o.source ?? `host-${key}`, ...(o.room !== undefined && { room: o.room }) }, sink);
    assert.ok(r.ok, `connect ${name}: ${r.ok ? '' : r.code + ' ' + r.message}`);
    const member = r.member;
    const send = (req: unknown) => hub.handle(member, req);
    return {
      member,
      sink,
      send,
      say: (room, text) => send({ t: 'say', room, body: body(text) } satisfies ClientRequest),
      dm: (to, text) => send({ t: 'dm', to, body: body(text) } satisfies ClientRequest),
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
