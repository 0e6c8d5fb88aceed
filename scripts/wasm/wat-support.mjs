/**
 * The rest of the RSA engine's module (WAT text): carries, copies, comparisons, masked
 * subtraction, byte conversions, the fixed-length multiply-add and the two exponentiations.
 * Conventions in rsa-wat.mjs.
 */
import { M28, acc, forUp, g, limb, mulAdd2, s } from './wat-dsl.mjs';

export const MUL_ADD = `
  ;; r = a·b + c into Lr limbs (schoolbook, fixed length; the caller guarantees the result fits).
  ;; t holds max(La+Lb, Lc, Lr)+6 i64.
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
    (call $carry_store ${g('r')} ${g('t')} ${g('Lr')}))
`;

export const SMALL = `
  ;; t[0..n) = 0 (i64)
  ;; (four at a time: up to t[n+2] is cleared too; every t has room for it)
  (func $zero64 (param $t i32) (param $n i32)
    (local $end i32)
    ${s('end', acc(g('t'), g('n')))}
    (block $z_end (loop $z_top
      (br_if $z_end (i32.ge_u ${g('t')} ${g('end')}))
      (i64.store ${g('t')} (i64.const 0))
      (i64.store offset=8 ${g('t')} (i64.const 0))
      (i64.store offset=16 ${g('t')} (i64.const 0))
      (i64.store offset=24 ${g('t')} (i64.const 0))
      ${s('t', `(i32.add ${g('t')} (i32.const 32))`)}
      (br $z_top))))

  ;; one carry pass over accumulators t[0..n): t[k] < 2^28 for k < n, the rest added to t[n]
  (func $carry (param $t i32) (param $n i32)
    (local $p i32) (local $end i32) (local $v i64)
    ${s('p', g('t'))}
    ${s('end', acc(g('t'), g('n')))}
    (block $c_end (loop $c_top
      (br_if $c_end (i32.ge_u ${g('p')} ${g('end')}))
      ${s('v', `(i64.add (i64.load ${g('p')}) ${g('v')})`)}
      (i64.store ${g('p')} (i64.and ${g('v')} ${M28}))
      ${s('v', `(i64.shr_u ${g('v')} (i64.const 28))`)}
      ${s('p', `(i32.add ${g('p')} (i32.const 8))`)}
      (br $c_top)))
    (i64.store ${g('p')} (i64.add (i64.load ${g('p')}) ${g('v')})))

  ;; r[0..L) = t[0..L) with the carries propagated (one pass; what is above limb L−1 is dropped:
  ;; the callers' results fit in L limbs), pads r[L .. L+3] = 0
  (func $carry_store (param $r i32) (param $t i32) (param $L i32)
    (local $p i32) (local $end i32) (local $v i64)
    ${s('p', g('r'))}
    ${s('end', limb(g('r'), g('L')))}
    (block $c_end (loop $c_top
      (br_if $c_end (i32.ge_u ${g('p')} ${g('end')}))
      ${s('v', `(i64.add (i64.load ${g('t')}) ${g('v')})`)}
      (i32.store ${g('p')} (i32.wrap_i64 (i64.and ${g('v')} ${M28})))
      ${s('v', `(i64.shr_u ${g('v')} (i64.const 28))`)}
      ${s('p', `(i32.add ${g('p')} (i32.const 4))`)}
      ${s('t', `(i32.add ${g('t')} (i32.const 8))`)}
      (br $c_top)))
    (i32.store ${g('p')} (i32.const 0))
    (i32.store offset=4 ${g('p')} (i32.const 0))
    (i32.store offset=8 ${g('p')} (i32.const 0))
    (i32.store offset=12 ${g('p')} (i32.const 0)))

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

export const BYTES = `
  ;; r[0..L) = the k big-endian bytes at src as limbs, pads r[L .. L+3] = 0; 8k ≤ 28·L
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
    (i32.store ${limb(g('r'), g('L'))} (i32.const 0))
    (i32.store offset=4 ${limb(g('r'), g('L'))} (i32.const 0))
    (i32.store offset=8 ${limb(g('r'), g('L'))} (i32.const 0))
    (i32.store offset=12 ${limb(g('r'), g('L'))} (i32.const 0)))

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

export const EXP = `
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
      (i64.store ${acc(g('dst'), g('j'))} ${g('v')})`)}
    ;; the pads up to dst[L+3] (mont_sqr reads them)
    (i32.store offset=8 ${limb(g('dst'), g('L'))} (i32.const 0))
    (i32.store offset=12 ${limb(g('dst'), g('L'))} (i32.const 0)))

  ;; r = base^e in the Montgomery domain (base and one = R mod m given in it), processing exactly
  ;; ebits exponent bits (a public count) in fixed 5-bit windows, most significant first:
  ;; 5 squarings and one multiplication per window whatever the bits. tbl: 32·(L+4)+4 limbs,
  ;; r and sel: L+4 limbs, t: max(2L+6, 32) i64. r must not alias base.
  (func $exp_window (export "exp_window") (param $r i32) (param $base i32) (param $e i32) (param $ebits i32)
      (param $m i32) (param $minv i32) (param $L i32) (param $one i32) (param $tbl i32) (param $t i32) (param $sel i32)
    (local $k i32) (local $w i32) (local $stride i32) (local $n i32)
    ${s('n', `(i32.add ${g('L')} (i32.const 4))`)}
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
    (call $copy ${g('r')} ${g('base')} (i32.add ${g('L')} (i32.const 4)))
    ${s('b', `(i32.sub ${g('ebits')} (i32.const 1))`)}
    (block $b_end (loop $b_top
      (br_if $b_end (i32.le_s ${g('b')} (i32.const 0)))
      ${s('b', `(i32.sub ${g('b')} (i32.const 1))`)}
      (call $mont_sqr ${g('r')} ${g('r')} ${g('m')} ${g('minv')} ${g('L')} ${g('t')})
      (if (i32.and (i32.shr_u (i32.load ${limb(g('e'), `(i32.div_u ${g('b')} (i32.const 28))`)}) (i32.rem_u ${g('b')} (i32.const 28))) (i32.const 1))
        (then (call $mont_mul ${g('r')} ${g('r')} ${g('base')} ${g('m')} ${g('minv')} ${g('L')} ${g('t')})))
      (br $b_top))))
`;

