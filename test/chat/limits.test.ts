/** Rate limits, flooding and slow consumers in the hub, with a fake clock and fake sinks. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { opaque, setup } from './helpers.js';

describe('rate limiting (fake clock)', () => {
  it('a burst, then rate_limited with a sensible retryAfterMs, then refill at messagesPerSecond', () => {
    const { connect, clock } = setup({ messagesPerSecond: 5, burst: 10 });
    const alice = connect('alice');
    const bob = connect('bob');
    alice.sink.clear();
    bob.sink.clear();
    for (let i = 0; i < 12; i++) alice.sendRoom('lobby', `m${i}`);
    assert.equal(bob.sink.of('e2e_room').length, 10, 'the burst gets through');
    const errors = alice.sink.of('error');
    assert.equal(errors.length, 2);
    for (const e of errors) {
      assert.equal(e.code, 'rate_limited');
      assert.equal(e.command, 'e2e_room');
      assert.equal(e.retryAfterMs, 200, 'one token every 200 ms at 5/s');
      assert.match(e.message, /5\/s/);
    }
    clock.advance(150);
    alice.sendRoom('lobby', 'too early');
    assert.equal(alice.sink.of('error').at(-1)?.retryAfterMs, 50);
    clock.advance(50);
    alice.sendRoom('lobby', 'on time');
    assert.equal(bob.roomTexts().at(-1), 'on time');
    clock.advance(60_000);
    for (let i = 0; i < 11; i++) alice.sendRoom('lobby', `again${i}`);
    assert.equal(bob.sink.of('e2e_room').length, 21, 'refilled to the burst, not beyond');
    assert.deepEqual(bob.sink.of('error'), [], 'bob is untouched');
  });

  it('an error about a request echoes its valid ref (so a client can resend it), never an invalid one', () => {
    const { connect, clock } = setup({ messagesPerSecond: 1, burst: 1 });
    const alice = connect('alice');
    connect('bob');
    alice.sink.clear();
    alice.send({ t: 'e2e_room', room: 'lobby', payload: opaque('first'), ref: 'm0' });
    alice.send({ t: 'e2e_room', room: 'lobby', payload: opaque('second'), ref: 'm1' });
    alice.send({ t: 'e2e_to', to: 'bob', kind: 'dm', payload: opaque('third'), ref: 'bad ref!' });
    const errors = alice.sink.of('error');
    assert.deepEqual(errors.map((e) => [e.code, e.ref]), [['rate_limited', 'm1'], ['rate_limited', undefined]]);
    alice.sink.clear();
    clock.advance(10_000);
    alice.send({ t: 'e2e_room', room: 'nowhere', payload: opaque('x'), ref: 'r-9' });
    alice.send({ t: 'join', room: 'bad room!' });
    assert.deepEqual(alice.sink.of('error').map((e) => [e.code, e.ref]), [['not_in_room', 'r-9'], ['invalid_room', undefined]], 'any error about the request carries it, and only that one');
  });

  it('e2e_room and e2e_to dm share the message bucket; other requests have their own', () => {
    const { connect } = setup({ messagesPerSecond: 1, burst: 2, commandsPerSecond: 1, commandBurst: 3 });
    const alice = connect('alice');
    connect('bob');
    alice.sink.clear();
    alice.sendRoom('lobby', 'one');
    alice.sendTo('bob', 'two');
    alice.sendTo('bob', 'three');
    assert.deepEqual(
      alice.sink.events.map((e) => (e.type === 'error' ? `${e.code} ${e.command}` : e.type)),
      ['e2e_room', 'e2e_to', 'rate_limited e2e_to'],
    );
    alice.sink.clear();
    for (let i = 0; i < 4; i++) alice.send({ t: 'ping' });
    assert.deepEqual(
      alice.sink.events.map((e) => (e.type === 'error' ? e.code : e.type)),
      ['pong', 'pong', 'pong', 'rate_limited'],
    );
    alice.sink.clear();
    alice.send('garbage'); // malformed requests cost a command token too
    assert.equal(alice.sink.of('error')[0]?.code, 'rate_limited');
  });

  it('key distributions have their own, larger bucket: a joiner of a 200-member room sends its key to all 199 at once', () => {
    const { connect, clock } = setup({ maxConnections: 1000, floodDisconnectAfter: 100_000 });
    const others = Array.from({ length: 199 }, (_, i) => connect(`m${i}`));
    const joiner = connect('joiner');
    for (const c of [joiner, ...others]) c.sink.clear();
    // each member sends the joiner its own sender key (one each), and the joiner sends its key to all
    for (const c of others) c.sendTo('joiner', `key of ${c.member.name}`, 'keys');
    for (const c of others) joiner.sendTo(c.member.name, `joiner's key for ${c.member.name}`, 'keys');
    assert.deepEqual(joiner.sink.of('error'), [], 'no key distribution refused');
    assert.equal(joiner.toTexts('keys').length, 199);
    assert.ok(others.every((c) => c.toTexts('keys').length === 1));
    // …and the message bucket is untouched by them: a message still goes out at once
    joiner.sendRoom('lobby', 'hello everyone');
    assert.equal(others[198]!.roomTexts().at(-1), 'hello everyone');
    // the same 199 as direct messages would meet the message bucket after its burst of 10
    clock.advance(60_000);
    joiner.sink.clear();
    for (const c of others) joiner.sendTo(c.member.name, 'dm', 'dm');
    assert.equal(joiner.sink.of('error').filter((e) => e.code === 'rate_limited').length, 199 - 10);
  });

  it('the keys bucket: keysBurst at once, then keysPerSecond; rate_limited names e2e_to and the ref', () => {
    const { connect, clock } = setup({ keysPerSecond: 2, keysBurst: 3 });
    const alice = connect('alice');
    const bob = connect('bob');
    alice.sink.clear();
    for (let i = 0; i < 4; i++) alice.sendTo('bob', `k${i}`, 'keys', `k${i}`);
    assert.deepEqual(bob.toTexts('keys'), ['k0', 'k1', 'k2']);
    const [e] = alice.sink.of('error');
    assert.deepEqual([e?.code, e?.command, e?.ref, e?.retryAfterMs], ['rate_limited', 'e2e_to', 'k3', 500]);
    assert.match(e!.message, /too many key distributions \(at most 2\/s, bursts of 3\)/);
    // a dm is not held back by the empty keys bucket
    alice.sendTo('bob', 'a dm');
    assert.deepEqual(bob.toTexts('dm'), ['a dm']);
    clock.advance(500);
    alice.sendTo('bob', 'k3', 'keys');
    assert.deepEqual(bob.toTexts('keys'), ['k0', 'k1', 'k2', 'k3']);
  });

  it('a flooder is disconnected; the others are unaffected and pay nothing for its refused messages', () => {
    const { hub, connect, clock } = setup({ messagesPerSecond: 5, burst: 10, floodDisconnectAfter: 50, floodWindowMs: 10_000 });
    const flooder = connect('flooder');
    const bob = connect('bob');
    const carol = connect('carol');
    for (const c of [flooder, bob, carol]) c.sink.clear();
    for (let i = 0; i < 61; i++) flooder.sendRoom('lobby', `spam ${i}`);
    // 10 accepted, then 50 refusals are tolerated; the 51st disconnects
    assert.equal(bob.sink.of('e2e_room').length, 10);
    assert.equal(flooder.sink.of('error').length, 50);
    assert.deepEqual(flooder.sink.closed?.code, 'rate_limited');
    assert.match(flooder.sink.closed!.message, /flooding/);
    assert.equal(flooder.member.connected, false);
    for (const c of [bob, carol]) {
      assert.deepEqual(
        c.sink.events.filter((e) => e.type !== 'e2e_room'),
        [{ type: 'leave', room: 'lobby', name: 'flooder', members: 2, ts: clock.now, reason: 'flooding' }],
      );
    }
    // its later requests are ignored; the others go on chatting at their own full rate
    flooder.sendRoom('lobby', 'still here?');
    for (let i = 0; i < 10; i++) bob.sendRoom('lobby', `bob ${i}`);
    assert.equal(carol.sink.of('e2e_room').length, 20);
    assert.deepEqual(bob.sink.of('error'), []);
    const s = hub.stats();
    assert.equal(s.floodDisconnects, 1);
    assert.equal(s.rateLimited, 51);
    assert.equal(s.connections, 2);
  });

  it('refusals spread beyond the flood window do not disconnect', () => {
    const { connect, clock } = setup({ messagesPerSecond: 1, burst: 1, floodDisconnectAfter: 3, floodWindowMs: 1000 });
    const alice = connect('alice');
    for (let round = 0; round < 5; round++) {
      alice.sendRoom('lobby', 'a'); // accepted
      alice.sendRoom('lobby', 'b'); // refused
      alice.sendRoom('lobby', 'c'); // refused
      clock.advance(1000);
    }
    assert.equal(alice.member.connected, true);
    assert.equal(alice.sink.of('e2e_room').length, 5);
  });

  it('a flooder in a big room: refused messages cost no deliveries to anybody else', () => {
    const { hub, connect } = setup({ maxConnections: 1000, floodDisconnectAfter: 100_000 });
    const flooder = connect('flooder');
    const others = Array.from({ length: 300 }, (_, i) => connect(`m${i}`));
    const before = hub.stats().delivered;
    for (let i = 0; i < 5000; i++) flooder.sendRoom('lobby', 'spam');
    const delivered = hub.stats().delivered - before;
    // 10 accepted × 301 members, plus one error event per refusal to the flooder only
    assert.equal(delivered, 10 * 301 + 4990);
    assert.equal(others[299]!.sink.of('e2e_room').length, 10);
  });
});

describe('slow consumers', () => {
  it('a member whose queue is full is disconnected with slow_consumer; the others still receive', () => {
    const { hub, connect } = setup({ messagesPerSecond: 1000, burst: 1000 });
    const alice = connect('alice');
    const bob = connect('bob');
    const carol = connect('carol');
    for (const c of [alice, bob, carol]) c.sink.clear();
    bob.sink.capacity = 3; // bob stops reading
    for (let i = 0; i < 6; i++) alice.sendRoom('lobby', `m${i}`);
    assert.equal(bob.sink.closed?.code, 'slow_consumer');
    assert.equal(bob.sink.closeCalls, 1);
    assert.equal(bob.member.connected, false);
    assert.deepEqual(bob.roomTexts(), ['m0', 'm1', 'm2']);
    for (const c of [alice, carol]) {
      assert.deepEqual(c.roomTexts(), ['m0', 'm1', 'm2', 'm3', 'm4', 'm5']);
      const leave = c.sink.of('leave');
      assert.deepEqual(leave.map((l) => [l.name, l.members, l.reason]), [['bob', 2, 'slow consumer']]);
    }
    // the leave notice comes after the message during which bob fell behind
    const order = carol.sink.events.map((e) => (e.type === 'e2e_room' ? Buffer.from(e.payload, 'base64').toString() : e.type));
    assert.deepEqual(order, ['m0', 'm1', 'm2', 'm3', 'leave', 'm4', 'm5']);
    assert.equal(hub.stats().slowConsumers, 1);
    assert.equal(hub.stats().connections, 2);
  });

  it('several slow consumers at once, and one that fills up on the leave notice of another', () => {
    const { hub, connect } = setup({ messagesPerSecond: 1000, burst: 1000 });
    const alice = connect('alice');
    const b = connect('b');
    const c = connect('c');
    const d = connect('d');
    for (const x of [alice, b, c, d]) x.sink.clear();
    b.sink.capacity = 0;
    c.sink.capacity = 1; // takes the message, then cannot take b's leave notice
    alice.sendRoom('lobby', 'hello');
    assert.equal(b.sink.closed?.code, 'slow_consumer');
    assert.equal(c.sink.closed?.code, 'slow_consumer');
    assert.equal(d.member.connected, true);
    assert.deepEqual(
      d.sink.events.map((e) => (e.type === 'leave' ? `leave ${e.name} ${e.members}` : e.type)),
      ['e2e_room', 'leave b 3', 'leave c 2'],
    );
    assert.deepEqual(alice.sink.of('leave').map((l) => l.name), ['b', 'c']);
    assert.equal(hub.stats().connections, 2);
  });

  it('a sink that throws is dropped with internal_error; the others are unaffected', () => {
    const { connect } = setup();
    const alice = connect('alice');
    const bob = connect('bob');
    const carol = connect('carol');
    bob.sink.throwOnDeliver = true;
    alice.sendRoom('lobby', 'hi');
    assert.equal(bob.sink.closed?.code, 'internal_error');
    assert.equal(carol.sink.of('e2e_room').length, 1);
    assert.equal(carol.sink.of('leave')[0]?.name, 'bob');
  });

  it('a sink whose close throws does not break the hub', () => {
    const { connect, hub } = setup({ messagesPerSecond: 1000, burst: 1000 });
    const alice = connect('alice');
    const bob = connect('bob');
    bob.sink.capacity = 0;
    bob.sink.close = () => {
      throw new Error('already closed');
    };
    assert.doesNotThrow(() => alice.sendRoom('lobby', 'hi'));
    assert.equal(bob.member.connected, false);
    assert.equal(hub.stats().connections, 1);
    assert.equal(alice.sink.of('leave')[0]?.name, 'bob');
  });

  it('a sink that calls disconnect from close (as the WebSocket server does) is fine', () => {
    const { connect, hub } = setup({ messagesPerSecond: 1000, burst: 1000 });
    const alice = connect('alice');
    const bob = connect('bob');
    bob.sink.capacity = 0;
    bob.sink.close = () => hub.disconnect(bob.member, 'socket closed');
    alice.sendRoom('lobby', 'hi');
    assert.deepEqual(alice.sink.of('leave').map((l) => [l.name, l.reason]), [['bob', 'slow consumer']]);
  });
});

describe('rate limits follow the key, not the connection', () => {
  it('reconnecting does not refill the bucket; it refills with time', () => {
    const { hub, connect, clock } = setup({ messagesPerSecond: 5, burst: 10 });
    const a1 = connect('alice');
    for (let i = 0; i < 10; i++) a1.sendRoom('lobby', `m${i}`);
    hub.disconnect(a1.member);
    const a2 = connect('alice');
    a2.sendRoom('lobby', 'again');
    assert.equal(a2.sink.of('error')[0]?.code, 'rate_limited');
    assert.equal(a2.sink.of('e2e_room').length, 0);
    clock.advance(200);
    a2.sendRoom('lobby', 'one more');
    assert.equal(a2.sink.of('e2e_room').length, 1);
  });

  it('a takeover (same name, same key) keeps the state too', () => {
    const { connect } = setup({ messagesPerSecond: 5, burst: 10 });
    const a1 = connect('alice');
    for (let i = 0; i < 10; i++) a1.sendRoom('lobby', `m${i}`);
    const a2 = connect('alice');
    a2.sendRoom('lobby', 'again');
    assert.equal(a2.sink.of('error')[0]?.code, 'rate_limited');
  });

  it('another name with the same key shares the bucket; another key does not', () => {
    const { connect } = setup({ messagesPerSecond: 5, burst: 10, maxNamesPerKey: 2 });
    const a = connect('alice', { key: 'k' });
    const b = connect('alice2', { key: 'k' });
    const c = connect('carol');
    for (let i = 0; i < 10; i++) a.sendRoom('lobby', `m${i}`);
    b.sendRoom('lobby', 'sneaky');
    c.sendRoom('lobby', 'hello');
    assert.equal(b.sink.of('error')[0]?.code, 'rate_limited');
    assert.equal(c.sink.of('error').length, 0);
    assert.equal(c.roomTexts().at(-1), 'hello');
  });

  it('a flooder that reconnects at once is disconnected again on its next refusal', () => {
    const { connect, clock } = setup({ floodDisconnectAfter: 5, floodWindowMs: 10_000 });
    const f1 = connect('flooder');
    for (let i = 0; i < 16; i++) f1.sendRoom('lobby', 'spam');
    assert.equal(f1.sink.closed?.code, 'rate_limited');
    const f2 = connect('flooder');
    f2.sendRoom('lobby', 'spam');
    assert.equal(f2.sink.closed?.code, 'rate_limited');
    // once the window is over and the bucket refilled, it starts afresh
    clock.advance(10_000);
    const f3 = connect('flooder');
    for (let i = 0; i < 10; i++) f3.sendRoom('lobby', 'calm');
    assert.equal(f3.sink.of('e2e_room').length, 10);
    assert.equal(f3.member.connected, true);
  });

  it('idle rate states are forgotten once they are as good as fresh', () => {
    const { hub, connect, clock } = setup({ maxConnections: 10 });
    for (let i = 0; i < 30; i++) {
      const c = connect(`user${i}`);
      c.sendRoom('lobby', 'hi');
      hub.disconnect(c.member);
    }
    const internal = (hub as unknown as { rates: { idleRates: Map<string, unknown>; rateStates: Map<string, unknown> } }).rates;
    assert.equal(internal.idleRates.size, 30);
    clock.advance(10_000);
    connect('late');
    assert.equal(internal.idleRates.size, 0);
    assert.equal(internal.rateStates.size, 1);
  });

  it('idle rate states are bounded in number (4 × maxConnections)', () => {
    const { hub, connect } = setup({ maxConnections: 2 });
    for (let i = 0; i < 100; i++) hub.disconnect(connect(`user${i}`).member);
    const internal = (hub as unknown as { rates: { idleRates: Map<string, unknown>; rateStates: Map<string, unknown> } }).rates;
    assert.ok(internal.idleRates.size <= 9, String(internal.idleRates.size));
    assert.equal(internal.rateStates.size, internal.idleRates.size);
  });
});
