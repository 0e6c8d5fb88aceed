/**
 * Building the payloads we send (docs/E2E.md §Sending): a room message under our sender chain,
 * and direct messages and key distributions over a pairwise channel. Each is one signed
 * envelope (envelope.ts) in base64, ready for the e2e_room / e2e_to requests.
 */
import { bytesToBase64 } from '../rsa/index.js';
import type { OwnBundle } from './bundle.js';
import { encodeDistribution, encodeMessage } from './content.js';
import type { E2ECrypto } from './crypto.js';
import { encodeHeader, signEnvelope, type EnvelopeHeader } from './envelope.js';
import { wrapE2E } from './errors.js';
import type { E2ELimits } from './limits.js';
import type { PairwiseChannel } from './pairwise.js';
import type { SenderChain } from './sender-chain.js';

/** What building a payload needs to know about us. */
export interface SenderContext {
  crypto: E2ECrypto;
  selfName: string;
  own: OwnBundle;
  limits: E2ELimits;
  now: () => number;
}

/**
 * A room message: the next key of `chain` seals the message plaintext, AAD = header; the
 * envelope is signed. Throws E2EError 'e2e_too_large' / 'e2e_invalid_argument' for the text.
 */
export function sealRoomMessage(ctx: SenderContext, room: string, chain: SenderChain, text: string, action: boolean): string {
  const pt = encodeMessage(ctx.crypto, text, action, ctx.limits.maxTextBytes);
  const mk = chain.nextKey();
  const h: EnvelopeHeader = { kind: 'room', room, to: '', sender: ctx.selfName, senderFp: ctx.own.identity.fpBytes, chainId: chain.chainId, seq: mk.iteration, ts: ctx.now() };
  const header = encodeHeader(h);
  // SP 800-38D §7.1
  const body = wrapE2E('e2e_invalid_argument', 'encryption failed', () => ctx.crypto.aeadSeal(mk.key, mk.nonce, pt, header));
  mk.key.fill(0);
  return bytesToBase64(signEnvelope(ctx.crypto, h, header, body, ctx.own.ed25519Private, ctx.limits.maxPayloadBytes));
}

/** A payload over the pairwise channel to `to`: kind 'dm' (room '') or 'keys' (room set). */
function sealPairwise(ctx: SenderContext, kind: 'dm' | 'keys', room: string, to: string, channel: PairwiseChannel, pt: Uint8Array): string {
  const seq = channel.nextSeq();
  const h: EnvelopeHeader = { kind, room, to, sender: ctx.selfName, senderFp: ctx.own.identity.fpBytes, chainId: channel.channelId, seq, ts: ctx.now() };
  const header = encodeHeader(h);
  const body = channel.seal(seq, pt, header);
  return bytesToBase64(signEnvelope(ctx.crypto, h, header, body, ctx.own.ed25519Private, ctx.limits.maxPayloadBytes));
}

/** A direct message to `to`. Throws as encodeMessage. */
export function sealDirect(ctx: SenderContext, to: string, channel: PairwiseChannel, text: string, action: boolean): string {
  return sealPairwise(ctx, 'dm', '', to, channel, encodeMessage(ctx.crypto, text, action, ctx.limits.maxTextBytes));
}

/** A distribution of `chain`'s current state for `room` to `to`. */
export function sealDistribution(ctx: SenderContext, room: string, to: string, channel: PairwiseChannel, chain: SenderChain): string {
  const state = chain.state();
  const pt = encodeDistribution(room, state);
  state.chainKey.fill(0);
  const out = sealPairwise(ctx, 'keys', room, to, channel, pt);
  pt.fill(0);
  return out;
}
