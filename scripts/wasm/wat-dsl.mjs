/** A few helpers that write WAT expressions (scripts/wasm/*.mjs): locals, addresses, loops. */

export const M28 = '(i64.const 0xfffffff)';

/** `(local.get $x)` */
export const g = (x) => `(local.get $${x})`;
/** `(local.set $x v)` */
export const s = (x, v) => `(local.set $${x} ${v})`;
/** address of limb `i` (i32) of array at `base` */
export const limb = (base, i) => `(i32.add ${base} (i32.shl ${i} (i32.const 2)))`;
/** address of accumulator `i` (i64) of array at `base` */
export const acc = (base, i) => `(i32.add ${base} (i32.shl ${i} (i32.const 3)))`;
/** A counted loop: for (v = from; v < to; v++) body — `to` is re-evaluated (keep it a local). */
export const forUp = (v, from, to, body, label = v) => `
    ${s(v, from)}
    (block $${label}_end (loop $${label}_top
      (br_if $${label}_end (i32.ge_u ${g(v)} ${to}))
      ${body}
      ${s(v, `(i32.add ${g(v)} (i32.const 1))`)}
      (br $${label}_top)))`;

/** One product a·b + u·m of limbs loaded as i64 (expressions). */
export const mulAdd2 = (a, b, u, m) => `(i64.add (i64.mul ${a} ${b}) (i64.mul ${u} ${m}))`;

