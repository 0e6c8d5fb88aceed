/**
 * The signed envelope: a round trip of each kind; the signature covers every byte of header and
 * body (a flip anywhere is refused); a label per kind (a signature made for one kind never
 * verifies as another); strict parsing (table of malformed envelopes); the per-kind shape of
 * room / recipient.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { concat } from '../../src/e2e/codec.js';
import { nodeE2ECrypto as c } from '../../src/e2e/crypto-node.js';
import { encodeHeader, parseEnvelope, signEnvelope, verifyEnvelope, ENVELOPE_KINDS, type EnvelopeHeader } from '../../src/e2e/envelope.js';
import { flip, throwsCode, utf8 } from './helpers.js';

const MAX = 48 * 1024;
const key = c.ed25519Keypair();
const header = (over: Partial<EnvelopeHeader> = {}): EnvelopeHeader => ({
  kind: 'room', room: 'lobby', to: '', sender: 'alice', senderFp: new Uint8Array(32).fill(9), chainId: new Uint8Array(16).fill(3), seq: 42, ts: 1_700_000_000_123, ...over,
});
const make = (h: EnvelopeHeader, body = utf8('ciphertext')) => signEnvelope(c, h, encodeHeader(h), body, key.privateKey, MAX);

describe('envelope', () => {
  const kinds: EnvelopeHeader[] = [header(), header({ kind: 'dm', room: '', to: 'bob' }), header({ kind: 'keys', room: 'lobby', to: 'bob' })];
  for (const h of kinds) {
    it(`round trip of kind ${h.kind}: every field comes back and the signature verifies`, () => {
      const env = parseEnvelope(make(h), MAX);
      for (const k of ['kind', 'room', 'to', 'sender', 'seq', 'ts'] as const) assert.equal(env[k], h[k]);
      assert.deepEqual(env.senderFp, h.senderFp);
      assert.deepEqual(env.chainId, h.chainId);
      assert.deepEqual(env.body, utf8('ciphertext'));
      assert.deepEqual(env.headerBytes, encodeHeader(h));
      assert.equal(verifyEnvelope(c, env, key.publicKey), true);
      assert.equal(verifyEnvelope(c, env, c.ed25519Keypair().publicKey), false, 'another key');
    });
  }

  it('a flip of any byte (header, body or signature) is refused: it fails to parse or to verify', () => {
    const bytes = make(header());
    for (let i = 0; i < bytes.length; i++) {
      let ok = false;
      try {
        ok = verifyEnvelope(c, parseEnvelope(flip(bytes, i), MAX), key.publicKey);
      } catch (e) {
        assert.ok((e as { code?: string }).code === 'e2e_malformed' || (e as { code?: string }).code === 'e2e_too_large', `byte ${i}: ${String(e)}`);
      }
      assert.equal(ok, false, `byte ${i} flipped still verifies`);
    }
  });

  it('labels differ per kind: a room message signature does not verify as a key distribution', () => {
    const h = header({ kind: 'keys', to: 'bob' });
    const hb = encodeHeader(h);
    // sign the keys-kind bytes under the room label by hand, then check it under its own kind
    const signed = concat(hb, Uint8Array.of(0, 0, 0, 1), Uint8Array.of(7));
    const wrong = c.ed25519Sign(key.privateKey, concat(utf8(ENVELOPE_KINDS.room.label), Uint8Array.of(0), signed));
    const env = parseEnvelope(concat(signed, wrong), MAX);
    assert.equal(verifyEnvelope(c, env, key.publicKey), false);
    const right = c.ed25519Sign(key.privateKey, concat(utf8(ENVELOPE_KINDS.keys.label), Uint8Array.of(0), signed));
    assert.equal(verifyEnvelope(c, parseEnvelope(concat(signed, right), MAX), key.publicKey), true);
    assert.equal(new Set(Object.values(ENVELOPE_KINDS).map((k) => k.label)).size, 3);
  });

  const bytes = make(header());
  const malformed: [string, Uint8Array, string][] = [
    ['empty', new Uint8Array(0), 'e2e_malformed'],
    ['version 2', flip(bytes, 0, 0x03), 'e2e_malformed'],
    ['kind 6', flip(bytes, 1, 0x07), 'e2e_malformed'],
    ['kind dm with a room', flip(bytes, 1, 0x03), 'e2e_malformed'],
    ['truncated signature', bytes.subarray(0, bytes.length - 1), 'e2e_malformed'],
    ['trailing byte', concat(bytes, Uint8Array.of(0)), 'e2e_malformed'],
    ['over maxPayloadBytes', new Uint8Array(MAX + 1), 'e2e_too_large'],
    ['room name not UTF-8', (() => { const b = bytes.slice(); b[3] = 0xff; return b; })(), 'e2e_malformed'],
  ];
  for (const [name, b, code] of malformed) {
    it(`parse refuses: ${name} → ${code}`, () => throwsCode(() => parseEnvelope(b, MAX), code as 'e2e_malformed'));
  }

  it('encode refuses a kind without its room / recipient, and names over 64 bytes', () => {
    throwsCode(() => encodeHeader(header({ kind: 'room', to: 'bob' })), 'e2e_invalid_argument');
    throwsCode(() => encodeHeader(header({ kind: 'dm' })), 'e2e_invalid_argument');
    throwsCode(() => encodeHeader(header({ kind: 'keys' })), 'e2e_invalid_argument');
    throwsCode(() => encodeHeader(header({ sender: 'x'.repeat(65) })), 'e2e_invalid_argument');
  });

  it('signing refuses a payload over maxPayloadBytes', () => {
    const h = header();
    throwsCode(() => signEnvelope(c, h, encodeHeader(h), new Uint8Array(2000), key.privateKey, 1024 + 500), 'e2e_too_large');
  });
});
