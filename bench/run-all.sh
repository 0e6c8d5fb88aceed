#!/bin/bash
# The benchmark runs that docs/PERFORMANCE.md and README.md quote, each started only once the
# machine is idle (under 0.15 cores busy over 5 s, from /proc/stat: on a shared machine, wait for
# other people's jobs to end). Each writes its raw result to bench/results/<name>.json; this
# script keeps what each printed in bench/results/<name>.txt (stdout) and .log (stderr).
#   bash bench/run-all.sh [fanout] [rsa] [handshake] [heap] [timer] [e2e] [cluster] [ct]
# (default: the first six, ~40 min). ct (the timing-leak test, ~10 min) is optional. cluster is optional, on request only (an estimated 20–30 min, not yet timed): it starts
# its own redis-server and PostgreSQL (test/helpers/services.ts) and, when this build's
# 'parley server' has --redis, three Parley nodes on them.
set -u
cd "$(dirname "$0")/.."
npm run build --silent || exit 1
busy() {
  read -r _ a b c _ _ f g _ < /proc/stat; local t1=$((a + b + c + f + g)); sleep 5
  read -r _ a b c _ _ f g _ < /proc/stat; local t2=$((a + b + c + f + g))
  echo "scale=2; ($t2 - $t1) / 500" | bc
}
quiet() {
  while :; do
    local b; b=$(busy)
    if [ "$(echo "$b < 0.15" | bc)" = 1 ]; then echo "$(date +%T) idle ($b cores busy); $(uptime)"; return; fi
    echo "$(date +%T) waiting: $b cores busy; top: $(ps aux --sort=-%cpu | sed -n 2p | cut -c66-150)"
    sleep 20
  done
}
jobs=("$@")
[ ${#jobs[@]} -eq 0 ] && jobs=(fanout rsa handshake heap timer e2e)
for job in "${jobs[@]}"; do
  case $job in fanout | rsa | handshake | heap | timer | e2e | cluster | ct) ;; *) echo "unknown benchmark: $job (fanout, rsa, handshake, heap, timer, e2e, cluster, ct)"; exit 2 ;; esac
  quiet
  node "dist/bench/$job.js" --json > "bench/results/$job.txt" 2> "bench/results/$job.log"
  echo "$(date +%T) $job done (exit $?)"
done
