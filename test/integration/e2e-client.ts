/**
 * A real protocol-2 client for integration tests: a ChatConnection (the real handshake over a
 * real WebSocket, test/integration/harness.ts's TestClient) driving src/e2e's E2ESession, wired
 * the way a front end wires it: bundle_put after every `ready`, `who` answers and `join`/`leave`
 * events feed the member lists, `bundles`, `e2e_room` and `e2e_to` go to the session, and every
 * request the session returns goes to the server in order. It records what the session opened
 * (`received`) and told (`notices`). Self-contained on purpose: it depends on the E2E core and
 * the connection only, not on the terminal or browser front ends.
 */
import type { ChatEvent } from '../../src/chat/events.js';
import { nodeE2ECrypto } from '../../src/e2e/crypto-node.js';
import type { Notice } from '../../src/e2e/directory.js';
import type { Received } from '../../src/e2e/inbound.js';
import { E2ESession, type Effects } from '../../src/e2e/session.js';
import type { RsaPrivateKey } from '../../src/rsa/index.js';
import { TestClient } from './harness.js';

/** A TestClient with an E2ESession on top. */
export class E2EClient {
  readonly tc: TestClient;
  readonly session: E2ESession;
  readonly received: Received[] = [];
  readonly notices: Notice[] = [];
  /** Exceptions the session threw on an event (memberJoined for a room we are not in): none expected. */
  readonly errors: unknown[] = [];

  constructor(url: string, readonly name: string, readonly key: RsaPrivateKey) {
    this.tc = new TestClient(url, name, key);
    this.session = new E2ESession({ crypto: nodeE2ECrypto, identity: key, name });
    this.tc.conn.on('event', (e: ChatEvent) => this.onEvent(e));
  }

  /** Our identity fingerprint. */
  get fingerprint(): string {
    return this.session.fingerprint;
  }

  /** Connects, publishes the bundle and waits until the server has taken it. */
  async connect(): Promise<this> {
    await this.tc.connect();
    await this.sync();
    return this;
  }

  /** Resolves once the server has handled everything sent so far (a ping's pong comes after it). */
  async sync(timeoutMs = 10_000): Promise<void> {
    const n = this.tc.events.filter((e) => e.type === 'pong').length;
    this.tc.send({ t: 'ping' });
    await waitFor(() => this.tc.events.filter((e) => e.type === 'pong').length > n, `${this.name}: pong`, timeoutMs);
  }

  /** Joins `room` and waits for its member list (the `who` answer). */
  async join(room: string): Promise<void> {
    const n = this.whoCount(room);
    this.tc.send({ t: 'join', room });
    await waitFor(() => this.whoCount(room) > n, `${this.name}: who ${room}`);
  }

  /** Asks for `room`'s member list again and waits for the answer (fed to the session). */
  async who(room: string): Promise<void> {
    const n = this.whoCount(room);
    this.tc.send({ t: 'who', room });
    await waitFor(() => this.whoCount(room) > n, `${this.name}: who ${room}`);
  }

  private whoCount(room: string): number {
    return this.tc.events.filter((e) => e.type === 'who' && e.room === room).length;
  }

  /** Sends `text` (an action, /me, when `action`) to `room` through the E2E layer; returns the members it was withheld from. */
  say(room: string, text: string, action = false): string[] {
    const r = this.session.sendRoom(room, text, { action });
    this.apply(r);
    return r.withheld;
  }

  /** Sends `text` (or a /me action) to `to` as a direct message through the E2E layer (throws as sendDirect). */
  dm(to: string, text: string, action = false): void {
    this.apply(this.session.sendDirect(to, text, { action }));
  }

  /** What we received from `from` (any kind), in order. */
  from(from: string, kind?: Received['kind']): Received[] {
    return this.received.filter((r) => r.from === from && (kind === undefined || r.kind === kind));
  }

  /** Waits until `pred` holds for some received payload and returns it. */
  async receivedWhere(pred: (r: Received) => boolean, what: string, timeoutMs = 10_000): Promise<Received> {
    await waitFor(() => this.received.some(pred), `${this.name}: ${what}; got ${JSON.stringify(this.received.slice(-4))}`, timeoutMs);
    return this.received.find(pred)!;
  }

  close(): void {
    this.tc.close();
  }

  /** Hands the session's effects on: requests to the server in order, the rest to our records. */
  apply(e: Effects): void {
    this.received.push(...e.received);
    this.notices.push(...e.notices);
    for (const req of e.send) this.tc.send(req);
  }

  private onEvent(e: ChatEvent): void {
    const s = this.session;
    try {
      switch (e.type) {
        case 'ready':
          this.apply(s.start());
          for (const room of e.rooms) this.tc.send({ t: 'who', room });
          return;
        case 'who':
          return this.apply(s.roomMembers(e.room, e.fingerprints));
        case 'join':
          if (e.name === this.name) this.tc.send({ t: 'who', room: e.room });
          else this.apply(s.memberJoined(e.room, e.name, e.fingerprint));
          return;
        case 'leave':
          if (e.name === this.name) s.leftRoom(e.room);
          else this.apply(s.memberLeft(e.room, e.name));
          return;
        case 'bundles':
          return this.apply(s.bundles(e.bundles));
        case 'e2e_room':
          if (e.from !== this.name) this.apply(s.receiveRoom(e)); // the server's echo of our own message
          return;
        case 'e2e_to':
          if (e.from !== this.name) this.apply(s.receiveDirect(e)); // the echo of a DM we sent
          return;
        default:
          return;
      }
    } catch (err) {
      this.errors.push(err);
    }
  }
}

/** Polls `cond` every 10 ms until it holds; rejects after `timeoutMs` naming `what`. */
export async function waitFor(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
