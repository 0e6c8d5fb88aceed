/**
 * RoomSession, the per-room state rules: who gets our chain, when it rotates (only after a
 * holder leaves or changes identity, lazily on the next send), whose chains are accepted (members
 * under the announced identity only), chain limits per sender, and what a member list update does.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { nodeE2ECrypto as c } from '../../src/e2e/crypto-node.js';
import { RoomSession } from '../../src/e2e/group.js';
import { DEFAULT_LIMITS } from '../../src/e2e/limits.js';
import { SenderChain } from '../../src/e2e/sender-chain.js';
import { hex, throwsCode } from './helpers.js';

const FP = (n: number) => `SHA256:${String.fromCharCode(65 + n).repeat(43)}`;
const room = () => {
  const r = new RoomSession(c, 'lobby', { ...DEFAULT_LIMITS, maxChainsPerSender: 2 });
  r.join('bob', FP(1));
  r.join('carol', FP(2));
  return r;
};
const ed = c.ed25519Keypair().publicKey;

describe('RoomSession', () => {
  it('before the first send everyone lacks our chain; holders stop lacking; the chain stays until someone leaves', () => {
    const r = room();
    const ch = r.sendingChain();
    assert.deepEqual(r.lacking().sort(), ['bob', 'carol']);
    r.markHolder('bob');
    assert.deepEqual(r.lacking(), ['carol']);
    assert.equal(r.sendingChain(), ch, 'no rotation without a leave');
  });

  const rotation: [string, (r: RoomSession) => void, boolean][] = [
    ['a holder leaves → rotation', (r) => r.leave('bob'), true],
    ['a member who never got our chain leaves → no rotation', (r) => r.leave('carol'), false],
    ['a holder reappears under another identity → rotation', (r) => r.join('bob', FP(9)), true],
    ['a holder joins again under the same identity → no rotation', (r) => r.join('bob', FP(1)), false],
    ['a holder drops out of a member list → rotation', (r) => r.setMembers([['carol', FP(2)]]), true],
    ['someone joins → no rotation', (r) => r.join('dave', FP(3)), false],
  ];
  for (const [name, act, rotates] of rotation) {
    it(name, () => {
      const r = room();
      const ch = r.sendingChain();
      r.markHolder('bob');
      act(r);
      assert.equal(r.rotationPending, rotates);
      const next = r.sendingChain();
      assert.equal(next !== ch, rotates);
      if (rotates) assert.deepEqual(r.lacking().includes('carol'), true, 'after a rotation nobody holds the new chain');
    });
  }

  it('accepts a chain only from a member under its announced identity; never rewinds a held chain', () => {
    const r = room();
    const s = SenderChain.create(c);
    throwsCode(() => r.install('mallory', FP(5), ed, s.state()), 'e2e_not_member');
    throwsCode(() => r.install('bob', FP(7), ed, s.state()), 'e2e_not_member');
    assert.equal(r.install('bob', FP(1), ed, s.state()), true);
    s.nextKey();
    assert.equal(r.install('bob', FP(1), ed, s.state()), false, 'same chain id: refused');
    assert.equal(r.chain(hex(s.chainId))!.chain.iteration, 0);
  });

  it('keeps at most maxChainsPerSender chains per sender, dropping the oldest; a leave drops them all', () => {
    const r = room();
    const chains = [SenderChain.create(c), SenderChain.create(c), SenderChain.create(c)];
    for (const ch of chains) r.install('bob', FP(1), ed, ch.state());
    assert.equal(r.chain(hex(chains[0]!.chainId)), undefined);
    assert.ok(r.chain(hex(chains[1]!.chainId)));
    assert.ok(r.chain(hex(chains[2]!.chainId)));
    r.leave('bob');
    assert.deepEqual(r.chainIds(), []);
  });

  it('setMembers reports who joined and who left', () => {
    const r = room();
    assert.deepEqual(r.setMembers([['carol', FP(2)], ['dave', FP(3)]]), { joined: ['dave'], left: ['bob'] });
    assert.deepEqual(r.memberList().map(([n]) => n).sort(), ['carol', 'dave']);
  });

  it('lacking() always equals the members minus those holding our current chain (a model over 3,000 random steps)', () => {
    const r = new RoomSession(c, 'lobby', DEFAULT_LIMITS);
    const members = new Map<string, string>();
    let holders = new Set<string>();
    let rnd = 7;
    const next = (n: number) => ((rnd = (rnd * 1103515245 + 12345) % 2 ** 31), rnd % n);
    for (let step = 0; step < 3000; step++) {
      const name = `u${next(12)}`;
      const op = next(5);
      if (op === 0) {
        const fp = FP(next(3));
        if (members.get(name) !== fp) holders.delete(name);
        members.set(name, fp);
        r.join(name, fp);
      } else if (op === 1) {
        members.delete(name);
        holders.delete(name);
        r.leave(name);
      } else if (op === 2) {
        if (members.has(name)) holders.add(name);
        r.markHolder(name);
      } else if (op === 3) {
        holders.delete(name);
        r.forgetHolder(name);
      } else {
        if (r.rotationPending) holders = new Set();
        r.sendingChain();
      }
      const expected = [...members.keys()].filter((n) => !holders.has(n)).sort();
      assert.deepEqual(r.lacking().sort(), expected, `step ${step}`);
    }
  });

  it('destroy forgets everything', () => {
    const r = room();
    r.install('bob', FP(1), ed, SenderChain.create(c).state());
    r.destroy();
    assert.deepEqual(r.memberList(), []);
    assert.deepEqual(r.chainIds(), []);
  });
});
