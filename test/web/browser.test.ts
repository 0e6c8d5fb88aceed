/**
 * The browser client end to end in real Chromium (playwright-core): two browser users (separate
 * contexts, so separate IndexedDB) and one terminal client (`parley chat --json`) chat in a room
 * and by direct message; a reload keeps the identity; a restarted server is reconnected to; a
 * server with a changed key is refused with the warning shown. Screenshots of the main screens
 * go to test-output/screenshots/. If Chromium cannot be launched the test fails (never skips).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { chromium, type Browser, type Page } from 'playwright-core';
import { MemoryNameRegistry } from '../../src/chat/index.js';
import type { RsaPrivateKey } from '../../src/rsa/index.js';
import { ParleyServer } from '../../src/server/server.js';
import { createWebHandler } from '../../src/server/web.js';
import { CLI, PROJECT_ROOT } from '../helpers/paths.js';
import { quickKey, tempDir } from '../integration/harness.js';

const SHOTS = path.join(PROJECT_ROOT, 'test-output', 'screenshots');
const WEB_ROOT = path.join(PROJECT_ROOT, 'dist', 'web');
const T = 20_000;

type JsonEvent = Record<string, unknown> & { type: string };

/** `parley chat --json` as a child process. */
class CliClient {
  readonly events: JsonEvent[] = [];
  readonly stderr: string[] = [];
  readonly proc: ChildProcessWithoutNullStreams;
  private waiters: { pred: (e: JsonEvent) => boolean; resolve: (e: JsonEvent) => void }[] = [];
  constructor(url: string, name: string, home: string) {
    this.proc = spawn(process.execPath, [CLI, 'chat', '--server', url, '--name', name, '--home', home, '--json'], {
      env: { ...process.env, PARLEY_HOME: home, NO_COLOR: '1' },
    });
    createInterface({ input: this.proc.stdout }).on('line', (line) => {
      const e = JSON.parse(line) as JsonEvent;
      this.events.push(e);
      this.waiters = this.waiters.filter((w) => (w.pred(e) ? (w.resolve(e), false) : true));
    });
    createInterface({ input: this.proc.stderr }).on('line', (l) => this.stderr.push(l));
  }
  next(pred: (e: JsonEvent) => boolean, ms = T): Promise<JsonEvent> {
    const seen = this.events.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`cli: no matching event; stdout ${JSON.stringify(this.events.slice(-8))}; stderr ${this.stderr.join(' | ')}`)), ms);
      this.waiters.push({ pred, resolve: (e) => (clearTimeout(t), resolve(e)) });
    });
  }
  line(s: string): void {
    this.proc.stdin.write(`${s}\n`);
  }
  kill(): void {
    if (this.proc.exitCode === null) this.proc.kill('SIGKILL');
  }
}

async function serve(identity: RsaPrivateKey, port: number): Promise<{ server: ParleyServer; port: number }> {
  const server = new ParleyServer({ identity, names: new MemoryNameRegistry(), host: '127.0.0.1', port, httpHandler: createWebHandler({ root: WEB_ROOT }) });
  const addr = await server.listen();
  return { server, port: addr.port };
}

/** Waits until the page shows a message with `text` and returns its check mark's class. */
async function seeMessage(page: Page, text: string): Promise<string> {
  const li = page.locator('#log li.msg', { has: page.locator('.text', { hasText: text }) }).last();
  await li.waitFor({ timeout: T });
  return (await li.locator('.check').getAttribute('class')) ?? '';
}

async function connected(page: Page): Promise<void> {
  await page.locator('#status[data-state="connected"]').waitFor({ timeout: T });
}

async function say(page: Page, line: string): Promise<void> {
  await page.locator('#input').fill(line);
  await page.keyboard.press('Enter');
}

describe('browser client in Chromium', { timeout: 120_000 }, () => {
  let browser: Browser | undefined;
  const servers: ParleyServer[] = [];
  const clis: CliClient[] = [];
  const dirs: { cleanup: () => void }[] = [];
  let serverKey: RsaPrivateKey;
  let port = 0;
  let base = '';

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    serverKey = quickKey();
    const s = await serve(serverKey, 0);
    servers.push(s.server);
    port = s.port;
    base = `http://127.0.0.1:${port}/`;
    // a launch failure throws here and fails the suite: never skipped
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  });

  after(async () => {
    for (const c of clis) c.kill();
    await browser?.close().catch(() => undefined);
    await Promise.allSettled(servers.map((s) => s.close()));
    for (const d of dirs) d.cleanup();
  });

  it('two browser users and a terminal user chat; reload, reconnect, and a changed server key', async () => {
    const errors: string[] = [];
    const ctxA = await browser!.newContext({ viewport: { width: 1100, height: 720 } });
    const ctxB = await browser!.newContext({ viewport: { width: 390, height: 760 }, isMobile: true, hasTouch: true });
    const alice = await ctxA.newPage();
    const bob = await ctxB.newPage();
    for (const [p, who] of [[alice, 'alice'], [bob, 'bob']] as const) {
      p.on('pageerror', (e) => errors.push(`${who}: ${e.message}`));
      // failed WebSocket connections while the server restarts are expected; nothing else is
      p.on('console', (m) => m.type() === 'error' && !/WebSocket connection to .* failed/.test(m.text()) && errors.push(`${who} console: ${m.text()}`));
    }

    // first visit: choose a name (alice with a passphrase), generate the key with a progress bar
    const res = await alice.goto(base);
    assert.match(res!.headers()['content-security-policy'] ?? '', /script-src 'self'/);
    await alice.locator('#screen-setup').waitFor({ timeout: T });
    await alice.locator('#setup-name').fill('alice bad');
    await alice.locator('#setup-go').click();
    assert.match(await alice.locator('#setup-error').textContent() ?? '', /names are 1–32/);
    await alice.locator('#setup-name').fill('alice');
    await alice.locator('#setup-pass').fill('correct horse battery');
    await alice.locator('#setup-pass2').fill('correct horse battery');
    await alice.screenshot({ path: path.join(SHOTS, '1-first-visit.png') });
    await alice.locator('#setup-go').click();
    await alice.locator('#setup-progress-box').waitFor({ timeout: T });
    await alice.screenshot({ path: path.join(SHOTS, '2-keygen.png') });
    await connected(alice);
    const aliceFp = (await alice.locator('#own-fp').textContent())!;
    assert.match(aliceFp, /^SHA256:[A-Za-z0-9+/]{43}$/);
    assert.equal(await alice.locator('#server-fp').textContent(), servers[0]!.fingerprint);

    await bob.goto(base);
    await bob.locator('#setup-name').fill('bob');
    await bob.locator('#setup-go').click();
    await connected(bob);
    const bobFp = (await bob.locator('#own-fp').textContent())!;

    // the terminal user
    const home = tempDir();
    dirs.push(home);
    const carol = new CliClient(`ws://127.0.0.1:${port}`, 'carol', home.dir);
    clis.push(carol);
    const carolReady = await carol.next((e) => e.type === 'ready');
    await alice.locator('#log li.notice', { hasText: 'carol joined #lobby' }).waitFor({ timeout: T });
    await alice.locator('#member-list', { hasText: 'carol' }).waitFor({ timeout: T });

    // room messages, each seen by the others with the verified mark
    await say(alice, 'hello from alice');
    assert.match(await seeMessage(bob, 'hello from alice'), /\bok\b/);
    // the ✓ says what it is: a corruption check, not proof of the sender (no signatures yet)
    const mark = bob.locator('#log li.msg', { has: bob.locator('.text', { hasText: 'hello from alice' }) }).last().locator('.check');
    assert.match((await mark.getAttribute('title')) ?? '', /detects corruption in transit, not a malicious server/);
    assert.equal(await mark.getAttribute('aria-label'), 'text matches its hash');
    const m1 = await carol.next((e) => e.type === 'message' && e.text === 'hello from alice');
    assert.equal(m1.from, 'alice');
    assert.equal(m1.verified, true);
    carol.line('hi from carol');
    assert.match(await seeMessage(alice, 'hi from carol'), /\bok\b/);
    assert.match(await seeMessage(bob, 'hi from carol'), /\bok\b/);
    await say(bob, '/me waves');
    assert.match(await seeMessage(alice, 'waves'), /\bok\b/);
    assert.equal((await carol.next((e) => e.type === 'message' && e.text === 'waves')).action, true);

    // direct messages: browser → browser, terminal → browser, browser → terminal
    await say(alice, '/msg bob secret for bob');
    const dmTab = bob.locator('#dm-list button[data-conv="dm:alice"]');
    await dmTab.waitFor({ timeout: T });
    await dmTab.click();
    assert.match(await seeMessage(bob, 'secret for bob'), /\bok\b/);
    await say(bob, 'got it');
    assert.equal(await bob.locator('#conv-title').textContent(), 'Direct: alice');
    await alice.locator('#dm-list button[data-conv="dm:bob"]').click();
    assert.match(await seeMessage(alice, 'got it'), /\bok\b/);
    carol.line('/msg alice psst from carol');
    await alice.locator('#dm-list button[data-conv="dm:carol"]').click();
    assert.match(await seeMessage(alice, 'psst from carol'), /\bok\b/);
    await say(bob, '/msg carol hello carol');
    const d = await carol.next((e) => e.type === 'direct' && e.text === 'hello carol');
    assert.equal(d.from, 'bob');
    assert.equal(d.verified, true);
    assert.equal(carol.events.some((e) => e.text === 'secret for bob'), false, 'a DM reaches only its recipient');

    // fingerprints of others via /whois; errors shown clearly
    await alice.locator('#room-list button[data-conv="room:lobby"]').click();
    await say(alice, '/whois carol');
    await alice.locator('#log li.notice', { hasText: `carol: ${carolReady.fingerprint as string}` }).waitFor({ timeout: T });
    await say(alice, 'x'.repeat(4001));
    await alice.locator('#banner', { hasText: 'too long' }).waitFor({ timeout: T });
    await alice.screenshot({ path: path.join(SHOTS, '3-chat-desktop.png') });
    await bob.locator('#room-list button[data-conv="room:lobby"]').click();
    await bob.screenshot({ path: path.join(SHOTS, '4-chat-phone.png') });

    // a third browser asking for a taken name is told so clearly, and may pick another
    const ctxC = await browser!.newContext({ viewport: { width: 800, height: 600 } });
    const mallory = await ctxC.newPage();
    mallory.on('pageerror', (e) => errors.push(`mallory: ${e.message}`));
    await mallory.goto(base);
    await mallory.locator('#setup-name').fill('alice');
    await mallory.locator('#setup-go').click();
    await mallory.locator('#screen-fatal').waitFor({ timeout: T });
    assert.match(await mallory.locator('#fatal-message').textContent() ?? '', /^name_taken: /);
    await mallory.locator('#rename-form').waitFor({ timeout: T });
    await mallory.screenshot({ path: path.join(SHOTS, '8-name-taken.png') });
    await mallory.locator('#rename-name').fill('mallory');
    await mallory.keyboard.press('Enter');
    await connected(mallory);
    await alice.locator('#log li.notice', { hasText: 'mallory joined #lobby' }).waitFor({ timeout: T });
    await ctxC.close();

    // a reload keeps the identity: same fingerprint, no new key (alice unlocks, bob goes straight in)
    await alice.reload();
    await alice.locator('#screen-unlock').waitFor({ timeout: T });
    assert.equal(await alice.locator('#unlock-fp').textContent(), aliceFp);
    await alice.locator('#unlock-pass').fill('wrong passphrase');
    await alice.keyboard.press('Enter');
    await alice.locator('#unlock-error', { hasText: 'Wrong passphrase' }).waitFor({ timeout: T });
    await alice.screenshot({ path: path.join(SHOTS, '5-unlock.png') });
    await alice.locator('#unlock-pass').fill('correct horse battery');
    await alice.keyboard.press('Enter');
    await connected(alice);
    assert.equal(await alice.locator('#own-fp').textContent(), aliceFp);
    await bob.reload();
    await connected(bob);
    assert.equal(await bob.locator('#own-fp').textContent(), bobFp);
    assert.equal(await bob.locator('#screen-setup').isHidden(), true);

    // the server restarts (same key, same port): reconnection with a visible status
    const reconnecting = alice.locator('#status[data-state="reconnecting"]').waitFor({ timeout: T });
    await servers[0]!.close();
    await reconnecting;
    assert.match(await alice.locator('#status').textContent() ?? '', /reconnecting in/);
    servers.push((await serve(serverKey, port)).server);
    await connected(alice);
    await connected(bob);
    await say(alice, 'back again');
    assert.match(await seeMessage(bob, 'back again'), /\bok\b/);

    // a server with a CHANGED key on the same port: refused, loudly, with both fingerprints
    await servers[1]!.close();
    const evil = await serve(quickKey(), port);
    servers.push(evil.server);
    await alice.locator('#screen-keychanged').waitFor({ timeout: T });
    assert.equal(await alice.locator('#kc-pinned').textContent(), servers[0]!.fingerprint);
    assert.equal(await alice.locator('#kc-presented').textContent(), evil.server.fingerprint);
    assert.match(await alice.locator('#kc-title').textContent() ?? '', /HAS CHANGED/);
    await alice.screenshot({ path: path.join(SHOTS, '6-key-changed.png') });
    await bob.locator('#screen-keychanged').waitFor({ timeout: T });
    await bob.screenshot({ path: path.join(SHOTS, '7-key-changed-phone.png') });
    assert.equal(evil.server.hub.stats().connections, 0, 'nobody signed in to the impostor');

    assert.deepEqual(errors, []);
  });
});
