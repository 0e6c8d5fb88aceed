/** `parley chat --json` as child processes: the scripting interface, end to end. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CliClient, killCliClients } from './cli-client.js';
import { closeE2EPeers, E2EPeer } from './e2e-peer.js';
import { startServer, tempDir, closeAll } from './harness.js';


// whatever a failed test left open is closed, so the process always exits
after(closeAll);
after(closeE2EPeers);
after(killCliClients);

describe('parley chat --json (child processes)', () => {
  let ctx: Awaited<ReturnType<typeof startServer>>;
  const dirs: { cleanup: () => void }[] = [];
  let carol: E2EPeer;
  before(async () => {
    ctx = await startServer();
    carol = await new E2EPeer(ctx.url, 'carol').connect();
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
    const rb = await bob.next((e) => e.type === 'ready');
    await carol.next((e) => e.type === 'join' && e.name === 'bob');

    alice.line('hello from alice');
    for (const c of [alice, bob]) {
      const m = await c.next((e) => e.type === 'message' && e.text === 'hello from alice');
      assert.equal(m.from, 'alice');
      assert.equal(m.room, 'lobby');
      assert.equal(m.verified, true);
      assert.equal(m.code, null);
      assert.equal(m.fingerprint, ra.fingerprint, "verified under alice's key (alice's own: her echo)");
      assert.equal(Object.keys(m).at(-1), 'fingerprint', 'fingerprint is the last field');
      assert.equal(typeof m.ts, 'number');
    }
    assert.equal(alice.events.filter((e) => e.type === 'message').length, 1, 'her own message is shown once');
    const cm = await carol.next((e) => e.type === 'message' && e.body.text === 'hello from alice');
    assert.ok(cm.type === 'message' && cm.verified === true && cm.fingerprint === ra.fingerprint);

    carol.say('lobby', 'hi from carol');
    const fromCarol = await bob.next((e) => e.type === 'message' && e.text === 'hi from carol');
    assert.equal(fromCarol.verified, true);
    assert.equal(fromCarol.fingerprint, carol.e2e.fingerprint);

    bob.line('/msg alice just for you');
    const d = await alice.next((e) => e.type === 'direct' && e.text === 'just for you');
    assert.equal(d.from, 'bob');
    assert.equal(d.verified, true);
    assert.equal(d.fingerprint, rb.fingerprint);
    assert.equal(Object.keys(d).at(-1), 'fingerprint');
    const echo = await bob.next((e) => e.type === 'direct' && e.text === 'just for you');
    assert.equal(echo.to, 'alice');
    assert.equal(echo.verified, true, 'the sender sees its own DM, verified under its own key');
    assert.equal(echo.fingerprint, rb.fingerprint);
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(!carol.events.some((e) => e.type === 'direct'), 'carol does not see the DM');

    alice.line('/me waves');
    const act = await bob.next((e) => e.type === 'message' && e.text === 'waves');
    assert.equal(act.action, true);
    assert.equal(act.verified, true);

    bob.line('/nosuchcommand');
    const err = await bob.next((e) => e.type === 'error');
    assert.equal(typeof err.code, 'string');
    assert.equal(typeof err.message, 'string');

    assert.equal(await alice.quit(), 0);
    await bob.next((e) => e.type === 'leave' && e.name === 'alice');
    assert.equal(await bob.quit(), 0);
  });

  it('--room ROOM: a line typed before the connection is said in ROOM, end-to-end, once its members are known', async () => {
    const h = tempDir();
    dirs.push(h);
    const dave = new CliClient(ctx.url, 'dave', h.dir, ['--room', 'dev']);
    dave.line('first words in dev');
    const m = await dave.next((e) => e.type === 'message' && e.text === 'first words in dev');
    assert.deepEqual([m.room, m.verified], ['dev', true]);
    assert.ok(!dave.events.some((e) => e.type === 'error'), JSON.stringify(dave.events.filter((e) => e.type === 'error')));
    assert.equal(await dave.quit(), 0);
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
