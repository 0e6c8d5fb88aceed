/**
 * What a line typed in the browser means: the terminal client's parser (src/client/input.ts,
 * shared, so the same /commands work), plus the rules of the web client: in a direct-message
 * conversation, plain text (and /me) goes to that user instead of a room; `/trust NAME`,
 * `/verify NAME` and `/verify NAME yes` (end-to-end keys, docs/E2E.md §Pins and verification)
 * are read first, by the terminal's parser of them (src/client/key-commands.ts).
 */
import { bodyFor, parseInput, type InputAction, type InputContext } from '../client/input.js';
import { parseKeyCommand, type KeyCommand } from '../client/key-commands.js';

/** A line's meaning in the page: the shared InputAction, or a key command (src/client/key-commands.ts, shared with the terminal). */
export type WebAction = InputAction | Exclude<KeyCommand, { type: 'error' }>;

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
  if (key) return key.type === 'error' ? { ...key } : key;
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
