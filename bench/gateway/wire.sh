#!/usr/bin/env bash
# Where a proxy's added latency goes, read on the wire: one simulator, YARP and the gateway in front of it, one
# connection at a time (no queueing, no CPU contention), and tcpdump on loopback timing every request's four legs:
#   in    the client's request reaches the proxy -> the proxy's request to the simulator leaves
#   up    that request leaves -> the simulator's last response byte (the simulator's own time, proxies' alike)
#   out   the simulator's last response byte -> the proxy's last response byte to the client
#   proxy in + out: what the proxy itself adds, without the simulator's own jitter
# run.sh's 1-connection column compares client-seen p50s, which carry the simulator's timer jitter (its p50 moves by
# 0.3-0.5 ms between runs of the same proxy); this splits it. Writes bench/gateway/results-wire.md.
#
#   bench/gateway/wire.sh                        # 3 rounds of 10 s per proxy, alternated
#   ROUNDS=5 SECONDS_PER_ROUND=20 bench/gateway/wire.sh
#   GATEWAY_ENV="DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=70" bench/gateway/wire.sh   # a runtime setting, gateway only
#   GATEWAY_DLL=/tmp/old/src/Router.Node/bin/Release/net10.0/Router.Node.dll bench/gateway/wire.sh   # another commit's build
#
# Needs: dotnet, wrk, curl, tcpdump (apt-get install -y wrk curl tcpdump) and the right to capture on lo (root).
set -euo pipefail

ROUNDS="${ROUNDS:-3}"
SECONDS_PER_ROUND="${SECONDS_PER_ROUND:-10}"
WARMUP="${WARMUP:-30}"            # seconds at 30 connections first, per proxy (JIT, pools)
LATENCY_MS="${LATENCY_MS:-5}"     # the simulator's latency, as in run.sh
STRATEGY="${STRATEGY:-least-busy}"
BASE_PORT="${BASE_PORT:-18600}"
GATEWAY_ARGS="${GATEWAY_ARGS:-}"
GATEWAY_ENV="${GATEWAY_ENV:-}"
SKIP_BUILD="${SKIP_BUILD:-}"
GATEWAY_DLL="${GATEWAY_DLL:-}"    # a Router.Node.dll built elsewhere (e.g. a worktree of an earlier commit) instead of this tree's

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"
# shellcheck source=../lib.sh
source "$root/bench/lib.sh"

sim_port=$((BASE_PORT + 1))
yarp_port=$((BASE_PORT + 10))
gateway_port=$((BASE_PORT + 30))
admin_port=$((BASE_PORT + 31))
cluster_port=$((BASE_PORT + 32))
sim_ports=("$sim_port")
curl_tls=()
results_md="$here/results-wire.md"

for tool in dotnet wrk curl tcpdump awk ss; do command -v "$tool" >/dev/null 2>&1 || die "missing: $tool (apt-get install -y wrk curl tcpdump)"; done
for p in "$sim_port" "$yarp_port" "$gateway_port" "$admin_port" "$cluster_port"; do
  if ss -Hltn "sport = :$p" | grep -q .; then die "port $p is in use; pick other ports with BASE_PORT=..."; fi
done
warn_if_busy 10

tmp="$(mktemp -d /tmp/wire-bench.XXXXXX)"
trap cleanup EXIT
trap 'exit 130' INT TERM

build_release src/Router.Node src/Router.Simulator bench/gateway/YarpPeer
node_dll="${GATEWAY_DLL:-$root/src/Router.Node/bin/Release/net10.0/Router.Node.dll}"
[ -f "$node_dll" ] || die "$node_dll is missing"
sim_dll="$root/src/Router.Simulator/bin/Release/net10.0/Router.Simulator.dll"
yarp_dll="$root/bench/gateway/YarpPeer/bin/Release/net10.0/YarpPeer.dll"


# ------------------------------------------------------------------ one simulator, both proxies in front of it
start sim dotnet "$sim_dll" --urls "http://127.0.0.1:$sim_port" --Simulator:Name=sim --Simulator:LatencyMs="$LATENCY_MS"
wait_for_200 sim "$started" "http://127.0.0.1:$sim_port/v1/chat/completions"
upstream="http://127.0.0.1:$sim_port"

yarp_args=(--urls "http://127.0.0.1:$yarp_port")
for d in sim-a sim-b sim-c; do yarp_args+=("--ReverseProxy:Clusters:sims:Destinations:$d:Address=$upstream/"); done
start yarp dotnet "$yarp_dll" "${yarp_args[@]}"
wait_for_200 yarp "$started" "http://127.0.0.1:$yarp_port/v1/chat/completions"

write_gateway_config "$tmp/gateway.json" "$STRATEGY" "" "$upstream" "$upstream" "$upstream"
# shellcheck disable=SC2086 # GATEWAY_ARGS is a list of --Key=Value words
start gateway env $GATEWAY_ENV dotnet "$node_dll" --config "$tmp/gateway.json" $GATEWAY_ARGS
wait_for_200 gateway "$started" "http://127.0.0.1:$gateway_port/v1/chat/completions"
log "simulator (latency $LATENCY_MS ms), YARP and the gateway up"

export BENCH_BODY="$BODY" BENCH_SPREAD=""
for name in yarp gateway; do
  port=$yarp_port; [ "$name" = gateway ] && port=$gateway_port
  log "$name: warm-up ${WARMUP}s at 30 connections"
  wrk -t 3 -c 30 -d "${WARMUP}s" -s "$here/chat.lua" "http://127.0.0.1:$port/v1/chat/completions" >/dev/null 2>&1
done

# legs FRONT_PORT CAPTURE: one line per request, "in up out total packets gap" (microseconds, except packets), from
# tcpdump -tt of one connection. A request is the client's first data packet to the proxy; it ends with the proxy's
# last data packet before the next. packets: the proxy's data packets of the response; gap: its first to its last.
legs() {
  awk -v front="$1" -v back="$sim_port" '
    function port(addr) { n = split(addr, p, "."); sub(/:$/, "", p[n]); return p[n] + 0 }
    function flush() { if (cg && gs && sg && gc) printf("%.0f %.0f %.0f %.0f %d %.0f\n", 1e6 * (gs - cg), 1e6 * (sg - gs), 1e6 * (gc - sg), 1e6 * (gc - cg), np, 1e6 * (gc - gc1)) }
    / IP / && / length [1-9]/ {
      src = port($3); dst = port($5)
      if (dst == front) { if (gc) { flush(); cg = gs = sg = gc = gc1 = np = 0 } if (!cg) cg = $1; next }
      if (!cg) next
      if (dst == back && !gs) gs = $1
      else if (src == back) sg = $1
      else if (src == front) { gc = $1; if (!gc1) gc1 = $1; np++ }
    }
    END { flush() }' "$2"
}

split_share() { # legs file: the share of responses the proxy sent in more than one packet, in %
  awk '{ n++; if ($5 > 1) s++ } END { printf("%.0f", n ? 100 * s / n : 0) }' "$1"
}

quantile() { # file, awk expression over a line of legs, fraction: that quantile of the expression, in ms
  awk "{ print $2 }" "$1" | sort -n | awk -v f="$3" '{ v[NR] = $1 } END { k = int(NR * f); if (k < 1) k = 1; printf("%.3f", v[k] / 1000) }'
}
median() { # proxy, column of rows.tsv: the median of that column over the rounds
  awk -F'\t' -v p="$1" -v c="$2" '$1 == p { print $c }' "$rows" | sort -n |
    awk '{ v[NR] = $1 } END { printf("%.3f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}

rows="$tmp/rows.tsv"; : >"$rows"
for round in $(seq 1 "$ROUNDS"); do
  for name in yarp gateway; do
    port=$yarp_port; [ "$name" = gateway ] && port=$gateway_port
    cap="$tmp/$name-$round.pcap.txt"
    tcpdump -i lo -tt -n -l "tcp port $port or tcp port $sim_port" >"$cap" 2>"$tmp/tcpdump.log" &
    dump=$!
    pids+=("$dump") # stopped on exit too, should the run stop half-way
    # tcpdump says "listening on lo" once it captures; requests before that would be lost
    for _ in $(seq 1 50); do grep -q "listening on" "$tmp/tcpdump.log" 2>/dev/null && break; sleep 0.1; done
    wrk -t 1 -c 1 -d "${SECONDS_PER_ROUND}s" --latency -s "$here/chat.lua" "http://127.0.0.1:$port/v1/chat/completions" >"$tmp/$name-$round.wrk.txt" 2>&1
    sleep 0.5
    stop "$dump" # -l: every packet line is written as it comes, so stopping loses none
    legs_file="$tmp/$name-$round.legs"
    legs "$port" "$cap" >"$legs_file"
    n="$(wc -l <"$legs_file")"
    [ "$n" -gt 100 ] || die "$name round $round: only $n requests read from the capture; see $cap"
    split_file="$tmp/$name-$round.split"; awk '$5 > 1' "$legs_file" >"$split_file"
    gap="-"; [ -s "$split_file" ] && gap="$(quantile "$split_file" '$6' .5)"
    printf '%s\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$round" "$n" \
      "$(quantile "$legs_file" '$1' .5)" "$(quantile "$legs_file" '$1' .9)" \
      "$(quantile "$legs_file" '$3' .5)" "$(quantile "$legs_file" '$3' .9)" \
      "$(quantile "$legs_file" '$1 + $3' .5)" "$(quantile "$legs_file" '$2' .5)" \
      "$(awk -v us="$(bench_field "$tmp/$name-$round.wrk.txt" p50_us)" 'BEGIN { printf("%.3f", us / 1000) }')" \
      "$(split_share "$legs_file")" "$gap" >>"$rows"
    log "$name round $round: $(tail -1 "$rows" | cut -f3-)"
  done
done

# ------------------------------------------------------------------ report
{
  echo "# Where the added latency goes, on the wire"
  echo
  echo "Written by \`bench/gateway/wire.sh\` (overwritten on each run)."
  echo
  echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC'); commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')"
  echo "- Machine: $(nproc) cores, $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)"
  echo "- Command: \`$(for v in ROUNDS SECONDS_PER_ROUND WARMUP LATENCY_MS STRATEGY GATEWAY_ARGS GATEWAY_ENV GATEWAY_DLL; do [ -n "${!v}" ] && printf '%s=%q ' "$v" "${!v}"; done)bench/gateway/wire.sh\`"
  echo "- One simulator (latency $LATENCY_MS ms); YARP (PowerOfTwoChoices) and the gateway ($STRATEGY, 3 endpoints) over it; each warmed ${WARMUP} s at 30 connections, then per round ${SECONDS_PER_ROUND} s at 1 connection each, alternated"
  echo
  echo "| proxy | round | requests | in p50 / p90 ms | out p50 / p90 ms | in + out p50 ms | simulator p50 ms | client p50 ms | responses in 2+ packets | first to last packet p50 ms |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
  awk -F'\t' '{ printf("| %s | %d | %d | %.3f / %.3f | %.3f / %.3f | %.3f | %.3f | %.3f | %d%% | %s |\n", $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) }' "$rows"
  echo
  yi="$(median yarp 4)"; yo="$(median yarp 6)"; yt="$(median yarp 8)"; yu="$(median yarp 9)"; yc="$(median yarp 10)"
  gi="$(median gateway 4)"; go="$(median gateway 6)"; gt="$(median gateway 8)"; gu="$(median gateway 9)"; gc="$(median gateway 10)"
  echo "- Medians over the rounds: YARP in $yi, out $yo, in + out $yt ms; gateway in $gi, out $go, in + out $gt ms"
  awk -v yi="$yi" -v yo="$yo" -v yt="$yt" -v yu="$yu" -v yc="$yc" -v gi="$gi" -v go="$go" -v gt="$gt" -v gu="$gu" -v gc="$gc" 'BEGIN {
    printf("- **The gateway adds %+.3f ms over YARP on the wire** (in %+.3f, out %+.3f); the client-seen p50s differ by %+.3f ms, of which the simulator'"'"'s own p50 differed by %+.3f ms\n",
      gt - yt, gi - yi, go - yo, gc - yc, gu - yu) }'
  echo
  echo "in: the client's first request packet to the proxy's first packet to the simulator (reading the request, and for the gateway the routing decision: router actor, endpoint actor, back). out: the simulator's last response packet to the proxy's last packet to the client (relaying the response, and for the gateway reading its usage). Timestamps are tcpdump's on loopback, so they include the kernel's delivery to and from each process, which both proxies pay alike. Responses in 2+ packets: the simulator answers with a chunked body, and a proxy that sends the body before the chunked encoding's 5-byte end sends that end in a packet of its own; the client's response ends only with it, so the gap from the first packet to the last is part of out."
} >"$results_md"
cat "$results_md"
failed=0
