/**
 * What the hubs of a cluster tell each other over the cluster bus (src/cluster/bus.ts), and the
 * check of each entry that comes back from it. The bus keeps one order for every node, so every
 * hub applies the same entries in the same order; each entry is about one member session (`sid`:
 * the node's id and the hub's member id) or carries one event to deliver.
 *
 * The entries come from the other nodes through Redis: trusted infrastructure, but parsed like any
 * other input — an entry that does not have the expected shape is dropped (and counted), never
 * applied half-way.
 */
import type { ServerEvent } from './events.js';
import { FINGERPRINT_RE } from './names.js';
import { NAME_RE, ROOM_RE } from './events.js';

/** One member session as another node announces it. */
export interface MemberAnnouncement {
  name: string;
  fp: string;
  /** Identity public key, SPKI DER base64 (ConnectIdentity.publicKey). */
  pk: string;
  sid: string;
  rooms: string[];
  bundle: string | null;
}

/** An entry on the bus, by kind `k`. */
export type ClusterEntry =
  /** A member connected on the publishing node (`resync`: a re-announcement, applied only to a name nobody holds). */
  | { k: 'up'; name: string; fp: string; pk: string; sid: string; resync?: true }
  /** That session ended (`reason` shown in the leave notices). */
  | { k: 'down'; name: string; sid: string; reason: string }
  | { k: 'join'; name: string; sid: string; room: string }
  | { k: 'leave'; name: string; sid: string; room: string }
  | { k: 'bundle'; name: string; sid: string; bundle: string }
  /** An e2e_room event for the members of `room` on every node. */
  | { k: 'room'; room: string; ev: ServerEvent }
  /** An event for the member of nameKey `to` whose session is `sid`. */
  | { k: 'to'; to: string; sid: string; ev: ServerEvent }
  /** A node (re)starting: every node answers with `state`. */
  | { k: 'hello' }
  /** Some of the publishing node's members, with their rooms and bundles. */
  | { k: 'state'; members: MemberAnnouncement[] };

const SID_RE = /^[A-Za-z0-9_-]{1,64}:[0-9]{1,15}$/;
const B64_RE = /^[A-Za-z0-9+/]*={0,2}$/;
/** Generous bounds on what one entry may hold (the bus bounds an entry's bytes too). */
const MAX_REASON = 200;
const MAX_KEY_B64 = 4096;
const MAX_BUNDLE_B64 = 1 << 20;
const MAX_STATE_MEMBERS = 10_000;
const MAX_ROOMS = 1000;

const str = (v: unknown, max: number): v is string => typeof v === 'string' && v.length <= max;
const name = (v: unknown): v is string => typeof v === 'string' && NAME_RE.test(v);
const room = (v: unknown): v is string => typeof v === 'string' && ROOM_RE.test(v);
const sid = (v: unknown): v is string => typeof v === 'string' && SID_RE.test(v);
const b64 = (v: unknown, max: number): v is string => typeof v === 'string' && v.length <= max && B64_RE.test(v);
const fp = (v: unknown): v is string => typeof v === 'string' && FINGERPRINT_RE.test(v);

/** The event of a `room` or `to` entry: an object with a known delivery type (the hub built it on the other node). */
function event(v: unknown, type: 'e2e_room' | 'e2e_to' | 'error'): v is ServerEvent {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && (v as { type?: unknown }).type === type;
}

function announcement(v: unknown): v is MemberAnnouncement {
  if (typeof v !== 'object' || v === null) return false;
  const a = v as Record<string, unknown>;
  return (
    name(a.name) &&
    fp(a.fp) &&
    b64(a.pk, MAX_KEY_B64) &&
    sid(a.sid) &&
    Array.isArray(a.rooms) &&
    a.rooms.length <= MAX_ROOMS &&
    a.rooms.every(room) &&
    (a.bundle === null || b64(a.bundle, MAX_BUNDLE_B64))
  );
}

/** `x` as a ClusterEntry, or undefined when it is not one (unknown kind, missing or malformed field). Never throws. */
export function parseClusterEntry(x: Record<string, unknown>): ClusterEntry | undefined {
  switch (x.k) {
    case 'up':
      return name(x.name) && fp(x.fp) && b64(x.pk, MAX_KEY_B64) && sid(x.sid) && (x.resync === undefined || x.resync === true)
        ? (x as ClusterEntry)
        : undefined;
    case 'down':
      return name(x.name) && sid(x.sid) && str(x.reason, MAX_REASON) ? (x as ClusterEntry) : undefined;
    case 'join':
    case 'leave':
      return name(x.name) && sid(x.sid) && room(x.room) ? (x as ClusterEntry) : undefined;
    case 'bundle':
      return name(x.name) && sid(x.sid) && b64(x.bundle, MAX_BUNDLE_B64) ? (x as ClusterEntry) : undefined;
    case 'room':
      return room(x.room) && event(x.ev, 'e2e_room') ? (x as ClusterEntry) : undefined;
    case 'to':
      return typeof x.to === 'string' && x.to.length <= 64 && sid(x.sid) && (event(x.ev, 'e2e_to') || event(x.ev, 'error')) ? (x as ClusterEntry) : undefined;
    case 'hello':
      return { k: 'hello' };
    case 'state':
      return Array.isArray(x.members) && x.members.length <= MAX_STATE_MEMBERS && x.members.every(announcement) ? (x as ClusterEntry) : undefined;
    default:
      return undefined;
  }
}

/** Members per `state` entry: a few hundred keys and bundles, well under the bus's entry limit. */
export const STATE_CHUNK = 100;
