/** The web client's model (ChatState) and its input rules (parseWebInput), without a DOM. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ChatState, dmId, roomId, type Entry } from '../../src/web/chat-state.js';
import { parseWebInput } from '../../src/web/commands.js';
import { bodyFor } from '../../src/client/input.js';
import type { ChatEvent } from '../../src/chat/events.js';

const limits = { maxMessageLength: 10, messagesPerSecond: 5, burst: 10 };
const ready: ChatEvent = { type: 'ready', name: 'alice', fingerprint: 'SHA256:a', serverFingerprint: 'SHA256:s', rooms: ['lobby'], limits };

function make() {
  const appended: [string | undefined, Entry][] = [];
  let changes = 0;
  const s = new ChatState({ appended: (id, e) => appended.push([id, e]), changed: () => void changes++ }, () => 1000);
  return { s, appended, changes: () => changes };
}

describe('ChatState', () => {
  it('ready: rooms become conversations, members are asked for silently', () => {
    const { s, appended } = make();
    assert.deepEqual(s.apply(ready), [{ t: 'who', room: 'lobby' }]);
    assert.equal(s.current, roomId('lobby'));
    assert.equal(s.room, 'lobby');
    assert.match((appended[0]![1] as { text: string }).text, /Connected as alice/);
    s.apply({ type: 'who', room: 'lobby', members: ['bob', 'alice'], fingerprints: {} });
    assert.deepEqual(s.conversations.get(roomId('lobby'))!.members, ['alice', 'bob']);
    assert.equal(appended.length, 1, 'the silent who adds no line');
    s.apply({ type: 'who', room: 'lobby', members: ['alice'], fingerprints: {} });
    assert.equal(appended.length, 2, 'a who the user asked for is shown');
  });

  it('messages carry the hash check; a mismatch is marked', () => {
    const { s } = make();
    s.apply(ready);
    s.apply({ type: 'message', id: '1', from: 'bob', room: 'lobby', ts: 5, body: bodyFor('hi'), fingerprint: null });
    s.apply({ type: 'message', id: '2', from: 'eve', room: 'lobby', ts: 6, body: { text: 'evil', sha256: bodyFor('good').sha256 }, fingerprint: null });
    const [m1, m2] = s.conversations.get(roomId('lobby'))!.entries.filter((e) => e.kind === 'message');
    assert.deepEqual(m1, { kind: 'message', from: 'bob', text: 'hi', action: false, verified: true, ts: 5 });
    assert.equal(m2!.kind === 'message' && m2!.verified, false);
  });

  it('direct messages go to a thread per peer, both directions; unread counts when not current', () => {
    const { s } = make();
    s.apply(ready);
    s.apply({ type: 'direct', id: '1', from: 'bob', to: 'alice', ts: 5, body: bodyFor('psst'), fingerprint: null });
    s.apply({ type: 'direct', id: '2', from: 'alice', to: 'bob', ts: 6, body: bodyFor('yes?'), fingerprint: null });
    const t = s.conversations.get(dmId('bob'))!;
    assert.equal(t.entries.length, 2);
    assert.equal(t.unread, 1, 'only bob\'s message is unread; your own is not');
    s.select(dmId('bob'));
    assert.equal(t.unread, 0);
    assert.equal(s.directPeer, 'bob');
    assert.equal(s.room, 'lobby');
  });

  it('joins and leaves: own ones add and remove rooms; others update members with a notice', () => {
    const { s } = make();
    s.apply(ready);
    s.expectJoin('dev');
    assert.deepEqual(s.apply({ type: 'join', room: 'dev', name: 'alice', members: 1, ts: 2, fingerprint: 'SHA256:x' }), [{ t: 'who', room: 'dev' }]);
    assert.equal(s.current, roomId('dev'), 'a room the user asked for becomes current');
    s.apply({ type: 'who', room: 'dev', members: ['alice'], fingerprints: {} });
    s.apply({ type: 'join', room: 'dev', name: 'bob', members: 2, ts: 3, fingerprint: 'SHA256:x' });
    assert.deepEqual(s.conversations.get(roomId('dev'))!.members, ['alice', 'bob']);
    s.apply({ type: 'leave', room: 'dev', name: 'bob', members: 1, ts: 4, reason: 'disconnected' });
    assert.deepEqual(s.conversations.get(roomId('dev'))!.members, ['alice']);
    s.apply({ type: 'leave', room: 'dev', name: 'alice', members: 0, ts: 5 });
    assert.equal(s.conversations.has(roomId('dev')), false);
    assert.equal(s.current, roomId('lobby'));
    // a rejoin after a reconnection does not steal the focus
    s.select(roomId('lobby'));
    s.apply({ type: 'join', room: 'ops', name: 'alice', members: 1, ts: 6, fingerprint: 'SHA256:x' });
    assert.equal(s.current, roomId('lobby'));
  });

  it('errors, whois, rooms and system events become notices in the current conversation', () => {
    const { s, appended } = make();
    s.apply(ready);
    s.apply({ type: 'error', code: 'rate_limited', message: 'slow down', retryAfterMs: 1500 });
    s.apply({ type: 'whois', name: 'bob', fingerprint: 'SHA256:b', online: true, rooms: ['lobby'] });
    s.apply({ type: 'rooms', rooms: [{ room: 'lobby', members: 2 }] });
    s.apply({ type: 'system', message: 'restart at noon', ts: 9 });
    s.apply({ type: 'pong' });
    const texts = appended.slice(1).map(([, e]) => (e as { text: string }).text);
    assert.deepEqual(texts, ['slow down (retry in 1.5s)', 'bob: SHA256:b, online, in #lobby', 'Rooms: #lobby (2, current)', 'restart at noon']);
    // in words: the code is kept beside the text, not in it
    assert.equal((appended[1]![1] as { code?: string }).code, 'rate_limited');
    assert.equal((appended[2]![1] as { code?: string }).code, undefined);
  });

  it('/rooms marks the current room and the other rooms the user is in, as /help says', () => {
    const { s, appended } = make();
    s.apply(ready);
    s.apply({ type: 'join', room: 'dev', name: 'alice', members: 1, ts: 2, fingerprint: 'SHA256:x' });
    s.select(roomId('lobby'));
    s.apply({ type: 'rooms', rooms: [{ room: 'lobby', members: 2 }, { room: 'dev', members: 1 }, { room: 'ops', members: 3 }] });
    assert.equal((appended.at(-1)![1] as { text: string }).text, 'Rooms: #lobby (2, current), #dev (1, joined), #ops (3)');
  });

  it('your own messages never count as unread: a DM sent from a room, your echo in another room', () => {
    const { s } = make();
    s.apply(ready);
    s.apply({ type: 'join', room: 'dev', name: 'alice', members: 1, ts: 2, fingerprint: 'SHA256:x' });
    s.select(roomId('dev')); // read the join notice
    s.openDirect('bob');
    s.select(roomId('lobby'));
    // `/msg bob …` typed in #lobby: the server echoes it into the thread with bob
    s.apply({ type: 'direct', id: '1', from: 'alice', to: 'bob', ts: 5, body: bodyFor('see you'), fingerprint: null });
    s.apply({ type: 'message', id: '2', from: 'alice', room: 'dev', ts: 6, body: bodyFor('mine'), fingerprint: null });
    assert.equal(s.conversations.get(dmId('bob'))!.unread, 0);
    assert.equal(s.conversations.get(roomId('dev'))!.unread, 0);
    s.apply({ type: 'direct', id: '3', from: 'bob', to: 'alice', ts: 7, body: bodyFor('ok'), fingerprint: null });
    s.apply({ type: 'message', id: '4', from: 'carol', room: 'dev', ts: 8, body: bodyFor('theirs'), fingerprint: null });
    assert.equal(s.conversations.get(dmId('bob'))!.unread, 1);
    assert.equal(s.conversations.get(roomId('dev'))!.unread, 1);
  });

  it('a notice or /help before any conversation exists is still shown (appended with no id)', () => {
    const { s, appended } = make();
    s.notice('error', 'nowhere yet', 'not_in_room');
    s.help([{ title: 'Commands', rows: [{ term: '/help', text: 'show this help' }] }]);
    assert.deepEqual(appended.map(([id, e]) => [id, e.kind]), [[undefined, 'notice'], [undefined, 'help']]);
  });

  it('snapshot and restore: rooms, direct threads, the current conversation and the limits survive a reload', () => {
    const { s } = make();
    s.apply(ready);
    s.apply({ type: 'join', room: 'dev', name: 'alice', members: 1, ts: 2, fingerprint: 'SHA256:x' });
    s.openDirect('bob');
    s.openDirect('carol');
    s.select(roomId('dev'));
    const saved = s.snapshot();
    assert.deepEqual(saved, { rooms: ['lobby', 'dev'], directs: ['bob', 'carol'], current: roomId('dev'), limits });

    // the next page: threads at once (empty), the remembered room current again once rejoined
    const { s: s2, appended } = make();
    s2.restore(structuredClone(saved));
    assert.deepEqual([...s2.conversations.keys()], [dmId('bob'), dmId('carol')]);
    assert.equal(s2.conversations.get(dmId('bob'))!.entries.length, 0);
    assert.deepEqual(s2.limits, limits, 'the last limits hold until ready');
    assert.equal(s2.snapshot().current, roomId('dev'), 'until dev is back, it is still the one to open (a reload now forgets nothing)');
    s2.apply(ready);
    s2.apply({ type: 'join', room: 'dev', name: 'alice', members: 1, ts: 3, fingerprint: 'SHA256:x' });
    assert.equal(s2.current, roomId('dev'));
    assert.ok(appended.length > 0);
    assert.deepEqual(s2.snapshot(), { rooms: ['lobby', 'dev'], directs: ['bob', 'carol'], current: roomId('dev'), limits });
  });

  it('restore: a choice the user made meanwhile wins over the remembered conversation', () => {
    const { s } = make();
    s.restore({ rooms: ['dev'], directs: ['bob'], current: roomId('dev') });
    s.apply(ready);
    s.select(roomId('lobby'));
    s.apply({ type: 'join', room: 'dev', name: 'alice', members: 1, ts: 3, fingerprint: 'SHA256:x' });
    assert.equal(s.current, roomId('lobby'));
  });
});

describe('parseWebInput', () => {
  it('in a room: the terminal client\'s parser', () => {
    assert.deepEqual(parseWebInput('hello', { room: 'lobby' }), { type: 'send', request: { t: 'say', room: 'lobby', body: bodyFor('hello') } });
    assert.deepEqual(parseWebInput('/join #dev', { room: 'lobby' }), { type: 'send', request: { t: 'join', room: 'dev' } });
    assert.deepEqual(parseWebInput('/whois bob', { room: 'lobby' }), { type: 'send', request: { t: 'whois', name: 'bob' } });
    assert.equal(parseWebInput('/help', { room: 'lobby' }).type, 'help');
    assert.equal(parseWebInput('/nope', { room: 'lobby' }).type, 'error');
  });

  it('in a direct conversation: text and /me go to the peer; other commands work as usual', () => {
    const ctx = { room: 'lobby', directPeer: 'bob', maxMessageLength: 10 };
    assert.deepEqual(parseWebInput('hi', ctx), { type: 'send', request: { t: 'dm', to: 'bob', body: bodyFor('hi') } });
    assert.deepEqual(parseWebInput('//x', ctx), { type: 'send', request: { t: 'dm', to: 'bob', body: bodyFor('/x') } });
    assert.deepEqual(parseWebInput('/me waves', ctx), { type: 'send', request: { t: 'dm', to: 'bob', body: bodyFor('waves', true) } });
    assert.deepEqual(parseWebInput('/who', ctx), { type: 'send', request: { t: 'who', room: 'lobby' } });
    const long = parseWebInput('x'.repeat(11), ctx);
    assert.equal(long.type === 'error' && long.code, 'too_long');
  });
});
