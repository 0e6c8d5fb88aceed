/**
 * The hub's end-to-end requests (docs/PROTOCOL.md §Application messages): routing opaque
 * payloads (`e2e_room` to the members of a room, `e2e_to` to one user) and the bundle directory
 * (`bundle_put`, `bundle_get`). The hub checks routing fields, sizes and the base64 encoding,
 * stamps who sent what and when, and never reads a payload or a bundle.
 */
import type { BundleEntry, ClientRequest, E2eKind, ServerEvent } from './events.js';
import { E2E_KINDS, NAME_RE } from './events.js';
import type { MemberImpl } from './member.js';
import { nameKey, type NameRecord } from './names.js';
import type { CommandHost, RequestKind } from './commands.js';
import { BUNDLES_EVENT_OVERHEAD } from './sizes.js';
import { field, NAME_RULE, parseOpaqueArg, parseRoomArg, quote, type Fields } from './validate.js';

/** The bucket of an `e2e_to`: key distributions have their own (ChatOptions.keysPerSecond), everything else is a message. */
export function e2eToBucket(req: Fields): RequestKind {
  return field(req, 'kind') === 'keys' ? 'keys' : 'message';
}

/** `e2e_room`: the payload to every member of the room at this moment, the sender included (its confirmation, with the request's `ref`). */
export function e2eRoom(h: CommandHost, m: MemberImpl, req: Fields, t: ClientRequest['t']): void {
  const room = parseRoomArg(req, t);
  if (!room.ok) return h.error(m, room.code, room.message, t);
  if (!m.rooms.has(room.value)) return h.error(m, 'not_in_room', `you are not in ${room.value}; /join ${room.value} first`, t);
  const payload = parseOpaqueArg(req, t, 'payload', h.options.maxPayloadBytes);
  if (!payload.ok) return h.error(m, payload.code, payload.message, t);
  const r = h.rooms.get(room.value);
  if (!r) return h.error(m, 'internal_error', 'internal error: room missing', t);
  h.count('messages');
  h.relay(r, {
    type: 'e2e_room',
    id: h.nextId(),
    from: m.name,
    fromFingerprint: m.fingerprint,
    room: room.value,
    ts: h.now(),
    payload: payload.value,
  }, m);
}

/**
 * `e2e_to`: the payload (at most maxPayloadBytes, or maxKeysPayloadBytes for `keys`) to the
 * named user if online; a `dm` is echoed to its sender (its confirmation, with the request's
 * `ref`), `keys` are not.
 */
export function e2eTo(h: CommandHost, m: MemberImpl, req: Fields, t: ClientRequest['t']): void {
  const to = field(req, 'to');
  if (typeof to !== 'string' || !NAME_RE.test(to)) return h.error(m, 'invalid_name', `invalid recipient ${quote(to)}: ${NAME_RULE}`, t);
  const kind = field(req, 'kind');
  if (!E2E_KINDS.includes(kind as E2eKind)) return h.error(m, 'bad_command', `e2e_to needs a kind: ${E2E_KINDS.map((k) => `"${k}"`).join(' or ')}`, t);
  const payload = parseOpaqueArg(req, t, 'payload', kind === 'keys' ? h.options.maxKeysPayloadBytes : h.options.maxPayloadBytes);
  if (!payload.ok) return h.error(m, payload.code, payload.message, t);
  const target = h.online(nameKey(to));
  if (!target) return h.error(m, 'no_such_user', `${to} is not online`, t);
  h.count(kind === 'keys' ? 'keys' : 'directs');
  const ev: ServerEvent = Object.freeze({
    type: 'e2e_to',
    id: h.nextId(),
    from: m.name,
    fromFingerprint: m.fingerprint,
    to: target.name,
    kind: kind as E2eKind,
    ts: h.now(),
    payload: payload.value,
  });
  if (kind === 'dm' && target === m) return h.echo(m, ev); // to oneself: one copy, the sender's
  h.send(target, ev);
  if (kind === 'dm') h.echo(m, ev);
}

/** `bundle_put`: the caller's bundle, bound to its name and key, replacing its previous one. Answered with nothing but errors. */
export function bundlePut(h: CommandHost, m: MemberImpl, req: Fields, t: ClientRequest['t']): void {
  const bundle = parseOpaqueArg(req, t, 'bundle', h.options.maxBundleBytes);
  if (!bundle.ok) return h.error(m, bundle.code, bundle.message, t);
  if (!h.bundles.put(m.key, m.fingerprint, bundle.value)) return h.error(m, 'internal_error', 'internal error: no directory entry', t);
  h.bundlePublished(m, bundle.value);
}

/**
 * `bundle_get`: for each requested name (1–maxBundleGet, case-insensitive, each answered once),
 * its identity key, fingerprint and bundle — or, when the server knows no key for it, its
 * place in `unknown` — in as many `bundles` events as maxEventBytes needs.
 */
export function bundleGet(h: CommandHost, m: MemberImpl, req: Fields, t: ClientRequest['t']): void {
  const names = field(req, 'names');
  const max = h.options.maxBundleGet;
  if (!Array.isArray(names) || names.length === 0 || names.length > max) {
    return h.error(m, 'bad_command', `bundle_get needs names: a list of 1–${max} names`, t);
  }
  const bad = names.find((n) => typeof n !== 'string' || !NAME_RE.test(n));
  if (bad !== undefined) return h.error(m, 'invalid_name', `invalid name ${quote(bad)}: ${NAME_RULE}`, t);
  const wanted = new Map<string, string>(); // nameKey → the name as asked, each once
  for (const name of names as string[]) if (!wanted.has(nameKey(name))) wanted.set(nameKey(name), name);
  // the registry's owner of each name whose entry is an offline one (its lookup needs it): one
  // batch of lookups, synchronous or not
  const offline = [...wanted].filter(([key]) => h.bundles.isOffline(key));
  let owners: (string | undefined)[] | Promise<(string | undefined)[]>;
  try {
    const answers = offline.map(([, name]) => h.names.lookup(name));
    owners = answers.some((a) => a instanceof Promise)
      ? Promise.all(answers).then((recs) => recs.map((r) => r?.fingerprint))
      : (answers as (NameRecord | undefined)[]).map((r) => r?.fingerprint);
  } catch {
    return h.error(m, 'registry_unavailable', 'the name registry cannot be reached just now; try again in a few seconds', t);
  }
  h.defer(
    m,
    owners,
    (fps) => {
      const owner = new Map(offline.map(([key], i) => [key, fps[i]]));
      const found: BundleEntry[] = [];
      const unknown: string[] = [];
      for (const [key, name] of wanted) {
        const r = h.bundles.lookup(key, () => (owner.has(key) ? owner.get(key) : h.bundles.peek(key)?.fingerprint));
        if (r) found.push({ name: r.name, key: r.publicKey, fingerprint: r.fingerprint, bundle: r.bundle });
        else unknown.push(name);
      }
      for (const ev of bundlesEvents(found, unknown, h.options.maxEventBytes)) h.send(m, ev);
    },
    () => h.error(m, 'registry_unavailable', 'the name registry cannot be reached just now; try again in a few seconds', t),
  );
}

/**
 * `found` and `unknown` as consecutive `bundles` events of at most `maxEventBytes` of JSON each
 * (the options guarantee that one entry, and the whole `unknown` list, fit in one): entries in
 * order, `unknown` in the last event, `more` true on all but the last.
 */
export function bundlesEvents(found: BundleEntry[], unknown: string[], maxEventBytes: number): ServerEvent[] {
  const chunks: BundleEntry[][] = [[]];
  let size = BUNDLES_EVENT_OVERHEAD;
  for (const e of found) {
    const n = JSON.stringify(e).length + 1; // ASCII only (see sizes.ts), and its comma
    if (size + n > maxEventBytes && chunks[chunks.length - 1]!.length > 0) {
      chunks.push([]);
      size = BUNDLES_EVENT_OVERHEAD;
    }
    chunks[chunks.length - 1]!.push(e);
    size += n;
  }
  const unknownSize = unknown.reduce((s, name) => s + name.length + 3, 0);
  if (size + unknownSize > maxEventBytes) chunks.push([]);
  return chunks.map((bundles, i) => {
    const last = i === chunks.length - 1;
    return { type: 'bundles', bundles, unknown: last ? unknown : [], more: !last };
  });
}
