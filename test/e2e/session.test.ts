/**
 * E2ESession end to end through the relay (a stand-in for the version-2 server): round trips in
 * rooms and direct messages, what a malicious server can try — each with the receiver's specific
 * outcome and never `verified: true` — late joiners, leavers, reordering, bounds, and the
 * relay never seeing a message's text.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { nodeE2ECrypto as c } from '../../src/e2e/crypto-node.js';
import { webE2ECrypto } from '../../src/e2e/crypto-web.js';
import { concat, utf8 } from '../../src/e2e/codec.js';
import { parseEnvelope, verifyEnvelope, ENVELOPE_KINDS } from '../../src/e2e/envelope.js';
import { base64ToBytes, bytesToBase64, type RsaPrivateKey } from '../../src/rsa/index.js';
import { identities } from './helpers.js';
import { Relay, relayWorld, type Delivery } from './relay.js';

const MAX = 48 * 1024;
let keys: RsaPrivateKey[];
before(async () => {
  keys = await identities(6);
});

/** A relay with `names` (keys[0..]) all in `room`. */
const world = (names: string[], room?: string, limits?: object): Relay => relayWorld(keys, names, room, limits);

const last = <T>(xs: T[]): T => xs[xs.length - 1]!;
const b64 = (s: string) => base64ToBytes(s);

/** The payload with its body's byte `i` flipped (the signature is left as it was). */
function flipBody(payload: string): string {
  const bytes = b64(payload);
  const env = parseEnvelope(bytes, MAX);
  const off = env.headerBytes.length + 4; // first body byte
  bytes[off] = bytes[off]! ^ 1;
  return bytesToBase64(bytes);
}

describe('E2ESession: round trips', () => {
  it('a room message reaches every other member, opened and verified under the sender key', () => {
    const r = world(['alice', 'bob', 'carol']);
    r.say('alice', 'lobby', 'hello room');
    for (const n of ['bob', 'carol']) {
      const m = last(r.roomMessages(n));
      assert.equal(m.ok, true);
      assert.equal(m.text, 'hello room');
      assert.equal(m.verified, true);
      assert.equal(m.fingerprint, r.fingerprint('alice'));
      assert.equal(m.from, 'alice');
    }
    r.say('bob', 'lobby', '/me waves', true);
    const m = last(r.roomMessages('alice'));
    assert.equal(m.text, '/me waves');
    assert.equal(m.action, true);
    assert.equal(m.verified, true);
  });

  it('a direct message is opened and verified; the key distribution does not repeat for later messages', () => {
    const r = world(['alice', 'bob']);
    r.dm('alice', 'bob', 'psst');
    r.dm('alice', 'bob', 'again');
    const dms = r.directMessages('bob');
    assert.deepEqual(dms.map((d) => [d.text, d.verified, d.fingerprint]), [['psst', true, r.fingerprint('alice')], ['again', true, r.fingerprint('alice')]]);
    r.say('alice', 'lobby', 'one');
    r.say('alice', 'lobby', 'two');
    assert.equal(r.deliveries('bob', 'e2e_to').filter((d) => d.ev.kind === 'keys').length, 1, 'one distribution for two room messages');
  });

  it('a session on the browser provider (@noble/*) and one on node:crypto interoperate both ways (room and direct)', () => {
    const r = new Relay();
    r.add('alice', keys[0]!);
    r.add('bob', keys[1]!, { crypto: webE2ECrypto });
    r.join('alice', 'lobby');
    r.join('bob', 'lobby');
    r.say('alice', 'lobby', 'from node');
    r.say('bob', 'lobby', 'from the browser');
    r.dm('bob', 'alice', 'dm from the browser');
    r.dm('alice', 'bob', 'dm from node');
    assert.deepEqual(r.client('bob').received.filter((m) => m.kind !== 'keys').map((m) => [m.text, m.verified]), [['from node', true], ['dm from node', true]]);
    assert.deepEqual(r.client('alice').received.filter((m) => m.kind !== 'keys').map((m) => [m.text, m.verified]), [['from the browser', true], ['dm from the browser', true]]);
    assert.equal(r.client('alice').session.safetyNumber('bob').digits, r.client('bob').session.safetyNumber('alice').digits);
  });

  it('a message costs the sender one payload whatever the room size (keys go once per member)', () => {
    const r = world(['alice', 'bob', 'carol', 'dave']);
    const first = r.say('alice', 'lobby', 'first');
    assert.equal(first.send.filter((s) => s.t === 'e2e_to').length, 3);
    const second = r.say('alice', 'lobby', 'second');
    assert.deepEqual(second.send.map((s) => s.t), ['e2e_room']);
  });
});

describe('E2ESession: a malicious server', () => {
  /** The outcome bob sees for alice's next room message when the server applies `tamper` to it. */
  function roomOutcome(tamper: (d: Extract<Delivery, { type: 'e2e_room' }>, r: Relay) => Delivery[] | null, setup?: (r: Relay) => void) {
    const r = world(['alice', 'bob', 'carol']);
    r.join('alice', 'side');
    r.join('bob', 'side');
    setup?.(r);
    r.say('alice', 'lobby', 'warm-up');
    const before = r.client('bob').received.length;
    r.tamper = (d) => (d.type === 'e2e_room' && d.to === 'bob' ? tamper(d, r) : [d]);
    r.say('alice', 'lobby', 'the text');
    r.tamper = null;
    return r.client('bob').received.slice(before);
  }

  const cases: [string, (d: Extract<Delivery, { type: 'e2e_room' }>, r: Relay) => Delivery[] | null, string][] = [
    ['alters the ciphertext', (d) => [{ ...d, ev: { ...d.ev, payload: flipBody(d.ev.payload) } }], 'e2e_bad_signature'],
    ['moves the message to another room', (d) => [{ ...d, ev: { ...d.ev, room: 'side' } }], 'e2e_wrong_context'],
    ['relabels the sender (carol)', (d) => [{ ...d, ev: { ...d.ev, from: 'carol' } }], 'e2e_wrong_context'],
    ['moves the message into a DM', (d) => [{ to: 'bob', type: 'e2e_to', ev: { id: 'x', from: 'alice', to: 'bob', kind: 'dm', ts: d.ev.ts, payload: d.ev.payload } }], 'e2e_wrong_context'],
    ['hands it over as a key distribution', (d) => [{ to: 'bob', type: 'e2e_to', ev: { id: 'x', from: 'alice', to: 'bob', kind: 'keys', ts: d.ev.ts, payload: d.ev.payload } }], 'e2e_wrong_context'],
    ['sends garbage', (d) => [{ ...d, ev: { ...d.ev, payload: 'AAAA' } }], 'e2e_malformed'],
    ['sends something that is not base64', (d) => [{ ...d, ev: { ...d.ev, payload: '***' } }], 'e2e_malformed'],
  ];
  for (const [name, tamper, code] of cases) {
    it(`${name} → ${code}, not verified`, () => {
      const got = roomOutcome(tamper);
      assert.equal(got.length, 1);
      assert.equal(got[0]!.ok, false);
      assert.equal(got[0]!.code, code);
      assert.equal(got[0]!.verified, false);
      assert.equal(got[0]!.fingerprint, null);
      assert.equal(got[0]!.text, undefined);
    });
  }

  it('replays a message → e2e_replay for the copy, the original stays the only one shown', () => {
    const got = roomOutcome((d) => [d, d]);
    assert.deepEqual(got.map((g) => [g.ok, g.code ?? null]), [[true, null], [false, 'e2e_replay']]);
  });

  it("swaps in another message's signature → e2e_bad_signature", () => {
    let saved: Uint8Array | null = null;
    const got = roomOutcome((d) => {
      const bytes = b64(d.ev.payload);
      const other = saved!;
      const swapped = concat(bytes.subarray(0, bytes.length - 64), other.subarray(other.length - 64));
      return [{ ...d, ev: { ...d.ev, payload: bytesToBase64(swapped) } }];
    }, (r) => {
      const prev = r.tamper;
      r.tamper = (d) => {
        if (d.type === 'e2e_room' && d.to === 'bob') saved = b64(d.ev.payload);
        return prev ? prev(d) : [d];
      };
    });
    assert.equal(got[0]!.code, 'e2e_bad_signature');
  });

  it('injects a message in a member\'s name, signed with a key of its own → e2e_bad_signature', () => {
    const got = roomOutcome((d) => {
      const bytes = b64(d.ev.payload);
      const env = parseEnvelope(bytes, MAX);
      const forged = c.ed25519Sign(c.ed25519Keypair().privateKey, concat(utf8(ENVELOPE_KINDS.room.label), Uint8Array.of(0), env.signedBytes));
      return [{ ...d, ev: { ...d.ev, payload: bytesToBase64(concat(env.signedBytes, forged)) } }];
    });
    assert.equal(got[0]!.code, 'e2e_bad_signature');
  });

  it('a member (carol) signs a message claiming to be alice: refused as wrong context, even though her signature is valid', () => {
    const r = world(['alice', 'bob', 'carol']);
    r.say('carol', 'lobby', 'warm-up');
    r.tamper = (d) => (d.type === 'e2e_room' && d.to === 'bob' ? [{ ...d, ev: { ...d.ev, from: 'alice' } }] : [d]);
    r.say('carol', 'lobby', 'I am alice');
    const m = last(r.roomMessages('bob'));
    assert.equal(m.code, 'e2e_wrong_context');
    assert.equal(m.verified, false);
  });

  it('a key distribution from someone who is not a member (in our view) is refused: e2e_not_member, its messages unreadable', () => {
    const r = world(['alice', 'bob']);
    const m = r.add('mallory', keys[3]!);
    // the server tells only mallory that she is in lobby; alice and bob never see her join
    r.run('mallory', m.session.roomMembers('lobby', { alice: r.fingerprint('alice'), bob: r.fingerprint('bob'), mallory: r.fingerprint('mallory') }));
    r.rooms.get('lobby')!.add('mallory');
    r.say('mallory', 'lobby', 'let me in');
    const got = r.client('bob').received;
    assert.deepEqual(got.map((g) => [g.kind, g.code, g.verified]), [['keys', 'e2e_not_member', false], ['room', 'e2e_not_member', false]]);
  });

  it('a distribution re-signed with an uncertified key → e2e_bad_signature, and the chain is not installed', () => {
    const r = world(['alice', 'bob']);
    r.tamper = (d) => {
      if (d.type !== 'e2e_to' || d.ev.kind !== 'keys') return [d];
      const env = parseEnvelope(b64(d.ev.payload), MAX);
      const sig = c.ed25519Sign(c.ed25519Keypair().privateKey, concat(utf8(ENVELOPE_KINDS.keys.label), Uint8Array.of(0), env.signedBytes));
      return [{ ...d, ev: { ...d.ev, payload: bytesToBase64(concat(env.signedBytes, sig)) } }];
    };
    r.say('alice', 'lobby', 'secret');
    const got = r.client('bob').received;
    assert.deepEqual(got.map((g) => [g.kind, g.code]), [['keys', 'e2e_bad_signature'], ['room', 'e2e_unknown_sender_key']]);
  });

  const directCases: [string, (d: Extract<Delivery, { type: 'e2e_to' }>) => Delivery[], string, string][] = [
    ['delivers alice→bob to carol', (d) => [{ ...d, to: 'carol', ev: { ...d.ev, to: 'carol' } }], 'carol', 'e2e_wrong_context'],
    ['relabels the sender', (d) => [{ ...d, ev: { ...d.ev, from: 'carol' } }], 'bob', 'e2e_wrong_context'],
    ['turns a DM into a room message', (d) => [{ to: 'bob', type: 'e2e_room', ev: { id: 'x', from: 'alice', room: 'lobby', ts: d.ev.ts, payload: d.ev.payload } }], 'bob', 'e2e_wrong_context'],
    ['alters the DM', (d) => [{ ...d, ev: { ...d.ev, payload: flipBody(d.ev.payload) } }], 'bob', 'e2e_bad_signature'],
    ['replays the DM', (d) => [d, d], 'bob', 'e2e_replay'],
  ];
  for (const [name, tamper, victim, code] of directCases) {
    it(`direct message: ${name} → ${code}, not verified`, () => {
      const r = world(['alice', 'bob', 'carol']);
      r.dm('alice', 'bob', 'warm-up');
      r.dm('alice', 'carol', 'warm-up'); // carol has alice's bundle too
      r.tamper = (d) => (d.type === 'e2e_to' && d.ev.kind === 'dm' ? tamper(d) : [d]);
      const before = r.client(victim).received.length;
      r.dm('alice', 'bob', 'private');
      const got = r.client(victim).received.slice(before);
      const bad = got.find((g) => !g.ok)!;
      assert.ok(bad, JSON.stringify(got));
      assert.equal(bad.code, code);
      assert.equal(bad.verified, false);
      assert.ok(got.every((g) => g.ok || !g.verified));
    });
  }

  it('a ghost member the server adds is announced to everyone (first seen), and is a visible member', () => {
    const r = world(['alice', 'bob']);
    r.add('ghost', keys[4]!);
    r.join('ghost', 'lobby');
    const n = r.client('alice').notices.find((x) => x.type === 'peer_new' && x.name === 'ghost');
    assert.deepEqual(n, { type: 'peer_new', name: 'ghost', fingerprint: r.fingerprint('ghost') });
  });

  it('the server never sees a message text (not in any delivery, payload or bundle)', () => {
    const r = world(['alice', 'bob', 'carol']);
    const texts = Array.from({ length: 20 }, (_, i) => `secret-text-${i}-${'x'.repeat(i)}`);
    texts.forEach((t, i) => (i % 2 ? r.say('bob', 'lobby', t) : r.dm('alice', 'carol', t)));
    const seen = JSON.stringify([...r.log, [...r.published.values()]]);
    const decoded = r.log.flatMap((d) => (d.type === 'bundles' ? [] : [new TextDecoder('latin1').decode(b64(d.ev.payload))])).join('\n');
    for (const t of texts) {
      assert.equal(seen.includes(t), false);
      assert.equal(decoded.includes(t), false, 'not in the decoded payload bytes either');
    }
    assert.equal(r.roomMessages('alice').filter((m) => m.verified).length, 10);
  });

  it('every signature the server relays verifies only under its certified key', () => {
    const r = world(['alice', 'bob']);
    r.say('alice', 'lobby', 'x');
    const env = parseEnvelope(b64(r.deliveries('bob', 'e2e_room')[0]!.ev.payload), MAX);
    assert.equal(verifyEnvelope(c, env, r.client('alice').session.own.ed25519), true);
    assert.equal(verifyEnvelope(c, env, r.client('bob').session.own.ed25519), false);
  });
});
