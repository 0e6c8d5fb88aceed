/**
 * test/vectors/handshake.json (scripts/handshake-vectors.mjs) loaded and typed, with the byte
 * helpers its two tests share: handshake-vectors.test.ts (the implementation reproduces it) and
 * handshake-vectors-node.test.ts (node:crypto re-derives it from docs/PROTOCOL.md).
 */
import nodeCrypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../helpers/paths.js';

/** A labelled input: its label and value (hex). */
export interface Labelled { label: string; value: string }
/** A labelled X25519 key pair (hex). */
export interface LabelledPair { label: string; private: string; public: string }
/** One recorded frame. */
export interface FrameJson { direction: string; counter: number; plaintext: string; header: string; nonce: string; frame: string }
/** One recorded identity. */
export interface IdentityJson { name?: string; primeLabels: string[]; rsaPrivateKeyPkcs8: string; modulusBits: number; spki: string; spkiSha256: string; fingerprint: string }

/** test/vectors/handshake.json. */
export interface HandshakeVectors {
  protocolVersion: number;
  subprotocol: string;
  labelPrefix: string;
  client: IdentityJson & { name: string };
  server: IdentityJson;
  handshake: {
    inputs: {
      clientNonce: Labelled; clientEphemeral: LabelledPair; serverNonce: Labelled; serverEphemeral: LabelledPair;
      serverSecret: Labelled; serverOaepSeed: Labelled; serverPssSalt: Labelled;
      clientSecret: Labelled; clientOaepSeed: Labelled; clientPssSalt: Labelled;
    };
    referenceDraws: { client: string[]; server: string[] };
    clientHello: string; serverHello: string; serverSecretWrapped: string; serverSignatureInput: string; serverSignatureInputSha256: string; serverSignature: string;
    clientFinish: string; clientSecretWrapped: string; clientSignatureInput: string; clientSignatureInputSha256: string; clientSignature: string;
    shared: string; ikm: string; transcriptHash: string; okm: string;
    keyC2s: string; keyS2c: string; ivC2s: string; ivS2c: string; resumptionSecret: string;
  };
  frames: FrameJson[];
  resumption: {
    ticketOptions: { lifetimeMs: number; epochMs: number; maxAuthAgeMs: number };
    issuedAt: number; epoch: number; ticketKey: string; ticketNonce: Labelled; ticketPlaintext: string; ticket: string; ticketLifetimeMs: number;
    resumedAt: number;
    inputs: { clientNonce: Labelled; clientEphemeral: LabelledPair; serverNonce: Labelled; serverEphemeral: LabelledPair; nextTicketNonce: Labelled };
    referenceDraws: { client: string[]; server: string[] };
    resumeHello: string; resumeServerHello: string; resumeFinish: string;
    shared: string; ikm: string; thServer: string; serverFinishedKey: string; clientFinishedKey: string; serverFinished: string;
    thClient: string; clientFinished: string; transcriptHash: string;
    keyC2s: string; keyS2c: string; ivC2s: string; ivS2c: string; nextResumptionSecret: string;
    firstFrame: FrameJson; nextTicket: string; nextTicketPlaintext: string; nextTicketLifetimeMs: number;
  };
}

/** Where the vectors are. */
export const FILE = path.join(PROJECT_ROOT, 'test', 'vectors', 'handshake.json');
/** The vectors. */
export const V = JSON.parse(readFileSync(FILE, 'utf8')) as HandshakeVectors;
/** The full handshake's part. */
export const H = V.handshake;
/** The resumption's part. */
export const R = V.resumption;
/** Bytes of hex. */
export const b = (h: string): Buffer => Buffer.from(h, 'hex');
/** Bytes of an ASCII string. */
export const ascii = (s: string): Buffer => Buffer.from(s, 'ascii');
/** SHA-256 of the concatenation of `p`. */
export const sha256 = (...p: Uint8Array[]): Buffer => p.reduce((h, x) => h.update(x), nodeCrypto.createHash('sha256')).digest();
/** Concatenation. */
export const cat = (...p: Uint8Array[]): Buffer => Buffer.concat(p);
/** Every recorded labelled input (hex), by label. */
export const recorded = new Map<string, string>();
for (const v of [...Object.values(H.inputs), ...Object.values(R.inputs), R.ticketNonce]) recorded.set(v.label, 'value' in v ? v.value : v.private);
/** The document's derivation of a labelled input: SHA-256(prefix ‖ label)[0..n). */
export const derived = (label: string, n = 32): Buffer => sha256(ascii(V.labelPrefix + label)).subarray(0, n);
