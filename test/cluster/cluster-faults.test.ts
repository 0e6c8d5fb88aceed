/**
 * Redis faults under a real cluster of `parley server` processes: Redis restarted (AOF on) while
 * members of two nodes keep talking, and one node cut off from Redis for a few seconds (through a
 * TCP proxy). Messages are accepted all along; each must reach the other node's member exactly
 * once and in order — or its sender must be told (`not_delivered`) who missed it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ServerEvent } from '../../src/chat/events.js';
import type { RsaPrivateKey } from '../../src/rsa/index.js';
import { keyPool } from '../reliability/lib/keys.js';
import { RawClient } from '../reliability/lib/raw-client.js';
import { payloadText, roomMessage } from '../reliability/lib/swarm.js';
import { sleep } from '../helpers/services.js';
import { connectTo, startCluster, type Cluster } from './lib/cluster.js';
import { startTcpProxy, type TcpProxy } from './lib/tcp-proxy.js';

type Ev<T extends ServerEvent['type']> = Extract<ServerEvent, { type: T }>;

/** `from`'s messages (prefix `p`) as `to` received them, and what `from` was told was missed by `toName`. */
function account(from: RawClient, to: RawClient, p: string, toName: string) {
  const accepted = from.events.filter((e): e is Ev<'e2e_room'> => e.type === 'e2e_room' && e.from === from.name && payloadText(e)!.startsWith(p));
  const missed = new Set(
    from.events.filter((e): e is Ev<'error'> => e.type === 'error' && e.code === 'not_delivered' && (e.missed ?? []).includes(toName)).map((e) => e.id!),
  );
  const got = to.events.filter((e) => e.type === 'e2e_room' && e.from === from.name && payloadText(e)!.startsWith(p)).map(payloadText);
  const expected = accepted.filter((e) => !missed.has(e.id)).map(payloadText);
  return { accepted: accepted.length, missed: missed.size, got, expected };
}

describe('Redis faults under a cluster', { timeout: 240_000 }, () => {
  let cluster: Cluster;
  let proxy: TcpProxy;
  let keys: RsaPrivateKey[];
  const clients: RawClient[] = [];
  const connect = (node: number, key: number, name: string) => connectTo(cluster, node, keys[key]!, name, clients);

  before(async () => {
    keys = await keyPool(4);
    cluster = await startCluster({ nodes: 1, nodeArgs: ['--rate', '200'] });
    proxy = await startTcpProxy(cluster.redis.port);
    await cluster.startNode('n2', [], proxy.url); // n2 reaches Redis through the proxy
  });
  after(async () => {
    for (const c of clients) c.terminate();
    await proxy?.close();
    await cluster?.close();
  });

  it('Redis restarted (AOF on): no crash, nodes reconnect by themselves, every accepted message is delivered once in order or reported not_delivered, and cross-node delivery resumes within 5 s', async (t) => {
    const alice = await connect(0, 0, 'alice');
    const bob = await connect(1, 1, 'bob');
    await alice.next((e) => e.type === 'join' && e.name === 'bob');
    let n = 0;
    const pump = setInterval(() => alice.send(roomMessage('lobby', `r${n++}`)), 20);
    let resumedAfter = -1;
    try {
      await sleep(500);
      await cluster.redis.stop();
      await sleep(3000); // alice keeps sending: accepted on n1, waiting in its outbox
      await cluster.redis.start();
      const up = Date.now();
      const probe = `r${n + 5}`;
      await bob.next((e) => e.type === 'e2e_room' && payloadText(e) === probe, 15_000);
      resumedAfter = Date.now() - up;
      await sleep(500);
    } finally {
      clearInterval(pump);
    }
    await bob.next((e) => e.type === 'e2e_room' && payloadText(e) === `r${n - 1}`, 10_000);
    const a = account(alice, bob, 'r', 'bob');
    t.diagnostic(`alice sent ${n}, accepted ${a.accepted}, reported missed by bob ${a.missed}; bob got ${a.got.length}; cross-node delivery resumed ${resumedAfter} ms after Redis was back`);
    assert.deepEqual(a.got, a.expected, 'bob got every accepted message not reported missed, once, in order');
    assert.ok(resumedAfter >= 0 && resumedAfter < 5000, `resumed within 5 s (${resumedAfter} ms)`);
    for (const node of cluster.nodes) assert.equal(node.proc.exitCode, null, `${node.id} is still running`);
    assert.ok(alice.isOpen && bob.isOpen);
  });

  it('a node cut off from Redis for 2 s catches up without loss or duplication, both ways', async (t) => {
    const carol = await connect(0, 2, 'carol');
    const dave = await connect(1, 3, 'dave');
    await carol.next((e) => e.type === 'join' && e.name === 'dave');
    let i = 0;
    const pump = setInterval(() => {
      carol.send(roomMessage('lobby', `c${i}`));
      dave.send(roomMessage('lobby', `d${i}`));
      i++;
    }, 25);
    try {
      await sleep(500);
      proxy.cut();
      await sleep(2000);
      proxy.restore();
      await sleep(1500);
    } finally {
      clearInterval(pump);
    }
    await dave.next((e) => e.type === 'e2e_room' && payloadText(e) === `c${i - 1}`, 10_000);
    await carol.next((e) => e.type === 'e2e_room' && payloadText(e) === `d${i - 1}`, 10_000);
    const cd = account(carol, dave, 'c', 'dave');
    const dc = account(dave, carol, 'd', 'carol');
    t.diagnostic(`each sent ${i}; dave got ${cd.got.length} of carol's (${cd.missed} reported missed), carol got ${dc.got.length} of dave's (${dc.missed} reported missed)`);
    assert.deepEqual(cd.got, cd.expected);
    assert.deepEqual(dc.got, dc.expected);
    assert.equal(cd.missed + dc.missed, 0, 'a 2 s cut is within the outbox limits: nothing missed');
    assert.ok(!carol.events.some((e) => e.type === 'leave' && e.name === 'dave'), 'a cut shorter than the node timeout is not a leave');
  });
});
