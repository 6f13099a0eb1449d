#!/usr/bin/env bash
# Stops what scripts/cluster-up.sh started: gateways first (SIGTERM: drain, leave, hand off), then simulators.
set -uo pipefail
run="$(cd "$(dirname "$0")/.." && pwd)/.run"
[ -d "$run" ] || { echo "nothing to stop ($run does not exist)"; exit 0; }

stop() {
  local pidfile="$run/$1.pid"
  [ -f "$pidfile" ] || return 0
  local pid; pid="$(cat "$pidfile")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 1 120); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$pid" 2>/dev/null && { echo "$1 did not stop in 60 s; killing it"; kill -KILL "$pid"; }
  fi
  rm -f "$pidfile"
}

for n in 3 2 1; do stop "gateway-$n"; done
for s in a b c; do stop "sim-$s"; done
echo "cluster stopped (logs kept in $run)"
