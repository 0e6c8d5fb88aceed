/**
 * The order of the handshake's checks (docs/PROTOCOL.md §Processing): each case breaks two
 * things at once, and the error is the one of the earlier check — size before type before
 * version before the fields; the parse-time bounds (MAX_RSA_BYTES) before the key import; the
 * key import before Lw = kc / Ls = ks; those before the signature; the signature before X25519.
 */
import { describe, it } from 'node:test';
import { ClientHandshake, ServerHandshake } from '../../src/protocol/index.js';
import { nodeCrypto } from '../../src/protocol/crypto-node.js';
import { parseServerHello } from '../../src/protocol/messages.js';
import { exportPublicKeyDer } from '../../src/rsa/index.js';
import { rsaKey, throwsCode } from './helpers.js';

const clientKey = rsaKey('order-client');
const serverKey = rsaKey('order-server');
const e3Key = rsaKey('e3', 2048, 3);

/** A fresh client that has sent its ClientHello, and a genuine ServerHello for it. */
function fresh() {
  const client = new ClientHandshake({ identity: clientKey, name: 'orderly', crypto: nodeCrypto });
  const hello = client.hello();
  const server = new ServerHandshake({ identity: serverKey, crypto: nodeCrypto });
  const serverHello = server.onClientHello(hello);
  return { client, hello, server, serverHello, sh: parseServerHello(serverHello) };
}

const u16 = (n: number) => [n >> 8, n & 0xff];

/** A ServerHello with these fields, byte by byte (no encoder bound applies), the signature field as given. */
function serverHelloWith(f: { rsaKey: Uint8Array; wrappedSecret: Uint8Array; ephemeral: Uint8Array; nonce: Uint8Array }, signature: Uint8Array): Uint8Array {
  return Uint8Array.from([0x02, 0x02, ...f.nonce, ...f.ephemeral, ...u16(f.rsaKey.length), ...f.rsaKey, ...u16(f.wrappedSecret.length), ...f.wrappedSecret, ...u16(signature.length), ...signature]);
}

describe('the client on ServerHello: the first failing check decides', () => {
  const cases: [string, (g: ReturnType<typeof fresh>) => Uint8Array, string][] = [
    ['2049 bytes of another type: size first', () => new Uint8Array(2049).fill(0x05), 'too_large'],
    ['another type and another version: type before version', (g) => Uint8Array.from([0x03, 0x09, ...g.serverHello.subarray(2)]), 'unexpected_message'],
    ['another version and trailing bytes: version before the fields', (g) => Uint8Array.from([0x02, 0x09, ...g.serverHello.subarray(2), 0]), 'unsupported_version'],
    ['Lw = 513 (over MAX_RSA_BYTES) and an unacceptable key: the parse-time bound before the key import', (g) =>
      serverHelloWith({ ...g.sh, rsaKey: exportPublicKeyDer(e3Key.publicKey), wrappedSecret: new Uint8Array(513) }, g.sh.signature), 'malformed'],
    ['an unacceptable key (e = 3) and Lw ≠ kc: the key import before Lw = kc', (g) =>
      serverHelloWith({ ...g.sh, rsaKey: exportPublicKeyDer(e3Key.publicKey), wrappedSecret: new Uint8Array(100) }, g.sh.signature), 'handshake_failed'],
    ['Ls ≠ ks and a bad signature: the sizes before the signature', (g) => serverHelloWith(g.sh, g.sh.signature.subarray(1)), 'malformed'],
    ['a bad signature and a low-order X25519 share: the signature before X25519', (g) => serverHelloWith({ ...g.sh, ephemeral: new Uint8Array(32) }, g.sh.signature), 'bad_signature'],
  ];
  for (const [what, make, code] of cases) {
    it(`${what} → ${code}`, () => {
      const g = fresh();
      throwsCode(() => g.client.onServerHello(make(g)), code as never, what);
    });
  }
});

describe('the server: the first failing check decides', () => {
  it('ClientHello: a bad name and an unacceptable key → malformed (the fields before the key import)', () => {
    const eph = nodeCrypto.x25519Keypair().publicKey;
    const hello = (spki: Uint8Array, name: string) => Uint8Array.from([0x01, 0x02, ...new Uint8Array(32), ...eph, ...u16(spki.length), ...spki, name.length, ...Buffer.from(name)]);
    const server = () => new ServerHandshake({ identity: serverKey, crypto: nodeCrypto });
    const e3 = exportPublicKeyDer(e3Key.publicKey);
    throwsCode(() => server().onClientHello(hello(e3, 'fine')), 'handshake_failed', 'the control: the key alone');
    throwsCode(() => server().onClientHello(hello(e3, 'not fine')), 'malformed', 'both: the name first');
  });

  it('ClientFinish: Ls ≠ kc and a bad signature → malformed (the sizes before the signature)', () => {
    const g = fresh();
    const r = g.client.onServerHello(g.serverHello);
    const finish = r.finish.slice(0, r.finish.length - 1);
    finish[4 + 256] = 0x00;
    finish[4 + 256 + 1] = 0xff; // Ls = 255 and 255 bytes follow
    throwsCode(() => g.server.onClientFinish(finish), 'malformed');
  });
});
