/**
 * Session resumption end to end (docs/PROTOCOL.md §Session resumption) with real ParleyServer
 * instances and the shared client layer (ChatConnection, as the terminal and browser clients run
 * it): a client whose server dies comes back to another server with the same identity key by
 * resuming — the same name, fingerprint and key reach the hub, so `replaced` works as before —;
 * a server with another key refuses the ticket and the full handshake follows; the client's pin
 * still decides; the ticket never reaches the front end.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fingerprint } from '../../src/rsa/index.js';
import { RawClient } from '../reliability/lib/raw-client.js';
import { closeAll, quickKey, sleep, startServer, TestClient } from './harness.js';

after(closeAll);

async function until(pred: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe('session resumption across servers', () => {
  it('a client whose server stops resumes on another server with the same key (by itself), as the same member; replaced still works', async () => {
    const key = quickKey();
    const a = await startServer({ identity: key });
    const aliceKey = quickKey();
    const alice = new TestClient(a.url, 'alice', aliceKey, () => ({ ok: true }), true);
    await alice.connect();
    await until(() => alice.conn.hasTicket, 5000, 'a ticket');
    assert.ok(!alice.events.some((e) => (e.type as string) === 'ticket'), 'the ticket is not shown to the front end');
    assert.equal(alice.conn.resumedHandshakes, 0);
    // the node dies; another node with the same identity key takes its address
    await a.server.close();
    const b = await startServer({ identity: key, port: a.port });
    await until(() => alice.events.filter((e) => e.type === 'ready').length === 2, 15_000, 'the second ready');
    assert.equal(alice.conn.resumedHandshakes, 1, 'the reconnection resumed');
    assert.ok(b.log.lines.some((l) => /^connect alice \(.*\) from .* \(resumed\)$/.test(l)), b.log.lines.join('\n'));
    const readyB = alice.events.filter((e) => e.type === 'ready')[1]!;
    assert.equal(readyB.type === 'ready' && readyB.fingerprint, fingerprint(aliceKey), 'the hub knows the same key');
    await until(() => alice.conn.hasTicket, 5000, 'a fresh ticket');
    // messages flow on the resumed session
    const bob = await new TestClient(b.url, 'bob').connect();
    alice.sendRoom('lobby', 'back again');
    await bob.nextText('back again');
    // another connection of alice's key replaces the resumed one, as for a full handshake
    const alice2 = await new TestClient(b.url, 'alice', aliceKey).connect();
    await until(() => alice.fatal.some((f) => f.code === 'replaced'), 5000, 'replaced');
    alice2.conn.close();
    bob.conn.close();
  });

  it('two servers with the same key at once: a ticket from one resumes on the other; a server with another key refuses it and the full handshake follows', async () => {
    const key = quickKey();
    const a = await startServer({ identity: key });
    const b = await startServer({ identity: key });
    const c = await startServer();
    const carol = quickKey();
    const first = await RawClient.connect(a.url, carol, 'carol', { tickets: true });
    assert.equal(first.resumed, false);
    await until(() => first.ticket !== undefined, 5000, 'a ticket');
    const ticket = first.ticket!;
    first.close();
    await first.closed;
    const onB = await RawClient.connect(b.url, carol, 'carol', { ticket });
    assert.equal(onB.resumed, true, 'resumed on the other instance');
    assert.equal(onB.ready.fingerprint, fingerprint(carol));
    await until(() => onB.ticket !== undefined, 5000, 'the next ticket');
    onB.close();
    await onB.closed;
    const onC = await RawClient.connect(c.url, carol, 'carol', { ticket });
    assert.equal(onC.resumed, false);
    assert.equal(onC.ticketRefused, true, 'refused: a full handshake instead');
    assert.equal(onC.ready.serverFingerprint, c.server.fingerprint);
    assert.ok(onC.ticket, 'and a ticket of that server');
    onC.close();
    // the ticket is not single-use across nodes (docs/PROTOCOL.md §Security argument): it resumes on a again, within its lifetime
    const again = await RawClient.connect(a.url, carol, 'carol', { ticket });
    assert.equal(again.resumed, true);
    again.close();
  });

  it('the pin is still enforced on a resumption: a refused key stops the client before its Finished', async () => {
    const key = quickKey();
    const a = await startServer({ identity: key });
    let allow = true;
    const dave = new TestClient(a.url, 'dave', quickKey(), () => (allow ? { ok: true } : { ok: false, message: 'pinned key differs' }), true);
    await dave.connect();
    await until(() => dave.conn.hasTicket, 5000, 'a ticket');
    allow = false; // the user's pin now names another key
    await a.server.close();
    const b = await startServer({ identity: key, port: a.port });
    await until(() => dave.fatal.length > 0, 15_000, 'the fatal error');
    assert.equal(dave.fatal[0]!.code, 'server_key_changed');
    await sleep(200);
    assert.ok(!b.log.lines.some((l) => /dave/.test(l)), `server b never admitted dave:\n${b.log.lines.join('\n')}`);
    assert.equal(b.server.connectionCount, 0);
  });
});
