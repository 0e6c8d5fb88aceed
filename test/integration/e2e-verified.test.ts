/**
 * A verified peer whose key changes (issue 13 point 5), through the real server and the E2E
 * client layer: the warning says to verify again, /trust is refused, direct messages to the new
 * key are refused with e2e_verify_required and room messages withhold its keys, until the user
 * compares the new safety number and says it matches (/verify NAME yes).
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryNameRegistry } from '../../src/chat/index.js';
import { runKeyCommand } from '../../src/client/key-commands.js';
import { MemoryPinStore } from '../../src/e2e/index.js';
import { closeAll, quickKey, startServer } from './harness.js';
import { closeE2EPeers, E2EPeer } from './e2e-peer.js';

after(closeAll);
after(closeE2EPeers);

/** Waits until `peer` holds `name`'s keys (of `fingerprint` when given): /verify needs them. */
async function bundleOf(peer: E2EPeer, name: string, fingerprint?: string): Promise<void> {
  const end = Date.now() + 5000;
  for (;;) {
    const fp = peer.e2e.peerStatus(name).bundleFingerprint;
    if (fp !== null && (fingerprint === undefined || fp === fingerprint)) return;
    if (Date.now() > end) throw new Error(`${peer.name} never got ${name}'s keys`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('a verified peer whose key changes', () => {
  it('blocks sending to them until they are verified again; /trust does not unblock them', { timeout: 120_000 }, async () => {
    const names = new MemoryNameRegistry();
    const ctx = await startServer({ names });
    const alicePins = new MemoryPinStore(); // alice's pins outlive her connections, as a file would
    const alice = await new E2EPeer(ctx.url, 'alice', quickKey(), alicePins).connect();
    const bob = await new E2EPeer(ctx.url, 'bob').connect();
    await alice.next((e) => e.type === 'peer_new' && e.name === 'bob');
    await bundleOf(alice, 'bob');
    const shown = new Map<string, string>();
    const n1 = runKeyCommand({ type: 'verify', name: 'bob', confirm: false }, alice.e2e, shown);
    assert.equal(n1.type, 'safety_number');
    assert.equal(runKeyCommand({ type: 'verify', name: 'bob', confirm: true }, alice.e2e, shown).type, 'info');
    assert.equal(alice.e2e.peerStatus('bob').verified, true);

    // bob's name goes to a new key
    bob.close();
    await alice.next((e) => e.type === 'leave' && e.name === 'bob');
    assert.ok(names.release('bob'));
    const bob2 = await new E2EPeer(ctx.url, 'bob').connect();
    const changed = await alice.next((e) => e.type === 'peer_key_changed');
    assert.ok(changed.type === 'peer_key_changed' && changed.wasVerified === true, 'the warning knows bob was verified');

    await bundleOf(alice, 'bob', changed.type === 'peer_key_changed' ? changed.presented : undefined);
    // /trust is refused; a DM is refused; a room message withholds the keys from the new bob
    const t = runKeyCommand({ type: 'trust', name: 'bob' }, alice.e2e, shown);
    assert.deepEqual([t.type, t.type === 'error' && t.code], ['error', 'e2e_verify_required']);
    alice.dm('bob', 'secret');
    const refused = await alice.next((e) => e.type === 'error' && e.command === 'dm');
    assert.ok(refused.type === 'error' && refused.code === 'e2e_verify_required');
    alice.say('lobby', 'room secret');
    const withheld = await alice.next((e) => e.type === 'e2e_withheld');
    assert.ok(withheld.type === 'e2e_withheld' && withheld.names.includes('bob'));
    await new Promise((r) => setTimeout(r, 500));
    assert.ok(!bob2.events.some((e) => (e.type === 'message' || e.type === 'direct') && e.body.text.includes('secret')), 'the new key reads nothing');

    // verified again: the new key's number, then yes
    const n2 = runKeyCommand({ type: 'verify', name: 'bob', confirm: false }, alice.e2e, shown);
    assert.ok(n2.type === 'safety_number' && n1.type === 'safety_number' && n2.digits !== n1.digits, 'another key, another number');
    assert.equal(runKeyCommand({ type: 'verify', name: 'bob', confirm: true }, alice.e2e, shown).type, 'info');
    alice.dm('bob', 'now you may read this');
    const got = await bob2.next((e) => e.type === 'direct' && e.body.text === 'now you may read this');
    assert.ok(got.type === 'direct' && got.verified === true);
    alice.close();
    bob2.close();
  });
});
