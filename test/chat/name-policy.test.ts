/**
 * The hub's name policy (issue 10, item 4): look-alike names, names per key, new names per
 * source, the registry's cap — each refusal with its code and a message that says what to do.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChatHub, MemoryNameRegistry, type ChatOptions, type ConnectResult } from '../../src/chat/index.js';
import { FakeClock, FakeSink, fp, pk } from './helpers.js';

/** A hub whose `try_` connects without asserting: `key` defaults to the name, `source` to 'src-1'. */
function hubWith(opts: Partial<ChatOptions> = {}) {
  const clock = new FakeClock();
  const names = new MemoryNameRegistry();
  const hub = new ChatHub(opts, names, clock.fn);
  const try_ = (name: string, o: { key?: string; source?: string } = {}): ConnectResult =>
    hub.connect({ name, fingerprint: fp(o.key ?? name), publicKey: pk(o.key ?? name), source: o.source ?? 'src-1' }, new FakeSink());
  return { hub, clock, names, try_ };
}

const refusal = (r: ConnectResult) => (r.ok ? undefined : { code: r.code, message: r.message });

describe('look-alike names', () => {
  const TAKEN: [owner: string, attempt: string][] = [
    ['alice', 'aIice'], // capital i for l: the case the review reproduced
    ['alice', 'a1ice'],
    ['alice', 'ALICE'],
    ['bob', 'B0B'],
    ['mallory', 'rnallory'],
    ['william', 'vvilliam'],
    ['dave', 'clave'],
    ['ann_lee', 'ann__lee'],
    ['ann-lee', 'ann--lee'],
    ['IIya', 'llya'],
  ];
  for (const [owner, attempt] of TAKEN) {
    it(`${attempt} beside ${owner} (another key) is name_taken, naming ${owner}`, () => {
      const { try_ } = hubWith();
      assert.ok(try_(owner, { key: 'owner' }).ok);
      const r = refusal(try_(attempt, { key: 'mallory' }));
      assert.equal(r?.code, 'name_taken', attempt);
      assert.match(r!.message, new RegExp(`\\b${owner}\\b`), 'the message names the existing name');
    });
  }

  it('different names are not look-alikes (i, j, 5/S, 2/Z, 8/B, _ against -, .)', () => {
    const { try_ } = hubWith();
    const names = ['alice', 'aiice', 'ajice', 'S5', '55', 'Z2', 'ZZ', 'B8', 'BB', 'a_b', 'a-b', 'a.b'];
    for (const [i, n] of names.entries()) assert.ok(try_(n, { key: `k${i}`, source: `s${i}` }).ok, n);
  });

  it('the owner of a name still reconnects with its own spelling after a look-alike was refused', () => {
    const { hub, try_ } = hubWith();
    const a = try_('alice', { key: 'a' });
    assert.ok(a.ok);
    assert.equal(refusal(try_('aIice', { key: 'm' }))?.code, 'name_taken');
    hub.disconnect(a.member);
    assert.ok(try_('ALICE', { key: 'a' }).ok);
  });
});

describe('names per key (maxNamesPerKey)', () => {
  it('one key holds one name by default: a second name is name_limit, naming the held name and the way out', () => {
    const { try_ } = hubWith();
    assert.ok(try_('alice', { key: 'k' }).ok);
    const r = refusal(try_('alice2', { key: 'k' }));
    assert.equal(r?.code, 'name_limit');
    assert.match(r!.message, /alice\b/, 'names the name the key holds');
    assert.match(r!.message, /connect as alice/i, 'says how to use it');
    assert.match(r!.message, /parley names release/, 'says the operator can release names');
  });

  it('reconnecting with the name the key owns always works', () => {
    const { hub, try_ } = hubWith();
    for (let i = 0; i < 5; i++) {
      const r = try_('alice', { key: 'k' });
      assert.ok(r.ok, `reconnect ${i}`);
      hub.disconnect(r.member);
    }
  });

  it('the option raises it', () => {
    const { try_ } = hubWith({ maxNamesPerKey: 3 });
    for (const n of ['a1', 'a2', 'a3']) assert.ok(try_(n, { key: 'k' }).ok, n);
    const r = refusal(try_('a4', { key: 'k' }));
    assert.equal(r?.code, 'name_limit');
    assert.match(r!.message, /a1, a2, a3/);
  });

  it('a key of 1,000 names in a loop (the review) ends up with one', () => {
    const { try_, names } = hubWith();
    let ok = 0;
    for (let i = 0; i < 1000; i++) if (try_(`squat${i}`, { key: 'squatter', source: `s${i}` }).ok) ok++;
    assert.equal(ok, 1);
    assert.equal(names.size(), 1);
  });
});

describe('new names per source (newNamesPerSourceBurst, newNamesPerSourcePerHour)', () => {
  it('a source claiming many names in a loop (a fresh key each) is stopped after its burst, with retryAfterMs', () => {
    const { try_, names } = hubWith({ newNamesPerSourceBurst: 5, newNamesPerSourcePerHour: 60 });
    const results = Array.from({ length: 50 }, (_, i) => try_(`user${i}`, { key: `key${i}`, source: 'flooder' }));
    assert.equal(results.filter((r) => r.ok).length, 5);
    assert.equal(names.size(), 5);
    const r = results[5]!;
    assert.ok(!r.ok);
    assert.equal(r.code, 'name_limit');
    assert.match(r.message, /new names/);
    assert.equal(r.retryAfterMs, 60_000, 'one name a minute at 60 per hour');
  });

  it('the budget refills with time; other sources are not affected; known names still connect', () => {
    const { try_, clock } = hubWith({ newNamesPerSourceBurst: 2, newNamesPerSourcePerHour: 6 });
    assert.ok(try_('u1', { source: 'A' }).ok);
    assert.ok(try_('u2', { source: 'A' }).ok);
    assert.equal(refusal(try_('u3', { source: 'A' }))?.code, 'name_limit');
    assert.ok(try_('v1', { source: 'B' }).ok, 'another source has its own budget');
    assert.ok(try_('u1', { source: 'A' }).ok, 'a reconnect costs nothing');
    clock.advance(10 * 60_000); // 6 per hour: one every 10 minutes
    assert.ok(try_('u3', { source: 'A' }).ok);
    assert.equal(refusal(try_('u4', { source: 'A' }))?.code, 'name_limit');
  });

  it('a refused claim (taken, look-alike, per-key limit) costs no budget', () => {
    const { try_ } = hubWith({ newNamesPerSourceBurst: 1 });
    assert.ok(try_('alice', { key: 'a', source: 'other' }).ok);
    for (let i = 0; i < 5; i++) assert.equal(refusal(try_('aIice', { key: 'm', source: 'S' }))?.code, 'name_taken');
    assert.ok(try_('mallory', { key: 'm', source: 'S' }).ok);
  });

  it('a source that is not a string of 1–256 characters is the transport\'s bug: internal_error, no throw, nothing registered', () => {
    const { hub, names } = hubWith();
    for (const source of ['', 'x'.repeat(257), 5, null, {}]) {
      const r = hub.connect({ name: 'alice', fingerprint: fp('a'), publicKey: pk('a'), source } as never, new FakeSink());
      assert.equal(!r.ok && r.code, 'internal_error', JSON.stringify(source));
    }
    assert.equal(names.size(), 0);
    assert.ok(hub.connect({ name: 'alice', fingerprint: fp('a'), publicKey: pk('a'), source: 'x'.repeat(256) }, new FakeSink()).ok);
  });

  it('without a source, connections share one budget', () => {
    const clock = new FakeClock();
    const hub = new ChatHub({ newNamesPerSourceBurst: 3 }, new MemoryNameRegistry(), clock.fn);
    const oks = Array.from({ length: 6 }, (_, i) => hub.connect({ name: `n${i}`, fingerprint: fp(`k${i}`), publicKey: pk(`k${i}`) }, new FakeSink()).ok);
    assert.deepEqual(oks, [true, true, true, false, false, false]);
  });
});

describe('registry cap (maxRegisteredNames)', () => {
  it('a full registry refuses new names with name_limit; known names still connect', () => {
    const { try_, names } = hubWith({ maxRegisteredNames: 3 });
    for (let i = 0; i < 3; i++) assert.ok(try_(`n${i}`, { source: `s${i}` }).ok);
    const r = refusal(try_('n3', { source: 'fresh' }));
    assert.equal(r?.code, 'name_limit');
    assert.match(r!.message, /full/);
    assert.equal(names.size(), 3);
    assert.ok(try_('n1', { source: 'fresh' }).ok);
  });
});
