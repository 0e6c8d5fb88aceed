/**
 * The chat screen: conversation lists, the message log with the hash-check mark on every
 * message, who is here, the connection status and the input line. It renders a ChatState and
 * reports what the user does through callbacks; all text goes in through textContent.
 */
import type { ConnectionStatus } from '../client/connection.js';
import { formatTime, statusText } from '../client/format.js';
import { sanitize } from '../client/text.js';
import { type ChatState, type Conversation, type Entry, type StateListener } from './chat-state.js';
import type { Refusal } from './composer.js';
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
}

const HISTORY = 100;

/**
 * The hash check's tooltips. Until messages carry their sender's signature, the ✓ says only that
 * the text was not corrupted on the way, not who wrote it (docs/SECURITY.md).
 */
export const CHECK_OK_TITLE = '✓ text matches its hash — detects corruption in transit, not a malicious server (which could change both)';
export const CHECK_BAD_TITLE = '⚠ the text does NOT match the hash its sender attached — corrupted or altered on the way; do not trust it';

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
    if (s.current !== this.shown) {
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
      ul.append(el('li', {}, b));
    }
  }

  private entryNode(e: Entry): HTMLLIElement {
    const time = el('time', { datetime: new Date(e.ts).toISOString() }, formatTime(e.ts).slice(1, -1));
    if (e.kind === 'help') return el('li', { class: 'entry notice info help' }, time, helpNode(e.sections));
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
    parts.push(el('span', { class: e.action ? 'text action' : 'text' }, sanitize(e.text)));
    parts.push(
      e.verified
        ? el('span', { class: 'check ok', title: CHECK_OK_TITLE, 'aria-label': 'text matches its hash' }, '✓')
        : el('span', { class: 'check bad', title: CHECK_BAD_TITLE, 'aria-label': 'text does not match its hash' }, '⚠ mismatch'),
    );
    return el('li', { class: `entry msg${e.to !== undefined ? ' direct' : ''}`, 'data-from': e.from }, ...parts);
  }
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
