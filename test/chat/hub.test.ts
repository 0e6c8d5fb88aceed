/** The chat hub without any transport: fake sinks record what each member would receive. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChatHub, DEFAULT_ROOM, MemoryNameRegistry, type NameRegistry } from '../../src/chat/index.js';
import type { ServerEvent } from '../../src/chat/events.js';
import { body, FakeSink, fp, setup } from './helpers.js';

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
        limits: { maxMessageLength: 500, messagesPerSecond: 2, burst: 4, commandsPerSecond: 10, commandBurst: 30, maxRoomsPerUser: 20 },
      },
      { type: 'join', room: DEFAULT_ROOM, name: 'alice', members: 1, ts: clock.now },
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
      const r = hub.connect({ name, fingerprint: fp('k') }, s);
      assert.equal(r.ok, false);
      assert.equal(!r.ok && r.code, 'invalid_name', name);
    }
    for (const name of [undefined, null, 42, {}, ['alice']]) {
      const r = hub.connect({ name, fingerprint: fp('k') } as never, s);
      assert.equal(!r.ok && r.code, 'invalid_name');
    }
    for (const room of ['', '#dev', 'x'.repeat(33), 7]) {
      const r = hub.connect({ name: 'alice', fingerprint: fp('k'), room } as never, s);
      assert.equal(!r.ok && r.code, 'invalid_room');
    }
    for (const fingerprint of ['', 'has space', 'x'.repeat(257), 5]) {
      const r = hub.connect({ name: 'alice', fingerprint } as never, s);
      assert.equal(!r.ok && r.code, 'protocol_error');
    }
    assert.equal(hub.connect(null as never, s).ok, false);
    assert.equal(hub.connect({ name: 'alice', fingerprint: fp('k') }, {} as never).ok, false);
    assert.equal(names.size(), 0);
    assert.equal(s.events.length, 0);
  });

  it('server_full at maxConnections; a same-key reconnect is still allowed', () => {
    const { hub, connect } = setup({ maxConnections: 2 });
    connect('alice');
    connect('bob');
    const r = hub.connect({ name: 'carol', fingerprint: fp('carol') }, new FakeSink());
    assert.equal(!r.ok && r.code, 'server_full');
    const again = hub.connect({ name: 'bob', fingerprint: fp('bob') }, new FakeSink());
    assert.ok(again.ok);
    assert.equal(hub.stats().connections, 2);
  });

  it('a sink that cannot take ready or its own join notice: closed, and connect reports slow_consumer', () => {
    const { hub, connect } = setup();
    const bob = connect('bob');
    bob.sink.clear();
    const s0 = new FakeSink();
    s0.capacity = 0;
    const r0 = hub.connect({ name: 'alice', fingerprint: fp('alice') }, s0);
    assert.equal(!r0.ok && r0.code, 'slow_consumer');
    assert.equal(s0.closed?.code, 'slow_consumer');
    assert.equal(bob.sink.events.length, 0, 'nobody saw alice');
    const s1 = new FakeSink();
    s1.capacity = 1; // takes ready, not the join notice
    const r1 = hub.connect({ name: 'alice', fingerprint: fp('alice') }, s1);
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
    const r = hub.connect({ name: 'alice', fingerprint: fp('alice') }, new FakeSink());
    assert.equal(!r.ok && r.code, 'internal_error');
  });
});

describe('name ownership', () => {
  it('another key gets name_taken, online or offline', () => {
    const { hub, connect } = setup();
    const a = connect('alice');
    const s = new FakeSink();
    const r1 = hub.connect({ name: 'alice', fingerprint: fp('mallory') }, s);
    assert.equal(!r1.ok && r1.code, 'name_taken');
    hub.disconnect(a.member);
    const r2 = hub.connect({ name: 'alice', fingerprint: fp('mallory') }, s);
    assert.equal(!r2.ok && r2.code, 'name_taken');
    assert.equal(s.events.length, 0);
    assert.equal(a.sink.closeCalls, 0, 'the owner is not disturbed');
  });

  it('names are case-insensitive: a look-alike spelling is taken; the owner keeps its spelling', () => {
    const { hub, connect } = setup();
    const a = connect('Alice');
    for (const spelling of ['alice', 'ALICE', 'aLiCe']) {
      const r = hub.connect({ name: spelling, fingerprint: fp('mallory') }, new FakeSink());
      assert.equal(!r.ok && r.code, 'name_taken', spelling);
    }
    hub.disconnect(a.member);
    const back = connect('alice', { key: 'Alice' });
    assert.equal(back.member.name, 'Alice');
    assert.equal(back.sink.of('ready')[0]!.name, 'Alice');
    const b = connect('bob');
    b.dm('ALICE', 'hi');
    assert.equal(back.sink.of('direct')[0]!.to, 'Alice');
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
    old.say('lobby', 'ghost');
    fresh.say('lobby', 'hello');
    assert.deepEqual(bob.sink.of('message').map((m) => m.body.text), ['hello']);
    assert.equal(hub.stats().connections, 2);
    assert.equal(hub.stats().replaced, 1);
    // disconnect of the old member does not touch the new one
    hub.disconnect(old.member);
    assert.equal(fresh.member.connected, true);
    assert.equal(hub.member('ALICE'), fresh.member);
  });
});

describe('messages', () => {
  it('a room message reaches every member of the room, the sender included, and nobody else', () => {
    const { connect, clock } = setup();
    const alice = connect('alice');
    const bob = connect('bob');
    const carol = connect('carol', { room: 'dev' });
    for (const c of [alice, bob, carol]) c.sink.clear();
    clock.advance(1234);
    const b = body('hello, lobby');
    alice.send({ t: 'say', room: 'lobby', body: b });
    const [ma] = alice.sink.of('message');
    assert.ok(ma);
    assert.deepEqual(alice.sink.events, [ma]);
    assert.deepEqual(bob.sink.events, [ma]);
    assert.deepEqual(carol.sink.events, []);
    assert.equal(ma.from, 'alice');
    assert.equal(ma.room, 'lobby');
    assert.equal(ma.ts, clock.now);
    assert.deepEqual(ma.body, b);
    assert.match(ma.id, /^[0-9a-f]{12}-[0-9a-z]+$/);
  });

  it('forwards a valid body unchanged (known fields only): text and hash as the sender sent them', () => {
    const { connect } = setup();
    const alice = connect('alice');
    const bob = connect('bob');
    alice.send({ t: 'say', room: 'lobby', body: { ...body('/me waves'), action: true, extra: 'x'.repeat(1000) } });
    const m = bob.sink.of('message')[0]!;
    assert.deepEqual(m.body, body('/me waves', true), 'known fields kept, unknown dropped');
    alice.send({ t: 'say', room: 'lobby', body: { ...body('plain'), action: false } });
    assert.deepEqual(bob.sink.of('message')[1]!.body, body('plain'));
  });

  it('refuses a say or dm whose sha256 is not the SHA-256 of its text (hash_mismatch, with command and ref) and relays nothing', () => {
    const { connect, hub } = setup();
    const alice = connect('alice');
    const bob = connect('bob');
    alice.sink.clear();
    bob.sink.clear();
    const forged = { text: 'pay mallory', sha256: 'ab'.repeat(32) }; // well-formed, wrong
    const swapped = { text: 'pay mallory', sha256: body('pay alice').sha256 }; // the hash of another text
    alice.send({ t: 'say', room: 'lobby', body: forged, ref: 'r1' });
    alice.send({ t: 'say', room: 'lobby', body: swapped, ref: 'r2' });
    alice.send({ t: 'dm', to: 'bob', body: forged, ref: 'r3' });
    assert.deepEqual(
      alice.sink.events.map((e) => (e.type === 'error' ? [e.code, e.command, e.ref] : e.type)),
      [
        ['hash_mismatch', 'say', 'r1'],
        ['hash_mismatch', 'say', 'r2'],
        ['hash_mismatch', 'dm', 'r3'],
      ],
    );
    assert.match((alice.sink.events[0] as { message: string }).message, /SHA-256/);
    assert.deepEqual(bob.sink.events, [], 'nothing reaches the room or the recipient');
    assert.equal(hub.stats().messages + hub.stats().directs, 0);
    // the hash is over the UTF-8 bytes: non-ASCII text with its right hash goes through
    alice.send({ t: 'say', room: 'lobby', body: body('ünïcödé 😀') });
    assert.equal(bob.sink.of('message')[0]?.body.text, 'ünïcödé 😀');
  });

  it('ids are unique; ts follows the clock; room names are case-insensitive', () => {
    const { connect, clock } = setup({ messagesPerSecond: 10_000, burst: 1000 });
    const alice = connect('alice');
    for (let i = 0; i < 200; i++) {
      clock.advance(1);
      alice.say(i % 2 ? 'LOBBY' : 'lobby', `m${i}`);
    }
    const msgs = alice.sink.of('message');
    assert.equal(msgs.length, 200);
    assert.equal(new Set(msgs.map((m) => m.id)).size, msgs.length);
    assert.ok(msgs.every((m) => m.room === 'lobby'));
    const ts = msgs.map((m) => m.ts);
    assert.deepEqual(ts, [...ts].sort((a, b) => a - b));
  });

  it('say to a room the member is not in: not_in_room, delivered to nobody', () => {
    const { connect } = setup();
    const alice = connect('alice');
    const carol = connect('carol', { room: 'dev' });
    alice.sink.clear();
    carol.sink.clear();
    alice.say('dev', 'psst');
    alice.say('nowhere', 'psst');
    assert.deepEqual(alice.sink.events.map((e) => e.type === 'error' && e.code), ['not_in_room', 'not_in_room']);
    assert.equal(carol.sink.events.length, 0);
  });

  it('a late joiner sees no earlier messages', () => {
    const { connect } = setup();
    const alice = connect('alice');
    alice.say('lobby', 'before');
    const bob = connect('bob');
    alice.say('lobby', 'after');
    assert.deepEqual(bob.sink.of('message').map((m) => m.body.text), ['after']);
    assert.deepEqual(alice.sink.of('message').map((m) => m.body.text), ['before', 'after']);
    const dave = connect('dave', { room: 'dev' });
    dave.send({ t: 'join', room: 'lobby' });
    assert.equal(dave.sink.of('message').length, 0);
  });

  it('direct messages reach only the target, plus an echo to the sender', () => {
    const { connect } = setup();
    const alice = connect('alice');
    const bob = connect('bob');
    const carol = connect('carol', { room: 'dev' });
    for (const c of [alice, bob, carol]) c.sink.clear();
    alice.dm('carol', 'secret');
    const [d] = carol.sink.events;
    assert.ok(d && d.type === 'direct');
    assert.equal(d.from, 'alice');
    assert.equal(d.to, 'carol');
    assert.deepEqual(d.body, body('secret'));
    assert.deepEqual(alice.sink.events, [d], 'the echo is the same event');
    assert.equal(bob.sink.events.length, 0);
    // to oneself: once
    alice.dm('alice', 'note to self');
    assert.equal(alice.sink.of('direct').length, 2);
    assert.equal(carol.sink.events.length, 1);
  });

  it('dm to an unknown or offline name: no_such_user; invalid name: invalid_name', () => {
    const { hub, connect } = setup();
    const alice = connect('alice');
    const bob = connect('bob');
    hub.disconnect(bob.member);
    alice.sink.clear();
    alice.dm('bob', 'hi');
    alice.dm('nobody', 'hi');
    alice.dm('not a name', 'hi');
    assert.deepEqual(
      alice.sink.events.map((e) => e.type === 'error' && [e.code, e.command]),
      [
        ['no_such_user', 'dm'],
        ['no_such_user', 'dm'],
        ['invalid_name', 'dm'],
      ],
    );
    assert.equal(bob.sink.of('direct').length, 0);
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
    const j: ServerEvent = { type: 'join', room: 'dev', name: 'bob', members: 2, ts: clock.now };
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
    alice.say('lobby', 'hello?');
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
    alice.say('lobby', 'late frame');
    assert.equal(bob.sink.events.length, 1, 'a second disconnect and late frames are ignored');
    hub.disconnect(bob.member);
    assert.equal(carol.sink.events.length, 1);
  });

  it('rooms lists rooms with counts; who lists members; whois shows fingerprint and rooms', () => {
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
      { type: 'who', room: 'dev', members: ['Bob', 'carol'] },
      { type: 'who', room: 'empty', members: [] },
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
    const r = hub.connect({ name: 'carol', fingerprint: fp('carol') }, new FakeSink());
    assert.equal(!r.ok && r.code, 'shutting_down');
    alice.say('lobby', 'anyone?');
    assert.equal(hub.stats().connections, 0);
  });

  it('stats counts messages, directs and errors', () => {
    const { hub, connect } = setup();
    const alice = connect('alice');
    connect('bob');
    alice.say('lobby', 'x');
    alice.dm('bob', 'y');
    alice.send({ t: 'nope' });
    const s = hub.stats();
    assert.equal(s.connections, 2);
    assert.equal(s.rooms, 1);
    assert.equal(s.messages, 1);
    assert.equal(s.directs, 1);
    assert.equal(s.errors, 1);
  });
});
