/**
 * The WebAssembly text (WAT) of Parley's RSA engine, generated as a string (issue 15).
 *
 * Numbers are little-endian arrays of 28-bit limbs, one per i32 in linear memory, each array
 * followed by at least one zero "pad" limb. Products of two limbs (< 2^56) are summed in i64
 * accumulators without a carry per product ("lazy carries"); a carry pass every 64 rows keeps
 * every accumulator below 2^64 whatever the limb count. Montgomery's R is 2^(28·L) > 4m, so the
 * results of mont_mul stay below 2m and the exponentiation needs no conditional subtraction.
 *
 * Constant-time structure: every loop bound and every branch depends only on limb counts, byte
 * lengths and the public exponent of exp_public, never on the value of a secret; the window
 * table is read by scanning all 32 entries with arithmetic masks; conditional subtractions are
 * masked. Only baseline WebAssembly 1.0 instructions are used (no SIMD, threads or bulk memory).
 *
 * Every exported function takes byte addresses of limb arrays and public lengths.
 */

const M28 = '(i64.const 0xfffffff)';

/** `(local.get $x)` */
const g = (x) => `(local.get $${x})`;
/** `(local.set $x v)` */
const s = (x, v) => `(local.set $${x} ${v})`;
/** address of limb `i` (i32) of array at `base` */
const limb = (base, i) => `(i32.add ${base} (i32.shl ${i} (i32.const 2)))`;
/** address of accumulator `i` (i64) of array at `base` */
const acc = (base, i) => `(i32.add ${base} (i32.shl ${i} (i32.const 3)))`;
/** A counted loop: for (v = from; v < to; v++) body — `to` is re-evaluated (keep it a local). */
const forUp = (v, from, to, body, label = v) => `
    ${s(v, from)}
    (block $${label}_end (loop $${label}_top
      (br_if $${label}_end (i32.ge_u ${g(v)} ${to}))
      ${body}
      ${s(v, `(i32.add ${g(v)} (i32.const 1))`)}
      (br $${label}_top)))`;

/** One product a·b + u·m of limbs loaded as i64 (expressions). */
const mulAdd2 = (a, b, u, m) => `(i64.add (i64.mul ${a} ${b}) (i64.mul ${u} ${m}))`;

const MONT_MUL = `
  ;; r = a·b·R⁻¹ mod m, R = 2^(28·L); a, b < 2m (a may be < 4m when b < m) give r < 2m.
  ;; Operand scanning, two rows per pass: rows i and i+1 add a[i]·b + u·m and a[i+1]·b + u'·m
  ;; (u, u' chosen so that limbs i and i+1 vanish) into t[i..] in one sweep over the columns,
  ;; so each accumulator is loaded and stored once per four products; a single last row when L
  ;; is odd. The inner loop is unrolled by two (not fully: V8's optimizing tier is slower on
  ;; long straight-line code). r may alias a or b; b and m need two zero pad limbs (b[L] =
  ;; b[L+1] = m[L] = m[L+1] = 0); t holds 2L+3 i64.
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
    (call $carry ${acc(g('t'), g('L'))} (i32.add ${g('L')} (i32.const 1)))
    (call $store_limbs ${g('r')} ${acc(g('t'), g('L'))} ${g('L')}))
`;

const MONT_SQR = `
  ;; r = a²·R⁻¹ mod m (a < 2m gives r < 2m): the square first, each off-diagonal product once
  ;; and doubled (half the multiplications of mont_mul), two rows per sweep; then Montgomery's
  ;; reduction, two rows per sweep. r may alias a; a and m need two zero pad limbs; t: 2L+3 i64.
  (func $mont_sqr (export "mont_sqr") (param $r i32) (param $a i32) (param $m i32)
      (param $minv i32) (param $L i32) (param $t i32)
    (local $i i32) (local $p i32) (local $ap i32) (local $mp i32) (local $end i32)
    (local $ai i64) (local $ai2 i64) (local $ai1 i64) (local $ai12 i64) (local $aj i64) (local $aj1 i64) (local $aprev i64)
    (local $u i64) (local $u1 i64) (local $tt i64) (local $minv64 i64) (local $m0 i64) (local $m1 i64)
    (local $mj i64) (local $mj1 i64) (local $mprev i64)
    ${s('minv64', `(i64.extend_i32_u ${g('minv')})`)}
    ${s('m0', `(i64.load32_u ${g('m')})`)}
    ${s('m1', `(i64.load32_u offset=4 ${g('m')})`)}
    (call $zero64 ${g('t')} (i32.add (i32.shl ${g('L')} (i32.const 1)) (i32.const 3)))
    ;; 1. t = a², rows i and i+1 per sweep
    ${s('end', `(i32.add ${g('a')} (i32.shl ${g('L')} (i32.const 2)))`)}
    ${s('i', '(i32.const 0)')}
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
    (call $carry ${g('t')} (i32.add (i32.shl ${g('L')} (i32.const 1)) (i32.const 1)))
    ;; 2. Montgomery reduction, rows i and i+1 per sweep
    ${s('end', `(i32.add ${g('m')} (i32.shl ${g('L')} (i32.const 2)))`)}
    ${s('i', '(i32.const 0)')}
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
        (br $in_top)))))
    (call $carry ${acc(g('t'), g('L'))} (i32.add ${g('L')} (i32.const 1)))
    (call $store_limbs ${g('r')} ${acc(g('t'), g('L'))} ${g('L')}))
`;

const REDC = `
  ;; r = x·R⁻¹ mod m (Montgomery reduction of an Lx-limb x by an L-limb m, Lx ≥ L; R = 2^(28·L)).
  ;; r < 2m whenever x < R·m. t holds Lx+L+3 i64.
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
        (br $in_top)))
      (if (i32.eq (i32.and ${g('i')} (i32.const 63)) (i32.const 63))
        (then (call $carry ${acc(g('t'), `(i32.add ${g('i')} (i32.const 1))`)} (i32.add ${g('Lx')} (i32.const 1)))))`)}
    (call $carry ${acc(g('t'), g('L'))} (i32.add ${g('Lx')} (i32.const 1)))
    (call $store_limbs ${g('r')} ${acc(g('t'), g('L'))} ${g('L')}))
`;

const MUL_ADD = `
  ;; r = a·b + c into Lr limbs (schoolbook, fixed length; the caller guarantees the result fits).
  ;; t holds max(La+Lb, Lc, Lr)+3 i64.
  (func $mul_add (export "mul_add") (param $r i32) (param $a i32) (param $La i32) (param $b i32) (param $Lb i32)
      (param $c i32) (param $Lc i32) (param $Lr i32) (param $t i32)
    (local $i i32) (local $j i32) (local $n i32) (local $p i32) (local $ai i64)
    ${s('n', `(i32.add ${g('La')} ${g('Lb')})`)}
    (if (i32.gt_u ${g('Lc')} ${g('n')}) (then ${s('n', g('Lc'))}))
    (if (i32.gt_u ${g('Lr')} ${g('n')}) (then ${s('n', g('Lr'))}))
    (call $zero64 ${g('t')} (i32.add ${g('n')} (i32.const 3)))
    ${forUp('i', '(i32.const 0)', g('La'), `
      ${s('ai', `(i64.load32_u ${limb(g('a'), g('i'))})`)}
      ${forUp('j', '(i32.const 0)', g('Lb'), `
        ${s('p', acc(g('t'), `(i32.add ${g('i')} ${g('j')})`))}
        (i64.store ${g('p')} (i64.add (i64.load ${g('p')}) (i64.mul ${g('ai')} (i64.load32_u ${limb(g('b'), g('j'))}))))`)}
      (if (i32.eq (i32.and ${g('i')} (i32.const 63)) (i32.const 63))
        (then (call $carry ${g('t')} (i32.add ${g('n')} (i32.const 1)))))`)}
    ${forUp('i', '(i32.const 0)', g('Lc'), `
      ${s('p', acc(g('t'), g('i')))}
      (i64.store ${g('p')} (i64.add (i64.load ${g('p')}) (i64.load32_u ${limb(g('c'), g('i'))})))`)}
    (call $carry ${g('t')} (i32.add ${g('n')} (i32.const 1)))
    (call $store_limbs ${g('r')} ${g('t')} ${g('Lr')}))
`;

const SMALL = `
  ;; t[0..n) = 0 (i64)
  (func $zero64 (param $t i32) (param $n i32)
    (local $i i32)
    ${forUp('i', '(i32.const 0)', g('n'), `(i64.store ${acc(g('t'), g('i'))} (i64.const 0))`)})

  ;; one carry pass over accumulators t[0..n): t[k] < 2^28 for k < n, the rest added to t[n]
  (func $carry (param $t i32) (param $n i32)
    (local $i i32) (local $p i32) (local $v i64)
    ${forUp('i', '(i32.const 0)', g('n'), `
      ${s('p', acc(g('t'), g('i')))}
      ${s('v', `(i64.load ${g('p')})`)}
      (i64.store ${g('p')} (i64.and ${g('v')} ${M28}))
      (i64.store offset=8 ${g('p')} (i64.add (i64.load offset=8 ${g('p')}) (i64.shr_u ${g('v')} (i64.const 28))))`)})

  ;; r[0..L) = low 32 bits of t[0..L) (normalized limbs), pads r[L] = r[L+1] = 0
  (func $store_limbs (param $r i32) (param $t i32) (param $L i32)
    (local $i i32)
    ${forUp('i', '(i32.const 0)', g('L'), `(i32.store ${limb(g('r'), g('i'))} (i32.wrap_i64 (i64.load ${acc(g('t'), g('i'))})))`)}
    (i32.store ${limb(g('r'), g('L'))} (i32.const 0))
    (i32.store offset=4 ${limb(g('r'), g('L'))} (i32.const 0)))

  ;; r[0..n) = a[0..n) (limbs; r and a do not overlap partially)
  (func $copy (export "copy") (param $r i32) (param $a i32) (param $n i32)
    (local $i i32)
    ${forUp('i', '(i32.const 0)', g('n'), `(i32.store ${limb(g('r'), g('i'))} (i32.load ${limb(g('a'), g('i'))}))`)})

  ;; 1 if a < b else 0 (L limbs, both normalized); reads every limb
  (func $lt (export "lt") (param $a i32) (param $b i32) (param $L i32) (result i32)
    (local $i i32) (local $c i64)
    ${forUp('i', '(i32.const 0)', g('L'), `
      ${s('c', `(i64.shr_s (i64.add (i64.sub (i64.load32_u ${limb(g('a'), g('i'))}) (i64.load32_u ${limb(g('b'), g('i'))})) ${g('c')}) (i64.const 28))`)}`)}
    (i32.wrap_i64 (i64.and ${g('c')} (i64.const 1))))

  ;; 1 if a = b else 0 (L limbs); reads every limb
  (func $eq (export "eq") (param $a i32) (param $b i32) (param $L i32) (result i32)
    (local $i i32) (local $d i32)
    ${forUp('i', '(i32.const 0)', g('L'), `
      ${s('d', `(i32.or ${g('d')} (i32.xor (i32.load ${limb(g('a'), g('i'))}) (i32.load ${limb(g('b'), g('i'))})))`)}`)}
    (i32.eqz ${g('d')}))

  ;; r = a − m if a ≥ m, else a: two passes, the choice made with a mask (no branch on the values)
  (func $sub_cond (export "sub_cond") (param $r i32) (param $a i32) (param $m i32) (param $L i32)
    (local $i i32) (local $c i64) (local $d i64) (local $ai i64) (local $mask i64)
    ${forUp('i', '(i32.const 0)', g('L'), `
      ${s('c', `(i64.shr_s (i64.add (i64.sub (i64.load32_u ${limb(g('a'), g('i'))}) (i64.load32_u ${limb(g('m'), g('i'))})) ${g('c')}) (i64.const 28))`)}`)}
    ;; mask = all ones when a < m (keep a), zero otherwise (take a − m)
    ${s('mask', g('c'))}
    ${s('c', '(i64.const 0)')}
    ${forUp('i', '(i32.const 0)', g('L'), `
      ${s('ai', `(i64.load32_u ${limb(g('a'), g('i'))})`)}
      ${s('d', `(i64.add (i64.sub ${g('ai')} (i64.load32_u ${limb(g('m'), g('i'))})) ${g('c')})`)}
      ${s('c', `(i64.shr_s ${g('d')} (i64.const 28))`)}
      (i32.store ${limb(g('r'), g('i'))} (i32.wrap_i64 (i64.or (i64.and ${g('ai')} ${g('mask')})
        (i64.and (i64.and ${g('d')} ${M28}) (i64.xor ${g('mask')} (i64.const -1))))))`)})

  ;; r = a + b (L limbs, the carry out of the top limb dropped)
  (func $add (export "add") (param $r i32) (param $a i32) (param $b i32) (param $L i32)
    (local $i i32) (local $c i64)
    ${forUp('i', '(i32.const 0)', g('L'), `
      ${s('c', `(i64.add (i64.add (i64.load32_u ${limb(g('a'), g('i'))}) (i64.load32_u ${limb(g('b'), g('i'))})) ${g('c')})`)}
      (i32.store ${limb(g('r'), g('i'))} (i32.wrap_i64 (i64.and ${g('c')} ${M28})))
      ${s('c', `(i64.shr_u ${g('c')} (i64.const 28))`)}`)})

  ;; r = a − b (L limbs, the borrow out of the top limb dropped)
  (func $sub (export "sub") (param $r i32) (param $a i32) (param $b i32) (param $L i32)
    (local $i i32) (local $c i64)
    ${forUp('i', '(i32.const 0)', g('L'), `
      ${s('c', `(i64.add (i64.sub (i64.load32_u ${limb(g('a'), g('i'))}) (i64.load32_u ${limb(g('b'), g('i'))})) ${g('c')})`)}
      (i32.store ${limb(g('r'), g('i'))} (i32.wrap_i64 (i64.and ${g('c')} ${M28})))
      ${s('c', `(i64.shr_s ${g('c')} (i64.const 28))`)}`)})
`;

const BYTES = `
  ;; r[0..L] = the k big-endian bytes at src as limbs (pad limb included); 8k ≤ 28·L
  (func $from_bytes (export "from_bytes") (param $r i32) (param $src i32) (param $k i32) (param $L i32)
    (local $i i32) (local $j i32) (local $nb i32) (local $v i64)
    ${s('i', g('k'))}
    (block $b_end (loop $b_top
      (br_if $b_end (i32.eqz ${g('i')}))
      ${s('i', `(i32.sub ${g('i')} (i32.const 1))`)}
      ${s('v', `(i64.or ${g('v')} (i64.shl (i64.load8_u (i32.add ${g('src')} ${g('i')})) (i64.extend_i32_u ${g('nb')})))`)}
      ${s('nb', `(i32.add ${g('nb')} (i32.const 8))`)}
      (if (i32.ge_u ${g('nb')} (i32.const 28)) (then
        (if (i32.lt_u ${g('j')} ${g('L')}) (then (i32.store ${limb(g('r'), g('j'))} (i32.wrap_i64 (i64.and ${g('v')} ${M28})))))
        ${s('v', `(i64.shr_u ${g('v')} (i64.const 28))`)}
        ${s('nb', `(i32.sub ${g('nb')} (i32.const 28))`)}
        ${s('j', `(i32.add ${g('j')} (i32.const 1))`)}))
      (br $b_top)))
    (block $l_end (loop $l_top
      (br_if $l_end (i32.ge_u ${g('j')} ${g('L')}))
      (i32.store ${limb(g('r'), g('j'))} (i32.wrap_i64 (i64.and ${g('v')} ${M28})))
      ${s('v', `(i64.shr_u ${g('v')} (i64.const 28))`)}
      ${s('j', `(i32.add ${g('j')} (i32.const 1))`)}
      (br $l_top)))
    (i32.store ${limb(g('r'), g('L'))} (i32.const 0)))

  ;; the k big-endian bytes at dst = the limbs a[0..L) (higher bits dropped)
  (func $to_bytes (export "to_bytes") (param $dst i32) (param $a i32) (param $k i32) (param $L i32)
    (local $i i32) (local $j i32) (local $nb i32) (local $v i64)
    ${s('i', g('k'))}
    (block $b_end (loop $b_top
      (br_if $b_end (i32.eqz ${g('i')}))
      ${s('i', `(i32.sub ${g('i')} (i32.const 1))`)}
      (if (i32.lt_u ${g('nb')} (i32.const 8)) (then
        (if (i32.lt_u ${g('j')} ${g('L')}) (then
          ${s('v', `(i64.or ${g('v')} (i64.shl (i64.load32_u ${limb(g('a'), g('j'))}) (i64.extend_i32_u ${g('nb')})))`)}))
        ${s('j', `(i32.add ${g('j')} (i32.const 1))`)}
        ${s('nb', `(i32.add ${g('nb')} (i32.const 28))`)}))
      (i32.store8 (i32.add ${g('dst')} ${g('i')}) (i32.wrap_i64 ${g('v')}))
      ${s('v', `(i64.shr_u ${g('v')} (i64.const 8))`)}
      ${s('nb', `(i32.sub ${g('nb')} (i32.const 8))`)}
      (br $b_top))))
`;

const EXP = `
  ;; the 5 exponent bits e[pos .. pos+4] (e in limbs with a zero pad limb after its last one)
  (func $window (param $e i32) (param $pos i32) (result i32)
    (local $idx i32) (local $p i32)
    ${s('idx', `(i32.div_u ${g('pos')} (i32.const 28))`)}
    ${s('p', limb(g('e'), g('idx')))}
    (i32.and
      (i32.wrap_i64 (i64.shr_u
        (i64.or (i64.load32_u ${g('p')}) (i64.shl (i64.load32_u offset=4 ${g('p')}) (i64.const 28)))
        (i64.extend_i32_u (i32.sub ${g('pos')} (i32.mul ${g('idx')} (i32.const 28))))))
      (i32.const 31)))

  ;; dst = tbl[w] for the secret w: every one of the 32 entries is read, two limbs at a time, and
  ;; masked; entries are (L+3)>>1 words of 8 bytes (L limbs, zero pads), and so is dst. mk: 32 i64.
  (func $select (param $dst i32) (param $tbl i32) (param $w i32) (param $L i32) (param $mk i32)
    (local $k i32) (local $j i32) (local $nw i32) (local $stride i32) (local $src i32) (local $mp i32) (local $v i64)
    ${s('nw', `(i32.shr_u (i32.add ${g('L')} (i32.const 3)) (i32.const 1))`)}
    ${s('stride', `(i32.shl ${g('nw')} (i32.const 3))`)}
    ${forUp('k', '(i32.const 0)', '(i32.const 32)', `
      (i64.store ${acc(g('mk'), g('k'))} (i64.extend_i32_s (i32.sub (i32.const 0) (i32.eq ${g('k')} ${g('w')}))))`)}
    ${forUp('j', '(i32.const 0)', g('nw'), `
      ${s('v', '(i64.const 0)')}
      ${s('src', acc(g('tbl'), g('j')))}
      ${s('mp', g('mk'))}
      ${forUp('k', '(i32.const 0)', '(i32.const 8)', [0, 1, 2, 3].map((q) => `
        ${s('v', `(i64.or ${g('v')} (i64.and (i64.load ${g('src')}) (i64.load offset=${8 * q} ${g('mp')})))`)}
        ${s('src', `(i32.add ${g('src')} ${g('stride')})`)}`).join('') + `
        ${s('mp', `(i32.add ${g('mp')} (i32.const 32))`)}`)}
      (i64.store ${acc(g('dst'), g('j'))} ${g('v')})`)})

  ;; r = base^e in the Montgomery domain (base and one = R mod m given in it), processing exactly
  ;; ebits exponent bits (a public count) in fixed 5-bit windows, most significant first:
  ;; 5 squarings and one multiplication per window whatever the bits. tbl: 32·(L+4) limbs,
  ;; r and sel: L+4 limbs, t: max(2L+3, 32) i64. r must not alias base.
  (func $exp_window (export "exp_window") (param $r i32) (param $base i32) (param $e i32) (param $ebits i32)
      (param $m i32) (param $minv i32) (param $L i32) (param $one i32) (param $tbl i32) (param $t i32) (param $sel i32)
    (local $k i32) (local $w i32) (local $stride i32) (local $n i32)
    ${s('n', `(i32.add ${g('L')} (i32.const 2))`)}
    ${s('stride', `(i32.shl (i32.shr_u (i32.add ${g('L')} (i32.const 3)) (i32.const 1)) (i32.const 3))`)}
    (call $copy ${g('tbl')} ${g('one')} ${g('n')})
    (call $copy (i32.add ${g('tbl')} ${g('stride')}) ${g('base')} ${g('n')})
    ${forUp('k', '(i32.const 2)', '(i32.const 32)', `
      (call $mont_mul (i32.add ${g('tbl')} (i32.mul ${g('k')} ${g('stride')}))
        (i32.add ${g('tbl')} (i32.mul (i32.sub ${g('k')} (i32.const 1)) ${g('stride')})) ${g('base')}
        ${g('m')} ${g('minv')} ${g('L')} ${g('t')})`)}
    ${s('w', `(i32.div_u (i32.add ${g('ebits')} (i32.const 4)) (i32.const 5))`)}
    (if (i32.eqz ${g('w')}) (then (call $copy ${g('r')} ${g('one')} ${g('n')}) (return)))
    ${s('w', `(i32.sub ${g('w')} (i32.const 1))`)}
    (call $select ${g('r')} ${g('tbl')} (call $window ${g('e')} (i32.mul ${g('w')} (i32.const 5))) ${g('L')} ${g('t')})
    (block $w_end (loop $w_top
      (br_if $w_end (i32.eqz ${g('w')}))
      ${s('w', `(i32.sub ${g('w')} (i32.const 1))`)}
      ${forUp('k', '(i32.const 0)', '(i32.const 5)', `(call $mont_sqr ${g('r')} ${g('r')} ${g('m')} ${g('minv')} ${g('L')} ${g('t')})`)}
      (call $select ${g('sel')} ${g('tbl')} (call $window ${g('e')} (i32.mul ${g('w')} (i32.const 5))) ${g('L')} ${g('t')})
      (call $mont_mul ${g('r')} ${g('r')} ${g('sel')} ${g('m')} ${g('minv')} ${g('L')} ${g('t')})
      (br $w_top))))

  ;; r = base^e in the Montgomery domain for a PUBLIC exponent of exactly ebits bits (top bit set):
  ;; left-to-right square-and-multiply that branches on e's bits. r must not alias base.
  (func $exp_public (export "exp_public") (param $r i32) (param $base i32) (param $e i32) (param $ebits i32)
      (param $m i32) (param $minv i32) (param $L i32) (param $t i32)
    (local $b i32)
    (call $copy ${g('r')} ${g('base')} (i32.add ${g('L')} (i32.const 2)))
    ${s('b', `(i32.sub ${g('ebits')} (i32.const 1))`)}
    (block $b_end (loop $b_top
      (br_if $b_end (i32.le_s ${g('b')} (i32.const 0)))
      ${s('b', `(i32.sub ${g('b')} (i32.const 1))`)}
      (call $mont_sqr ${g('r')} ${g('r')} ${g('m')} ${g('minv')} ${g('L')} ${g('t')})
      (if (i32.and (i32.shr_u (i32.load ${limb(g('e'), `(i32.div_u ${g('b')} (i32.const 28))`)}) (i32.rem_u ${g('b')} (i32.const 28))) (i32.const 1))
        (then (call $mont_mul ${g('r')} ${g('r')} ${g('base')} ${g('m')} ${g('minv')} ${g('L')} ${g('t')})))
      (br $b_top))))
`;

/** The complete module text. Deterministic: the same source always gives the same text. */
export function rsaWat() {
  return `;; Parley's RSA engine — generated by scripts/build-wasm.mjs from scripts/wasm/rsa-wat.mjs; do not edit.
(module
  (memory (export "memory") 1)
${SMALL}${BYTES}${MONT_MUL}${MONT_SQR}${REDC}${MUL_ADD}${EXP})
`;
}
