/**
 * The bundle directory through the hub: bundle_put binds a bundle to the caller's name and key,
 * bundle_get hands out keys, fingerprints and bundles (split over events that fit a frame), and a
 * name that changes key loses its old bundle. And the fingerprints on join and who.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryNameRegistry } from '../../src/chat/index.js';
import type { BundleEntry, ServerEvent } from '../../src/chat/events.js';
import { bundlesEvents } from '../../src/chat/e2e-commands.js';
import { FakeSink, fp, opaque, pk, setup } from './helpers.js';

type Bundles = Extract<ServerEvent, { type: 'bundles' }>;

/** bundle_get `names` as `c`, and the answer's events (cleared from its sink). */
function get(c: { send(r: unknown): void; sink: FakeSink }, names: unknown[]): Bundles[] {
  c.sink.clear();
  c.send({ t: 'bundle_get', names });
  assert.deepEqual(c.sink.of('error'), []);
  return c.sink.of('bundles');
}

describe('bundle_put and bundle_get', () => {
  it('round trip: a bundle comes back bound to its owner\'s name, identity key and fingerprint; null before a put', () => {
    const { connect } = setup();
    const alice = connect('Alice');
    const bob = connect('bob');
    const before = get(bob, ['alice', 'bob']);
    assert.deepEqual(before, [
      {
        type: 'bundles',
        bundles: [
          { name: 'Alice', key: pk('Alice'), fingerprint: fp('Alice'), bundle: null },
          { name: 'bob', key: pk('bob'), fingerprint: fp('bob'), bundle: null },
        ],
        unknown: [],
        more: false,
      },
    ]);
    alice.send({ t: 'bundle_put', bundle: opaque('alice bundle v1') });
    assert.deepEqual(alice.sink.of('error'), [], 'a put is answered with nothing but errors');
    const [ev] = get(bob, ['ALICE']);
    assert.deepEqual(ev!.bundles, [{ name: 'Alice', key: pk('Alice'), fingerprint: fp('Alice'), bundle: opaque('alice bundle v1') }]);
    assert.deepEqual(Object.keys(ev!.bundles[0]!), ['name', 'key', 'fingerprint', 'bundle']);
    // a second put replaces the first
    alice.send({ t: 'bundle_put', bundle: opaque('alice bundle v2') });
    assert.equal(get(bob, ['alice'])[0]!.bundles[0]!.bundle, opaque('alice bundle v2'));
    // one's own entry too
    assert.equal(get(alice, ['alice'])[0]!.bundles[0]!.bundle, opaque('alice bundle v2'));
  });

  it('a put binds to the caller only: fields naming someone else are ignored', () => {
    const { connect } = setup();
    const alice = connect('alice');
    const mallory = connect('mallory');
    alice.send({ t: 'bundle_put', bundle: opaque('alice') });
    mallory.send({ t: 'bundle_put', bundle: opaque('forged'), name: 'alice', fingerprint: fp('alice'), key: pk('alice') });
    const [ev] = get(alice, ['alice', 'mallory']);
    assert.deepEqual(ev!.bundles.map((b) => [b.name, b.bundle, b.key]), [
      ['alice', opaque('alice'), pk('alice')],
      ['mallory', opaque('forged'), pk('mallory')],
    ]);
  });

  it('names the server knows no key for are listed in unknown; duplicates (any case) are answered once, in request order', () => {
    const names = new MemoryNameRegistry();
    names.seed({ name: 'offline', fingerprint: fp('offline'), createdAt: 1 }); // registered, never connected to this hub
    const { connect } = setup({}, names);
    const alice = connect('alice');
    connect('bob');
    const [ev] = get(alice, ['bob', 'nobody', 'BOB', 'offline', 'Bob', 'alice', 'NOBODY']);
    assert.deepEqual(ev!.bundles.map((b) => b.name), ['bob', 'alice']);
    assert.deepEqual(ev!.unknown, ['nobody', 'offline']);
    assert.equal(ev!.more, false);
  });

  it('a bundle survives its owner\'s reconnections (a disconnect, a takeover) with the same key', () => {
    const { connect, hub } = setup();
    const alice = connect('alice');
    const bob = connect('bob');
    alice.send({ t: 'bundle_put', bundle: opaque('kept') });
    hub.disconnect(alice.member);
    assert.equal(get(bob, ['alice'])[0]!.bundles[0]!.bundle, opaque('kept'), 'offline: still handed out');
    const again = connect('alice');
    assert.equal(get(bob, ['alice'])[0]!.bundles[0]!.bundle, opaque('kept'));
    connect('alice'); // a takeover by the same key
    assert.equal(again.sink.closed?.code, 'replaced');
    assert.equal(get(bob, ['alice'])[0]!.bundles[0]!.bundle, opaque('kept'));
  });

  it('a name handed to a new key (parley names release) loses the old key\'s bundle; the new key is handed out', () => {
    const { connect, hub, names } = setup();
    const alice = connect('alice', { key: 'old' });
    const bob = connect('bob');
    alice.send({ t: 'bundle_put', bundle: opaque('old key bundle') });
    hub.disconnect(alice.member);
    names.release('alice');
    // released, not yet claimed: the old key's entry is forgotten, not handed out
    assert.deepEqual(get(bob, ['alice'])[0], { type: 'bundles', bundles: [], unknown: ['alice'], more: false });
    connect('alice', { key: 'new' });
    assert.deepEqual(get(bob, ['alice'])[0]!.bundles, [{ name: 'alice', key: pk('new'), fingerprint: fp('new'), bundle: null }]);
  });

  it('a new key claiming a released name while the old entry waits offline replaces it at once', () => {
    const { connect, hub, names } = setup();
    const alice = connect('alice', { key: 'old' });
    const bob = connect('bob');
    alice.send({ t: 'bundle_put', bundle: opaque('old') });
    hub.disconnect(alice.member);
    names.release('alice');
    const fresh = connect('alice', { key: 'new' });
    assert.deepEqual(get(bob, ['alice'])[0]!.bundles, [{ name: 'alice', key: pk('new'), fingerprint: fp('new'), bundle: null }]);
    fresh.send({ t: 'bundle_put', bundle: opaque('new') });
    assert.equal(get(bob, ['alice'])[0]!.bundles[0]!.bundle, opaque('new'));
  });

  it('entries of names with nobody connected are bounded (maxOfflineBundles): the longest gone is forgotten', () => {
    const { connect, hub } = setup({ maxOfflineBundles: 2 });
    const watcher = connect('watcher');
    for (const n of ['u1', 'u2', 'u3']) {
      const c = connect(n);
      c.send({ t: 'bundle_put', bundle: opaque(n) });
      hub.disconnect(c.member);
    }
    const [ev] = get(watcher, ['u1', 'u2', 'u3']);
    assert.deepEqual(ev!.bundles.map((b) => b.bundle), [opaque('u2'), opaque('u3')]);
    assert.deepEqual(ev!.unknown, ['u1']);
    // 0: a bundle lives only while its owner is connected
    const zero = setup({ maxOfflineBundles: 0 });
    const w = zero.connect('w');
    const c = zero.connect('c');
    c.send({ t: 'bundle_put', bundle: opaque('c') });
    zero.hub.disconnect(c.member);
    assert.deepEqual(get(w, ['c'])[0]!.unknown, ['c']);
  });

  it('bundle_get and bundle_put draw from the command bucket', () => {
    const { connect } = setup({ commandsPerSecond: 1, commandBurst: 2 });
    const alice = connect('alice');
    alice.sink.clear();
    alice.send({ t: 'bundle_put', bundle: opaque('b') });
    alice.send({ t: 'bundle_get', names: ['alice'] });
    alice.send({ t: 'bundle_get', names: ['alice'], ref: 'g2' });
    assert.deepEqual(alice.sink.events.map((e) => (e.type === 'error' ? [e.code, e.command, e.ref] : e.type)), ['bundles', ['rate_limited', 'bundle_get', 'g2']]);
  });

  it('a registry that fails: registry_unavailable (retryable), no throw', () => {
    const { connect, hub, names } = setup();
    const alice = connect('alice');
    const bob = connect('bob');
    hub.disconnect(bob.member); // bob's entry is offline: looking it up asks the registry
    names.lookup = () => {
      throw new Error('disk on fire');
    };
    alice.sink.clear();
    assert.doesNotThrow(() => alice.send({ t: 'bundle_get', names: ['bob'] }));
    assert.equal(alice.sink.of('error')[0]?.code, 'registry_unavailable');
  });
});

describe('bundles events fit in a frame', () => {
  const entry = (i: number, bundleBytes: number): BundleEntry => ({
    name: `user${i}`,
    key: pk(`user${i}`),
    fingerprint: fp(`user${i}`),
    bundle: bundleBytes > 0 ? Buffer.alloc(bundleBytes, i).toString('base64') : null,
  });

  it('256 bundles of 4096 bytes over 64 KiB events: every event within maxEventBytes, in order, each name once, more on all but the last', () => {
    const max = 65_511;
    const found = Array.from({ length: 250 }, (_, i) => entry(i, i % 7 === 0 ? 0 : 4096));
    const unknown = ['gone1', 'gone2', 'x'.repeat(32)];
    const events = bundlesEvents(found, unknown, max) as Bundles[];
    assert.ok(events.length > 10, String(events.length));
    for (const [i, e] of events.entries()) {
      assert.ok(JSON.stringify(e).length <= max, `event ${i}: ${JSON.stringify(e).length} bytes`);
      assert.equal(e.more, i < events.length - 1);
      assert.deepEqual(e.unknown, i === events.length - 1 ? unknown : []);
      assert.ok(e.bundles.length > 0 || i === events.length - 1);
    }
    assert.deepEqual(events.flatMap((e) => e.bundles), found);
  });

  it('the smallest events the options allow still carry the largest bundle and the longest unknown list', async () => {
    const { resolveOptions } = await import('../../src/chat/index.js');
    const o = resolveOptions({ maxEventBytes: 4096, maxBundleBytes: 256, maxPayloadBytes: 256, maxBundleGet: 50 });
    const big = { name: 'x'.repeat(32), key: Buffer.alloc(1024, 1).toString('base64'), fingerprint: '"'.repeat(256), bundle: Buffer.alloc(o.maxBundleBytes, 2).toString('base64') };
    const unknown = Array.from({ length: o.maxBundleGet }, (_, i) => `${'n'.repeat(29)}${String(i).padStart(3, '0')}`);
    const events = bundlesEvents([big, big, big], unknown, o.maxEventBytes) as Bundles[];
    for (const e of events) assert.ok(JSON.stringify(e).length <= o.maxEventBytes, `${JSON.stringify(e).length} bytes`);
    assert.equal(events.flatMap((e) => e.bundles).length, 3);
    assert.deepEqual(events.at(-1)!.unknown, unknown);
  });

  it('through the hub: a bundle_get of 200 members with big bundles, on small events, arrives complete', () => {
    const { connect } = setup({ maxConnections: 500, maxEventBytes: 16_359, maxPayloadBytes: 8192 });
    const members = Array.from({ length: 200 }, (_, i) => connect(`m${i}`));
    for (const m of members) m.send({ t: 'bundle_put', bundle: Buffer.alloc(4096, 3).toString('base64') });
    const asker = connect('asker');
    const events = get(asker, [...members.map((m) => m.member.name), 'ghost']);
    assert.ok(events.length >= 200 / 3, `${events.length} events`);
    for (const e of events) assert.ok(JSON.stringify(e).length <= 16_359);
    assert.deepEqual(events.flatMap((e) => e.bundles.map((b) => b.name)), members.map((m) => m.member.name));
    assert.deepEqual(events.flatMap((e) => e.unknown), ['ghost']);
  });
});

describe('fingerprints on join and who', () => {
  it('every join notice carries the joining member\'s fingerprint, to every member of the room', () => {
    const { connect } = setup();
    const alice = connect('alice');
    alice.sink.clear();
    const bob = connect('bob', { key: 'bobs-key' });
    bob.send({ t: 'join', room: 'dev' });
    const joins = [...alice.sink.of('join'), ...bob.sink.of('join')];
    assert.deepEqual(joins.map((j) => [j.room, j.name, j.fingerprint]), [
      ['lobby', 'bob', fp('bobs-key')],
      ['lobby', 'bob', fp('bobs-key')],
      ['dev', 'bob', fp('bobs-key')],
    ]);
  });

  it('who maps every member to its fingerprint — "__proto__" and "constructor" are names like any other', () => {
    const { connect } = setup();
    const a = connect('__proto__');
    connect('constructor');
    connect('toString');
    a.sink.clear();
    a.send({ t: 'who', room: 'lobby' });
    const [w] = a.sink.of('who');
    assert.deepEqual(w!.members, ['__proto__', 'constructor', 'toString']);
    assert.ok(Object.hasOwn(w!.fingerprints, '__proto__'), 'an own property, not the prototype');
    assert.equal(Object.getPrototypeOf(w!.fingerprints), Object.prototype);
    // what the client parses: the same three own entries
    const parsed = JSON.parse(JSON.stringify(w)) as { fingerprints: Record<string, string> };
    assert.deepEqual(Object.entries(parsed.fingerprints), [
      ['__proto__', fp('__proto__')],
      ['constructor', fp('constructor')],
      ['toString', fp('toString')],
    ]);
  });
});
