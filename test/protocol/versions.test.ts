/**
 * Protocol versions (docs/PROTOCOL.md §Versions): the subprotocol a server selects, the
 * version-1 handshake a version-2 server still completes (only to tell its client to upgrade),
 * the refusal of every other mix, and the version byte under both signatures (no downgrade).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  ClientHandshake, PROTOCOL_VERSION, selectSubprotocol, ServerHandshake, SUBPROTOCOL, SUBPROTOCOL_VERSIONS, unsupportedVersionMessage,
} from '../../src/protocol/index.js';
import { nodeCrypto } from '../../src/protocol/crypto-node.js';
import { recordingIdentity, rsaKey, seededCrypto, throwsCode } from './helpers.js';

const clientKey = rsaKey('client');
const serverKey = rsaKey('server');

const client = (version?: number, seed?: string) =>
  new ClientHandshake({ identity: clientKey, name: 'alice', crypto: seed ? seededCrypto(seed) : nodeCrypto, ...(version !== undefined && { version }) });
const server = (version?: number) => new ServerHandshake({ identity: serverKey, crypto: nodeCrypto, ...(version !== undefined && { version }) });

describe('protocol versions', () => {
  it('version 2 is parley.v2; version 1 is still known, as parley.v1', () => {
    assert.equal(PROTOCOL_VERSION, 2);
    assert.equal(SUBPROTOCOL, 'parley.v2');
    assert.deepEqual([...SUBPROTOCOL_VERSIONS], [['parley.v2', 2], ['parley.v1', 1]]);
  });

  const OFFERS: [string[], string | false][] = [
    [['parley.v2'], 'parley.v2'],
    [['parley.v1'], 'parley.v1'],
    [['parley.v1', 'parley.v2'], 'parley.v2'],
    [['parley.v2', 'parley.v1'], 'parley.v2'],
    [['parley.v3'], false],
    [['chat', 'parley.v1'], 'parley.v1'],
    [[], false],
  ];
  for (const [offered, chosen] of OFFERS) {
    it(`a client offering ${JSON.stringify(offered)} gets ${JSON.stringify(chosen)}`, () => assert.equal(selectSubprotocol(new Set(offered)), chosen));
  }

  it('a version-1 handshake completes on a version-1 ServerHandshake, every message carrying version 1', () => {
    const c = client(1);
    const s = server(1);
    const hello = c.hello();
    assert.equal(hello[1], 1);
    const sh = s.onClientHello(hello);
    assert.equal(sh[1], 1);
    const r = c.onServerHello(sh);
    assert.equal(r.finish[1], 1);
    const done = s.onClientFinish(r.finish);
    assert.equal(done.version, 1);
    assert.equal(s.version, 1);
    // the session works: the refusal it carries is authenticated
    const ev = { type: 'error', code: 'unsupported_version', message: unsupportedVersionMessage(1) };
    assert.deepEqual(r.session.open(done.session.seal(ev)), ev);
  });

  it('a version-2 handshake reports version 2 and the client\'s SPKI as it sent it', () => {
    const c = client();
    const s = server();
    const hello = c.hello();
    const r = c.onServerHello(s.onClientHello(hello));
    const done = s.onClientFinish(r.finish);
    assert.equal(done.version, 2);
    const lk = (hello[66]! << 8) | hello[67]!;
    assert.deepEqual(done.clientSpki, hello.subarray(68, 68 + lk));
  });

  it('a version-1 ClientHello on a version-2 handshake is refused with unsupported_version before any RSA work', () => {
    const { identity, used } = recordingIdentity(serverKey);
    const s = new ServerHandshake({ identity, crypto: nodeCrypto });
    used.clear();
    throwsCode(() => s.onClientHello(client(1).hello()), 'unsupported_version');
    assert.deepEqual([...used], [], 'no private-key component read: no signature made');
  });

  it('a version-2 ClientHello on a version-1 handshake (a parley.v1 connection) is refused too', () => {
    throwsCode(() => server(1).onClientHello(client().hello()), 'unsupported_version');
  });

  it('a version-2 client refuses a version-1 ServerHello: no downgrade by the server', () => {
    const sh = server(1).onClientHello(client(1, 'same').hello());
    const v2 = client(undefined, 'same');
    v2.hello();
    throwsCode(() => v2.onServerHello(sh), 'unsupported_version');
  });

  it('the version byte is signed: a version-1 ServerHello relabelled as version 2 does not verify', () => {
    // the two clients make the same ClientHello but for its version byte (same seed)
    const v1 = client(1, 'seed');
    const v2 = client(undefined, 'seed');
    const h1 = v1.hello();
    const h2 = v2.hello();
    assert.deepEqual(h1.subarray(2), h2.subarray(2));
    const sh = server(1).onClientHello(h1).slice();
    sh[1] = 2;
    throwsCode(() => v2.onServerHello(sh), 'bad_signature');
  });

  it('only known versions can be spoken', () => {
    for (const v of [0, 3, 255, 1.5]) {
      throwsCode(() => server(v), 'unsupported_version', `server ${v}`);
      throwsCode(() => client(v), 'unsupported_version', `client ${v}`);
    }
  });

  it('the refusal says what to do: an older client upgrades Parley; a newer one is told which version the server speaks', () => {
    assert.match(unsupportedVersionMessage(1), /^this server speaks Parley protocol 2 .*your client speaks protocol 1: please upgrade Parley/);
    assert.match(unsupportedVersionMessage(0), /please upgrade Parley/);
    assert.match(unsupportedVersionMessage(3), /protocol 2 and your client speaks protocol 3: .*ask the server's operator to upgrade/);
    assert.match(unsupportedVersionMessage(undefined), /another protocol version/);
    for (const v of [0, 1, 3, 255, undefined]) assert.ok(unsupportedVersionMessage(v).length < 250);
  });
});
