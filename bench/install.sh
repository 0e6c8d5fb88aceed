#!/usr/bin/env bash
# How long installing Parley takes, and how long each way of running the `parley` command takes
# to start (the README's install section rests on these figures). Run from anywhere:
#   bash bench/install.sh [RUNS] > bench/results/install.txt
# It clones the project's committed HEAD into a temporary folder (never touching this checkout),
# then RUNS times (default 2): `npm ci` as the README says, and, alternating, better-sqlite3's
# build alone (`npm rebuild better-sqlite3`: its prebuilt binary cannot be downloaded here, so
# node-gyp compiles SQLite) with one compile job and with JOBS=max, wall and CPU time. Then, once:
# `npm link --ignore-scripts` and `npm link` into a scratch global folder, the first
# `npx parley --help` in the clone (npm installs the clone into its npx cache; the entry it makes
# is removed afterwards), and the start-up time of `parley --help` through the link, through npx,
# and as `node dist/src/cli/main.js`, median of 5.
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
  echo "run $i: npm ci $(secs npm ci) (load $(cut -d' ' -f1 /proc/loadavg))"
done
echo
echo "## better-sqlite3 compiled alone: npm rebuild better-sqlite3 (s, wall and user+sys CPU)"
cpu_secs() { # like secs, and the CPU time of the command and its children
  local t0 t1
  t0=$(date +%s.%N)
  ( "$@" >"$work/last.log" 2>&1; times >"$work/times" ) || { echo "failed: $*" >&2; tail -20 "$work/last.log" >&2; return 1; }
  t1=$(date +%s.%N)
  # the subshell's `times`: its children's user and sys time, second line, as 0m12.345s
  local cpu
  cpu=$(sed -n 2p "$work/times" | awk '{ s = 0; for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); s += a[1] * 60 + a[2] } printf "%.2f", s }')
  printf '%.2f wall, %s CPU' "$(echo "$t1 - $t0" | bc)" "$cpu"
}
for i in $(seq "$runs"); do
  echo "run $i: one job $(cpu_secs npm rebuild better-sqlite3); JOBS=max $(JOBS=max cpu_secs npm rebuild better-sqlite3) (load $(cut -d' ' -f1 /proc/loadavg))"
done
echo "its compile units: $(find node_modules/better-sqlite3/build/Release/obj.target -name '*.o' -printf '%f ' 2>/dev/null); sqlite3.c is $(du -k node_modules/better-sqlite3/deps/sqlite3/sqlite3.c 2>/dev/null | cut -f1) KB"
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
