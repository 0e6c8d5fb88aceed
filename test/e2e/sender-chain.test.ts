/**
 * Sender chains: the key schedule against an independent computation (node:crypto HMAC and HKDF
 * written out here), round trips, out-of-order delivery within the bounds, refusals beyond them
 * (too far ahead, skipped keys dropped past maxSkip), duplicates, forward secrecy (a stolen chain
 * key opens nothing earlier), a receiver that starts late, and no state change without commit().
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import nodeCrypto from 'node:crypto';
import { nodeE2ECrypto as c } from '../../src/e2e/crypto-node.js';
import { ReceiverChain, SenderChain, type MessageKey } from '../../src/e2e/sender-chain.js';
import { hex, throwsCode } from './helpers.js';

const hmac = (k: Uint8Array, b: number) => new Uint8Array(nodeCrypto.createHmac('sha256', k).update(Uint8Array.of(b)).digest());
const seal = (mk: MessageKey, pt: string) => c.aeadSeal(mk.key, mk.nonce, new TextEncoder().encode(pt), new Uint8Array(0));
const open = (mk: MessageKey, ct: Uint8Array) => new TextDecoder().decode(c.aeadOpen(mk.key, mk.nonce, ct, new Uint8Array(0)));

function fresh(limits = { maxSkip: 2000, maxForwardJump: 25000 }) {
  const s = SenderChain.create(c);
  const r = new ReceiverChain(c, s.state(), limits);
  return { s, r };
}

describe('sender chain', () => {
  it('key schedule: seed = HMAC(ck, 01), next = HMAC(ck, 02), key ‖ nonce = HKDF(seed, 0³², "parley e2e chain v1", 44)', () => {
    const ck0 = new Uint8Array(32).fill(7);
    const s = SenderChain.fromState(c, { chainId: new Uint8Array(16), iteration: 0, chainKey: ck0 });
    let ck = ck0;
    for (let i = 0; i < 3; i++) {
      const seed = hmac(ck, 1);
      const okm = new Uint8Array(nodeCrypto.hkdfSync('sha256', seed, new Uint8Array(32), 'parley e2e chain v1', 44));
      const mk = s.nextKey();
      assert.equal(mk.iteration, i);
      assert.equal(hex(mk.key), hex(okm.subarray(0, 32)));
      assert.equal(hex(mk.nonce), hex(okm.subarray(32)));
      ck = hmac(ck, 2);
    }
    assert.equal(hex(s.state().chainKey), hex(ck), 'the state is the chain key after three steps');
  });

  it('in-order round trip of 100 messages', () => {
    const { s, r } = fresh();
    for (let i = 0; i < 100; i++) {
      const mk = s.nextKey();
      const ct = seal(mk, `m${i}`);
      const k = r.keyFor(mk.iteration);
      assert.equal(open(k, ct), `m${i}`);
      k.commit();
    }
  });

  it('out of order within maxSkip: every message opens exactly once; duplicates are e2e_replay', () => {
    const { s, r } = fresh();
    const sent = Array.from({ length: 50 }, (_, i) => {
      const mk = s.nextKey();
      return { i: mk.iteration, ct: seal(mk, `m${i}`) };
    });
    const order = [49, 0, 25, 10, 48, ...Array.from({ length: 50 }, (_, i) => i).filter((i) => ![49, 0, 25, 10, 48].includes(i))];
    for (const i of order) {
      const k = r.keyFor(sent[i]!.i);
      assert.equal(open(k, sent[i]!.ct), `m${i}`);
      k.commit();
    }
    assert.equal(r.skippedCount, 0);
    for (const i of [0, 25, 49]) throwsCode(() => r.keyFor(sent[i]!.i), 'e2e_replay');
  });

  it('a jump of maxForwardJump is followed; one more is e2e_too_far_ahead', () => {
    const { s, r } = fresh({ maxSkip: 10, maxForwardJump: 300 });
    for (let i = 0; i < 301; i++) s.nextKey();
    const far = s.nextKey(); // iteration 301: a jump of 301 from 0
    throwsCode(() => r.keyFor(far.iteration), 'e2e_too_far_ahead');
    const ok = r.keyFor(300);
    ok.commit();
    assert.equal(r.iteration, 301);
    const k = r.keyFor(far.iteration);
    assert.equal(hex(k.key), hex(far.key));
  });

  it('skipped keys beyond maxSkip are dropped (oldest first): those messages are refused', () => {
    const { s, r } = fresh({ maxSkip: 5, maxForwardJump: 1000 });
    const keys = Array.from({ length: 20 }, () => s.nextKey());
    r.keyFor(19).commit(); // skips 0..18, keeps 14..18
    assert.equal(r.skippedCount, 5);
    throwsCode(() => r.keyFor(13), 'e2e_replay');
    const k = r.keyFor(14);
    assert.equal(hex(k.key), hex(keys[14]!.key));
  });

  it('forward secrecy: a chain key stolen at iteration n derives no key of an earlier message', () => {
    const { s } = fresh();
    const early = Array.from({ length: 10 }, () => {
      const mk = s.nextKey();
      return { mk, ct: seal(mk, 'secret') };
    });
    const stolen = s.state(); // iteration 10
    const thief = new ReceiverChain(c, stolen, { maxSkip: 2000, maxForwardJump: 25000 });
    for (const { mk } of early) throwsCode(() => thief.keyFor(mk.iteration), 'e2e_replay');
    // and none of the keys the stolen state can derive (the next 1000) opens an earlier ciphertext
    const derivable = new Set<string>();
    const probe = SenderChain.fromState(c, stolen);
    for (let i = 0; i < 1000; i++) derivable.add(hex(probe.nextKey().key));
    for (const { mk } of early) assert.equal(derivable.has(hex(mk.key)), false);
  });

  it('the sender erases each chain key it leaves behind', () => {
    const s = SenderChain.create(c);
    const ckBefore = (s as unknown as { ck: Uint8Array }).ck;
    const copy = ckBefore.slice();
    s.nextKey();
    assert.notDeepEqual(copy, new Uint8Array(32));
    assert.deepEqual(ckBefore, new Uint8Array(32), 'the old chain key array is zeroed');
  });

  it('a late receiver (distribution at iteration n) cannot open iterations before n', () => {
    const s = SenderChain.create(c);
    const before = Array.from({ length: 5 }, () => s.nextKey());
    const r = new ReceiverChain(c, s.state());
    for (const mk of before) throwsCode(() => r.keyFor(mk.iteration), 'e2e_replay');
    const next = s.nextKey();
    assert.equal(hex(r.keyFor(next.iteration).key), hex(next.key));
  });

  it('keyFor without commit changes nothing (a forged message cannot move the chain)', () => {
    const { s, r } = fresh();
    const k0 = s.nextKey();
    r.keyFor(500); // never committed
    assert.equal(r.iteration, 0);
    assert.equal(r.skippedCount, 0);
    assert.equal(hex(r.keyFor(0).key), hex(k0.key));
  });
});
