/**
 * The browser client's entry point (bundled as dist/web/app.js): opens the origin's store,
 * unlocks or creates the identity, then runs the shared ChatConnection over the browser's
 * WebSocket with webCrypto, pinning the server's key, and drives the chat screen.
 */
import { ChatConnection } from '../client/connection.js';
import { webCrypto } from '../protocol/crypto-web.js';
import { showFatal, showKeyChanged } from './alert-view.js';
import { ChatState, dmId, roomId } from './chat-state.js';
import { watchConnection } from './connection-ui.js';
import { ChatView } from './chat-view.js';
import { Composer } from './composer.js';
import { byId, showScreen } from './dom.js';
import { webHelp } from './help.js';
import { loadIdentity, unlockIdentity } from './key-store.js';
import { memoryStore, openIndexedDbStore, type KeyValueStore } from './kv.js';
import { Memory } from './memory.js';
import { PinBook } from './pins.js';
import { RoomsToRejoin } from './rejoin.js';
import { runSetup, runUnlock, type Unlocked } from './setup-view.js';
import { browserSocketFactory, serverUrlFor } from './socket-browser.js';

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

function chat(store: KeyValueStore, pins: PinBook, me: Unlocked, url: string, persistent: boolean, memory: Memory): void {
  showScreen('screen-chat');
  document.title = `${me.stored.name} — Parley`;
  const conn = new ChatConnection({ url, identity: me.key, name: me.stored.name, verifyServer: (fp) => pins.verify(fp), crypto: webCrypto, socket: browserSocketFactory });
  const composer = new Composer({
    send: (req) => {
      if (req.t === 'join') state.expectJoin(req.room);
      if (req.t === 'dm' && !state.conversations.has(dmId(req.to))) state.openDirect(req.to);
      conn.send(req);
    },
    local: (a) => {
      switch (a.type) {
        case 'help':
          state.help(webHelp());
          break;
        case 'fingerprint':
          state.notice('info', `Your key: ${me.stored.fingerprint}. Server key: ${conn.serverFingerprint ?? 'not known yet'}${pins.fingerprint ? ` (pinned ${pins.fingerprint})` : ''}.`);
          break;
        case 'switch':
          // /join of a room the user is in: open its conversation (src/client/input.ts)
          state.select(roomId(a.room));
          break;
        case 'quit':
          conn.close('quit');
          state.notice('info', 'You left. Reload the page to connect again.');
          break;
      }
    },
  });
  const view = new ChatView({
    submit: (line) => {
      const o = composer.submit(line, { room: state.room, joined: conn.rooms, directPeer: state.directPeer, ...(state.limits && { maxMessageLength: state.limits.maxMessageLength }) });
      return o.taken ? undefined : o.refusal;
    },
    select: (id) => state.select(id),
    direct: (name) => {
      state.openDirect(name);
      view.focus();
    },
    markVerified: () => undefined,
  });
  // the connection rejoins the remembered rooms once it is ready, as after a reconnection
  const rejoin = new RoomsToRejoin(memory.remembered.rooms);
  for (const r of memory.remembered.rooms) conn.rooms.add(r);
  // every change of the conversation list is remembered for the next visit (memory.ts)
  const remember = () => {
    const r = state.snapshot();
    void memory.save({ ...r, rooms: [...new Set([...r.rooms, ...rejoin.pending])] });
  };
  const state = new ChatState({
    appended: (id, e) => view.appended(id, e),
    changed: () => {
      view.changed();
      remember();
    },
  });
  view.bind(state);
  state.restore(memory.remembered);
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
    const rejoining = ev.type === 'ready' ? [...conn.rooms].filter((r) => !ev.rooms.includes(r)) : [];
    for (const req of state.apply(ev)) conn.send(req);
    for (const r of rejoin.apply(ev, state.me, rejoining)) conn.rooms.delete(r);
    if (ev.type === 'ready') {
      // lines typed before the server's limit was known are checked now; too long ones come back
      for (const r of composer.release(ev.limits.maxMessageLength)) view.giveBack(r.line, r.refusal);
    }
    remember();
    if (ev.type === 'ready' && pins.pinnedNow) {
      pins.pinnedNow = false;
      state.notice('info', `First contact with this server: its key ${ev.serverFingerprint} is now pinned. Parley will refuse to connect if it ever changes.`);
    }
  });
  conn.start();
}

async function main(): Promise<void> {
  const { store, persistent } = await openStore();
  const url = serverUrlFor(location);
  const me = await identity(store);
  const pins = await PinBook.load(store, url);
  const memory = await Memory.load(store, url, me.stored.fingerprint);
  chat(store, pins, me, url, persistent, memory);
}

main().catch((e: unknown) => {
  showScreen('screen-loading');
  byId('loading-text', HTMLParagraphElement).textContent = `Parley could not start: ${e instanceof Error ? e.message : String(e)}`;
});
