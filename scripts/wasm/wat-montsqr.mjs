/**
 * Montgomery squaring for the RSA engine's module (WAT text): the exponentiations' squarings,
 * about three quarters of a multiplication's work. Conventions in rsa-wat.mjs.
 */
import { M28, acc, g, limb, mulAdd2, s } from './wat-dsl.mjs';
import { reduceRow } from './wat-montgomery.mjs';

export const MONT_SQR = `
  ;; r = a²·R⁻¹ mod m (a < 2m gives r < 2m): the square first, each off-diagonal product once
  ;; and doubled (half the multiplications of mont_mul); then Montgomery's reduction. Both run
  ;; four rows per sweep, so each accumulator is loaded and stored once per four products, as in
  ;; mont_mul. r may alias a; a and m need four zero pad limbs (a[L..L+3]); t: 2L+6 i64.
  (func $mont_sqr (export "mont_sqr") (param $r i32) (param $a i32) (param $m i32)
      (param $minv i32) (param $L i32) (param $t i32)
    (local $i i32) (local $p i32) (local $ap i32) (local $mp i32) (local $end i32)
    (local $ai i64) (local $ai2 i64) (local $ai1 i64) (local $ai12 i64) (local $aj i64) (local $aj1 i64) (local $aprev i64)
    (local $u i64) (local $u1 i64) (local $tt i64) (local $minv64 i64) (local $m0 i64) (local $m1 i64)
    (local $mj i64) (local $mj1 i64) (local $mprev i64)
    (local $a1 i64) (local $a2 i64) (local $a3 i64) (local $d1 i64) (local $d2 i64) (local $d3 i64)
    (local $x1 i64) (local $x2 i64) (local $x3 i64) (local $a4 i64) (local $a5 i64) (local $a6 i64)
    (local $u2 i64) (local $u3 i64) (local $m2 i64) (local $m3 i64) (local $w1 i64) (local $w2 i64) (local $w3 i64) (local $end3 i32)
    ${s('minv64', `(i64.extend_i32_u ${g('minv')})`)}
    ${s('m0', `(i64.load32_u ${g('m')})`)}
    ${s('m1', `(i64.load32_u offset=4 ${g('m')})`)}
    (call $zero64 ${g('t')} (i32.add (i32.shl ${g('L')} (i32.const 1)) (i32.const 3)))
    ;; 1. t = a²: rows i .. i+3 per sweep (each off-diagonal product once, doubled), then rows
    ;; i and i+1, then a single last row
    ${s('end3', `(i32.add ${g('a')} (i32.shl (i32.add ${g('L')} (i32.const 2)) (i32.const 2)))`)}
    ${s('i', '(i32.const 0)')}
    (block $sq4_end (loop $sq4_top
      (br_if $sq4_end (i32.ge_u (i32.add ${g('i')} (i32.const 3)) ${g('L')}))
      ${s('ap', limb(g('a'), g('i')))}
      ${s('ai', `(i64.load32_u offset=0 ${g('ap')})`)}
      ${s('a1', `(i64.load32_u offset=4 ${g('ap')})`)}
      ${s('a2', `(i64.load32_u offset=8 ${g('ap')})`)}
      ${s('a3', `(i64.load32_u offset=12 ${g('ap')})`)}
      ${s('a4', `(i64.load32_u offset=16 ${g('ap')})`)}
      ${s('a5', `(i64.load32_u offset=20 ${g('ap')})`)}
      ${s('a6', `(i64.load32_u offset=24 ${g('ap')})`)}
      ${s('ai2', `(i64.shl ${g('ai')} (i64.const 1))`)}
      ${s('d1', `(i64.shl ${g('a1')} (i64.const 1))`)}
      ${s('d2', `(i64.shl ${g('a2')} (i64.const 1))`)}
      ${s('d3', `(i64.shl ${g('a3')} (i64.const 1))`)}
      ${s('p', acc(g('t'), `(i32.shl ${g('i')} (i32.const 1))`))}
      ;; columns 2i .. 2i+6, where fewer than four rows contribute (and the diagonal squares)
      (i64.store offset=0 ${g('p')} (i64.add (i64.load offset=0 ${g('p')}) (i64.mul ${g('ai')} ${g('ai')})))
      (i64.store offset=8 ${g('p')} (i64.add (i64.load offset=8 ${g('p')}) (i64.mul ${g('ai2')} ${g('a1')})))
      (i64.store offset=16 ${g('p')} (i64.add (i64.load offset=16 ${g('p')}) (i64.add (i64.mul ${g('ai2')} ${g('a2')}) (i64.mul ${g('a1')} ${g('a1')}))))
      (i64.store offset=24 ${g('p')} (i64.add (i64.load offset=24 ${g('p')}) (i64.add (i64.mul ${g('ai2')} ${g('a3')}) (i64.mul ${g('d1')} ${g('a2')}))))
      (i64.store offset=32 ${g('p')} (i64.add (i64.load offset=32 ${g('p')}) (i64.add (i64.mul ${g('ai2')} ${g('a4')}) (i64.add (i64.mul ${g('d1')} ${g('a3')}) (i64.mul ${g('a2')} ${g('a2')})))))
      (i64.store offset=40 ${g('p')} (i64.add (i64.load offset=40 ${g('p')}) (i64.add (i64.mul ${g('ai2')} ${g('a5')}) (i64.add (i64.mul ${g('d1')} ${g('a4')}) (i64.mul ${g('d2')} ${g('a3')})))))
      (i64.store offset=48 ${g('p')} (i64.add (i64.load offset=48 ${g('p')}) (i64.add (i64.mul ${g('ai2')} ${g('a6')}) (i64.add (i64.mul ${g('d1')} ${g('a5')}) (i64.add (i64.mul ${g('d2')} ${g('a4')}) (i64.mul ${g('a3')} ${g('a3')}))))))
      ;; columns i+j for j = i+7 .. L+2, two per iteration: 2a[i]·a[j] + … + 2a[i+3]·a[j−3] (zero pads)
      ${s('p', `(i32.add ${g('p')} (i32.const 56))`)}
      ${s('ap', `(i32.add ${g('ap')} (i32.const 28))`)}
      ${s('x1', g('a6'))}
      ${s('x2', g('a5'))}
      ${s('x3', g('a4'))}
      (block $in_end (loop $in_top
        (br_if $in_end (i32.gt_u ${g('ap')} ${g('end3')}))
        ${s('aj', `(i64.load32_u ${g('ap')})`)}
        ${s('aj1', `(i64.load32_u offset=4 ${g('ap')})`)}
        (i64.store offset=0 ${g('p')} (i64.add (i64.load offset=0 ${g('p')}) (i64.add (i64.mul ${g('ai2')} ${g('aj')}) (i64.add (i64.mul ${g('d1')} ${g('x1')}) (i64.add (i64.mul ${g('d2')} ${g('x2')}) (i64.mul ${g('d3')} ${g('x3')}))))))
        (i64.store offset=8 ${g('p')} (i64.add (i64.load offset=8 ${g('p')}) (i64.add (i64.mul ${g('ai2')} ${g('aj1')}) (i64.add (i64.mul ${g('d1')} ${g('aj')}) (i64.add (i64.mul ${g('d2')} ${g('x1')}) (i64.mul ${g('d3')} ${g('x2')}))))))
        ${s('x3', g('x1'))}
        ${s('x2', g('aj'))}
        ${s('x1', g('aj1'))}
        ${s('p', `(i32.add ${g('p')} (i32.const 16))`)}
        ${s('ap', `(i32.add ${g('ap')} (i32.const 8))`)}
        (br $in_top)))
      ;; every 16 sweeps a carry pass (each column gains ≤ 4 products of < 2^57 per sweep)
      (if (i32.eq (i32.and ${g('i')} (i32.const 63)) (i32.const 60))
        (then (call $carry ${g('t')} (i32.add (i32.shl ${g('L')} (i32.const 1)) (i32.const 1)))))
      ${s('i', `(i32.add ${g('i')} (i32.const 4))`)}
      (br $sq4_top)))
    ${s('end', `(i32.add ${g('a')} (i32.shl ${g('L')} (i32.const 2)))`)}
    (block $pair_end (loop $pair_top
      (br_if $pair_end (i32.ge_u (i32.add ${g('i')} (i32.const 1)) ${g('L')}))
      ${s('ap', limb(g('a'), g('i')))}
      ${s('ai', `(i64.load32_u ${g('ap')})`)}
      ${s('ai1', `(i64.load32_u offset=4 ${g('ap')})`)}
      ${s('ai2', `(i64.shl ${g('ai')} (i64.const 1))`)}
      ${s('ai12', `(i64.shl ${g('ai1')} (i64.const 1))`)}
      ${s('aprev', `(i64.load32_u offset=8 ${g('ap')})`)}
      ${s('p', acc(g('t'), `(i32.shl ${g('i')} (i32.const 1))`))}
      ;; columns 2i, 2i+1, 2i+2
      (i64.store ${g('p')} (i64.add (i64.load ${g('p')}) (i64.mul ${g('ai')} ${g('ai')})))
      (i64.store offset=8 ${g('p')} (i64.add (i64.load offset=8 ${g('p')}) (i64.mul ${g('ai2')} ${g('ai1')})))
      (i64.store offset=16 ${g('p')} (i64.add (i64.load offset=16 ${g('p')})
        (i64.add (i64.mul ${g('ai1')} ${g('ai1')}) (i64.mul ${g('ai2')} ${g('aprev')}))))
      ;; columns i+j for j = i+3 .. L: 2a[i]·a[j] + 2a[i+1]·a[j−1], two per iteration (pads are zero)
      ${s('p', `(i32.add ${g('p')} (i32.const 24))`)}
      ${s('ap', `(i32.add ${g('ap')} (i32.const 12))`)}
      (block $in_end (loop $in_top
        (br_if $in_end (i32.gt_u ${g('ap')} ${g('end')}))
        ${s('aj', `(i64.load32_u ${g('ap')})`)}
        ${s('aj1', `(i64.load32_u offset=4 ${g('ap')})`)}
        (i64.store ${g('p')} (i64.add (i64.load ${g('p')}) ${mulAdd2(g('ai2'), g('aj'), g('ai12'), g('aprev'))}))
        (i64.store offset=8 ${g('p')} (i64.add (i64.load offset=8 ${g('p')}) ${mulAdd2(g('ai2'), g('aj1'), g('ai12'), g('aj'))}))
        ${s('aprev', g('aj1'))}
        ${s('p', `(i32.add ${g('p')} (i32.const 16))`)}
        ${s('ap', `(i32.add ${g('ap')} (i32.const 8))`)}
        (br $in_top)))
      ;; every 32 sweeps a carry pass (each column gains ≤ 2 products of < 2^57 per sweep)
      (if (i32.eq (i32.and ${g('i')} (i32.const 63)) (i32.const 62))
        (then (call $carry ${g('t')} (i32.add (i32.shl ${g('L')} (i32.const 1)) (i32.const 1)))))
      ${s('i', `(i32.add ${g('i')} (i32.const 2))`)}
      (br $pair_top)))
    (if (i32.lt_u ${g('i')} ${g('L')}) (then
      ${s('ai', `(i64.load32_u ${limb(g('a'), g('i'))})`)}
      ${s('p', acc(g('t'), `(i32.shl ${g('i')} (i32.const 1))`))}
      (i64.store ${g('p')} (i64.add (i64.load ${g('p')}) (i64.mul ${g('ai')} ${g('ai')})))))
    ;; no carry pass here: the reduction carries each column's whole value into the next, and an
    ;; accumulator holds at most 63 square products (< 2^57) since the last carry pass plus 64
    ;; reduction products (< 2^56) before the next: below 2^64
    ;; 2. Montgomery reduction: rows i .. i+3 per sweep (four products per accumulator access),
    ;; then rows i and i+1, then a single last row
    ${s('m2', `(i64.load32_u offset=8 ${g('m')})`)}
    ${s('m3', `(i64.load32_u offset=12 ${g('m')})`)}
    ${s('end3', `(i32.add ${g('m')} (i32.shl (i32.add ${g('L')} (i32.const 2)) (i32.const 2)))`)}
    ${s('i', '(i32.const 0)')}
    (block $quad_end (loop $quad_top
      (br_if $quad_end (i32.ge_u (i32.add ${g('i')} (i32.const 3)) ${g('L')}))
      ${s('p', acc(g('t'), g('i')))}
      ;; columns i .. i+3 give u0 .. u3 in turn
      ${s('tt', `(i64.load ${g('p')})`)}
      ${s('u', `(i64.and (i64.mul (i64.and ${g('tt')} ${M28}) ${g('minv64')}) ${M28})`)}
      ${s('tt', `(i64.add ${g('tt')} (i64.mul ${g('u')} ${g('m0')}))`)}
      ${s('tt', `(i64.add (i64.add (i64.load offset=8 ${g('p')}) (i64.shr_u ${g('tt')} (i64.const 28))) (i64.mul ${g('u')} ${g('m1')}))`)}
      ${s('u1', `(i64.and (i64.mul (i64.and ${g('tt')} ${M28}) ${g('minv64')}) ${M28})`)}
      ${s('tt', `(i64.add ${g('tt')} (i64.mul ${g('u1')} ${g('m0')}))`)}
      ${s('tt', `(i64.add (i64.add (i64.load offset=16 ${g('p')}) (i64.shr_u ${g('tt')} (i64.const 28))) ${mulAdd2(g('u'), g('m2'), g('u1'), g('m1'))})`)}
      ${s('u2', `(i64.and (i64.mul (i64.and ${g('tt')} ${M28}) ${g('minv64')}) ${M28})`)}
      ${s('tt', `(i64.add ${g('tt')} (i64.mul ${g('u2')} ${g('m0')}))`)}
      ${s('tt', `(i64.add (i64.add (i64.load offset=24 ${g('p')}) (i64.shr_u ${g('tt')} (i64.const 28)))
        (i64.add ${mulAdd2(g('u'), g('m3'), g('u1'), g('m2'))} (i64.mul ${g('u2')} ${g('m1')})))`)}
      ${s('u3', `(i64.and (i64.mul (i64.and ${g('tt')} ${M28}) ${g('minv64')}) ${M28})`)}
      ${s('tt', `(i64.add ${g('tt')} (i64.mul ${g('u3')} ${g('m0')}))`)}
      (i64.store offset=32 ${g('p')} (i64.add (i64.load offset=32 ${g('p')}) (i64.shr_u ${g('tt')} (i64.const 28))))
      ;; columns i+j for j = 4 .. L+2, two per iteration (the pads m[L..L+3] are zero); w1..w3 = m[j−1..j−3]
      ${s('p', `(i32.add ${g('p')} (i32.const 32))`)}
      ${s('mp', `(i32.add ${g('m')} (i32.const 16))`)}
      ${s('w1', g('m3'))}
      ${s('w2', g('m2'))}
      ${s('w3', g('m1'))}
      (block $in_end (loop $in_top
        (br_if $in_end (i32.gt_u ${g('mp')} ${g('end3')}))
        ${s('mj', `(i64.load32_u ${g('mp')})`)}
        ${s('mj1', `(i64.load32_u offset=4 ${g('mp')})`)}
        (i64.store ${g('p')} (i64.add (i64.load ${g('p')})
          (i64.add ${mulAdd2(g('u'), g('mj'), g('u1'), g('w1'))} ${mulAdd2(g('u2'), g('w2'), g('u3'), g('w3'))})))
        (i64.store offset=8 ${g('p')} (i64.add (i64.load offset=8 ${g('p')})
          (i64.add ${mulAdd2(g('u'), g('mj1'), g('u1'), g('mj'))} ${mulAdd2(g('u2'), g('w1'), g('u3'), g('w2'))})))
        ${s('w3', g('w1'))}
        ${s('w2', g('mj'))}
        ${s('w1', g('mj1'))}
        ${s('p', `(i32.add ${g('p')} (i32.const 16))`)}
        ${s('mp', `(i32.add ${g('mp')} (i32.const 8))`)}
        (br $in_top)))
      ;; every 16 sweeps (64 rows) a carry pass: ≤ 4 products of < 2^56 per column per sweep
      (if (i32.eq (i32.and ${g('i')} (i32.const 63)) (i32.const 60))
        (then (call $carry ${acc(g('t'), `(i32.add ${g('i')} (i32.const 4))`)} (i32.add ${g('L')} (i32.const 1)))))
      ${s('i', `(i32.add ${g('i')} (i32.const 4))`)}
      (br $quad_top)))
    ${s('end', `(i32.add ${g('m')} (i32.shl ${g('L')} (i32.const 2)))`)}
    (block $red_end (loop $red_top
      (br_if $red_end (i32.ge_u (i32.add ${g('i')} (i32.const 1)) ${g('L')}))
      ${s('p', acc(g('t'), g('i')))}
      ${s('tt', `(i64.load ${g('p')})`)}
      ${s('u', `(i64.and (i64.mul (i64.and ${g('tt')} ${M28}) ${g('minv64')}) ${M28})`)}
      ${s('tt', `(i64.add ${g('tt')} (i64.mul ${g('u')} ${g('m0')}))`)}
      ${s('tt', `(i64.add (i64.add (i64.load offset=8 ${g('p')}) (i64.shr_u ${g('tt')} (i64.const 28))) (i64.mul ${g('u')} ${g('m1')}))`)}
      ${s('u1', `(i64.and (i64.mul (i64.and ${g('tt')} ${M28}) ${g('minv64')}) ${M28})`)}
      ${s('tt', `(i64.add ${g('tt')} (i64.mul ${g('u1')} ${g('m0')}))`)}
      (i64.store offset=16 ${g('p')} (i64.add (i64.load offset=16 ${g('p')}) (i64.shr_u ${g('tt')} (i64.const 28))))
      ${s('p', `(i32.add ${g('p')} (i32.const 16))`)}
      ${s('mp', `(i32.add ${g('m')} (i32.const 8))`)}
      ${s('mprev', g('m1'))}
      (block $in_end (loop $in_top
        (br_if $in_end (i32.gt_u ${g('mp')} ${g('end')}))
        ${s('mj', `(i64.load32_u ${g('mp')})`)}
        ${s('mj1', `(i64.load32_u offset=4 ${g('mp')})`)}
        (i64.store ${g('p')} (i64.add (i64.load ${g('p')}) ${mulAdd2(g('u'), g('mj'), g('u1'), g('mprev'))}))
        (i64.store offset=8 ${g('p')} (i64.add (i64.load offset=8 ${g('p')}) ${mulAdd2(g('u'), g('mj1'), g('u1'), g('mj'))}))
        ${s('mprev', g('mj1'))}
        ${s('p', `(i32.add ${g('p')} (i32.const 16))`)}
        ${s('mp', `(i32.add ${g('mp')} (i32.const 8))`)}
        (br $in_top)))
      (if (i32.eq (i32.and ${g('i')} (i32.const 63)) (i32.const 62))
        (then (call $carry ${acc(g('t'), `(i32.add ${g('i')} (i32.const 2))`)} (i32.add ${g('L')} (i32.const 1)))))
      ${s('i', `(i32.add ${g('i')} (i32.const 2))`)}
      (br $red_top)))
    (if (i32.lt_u ${g('i')} ${g('L')}) (then
      ${reduceRow()}))
    (call $carry_store ${g('r')} ${acc(g('t'), g('L'))} ${g('L')}))
`;

