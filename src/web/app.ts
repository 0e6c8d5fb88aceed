/**
 * The browser client's entry point (bundled as dist/web/app.js): opens the origin's store,
 * unlocks or creates the identity, then runs the shared ChatConnection over the browser's
 * WebSocket with webCrypto, pinning the server's key, under the shared end-to-end layer
 * (E2EClient with webE2ECrypto, peers' keys pinned in IndexedDB), and drives the chat screen.
 */
import type { ChatEvent, OutgoingRequest } from '../chat/events.js';
import { ChatConnection } from '../client/connection.js';
import { E2EClient, type E2EClientEvent } from '../client/e2e-client.js';
import { runKeyCommand } from '../client/key-commands.js';
import { webE2ECrypto } from '../e2e/crypto-web.js';
import { isE2EError } from '../e2e/errors.js';
import { webCrypto } from '../protocol/crypto-web.js';
import { initRsaEngine } from '../rsa/engine.js';
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
import { IndexedDbPinStore } from './peer-pin-store.js';
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

/** An E2E layer's error (or any thrown value) in words, with its code. */
function failure(e: unknown): { code: string; text: string } {
  const text = e instanceof Error ? e.message : String(e);
  return { code: isE2EError(e) ? e.code : 'e2e_invalid_argument', text: `${text.charAt(0).toUpperCase()}${text.slice(1)}.` };
}

function chat(store: KeyValueStore, pins: PinBook, peerPins: IndexedDbPinStore, me: Unlocked, url: string, persistent: boolean, memory: Memory): void {
  showScreen('screen-chat');
  document.title = `${me.stored.name} — Parley`;
  const conn = new ChatConnection({ url, identity: me.key, name: me.stored.name, verifyServer: (fp) => pins.verify(fp), crypto: webCrypto, socket: browserSocketFactory });
  // every say / dm is end-to-end encrypted by the layer the terminal client uses too
  const e2e = new E2EClient({ connection: conn, crypto: webE2ECrypto, identity: me.key, pins: peerPins });
  const send = (req: OutgoingRequest) => e2e.send(req);
  /** The key each /verify NAME last showed the number of (for /verify NAME yes). */
  const shownKeys = new Map<string, string>();
  /** The pin state of the peers shown (members, direct threads) as the member list and /whois show it. */
  const refreshPeers = () => {
    const names = new Set<string>();
    for (const c of state.conversations.values()) for (const n of c.kind === 'room' ? c.members : [c.name]) if (n !== state.me) names.add(n);
    for (const n of names) {
      const st = e2e.peerStatus(n);
      if (st.pinned !== null) state.peerMark(n, { verified: st.verified, blocked: st.blocked });
    }
  };
  const composer = new Composer({
    send: (req) => {
      if (req.t === 'join') state.expectJoin(req.room);
      if (req.t === 'dm' && !state.conversations.has(dmId(req.to))) state.openDirect(req.to);
      send(req);
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
          e2e.close();
          conn.close('quit');
          state.notice('info', 'You left. Reload the page to connect again.');
          break;
        case 'trust':
        case 'verify': {
          // the terminal's key commands (src/client/key-commands.ts), shown the page's way
          const r = runKeyCommand(a, e2e, shownKeys);
          if (r.type === 'safety_number') state.safety(r.name, r.digits, r.fingerprint, r.verified);
          else if (r.type === 'info' && a.type === 'verify' && a.confirm) state.markedVerified(a.name, e2e.peerStatus(a.name).pinned ?? '');
          // (not capitalized: a message may begin with a name)
          else if (r.type === 'info') state.notice('info', `${r.message}.`);
          else state.notice('error', `${r.message}${r.hint ? ` — ${r.hint}` : ''}.`, r.code);
          refreshPeers();
          break;
        }
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
    markVerified: (name, fingerprint) => {
      try {
        // exactly the key whose number was shown, and only while it is still the one presented
        if (e2e.safetyNumber(name).fingerprint !== fingerprint) throw Object.assign(new Error(`${name} presents another key since this number was shown`), { code: 'e2e_key_changed' });
        e2e.markVerified(name, fingerprint);
        state.markedVerified(name, fingerprint);
      } catch (e) {
        const f = failure(e);
        state.notice('error', `${f.text} Type /verify ${name} again.`, f.code);
      }
    },
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
  e2e.on('event', (raw: E2EClientEvent) => {
    // a changed key of a peer the user had verified is said so in the warning
    const ev = raw.type === 'peer_key_changed' ? { ...raw, wasVerified: e2e.peerStatus(raw.name).verified } : raw;
    if (ev.type === 'whois') refreshPeers();
    const rejoining = ev.type === 'ready' ? [...conn.rooms].filter((r) => !ev.rooms.includes(r)) : [];
    for (const req of state.apply(ev)) send(req);
    if (ev.type === 'who' || ev.type === 'join' || ev.type === 'peer_new' || ev.type === 'peer_key_changed' || ev.type === 'direct') refreshPeers();
    // (only join, leave, ready and join errors matter to it; the layer's own errors name say / dm)
    for (const r of rejoin.apply(ev as ChatEvent, state.me, rejoining)) conn.rooms.delete(r);
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
  // the RSA engine's WebAssembly module must be compiled asynchronously on a page; until then
  // (or where it cannot load) private-key operations use BigInt (src/rsa/engine.ts)
  await initRsaEngine();
  const { store, persistent } = await openStore();
  const url = serverUrlFor(location);
  const me = await identity(store);
  const pins = await PinBook.load(store, url);
  const peerPins = await IndexedDbPinStore.load(store, url);
  const memory = await Memory.load(store, url, me.stored.fingerprint);
  chat(store, pins, peerPins, me, url, persistent, memory);
}

main().catch((e: unknown) => {
  showScreen('screen-loading');
  byId('loading-text', HTMLParagraphElement).textContent = `Parley could not start: ${e instanceof Error ? e.message : String(e)}`;
});
