#!/usr/bin/env bash
# How long installing Parley takes, and how long each way of running the `parley` command takes
# to start (the README's install section rests on these figures). Run from anywhere:
#   bash bench/install.sh [RUNS] > bench/results/install.txt
# It clones the project's committed HEAD into a temporary folder (never touching this checkout),
# then, RUNS times (default 2), alternating: `npm ci` as the README says (better-sqlite3
# compiled with one job when no prebuilt binary can be downloaded), and `JOBS=max npm ci`
# (node-gyp compiles with every core). Then, once: `npm link --ignore-scripts` and `npm link`
# into a scratch global folder, the first `npx parley --help` in the clone (npm installs the clone
# into its npx cache; the entry it makes is removed afterwards), and the start-up time of
# `parley --help` through the link, through npx, and as `node dist/src/cli/main.js`, median of 5.
# Nothing is installed for real: the global folder is a temporary one (npm_config_prefix).
set -euo pipefail
runs="${1:-2}"
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d /tmp/parley-install-bench.XXXXXX)"
trap 'rm -rf "$work"' EXIT
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false

secs() { # runs "$@" quietly, prints the wall time in seconds (fails if the command fails)
  local t0 t1
  t0=$(date +%s.%N)
  "$@" >"$work/last.log" 2>&1 || { echo "failed: $*" >&2; tail -20 "$work/last.log" >&2; return 1; }
  t1=$(date +%s.%N)
  echo "$t1 - $t0" | bc | xargs printf '%.2f'
}
median5() { # the median wall time of 5 runs of "$@"
  local i
  for i in 1 2 3 4 5; do secs "$@"; echo; done | sort -n | sed -n 3p
}

echo "# parley install and start-up, $(date -u +%Y-%m-%dT%H:%MZ)"
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores"
echo "node $(node --version), npm $(npm --version), $(openssl version | cut -d' ' -f1-2), $(g++ --version | head -1)"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "commit: $(git -C "$root" rev-parse --short HEAD)"
git clone -q "$root" "$work/parley"
cd "$work/parley"
echo
echo "## npm ci in a fresh clone (s, wall)"
for i in $(seq "$runs"); do
  rm -rf node_modules dist
  a=$(secs npm ci)
  rm -rf node_modules dist
  b=$(JOBS=max secs npm ci)
  echo "run $i: npm ci $a, JOBS=max npm ci $b (load $(cut -d' ' -f1 /proc/loadavg))"
done
echo
echo "## the parley command"
prefix="$work/global"
echo "npm link --ignore-scripts: $(npm_config_prefix="$prefix" secs npm link --ignore-scripts) s"
rm -rf "$prefix"
echo "npm link (runs the prepare script again): $(npm_config_prefix="$prefix" secs npm link) s"
npx_cache="$(npm config get cache)/_npx"
before="$(ls "$npx_cache" 2>/dev/null || true)"
echo "first npx parley --help in the clone: $(secs npx --yes parley --help) s"
echo "later npx parley --help in the clone (median of 5): $(median5 npx --yes parley --help) s"
for entry in $(ls "$npx_cache" 2>/dev/null); do
  grep -qx "$entry" <<<"$before" || rm -rf "${npx_cache:?}/$entry" # only the entry this script made
done
echo "linked parley --help (median of 5): $(median5 "$prefix/bin/parley" --help) s"
echo "node dist/src/cli/main.js --help (median of 5): $(median5 node dist/src/cli/main.js --help) s"
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
