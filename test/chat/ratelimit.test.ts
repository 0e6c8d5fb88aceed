/** The token bucket and the flood counter. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FloodCounter, TokenBucket } from '../../src/chat/index.js';

describe('TokenBucket', () => {
  it('starts full: capacity requests at once, then refusal with the wait for one token', () => {
    const b = new TokenBucket(5, 10, 0);
    for (let i = 0; i < 10; i++) assert.deepEqual(b.take(0), { ok: true });
    assert.deepEqual(b.take(0), { ok: false, retryAfterMs: 200 });
    assert.deepEqual(b.take(199), { ok: false, retryAfterMs: 1 });
    assert.deepEqual(b.take(200), { ok: true });
    assert.deepEqual(b.take(200), { ok: false, retryAfterMs: 200 });
  });

  it('refills continuously and never beyond capacity', () => {
    const b = new TokenBucket(2, 3, 0);
    for (let i = 0; i < 3; i++) b.take(0);
    assert.ok(Math.abs(b.available(250) - 0.5) < 1e-9);
    assert.equal(b.available(1_000_000), 3);
  });

  it('sustains exactly the rate over a long run', () => {
    const b = new TokenBucket(5, 10, 0);
    let accepted = 0;
    for (let t = 0; t <= 60_000; t += 10) if (b.take(t).ok) accepted++; // asks 100/s for a minute
    assert.equal(accepted, 10 + 5 * 60);
  });

  it('fractional rates: retryAfterMs rounds up', () => {
    const b = new TokenBucket(0.3, 1, 0);
    assert.equal(b.take(0).ok, true);
    assert.deepEqual(b.take(0), { ok: false, retryAfterMs: 3334 });
    assert.equal(b.take(3334).ok, true);
  });

  it('a clock that steps back refills nothing and does not fail', () => {
    const b = new TokenBucket(1, 1, 10_000);
    assert.equal(b.take(10_000).ok, true);
    assert.equal(b.take(5_000).ok, false);
    assert.equal(b.take(5_999).ok, false);
    assert.equal(b.take(6_000).ok, true);
  });

  it('rejects nonsense parameters', () => {
    assert.throws(() => new TokenBucket(0, 1, 0), RangeError);
    assert.throws(() => new TokenBucket(NaN, 1, 0), RangeError);
    assert.throws(() => new TokenBucket(1, 0.5, 0), RangeError);
    assert.throws(() => new TokenBucket(1, Infinity, 0), RangeError);
  });
});

describe('FloodCounter', () => {
  it('trips on the refusal after `limit` within the window', () => {
    const f = new FloodCounter(3, 1000);
    assert.equal(f.record(0), false);
    assert.equal(f.record(10), false);
    assert.equal(f.record(20), false);
    assert.equal(f.record(30), true);
  });

  it('a new window starts after windowMs', () => {
    const f = new FloodCounter(2, 1000);
    f.record(0);
    f.record(500);
    assert.equal(f.record(1000), false, 'a new window');
    assert.equal(f.record(1500), false);
    assert.equal(f.record(1999), true);
  });
});
