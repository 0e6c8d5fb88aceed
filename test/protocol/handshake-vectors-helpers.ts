/**
 * Helpers of test/protocol/handshake-vectors.test.ts: the shape of test/vectors/handshake.json,
 * and RFC 8017's EME-OAEP and EMSA-PSS encodings written out with node:crypto's SHA-256 only, so
 * that the recorded OAEP seeds and PSS salts can be checked against the recorded ciphertexts and
 * signatures independently of src/rsa.
 */
import nodeCrypto from 'node:crypto';

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
    clientHello: string; serverHello: string; serverSecretWrapped: string; serverSignatureInput: string; serverSignature: string;
    clientFinish: string; clientSecretWrapped: string; clientSignatureInput: string; clientSignature: string;
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

const sha256 = (...parts: Uint8Array[]): Buffer => {
  const h = nodeCrypto.createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};

/** MGF1 with SHA-256 (RFC 8017 Appendix B.2.1). */
export function mgf1(seed: Uint8Array, len: number): Buffer {
  const out: Buffer[] = [];
  for (let i = 0; out.length * 32 < len; i++) out.push(sha256(seed, Buffer.from([i >>> 24, (i >>> 16) & 255, (i >>> 8) & 255, i & 255])));
  return Buffer.concat(out).subarray(0, len);
}

const xor = (a: Uint8Array, b: Uint8Array): Buffer => Buffer.from(a.map((v, i) => v ^ b[i]!));

/** EME-OAEP encoding (RFC 8017 §7.1.1 step 2) of `msg` with SHA-256, MGF1-SHA-256, `label` and `seed`, for a k-byte modulus. */
export function emeOaepEncode(msg: Uint8Array, label: Uint8Array, seed: Uint8Array, k: number): Buffer {
  const ps = Buffer.alloc(k - msg.length - 2 * 32 - 2);
  const db = Buffer.concat([sha256(label), ps, Buffer.of(1), msg]);
  const maskedDb = xor(db, mgf1(seed, k - 32 - 1));
  const maskedSeed = xor(seed, mgf1(maskedDb, 32));
  return Buffer.concat([Buffer.of(0), maskedSeed, maskedDb]);
}

/** EMSA-PSS encoding (RFC 8017 §9.1.1) of `msg` with SHA-256, MGF1-SHA-256 and `salt`, for emBits = modBits − 1. */
export function emsaPssEncode(msg: Uint8Array, salt: Uint8Array, modBits: number): Buffer {
  const emBits = modBits - 1;
  const emLen = Math.ceil(emBits / 8);
  const h = sha256(Buffer.alloc(8), sha256(msg), salt);
  const db = Buffer.concat([Buffer.alloc(emLen - salt.length - 32 - 2), Buffer.of(1), salt]);
  const maskedDb = xor(db, mgf1(h, emLen - 32 - 1));
  maskedDb[0]! &= 0xff >>> (8 * emLen - emBits);
  return Buffer.concat([maskedDb, h, Buffer.of(0xbc)]);
}
