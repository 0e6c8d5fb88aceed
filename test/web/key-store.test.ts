/** The setup form's checks (setupProblems): each problem names the field it is shown next to; the passphrase rule is stated. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MIN_PASSPHRASE_LENGTH, PASSPHRASE_RULE, setupProblems } from '../../src/web/key-store.js';

describe('setupProblems', () => {
  const cases: [string, [string, string, string], string[]][] = [
    ['all fine, no passphrase', ['alice', '', ''], []],
    ['all fine, with a passphrase', ['alice', 'long enough', 'long enough'], []],
    ['no name', ['', '', ''], ['name']],
    ['a bad name', ['a b', '', ''], ['name']],
    ['a short passphrase, typed twice', ['alice', 'short', 'short'], ['pass']],
    ['a short passphrase, typed once', ['alice', 'short', ''], ['pass']],
    ['two passphrases that differ', ['alice', 'long enough', 'long enougH'], ['pass2']],
    ['a confirmation without a passphrase', ['alice', '', 'long enough'], ['pass2']],
    ['a bad name and a short passphrase: both, each at its field', ['', 'x', 'x'], ['name', 'pass']],
  ];
  for (const [what, [n, p, p2], fields] of cases) {
    it(what, () => assert.deepEqual(setupProblems(n, p, p2).map((x) => x.field), fields));
  }

  it('the rule names the minimum, and the short-passphrase error repeats it', () => {
    assert.match(PASSPHRASE_RULE, new RegExp(`at least ${MIN_PASSPHRASE_LENGTH} characters`));
    assert.match(setupProblems('alice', 'short', 'short')[0]!.message, new RegExp(`${MIN_PASSPHRASE_LENGTH} characters`));
  });
});
