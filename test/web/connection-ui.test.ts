/**
 * What the page shows about its connection (watchConnection, fatalView), driven by the real
 * ChatConnection against a scripted server: a forged plaintext name_taken (or any plaintext
 * Error) only shows a reconnecting status; the fatal screen, and its form for another name,
 * come only from an authenticated error; name_limit gets its own wording and no form.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ChatConnection, type ConnectionStatus } from '../../src/client/connection.js';
import { nodeCrypto } from '../../src/protocol/crypto-node.js';
import { fatalView, watchConnection, type FatalView } from '../../src/web/connection-ui.js';
import { memoryStore } from '../../src/web/kv.js';
import { PinBook } from '../../src/web/pins.js';
import { fakeSocketFactory, plainError, ready, type ConnPlan } from '../client/fake-server.js';
import { rsaKey } from '../protocol/helpers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The page's connection wiring over a scripted server; records what the page would show. */
async function page(plans: (n: number) => ConnPlan) {
  const { factory, connections } = fakeSocketFactory(plans);
  const pins = await PinBook.load(memoryStore(), 'ws://fake/');
  const conn = new ChatConnection({ url: 'ws://fake/', identity: rsaKey('web-client'), name: 'alice', crypto: nodeCrypto, socket: factory, verifyServer: (fp) => pins.verify(fp), minReconnectMs: 5, maxReconnectMs: 20 });
  const shown = { statuses: [] as ConnectionStatus[], fatal: [] as FatalView[], keyChanged: 0, readies: 0 };
  watchConnection(conn, pins, { status: (s) => shown.statuses.push(s), fatal: (v) => shown.fatal.push(v), keyChanged: () => shown.keyChanged++ });
  conn.on('event', (e) => e.type === 'ready' && shown.readies++);
  conn.start();
  return { conn, shown, connections };
}

async function until(cond: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 5000;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

describe('the page and a forged error', () => {
  it('a forged plaintext name_taken before the session does not ask for a new name: a reconnecting status, then the chat', async () => {
    const { conn, shown, connections } = await page((n) => (n === 0 ? { helloReply: plainError('name_taken', 'the name alice\u202e belongs to another key') } : {}));
    await until(() => shown.readies === 1, 'the chat after reconnecting');
    conn.close();
    assert.deepEqual(shown.fatal, [], 'no fatal screen, no name form');
    assert.equal(connections(), 2);
    const r = shown.statuses.find((s) => s.state === 'reconnecting');
    assert.ok(r && r.state === 'reconnecting' && r.reason.startsWith('name_taken: '), JSON.stringify(shown.statuses));
  });

  it('a forged plaintext name_taken after the session does not either', async () => {
    const { conn, shown } = await page((n) => (n === 0 ? { after: [ready(), plainError('name_taken', 'FORGED')] } : {}));
    await until(() => shown.readies === 2, 'the chat after reconnecting');
    conn.close();
    assert.deepEqual(shown.fatal, []);
    assert.ok(!JSON.stringify(shown.statuses).includes('FORGED'), 'its text is not shown');
  });

  it('an authenticated name_taken shows the fatal screen with the name form', async () => {
    const { shown, connections } = await page(() => ({ after: [ready(), { type: 'error', code: 'name_taken', message: 'the name alice belongs to another key' }] }));
    await until(() => shown.fatal.length === 1, 'the fatal screen');
    await sleep(30);
    assert.equal(connections(), 1);
    assert.equal(shown.fatal[0]!.askName, true);
    assert.equal(shown.fatal[0]!.title, 'That name is taken');
  });

  it('a changed pinned key shows the changed-key warning, not the fatal screen', async () => {
    const pins = await PinBook.load(memoryStore(), 'ws://fake/');
    pins.verify('SHA256:pinned-before');
    const { factory } = fakeSocketFactory(() => ({}));
    const conn = new ChatConnection({ url: 'ws://fake/', identity: rsaKey('web-client'), name: 'alice', crypto: nodeCrypto, socket: factory, verifyServer: (fp) => pins.verify(fp) });
    let keyChanged = 0;
    const fatal: FatalView[] = [];
    watchConnection(conn, pins, { status: () => {}, fatal: (v) => fatal.push(v), keyChanged: () => keyChanged++ });
    conn.start();
    await until(() => keyChanged === 1, 'the warning');
    assert.deepEqual(fatal, []);
  });
});

describe('fatalView', () => {
  const cases: [string, boolean, RegExp][] = [
    ['name_taken', true, /taken/],
    ['invalid_name', true, /not accepted/],
    ['name_limit', false, /cannot take a new name/],
    ['replaced', false, /elsewhere/],
    ['bad_url', false, /Disconnected/],
    ['unsupported_version', false, /Parley needs an upgrade/],
  ];
  for (const [code, askName, title] of cases) {
    it(`${code}: ${askName ? 'asks' : 'does not ask'} for another name`, () => {
      const v = fatalView({ code, message: 'why\x1b[2J\u202e', fromServer: true });
      assert.equal(v.askName, askName);
      assert.match(v.title, title);
      assert.equal(v.message, 'why^[[2J\\u{202e}', 'sanitized, in words: no code in the text');
      assert.equal(v.code, code, 'the code is kept apart (the page puts it in data-code)');
    });
  }

  it('unsupported_version asks to reload the page (the server serves its current client), then the operator', () => {
    assert.match(fatalView({ code: 'unsupported_version', message: 'this server speaks Parley protocol 3 …', fromServer: true }).hint, /different versions of the Parley protocol\. Reload the page.*operator/s);
  });

  it('name_limit says that another name would not help', () => {
    assert.match(fatalView({ code: 'name_limit', message: 'this key already holds the name bob', fromServer: true }).hint, /already holds a name.*would not help/s);
  });
});
