/** checkServerEvent: the shape check of every event where it enters the client. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkServerEvent } from '../../src/client/event-check.js';
import { bodyFor } from '../../src/client/input.js';
import { isProtocolError } from '../../src/protocol/index.js';

const limits = { maxMessageLength: 4000, messagesPerSecond: 5, burst: 10 };
const good: Record<string, unknown>[] = [
  { type: 'ready', name: 'a', fingerprint: 'f', serverFingerprint: 's', rooms: ['lobby'], limits },
  { type: 'ready', name: 'a', fingerprint: 'f', serverFingerprint: 's', rooms: [], limits: { ...limits, commandsPerSecond: 10, commandBurst: 30, maxRoomsPerUser: 20 } },
  {
    type: 'ready', name: 'a', fingerprint: 'f', serverFingerprint: 's', rooms: [],
    limits: { ...limits, keysPerSecond: 100, keysBurst: 1000, maxPayloadBytes: 32768, maxKeysPayloadBytes: 2048, maxBundleBytes: 4096, maxBundleGet: 256 },
  },
  { type: 'join', room: 'r', name: 'b', members: 2, ts: 1, fingerprint: 'SHA256:b' },
  { type: 'leave', room: 'r', name: 'b', members: 1, ts: 1 },
  { type: 'leave', room: 'r', name: 'b', members: 1, ts: 1, reason: 'gone' },
  { type: 'leave', room: 'r', name: 'b', members: 1, ts: 1, reason: null }, // an optional field may be null
  { type: 'rooms', rooms: [{ room: 'r', members: 1 }] },
  { type: 'who', room: 'r', members: ['a', 'b'], fingerprints: { a: 'SHA256:a', b: 'SHA256:b' } },
  { type: 'who', room: 'r', members: ['__proto__'], fingerprints: JSON.parse('{"__proto__":"SHA256:p"}') },
  { type: 'bundles', bundles: [{ name: 'b', key: 'AAAA', fingerprint: 'SHA256:b', bundle: 'AA==' }, { name: 'c', key: 'AAAA', fingerprint: 'SHA256:c', bundle: null }], unknown: ['d'], more: false },
  { type: 'e2e_room', id: '1', from: 'b', fromFingerprint: 'SHA256:b', room: 'lobby', ts: 1, payload: 'AAAA' },
  { type: 'e2e_to', id: '1', from: 'b', fromFingerprint: 'SHA256:b', to: 'a', kind: 'keys', ts: 1, payload: 'AAAA' },
  { type: 'whois', name: 'b', fingerprint: 'f', online: false, rooms: [] },
  { type: 'system', message: 'm', ts: 1 },
  { type: 'error', code: 'hash_mismatch', message: 'm' },
  { type: 'error', code: 'rate_limited', message: 'm', retryAfterMs: 100, command: 'say', ref: 'm1' },
  { type: 'pong' },
  { type: 'typing', anything: { at: 'all' } }, // a newer server's event: passed on
  { type: 'batch', events: [] }, // unbatch checks batches
];
const bad: [string, unknown][] = [
  ['not an object', 'ready'],
  ['an array', [{ type: 'pong' }]],
  ['no type', { name: 'x' }],
  ['a type that is not a string', { type: 7 }],
  ['join with members as a string', { type: 'join', room: 'r', name: 'b', members: '\x1b[2J', ts: 1 }],
  ['join without ts', { type: 'join', room: 'r', name: 'b', members: 2 }],
  ['join with a null name', { type: 'join', room: 'r', name: null, members: 2, ts: 1, fingerprint: 'f' }],
  ['join without the fingerprint', { type: 'join', room: 'r', name: 'b', members: 2, ts: 1 }],
  ['who without fingerprints', { type: 'who', room: 'r', members: ['a'] }],
  ['who with a fingerprint that is not a string', { type: 'who', room: 'r', members: ['a'], fingerprints: { a: 5 } }],
  ['who with fingerprints as a list', { type: 'who', room: 'r', members: ['a'], fingerprints: ['f'] }],
  ['bundles with an entry without a key', { type: 'bundles', bundles: [{ name: 'b', fingerprint: 'f', bundle: null }], unknown: [], more: false }],
  ['bundles with a bundle as a number', { type: 'bundles', bundles: [{ name: 'b', key: 'k', fingerprint: 'f', bundle: 5 }], unknown: [], more: false }],
  ['bundles without more', { type: 'bundles', bundles: [], unknown: [] }],
  ['e2e_room with a payload as an object', { type: 'e2e_room', id: '1', from: 'b', fromFingerprint: 'f', room: 'r', ts: 1, payload: { text: 'hi' } }],
  ['e2e_room without fromFingerprint', { type: 'e2e_room', id: '1', from: 'b', room: 'r', ts: 1, payload: 'AAAA' }],
  ['e2e_to with a kind as a number', { type: 'e2e_to', id: '1', from: 'b', fromFingerprint: 'f', to: 'a', kind: 1, ts: 1, payload: 'AAAA' }],
  // protocol 2: messages arrive end-to-end encrypted; only the client's E2E layer makes these
  ['a well-formed plaintext message (a server injecting text in b\'s name)', { type: 'message', id: '1', from: 'b', room: 'lobby', ts: 1, body: bodyFor('hi') }],
  ['a plaintext message claiming to be verified', { type: 'message', id: '1', from: 'b', room: 'lobby', ts: 1, body: bodyFor('hi'), verified: true, fingerprint: 'SHA256:b' }],
  ['a well-formed plaintext direct message', { type: 'direct', id: '1', from: 'b', to: 'a', ts: 1, body: bodyFor('hi') }],
  ['a forged key-change warning', { type: 'peer_key_changed', name: 'b', pinned: 'SHA256:a', presented: 'SHA256:b' }],
  ['a forged first-seen notice', { type: 'peer_new', name: 'b', fingerprint: 'SHA256:b' }],
  ['a forged client info line', { type: 'info', message: 'your key is verified' }],
  ['message with a number as text', { type: 'message', id: '1', from: 'b', room: 'r', ts: 1, body: { text: 5, sha256: 'x' } }],
  ['message without body', { type: 'message', id: '1', from: 'b', room: 'r', ts: 1 }],
  ['message with action as a string', { type: 'message', id: '1', from: 'b', room: 'r', ts: 1, body: { text: 't', sha256: 'x', action: 'yes' } }],
  ['ready with rooms not strings', { type: 'ready', name: 'a', fingerprint: 'f', serverFingerprint: 's', rooms: [1], limits }],
  ['ready with a limit as a string', { type: 'ready', name: 'a', fingerprint: 'f', serverFingerprint: 's', rooms: [], limits: { ...limits, burst: '10' } }],
  ['rooms with members as a string', { type: 'rooms', rooms: [{ room: 'r', members: 'x' }] }],
  ['who with members not an array', { type: 'who', room: 'r', members: 'a,b' }],
  ['whois with online as a string', { type: 'whois', name: 'b', fingerprint: 'f', online: 'yes', rooms: [] }],
  ['leave with a reason as a number', { type: 'leave', room: 'r', name: 'b', members: 1, ts: 1, reason: 5 }],
  ['error with a code of odd characters', { type: 'error', code: 'name_taken\x1b[2J', message: 'm' }],
  ['error with retryAfterMs as a string', { type: 'error', code: 'rate_limited', message: 'm', retryAfterMs: '5' }],
  ['system with an inherited message only', Object.assign(Object.create({ message: 'm' }), { type: 'system', ts: 1 })],
];

describe('checkServerEvent', () => {
  for (const ev of good) it(`accepts ${JSON.stringify(ev).slice(0, 80)}`, () => assert.equal(checkServerEvent(ev), ev));
  for (const [what, ev] of bad) {
    it(`refuses ${what} (malformed), quoting nothing the server sent`, () => {
      assert.throws(
        () => checkServerEvent(ev),
        (e: unknown) => isProtocolError(e, 'malformed') && !/[\x00-\x1f]/.test(e.message) && !e.message.includes('2J'),
      );
    });
  }
});
