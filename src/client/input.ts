/**
 * What the user types, turned into actions: a request for the server, a local command, or a
 * local error with a hint. Also the message bodies with their SHA-256, and `verifyBody`, the
 * receiver's hash check (it detects corruption between the two clients, not a malicious server,
 * which could replace text and hash together: there are no sender signatures yet).
 *
 *   text               say `text` to the current room (`//text` says `/text`)
 *   /me ACTION         say an action (`body.action: true`), shown as `* alice ACTION`
 *   /msg NAME TEXT     a direct message (also /dm, /m)
 *   /join ROOM         join a room and talk there; of a room you are in already, switch to it
 *                      (also /j; a leading # is allowed)
 *   /leave [ROOM]      leave a room, by default the current one (also /part)
 *   /rooms             list the rooms (the client marks yours and the current one)
 *   /who [ROOM]        list the members of a room, by default the current one (also /names)
 *   /whois NAME        a user's key fingerprint, whether online, rooms, and whether you verified it
 *   /verify, /trust    the end-to-end commands: parsed by parseKeyCommand (key-commands.ts),
 *                      which a front end asks first
 *   /fingerprint       (local) your key's fingerprint and the server's
 *   /help              (local) this list (also /?)
 *   /quit              (local) leave parley (also /exit, /q)
 *
 * Command words are case-insensitive. Names and rooms must match NAME_RE.
 */
import { NAME_RE, ROOM_RE, type ChatErrorCode, type MessageBody, type OutgoingRequest } from '../chat/events.js';
import { bytesToHex, utf8ToBytes } from '../rsa/bytes.js';
import { getHash } from '../rsa/hash.js';

/** What a typed line means. */
export type InputAction =
  /** Send this request to the server. */
  | { type: 'send'; request: OutgoingRequest }
  /** Make ROOM, which the user is in already, the current room (nothing is sent). */
  | { type: 'switch'; room: string }
  /** Local commands: show fingerprints, show help, quit. */
  | { type: 'fingerprint' }
  | { type: 'help' }
  | { type: 'quit' }
  /** An empty (or blank) line: nothing to do. */
  | { type: 'none' }
  /**
   * A mistake to show locally; nothing is sent. `command`: what the line asked for (`say`, `dm`,
   * `join`, `leave`, `who`, `whois`, `rooms`, `fingerprint`), absent for an unknown command.
   */
  | { type: 'error'; code: ChatErrorCode; message: string; hint: string; command?: string };

/** The state a line is read in. */
export interface InputContext {
  /** The current room, or undefined when the user is in none. */
  room: string | undefined;
  /** The server's limit on message text, in Unicode code points (from `ready`). */
  maxMessageLength?: number;
  /** The rooms the user is in, as the server spells them (lower case): `/join` of one switches to it. */
  joined?: ReadonlySet<string>;
}

/** The /help text: one command per line. */
export const HELP_TEXT = `Commands:
  TEXT              say TEXT to the current room (start with // to say something beginning with /)
  /me ACTION        say an action: * you ACTION
  /msg NAME TEXT    send a direct message to NAME (also /dm)
  /join ROOM        join ROOM and make it the current room, where what you type goes;
                    if you are in ROOM already, just switch to it (also /j)
  /leave [ROOM]     leave ROOM, by default the current one (also /part)
  /rooms            list the rooms; yours are marked "joined", the current one "current"
  /who [ROOM]       list who is in ROOM, by default the current one (also /names)
  /whois NAME       show NAME's key fingerprint, whether online, rooms, and whether you verified it
  /verify NAME      show the safety number of you and NAME (60 digits); compare it with NAME in
                    person or by phone; if it matches, type /verify NAME yes to mark NAME verified
  /trust NAME       accept NAME's new key after a key-change warning (compare with /verify first)
  /fingerprint      show your key's fingerprint and the server's
  /help             show this help
  /quit             leave (also Ctrl+D, Ctrl+C)
Messages are end-to-end encrypted: the server cannot read them. After each message:
  ✓                 signed by the key you pinned for its sender (first seen, or accepted with
                    /trust, or verified with /verify) and its text matches the signed hash: the
                    server could neither write nor alter it.
  ✗ KEY CHANGED     the sender's key is not the one you pinned: see the warning, /verify, /trust.
  ✗ NOT VERIFIED    it could not be authenticated or decrypted (altered, replayed, misplaced):
                    do not trust it.
  ✗ HASH MISMATCH   authentic, but its text does not match its signed hash (a broken client).`;

const NAME_RULE = 'names are 1–32 of A–Z a–z 0–9 _ . -';
const ROOM_RULE = 'rooms are 1–32 of A–Z a–z 0–9 _ . - (a leading # is allowed)';

/** Lower-case hex SHA-256 of the UTF-8 bytes of `text`. */
export function sha256Hex(text: string): string {
  return bytesToHex(getHash('SHA-256').digest(utf8ToBytes(text)));
}

/** The body of a message: the text and its SHA-256; `action` only when true (for `/me`). */
export function bodyFor(text: string, action = false): MessageBody {
  return action ? { text, sha256: sha256Hex(text), action: true } : { text, sha256: sha256Hex(text) };
}

const HEX64_RE = /^[0-9a-f]{64}$/;

/**
 * The hash check of a received body: true when `body.text` is a string and `body.sha256` is the
 * lower-case hex SHA-256 of its UTF-8 bytes. It detects corruption in transit, not a malicious
 * server (which can recompute the hash of a text it changed). Never throws, whatever it is given.
 */
export function verifyBody(body: unknown): boolean {
  if (typeof body !== 'object' || body === null) return false;
  const { text, sha256 } = body as { text?: unknown; sha256?: unknown };
  if (typeof text !== 'string' || typeof sha256 !== 'string' || !HEX64_RE.test(sha256)) return false;
  return sha256Hex(text) === sha256;
}

/** A room as typed (`#dev` or `dev`) without its #, or undefined when it is not a valid room name. */
export function normalizeRoom(room: string): string | undefined {
  const r = room.startsWith('#') ? room.slice(1) : room;
  return ROOM_RE.test(r) ? r : undefined;
}

function err(code: ChatErrorCode, message: string, hint: string): InputAction {
  return { type: 'error', code, message, hint };
}

function badName(name: string): InputAction {
  return err('invalid_name', `'${name}' is not a valid name`, NAME_RULE);
}

function badRoom(room: string): InputAction {
  return err('invalid_room', `'${room}' is not a valid room name`, ROOM_RULE);
}

function notInRoom(what: string): InputAction {
  return err('not_in_room', `you are not in a room, so there is nowhere to ${what}`, 'join one with /join ROOM');
}

function usage(cmd: string, args: string): InputAction {
  return err('bad_command', `wrong arguments for /${cmd}`, `usage: /${cmd}${args ? ` ${args}` : ''}`);
}

function checkLength(text: string, ctx: InputContext): InputAction | undefined {
  if (ctx.maxMessageLength === undefined) return undefined;
  let n = 0;
  for (const _ of text) n++;
  if (n <= ctx.maxMessageLength) return undefined;
  return err('too_long', `message too long (${n} characters; the server's limit is ${ctx.maxMessageLength})`, 'split it into several messages');
}

function say(text: string, ctx: InputContext, action: boolean): InputAction {
  if (ctx.room === undefined) return notInRoom('say it');
  return checkLength(text, ctx) ?? { type: 'send', request: { t: 'say', room: ctx.room, body: bodyFor(text, action) } };
}

/** `/cmd rest`: the command word (lower-cased) and the rest after one run of spaces. */
function splitCommand(line: string): { cmd: string; rest: string } {
  const m = /^\/(\S*)(?:\s+([\s\S]*))?$/.exec(line)!;
  return { cmd: m[1]!.toLowerCase(), rest: m[2] ?? '' };
}

/** Words of `rest` (split on whitespace, empty ones dropped). */
function words(rest: string): string[] {
  return rest.split(/\s+/).filter((w) => w !== '');
}

/** A room argument: given (validated) or the current room. */
function roomArg(cmd: string, rest: string, ctx: InputContext, what: string): InputAction | string {
  const w = words(rest);
  if (w.length > 1) return usage(cmd, '[ROOM]');
  if (w.length === 0) return ctx.room ?? notInRoom(what);
  return normalizeRoom(w[0]!) ?? badRoom(w[0]!);
}

/** The request (or local command) each command word stands for. */
const COMMAND_OF: ReadonlyMap<string, string> = new Map([
  ['me', 'say'], ['msg', 'dm'], ['m', 'dm'], ['dm', 'dm'], ['join', 'join'], ['j', 'join'], ['leave', 'leave'], ['part', 'leave'],
  ['who', 'who'], ['names', 'who'], ['whois', 'whois'], ['rooms', 'rooms'], ['list', 'rooms'], ['fingerprint', 'fingerprint'],
]);

/**
 * Parses one typed line (without its line ending) in the context `ctx`. A local error says
 * which command the line was (`command`), so that a script can match it to what it typed.
 * Throws nothing.
 */
export function parseInput(line: string, ctx: InputContext): InputAction {
  const a = parseLine(line, ctx);
  if (a.type !== 'error') return a;
  const text = line.replace(/[\r\n]+$/, '');
  const command = !text.startsWith('/') || text.startsWith('//') ? 'say' : COMMAND_OF.get(splitCommand(text).cmd);
  return command === undefined ? a : { ...a, command };
}

function parseLine(line: string, ctx: InputContext): InputAction {
  const text = line.replace(/[\r\n]+$/, '');
  if (text.trim() === '') return { type: 'none' };
  if (!text.startsWith('/')) return say(text, ctx, false);
  if (text.startsWith('//')) return say(text.slice(1), ctx, false);

  const { cmd, rest } = splitCommand(text);
  switch (cmd) {
    case 'me': {
      if (rest.trim() === '') return usage('me', 'ACTION');
      return say(rest, ctx, true);
    }
    case 'msg':
    case 'm':
    case 'dm': {
      const m = /^(\S+)\s+([\s\S]*\S[\s\S]*)$/.exec(rest);
      if (!m) return usage(cmd, 'NAME TEXT');
      const to = m[1]!.replace(/^@/, '');
      if (!NAME_RE.test(to)) return badName(m[1]!);
      return checkLength(m[2]!, ctx) ?? { type: 'send', request: { t: 'dm', to, body: bodyFor(m[2]!) } };
    }
    case 'join':
    case 'j': {
      const w = words(rest);
      if (w.length !== 1) return usage(cmd, 'ROOM');
      const room = normalizeRoom(w[0]!);
      if (room === undefined) return badRoom(w[0]!);
      // rooms are case-insensitive; the server names them in lower case
      if (ctx.joined?.has(room.toLowerCase())) return { type: 'switch', room: room.toLowerCase() };
      return { type: 'send', request: { t: 'join', room } };
    }
    case 'leave':
    case 'part': {
      const room = roomArg(cmd, rest, ctx, 'leave');
      return typeof room === 'string' ? { type: 'send', request: { t: 'leave', room } } : room;
    }
    case 'who':
    case 'names': {
      const room = roomArg(cmd, rest, ctx, 'look');
      return typeof room === 'string' ? { type: 'send', request: { t: 'who', room } } : room;
    }
    case 'whois': {
      const w = words(rest);
      if (w.length !== 1) return usage(cmd, 'NAME');
      const name = w[0]!.replace(/^@/, '');
      return NAME_RE.test(name) ? { type: 'send', request: { t: 'whois', name } } : badName(w[0]!);
    }
    case 'rooms':
    case 'list':
      return words(rest).length ? usage(cmd, '') : { type: 'send', request: { t: 'rooms' } };
    case 'fingerprint':
      return words(rest).length ? usage(cmd, '') : { type: 'fingerprint' };
    case 'help':
    case '?':
      return { type: 'help' };
    case 'quit':
    case 'exit':
    case 'q':
      return { type: 'quit' };
    default: {
      const shown = cmd.length > 20 ? `${cmd.slice(0, 20)}…` : cmd;
      return err('unknown_command', `unknown command '/${shown}'`, 'type /help for the commands; start a message with // to say something beginning with /');
    }
  }
}
