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
import { quickKey, RecordingLogger, tempDir } from '../integration/harness.js';

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

async function serve(identity: RsaPrivateKey, port: number): Promise<{ server: ParleyServer; port: number; log: RecordingLogger }> {
  const log = new RecordingLogger();
  const server = new ParleyServer({ identity, names: new MemoryNameRegistry(), host: '127.0.0.1', port, httpHandler: createWebHandler({ root: WEB_ROOT }), log });
  const addr = await server.listen();
  return { server, port: addr.port, log };
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

/** First visit: chooses `name` (and a passphrase, if given), makes the key, waits until connected. */
async function signUp(page: Page, base: string, name: string, pass = ''): Promise<void> {
  await page.goto(base);
  await page.locator('#setup-name').fill(name);
  if (pass) {
    await page.locator('#setup-pass').fill(pass);
    await page.locator('#setup-pass2').fill(pass);
  }
  await page.locator('#setup-go').click();
  await connected(page);
}

/** Where a fingerprint may break across lines (dom.ts): after `SHA256:` and between groups of 11. */
const FP_BREAKS = [7, 18, 29, 40];

/**
 * For every fingerprint shown in the elements matching `selector`: the offsets (into the
 * fingerprint) of the characters that start a new line on screen, measured character by
 * character with DOM Ranges, whatever markup the page uses.
 */
function fingerprintBreaks(page: Page, selector: string): Promise<{ fp: string; breaks: number[] }[]> {
  return page.evaluate((sel) => {
    const out: { fp: string; breaks: number[] }[] = [];
    for (const root of Array.from(document.querySelectorAll(sel))) {
      const chars: [Text, number][] = [];
      let text = '';
      const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
      for (let n = walker.nextNode() as Text | null; n; n = walker.nextNode() as Text | null) {
        for (let i = 0; i < n.data.length; i++) chars.push([n, i]);
        text += n.data;
      }
      for (const m of text.matchAll(/SHA256:[A-Za-z0-9+/]{43}/g)) {
        const tops: number[] = [];
        for (let k = 0; k < m[0].length; k++) {
          const [node, off] = chars[m.index + k]!;
          const r = document.createRange();
          r.setStart(node, off);
          r.setEnd(node, off + 1);
          tops.push(r.getBoundingClientRect().top);
        }
        const breaks: number[] = [];
        for (let k = 1; k < tops.length; k++) if (tops[k]! > tops[k - 1]! + 2) breaks.push(k);
        out.push({ fp: m[0], breaks });
      }
    }
    return out;
  }, selector);
}

/** Waits until the JSON of everything in the page's store (IndexedDB `parley`, object store `kv`) does (or does not) contain `needle`. */
async function untilStored(page: Page, needle: string, present: boolean): Promise<void> {
  const stored = () =>
    page.evaluate(
      () =>
        new Promise<string>((resolve, reject) => {
          const open = indexedDB.open('parley');
          open.onsuccess = () => {
            const all = open.result.transaction('kv').objectStore('kv').getAll();
            all.onsuccess = () => {
              open.result.close();
              resolve(JSON.stringify(all.result));
            };
            all.onerror = () => reject(all.error);
          };
          open.onerror = () => reject(open.error);
        }),
    );
  const end = Date.now() + T;
  let last = await stored();
  while (last.includes(needle) !== present) {
    if (Date.now() > end) throw new Error(`the page's store ${present ? 'lacks' : 'still has'} ${needle}`); // (its content holds a private key: not printed)
    await new Promise((r) => setTimeout(r, 100));
    last = await stored();
  }
}

/** The text shown on the page (rendered text only: hidden elements do not count). */
function shownText(page: Page): Promise<string> {
  return page.evaluate(() => document.body.innerText);
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

  describe('what a new user trips over (issue 11)', () => {
    let server: ParleyServer;
    let url = '';
    let alice: Page;
    let bob: Page;
    const errors: string[] = [];
    const watch = (p: Page, who: string) => {
      p.on('pageerror', (e) => errors.push(`${who}: ${e.message}`));
      p.on('console', (m) => m.type() === 'error' && errors.push(`${who} console: ${m.text()}`));
    };

    before(async () => {
      const s = await serve(quickKey(), 0);
      server = s.server;
      url = `http://127.0.0.1:${s.port}/`;
      alice = await (await browser!.newContext({ viewport: { width: 1000, height: 700 } })).newPage();
      bob = await (await browser!.newContext({ viewport: { width: 390, height: 760 }, isMobile: true, hasTouch: true })).newPage();
      watch(alice, 'alice');
      watch(bob, 'bob');
      await signUp(alice, url, 'alice');
      await signUp(bob, url, 'bob');
    });

    after(async () => {
      await server.close();
      assert.deepEqual(errors, []);
    });

    it('setup: the passphrase minimum is said up front; each error appears next to its field, tied to it', async () => {
      const ctx = await browser!.newContext({ viewport: { width: 390, height: 900 }, isMobile: true });
      try {
        const p = await ctx.newPage();
        watch(p, 'setup');
        await p.goto(url);
        await p.locator('#screen-setup').waitFor({ timeout: T });
        assert.match(await p.locator('#screen-setup').innerText(), /at least 8 characters/, 'before any error');
        const errorFor = (field: string) =>
          p.evaluate((id) => {
            const input = document.getElementById(id)!;
            const ids = (input.getAttribute('aria-describedby') ?? '').split(/\s+/).filter(Boolean);
            const err = ids.map((i) => document.getElementById(i)).find((e) => e?.classList.contains('error') && e.textContent !== '');
            if (!err) return undefined;
            const a = input.getBoundingClientRect();
            const b = err.getBoundingClientRect();
            return { text: err.textContent ?? '', gap: b.top - a.bottom, invalid: input.getAttribute('aria-invalid') };
          }, field);
        await p.locator('#setup-name').fill('bad name');
        await p.locator('#setup-pass').fill('short');
        await p.locator('#setup-pass2').fill('short');
        await p.locator('#setup-go').click();
        await p.screenshot({ path: path.join(SHOTS, '9-setup-errors-phone.png') });
        const name = await errorFor('setup-name');
        const pass = await errorFor('setup-pass');
        assert.ok(name && pass, `errors tied to their fields: ${JSON.stringify({ name, pass })}`);
        assert.match(name.text, /names are 1–32/i);
        assert.match(pass.text, /at least 8 characters/);
        for (const e of [name, pass]) {
          assert.ok(e.gap >= 0 && e.gap < 40, `right under its field (gap ${e.gap}px)`);
          assert.equal(e.invalid, 'true');
        }
        assert.equal(await errorFor('setup-pass2'), undefined);
        // fixing the name clears its error only; two different passphrases are an error of the second field
        await p.locator('#setup-name').fill('carl');
        assert.equal(await errorFor('setup-name'), undefined);
        await p.locator('#setup-pass').fill('long enough');
        await p.locator('#setup-pass2').fill('long enougH');
        await p.locator('#setup-go').click();
        assert.match((await errorFor('setup-pass2'))?.text ?? '', /differ/);
        assert.equal(await errorFor('setup-pass'), undefined);
        assert.equal(await p.locator('#setup-progress-box').isHidden(), true, 'no key is made');
      } finally {
        await ctx.close();
      }
    });

    it('a message over the limit is refused before sending: the draft stays, the limit is shown once', async () => {
      await alice.locator('#room-list button[data-conv="room:lobby"]').click();
      const long = `${'y'.repeat(3999)}🙂🙂`; // 4001 code points (4002 UTF-16 units): the limit counts code points
      await say(alice, long);
      await alice.waitForFunction(() => document.body.innerText.includes('limit is 4000'), undefined, { timeout: T });
      assert.equal(await alice.locator('#input').inputValue(), long, 'the draft is kept');
      assert.equal((await shownText(alice)).split('limit is 4000').length - 1, 1, 'shown once');
      assert.equal(await alice.locator('#input-error').getAttribute('data-code'), 'too_long');
      assert.doesNotMatch(await alice.locator('#input-error').innerText(), /too_long/);
      assert.equal(await alice.locator('#input').getAttribute('aria-invalid'), 'true');
      await alice.screenshot({ path: path.join(SHOTS, '10-too-long.png') });
      // one character less: the error goes, and the message (exactly at the limit) is sent
      await alice.locator('#input').press('End');
      await alice.locator('#input').press('Backspace');
      assert.equal(await alice.locator('#input-error').isHidden(), true);
      await alice.keyboard.press('Enter');
      assert.match(await seeMessage(bob, `${'y'.repeat(3999)}🙂`), /\bok\b/);
      assert.equal(await alice.locator('#input').inputValue(), '');
      assert.equal(server.hub.stats().connections, 2);
    });

    it('/help is a list: one command per line, aligned, no ⏎', async () => {
      await say(alice, '/help');
      await alice.waitForFunction(() => document.querySelector('#log li:last-child')?.textContent?.includes('/whois'), undefined, { timeout: T });
      const layout = await alice.evaluate((cmds) => {
        const li = document.querySelector('#log li:last-child')!;
        // the text of the entry, a line break between text nodes (each maps back to its node)
        const chars: ([Text, number] | undefined)[] = [];
        let text = '';
        const walker = document.createTreeWalker(li, NodeFilter.SHOW_TEXT);
        for (let n = walker.nextNode() as Text | null; n; n = walker.nextNode() as Text | null) {
          for (let i = 0; i < n.data.length; i++) chars.push([n, i]);
          chars.push(undefined);
          text += `${n.data}\n`;
        }
        return {
          text,
          at: cmds.map((c) => {
            const m = new RegExp(`(?:^|[\\s⏎])(${c})(?=[\\s⏎]|$)`).exec(text);
            if (!m) return undefined;
            const [node, off] = chars[m.index + m[0].length - c.length]!;
            const r = document.createRange();
            r.setStart(node, off);
            r.setEnd(node, off + 1);
            const b = r.getBoundingClientRect();
            return { x: Math.round(b.left), y: Math.round(b.top) };
          }),
        };
      }, ['/me', '/msg', '/join', '/leave', '/rooms', '/who', '/whois', '/fingerprint', '/help', '/quit']);
      assert.doesNotMatch(layout.text, /⏎/);
      const at = layout.at;
      assert.ok(at.every((a) => a !== undefined), JSON.stringify(layout.at));
      for (let i = 1; i < at.length; i++) {
        assert.equal(at[i]!.x, at[0]!.x, `commands start in one column: ${JSON.stringify(at)}`);
        assert.ok(at[i]!.y > at[i - 1]!.y, `each command on its own line: ${JSON.stringify(at)}`);
      }
      await say(bob, '/help');
      await bob.waitForFunction(() => document.querySelector('#log li:last-child')?.textContent?.includes('/whois'), undefined, { timeout: T });
      await bob.locator('#log li:last-child').scrollIntoViewIfNeeded();
      await bob.screenshot({ path: path.join(SHOTS, '11-help-phone.png') });
    });

    it('a DM you send does not raise your own unread count', async () => {
      await say(alice, '/msg bob first'); // opens the thread with bob (and shows it)
      await bob.locator('#dm-list button[data-conv="dm:alice"]').waitFor({ timeout: T });
      await alice.locator('#room-list button[data-conv="room:lobby"]').click();
      await say(alice, '/msg bob second, sent from #lobby');
      await bob.locator('#dm-list button[data-conv="dm:alice"]').click();
      await seeMessage(bob, 'second, sent from #lobby');
      await say(bob, 'reply from bob');
      const badge = alice.locator('#dm-list button[data-conv="dm:bob"] .unread');
      await badge.waitFor({ timeout: T });
      assert.equal(await badge.textContent(), '1', 'only bob\'s reply is unread');
    });

    it('server errors are in words; the code stays in data-code', async () => {
      await say(alice, '/whois nobody');
      const li = alice.locator('#log li.notice.error').last();
      await li.waitFor({ timeout: T });
      assert.equal(await li.getAttribute('data-code'), 'no_such_user');
      assert.doesNotMatch(await li.innerText(), /no_such_user/);
      assert.match(await li.innerText(), /nobody has registered nobody/);
    });

    it('fingerprints on a phone break only between their groups', async () => {
      await bob.locator('#room-list button[data-conv="room:lobby"]').click();
      await say(bob, '/fingerprint');
      await bob.locator('#log li.notice', { hasText: 'Your key:' }).waitFor({ timeout: T });
      let broken = 0;
      for (const width of [320, 360, 390, 430]) {
        await bob.setViewportSize({ width, height: 760 });
        const seen = await fingerprintBreaks(bob, '#log li.notice');
        assert.ok(seen.length >= 4, `fingerprints found at ${width}px: ${seen.length}`);
        for (const f of seen) assert.ok(f.breaks.every((b) => FP_BREAKS.includes(b)), `${width}px: ${f.fp} breaks at ${f.breaks.join(', ')}`);
        broken += seen.filter((f) => f.breaks.length > 0).length;
        if (width === 390) await bob.screenshot({ path: path.join(SHOTS, '12-fingerprints-phone.png') });
      }
      assert.ok(broken > 0, 'the widths tried do make fingerprints wrap');
      // copied, a fingerprint is still one unbroken string
      assert.match(await bob.locator('#log li.notice', { hasText: 'Your key:' }).last().innerText(), /SHA256:[A-Za-z0-9+/]{43}/);
    });

    it('a reload remembers the rooms joined and the direct threads, rejoins, and opens the same conversation', async () => {
      await say(bob, '/join dev');
      await bob.locator('#room-list button[data-conv="room:dev"]').waitFor({ timeout: T });
      await say(alice, '/join dev');
      await alice.locator('#conv-title', { hasText: '#dev' }).waitFor({ timeout: T });
      // what the page stored (IndexedDB `parley`/`kv`, docs/BROWSER.md) has caught up
      await untilStored(alice, '"current":"room:dev"', true);
      await alice.reload();
      await connected(alice);
      await alice.locator('#room-list button[data-conv="room:dev"]').waitFor({ timeout: T });
      await alice.locator('#dm-list button[data-conv="dm:bob"]').waitFor({ timeout: T });
      await alice.locator('#conv-title', { hasText: '#dev' }).waitFor({ timeout: T });
      // rejoined on the server too: bob, in #dev, reads what alice says there
      await say(alice, 'back in dev after a reload');
      await bob.locator('#room-list button[data-conv="room:dev"]').click();
      assert.match(await seeMessage(bob, 'back in dev after a reload'), /\bok\b/);
      // and leaving is remembered as well
      await say(alice, '/leave dev');
      await alice.locator('#room-list button[data-conv="room:dev"]').waitFor({ state: 'detached', timeout: T });
      await untilStored(alice, '"dev"', false);
      await alice.reload();
      await connected(alice);
      await alice.locator('#dm-list button[data-conv="dm:bob"]').waitFor({ timeout: T });
      assert.equal(await alice.locator('#room-list button[data-conv="room:dev"]').count(), 0);
    });
  });

  describe("peers' end-to-end keys (issue 13)", () => {
    let server: ParleyServer;
    let names: MemoryNameRegistry;
    let url = '';
    const errors: string[] = [];
    const watch = (p: Page, who: string) => {
      p.on('pageerror', (e) => errors.push(`${who}: ${e.message}`));
      p.on('console', (m) => m.type() === 'error' && errors.push(`${who} console: ${m.text()}`));
    };
    /** The safety number the page shows last, as its 12 groups. */
    const safetyGroups = async (p: Page): Promise<string[]> => {
      const n = p.locator('#log li.safety-entry .safety-number').last();
      await n.waitFor({ timeout: T });
      return n.locator('.group').allInnerTexts();
    };
    const ownFp = async (p: Page) => (await p.locator('#own-fp').textContent())!;

    before(async () => {
      names = new MemoryNameRegistry();
      server = new ParleyServer({ identity: quickKey(), names, host: '127.0.0.1', port: 0, httpHandler: createWebHandler({ root: WEB_ROOT }) });
      url = `http://127.0.0.1:${(await server.listen()).port}/`;
    });

    after(async () => {
      await server.close();
      assert.deepEqual(errors, []);
    });

    it('/verify shows the same 60-digit safety number on both sides and marks the peer verified; a changed key is loud, never ✓, blocks until re-verified or trusted', async () => {
      const ctxs = await Promise.all([0, 1, 2].map(() => browser!.newContext({ viewport: { width: 1000, height: 760 } })));
      try {
        const [alice, bob, carol] = await Promise.all(ctxs.map((c) => c.newPage()));
        for (const [p, who] of [[alice!, 'alice'], [bob!, 'bob'], [carol!, 'carol']] as const) watch(p, who);
        await signUp(alice!, url, 'alice');
        await signUp(bob!, url, 'bob');
        await signUp(carol!, url, 'carol');
        const [aliceFp, bobFp] = [await ownFp(alice!), await ownFp(bob!)];
        await alice!.locator('#member-list', { hasText: 'carol' }).waitFor({ timeout: T });
        await say(bob!, 'hello from the first bob');
        assert.match(await seeMessage(alice!, 'hello from the first bob'), /\bok\b/);
        assert.match(await seeMessage(carol!, 'hello from the first bob'), /\bok\b/);
        // the first contact is said, with the key now pinned
        await alice!.locator('#log li.notice', { hasText: `First time seen: bob's key ${bobFp}` }).waitFor({ timeout: T });
        // carol's pins live in IndexedDB: after a reload she still knows bob's key
        await carol!.reload();
        await connected(carol!);

        // /verify: the same 12 groups of 5 digits on both sides
        await say(alice!, '/verify bob');
        await say(bob!, '/verify alice');
        const [a, b] = [await safetyGroups(alice!), await safetyGroups(bob!)];
        assert.equal(a.length, 12);
        assert.ok(a.every((g) => /^\d{5}$/.test(g)), a.join(' '));
        assert.deepEqual(a, b);
        assert.match(await alice!.locator('#log li.safety-entry').last().innerText(), new RegExp(`bob's key:\\s*${bobFp.replace(/[+/]/g, '.')}`));
        await alice!.screenshot({ path: path.join(SHOTS, '13-safety-number.png') });
        await alice!.locator('#log li.safety-entry button.mark-verified').last().click();
        await alice!.locator('#log li.notice:not(.safety-entry)', { hasText: 'You marked bob verified' }).waitFor({ timeout: T });
        // the terminal's way works too: /verify NAME yes marks the key whose number was shown
        await say(bob!, '/verify alice yes');
        await bob!.locator('#log li.notice:not(.safety-entry)', { hasText: 'You marked alice verified' }).waitFor({ timeout: T });
        await bob!.locator('#log li.safety-entry .done').last().waitFor({ timeout: T });
        await alice!.locator('#member-list li', { hasText: 'bob' }).locator('[data-peer="verified"]').waitFor({ timeout: T });
        await say(alice!, '/whois bob');
        await alice!.locator('#log li.notice', { hasText: '✓ verified' }).waitFor({ timeout: T });
        // a typo is an error in words, not a message to the room
        await say(alice!, '/verify');
        await alice!.locator('#input-error', { hasText: 'Wrong arguments for /verify' }).waitFor({ timeout: T });
        await alice!.locator('#input').fill('');

        // the operator hands the name bob to a new key (parley names release bob): a new browser signs up as bob
        await ctxs[1]!.close();
        await alice!.locator('#log li.notice', { hasText: 'bob left #lobby' }).waitFor({ timeout: T });
        assert.ok(names.release('bob'), 'bob was registered');
        const ctxBob2 = await browser!.newContext({ viewport: { width: 1000, height: 760 } });
        ctxs.push(ctxBob2);
        const bob2 = await ctxBob2.newPage();
        watch(bob2, 'bob2');
        await signUp(bob2, url, 'bob');
        const bob2Fp = await ownFp(bob2);
        assert.notEqual(bob2Fp, bobFp);

        // the loud warning, with both keys, on both pages; the member list says it too
        for (const p of [alice!, carol!]) {
          const w = p.locator('#log li.keychange[data-peer="bob"]').last();
          await w.waitFor({ timeout: T });
          assert.equal(await w.getAttribute('role'), 'alert');
          assert.equal((await w.locator('.kc-peer-pinned').textContent())!, bobFp);
          assert.equal((await w.locator('.kc-peer-presented').textContent())!, bob2Fp);
          assert.match(await w.innerText(), /BOB'S KEY HAS CHANGED/);
          await p.locator('#member-list li', { hasText: 'bob' }).locator('[data-peer="changed"]').waitFor({ timeout: T });
        }
        assert.match(await alice!.locator('#log li.keychange').last().innerText(), /You had verified bob: compare safety numbers again/);
        assert.match(await carol!.locator('#log li.keychange').last().innerText(), /\/trust bob/);
        await alice!.screenshot({ path: path.join(SHOTS, '14-peer-key-changed.png') });

        // the new bob's messages are shown, marked, never ✓
        await say(bob2, 'hello from the new bob');
        for (const p of [alice!, carol!]) {
          const li = p.locator('#log li.msg[data-from="bob"]').last();
          await li.locator('.text', { hasText: 'hello from the new bob' }).waitFor({ timeout: T });
          assert.match((await li.locator('.check').getAttribute('class')) ?? '', /\bbad\b/);
          assert.equal(await li.locator('.check').getAttribute('data-code'), 'e2e_key_changed');
        }
        assert.equal(await alice!.locator('#log li.msg[data-from="bob"] .check.ok', { hasText: '✓' }).count(), 1, "the first bob's message keeps its ✓");
        // nothing goes to the new key: a verified peer cannot just be trusted, a DM is refused
        await say(alice!, '/trust bob');
        await alice!.locator('#log li.notice.error[data-code="e2e_verify_required"]').waitFor({ timeout: T });
        await say(alice!, '/msg bob are you really bob?');
        await alice!.locator('#conv-title', { hasText: 'Direct: bob' }).waitFor({ timeout: T });
        await alice!.locator('#log li.notice.error[data-code="e2e_verify_required"]').waitFor({ timeout: T });
        assert.equal(await bob2.locator('#log li.msg', { hasText: 'are you really bob?' }).count(), 0);

        // carol (who never verified bob) accepts the new key with /trust: bob's next message is ✓ for her
        await say(carol!, '/trust bob');
        await carol!.locator('#log li.notice', { hasText: `bob's new key ${bob2Fp} is accepted` }).waitFor({ timeout: T });
        await carol!.locator('#member-list li', { hasText: 'bob' }).locator('[data-peer="unverified"]').waitFor({ state: 'attached', timeout: T });

        // alice verifies the new key: the new safety number matches the new bob's, then she is unblocked
        await say(alice!, '/verify bob');
        await say(bob2, '/verify alice');
        const [a2, b2] = [await safetyGroups(alice!), await safetyGroups(bob2)];
        assert.deepEqual(a2, b2);
        assert.notDeepEqual(a2, a, 'a new key, a new safety number');
        await alice!.locator('#log li.safety-entry button.mark-verified').last().click();
        await alice!.locator('#member-list li', { hasText: 'bob' }).locator('[data-peer="verified"]').waitFor({ timeout: T });
        await say(bob2, 'the new bob, accepted');
        await alice!.locator('#room-list button[data-conv="room:lobby"]').click();
        assert.match(await seeMessage(alice!, 'the new bob, accepted'), /\bok\b/);
        assert.match(await seeMessage(carol!, 'the new bob, accepted'), /\bok\b/);
        await say(alice!, '/msg bob welcome back');
        await bob2.locator('#dm-list button[data-conv="dm:alice"]').click();
        assert.match(await seeMessage(bob2, 'welcome back'), /\bok\b/);
        assert.ok(aliceFp.startsWith('SHA256:'));
      } finally {
        for (const c of ctxs) await c.close().catch(() => undefined);
      }
    });
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
    assert.match(await alice.locator('#setup-name-error').textContent() ?? '', /names are 1–32/i);
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
    // the ✓ says what it is now: signed under the key this browser pinned for the sender
    const mark = bob.locator('#log li.msg', { has: bob.locator('.text', { hasText: 'hello from alice' }) }).last().locator('.check');
    assert.match((await mark.getAttribute('title')) ?? '', /signed with the key this browser pinned for the sender/);
    assert.ok(((await mark.getAttribute('title')) ?? '').includes(aliceFp), 'the key that verified it');
    assert.equal(await mark.getAttribute('aria-label'), 'verified');
    const m1 = await carol.next((e) => e.type === 'message' && e.text === 'hello from alice');
    assert.equal(m1.from, 'alice');
    assert.equal(m1.verified, true);
    // end to end both ways: the terminal verified the browser's signature under alice's key…
    assert.equal(m1.fingerprint, aliceFp);
    carol.line('hi from carol');
    assert.match(await seeMessage(alice, 'hi from carol'), /\bok\b/);
    // …and the browser verified the terminal's under carol's
    const carolMark = alice.locator('#log li.msg', { has: alice.locator('.text', { hasText: 'hi from carol' }) }).last().locator('.check');
    assert.ok(((await carolMark.getAttribute('title')) ?? '').includes(carolReady.fingerprint as string));
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
    assert.equal(d.fingerprint, bobFp);
    assert.equal(carol.events.some((e) => e.text === 'secret for bob'), false, 'a DM reaches only its recipient');

    // fingerprints of others via /whois; errors shown clearly
    await alice.locator('#room-list button[data-conv="room:lobby"]').click();
    await say(alice, '/whois carol');
    await alice.locator('#log li.notice', { hasText: `carol: ${carolReady.fingerprint as string}` }).waitFor({ timeout: T });
    await say(alice, 'x'.repeat(4001));
    await alice.locator('#input-error', { hasText: "the server's limit is 4000" }).waitFor({ timeout: T });
    await alice.locator('#input').fill('');
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
    assert.match(await mallory.locator('#fatal-message').textContent() ?? '', /^the name alice belongs to another key/);
    assert.equal(await mallory.locator('#fatal-message').getAttribute('data-code'), 'name_taken');
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
    const restarted = await serve(serverKey, port);
    servers.push(restarted.server);
    await connected(alice);
    await connected(bob);
    // both pages came back by session resumption (their tickets of the first server, in memory): no RSA on the server
    for (const who of ['alice', 'bob']) assert.ok(restarted.log.lines.some((l) => new RegExp(`^connect ${who} \\(.*\\(resumed\\)$`).test(l)), `${who} resumed:\n${restarted.log.lines.join('\n')}`);
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
    // on a phone the two fingerprints wrap between groups, at the same places: comparable group by group
    const [pinned, presented] = await fingerprintBreaks(bob, '#kc-pinned, #kc-presented');
    assert.deepEqual(presented!.breaks, pinned!.breaks);
    assert.ok(pinned!.breaks.every((b) => FP_BREAKS.includes(b)), `breaks at ${pinned!.breaks.join(', ')}`);
    assert.equal(evil.server.hub.stats().connections, 0, 'nobody signed in to the impostor');

    assert.deepEqual(errors, []);
  });
});
