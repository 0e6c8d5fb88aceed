/**
 * What the client's E2E layer (e2e-client.ts) shows a front end besides the server's events:
 * decrypted `message` / `direct` events (src/chat/events.ts, with `verified`, `code` and
 * `fingerprint` set by the layer), notices about peers' keys, and errors of its own. Shared by
 * the terminal and the browser; docs/PROTOCOL.md §JSON lines lists the --json form of each.
 */
import type { DecryptedEvent } from '../chat/events.js';
import type { Received } from '../e2e/index.js';
import { bodyFor } from './input.js';

/** Notices of the E2E layer (docs/E2E.md §Pins), shown loudly by the front ends. */
export type E2ENoticeEvent =
  /** A key seen for the first time for `name` on this server: now pinned ("first time seen"). */
  | { type: 'peer_new'; name: string; fingerprint: string }
  /** `name` presents another key than the pinned one: nothing is shared with it until /trust (or /verify for a verified peer). */
  | { type: 'peer_key_changed'; name: string; pinned: string; presented: string; /** The user had verified the pinned key (then only /verify unblocks; not in --json). */ wasVerified?: boolean }
  /** The keys the server relayed for `name` failed their checks. */
  | { type: 'e2e_bundle_rejected'; name: string; code: string; message: string }
  /** A room message went out, but these members did not get its key (changed key not accepted, or no keys published). */
  | { type: 'e2e_withheld'; room: string; names: string[] };

/** An error the E2E layer reports itself (a send refused, a key distribution that failed); `command`: say or dm when it is about one. */
export interface E2EErrorEvent {
  type: 'error';
  code: string;
  message: string;
  command?: string;
  hint?: string;
}

/**
 * The code of a message in our own name that this client did not make (its echo matched no
 * payload we sent): a server replaying or forging it. Never verified.
 */
export const NOT_OURS = 'e2e_not_ours';

/**
 * The event a front end shows for one opened (or failed) room or direct payload of another
 * user. A failure has empty text, `verified: false`, its `code`, and `fingerprint: null`;
 * `me`: our name (a direct message's recipient). A key distribution shows only when it failed
 * (undefined otherwise). Throws nothing.
 */
export function receivedEvent(r: Received, me: string): DecryptedEvent | E2EErrorEvent | undefined {
  if (r.kind === 'keys' && r.ok) return undefined; // a key distribution taken: nothing to show
  const body = bodyFor(r.ok && typeof r.text === 'string' ? r.text : '', r.ok && r.action === true);
  const code = r.verified ? null : (r.code ?? 'e2e_decrypt_failed');
  const verified = r.verified && r.ok;
  if (r.kind === 'room') {
    return { type: 'message', id: r.id ?? '', from: r.from, room: r.room ?? '', ts: r.ts, body, verified, code, fingerprint: verified ? r.fingerprint : null };
  }
  if (r.kind === 'dm') {
    return { type: 'direct', id: r.id ?? '', from: r.from, to: r.to ?? me, ts: r.ts, body, verified, code, fingerprint: verified ? r.fingerprint : null };
  }
  return { type: 'error', code: code ?? 'e2e_decrypt_failed', message: `keys from ${r.from}${r.room ? ` for #${r.room}` : ''} could not be used: ${r.error ?? 'unknown failure'}` };
}

/** Our own message, confirmed by the server's echo of the payload we made: verified under our own key. */
export function ownEvent(
  o: { room?: string; to?: string; text: string; action: boolean },
  ev: { id: string; from: string; ts: number },
  fingerprint: string,
): DecryptedEvent {
  const body = bodyFor(o.text, o.action);
  if (o.to !== undefined) return { type: 'direct', id: ev.id, from: ev.from, to: o.to, ts: ev.ts, body, verified: true, code: null, fingerprint };
  return { type: 'message', id: ev.id, from: ev.from, room: o.room ?? '', ts: ev.ts, body, verified: true, code: null, fingerprint };
}

/** A payload in our own name that we did not make (see NOT_OURS). */
export function notOursEvent(ev: { id: string; from: string; ts: number; room?: string; to?: string }): DecryptedEvent {
  const body = bodyFor('');
  if (ev.to !== undefined) return { type: 'direct', id: ev.id, from: ev.from, to: ev.to, ts: ev.ts, body, verified: false, code: NOT_OURS, fingerprint: null };
  return { type: 'message', id: ev.id, from: ev.from, room: ev.room ?? '', ts: ev.ts, body, verified: false, code: NOT_OURS, fingerprint: null };
}
