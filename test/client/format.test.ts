/**
 * Formatting of events: human lines (snapshots, with and without colour), and the exact JSON
 * shapes of `--json` — the interface bots rely on, so every field and its order is pinned here.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChatEvent } from '../../src/chat/events.js';
import {
  formatFatal,
  formatJson,
  formatLine,
  formatTime,
  mentions,
  NAME_COLORS,
  nameColor,
  shouldBell,
  statusText,
  useColor,
  type DisplayEvent,
} from '../../src/client/format.js';
import { pinMismatchMessage } from '../../src/client/pins.js';
import { bodyFor } from '../../src/client/input.js';

const TS = Date.UTC(2024, 4, 1, 12, 3, 4); // 12:03:04 UTC
const plain = { me: 'alice', color: false, utc: true };
const body = bodyFor('hello');
const forged = { text: 'hello', sha256: bodyFor('hellO').sha256 };

const events: Record<string, DisplayEvent> = {
  ready: {
    type: 'ready',
    name: 'alice',
    fingerprint: 'SHA256:aaaa',
    serverFingerprint: 'SHA256:ssss',
    rooms: ['lobby'],
    limits: { maxMessageLength: 4000, messagesPerSecond: 5, burst: 10 },
  },
  readyFull: {
    type: 'ready',
    name: 'alice',
    fingerprint: 'SHA256:aaaa',
    serverFingerprint: 'SHA256:ssss',
    rooms: [],
    limits: { maxMessageLength: 4000, messagesPerSecond: 5, burst: 10, commandsPerSecond: 10, commandBurst: 30, maxRoomsPerUser: 20 },
  },
  message: { type: 'message', id: 'm1', from: 'bob', room: 'lobby', ts: TS, body, verified: true, code: null, fingerprint: 'SHA256:bbbb' },
  action: { type: 'message', id: 'm2', from: 'bob', room: 'lobby', ts: TS, body: bodyFor('waves', true), verified: true, code: null, fingerprint: 'SHA256:bbbb' },
  forged: { type: 'message', id: 'm3', from: 'mallory', room: 'lobby', ts: TS, body: forged, verified: false, code: 'e2e_hash_mismatch', fingerprint: null },
  // a text and hash that match, but the layer did not verify it (a changed key): never ✓
  keyChanged: { type: 'message', id: 'm4', from: 'bob', room: 'lobby', ts: TS, body, verified: false, code: 'e2e_key_changed', fingerprint: null },
  // `verified` without a fingerprint is not trusted either (belt and braces)
  noFingerprint: { type: 'message', id: 'm5', from: 'bob', room: 'lobby', ts: TS, body, verified: true, code: null, fingerprint: null },
  unreadable: { type: 'message', id: 'm6', from: 'bob', room: 'lobby', ts: TS, body: bodyFor(''), verified: false, code: 'e2e_bad_signature', fingerprint: null },
  notOurs: { type: 'message', id: 'm7', from: 'alice', room: 'lobby', ts: TS, body: bodyFor(''), verified: false, code: 'e2e_not_ours', fingerprint: null },
  directIn: { type: 'direct', id: 'd1', from: 'bob', to: 'alice', ts: TS, body: bodyFor('psst'), verified: true, code: null, fingerprint: 'SHA256:bbbb' },
  directOut: { type: 'direct', id: 'd2', from: 'alice', to: 'bob', ts: TS, body: bodyFor('psst'), verified: true, code: null, fingerprint: 'SHA256:aaaa' },
  peerNew: { type: 'peer_new', name: 'bob', fingerprint: 'SHA256:bbbb' },
  peerChanged: { type: 'peer_key_changed', name: 'bob', pinned: 'SHA256:bbbb', presented: 'SHA256:cccc' },
  peerChangedVerified: { type: 'peer_key_changed', name: 'bob', pinned: 'SHA256:bbbb', presented: 'SHA256:cccc', wasVerified: true },
  withheld: { type: 'e2e_withheld', room: 'lobby', names: ['bob'] },
  safety: { type: 'safety_number', name: 'bob', fingerprint: 'SHA256:bbbb', digits: '012345678901234567890123456789012345678901234567890123456789', verified: false },
  whoVerified: { type: 'who', room: 'lobby', members: ['alice', 'bob'], fingerprints: { bob: 'SHA256:bbbb' }, verified: ['bob'] },
  whoisVerified: { type: 'whois', name: 'bob', fingerprint: 'SHA256:bbbb', online: true, rooms: [], verified: true },
  join: { type: 'join', room: 'lobby', name: 'carol', members: 3, ts: TS, fingerprint: 'SHA256:x' },
  join1: { type: 'join', room: 'dev', name: 'alice', members: 1, ts: TS, fingerprint: 'SHA256:x' },
  leave: { type: 'leave', room: 'lobby', name: 'carol', members: 2, ts: TS },
  leaveReason: { type: 'leave', room: 'lobby', name: 'carol', members: 2, ts: TS, reason: 'timed out' },
  rooms: { type: 'rooms', rooms: [{ room: 'lobby', members: 3 }, { room: 'dev', members: 1 }] },
  noRooms: { type: 'rooms', rooms: [] },
  who: { type: 'who', room: 'lobby', members: ['alice', 'bob'], fingerprints: {} },
  whois: { type: 'whois', name: 'bob', fingerprint: 'SHA256:bbbb', online: true, rooms: ['lobby', 'dev'] },
  whoisOff: { type: 'whois', name: 'bob', fingerprint: 'SHA256:bbbb', online: false, rooms: [] },
  system: { type: 'system', message: 'the server restarts at noon', ts: TS },
  error: { type: 'error', code: 'rate_limited', message: 'slow down', retryAfterMs: 1500, command: 'say' },
  errorPlain: { type: 'error', code: 'no_such_user', message: 'no user named zed' },
  localError: { type: 'error', code: 'unknown_command', message: "unknown command '/x'", hint: 'type /help' },
  connecting: { type: 'status', state: 'connecting', attempt: 1 },
  connected: { type: 'status', state: 'connected' },
  reconnecting: { type: 'status', state: 'reconnecting', inMs: 3000, reason: 'connection lost' },
  closed: { type: 'status', state: 'closed', reason: 'bye' },
  info: { type: 'info', message: 'line one\nline two' },
  pong: { type: 'pong' },
};

describe('formatLine without colour (line mode)', () => {
  const want: Record<string, string | undefined> = {
    ready: '* connected as alice (SHA256:aaaa); server key SHA256:ssss; rooms: #lobby',
    readyFull: '* connected as alice (SHA256:aaaa); server key SHA256:ssss',
    message: '[12:03:04] #lobby <bob> hello ✓',
    action: '[12:03:04] #lobby * bob waves ✓',
    forged: '[12:03:04] #lobby <mallory> hello ✗ HASH MISMATCH',
    keyChanged: '[12:03:04] #lobby <bob> hello ✗ KEY CHANGED',
    noFingerprint: '[12:03:04] #lobby <bob> hello ✗ NOT VERIFIED',
    unreadable: '[12:03:04] #lobby <bob> (a message could not be authenticated: it may have been altered or forged; it is not shown as verified) ✗ NOT VERIFIED',
    notOurs: '[12:03:04] #lobby <alice> (a message in your name that this client did not send (replayed or forged by the server)) ✗ NOT SENT BY YOU',
    peerNew: "* first time seen: bob's key SHA256:bbbb (now pinned; to be sure it is theirs: /verify bob)",
    peerChanged: [
      "!!! WARNING: bob's KEY HAS CHANGED !!!",
      '  pinned:    SHA256:bbbb',
      '  presented: SHA256:cccc',
      'This may be bob with a new key (a lost or new device) — or someone the server lets impersonate bob.',
      "Until you accept the new key, nothing you send goes to it and bob's messages are not shown as verified.",
      'Compare safety numbers with bob in person or by phone: /verify bob; then accept the key with /trust bob.',
    ].join('\n'),
    peerChangedVerified: [
      "!!! WARNING: bob's KEY HAS CHANGED !!!",
      '  pinned:    SHA256:bbbb',
      '  presented: SHA256:cccc',
      'This may be bob with a new key (a lost or new device) — or someone the server lets impersonate bob.',
      "Until you accept the new key, nothing you send goes to it and bob's messages are not shown as verified.",
      'You had verified bob: compare safety numbers again, in person or by phone: /verify bob; if they match, /verify bob yes.',
    ].join('\n'),
    withheld: '! not sent to bob in #lobby: their key changed and is not accepted (/verify, /trust), or they have no keys',
    safety: [
      'Safety number with bob (their key SHA256:bbbb):',
      '  01234 56789 01234 56789 01234 56789 01234 56789 01234 56789 01234 56789',
      'Compare it with the number bob sees (/verify on their side), in person or by phone — not through this chat.',
      'If every digit matches, type: /verify bob yes',
    ].join('\n'),
    whoisVerified: '* bob: SHA256:bbbb, online, verified ✓',
    directIn: '[12:03:04] *bob* → you: psst ✓',
    directOut: '[12:03:04] you → *bob*: psst ✓',
    join: '[12:03:04] * carol joined #lobby (3 members)',
    join1: '[12:03:04] * alice joined #dev (1 member)',
    leave: '[12:03:04] * carol left #lobby (2 members)',
    leaveReason: '[12:03:04] * carol left #lobby: timed out (2 members)',
    rooms: '* rooms: #lobby (3), #dev (1)',
    noRooms: '* no rooms',
    who: '* #lobby: alice, bob (2 members)',
    whoVerified: '* #lobby: alice, bob ✓ (2 members)',
    whois: '* bob: SHA256:bbbb, online, in #lobby, #dev, not verified (/verify bob)',
    whoisOff: '* bob: SHA256:bbbb, offline, not verified (/verify bob)',
    system: '[12:03:04] *** the server restarts at noon',
    error: '! slow down (retry in 1.5s)',
    errorPlain: '! no user named zed',
    localError: "! unknown command '/x'; type /help",
    connecting: '* connecting…',
    connected: '* connected',
    reconnecting: '* reconnecting in 3s: connection lost',
    closed: '* disconnected: bye',
    info: 'line one\nline two',
    pong: undefined,
  };
  for (const [k, line] of Object.entries(want)) {
    it(k, () => assert.equal(formatLine(events[k]!, plain), line));
  }

  it('an event of an unknown type shows nothing', () => {
    assert.equal(formatLine({ type: 'future' } as unknown as ChatEvent, plain), undefined);
  });

  it('neutralises escape sequences, line breaks and bidi controls in untrusted text', () => {
    const evil: ChatEvent = {
      type: 'message',
      id: 'x',
      from: 'bob',
      room: 'lobby',
      ts: TS,
      body: bodyFor('a\x1b[2J\x1b]0;pwned\x07b\nc\u202ed\u009be\tf'),
      verified: true,
      fingerprint: 'SHA256:bbbb',
    };
    const line = formatLine(evil, plain)!;
    assert.equal(line, '[12:03:04] #lobby <bob> a^[[2J^[]0;pwned^Gb⏎c\\u{202e}d\\u{9b}e f ✓');
    assert.doesNotMatch(line, /[\x00-\x1f\x7f-\x9f\u202e]/);
    const withColour = formatLine(evil, { ...plain, color: true })!;
    // the only escapes left are the client's own SGR sequences
    assert.doesNotMatch(withColour.replace(/\x1b\[[0-9;]*m/g, ''), /[\x00-\x1f\x7f-\x9f]/);
  });

  // every field a server controls, in every event type: nothing a terminal acts on survives
  const EVIL = 'a\x1b]0;T\x07b\x1b[2Jc\x9bd\x7fe\u202ef\u2028g\u2066h';
  const hostile: [string, DisplayEvent][] = [
    ['ready', { type: 'ready', name: EVIL, fingerprint: EVIL, serverFingerprint: EVIL, rooms: [EVIL], limits: { maxMessageLength: 1, messagesPerSecond: 1, burst: 1 } }],
    ['message', { type: 'message', id: EVIL, from: EVIL, room: EVIL, ts: TS, body: { text: EVIL, sha256: EVIL, action: true }, fingerprint: null }],
    ['direct', { type: 'direct', id: EVIL, from: EVIL, to: EVIL, ts: TS, body: bodyFor(EVIL), fingerprint: null }],
    ['join', { type: 'join', room: EVIL, name: EVIL, members: 1, ts: TS, fingerprint: 'SHA256:x' }],
    ['leave', { type: 'leave', room: EVIL, name: EVIL, members: 1, ts: TS, reason: EVIL }],
    ['rooms', { type: 'rooms', rooms: [{ room: EVIL, members: 1 }] }],
    ['who', { type: 'who', room: EVIL, members: [EVIL, EVIL], fingerprints: {} }],
    ['whois', { type: 'whois', name: EVIL, fingerprint: EVIL, online: true, rooms: [EVIL] }],
    ['system', { type: 'system', message: EVIL, ts: TS }],
    ['error', { type: 'error', code: 'name_taken', message: EVIL }],
    ['status', { type: 'status', state: 'reconnecting', inMs: 1000, reason: EVIL }],
    ['closed', { type: 'status', state: 'closed', reason: EVIL }],
    ['info', { type: 'info', message: EVIL }],
  ];
  for (const [what, ev] of hostile) {
    it(`${what}: every server-supplied field is shown, neutralised, with and without colour`, () => {
      const line = formatLine(ev, plain)!;
      assert.doesNotMatch(line, /[\x00-\x09\x0b-\x1f\x7f-\x9f\u202e\u2066\u2028]/);
      assert.match(line, /a\^\[\]0;T\^Gb\^\[\[2Jc\\u\{9b\}d\^\?e\\u\{202e\}f⏎g\\u\{2066\}h/);
      const coloured = formatLine(ev, { ...plain, color: true })!.replace(/\x1b\[[0-9;]*m/g, '');
      assert.doesNotMatch(coloured, /[\x00-\x09\x0b-\x1f\x7f-\x9f\u202e\u2066\u2028]/);
    });
  }

  it('does not crash on a message without a proper body, and marks it', () => {
    const bad = { type: 'message', id: 'x', from: 'bob', room: 'lobby', ts: TS, body: null, fingerprint: null } as unknown as ChatEvent;
    assert.equal(formatLine(bad, plain), '[12:03:04] #lobby <bob>  ✗ NOT VERIFIED');
  });
});

describe('formatLine with colour', () => {
  const col = { me: 'alice', color: true, utc: true };
  it('colours names stably, marks in green, mismatch loud', () => {
    const bob = `\x1b[${nameColor('bob')}mbob\x1b[39m`;
    assert.equal(formatLine(events.message!, col), `\x1b[2m[12:03:04]\x1b[22m \x1b[1m#lobby\x1b[22m <${bob}> hello \x1b[32m✓\x1b[39m`);
    const mallory = `\x1b[${nameColor('mallory')}mmallory\x1b[39m`;
    assert.equal(
      formatLine(events.forged!, col),
      `\x1b[2m[12:03:04]\x1b[22m \x1b[1m#lobby\x1b[22m <${mallory}> hello \x1b[1;97;41m✗ HASH MISMATCH\x1b[0m`,
    );
  });

  it('makes a mention of me bold', () => {
    const ev: ChatEvent = { type: 'message', id: 'x', from: 'bob', room: 'lobby', ts: TS, body: bodyFor('hi alice!'), fingerprint: null };
    assert.match(formatLine(ev, col)!, /\x1b\[1mhi alice!\x1b\[22m/);
  });

  it('name colours: stable, from the palette of 12, spread out, never black/white/grey', () => {
    assert.equal(NAME_COLORS.length, 12);
    for (const c of NAME_COLORS) assert.ok(![30, 37, 90, 97, 39].includes(c));
    assert.equal(nameColor('alice'), nameColor('alice'));
    const used = new Set(Array.from({ length: 200 }, (_, i) => nameColor(`user${i}`)));
    assert.equal(used.size, 12);
    // pinned values: a change would recolour everybody
    assert.deepEqual(['alice', 'bob', 'carol'].map(nameColor), [96, 93, 33]);
  });
});

describe('useColor', () => {
  it('only on a terminal, honouring NO_COLOR and TERM=dumb', () => {
    assert.equal(useColor({ isTTY: true }, {}), true);
    assert.equal(useColor({ isTTY: false }, {}), false);
    assert.equal(useColor({}, {}), false);
    assert.equal(useColor({ isTTY: true }, { NO_COLOR: '1' }), false);
    assert.equal(useColor({ isTTY: true }, { NO_COLOR: '' }), true, 'NO_COLOR counts only when non-empty');
    assert.equal(useColor({ isTTY: true }, { TERM: 'dumb' }), false);
  });
});

describe('mentions and the bell', () => {
  it('finds the name as a word, case-insensitive, with @', () => {
    for (const t of ['alice', 'hi alice', 'hi Alice!', '@alice: look', 'alice.', '(alice)', 'ALICE?']) assert.equal(mentions(t, 'alice'), true, t);
    for (const t of ['malice', 'alice_x', 'alice-b', 'alicex', 'ali ce', '']) assert.equal(mentions(t, 'alice'), false, t);
    assert.equal(mentions('hey a.b', 'a.b'), true);
    assert.equal(mentions('hey axb', 'a.b'), false, 'the dot is literal');
  });

  it('rings for a direct message to me or a mention by someone else', () => {
    assert.equal(shouldBell(events.directIn!, 'alice'), true);
    assert.equal(shouldBell(events.directOut!, 'alice'), false);
    assert.equal(shouldBell(events.message!, 'alice'), false);
    const mention: ChatEvent = { type: 'message', id: 'x', from: 'bob', room: 'lobby', ts: TS, body: bodyFor('alice: ping'), fingerprint: null };
    assert.equal(shouldBell(mention, 'alice'), true);
    assert.equal(shouldBell({ ...mention, from: 'alice' }, 'alice'), false);
    assert.equal(shouldBell(events.join!, 'alice'), false);
  });
});

describe('formatFatal: the stderr line after the screen closed', () => {
  it("a server's message on one line, neutralised, in words (no code)", () => {
    assert.equal(formatFatal({ code: 'name_taken', message: 'x\x1b]0;T\x07\ny\u202e', fromServer: true }), 'parley: x^[]0;T^G⏎y\\u{202e}');
  });
  it("the client's own message over several lines stands alone, each line neutralised", () => {
    assert.equal(formatFatal({ code: 'server_key_changed', message: 'WARNING\nServer: ws://h\x1b[2J\n', fromServer: false }), 'WARNING\nServer: ws://h^[[2J');
    assert.equal(formatFatal({ code: 'bad_url', message: 'cannot connect', fromServer: false }), 'parley: cannot connect');
  });
  it('the real changed-key warning keeps every line readable', () => {
    const msg = pinMismatchMessage('ws://h:1', 'SHA256:old', 'SHA256:new', '/home/a/.parley/known_hosts', 3);
    const out = formatFatal({ code: 'server_key_changed', message: msg, fromServer: false });
    assert.deepEqual(out.split('\n'), msg.replace(/\n+$/, '').split('\n'));
    assert.doesNotMatch(out, /⏎/);
  });
});

describe('rooms, who and errors in words', () => {
  it('/rooms marks the rooms the user is in and the current one', () => {
    const ev: ChatEvent = { type: 'rooms', rooms: [{ room: 'dev', members: 2 }, { room: 'lobby', members: 3 }, { room: 'ops', members: 1 }] };
    assert.equal(formatLine(ev, { ...plain, rooms: { joined: new Set(['dev', 'lobby']), current: 'lobby' } }), '* rooms: #dev (2, joined), #lobby (3, current), #ops (1)');
    assert.equal(formatLine(ev, plain), '* rooms: #dev (2), #lobby (3), #ops (1)', 'unmarked when the client does not say');
  });
  it('/who of a room that does not exist says so', () => {
    assert.equal(formatLine({ type: 'who', room: 'nosuch', members: [], fingerprints: {} }, plain), '* there is no room #nosuch: nobody is in it');
  });
  it("the client's own multi-line error keeps its lines, a server's does not", () => {
    assert.equal(formatLine({ type: 'error', code: 'server_key_changed', message: 'A\nB\x1b[2J\n', multiline: true }, plain), '! A\nB^[[2J');
    assert.equal(formatLine({ type: 'error', code: 'name_taken', message: 'A\nB' }, plain), '! A⏎B');
  });
});

describe('formatJson with a ref', () => {
  it('adds ref last, keeping every other field in its place', () => {
    const plainJson = JSON.parse(formatJson(events.who!)!) as Record<string, unknown>;
    const withRef = JSON.parse(formatJson(events.who!, 'q1')!) as Record<string, unknown>;
    assert.deepEqual(Object.keys(withRef), [...Object.keys(plainJson), 'ref']);
    assert.equal(withRef.ref, 'q1');
    assert.equal(JSON.parse(formatJson(events.localError!, 7)!).ref, 7);
    assert.equal(formatJson(events.pong!, 'x'), undefined);
    assert.ok(!('ref' in plainJson));
  });
  it("a local error carries its line's command", () => {
    const e = JSON.parse(formatJson({ type: 'error', code: 'bad_command', message: 'wrong', hint: 'usage: /join ROOM', command: 'join' })!);
    assert.deepEqual(e, { type: 'error', code: 'bad_command', message: 'wrong; usage: /join ROOM', retryAfterMs: null, command: 'join' });
  });
});

describe('times and status', () => {
  it('formats [HH:MM:SS]', () => {
    assert.equal(formatTime(TS, true), '[12:03:04]');
    assert.equal(formatTime(Number.NaN, true), '[--:--:--]');
    assert.match(formatTime(TS), /^\[\d\d:\d\d:\d\d\]$/);
  });
  it('says the connection state', () => {
    assert.equal(statusText({ state: 'connecting' }), 'connecting…');
    assert.equal(statusText({ state: 'reconnecting', inMs: 3000 }), 'reconnecting in 3s');
    assert.equal(statusText({ state: 'reconnecting', inMs: 1234 }), 'reconnecting in 1.2s');
    assert.equal(statusText({ state: 'reconnecting', inMs: 12_600 }), 'reconnecting in 13s');
    assert.equal(statusText({ state: 'connected' }), 'connected');
    assert.equal(statusText({ state: 'closed' }), 'disconnected');
  });
});

describe('formatJson: the exact shapes of --json', () => {
  const want: Record<string, string | undefined> = {
    ready:
      '{"type":"ready","name":"alice","fingerprint":"SHA256:aaaa","serverFingerprint":"SHA256:ssss","rooms":["lobby"],"limits":{"maxMessageLength":4000,"messagesPerSecond":5,"burst":10,"commandsPerSecond":null,"commandBurst":null,"maxRoomsPerUser":null}}',
    readyFull:
      '{"type":"ready","name":"alice","fingerprint":"SHA256:aaaa","serverFingerprint":"SHA256:ssss","rooms":[],"limits":{"maxMessageLength":4000,"messagesPerSecond":5,"burst":10,"commandsPerSecond":10,"commandBurst":30,"maxRoomsPerUser":20}}',
    message: `{"type":"message","id":"m1","room":"lobby","from":"bob","text":"hello","action":false,"verified":true,"sha256":"${body.sha256}","ts":${TS},"code":null,"fingerprint":"SHA256:bbbb"}`,
    action: `{"type":"message","id":"m2","room":"lobby","from":"bob","text":"waves","action":true,"verified":true,"sha256":"${bodyFor('waves').sha256}","ts":${TS},"code":null,"fingerprint":"SHA256:bbbb"}`,
    forged: `{"type":"message","id":"m3","room":"lobby","from":"mallory","text":"hello","action":false,"verified":false,"sha256":"${forged.sha256}","ts":${TS},"code":"e2e_hash_mismatch","fingerprint":null}`,
    keyChanged: `{"type":"message","id":"m4","room":"lobby","from":"bob","text":"hello","action":false,"verified":false,"sha256":"${body.sha256}","ts":${TS},"code":"e2e_key_changed","fingerprint":null}`,
    noFingerprint: `{"type":"message","id":"m5","room":"lobby","from":"bob","text":"hello","action":false,"verified":false,"sha256":"${body.sha256}","ts":${TS},"code":"e2e_decrypt_failed","fingerprint":null}`,
    directIn: `{"type":"direct","id":"d1","from":"bob","to":"alice","text":"psst","action":false,"verified":true,"sha256":"${bodyFor('psst').sha256}","ts":${TS},"code":null,"fingerprint":"SHA256:bbbb"}`,
    peerNew: '{"type":"peer_new","name":"bob","fingerprint":"SHA256:bbbb"}',
    peerChanged: '{"type":"peer_key_changed","name":"bob","pinned":"SHA256:bbbb","presented":"SHA256:cccc"}',
    peerChangedVerified: '{"type":"peer_key_changed","name":"bob","pinned":"SHA256:bbbb","presented":"SHA256:cccc"}',
    withheld: '{"type":"e2e_withheld","room":"lobby","names":["bob"]}',
    safety: '{"type":"safety_number","name":"bob","fingerprint":"SHA256:bbbb","digits":"012345678901234567890123456789012345678901234567890123456789","verified":false}',
    join: `{"type":"join","room":"lobby","name":"carol","members":3,"ts":${TS},"fingerprint":"SHA256:x"}`,
    leave: `{"type":"leave","room":"lobby","name":"carol","members":2,"reason":null,"ts":${TS}}`,
    leaveReason: `{"type":"leave","room":"lobby","name":"carol","members":2,"reason":"timed out","ts":${TS}}`,
    rooms: '{"type":"rooms","rooms":[{"room":"lobby","members":3},{"room":"dev","members":1}]}',
    who: '{"type":"who","room":"lobby","members":["alice","bob"],"fingerprints":{},"verified":[]}',
    whoVerified: '{"type":"who","room":"lobby","members":["alice","bob"],"fingerprints":{"bob":"SHA256:bbbb"},"verified":["bob"]}',
    whois: '{"type":"whois","name":"bob","fingerprint":"SHA256:bbbb","online":true,"rooms":["lobby","dev"],"verified":false}',
    whoisVerified: '{"type":"whois","name":"bob","fingerprint":"SHA256:bbbb","online":true,"rooms":[],"verified":true}',
    system: `{"type":"system","message":"the server restarts at noon","ts":${TS}}`,
    error: '{"type":"error","code":"rate_limited","message":"slow down","retryAfterMs":1500,"command":"say"}',
    errorPlain: '{"type":"error","code":"no_such_user","message":"no user named zed","retryAfterMs":null,"command":null}',
    localError: `{"type":"error","code":"unknown_command","message":"unknown command '/x'; type /help","retryAfterMs":null,"command":null}`,
    connecting: '{"type":"status","state":"connecting","inMs":null,"reason":null}',
    reconnecting: '{"type":"status","state":"reconnecting","inMs":3000,"reason":"connection lost"}',
    info: '{"type":"info","message":"line one\\nline two"}',
    pong: undefined,
  };
  for (const [k, json] of Object.entries(want)) {
    it(k, () => {
      const out = formatJson(events[k]!);
      assert.equal(out, json);
      if (out !== undefined) {
        assert.doesNotMatch(out, /\n/, 'one line');
        JSON.parse(out);
      }
    });
  }

  it('messages carry at least type, from, room/to, text, verified, ts', () => {
    const m = JSON.parse(formatJson(events.message!)!);
    for (const f of ['type', 'from', 'room', 'text', 'verified', 'ts']) assert.ok(f in m, f);
    const d = JSON.parse(formatJson(events.directIn!)!);
    for (const f of ['type', 'from', 'to', 'text', 'verified', 'ts']) assert.ok(f in d, f);
    const e = JSON.parse(formatJson(events.error!)!);
    for (const f of ['type', 'code', 'message']) assert.ok(f in e, f);
  });

  it('keeps the text exact (no sanitising) but escapes every control character, DEL, C1, bidi controls and U+2028/9', () => {
    const text = 'a\x1b[31mb\nc\u0085d\u2028e\u202e"\\\x7f\x9b\u061c\u200e\u200f\u202a\u2066\u2069\u2029';
    const ev: ChatEvent = { type: 'message', id: 'x', from: 'bob', room: 'lobby', ts: TS, body: bodyFor(text), verified: true, fingerprint: 'SHA256:bbbb' };
    const out = formatJson(ev)!;
    assert.doesNotMatch(out, /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/);
    assert.match(out, /\\u0085/);
    assert.match(out, /\\u202e/);
    assert.match(out, /\\u007f/);
    const back = JSON.parse(out);
    assert.equal(back.text, text);
    assert.equal(back.verified, true);
  });

  it('passes an unknown event type through unchanged', () => {
    assert.equal(formatJson({ type: 'typing', from: 'bob' } as unknown as ChatEvent), '{"type":"typing","from":"bob"}');
  });
});

describe('the key-change warning', () => {
  const ev: DisplayEvent = { type: 'peer_key_changed', name: 'bob', pinned: 'SHA256:bbbb', presented: 'SHA256:cccc' };
  it('is loud on every line in colour (each line painted on its own) and rings the bell', () => {
    const lines = formatLine(ev, { me: 'alice', color: true, utc: true })!.split('\n');
    assert.equal(lines.length, 6);
    for (const l of lines) assert.match(l, /^\x1b\[1;97;41m[^\x1b]+\x1b\[0m$/);
    assert.equal(shouldBell(ev, 'alice'), true);
  });
  it('sanitizes the name a server could choose', () => {
    const line = formatLine({ type: 'peer_key_changed', name: 'b\x1b]0;x\x07', pinned: 'SHA256:b', presented: 'SHA256:c' }, { me: 'alice', color: false })!;
    assert.doesNotMatch(line, /[\x00-\x09\x0b-\x1f]/);
  });
});
