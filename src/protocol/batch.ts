/**
 * Batches (docs/PROTOCOL.md §Batches): a server may carry several events for one client in one
 * frame, `{"type":"batch","events":[…]}`; a client takes them apart with unbatch().
 */
import { ProtocolError } from './errors.js';

/**
 * The events of one frame: a `batch` frame's events in order (docs/PROTOCOL.md §Batches), or the
 * frame's single event (`E`: the type of event the caller has checked the frame to be, e.g. a
 * ServerEvent). Throws ProtocolError 'malformed' for a batch without an array of objects or a
 * nested batch.
 */
export function unbatch<E extends { type: string }>(ev: E): E[] {
  if (ev.type !== 'batch') return [ev];
  const events: unknown = (ev as { events?: unknown }).events;
  if (!Array.isArray(events) || events.some((e) => typeof e !== 'object' || e === null || Array.isArray(e) || (e as { type?: unknown }).type === 'batch')) {
    throw new ProtocolError('malformed', 'a batch must carry an array of events, none of them a batch');
  }
  return events as E[];
}
