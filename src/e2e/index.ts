/**
 * Parley's end-to-end layer (docs/E2E.md): Sender Keys over pairwise channels on X25519 prekeys
 * that the users' RSA identity keys certify; Ed25519 signatures on every payload; pinned peer
 * keys and safety numbers. Pure client logic, the same in Node and in browsers: pass
 * nodeE2ECrypto (./crypto-node.js) or webE2ECrypto (./crypto-web.js) — neither is re-exported
 * here, so a browser bundle never pulls in node:crypto.
 */
export * from './errors.js';
export type { E2ECrypto } from './crypto.js';
export { resolveLimits, DEFAULT_LIMITS, type E2ELimits } from './limits.js';
export { fingerprintBytes, fingerprintText, peerIdentity, localIdentity, type IdentityKey } from './identity.js';
export { makeBundle, decodeBundle, verifyBundle, openBundleEntry, BUNDLE_LABEL, BUNDLE_VERSION, MAX_BUNDLE_BYTES, type BundleFields, type CertifiedBundle, type OwnBundle } from './bundle.js';
export { derivePairwiseKeys, PairwiseChannel, PAIRWISE_LABEL, type PairwiseKeys } from './pairwise.js';
export { SenderChain, ReceiverChain, messageKeyFromSeed, CHAIN_LABEL, type ChainState, type MessageKey } from './sender-chain.js';
export { encodeHeader, parseEnvelope, signEnvelope, verifyEnvelope, ENVELOPE_KINDS, type EnvelopeHeader, type EnvelopeKind, type ParsedEnvelope } from './envelope.js';
export { encodeMessage, decodeMessage, encodeDistribution, decodeDistribution, type MessageContent, type DistributionContent } from './content.js';
export { RoomSession } from './group.js';
export { PeerPins, MemoryPinStore, type PinStore, type PinRecord, type PinCheck, type PeerStatus, type PeerKeyChanged } from './peer-pins.js';
export { safetyNumber, partyDigits, formatSafetyNumber, SAFETY_NUMBER_ITERATIONS, type SafetyParty } from './safety-number.js';
export { type BundleEntry, type Notice } from './directory.js';
export { type Received, type RoomEvent, type DirectEvent } from './inbound.js';
export { E2ESession, type E2ESessionOptions, type E2ERequest, type Effects, type SendEffects } from './session.js';
