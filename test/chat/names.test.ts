/** The in-memory name registry (the shared NameRegistry contract), and the help table of client commands. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { COMMAND_HELP, formatCommandHelp, MemoryNameRegistry } from '../../src/chat/index.js';
import { fp } from './helpers.js';
import { registryContract } from './registry-contract.js';

registryContract('MemoryNameRegistry', (seed = []) => {
  const r = new MemoryNameRegistry();
  for (const rec of seed) r.seed(rec);
  return r;
});

describe('MemoryNameRegistry', () => {
  it('seed refuses an invalid or duplicate record', () => {
    const r = new MemoryNameRegistry();
    r.seed({ name: 'alice', fingerprint: fp('a'), createdAt: 1 });
    assert.throws(() => r.seed({ name: 'ALICE', fingerprint: fp('b'), createdAt: 2 }), RangeError);
    assert.throws(() => r.seed({ name: 'a b', fingerprint: fp('b'), createdAt: 2 }), RangeError);
    assert.equal(r.size(), 1);
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
