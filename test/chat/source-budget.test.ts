/** The per-source budget of new names: spend, refill, and a table that forgets what no longer matters. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SourceBudgets } from '../../src/chat/source-budget.js';

describe('SourceBudgets', () => {
  it('a source may create `burst` names at once, then one per 3600/perHour seconds', () => {
    const b = new SourceBudgets(60, 3); // one a minute
    const t = 1_000_000;
    for (let i = 0; i < 3; i++) {
      assert.equal(b.waitMs('a', t), 0);
      b.spend('a', t);
    }
    assert.equal(b.waitMs('a', t), 60_000);
    assert.equal(b.waitMs('a', t + 59_000), 1000);
    assert.equal(b.waitMs('a', t + 60_000), 0);
    assert.equal(b.waitMs('b', t), 0, 'another source is untouched');
  });

  it('waitMs spends nothing and creates no entry', () => {
    const b = new SourceBudgets(20, 20);
    for (let i = 0; i < 1000; i++) assert.equal(b.waitMs(`s${i}`, 0), 0);
    assert.equal(b.size, 0);
  });

  it('forgets a source once its bucket is full again (burst / rate), so the table stays small', () => {
    const b = new SourceBudgets(20, 20); // full again 1 h after the last spend
    for (let i = 0; i < 500; i++) b.spend(`s${i}`, i * 1000);
    assert.equal(b.size, 500);
    b.spend('late', 3_600_000 + 250_000); // s0 … s250 spent ≥ 1 h ago
    assert.equal(b.size, 500 - 251 + 1);
    assert.equal(b.waitMs('s0', 3_600_000 + 250_000), 0, 'a forgotten source starts full, as it would have been');
  });

  it('refuses a rate or burst that makes no sense', () => {
    assert.throws(() => new SourceBudgets(0, 1), RangeError);
    assert.throws(() => new SourceBudgets(1, 0), RangeError);
    assert.throws(() => new SourceBudgets(NaN, 1), RangeError);
  });
});
