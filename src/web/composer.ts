/**
 * What happens to a line typed in the page: parsed (commands.ts), then sent, run locally, or
 * refused with the reason — and a refused line stays in the input, so nothing typed is lost.
 * A message over the server's limit (`ready.limits.maxMessageLength`, in code points) is refused
 * here, before anything is sent, with the limit in the reason. Until the page knows a limit (a
 * first connection to a server, before `ready`), messages are held back, not sent unchecked;
 * `release` checks them once the limit is known and hands back those that are too long.
 */
import type { OutgoingRequest } from '../chat/events.js';
import type { InputAction } from '../client/input.js';
import { parseWebInput, type WebAction, type WebInputContext } from './commands.js';

/** A line refused before sending: the reason in words, and its stable code. */
export interface Refusal {
  code: string;
  text: string;
}

/** What became of a line: taken (the input may be cleared) or refused (keep it in the input). */
export type Outcome = { taken: true } | { taken: false; refusal: Refusal };

/** Where the Composer's decisions go. */
export interface ComposerOutput {
  /** Send this request to the server. */
  send(req: OutgoingRequest): void;
  /** Run a local command. */
  local(action: Extract<WebAction, { type: 'help' | 'fingerprint' | 'quit' | 'switch' | 'trust' | 'verify' }>): void;
}

/** Most lines held back while the limit is unknown; more are refused (`not_connected`). */
export const MAX_HELD = 100;

const isMessage = (req: OutgoingRequest): req is Extract<OutgoingRequest, { t: 'say' | 'dm' }> => req.t === 'say' || req.t === 'dm';

/** The reason of a local error in words: the message, then what to do. */
export function refusalText(a: Extract<InputAction, { type: 'error' }>): string {
  return `${a.message.charAt(0).toUpperCase()}${a.message.slice(1)} — ${a.hint}.`;
}

/** Turns typed lines into requests and local commands; see the file comment. */
export class Composer {
  private readonly held: { line: string; ctx: WebInputContext }[] = [];

  constructor(private readonly out: ComposerOutput) {}

  /** Lines held back until the server's limit is known. */
  get pending(): number {
    return this.held.length;
  }

  /** Handles one typed line in `ctx` (its maxMessageLength undefined while unknown). Never throws. */
  submit(line: string, ctx: WebInputContext): Outcome {
    const a = parseWebInput(line, ctx);
    switch (a.type) {
      case 'error':
        return { taken: false, refusal: { code: a.code, text: refusalText(a) } };
      case 'send':
        if (isMessage(a.request) && ctx.maxMessageLength === undefined) {
          if (this.held.length >= MAX_HELD) return { taken: false, refusal: { code: 'not_connected', text: `${MAX_HELD} messages are already waiting for the connection — send this one once connected.` } };
          this.held.push({ line, ctx });
        } else this.out.send(a.request);
        return { taken: true };
      case 'none':
        return { taken: true };
      default:
        this.out.local(a);
        return { taken: true };
    }
  }

  /**
   * The server's limit is now known: sends the held lines that fit, in order, and returns the
   * ones refused (too long), each with its reason, for the page to give back. Never throws.
   */
  release(maxMessageLength: number): { line: string; refusal: Refusal }[] {
    const refused: { line: string; refusal: Refusal }[] = [];
    for (const { line, ctx } of this.held.splice(0)) {
      const a = parseWebInput(line, { ...ctx, maxMessageLength });
      if (a.type === 'send') this.out.send(a.request);
      else if (a.type === 'error') refused.push({ line, refusal: { code: a.code, text: refusalText(a) } });
    }
    return refused;
  }
}
