/**
 * `parley chat --json` as a child process: every input line's outcome can be matched to it by a
 * ref (docs/PROTOCOL.md §JSON lines) — the server's answers, local errors (which carry their
 * command) and local answers; and at the end of input a client that never connected gives up
 * within a bounded wait, with exit code 1 and a message, instead of hanging.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { CliClient, killCliClients } from './cli-client.js';
import { loadOrCreateIdentity } from '../../src/client/home.js';
import { closeAll, quickKey, startServer, tempDir } from './harness.js';
import { closeE2EPeers, E2EPeer } from './e2e-peer.js';

after(closeAll);
after(closeE2EPeers);
after(killCliClients);

describe('parley chat --json: refs', () => {
  let ctx: Awaited<ReturnType<typeof startServer>>;
  let bob: E2EPeer;
  const home = tempDir();
  before(async () => {
    ctx = await startServer();
    bob = await new E2EPeer(ctx.url, 'bob').connect();
  });
  after(async () => {
    bob?.close();
    await ctx?.server.close();
    home.cleanup();
  });

  it('every event a line causes carries its ref: server answers, local errors with their command, local answers', async () => {
    const alice = new CliClient(ctx.url, 'alice', home.dir);
    await alice.next((e) => e.type === 'ready');
    const long = 'x'.repeat(4001);
    const lines: [string | number, string][] = [
      ['w', '/who lobby'],
      ['u', '/nosuch'],
      ['s', 'hello refs'],
      ['d', '/msg nobody hi'],
      ['h', '/help'],
      [1, '/join dev'],
      [2, '/join lobby'],
      ['j', '/join'],
      ['t', long],
      ['s2', 'hello refs'],
    ];
    for (const [ref, line] of lines) alice.line(JSON.stringify({ ref, line }));
    alice.line('no ref here');
    alice.line('{"line":"x","ref":""}');
    const byRef = async (ref: string | number) => alice.next((e) => e.ref === ref);

    const w = await byRef('w');
    assert.deepEqual(Object.keys(w), ['type', 'room', 'members', 'fingerprints', 'verified', 'ref'], 'ref last, the other fields as always');
    assert.deepEqual(w.members, ['alice', 'bob']);
    assert.deepEqual(await byRef('u'), { type: 'error', code: 'unknown_command', message: "unknown command '/nosuch'; type /help for the commands; start a message with // to say something beginning with /", retryAfterMs: null, command: null, ref: 'u' });
    const s = await byRef('s');
    assert.equal(s.type, 'message');
    assert.equal(s.text, 'hello refs');
    assert.equal(s.from, 'alice');
    assert.equal(s.verified, true, 'her own message, from the echo of the payload she made');
    assert.equal(Object.keys(s).slice(-2).join(), 'fingerprint,ref', 'fingerprint last, then the ref');
    const d = await byRef('d');
    assert.deepEqual([d.type, d.code, d.command], ['error', 'no_such_user', 'dm']);
    const h = await byRef('h');
    assert.equal(h.type, 'info');
    assert.match(String(h.message), /\/join ROOM/);
    const j1 = await byRef(1);
    assert.deepEqual([j1.type, j1.room, j1.name], ['join', 'dev', 'alice']);
    assert.deepEqual(await byRef(2), { type: 'info', message: 'now talking in #lobby', ref: 2 });
    const j = await byRef('j');
    assert.deepEqual([j.type, j.code, j.command], ['error', 'bad_command', 'join']);
    const t = await byRef('t');
    assert.deepEqual([t.type, t.code, t.command], ['error', 'too_long', 'say']);
    assert.match(String(t.message), /4001 characters; the server's limit is 4000/);
    const s2 = await byRef('s2');
    assert.equal(s2.type, 'message', 'the same text again: its own echo, in #lobby after the switch');
    assert.equal(s2.room, 'lobby');
    assert.notEqual(s2.id, s.id);
    const plain = await alice.next((e) => e.type === 'message' && e.text === 'no ref here');
    assert.ok(!('ref' in plain), 'a line without a ref: no ref field');
    const bad = await alice.next((e) => e.type === 'error' && e.code === 'bad_input');
    assert.match(String(bad.message), /"ref" must be/);

    // exactly one event per ref here, and bob got what was sent, not what was refused
    const counts = new Map<unknown, number>();
    for (const e of alice.events) if ('ref' in e) counts.set(e.ref, (counts.get(e.ref) ?? 0) + 1);
    assert.deepEqual([...counts.values()].filter((n) => n !== 1), [], JSON.stringify([...counts]));
    await bob.next((e) => e.type === 'message' && e.body.text === 'no ref here');
    const got = bob.events.filter((e) => e.type === 'message' && e.from === 'alice').map((e) => (e.type === 'message' ? e.body.text : ''));
    assert.deepEqual(got, ['hello refs', 'hello refs', 'no ref here'], JSON.stringify(bob.events.map((e) => e.type)));
    assert.equal(await alice.quit(), 0);
  });
});

/** A TCP proxy to `port` that can stop passing the client's bytes on (`mute`) and cut every connection (`cut`). */
async function cuttableProxy(port: number): Promise<{ url: string; mute: (on: boolean) => void; cut: () => void; close: () => void }> {
  const pairs = new Set<[net.Socket, net.Socket]>();
  let muted = false;
  const server = net.createServer((c) => {
    const s = net.connect(port, '127.0.0.1');
    const pair: [net.Socket, net.Socket] = [c, s];
    pairs.add(pair);
    c.on('data', (d) => void (muted || s.write(d)));
    s.on('data', (d) => void c.write(d));
    const end = () => (c.destroy(), s.destroy(), pairs.delete(pair));
    for (const x of pair) x.on('error', end).on('close', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const cut = () => {
    for (const [c, s] of pairs) (c.destroy(), s.destroy());
    pairs.clear();
  };
  return {
    url: `ws://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    mute: (on) => void (muted = on),
    cut,
    close: () => (cut(), server.close()),
  };
}

describe('parley chat --json: a line whose answer a dropped connection lost', () => {
  it('gets a connection_lost error with its ref; later lines are matched to their own answers', async () => {
    const ctx = await startServer();
    const proxy = await cuttableProxy(ctx.port);
    const home = tempDir();
    try {
      const alice = new CliClient(proxy.url, 'alice', home.dir);
      await alice.next((e) => e.type === 'ready');
      proxy.mute(true); // the request leaves the client but never reaches the server
      alice.line(JSON.stringify({ ref: 'lost', line: '/who lobby' }));
      await new Promise((r) => setTimeout(r, 300));
      proxy.mute(false);
      proxy.cut();
      const lost = await alice.next((e) => e.ref === 'lost');
      assert.deepEqual([lost.type, lost.code, lost.command], ['error', 'connection_lost', 'who']);
      await alice.next((e) => e.type === 'ready' && alice.events.filter((x) => x.type === 'ready').length === 2, 20_000);
      alice.line(JSON.stringify({ ref: 'after', line: '/who lobby' }));
      const after = await alice.next((e) => e.ref === 'after');
      assert.equal(after.type, 'who');
      assert.equal(alice.events.filter((e) => e.ref === 'lost').length, 1, 'the lost line is answered once');
      assert.equal(await alice.quit(), 0);
    } finally {
      proxy.close();
      await ctx.server.close();
      home.cleanup();
    }
  });
});

describe('parley chat --json: the end of input without a connection', () => {
  const home = tempDir();
  const sockets = new Set<net.Socket>();
  let silent: net.Server;
  before(async () => {
    // the key exists already: what is measured is the wait for a connection, not a first run
    await loadOrCreateIdentity(home.dir, { name: 'alice', interactive: false, generateKey: () => quickKey() });
    silent = net.createServer((s) => {
      sockets.add(s);
      s.on('error', () => {});
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  });
  after(() => {
    for (const s of sockets) s.destroy();
    silent?.close();
    home.cleanup();
  });

  const freePort = async (): Promise<number> => {
    const s = net.createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const port = (s.address() as net.AddressInfo).port;
    await new Promise((r) => s.close(r));
    return port;
  };

  const cases: [string, () => Promise<string>][] = [
    ['nothing listens on the port', async () => `ws://127.0.0.1:${await freePort()}`],
    ['the server never answers', async () => `ws://127.0.0.1:${(silent.address() as net.AddressInfo).port}`],
  ];
  for (const [what, url] of cases) {
    it(`${what}: exit 1 within the bounded wait, saying the lines were not sent`, async () => {
      const c = new CliClient(await url(), 'alice', home.dir);
      c.line('hello');
      c.line('/who lobby');
      const t0 = performance.now();
      const code = await c.quit(20_000);
      const ms = performance.now() - t0;
      assert.equal(code, 1, c.stderr.join('\n'));
      // it waited out its bound of 5 s (counted from its own start, after t0) and then gave up by
      // itself; the upper bound leaves room for a busy machine's process start, and without a
      // bound it would never exit (quit's 20 s would fail first)
      assert.ok(ms >= 4_900 && ms < 5_000 + 10_000, `exited after ${ms.toFixed(0)} ms`);
      const err = c.stderr.join('\n');
      assert.match(err, /could not connect to ws:\/\/127\.0\.0\.1:\d+ within 5 s/);
      assert.match(err, /2 input line\(s\) not sent/);
      assert.ok(c.events.every((e) => e.type === 'status' || e.type === 'info'), 'stdout stays JSON lines');
    });
  }
});
