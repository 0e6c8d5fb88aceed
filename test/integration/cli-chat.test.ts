/** `parley chat --json` as child processes: the scripting interface, end to end. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bodyFor } from '../../src/client/input.js';
import { CliClient, killCliClients } from './cli-client.js';
import { startServer, tempDir, TestClient, closeAll } from './harness.js';


// whatever a failed test left open is closed, so the process always exits
after(closeAll);
after(killCliClients);

describe('parley chat --json (child processes)', () => {
  let ctx: Awaited<ReturnType<typeof startServer>>;
  const dirs: { cleanup: () => void }[] = [];
  let carol: TestClient;
  before(async () => {
    ctx = await startServer();
    carol = await new TestClient(ctx.url, 'carol').connect();
  });
  after(async () => {
    carol?.close();
    await ctx?.server.close();
    for (const d of dirs) d.cleanup();
  });

  it('two CLI users and one in-process user chat in a room and by direct message', async () => {
    const h1 = tempDir();
    const h2 = tempDir();
    dirs.push(h1, h2);
    const alice = new CliClient(ctx.url, 'alice', h1.dir);
    const bob = new CliClient(ctx.url, 'bob', h2.dir);
    const ra = await alice.next((e) => e.type === 'ready');
    assert.equal(ra.name, 'alice');
    await bob.next((e) => e.type === 'ready');
    await carol.next((e) => e.type === 'join' && e.name === 'bob');

    alice.line('hello from alice');
    for (const c of [alice, bob]) {
      const m = await c.next((e) => e.type === 'message' && e.text === 'hello from alice');
      assert.equal(m.from, 'alice');
      assert.equal(m.room, 'lobby');
      assert.equal(m.verified, true);
      assert.equal(typeof m.ts, 'number');
    }
    await carol.next((e) => e.type === 'message' && e.body.text === 'hello from alice');

    carol.send({ t: 'say', room: 'lobby', body: bodyFor('hi from carol') });
    assert.equal((await bob.next((e) => e.type === 'message' && e.text === 'hi from carol')).verified, true);

    bob.line('/msg alice just for you');
    const d = await alice.next((e) => e.type === 'direct' && e.text === 'just for you');
    assert.equal(d.from, 'bob');
    assert.equal(d.verified, true);
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(!carol.events.some((e) => e.type === 'direct'), 'carol does not see the DM');

    bob.line('/nosuchcommand');
    const err = await bob.next((e) => e.type === 'error');
    assert.equal(typeof err.code, 'string');
    assert.equal(typeof err.message, 'string');

    assert.equal(await alice.quit(), 0);
    await bob.next((e) => e.type === 'leave' && e.name === 'alice');
    assert.equal(await bob.quit(), 0);
  });

  it('refuses a second key claiming a taken name with code name_taken and exit 1', async () => {
    const h = tempDir();
    dirs.push(h);
    const impostor = new CliClient(ctx.url, 'carol', h.dir);
    const e = await impostor.next((x) => x.type === 'error');
    assert.equal(e.code, 'name_taken');
    const code = await new Promise((r) => impostor.proc.on('exit', (c) => r(c)));
    assert.equal(code, 1);
  });
});
