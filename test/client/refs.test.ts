/** --json input refs: the JSON-object input form (parseRefLine) and matching the server's answers to lines (ReplyTracker). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { OutgoingRequest, ChatEvent } from '../../src/chat/events.js';
import { bodyFor } from '../../src/client/input.js';
import { answers, parseRefLine, ReplyTracker, type RefLine } from '../../src/client/refs.js';

describe('parseRefLine', () => {
  const cases: [string, RefLine][] = [
    ['hello', { line: 'hello' }],
    ['/who lobby', { line: '/who lobby' }],
    ['{"ref":"q1","line":"/who lobby"}', { line: '/who lobby', ref: 'q1' }],
    ['  {"line":"hi","ref":42}  ', { line: 'hi', ref: 42 }],
    ['{"line":"hi"}', { line: 'hi' }],
    ['{"line":"{\\"ref\\":1,\\"line\\":\\"x\\"}","ref":"lit"}', { line: '{"ref":1,"line":"x"}', ref: 'lit' }],
    // not the input form: taken as typed, as before refs existed
    ['{not json}', { line: '{not json}' }],
    ['{"text":"hi"}', { line: '{"text":"hi"}' }],
    ['{"line":"hi","ref":"a","extra":1}', { line: '{"line":"hi","ref":"a","extra":1}' }],
    ['{"line":5}', { line: '{"line":5}' }],
    ['["line"]', { line: '["line"]' }],
    ['{} and more', { line: '{} and more' }],
    // the input form, with a mistake
    ['{"line":"hi","ref":""}', { error: '"ref" must be a string of 1–64 characters or an integer' }],
    [`{"line":"hi","ref":"${'r'.repeat(65)}"}`, { error: '"ref" must be a string of 1–64 characters or an integer' }],
    ['{"line":"hi","ref":1.5}', { error: '"ref" must be a string of 1–64 characters or an integer' }],
    ['{"line":"hi","ref":null}', { error: '"ref" must be a string of 1–64 characters or an integer' }],
    ['{"line":"a\\nb","ref":"x"}', { error: 'the "line" of an input object must be one line: send several objects' }],
  ];
  for (const [raw, want] of cases) it(raw.length > 50 ? `${raw.slice(0, 50)}…` : raw, () => assert.deepEqual(parseRefLine(raw), want));
});

const TS = 1;
const say: OutgoingRequest = { t: 'say', room: 'Dev', body: bodyFor('hi') };
const dm: OutgoingRequest = { t: 'dm', to: 'Bob', body: bodyFor('psst') };

describe('answers: which event answers which request', () => {
  const cases: [string, OutgoingRequest, ChatEvent, boolean][] = [
    ['own message echo', say, { type: 'message', id: '1', from: 'alice', room: 'dev', ts: TS, body: bodyFor('hi'), fingerprint: null }, true],
    ["someone else's message", say, { type: 'message', id: '1', from: 'bob', room: 'dev', ts: TS, body: bodyFor('hi'), fingerprint: null }, false],
    ['own message, other text', say, { type: 'message', id: '1', from: 'alice', room: 'dev', ts: TS, body: bodyFor('ho'), fingerprint: null }, false],
    ['own message, other room', say, { type: 'message', id: '1', from: 'alice', room: 'ops', ts: TS, body: bodyFor('hi'), fingerprint: null }, false],
    ['direct echo', dm, { type: 'direct', id: '1', from: 'ALICE', to: 'bob', ts: TS, body: bodyFor('psst'), fingerprint: null }, true],
    ['direct to someone else', dm, { type: 'direct', id: '1', from: 'alice', to: 'carol', ts: TS, body: bodyFor('psst'), fingerprint: null }, false],
    ['error about the command', dm, { type: 'error', code: 'no_such_user', message: 'x', command: 'dm' }, true],
    ['error about another command', dm, { type: 'error', code: 'not_in_room', message: 'x', command: 'say' }, false],
    ['error about no command', say, { type: 'error', code: 'rate_limited', message: 'x' }, false],
    ['own join', { t: 'join', room: 'Dev' }, { type: 'join', room: 'dev', name: 'alice', members: 1, ts: TS, fingerprint: 'SHA256:x' }, true],
    ["someone else's join", { t: 'join', room: 'dev' }, { type: 'join', room: 'dev', name: 'bob', members: 2, ts: TS, fingerprint: 'SHA256:x' }, false],
    ['own leave', { t: 'leave', room: 'dev' }, { type: 'leave', room: 'dev', name: 'alice', members: 0, ts: TS }, true],
    ['rooms', { t: 'rooms' }, { type: 'rooms', rooms: [] }, true],
    ['who of that room', { t: 'who', room: 'Dev' }, { type: 'who', room: 'dev', members: [], fingerprints: {} }, true],
    ['who of another room', { t: 'who', room: 'dev' }, { type: 'who', room: 'ops', members: [], fingerprints: {} }, false],
    ['whois of that name', { t: 'whois', name: 'bob' }, { type: 'whois', name: 'Bob', fingerprint: 'f', online: true, rooms: [] }, true],
    ['whois of another name', { t: 'whois', name: 'bob' }, { type: 'whois', name: 'carol', fingerprint: 'f', online: true, rooms: [] }, false],
  ];
  for (const [what, req, ev, want] of cases) it(what, () => assert.equal(answers(req, ev, 'alice'), want));
});

describe('ReplyTracker', () => {
  it('gives each answer to the first waiting request it answers, in order', () => {
    const t = new ReplyTracker('alice');
    t.sent({ t: 'who', room: 'dev' }, 'w1');
    t.sent(say, 's1');
    t.sent({ t: 'who', room: 'dev' }, 'w2');
    assert.equal(t.match({ type: 'message', id: '1', from: 'bob', room: 'dev', ts: TS, body: bodyFor('hi'), fingerprint: null }), undefined, "another user's message");
    assert.equal(t.match({ type: 'who', room: 'dev', members: ['alice'], fingerprints: {} }), 'w1');
    assert.equal(t.match({ type: 'who', room: 'dev', members: ['alice'], fingerprints: {} }), 'w2', 'the second who goes to the second line');
    assert.equal(t.match({ type: 'error', code: 'not_in_room', message: 'x', command: 'say' }), 's1');
    assert.equal(t.size, 0);
    assert.equal(t.match({ type: 'who', room: 'dev', members: [], fingerprints: {} }), undefined, 'nothing left waiting');
  });

  it('a dropped connection: requests already sent are lost, those still queued keep waiting', () => {
    const t = new ReplyTracker('alice');
    for (const r of ['a', 'b', 'c', 'd']) t.sent({ t: 'rooms' }, r);
    assert.deepEqual(t.lost(1).map((w) => w.ref), ['a', 'b', 'c']);
    assert.equal(t.match({ type: 'rooms', rooms: [] }), 'd');
    assert.deepEqual(t.lost(5), []);
  });

  it('requests without a ref count too: queued ones after the lost ones do not hide them', () => {
    const t = new ReplyTracker('alice');
    t.sent({ t: 'rooms' }, 'a');
    t.sent({ t: 'who', room: 'x' }, 'b');
    for (let i = 0; i < 5; i++) t.sent(say); // lines without a ref, still queued
    assert.deepEqual(t.lost(5).map((w) => w.ref), ['a', 'b']);
    t.sent({ t: 'rooms' }, 'c');
    t.sent(say);
    assert.deepEqual(t.lost(2).map((w) => w.ref), [], 'c is still queued');
    assert.equal(t.size, 1);
  });

  it('forgets the oldest beyond its bound, and follows a new name', () => {
    const t = new ReplyTracker('alice', 2);
    for (const r of ['a', 'b', 'c']) t.sent({ t: 'rooms' }, r);
    assert.equal(t.size, 2);
    assert.equal(t.match({ type: 'rooms', rooms: [] }), 'b');
    t.setName('Alice2');
    t.sent({ t: 'join', room: 'x' }, 'j');
    assert.equal(t.match({ type: 'join', room: 'x', name: 'alice', members: 1, ts: TS, fingerprint: 'SHA256:x' }), undefined);
    assert.equal(t.match({ type: 'join', room: 'x', name: 'alice2', members: 1, ts: TS, fingerprint: 'SHA256:x' }), 'j');
  });
});
