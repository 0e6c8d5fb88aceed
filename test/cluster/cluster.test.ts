/**
 * A real cluster: three `parley server` processes on one redis-server (AOF on) and one
 * PostgreSQL, started in temporary folders. One chat as if one server, then faults: a node killed
 * with SIGKILL, PostgreSQL down. (Redis restarts and cut-offs: cluster-faults.test.ts.)
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ServerEvent } from '../../src/chat/events.js';
import type { RsaPrivateKey } from '../../src/rsa/index.js';
import { keyPool } from '../reliability/lib/keys.js';
import { ConnectError, RawClient } from '../reliability/lib/raw-client.js';
import { payloadText, roomMessage } from '../reliability/lib/swarm.js';
import { sleep } from '../helpers/services.js';
import { connectTo, startCluster, type Cluster } from './lib/cluster.js';

type Ev<T extends ServerEvent['type']> = Extract<ServerEvent, { type: T }>;

describe('a cluster of three nodes', { timeout: 180_000 }, () => {
  let cluster: Cluster;
  let keys: RsaPrivateKey[];
  const clients: RawClient[] = [];
  const connect = (node: number, key: number, name: string) => connectTo(cluster, node, keys[key]!, name, clients);

  before(async () => {
    keys = await keyPool(12);
    cluster = await startCluster({ nodes: 3, nodeArgs: ['--rate', '200'] });
  });
  after(async () => {
    for (const c of clients) c.terminate();
    await cluster?.close();
  });

  it('is one chat: notices, who, whois, rooms, room messages once and in order, direct messages and bundles across nodes; a name is owned cluster-wide', async (t) => {
    const alice = await connect(0, 0, 'alice');
    const bob = await connect(1, 1, 'bob');
    const carol = await connect(2, 2, 'carol');
    await alice.next((e) => e.type === 'join' && e.name === 'carol');
    await bob.next((e) => e.type === 'join' && e.name === 'carol');
    alice.send({ t: 'who', room: 'lobby' });
    assert.deepEqual(((await alice.next((e) => e.type === 'who')) as Ev<'who'>).members, ['alice', 'bob', 'carol']);
    carol.send({ t: 'whois', name: 'bob' });
    const w = (await carol.next((e) => e.type === 'whois')) as Ev<'whois'>;
    assert.equal(w.online, true);
    assert.deepEqual(w.rooms, ['lobby']);

    const N = 200;
    const t0 = Date.now();
    for (let i = 0; i < N; i++) {
      alice.send(roomMessage('lobby', `a${i}`));
      if (i % 5 === 4) await sleep(50); // 100/s: within --rate 200 and its burst of 10
    }
    await bob.next((e) => e.type === 'e2e_room' && payloadText(e) === `a${N - 1}`, 20_000).catch((e: unknown) => {
      const errs = alice.events.filter((x) => x.type === 'error').map((x) => (x as Ev<'error'>).code);
      const got = bob.events.filter((x) => x.type === 'e2e_room').length;
      throw new Error(`${String(e)}; alice's errors: ${errs.join(',')}; bob got ${got}; alice got ${alice.events.filter((x) => x.type === 'e2e_room').length}`);
    });
    await carol.next((e) => e.type === 'e2e_room' && payloadText(e) === `a${N - 1}`, 20_000);
    t.diagnostic(`${N} messages from n1 delivered on n2 and n3 within ${Date.now() - t0} ms`);
    for (const [who, c] of [['bob', bob], ['carol', carol]] as const) {
      const got = c.events.filter((e) => e.type === 'e2e_room' && e.from === 'alice').map(payloadText);
      assert.deepEqual(got, Array.from({ length: N }, (_, i) => `a${i}`), `${who}: every message once, in order`);
    }

    bob.send({ t: 'e2e_to', to: 'carol', kind: 'dm', payload: Buffer.from('psst').toString('base64') });
    const dm = (await carol.next((e) => e.type === 'e2e_to')) as Ev<'e2e_to'>;
    assert.equal(dm.from, 'bob');
    carol.send({ t: 'bundle_put', bundle: Buffer.from('carol-bundle').toString('base64') });
    await sleep(300);
    alice.send({ t: 'bundle_get', names: ['carol', 'nobody'] });
    const b = (await alice.next((e) => e.type === 'bundles')) as Ev<'bundles'>;
    assert.equal(b.bundles[0]?.name, 'carol');
    assert.equal(Buffer.from(b.bundles[0]!.bundle!, 'base64').toString(), 'carol-bundle');
    assert.deepEqual(b.unknown, ['nobody']);

    // another key cannot take "alice" on another node
    const thief = await RawClient.connect(cluster.nodes[2]!.url, keys[3]!, 'Alice').then(
      () => 'connected',
      (e: unknown) => (e instanceof ConnectError ? e.code : String(e)),
    );
    assert.equal(thief, 'name_taken');
    // the same key on another node replaces the old session
    const alice2 = await connect(1, 0, 'alice');
    await alice.closed;
    assert.ok(alice.events.some((e) => e.type === 'error' && e.code === 'replaced'), 'the old session is told: replaced');
    await carol.next((e) => e.type === 'leave' && e.name === 'alice' && e.reason === 'reconnected');
    alice2.send({ t: 'who', room: 'lobby' });
    assert.deepEqual(((await alice2.next((e) => e.type === 'who')) as Ev<'who'>).members, ['alice', 'bob', 'carol']);
  });

  it('PostgreSQL down: connected users keep chatting, a new login gets registry_unavailable, and it heals by itself', async (t) => {
    const dan = await connect(0, 4, 'dan');
    const eve = await connect(1, 5, 'eve');
    await cluster.pg.stop();
    try {
      dan.send(roomMessage('lobby', 'while the registry is down'));
      await eve.next((e) => e.type === 'e2e_room' && payloadText(e) === 'while the registry is down', 10_000);
      const refused = await RawClient.connect(cluster.nodes[2]!.url, keys[6]!, 'fay', { timeoutMs: 20_000 }).then(
        (c) => (clients.push(c), 'connected'),
        (e: unknown) => (e instanceof ConnectError ? e.code : String(e)),
      );
      assert.equal(refused, 'registry_unavailable');
    } finally {
      await cluster.pg.start();
    }
    const t0 = Date.now();
    let fay: RawClient | undefined;
    while (!fay && Date.now() - t0 < 20_000) {
      fay = await RawClient.connect(cluster.nodes[2]!.url, keys[6]!, 'fay').catch(() => undefined);
      if (!fay) await sleep(250);
    }
    assert.ok(fay, 'fay gets in once PostgreSQL is back');
    clients.push(fay);
    t.diagnostic(`a login worked again ${Date.now() - t0} ms after PostgreSQL restarted`);
  });

  it('a node killed with SIGKILL: within 15 s the others see its members leave; they come back on another node; nothing is lost between the others', async (t) => {
    const stay1 = await connect(0, 7, 'stay1');
    const stay2 = await connect(2, 8, 'stay2');
    const victim = await connect(1, 9, 'victim');
    await stay1.next((e) => e.type === 'join' && e.name === 'victim');
    let sent = 0;
    const pump = setInterval(() => stay2.send(roomMessage('lobby', `s${sent++}`)), 20);
    try {
      const killedAt = Date.now();
      await cluster.nodes[1]!.stop('SIGKILL');
      const left = (await stay1.next((e) => e.type === 'leave' && e.name === 'victim', 15_000)) as Ev<'leave'>;
      const leftAfter = Date.now() - killedAt;
      // the victim's client fails over to another node
      const back = await connect(0, 9, 'victim');
      await stay2.next((e) => e.type === 'join' && e.name === 'victim' && e.ts > left.ts, 10_000);
      t.diagnostic(`victim's leave seen ${leftAfter} ms after SIGKILL (reason "${left.reason}"); back through n1 ${Date.now() - killedAt} ms after it`);
      assert.ok(leftAfter < 15_000);
      assert.ok(back.isOpen);
    } finally {
      clearInterval(pump);
    }
    const last = `s${sent - 1}`;
    await stay1.next((e) => e.type === 'e2e_room' && payloadText(e) === last, 10_000);
    const got = stay1.events.filter((e) => e.type === 'e2e_room' && e.from === 'stay2').map(payloadText);
    assert.deepEqual(got, Array.from({ length: sent }, (_, i) => `s${i}`), 'stay1 (n1) got every message of stay2 (n3), once, in order, through the kill');
  });
});
