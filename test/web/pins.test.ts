/** The browser's server pinning (PinBook) and identity store, on an in-memory store. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { memoryStore } from '../../src/web/kv.js';
import { PinBook, pinKey, pinMismatchText } from '../../src/web/pins.js';
import { forgetIdentity, IDENTITY_KEY, loadIdentity, nameProblem, passphraseProblem, saveIdentity, unlockIdentity } from '../../src/web/key-store.js';
import { fingerprint, isRsaError } from '../../src/rsa/index.js';
import { quickKey } from '../integration/harness.js';

const A = 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
const B = 'SHA256:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB';

describe('PinBook', () => {
  it('pins on first contact, accepts the pin, refuses another key loudly with both fingerprints', async () => {
    const store = memoryStore();
    const pins = await PinBook.load(store, 'ws://h:1/');
    assert.deepEqual(pins.verify(A), { ok: true });
    assert.equal(pins.pinnedNow, true);
    await new Promise((r) => setImmediate(r));
    assert.equal(await store.get(pinKey('ws://h:1/')), A);
    const again = await PinBook.load(store, 'ws://h:1/');
    assert.equal(again.fingerprint, A);
    assert.deepEqual(again.verify(A), { ok: true });
    assert.equal(again.pinnedNow, false);
    const r = again.verify(B);
    assert.equal(r.ok, false);
    assert.ok(!r.ok && r.message.includes(A) && r.message.includes(B) && /HAS CHANGED/.test(r.message));
    assert.deepEqual(again.mismatch, { server: 'ws://h:1/', pinned: A, presented: B });
    // still pinned to A: a reload refuses B again
    assert.equal((await PinBook.load(store, 'ws://h:1/')).verify(B).ok, false);
  });

  it('pins are per server', async () => {
    const store = memoryStore();
    (await PinBook.load(store, 'ws://h:1/')).verify(A);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual((await PinBook.load(store, 'ws://h:2/')).verify(B), { ok: true });
  });

  it('trustPresented replaces the pin only after a refusal', async () => {
    const store = memoryStore();
    await store.put(pinKey('s'), A);
    const pins = await PinBook.load(store, 's');
    await assert.rejects(pins.trustPresented(), /no changed key/);
    pins.verify(B);
    await pins.trustPresented();
    assert.equal(await store.get(pinKey('s')), B);
    assert.deepEqual(pins.verify(B), { ok: true });
  });

  it('a stored value that is not a fingerprint is ignored', async () => {
    const store = memoryStore();
    await store.put(pinKey('s'), { evil: true });
    assert.equal((await PinBook.load(store, 's')).fingerprint, undefined);
    assert.match(pinMismatchText({ server: 's', pinned: A, presented: B }), /nothing was sent/);
  });
});

describe('key store', () => {
  it('name and passphrase rules', () => {
    assert.equal(nameProblem('alice'), undefined);
    assert.ok(nameProblem(''));
    assert.ok(nameProblem('a b'));
    assert.ok(nameProblem('x'.repeat(33)));
    assert.equal(passphraseProblem('', ''), undefined);
    assert.ok(passphraseProblem('short', 'short'));
    assert.ok(passphraseProblem('long enough', 'long enougH'));
    assert.equal(passphraseProblem('long enough', 'long enough'), undefined);
  });

  it('without a passphrase: stored as PKCS #8 PEM, unlocked as the same key', async () => {
    const store = memoryStore();
    const key = quickKey();
    const saved = await saveIdentity(store, key, 'alice');
    assert.equal(saved.encrypted, false);
    assert.match(saved.pem, /^-----BEGIN PRIVATE KEY-----/);
    assert.equal(saved.fingerprint, fingerprint(key));
    assert.equal(saved.bits, 2048);
    const loaded = await loadIdentity(store);
    assert.deepEqual(loaded, saved);
    assert.equal(fingerprint(await unlockIdentity(loaded!)), fingerprint(key));
    await forgetIdentity(store);
    assert.equal(await loadIdentity(store), undefined);
  });

  it('with a passphrase: encrypted PKCS #8; a wrong or missing passphrase → RSA_BAD_PASSPHRASE', async () => {
    const store = memoryStore();
    const key = quickKey();
    const saved = await saveIdentity(store, key, 'bob', 'correct horse');
    assert.equal(saved.encrypted, true);
    assert.match(saved.pem, /^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
    assert.doesNotMatch(saved.pem, /BEGIN PRIVATE KEY/);
    await assert.rejects(unlockIdentity(saved, 'wrong horse'), (e) => isRsaError(e, 'RSA_BAD_PASSPHRASE'));
    await assert.rejects(unlockIdentity(saved), (e) => isRsaError(e, 'RSA_BAD_PASSPHRASE'));
    assert.equal(fingerprint(await unlockIdentity(saved, 'correct horse')), fingerprint(key));
  });

  it('refuses an invalid name; ignores a record it did not write; detects a swapped key', async () => {
    const store = memoryStore();
    await assert.rejects(saveIdentity(store, quickKey(), 'not a name'), (e) => isRsaError(e, 'RSA_INVALID_ARGUMENT'));
    await store.put(IDENTITY_KEY, { version: 2, name: 'x' });
    assert.equal(await loadIdentity(store), undefined);
    const saved = await saveIdentity(store, quickKey(), 'carol');
    const other = await saveIdentity(memoryStore(), quickKey(), 'carol');
    await assert.rejects(unlockIdentity({ ...saved, pem: other.pem }), (e) => isRsaError(e, 'RSA_INVALID_KEY'));
  });
});
