/** The visual skeleton of names: the written-down table, its order of steps, and what it leaves apart. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NAME_RE, nameSkeleton, SKELETON_CHARS } from '../../src/chat/index.js';
import { rng } from './helpers.js';

/** Pairs that must look alike (same skeleton). */
const ALIKE: [string, string][] = [
  ['alice', 'aIice'], // capital i for small L: 'I' is mapped before lower-casing
  ['alice', 'a1ice'],
  ['alice', 'Alice'], // ('ALICE' is the same name as 'alice' — nameKey — so the registry needs no skeleton for it)
  ['lol', 'I0I'],
  ['lol', '101'],
  ['bob', 'B0B'],
  ['bob', 'bOb'],
  ['mallory', 'rnallory'],
  ['MALLORY', 'rnallory'],
  ['william', 'vvilliam'],
  ['william', 'VViIIiam'],
  ['dave', 'clave'],
  ['Dave', 'cIave'],
  ['ann_lee', 'ann__lee'],
  ['ann_lee', 'ann___lee'],
  ['ann-lee', 'ann--lee'],
  ['mm', 'rnrn'],
  ['vvv', 'wv'],
  ['vvv', 'vw'],
];

/** Pairs that must stay apart. */
const APART: [string, string][] = [
  ['alice', 'aiice'], // small i has a dot
  ['alice', 'ajice'],
  ['alice', 'A1ICE'], // 'I' here is the capital of i: only as 'ALICE' (the same name) would it collide — see skeleton.ts
  ['S5', 'SS'],
  ['Z2', 'ZZ'],
  ['B8', 'BB'],
  ['b6', 'bb'],
  ['g9', 'gg'],
  ['q9', 'qq'],
  ['a_b', 'a-b'],
  ['a_b', 'a.b'],
  ['a.b', 'a..b'], // separate dots
  ['a-b', 'ab'],
  ['nn', 'm'],
  ['uu', 'w'],
];

describe('nameSkeleton', () => {
  for (const [a, b] of ALIKE) {
    it(`${a} and ${b} look alike`, () => assert.equal(nameSkeleton(a), nameSkeleton(b)));
  }
  for (const [a, b] of APART) {
    it(`${a} and ${b} stay apart`, () => assert.notEqual(nameSkeleton(a), nameSkeleton(b)));
  }

  it('the table is the documented one', () => {
    assert.deepEqual({ ...SKELETON_CHARS }, { '1': 'l', '0': 'o', m: 'rn', w: 'vv', d: 'cl' });
    assert.ok(Object.isFrozen(SKELETON_CHARS));
  });

  it('examples of whole skeletons', () => {
    assert.equal(nameSkeleton('aIice'), 'alice');
    assert.equal(nameSkeleton('Wi11iam_D0e'), 'vvilliarn_cloe');
    assert.equal(nameSkeleton('a__b--c..d'), 'a_b-c..cl');
  });

  it('is idempotent, ignores case (but for I), never longer than twice the name, on 2000 random names', () => {
    const r = rng(0x51e);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-';
    for (let i = 0; i < 2000; i++) {
      const len = 1 + Math.floor(r() * 32);
      const name = Array.from({ length: len }, () => alphabet[Math.floor(r() * alphabet.length)]).join('');
      assert.match(name, NAME_RE);
      const s = nameSkeleton(name);
      assert.equal(nameSkeleton(s), s, `idempotent: ${name}`);
      assert.equal(nameSkeleton(name.replace(/I/g, 'l').toLowerCase()), s, `'I' is 'l', then case does not matter: ${name}`);
      assert.equal(nameSkeleton(name.replace(/[a-hj-z]/g, (c) => c.toUpperCase())), s, `case of letters other than i does not matter: ${name}`);
      assert.ok(s.length <= 2 * name.length);
      assert.match(s, /^[a-z0-9_.-]*$/);
      assert.doesNotMatch(s, /[01mwdI]|__|--/, `no mapped character left: ${name} → ${s}`);
    }
  });
});
