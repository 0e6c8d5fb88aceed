/**
 * What a line typed in the browser means: the terminal client's parser (src/client/input.ts,
 * shared, so the same /commands work), plus the rules of the web client: in a direct-message
 * conversation, plain text (and /me) goes to that user instead of a room; `/trust NAME` and
 * `/verify NAME` (end-to-end keys, docs/E2E.md §Pins and verification) are read here.
 */
import { NAME_RE } from '../chat/events.js';
import { bodyFor, parseInput, type InputAction, type InputContext } from '../client/input.js';

/** A line's meaning in the page: the shared InputAction, or a peer-key command. */
export type WebAction =
  | InputAction
  /** Accept NAME's changed end-to-end key (not verified). */
  | { type: 'trust'; name: string }
  /** Show the safety number with NAME, to compare and mark NAME verified. */
  | { type: 'verify'; name: string };

/** `/trust NAME` or `/verify NAME` as a WebAction (or its error), undefined for any other line. Never throws. */
export function parseKeyCommand(line: string): WebAction | undefined {
  const m = /^\/(trust|verify)(?:\s+(.*))?$/i.exec(line.trim());
  if (!m) return undefined;
  const command = m[1]!.toLowerCase() as 'trust' | 'verify';
  const args = (m[2] ?? '').trim().split(/\s+/).filter(Boolean);
  if (args.length !== 1) return { type: 'error', code: 'bad_command', message: `/${command} takes one name`, hint: `type /${command} NAME`, command };
  const name = args[0]!;
  if (!NAME_RE.test(name)) return { type: 'error', code: 'invalid_name', message: `${name.slice(0, 40)} is not a valid name`, hint: 'names are 1–32 characters: letters A–Z a–z, digits, _ . -', command };
  return { type: command, name };
}

/** Where the line was typed. */
export interface WebInputContext extends InputContext {
  /** The other user when the current conversation is a direct one. */
  directPeer?: string;
}

function length(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/** Parses one typed line into a WebAction (see src/client/input.ts). Never throws. */
export function parseWebInput(line: string, ctx: WebInputContext): WebAction {
  const key = parseKeyCommand(line);
  if (key) return key;
  const peer = ctx.directPeer;
  if (peer !== undefined && line.trim() !== '') {
    let text: string | undefined;
    let action = false;
    if (!line.startsWith('/')) text = line;
    else if (line.startsWith('//')) text = line.slice(1);
    else {
      const m = /^\/me\s+([\s\S]*\S[\s\S]*)$/i.exec(line);
      if (m) {
        text = m[1]!;
        action = true;
      }
    }
    if (text !== undefined) {
      if (ctx.maxMessageLength !== undefined && length(text) > ctx.maxMessageLength)
        return { type: 'error', code: 'too_long', message: `message too long (${length(text)} characters; the server's limit is ${ctx.maxMessageLength})`, hint: 'split it into several messages' };
      return { type: 'send', request: { t: 'dm', to: peer, body: bodyFor(text, action) } };
    }
  }
  return parseInput(line, {
    room: ctx.room,
    ...(ctx.joined !== undefined && { joined: ctx.joined }),
    ...(ctx.maxMessageLength !== undefined && { maxMessageLength: ctx.maxMessageLength }),
  });
}
