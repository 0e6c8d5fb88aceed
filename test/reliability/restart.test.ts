/**
 * Restarts, end to end with the real programs: `parley server` and several `parley chat --json`
 * children. The server is killed with SIGKILL (no goodbye), then started again on the same
 * port and data folder: every client must say it is reconnecting, come back by itself within a
 * few seconds with the same identity (name, key fingerprint, pinned server key) and be back in
 * its room — and the rooms must work again. Then SIGTERM: every client is told `shutting_down`
 * and the server exits 0 promptly.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import net from 'node:net';
import { CLI } from '../helpers/paths.js';
import { tempDirs, type TempDirs } from './lib/tmp.js';
import { within } from './lib/inproc.js';

type JsonEvent = Record<string, unknown> & { type: string };

/** A child process whose stdout lines are recorded (parsed as JSON for clients). */
class Child {
  readonly lines: string[] = [];
  readonly events: { at: number; e: JsonEvent }[] = [];
  readonly stderr: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private waiters: (() => void)[] = [];
  constructor(readonly proc: ChildProcessWithoutNullStreams, json: boolean) {
    createInterface({ input: proc.stdout }).on('line', (l) => {
      this.lines.push(l);
      if (json) {
        try {
          this.events.push({ at: Date.now(), e: JSON.parse(l) as JsonEvent });
        } catch {
          this.events.push({ at: Date.now(), e: { type: 'NOT_JSON', line: l } });
        }
      }
      for (const w of this.waiters.splice(0)) w();
    });
    createInterface({ input: proc.stderr }).on('line', (l) => this.stderr.push(l));
    this.exited = new Promise((r) => proc.on('exit', (code, signal) => r({ code, signal })));
  }
  get alive(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }
  /** Resolves with the first recorded event after index `from` matching `pred`, or rejects after `ms`. */
  async waitEvent(pred: (e: JsonEvent) => boolean, ms: number, from = 0): Promise<{ at: number; e: JsonEvent; index: number }> {
    const end = Date.now() + ms;
    for (;;) {
      const i = this.events.findIndex((x, k) => k >= from && pred(x.e));
      if (i >= 0) return { ...this.events[i]!, index: i };
      const left = end - Date.now();
      if (left <= 0) throw new Error(`no matching event within ${ms} ms; events ${JSON.stringify(this.events.slice(-8).map((x) => x.e))}; stderr ${this.stderr.slice(-5).join(' | ')}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => (clearTimeout(t), resolve()));
      });
    }
  }
  async waitLine(re: RegExp, ms: number): Promise<string> {
    const end = Date.now() + ms;
    for (;;) {
      const l = this.lines.find((x) => re.test(x));
      if (l) return l;
      if (!this.alive) throw new Error(`exited before printing ${re}; stderr ${this.stderr.join(' | ')}`);
      if (Date.now() > end) throw new Error(`no line ${re} within ${ms} ms; stderr ${this.stderr.join(' | ')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  /** SIGKILL if still running, and wait for the exit. */
  async kill(): Promise<void> {
    if (this.alive) this.proc.kill('SIGKILL');
    await this.exited;
  }
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

function startServer(port: number, data: string): Child {
  return new Child(spawn(process.execPath, [CLI, 'server', '--port', String(port), '--data', data], { env: { ...process.env } }), false);
}

function startClient(port: number, name: string, home: string, room: string): Child {
  return new Child(
    spawn(process.execPath, [CLI, 'chat', '--json', '--server', `ws://127.0.0.1:${port}`, '--name', name, '--home', home, '--room', room], {
      env: { ...process.env, PARLEY_HOME: home, NO_COLOR: '1' },
    }),
    true,
  );
}

const CLIENTS = 4;
/** "Within a few seconds": the clients' first retries come 0.5, 1 and 2 s (±20 %) after the drop; the server needs ~1 s to start. */
const RECONNECT_MS = 10_000;

describe('restarts (parley server and parley chat --json as child processes)', () => {
  const children: Child[] = [];
  let dirs: TempDirs | undefined;
  after(async () => {
    await Promise.all(children.map((c) => c.kill()));
    dirs?.cleanup();
  });

  it('after SIGKILL and a restart, every client reconnects by itself with its identity and rooms, and is told; SIGTERM then drains cleanly', { timeout: 120_000 }, async (t) => {
    dirs = tempDirs('parley-restart-');
    const data = dirs.make('data');
    const port = await freePort();
    let server = startServer(port, data);
    children.push(server);
    await server.waitLine(/listening on ws:\/\//, 60_000); // the first start makes the server key

    const clients: { c: Child; name: string; room: string }[] = [];
    for (let i = 0; i < CLIENTS; i++) {
      const name = `user${i}`;
      const room = `room${i % 2}`;
      const c = startClient(port, name, dirs.make(name), room);
      children.push(c);
      clients.push({ c, name, room });
    }
    const first = new Map<string, JsonEvent>();
    for (const { c, name, room } of clients) {
      first.set(name, (await c.waitEvent((e) => e.type === 'ready', 60_000)).e); // first run: the client makes its key
      await c.waitEvent((e) => e.type === 'join' && e.name === name && e.room === room, 15_000);
    }

    // SIGKILL: no notice, no close handshake
    const mark = clients.map(({ c }) => c.events.length);
    server.proc.kill('SIGKILL');
    await server.exited;
    const killedAt = Date.now();
    for (const [i, { c }] of clients.entries()) await c.waitEvent((e) => e.type === 'status' && e.state === 'reconnecting', 5000, mark[i]);
    server = startServer(port, data);
    children.push(server);
    await server.waitLine(/listening on ws:\/\//, 15_000);
    const restartedAt = Date.now();

    const back: number[] = [];
    for (const [i, { c, name, room }] of clients.entries()) {
      const ready = await c.waitEvent((e) => e.type === 'ready', RECONNECT_MS, mark[i]);
      const was = first.get(name)!;
      assert.equal(ready.e.name, name, 'same name');
      assert.equal(ready.e.fingerprint, was.fingerprint, 'same key');
      assert.equal(ready.e.serverFingerprint, was.serverFingerprint, 'same (pinned) server key');
      const rejoined = await c.waitEvent((e) => e.type === 'join' && e.name === name && e.room === room, RECONNECT_MS, ready.index);
      back.push(rejoined.at - killedAt);
      assert.ok(!c.events.slice(mark[i]).some((x) => x.e.type === 'error' && x.e.code !== 'shutting_down'), `${name}: no error event`);
      assert.ok(c.alive, `${name} is still running`);
    }
    t.diagnostic(`server restarted ${restartedAt - killedAt} ms after the kill; clients back in their rooms ${Math.min(...back)}–${Math.max(...back)} ms after the kill`);
    assert.ok(Math.max(...back) - (restartedAt - killedAt) < RECONNECT_MS, 'every client was back within a few seconds of the restart');

    // the rooms work again: user0 speaks in room0, user2 (also in room0) hears it
    const m2 = clients[2]!.c.events.length;
    clients[0]!.c.proc.stdin.write('after the restart\n');
    const heard = await clients[2]!.c.waitEvent((e) => e.type === 'message' && e.text === 'after the restart', 10_000, m2);
    assert.equal(heard.e.from, 'user0');
    assert.equal(heard.e.room, 'room0');
    assert.equal(heard.e.verified, true, 'end-to-end: a new session on each side after the restart, and the signature checks');

    // SIGTERM: everyone is told, the server exits 0 promptly
    const mark2 = clients.map(({ c }) => c.events.length);
    const termAt = Date.now();
    server.proc.kill('SIGTERM');
    const exit = await within(server.exited, 10_000);
    const exitMs = Date.now() - termAt;
    assert.ok(exit, 'the server exited within 10 s of SIGTERM');
    assert.equal(exit.code, 0, `exit code 0 (got ${exit.code} ${exit.signal})`);
    for (const [i, { c, name }] of clients.entries()) {
      const e = await c.waitEvent((x) => x.type === 'error' && x.code === 'shutting_down', 5000, mark2[i]);
      assert.ok(e.at - termAt < 5000, `${name} told within 5 s`);
      await c.waitEvent((x) => x.type === 'status' && x.state === 'reconnecting', 5000, mark2[i]);
    }
    t.diagnostic(`SIGTERM: server exited 0 after ${exitMs} ms; every client got shutting_down and is reconnecting`);

    // stdin closed: each client exits 0 by itself
    for (const { c } of clients) c.proc.stdin.end();
    const codes = await Promise.all(clients.map(({ c }) => within(c.exited, 15_000)));
    assert.deepEqual(codes.map((x) => x?.code), clients.map(() => 0), 'the clients exit 0 when their input ends');
  });

  it('SIGTERM exits promptly even while a TCP connection that never sent a request is open', { timeout: 60_000 }, async (t) => {
    dirs ??= tempDirs('parley-restart-');
    const data = dirs.make('data-idle');
    const port = await freePort();
    const server = startServer(port, data);
    children.push(server);
    await server.waitLine(/listening on ws:\/\//, 60_000);
    // e.g. a browser's speculative preconnect, or a client that died after connect()
    const idle = net.connect(port, '127.0.0.1');
    idle.on('error', () => {});
    try {
      await new Promise<void>((r) => idle.once('connect', () => r()));
      await new Promise((r) => setTimeout(r, 200));
      const termAt = Date.now();
      server.proc.kill('SIGTERM');
      const exit = await within(server.exited, 5000);
      t.diagnostic(exit ? `exited ${exit.code} after ${Date.now() - termAt} ms` : 'still running 5 s after SIGTERM');
      assert.ok(exit, 'the server exited within 5 s of SIGTERM');
      assert.equal(exit.code, 0);
    } finally {
      idle.destroy();
    }
  });
});
