/**
 * What becomes of a typed line (Composer): an over-long message is refused before sending, with
 * the server's limit in the reason, and the line is not taken (the page keeps it in the input);
 * other local errors are refused in words the same way; messages typed before any limit is known
 * are held back and checked when it is.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { OutgoingRequest } from '../../src/chat/events.js';
import { bodyFor } from '../../src/client/input.js';
import { Composer, MAX_HELD } from '../../src/web/composer.js';

function make() {
  const sent: OutgoingRequest[] = [];
  const local: string[] = [];
  const c = new Composer({ send: (r) => sent.push(r), local: (a) => local.push(a.type) });
  return { c, sent, local };
}

const room = { room: 'lobby', maxMessageLength: 10 };

describe('Composer', () => {
  const tooLong: [string, string, object][] = [
    ['a room message', 'x'.repeat(11), room],
    ['an action', `/me ${'x'.repeat(11)}`, room],
    ['a /msg', `/msg bob ${'é'.repeat(11)}`, room],
    ['a message in a direct thread', 'y'.repeat(11), { ...room, directPeer: 'bob' }],
  ];
  for (const [what, line, ctx] of tooLong) {
    it(`${what} over the limit is refused before sending, with the limit in the words`, () => {
      const { c, sent } = make();
      const o = c.submit(line, ctx as typeof room);
      assert.equal(o.taken, false, 'not taken: the page keeps the draft');
      assert.ok(!o.taken && o.refusal.code === 'too_long');
      assert.ok(!o.taken && /11 characters; the server's limit is 10/.test(o.refusal.text), !o.taken ? o.refusal.text : '');
      assert.ok(!o.taken && !o.refusal.text.includes('too_long'), 'no raw code in the words');
      assert.deepEqual(sent, []);
    });
  }

  it('the limit counts code points, not UTF-16 units: 10 emoji fit a limit of 10', () => {
    const { c, sent } = make();
    assert.deepEqual(c.submit('😀'.repeat(10), room), { taken: true });
    assert.equal(sent.length, 1);
  });

  it('a line within the limit is sent and taken', () => {
    const { c, sent } = make();
    assert.deepEqual(c.submit('hello', room), { taken: true });
    assert.deepEqual(sent, [{ t: 'say', room: 'lobby', body: bodyFor('hello') }]);
  });

  it('other local mistakes are refused in words, with their code kept apart', () => {
    const { c, sent } = make();
    const o = c.submit('/nope', room);
    assert.ok(!o.taken);
    assert.equal(!o.taken && o.refusal.code, 'unknown_command');
    assert.match(!o.taken ? o.refusal.text : '', /^Unknown command '\/nope' — type \/help/);
    assert.deepEqual(sent, []);
  });

  it('local commands go to `local`, blank lines do nothing', () => {
    const { c, sent, local } = make();
    for (const l of ['/help', '/fingerprint', '/quit', '   ']) assert.deepEqual(c.submit(l, room), { taken: true });
    assert.deepEqual(local, ['help', 'fingerprint', 'quit']);
    assert.deepEqual(sent, []);
  });

  it('/join of a room the user is in switches to it locally (no request); of another room it is sent', () => {
    const { c, sent, local } = make();
    const inDev = { ...room, joined: new Set(['lobby', 'dev']) };
    assert.deepEqual(c.submit('/join #Dev', inDev), { taken: true });
    assert.deepEqual(local, ['switch']);
    assert.deepEqual(sent, []);
    assert.deepEqual(c.submit('/join ops', inDev), { taken: true });
    assert.deepEqual(sent, [{ t: 'join', room: 'ops' }]);
  });

  it('before the limit is known, messages are held (not sent unchecked); release sends those that fit and gives back the others', () => {
    const { c, sent } = make();
    const early = { room: 'lobby' };
    assert.deepEqual(c.submit('short', early), { taken: true });
    assert.deepEqual(c.submit(`/msg bob ${'z'.repeat(20)}`, early), { taken: true });
    assert.deepEqual(c.submit('/join dev', early), { taken: true }, 'not a message: sent at once (ChatConnection queues it)');
    assert.deepEqual(sent, [{ t: 'join', room: 'dev' }]);
    assert.equal(c.pending, 2);
    const back = c.release(10);
    assert.deepEqual(sent.slice(1), [{ t: 'say', room: 'lobby', body: bodyFor('short') }]);
    assert.equal(back.length, 1);
    assert.equal(back[0]!.line, `/msg bob ${'z'.repeat(20)}`);
    assert.match(back[0]!.refusal.text, /limit is 10/);
    assert.equal(c.pending, 0);
    assert.deepEqual(c.release(10), []);
  });

  it(`at most ${MAX_HELD} messages are held; the next is refused, not dropped`, () => {
    const { c } = make();
    for (let i = 0; i < MAX_HELD; i++) assert.equal(c.submit(`m${i}`, { room: 'lobby' }).taken, true);
    const o = c.submit('one more', { room: 'lobby' });
    assert.equal(o.taken, false);
  });
});
