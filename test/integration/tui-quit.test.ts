/**
 * The real `parley chat` in tmux quits within a second (timed by the client itself, see
 * test/helpers/client-probe.ts) on Ctrl+C, Ctrl+D and /quit in every state
 * — connecting (the server accepts but never answers), reconnecting (nothing listens), connected —
 * and a fatal error (a changed server key) is printed once, every line readable, and stays on the
 * terminal after the client exits 1.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { closeAll, freePort, startServer, tempDir } from './harness.js';
import { HAVE_TMUX, SKIP_WITHOUT_TMUX, Tmux } from './tmux.js';

after(closeAll);


describe('parley chat in a terminal: quitting and fatal errors', { skip: SKIP_WITHOUT_TMUX }, () => {
  const tm = new Tmux('tui-quit');
  const home = tempDir();
  let ctx: Awaited<ReturnType<typeof startServer>>;
  let silent: net.Server; // accepts connections and never answers: the client stays "connecting"
  const sockets = new Set<net.Socket>();
  let silentUrl = '';
  let refusedUrl = '';
  before(async () => {
    assert.ok(HAVE_TMUX, 'tmux is required (apt-get install -y tmux)');
    ctx = await startServer();
    silent = net.createServer((s) => {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => sockets.delete(s));
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    silentUrl = `ws://127.0.0.1:${(silent.address() as net.AddressInfo).port}`;
    refusedUrl = `ws://127.0.0.1:${await freePort()}`;
  });
  after(async () => {
    tm.close();
    for (const s of sockets) s.destroy();
    silent?.close();
    await ctx?.server.close();
    home.cleanup();
  });

  const states: [string, () => string, RegExp][] = [
    ['reconnecting (nothing listens on the port)', () => refusedUrl, /^\(reconnecting in [\d.]+s(: [^)]*)?\) alice>$/],
    ['connecting (the server never answers)', () => silentUrl, /^\(connecting…\) alice>$/],
    ['connected', () => ctx.url, /^\(connected\) \[#lobby\] alice>$/],
  ];
  const ways: [string, (S: string) => void][] = [
    ['Ctrl+C', (S) => tm.keys(S, 'C-c')],
    ['Ctrl+D', (S) => tm.keys(S, 'C-d')],
    ['/quit', (S) => (tm.type(S, '/quit'), tm.keys(S, 'Enter'))],
  ];
  let n = 0;
  for (const [state, url, row] of states) {
    for (const [way, press] of ways) {
      it(`${way} exits within a second while ${state}`, async (t) => {
        const S = `q${n++}`;
        tm.chat(S, ['--server', url(), '--name', 'alice', '--home', home.dir]);
        await tm.until(S, (l) => row.test(l.at(-1)!), state, 60_000);
        const t0 = performance.now();
        press(S);
        await tm.until(S, (l) => l.some((x) => x.startsWith('EXIT=')), 'the exit', 40_000);
        const seen = performance.now() - t0;
        // the client's own time from the key to its exit (its probe, on its clock): tmux's delivery,
        // the screen polling and the test process's scheduling are not in it, so a loaded machine
        // does not decide this; a client that waited for a connect or reconnect timer would
        const { exitAfterInputMs: ms } = tm.probe(S);
        t.diagnostic(`${way} while ${state}: the client exited ${ms?.toFixed(0)} ms after the key (seen on the screen after ${seen.toFixed(0)} ms)`);
        assert.ok(typeof ms === 'number' && ms < 1000, `took ${ms} ms`);
        assert.equal(tm.exitCode(S), 0);
        tm.kill(S);
      });
    }
  }

  it('a changed server key: the warning is printed once, line by line, stays after the exit, exit code 1', async () => {
    const S = 'fatal';
    const other = tempDir(); // a home that pinned another key for this server
    mkdirSync(other.dir, { recursive: true });
    appendFileSync(path.join(other.dir, 'known_hosts'), `127.0.0.1:${ctx.port} SHA256:${'A'.repeat(43)}\n`);
    tm.chat(S, ['--server', ctx.url, '--name', 'mallory', '--home', other.dir], 120, 60);
    await tm.until(S, (l) => l.some((x) => x.startsWith('EXIT=')), 'the exit', 60_000);
    const lines = tm.lines(S);
    const shown = lines.join('\n');
    assert.equal(tm.exitCode(S), 1);
    assert.equal(lines.filter((l) => l.includes("THE SERVER'S IDENTIFICATION HAS CHANGED")).length, 1, `printed once:\n${shown}`);
    assert.ok(!shown.includes('⏎'), `no line breaks turned into ⏎:\n${shown}`);
    for (const want of ['IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!', 'Parley refused to connect; nothing was sent.'])
      assert.ok(lines.includes(want), `the line ${JSON.stringify(want)} on its own:\n${shown}`);
    assert.ok(lines.some((l) => /^Key pinned on first contact: +SHA256:A{43}$/.test(l)), shown);
    assert.ok(!lines.some((l) => /server_key_changed/.test(l)), `words, not the code:\n${shown}`);
    other.cleanup();
  });
});
