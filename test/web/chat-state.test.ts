/** The web client's model (ChatState) and its input rules (parseWebInput), without a DOM. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ChatState, dmId, roomId, type Entry } from '../../src/web/chat-state.js';
import { parseWebInput } from '../../src/web/commands.js';
import { bodyFor } from '../../src/client/input.js';
import type { ChatEvent } from '../../src/chat/events.js';

const FP_A = `SHA256:${'A'.repeat(43)}`;
const FP_B = `SHA256:${'B'.repeat(43)}`;
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

  it('✓ only for a message its E2E layer verified (a fingerprint, and the text matching its hash); others are marked with why', () => {
    const { s } = make();
    s.apply(ready);
    const at = (i: number) => s.conversations.get(roomId('lobby'))!.entries.filter((e) => e.kind === 'message')[i]!;
    s.apply({ type: 'message', id: '1', from: 'bob', room: 'lobby', ts: 5, body: bodyFor('hi'), fingerprint: FP_B });
    assert.deepEqual(at(0), { kind: 'message', from: 'bob', text: 'hi', action: false, verified: true, fingerprint: FP_B, ts: 5 });
    // no key verified it: a good hash alone is not enough any more
    s.apply({ type: 'message', id: '2', from: 'bob', room: 'lobby', ts: 6, body: bodyFor('unsigned'), fingerprint: null });
    assert.deepEqual([at(1).kind === 'message' && at(1).verified, (at(1) as { code?: string }).code], [false, 'e2e_unverified']);
    // a key, but a text that does not match its hash
    s.apply({ type: 'message', id: '3', from: 'eve', room: 'lobby', ts: 7, body: { text: 'evil', sha256: bodyFor('good').sha256 }, fingerprint: FP_B });
    assert.equal((at(2) as { code?: string }).code, 'e2e_hash_mismatch');
    // the layer says not verified (a changed key), whatever else the event carries
    s.apply({ type: 'message', id: '4', from: 'bob', room: 'lobby', ts: 8, body: bodyFor('after the change'), fingerprint: FP_B, verified: false, code: 'e2e_key_changed' } as ChatEvent);
    const e4 = at(3) as Extract<Entry, { kind: 'message' }>;
    assert.deepEqual([e4.verified, e4.code, e4.text, e4.unreadable], [false, 'e2e_key_changed', 'after the change', undefined]);
    assert.match(e4.reason!, /key changed/);
    // a payload that could not be opened: no text, marked unreadable, with the reason in words
    s.apply({ type: 'message', id: '5', from: 'bob', room: 'lobby', ts: 9, body: bodyFor(''), fingerprint: null, verified: false, code: 'e2e_bad_signature' } as ChatEvent);
    const e5 = at(4) as Extract<Entry, { kind: 'message' }>;
    assert.deepEqual([e5.verified, e5.unreadable, e5.code], [false, true, 'e2e_bad_signature']);
    assert.match(e5.reason!, /could not be authenticated/);
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
    assert.deepEqual(texts, ['slow down (retry in 1.5s)', 'bob: SHA256:b, online, in #lobby; not met yet (no key pinned)', 'Rooms: #lobby (2, current)', 'restart at noon']);
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

describe('ChatState: peers\' end-to-end keys', () => {
  function withBob() {
    const m = make();
    m.s.apply(ready);
    m.s.apply({ type: 'who', room: 'lobby', members: ['alice', 'bob'], fingerprints: {} });
    m.s.apply({ type: 'join', room: 'dev', name: 'alice', members: 1, ts: 2, fingerprint: FP_A });
    m.s.apply({ type: 'direct', id: '1', from: 'bob', to: 'alice', ts: 3, body: bodyFor('hi'), fingerprint: FP_A });
    return m;
  }

  it('a key seen for the first time is said where that peer is, with its fingerprint', () => {
    const { s } = withBob();
    s.apply({ type: 'peer_new', name: 'bob', fingerprint: FP_A });
    const said = (id: string) => s.conversations.get(id)!.entries.some((e) => e.kind === 'notice' && e.text.includes(`First time seen: bob's key ${FP_A}`));
    assert.deepEqual([said(roomId('lobby')), said(dmId('bob')), said(roomId('dev'))], [true, true, false]);
    assert.deepEqual(s.peers.get('bob'), { verified: false, blocked: false });
  });

  it('peer_key_changed: the loud warning with both keys where that peer is; the peer is blocked; /whois says so', () => {
    const { s, appended } = withBob();
    s.apply({ type: 'peer_key_changed', name: 'bob', pinned: FP_A, presented: FP_B });
    const warned = appended.filter(([, e]) => e.kind === 'keychange').map(([id]) => id).sort();
    assert.deepEqual(warned, [dmId('bob'), roomId('lobby')]);
    const w = s.conversations.get(roomId('lobby'))!.entries.find((e) => e.kind === 'keychange');
    assert.deepEqual(w, { kind: 'keychange', name: 'bob', pinned: FP_A, presented: FP_B, wasVerified: false, ts: 1000 });
    assert.deepEqual(s.peers.get('bob'), { verified: false, blocked: true });
    s.apply({ type: 'whois', name: 'bob', fingerprint: FP_B, online: true, rooms: [] });
    assert.match((appended.at(-1)![1] as { text: string }).text, /KEY CHANGED.*\/verify bob.*\/trust bob/);
    // a peer nobody here knows yet still gets the warning (in the current conversation)
    s.apply({ type: 'peer_key_changed', name: 'zed', pinned: FP_A, presented: FP_B });
    assert.equal(appended.at(-1)![0], s.current);
  });

  it('a verified peer whose key changes is warned about as verified before', () => {
    const { s } = withBob();
    s.peerMark('bob', { verified: true, blocked: false });
    s.apply({ type: 'peer_key_changed', name: 'bob', pinned: FP_A, presented: FP_B });
    const w = s.conversations.get(dmId('bob'))!.entries.find((e) => e.kind === 'keychange');
    assert.equal(w?.kind === 'keychange' && w.wasVerified, true);
    assert.deepEqual(s.peers.get('bob'), { verified: true, blocked: true });
  });

  it('/verify: the safety number is shown; marking it verified updates the entry, the peer and /whois', () => {
    const { s, appended } = withBob();
    s.select(dmId('bob'));
    const digits = '0123456789'.repeat(6);
    s.safety('bob', digits, FP_A);
    assert.deepEqual(appended.at(-1), [dmId('bob'), { kind: 'safety', name: 'bob', digits, fingerprint: FP_A, marked: false, ts: 1000 }]);
    s.markedVerified('bob', FP_A);
    const e = s.conversations.get(dmId('bob'))!.entries.find((x) => x.kind === 'safety');
    assert.equal(e?.kind === 'safety' && e.marked, true);
    assert.deepEqual(s.peers.get('bob'), { verified: true, blocked: false });
    s.apply({ type: 'whois', name: 'bob', fingerprint: FP_A, online: true, rooms: [] });
    assert.match((appended.at(-1)![1] as { text: string }).text, /✓ verified/);
  });

  it('a room message withheld from some members, a refused bundle and an unsent DM are errors, with their code', () => {
    const { s } = withBob();
    s.apply({ type: 'e2e_withheld', room: 'lobby', names: ['bob'] });
    s.apply({ type: 'e2e_bundle_rejected', name: 'bob', code: 'e2e_bad_signature', message: 'bad signature' });
    s.apply({ type: 'e2e_not_sent', to: 'bob', code: 'e2e_key_changed', message: 'key changed' });
    const codes = [...s.conversations.values()].flatMap((c) => c.entries).filter((e) => e.kind === 'notice' && e.level === 'error').map((e) => (e as { code?: string }).code);
    assert.deepEqual(codes.sort(), ['e2e_bad_signature', 'e2e_key_changed', 'e2e_withheld']);
  });
});

describe('parseWebInput: key commands', () => {
  const cases: [string, unknown][] = [
    ['/trust bob', { type: 'trust', name: 'bob' }],
    ['/verify  bob', { type: 'verify', name: 'bob', confirm: false }],
    ['/VERIFY bob yes', { type: 'verify', name: 'bob', confirm: true }],
    ['/trust', 'bad_command'],
    ['/verify bob carol', 'bad_command'],
    ['/trust bad/name', 'invalid_name'],
  ];
  for (const [line, want] of cases) {
    it(`${line} → ${typeof want === 'string' ? want : JSON.stringify(want)}, in a room and in a direct thread alike (never sent as a message)`, () => {
      for (const ctx of [{ room: 'lobby' }, { room: 'lobby', directPeer: 'bob' }]) {
        const a = parseWebInput(line, ctx);
        if (typeof want === 'string') assert.equal(a.type === 'error' && a.code, want);
        else assert.deepEqual(a, want);
      }
    });
  }
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
