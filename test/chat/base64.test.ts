/** The hub's only look at opaque payloads and bundles: canonical base64 and the length it stands for. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { base64DecodedLength, base64Length } from '../../src/chat/index.js';
import { rng } from './helpers.js';

describe('base64DecodedLength', () => {
  const VALID: [string, number][] = [
    ['', 0],
    ['AA==', 1],
    ['AAA=', 2],
    ['AAAA', 3],
    ['/w==', 1],
    ['+/+/', 3],
    ['aGVsbG8=', 5],
    ['QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0NTY3ODkrLw==', 64],
  ];
  for (const [s, n] of VALID) {
    it(`${JSON.stringify(s.length > 12 ? s.slice(0, 12) + '…' : s)} is ${n} bytes`, () => {
      assert.equal(base64DecodedLength(s), n);
      assert.equal(Buffer.from(s, 'base64').length, n, 'as Node decodes it');
    });
  }

  const INVALID: [string, unknown][] = [
    ['not a string', 42],
    ['null', null],
    ['a length that is not a multiple of 4', 'AAA'],
    ['no padding', 'aGk'],
    ['one character', 'A'],
    ['padding only', '===='],
    ['three padding characters', 'A==='],
    ['padding inside', 'AA==AAAA'],
    ['a space', 'AA A'],
    ['a line break', 'AAAA\nAAAA'],
    ['base64url', '-_-_'],
    ['a non-ASCII character', 'AAA\u00e9'],
    ['a character beyond the BMP', 'AA\ud83d\ude00'],
    ['a NUL', 'AAA\0'],
    ['unused bits set before ==', 'AB=='],
    ['unused bits set before =', 'AAB='],
    ['unused bits set (2)', 'aGl='],
  ];
  for (const [label, v] of INVALID) {
    it(`refuses ${label}`, () => assert.equal(base64DecodedLength(v), undefined));
  }

  it('2000 random byte strings: their base64 is accepted with the right length; a change to one character is refused or changes the bytes', () => {
    const r = rng(0xb64);
    for (let i = 0; i < 2000; i++) {
      const bytes = Buffer.from(Array.from({ length: Math.floor(r() * 64) }, () => Math.floor(r() * 256)));
      const s = bytes.toString('base64');
      assert.equal(s.length, base64Length(bytes.length));
      assert.equal(base64DecodedLength(s), bytes.length);
      if (s.length === 0) continue;
      const at = Math.floor(r() * s.length);
      const c = String.fromCharCode(Math.floor(r() * 128));
      const t = s.slice(0, at) + c + s.slice(at + 1);
      const n = base64DecodedLength(t);
      // canonical: whatever is accepted decodes to bytes whose encoding is exactly t
      if (n !== undefined) assert.equal(Buffer.from(t, 'base64').toString('base64'), t, JSON.stringify(t));
    }
  });
});
