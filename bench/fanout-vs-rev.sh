#!/bin/bash
# The server's cost per delivery, this checkout against an earlier revision: bench:fanout's fixed
# rate (20,000 deliveries/s, 200 clients) for Parley and the ws-batched baseline, the two builds
# alternating run by run so that machine drift hits both alike (ws-batched is the control: its
# code is the same in both). Issue 13's rule: protocol 2's end-to-end layer must not raise the
# server's CPU per delivery by more than 10 % (the server relays opaque payloads).
#   bash bench/fanout-vs-rev.sh REV [ROUNDS]      (default ROUNDS 3, 2 trials each: ~5 min)
# Raw results: bench/results/fanout-vs-rev/{head,rev}-<round>.json; summary on stdout.
set -eu
REV=${1:?usage: bash bench/fanout-vs-rev.sh REV [ROUNDS]}
ROUNDS=${2:-3}
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/bench/results/fanout-vs-rev
mkdir -p "$OUT"
TMP=$(mktemp -d)
trap 'git -C "$ROOT" worktree remove --force "$TMP/rev" >/dev/null 2>&1 || true; rm -rf "$TMP"' EXIT
git -C "$ROOT" worktree add --detach "$TMP/rev" "$REV" >/dev/null 2>&1
ln -s "$ROOT/node_modules" "$TMP/rev/node_modules"
(cd "$TMP/rev" && npx tsc -p tsconfig.json >/dev/null)
npx tsc -p tsconfig.json >/dev/null
echo "HEAD $(git rev-parse --short HEAD) against $REV ($(git -C "$TMP/rev" rev-parse --short HEAD)); $ROUNDS rounds"
ARGS=(--servers parley,ws-batched --sizes 200 --rates 20000 --trials 2 --part sweep --json)
for i in $(seq 1 "$ROUNDS"); do
  for side in head rev; do
    dir=$ROOT; [ "$side" = rev ] && dir=$TMP/rev
    (cd "$dir" && node dist/bench/fanout.js "${ARGS[@]}" --out "$OUT/$side-$i.json" > "$OUT/$side-$i.txt" 2> "$OUT/$side-$i.log")
    echo "round $i $side done"
  done
done
node -e '
const fs = require("fs"); const dir = process.argv[1]; const rounds = +process.argv[2];
const med = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const get = (side) => { const r = { parley: [], "ws-batched": [] };
  for (let i = 1; i <= rounds; i++) for (const p of JSON.parse(fs.readFileSync(`${dir}/${side}-${i}.json`)).points) if (!p.discarded) r[p.kind].push(p.serverCpuPerDelivery);
  return r; };
const h = get("head"), v = get("rev");
const f = (xs) => `${med(xs).toFixed(2)} [${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}] (n=${xs.length})`;
console.log("server CPU µs per delivery at 20,000/s, 200 clients: median [min–max]");
for (const k of ["parley", "ws-batched"]) console.log(`  ${k}: this build ${f(h[k])}; ${process.argv[3]} ${f(v[k])}`);
const grow = med(h.parley) / med(v.parley), ctl = med(h["ws-batched"]) / med(v["ws-batched"]);
console.log(`Parley this build / ${process.argv[3]}: ${grow.toFixed(3)}× (ws-batched control: ${ctl.toFixed(3)}×; Parley relative to the control: ${(grow / ctl).toFixed(3)}×)`);
console.log(JSON.stringify({ parley_cpu_ratio: +grow.toFixed(3), control_ratio: +ctl.toFixed(3), parley_cpu_ratio_vs_control: +(grow / ctl).toFixed(3) }));
' "$OUT" "$ROUNDS" "$REV" | tee "$OUT/summary.txt"
