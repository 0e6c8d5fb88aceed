/**
 * How `parley chat` shows events: human lines (a terminal, or line mode when stdin is not a
 * terminal) and `--json`, the interface for bots and scripts.
 *
 * ## Human lines (formatLine)
 *
 *   [12:03:04] #lobby <alice> hello ✓
 *   [12:03:04] #lobby * alice waves ✓                        (/me)
 *   [12:03:04] #lobby <mallory> hello ✗ HASH MISMATCH        (the SHA-256 check failed)
 *   [12:03:04] *alice* → you: psst ✓                          (a direct message to you)
 *   [12:03:04] you → *bob*: psst ✓                            (one you sent, echoed back)
 *   [12:03:04] * alice joined #lobby (3 members)
 *   [12:03:04] * alice left #lobby: timed out (2 members)
 *   [12:03:04] *** the server restarts at noon                (system)
 *   * rooms: #dev (2, joined), #lobby (3, current)            (rooms; yours marked when known)
 *   * there is no room #nosuch: nobody is in it               (who of a room that does not exist)
 *   ! slow down (retry in 1.5s)                               (error: its words, not its code)
 *   * reconnecting in 2s: server_full: try again later         (status; the reason is untrusted text)
 *
 * Every field from the server or another user is passed through `sanitize` (no escape sequence
 * they send ever reaches the terminal); the status line's reason too. With colour (a terminal, NO_COLOR unset or empty, TERM not "dumb"), each name
 * gets a stable colour: FNV-1a of its UTF-8 bytes picks one of 12 ANSI colours, never black,
 * white or grey.
 *
 * ## JSON (formatJson): one object per line, fields always present and in this order
 *
 *   {"type":"ready","name":S,"fingerprint":S,"serverFingerprint":S,"rooms":[S],
 *    "limits":{"maxMessageLength":N,"messagesPerSecond":N,"burst":N,
 *              "commandsPerSecond":N|null,"commandBurst":N|null,"maxRoomsPerUser":N|null}}
 *   {"type":"message","id":S,"room":S,"from":S,"text":S,"action":B,"verified":B,"sha256":S,"ts":N,"code":S|null,"fingerprint":S|null}
 *   {"type":"direct","id":S,"from":S,"to":S,"text":S,"action":B,"verified":B,"sha256":S,"ts":N,"code":S|null,"fingerprint":S|null}
 *   {"type":"join","room":S,"name":S,"members":N,"ts":N,"fingerprint":S}
 *   {"type":"leave","room":S,"name":S,"members":N,"reason":S|null,"ts":N}
 *   {"type":"rooms","rooms":[{"room":S,"members":N}]}
 *   {"type":"who","room":S,"members":[S],"fingerprints":{NAME:S},"verified":[S]}   (verified: the members you verified)
 *   {"type":"whois","name":S,"fingerprint":S,"online":B,"rooms":[S],"verified":B}
 *   {"type":"peer_new","name":S,"fingerprint":S}                    (a key seen for the first time: pinned)
 *   {"type":"peer_key_changed","name":S,"pinned":S,"presented":S}   (another key than the pinned one)
 *   {"type":"e2e_bundle_rejected","name":S,"code":S,"message":S}
 *   {"type":"e2e_withheld","room":S,"names":[S]}                     (members a message's key was not given to)
 *   {"type":"safety_number","name":S,"fingerprint":S,"digits":S,"verified":B}   (/verify NAME)
 *   {"type":"system","message":S,"ts":N}
 *   {"type":"error","code":S,"message":S,"retryAfterMs":N|null,"command":S|null}
 *   {"type":"status","state":"connecting"|"connected"|"reconnecting"|"closed","inMs":N|null,"reason":S|null}
 *   {"type":"info","message":S}
 *
 * An event that answers an input line sent with a `ref` (see src/client/refs.ts) ends with
 * `"ref":R` as well; other events have no `ref` field.
 *
 *   ts           milliseconds since 1970-01-01 UTC, from the server
 *   text         the message text exactly as received (JSON-escaped; never sanitised)
 *   action       true for /me
 *   verified     end-to-end: the sender's signature checked under the key this client pinned for
 *                them (accepted, not changed), and text matches the SHA-256 inside the signed
 *                payload; our own messages: the server's echo of a payload this client made
 *   sha256       the SHA-256 of text
 *   code         (message, direct) null when verified, else why not (docs/E2E.md codes, e.g.
 *                e2e_key_changed, e2e_bad_signature, e2e_decrypt_failed; e2e_not_ours: a message
 *                in our own name that this client did not make); text is "" when none was read
 *   fingerprint  (message, direct) the sender key whose signature verified, or null; always the
 *                event's last field (before `ref`)
 *   members      (join, leave) the room's member count after the event; (who) the names
 *   reason       why a member left (e.g. "disconnected"), or null
 *   code         a ChatErrorCode (src/chat/events.ts), stable: scripts may rely on it
 *   retryAfterMs for rate_limited: when to try again; otherwise null
 *   command      (error) the request that failed ("say", "dm", "join", …) when the server says; for
 *                the client's own errors, the command of the input line (also "fingerprint");
 *                null for an unknown command and for errors about no request
 *   limits       the server's limits; maxMessageLength counts Unicode code points; null = not sent
 *   name         (ready) the name this client is signed in with
 *   status/info  produced by the client itself (connection state; answers to /help, /fingerprint)
 *
 * `pong` is not shown. An event type this client does not know is passed through unchanged in
 * JSON (a newer server) and not shown as a line. In JSON output, DEL and the C1 controls
 * (U+007F–U+009F), the bidirectional controls and U+2028/U+2029 are escaped as \uXXXX too
 * (safeJson): the values are the same, and a line is safe to print and to parse line by line.
 */
import type { ChatErrorCode, ChatEvent } from '../chat/events.js';
import { RECEIVE_FAILURE_TEXT, type E2EErrorCode } from '../e2e/errors.js';
import type { E2ENoticeEvent } from './e2e-events.js';
import { verifyBody } from './input.js';
import { safeJson, sanitize, sanitizeLines } from './text.js';

/** Connection states the client reports (ChatConnection's `status` event has this shape). */
export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'closed';

/** Events the client makes itself, shown like server events. */
export type LocalEvent =
  | { type: 'status'; state: ConnectionState; inMs?: number; reason?: string; attempt?: number }
  | { type: 'info'; message: string }
  /**
   * Connected to `url`, one of several --server URLs: on the first connection, and whenever the
   * client moved to another server (`previous`: the one it was on, else absent).
   */
  | { type: 'server'; url: string; previous?: string }
  | {
      type: 'error';
      code: ChatErrorCode | string;
      message: string;
      hint?: string;
      retryAfterMs?: number;
      /** The input line's command (see InputAction). */
      command?: string;
      /** The client's own text over several lines (e.g. the changed-key warning): shown line by line. */
      multiline?: boolean;
    };

/** The safety number with a peer (`/verify NAME`). */
export interface SafetyNumberEvent {
  type: 'safety_number';
  name: string;
  /** The peer's key the number is computed from. */
  fingerprint: string;
  /** 60 digits. */
  digits: string;
  /** Whether that key is marked verified already. */
  verified: boolean;
}

/** Anything formatLine / formatJson accept. */
export type DisplayEvent = ChatEvent | LocalEvent | E2ENoticeEvent | SafetyNumberEvent;

/**
 * verified and fingerprint of a decrypted message as shown: the E2E layer's verdict, and the
 * text must still match its hash (it always does for the layer's events; a belt and braces).
 */
function trusted(ev: { verified?: boolean; body?: unknown; fingerprint?: string | null }): boolean {
  return ev.verified === true && verifyBody(ev.body) && typeof ev.fingerprint === 'string';
}

/** The words shown for a failed message (no text could be read), by code. */
function failureText(code: string | null | undefined): string {
  if (code === NOT_OURS_CODE) return 'a message in your name that this client did not send (replayed or forged by the server)';
  return (code && Object.hasOwn(RECEIVE_FAILURE_TEXT, code) ? RECEIVE_FAILURE_TEXT[code as E2EErrorCode] : undefined) ?? 'a message could not be read';
}

/** The code of a message in our own name that we did not make (src/client/e2e-events.ts NOT_OURS). */
const NOT_OURS_CODE = 'e2e_not_ours';

/** The loud warning of a changed peer key (the terminal; --json prints the event). */
export function keyChangedWarning(ev: { name: string; pinned: string; presented: string; wasVerified?: boolean }): string {
  const n = sanitize(ev.name);
  const next = ev.wasVerified
    ? `You had verified ${n}: compare safety numbers again, in person or by phone: /verify ${n}; if they match, /verify ${n} yes.`
    : `Compare safety numbers with ${n} in person or by phone: /verify ${n}; then accept the key with /trust ${n}.`;
  return [
    `!!! WARNING: ${n}'s KEY HAS CHANGED !!!`,
    `  pinned:    ${sanitize(ev.pinned)}`,
    `  presented: ${sanitize(ev.presented)}`,
    `This may be ${n} with a new key (a lost or new device) — or someone the server lets impersonate ${n}.`,
    `Until you accept the new key, nothing you send goes to it and ${n}'s messages are not shown as verified.`,
    next,
  ].join('\n');
}

/** Options of formatLine. */
export interface FormatOptions {
  /** The user's own name: for "→ you" and mentions. */
  me: string;
  /** ANSI colours (see useColor). */
  color: boolean;
  /** Timestamps in UTC instead of local time (tests, servers' logs). */
  utc?: boolean;
  /** The rooms the user is in (lower case, as the server names them) and the current one: marked in `rooms`. */
  rooms?: { joined: ReadonlySet<string>; current: string | undefined };
}

/** True when output to `stream` should be coloured: a terminal, NO_COLOR unset or empty, TERM not "dumb" (`env`: process.env in Node). */
export function useColor(stream: { isTTY?: boolean }, env: Readonly<Record<string, string | undefined>>): boolean {
  if (stream.isTTY !== true) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return env.TERM !== 'dumb';
}

/** The 12 name colours: red, green, yellow, blue, magenta, cyan, and their bright forms. */
export const NAME_COLORS = [31, 32, 33, 34, 35, 36, 91, 92, 93, 94, 95, 96] as const;

/** The stable SGR colour code of a name (FNV-1a 32-bit of its UTF-8 bytes, modulo 12). */
export function nameColor(name: string): number {
  let h = 0x811c9dc5;
  for (const b of new TextEncoder().encode(name)) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return NAME_COLORS[h % NAME_COLORS.length]!;
}

const RESET_FG = '\x1b[39m';
const sgr = (on: boolean, code: string, s: string, off = '\x1b[0m'): string => (on ? `\x1b[${code}m${s}${off}` : s);

function paintName(name: string, o: FormatOptions): string {
  const n = sanitize(name);
  return o.color ? `\x1b[${nameColor(name)}m${n}${RESET_FG}` : n;
}

function two(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** `[HH:MM:SS]` of a timestamp in ms, local time (or UTC). */
export function formatTime(ts: number, utc = false): string {
  const d = new Date(ts);
  if (Number.isNaN(d.getTime())) return '[--:--:--]';
  const [h, m, s] = utc ? [d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()] : [d.getHours(), d.getMinutes(), d.getSeconds()];
  return `[${two(h)}:${two(m)}:${two(s)}]`;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** True when `text` mentions `name` as a word (case-insensitive; `@name` too). */
export function mentions(text: string, name: string): boolean {
  if (name === '') return false;
  return new RegExp(`(^|[^A-Za-z0-9_-])@?${escapeRe(name)}(?![A-Za-z0-9_-])`, 'i').test(text);
}

/** Should this event ring the bell for `me`: a direct message to me, or a room message mentioning me (not my own). */
export function shouldBell(ev: DisplayEvent, me: string): boolean {
  if (ev.type === 'direct') return ev.from !== me;
  if (ev.type === 'peer_key_changed') return true;
  if (ev.type === 'message') return ev.from !== me && typeof ev.body?.text === 'string' && mentions(ev.body.text, me);
  return false;
}

function mark(ev: { verified?: boolean; body?: unknown; fingerprint?: string | null; code?: string | null }, o: FormatOptions): string {
  if (trusted(ev)) return sgr(o.color, '32', '✓', RESET_FG);
  const why = ev.code === 'e2e_hash_mismatch' ? 'HASH MISMATCH' : ev.code === 'e2e_key_changed' ? 'KEY CHANGED' : ev.code === NOT_OURS_CODE ? 'NOT SENT BY YOU' : 'NOT VERIFIED';
  return sgr(o.color, '1;97;41', `✗ ${why}`);
}

/** The text of a decrypted message as shown: its text, or why there is none. */
function shownText(ev: { body?: { text?: unknown }; code?: string | null }): { text: string; failed: boolean } {
  const text = typeof ev.body?.text === 'string' ? ev.body.text : '';
  if (text === '' && ev.code && ev.code !== 'e2e_hash_mismatch' && ev.code !== 'e2e_key_changed') return { text: `(${failureText(ev.code)})`, failed: true };
  return { text, failed: false };
}

function members(n: number): string {
  return `${n} member${n === 1 ? '' : 's'}`;
}

function seconds(ms: number): string {
  const s = ms / 1000;
  return `${s < 10 ? Math.round(s * 10) / 10 : Math.round(s)}s`;
}

/** The status shown in the prompt: 'connecting…', 'reconnecting in 3s', 'connected', 'disconnected: …'. */
export function statusText(s: { state: ConnectionState; inMs?: number; reason?: string }): string {
  switch (s.state) {
    case 'connecting':
      return 'connecting…';
    case 'connected':
      return 'connected';
    case 'reconnecting':
      return `reconnecting in ${seconds(s.inMs ?? 0)}`;
    case 'closed':
      return s.reason ? `disconnected: ${s.reason}` : 'disconnected';
  }
}

/**
 * The human line(s) for an event, or undefined when it shows nothing (`pong`, unknown types).
 * One line per event, except `info` (e.g. /help), which may span several.
 */
export function formatLine(ev: DisplayEvent, o: FormatOptions): string | undefined {
  const dim = (s: string): string => sgr(o.color, '2', s, '\x1b[22m');
  const time = (ts: number): string => dim(formatTime(ts, o.utc));
  const room = (r: string): string => sgr(o.color, '1', `#${sanitize(r)}`, '\x1b[22m');
  switch (ev.type) {
    case 'message': {
      const { text, failed } = shownText(ev);
      const shown = failed ? dim(sanitize(text)) : sanitize(text);
      const body = o.color && !failed && ev.from !== o.me && mentions(text, o.me) ? sgr(true, '1', shown, '\x1b[22m') : shown;
      const who = ev.body?.action ? `* ${paintName(ev.from, o)} ${body}` : `<${paintName(ev.from, o)}> ${body}`;
      return `${time(ev.ts)} ${room(ev.room)} ${who} ${mark(ev, o)}`;
    }
    case 'direct': {
      const text = sanitize(shownText(ev).text);
      const from = ev.from === o.me ? 'you' : `*${paintName(ev.from, o)}*`;
      const to = ev.to === o.me ? 'you' : `*${paintName(ev.to, o)}*`;
      const body = ev.body?.action ? `* ${ev.from === o.me ? 'you' : paintName(ev.from, o)} ${text}` : text;
      return `${time(ev.ts)} ${from} → ${to}: ${body} ${mark(ev, o)}`;
    }
    case 'peer_new':
      return `${dim('*')} first time seen: ${paintName(ev.name, o)}'s key ${sanitize(ev.fingerprint)} (now pinned; to be sure it is theirs: /verify ${sanitize(ev.name)})`;
    case 'peer_key_changed':
      // each line painted on its own: a screen that wraps or scrolls never carries the colour over
      return sanitizeLines(keyChangedWarning(ev)).split('\n').map((l) => sgr(o.color, '1;97;41', l)).join('\n');
    case 'e2e_bundle_rejected':
      return `${sgr(o.color, '1;31', '!', '\x1b[0m')} the keys the server gave for ${paintName(ev.name, o)} failed their checks (${sanitize(ev.code)}): nothing is sent to or accepted from them`;
    case 'e2e_withheld':
      return `${sgr(o.color, '1;31', '!', '\x1b[0m')} not sent to ${ev.names.map((n) => paintName(n, o)).join(', ')} in ${room(ev.room)}: their key changed and is not accepted (/verify, /trust), or they have no keys`;
    case 'safety_number': {
      const n = sanitize(ev.name);
      const groups = (ev.digits.match(/\d{1,5}/g) ?? []).join(' ');
      return [
        `Safety number with ${n} (their key ${sanitize(ev.fingerprint)}${ev.verified ? ', verified' : ''}):`,
        `  ${groups}`,
        `Compare it with the number ${n} sees (/verify on their side), in person or by phone — not through this chat.`,
        ev.verified ? `It is marked verified.` : `If every digit matches, type: /verify ${n} yes`,
      ].join('\n');
    }
    case 'join':
      return `${time(ev.ts)} ${dim('*')} ${paintName(ev.name, o)} joined ${room(ev.room)} (${members(ev.members)})`;
    case 'leave':
      return `${time(ev.ts)} ${dim('*')} ${paintName(ev.name, o)} left ${room(ev.room)}${ev.reason ? `: ${sanitize(ev.reason)}` : ''} (${members(ev.members)})`;
    case 'rooms': {
      if (ev.rooms.length === 0) return `${dim('*')} no rooms`;
      const mine = (r: string): string => {
        if (!o.rooms) return '';
        if (o.rooms.current !== undefined && r.toLowerCase() === o.rooms.current.toLowerCase()) return ', current';
        return o.rooms.joined.has(r.toLowerCase()) ? ', joined' : '';
      };
      return `${dim('*')} rooms: ${ev.rooms.map((r) => `${room(r.room)} (${r.members}${mine(r.room)})`).join(', ')}`;
    }
    case 'who':
      // a room exists while it has members: an empty list means there is no such room
      if (ev.members.length === 0) return `${dim('*')} there is no room ${room(ev.room)}: nobody is in it`;
      return `${dim('*')} ${room(ev.room)}: ${ev.members.map((m) => `${paintName(m, o)}${ev.verified?.includes(m) ? ' ✓' : ''}`).join(', ')} (${members(ev.members.length)})`;
    case 'whois':
      return `${dim('*')} ${paintName(ev.name, o)}: ${sanitize(ev.fingerprint)}, ${ev.online ? 'online' : 'offline'}${
        ev.rooms.length ? `, in ${ev.rooms.map(room).join(', ')}` : ''
      }, ${ev.verified === true ? sgr(o.color, '32', 'verified ✓', RESET_FG) : `not verified (/verify ${sanitize(ev.name)})`}`;
    case 'system':
      return `${time(ev.ts)} ${sgr(o.color, '1;33', '***', RESET_FG + '\x1b[22m')} ${sanitize(ev.message)}`;
    case 'error': {
      // words for people; the code is for scripts (--json)
      const retry = ev.retryAfterMs ? ` (retry in ${seconds(ev.retryAfterMs)})` : '';
      const hint = 'hint' in ev && ev.hint ? `; ${sanitize(ev.hint)}` : '';
      const text = 'multiline' in ev && ev.multiline ? sanitizeLines(ev.message.replace(/\n+$/, '')) : sanitize(ev.message);
      return `${sgr(o.color, '1;31', '!', '\x1b[0m')} ${text}${hint}${retry}`;
    }
    case 'ready':
      return `${dim('*')} connected as ${paintName(ev.name, o)} (${sanitize(ev.fingerprint)}); server key ${sanitize(ev.serverFingerprint)}${
        ev.rooms.length ? `; rooms: ${ev.rooms.map(room).join(', ')}` : ''
      }`;
    case 'status':
      return `${dim('*')} ${sanitize(statusText(ev))}${ev.state === 'reconnecting' && ev.reason ? `: ${sanitize(ev.reason)}` : ''}`;
    case 'info':
      return sanitizeLines(ev.message);
    case 'server':
      return `${dim('*')} ${ev.previous === undefined ? `connected to ${sanitize(ev.url)}` : `moved to ${sanitize(ev.url)} (from ${sanitize(ev.previous)})`}`;
    default:
      return undefined; // pong, and types this client does not know
  }
}

/** A client's label for one input line, echoed in the events that answer it (src/client/refs.ts). */
export type LineRef = string | number;

/**
 * The JSON object (before serialisation) for an event, with `ref` last when the event answers
 * an input line that had one; undefined for `pong`.
 */
export function jsonEvent(ev: DisplayEvent, ref?: LineRef): Record<string, unknown> | undefined {
  const obj = jsonFields(ev);
  return obj === undefined || ref === undefined ? obj : { ...obj, ref };
}

function jsonFields(ev: DisplayEvent): Record<string, unknown> | undefined {
  switch (ev.type) {
    case 'ready':
      return {
        type: 'ready',
        name: ev.name,
        fingerprint: ev.fingerprint,
        serverFingerprint: ev.serverFingerprint,
        rooms: ev.rooms,
        limits: {
          maxMessageLength: ev.limits.maxMessageLength,
          messagesPerSecond: ev.limits.messagesPerSecond,
          burst: ev.limits.burst,
          commandsPerSecond: ev.limits.commandsPerSecond ?? null,
          commandBurst: ev.limits.commandBurst ?? null,
          maxRoomsPerUser: ev.limits.maxRoomsPerUser ?? null,
        },
      };
    case 'message':
      return {
        type: 'message',
        id: ev.id,
        room: ev.room,
        from: ev.from,
        text: typeof ev.body?.text === 'string' ? ev.body.text : '',
        action: ev.body?.action === true,
        verified: trusted(ev),
        sha256: typeof ev.body?.sha256 === 'string' ? ev.body.sha256 : '',
        ts: ev.ts,
        code: trusted(ev) ? null : (ev.code ?? 'e2e_decrypt_failed'),
        fingerprint: trusted(ev) ? ev.fingerprint : null,
      };
    case 'direct':
      return {
        type: 'direct',
        id: ev.id,
        from: ev.from,
        to: ev.to,
        text: typeof ev.body?.text === 'string' ? ev.body.text : '',
        action: ev.body?.action === true,
        verified: trusted(ev),
        sha256: typeof ev.body?.sha256 === 'string' ? ev.body.sha256 : '',
        ts: ev.ts,
        code: trusted(ev) ? null : (ev.code ?? 'e2e_decrypt_failed'),
        fingerprint: trusted(ev) ? ev.fingerprint : null,
      };
    case 'join':
      return { type: 'join', room: ev.room, name: ev.name, members: ev.members, ts: ev.ts, fingerprint: ev.fingerprint };
    case 'leave':
      return { type: 'leave', room: ev.room, name: ev.name, members: ev.members, reason: ev.reason ?? null, ts: ev.ts };
    case 'rooms':
      return { type: 'rooms', rooms: ev.rooms.map((r) => ({ room: r.room, members: r.members })) };
    case 'who':
      return { type: 'who', room: ev.room, members: ev.members, fingerprints: { ...ev.fingerprints }, verified: Array.isArray(ev.verified) ? ev.verified : [] };
    case 'whois':
      return { type: 'whois', name: ev.name, fingerprint: ev.fingerprint, online: ev.online, rooms: ev.rooms, verified: ev.verified === true };
    case 'peer_new':
      return { type: 'peer_new', name: ev.name, fingerprint: ev.fingerprint };
    case 'peer_key_changed':
      return { type: 'peer_key_changed', name: ev.name, pinned: ev.pinned, presented: ev.presented };
    case 'e2e_bundle_rejected':
      return { type: 'e2e_bundle_rejected', name: ev.name, code: ev.code, message: ev.message };
    case 'e2e_withheld':
      return { type: 'e2e_withheld', room: ev.room, names: ev.names };
    case 'safety_number':
      return { type: 'safety_number', name: ev.name, fingerprint: ev.fingerprint, digits: ev.digits, verified: ev.verified };
    case 'system':
      return { type: 'system', message: ev.message, ts: ev.ts };
    case 'error': {
      const hint = 'hint' in ev && ev.hint ? `; ${ev.hint}` : '';
      const command = 'command' in ev && typeof ev.command === 'string' ? ev.command : null;
      return { type: 'error', code: ev.code, message: ev.message + hint, retryAfterMs: ev.retryAfterMs ?? null, command };
    }
    case 'status':
      return { type: 'status', state: ev.state, inMs: ev.inMs ?? null, reason: ev.reason ?? null };
    case 'info':
      return { type: 'info', message: ev.message };
    case 'server':
      return { type: 'server', url: ev.url, previous: ev.previous ?? null };
    case 'pong':
      return undefined;
    default:
      return { ...(ev as Record<string, unknown>) }; // a newer server's event: pass it on
  }
}

/** One line of JSON (no trailing newline) for an event, `ref` last when given; undefined for `pong`. */
export function formatJson(ev: DisplayEvent, ref?: LineRef): string | undefined {
  const obj = jsonEvent(ev, ref);
  if (obj === undefined) return undefined;
  return safeJson(obj);
}

/**
 * The stderr line(s) for an error that stopped the client, `parley: MESSAGE` (words; the code
 * is for --json), with no control character left: a server's text on one line (its line breaks
 * shown as ⏎); the client's own text over several lines (the changed-key warning) as it is,
 * line by line.
 */
export function formatFatal(f: { code: string; message: string; fromServer: boolean }): string {
  if (f.fromServer) return `parley: ${sanitize(f.message)}`;
  const own = f.message.replace(/\n+$/, '');
  return own.includes('\n') ? sanitizeLines(own) : `parley: ${sanitize(own)}`; // a banner such as the changed-key warning stands alone
}
