/**
 * The browser client's entry point (bundled as dist/web/app.js): opens the origin's store,
 * unlocks or creates the identity, then runs the shared ChatConnection over the browser's
 * WebSocket with webCrypto, pinning the server's key, and drives the chat screen.
 */
import { ChatConnection } from '../client/connection.js';
import { HELP_TEXT } from '../client/input.js';
import { webCrypto } from '../protocol/crypto-web.js';
import { showFatal, showKeyChanged } from './alert-view.js';
import { ChatState, dmId } from './chat-state.js';
import { watchConnection } from './connection-ui.js';
import { ChatView } from './chat-view.js';
import { parseWebInput } from './commands.js';
import { byId, showScreen } from './dom.js';
import { loadIdentity, unlockIdentity } from './key-store.js';
import { memoryStore, openIndexedDbStore, type KeyValueStore } from './kv.js';
import { PinBook } from './pins.js';
import { runSetup, runUnlock, type Unlocked } from './setup-view.js';
import { browserSocketFactory, serverUrlFor } from './socket-browser.js';

/** Errors worth a banner above the log as well as a line in it. */
const BANNER_CODES = new Set(['rate_limited', 'too_long', 'no_such_user', 'room_limit', 'not_in_room', 'invalid_room', 'bad_command', 'unknown_command', 'shutting_down', 'hash_mismatch']);

async function openStore(): Promise<{ store: KeyValueStore; persistent: boolean }> {
  try {
    return { store: await openIndexedDbStore(), persistent: true };
  } catch {
    return { store: memoryStore(), persistent: false };
  }
}

async function identity(store: KeyValueStore): Promise<Unlocked> {
  const stored = await loadIdentity(store);
  if (!stored) return runSetup(store);
  if (stored.encrypted) return runUnlock(store, stored);
  return { key: await unlockIdentity(stored), stored };
}

function chat(store: KeyValueStore, pins: PinBook, me: Unlocked, url: string, persistent: boolean): void {
  showScreen('screen-chat');
  document.title = `${me.stored.name} — Parley`;
  const conn = new ChatConnection({ url, identity: me.key, name: me.stored.name, verifyServer: (fp) => pins.verify(fp), crypto: webCrypto, socket: browserSocketFactory });
  const view = new ChatView({
    submit: (line) => {
      const a = parseWebInput(line, { room: state.room, directPeer: state.directPeer, ...(state.limits && { maxMessageLength: state.limits.maxMessageLength }) });
      switch (a.type) {
        case 'send':
          if (a.request.t === 'join') state.expectJoin(a.request.room);
          if (a.request.t === 'dm' && !state.conversations.has(dmId(a.request.to))) state.openDirect(a.request.to);
          conn.send(a.request);
          break;
        case 'error':
          state.notice('error', `${a.code}: ${a.message}; ${a.hint}`);
          view.showBanner(`${a.message} — ${a.hint}`, 'error');
          break;
        case 'help':
          state.notice('info', HELP_TEXT.replace('(also Ctrl+D, Ctrl+C)', '(closes the connection)').replace('✗ HASH MISMATCH', '⚠ mismatch     '));
          break;
        case 'fingerprint':
          state.notice('info', `Your key: ${me.stored.fingerprint}. Server key: ${conn.serverFingerprint ?? 'not known yet'}${pins.fingerprint ? ` (pinned ${pins.fingerprint})` : ''}.`);
          break;
        case 'quit':
          conn.close('quit');
          state.notice('info', 'You left. Reload the page to connect again.');
          break;
        case 'none':
          break;
      }
    },
    select: (id) => state.select(id),
    direct: (name) => {
      state.openDirect(name);
      view.focus();
    },
  });
  const state = new ChatState(view);
  view.bind(state);
  view.changed();
  view.focus();
  if (!persistent) view.showBanner('This browser refused storage (IndexedDB): your key will be lost when you close the tab.', 'error', 0);
  watchConnection(conn, pins, {
    status: (s) => view.setStatus(s),
    fatal: (v) => showFatal(v, store, me.stored),
    keyChanged: () => showKeyChanged(pins),
  });
  conn.on('paced', (p) => view.showBanner(`Holding ${p.queued} message${p.queued === 1 ? '' : 's'} back for ${Math.ceil(p.waitMs / 100) / 10}s to stay within the server's rate.`, 'info', Math.max(2000, p.waitMs)));
  conn.on('event', (ev) => {
    for (const req of state.apply(ev)) conn.send(req);
    if (ev.type === 'ready' && pins.pinnedNow) {
      pins.pinnedNow = false;
      state.notice('info', `First contact with this server: its key ${ev.serverFingerprint} is now pinned. Parley will refuse to connect if it ever changes.`);
    }
    if (ev.type === 'error' && BANNER_CODES.has(ev.code)) view.showBanner(`${ev.code}: ${ev.message}`, 'error');
  });
  conn.start();
}

async function main(): Promise<void> {
  const { store, persistent } = await openStore();
  const url = serverUrlFor(location);
  const me = await identity(store);
  const pins = await PinBook.load(store, url);
  chat(store, pins, me, url, persistent);
}

main().catch((e: unknown) => {
  showScreen('screen-loading');
  byId('loading-text', HTMLParagraphElement).textContent = `Parley could not start: ${e instanceof Error ? e.message : String(e)}`;
});
