/**
 * `parley chat` without a terminal (line mode, --json) when the server refuses the name: exit 1,
 * as before, but the refused name is not remembered — only a name the server accepted is
 * written to config.json (issue 11, item 6: a refused name trapped the identity).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCli } from '../cli/helpers.js';
import { CliClient, killCliClients } from './cli-client.js';
import { closeAll, startServer, tempDir, TestClient } from './harness.js';
import { homeWithKey } from './tmux-chat.js';

after(closeAll);
after(killCliClients);

describe('parley chat --json and refused names', () => {
  let ctx: Awaited<ReturnType<typeof startServer>>;
  let carol: TestClient;
  const tmp = tempDir('parley-cli-names-');
  let n = 0;
  const home = (name?: string) => homeWithKey(path.join(tmp.dir, `home${n++}`), name);
  before(async () => {
    ctx = await startServer();
    carol = await new TestClient(ctx.url, 'carol').connect();
  });
  after(async () => {
    carol?.close();
    await ctx?.server.close();
    tmp.cleanup();
  });

  const exitOf = (c: CliClient) => new Promise<number | null>((r) => (c.proc.exitCode !== null ? r(c.proc.exitCode) : c.proc.on('exit', (code) => r(code))));

  it('a taken name: name_taken, exit 1, and nothing remembered', async () => {
    const h = home();
    const c = new CliClient(ctx.url, 'carol', h);
    assert.equal((await c.next((e) => e.type === 'error')).code, 'name_taken');
    assert.equal(await exitOf(c), 1);
    assert.equal(existsSync(path.join(h, 'config.json')), false, 'the refused name is not written');
    // so the next run is not trapped: without --name it says no name is known (instead of failing with carol again)
    const r = await runCli(['chat', '--server', ctx.url, '--home', h], { input: '' });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^parley: no name is known for this identity; give one with --name NAME/m);
  });

  it('a taken --name does not replace the remembered name', async () => {
    const h = home('dave');
    const config = path.join(h, 'config.json');
    const c = new CliClient(ctx.url, 'carol', h);
    assert.equal((await c.next((e) => e.type === 'error')).code, 'name_taken');
    assert.equal(await exitOf(c), 1);
    assert.deepEqual(JSON.parse(readFileSync(config, 'utf8')), { name: 'dave' });
  });

  it('a name asked for in another case: the server gives its registered spelling; /join still moves to the room, and that spelling is remembered', async () => {
    const h = home();
    const first = new CliClient(ctx.url, 'Frank', h);
    assert.equal((await first.next((e) => e.type === 'ready')).name, 'Frank');
    assert.equal(await first.quit(), 0);
    const c = new CliClient(ctx.url, 'FRANK', h);
    assert.equal((await c.next((e) => e.type === 'ready')).name, 'Frank', 'the registered spelling (docs/PROTOCOL.md §Before ready)');
    c.line('/join dev');
    await c.next((e) => e.type === 'join' && e.room === 'dev' && e.name === 'Frank');
    c.line('said in dev');
    const m = await c.next((e) => e.type === 'message' && e.text === 'said in dev');
    assert.equal(m.room, 'dev', 'its own join, in the server\'s spelling, made dev the current room');
    assert.equal(await c.quit(), 0);
    assert.deepEqual(JSON.parse(readFileSync(path.join(h, 'config.json'), 'utf8')), { name: 'Frank' });
  });

  it('an accepted name is remembered on ready, keeping the other fields of config.json', async () => {
    const h = home();
    const config = path.join(h, 'config.json');
    writeFileSync(config, JSON.stringify({ name: 'dave', theme: 'dark' }), { mode: 0o600 });
    const c = new CliClient(ctx.url, 'erin', h);
    assert.equal((await c.next((e) => e.type === 'ready')).name, 'erin');
    assert.equal(await c.quit(), 0);
    assert.deepEqual(JSON.parse(readFileSync(config, 'utf8')), { name: 'erin', theme: 'dark' });
  });
});
