/** unbatch (docs/PROTOCOL.md §Batches): a batch frame's events in order; malformed batches refused. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerEvent } from '../../src/chat/events.js';
import { unbatch } from '../../src/protocol/batch.js';
import { isProtocolError } from '../../src/protocol/index.js';

describe('unbatch', () => {
  it('expands a batch in order and passes a single event through', () => {
    const a: ServerEvent = { type: 'pong' };
    const b: ServerEvent = { type: 'system', message: 'hi', ts: 1 };
    assert.deepEqual(unbatch({ type: 'batch', events: [a, b] }), [a, b]);
    assert.deepEqual(unbatch(a), [a]);
  });

  it('refuses a malformed or nested batch with ProtocolError malformed', () => {
    for (const bad of [{ type: 'batch' }, { type: 'batch', events: 'x' }, { type: 'batch', events: [1] }, { type: 'batch', events: [null] }, { type: 'batch', events: [{ type: 'batch', events: [] }] }]) {
      assert.throws(() => unbatch(bad as unknown as ServerEvent), (e: unknown) => isProtocolError(e) && e.code === 'malformed', JSON.stringify(bad));
    }
  });
});
