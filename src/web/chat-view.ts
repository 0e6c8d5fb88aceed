/**
 * The chat screen: conversation lists, the message log with the verification mark on every
 * message (✓ only for a message signed under its sender's pinned key), the loud warning of a
 * peer's changed key, safety numbers (/verify), who is here with their verified state, the
 * connection status and the input line. It renders a ChatState and reports what the user does
 * through callbacks; all text goes in through textContent.
 */
import type { ConnectionStatus } from '../client/connection.js';
import { formatTime, statusText } from '../client/format.js';
import { sanitize } from '../client/text.js';
import { type ChatState, type Conversation, type Entry, type StateListener } from './chat-state.js';
import type { Refusal } from './composer.js';
import { formatSafetyNumber } from '../e2e/safety-number.js';
import { byId, clear, el, nameClass, setFingerprint, textWithFingerprints } from './dom.js';
import type { HelpSection } from './help.js';

/** What the view reports. */
export interface ChatViewActions {
  /**
   * A line typed into the input (not empty). Returns undefined when it was taken (the input is
   * cleared) or why it was refused (the line stays in the input, the reason is shown just above it).
   */
  submit(line: string): Refusal | undefined;
  /** The user picked a conversation. */
  select(id: string): void;
  /** The user picked a person to write to. */
  direct(name: string): void;
  /** The user says the safety number shown for `name`'s key `fingerprint` matches theirs. */
  markVerified(name: string, fingerprint: string): void;
}

const HISTORY = 100;

/**
 * The verification mark's tooltips (docs/E2E.md §Receiving): ✓ means signed under the key this
 * browser pinned for the sender and the text matching the signed hash — the server could
 * neither write nor change it.
 */
export const CHECK_OK_TITLE = '✓ verified — signed with the key this browser pinned for the sender, and the text matches its signed hash: the server could neither write nor change it';
export const CHECK_BAD_TITLE = '⚠ NOT verified — do not trust who wrote this or what it says';

/** The DOM of #screen-chat, bound to a ChatState. */
export class ChatView implements StateListener {
  private state!: ChatState;
  private shown: string | undefined;
  private readonly log = byId('log', HTMLOListElement);
  private readonly input = byId('input', HTMLInputElement);
  private readonly banner = byId('banner', HTMLDivElement);
  private readonly inputError = byId('input-error', HTMLParagraphElement);
  private readonly joinRoom = byId('join-room', HTMLInputElement);
  private bannerTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly history: string[] = [];
  private historyPos = 0;

  constructor(private readonly actions: ChatViewActions) {
    byId('send-form', HTMLFormElement).addEventListener('submit', (e) => {
      e.preventDefault();
      const line = this.input.value;
      if (line.trim() === '') return;
      const refused = this.actions.submit(line);
      if (refused) return this.showInputError(refused, this.input);
      this.remember(line);
      this.input.value = '';
      this.clearInputError();
    });
    const room = this.joinRoom;
    byId('join-form', HTMLFormElement).addEventListener('submit', (e) => {
      e.preventDefault();
      if (room.value.trim() === '') return;
      const refused = this.actions.submit(`/join ${room.value.trim()}`);
      if (refused) return this.showInputError(refused, room);
      room.value = '';
      this.clearInputError();
      this.input.focus();
    });
    for (const i of [this.input, room]) i.addEventListener('input', () => this.clearInputError());
    this.input.addEventListener('keydown', (e) => this.onKey(e));
  }

  private remember(line: string): void {
    this.history.push(line);
    if (this.history.length > HISTORY) this.history.shift();
    this.historyPos = this.history.length;
  }

  /**
   * Shows why a line was refused, once, just above the input line (role=alert, and tied to the
   * field with aria-invalid and aria-describedby); the code stays in `data-code`. The draft stays.
   */
  showInputError(r: Refusal, field: HTMLInputElement = this.input): void {
    this.clearInputError();
    this.inputError.textContent = sanitize(r.text);
    this.inputError.dataset.code = r.code;
    this.inputError.hidden = false;
    field.setAttribute('aria-invalid', 'true');
    field.setAttribute('aria-describedby', `${field === this.input ? 'input-help ' : ''}input-error`);
    field.focus();
  }

  private clearInputError(): void {
    this.inputError.hidden = true;
    this.inputError.textContent = '';
    delete this.inputError.dataset.code;
    this.input.removeAttribute('aria-invalid');
    this.input.setAttribute('aria-describedby', 'input-help');
    this.joinRoom.removeAttribute('aria-invalid');
    this.joinRoom.removeAttribute('aria-describedby');
  }

  /**
   * Gives a line back to the user with the reason it was refused (a message held until the limit
   * was known, then found too long): into the input when it is empty, else into the history
   * (Up recalls it).
   */
  giveBack(line: string, r: Refusal): void {
    if (this.input.value === '') this.input.value = line;
    else this.remember(line);
    this.showInputError(this.input.value === line ? r : { ...r, text: `${r.text} (Press Up to get it back.)` });
  }

  /** Binds the state (once, before any event). */
  bind(state: ChatState): void {
    this.state = state;
  }

  /** Focuses the input line. */
  focus(): void {
    this.input.focus();
  }

  private onKey(e: KeyboardEvent): void {
    if (e.altKey && (e.key === 'ArrowUp' || e.key === 'ArrowDown')) {
      e.preventDefault();
      const ids = [...this.state.conversations.keys()];
      const i = ids.indexOf(this.state.current ?? '');
      const next = ids[(i + (e.key === 'ArrowUp' ? ids.length - 1 : 1)) % ids.length];
      if (next !== undefined) this.actions.select(next);
    } else if (!e.altKey && (e.key === 'ArrowUp' || e.key === 'ArrowDown') && this.history.length) {
      e.preventDefault();
      this.historyPos = Math.max(0, Math.min(this.history.length, this.historyPos + (e.key === 'ArrowUp' ? -1 : 1)));
      this.input.value = this.history[this.historyPos] ?? '';
    } else if (e.key === 'Escape') {
      this.input.value = '';
      this.clearInputError();
    }
  }

  /** Shows the connection state in the top bar (`data-state` carries the state for styling). */
  setStatus(s: ConnectionStatus): void {
    const status = byId('status', HTMLParagraphElement);
    status.dataset.state = s.state;
    status.textContent = sanitize(statusText(s));
    // the reason may be a forger's text (a plaintext Error before the session): shown, neutralised
    status.title = s.state === 'reconnecting' || s.state === 'closed' ? sanitize(s.reason) : s.state === 'connected' ? `server key ${sanitize(s.serverFingerprint)}` : '';
    this.input.placeholder = s.state === 'connected' ? 'Message, or /help' : 'Message (sent once connected), or /help';
  }

  /** A short message above the log (role=alert), hidden again after `ms` (0: until replaced). */
  showBanner(text: string, level: 'error' | 'info', ms = 8000): void {
    this.banner.textContent = sanitize(text);
    this.banner.dataset.level = level;
    this.banner.hidden = false;
    if (this.bannerTimer) clearTimeout(this.bannerTimer);
    this.bannerTimer = ms > 0 ? setTimeout(() => (this.banner.hidden = true), ms) : undefined;
  }

  /** StateListener: renders a new entry when its conversation is shown (or there is none yet, and none is shown). */
  appended(id: string | undefined, entry: Entry): void {
    if (id !== this.shown) return;
    const nearBottom = this.log.scrollHeight - this.log.scrollTop - this.log.clientHeight < 80;
    this.log.append(this.entryNode(entry));
    while (this.log.childElementCount > 1000) this.log.firstElementChild?.remove();
    if (nearBottom) this.log.scrollTop = this.log.scrollHeight;
  }

  /** StateListener: re-renders lists, keys and, when the conversation changed, the log. */
  changed(): void {
    const s = this.state;
    const me = byId('me', HTMLParagraphElement);
    me.replaceChildren(...(s.me ? [el('span', { class: `name ${nameClass(s.me)}` }, sanitize(s.me))] : []));
    setFingerprint(byId('own-fp', HTMLElement), sanitize(s.fingerprint));
    setFingerprint(byId('server-fp', HTMLElement), sanitize(s.serverFingerprint));
    const rooms: Conversation[] = [];
    const dms: Conversation[] = [];
    for (const c of s.conversations.values()) (c.kind === 'room' ? rooms : dms).push(c);
    this.renderList(byId('room-list', HTMLUListElement), rooms);
    this.renderList(byId('dm-list', HTMLUListElement), dms);
    const cur = s.current ? s.conversations.get(s.current) : undefined;
    byId('conv-title', HTMLHeadingElement).textContent = cur ? (cur.kind === 'room' ? `#${cur.name}` : `Direct: ${cur.name}`) : 'No conversation';
    this.renderMembers(cur);
    if (s.current !== this.shown || s.logChanged) {
      s.logChanged = false;
      this.shown = s.current;
      clear(this.log);
      for (const e of cur?.entries ?? []) this.log.append(this.entryNode(e));
      this.log.scrollTop = this.log.scrollHeight;
    }
  }

  private renderList(ul: HTMLUListElement, convs: Conversation[]): void {
    clear(ul);
    for (const c of convs) {
      const label = c.kind === 'room' ? `#${c.name}` : `@${c.name}`;
      const current = c.id === this.state.current;
      const b = el('button', { type: 'button', class: 'conv', 'aria-current': current ? 'true' : undefined, 'data-conv': c.id }, sanitize(label));
      if (c.unread > 0) b.append(el('span', { class: 'unread', 'aria-label': `${c.unread} unread` }, String(c.unread)));
      b.addEventListener('click', () => this.actions.select(c.id));
      ul.append(el('li', {}, b));
    }
  }

  private renderMembers(cur: Conversation | undefined): void {
    const ul = byId('member-list', HTMLUListElement);
    clear(ul);
    const names = cur?.kind === 'room' ? cur.members : cur ? [this.state.me, cur.name] : [];
    byId('people-h', HTMLHeadingElement).textContent = cur?.kind === 'room' ? `Here (${names.length})` : 'Here';
    for (const n of names) {
      if (n === this.state.me) {
        ul.append(el('li', {}, el('span', { class: `name ${nameClass(n)}` }, sanitize(n)), el('span', { class: 'you' }, ' (you)')));
        continue;
      }
      const b = el('button', { type: 'button', class: `person name ${nameClass(n)}`, title: `Send ${n} a direct message`, 'aria-label': `Direct message to ${n}` }, sanitize(n));
      b.addEventListener('click', () => this.actions.direct(n));
      const p = this.state.peers.get(n);
      const mark = p?.blocked
        ? el('span', { class: 'peer-mark changed', title: `${n}'s key changed: check it with /verify ${n}, then /trust ${n}`, 'data-peer': 'changed' }, ' ⚠ key changed')
        : p?.verified
          ? el('span', { class: 'peer-mark verified', title: `You compared safety numbers with ${n}`, 'data-peer': 'verified' }, ' ✓ verified')
          : el('span', { class: 'peer-mark', title: `Not verified: compare safety numbers with /verify ${n}`, 'data-peer': 'unverified' });
      ul.append(el('li', {}, b, mark));
    }
  }

  private entryNode(e: Entry): HTMLLIElement {
    const time = el('time', { datetime: new Date(e.ts).toISOString() }, formatTime(e.ts).slice(1, -1));
    if (e.kind === 'help') return el('li', { class: 'entry notice info help' }, time, helpNode(e.sections));
    if (e.kind === 'keychange') return keyChangeNode(e, time);
    if (e.kind === 'safety') return this.safetyNode(e, time);
    if (e.kind === 'notice') {
      // in words; an error's code is kept for scripts and the curious (data-code, tooltip)
      const code = e.code === undefined ? {} : { 'data-code': sanitize(e.code), title: `error code: ${sanitize(e.code)}` };
      return el('li', { class: `entry notice ${e.level}`, ...code }, time, el('span', { class: 'text' }, ...textWithFingerprints(sanitize(e.text))));
    }
    const from = el('span', { class: `from name ${nameClass(e.from)}` }, sanitize(e.from));
    const parts: (Node | string)[] = [time];
    if (e.to !== undefined) {
      const to = el('span', { class: `name ${nameClass(e.to)}` }, sanitize(e.to));
      parts.push(el('span', { class: 'route' }, from, ' → ', to));
    } else parts.push(e.action ? el('span', { class: 'route' }, '* ', from) : from);
    if (e.unreadable) parts.push(el('span', { class: 'text unreadable' }, `(a message that could not be read: ${sanitize(e.reason ?? 'unknown reason')})`));
    else parts.push(el('span', { class: e.action ? 'text action' : 'text' }, sanitize(e.text)));
    const why = e.reason ? ` — ${sanitize(e.reason)}` : '';
    parts.push(
      e.verified
        ? el('span', { class: 'check ok', title: `${CHECK_OK_TITLE} (${sanitize(e.fingerprint ?? '')})`, 'aria-label': 'verified' }, '✓')
        : el('span', { class: 'check bad', title: `${CHECK_BAD_TITLE}${why}`, 'aria-label': `not verified${why}`, ...(e.code !== undefined && { 'data-code': sanitize(e.code) }) }, '⚠ not verified'),
    );
    return el('li', { class: `entry msg${e.to !== undefined ? ' direct' : ''}${e.verified ? '' : ' unverified'}`, 'data-from': e.from }, ...parts);
  }

  /** A safety number (/verify), 12 groups of 5 digits, with the button that marks the peer verified. */
  private safetyNode(e: Extract<Entry, { kind: 'safety' }>, time: HTMLElement): HTMLLIElement {
    const name = sanitize(e.name);
    const number = el('p', { class: 'safety-number', 'aria-label': `safety number ${formatSafetyNumber(e.digits)}` });
    for (const g of formatSafetyNumber(e.digits).split(' ')) number.append(el('span', { class: 'group' }, g), ' ');
    const box = el('div', { class: 'text safety' },
      el('p', {}, `Your safety number with ${name}: compare it with the one ${name} sees (in person or by phone). The same 60 digits on both sides mean no one is in between.`),
      number,
      el('p', { class: 'fp-line' }, ...textWithFingerprints(`${name}'s key: ${sanitize(e.fingerprint)}`)),
    );
    const li = el('li', { class: 'entry notice info safety-entry', 'data-peer': name }, time, box);
    if (e.marked) {
      box.append(el('p', { class: 'done' }, `✓ You marked ${name} verified.`));
      return li;
    }
    const button = el('button', { type: 'button', class: 'mark-verified' }, `The numbers match: mark ${name} verified`);
    button.addEventListener('click', () => {
      button.disabled = true;
      this.actions.markVerified(e.name, e.fingerprint);
    });
    box.append(button);
    return li;
  }
}

/** The loud warning of a peer's changed key: both fingerprints, comparable group by group, and what to do. */
function keyChangeNode(e: Extract<Entry, { kind: 'keychange' }>, time: HTMLElement): HTMLLIElement {
  const name = sanitize(e.name);
  const pinned = el('code', { class: 'fp kc-peer-pinned' });
  const presented = el('code', { class: 'fp kc-peer-presented' });
  setFingerprint(pinned, sanitize(e.pinned));
  setFingerprint(presented, sanitize(e.presented));
  const next = e.wasVerified
    ? `You had verified ${name}: compare safety numbers again (/verify ${name}) before anything is sent to them.`
    : `Ask ${name}, by another way than this chat, whether they changed their key; compare safety numbers with /verify ${name}, or accept the new key with /trust ${name}.`;
  return el(
    'li',
    { class: 'entry keychange', role: 'alert', 'data-peer': name, 'data-code': 'peer_key_changed' },
    time,
    el('div', { class: 'text' },
      el('p', { class: 'kc-peer-title' }, `⚠ WARNING: ${name.toUpperCase()}'S KEY HAS CHANGED!`),
      el('p', {}, `Someone may be impersonating ${name}, or ${name} made a new key. Until you accept it, their messages are not shown as verified and nothing you send reaches the new key.`),
      el('p', {}, 'Key pinned before: ', pinned),
      el('p', {}, 'Key presented now: ', presented),
      el('p', {}, next),
    ),
  );
}

/** The /help list: each section a heading and a list of command and meaning (help.ts). */
function helpNode(sections: HelpSection[]): HTMLDivElement {
  const box = el('div', { class: 'text help-list' });
  for (const s of sections) {
    if (s.title) box.append(el('p', { class: 'help-title' }, s.title));
    const dl = el('dl');
    for (const r of s.rows) dl.append(el('dt', {}, el('code', {}, r.term)), el('dd', {}, r.text));
    box.append(dl);
  }
  return box;
}
