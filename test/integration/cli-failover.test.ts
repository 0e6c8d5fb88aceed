/**
 * `parley chat --server A --server B` end to end (two single-node servers in this process
 * sharing one key, the client a child process with --json): it moves to B by itself when A stops,
 * says so ({"type":"server"}), pins B with A's key, and goes on chatting; a different key on B is
 * refused as server_key_changed (exit 1), saying whose pin it differs from.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { serverId } from '../../src/client/pins.js';
import { fingerprint } from '../../src/rsa/fingerprint.js';
import { CliClient, killCliClients } from './cli-client.js';
import { closeAll, quickKey, startServer, tempDir } from './harness.js';

after(closeAll);
after(killCliClients);

describe('parley chat with several --server URLs', () => {
  it('moves to B when A stops, says so, pins B with the shared key, and chats on', async () => {
    const key = quickKey();
    const a = await startServer({ identity: key });
    const b = await startServer({ identity: key });
    const home = tempDir();
    try {
      const c = new CliClient(a.url, 'alice', home.dir, ['--server', b.url]);
      assert.deepEqual(await c.next((e) => e.type === 'server'), { type: 'server', url: a.url, previous: null });
      await c.next((e) => e.type === 'ready');
      await a.server.close('the server is shutting down');
      const moved = await c.next((e) => e.type === 'server' && e.url === b.url, 10_000);
      assert.deepEqual(moved, { type: 'server', url: b.url, previous: a.url });
      const shared = await c.next((e) => e.type === 'info' && /pinned for/.test(String(e.message)));
      assert.match(String(shared.message), new RegExp(`first connection to ${serverId(b.url)}: it presented the key .* pinned for ${serverId(a.url)}`));
      const readies = () => c.events.filter((e) => e.type === 'ready').length;
      const readyAgain = await c.next((e) => e.type === 'ready' && readies() === 2, 10_000);
      assert.equal(readyAgain.serverFingerprint, fingerprint(key.publicKey));
      const fp = fingerprint(key.publicKey);
      assert.equal(readFileSync(`${home.dir}/known_hosts`, 'utf8'), `${serverId(a.url)} ${fp}\n${serverId(b.url)} ${fp}\n`);
      c.line('after the move');
      const echo = await c.next((e) => e.type === 'message' && e.text === 'after the move');
      assert.equal(echo.from, 'alice');
      assert.equal(await c.quit(), 0);
    } finally {
      home.cleanup();
    }
  });

  it('B with another key: server_key_changed naming A\'s pin, exit 1, nothing pinned for B', async () => {
    const a = await startServer({ identity: quickKey() });
    const b = await startServer({ identity: quickKey() });
    const home = tempDir();
    try {
      const c = new CliClient(`${a.url},${b.url}`, 'alice', home.dir);
      await c.next((e) => e.type === 'ready');
      await a.server.close('the server is shutting down');
      const err = await c.next((e) => e.type === 'error' && e.code === 'server_key_changed', 10_000);
      const msg = String(err.message);
      assert.match(msg, new RegExp(`^${serverId(b.url)} \\(no key pinned for it yet\\) presented another key than the one pinned for ${serverId(a.url)}`));
      assert.match(msg, /WARNING: THE SERVER'S IDENTIFICATION HAS CHANGED!/);
      assert.ok(msg.includes(`parley pins forget ${serverId(a.url)}`), msg);
      assert.equal(await new Promise((r) => (c.proc.exitCode !== null ? r(c.proc.exitCode) : c.proc.on('exit', r))), 1);
      assert.equal(readFileSync(`${home.dir}/known_hosts`, 'utf8'), `${serverId(a.url)} ${fingerprint(a.key.publicKey)}\n`);
    } finally {
      home.cleanup();
    }
  });
});
