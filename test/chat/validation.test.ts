/** Untrusted input: malformed requests of many shapes, and fuzzing handle() and connect() with random JSON. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChatErrorCode, ServerEvent } from '../../src/chat/events.js';
import { FakeSink, fp, opaque, pk, rng, setup } from './helpers.js';

const GENEROUS = { messagesPerSecond: 10_000, burst: 100_000, commandsPerSecond: 10_000, commandBurst: 100_000, keysPerSecond: 10_000, keysBurst: 100_000, floodDisconnectAfter: 1_000_000 };

const good = opaque('ciphertext');
/** The largest payload accepted by default (maxPayloadBytes, 32768 bytes), and one byte more. */
const MAX_PAYLOAD = Buffer.alloc(32_768, 7).toString('base64');
const OVER_PAYLOAD = Buffer.alloc(32_769, 7).toString('base64');

const CASES: [string, unknown, ChatErrorCode][] = [
  ['null', null, 'protocol_error'],
  ['number', 1, 'protocol_error'],
  ['string', 'e2e_room', 'protocol_error'],
  ['boolean', true, 'protocol_error'],
  ['array', [{ t: 'ping' }], 'protocol_error'],
  ['empty object', {}, 'protocol_error'],
  ['t number', { t: 1 }, 'protocol_error'],
  ['t null', { t: null }, 'protocol_error'],
  ['t array', { t: ['ping'] }, 'protocol_error'],
  ['t in __proto__ (JSON)', JSON.parse('{"__proto__":{"t":"ping"}}'), 'protocol_error'],
  ['inherited t', Object.create({ t: 'ping' }), 'protocol_error'],
  ['unknown t', { t: 'nope' }, 'unknown_command'],
  ['t __proto__', { t: '__proto__' }, 'unknown_command'],
  ['t constructor', { t: 'constructor' }, 'unknown_command'],
  ['t toString', { t: 'toString' }, 'unknown_command'],
  ['t hasOwnProperty', { t: 'hasOwnProperty' }, 'unknown_command'],
  ['t upper case', { t: 'E2E_ROOM', room: 'lobby', payload: good }, 'unknown_command'],
  ['t empty', { t: '' }, 'unknown_command'],
  ['t with terminal controls', { t: '\x1b]0;pwned\x07\u009b2J\u202eevil\x7f' }, 'unknown_command'],
  ['t huge', { t: 'x'.repeat(100_000) }, 'unknown_command'],
  ['say (protocol 1)', { t: 'say', room: 'lobby', body: { text: 'hi', sha256: '0'.repeat(64) } }, 'unknown_command'],
  ['dm (protocol 1)', { t: 'dm', to: 'bob', body: { text: 'hi', sha256: '0'.repeat(64) } }, 'unknown_command'],
  ['e2e_room without room', { t: 'e2e_room', payload: good }, 'bad_command'],
  ['e2e_room room number', { t: 'e2e_room', room: 5, payload: good }, 'invalid_room'],
  ['e2e_room room with #', { t: 'e2e_room', room: '#lobby', payload: good }, 'invalid_room'],
  ['e2e_room room too long', { t: 'e2e_room', room: 'r'.repeat(33), payload: good }, 'invalid_room'],
  ['e2e_room room with controls', { t: 'e2e_room', room: '\u009b\u202e', payload: good }, 'invalid_room'],
  ['e2e_room without payload', { t: 'e2e_room', room: 'lobby' }, 'bad_command'],
  ['e2e_room payload number', { t: 'e2e_room', room: 'lobby', payload: 5 }, 'bad_command'],
  ['e2e_room payload object', { t: 'e2e_room', room: 'lobby', payload: { text: 'hi' } }, 'bad_command'],
  ['e2e_room payload array', { t: 'e2e_room', room: 'lobby', payload: [good] }, 'bad_command'],
  ['e2e_room payload empty', { t: 'e2e_room', room: 'lobby', payload: '' }, 'bad_command'],
  ['e2e_room payload plain text', { t: 'e2e_room', room: 'lobby', payload: 'hello world!' }, 'bad_command'],
  ['e2e_room payload without padding', { t: 'e2e_room', room: 'lobby', payload: 'aGk' }, 'bad_command'],
  ['e2e_room payload base64url', { t: 'e2e_room', room: 'lobby', payload: '-_-_' }, 'bad_command'],
  ['e2e_room payload not canonical (bits after the last byte)', { t: 'e2e_room', room: 'lobby', payload: 'aGl=' }, 'bad_command'],
  ['e2e_room payload with a line break', { t: 'e2e_room', room: 'lobby', payload: 'aGk=\nAAAA' }, 'bad_command'],
  ['e2e_room payload with padding inside', { t: 'e2e_room', room: 'lobby', payload: 'aA==aGk=' }, 'bad_command'],
  ['e2e_room payload with controls', { t: 'e2e_room', room: 'lobby', payload: '\x1b[2J' + 'A'.repeat(4) }, 'bad_command'],
  ['e2e_room payload over maxPayloadBytes', { t: 'e2e_room', room: 'lobby', payload: OVER_PAYLOAD }, 'too_long'],
  ['e2e_room payload huge', { t: 'e2e_room', room: 'lobby', payload: 'A'.repeat(10_000_000) }, 'too_long'],
  ['e2e_room payload huge and invalid', { t: 'e2e_room', room: 'lobby', payload: '!'.repeat(1_000_000) }, 'too_long'],
  ['e2e_room to a room one is not in', { t: 'e2e_room', room: 'dev', payload: good }, 'not_in_room'],
  ['e2e_to without to', { t: 'e2e_to', kind: 'dm', payload: good }, 'invalid_name'],
  ['e2e_to to number', { t: 'e2e_to', to: 7, kind: 'dm', payload: good }, 'invalid_name'],
  ['e2e_to to bad name', { t: 'e2e_to', to: 'bob!', kind: 'dm', payload: good }, 'invalid_name'],
  ['e2e_to without kind', { t: 'e2e_to', to: 'bob', payload: good }, 'bad_command'],
  ['e2e_to unknown kind', { t: 'e2e_to', to: 'bob', kind: 'message', payload: good }, 'bad_command'],
  ['e2e_to kind __proto__', { t: 'e2e_to', to: 'bob', kind: '__proto__', payload: good }, 'bad_command'],
  ['e2e_to without payload', { t: 'e2e_to', to: 'bob', kind: 'dm' }, 'bad_command'],
  ['e2e_to bad payload', { t: 'e2e_to', to: 'bob', kind: 'keys', payload: 'not base64' }, 'bad_command'],
  ['e2e_to payload over maxPayloadBytes', { t: 'e2e_to', to: 'bob', kind: 'dm', payload: OVER_PAYLOAD }, 'too_long'],
  ['e2e_to keys over maxKeysPayloadBytes', { t: 'e2e_to', to: 'bob', kind: 'keys', payload: Buffer.alloc(2049).toString('base64') }, 'too_long'],
  ['e2e_to keys of a message\'s size', { t: 'e2e_to', to: 'bob', kind: 'keys', payload: MAX_PAYLOAD }, 'too_long'],
  ['e2e_to offline', { t: 'e2e_to', to: 'nobody', kind: 'dm', payload: good }, 'no_such_user'],
  ['bundle_put without bundle', { t: 'bundle_put' }, 'bad_command'],
  ['bundle_put bundle number', { t: 'bundle_put', bundle: 42 }, 'bad_command'],
  ['bundle_put bundle not base64', { t: 'bundle_put', bundle: '{"v":1}' }, 'bad_command'],
  ['bundle_put bundle empty', { t: 'bundle_put', bundle: '' }, 'bad_command'],
  ['bundle_put bundle over maxBundleBytes', { t: 'bundle_put', bundle: Buffer.alloc(4097).toString('base64') }, 'too_long'],
  ['bundle_get without names', { t: 'bundle_get' }, 'bad_command'],
  ['bundle_get names string', { t: 'bundle_get', names: 'bob' }, 'bad_command'],
  ['bundle_get names empty', { t: 'bundle_get', names: [] }, 'bad_command'],
  ['bundle_get names over maxBundleGet', { t: 'bundle_get', names: Array.from({ length: 257 }, (_, i) => `n${i}`) }, 'bad_command'],
  ['bundle_get a bad name', { t: 'bundle_get', names: ['bob', 'a b'] }, 'invalid_name'],
  ['bundle_get a number', { t: 'bundle_get', names: ['bob', 5] }, 'invalid_name'],
  ['join without room', { t: 'join' }, 'bad_command'],
  ['join room object', { t: 'join', room: {} }, 'invalid_room'],
  ['join bad room', { t: 'join', room: 'a/b' }, 'invalid_room'],
  ['join unicode room', { t: 'join', room: 'lobbý' }, 'invalid_room'],
  ['leave without room', { t: 'leave' }, 'bad_command'],
  ['leave bad room', { t: 'leave', room: '' }, 'invalid_room'],
  ['who without room', { t: 'who' }, 'bad_command'],
  ['who bad room', { t: 'who', room: null }, 'invalid_room'],
  ['whois without name', { t: 'whois' }, 'invalid_name'],
  ['whois bad name', { t: 'whois', name: 'a b' }, 'invalid_name'],
];

describe('malformed requests', () => {
  for (const [label, req, code] of CASES) {
    it(`${label} → ${code}`, () => {
      const { connect } = setup(GENEROUS);
      const alice = connect('alice');
      const bob = connect('bob');
      alice.sink.clear();
      bob.sink.clear();
      assert.doesNotThrow(() => alice.send(req));
      assert.equal(alice.sink.events.length, 1, JSON.stringify(alice.sink.events));
      const e = alice.sink.events[0]!;
      assert.equal(e.type, 'error');
      assert.equal(e.type === 'error' && e.code, code, e.type === 'error' ? e.message : '');
      assert.ok(e.type === 'error' && e.message.length <= 200, 'the error does not echo unbounded input');
      assert.ok(e.type === 'error' && !/[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]/.test(e.message), 'no control characters in error messages');
      assert.deepEqual(bob.sink.events, []);
      assert.equal(alice.member.connected, true);
    });
  }

  it('edge cases that are valid: exactly maxPayloadBytes (maxKeysPayloadBytes for keys), one byte, every padding, the whole alphabet; relayed unchanged', () => {
    const { connect } = setup(GENEROUS);
    const alice = connect('alice');
    const bob = connect('bob');
    bob.sink.clear();
    const small = ['AA==', 'AAA=', 'AAAA', Buffer.from(Array.from({ length: 192 }, (_, i) => i)).toString('base64'), opaque('ünïcödé 😀')];
    assert.ok(small[3]!.includes('+') && small[3]!.includes('/'));
    const payloads = [MAX_PAYLOAD, ...small];
    const keys = [Buffer.alloc(2048, 5).toString('base64'), ...small];
    for (const payload of payloads) alice.send({ t: 'e2e_room', room: 'lobby', payload, extra: { ignored: true } });
    for (const payload of payloads) alice.send({ t: 'e2e_to', to: 'bob', kind: 'dm', payload });
    for (const payload of keys) alice.send({ t: 'e2e_to', to: 'bob', kind: 'keys', payload });
    assert.deepEqual(alice.sink.of('error'), []);
    assert.deepEqual(bob.sink.of('e2e_room').map((m) => m.payload), payloads);
    assert.deepEqual(bob.sink.of('e2e_to').map((m) => m.payload), [...payloads, ...keys]);
    alice.send({ t: 'bundle_put', bundle: Buffer.alloc(4096, 1).toString('base64') });
    assert.deepEqual(alice.sink.of('error'), [], 'a bundle of exactly maxBundleBytes is taken');
  });
});

// ─── fuzzing ────────────────────────────────────────────────────────────────────────────────────

const KEYS = ['t', 'room', 'payload', 'to', 'kind', 'name', 'names', 'bundle', '__proto__', 'constructor', 'x', ''];
const T_VALUES = ['e2e_room', 'e2e_to', 'bundle_put', 'bundle_get', 'join', 'leave', 'rooms', 'who', 'whois', 'ping'];
const STRINGS = ['', 'lobby', 'LOBBY', 'dev', 'bob', 'alice', 'nobody', '#x', 'a b', 'dm', 'keys', '\x1b[0m', '\ud800', '😀', '__proto__', 'x'.repeat(40), good, 'AA=='];

function randomValue(r: () => number, depth = 0): unknown {
  const k = Math.floor(r() * (depth > 3 ? 6 : 9));
  switch (k) {
    case 0:
      return null;
    case 1:
      return r() < 0.5;
    case 2:
      return [0, -1, 1.5, 1e308, -0, 2 ** 53, Number.MAX_SAFE_INTEGER][Math.floor(r() * 7)];
    case 3:
      return STRINGS[Math.floor(r() * STRINGS.length)];
    case 4:
      return Array.from({ length: Math.floor(r() * 40) }, () => String.fromCharCode(Math.floor(r() * 0x10000))).join('');
    case 5:
      return Math.floor(r() * 1e6).toString(36);
    case 6:
      return Array.from({ length: Math.floor(r() * 4) }, () => randomValue(r, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      const n = Math.floor(r() * 5);
      for (let i = 0; i < n; i++) o[KEYS[Math.floor(r() * KEYS.length)]!] = randomValue(r, depth + 1);
      return o;
    }
  }
}

/** A valid request with one field replaced or removed. */
function mutatedRequest(r: () => number): unknown {
  const base: Record<string, unknown>[] = [
    { t: 'e2e_room', room: 'lobby', payload: good },
    { t: 'e2e_to', to: 'bob', kind: 'dm', payload: good },
    { t: 'e2e_to', to: 'carol', kind: 'keys', payload: good },
    { t: 'bundle_put', bundle: good },
    { t: 'bundle_get', names: ['bob', 'carol', 'nobody'] },
    { t: 'join', room: 'dev' },
    { t: 'leave', room: 'dev' },
    { t: 'rooms' },
    { t: 'who', room: 'lobby' },
    { t: 'whois', name: 'bob' },
    { t: 'ping' },
  ];
  const req = structuredClone(base[Math.floor(r() * base.length)]!);
  const target = req;
  const key = r() < 0.7 ? Object.keys(target)[Math.floor(r() * Object.keys(target).length)]! : KEYS[Math.floor(r() * KEYS.length)]!;
  if (r() < 0.2) delete target[key];
  else target[key] = r() < 0.5 ? randomValue(r) : STRINGS[Math.floor(r() * STRINGS.length)];
  if (r() < 0.1) req.t = T_VALUES[Math.floor(r() * T_VALUES.length)];
  return JSON.parse(JSON.stringify(req)); // what a transport would hand over
}

const EVENT_TYPES = new Set<ServerEvent['type']>(['ready', 'e2e_room', 'e2e_to', 'bundles', 'join', 'leave', 'rooms', 'who', 'whois', 'system', 'error', 'pong']);

function checkEvent(e: ServerEvent): void {
  assert.ok(EVENT_TYPES.has(e.type), `event type ${String(e.type)}`);
  const json = JSON.stringify(e);
  assert.deepEqual(JSON.parse(json), e, 'events survive JSON');
  if (e.type === 'e2e_room' || e.type === 'e2e_to') {
    assert.match(e.payload, /^(?:[A-Za-z0-9+/]{4})+(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$|^(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)$/);
    assert.equal(Buffer.from(e.payload, 'base64').toString('base64'), e.payload, 'canonical base64 only');
  }
  if (e.type === 'e2e_to') assert.ok(e.kind === 'dm' || e.kind === 'keys');
}

describe('fuzzing', () => {
  it('5000 random JSON values into handle: only error events to the sender, nothing to others, no throw', () => {
    const r = rng(0x5eed);
    const { connect, hub } = setup(GENEROUS);
    const alice = connect('alice');
    const bob = connect('bob');
    alice.sink.clear();
    bob.sink.clear();
    let n = 0;
    for (let i = 0; i < 5000; i++) {
      const v = randomValue(r);
      // keep these purely random: a value that happens to name a real command is not "malformed"
      if (v && typeof v === 'object' && !Array.isArray(v) && T_VALUES.includes((v as { t?: unknown }).t as string)) continue;
      n++;
      const before = alice.sink.events.length;
      assert.doesNotThrow(() => hub.handle(alice.member, v), JSON.stringify(v));
      assert.equal(alice.sink.events.length, before + 1, `one reply to ${JSON.stringify(v)}`);
    }
    assert.ok(n > 4000);
    assert.ok(alice.sink.events.every((e) => e.type === 'error'));
    for (const e of alice.sink.events) checkEvent(e);
    assert.deepEqual(bob.sink.events, []);
    assert.equal(alice.member.connected, true);
  });

  it('5000 mutated valid requests: no throw, well-formed events, consistent state', () => {
    const r = rng(0xc0ffee);
    const { connect, hub } = setup(GENEROUS);
    const alice = connect('alice');
    const bob = connect('bob');
    const carol = connect('carol', { room: 'dev' });
    for (let i = 0; i < 5000; i++) {
      const req = mutatedRequest(r) as { t?: unknown; kind?: unknown };
      const before = alice.sink.events.length;
      assert.doesNotThrow(() => hub.handle(alice.member, req), JSON.stringify(req));
      // accepted bundle_put and key distributions are answered with nothing; everything else with an event
      const silent = req.t === 'bundle_put' || (req.t === 'e2e_to' && req.kind === 'keys');
      assert.ok(alice.sink.events.length > before || silent, `a reply to ${JSON.stringify(req)}`);
    }
    for (const c of [alice, bob, carol]) for (const e of c.sink.events) checkEvent(e);
    const count = (t: ServerEvent['type']) => alice.sink.events.filter((e) => e.type === t).length;
    for (const t of ['error', 'e2e_room', 'e2e_to', 'bundles', 'join', 'leave', 'who', 'whois', 'pong', 'rooms'] as const) {
      assert.ok(count(t) > 50, `the mutations reach ${t} (${count(t)})`);
    }
    // others only ever see room traffic and messages addressed to them, never alice's errors or replies
    for (const c of [bob, carol]) {
      assert.ok(c.sink.events.every((e) => ['ready', 'join', 'leave', 'e2e_room', 'e2e_to'].includes(e.type)));
    }
    assert.equal(hub.stats().connections, 3);
    for (const c of [alice, bob, carol]) assert.equal(c.member.connected, true);
    // the room table agrees with the members' own view
    bob.sink.clear();
    bob.send({ t: 'rooms' });
    const listed = bob.sink.of('rooms')[0]!.rooms;
    const expected = new Map<string, number>();
    for (const c of [alice, bob, carol]) for (const room of c.member.rooms) expected.set(room, (expected.get(room) ?? 0) + 1);
    assert.deepEqual(new Map(listed.map((x) => [x.room, x.members])), expected);
  });

  it('2000 random identities into connect: never throws, only valid ones get in', () => {
    const r = rng(42);
    const { hub } = setup();
    for (let i = 0; i < 2000; i++) {
      const id =
        r() < 0.5
          ? randomValue(r)
          : {
              name: randomValue(r),
              fingerprint: r() < 0.5 ? fp(String(i)) : randomValue(r),
              publicKey: r() < 0.7 ? pk(String(i)) : randomValue(r),
              room: r() < 0.5 ? undefined : randomValue(r),
            };
      let res;
      assert.doesNotThrow(() => (res = hub.connect(id as never, new FakeSink())));
      const ok = (res as unknown as { ok: boolean }).ok;
      if (ok) {
        const { name, fingerprint, publicKey } = id as { name: string; fingerprint: string; publicKey: string };
        assert.match(name, /^[A-Za-z0-9_.-]{1,32}$/);
        assert.match(fingerprint, /^[\x21-\x7e]{1,256}$/);
        assert.equal(Buffer.from(publicKey, 'base64').toString('base64'), publicKey);
      }
    }
  });
});
