/**
 * What every E2ESession call returns (docs/E2E.md §Session): requests for the server in the
 * order they must be sent, received messages to show, notices to give.
 */
import type { Notice } from './directory.js';
import type { Received } from './inbound.js';

/** A request for the server (the version-2 requests of docs/PROTOCOL.md; the caller adds `ref`). */
export type E2ERequest =
  | { t: 'bundle_put'; bundle: string }
  | { t: 'bundle_get'; names: string[] }
  | { t: 'e2e_room'; room: string; payload: string }
  | { t: 'e2e_to'; to: string; kind: 'dm' | 'keys'; payload: string };

/** What a call produced: requests to send in this order, messages to show, notices to give. */
export interface Effects {
  send: E2ERequest[];
  received: Received[];
  notices: Notice[];
}

/** The result of a send: also the members who did not get the message's key (changed key, no bundle) and whether it waits for bundles. */
export interface SendEffects extends Effects {
  withheld: string[];
  queued: boolean;
}

/** Empty effects. */
export const noEffects = (): Effects => ({ send: [], received: [], notices: [] });

/** Appends `more` to `into` and returns `into`. */
export function mergeEffects(into: Effects, more: Effects): Effects {
  into.send.push(...more.send);
  into.received.push(...more.received);
  into.notices.push(...more.notices);
  return into;
}
