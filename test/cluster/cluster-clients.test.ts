/**
 * The real terminal client (`parley chat --json`, child processes) on a real cluster: end-to-end
 * encrypted messages between members of different nodes (bundles and key distributions cross the
 * bus), and a client given several --server URLs that fails over by itself when its node is
 * killed with SIGKILL, then chats on — end-to-end encrypted and verified — with the same pins.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CliClient, killCliClients, type JsonEvent } from '../integration/cli-client.js';
import { tempDir } from '../integration/harness.js';
import { startCluster, type Cluster } from './lib/cluster.js';

describe('parley chat on a cluster', { timeout: 240_000 }, () => {
  let cluster: Cluster;
  const homes: { cleanup(): void }[] = [];
  const home = () => {
    const h = tempDir();
    homes.push(h);
    return h.dir;
  };
  before(async () => {
    cluster = await startCluster({ nodes: 2 });
  });
  after(async () => {
    killCliClients();
    await cluster?.close();
    for (const h of homes) h.cleanup();
  });

  it('members of two nodes read each other end to end; a client whose node is SIGKILLed moves to the other by itself and chats on', async (t) => {
    const [n1, n2] = cluster.nodes as [Cluster['nodes'][0], Cluster['nodes'][0]];
    const alice = new CliClient(n1.url, 'alice', home(), ['--server', n2.url]);
    const bob = new CliClient(n2.url, 'bob', home());
    await alice.next((e) => e.type === 'ready', 30_000);
    await bob.next((e) => e.type === 'ready', 30_000);
    // each has learnt the other's key (bundle_get across nodes)
    await alice.next((e) => e.type === 'peer_new' && e.name === 'bob', 15_000);
    await bob.next((e) => e.type === 'peer_new' && e.name === 'alice', 15_000);
    const isMsg = (text: string) => (e: JsonEvent) => e.type === 'message' && e.text === text;
    alice.line('hello from n1');
    const m1 = await bob.next(isMsg('hello from n1'), 20_000);
    assert.equal(m1.from, 'alice');
    assert.deepEqual([m1.verified, m1.code], [true, null], 'decrypted, its signature and hash check out');
    bob.line('hello from n2');
    const m2 = await alice.next(isMsg('hello from n2'), 20_000);
    assert.equal(m2.from, 'bob');
    assert.deepEqual([m2.verified, m2.code], [true, null]);
    assert.ok(m1.fingerprint && m2.fingerprint, 'signed by a known key');

    const killed = Date.now();
    await n1.stop('SIGKILL');
    const moved = await alice.next((e) => e.type === 'server' && e.url === n2.url, 20_000);
    assert.equal(moved.previous, n1.url);
    const readies = () => alice.events.filter((e) => e.type === 'ready').length;
    await alice.next(() => readies() === 2, 20_000);
    t.diagnostic(`alice was back on n2 ${Date.now() - killed} ms after n1 was killed`);
    alice.line('after the move');
    const m3 = await bob.next(isMsg('after the move'), 20_000);
    assert.deepEqual([m3.verified, m3.code], [true, null]);
    assert.equal(m3.fingerprint, m1.fingerprint, 'the same key, verified as before');
    assert.ok(!alice.events.some((e) => e.type === 'fatal' || e.code === 'server_key_changed'), 'n2 presented the cluster key pinned from n1');
  });
});
