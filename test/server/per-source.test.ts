/**
 * The per-source table: each count refuses past its limit and frees its place when released;
 * the handshake bucket refills at its rate and never above its burst; sources are forgotten
 * when nothing is open and their bucket is full, and idle ones are capped (bounded memory).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SourceTable, type PerSourceLimits } from '../../src/server/per-source.js';
import { ThrottledLog } from '../../src/server/log.js';

const LIMITS: PerSourceLimits = {
  maxConnectionsPerSource: 5,
  maxPendingHandshakesPerSource: 3,
  maxRawConnectionsPerSource: 4,
  handshakesPerSecondPerSource: 2,
  handshakeBurstPerSource: 4,
  maxIdleSources: 3,
};

function table(limits: Partial<PerSourceLimits> = {}) {
  const clock = { t: 1000 };
  return { t: new SourceTable({ ...LIMITS, ...limits }, () => clock.t), clock };
}

describe('per-source table', () => {
  it('raw TCP connections: refused past the limit, counted per source, freed on close', () => {
    const { t } = table();
    for (let i = 0; i < 4; i++) assert.equal(t.openRaw('a'), undefined);
    assert.equal(t.openRaw('a')?.reason, 'raw_connections');
    assert.equal(t.openRaw('b'), undefined, 'another source is not affected');
    t.closeRaw('a');
    assert.equal(t.openRaw('a'), undefined, 'a closed one frees a place');
    for (let i = 0; i < 4; i++) t.closeRaw('a');
    t.closeRaw('b');
    assert.equal(t.size, 0, 'nothing open and a full bucket: forgotten');
  });

  it('pending handshakes: refused past the limit until one ends', () => {
    const { t } = table({ handshakeBurstPerSource: 100 });
    for (let i = 0; i < 3; i++) assert.equal(t.admit('a'), undefined);
    const r = t.admit('a');
    assert.equal(r?.reason, 'pending_handshakes');
    assert.ok(r.retryAfterS >= 1 && /handshakes in progress/.test(r.message));
    t.handshakeEnded('a');
    assert.equal(t.admit('a'), undefined);
  });

  it('connections: refused past the limit, even when every handshake is over', () => {
    const { t } = table({ handshakeBurstPerSource: 100 });
    for (let i = 0; i < 5; i++) {
      assert.equal(t.admit('a'), undefined);
      t.handshakeEnded('a');
    }
    assert.equal(t.admit('a')?.reason, 'connections');
    t.connectionClosed('a');
    assert.equal(t.admit('a'), undefined);
  });

  it('the handshake bucket: a burst, then the rate; Retry-After says when', () => {
    const { t, clock } = table({ maxPendingHandshakesPerSource: 100, maxConnectionsPerSource: 100 });
    let admitted = 0;
    for (let i = 0; i < 10; i++) if (!t.admit('a')) admitted++;
    assert.equal(admitted, 4, 'the burst');
    const r = t.admit('a');
    assert.equal(r?.reason, 'handshake_rate');
    assert.equal(r.retryAfterS, 1);
    assert.match(r.message, /at most 2\/s, bursts of 4/);
    clock.t += 499;
    assert.equal(t.admit('a')?.reason, 'handshake_rate', 'not a whole token yet');
    clock.t += 1;
    assert.equal(t.admit('a'), undefined, 'one token after 1/rate s');
    assert.equal(t.admit('a')?.reason, 'handshake_rate');
    // over 10 s at most 2/s get in, whatever the number of attempts
    let later = 0;
    for (let ms = 0; ms < 10_000; ms += 10) {
      clock.t += 10;
      if (!t.admit('a')) later++;
    }
    assert.ok(later >= 19 && later <= 20, `${later} admitted in 10 s at 2/s`);
    assert.equal(t.admit('b'), undefined, 'another source has its own bucket');
  });

  it('refusals change nothing (no token taken, nothing counted)', () => {
    const { t } = table({ maxPendingHandshakesPerSource: 1 });
    assert.equal(t.admit('a'), undefined);
    for (let i = 0; i < 50; i++) assert.equal(t.admit('a')?.reason, 'pending_handshakes');
    t.handshakeEnded('a');
    // 3 tokens left of 4: three more admits, the fourth refused by the bucket
    for (let i = 0; i < 3; i++) {
      assert.equal(t.admit('a'), undefined);
      t.handshakeEnded('a');
    }
    assert.equal(t.admit('a')?.reason, 'handshake_rate');
  });

  it('idle sources are remembered while their bucket refills, then forgotten; at most maxIdleSources of them', () => {
    const { t, clock } = table({ maxIdleSources: 3 });
    for (const k of ['a', 'b', 'c', 'd', 'e']) {
      assert.equal(t.admit(k), undefined);
      t.handshakeEnded(k);
      t.connectionClosed(k);
    }
    assert.equal(t.size, 3, 'capped at maxIdleSources');
    // 'a' and 'b' were forgotten first: their buckets start full again
    for (let i = 0; i < 4; i++) {
      assert.equal(t.admit('a'), undefined, 'a is full again');
      t.handshakeEnded('a');
      t.connectionClosed('a');
    }
    assert.equal(t.admit('a')?.reason, 'handshake_rate');
    clock.t += 60_000; // everything refills
    t.sweep();
    assert.equal(t.size, 0, 'refilled sources are dropped by the sweep');
  });

  it('a source with open connections is never forgotten, however many idle ones come and go', () => {
    const { t } = table({ maxIdleSources: 2 });
    assert.equal(t.admit('keep'), undefined);
    for (let i = 0; i < 100; i++) {
      t.admit(`x${i}`);
      t.handshakeEnded(`x${i}`);
      t.connectionClosed(`x${i}`);
    }
    assert.equal(t.size, 3, '1 live + 2 idle');
    for (let i = 0; i < 2; i++) assert.equal(t.admit('keep'), undefined);
    assert.equal(t.admit('keep')?.reason, 'pending_handshakes', "the live source's counts survived");
  });

  it('releasing more than was counted never goes negative', () => {
    const { t } = table();
    t.closeRaw('a');
    t.handshakeEnded('a');
    t.connectionClosed('a');
    assert.equal(t.size, 0);
    assert.equal(t.openRaw('a'), undefined);
    t.closeRaw('a');
    t.closeRaw('a');
    for (let i = 0; i < 4; i++) assert.equal(t.openRaw('a'), undefined);
    assert.equal(t.openRaw('a')?.reason, 'raw_connections');
  });
});

describe('throttled refusal log', () => {
  it('at most N lines a second; the dropped ones are counted and reported', () => {
    const lines: string[] = [];
    const clock = { t: 0 };
    const log = new ThrottledLog({ info: (m) => lines.push(m), warn() {}, debug() {} }, 5, () => clock.t);
    for (let i = 0; i < 100; i++) log.info(`refused ${i}`);
    assert.equal(lines.length, 5);
    clock.t += 1000;
    log.info('refused late');
    assert.match(lines.at(-1)!, /^refused late \(95 similar lines before this one were not logged\)$/);
    for (let i = 0; i < 10; i++) log.info('x');
    log.flush();
    assert.match(lines.at(-1)!, /^6 refusals were not logged \(at most 5 such lines a second\)$/);
    log.flush();
    assert.equal(lines.filter((l) => /not logged/.test(l)).length, 2, 'flush reports only once');
  });
});
