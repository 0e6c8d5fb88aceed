/** FilePinStore: peers' key pins per server in the parley home (src/client/peer-pin-file.ts). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { FilePinStore, PeerPinError, peerPinPath } from '../../src/client/peer-pin-file.js';
import { PeerPins } from '../../src/e2e/index.js';
import { tempDir } from '../integration/harness.js';

const A = 'SHA256:' + 'A'.repeat(43);
const B = 'SHA256:' + 'B'.repeat(43);

describe('FilePinStore', () => {
  it('one file per server (scheme defaults and case folded), mode 0600 in a 0700 folder, kept across opens', () => {
    const h = tempDir();
    try {
      assert.equal(peerPinPath(h.dir, 'ws://Example.org:80/'), peerPinPath(h.dir, 'example.org:80'));
      assert.equal(path.basename(peerPinPath(h.dir, 'ws://127.0.0.1:8765')), '127.0.0.1%3A8765.json');
      assert.notEqual(peerPinPath(h.dir, 'ws://a:1'), peerPinPath(h.dir, 'ws://a:2'));
      const s = new FilePinStore(h.dir, 'ws://127.0.0.1:8765');
      const pins = new PeerPins(s, () => 7);
      assert.equal(pins.check('bob', A).status, 'new');
      assert.equal(pins.check('bob', B).status, 'changed');
      const file = peerPinPath(h.dir, 'ws://127.0.0.1:8765');
      assert.equal(statSync(file).mode & 0o777, 0o600);
      assert.equal(statSync(path.dirname(file)).mode & 0o777, 0o700);
      const again = new PeerPins(new FilePinStore(h.dir, 'ws://127.0.0.1:8765'));
      assert.deepEqual(again.status('bob'), { pinned: A, verified: false, blocked: true, presented: B });
      assert.equal(new PeerPins(new FilePinStore(h.dir, 'ws://127.0.0.1:9999')).status('bob').pinned, null, 'another server: other pins');
    } finally {
      h.cleanup();
    }
  });

  it('two stores on one file lose nothing: each change re-reads the file under its lock', () => {
    const h = tempDir();
    try {
      const one = new FilePinStore(h.dir, 'ws://h:1');
      const two = new FilePinStore(h.dir, 'ws://h:1');
      one.set('bob', { fingerprint: A, verified: false, since: 1 });
      two.set('carol', { fingerprint: B, verified: true, since: 2 });
      assert.deepEqual(new FilePinStore(h.dir, 'ws://h:1').names().sort(), ['bob', 'carol']);
    } finally {
      h.cleanup();
    }
  });

  const bad: [string, string][] = [
    ['not JSON', '{'],
    ['another version', JSON.stringify({ version: 2, peers: {} })],
    ['peers as a list', JSON.stringify({ version: 1, peers: [] })],
    ['a malformed fingerprint', JSON.stringify({ version: 1, peers: { bob: { fingerprint: 'SHA256:x', verified: false, since: 1 } } })],
    ['verified as a string', JSON.stringify({ version: 1, peers: { bob: { fingerprint: A, verified: 'yes', since: 1 } } })],
    ['an unknown field', JSON.stringify({ version: 1, peers: { bob: { fingerprint: A, verified: false, since: 1, extra: 1 } } })],
    ['an invalid name', JSON.stringify({ version: 1, peers: { 'b b': { fingerprint: A, verified: false, since: 1 } } })],
    ['a malformed presented key', JSON.stringify({ version: 1, peers: { bob: { fingerprint: A, verified: false, since: 1, presented: 'x' } } })],
  ];
  for (const [what, text] of bad) {
    it(`refuses a file with ${what}: PEER_PINS_INVALID, saying what to do`, () => {
      const h = tempDir();
      try {
        const file = peerPinPath(h.dir, 'ws://h:1');
        mkdirSync(path.dirname(file), { recursive: true });
        writeFileSync(file, text);
        assert.throws(() => new FilePinStore(h.dir, 'ws://h:1'), (e: unknown) => e instanceof PeerPinError && e.code === 'PEER_PINS_INVALID' && /move it away/.test(e.hint ?? ''));
      } finally {
        h.cleanup();
      }
    });
  }

  it('a change that cannot be written is kept for this run and reported (onWriteError), or thrown without it', () => {
    const h = tempDir();
    try {
      const errors: string[] = [];
      const s = new FilePinStore(h.dir, 'ws://h:1', (e) => errors.push(e.code));
      const strict = new FilePinStore(h.dir, 'ws://h:2');
      writeFileSync(path.join(h.dir, 'peers'), 'a file where the folder should be'); // fails as root too
      s.set('bob', { fingerprint: A, verified: false, since: 1 });
      assert.deepEqual(errors, ['PEER_PINS_WRITE_FAILED']);
      assert.equal(s.get('bob')?.fingerprint, A, 'kept in memory');
      assert.throws(() => strict.set('x', { fingerprint: A, verified: false, since: 1 }), (e: unknown) => e instanceof PeerPinError && e.code === 'PEER_PINS_WRITE_FAILED');
    } finally {
      h.cleanup();
    }
  });
});
