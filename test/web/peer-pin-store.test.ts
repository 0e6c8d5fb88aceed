/** The browser's peer pins (IndexedDbPinStore) on an in-memory KeyValueStore, driven through src/e2e's PeerPins. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PeerPins, type PinRecord } from '../../src/e2e/peer-pins.js';
import { memoryStore, type KeyValueStore } from '../../src/web/kv.js';
import { IndexedDbPinStore, parsePinRecord, peerPinsKey } from '../../src/web/peer-pin-store.js';

const A = 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
const B = 'SHA256:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB';
const S1 = 'ws://h:1/';

/** A store that counts puts. */
function counting(): KeyValueStore & { puts: number } {
  const inner = memoryStore();
  const s = { puts: 0, get: inner.get, delete: inner.delete, put: async (k: string, v: unknown) => (s.puts++, inner.put(k, v)) };
  return s;
}

describe('IndexedDbPinStore', () => {
  it('a pin, a key change and a /trust survive a reload', async () => {
    const store = memoryStore();
    const s1 = await IndexedDbPinStore.load(store, S1);
    const p1 = new PeerPins(s1, () => 5);
    assert.equal(p1.check('bob', A).status, 'new');
    await s1.flushed();
    const p2 = new PeerPins(await IndexedDbPinStore.load(store, S1));
    assert.deepEqual(p2.status('bob'), { pinned: A, verified: false, blocked: false, presented: null });
    const c = p2.check('bob', B);
    assert.equal(c.status, 'changed');
    assert.ok(c.status === 'changed' && c.event !== null, 'reported once');
    await new Promise((r) => setImmediate(r));
    // after a reload: still blocked, and the change is not reported a second time
    const s3 = await IndexedDbPinStore.load(store, S1);
    const p3 = new PeerPins(s3);
    assert.equal(p3.status('bob').blocked, true);
    const again = p3.check('bob', B);
    assert.ok(again.status === 'changed' && again.event === null);
    p3.markVerified('bob', B);
    await s3.flushed();
    assert.deepEqual(new PeerPins(await IndexedDbPinStore.load(store, S1)).status('bob'), { pinned: B, verified: true, blocked: false, presented: null });
  });

  it('pins are per server', async () => {
    const store = memoryStore();
    const s1 = await IndexedDbPinStore.load(store, S1);
    new PeerPins(s1).check('bob', A);
    await s1.flushed();
    assert.equal(new PeerPins(await IndexedDbPinStore.load(store, 'ws://h:2/')).check('bob', B).status, 'new');
  });

  it('a burst of changes is written once, in one record; a name like __proto__ is kept as data', async () => {
    const store = counting();
    const s = await IndexedDbPinStore.load(store, S1);
    const pins = new PeerPins(s);
    for (let i = 0; i < 50; i++) pins.check(`u${i}`, A);
    pins.check('__proto__', B);
    await s.flushed();
    assert.equal(store.puts, 1);
    const back = await IndexedDbPinStore.load(store, S1);
    assert.equal(back.names().length, 51);
    assert.equal(back.get('__proto__')?.fingerprint, B);
    assert.equal(back.dropped, 0);
  });

  it('a failed write is kept in storeError; the pins still hold for the page', async () => {
    const store: KeyValueStore = { get: async () => undefined, put: async () => Promise.reject(new Error('quota')), delete: async () => undefined };
    const s = await IndexedDbPinStore.load(store, S1);
    new PeerPins(s).check('bob', A);
    await s.flushed();
    assert.match(String(s.storeError), /quota/);
    assert.equal(s.get('bob')?.fingerprint, A);
  });

  it('what is read back is validated: malformed entries are dropped, never trusted', async () => {
    const good: PinRecord = { fingerprint: A, verified: true, since: 1 };
    const store = memoryStore();
    await store.put(peerPinsKey(S1), {
      version: 1,
      pins: [
        ['ok', good],
        ['bad name', good],
        ['ok', { ...good, fingerprint: B }], // a duplicate: the first one counts
        ['nofp', { ...good, fingerprint: 'SHA256:short' }],
        'not a pair',
        ['x', null],
      ],
    });
    const s = await IndexedDbPinStore.load(store, S1);
    assert.deepEqual(s.names(), ['ok']);
    assert.deepEqual(s.get('ok'), good);
    assert.equal(s.dropped, 5);
    for (const junk of ['junk', { version: 2, pins: [['ok', good]] }, { version: 1, pins: { ok: good } }]) {
      await store.put(peerPinsKey(S1), junk);
      const j = await IndexedDbPinStore.load(store, S1);
      assert.deepEqual(j.names(), [], JSON.stringify(junk));
    }
  });

  it('at most maxPins names are kept', async () => {
    const store = memoryStore();
    await store.put(peerPinsKey(S1), { version: 1, pins: Array.from({ length: 5 }, (_, i) => [`u${i}`, { fingerprint: A, verified: false, since: 0 }]) });
    const s = await IndexedDbPinStore.load(store, S1, { maxPins: 3 });
    assert.deepEqual(s.names(), ['u0', 'u1', 'u2']);
    assert.equal(s.dropped, 2);
  });
});

describe('parsePinRecord', () => {
  const good = { fingerprint: A, verified: false, since: 10 };
  const cases: [string, unknown, boolean][] = [
    ['a good record', good, true],
    ['with a presented key', { ...good, presented: B }, true],
    ['presented equal to the pin', { ...good, presented: A }, false],
    ['a malformed presented key', { ...good, presented: 'B' }, false],
    ['no fingerprint', { verified: false, since: 1 }, false],
    ['verified not a boolean', { ...good, verified: 'yes' }, false],
    ['since negative', { ...good, since: -1 }, false],
    ['since not finite', { ...good, since: Infinity }, false],
    ['null', null, false],
    ['a string', A, false],
  ];
  for (const [what, v, ok] of cases) {
    it(`${what}: ${ok ? 'kept' : 'dropped'}`, () => {
      assert.equal(parsePinRecord(v) !== undefined, ok);
    });
  }
  it('keeps only the known fields', () => {
    assert.deepEqual(parsePinRecord({ ...good, extra: 1 }), good);
  });
});
