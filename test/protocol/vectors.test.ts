/**
 * The test vectors printed in docs/PROTOCOL.md §Test vectors (key schedule and frames). They
 * were cross-checked with Python's hmac/hashlib HKDF and the `cryptography` package's AESGCM.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import nodeCryptoModule from 'node:crypto';
import { deriveFinishedKeys, deriveResumedKeys, deriveResumptionSecret, deriveSessionKeys, deriveTicketKey, finishedMac, Session } from '../../src/protocol/index.js';
import { nodeCrypto } from '../../src/protocol/crypto-node.js';
import { hex, rsaKey, unhex } from './helpers.js';
import { independentTicketKey } from './resume-helpers.js';

const seq = (start: number) => Uint8Array.from({ length: 32 }, (_, i) => start + i);

describe('docs/PROTOCOL.md test vectors', () => {
  const th = seq(0x60);
  const keys = deriveSessionKeys(nodeCrypto, { sharedSecret: seq(0x00), clientSecret: seq(0x20), serverSecret: seq(0x40), transcriptHash: th });

  it('key schedule', () => {
    assert.equal(hex(keys.clientToServer.key), '703c82dfdc08b6c278085f85bc5292e04486bb59c068bcd7d02f6d210c9b374c');
    assert.equal(hex(keys.serverToClient.key), 'bbe22d8c354cbeca0e7168e8d70d4da7aec5095ca37a52aae7dbba379de6fbbf');
    assert.equal(hex(keys.clientToServer.iv), 'fe6de3355252a26c918df0a2');
    assert.equal(hex(keys.serverToClient.iv), 'cc0649a17157522453bb3a5d');
  });

  it('frames', () => {
    const client = new Session({ role: 'client', keys, transcriptHash: th, crypto: nodeCrypto });
    const server = new Session({ role: 'server', keys, transcriptHash: th, crypto: nodeCrypto });
    const c0 = '1000000000000000000dd3757860c278afd01e1156fe852ea953dbfbafb8e4ecde20a8818a';
    const c1 = '1000000000000000010fa74b1ead56f0aface51d07c768e4ace7237d5ced37370e1305b08fa31d7a523c28ee469fe19a4c60d32c';
    const s0 = '10000000000000000073f97cec2a5b178f711688049d44e8d298b6f01aeab230c899a1ac5aa04aaf';
    assert.equal(hex(client.seal({ t: 'ping' })), c0);
    assert.equal(hex(client.seal({ t: 'join', room: 'lobby' })), c1);
    assert.equal(hex(server.seal({ type: 'pong' })), s0);
    assert.deepEqual(server.open(unhex(c0)), { t: 'ping' });
    assert.deepEqual(server.open(unhex(c1)), { t: 'join', room: 'lobby' });
    assert.deepEqual(client.open(unhex(s0)), { type: 'pong' });
  });
});

/**
 * Session resumption's key schedule (docs/PROTOCOL.md §Test vectors, "Resumption"): the expected
 * values were computed with Python's hmac/hashlib (RFC 5869 by hand), and each is recomputed
 * here with node:crypto's hkdfSync/createHmac, independently of src/protocol.
 */
describe('docs/PROTOCOL.md resumption test vectors', () => {
  const hkdf = (ikm: Uint8Array, salt: Uint8Array, info: string, n: number) => hex(new Uint8Array(nodeCryptoModule.hkdfSync('sha256', ikm, salt, Buffer.from(info), n)));
  const hmac = (key: Uint8Array, data: Uint8Array) => nodeCryptoModule.createHmac('sha256', key).update(data).digest('hex');
  const cat = (...p: Uint8Array[]) => new Uint8Array(Buffer.concat(p));

  it('the resumption secret of a full handshake', () => {
    const input = { sharedSecret: seq(0x00), clientSecret: seq(0x20), serverSecret: seq(0x40), transcriptHash: seq(0x60) };
    const got = hex(deriveResumptionSecret(nodeCrypto, input));
    assert.equal(got, '9062892ac7f73a0c8bea2c841fc64a267f60bfbdcadb4cea0543ef5c3f37b80f');
    assert.equal(got, hkdf(cat(seq(0), seq(0x20), seq(0x40)), seq(0x60), 'parley/1 resumption secret', 32));
  });

  it('Finished keys and MACs, resumed session keys and the next resumption secret', () => {
    const input = { resumptionSecret: seq(0x80), sharedSecret: seq(0xa0) };
    const ikm = cat(seq(0x80), seq(0xa0));
    const fk = deriveFinishedKeys(nodeCrypto, input, seq(0xc0));
    assert.equal(hex(fk.server), 'ff5a5624b9198735ed22d42c186a4ec38e26af73862caee2900362bd628491a3');
    assert.equal(hex(fk.client), '1d19c14c62226a22f89226edec02704c547392337bfa56c15a7a6176004a5542');
    assert.equal(hex(fk.server) + hex(fk.client), hkdf(ikm, seq(0xc0), 'parley/1 resume finished keys', 64));
    const sf = hex(finishedMac(nodeCrypto, fk.server, seq(0xc0)));
    const cf = hex(finishedMac(nodeCrypto, fk.client, seq(0xe0)));
    assert.equal(sf, '36e51008c2a62244fe895088f4ffe696a602ff2982f40c22192293b744bf7b2f');
    assert.equal(cf, '2f2e210bb00192b90c61f778c4081ec3f219906c641bc2bcf1805c259b803859');
    assert.equal(sf, hmac(fk.server, seq(0xc0)));
    assert.equal(cf, hmac(fk.client, seq(0xe0)));
    const r = deriveResumedKeys(nodeCrypto, input, seq(0x10));
    assert.equal(hex(r.keys.clientToServer.key), '4dee910fac23828ad317223948d992d37a21ac8b114f453d87ee3008781d3fc3');
    assert.equal(hex(r.keys.serverToClient.key), 'c020196f0fd3136c23c647de95bb95bcfc3241b46b10167308f5113ff37fa416');
    assert.equal(hex(r.keys.clientToServer.iv), '7e90e5124d88e81d30a7f915');
    assert.equal(hex(r.keys.serverToClient.iv), '663cb9b03a51e236c8378491');
    assert.equal(hex(r.nextResumptionSecret), '793caa369a8e8708874b6a98b248ce7f272a6b66964e8ffe698d9a859685a45d');
    const okm = hkdf(ikm, seq(0x10), 'parley/1 resumed session keys', 88);
    assert.equal(hex(r.keys.clientToServer.key) + hex(r.keys.serverToClient.key) + hex(r.keys.clientToServer.iv) + hex(r.keys.serverToClient.iv), okm);
    assert.equal(hex(r.nextResumptionSecret), hkdf(ikm, seq(0x10), 'parley/1 resumption secret', 32));
  });

  it('the ticket key: HKDF of the sorted primes, salted with the SPKI hash, per epoch (recomputed from a node:crypto KeyObject)', () => {
    const key = rsaKey('server');
    for (const epoch of [0, 494_444, 2 ** 32 - 1]) assert.equal(hex(deriveTicketKey(nodeCrypto, key, epoch)), independentTicketKey(key, epoch).toString('hex'));
    assert.notEqual(hex(deriveTicketKey(nodeCrypto, key, 1)), hex(deriveTicketKey(nodeCrypto, key, 2)));
    assert.notEqual(hex(deriveTicketKey(nodeCrypto, key, 1)), hex(deriveTicketKey(nodeCrypto, rsaKey('mallory'), 1)));
  });
});
