/** The remembered rooms until the server answered their rejoin (RoomsToRejoin). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChatEvent } from '../../src/chat/events.js';
import { RoomsToRejoin } from '../../src/web/rejoin.js';

const limits = { maxMessageLength: 10, messagesPerSecond: 5, burst: 10 };
const ready = (rooms: string[]): ChatEvent => ({ type: 'ready', name: 'alice', fingerprint: 'SHA256:a', serverFingerprint: 'SHA256:s', rooms, limits });
const join = (room: string, name = 'alice'): ChatEvent => ({ type: 'join', room, name, members: 1, ts: 1, fingerprint: 'SHA256:x' });
const refusal: ChatEvent = { type: 'error', code: 'room_limit', message: 'you are in 20 rooms', command: 'join' };

describe('RoomsToRejoin', () => {
  it('pending until joined; a refused rejoin is given up once every rejoin is answered', () => {
    const r = new RoomsToRejoin(['lobby', 'dev', 'ops']);
    assert.deepEqual(r.pending, ['lobby', 'dev', 'ops']);
    assert.deepEqual(r.apply(ready(['lobby']), 'alice', ['dev', 'ops']), []);
    assert.deepEqual(r.pending, ['dev', 'ops'], 'the room of ready is rejoined');
    assert.deepEqual(r.apply(join('dev', 'bob'), 'alice'), [], "someone else's join is no answer");
    assert.deepEqual(r.apply({ type: 'error', code: 'no_such_user', message: 'x', command: 'dm' }, 'alice'), []);
    assert.deepEqual(r.apply(join('DEV'), 'alice'), []);
    assert.deepEqual(r.pending, ['ops']);
    assert.deepEqual(r.apply(refusal, 'alice'), ['ops'], 'refused: given up');
    assert.deepEqual(r.pending, []);
    assert.deepEqual(r.apply(refusal, 'alice'), []);
  });

  it("the join into ready's own room, which follows ready, is no answer to a rejoin", () => {
    const r = new RoomsToRejoin(['dev']);
    r.apply(ready(['lobby']), 'alice', ['dev']);
    assert.deepEqual(r.apply(join('lobby'), 'alice'), []);
    assert.deepEqual(r.pending, ['dev'], 'still waiting for dev');
    assert.deepEqual(r.apply(join('dev'), 'alice'), []);
    assert.deepEqual(r.pending, []);
  });

  it('nothing to rejoin: settled at ready', () => {
    const r = new RoomsToRejoin(['lobby']);
    assert.deepEqual(r.apply(ready(['lobby']), 'alice', []), []);
    assert.deepEqual(r.pending, []);
  });

  it('a connection lost before the answers: the next ready starts the count again', () => {
    const r = new RoomsToRejoin(['dev', 'ops']);
    r.apply(ready(['lobby']), 'alice', ['dev', 'ops']);
    r.apply(join('dev'), 'alice');
    r.apply(ready(['lobby']), 'alice', ['dev', 'ops']);
    assert.deepEqual(r.pending, ['ops']);
    assert.deepEqual(r.apply(join('dev'), 'alice'), []);
    assert.deepEqual(r.apply(join('ops'), 'alice'), []);
    assert.deepEqual(r.pending, []);
  });
});
