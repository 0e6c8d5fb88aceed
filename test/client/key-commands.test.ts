/** /verify and /trust: parsing and carrying out (src/client/key-commands.ts). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseKeyCommand, runKeyCommand, type KeyCommandTarget } from '../../src/client/key-commands.js';

describe('parseKeyCommand', () => {
  const cases: [string, unknown][] = [
    ['hello', undefined],
    ['/whois bob', undefined],
    ['/verifyx bob', undefined],
    ['/verify bob', { type: 'verify', name: 'bob', confirm: false }],
    ['/VERIFY @bob YES', { type: 'verify', name: 'bob', confirm: true }],
    ['/trust bob', { type: 'trust', name: 'bob' }],
    ['/trust', { type: 'error', code: 'bad_command', message: 'wrong arguments for /trust', hint: 'usage: /trust NAME', command: 'trust' }],
    ['/verify bob no', { type: 'error', code: 'bad_command', message: 'wrong arguments for /verify', hint: 'usage: /verify NAME [yes]', command: 'verify' }],
    ['/trust b!b', { type: 'error', code: 'invalid_name', message: "'b!b' is not a valid name", hint: 'names are 1–32 of A–Z a–z 0–9 _ . -', command: 'trust' }],
  ];
  for (const [line, want] of cases) it(JSON.stringify(line), () => assert.deepEqual(parseKeyCommand(line), want));
});

describe('runKeyCommand', () => {
  const FP1 = 'SHA256:' + '1'.repeat(43);
  const FP2 = 'SHA256:' + '2'.repeat(43);
  function target(presented: string) {
    const marked: [string, string][] = [];
    const t: KeyCommandTarget & { presented: string } = {
      presented,
      safetyNumber: () => ({ digits: '1'.repeat(60), fingerprint: t.presented }),
      peerStatus: () => ({ pinned: FP1, verified: false, blocked: false, presented: null }),
      trust: () => {
        throw Object.assign(new Error('no changed key is waiting for bob'), { code: 'e2e_invalid_argument' });
      },
      markVerified: (n, fp) => void marked.push([n, fp]),
    };
    return { t, marked };
  }

  it('/verify NAME yes marks exactly the key whose number was shown, and refuses without one or after a change', () => {
    const { t, marked } = target(FP1);
    const shown = new Map<string, string>();
    assert.deepEqual(runKeyCommand({ type: 'verify', name: 'bob', confirm: true }, t, shown), {
      type: 'error', code: 'bad_command', message: 'no safety number with bob was shown yet', hint: 'type /verify bob first and compare the number', command: 'verify',
    });
    assert.deepEqual(runKeyCommand({ type: 'verify', name: 'bob', confirm: false }, t, shown), { type: 'safety_number', name: 'bob', fingerprint: FP1, digits: '1'.repeat(60), verified: false });
    t.presented = FP2; // the key changed after the number was shown
    const r = runKeyCommand({ type: 'verify', name: 'bob', confirm: true }, t, shown);
    assert.equal(r.type === 'error' && r.code, 'e2e_key_changed');
    assert.deepEqual(marked, []);
    runKeyCommand({ type: 'verify', name: 'bob', confirm: false }, t, shown);
    assert.equal(runKeyCommand({ type: 'verify', name: 'bob', confirm: true }, t, shown).type, 'info');
    assert.deepEqual(marked, [['bob', FP2]]);
  });

  it('/trust with nothing to trust is an error with its code, not a throw', () => {
    const { t } = target(FP1);
    assert.deepEqual(runKeyCommand({ type: 'trust', name: 'bob' }, t, new Map()), { type: 'error', code: 'e2e_invalid_argument', message: 'no changed key is waiting for bob', command: 'trust' });
  });
});
