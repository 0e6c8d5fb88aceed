/**
 * How the CLI prints the client layer's typed errors (src/client/errors.ts): the same one line
 * `parley: message; hint` as its own errors, exit 2 for an invalid name, 1 for everything else.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { clientExitCode, describeError } from '../../src/cli/errors.js';
import { ClientError } from '../../src/client/errors.js';
import { HomeError } from '../../src/client/home.js';
import { PinError } from '../../src/client/pins.js';

describe('ClientErrors in the CLI', () => {
  const cases: { error: ClientError; exit: number; text: string }[] = [
    { error: new HomeError('INVALID_NAME', "'a b' is not a valid name", 'a name is 1–32 of A–Z a–z 0–9 _ . -; check --name'), exit: 2, text: "parley: 'a b' is not a valid name; a name is 1–32 of A–Z a–z 0–9 _ . -; check --name\n" },
    { error: new HomeError('KEY_CORRUPT', '/h/key is not a valid RSA private key (x)', 'restore it'), exit: 1, text: 'parley: /h/key is not a valid RSA private key (x); restore it\n' },
    { error: new PinError('KNOWN_HOSTS_LOCKED', 'known_hosts is locked\nby another parley', 'try again'), exit: 1, text: 'parley: known_hosts is locked by another parley; try again\n' },
    { error: new PinError('INVALID_FINGERPRINT', "'x' is not a SHA256:… key fingerprint"), exit: 1, text: "parley: 'x' is not a SHA256:… key fingerprint\n" },
    { error: new ClientError('SOMETHING_NEW', 'a new code', 'do this'), exit: 1, text: 'parley: a new code; do this\n' },
  ];
  for (const c of cases) {
    it(`${c.error.code}: one line, exit ${c.exit}, no stack even with PARLEY_DEBUG=1`, () => {
      assert.equal(clientExitCode(c.error), c.exit);
      for (const debug of [false, true]) assert.deepEqual(describeError(c.error, debug), { text: c.text, exitCode: c.exit });
    });
  }
});
