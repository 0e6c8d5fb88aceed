/** The shape of test/vectors/handshake.json (scripts/handshake-vectors.mjs), for test/protocol/handshake-vectors.test.ts. */

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
