/**
 * The plaintexts: a message carries text, the action flag and the SHA-256 of the text (the hash
 * check is computed, not trusted); a distribution carries room, chain id, iteration and chain key.
 * Strict decoding (table) and the size limit.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import nodeCrypto from 'node:crypto';
import { decodeDistribution, decodeMessage, encodeDistribution, encodeMessage } from '../../src/e2e/content.js';
import { concat } from '../../src/e2e/codec.js';
import { nodeE2ECrypto as c } from '../../src/e2e/crypto-node.js';
import { flip, hex, throwsCode, utf8 } from './helpers.js';

describe('message plaintext', () => {
  const cases: [string, boolean][] = [['hello', false], ['waves', true], ['héllo wörld ✓ 🎉', false], ['line\nbreak\ttab', false]];
  for (const [text, action] of cases) {
    it(`round trip ${JSON.stringify(text)} action=${action}, hash = SHA-256 of the UTF-8`, () => {
      const pt = encodeMessage(c, text, action, 16384);
      assert.equal(pt[0], 1);
      assert.equal(pt[1], action ? 1 : 0);
      assert.equal(hex(pt.subarray(2, 34)), nodeCrypto.createHash('sha256').update(text, 'utf8').digest('hex'));
      assert.deepEqual(decodeMessage(c, pt, 16384), { text, action, hashOk: true });
    });
  }

  it('a text that does not match its hash decodes with hashOk false', () => {
    const pt = encodeMessage(c, 'hello', false, 100);
    assert.equal(decodeMessage(c, flip(pt, pt.length - 1), 100).hashOk, false);
    assert.equal(decodeMessage(c, flip(pt, 5), 100).hashOk, false);
  });

  const bad: [string, Uint8Array, string][] = [
    ['version 2', flip(encodeMessage(c, 'x', false, 10), 0, 3), 'e2e_malformed'],
    ['unknown flag', flip(encodeMessage(c, 'x', false, 10), 1, 2), 'e2e_malformed'],
    ['empty text', encodeMessage(c, 'x', false, 10).subarray(0, 34), 'e2e_malformed'],
    ['no hash', Uint8Array.of(1, 0), 'e2e_malformed'],
    ['invalid UTF-8', concat(encodeMessage(c, 'x', false, 10).subarray(0, 34), Uint8Array.of(0xc3, 0x28)), 'e2e_malformed'],
    ['over maxTextBytes', encodeMessage(c, 'x'.repeat(11), false, 100), 'e2e_too_large'],
  ];
  for (const [name, pt, code] of bad) it(`decode refuses ${name} → ${code}`, () => throwsCode(() => decodeMessage(c, pt, 10), code as 'e2e_malformed'));

  it('encode refuses empty text, a lone surrogate, too long text', () => {
    throwsCode(() => encodeMessage(c, '', false, 10), 'e2e_invalid_argument');
    throwsCode(() => encodeMessage(c, 'a\ud800b', false, 10), 'e2e_invalid_argument');
    throwsCode(() => encodeMessage(c, 'é'.repeat(6), false, 10), 'e2e_too_large');
  });
});

describe('distribution plaintext', () => {
  it('round trip', () => {
    const state = { chainId: new Uint8Array(16).fill(1), iteration: 77, chainKey: new Uint8Array(32).fill(2) };
    const pt = encodeDistribution('lobby', state);
    assert.equal(pt.length, 1 + 1 + 5 + 16 + 4 + 32);
    assert.deepEqual(decodeDistribution(pt), { room: 'lobby', ...state });
  });
  it('refuses trailing bytes, a short key and an unknown version', () => {
    const pt = encodeDistribution('lobby', { chainId: new Uint8Array(16), iteration: 0, chainKey: new Uint8Array(32) });
    throwsCode(() => decodeDistribution(concat(pt, Uint8Array.of(0))), 'e2e_malformed');
    throwsCode(() => decodeDistribution(pt.subarray(0, pt.length - 1)), 'e2e_malformed');
    throwsCode(() => decodeDistribution(flip(pt, 0, 3)), 'e2e_malformed');
    assert.equal(utf8('lobby').length, 5);
  });
});
