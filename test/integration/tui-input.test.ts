/**
 * The real `parley chat` in tmux against a real server: a 100 KB paste (bracketed, and as plain
 * keystrokes) lands on the input line in well under a second of the client's CPU (its main
 * thread's time from /proc, not wall time) while the client keeps answering the server's
 * pings; Enter refuses it locally with the server's limit and keeps it; /join switches between
 * joined rooms, /rooms marks them, and errors read as words.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { closeAll, sleep, startServer, tempDir } from './harness.js';
import { closeE2EPeers, E2EPeer } from './e2e-peer.js';
import { HAVE_TMUX, SKIP_WITHOUT_TMUX, Tmux } from './tmux.js';

after(closeAll);
after(closeE2EPeers);

/** The server's idle timeout here: a client whose event loop stalls longer than this is cut. */
const IDLE_MS = 2000;

describe('parley chat in a terminal: long input, rooms, words', { skip: SKIP_WITHOUT_TMUX }, () => {
  const tm = new Tmux('tui-input');
  const home = tempDir();
  let ctx: Awaited<ReturnType<typeof startServer>>;
  let bob: E2EPeer;
  before(async () => {
    assert.ok(HAVE_TMUX, 'tmux is required (apt-get install -y tmux)');
    ctx = await startServer({ transport: { idleTimeoutMs: IDLE_MS } });
    bob = await new E2EPeer(ctx.url, 'bob').connect();
  });
  after(async () => {
    tm.close();
    bob?.close();
    await ctx?.server.close();
    home.cleanup();
  });
  const alice = () => ['--server', ctx.url, '--name', 'alice', '--home', home.dir];

  it('a 100 KB paste lands in well under a second, the client stays connected, and Enter refuses it locally, keeping it', async (t) => {
    const S = 'paste';
    tm.chat(S, alice());
    await tm.until(S, (l) => l.some((x) => /alice joined #lobby/.test(x)), 'the join notice', 60_000);
    const text = `${'word '.repeat(19_998)}tail-marker`;
    assert.ok(text.length >= 100_000);
    let round = 0;
    for (const bracketed of [true, false]) {
      round++;
      const t0 = performance.now();
      const cpu0 = tm.clientCpuMs(S);
      tm.paste(S, text, bracketed);
      await tm.until(S, (l) => l.at(-1)!.endsWith('word tail-marker'), 'the end of the paste on the input row', 120_000);
      // the client's own CPU for taking the paste in and drawing it (its main thread, from /proc):
      // what the client costs, whatever tmux's pace through the pty or the machine's load
      const cpu = tm.clientCpuMs(S) - cpu0;
      const ms = performance.now() - t0;
      t.diagnostic(`${bracketed ? 'bracketed paste' : 'paste as keystrokes'} of ${text.length} characters: ${cpu.toFixed(0)} ms of the client's CPU; on the input row after ${ms.toFixed(0)} ms`);
      assert.ok(cpu < 1000, `the paste took ${cpu.toFixed(0)} ms of the client's CPU`);
      // the client answered the server's pings meanwhile: still there after more than the idle timeout
      await sleep(IDLE_MS + 500);
      assert.ok(!bob.events.some((e) => e.type === 'leave' && e.name === 'alice'), 'alice was not cut');
      assert.ok(!tm.lines(S).some((l) => /reconnecting|idle/.test(l)), tm.lines(S).join('\n'));
      tm.keys(S, 'Enter');
      const refused = (l: string[]) => l.filter((x) => x === `! message too long (${text.length} characters; the server's limit is 4000); split it into several messages`).length;
      await tm.until(S, (l) => refused(l) === round, 'the local refusal with the limit');
      assert.ok(tm.inputRow(S).endsWith('word tail-marker'), `the draft is kept: ${tm.inputRow(S)}`);
      await sleep(300);
      assert.ok(!bob.events.some((e) => e.type === 'message' && e.from === 'alice'), 'nothing was sent');
      tm.keys(S, 'C-u');
      await tm.until(S, (l) => l.at(-1) === '(connected) [#lobby] alice>', 'the input line emptied');
    }
    tm.kill(S);
    await bob.next((e) => e.type === 'leave' && e.name === 'alice');
  });

  it('/join switches to a room you are in; /rooms marks yours; /who of no room and errors read as words', async () => {
    const S = 'rooms';
    tm.chat(S, alice());
    await tm.until(S, (l) => l.at(-1) === '(connected) [#lobby] alice>', 'connected in #lobby', 60_000);
    const enter = (line: string) => {
      tm.type(S, line);
      tm.keys(S, 'Enter');
    };
    enter('/join dev');
    await tm.until(S, (l) => l.at(-1) === '(connected) [#dev] alice>', 'the switch to #dev after joining it');
    enter('/join lobby');
    await tm.until(S, (l) => l.at(-1) === '(connected) [#lobby] alice>' && l.includes('now talking in #lobby'), 'the switch back to #lobby');
    enter('back in the lobby');
    const m = await bob.next((e) => e.type === 'message' && e.from === 'alice');
    assert.equal(m.type === 'message' && m.room, 'lobby', 'the line went to the room switched to');
    enter('/rooms');
    await tm.until(S, (l) => l.includes('* rooms: #dev (1, joined), #lobby (2, current)'), 'the marked room list');
    enter('/j #DEV');
    await tm.until(S, (l) => l.at(-1) === '(connected) [#dev] alice>', 'the switch by another spelling');
    enter('/who nosuchroom');
    await tm.until(S, (l) => l.includes('* there is no room #nosuchroom: nobody is in it'), 'who of a room that does not exist');
    enter('/msg nobody hi');
    await tm.until(S, (l) => l.includes('! nobody is not online'), 'the error in words');
    enter('/help');
    await tm.until(S, (l) => l.some((x) => x.includes('if you are in ROOM already, just switch to it')), 'the help');
    const lines = tm.lines(S);
    assert.ok(!lines.some((l) => /no_such_user|unknown_command|bad_command/.test(l)), `no raw error code on the screen:\n${lines.join('\n')}`);
    enter('/quit');
    await tm.until(S, (l) => l.includes('EXIT=0'), 'the exit');
  });
});
