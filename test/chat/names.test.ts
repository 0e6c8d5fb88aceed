/** The in-memory name registry, and the shared help table of client commands. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { COMMAND_HELP, formatCommandHelp, MemoryNameRegistry } from '../../src/chat/index.js';
import { fp } from './helpers.js';

describe('MemoryNameRegistry', () => {
  it('first key owns a name; the same key again is fine; another key is refused', () => {
    const r = new MemoryNameRegistry();
    const a = r.claim('alice', fp('a'), 1000);
    assert.deepEqual(a, { ok: true, created: true, record: { name: 'alice', fingerprint: fp('a'), createdAt: 1000 } });
    assert.deepEqual(r.claim('alice', fp('a'), 2000), { ok: true, created: false, record: { name: 'alice', fingerprint: fp('a'), createdAt: 1000 } });
    assert.deepEqual(r.claim('alice', fp('m'), 3000), { ok: false, record: { name: 'alice', fingerprint: fp('a'), createdAt: 1000 } });
    assert.equal(r.size(), 1);
  });

  it('is case-insensitive and keeps the first spelling', () => {
    const r = new MemoryNameRegistry();
    r.claim('Alice', fp('a'));
    assert.equal(r.claim('ALICE', fp('m')).ok, false);
    const again = r.claim('alice', fp('a'));
    assert.ok(again.ok);
    assert.equal(again.record.name, 'Alice');
    assert.equal(r.lookup('aLiCe')?.fingerprint, fp('a'));
    assert.equal(r.lookup('bob'), undefined);
    assert.equal(r.lookup('not valid'), undefined);
  });

  it('refuses invalid names and fingerprints with RangeError', () => {
    const r = new MemoryNameRegistry();
    assert.throws(() => r.claim('a b', fp('a')), RangeError);
    assert.throws(() => r.claim('x'.repeat(33), fp('a')), RangeError);
    assert.throws(() => r.claim('alice', ''), RangeError);
    assert.throws(() => r.claim('alice', 'with space'), RangeError);
    assert.equal(r.size(), 0);
  });

  it('returned records are copies', () => {
    const r = new MemoryNameRegistry();
    const c = r.claim('alice', fp('a'));
    c.record.fingerprint = 'tampered';
    assert.equal(r.lookup('alice')?.fingerprint, fp('a'));
  });
});

describe('COMMAND_HELP', () => {
  it('lists the client commands once each, with args and a description', () => {
    assert.deepEqual(
      COMMAND_HELP.map((c) => `${c.command} ${c.args}`.trim()),
      ['/join ROOM', '/leave [ROOM]', '/rooms', '/who [ROOM]', '/msg NAME TEXT', '/me ACTION', '/whois NAME', '/fingerprint', '/help', '/quit'],
    );
    for (const c of COMMAND_HELP) assert.ok(c.description.length > 5 && !c.description.includes('\n'));
    assert.ok(Object.isFrozen(COMMAND_HELP) && Object.isFrozen(COMMAND_HELP[0]));
  });

  it('formats as aligned lines', () => {
    const lines = formatCommandHelp().split('\n');
    assert.equal(lines.length, COMMAND_HELP.length);
    const col = lines[0]!.indexOf(COMMAND_HELP[0]!.description);
    for (const [i, l] of lines.entries()) assert.equal(l.indexOf(COMMAND_HELP[i]!.description), col, l);
  });
});
