/**
 * What the chat screen shows, kept apart from the DOM so it can be tested in Node: the
 * conversations (rooms the user is in, and direct-message threads), their entries, who is in
 * each room, and which conversation is current. ServerEvents go in through `apply`; requests
 * the state wants sent (e.g. `who` after a join) come back out.
 */
import type { ClientRequest, PublicLimits } from '../chat/events.js';
import type { E2EClientEvent } from '../client/e2e-client.js';
import { verifyBody } from '../client/input.js';
import { RECEIVE_FAILURE_TEXT, type E2EErrorCode } from '../e2e/errors.js';
import type { HelpSection } from './help.js';

/** One line of a conversation. */
export type Entry =
  /**
   * A message. `verified`: signed under the key pinned for `from` and its text matching the
   * signed hash (docs/E2E.md §Receiving); `fingerprint` that key. When not verified, `code` and
   * `reason` say why (an unreadable message has an empty text and `unreadable`).
   */
  | { kind: 'message'; from: string; to?: string; text: string; action: boolean; verified: boolean; ts: number; fingerprint?: string | null; code?: string; reason?: string; unreadable?: boolean }
  /** The loud warning of a peer's changed end-to-end key (`peer_key_changed`). */
  | { kind: 'keychange'; name: string; pinned: string; presented: string; wasVerified: boolean; ts: number }
  /** A safety number shown by /verify NAME, for the key `fingerprint`; `marked` once the user said it matches. */
  | { kind: 'safety'; name: string; digits: string; fingerprint: string; marked: boolean; ts: number }
  /** `code`: an error's stable code (the text is in words; the view keeps the code in an attribute). */
  | { kind: 'notice'; level: 'info' | 'error' | 'system' | 'presence'; text: string; ts: number; code?: string }
  /** The /help list. */
  | { kind: 'help'; sections: HelpSection[]; ts: number };

/** What a reload restores (memory.ts keeps it per server and identity); names are validated there. */
export interface Remembered {
  /** Rooms the user was in, in the order of the list. */
  rooms: string[];
  /** The other users of the direct-message threads, in the order of the list. */
  directs: string[];
  /** The current conversation's id, if any. */
  current?: string;
  /** The server's limits as last announced, used until `ready` brings the current ones. */
  limits?: PublicLimits;
}

/** A room or a direct-message thread. */
export interface Conversation {
  /** `room:NAME` or `dm:NAME`. */
  id: string;
  kind: 'room' | 'direct';
  /** The room or the other user. */
  name: string;
  entries: Entry[];
  /** Entries added while it was not current. */
  unread: number;
  /** (rooms) members, sorted, once known. */
  members: string[];
}

/** What the page shows of a peer's end-to-end key (src/e2e PeerStatus). */
export interface PeerMark {
  verified: boolean;
  /** A changed key waits for /trust or /verify: nothing is sent to this peer. */
  blocked: boolean;
}

/** What an E2E notice or failure carries that the state shows (src/e2e Notice, Received). */
export type E2ENoticeView =
  | { type: 'peer_new'; name: string; fingerprint: string }
  | { type: 'peer_key_changed'; name: string; pinned: string; presented: string; wasVerified?: boolean }
  | { type: 'e2e_bundle_rejected'; name: string; code: string; message: string }
  | { type: 'e2e_not_sent'; to: string; code: string; message: string }
  | { type: 'e2e_withheld'; room: string; names: string[] };

/** What the view is told after a change. */
export interface StateListener {
  /** `entry` was added to conversation `id` (undefined: there is no conversation yet; shown until one is). */
  appended(id: string | undefined, entry: Entry): void;
  /** The conversation list, the members or the current conversation changed. */
  changed(): void;
}

/** Entries kept per conversation; older ones are dropped. */
export const MAX_ENTRIES = 1000;

/** The conversation id of a room. */
export const roomId = (room: string): string => `room:${room}`;
/** The conversation id of a direct-message thread with `name`. */
export const dmId = (name: string): string => `dm:${name}`;

const textOf = (body: { text?: unknown } | undefined): string => (typeof body?.text === 'string' ? body.text : '');

const FP_RE = /^SHA256:[A-Za-z0-9+/]{43}$/;

/** Why a message is not verified, in words, for the codes the E2E layer gives (src/e2e/errors.ts), and a message in our name we did not make. */
export function unverifiedReason(code: string): string {
  if (code === 'e2e_not_ours') return 'a message in your name that this browser did not send: the server replayed or forged it';
  if (code === 'e2e_unverified') return "its signature did not check under the key pinned for its sender";
  return Object.prototype.hasOwnProperty.call(RECEIVE_FAILURE_TEXT, code) ? RECEIVE_FAILURE_TEXT[code as E2EErrorCode] : `it failed its end-to-end checks (${code})`;
}

/**
 * A decrypted message's marks: verified only when its E2E layer says so (`verified`, when it
 * sets it), named the key whose signature checked (`fingerprint`) and the text matches the hash
 * in the body; else why not (`code`). An unverified message without text could not be read at
 * all. Never throws.
 */
function checked(ev: { body?: { text?: unknown }; fingerprint?: unknown; verified?: unknown; code?: unknown }): Pick<Extract<Entry, { kind: 'message' }>, 'verified' | 'fingerprint' | 'code' | 'reason' | 'unreadable'> {
  const fp = typeof ev.fingerprint === 'string' && FP_RE.test(ev.fingerprint) ? ev.fingerprint : null;
  if (fp !== null && ev.verified !== false && verifyBody(ev.body)) return { verified: true, fingerprint: fp };
  const code = typeof ev.code === 'string' && ev.code !== '' ? ev.code : fp === null ? 'e2e_unverified' : 'e2e_hash_mismatch';
  return { verified: false, fingerprint: null, code, reason: unverifiedReason(code), ...(textOf(ev.body) === '' && { unreadable: true }) };
}

/** The chat screen's model. */
export class ChatState {
  me = '';
  fingerprint = '';
  serverFingerprint = '';
  limits: PublicLimits | undefined;
  current: string | undefined;
  readonly conversations = new Map<string, Conversation>();
  /** Set when entries already shown changed (a safety number marked verified): the view draws the log again. */
  logChanged = false;
  /** The end-to-end state of the peers met (the member list and /whois show it). */
  readonly peers = new Map<string, PeerMark>();
  /** Rooms whose `who` answer refreshes the member list silently (requested by the state itself). */
  private readonly silentWho = new Map<string, number>();
  /** Rooms the user asked to join: the view switches to them when the join arrives. */
  private readonly wantJoin = new Set<string>();
  /** The conversation that was current before a reload: made current again when it reappears. */
  private wantCurrent: string | undefined;

  constructor(private readonly listener: StateListener, private readonly now: () => number = Date.now) {}

  /** The room of the current conversation, or else the first room; undefined when in none. */
  get room(): string | undefined {
    const c = this.current ? this.conversations.get(this.current) : undefined;
    if (c?.kind === 'room') return c.name;
    for (const x of this.conversations.values()) if (x.kind === 'room') return x.name;
    return undefined;
  }

  /** The other user of the current conversation when it is a direct one. */
  get directPeer(): string | undefined {
    const c = this.current ? this.conversations.get(this.current) : undefined;
    return c?.kind === 'direct' ? c.name : undefined;
  }

  /** ", current" or ", joined" for a room of the user's (as /rooms marks them, src/client/input.ts HELP_TEXT), else "". */
  private roomMark(room: string): string {
    const r = room.toLowerCase();
    if (this.room?.toLowerCase() === r) return ', current';
    return this.conversations.has(roomId(r)) ? ', joined' : '';
  }

  /** Makes `id` current (no effect for an unknown id). */
  select(id: string): void {
    const c = this.conversations.get(id);
    if (!c) return;
    this.wantCurrent = undefined;
    this.current = id;
    c.unread = 0;
    this.listener.changed();
  }

  /** Opens (creating it if needed) the direct thread with `name` and makes it current. */
  openDirect(name: string): void {
    this.conversation('direct', name);
    this.select(dmId(name));
  }

  /** Remembers that the user asked to join `room`, so that the view switches to it on arrival. */
  expectJoin(room: string): void {
    this.wantJoin.add(room.toLowerCase());
  }

  /**
   * Adds a local notice to the current conversation (or the first one; when there is none, the
   * listener is told with an undefined id). `code`: an error's stable code.
   */
  notice(level: 'info' | 'error' | 'system', text: string, code?: string): void {
    this.place({ kind: 'notice', level, text, ts: this.now(), ...(code !== undefined && { code }) });
  }

  /** Records `name`'s verified / blocked state (after a pin check, /trust or /verify). */
  peerMark(name: string, mark: PeerMark): void {
    const old = this.peers.get(name);
    if (old && old.verified === mark.verified && old.blocked === mark.blocked) return;
    this.peers.set(name, { ...mark });
    this.listener.changed();
  }

  /** The conversations where `name` shows up: its direct thread, the rooms it is a member of, and the current one. */
  private whereIs(name: string): string[] {
    const ids = [...this.conversations.values()].filter((c) => (c.kind === 'direct' ? c.name === name : c.members.includes(name))).map((c) => c.id);
    if (this.current !== undefined && !ids.includes(this.current)) ids.push(this.current);
    return ids;
  }

  /**
   * Shows an end-to-end notice: a key seen for the first time (in words, with its fingerprint),
   * a changed key (the loud warning, in every conversation where that peer is, and the peer
   * marked blocked), a rejected bundle or an unsent message (errors). Never throws.
   */
  e2eNotice(n: E2ENoticeView): void {
    const ts = this.now();
    switch (n.type) {
      case 'peer_new':
        for (const id of this.whereIs(n.name)) this.append(id, { kind: 'notice', level: 'presence', text: `First time seen: ${n.name}'s key ${n.fingerprint} is now pinned.`, ts });
        if (!this.peers.has(n.name)) this.peerMark(n.name, { verified: false, blocked: false });
        break;
      case 'peer_key_changed': {
        const wasVerified = n.wasVerified ?? this.peers.get(n.name)?.verified ?? false;
        for (const id of this.whereIs(n.name)) this.append(id, { kind: 'keychange', name: n.name, pinned: n.pinned, presented: n.presented, wasVerified, ts });
        if (this.current === undefined) this.listener.appended(undefined, { kind: 'keychange', name: n.name, pinned: n.pinned, presented: n.presented, wasVerified, ts });
        this.peerMark(n.name, { verified: wasVerified, blocked: true });
        break;
      }
      case 'e2e_bundle_rejected':
        this.notice('error', `The keys the server handed out for ${n.name} were refused: ${n.message}.`, n.code);
        break;
      case 'e2e_withheld': {
        const who = n.names.join(', ');
        this.append(roomId(n.room), { kind: 'notice', level: 'error', text: `Not readable by ${who}: their key changed and is not accepted yet, or they have no end-to-end keys (an old client).`, ts, code: 'e2e_withheld' });
        break;
      }
      case 'e2e_not_sent': {
        const id = this.conversations.has(dmId(n.to)) ? dmId(n.to) : undefined;
        const entry: Entry = { kind: 'notice', level: 'error', text: `Your message to ${n.to} was not sent: ${n.message}.`, ts, code: n.code };
        if (id) this.append(id, entry);
        else this.place(entry);
        break;
      }
    }
  }

  /** Shows the safety number with `name` (for `fingerprint`), with the way to mark it verified (`verified`: it is already). */
  safety(name: string, digits: string, fingerprint: string, verified = false): void {
    const c = this.conversations.get(dmId(name));
    const entry: Entry = { kind: 'safety', name, digits, fingerprint, marked: verified, ts: this.now() };
    if (c && c.id === this.current) this.append(c.id, entry);
    else this.place(entry);
  }

  /** The user marked `name` verified for `fingerprint`: every safety number shown for it says so. */
  markedVerified(name: string, fingerprint: string): void {
    for (const c of this.conversations.values())
      for (const e of c.entries) if (e.kind === 'safety' && e.name === name && e.fingerprint === fingerprint) e.marked = this.logChanged = true;
    this.peerMark(name, { verified: true, blocked: false });
    if (this.logChanged) this.listener.changed();
    this.notice('info', `You marked ${name} verified (key ${fingerprint}). If their key ever changes, nothing is sent to them until you verify again.`);
  }

  /** Adds the /help list where a notice would go. */
  help(sections: HelpSection[]): void {
    this.place({ kind: 'help', sections, ts: this.now() });
  }

  /** What a reload should restore: the rooms, the direct threads, the current one, the limits. */
  snapshot(): Remembered {
    const r: Remembered = { rooms: [], directs: [] };
    for (const c of this.conversations.values()) (c.kind === 'room' ? r.rooms : r.directs).push(c.name);
    // a conversation still to come back after a reload stays the one to open
    const current = this.wantCurrent ?? this.current;
    if (current !== undefined) r.current = current;
    if (this.limits) r.limits = this.limits;
    return r;
  }

  /**
   * Restores what `snapshot` saved before a reload: the direct threads reappear (empty: messages
   * are not kept), the limits hold until `ready`, and the current conversation becomes current
   * again when it reappears (a room, once the connection has rejoined it; app.ts hands the rooms
   * to ChatConnection). Call before any event.
   */
  restore(r: Remembered): void {
    if (r.limits) this.limits = r.limits;
    this.wantCurrent = r.current;
    for (const name of r.directs) this.conversation('direct', name);
  }

  private place(entry: Entry): void {
    const id = this.current ?? this.conversations.keys().next().value;
    if (id !== undefined) this.append(id, entry);
    else this.listener.appended(undefined, entry);
  }

  private conversation(kind: 'room' | 'direct', name: string): Conversation {
    const id = kind === 'room' ? roomId(name) : dmId(name);
    let c = this.conversations.get(id);
    if (!c) {
      c = { id, kind, name, entries: [], unread: 0, members: [] };
      this.conversations.set(id, c);
      this.current ??= id;
      if (id === this.wantCurrent) {
        this.current = id;
        this.wantCurrent = undefined;
      }
      this.listener.changed();
    }
    return c;
  }

  private append(id: string, entry: Entry): void {
    const c = this.conversations.get(id);
    if (!c) return;
    c.entries.push(entry);
    if (c.entries.length > MAX_ENTRIES) c.entries.splice(0, c.entries.length - MAX_ENTRIES);
    // your own messages (the server's echo of what you sent) are not news to you
    const own = entry.kind === 'message' && entry.from === this.me;
    if (id !== this.current && !own) {
      c.unread++;
      this.listener.changed();
    }
    this.listener.appended(id, entry);
  }

  private setMembers(room: string, members: string[]): void {
    const c = this.conversations.get(roomId(room));
    if (!c) return;
    c.members = [...new Set(members)].sort((a, b) => a.localeCompare(b));
    this.listener.changed();
  }

  /** The end-to-end state of `name` in words, for /whois (`fingerprint`: the key the server names). */
  private peerWords(name: string, fingerprint: string): string {
    if (name === this.me) return '';
    const p = this.peers.get(name);
    if (!p) return '; not met yet (no key pinned)';
    if (p.blocked) return `; ⚠ KEY CHANGED — not trusted until you check it (/verify ${name}, then /trust ${name})`;
    return p.verified ? '; ✓ verified (you compared safety numbers)' : `; not verified (compare safety numbers with /verify ${name})`;
  }

  private who(room: string): ClientRequest {
    this.silentWho.set(room, (this.silentWho.get(room) ?? 0) + 1);
    return { t: 'who', room };
  }

  /** Applies one event (the server's, a decrypted message, an E2E notice); returns the requests to send because of it. Never throws. */
  apply(ev: E2EClientEvent | E2ENoticeView): ClientRequest[] {
    const out: ClientRequest[] = [];
    switch (ev.type) {
      case 'peer_new':
      case 'peer_key_changed':
      case 'e2e_bundle_rejected':
      case 'e2e_withheld':
      case 'e2e_not_sent':
        this.e2eNotice(ev);
        break;
      case 'ready': {
        this.me = ev.name;
        this.fingerprint = ev.fingerprint;
        this.serverFingerprint = ev.serverFingerprint;
        this.limits = ev.limits;
        for (const r of ev.rooms) {
          this.conversation('room', r);
          out.push(this.who(r));
        }
        this.notice('info', `Connected as ${ev.name} (${ev.fingerprint}). Server key ${ev.serverFingerprint}.`);
        break;
      }
      case 'message': {
        const c = this.conversation('room', ev.room);
        this.append(c.id, { kind: 'message', from: ev.from, text: textOf(ev.body), action: ev.body?.action === true, ...checked(ev), ts: ev.ts });
        break;
      }
      case 'direct': {
        const peer = ev.from === this.me ? ev.to : ev.from;
        const c = this.conversation('direct', peer);
        this.append(c.id, { kind: 'message', from: ev.from, to: ev.to, text: textOf(ev.body), action: ev.body?.action === true, ...checked(ev), ts: ev.ts });
        break;
      }
      case 'join': {
        if (ev.name === this.me) {
          const c = this.conversation('room', ev.room);
          out.push(this.who(ev.room));
          if (this.wantJoin.delete(ev.room.toLowerCase())) this.select(c.id);
        } else {
          const c = this.conversations.get(roomId(ev.room));
          if (c) this.setMembers(ev.room, [...c.members, ev.name]);
        }
        this.append(roomId(ev.room), { kind: 'notice', level: 'presence', text: `${ev.name} joined #${ev.room} (${ev.members} here)`, ts: ev.ts });
        break;
      }
      case 'leave': {
        const id = roomId(ev.room);
        if (ev.name === this.me) {
          this.conversations.delete(id);
          if (this.current === id) this.current = this.conversations.keys().next().value;
          this.listener.changed();
          this.notice('info', `You left #${ev.room}.`);
        } else {
          const c = this.conversations.get(id);
          if (c) this.setMembers(ev.room, c.members.filter((m) => m !== ev.name));
          this.append(id, { kind: 'notice', level: 'presence', text: `${ev.name} left #${ev.room}${ev.reason ? `: ${ev.reason}` : ''} (${ev.members} here)`, ts: ev.ts });
        }
        break;
      }
      case 'rooms':
        this.notice('info', ev.rooms.length ? `Rooms: ${ev.rooms.map((r) => `#${r.room} (${r.members}${this.roomMark(r.room)})`).join(', ')}` : 'There are no rooms.');
        break;
      case 'who': {
        this.setMembers(ev.room, ev.members);
        const silent = this.silentWho.get(ev.room) ?? 0;
        if (silent > 1) this.silentWho.set(ev.room, silent - 1);
        else this.silentWho.delete(ev.room);
        if (silent === 0) this.notice('info', `In #${ev.room}: ${ev.members.join(', ')} (${ev.members.length})`);
        break;
      }
      case 'whois':
        this.notice('info', `${ev.name}: ${ev.fingerprint}, ${ev.online ? 'online' : 'offline'}${ev.rooms.length ? `, in ${ev.rooms.map((r) => `#${r}`).join(', ')}` : ''}${this.peerWords(ev.name, ev.fingerprint)}`);
        break;
      case 'system':
        this.notice('system', ev.message);
        break;
      case 'error': {
        // in words (the server's message); the code stays with the entry for the view's attribute
        const after = 'retryAfterMs' in ev ? ev.retryAfterMs : undefined;
        const retry = after ? ` (retry in ${Math.ceil(after / 100) / 10}s)` : '';
        const hint = 'hint' in ev && ev.hint ? ` — ${ev.hint}` : '';
        this.notice('error', `${ev.message}${retry}${hint}`, ev.code);
        break;
      }
      default:
        break; // pong, and event types this client does not know
    }
    return out;
  }
}
