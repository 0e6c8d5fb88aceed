/**
 * The chat logic of Parley, independent of transport and cryptography: the hub, rooms, the
 * routing of opaque end-to-end payloads, the bundle directory, rate limits, options, name
 * ownership, the application message types — and the help text of the client commands, shared
 * by the terminal and browser clients.
 */
export * from './events.js';
export { ChatHub, type HubStats } from './hub.js';
export type { ConnectIdentity, ConnectResult, Member, MemberSink } from './member.js';
export { canonicalRoom, Room, RoomTable } from './rooms.js';
export { FloodCounter, TokenBucket, type TakeResult } from './ratelimit.js';
export { ChatOptionsError, DEFAULT_CHAT_OPTIONS, fitToEventBytes, MIN_EVENT_BYTES, resolveOptions, type ChatOptions } from './options.js';
export { base64DecodedLength, base64Length } from './base64.js';
export { MAX_IDENTITY_KEY_BYTES } from './sizes.js';
export {
  byNameKey,
  checkClaimArgs,
  checkNewName,
  FINGERPRINT_RE,
  MemoryNameRegistry,
  nameKey,
  type ClaimPolicy,
  type ClaimRefusal,
  type ClaimResult,
  type NameRecord,
  type NameRegistry,
  type AsyncNameRegistry,
  type KeyHistoryEntry,
} from './names.js';
export { nameSkeleton, SKELETON_CHARS } from './skeleton.js';

/** One client command for /help: how it is typed and what it does. */
export interface CommandHelp {
  /** With the slash: '/join'. */
  command: string;
  /** Argument synopsis: 'ROOM', '[ROOM]' (optional), '' (none). */
  args: string;
  description: string;
}

/** The client commands, in the order /help lists them. Plain text without a slash is a message to the current room. */
export const COMMAND_HELP: readonly CommandHelp[] = Object.freeze(
  [
    { command: '/join', args: 'ROOM', description: 'join a room (created if it does not exist) and make it the current room' },
    { command: '/leave', args: '[ROOM]', description: 'leave a room (default: the current one)' },
    { command: '/rooms', args: '', description: 'list the rooms and how many members each has' },
    { command: '/who', args: '[ROOM]', description: 'list the members of a room (default: the current one)' },
    { command: '/msg', args: 'NAME TEXT', description: 'send a direct message that only NAME receives' },
    { command: '/me', args: 'ACTION', description: 'send an action to the current room ("* alice waves")' },
    { command: '/whois', args: 'NAME', description: "show a name's key fingerprint, and its rooms if it is online" },
    { command: '/fingerprint', args: '', description: "show your key's fingerprint and the server's" },
    { command: '/help', args: '', description: 'show this help' },
    { command: '/quit', args: '', description: 'leave the chat' },
  ].map((c) => Object.freeze(c)),
);

/** COMMAND_HELP as aligned lines of text: "  /join ROOM        join a room …". */
export function formatCommandHelp(): string {
  const left = COMMAND_HELP.map((c) => (c.args ? `${c.command} ${c.args}` : c.command));
  const width = Math.max(...left.map((l) => l.length)) + 2;
  return COMMAND_HELP.map((c, i) => `  ${left[i]!.padEnd(width)}${c.description}`).join('\n');
}
