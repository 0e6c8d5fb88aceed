/**
 * `parley chat` on a terminal (tmux) when it cannot connect, and when the server refuses the
 * name: the screen says why and what to check (issue 11, items 5, 6, 11).
 *
 * - What can heal by waiting (nothing listens on the port) is retried: the reason and advice
 *   appear once on the screen, the reason in the status line, and the client connects when the
 *   server comes up.
 * - What cannot (a self-signed certificate without --ca, the wrong scheme either way) stops at
 *   once with the advice, exit 1.
 * - A taken name asks for another, connects with it, and only that one is remembered.
 * - The first-run name prompt says why each name typed was refused.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { closeAll, freePort, startServer, tempDir, TestClient } from './harness.js';
import { homeWithKey, Tmux, TMUX_SKIP } from './tmux-chat.js';

after(closeAll);

const tmux = new Tmux('connect');
after(() => tmux.kill());
const tmp = tempDir('parley-tui-connect-');
after(() => tmp.cleanup());
let homes = 0;
const home = (name?: string) => homeWithKey(path.join(tmp.dir, `home${homes++}`), name);


describe('parley chat on a terminal: why it cannot connect', { skip: TMUX_SKIP }, () => {
  let cert: string;
  let tls: Awaited<ReturnType<typeof startServer>>;
  let plain: Awaited<ReturnType<typeof startServer>>;
  before(async () => {
    cert = path.join(tmp.dir, 'cert.pem');
    const key = path.join(tmp.dir, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '2', '-keyout', key, '-out', cert, '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore' });
    tls = await startServer({ tls: { cert: readFileSync(cert), key: readFileSync(key) } });
    plain = await startServer();
  });

  it('wrong port: the reason and what to check, once on the screen and in the status line; connects when the server comes up', async () => {
    const port = await freePort();
    const s = tmux.chat(['--server', `ws://127.0.0.1:${port}`, '--home', home('alice')]);
    const advice = new RegExp(`127\\.0\\.0\\.1:${port} refused the connection \\(ECONNREFUSED\\): is the server running\\? is the port right\\?`);
    await s.until((l) => l.some((x) => advice.test(x)), 'the reason on the screen');
    // 0.5 + 1 + 2 s of backoff: at least four attempts, the reason printed once
    await new Promise((r) => setTimeout(r, 4500));
    const lines = s.screen();
    assert.equal(lines.filter((x) => advice.test(x)).length, 1, `printed once, not at every retry:\n${lines.join('\n')}`);
    assert.match(lines.at(-1)!, /^\((reconnecting in [\d.]+s: connection refused|connecting…, attempt [4-9] \(last: connection refused\))\) alice>$/, 'the status line says why');
    // it was worth waiting: the server comes up on that port
    const ctx = await startServer({ port });
    try {
      await s.until((l) => l.some((x) => /\* connected as alice /.test(x)), 'the connection', 40_000);
      s.line('/quit');
      assert.equal((await s.exit()).code, 0);
    } finally {
      await ctx.server.close();
    }
  });

  it('a self-signed certificate without --ca: stops at once (tls_untrusted, said in words) with the advice to use --ca; with --ca it connects', async () => {
    const h = home('alice');
    const s = tmux.chat(['--server', `wss://127.0.0.1:${tls.port}`, '--home', h]);
    const { code, lines } = await s.exit();
    assert.equal(code, 1);
    assert.ok(lines.some((l) => /the TLS certificate of 127\.0\.0\.1:\d+ is not trusted: self[- ]signed certificate .*--ca FILE/.test(l)), lines.join('\n'));
    assert.ok(!lines.some((l) => /reconnecting/.test(l)), 'no retry loop');
    const ok = tmux.chat(['--server', `wss://127.0.0.1:${tls.port}`, '--home', h, '--ca', cert]);
    await ok.until((l) => l.some((x) => /\* connected as alice /.test(x)), 'the connection with --ca');
    ok.line('/quit');
    assert.equal((await ok.exit()).code, 0);
  });

  it('the wrong scheme either way: stops at once (wrong_scheme), naming the URL to use', async () => {
    const wss = tmux.chat(['--server', `wss://127.0.0.1:${plain.port}`, '--home', home('alice')]);
    const a = await wss.exit();
    assert.equal(a.code, 1);
    assert.ok(a.lines.some((l) => new RegExp(`127\\.0\\.0\\.1:${plain.port} does not speak TLS.*connect with ws://127\\.0\\.0\\.1:${plain.port}`).test(l)), a.lines.join('\n'));
    const ws = tmux.chat(['--server', `ws://127.0.0.1:${tls.port}`, '--home', home('alice')]);
    const b = await ws.exit();
    assert.equal(b.code, 1);
    assert.ok(b.lines.some((l) => new RegExp(`127\\.0\\.0\\.1:${tls.port} speaks TLS.*connect with wss://127\\.0\\.0\\.1:${tls.port}`).test(l)), b.lines.join('\n'));
    for (const lines of [a.lines, b.lines]) assert.ok(!lines.some((l) => /reconnecting/.test(l)), 'no retry loop');
  });
});

describe('parley chat on a terminal: names', { skip: TMUX_SKIP }, () => {
  let ctx: Awaited<ReturnType<typeof startServer>>;
  let carol: TestClient;
  before(async () => {
    ctx = await startServer();
    carol = await new TestClient(ctx.url, 'carol').connect();
  });
  after(async () => {
    carol?.close();
    await ctx?.server.close();
  });

  it('a taken name: asks for another (saying why a bad one is refused), connects with it, remembers only that one', async () => {
    const h = home();
    const config = path.join(h, 'config.json');
    const s = tmux.chat(['--server', ctx.url, '--home', h, '--name', 'carol']);
    await s.until((l) => l.some((x) => /^! the name carol belongs to another key$/.test(x)) && l.some((x) => /^Type another name and press Enter/.test(x)), 'the question');
    assert.equal(existsSync(config), false, 'the refused name is not remembered');
    s.line('carol 2');
    await s.until((l) => l.some((x) => /^! 'carol 2' is not a valid name: a space is not allowed; a name is 1–32 of/.test(x)), 'why the name is refused');
    s.line('carol2');
    await s.until((l) => l.some((x) => /\* connected as carol2 /.test(x)), 'the connection as carol2');
    await carol.next((e) => e.type === 'join' && e.name === 'carol2');
    assert.deepEqual(JSON.parse(readFileSync(config, 'utf8')), { name: 'carol2' });
    s.line('/quit');
    assert.equal((await s.exit()).code, 0);

    // the next run asks nothing and is carol2
    const again = tmux.chat(['--server', ctx.url, '--home', h]);
    await again.until((l) => l.some((x) => /\* connected as carol2 /.test(x)), 'carol2 again');
    again.line('/quit');
    assert.equal((await again.exit()).code, 0);
  });

  it('the first-run name prompt says why each name was refused, and after five, why none was chosen', async () => {
    const h = home();
    const s = tmux.chat(['--server', ctx.url, '--home', h]);
    await s.until((l) => l.some((x) => /Choose your name/.test(x)), 'the question');
    const typed = ['Alice Smith', 'x/y', 'y'.repeat(40), 'zoë', '!'];
    for (const t of typed) s.line(t);
    const { code, lines } = await s.exit();
    assert.equal(code, 1);
    const text = lines.join('\n');
    assert.match(text, /'Alice Smith' is not a valid name: a space is not allowed \(a name is 1–32/);
    assert.match(text, /'x\/y' is not a valid name: '\/' is not allowed/);
    assert.match(text, /'y{40}' is not a valid name: it is 40 characters long \(at most 32\)/);
    assert.match(text, /'zoë' is not a valid name: 'ë' is not allowed/);
    assert.match(
      text,
      /^parley: no name chosen: all 5 names typed were refused \('Alice Smith': a space is not allowed; 'x\/y': '\/' is not allowed; 'y{40}': it is 40 characters long \(at most 32\); 'zoë': 'ë' is not allowed; '!': '!' is not allowed\); a name is 1–32 of A–Z a–z 0–9 _ \. -; run again and type one, or give one with --name NAME$/m,
    );
    assert.equal(existsSync(path.join(h, 'config.json')), false);
  });
});
