/**
 * Several hubs of one cluster, joined by an in-process bus that keeps the ClusterBus contract
 * (one order for every node, each entry once, own entries included): the hub's cluster logic —
 * mirrors, cross-node rooms and direct messages, one session per name, a lost node, a late node,
 * a message the bus gave up. Real Redis is exercised by test/cluster/*.test.ts and the
 * multi-process tests; here the interleavings are chosen by the test (`flush`).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChatHub, MemoryNameRegistry, type ChatOptions } from '../../src/chat/index.js';
import type { HubClusterHandler } from '../../src/chat/hub.js';
import type { ClientRequest, ServerEvent } from '../../src/chat/events.js';
import { FakeClock, FakeSink, fp, label, opaque, pk } from './helpers.js';

/** The bus: a log every node reads in the same order when the test calls flush(). */
class MemoryCluster {
  readonly log: { from: string; entry: Record<string, unknown>; lost?: (r: string) => void }[] = [];
  readonly nodes = new Map<string, { handler: HubClusterHandler; read: number }>();
  /** Entries published while this is set are given up (reported lost) instead of logged. */
  dropping = false;
  readonly names = new MemoryNameRegistry(); // one registry, as PostgreSQL is for a real cluster
  readonly clock = new FakeClock();

  node(id: string, opts: Partial<ChatOptions> = {}): Node {
    const port = {
      nodeId: id,
      publish: (entry: Record<string, unknown>, lost?: (r: string) => void) => {
        const copy = JSON.parse(JSON.stringify(entry)) as Record<string, unknown>; // it crosses a wire
        if (this.dropping) lost?.('outbox_timeout');
        else this.log.push({ from: id, entry: copy, ...(lost && { lost }) });
      },
    };
    const hub = new ChatHub({ serverFingerprint: fp('server'), messagesPerSecond: 1000, burst: 1000, ...opts }, this.names, this.clock.fn, port);
    this.nodes.set(id, { handler: hub.clusterHandler(), read: this.log.length });
    hub.clusterStarted();
    return new Node(hub, this);
  }

  /** Every node reads everything published so far (and what that makes them publish), in log order. */
  flush(): void {
    for (let again = true; again; ) {
      again = false;
      for (const [id, n] of this.nodes) {
        while (n.read < this.log.length) {
          const { from, entry } = this.log[n.read++]!;
          n.handler.entry(from, entry, from === id);
          again = true;
        }
      }
    }
  }

  lose(id: string): void {
    this.nodes.delete(id);
    for (const n of this.nodes.values()) n.handler.nodeLost(id);
  }
}

class Node {
  constructor(
    readonly hub: ChatHub,
    private readonly cluster: MemoryCluster,
  ) {}

  connect(name: string, key = name, room?: string) {
    const sink = new FakeSink();
    const r = this.hub.connect({ name, fingerprint: fp(key), publicKey: pk(key), source: `host-${key}`, ...(room && { room }) }, sink);
    assert.ok(r.ok, `connect ${name}: ${r.ok ? '' : r.code}`);
    const member = r.member;
    return {
      member,
      sink,
      send: (req: ClientRequest) => this.hub.handle(member, req),
      say: (room: string, text: string) => this.hub.handle(member, { t: 'e2e_room', room, payload: opaque(text) }),
      texts: (room = 'lobby') => sink.of('e2e_room').filter((e) => e.room === room).map((e) => label(e.payload)),
    };
  }
}

const whoOf = (events: ServerEvent[]) => events.filter((e): e is Extract<ServerEvent, { type: 'who' }> => e.type === 'who').at(-1)?.members;

describe('hubs of a cluster', () => {
  it('share rooms: join notices, /who, /rooms and /whois see the other node; messages reach every member once, in order', () => {
    const c = new MemoryCluster();
    const a = c.node('A');
    const b = c.node('B');
    const alice = a.connect('alice');
    c.flush();
    const bob = b.connect('bob');
    c.flush();
    assert.ok(alice.sink.of('join').some((e) => e.name === 'bob' && e.members === 2 && e.fingerprint === fp('bob')), 'alice (A) sees bob (B) join, 2 members');
    alice.send({ t: 'who', room: 'lobby' });
    assert.deepEqual(whoOf(alice.sink.events), ['alice', 'bob']);
    bob.send({ t: 'whois', name: 'alice' });
    assert.deepEqual(bob.sink.of('whois')[0], { type: 'whois', name: 'alice', fingerprint: fp('alice'), online: true, rooms: ['lobby'] });
    bob.send({ t: 'join', room: 'ops' });
    c.flush();
    alice.send({ t: 'rooms' });
    assert.deepEqual(alice.sink.of('rooms').at(-1)?.rooms, [
      { room: 'lobby', members: 2 },
      { room: 'ops', members: 1 },
    ]);
    for (let i = 0; i < 50; i++) {
      alice.say('lobby', `a${i}`);
      bob.say('lobby', `b${i}`);
    }
    c.flush();
    const want = (p: string) => Array.from({ length: 50 }, (_, i) => `${p}${i}`);
    for (const [who, x] of [['alice', alice], ['bob', bob]] as const) {
      const got = x.texts();
      assert.equal(got.length, 100, `${who} got every message once`);
      assert.deepEqual(got.filter((t) => t.startsWith('a')), want('a'), `${who}: alice's in order`);
      assert.deepEqual(got.filter((t) => t.startsWith('b')), want('b'), `${who}: bob's in order`);
    }
  });

  it('direct messages and key distributions cross nodes; bundles published on one node are served by another', () => {
    const c = new MemoryCluster();
    const a = c.node('A');
    const b = c.node('B');
    const alice = a.connect('alice');
    const bob = b.connect('bob');
    c.flush();
    alice.send({ t: 'e2e_to', to: 'bob', kind: 'dm', payload: opaque('hi bob') });
    alice.send({ t: 'e2e_to', to: 'bob', kind: 'keys', payload: opaque('sender key') });
    c.flush();
    assert.deepEqual(bob.sink.of('e2e_to').map((e) => [e.kind, label(e.payload), e.from]), [
      ['dm', 'hi bob', 'alice'],
      ['keys', 'sender key', 'alice'],
    ]);
    assert.deepEqual(alice.sink.of('e2e_to').map((e) => label(e.payload)), ['hi bob'], 'the dm is echoed to its sender once; keys are not');
    bob.send({ t: 'bundle_put', bundle: opaque('bob bundle') });
    c.flush();
    alice.send({ t: 'bundle_get', names: ['bob'] });
    assert.deepEqual(alice.sink.of('bundles')[0]?.bundles, [{ name: 'bob', key: pk('bob'), fingerprint: fp('bob'), bundle: opaque('bob bundle') }]);
  });

  it('one session per name: a new login on another node replaces the old one (replaced), and a race leaves exactly one', () => {
    const c = new MemoryCluster();
    const a = c.node('A');
    const b = c.node('B');
    const watcher = a.connect('watcher');
    const old = a.connect('carol');
    c.flush();
    const fresh = b.connect('carol');
    c.flush();
    assert.equal(old.sink.closed?.code, 'replaced', 'the old session (A) was closed');
    assert.ok(!fresh.sink.closed && fresh.member.connected, 'the new one (B) lives');
    assert.ok(watcher.sink.of('leave').some((e) => e.name === 'carol' && e.reason === 'reconnected'));
    watcher.send({ t: 'who', room: 'lobby' });
    assert.deepEqual(whoOf(watcher.sink.events), ['carol', 'watcher']);
    // a race: both nodes admit dave before either has read the other's `up`
    const d1 = a.connect('dave');
    const d2 = b.connect('dave');
    c.flush();
    const alive = [d1, d2].filter((d) => d.member.connected);
    assert.equal(alive.length, 1, 'exactly one of the racing sessions survives');
    assert.equal([d1, d2].find((d) => !d.member.connected)?.sink.closed?.code, 'replaced');
    assert.equal(alive[0], d2, 'the later one in the bus order (B published after A)');
    for (const n of [a, b]) {
      const s = new FakeSink();
      const probeName = `probe${n === a ? 'a' : 'b'}`;
      const probe = n.hub.connect({ name: probeName, fingerprint: fp(probeName), publicKey: pk(probeName), source: 's' }, s);
      assert.ok(probe.ok);
      n.hub.handle(probe.member, { t: 'whois', name: 'dave' });
      assert.equal(s.of('whois')[0]?.online, true, 'both nodes see dave online');
      n.hub.disconnect(probe.member);
    }
  });

  it('a lost node: its members leave with a notice on the others; a node that starts later learns everyone', () => {
    const c = new MemoryCluster();
    const a = c.node('A');
    const b = c.node('B');
    const alice = a.connect('alice');
    b.connect('bob', 'bob', 'ops');
    b.connect('bea');
    c.flush();
    const late = c.node('C');
    c.flush();
    const cid = late.connect('cid');
    cid.send({ t: 'who', room: 'lobby' });
    assert.deepEqual(whoOf(cid.sink.events), ['alice', 'bea', 'cid']);
    cid.send({ t: 'who', room: 'ops' });
    assert.deepEqual(whoOf(cid.sink.events), ['bob']);
    c.flush();
    c.lose('B');
    assert.ok(alice.sink.of('leave').some((e) => e.name === 'bea' && e.reason === 'connection lost'));
    alice.send({ t: 'who', room: 'lobby' });
    assert.deepEqual(whoOf(alice.sink.events), ['alice', 'cid']);
    assert.equal(a.hub.stats().remoteMembers, 1);
  });

  it('a message the bus gives up: its sender is told which members of other nodes missed it (not_delivered), never silently', () => {
    const c = new MemoryCluster();
    const a = c.node('A');
    const b = c.node('B');
    const alice = a.connect('alice');
    const local = a.connect('amy');
    const bob = b.connect('bob');
    c.flush();
    c.dropping = true;
    alice.say('lobby', 'lost one');
    c.dropping = false;
    c.flush();
    assert.deepEqual(local.texts(), ['lost one'], 'members on the sender node got it');
    assert.deepEqual(bob.texts(), [], 'bob (B) did not');
    const err = alice.sink.of('error').find((e) => e.code === 'not_delivered');
    assert.ok(err, 'alice is told');
    assert.deepEqual(err.missed, ['bob']);
    assert.equal(err.id, alice.sink.of('e2e_room')[0]?.id);
  });

  it('an entry that does not parse is dropped and counted, and changes nothing', () => {
    const c = new MemoryCluster();
    const a = c.node('A');
    const alice = a.connect('alice');
    c.flush();
    const h = c.nodes.get('A')!.handler;
    for (const bad of [{ k: 'up', name: 'x' }, { k: 'join', name: 'evil', sid: 'B:1', room: 'lobby!' }, { k: 'room', room: 'lobby', ev: { type: 'ready' } }, { k: 'nope' }]) h.entry('B', bad, false);
    alice.send({ t: 'who', room: 'lobby' });
    assert.deepEqual(whoOf(alice.sink.events), ['alice']);
    assert.equal(a.hub.clusterStats()?.malformed, 4);
  });
});
