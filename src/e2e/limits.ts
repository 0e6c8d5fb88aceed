/**
 * Every limit of the end-to-end layer, named, with a safe default (docs/E2E.md §Limits). A
 * session takes a partial E2ELimits; resolveLimits fills the defaults and checks the ranges.
 */
import { e2eError } from './errors.js';

/** The limits; each is a count or a size in bytes. */
export interface E2ELimits {
  /** Most skipped message keys a receiver keeps per sender chain (Signal: 2000); the oldest are dropped first. */
  maxSkip: number;
  /** Largest jump ahead in one sender chain that a receiver follows (Signal: 25,000); a message further ahead is refused. */
  maxForwardJump: number;
  /** Sender chains kept per sender and room (older ones are dropped; Signal keeps 5 states). */
  maxChainsPerSender: number;
  /** Width of the anti-replay window of each pairwise channel (RFC 4303 §3.4.3): older sequence numbers are refused. */
  replayWindow: number;
  /** Longest message text, in bytes of UTF-8 (4,000 characters of the server's default are at most 16,000). */
  maxTextBytes: number;
  /** Largest end-to-end payload accepted or made, in bytes before base64 (the 64 KiB frame holds 48 KiB of base64's input with room to spare). */
  maxPayloadBytes: number;
  /** Payloads kept per sender while that sender's bundle is being fetched; more are dropped (e2e_no_bundle). */
  maxPendingPerSender: number;
  /** Payloads kept for all senders while bundles are being fetched. */
  maxPendingTotal: number;
  /** A direct message fetches the recipient's bundle again when the one we hold is older than this, in ms (it may belong to an ended session). */
  bundleMaxAgeMs: number;
  /** Messages of ours kept per room while the bundles of new members are being fetched; more are sent at once without them. */
  maxQueuedSends: number;
}

/** The defaults. */
export const DEFAULT_LIMITS: Readonly<E2ELimits> = Object.freeze({
  maxSkip: 2000,
  maxForwardJump: 25_000,
  maxChainsPerSender: 5,
  replayWindow: 1024,
  maxTextBytes: 16_384,
  maxPayloadBytes: 48 * 1024,
  maxPendingPerSender: 64,
  maxPendingTotal: 1024,
  bundleMaxAgeMs: 5 * 60_000,
  maxQueuedSends: 100,
});

/** Inclusive bounds of each limit. */
const RANGES: Readonly<Record<keyof E2ELimits, [number, number]>> = {
  maxSkip: [0, 100_000],
  maxForwardJump: [1, 1_000_000],
  maxChainsPerSender: [1, 100],
  replayWindow: [1, 1 << 20],
  maxTextBytes: [1, 1 << 20],
  maxPayloadBytes: [1024, 16 << 20],
  maxPendingPerSender: [0, 100_000],
  maxPendingTotal: [0, 1_000_000],
  bundleMaxAgeMs: [0, 7 * 24 * 3600_000],
  maxQueuedSends: [0, 100_000],
};

/** The defaults overridden by `partial`. Throws E2EError 'e2e_invalid_argument' for a value that is not an integer in range. */
export function resolveLimits(partial: Partial<E2ELimits> = {}): E2ELimits {
  const out = { ...DEFAULT_LIMITS };
  for (const [k, v] of Object.entries(partial) as [keyof E2ELimits, number | undefined][]) {
    if (v === undefined) continue;
    const range = RANGES[k];
    if (!range) throw e2eError('e2e_invalid_argument', `unknown end-to-end limit ${String(k)}`);
    if (!Number.isSafeInteger(v) || v < range[0] || v > range[1]) throw e2eError('e2e_invalid_argument', `${k} must be an integer in [${range[0]}, ${range[1]}]`);
    out[k] = v;
  }
  return out;
}
