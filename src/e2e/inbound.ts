/**
 * Opening what we receive (docs/E2E.md §Receiving): every payload is parsed, its signature
 * checked under the certified key it must come from, its signed context compared with where the
 * server delivered it, then it is decrypted and its replay state moves. Each step's failure is a
 * stable code; nothing is ever `verified` unless the signature checked under the pinned,
 * accepted key and the text matches its signed hash.
 */
import { base64ToBytes } from '../rsa/index.js';
import { equalBytes } from './codec.js';
import { decodeDistribution, decodeMessage } from './content.js';
import type { E2ECrypto } from './crypto.js';
import type { PeerDirectory } from './directory.js';
import { parseEnvelope, verifyEnvelope, type ParsedEnvelope } from './envelope.js';
import { e2eError, isE2EError, RECEIVE_FAILURE_TEXT, wrapE2E, type E2EErrorCode } from './errors.js';
import { chainKeyOf, type ReceivedChain, type RoomSession } from './group.js';
import { fingerprintText } from './identity.js';
import type { E2ELimits } from './limits.js';
import type { PeerPins } from './peer-pins.js';

/** The server's e2e_room event (docs/PROTOCOL.md). */
export interface RoomEvent {
  id?: string;
  from: string;
  fromFingerprint?: string;
  room: string;
  ts: number;
  payload: string;
}

/** The server's e2e_to event. */
export interface DirectEvent {
  id?: string;
  from: string;
  fromFingerprint?: string;
  to: string;
  kind: 'dm' | 'keys';
  ts: number;
  payload: string;
}

/** One received payload, opened or not. */
export interface Received {
  kind: 'room' | 'dm' | 'keys';
  /** The server's event id. */
  id?: string;
  from: string;
  /** The room (room messages and key distributions). */
  room?: string;
  /** The recipient (direct messages and key distributions): us. */
  to?: string;
  /** The server's timestamp. */
  ts: number;
  /** The sender's signed timestamp, when the signature checked. */
  sentAt?: number;
  ok: boolean;
  text?: string;
  action?: boolean;
  /** Why it failed, or why an opened message is not verified (e2e_key_changed, e2e_hash_mismatch). */
  code?: E2EErrorCode;
  /** A vague, user-facing description of `code`. */
  error?: string;
  /** Signature under the pinned, accepted key AND text matching its signed SHA-256. */
  verified: boolean;
  /** The sender key that verified ("SHA256:…"), or null when not verified. */
  fingerprint: string | null;
}

/** What the receive functions read. */
export interface ReceiverContext {
  crypto: E2ECrypto;
  selfName: string;
  limits: E2ELimits;
  pins: PeerPins;
  directory: PeerDirectory;
  rooms: Map<string, RoomSession>;
}

/** A failed result. */
export function failure(base: Omit<Received, 'ok' | 'verified' | 'fingerprint'>, code: E2EErrorCode): Received {
  return { ...base, ok: false, code, error: RECEIVE_FAILURE_TEXT[code], verified: false, fingerprint: null };
}

function parse(ctx: ReceiverContext, payload: string): ParsedEnvelope {
  if (typeof payload !== 'string' || payload.length > Math.ceil(ctx.limits.maxPayloadBytes / 3) * 4) throw e2eError('e2e_too_large', 'payload too large');
  const bytes = wrapE2E('e2e_malformed', 'payload is not base64', () => base64ToBytes(payload));
  return parseEnvelope(bytes, ctx.limits.maxPayloadBytes);
}

/** verified and fingerprint for an opened message from `sender` signed under identity `senderFp`. */
function trustOf(ctx: ReceiverContext, sender: string, senderFp: string, hashOk: boolean): Pick<Received, 'verified' | 'fingerprint' | 'code' | 'error'> {
  const st = ctx.pins.status(sender);
  const accepted = ctx.pins.isAccepted(sender, senderFp) && !st.blocked;
  if (!accepted) return { verified: false, fingerprint: null, code: 'e2e_key_changed', error: RECEIVE_FAILURE_TEXT.e2e_key_changed };
  if (!hashOk) return { verified: false, fingerprint: null, code: 'e2e_hash_mismatch', error: RECEIVE_FAILURE_TEXT.e2e_hash_mismatch };
  return { verified: true, fingerprint: senderFp };
}

/** The chain with `chainId` in any of our rooms. */
function findChain(ctx: ReceiverContext, chainId: Uint8Array): ReceivedChain | undefined {
  const id = chainKeyOf(chainId);
  for (const r of ctx.rooms.values()) {
    const c = r.chain(id);
    if (c) return c;
  }
  return undefined;
}

/**
 * Opens a room message. Returns 'unknown-chain' when no chain of ours has its id (the session may
 * wait for a pending distribution); every other outcome is a Received. Never throws.
 */
export function openRoomMessage(ctx: ReceiverContext, ev: RoomEvent): Received | 'unknown-chain' {
  const base = { kind: 'room' as const, id: ev.id, from: ev.from, room: ev.room, ts: ev.ts };
  try {
    const env = parse(ctx, ev.payload);
    if (env.kind !== 'room') throw e2eError('e2e_wrong_context', 'not a room message');
    const room = ctx.rooms.get(ev.room);
    if (!room) throw e2eError('e2e_not_member', 'a message for a room we are not in');
    if (!room.isMember(ev.from)) throw e2eError('e2e_not_member', 'sender is not a member');
    const rc = findChain(ctx, env.chainId);
    if (!rc) return 'unknown-chain';
    if (!verifyEnvelope(ctx.crypto, env, rc.ed25519)) throw e2eError('e2e_bad_signature', 'signature does not verify');
    // the signed context against the chain it belongs to and against where the server put it
    const fp = fingerprintText(env.senderFp);
    if (env.room !== rc.room || env.sender !== rc.sender || fp !== rc.senderFp) throw e2eError('e2e_wrong_context', 'message does not belong to its chain');
    if (env.room !== ev.room || env.sender !== ev.from) throw e2eError('e2e_wrong_context', 'message delivered to another room or under another name');
    if (!room.isMember(ev.from, fp)) throw e2eError('e2e_not_member', 'sender is not a member');
    const mk = rc.chain.keyFor(env.seq);
    const pt = wrapE2E('e2e_decrypt_failed', 'message could not be decrypted', () => ctx.crypto.aeadOpen(mk.key, mk.nonce, env.body, env.headerBytes));
    mk.commit();
    const m = decodeMessage(ctx.crypto, pt, ctx.limits.maxTextBytes);
    return { ...base, sentAt: env.ts, ok: true, text: m.text, action: m.action, ...trustOf(ctx, env.sender, fp, m.hashOk) };
  } catch (e) {
    return failure(base, isE2EError(e) ? e.code : 'e2e_malformed');
  }
}

/**
 * Opens a direct message or a key distribution. Returns 'need-bundle' when the sender's bundle
 * for this payload's channel is unknown (the session fetches it and retries once); every other
 * outcome is a Received. A distribution that opens is installed in its room. Never throws.
 */
export function openDirect(ctx: ReceiverContext, ev: DirectEvent): Received | 'need-bundle' {
  const base = { kind: ev.kind, id: ev.id, from: ev.from, to: ev.to, ts: ev.ts };
  try {
    const env = parse(ctx, ev.payload);
    if (env.kind !== ev.kind) throw e2eError('e2e_wrong_context', 'payload of another kind');
    if (env.to !== ctx.selfName || (ev.to !== undefined && ev.to !== ctx.selfName)) throw e2eError('e2e_wrong_context', 'payload for someone else');
    if (env.sender !== ev.from) throw e2eError('e2e_wrong_context', 'payload under another name');
    const found = ctx.directory.receiveChannel(ev.from, env.chainId);
    if (!found) return 'need-bundle';
    if (!verifyEnvelope(ctx.crypto, env, found.bundle.ed25519)) throw e2eError('e2e_bad_signature', 'signature does not verify');
    if (!equalBytes(env.senderFp, found.bundle.identity.fpBytes)) throw e2eError('e2e_wrong_context', 'payload signed for another identity');
    const pt = found.channel.open(env.seq, env.body, env.headerBytes);
    const fp = found.bundle.identity.fingerprint;
    if (env.kind === 'dm') {
      const m = decodeMessage(ctx.crypto, pt, ctx.limits.maxTextBytes);
      return { ...base, sentAt: env.ts, ok: true, text: m.text, action: m.action, ...trustOf(ctx, env.sender, fp, m.hashOk) };
    }
    const d = decodeDistribution(pt);
    pt.fill(0);
    if (d.room !== env.room) throw e2eError('e2e_wrong_context', 'distribution for another room');
    const room = ctx.rooms.get(d.room);
    if (!room) throw e2eError('e2e_not_member', 'keys for a room we are not in');
    const fresh = room.install(env.sender, fp, found.bundle.ed25519, d);
    d.chainKey.fill(0);
    if (!fresh) throw e2eError('e2e_replay', 'chain already held');
    return { ...base, room: d.room, sentAt: env.ts, ok: true, ...trustOf(ctx, env.sender, fp, true) };
  } catch (e) {
    return failure(base, isE2EError(e) ? e.code : 'e2e_malformed');
  }
}
