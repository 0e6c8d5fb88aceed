/**
 * The test vectors printed in docs/PROTOCOL.md §Test vectors (key schedule and frames). They
 * were cross-checked with Python's hmac/hashlib HKDF and the `cryptography` package's AESGCM.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { deriveSessionKeys, Session } from '../../src/protocol/index.js';
import { nodeCrypto } from '../../src/protocol/crypto-node.js';
import { hex, unhex } from './helpers.js';

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
