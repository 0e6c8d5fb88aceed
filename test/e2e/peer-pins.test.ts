/**
 * Peer pins: first contact pins, a different key is a change (reported once, with pinned and
 * presented), trust accepts it for an unverified peer but not for a verified one, verification
 * marks the key the user compared, and the store interface is all it uses.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryPinStore, PeerPins, type PinRecord, type PinStore } from '../../src/e2e/peer-pins.js';
import { throwsCode } from './helpers.js';

const A = `SHA256:${'A'.repeat(43)}`;
const B = `SHA256:${'B'.repeat(43)}`;
const C = `SHA256:${'C'.repeat(43)}`;

describe('PeerPins', () => {
  it('new, then match; another key is changed with a peer_key_changed event the first time only', () => {
    const p = new PeerPins(new MemoryPinStore(), () => 5);
    assert.deepEqual(p.check('bob', A), { status: 'new', fingerprint: A });
    assert.deepEqual(p.check('bob', A), { status: 'match', fingerprint: A, verified: false });
    const ch = p.check('bob', B);
    assert.equal(ch.status, 'changed');
    assert.deepEqual(ch.status === 'changed' && ch.event, { type: 'peer_key_changed', name: 'bob', pinned: A, presented: B });
    const again = p.check('bob', B);
    assert.equal(again.status === 'changed' && again.event, null);
    assert.deepEqual(p.status('bob'), { pinned: A, verified: false, blocked: true, presented: B });
    assert.equal(p.isAccepted('bob', B), false);
    assert.equal(p.isAccepted('bob', A), true);
  });

  it('trust accepts the presented key of an unverified peer', () => {
    const p = new PeerPins();
    p.check('bob', A);
    p.check('bob', B);
    assert.equal(p.trust('bob'), B);
    assert.deepEqual(p.status('bob'), { pinned: B, verified: false, blocked: false, presented: null });
    throwsCode(() => p.trust('bob'), 'e2e_invalid_argument');
  });

  it('a verified peer whose key changes stays blocked: trust refuses (e2e_verify_required), only verifying the new key unblocks', () => {
    const p = new PeerPins();
    p.check('bob', A);
    p.markVerified('bob', A);
    p.check('bob', B);
    throwsCode(() => p.trust('bob'), 'e2e_verify_required');
    assert.equal(p.status('bob').blocked, true);
    p.markVerified('bob', A); // verifying the old key again does not unblock
    assert.equal(p.status('bob').blocked, true);
    throwsCode(() => p.markVerified('bob', C), 'e2e_invalid_argument');
    p.markVerified('bob', B);
    assert.deepEqual(p.status('bob'), { pinned: B, verified: true, blocked: false, presented: null });
  });

  it('unverify clears the mark; unknown names have an empty status; malformed fingerprints are refused', () => {
    const p = new PeerPins();
    p.check('bob', A);
    p.markVerified('bob', A);
    p.unverify('bob');
    assert.equal(p.status('bob').verified, false);
    assert.deepEqual(p.status('nobody'), { pinned: null, verified: false, blocked: false, presented: null });
    throwsCode(() => p.check('bob', 'SHA256:short'), 'e2e_invalid_argument');
  });

  it('uses only its PinStore (a store shared by two instances sees the same pins)', () => {
    const calls: string[] = [];
    const inner = new MemoryPinStore();
    const store: PinStore = {
      get: (n) => (calls.push(`get ${n}`), inner.get(n)),
      set: (n, r: PinRecord) => (calls.push(`set ${n}`), inner.set(n, r)),
      delete: (n) => inner.delete(n),
      names: () => inner.names(),
    };
    new PeerPins(store).check('bob', A);
    assert.equal(new PeerPins(store).check('bob', B).status, 'changed');
    assert.ok(calls.includes('set bob'));
  });
});
