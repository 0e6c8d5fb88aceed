/** The chat hub without any transport: fake sinks record what each member would receive. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChatHub, DEFAULT_ROOM, MemoryNameRegistry, type NameRegistry } from '../../src/chat/index.js';
import type { ServerEvent } from '../../src/chat/events.js';
import { FakeSink, fp, label, opaque, pk, setup } from './helpers.js';

const types = (s: FakeSink) => s.events.map((e) => e.type);

describe('connect', () => {
  it('sends ready (name, fingerprints, rooms, limits) then the join notice', () => {
    const { connect, clock } = setup({ maxMessageLength: 500, messagesPerSecond: 2, burst: 4 });
    const a = connect('alice');
    assert.deepEqual(a.sink.events, [
      {
        type: 'ready',
        name: 'alice',
        fingerprint: fp('alice'),
        serverFingerprint: fp('server'),
        rooms: [DEFAULT_ROOM],
        limits: {
          maxMessageLength: 500,
          messagesPerSecond: 2,
          burst: 4,
          commandsPerSecond: 10,
          commandBurst: 30,
          maxRoomsPerUser: 20,
          keysPerSecond: 100,
          keysBurst: 1000,
          maxPayloadBytes: 32_768,
          maxKeysPayloadBytes: 2048,
          maxBundleBytes: 4096,
          maxBundleGet: 256,
        },
      },
      { type: 'join', room: DEFAULT_ROOM, name: 'alice', members: 1, ts: clock.now, fingerprint: fp('alice') },
    ]);
    assert.equal(a.member.name, 'alice');
    assert.deepEqual([...a.member.rooms], [DEFAULT_ROOM]);
    assert.equal(a.member.connected, true);
  });

  it('joins the room given in connect instead of the default room (case-folded)', () => {
    const { connect } = setup();
    const c = connect('carol', { room: 'Dev' });
    const ready = c.sink.of('ready')[0]!;
    assert.deepEqual(ready.rooms, ['dev']);
    assert.deepEqual(c.sink.of('join').map((j) => [j.room, j.members]), [['dev', 1]]);
  });

  it('refuses invalid names, rooms and fingerprints, and does not register them', () => {
    const names = new MemoryNameRegistry();
    const hub = new ChatHub({}, names);
    const s = new FakeSink();
    for (const name of ['', 'a b', 'x'.repeat(33), 'é', 'al\nice', 'al/ice']) {
      const r = hub.connect({ name, fingerprint: fp('k'), publicKey: pk('k') }, s);
      assert.equal(r.ok, false);
      assert.equal(!r.ok && r.code, 'invalid_name', name);
    }
    for (const name of [undefined, null, 42, {}, ['alice']]) {
      const r = hub.connect({ name, fingerprint: fp('k'), publicKey: pk('k') } as never, s);
      assert.equal(!r.ok && r.code, 'invalid_name');
    }
    for (const room of ['', '#dev', 'x'.repeat(33), 7]) {
      const r = hub.connect({ name: 'alice', fingerprint: fp('k'), publicKey: pk('k'), room } as never, s);
      assert.equal(!r.ok && r.code, 'invalid_room');
    }
    for (const fingerprint of ['', 'has space', 'x'.repeat(257), 5]) {
      const r = hub.connect({ name: 'alice', fingerprint, publicKey: pk('k') } as never, s);
      assert.equal(!r.ok && r.code, 'protocol_error');
    }
    // the identity key: canonical base64 of 1–1024 bytes (the transport's, never parsed)
    for (const publicKey of [undefined, '', 'not base64!', 'QQ', 'QR==', 'A'.repeat(1368) + 'AAAA', 5, null]) {
      const r = hub.connect({ name: 'alice', fingerprint: fp('k'), publicKey } as never, s);
      assert.equal(!r.ok && r.code, 'protocol_error', String(publicKey).slice(0, 20));
      assert.equal(!r.ok && r.message, 'invalid identity key');
    }
    assert.equal(hub.connect(null as never, s).ok, false);
    assert.equal(hub.connect({ name: 'alice', fingerprint: fp('k'), publicKey: pk('k') }, {} as never).ok, false);
    assert.equal(names.size(), 0);
    assert.equal(s.events.length, 0);
  });

  it('server_full at maxConnections; a same-key reconnect is still allowed', () => {
    const { hub, connect } = setup({ maxConnections: 2 });
    connect('alice');
    connect('bob');
    const r = hub.connect({ name: 'carol', fingerprint: fp('carol'), publicKey: pk('carol') }, new FakeSink());
    assert.equal(!r.ok && r.code, 'server_full');
    const again = hub.connect({ name: 'bob', fingerprint: fp('bob'), publicKey: pk('bob') }, new FakeSink());
    assert.ok(again.ok);
    assert.equal(hub.stats().connections, 2);
  });

  it('a sink that cannot take ready or its own join notice: closed, and connect reports slow_consumer', () => {
    const { hub, connect } = setup();
    const bob = connect('bob');
    bob.sink.clear();
    const s0 = new FakeSink();
    s0.capacity = 0;
    const r0 = hub.connect({ name: 'alice', fingerprint: fp('alice'), publicKey: pk('alice') }, s0);
    assert.equal(!r0.ok && r0.code, 'slow_consumer');
    assert.equal(s0.closed?.code, 'slow_consumer');
    assert.equal(bob.sink.events.length, 0, 'nobody saw alice');
    const s1 = new FakeSink();
    s1.capacity = 1; // takes ready, not the join notice
    const r1 = hub.connect({ name: 'alice', fingerprint: fp('alice'), publicKey: pk('alice') }, s1);
    assert.equal(!r1.ok && r1.code, 'slow_consumer');
    assert.deepEqual(bob.sink.events.map((e) => e.type), ['join', 'leave']);
    assert.equal(hub.stats().connections, 1);
    assert.equal(hub.member('alice'), undefined);
  });

  it('a failing registry gives internal_error, not a throw', () => {
    const broken: NameRegistry = {
      claim: () => {
        throw new Error('disk on fire');
      },
      lookup: () => {
        throw new Error('disk on fire');
      },
      list: () => [],
      release: () => undefined,
      size: () => 0,
      close: () => {},
    };
    const hub = new ChatHub({}, broken);
    const r = hub.connect({ name: 'alice', fingerprint: fp('alice'), publicKey: pk('alice') }, new FakeSink());
    assert.equal(!r.ok && r.code, 'internal_error');
  });
});

describe('name ownership', () => {
  it('another key gets name_taken, online or offline', () => {
    const { hub, connect } = setup();
    const a = connect('alice');
    const s = new FakeSink();
    const r1 = hub.connect({ name: 'alice', fingerprint: fp('mallory'), publicKey: pk('mallory') }, s);
    assert.equal(!r1.ok && r1.code, 'name_taken');
    hub.disconnect(a.member);
    const r2 = hub.connect({ name: 'alice', fingerprint: fp('mallory'), publicKey: pk('mallory') }, s);
    assert.equal(!r2.ok && r2.code, 'name_taken');
    assert.equal(s.events.length, 0);
    assert.equal(a.sink.closeCalls, 0, 'the owner is not disturbed');
  });

  it('names are case-insensitive: a look-alike spelling is taken; the owner keeps its spelling', () => {
    const { hub, connect } = setup();
    const a = connect('Alice');
    for (const spelling of ['alice', 'ALICE', 'aLiCe']) {
      const r = hub.connect({ name: spelling, fingerprint: fp('mallory'), publicKey: pk('mallory') }, new FakeSink());
      assert.equal(!r.ok && r.code, 'name_taken', spelling);
    }
    hub.disconnect(a.member);
    const back = connect('alice', { key: 'Alice' });
    assert.equal(back.member.name, 'Alice');
    assert.equal(back.sink.of('ready')[0]!.name, 'Alice');
    const b = connect('bob');
    b.sendTo('ALICE', 'hi');
    assert.equal(back.sink.of('e2e_to')[0]!.to, 'Alice');
  });

  it('the same key reconnecting takes over: the old connection is closed with replaced', () => {
    const { hub, connect } = setup();
    const bob = connect('bob');
    const old = connect('alice');
    bob.sink.clear();
    const fresh = connect('alice');
    assert.equal(old.sink.closed?.code, 'replaced');
    assert.equal(old.sink.closeCalls, 1);
    assert.equal(old.member.connected, false);
    assert.equal(fresh.member.connected, true);
    assert.deepEqual(
      bob.sink.events.map((e) => (e.type === 'join' || e.type === 'leave' ? [e.type, e.name, e.members, 'reason' in e ? e.reason : undefined] : e.type)),
      [
        ['leave', 'alice', 1, 'reconnected'],
        ['join', 'alice', 2, undefined],
      ],
    );
    // the old member is inert; the new one works
    old.sendRoom('lobby', 'ghost');
    fresh.sendRoom('lobby', 'hello');
    assert.deepEqual(bob.roomTexts(), ['hello']);
    assert.equal(hub.stats().connections, 2);
    assert.equal(hub.stats().replaced, 1);
    // disconnect of the old member does not touch the new one
    hub.disconnect(old.member);
    assert.equal(fresh.member.connected, true);
    assert.equal(hub.member('ALICE'), fresh.member);
  });
});

describe('end-to-end messages: the hub routes opaque payloads', () => {
  it('e2e_room reaches every member of the room, the sender included, and nobody else; the server stamps from, fromFingerprint, id, ts', () => {
    const { connect, clock } = setup();
    const alice = connect('alice');
    const bob = connect('bob');
    const carol = connect('carol', { room: 'dev' });
    for (const c of [alice, bob, carol]) c.sink.clear();
    clock.advance(1234);
    const payload = opaque('ciphertext for the lobby');
    alice.send({ t: 'e2e_room', room: 'lobby', payload, ref: 'r1' });
    const [ev] = bob.sink.of('e2e_room');
    assert.ok(ev);
    assert.deepEqual(bob.sink.events, [ev]);
    assert.ok(!('ref' in ev), "the others' copy carries no ref");
    // the sender's copy (its confirmation) is the same event with its request's ref (docs/PROTOCOL.md §Routing)
    const [own] = alice.sink.of('e2e_room');
    assert.deepEqual(alice.sink.events, [own]);
    assert.deepEqual(own, { ...ev, ref: 'r1' });
    assert.deepEqual(Object.keys(own!), ['type', 'id', 'from', 'fromFingerprint', 'room', 'ts', 'payload', 'ref']);
    // without a (valid) ref, the sender's copy has none: the same frozen object as everyone's
    for (const c of [alice, bob]) c.sink.clear();
    alice.send({ t: 'e2e_room', room: 'lobby', payload, ref: 'not a valid ref!' });
    assert.deepEqual(alice.sink.events, bob.sink.events);
    assert.equal(alice.sink.events[0], bob.sink.events[0], 'one object for the whole fan-out');
    assert.ok(!('ref' in alice.sink.events[0]!));
    assert.deepEqual(carol.sink.events, [], 'not a member: nothing');
    assert.deepEqual(Object.keys(ev), ['type', 'id', 'from', 'fromFingerprint', 'room', 'ts', 'payload']);
    assert.equal(ev.from, 'alice');
    assert.equal(ev.fromFingerprint, fp('alice'));
    assert.equal(ev.room, 'lobby');
    assert.equal(ev.ts, clock.now);
    assert.equal(ev.payload, payload, 'relayed byte for byte');
    assert.match(ev.id, /^[0-9a-f]{12}-[0-9a-z]+$/);
    assert.ok(Object.isFrozen(ev), 'one frozen object for the whole fan-out');
  });

  it('from and fromFingerprint are the server\'s: fields the sender adds are not relayed', () => {
    const { connect } = setup();
    const alice = connect('alice');
    const bob = connect('bob');
    bob.sink.clear();
    alice.send({ t: 'e2e_room', room: 'lobby', payload: opaque('x'), from: 'bob', fromFingerprint: fp('bob'), id: 'forged', ts: 1, extra: 'y' });
    alice.send({ t: 'e2e_to', to: 'bob', kind: 'dm', payload: opaque('y'), from: 'carol', fromFingerprint: fp('carol'), to2: 'z' });
    const [r, d] = bob.sink.events;
    assert.ok(r?.type === 'e2e_room' && d?.type === 'e2e_to');
    for (const e of [r, d]) {
      assert.equal(e.from, 'alice');
      assert.equal(e.fromFingerprint, fp('alice'));
      assert.notEqual(e.id, 'forged');
      assert.ok(!('extra' in e) && !('to2' in e));
    }
  });

  it('a member that is not in the room: not_in_room (with command and ref), delivered to nobody', () => {
    const { connect, hub } = setup();
    const alice = connect('alice');
    const carol = connect('carol', { room: 'dev' });
    alice.sink.clear();
    carol.sink.clear();
    alice.sendRoom('dev', 'psst', 'q1');
    alice.sendRoom('nowhere', 'psst', 'q2');
    assert.deepEqual(
      alice.sink.events.map((e) => e.type === 'error' && [e.code, e.command, e.ref]),
      [
        ['not_in_room', 'e2e_room', 'q1'],
        ['not_in_room', 'e2e_room', 'q2'],
      ],
    );
    assert.equal(carol.sink.events.length, 0);
    assert.equal(hub.stats().messages, 0);
  });

  it('after leaving a room, a member\'s e2e_room is refused and it receives none of the room\'s', () => {
    const { connect } = setup();
    const alice = connect('alice');
    const bob = connect('bob');
    bob.send({ t: 'leave', room: 'lobby' });
    bob.sink.clear();
    alice.sendRoom('lobby', 'after bob left');
    bob.sendRoom('lobby', 'from outside');
    assert.deepEqual(bob.roomTexts(), []);
    assert.equal(bob.sink.of('error')[0]?.code, 'not_in_room');
    assert.deepEqual(alice.roomTexts(), ['after bob left']);
  });

  it('ids are unique; ts follows the clock; room names are case-insensitive', () => {
    const { connect, clock } = setup({ messagesPerSecond: 10_000, burst: 1000 });
    const alice = connect('alice');
    for (let i = 0; i < 200; i++) {
      clock.advance(1);
      alice.sendRoom(i % 2 ? 'LOBBY' : 'lobby', `m${i}`);
    }
    const msgs = alice.sink.of('e2e_room');
    assert.equal(msgs.length, 200);
    assert.equal(new Set(msgs.map((m) => m.id)).size, msgs.length);
    assert.ok(msgs.every((m) => m.room === 'lobby'));
    const ts = msgs.map((m) => m.ts);
    assert.deepEqual(ts, [...ts].sort((a, b) => a - b));
  });

  it('a late joiner receives no earlier message', () => {
    const { connect } = setup();
    const alice = connect('alice');
    alice.sendRoom('lobby', 'before');
    const bob = connect('bob');
    alice.sendRoom('lobby', 'after');
    assert.deepEqual(bob.roomTexts(), ['after']);
    assert.deepEqual(alice.roomTexts(), ['before', 'after']);
    const dave = connect('dave', { room: 'dev' });
    dave.send({ t: 'join', room: 'lobby' });
    assert.equal(dave.sink.of('e2e_room').length, 0);
  });

  it('e2e_to dm reaches only the target, with an echo to the sender; keys reach only the target', () => {
    const { connect, clock } = setup();
    const alice = connect('alice');
    const bob = connect('bob');
    const carol = connect('carol', { room: 'dev' });
    for (const c of [alice, bob, carol]) c.sink.clear();
    alice.sendTo('carol', 'secret', 'dm', 'd1');
    const [d] = carol.sink.events;
    assert.ok(d && d.type === 'e2e_to');
    assert.deepEqual(Object.keys(d), ['type', 'id', 'from', 'fromFingerprint', 'to', 'kind', 'ts', 'payload']);
    assert.deepEqual([d.from, d.fromFingerprint, d.to, d.kind, d.ts, label(d.payload)], ['alice', fp('alice'), 'carol', 'dm', clock.now, 'secret']);
    assert.deepEqual(alice.sink.events, [{ ...d, ref: 'd1' }], "the echo is the same event, with the request's ref");
    assert.equal(bob.sink.events.length, 0);
    alice.sink.clear();
    alice.sendTo('bob', 'sender key for bob', 'keys');
    assert.deepEqual(bob.toTexts('keys'), ['sender key for bob']);
    assert.equal(bob.sink.of('e2e_to')[0]!.kind, 'keys');
    assert.deepEqual(alice.sink.events, [], 'no echo of a key distribution');
    assert.equal(carol.sink.events.length, 1);
    // to oneself: once
    alice.sendTo('alice', 'note to self', 'dm', 'n1');
    assert.deepEqual(alice.toTexts('dm'), ['note to self']);
    assert.equal(alice.sink.of('e2e_to').at(-1)!.ref, 'n1', "its one copy is the sender's: with the ref");
  });

  it('e2e_to an unknown or offline name: no_such_user; invalid name: invalid_name; bad kind: bad_command', () => {
    const { hub, connect } = setup();
    const alice = connect('alice');
    const bob = connect('bob');
    hub.disconnect(bob.member);
    alice.sink.clear();
    alice.sendTo('bob', 'hi');
    alice.sendTo('nobody', 'hi', 'keys');
    alice.sendTo('not a name', 'hi');
    for (const kind of [undefined, 'DM', 'key', '', 5, null, ['dm']]) alice.send({ t: 'e2e_to', to: 'alice', kind, payload: opaque('x') });
    assert.deepEqual(
      alice.sink.events.map((e) => e.type === 'error' && [e.code, e.command]),
      [['no_such_user', 'e2e_to'], ['no_such_user', 'e2e_to'], ['invalid_name', 'e2e_to'], ...Array(7).fill(['bad_command', 'e2e_to'])],
    );
    assert.equal(bob.sink.of('e2e_to').length, 0);
  });

  it('protocol 1\'s say and dm are gone: unknown_command saying what replaced them, nothing relayed', () => {
    const { connect, hub } = setup();
    const alice = connect('alice');
    const bob = connect('bob');
    alice.sink.clear();
    bob.sink.clear();
    const body = { text: 'plaintext', sha256: 'ab'.repeat(32) };
    alice.send({ t: 'say', room: 'lobby', body, ref: 's1' });
    alice.send({ t: 'dm', to: 'bob', body, ref: 'd1' });
    assert.deepEqual(alice.sink.events.map((e) => e.type === 'error' && [e.code, e.command, e.ref]), [
      ['unknown_command', undefined, 's1'],
      ['unknown_command', undefined, 'd1'],
    ]);
    const [say, dm] = alice.sink.of('error');
    assert.match(say!.message, /^say is not part of this protocol: .*e2e_room.*upgrade Parley/);
    assert.match(dm!.message, /^dm is not part of this protocol: .*e2e_to.*upgrade Parley/);
    assert.ok(!JSON.stringify(alice.sink.events).includes('plaintext'), 'the refusal does not echo the text');
    assert.deepEqual(bob.sink.events, []);
    assert.equal(hub.stats().messages + hub.stats().directs, 0);
  });
});

/** Every string reachable from `root` through objects, arrays, Maps and Sets — but not through a member's sink (the transport's queue). */
function reachableStrings(root: unknown): string[] {
  const out: string[] = [];
  const seen = new Set<unknown>();
  const walk = (v: unknown): void => {
    if (typeof v === 'string') return void out.push(v);
    if (typeof v !== 'object' || v === null || seen.has(v)) return;
    seen.add(v);
    if (v instanceof FakeSink) return;
    if (v instanceof Map) for (const [k, x] of v) (walk(k), walk(x));
    else if (v instanceof Set || Array.isArray(v)) for (const x of v) walk(x);
    else for (const k of Reflect.ownKeys(v)) walk((v as Record<string | symbol, unknown>)[k]);
  };
  walk(root);
  return out;
}

describe('the hub keeps no message', () => {
  it('after relaying payloads (and refusing protocol 1\'s plaintext say and dm) nothing in the hub holds them', () => {
    const { hub, connect } = setup();
    const alice = connect('alice');
    const bob = connect('bob');
    const secrets = ['the eagle lands at dawn', 'meet me by the old mill', 'a sender key', 'plaintext the server must drop'];
    alice.sendRoom('lobby', secrets[0]!);
    alice.sendTo('bob', secrets[1]!);
    alice.sendTo('bob', secrets[2]!, 'keys');
    alice.send({ t: 'say', room: 'lobby', body: { text: secrets[3], sha256: '0'.repeat(64) } });
    alice.send({ t: 'dm', to: 'bob', body: { text: secrets[3], sha256: '0'.repeat(64) } });
    assert.deepEqual(bob.roomTexts(), [secrets[0]], 'relayed');
    assert.deepEqual(bob.toTexts(), [secrets[1], secrets[2]]);
    const kept = reachableStrings(hub);
    assert.ok(kept.length > 10, 'the walk reaches the hub\'s state (names, rooms, keys…)');
    assert.ok(kept.includes(pk('alice')), 'the walk would find what the hub keeps: the identity keys of its directory');
    for (const secret of secrets) {
      assert.ok(!kept.some((x) => x.includes(secret) || x.includes(opaque(secret))), `nothing holds ${JSON.stringify(secret)}`);
    }
  });
});

describe('rooms', () => {
  it('join and leave notices with member counts go to the room members only', () => {
    const { connect, clock } = setup();
    const alice = connect('alice');
    const bob = connect('bob');
    const carol = connect('carol', { room: 'dev' });
    for (const c of [alice, bob, carol]) c.sink.clear();
    bob.send({ t: 'join', room: 'dev' });
    const j: ServerEvent = { type: 'join', room: 'dev', name: 'bob', members: 2, ts: clock.now, fingerprint: fp('bob') };
    assert.deepEqual(carol.sink.events, [j]);
    assert.deepEqual(bob.sink.events, [j]);
    assert.deepEqual(alice.sink.events, []);
    assert.deepEqual([...bob.member.rooms].sort(), ['dev', 'lobby']);

    bob.send({ t: 'leave', room: 'DEV' });
    const l: ServerEvent = { type: 'leave', room: 'dev', name: 'bob', members: 1, ts: clock.now };
    assert.deepEqual(carol.sink.events, [j, l]);
    assert.deepEqual(bob.sink.events, [j, l], 'the leaver gets the confirmation');
    assert.deepEqual(alice.sink.events, []);

    bob.send({ t: 'leave', room: 'dev' });
    const err = bob.sink.last();
    assert.ok(err?.type === 'error' && err.code === 'not_in_room' && err.command === 'leave');
  });

  it('joining a room one is already in is a no-op with a system notice', () => {
    const { connect } = setup();
    const alice = connect('alice');
    const bob = connect('bob');
    bob.sink.clear();
    alice.sink.clear();
    alice.send({ t: 'join', room: 'Lobby' });
    assert.deepEqual(types(alice.sink), ['system']);
    assert.deepEqual(bob.sink.events, []);
  });

  it('leaving the last room is allowed; the member is then in no room', () => {
    const { connect, hub } = setup();
    const alice = connect('alice');
    alice.send({ t: 'leave', room: 'lobby' });
    assert.equal(alice.member.rooms.size, 0);
    assert.equal(hub.stats().rooms, 0, 'an empty room is forgotten');
    alice.sendRoom('lobby', 'hello?');
    assert.equal(alice.sink.last()?.type === 'error' && (alice.sink.last() as { code: string }).code, 'not_in_room');
    alice.send({ t: 'join', room: 'lobby' });
    assert.deepEqual([...alice.member.rooms], ['lobby']);
  });

  it('disconnect sends leave notices with the reason to every room of the member', () => {
    const { hub, connect } = setup();
    const alice = connect('alice');
    const bob = connect('bob');
    const carol = connect('carol', { room: 'dev' });
    alice.send({ t: 'join', room: 'dev' });
    bob.sink.clear();
    carol.sink.clear();
    hub.disconnect(alice.member, 'connection lost');
    assert.deepEqual(bob.sink.events.map((e) => e.type === 'leave' && [e.room, e.members, e.reason]), [['lobby', 1, 'connection lost']]);
    assert.deepEqual(carol.sink.events.map((e) => e.type === 'leave' && [e.room, e.members, e.reason]), [['dev', 1, 'connection lost']]);
    assert.equal(alice.sink.closeCalls, 0, 'the transport closed it; the hub does not close the sink');
    hub.disconnect(alice.member);
    alice.sendRoom('lobby', 'late frame');
    assert.equal(bob.sink.events.length, 1, 'a second disconnect and late frames are ignored');
    hub.disconnect(bob.member);
    assert.equal(carol.sink.events.length, 1);
  });

  it('rooms lists rooms with counts; who lists members with their fingerprints; whois shows fingerprint and rooms', () => {
    const { hub, connect } = setup();
    const alice = connect('alice');
    const bob = connect('Bob');
    connect('carol', { room: 'dev' });
    bob.send({ t: 'join', room: 'dev' });
    alice.sink.clear();
    alice.send({ t: 'rooms' });
    alice.send({ t: 'who', room: 'dev' });
    alice.send({ t: 'who', room: 'empty' });
    alice.send({ t: 'whois', name: 'bob' });
    alice.send({ t: 'ping' });
    assert.deepEqual(alice.sink.events, [
      {
        type: 'rooms',
        rooms: [
          { room: 'dev', members: 2 },
          { room: 'lobby', members: 2 },
        ],
      },
      { type: 'who', room: 'dev', members: ['Bob', 'carol'], fingerprints: { Bob: fp('Bob'), carol: fp('carol') } },
      { type: 'who', room: 'empty', members: [], fingerprints: {} },
      { type: 'whois', name: 'Bob', fingerprint: fp('Bob'), online: true, rooms: ['dev', 'lobby'] },
      { type: 'pong' },
    ]);
    hub.disconnect(bob.member);
    alice.sink.clear();
    alice.send({ t: 'whois', name: 'BOB' });
    alice.send({ t: 'whois', name: 'nobody' });
    alice.send({ t: 'whois', name: '' });
    assert.deepEqual(alice.sink.events[0], { type: 'whois', name: 'Bob', fingerprint: fp('Bob'), online: false, rooms: [] });
    assert.deepEqual(
      alice.sink.events.slice(1).map((e) => e.type === 'error' && e.code),
      ['no_such_user', 'invalid_name'],
    );
  });

  it('maxRoomsPerUser and maxRooms give room_limit; the default room is always available', () => {
    const { connect, hub } = setup({ maxRoomsPerUser: 2, maxRooms: 2 });
    const alice = connect('alice');
    alice.send({ t: 'join', room: 'a' });
    alice.send({ t: 'join', room: 'b' });
    assert.deepEqual(alice.sink.events.filter((e) => e.type === 'error').map((e) => e.type === 'error' && e.code), ['room_limit']);
    const bob = connect('bob', { room: 'a' });
    bob.send({ t: 'join', room: 'c' });
    assert.equal(bob.sink.last()?.type === 'error' && (bob.sink.last() as { code: string }).code, 'room_limit', 'server room limit');
    // connecting to a new room when the server is at maxRooms: the default room instead, and an error
    alice.send({ t: 'leave', room: 'lobby' });
    assert.equal(hub.stats().rooms, 1);
    bob.send({ t: 'join', room: 'x' });
    assert.equal(hub.stats().rooms, 2);
    const carol = connect('carol', { room: 'z' });
    assert.deepEqual(carol.sink.of('ready')[0]!.rooms, [DEFAULT_ROOM]);
    assert.deepEqual(carol.sink.events.map((e) => e.type), ['ready', 'join', 'error']);
    assert.equal(hub.stats().rooms, 3, 'the default room is exempt from maxRooms');
  });
});

describe('shutdown and stats', () => {
  it('shutdown closes every member with shutting_down and refuses new connections', () => {
    const { hub, connect } = setup();
    const alice = connect('alice');
    const bob = connect('bob');
    bob.sink.clear();
    hub.shutdown('maintenance');
    assert.deepEqual(alice.sink.closed, { code: 'shutting_down', message: 'maintenance' });
    assert.deepEqual(bob.sink.closed, { code: 'shutting_down', message: 'maintenance' });
    assert.deepEqual(bob.sink.events, [], 'no leave storm');
    const r = hub.connect({ name: 'carol', fingerprint: fp('carol'), publicKey: pk('carol') }, new FakeSink());
    assert.equal(!r.ok && r.code, 'shutting_down');
    alice.sendRoom('lobby', 'anyone?');
    assert.equal(hub.stats().connections, 0);
  });

  it('stats counts messages, directs, key distributions and errors', () => {
    const { hub, connect } = setup();
    const alice = connect('alice');
    connect('bob');
    alice.sendRoom('lobby', 'x');
    alice.sendTo('bob', 'y');
    alice.sendTo('bob', 'k1', 'keys');
    alice.sendTo('bob', 'k2', 'keys');
    alice.send({ t: 'nope' });
    const s = hub.stats();
    assert.equal(s.connections, 2);
    assert.equal(s.rooms, 1);
    assert.equal(s.messages, 1);
    assert.equal(s.directs, 1);
    assert.equal(s.keys, 2);
    assert.equal(s.errors, 1);
  });
});
