/**
 * Safety numbers: libsignal's published known answer (its fingerprint test vector: Alice and
 * Bob's identity keys and stable ids, 5,200 iterations), order independence, 60 digits, and a
 * change when either key or name changes. The known answer checks the construction itself, so
 * our numbers are Signal's numbers for the same inputs.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { nodeE2ECrypto } from '../../src/e2e/crypto-node.js';
import { webE2ECrypto } from '../../src/e2e/crypto-web.js';
import { formatSafetyNumber, safetyNumber } from '../../src/e2e/safety-number.js';
import { unhex } from './helpers.js';

// libsignal (rust/protocol/src/fingerprint.rs and libsignal-protocol-c tests/test_fingerprint.c)
const ALICE = { name: '+14152222222', spki: unhex('0506863bc66d02b40d27b8d49ca7c09e9239236f9d7d25d6fcca5ce13c7064d868') };
const BOB = { name: '+14153333333', spki: unhex('05f781b6fb32fed9ba1cf2de978d4d5da28dc34046ae814402b5c0dbd96fda907b') };
const DISPLAYABLE = '300354477692869396892869876765458257569162576843440918079131';

describe('safety numbers', () => {
  for (const [label, c] of [['node', nodeE2ECrypto], ['web', webE2ECrypto]] as const) {
    it(`libsignal's known answer (${label} provider), the same from both sides`, () => {
      assert.equal(safetyNumber(c, ALICE, BOB), DISPLAYABLE);
      assert.equal(safetyNumber(c, BOB, ALICE), DISPLAYABLE);
    });
  }

  it('60 digits; another key or another name gives another number', () => {
    const c = nodeE2ECrypto;
    const n = safetyNumber(c, ALICE, BOB);
    assert.match(n, /^\d{60}$/);
    const otherKey = { ...BOB, spki: unhex('05' + '11'.repeat(32)) };
    assert.notEqual(safetyNumber(c, ALICE, otherKey), n);
    assert.notEqual(safetyNumber(c, ALICE, { ...BOB, name: '+14153333334' }), n);
  });

  it('formats in groups of 5, 4 per line on request', () => {
    assert.equal(formatSafetyNumber(DISPLAYABLE).split(' ').length, 12);
    assert.equal(formatSafetyNumber(DISPLAYABLE, true).split('\n').length, 3);
    assert.equal(formatSafetyNumber(DISPLAYABLE, true).split('\n')[0], '30035 44776 92869 39689');
  });
});
