/**
 * The Montgomery arithmetic of the RSA engine's module (WAT text): multiplication and
 * reduction of limb arrays (squaring: wat-montsqr.mjs). Conventions in rsa-wat.mjs.
 */
import { M28, acc, forUp, g, limb, mulAdd2, s } from './wat-dsl.mjs';

export const MONT_MUL = `
  ;; r = a·b·R⁻¹ mod m, R = 2^(28·L); a, b < 2m (a may be < 4m when b < m) give r < 2m.
  ;; Operand scanning, two rows per pass: rows i and i+1 add a[i]·b + u·m and a[i+1]·b + u'·m
  ;; (u, u' chosen so that limbs i and i+1 vanish) into t[i..] in one sweep over the columns,
  ;; so each accumulator is loaded and stored once per four products; a single last row when L
  ;; is odd. The inner loop is unrolled by two (not fully: V8's optimizing tier is slower on
  ;; long straight-line code). r may alias a or b; b and m need two zero pad limbs (b[L] =
  ;; b[L+1] = m[L] = m[L+1] = 0); t holds 2L+6 i64.
  (func $mont_mul (export "mont_mul") (param $r i32) (param $a i32) (param $b i32) (param $m i32)
      (param $minv i32) (param $L i32) (param $t i32)
    (local $i i32) (local $p i32) (local $bp i32) (local $mp i32) (local $end i32)
    (local $ai i64) (local $ai1 i64) (local $u i64) (local $u1 i64) (local $tt i64) (local $minv64 i64)
    (local $b0 i64) (local $m0 i64) (local $b1 i64) (local $m1 i64)
    (local $bj i64) (local $mj i64) (local $bj1 i64) (local $mj1 i64) (local $bprev i64) (local $mprev i64)
    ${s('minv64', `(i64.extend_i32_u ${g('minv')})`)}
    ${s('b0', `(i64.load32_u ${g('b')})`)}
    ${s('m0', `(i64.load32_u ${g('m')})`)}
    ${s('b1', `(i64.load32_u offset=4 ${g('b')})`)}
    ${s('m1', `(i64.load32_u offset=4 ${g('m')})`)}
    (call $zero64 ${g('t')} (i32.add (i32.shl ${g('L')} (i32.const 1)) (i32.const 3)))
    ;; the pair loop's columns run to j = L (pad limbs), the single row's to j = L−1 (+ pad)
    ${s('end', `(i32.add ${g('b')} (i32.shl ${g('L')} (i32.const 2)))`)}
    ${s('i', '(i32.const 0)')}
    (block $pair_end (loop $pair_top
      (br_if $pair_end (i32.ge_u (i32.add ${g('i')} (i32.const 1)) ${g('L')}))
      ${s('ai', `(i64.load32_u ${limb(g('a'), g('i'))})`)}
      ${s('ai1', `(i64.load32_u offset=4 ${limb(g('a'), g('i'))})`)}
      ${s('p', acc(g('t'), g('i')))}
      ;; column i: u = −(t[i] + a[i]·b[0])·m⁻¹ mod 2^28
      ${s('tt', `(i64.add (i64.load ${g('p')}) (i64.mul ${g('ai')} ${g('b0')}))`)}
      ${s('u', `(i64.and (i64.mul (i64.and ${g('tt')} ${M28}) ${g('minv64')}) ${M28})`)}
      ${s('tt', `(i64.add ${g('tt')} (i64.mul ${g('u')} ${g('m0')}))`)}
      ;; column i+1: row i's second products, row i+1's first; then u'
      ${s('tt', `(i64.add (i64.add (i64.load offset=8 ${g('p')}) (i64.shr_u ${g('tt')} (i64.const 28)))
        (i64.add ${mulAdd2(g('ai'), g('b1'), g('u'), g('m1'))} (i64.mul ${g('ai1')} ${g('b0')})))`)}
      ${s('u1', `(i64.and (i64.mul (i64.and ${g('tt')} ${M28}) ${g('minv64')}) ${M28})`)}
      ${s('tt', `(i64.add ${g('tt')} (i64.mul ${g('u1')} ${g('m0')}))`)}
      (i64.store offset=16 ${g('p')} (i64.add (i64.load offset=16 ${g('p')}) (i64.shr_u ${g('tt')} (i64.const 28))))
      ;; columns i+j for j = 2 .. L, two per iteration: row i's j-th and row i+1's (j−1)-th products
      ${s('p', `(i32.add ${g('p')} (i32.const 16))`)}
      ${s('bp', `(i32.add ${g('b')} (i32.const 8))`)}
      ${s('mp', `(i32.add ${g('m')} (i32.const 8))`)}
      ${s('bprev', g('b1'))}
      ${s('mprev', g('m1'))}
      (block $in_end (loop $in_top
        (br_if $in_end (i32.gt_u ${g('bp')} ${g('end')}))
        ${s('bj', `(i64.load32_u ${g('bp')})`)}
        ${s('mj', `(i64.load32_u ${g('mp')})`)}
        ${s('bj1', `(i64.load32_u offset=4 ${g('bp')})`)}
        ${s('mj1', `(i64.load32_u offset=4 ${g('mp')})`)}
        (i64.store ${g('p')} (i64.add (i64.load ${g('p')})
          (i64.add ${mulAdd2(g('ai'), g('bj'), g('u'), g('mj'))} ${mulAdd2(g('ai1'), g('bprev'), g('u1'), g('mprev'))})))
        (i64.store offset=8 ${g('p')} (i64.add (i64.load offset=8 ${g('p')})
          (i64.add ${mulAdd2(g('ai'), g('bj1'), g('u'), g('mj1'))} ${mulAdd2(g('ai1'), g('bj'), g('u1'), g('mj'))})))
        ${s('bprev', g('bj1'))}
        ${s('mprev', g('mj1'))}
        ${s('p', `(i32.add ${g('p')} (i32.const 16))`)}
        ${s('bp', `(i32.add ${g('bp')} (i32.const 8))`)}
        ${s('mp', `(i32.add ${g('mp')} (i32.const 8))`)}
        (br $in_top)))
      ;; every 32 pairs (64 rows) a carry pass keeps each accumulator below 2^64 (≤ 128 products of < 2^56)
      (if (i32.eq (i32.and ${g('i')} (i32.const 63)) (i32.const 62))
        (then (call $carry ${acc(g('t'), `(i32.add ${g('i')} (i32.const 2))`)} (i32.add ${g('L')} (i32.const 1)))))
      ${s('i', `(i32.add ${g('i')} (i32.const 2))`)}
      (br $pair_top)))
    ;; the last row when L is odd
    (if (i32.lt_u ${g('i')} ${g('L')}) (then
      ${s('ai', `(i64.load32_u ${limb(g('a'), g('i'))})`)}
      ${s('p', acc(g('t'), g('i')))}
      ${s('tt', `(i64.add (i64.load ${g('p')}) (i64.mul ${g('ai')} ${g('b0')}))`)}
      ${s('u', `(i64.and (i64.mul (i64.and ${g('tt')} ${M28}) ${g('minv64')}) ${M28})`)}
      ${s('tt', `(i64.add ${g('tt')} (i64.mul ${g('u')} ${g('m0')}))`)}
      (i64.store offset=8 ${g('p')} (i64.add (i64.load offset=8 ${g('p')}) (i64.shr_u ${g('tt')} (i64.const 28))))
      ${s('p', `(i32.add ${g('p')} (i32.const 8))`)}
      ${s('bp', `(i32.add ${g('b')} (i32.const 4))`)}
      ${s('mp', `(i32.add ${g('m')} (i32.const 4))`)}
      (block $in_end (loop $in_top
        (br_if $in_end (i32.ge_u ${g('bp')} ${g('end')}))
        (i64.store ${g('p')} (i64.add (i64.load ${g('p')}) ${mulAdd2(g('ai'), `(i64.load32_u ${g('bp')})`, g('u'), `(i64.load32_u ${g('mp')})`)}))
        (i64.store offset=8 ${g('p')} (i64.add (i64.load offset=8 ${g('p')}) ${mulAdd2(g('ai'), `(i64.load32_u offset=4 ${g('bp')})`, g('u'), `(i64.load32_u offset=4 ${g('mp')})`)}))
        ${s('p', `(i32.add ${g('p')} (i32.const 16))`)}
        ${s('bp', `(i32.add ${g('bp')} (i32.const 8))`)}
        ${s('mp', `(i32.add ${g('mp')} (i32.const 8))`)}
        (br $in_top)))))
    (call $carry_store ${g('r')} ${acc(g('t'), g('L'))} ${g('L')}))
`;

/**
 * One row of Montgomery reduction at column i (WAT statements on the caller's locals $t, $i, $p,
 * $tt, $u, $minv64, $m0, $m, $mp, $end): u = −t[i]·m⁻¹ mod 2^28, then t[i..] += u·m, the inner
 * loop unrolled by two (m carries a zero pad limb). Used by REDC and by mont_sqr's odd last row.
 */
export const reduceRow = () => `
      ${s('p', acc(g('t'), g('i')))}
      ${s('tt', `(i64.load ${g('p')})`)}
      ${s('u', `(i64.and (i64.mul (i64.and ${g('tt')} ${M28}) ${g('minv64')}) ${M28})`)}
      ${s('tt', `(i64.add ${g('tt')} (i64.mul ${g('u')} ${g('m0')}))`)}
      (i64.store offset=8 ${g('p')} (i64.add (i64.load offset=8 ${g('p')}) (i64.shr_u ${g('tt')} (i64.const 28))))
      ${s('p', `(i32.add ${g('p')} (i32.const 8))`)}
      ${s('mp', `(i32.add ${g('m')} (i32.const 4))`)}
      (block $in_end (loop $in_top
        (br_if $in_end (i32.ge_u ${g('mp')} ${g('end')}))
        (i64.store ${g('p')} (i64.add (i64.load ${g('p')}) (i64.mul ${g('u')} (i64.load32_u ${g('mp')}))))
        (i64.store offset=8 ${g('p')} (i64.add (i64.load offset=8 ${g('p')}) (i64.mul ${g('u')} (i64.load32_u offset=4 ${g('mp')}))))
        ${s('p', `(i32.add ${g('p')} (i32.const 16))`)}
        ${s('mp', `(i32.add ${g('mp')} (i32.const 8))`)}
        (br $in_top)))`;

export const REDC = `
  ;; r = x·R⁻¹ mod m (Montgomery reduction of an Lx-limb x by an L-limb m, Lx ≥ L; R = 2^(28·L)).
  ;; r < 2m whenever x < R·m. t holds Lx+L+6 i64.
  (func $redc (export "redc") (param $r i32) (param $x i32) (param $Lx i32) (param $m i32)
      (param $minv i32) (param $L i32) (param $t i32)
    (local $i i32) (local $p i32) (local $mp i32) (local $end i32)
    (local $u i64) (local $tt i64) (local $minv64 i64) (local $m0 i64)
    ${s('minv64', `(i64.extend_i32_u ${g('minv')})`)}
    ${s('m0', `(i64.load32_u ${g('m')})`)}
    (call $zero64 ${g('t')} (i32.add (i32.add ${g('Lx')} ${g('L')}) (i32.const 3)))
    ${forUp('i', '(i32.const 0)', g('Lx'), `(i64.store ${acc(g('t'), g('i'))} (i64.load32_u ${limb(g('x'), g('i'))}))`)}
    ${s('end', `(i32.add ${g('m')} (i32.shl ${g('L')} (i32.const 2)))`)}
    ${forUp('i', '(i32.const 0)', g('L'), `
      ${reduceRow()}
      (if (i32.eq (i32.and ${g('i')} (i32.const 63)) (i32.const 63))
        (then (call $carry ${acc(g('t'), `(i32.add ${g('i')} (i32.const 1))`)} (i32.add ${g('Lx')} (i32.const 1)))))`)}
    (call $carry_store ${g('r')} ${acc(g('t'), g('L'))} ${g('L')}))
`;

