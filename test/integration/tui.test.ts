/**
 * The real `parley chat` in a pseudo-terminal (tmux) against a real server: while another user
 * talks, a half-typed line stays intact on the input line; Enter sends it; /quit exits cleanly.
 * Needs tmux: fails under CI without it (.ci/run installs it), skips with a message elsewhere.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { CLI } from '../helpers/paths.js';
import { sleep, startServer, tempDir, closeAll } from './harness.js';
import { closeE2EPeers, E2EPeer } from './e2e-peer.js';

const HAVE_TMUX = spawnSync('tmux', ['-V']).status === 0;
const SKIP = !HAVE_TMUX && !process.env.CI ? 'tmux is not installed (CI installs it and fails without it)' : false;
const SOCKET = `parley-tui-${process.pid}`;
const ENV: NodeJS.ProcessEnv = { ...process.env, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8', NO_COLOR: '1' };
delete ENV.TMUX;
delete ENV.CI; // the client must see a terminal, not CI settings

function tmux(...args: string[]): string {
  const r = spawnSync('tmux', ['-L', SOCKET, '-f', '/dev/null', ...args], { encoding: 'utf8', env: ENV });
  if (r.status !== 0) throw new Error(`tmux ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}
const screen = () => tmux('capture-pane', '-p', '-t', 'chat').split('\n').map((l) => l.trimEnd()).filter((l) => l !== '');
async function until(cond: () => boolean, what: string, ms = 20000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; screen:\n${screen().join('\n')}`);
    await sleep(100);
  }
}

// whatever a failed test left open is closed, so the process always exits
after(closeAll);
after(closeE2EPeers);

describe('parley chat in a terminal', { skip: SKIP }, () => {
  let ctx: Awaited<ReturnType<typeof startServer>>;
  let bob: E2EPeer;
  const home = tempDir();
  before(async () => {
    assert.ok(HAVE_TMUX, 'tmux is required (apt-get install -y tmux)');
    ctx = await startServer();
    bob = await new E2EPeer(ctx.url, 'bob').connect();
  });
  after(async () => {
    spawnSync('tmux', ['-L', SOCKET, 'kill-server']);
    bob?.close();
    await ctx?.server.close();
    home.cleanup();
  });

  it('keeps a half-typed line intact while messages arrive, then sends it', async () => {
    const cmd = `${process.execPath} ${CLI} chat --server ${ctx.url} --name alice --home ${home.dir}`;
    tmux('new-session', '-d', '-s', 'chat', '-x', '100', '-y', '20', cmd);
    await until(() => screen().some((l) => /alice joined #lobby/.test(l)), 'the join notice');
    tmux('send-keys', '-t', 'chat', '-l', 'half typed wörds');
    await until(() => screen().at(-1)!.endsWith('half typed wörds'), 'the typed text');
    for (let i = 1; i <= 5; i++) {
      bob.say('lobby', `interruption ${i}`);
      await sleep(120);
    }
    await until(() => screen().some((l) => /<bob> interruption 5 ✓/.test(l)), 'the last interruption');
    const lines = screen();
    assert.ok(lines.at(-1)!.endsWith('half typed wörds'), `input line intact: ${JSON.stringify(lines.at(-1))}`);
    for (let i = 1; i <= 5; i++) {
      const row = lines.findIndex((l) => l.includes(`<bob> interruption ${i} ✓`));
      assert.ok(row >= 0 && row < lines.length - 1, `message ${i} is above the input line`);
      assert.ok(!lines[row]!.includes('half typed'), 'no garbling: the message row has no typed text');
    }
    tmux('send-keys', '-t', 'chat', 'Enter');
    const m = await bob.next((e) => e.type === 'message' && e.body.text === 'half typed wörds');
    assert.equal(m.type === 'message' && m.from, 'alice');
    await until(() => !screen().at(-1)!.includes('half typed'), 'the input line cleared');
    tmux('send-keys', '-t', 'chat', '-l', '/quit');
    tmux('send-keys', '-t', 'chat', 'Enter');
    await bob.next((e) => e.type === 'leave' && e.name === 'alice');
  });
});
