/** parseInput (table-driven), bodyFor and verifyBody. */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { describe, it } from 'node:test';
import type { OutgoingRequest } from '../../src/chat/events.js';
import { bodyFor, HELP_TEXT, normalizeRoom, parseInput, sha256Hex, verifyBody, type InputAction, type InputContext } from '../../src/client/input.js';

const ctx: InputContext = { room: 'lobby', maxMessageLength: 20 };
const send = (request: OutgoingRequest): InputAction => ({ type: 'send', request });

describe('bodyFor / sha256Hex / verifyBody', () => {
  it('hashes the UTF-8 bytes, lower-case hex, as node:crypto does', () => {
    for (const text of ['', 'hello', 'héllo wörld ✓', '日本語 👍🏽', 'a\nb\u0000c']) {
      const want = crypto.createHash('sha256').update(Buffer.from(text, 'utf8')).digest('hex');
      assert.equal(sha256Hex(text), want);
      assert.deepEqual(bodyFor(text), { text, sha256: want });
      assert.deepEqual(bodyFor(text, true), { text, sha256: want, action: true });
    }
    assert.equal(sha256Hex('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('omits `action` unless it is true', () => {
    assert.equal('action' in bodyFor('x'), false);
    assert.equal('action' in bodyFor('x', false), false);
  });

  it('verifies a good body and rejects every altered or malformed one', () => {
    const good = bodyFor('meet at noon');
    assert.equal(verifyBody(good), true);
    assert.equal(verifyBody(bodyFor('wave', true)), true);
    const bad: unknown[] = [
      { ...good, text: 'meet at one' },
      { ...good, sha256: good.sha256.toUpperCase() },
      { ...good, sha256: good.sha256.slice(0, 63) },
      { ...good, sha256: `${good.sha256}0` },
      { text: 'meet at noon' },
      { sha256: good.sha256 },
      { text: 42, sha256: good.sha256 },
      { text: 'x', sha256: null },
      null,
      undefined,
      'meet at noon',
      [],
    ];
    for (const b of bad) assert.equal(verifyBody(b), false, JSON.stringify(b));
  });
});

describe('normalizeRoom', () => {
  it('strips one # and validates', () => {
    assert.equal(normalizeRoom('#dev'), 'dev');
    assert.equal(normalizeRoom('dev'), 'dev');
    assert.equal(normalizeRoom('##dev'), undefined);
    assert.equal(normalizeRoom('a b'), undefined);
    assert.equal(normalizeRoom(''), undefined);
    assert.equal(normalizeRoom('x'.repeat(33)), undefined);
  });
});

describe('parseInput', () => {
  const ok: [string, InputContext, InputAction][] = [
    ['hello', ctx, send({ t: 'say', room: 'lobby', body: bodyFor('hello') })],
    ['  spaced out  ', ctx, send({ t: 'say', room: 'lobby', body: bodyFor('  spaced out  ') })],
    ['héllo ✓\r\n', ctx, send({ t: 'say', room: 'lobby', body: bodyFor('héllo ✓') })],
    ['//etc/hosts', ctx, send({ t: 'say', room: 'lobby', body: bodyFor('/etc/hosts') })],
    ['/me waves', ctx, send({ t: 'say', room: 'lobby', body: bodyFor('waves', true) })],
    ['/ME  waves twice', ctx, send({ t: 'say', room: 'lobby', body: bodyFor('waves twice', true) })],
    ['/msg bob hi there', ctx, send({ t: 'dm', to: 'bob', body: bodyFor('hi there') })],
    ['/msg @bob   hi  there', ctx, send({ t: 'dm', to: 'bob', body: bodyFor('hi  there') })],
    ['/dm bob.x-1_ ok', ctx, send({ t: 'dm', to: 'bob.x-1_', body: bodyFor('ok') })],
    ['/m bob ok', { room: undefined }, send({ t: 'dm', to: 'bob', body: bodyFor('ok') })],
    ['/join dev', ctx, send({ t: 'join', room: 'dev' })],
    ['/join #dev', ctx, send({ t: 'join', room: 'dev' })],
    ['/j dev', { room: undefined }, send({ t: 'join', room: 'dev' })],
    ['/leave', ctx, send({ t: 'leave', room: 'lobby' })],
    ['/leave #dev', ctx, send({ t: 'leave', room: 'dev' })],
    ['/part', ctx, send({ t: 'leave', room: 'lobby' })],
    ['/rooms', ctx, send({ t: 'rooms' })],
    ['/list', { room: undefined }, send({ t: 'rooms' })],
    ['/who', ctx, send({ t: 'who', room: 'lobby' })],
    ['/who dev', ctx, send({ t: 'who', room: 'dev' })],
    ['/names', ctx, send({ t: 'who', room: 'lobby' })],
    ['/whois carol', ctx, send({ t: 'whois', name: 'carol' })],
    ['/whois @carol', ctx, send({ t: 'whois', name: 'carol' })],
    ['/fingerprint', ctx, { type: 'fingerprint' }],
    ['/help', ctx, { type: 'help' }],
    ['/?', ctx, { type: 'help' }],
    ['/quit', ctx, { type: 'quit' }],
    ['/exit', ctx, { type: 'quit' }],
    ['/q', ctx, { type: 'quit' }],
    ['/QUIT', ctx, { type: 'quit' }],
    ['', ctx, { type: 'none' }],
    ['   ', ctx, { type: 'none' }],
    ['\n', ctx, { type: 'none' }],
    ['x'.repeat(20), ctx, send({ t: 'say', room: 'lobby', body: bodyFor('x'.repeat(20)) })],
    ['👍'.repeat(20), ctx, send({ t: 'say', room: 'lobby', body: bodyFor('👍'.repeat(20)) })], // code points, not UTF-16 units
    ['x'.repeat(5000), { room: 'lobby' }, send({ t: 'say', room: 'lobby', body: bodyFor('x'.repeat(5000)) })], // no limit known
  ];
  for (const [line, c, want] of ok) {
    it(`${JSON.stringify(line.length > 40 ? `${line.slice(0, 20)}…` : line)} → ${want.type === 'send' ? want.request.t : want.type}`, () => {
      assert.deepEqual(parseInput(line, c), want);
    });
  }

  // line, context, code, message, hint, command (the line's command: scripts match errors to lines by it)
  const errors: [string, InputContext, string, RegExp, RegExp, string | undefined][] = [
    ['/frobnicate', ctx, 'unknown_command', /unknown command '\/frobnicate'/, /\/help/, undefined],
    ['/', ctx, 'unknown_command', /unknown command '\/'/, /\/\//, undefined],
    ['/me', ctx, 'bad_command', /\/me/, /usage: \/me ACTION/, 'say'],
    ['/me   ', ctx, 'bad_command', /\/me/, /usage: \/me ACTION/, 'say'],
    ['/msg', ctx, 'bad_command', /\/msg/, /usage: \/msg NAME TEXT/, 'dm'],
    ['/msg bob', ctx, 'bad_command', /\/msg/, /usage: \/msg NAME TEXT/, 'dm'],
    ['/msg bob    ', ctx, 'bad_command', /\/msg/, /usage/, 'dm'],
    ['/msg bob! hi', ctx, 'invalid_name', /'bob!' is not a valid name/, /1–32/, 'dm'],
    [`/msg ${'b'.repeat(33)} hi`, ctx, 'invalid_name', /not a valid name/, /1–32/, 'dm'],
    ['/join', ctx, 'bad_command', /\/join/, /usage: \/join ROOM/, 'join'],
    ['/join a b', ctx, 'bad_command', /\/join/, /usage: \/join ROOM/, 'join'],
    ['/join bad/room', ctx, 'invalid_room', /'bad\/room' is not a valid room name/, /1–32/, 'join'],
    ['/leave a b', ctx, 'bad_command', /\/leave/, /usage: \/leave \[ROOM\]/, 'leave'],
    ['/leave', { room: undefined }, 'not_in_room', /not in a room/, /\/join ROOM/, 'leave'],
    ['/who', { room: undefined }, 'not_in_room', /not in a room/, /\/join ROOM/, 'who'],
    ['/who b@d', ctx, 'invalid_room', /not a valid room/, /rooms are/, 'who'],
    ['/whois', ctx, 'bad_command', /\/whois/, /usage: \/whois NAME/, 'whois'],
    ['/whois a b', ctx, 'bad_command', /\/whois/, /usage: \/whois NAME/, 'whois'],
    ['/whois ü', ctx, 'invalid_name', /not a valid name/, /names are/, 'whois'],
    ['/rooms now', ctx, 'bad_command', /\/rooms/, /usage: \/rooms$/, 'rooms'],
    ['/fingerprint x', ctx, 'bad_command', /\/fingerprint/, /usage/, 'fingerprint'],
    ['hello', { room: undefined }, 'not_in_room', /not in a room/, /\/join ROOM/, 'say'],
    ['//hello', { room: undefined }, 'not_in_room', /not in a room/, /\/join ROOM/, 'say'],
    ['/me waves', { room: undefined }, 'not_in_room', /not in a room/, /\/join ROOM/, 'say'],
    ['x'.repeat(21), ctx, 'too_long', /too long \(21 characters; the server's limit is 20\)/, /split/, 'say'],
    ['/me ' + 'x'.repeat(21), ctx, 'too_long', /too long/, /split/, 'say'],
    ['/msg bob ' + 'x'.repeat(21), ctx, 'too_long', /too long/, /split/, 'dm'],
  ];
  for (const [line, c, code, message, hint, command] of errors) {
    it(`${JSON.stringify(line.length > 30 ? `${line.slice(0, 20)}…` : line)} → error ${code}`, () => {
      const a = parseInput(line, c);
      assert.equal(a.type, 'error', JSON.stringify(a));
      if (a.type !== 'error') return;
      assert.equal(a.code, code);
      assert.equal(a.command, command);
      assert.match(a.message, message);
      assert.match(a.hint, hint);
      assert.doesNotMatch(a.message + a.hint, /\n/, 'one line');
    });
  }

  it('/join of a room the user is in switches to it (any case, with or without #); other rooms are joined', () => {
    const joined = new Set(['lobby', 'dev']);
    assert.deepEqual(parseInput('/join dev', { ...ctx, joined }), { type: 'switch', room: 'dev' });
    assert.deepEqual(parseInput('/j #Dev', { ...ctx, joined }), { type: 'switch', room: 'dev' });
    assert.deepEqual(parseInput('/join lobby', { ...ctx, joined }), { type: 'switch', room: 'lobby' });
    assert.deepEqual(parseInput('/join ops', { ...ctx, joined }), send({ t: 'join', room: 'ops' }));
    assert.deepEqual(parseInput('/join dev', ctx), send({ t: 'join', room: 'dev' }), 'without the joined rooms: a join request');
  });

  it('shortens a very long unknown command in the message', () => {
    const a = parseInput(`/${'z'.repeat(100)}`, ctx);
    assert.equal(a.type, 'error');
    if (a.type === 'error') assert.ok(a.message.length < 60, a.message);
  });

  it('the help text names every command', () => {
    for (const c of ['/me', '/msg', '/join', '/leave', '/rooms', '/who', '/whois', '/fingerprint', '/help', '/quit']) assert.match(HELP_TEXT, new RegExp(`${c} `.replace('?', '\\?')));
  });
});
