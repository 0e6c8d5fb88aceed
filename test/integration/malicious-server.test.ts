/**
 * What a malicious server can and cannot do, against the real parts: a real ParleyServer whose hub
 * delivers through a tampering layer (malicious-server.ts), and real protocol-2 clients
 * (ChatConnection over WebSockets, src/e2e's E2ESession; e2e-client.ts). For every attack the
 * receiving client's specific outcome is asserted — an E2EError code or a notice — and the
 * tampered payload is never `verified: true`, never opened, never attributed to a key.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerEvent } from '../../src/chat/events.js';
import { concat, utf8 } from '../../src/e2e/codec.js';
import { nodeE2ECrypto } from '../../src/e2e/crypto-node.js';
import { ENVELOPE_KINDS, parseEnvelope } from '../../src/e2e/envelope.js';
import { isE2EError } from '../../src/e2e/errors.js';
import type { Received } from '../../src/e2e/inbound.js';
import { E2ESession } from '../../src/e2e/session.js';
import { base64ToBytes, bytesToBase64, exportPublicKeyDer, type RsaPrivateKey } from '../../src/rsa/index.js';
import { keyPool } from '../reliability/lib/keys.js';
import { E2EClient, waitFor } from './e2e-client.js';
import { closeAll } from './harness.js';
import { startMaliciousServer, type MaliciousServer } from './malicious-server.js';

const MAX_PAYLOAD = 48 * 1024;
type RoomEv = Extract<ServerEvent, { type: 'e2e_room' }>;
type ToEv = Extract<ServerEvent, { type: 'e2e_to' }>;

let keys: RsaPrivateKey[];
before(async () => {
  keys = await keyPool(5);
});
after(closeAll);

interface World {
  ms: MaliciousServer;
  c: Record<string, E2EClient>;
}

/** A malicious server with `names` connected (bundles published), all in room `main`, keys shared by a verified warm-up from each. */
async function world(names = ['alice', 'bob', 'carol'], extraRoom?: { room: string; members: string[] }): Promise<World> {
  const ms = await startMaliciousServer();
  const c: Record<string, E2EClient> = {};
  for (const [i, n] of names.entries()) c[n] = await new E2EClient(ms.url, n, keys[i]!).connect();
  for (const n of names) await c[n]!.join('main');
  if (extraRoom) for (const n of extraRoom.members) await c[n]!.join(extraRoom.room);
  for (const n of names) await waitFor(() => names.every((m) => m === n || c[n]!.session.peerStatus(m).bundleFingerprint !== null), `${n}: every bundle`);
  for (const n of names) {
    c[n]!.say('main', `warm-up from ${n}`);
    for (const m of names) if (m !== n) await c[m]!.receivedWhere((r) => r.text === `warm-up from ${n}` && r.verified, `${m} reads ${n}'s warm-up`);
  }
  return { ms, c };
}

/** Asserts the tampered result `r`: failed with `code` (or opened but unverified, for `opened`), never verified, no key, no text. */
function refused(r: Received, code: string): void {
  assert.equal(r.code, code, JSON.stringify(r));
  assert.equal(r.ok, false);
  assert.equal(r.verified, false);
  assert.equal(r.fingerprint, null);
  assert.equal(r.text, undefined);
}

/** No payload `victim` received carrying `text` is verified. */
function neverVerified(victim: E2EClient, text: string): void {
  assert.deepEqual(victim.received.filter((r) => r.text === text && r.verified), [], `${victim.name} shows "${text}" as verified`);
}

const isRoomFrom = (ev: ServerEvent, from: string): ev is RoomEv => ev.type === 'e2e_room' && ev.from === from;
const isToFrom = (ev: ServerEvent, from: string, kind: 'dm' | 'keys'): ev is ToEv => ev.type === 'e2e_to' && ev.from === from && ev.kind === kind;

/** The payload with the first byte of its ciphertext flipped, signature untouched. */
function flipCiphertext(payload: string): string {
  const bytes = base64ToBytes(payload);
  const env = parseEnvelope(bytes, MAX_PAYLOAD);
  const i = env.headerBytes.length + 4; // the first ciphertext byte
  bytes[i] = bytes[i]! ^ 1;
  return bytesToBase64(bytes);
}

/** The payload with `other`'s last 64 bytes (its Ed25519 signature) in place of its own. */
function swapSignature(payload: string, other: string): string {
  const a = base64ToBytes(payload);
  const b = base64ToBytes(other);
  return bytesToBase64(concat(a.subarray(0, a.length - 64), b.subarray(b.length - 64)));
}

/** The payload re-signed with an Ed25519 key of the server's own: a forgery in the sender's name. */
function resignWithOwnKey(payload: string, kind: keyof typeof ENVELOPE_KINDS): string {
  const env = parseEnvelope(base64ToBytes(payload), MAX_PAYLOAD);
  const k = nodeE2ECrypto.ed25519Keypair();
  const sig = nodeE2ECrypto.ed25519Sign(k.privateKey, concat(utf8(ENVELOPE_KINDS[kind].label), Uint8Array.of(0), env.signedBytes));
  return bytesToBase64(concat(env.signedBytes, sig));
}

/**
 * Alice says `text` in main while the server applies `tamper` to what the hub delivers to bob;
 * resolves with what bob's client made of alice's next payload.
 */
async function roomAttack(w: World, text: string, tamper: (ev: RoomEv) => ServerEvent[]): Promise<Received> {
  const bob = w.c.bob!;
  const before = bob.received.length;
  w.ms.tamper = (to, ev) => (to === 'bob' && isRoomFrom(ev, 'alice') ? tamper(ev) : [ev]);
  w.c.alice!.say('main', text);
  await bob.receivedWhere((r) => bob.received.indexOf(r) >= before && r.from === 'alice', 'alice\'s tampered message');
  w.ms.tamper = null;
  await w.c.carol?.receivedWhere((r) => r.text === text && r.verified, 'carol, untouched, reads it verified');
  return bob.received.slice(before).find((r) => r.from === 'alice')!;
}

describe('a malicious server, built from the real server, against real protocol-2 clients', () => {
  let w: World;
  before(async () => {
    w = await world(['alice', 'bob', 'carol'], { room: 'side', members: ['alice', 'bob'] });
  });

  it('alters a room message\'s ciphertext → e2e_bad_signature', async () => {
    const r = await roomAttack(w, 'altered text', (ev) => [{ ...ev, payload: flipCiphertext(ev.payload) }]);
    refused(r, 'e2e_bad_signature');
    neverVerified(w.c.bob!, 'altered text');
  });

  it('swaps in another message\'s signature → e2e_bad_signature', async () => {
    const old = w.ms.seen.filter((s) => s.to === 'bob' && isRoomFrom(s.ev, 'alice')).map((s) => (s.ev as RoomEv).payload)[0]!;
    const r = await roomAttack(w, 'signature swapped', (ev) => [{ ...ev, payload: swapSignature(ev.payload, old) }]);
    refused(r, 'e2e_bad_signature');
  });

  it('replays an old message (an exact copy, a new event id) → e2e_replay; the original was shown once', async () => {
    const bob = w.c.bob!;
    w.c.alice!.say('main', 'say it once');
    const original = await bob.receivedWhere((r) => r.text === 'say it once', 'the original');
    assert.equal(original.verified, true);
    const ev = w.ms.seen.filter((s) => s.to === 'bob' && isRoomFrom(s.ev, 'alice')).map((s) => s.ev as RoomEv).at(-1)!;
    w.c.alice!.say('main', 'a later one');
    await bob.receivedWhere((r) => r.text === 'a later one', 'a later message');
    const before = bob.received.length;
    assert.ok(w.ms.inject('bob', { ...ev, id: `${ev.id}-again`, ts: ev.ts + 5000 }));
    await waitFor(() => bob.received.length > before, 'bob: the replay');
    refused(bob.received[before]!, 'e2e_replay');
    assert.equal(bob.received.filter((r) => r.text === 'say it once').length, 1);
  });

  it('moves a room message to another room both are in → e2e_wrong_context', async () => {
    const r = await roomAttack(w, 'meant for main', (ev) => [{ ...ev, room: 'side' }]);
    refused(r, 'e2e_wrong_context');
    assert.equal(r.room, 'side');
  });

  it('moves a room message into a direct message → e2e_wrong_context', async () => {
    const r = await roomAttack(w, 'meant for the room', (ev) => [{ type: 'e2e_to', id: ev.id, from: ev.from, fromFingerprint: ev.fromFingerprint, to: 'bob', kind: 'dm', ts: ev.ts, payload: ev.payload }]);
    assert.equal(r.kind, 'dm');
    refused(r, 'e2e_wrong_context');
  });

  it('moves a room message into a key distribution → e2e_wrong_context', async () => {
    const r = await roomAttack(w, 'not a key', (ev) => [{ type: 'e2e_to', id: ev.id, from: ev.from, fromFingerprint: ev.fromFingerprint, to: 'bob', kind: 'keys', ts: ev.ts, payload: ev.payload }]);
    refused(r, 'e2e_wrong_context');
  });

  it('injects a message in a member\'s name: carol\'s message stamped from alice → e2e_wrong_context', async () => {
    const bob = w.c.bob!;
    const before = bob.received.length;
    const aliceFp = w.c.alice!.fingerprint;
    w.ms.tamper = (to, ev) => (to === 'bob' && isRoomFrom(ev, 'carol') ? [{ ...ev, from: 'alice', fromFingerprint: aliceFp }] : [ev]);
    w.c.carol!.say('main', 'I am alice');
    const r = await bob.receivedWhere((x) => bob.received.indexOf(x) >= before && x.from === 'alice', 'the relabelled message');
    w.ms.tamper = null;
    refused(r, 'e2e_wrong_context');
    neverVerified(bob, 'I am alice');
  });

  it('injects a message in a member\'s name, signed with a key of its own → e2e_bad_signature', async () => {
    const r = await roomAttack(w, 'forged by the server', (ev) => [{ ...ev, payload: resignWithOwnKey(ev.payload, 'room') }]);
    refused(r, 'e2e_bad_signature');
  });

  it('a key distribution re-signed by the server → e2e_bad_signature, the chain is not installed (e2e_unknown_sender_key after)', async () => {
    const bob = w.c.bob!;
    const before = bob.received.length;
    w.c.carol!.session.leftRoom('main'); // carol drops her state, so her next send is a new chain with a fresh distribution
    await w.c.carol!.who('main');
    w.ms.tamper = (to, ev) => (to === 'bob' && isToFrom(ev, 'carol', 'keys') ? [{ ...ev, payload: resignWithOwnKey(ev.payload, 'keys') }] : [ev]);
    w.c.carol!.say('main', 'new chain');
    await waitFor(() => bob.received.slice(before).some((r) => r.from === 'carol' && r.kind === 'room'), 'bob: carol\'s message');
    w.ms.tamper = null;
    const got = bob.received.slice(before).filter((r) => r.from === 'carol');
    assert.deepEqual(got.map((r) => [r.kind, r.code, r.verified, r.fingerprint]), [['keys', 'e2e_bad_signature', false, null], ['room', 'e2e_unknown_sender_key', false, null]]);
    neverVerified(bob, 'new chain');
  });

  const dmCases: [string, (ev: ToEv) => { to: string; evs: ServerEvent[] }, string, string][] = [
    ['alters a direct message', (ev) => ({ to: 'bob', evs: [{ ...ev, payload: flipCiphertext(ev.payload) }] }), 'bob', 'e2e_bad_signature'],
    ['delivers alice→bob to carol', (ev) => ({ to: 'carol', evs: [{ ...ev, to: 'carol' }] }), 'carol', 'e2e_wrong_context'],
    ['turns a direct message into a room message', (ev) => ({ to: 'bob', evs: [{ type: 'e2e_room', id: ev.id, from: ev.from, fromFingerprint: ev.fromFingerprint, room: 'main', ts: ev.ts, payload: ev.payload }] }), 'bob', 'e2e_wrong_context'],
    ['stamps a direct message with another sender (carol)', (ev) => ({ to: 'bob', evs: [{ ...ev, from: 'carol', fromFingerprint: w.c.carol!.fingerprint }] }), 'bob', 'e2e_wrong_context'],
    ['replays a direct message', (ev) => ({ to: 'bob', evs: [ev, { ...ev, id: `${ev.id}-again` }] }), 'bob', 'e2e_replay'],
  ];
  for (const [name, tamper, victim, code] of dmCases) {
    it(`${name} → ${code} at ${victim}`, async () => {
      const v = w.c[victim]!;
      const before = v.received.length;
      const text = `dm: ${name}`;
      w.ms.tamper = (to, ev) => {
        if (to !== 'bob' || !isToFrom(ev, 'alice', 'dm')) return [ev];
        const t = tamper(ev);
        if (t.to === 'bob') return t.evs;
        for (const x of t.evs) w.ms.inject(t.to, x);
        return [];
      };
      w.c.alice!.dm('bob', text);
      await waitFor(() => v.received.slice(before).some((r) => !r.ok), `${victim}: the failure`);
      w.ms.tamper = null;
      const bad = v.received.slice(before).find((r) => !r.ok)!;
      refused(bad, code);
      neverVerified(w.c.carol!, text);
      if (code === 'e2e_replay') assert.equal(v.received.filter((r) => r.text === text).length, 1, 'the original, once');
      else neverVerified(w.c.bob!, text);
    });
  }
});

describe('a malicious server adds a ghost member', () => {
  it('a visible ghost: every client sees it join with its fingerprint, told "first time seen"; only then does it get keys', async () => {
    const w = await world(['alice', 'bob']);
    const mallory = await new E2EClient(w.ms.url, 'mallory', keys[3]!).connect();
    await mallory.join('main');
    for (const n of ['alice', 'bob']) {
      const c = w.c[n]!;
      await waitFor(() => c.notices.some((x) => x.type === 'peer_new' && x.name === 'mallory'), `${n}: peer_new mallory`);
      assert.deepEqual(c.notices.filter((x) => x.type === 'peer_new' && x.name === 'mallory'), [{ type: 'peer_new', name: 'mallory', fingerprint: mallory.fingerprint }]);
      assert.ok(c.tc.events.some((e) => e.type === 'join' && e.room === 'main' && e.name === 'mallory' && e.fingerprint === mallory.fingerprint), `${n} saw the join with the key`);
    }
    await waitFor(() => w.c.alice!.session.peerStatus('mallory').bundleFingerprint !== null, 'alice: mallory\'s bundle');
    w.c.alice!.say('main', 'everyone can see who reads this');
    const r = await mallory.receivedWhere((x) => x.text === 'everyone can see who reads this', 'mallory reads it');
    assert.equal(r.verified, true, 'a visible member is a member: that is the residual risk, made visible');
  });

  it('a hidden ghost (its join withheld from the others) gets no key: unreadable for it, and its own messages are e2e_not_member', async () => {
    const w = await world(['alice', 'bob']);
    const hide = (to: string, ev: ServerEvent): ServerEvent[] => {
      if (to === 'mallory') return [ev];
      if ((ev.type === 'join' || ev.type === 'leave') && ev.name === 'mallory') return [];
      if (ev.type === 'who') {
        const fingerprints = { ...ev.fingerprints };
        delete fingerprints.mallory;
        return [{ ...ev, members: ev.members.filter((m) => m !== 'mallory'), fingerprints }];
      }
      return [ev];
    };
    w.ms.tamper = hide;
    const mallory = await new E2EClient(w.ms.url, 'mallory', keys[3]!).connect();
    await mallory.join('main');
    await waitFor(() => mallory.session.peerStatus('alice').bundleFingerprint !== null && mallory.session.peerStatus('bob').bundleFingerprint !== null, 'mallory: bundles');
    w.c.alice!.say('main', 'not for ghosts');
    const r = await mallory.receivedWhere((x) => x.from === 'alice' && x.kind === 'room', 'mallory gets the ciphertext (the hub routes it)');
    refused(r, 'e2e_unknown_sender_key');
    assert.equal(w.ms.seen.some((s) => s.to === 'mallory' && s.ev.type === 'e2e_to' && s.ev.from === 'alice'), false, 'alice sent mallory no key');
    assert.equal(w.c.alice!.notices.some((n) => 'name' in n && n.name === 'mallory'), false);
    const before = w.c.bob!.received.length;
    mallory.say('main', 'let me in');
    await waitFor(() => w.c.bob!.received.slice(before).some((x) => x.from === 'mallory' && x.kind === 'room'), 'bob: mallory\'s message');
    assert.deepEqual(w.c.bob!.received.slice(before).map((x) => [x.kind, x.code, x.verified, x.fingerprint, x.text]), [['keys', 'e2e_not_member', false, null, undefined], ['room', 'e2e_not_member', false, null, undefined]]);
    w.ms.tamper = null;
  });
});

describe('a malicious server hands a name to a new key', () => {
  it('peer_key_changed; the new key\'s messages are never verified and get no keys until /trust', async () => {
    const w = await world(['alice', 'bob']);
    const alice = w.c.alice!;
    const oldFp = w.c.bob!.fingerprint;
    w.c.bob!.close();
    await waitFor(() => alice.tc.events.some((e) => e.type === 'leave' && e.name === 'bob' && e.room === 'main'), 'alice: bob left');
    assert.ok(w.ms.names.release('bob'));
    const mark = w.ms.seen.length;
    const bob2 = await new E2EClient(w.ms.url, 'bob', keys[4]!).connect();
    await bob2.join('main');
    const newFp = bob2.fingerprint;
    assert.notEqual(newFp, oldFp);
    await waitFor(() => alice.notices.some((n) => n.type === 'peer_key_changed'), 'alice: peer_key_changed');
    assert.deepEqual(alice.notices.filter((n) => n.type === 'peer_key_changed'), [{ type: 'peer_key_changed', name: 'bob', pinned: oldFp, presented: newFp }]);
    await waitFor(() => bob2.session.peerStatus('alice').bundleFingerprint !== null, 'bob2: alice\'s bundle');
    bob2.say('main', 'trust me');
    const m = await alice.receivedWhere((r) => r.text === 'trust me', 'alice: the new key\'s message');
    assert.deepEqual([m.ok, m.verified, m.fingerprint, m.code], [true, false, null, 'e2e_key_changed']);
    assert.deepEqual(alice.say('main', 'not for the new key'), ['bob'], 'withheld from the new key');
    const r = await bob2.receivedWhere((x) => x.from === 'alice' && x.kind === 'room', 'bob2: alice\'s message');
    refused(r, 'e2e_unknown_sender_key');
    assert.equal(w.ms.seen.slice(mark).some((s) => s.to === 'bob' && s.ev.type === 'e2e_to' && s.ev.from === 'alice'), false, 'no key went to the new key');
    assert.throws(() => alice.dm('bob', 'x'), (e) => isE2EError(e, 'e2e_key_changed'));
    // the user accepts the new key (/trust bob)
    assert.equal(alice.session.trust('bob'), newFp);
    assert.deepEqual(alice.say('main', 'welcome back'), []);
    const ok = await bob2.receivedWhere((x) => x.text === 'welcome back', 'bob2 reads after /trust');
    assert.equal(ok.verified, true);
    bob2.say('main', 'now verified');
    const v = await alice.receivedWhere((x) => x.text === 'now verified', 'alice: after /trust');
    assert.deepEqual([v.verified, v.fingerprint], [true, newFp]);
  });
});

describe('a malicious server lies about keys', () => {
  /** A real bundle of `key` (a session the server's operator runs itself), as a `bundles` entry under `name`. */
  function foreignEntry(name: string, key: RsaPrivateKey) {
    const s = new E2ESession({ crypto: nodeE2ECrypto, identity: key, name });
    const put = s.start().send[0]!;
    assert.equal(put.t, 'bundle_put');
    return { name, key: bytesToBase64(exportPublicKeyDer(key.publicKey, 'spki')), fingerprint: s.fingerprint, bundle: put.t === 'bundle_put' ? put.bundle : null };
  }

  /** The server answers alice's next bundle_get for bob with `entry` (bob leaves and rejoins main, so alice fetches his bundle again). */
  async function swapBobsBundle(w: World, entry: ReturnType<typeof foreignEntry>): Promise<void> {
    const alice = w.c.alice!;
    let swapped = 0;
    w.ms.tamper = (to, ev) => {
      if (to !== 'alice' || ev.type !== 'bundles' || !ev.bundles.some((b) => b.name === 'bob')) return [ev];
      swapped++;
      return [{ ...ev, bundles: ev.bundles.map((b) => (b.name === 'bob' ? { ...entry } : b)) }];
    };
    w.c.bob!.tc.send({ t: 'leave', room: 'main' });
    await waitFor(() => alice.tc.events.some((e) => e.type === 'leave' && e.name === 'bob' && e.room === 'main'), 'alice: bob left main');
    await w.c.bob!.join('main');
    await waitFor(() => swapped > 0, 'the swapped bundles answer');
    await alice.sync();
    w.ms.tamper = null;
  }

  it('answers bundle_get for bob with a key and bundle of its own (a directory man in the middle) → peer_key_changed; nothing goes to that key', async () => {
    const w = await world(['alice', 'bob']);
    const alice = w.c.alice!;
    const fake = foreignEntry('bob', keys[3]!);
    await swapBobsBundle(w, fake);
    assert.deepEqual(alice.notices.filter((n) => n.type === 'peer_key_changed'), [{ type: 'peer_key_changed', name: 'bob', pinned: w.c.bob!.fingerprint, presented: fake.fingerprint }]);
    assert.throws(() => alice.dm('bob', 'for bob only'), (e) => isE2EError(e, 'e2e_key_changed'));
    const mark = w.ms.seen.length;
    assert.deepEqual(alice.say('main', 'not for the impostor'), ['bob'], 'withheld: bob\'s bundle is now under another identity than the one announced');
    const got = await w.c.bob!.receivedWhere((r) => r.from === 'alice' && r.kind === 'room' && !r.ok, 'bob: alice\'s message, without its key');
    refused(got, 'e2e_unknown_sender_key');
    assert.equal(w.ms.seen.slice(mark).some((x) => x.ev.type === 'e2e_to' && x.ev.from === 'alice'), false, 'no key and no message sealed to the impostor');
    neverVerified(w.c.bob!, 'not for the impostor');
  });

  it('relabels bob\'s bundle with another fingerprint than its key\'s → e2e_bundle_rejected notice', async () => {
    const w = await world(['alice', 'bob']);
    const fake = { ...foreignEntry('bob', keys[1]!), fingerprint: w.c.alice!.fingerprint };
    await swapBobsBundle(w, fake);
    const n = w.c.alice!.notices.filter((x) => x.type === 'e2e_bundle_rejected');
    assert.deepEqual(n.map((x) => x.type === 'e2e_bundle_rejected' && [x.name, x.code]), [['bob', 'e2e_malformed']]);
    assert.equal(w.c.alice!.notices.some((x) => x.type === 'peer_key_changed'), false, 'a rejected entry changes no pin');
  });

  it('a peer the user verified, handed a new key: sending is blocked (e2e_verify_required) and /trust refused until verified again', async () => {
    const w = await world(['alice', 'bob']);
    const alice = w.c.alice!;
    const sn = alice.session.safetyNumber('bob');
    assert.match(sn.digits, /^\d{60}$/);
    assert.equal(sn.digits, w.c.bob!.session.safetyNumber('alice').digits, 'both compute the same safety number');
    alice.session.markVerified('bob', sn.fingerprint);
    w.c.bob!.close();
    await waitFor(() => alice.tc.events.some((e) => e.type === 'leave' && e.name === 'bob' && e.room === 'main'), 'alice: bob left');
    assert.ok(w.ms.names.release('bob'));
    const bob2 = await new E2EClient(w.ms.url, 'bob', keys[4]!).connect();
    await bob2.join('main');
    await waitFor(() => alice.notices.some((n) => n.type === 'peer_key_changed'), 'alice: peer_key_changed');
    assert.throws(() => alice.dm('bob', 'x'), (e) => isE2EError(e, 'e2e_verify_required'));
    assert.throws(() => alice.session.trust('bob'), (e) => isE2EError(e, 'e2e_verify_required'));
    assert.deepEqual(alice.say('main', 'still withheld'), ['bob']);
    bob2.say('main', 'it is me, really');
    const m = await alice.receivedWhere((r) => r.text === 'it is me, really', 'alice: the new key\'s message');
    assert.deepEqual([m.verified, m.fingerprint], [false, null]);
  });

  it('replays an old message to a client after it reconnected (a new session) → not readable', async () => {
    const w = await world(['alice', 'bob']);
    const old = w.ms.seen.filter((s) => s.to === 'bob' && isRoomFrom(s.ev, 'alice')).map((s) => s.ev as RoomEv)[0]!;
    w.c.bob!.close();
    await waitFor(() => w.c.alice!.tc.events.some((e) => e.type === 'leave' && e.name === 'bob' && e.room === 'main'), 'alice: bob left');
    const bob = await new E2EClient(w.ms.url, 'bob', keys[1]!).connect();
    await bob.join('main');
    assert.ok(w.ms.inject('bob', { ...old, id: `${old.id}-again` }));
    const r = await bob.receivedWhere((x) => x.from === 'alice', 'bob: the replay');
    refused(r, 'e2e_unknown_sender_key');
  });
});

/**
 * Fails on branch i13 alone (ChatConnection still passes protocol 1's `message`/`direct` on);
 * passes once the client wiring (event-check refusing server-made message/direct) is merged.
 */
describe('a malicious server sends plaintext in a member\'s name (protocol 1 events)', () => {
  it('a forged `message` or `direct` event never reaches the client as a message', async () => {
    const w = await world(['alice', 'bob']);
    const bob = w.c.bob!;
    const body = { text: 'plaintext from the server', sha256: bytesToBase64(new Uint8Array(32)) };
    w.ms.inject('bob', { type: 'message', id: 'f1', from: 'alice', room: 'main', ts: Date.now(), body } as unknown as ServerEvent);
    w.ms.inject('bob', { type: 'direct', id: 'f2', from: 'alice', to: 'bob', ts: Date.now(), body } as unknown as ServerEvent);
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(bob.tc.events.filter((e) => e.type === 'message' || e.type === 'direct'), [], 'the connection passed a server-made message on');
  });
});
