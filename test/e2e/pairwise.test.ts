/**
 * Pairwise channels: both ends derive the same channel with one key per direction, nothing
 * reflects back to its sender, every input of the derivation matters (identities, prekeys,
 * label), replays and payloads older than the window are refused, a failed open changes nothing,
 * and degenerate inputs (same identity, low-order prekey) are refused.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { nodeE2ECrypto as c } from '../../src/e2e/crypto-node.js';
import { derivePairwiseKeys, PairwiseChannel, pairwiseNonce } from '../../src/e2e/pairwise.js';
import { ReplayWindow } from '../../src/e2e/replay-window.js';
import { flip, hex, throwsCode, utf8 } from './helpers.js';

function party(fpByte: number) {
  const x = c.x25519Keypair();
  return { fpBytes: new Uint8Array(32).fill(fpByte), x25519: x.publicKey, x25519Private: x.privateKey };
}

function pair(window = 64) {
  const a = party(1);
  const b = party(2);
  const ka = derivePairwiseKeys(c, a, b);
  const kb = derivePairwiseKeys(c, b, a);
  return { a, b, ka, kb, ca: new PairwiseChannel(c, ka, window), cb: new PairwiseChannel(c, kb, window) };
}

describe('pairwise channel', () => {
  it('both ends derive the same channel id; my send key is your receive key; the two directions differ', () => {
    const { ka, kb } = pair();
    assert.deepEqual(ka.channelId, kb.channelId);
    assert.deepEqual(ka.sendKey, kb.recvKey);
    assert.deepEqual(ka.recvKey, kb.sendKey);
    assert.notDeepEqual(ka.sendKey, ka.recvKey);
  });

  it('round trip both ways with the AAD; a payload never opens in its own direction (no reflection)', () => {
    const { ca, cb } = pair();
    const aad = utf8('header');
    const s = ca.nextSeq();
    const ct = ca.seal(s, utf8('hi bob'), aad);
    assert.equal(new TextDecoder().decode(cb.open(s, ct, aad)), 'hi bob');
    const t = cb.nextSeq();
    const back = cb.seal(t, utf8('hi alice'), aad);
    assert.equal(new TextDecoder().decode(ca.open(t, back, aad)), 'hi alice');
    const s2 = ca.nextSeq();
    const mine = ca.seal(s2, utf8('reflect me'), aad);
    throwsCode(() => ca.open(s2, mine, aad), 'e2e_decrypt_failed');
  });

  const tamper: [string, (x: { seq: number; ct: Uint8Array; aad: Uint8Array }) => { seq: number; ct: Uint8Array; aad: Uint8Array }][] = [
    ['altered ciphertext', (x) => ({ ...x, ct: flip(x.ct, 0) })],
    ['altered tag', (x) => ({ ...x, ct: flip(x.ct, x.ct.length - 1) })],
    ['other AAD', (x) => ({ ...x, aad: utf8('other header') })],
    ['other sequence number', (x) => ({ ...x, seq: x.seq + 1 })],
    ['truncated', (x) => ({ ...x, ct: x.ct.subarray(0, 10) })],
  ];
  for (const [name, mutate] of tamper) {
    it(`refuses ${name} (e2e_decrypt_failed) and the genuine payload still opens afterwards`, () => {
      const { ca, cb } = pair();
      const seq = ca.nextSeq();
      const x = { seq, ct: ca.seal(seq, utf8('payload'), utf8('aad')), aad: utf8('aad') };
      const m = mutate(x);
      throwsCode(() => cb.open(m.seq, m.ct, m.aad), 'e2e_decrypt_failed');
      assert.equal(new TextDecoder().decode(cb.open(x.seq, x.ct, x.aad)), 'payload');
    });
  }

  it('refuses a replay, accepts reordering inside the window, refuses what is older than the window', () => {
    const { ca, cb } = pair(4);
    const aad = new Uint8Array(0);
    const msgs = Array.from({ length: 10 }, (_, i) => {
      const s = ca.nextSeq();
      return { s, ct: ca.seal(s, Uint8Array.of(i), aad) };
    });
    cb.open(msgs[0]!.s, msgs[0]!.ct, aad);
    throwsCode(() => cb.open(msgs[0]!.s, msgs[0]!.ct, aad), 'e2e_replay');
    cb.open(msgs[6]!.s, msgs[6]!.ct, aad);
    cb.open(msgs[4]!.s, msgs[4]!.ct, aad); // late, within 4
    throwsCode(() => cb.open(msgs[4]!.s, msgs[4]!.ct, aad), 'e2e_replay');
    throwsCode(() => cb.open(msgs[2]!.s, msgs[2]!.ct, aad), 'e2e_replay'); // 6 − 2 ≥ 4: too old
    cb.open(msgs[3]!.s, msgs[3]!.ct, aad);
  });

  it('every input of the derivation changes the keys: either prekey, either identity', () => {
    const a = party(1);
    const b = party(2);
    const base = hex(derivePairwiseKeys(c, a, b).sendKey);
    const b2 = party(2);
    assert.notEqual(hex(derivePairwiseKeys(c, a, b2).sendKey), base);
    const a2 = { ...party(1), x25519Private: a.x25519Private, x25519: a.x25519 };
    assert.equal(hex(derivePairwiseKeys(c, a2, b).sendKey), base, 'same inputs, same keys');
    assert.notEqual(hex(derivePairwiseKeys(c, { ...a, fpBytes: new Uint8Array(32).fill(3) }, b).sendKey), base);
    assert.notEqual(hex(derivePairwiseKeys(c, a, { ...b, fpBytes: new Uint8Array(32).fill(0) }).sendKey), base);
  });

  it('refuses one identity on both ends and a low-order prekey', () => {
    const a = party(1);
    throwsCode(() => derivePairwiseKeys(c, a, { ...party(1) }), 'e2e_invalid_argument');
    throwsCode(() => derivePairwiseKeys(c, a, { fpBytes: new Uint8Array(32).fill(2), x25519: new Uint8Array(32) }), 'e2e_bad_signature');
  });

  it('nonces: 4 zero bytes and the u64 sequence number', () => {
    assert.equal(hex(pairwiseNonce(0x0102)), '000000000000000000000102');
    assert.equal(hex(pairwiseNonce(2 ** 32 - 1)), '0000000000000000ffffffff');
  });

  it('ReplayWindow keeps its promise over many numbers (every number accepted once, in any order within the window)', () => {
    const w = new ReplayWindow(16);
    const seen = new Set<number>();
    let rnd = 12345;
    for (let i = 0; i < 5000; i++) {
      rnd = (rnd * 1103515245 + 12345) % 2 ** 31;
      const seq = Math.max(0, i - (rnd % 20));
      const ok = w.check(seq);
      if (seen.has(seq)) assert.equal(ok, false, `replay of ${seq} accepted`);
      if (ok) {
        w.accept(seq);
        seen.add(seq);
      }
    }
  });
});
