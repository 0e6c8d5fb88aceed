import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeMessageType, encodeError, MAX_ERROR_MESSAGE_LENGTH, MAX_RSA_BYTES, MAX_SPKI_LENGTH, MessageType, parseError, PROTOCOL_VERSION, SUBPROTOCOL,
} from '../../src/protocol/index.js';
import {
  appendSignature, encodeClientFinishSigned, encodeClientHello, encodeServerHelloSigned, parseClientFinish, parseClientHello, parseServerHello,
} from '../../src/protocol/messages.js';
import { hex, throwsCode } from './helpers.js';

const fill = (n: number, v: number) => new Uint8Array(n).fill(v);

describe('handshake message codecs', () => {
  it('constants', () => {
    assert.equal(SUBPROTOCOL, 'parley.v2');
    assert.equal(PROTOCOL_VERSION, 2);
  });

  it('ClientHello: exact bytes of a small example', () => {
    const ch = encodeClientHello({ nonce: fill(32, 0xaa), ephemeral: fill(32, 0xbb), rsaKey: Uint8Array.of(0x30, 0x00), name: 'ab' });
    assert.equal(hex(ch), '0102' + 'aa'.repeat(32) + 'bb'.repeat(32) + '0002' + '3000' + '02' + '6162');
    assert.deepEqual(parseClientHello(ch), { nonce: fill(32, 0xaa), ephemeral: fill(32, 0xbb), rsaKey: Uint8Array.of(0x30, 0), name: 'ab' });
  });

  it('ServerHello: exact bytes, and `signed` ends before the signature length', () => {
    const signed = encodeServerHelloSigned({ nonce: fill(32, 1), ephemeral: fill(32, 2), rsaKey: Uint8Array.of(0x30), wrappedSecret: Uint8Array.of(9, 9, 9) });
    const sh = appendSignature(signed, Uint8Array.of(7, 7));
    assert.equal(hex(sh), '0202' + '01'.repeat(32) + '02'.repeat(32) + '0001' + '30' + '0003' + '090909' + '0002' + '0707');
    const p = parseServerHello(sh);
    assert.deepEqual(p.signed, signed);
    assert.deepEqual(p.signature, Uint8Array.of(7, 7));
    assert.deepEqual(p.wrappedSecret, Uint8Array.of(9, 9, 9));
  });

  it('ClientFinish: exact bytes', () => {
    const cf = appendSignature(encodeClientFinishSigned({ wrappedSecret: Uint8Array.of(5) }), Uint8Array.of(6, 6));
    assert.equal(hex(cf), '0302' + '0001' + '05' + '0002' + '0606');
    assert.deepEqual(parseClientFinish(cf).signed, Uint8Array.of(3, 2, 0, 1, 5));
  });

  it('encoders refuse fields of the wrong length', () => {
    throwsCode(() => encodeClientHello({ nonce: fill(31, 0), ephemeral: fill(32, 0), rsaKey: fill(1, 0), name: 'a' }), 'malformed');
    throwsCode(() => encodeClientHello({ nonce: fill(32, 0), ephemeral: fill(33, 0), rsaKey: fill(1, 0), name: 'a' }), 'malformed');
    throwsCode(() => encodeClientHello({ nonce: fill(32, 0), ephemeral: fill(32, 0), rsaKey: fill(2049, 0), name: 'a' }), 'malformed');
    throwsCode(() => encodeClientHello({ nonce: fill(32, 0), ephemeral: fill(32, 0), rsaKey: fill(0, 0), name: 'a' }), 'malformed');
    throwsCode(() => appendSignature(Uint8Array.of(3, 1), fill(1025, 0)), 'malformed');
    throwsCode(() => encodeClientFinishSigned({ wrappedSecret: new Uint8Array(0) }), 'malformed');
  });

  it('decoders: zero-length and over-limit length fields → malformed', () => {
    const ch = (spkiLen: number, nameLen: number) => Buffer.concat([Uint8Array.of(1, PROTOCOL_VERSION), fill(64, 0), Uint8Array.of(spkiLen >> 8, spkiLen & 0xff), fill(spkiLen, 0x30), Uint8Array.of(nameLen), fill(nameLen, 0x61)]);
    assert.equal(parseClientHello(ch(1, 1)).name, 'a');
    throwsCode(() => parseClientHello(ch(0, 1)), 'malformed', 'empty SPKI');
    assert.equal(parseClientHello(ch(MAX_SPKI_LENGTH, 1)).rsaKey.length, MAX_SPKI_LENGTH);
    throwsCode(() => parseClientHello(ch(MAX_SPKI_LENGTH + 1, 1)), 'malformed', `SPKI over ${MAX_SPKI_LENGTH}`);
    throwsCode(() => parseClientHello(ch(1, 0)), 'malformed', 'empty name');
    throwsCode(() => parseClientHello(ch(1, 33)), 'malformed', '33-byte name');
    const cf = (w: number, s: number) => Buffer.concat([Uint8Array.of(3, PROTOCOL_VERSION, w >> 8, w & 0xff), fill(w, 1), Uint8Array.of(s >> 8, s & 0xff), fill(s, 2)]);
    assert.ok(parseClientFinish(cf(MAX_RSA_BYTES, MAX_RSA_BYTES)));
    throwsCode(() => parseClientFinish(cf(MAX_RSA_BYTES + 1, 1)), 'malformed');
    throwsCode(() => parseClientFinish(cf(1, MAX_RSA_BYTES + 1)), 'malformed');
    throwsCode(() => parseClientFinish(cf(1, 0)), 'malformed');
  });
});

describe('Error message (0x7F)', () => {
  it('exact bytes and round trip', () => {
    const e = encodeError('malformed', 'bad ✓');
    assert.equal(hex(e), '7f02' + '09' + Buffer.from('malformed').toString('hex') + '0007' + Buffer.from('bad ✓').toString('hex'));
    assert.deepEqual(parseError(e), { code: 'malformed', message: 'bad ✓' });
    assert.deepEqual(parseError(encodeError('server_full', '')), { code: 'server_full', message: '' });
  });

  it('any version byte is accepted (the layout is frozen across versions)', () => {
    const e = encodeError('unsupported_version', 'v1 only');
    e[1] = 7;
    assert.equal(parseError(e).code, 'unsupported_version');
  });

  it('long messages are cut to 1024 UTF-8 bytes on a character boundary', () => {
    const e = parseError(encodeError('x', 'é'.repeat(600) + 'tail'));
    assert.equal(new TextEncoder().encode(e.message).length, MAX_ERROR_MESSAGE_LENGTH);
    assert.equal(e.message, 'é'.repeat(512));
    const e2 = parseError(encodeError('x', 'a' + '€'.repeat(400)));
    assert.equal(e2.message, 'a' + '€'.repeat(341)); // 1 + 3·341 = 1024
  });

  it('encodeError refuses codes outside [a-z0-9_]{1,64}', () => {
    for (const bad of ['', 'Upper', 'with space', 'x'.repeat(65), 'é', 'a-b']) throwsCode(() => encodeError(bad, 'm'), 'malformed', bad);
  });

  it('parseError is strict', () => {
    const good = encodeError('abc', 'hi');
    throwsCode(() => parseError(good.subarray(0, good.length - 1)), 'malformed', 'truncated');
    throwsCode(() => parseError(Buffer.concat([good, Uint8Array.of(0)])), 'malformed', 'trailing');
    throwsCode(() => parseError(Uint8Array.of(0x7f)), 'malformed', 'one byte');
    throwsCode(() => parseError(Uint8Array.of(0x7f, 1, 0, 0, 0)), 'malformed', 'empty code');
    throwsCode(() => parseError(Uint8Array.of(0x7f, 1, 1, 0x41, 0, 0)), 'malformed', 'upper-case code');
    throwsCode(() => parseError(Uint8Array.of(0x7f, 1, 1, 0x61, 0, 1, 0xff)), 'malformed', 'invalid UTF-8');
    throwsCode(() => parseError(Uint8Array.of(0x01, 1, 1, 0x61, 0, 0)), 'unexpected_message', 'not 0x7F');
    throwsCode(() => parseError(new Uint8Array(5000).fill(0x7f)), 'too_large');
  });
});

describe('decodeMessageType', () => {
  it('returns the known types and refuses the rest', () => {
    for (const t of Object.values(MessageType)) assert.equal(decodeMessageType(Uint8Array.of(t)), t);
    for (const t of [0, 7, 0x0f, 0x11, 0x7e, 0x80, 0xff]) throwsCode(() => decodeMessageType(Uint8Array.of(t)), 'unexpected_message', `type ${t}`);
    throwsCode(() => decodeMessageType(new Uint8Array(0)), 'malformed');
    throwsCode(() => decodeMessageType('text' as never), 'malformed');
  });
});
