/**
 * A 200-member room through the relay: everyone joins, two members speak, every other member
 * reads each message verified; the sender's cost per message does not grow with the room (one
 * payload after the first); a leave makes each remaining sender rotate once, and the leaver reads
 * nothing after it.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RsaPrivateKey } from '../../src/rsa/index.js';
import { identities } from './helpers.js';
import { Relay } from './relay.js';

const N = 200;
let keys: RsaPrivateKey[];
before(async () => {
  keys = await identities(N);
});

describe('E2ESession: a room of 200', () => {
  it('joins, messages, a leave and rotation', () => {
    const r = new Relay();
    const names = Array.from({ length: N }, (_, i) => `m${String(i).padStart(3, '0')}`);
    names.forEach((n, i) => r.add(n, keys[i]!));
    for (const n of names) r.join(n, 'big');

    const first = r.say('m000', 'big', 'hello 200');
    assert.equal(first.send.filter((s) => s.t === 'e2e_to').length, N - 1, 'one distribution per other member');
    const second = r.say('m000', 'big', 'again');
    assert.deepEqual(second.send.map((s) => s.t), ['e2e_room'], 'then one payload per message, whatever the size');
    r.say('m199', 'big', 'from the last');
    for (const n of names.slice(1)) {
      const got = r.roomMessages(n).filter((m) => m.from === 'm000');
      assert.deepEqual(got.map((m) => [m.text, m.verified]), [['hello 200', true], ['again', true]], n);
    }
    for (const n of names.slice(0, -1)) assert.equal(r.roomMessages(n).filter((m) => m.from === 'm199' && m.verified).length, 1, n);

    const bobKeys = r.deliveries('m100', 'e2e_to').length;
    const keptBy100 = r.client('m100').session; // the leaver's client keeps its state (it is malicious)
    r.rooms.get('big')!.delete('m100');
    for (const n of names) if (n !== 'm100') r.run(n, r.client(n).session.memberLeft('big', 'm100'));
    const after = r.say('m000', 'big', 'without m100');
    assert.equal(after.send.filter((s) => s.t === 'e2e_to').length, N - 2, 'a new chain for the 198 who remain');
    assert.equal(r.deliveries('m100', 'e2e_to').length, bobKeys, 'no key to the leaver');
    const msg = r.deliveries('m001', 'e2e_room').at(-1)!;
    assert.equal(keptBy100.receiveRoom(msg.ev).received[0]!.code, 'e2e_unknown_sender_key');
    assert.equal(r.roomMessages('m001').at(-1)!.text, 'without m100');
  });
});
