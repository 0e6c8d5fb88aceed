/**
 * Batches (docs/PROTOCOL.md §Batches): a server may carry several events for one client in one
 * frame, `{"type":"batch","events":[…]}`; a client takes them apart with unbatch().
 */
import type { ServerEvent } from '../chat/events.js';
import { ProtocolError } from './errors.js';

/**
 * The events of one frame: a `batch` frame's events in order (docs/PROTOCOL.md §Batches), or the
 * frame's single event. Throws ProtocolError 'malformed' for a batch without an array of objects
 * or a nested batch.
 */
export function unbatch(ev: ServerEvent): ServerEvent[] {
  if (ev.type !== 'batch') return [ev];
  const events: unknown = ev.events;
  if (!Array.isArray(events) || events.some((e) => typeof e !== 'object' || e === null || Array.isArray(e) || (e as { type?: unknown }).type === 'batch')) {
    throw new ProtocolError('malformed', 'a batch must carry an array of events, none of them a batch');
  }
  return events as ServerEvent[];
}
