/**
 * What a line typed in the browser means: the terminal client's parser (src/client/input.ts,
 * shared, so the same /commands work), plus one rule of the web client: in a direct-message
 * conversation, plain text (and /me) goes to that user instead of a room.
 */
import { bodyFor, parseInput, type InputAction, type InputContext } from '../client/input.js';

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

/** Parses one typed line into an InputAction (see src/client/input.ts). Never throws. */
export function parseWebInput(line: string, ctx: WebInputContext): InputAction {
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
