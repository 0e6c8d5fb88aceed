/** Chat options: defaults, overrides, and validation of every kind of bad value. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChatHub, ChatOptionsError, DEFAULT_CHAT_OPTIONS, MemoryNameRegistry, resolveOptions } from '../../src/chat/index.js';
import { FakeSink, fp } from './helpers.js';

describe('chat options', () => {
  it('defaults are safe and documented values', () => {
    const o = resolveOptions();
    assert.deepEqual(o, DEFAULT_CHAT_OPTIONS);
    assert.equal(o.maxMessageLength, 4000);
    assert.equal(o.messagesPerSecond, 5);
    assert.equal(o.burst, 10);
    assert.equal(o.maxQueuedEvents, 1000);
    assert.equal(o.maxNamesPerKey, 1);
    assert.equal(o.newNamesPerSourcePerHour, 20);
    assert.equal(o.newNamesPerSourceBurst, 20);
    assert.equal(o.maxRegisteredNames, 100_000);
    assert.ok(Object.isFrozen(o));
    assert.ok(Object.isFrozen(DEFAULT_CHAT_OPTIONS));
  });

  it('overrides; undefined means the default', () => {
    const o = resolveOptions({ maxMessageLength: 100, messagesPerSecond: 0.5, burst: undefined, serverFingerprint: fp('s') });
    assert.equal(o.maxMessageLength, 100);
    assert.equal(o.messagesPerSecond, 0.5);
    assert.equal(o.burst, 10);
    assert.equal(o.serverFingerprint, fp('s'));
  });

  const BAD: [string, Record<string, unknown>, RegExp][] = [
    ['unknown option (typo)', { maxMesageLength: 10 }, /maxMesageLength: unknown option/],
    ['string number', { burst: '10' }, /burst: expected a finite number, got "10"/],
    ['NaN', { messagesPerSecond: NaN }, /messagesPerSecond: expected a finite number/],
    ['Infinity', { maxConnections: Infinity }, /maxConnections: expected a finite number/],
    ['null', { maxRooms: null }, /maxRooms: expected a finite number, got null/],
    ['zero', { maxMessageLength: 0 }, /maxMessageLength: 0 is out of range/],
    ['negative', { maxConnections: -1 }, /maxConnections: -1 is out of range/],
    ['zero rate', { messagesPerSecond: 0 }, /messagesPerSecond: 0 is out of range/],
    ['fractional burst', { burst: 2.5 }, /burst: expected an integer/],
    ['fractional queue', { maxQueuedEvents: 1.5 }, /maxQueuedEvents: expected an integer/],
    ['absurd size', { maxMessageLength: 1e9 }, /out of range/],
    ['fingerprint type', { serverFingerprint: 5 }, /serverFingerprint: expected a string/],
    ['fingerprint with space', { serverFingerprint: 'SHA256: x' }, /serverFingerprint/],
    ['zero flood limit', { floodDisconnectAfter: 0 }, /floodDisconnectAfter/],
    ['zero rooms per user', { maxRoomsPerUser: 0 }, /maxRoomsPerUser/],
    ['zero names per key', { maxNamesPerKey: 0 }, /maxNamesPerKey: 0 is out of range/],
    ['fractional names per key', { maxNamesPerKey: 1.5 }, /maxNamesPerKey: expected an integer/],
    ['zero new names per hour', { newNamesPerSourcePerHour: 0 }, /newNamesPerSourcePerHour: 0 is out of range/],
    ['zero new-name burst', { newNamesPerSourceBurst: 0 }, /newNamesPerSourceBurst/],
    ['zero registered names', { maxRegisteredNames: 0 }, /maxRegisteredNames/],
    ['absurd registry', { maxRegisteredNames: 1e12 }, /maxRegisteredNames: 1000000000000 is out of range/],
  ];
  for (const [label, opts, re] of BAD) {
    it(`refuses ${label}`, () => {
      assert.throws(
        () => resolveOptions(opts as never),
        (e: unknown) => e instanceof ChatOptionsError && re.test(e.message) && typeof e.option === 'string',
      );
    });
  }

  it('refuses a non-object', () => {
    assert.throws(() => resolveOptions(null as never), ChatOptionsError);
    assert.throws(() => resolveOptions([] as never), ChatOptionsError);
  });

  it('the hub validates its options and tells members the public limits', () => {
    assert.throws(() => new ChatHub({ burst: 0 }, new MemoryNameRegistry()), ChatOptionsError);
    const hub = new ChatHub({ maxMessageLength: 280, messagesPerSecond: 1, burst: 3, commandBurst: 7, maxRoomsPerUser: 4 }, new MemoryNameRegistry());
    const s = new FakeSink();
    assert.ok(hub.connect({ name: 'alice', fingerprint: fp('alice') }, s).ok);
    assert.deepEqual(s.of('ready')[0]!.limits, { maxMessageLength: 280, messagesPerSecond: 1, burst: 3, commandsPerSecond: 10, commandBurst: 7, maxRoomsPerUser: 4 });
    assert.equal(hub.options.maxMessageLength, 280);
  });
});
