/** What the page remembers across a reload (memory.ts): per server and identity, validated when read back. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { memoryStore } from '../../src/web/kv.js';
import { MAX_REMEMBERED, Memory, memoryKey, parseRemembered } from '../../src/web/memory.js';

const limits = { maxMessageLength: 4000, messagesPerSecond: 5, burst: 10 };

describe('Memory', () => {
  it('saves and loads rooms, threads, the current conversation and limits, per server and per identity', async () => {
    const store = memoryStore();
    const m = await Memory.load(store, 'ws://h:1/', 'SHA256:a');
    assert.deepEqual(m.remembered, { rooms: [], directs: [] });
    await m.save({ rooms: ['lobby', 'dev'], directs: ['bob'], current: 'room:dev', limits });
    assert.deepEqual((await Memory.load(store, 'ws://h:1/', 'SHA256:a')).remembered, { rooms: ['lobby', 'dev'], directs: ['bob'], current: 'room:dev', limits });
    assert.deepEqual((await Memory.load(store, 'ws://h:2/', 'SHA256:a')).remembered, { rooms: [], directs: [] }, 'another server');
    assert.deepEqual((await Memory.load(store, 'ws://h:1/', 'SHA256:b')).remembered, { rooms: [], directs: [] }, 'another identity');
  });

  it('writes only when something changed, in order', async () => {
    const puts: unknown[] = [];
    const inner = memoryStore();
    const store = { ...inner, put: async (k: string, v: unknown) => (puts.push(structuredClone(v)), inner.put(k, v)) };
    const m = await Memory.load(store, 'ws://h/', 'SHA256:a');
    await Promise.all([m.save({ rooms: ['a'], directs: [] }), m.save({ rooms: ['a'], directs: [] }), m.save({ rooms: ['a', 'b'], directs: [] })]);
    assert.deepEqual(puts, [{ rooms: ['a'], directs: [] }, { rooms: ['a', 'b'], directs: [] }]);
    assert.deepEqual(await inner.get(memoryKey('ws://h/', 'SHA256:a')), { rooms: ['a', 'b'], directs: [] });
  });

  it('a failing store is recorded, not thrown', async () => {
    const store = { ...memoryStore(), put: async () => Promise.reject(new Error('quota')) };
    const m = await Memory.load(store, 'ws://h/', 'SHA256:a');
    await m.save({ rooms: ['a'], directs: [] });
    assert.match(String(m.storeError), /quota/);
  });
});

describe('parseRemembered', () => {
  const cases: [string, unknown, object][] = [
    ['not an object', 'x', { rooms: [], directs: [] }],
    ['invalid names dropped, duplicates too', { rooms: ['ok', 'bad room', 7, 'ok'], directs: ['b\u202e', 'bob'] }, { rooms: ['ok'], directs: ['bob'] }],
    ['a current conversation that is not listed is dropped', { rooms: ['a'], directs: [], current: 'room:zzz' }, { rooms: ['a'], directs: [] }],
    ['a listed current conversation is kept', { rooms: [], directs: ['bob'], current: 'dm:bob' }, { rooms: [], directs: ['bob'], current: 'dm:bob' }],
    ['malformed limits are dropped', { rooms: [], directs: [], limits: { maxMessageLength: -1, messagesPerSecond: 5, burst: 10 } }, { rooms: [], directs: [] }],
    ['valid limits are kept', { rooms: [], directs: [], limits }, { rooms: [], directs: [], limits }],
  ];
  for (const [what, input, want] of cases) it(what, () => assert.deepEqual(parseRemembered(input), want));

  it(`at most ${MAX_REMEMBERED} of each`, () => {
    const many = Array.from({ length: MAX_REMEMBERED + 5 }, (_, i) => `r${i}`);
    assert.equal(parseRemembered({ rooms: many, directs: many }).rooms.length, MAX_REMEMBERED);
  });
});
