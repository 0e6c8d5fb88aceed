/**
 * bench/lib/welch.ts: Welch's t of bench:ct against closed-form cases that a wrong variance
 * (population instead of sample), Student's pooled t, or a wrong cropping would fail.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { croppedT, maxAbsT, meanVar, welchT } from '../../bench/lib/welch.js';

const close = (got: number, want: number, what: string) => assert.ok(Math.abs(got - want) < 1e-9 * Math.max(1, Math.abs(want)), `${what}: ${got} ≠ ${want}`);

describe("Welch's t (bench/lib/welch.ts)", () => {
  it('mean and sample variance', () => {
    const r = meanVar([1, 2, 3, 4]);
    close(r.mean, 2.5, 'mean');
    close(r.variance, 5 / 3, 'variance (n − 1)'); // population variance would be 1.25
  });

  // a: mean 2.5, s² 5/3; b: mean 5, s² 20/3; t = −2.5 / sqrt(5/12 + 20/12) = −√3
  // (population variances would give −2)
  const cases: { a: number[]; b: number[]; t: number; why: string }[] = [
    { a: [1, 2, 3, 4], b: [2, 4, 6, 8], t: -Math.sqrt(3), why: 'equal sizes' },
    // a: mean 2, s² 1; b: mean 5, s² 10; t = −3 / sqrt(1/3 + 10/5) = −√(27/7) ≈ −1.964
    // (Student's pooled t would give −1.553)
    { a: [1, 2, 3], b: [1, 3, 5, 7, 9], t: -Math.sqrt(27 / 7), why: 'unequal sizes and variances (Welch, not Student)' },
    { a: [1, 3, 5, 7, 9], b: [1, 2, 3], t: Math.sqrt(27 / 7), why: 'antisymmetric: positive when a is slower' },
    { a: [5, 5, 5], b: [5, 5], t: 0, why: 'constant and equal' },
  ];
  for (const c of cases) it(`t: ${c.why}`, () => close(welchT(c.a, c.b), c.t, c.why));

  it('constant and different samples give ±Infinity; fewer than 2 values NaN', () => {
    assert.equal(welchT([2, 2], [1, 1]), Infinity);
    assert.equal(welchT([1, 1], [2, 2]), -Infinity);
    assert.ok(Number.isNaN(welchT([1], [1, 2, 3])));
  });

  it('a large shift in a large sample gives a large |t|, none gives a small one', () => {
    const a = Array.from({ length: 2000 }, (_, i) => 100 + (i % 10));
    const b = a.map((x) => x + 1);
    // each sample: 0..9 repeated 200 times, s² = 8.25 · 2000/1999; t = −1 / sqrt(2 s² / 2000) = −sqrt(1999/16.5) ≈ −11.0
    close(welchT(a, b), -Math.sqrt(1999 / 16.5), 'shift of 1');
    assert.ok(Math.abs(welchT(a, [...a].reverse())) < 1e-9);
  });

  it('cropping keeps each class’s values at or below the pooled percentile', () => {
    // pooled 1..10, median by interpolation 5.5: a keeps 1..5 (5 values), b keeps none of 6..10
    const a = [1, 2, 3, 4, 5];
    const b = [6, 7, 8, 9, 10];
    const rs = croppedT(a, b, [1, 0.5, 0.9]);
    assert.deepEqual(rs[0]!.n, [5, 5]);
    close(rs[0]!.t, -5 / Math.sqrt(2.5 / 5 + 2.5 / 5), 'uncropped');
    assert.deepEqual(rs[1]!.n, [5, 0]);
    assert.ok(Number.isNaN(rs[1]!.t));
    // 0.9-quantile of 1..10 is 9.1: b keeps 6..9 (mean 7.5, s² 5/3)
    assert.deepEqual(rs[2]!.n, [5, 4]);
    close(rs[2]!.t, -4.5 / Math.sqrt(2.5 / 5 + 5 / 3 / 4), '0.9 cropping');
    close(maxAbsT(rs), 5 / Math.sqrt(2.5 / 5 + 2.5 / 5), 'max |t| skips NaN');
  });

  it('an outlier that hides a shift is cropped away', () => {
    // a is 1 slower than b everywhere, but one huge outlier in b inflates its variance
    const b = Array.from({ length: 1000 }, (_, i) => 1000 + (i % 7));
    const a = b.map((x) => x + 1);
    b[0] = 1e7;
    const rs = croppedT(a, b, [1, 0.99]);
    assert.ok(Math.abs(rs[0]!.t) < 4.5, `uncropped ${rs[0]!.t}`);
    assert.ok(Math.abs(rs[1]!.t) > 4.5, `cropped ${rs[1]!.t}`);
  });
});
