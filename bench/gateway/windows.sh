#!/usr/bin/env bash
# Successive measured windows of ONE proxy process: how much CPU per request drifts while nothing changes but time.
# For each target (YARP, then the gateway; each a fresh process in front of the same 3 simulators): WARMUP s of wrk
# load, then WINDOWS windows of SECONDS_PER_WINDOW s each, back to back. Per window: the proxy's CPU per request, the
# simulators' CPU per request, req/s, and a fixed-work probe (an awk loop at nice 19, timed in CPU seconds): if the probe
# slows in a window, the machine itself was slower (host contention, frequency); if it does not while the proxy and the
# simulators cost more, the closed loop changed state. Writes bench/gateway/results-windows.md, or results-windows-paced.md with PAUSE_MS (RESULTS overrides).
#
#   bench/gateway/windows.sh                  # saturated: 30 connections, no pause (as run.sh by default)
#   PAUSE_MS=5 bench/gateway/windows.sh       # paced: each connection waits 5 ms after every response
#   PAUSE_MS=5 TARGETS=gateway GATEWAY_ENV="DOTNET_TieredPGO=0" RESULTS=/tmp/w.md bench/gateway/windows.sh   # a runtime setting
#
# Needs: dotnet (the .NET 10 SDK), wrk, curl, awk.
set -euo pipefail

TARGETS="${TARGETS:-yarp gateway}"
WINDOWS="${WINDOWS:-6}"
SECONDS_PER_WINDOW="${SECONDS_PER_WINDOW:-15}"
WARMUP="${WARMUP:-60}"               # seconds of the same load before the first window
PAUSE_MS="${PAUSE_MS:-}"             # chat.lua's BENCH_PAUSE_MS: empty is a saturated closed loop
CONNECTIONS="${CONNECTIONS:-30}"
THREADS="${THREADS:-3}"
LATENCY_MS="${LATENCY_MS:-5}"
SCRAPE_INTERVAL="${SCRAPE_INTERVAL:-5}" # GET /metrics on the gateway's admin port, as run.sh does
BASE_PORT="${BASE_PORT:-18500}"
SKIP_BUILD="${SKIP_BUILD:-}"
GATEWAY_ENV="${GATEWAY_ENV:-}"       # extra environment for Router.Node only (runtime settings), as in run.sh

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"
# shellcheck source=../lib.sh
source "$root/bench/lib.sh"
RESULTS="${RESULTS:-$here/results-windows${PAUSE_MS:+-paced}.md}"

sim_ports=($((BASE_PORT + 1)) $((BASE_PORT + 2)) $((BASE_PORT + 3)))
names=(sim-a sim-b sim-c)
yarp_port=$((BASE_PORT + 10))
gateway_port=$((BASE_PORT + 30))
admin_port=$((BASE_PORT + 31))
cluster_port=$((BASE_PORT + 32))
for tool in dotnet wrk curl awk; do command -v "$tool" >/dev/null || die "needs $tool"; done

tmp="$(mktemp -d)"
trap cleanup EXIT
warn_if_busy 10

build_release src/Router.Node src/Router.Simulator bench/gateway/YarpPeer
rel=bin/Release/net10.0

sim_pids=()
for i in 0 1 2; do
  start "${names[$i]}" dotnet "src/Router.Simulator/$rel/Router.Simulator.dll" --urls "http://127.0.0.1:${sim_ports[$i]}" \
    --Simulator:Name="${names[$i]}" --Simulator:LatencyMs="$LATENCY_MS"
  sim_pids+=("$started")
done
for i in 0 1 2; do wait_for_200 "${names[$i]}" "${sim_pids[$i]}" "http://127.0.0.1:${sim_ports[$i]}/v1/chat/completions"; done

# The probe: the same awk loop over and over at the lowest priority, one line per loop ("uptime-seconds cpu-seconds").
start probe nice -n 19 bash -c 'TIMEFORMAT=%U; while :; do t=$( { time awk "BEGIN { for (i = 0; i < 1000000; i++) x += i % 7 }"; } 2>&1 ); echo "$(cut -d" " -f1 /proc/uptime) $t"; done'
probe_pid=$started

probe_ms() { # from, to (uptime seconds): the probe's median CPU milliseconds per loop between them
  awk -v a="$1" -v b="$2" '$1 > a && $1 <= b { v[++n] = $2 * 1000 }
    END { if (!n) { print "-"; exit } for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
          printf("%.0f\n", v[int((n + 1) / 2)]) }' "$tmp/probe.log"
}

load() { # seconds, url: one wrk run of the benchmark's request; prints its request count
  BENCH_BODY="$BODY" BENCH_PAUSE_MS="$PAUSE_MS" wrk -t "$THREADS" -c "$CONNECTIONS" -d "${1}s" -s "$here/chat.lua" "$2" >"$tmp/wrk.txt" 2>&1
  bench_field "$tmp/wrk.txt" requests
}

rows=""
for target in $TARGETS; do
  case "$target" in
    yarp)
      args=(--urls "http://127.0.0.1:$yarp_port")
      # The destinations YarpPeer's appsettings.json names (sim-a, sim-b, sim-c), moved to this run's simulators.
      for i in 0 1 2; do args+=("--ReverseProxy:Clusters:sims:Destinations:${names[$i]}:Address=http://127.0.0.1:${sim_ports[$i]}/"); done
      start yarp dotnet "bench/gateway/YarpPeer/$rel/YarpPeer.dll" "${args[@]}"
      url="http://127.0.0.1:$yarp_port/v1/chat/completions" ;;
    gateway)
      write_gateway_config "$tmp/gateway.json" least-busy "" "http://127.0.0.1:${sim_ports[0]}" "http://127.0.0.1:${sim_ports[1]}" "http://127.0.0.1:${sim_ports[2]}"
      start gateway env $GATEWAY_ENV dotnet "src/Router.Node/$rel/Router.Node.dll" --config "$tmp/gateway.json"
      url="http://127.0.0.1:$gateway_port/v1/chat/completions" ;;
    *) die "unknown target $target (yarp or gateway)" ;;
  esac
  proxy_pid=$started
  wait_for_200 "$target" "$proxy_pid" "$url"
  scraper=""
  if [ "$target" = gateway ]; then
    start scraper bash -c "while :; do curl -s -o /dev/null http://127.0.0.1:$admin_port/metrics; sleep $SCRAPE_INTERVAL; done"
    scraper=$started
  fi
  log "$target: warm-up ${WARMUP}s${PAUSE_MS:+ (pause ${PAUSE_MS} ms)}"
  load "$WARMUP" "$url" >/dev/null
  for w in $(seq 1 "$WINDOWS"); do
    u0="$(cut -d' ' -f1 /proc/uptime)"; p0="$(cpu_ticks "$proxy_pid")"; s0="$(cpu_ticks "${sim_pids[@]}")"
    requests="$(load "$SECONDS_PER_WINDOW" "$url")"
    u1="$(cut -d' ' -f1 /proc/uptime)"; p1="$(cpu_ticks "$proxy_pid")"; s1="$(cpu_ticks "${sim_pids[@]}")"
    [ -n "$requests" ] && [ "$requests" -gt 0 ] || die "$target: window $w served no request; see $tmp/wrk.txt"
    errors=$(($(bench_field "$tmp/wrk.txt" non2xx) + $(bench_field "$tmp/wrk.txt" socket_errors)))
    [ "$errors" = 0 ] || die "$target: window $w had $errors non-2xx answers or socket errors; its CPU per request would not compare"
    row="$(awk -v p=$((p1 - p0)) -v s=$((s1 - s0)) -v r="$requests" -v hz="$(getconf CLK_TCK)" -v secs="$SECONDS_PER_WINDOW" \
      'BEGIN { printf("%.0f | %.0f | %.0f", 1e6 * p / hz / r, 1e6 * s / hz / r, r / secs) }')"
    rows+="| $target | $w | $row | $(probe_ms "$u0" "$u1") |"$'\n'
    log "$target: window $w: $row, probe $(probe_ms "$u0" "$u1") ms"
  done
  [ -n "$scraper" ] && stop "$scraper"
  stop "$proxy_pid"
done
stop "$probe_pid"

{
  echo "# One process, successive windows"
  echo
  echo "Written by \`bench/gateway/windows.sh\` (overwritten on each run): $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(git rev-parse --short HEAD 2>/dev/null || echo '?')."
  echo "wrk -t $THREADS -c $CONNECTIONS${PAUSE_MS:+, each connection pausing $PAUSE_MS ms after every response}; ${WARMUP} s of warm-up, then $WINDOWS windows of ${SECONDS_PER_WINDOW} s on the same process;"
  echo "3 simulators (LatencyMs=$LATENCY_MS); gateway: least-busy, Registry:Provider=memory, /metrics scraped every ${SCRAPE_INTERVAL} s${GATEWAY_ENV:+, environment \`$GATEWAY_ENV\`}; YARP: PowerOfTwoChoices."
  echo "Probe: CPU ms of a fixed awk loop at nice 19, median over the window (a slower machine shows here)."
  echo
  echo "| target | window | proxy CPU us/req | simulators CPU us/req | req/s | probe ms |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: |"
  printf '%s' "$rows"
} >"$RESULTS"
cat "$RESULTS"
failed=0
