/**
 * E2ESession over time: late joiners, leavers and rotation, restarts, reordering and the bounds,
 * key changes (peer_key_changed, never verified, keys withheld until /trust), verified peers
 * (blocked until verified again), and the waiting for bundles.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isE2EError } from '../../src/e2e/errors.js';
import type { RsaPrivateKey } from '../../src/rsa/index.js';
import { identities } from './helpers.js';
import { Relay, relayWorld, type Delivery } from './relay.js';

let keys: RsaPrivateKey[];
before(async () => {
  keys = await identities(6);
});

/** A relay with `names` (keys[0..]) all in `room`. */
const world = (names: string[], room?: string, limits?: object): Relay => relayWorld(keys, names, room, limits);
const last = <T>(xs: T[]): T => xs[xs.length - 1]!;

describe('E2ESession: membership', () => {
  it('a late joiner cannot read what was said before it joined, even when the server replays it; it reads what follows', () => {
    const r = world(['alice', 'bob']);
    r.say('alice', 'lobby', 'before dave');
    const old = r.deliveries('bob', 'e2e_room')[0]!;
    r.add('dave', keys[3]!);
    r.join('dave', 'lobby');
    r.deliver({ ...old, to: 'dave' });
    r.say('alice', 'lobby', 'after dave');
    const got = r.roomMessages('dave');
    assert.equal(got[0]!.ok, false);
    assert.ok(['e2e_unknown_sender_key', 'e2e_replay'].includes(got[0]!.code!), String(got[0]!.code));
    assert.deepEqual([got[1]!.text, got[1]!.verified], ['after dave', true]);
  });

  it('the joiner got the chain at its current iteration: no key of an earlier message can be derived', () => {
    const r = world(['alice', 'bob']);
    for (let i = 0; i < 5; i++) r.say('alice', 'lobby', `m${i}`);
    r.add('dave', keys[3]!);
    r.join('dave', 'lobby');
    const earlier = r.deliveries('bob', 'e2e_room').map((d) => d.ev);
    r.say('alice', 'lobby', 'now');
    for (const ev of earlier) {
      const res = r.client('dave').session.receiveRoom(ev).received[0]!;
      assert.equal(res.code, 'e2e_replay', 'before the start of its chain');
    }
  });

  it('after a member leaves, every remaining sender rotates on its next send; the leaver gets no new key and cannot read', () => {
    const r = world(['alice', 'bob', 'carol']);
    r.say('alice', 'lobby', 'all three');
    r.say('carol', 'lobby', 'all three too');
    // a malicious leaver keeps its state: the server removes bob but bob's client does not forget the room
    r.rooms.get('lobby')!.delete('bob');
    for (const m of ['alice', 'carol']) r.run(m, r.client(m).session.memberLeft('lobby', 'bob'));
    const keysToBob = r.deliveries('bob', 'e2e_to').length;
    const a = r.say('alice', 'lobby', 'without bob');
    assert.equal(a.send.filter((s) => s.t === 'e2e_to').length, 1, 'a new chain, distributed to carol only');
    const c = r.say('carol', 'lobby', 'without bob too');
    assert.equal(c.send.filter((s) => s.t === 'e2e_to').length, 1);
    assert.equal(r.deliveries('bob', 'e2e_to').length, keysToBob, 'no key reached bob');
    // the server hands bob the new messages anyway
    for (const d of r.deliveries('carol', 'e2e_room').slice(-1).concat(r.deliveries('alice', 'e2e_room').slice(-1))) {
      const res = r.client('bob').session.receiveRoom(d.ev).received[0]!;
      assert.equal(res.ok, false);
      assert.equal(res.code, 'e2e_unknown_sender_key');
    }
    assert.equal(last(r.roomMessages('carol')).text, 'without bob');
    assert.equal(last(r.roomMessages('carol')).verified, true);
  });

  it('a member restarting (new session, same key) gets the current keys again, with no key-change warning', () => {
    const r = world(['alice', 'bob']);
    r.say('alice', 'lobby', 'one');
    r.restart('bob');
    r.say('alice', 'lobby', 'two');
    r.say('bob', 'lobby', 'back');
    assert.deepEqual([last(r.roomMessages('bob')).text, last(r.roomMessages('bob')).verified], ['two', true]);
    assert.deepEqual([last(r.roomMessages('alice')).text, last(r.roomMessages('alice')).verified], ['back', true]);
    assert.equal(r.client('alice').notices.some((n) => n.type === 'peer_key_changed'), false);
    r.dm('alice', 'bob', 'dm after restart');
    assert.equal(last(r.directMessages('bob')).verified, true);
  });

  it('own leave erases the room: later payloads for it are e2e_not_member, sending is refused', () => {
    const r = world(['alice', 'bob']);
    r.say('alice', 'lobby', 'x');
    const d = r.deliveries('bob', 'e2e_room')[0]!;
    r.leave('bob', 'lobby');
    assert.equal(r.client('bob').session.receiveRoom(d.ev).received[0]!.code, 'e2e_not_member');
    assert.throws(() => r.client('bob').session.sendRoom('lobby', 'x'), (e) => isE2EError(e, 'e2e_not_member'));
  });
});

describe('E2ESession: order and bounds', () => {
  it('reordered room messages all open once; a duplicate is refused', () => {
    const r = world(['alice', 'bob']);
    r.say('alice', 'lobby', 'm0');
    const held: Delivery[] = [];
    r.tamper = (d) => (d.type === 'e2e_room' && d.to === 'bob' ? (held.push(d), []) : [d]);
    for (const t of ['m1', 'm2', 'm3', 'm4']) r.say('alice', 'lobby', t);
    r.tamper = null;
    for (const i of [3, 0, 2, 1, 2]) r.deliver(held[i]!);
    assert.deepEqual(r.roomMessages('bob').map((m) => m.text ?? m.code), ['m0', 'm4', 'm1', 'm3', 'm2', 'e2e_replay']);
  });

  it('a message further ahead than maxForwardJump is refused; later ones within the bound open', () => {
    const r = world(['alice', 'bob'], 'lobby', { maxForwardJump: 5, maxSkip: 5 });
    r.say('alice', 'lobby', 'start');
    r.tamper = (d) => (d.type === 'e2e_room' && d.to === 'bob' ? [] : [d]);
    for (let i = 0; i < 6; i++) r.say('alice', 'lobby', `dropped ${i}`);
    r.tamper = null;
    r.say('alice', 'lobby', 'too far'); // iteration 7, next expected 1: a jump of 6
    assert.equal(last(r.roomMessages('bob')).code, 'e2e_too_far_ahead');
  });
});

describe('E2ESession: key changes and verification', () => {
  it('a name handed to a new key: peer_key_changed, messages never verified, no keys shared until /trust', () => {
    const r = world(['alice', 'bob', 'carol']);
    r.say('alice', 'lobby', 'before');
    const oldFp = r.fingerprint('bob');
    r.restart('bob', keys[4]!); // the server gives the name to another key
    const newFp = r.fingerprint('bob');
    const n = r.client('alice').notices.filter((x) => x.type === 'peer_key_changed');
    assert.deepEqual(n, [{ type: 'peer_key_changed', name: 'bob', pinned: oldFp, presented: newFp }]);
    r.say('bob', 'lobby', 'trust me');
    const m = last(r.roomMessages('alice'));
    assert.deepEqual([m.ok, m.text, m.verified, m.fingerprint, m.code], [true, 'trust me', false, null, 'e2e_key_changed']);
    const sent = r.say('alice', 'lobby', 'not for the new key');
    assert.deepEqual(sent.withheld, ['bob']);
    assert.equal(r.roomMessages('bob').some((x) => x.text === 'not for the new key'), false);
    assert.throws(() => r.dm('alice', 'bob', 'x'), (e) => isE2EError(e, 'e2e_key_changed'));
    assert.equal(r.client('alice').session.peerStatus('bob').blocked, true);
    // the user accepts the new key
    assert.equal(r.client('alice').session.trust('bob'), newFp);
    const after = r.say('alice', 'lobby', 'welcome back');
    assert.deepEqual(after.withheld, []);
    assert.equal(last(r.roomMessages('bob')).text, 'welcome back');
    r.say('bob', 'lobby', 'now verified?');
    assert.deepEqual([last(r.roomMessages('alice')).verified, last(r.roomMessages('alice')).fingerprint], [true, newFp]);
  });

  it('a verified peer whose key changes blocks sending until verified again; /trust is refused', () => {
    const r = world(['alice', 'bob']);
    const a = r.client('alice').session;
    const sn = a.safetyNumber('bob');
    assert.match(sn.digits, /^\d{60}$/);
    assert.equal(sn.digits, r.client('bob').session.safetyNumber('alice').digits, 'both sides compute the same number');
    a.markVerified('bob', sn.fingerprint);
    assert.equal(a.peerStatus('bob').verified, true);
    r.restart('bob', keys[4]!);
    assert.throws(() => r.dm('alice', 'bob', 'x'), (e) => isE2EError(e, 'e2e_verify_required'));
    assert.throws(() => a.trust('bob'), (e) => isE2EError(e, 'e2e_verify_required'));
    assert.deepEqual(r.say('alice', 'lobby', 'x').withheld, ['bob']);
    const sn2 = a.safetyNumber('bob');
    assert.notEqual(sn2.digits, sn.digits);
    a.markVerified('bob', sn2.fingerprint);
    r.dm('alice', 'bob', 'verified again');
    assert.equal(last(r.directMessages('bob')).text, 'verified again');
  });

  it('bundles: a name without one is withheld; a mislabelled one is rejected with a notice', () => {
    const r = new Relay();
    r.add('alice', keys[0]!);
    r.add('bob', keys[1]!);
    r.published.delete('bob');
    r.join('alice', 'lobby');
    r.join('bob', 'lobby');
    assert.deepEqual(r.say('alice', 'lobby', 'x').withheld, ['bob']);
    const r2 = world(['alice', 'bob']);
    r2.tamper = (d) => (d.type === 'bundles' && d.to === 'alice' ? [{ ...d, entries: d.entries.map((e) => ({ ...e, fingerprint: r2.fingerprint('alice') })) }] : [d]);
    r2.add('carol', keys[2]!);
    r2.join('carol', 'lobby');
    assert.ok(r2.client('alice').notices.some((n) => n.type === 'e2e_bundle_rejected' && n.name === 'carol'));
  });

  it('a send waits while a new member\'s bundle is fetched, and goes out with the answer; flushQueued sends without it', () => {
    const r = world(['alice', 'bob']);
    const held: Delivery[] = [];
    r.tamper = (d) => (d.type === 'bundles' && d.to === 'alice' ? (held.push(d), []) : [d]);
    r.add('carol', keys[2]!);
    r.join('carol', 'lobby');
    const s = r.say('alice', 'lobby', 'waits for carol');
    assert.equal(s.queued, true);
    assert.equal(r.roomMessages('bob').length, 0);
    r.tamper = null;
    for (const d of held) r.deliver(d);
    assert.equal(last(r.roomMessages('carol')).text, 'waits for carol');
    assert.equal(last(r.roomMessages('bob')).text, 'waits for carol');
    // never answered: flushQueued sends it, carol withheld
    r.tamper = (d) => (d.type === 'bundles' && d.to === 'alice' ? [] : [d]);
    r.add('dave', keys[3]!);
    r.join('dave', 'lobby');
    assert.equal(r.say('alice', 'lobby', 'stuck').queued, true);
    r.run('alice', r.client('alice').session.flushQueued());
    assert.equal(last(r.roomMessages('bob')).text, 'stuck');
    assert.equal(r.roomMessages('dave').some((m) => m.text === 'stuck'), false);
  });

  it('a direct message from someone whose bundle is unknown waits for it, then opens', () => {
    const r = new Relay();
    r.add('alice', keys[0]!);
    r.add('bob', keys[1]!);
    r.dm('alice', 'bob', 'first contact');
    const d = r.directMessages('bob');
    assert.deepEqual(d.map((x) => [x.text, x.verified]), [['first contact', true]]);
    assert.ok(r.client('bob').sent.some((s) => s.t === 'bundle_get'));
    assert.ok(r.client('bob').notices.some((n) => n.type === 'peer_new' && n.name === 'alice'));
  });
});
