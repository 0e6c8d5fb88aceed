/**
 * Input-line references for scripts (`parley chat --json`): a bot may send an input line as a
 * JSON object with its own label, `{"ref":"q7","line":"/who dev"}`, and every event that line
 * causes carries `"ref":"q7"` as its last field — the client's own answers (errors, /help) at
 * once, the server's answer when it comes. Without refs a bot cannot tell which answer belongs
 * to which line: the client answers local mistakes at once, before the server's answers to
 * earlier lines. docs/PROTOCOL.md §JSON lines has the rules.
 *
 * Matching the server's answers: the server answers one connection's requests in order, each
 * with an event that names what was asked (ReplyTracker.answers), so the first waiting request
 * that an event answers is the one it belongs to. A request sent on a connection that dropped
 * before its answer came is reported as lost (`connection_lost`): it may or may not have been
 * carried out.
 */
import type { ChatEvent, OutgoingRequest } from '../chat/events.js';
import type { LineRef } from './format.js';

export type { LineRef } from './format.js';

/** The longest `ref` string accepted, in UTF-16 code units. */
export const MAX_REF_LENGTH = 64;
/** Requests with a ref waiting for their answer at most; beyond it the oldest is forgotten. */
export const MAX_WAITING_REFS = 1000;

/** An input line read in --json mode: the line and its ref, or a mistake in the JSON form. */
export type RefLine = { line: string; ref?: LineRef } | { error: string };

/**
 * Reads one --json input line. A line that is a JSON object with a string `line` and, optionally,
 * a `ref` (a string of 1–MAX_REF_LENGTH characters or a safe integer), and no other key, is that
 * line with that ref; a mistake in such an object (a bad ref, a line with a line break) is an
 * `error`. Any other line is taken as typed, as before refs existed. Throws nothing.
 */
export function parseRefLine(raw: string): RefLine {
  const t = raw.trim();
  if (!t.startsWith('{') || !t.endsWith('}')) return { line: raw };
  let v: unknown;
  try {
    v = JSON.parse(t);
  } catch {
    return { line: raw };
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return { line: raw };
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  if (typeof o.line !== 'string' || !keys.every((k) => k === 'line' || k === 'ref')) return { line: raw };
  if (/[\r\n\u2028\u2029]/.test(o.line)) return { error: 'the "line" of an input object must be one line: send several objects' };
  if (!('ref' in o)) return { line: o.line };
  const ref = o.ref;
  const okString = typeof ref === 'string' && ref.length >= 1 && ref.length <= MAX_REF_LENGTH;
  const okNumber = typeof ref === 'number' && Number.isSafeInteger(ref);
  if (!okString && !okNumber) return { error: `"ref" must be a string of 1–${MAX_REF_LENGTH} characters or an integer` };
  return { line: o.line, ref: ref as LineRef };
}

/** A request waiting for the server's answer, with the ref of its input line. */
export interface Waiting {
  req: OutgoingRequest;
  ref: LineRef;
  /** Its place among every request handed to the connection (1, 2, …). */
  seq: number;
}

const same = (a: string | undefined, b: string | undefined): boolean => a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();

/**
 * Whether `ev` is the server's answer to `req` sent by `me` (src/chat/commands.ts): an error
 * about that command, or the event that carries out or answers it — the echo of one's own
 * message, one's own join or leave, the list asked for.
 */
export function answers(req: OutgoingRequest, ev: ChatEvent, me: string): boolean {
  if (ev.type === 'error') return ev.command === req.t;
  switch (req.t) {
    case 'say':
      return ev.type === 'message' && same(ev.from, me) && same(ev.room, req.room) && ev.body?.sha256 === req.body.sha256 && ev.body?.text === req.body.text;
    case 'dm':
      return ev.type === 'direct' && same(ev.from, me) && same(ev.to, req.to) && ev.body?.sha256 === req.body.sha256 && ev.body?.text === req.body.text;
    case 'join':
      return ev.type === 'join' && same(ev.name, me) && same(ev.room, req.room);
    case 'leave':
      return ev.type === 'leave' && same(ev.name, me) && same(ev.room, req.room);
    case 'rooms':
      return ev.type === 'rooms';
    case 'who':
      return ev.type === 'who' && same(ev.room, req.room);
    case 'whois':
      return ev.type === 'whois' && same(ev.name, req.name);
    case 'ping':
      return ev.type === 'pong';
    default:
      return false; // the end-to-end requests: their answers are the E2E layer's to match
  }
}

/**
 * The requests with a ref that wait for their answer, in the order they were sent. The caller
 * reports every request it hands to the connection (`sent`), with or without a ref, so that after
 * a dropped connection the tracker can tell the requests still in the connection's queue (the
 * newest ones) from those that went out. Throws nothing.
 */
export class ReplyTracker {
  private waiting: Waiting[] = [];
  private count = 0;

  /** `me`: the user's name (setName after each `ready`, which has the server's spelling). */
  constructor(
    private me: string,
    private readonly max = MAX_WAITING_REFS,
  ) {}

  setName(me: string): void {
    this.me = me;
  }

  /** Requests waiting. */
  get size(): number {
    return this.waiting.length;
  }

  /** Counts `req`, just handed to the connection; with a ref, it waits for its answer. */
  sent(req: OutgoingRequest, ref?: LineRef): void {
    this.count++;
    if (ref === undefined) return;
    this.waiting.push({ req, ref, seq: this.count });
    if (this.waiting.length > this.max) this.waiting.shift();
  }

  /** The ref of the first waiting request that `ev` answers (which stops waiting), if any; an event of another type (a notice of the E2E layer) answers nothing but an error about a command. */
  match(ev: ChatEvent | { type: string; command?: string }): LineRef | undefined {
    const i = this.waiting.findIndex((w) => answers(w.req, ev as ChatEvent, this.me));
    if (i < 0) return undefined;
    return this.waiting.splice(i, 1)[0]!.ref;
  }

  /**
   * The connection dropped with `stillQueued` requests in its queue: the newest that many are
   * sent on the next connection; the waiting requests older than them went out on the dropped
   * one and will get no answer. Removes and returns those. (A message the server refused for
   * its rate and the connection queued again at the front counts as gone: a rare race.)
   */
  lost(stillQueued: number): Waiting[] {
    const lastGone = this.count - Math.max(0, stillQueued);
    const i = this.waiting.findIndex((w) => w.seq > lastGone);
    return this.waiting.splice(0, i < 0 ? this.waiting.length : i);
  }
}
