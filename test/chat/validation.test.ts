/** Untrusted input: malformed requests of many shapes, and fuzzing handle() and connect() with random JSON. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import type { ChatErrorCode, ServerEvent } from '../../src/chat/events.js';
import { body, FakeSink, fp, rng, setup, sha256Hex } from './helpers.js';

const GENEROUS = { messagesPerSecond: 10_000, burst: 100_000, commandsPerSecond: 10_000, commandBurst: 100_000, floodDisconnectAfter: 1_000_000 };

const good = body('hello');
/** SHA-256 over UTF-16LE code units: a plausible client bug that the hub must not accept. */
const sha256Utf16 = (text: string) => createHash('sha256').update(Buffer.from(text, 'utf16le')).digest('hex');

const CASES: [string, unknown, ChatErrorCode][] = [
  ['null', null, 'protocol_error'],
  ['number', 1, 'protocol_error'],
  ['string', 'say', 'protocol_error'],
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
  ['t upper case', { t: 'SAY', room: 'lobby', body: good }, 'unknown_command'],
  ['t empty', { t: '' }, 'unknown_command'],
  ['t with terminal controls', { t: '\x1b]0;pwned\x07\u009b2J\u202eevil\x7f' }, 'unknown_command'],
  ['t huge', { t: 'x'.repeat(100_000) }, 'unknown_command'],
  ['say without room', { t: 'say', body: good }, 'bad_command'],
  ['say room number', { t: 'say', room: 5, body: good }, 'invalid_room'],
  ['say room with #', { t: 'say', room: '#lobby', body: good }, 'invalid_room'],
  ['say room too long', { t: 'say', room: 'r'.repeat(33), body: good }, 'invalid_room'],
  ['say room with space', { t: 'say', room: 'lob by', body: good }, 'invalid_room'],
  ['say room with controls', { t: 'say', room: '\u009b\u202e', body: good }, 'invalid_room'],
  ['say without body', { t: 'say', room: 'lobby' }, 'bad_command'],
  ['say body string', { t: 'say', room: 'lobby', body: 'hello' }, 'bad_command'],
  ['say body array', { t: 'say', room: 'lobby', body: ['hello'] }, 'bad_command'],
  ['say text number', { t: 'say', room: 'lobby', body: { text: 5, sha256: good.sha256 } }, 'bad_command'],
  ['say no sha256', { t: 'say', room: 'lobby', body: { text: 'hello' } }, 'bad_command'],
  ['say sha256 upper', { t: 'say', room: 'lobby', body: { text: 'hello', sha256: good.sha256.toUpperCase() } }, 'bad_command'],
  ['say sha256 short', { t: 'say', room: 'lobby', body: { text: 'hello', sha256: good.sha256.slice(1) } }, 'bad_command'],
  ['say sha256 base64', { t: 'say', room: 'lobby', body: { text: 'hello', sha256: Buffer.from(good.sha256, 'hex').toString('base64') } }, 'bad_command'],
  ['say action string', { t: 'say', room: 'lobby', body: { ...good, action: 'yes' } }, 'bad_command'],
  ['say empty text', { t: 'say', room: 'lobby', body: body('') }, 'bad_command'],
  ['say blank text', { t: 'say', room: 'lobby', body: body(' \n\t  ') }, 'bad_command'],
  ['say too long', { t: 'say', room: 'lobby', body: body('a'.repeat(4001)) }, 'too_long'],
  ['say too long (astral)', { t: 'say', room: 'lobby', body: body('😀'.repeat(4001)) }, 'too_long'],
  ['say huge', { t: 'say', room: 'lobby', body: { text: 'a'.repeat(1_000_000), sha256: good.sha256 } }, 'too_long'],
  ['say ESC', { t: 'say', room: 'lobby', body: body('\x1b[2J\x1b[31mowned') }, 'bad_command'],
  ['say CR', { t: 'say', room: 'lobby', body: body('hello\rADMIN: trust me') }, 'bad_command'],
  ['say NUL', { t: 'say', room: 'lobby', body: body('a\0b') }, 'bad_command'],
  ['say C1 CSI', { t: 'say', room: 'lobby', body: body('a\u009b31mb') }, 'bad_command'],
  ['say lone surrogate', { t: 'say', room: 'lobby', body: { text: 'a\ud800b', sha256: good.sha256 } }, 'bad_command'],
  ['say wrong hash', { t: 'say', room: 'lobby', body: { text: 'hello', sha256: body('hellO').sha256 } }, 'hash_mismatch'],
  ['say hash of the UTF-16 text', { t: 'say', room: 'lobby', body: { text: 'é', sha256: sha256Utf16('é') } }, 'hash_mismatch'],
  ['dm wrong hash', { t: 'dm', to: 'bob', body: { text: 'hello', sha256: '0'.repeat(64) } }, 'hash_mismatch'],
  ['dm without to', { t: 'dm', body: good }, 'invalid_name'],
  ['dm to number', { t: 'dm', to: 7, body: good }, 'invalid_name'],
  ['dm to bad name', { t: 'dm', to: 'bob!', body: good }, 'invalid_name'],
  ['dm bad body', { t: 'dm', to: 'bob', body: { text: 'x' } }, 'bad_command'],
  ['dm too long', { t: 'dm', to: 'bob', body: body('b'.repeat(4001)) }, 'too_long'],
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

  it('edge cases that are valid: exactly the limit (in code points), tab and newline, emoji, action', () => {
    const { connect } = setup(GENEROUS);
    const alice = connect('alice');
    const bob = connect('bob');
    bob.sink.clear();
    const texts = ['a'.repeat(4000), '😀'.repeat(4000), 'line 1\n\tline 2', ' padded ', 'ünïcödé 中文 עברית'];
    for (const text of texts) alice.send({ t: 'say', room: 'lobby', body: body(text) });
    alice.send({ t: 'say', room: 'lobby', body: body('waves', true), extra: { ignored: true } });
    assert.deepEqual(bob.sink.of('message').map((m) => m.body.text), [...texts, 'waves']);
    assert.ok(bob.sink.of('message').every((m) => m.body.sha256 === sha256Hex(m.body.text)));
  });
});

// ─── fuzzing ────────────────────────────────────────────────────────────────────────────────────

const KEYS = ['t', 'room', 'body', 'to', 'name', 'text', 'sha256', 'action', '__proto__', 'constructor', 'x', ''];
const T_VALUES = ['say', 'dm', 'join', 'leave', 'rooms', 'who', 'whois', 'ping'];
const STRINGS = ['', 'lobby', 'LOBBY', 'dev', 'bob', 'alice', 'nobody', '#x', 'a b', '\x1b[0m', '\ud800', '😀', '__proto__', 'x'.repeat(40), good.sha256, good.text];

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
    { t: 'say', room: 'lobby', body: body('hi') },
    { t: 'dm', to: 'bob', body: body('hi') },
    { t: 'join', room: 'dev' },
    { t: 'leave', room: 'dev' },
    { t: 'rooms' },
    { t: 'who', room: 'lobby' },
    { t: 'whois', name: 'bob' },
    { t: 'ping' },
  ];
  const req = structuredClone(base[Math.floor(r() * base.length)]!);
  const target = r() < 0.3 && typeof req.body === 'object' ? (req.body as Record<string, unknown>) : req;
  const key = r() < 0.7 ? Object.keys(target)[Math.floor(r() * Object.keys(target).length)]! : KEYS[Math.floor(r() * KEYS.length)]!;
  if (r() < 0.2) delete target[key];
  else target[key] = r() < 0.5 ? randomValue(r) : STRINGS[Math.floor(r() * STRINGS.length)];
  if (r() < 0.1) req.t = T_VALUES[Math.floor(r() * T_VALUES.length)];
  return JSON.parse(JSON.stringify(req)); // what a transport would hand over
}

const EVENT_TYPES = new Set<ServerEvent['type']>(['ready', 'message', 'direct', 'join', 'leave', 'rooms', 'who', 'whois', 'system', 'error', 'pong']);

function checkEvent(e: ServerEvent): void {
  assert.ok(EVENT_TYPES.has(e.type), `event type ${String(e.type)}`);
  const json = JSON.stringify(e);
  assert.deepEqual(JSON.parse(json), e, 'events survive JSON');
  if (e.type === 'message' || e.type === 'direct') {
    assert.ok(e.body.text.trim().length > 0 && [...e.body.text].length <= 4000);
    assert.match(e.body.sha256, /^[0-9a-f]{64}$/);
  }
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
      const req = mutatedRequest(r);
      const before = alice.sink.events.length;
      assert.doesNotThrow(() => hub.handle(alice.member, req), JSON.stringify(req));
      assert.ok(alice.sink.events.length > before, `a reply to ${JSON.stringify(req)}`);
    }
    for (const c of [alice, bob, carol]) for (const e of c.sink.events) checkEvent(e);
    const count = (t: ServerEvent['type']) => alice.sink.events.filter((e) => e.type === t).length;
    for (const t of ['error', 'message', 'direct', 'join', 'leave', 'who', 'whois', 'pong', 'rooms'] as const) {
      assert.ok(count(t) > 50, `the mutations reach ${t} (${count(t)})`);
    }
    // others only ever see room traffic and direct messages, never alice's errors or replies
    for (const c of [bob, carol]) {
      assert.ok(c.sink.events.every((e) => ['ready', 'join', 'leave', 'message', 'direct'].includes(e.type)));
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
      const id = r() < 0.5 ? randomValue(r) : { name: randomValue(r), fingerprint: r() < 0.5 ? fp(String(i)) : randomValue(r), room: r() < 0.5 ? undefined : randomValue(r) };
      let res;
      assert.doesNotThrow(() => (res = hub.connect(id as never, new FakeSink())));
      const ok = (res as unknown as { ok: boolean }).ok;
      if (ok) {
        const { name, fingerprint } = id as { name: string; fingerprint: string };
        assert.match(name, /^[A-Za-z0-9_.-]{1,32}$/);
        assert.match(fingerprint, /^[\x21-\x7e]{1,256}$/);
      }
    }
  });
});
