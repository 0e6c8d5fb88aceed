/** Chat options: defaults, overrides, and validation of every kind of bad value. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChatHub, ChatOptionsError, DEFAULT_CHAT_OPTIONS, fitToEventBytes, MemoryNameRegistry, resolveOptions } from '../../src/chat/index.js';
import { FakeSink, fp, pk } from './helpers.js';

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
    assert.equal(o.keysPerSecond, 100);
    assert.equal(o.keysBurst, 1000);
    assert.equal(o.maxPayloadBytes, 32_768);
    assert.equal(o.maxKeysPayloadBytes, 2048);
    assert.equal(o.maxBundleBytes, 4096);
    assert.equal(o.maxBundleGet, 256);
    assert.equal(o.maxOfflineBundles, 1000);
    assert.equal(o.maxEventBytes, 65_536 - 25, 'a 64 KiB frame less its 9-byte header and 16-byte tag');
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
    ['zero keys rate', { keysPerSecond: 0 }, /keysPerSecond: 0 is out of range/],
    ['fractional keys burst', { keysBurst: 1.5 }, /keysBurst: expected an integer/],
    ['tiny payload limit', { maxPayloadBytes: 10 }, /maxPayloadBytes: 10 is out of range/],
    ['tiny bundle limit', { maxBundleBytes: 10 }, /maxBundleBytes: 10 is out of range/],
    ['tiny keys payload limit', { maxKeysPayloadBytes: 0 }, /maxKeysPayloadBytes: 0 is out of range/],
    ['key distributions whose events do not fit', { maxKeysPayloadBytes: 60_000 }, /maxKeysPayloadBytes: 60000 makes events over maxEventBytes/],
    ['zero bundle_get', { maxBundleGet: 0 }, /maxBundleGet: 0 is out of range/],
    ['negative offline bundles', { maxOfflineBundles: -1 }, /maxOfflineBundles: -1 is out of range/],
    ['tiny events', { maxEventBytes: 1000 }, /maxEventBytes: 1000 is out of range/],
    ['payloads whose events do not fit', { maxPayloadBytes: 60_000 }, /maxPayloadBytes: 60000 makes events over maxEventBytes \(65511\); at most 48567 fits/],
    ['payloads that do not fit smaller events', { maxEventBytes: 8192 }, /maxPayloadBytes: 32768 makes events over maxEventBytes \(8192\)/],
    ['bundles that do not fit', { maxBundleBytes: 60_000 }, /maxBundleBytes: 60000 makes events over maxEventBytes/],
    ['a bundle_get whose unknown list does not fit', { maxBundleGet: 5000 }, /maxBundleGet: 5000 makes events over maxEventBytes \(65511\); at most 1870 fits/],
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
    assert.ok(hub.connect({ name: 'alice', fingerprint: fp('alice'), publicKey: pk('alice') }, s).ok);
    assert.deepEqual(s.of('ready')[0]!.limits, {
      maxMessageLength: 280,
      messagesPerSecond: 1,
      burst: 3,
      commandsPerSecond: 10,
      commandBurst: 7,
      maxRoomsPerUser: 4,
      keysPerSecond: 100,
      keysBurst: 1000,
      maxPayloadBytes: 32_768,
      maxKeysPayloadBytes: 2048,
      maxBundleBytes: 4096,
      maxBundleGet: 256,
    });
    assert.equal(hub.options.maxMessageLength, 280);
  });

  it('fitToEventBytes: the transport\'s event size, and the end-to-end limits lowered to fit unless given', () => {
    // a 16 KiB frame (the smallest a test server uses): the defaults would not fit
    const small = resolveOptions(fitToEventBytes({}, 16 * 1024 - 25));
    assert.equal(small.maxEventBytes, 16_359);
    assert.ok(small.maxPayloadBytes < 32_768 && small.maxPayloadBytes > 11_000, String(small.maxPayloadBytes));
    assert.equal(small.maxBundleBytes, 4096, 'fits as it is');
    assert.equal(small.maxBundleGet, 256);
    // resolveOptions accepts exactly the fitted payload limit, and refuses one byte more
    assert.throws(() => resolveOptions({ maxEventBytes: small.maxEventBytes, maxPayloadBytes: small.maxPayloadBytes + 1 }), /maxPayloadBytes/);
    assert.equal(resolveOptions({ maxEventBytes: small.maxEventBytes, maxPayloadBytes: small.maxPayloadBytes }).maxPayloadBytes, small.maxPayloadBytes);
    // the default frame: the defaults unchanged; given values kept (and checked)
    assert.deepEqual(resolveOptions(fitToEventBytes({}, 65_511)), DEFAULT_CHAT_OPTIONS);
    assert.equal(resolveOptions(fitToEventBytes({ maxPayloadBytes: 1000 }, 16_359)).maxPayloadBytes, 1000);
    assert.throws(() => resolveOptions(fitToEventBytes({ maxPayloadBytes: 32_768 }, 16_359)), ChatOptionsError);
  });
});
