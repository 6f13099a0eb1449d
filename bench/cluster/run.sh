#!/usr/bin/env bash
# Cluster overhead benchmark: the same wrk load through
#   1-node         one gateway process (a single-node cluster)
#   3-nodes-one    three gateway processes in one cluster, every request entering at the first
#   3-nodes-all    the same three, wrk's connections spread evenly over them
#   3-solo-all     three gateway processes that are NOT one cluster (each its own single-node cluster), wrk spread
#                  over them: what three processes cost on this machine with no cluster traffic at all, the fair
#                  baseline for 3-nodes-all
# all against the same 3 simulator processes, in one run. For each: requests/s, gateway CPU per request (summed
# over the gateway processes), router messages per request that crossed the network and their bytes, snapshot
# gossip bytes per second (all from the nodes' llm_router_remote_* counters on /metrics), and the split over the
# simulators. Prints one table and writes it to bench/cluster/results.md (or $RESULTS).
#
#   bench/cluster/run.sh                        # defaults below
#   DURATION=30 CONNECTIONS=60 bench/cluster/run.sh
#   STRATEGY=round-robin bench/cluster/run.sh
#   ENDPOINTS=30 bench/cluster/run.sh           # more endpoints (each simulator serves ENDPOINTS/3 of them)
#   MAX_IN_FLIGHT=100 bench/cluster/run.sh      # capped endpoints (SPARE_LEASES=false: every capped lease asked for)
#   RPM=1000000 TPM=1000000000 bench/cluster/run.sh  # rate-limited endpoints (lent budget; SPARE_LEASES=false: every lease asked for)
#
# Needs: dotnet (the .NET 10 SDK), wrk, curl, awk, ss (apt-get install -y wrk curl iproute2).
set -euo pipefail

CONNECTIONS="${CONNECTIONS:-30}"   # wrk -c (a multiple of THREADS)
THREADS="${THREADS:-3}"            # wrk -t; with spreading, thread i enters at node i mod 3
DURATION="${DURATION:-15}"         # seconds measured per scenario
WARMUP="${WARMUP:-20}"             # seconds of the same load first, not measured (each process JITs its own hot path)
WARMUP_MAX="${WARMUP_MAX:-180}"    # ...then 5 s rounds more until the nodes' JIT settles (< JIT_SETTLED ms per second), at most this
JIT_SETTLED="${JIT_SETTLED:-10}"   # JIT milliseconds per second, summed over the nodes, that count as settled
LATENCY_MS="${LATENCY_MS:-5}"      # simulator latency
STRATEGY="${STRATEGY:-least-busy}"
ENDPOINTS="${ENDPOINTS:-3}"        # endpoints in the model group, spread over the 3 simulators (a multiple of 3)
MAX_IN_FLIGHT="${MAX_IN_FLIGHT:-}"  # a MaxInFlight cap on every endpoint (empty: uncapped)
RPM="${RPM:-}"                      # an Rpm limit on every endpoint (empty: none)
TPM="${TPM:-}"                      # a Tpm limit on every endpoint (empty: none)
SPARE_LEASES="${SPARE_LEASES:-true}" # Router:SpareLeases (capped endpoints lend slots to the nodes in advance)
SCENARIOS="${SCENARIOS:-1-node 3-nodes-one 3-nodes-all 3-solo-all}"
BASE_PORT="${BASE_PORT:-18300}"
SKIP_BUILD="${SKIP_BUILD:-}"

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"
# shellcheck source=../lib.sh
source "$root/bench/lib.sh"

for tool in dotnet wrk curl awk ss; do command -v "$tool" >/dev/null 2>&1 || die "missing $tool (apt-get install -y wrk curl iproute2)"; done
[ $((CONNECTIONS % THREADS)) -eq 0 ] || die "CONNECTIONS ($CONNECTIONS) must be a multiple of THREADS ($THREADS)"
[ $((ENDPOINTS % 3)) -eq 0 ] || die "ENDPOINTS ($ENDPOINTS) must be a multiple of 3"

sim_ports=("$((BASE_PORT + 1))" "$((BASE_PORT + 2))" "$((BASE_PORT + 3))")
gateway_ports=("$((BASE_PORT + 10))" "$((BASE_PORT + 11))" "$((BASE_PORT + 12))")
admin_ports=("$((BASE_PORT + 20))" "$((BASE_PORT + 21))" "$((BASE_PORT + 22))")
akka_ports=("$((BASE_PORT + 30))" "$((BASE_PORT + 31))" "$((BASE_PORT + 32))")
for p in "${sim_ports[@]}" "${gateway_ports[@]}" "${admin_ports[@]}" "${akka_ports[@]}"; do
  if ss -Hltn "sport = :$p" | grep -q .; then die "port $p is in use; pick other ports with BASE_PORT=..."; fi
done
warn_if_busy 10

tmp="$(mktemp -d /tmp/cluster-bench.XXXXXX)"
trap cleanup EXIT
trap 'exit 130' INT TERM

build_release src/Router.Node src/Router.Simulator
node_dll="$root/src/Router.Node/bin/Release/net10.0/Router.Node.dll"
sim_dll="$root/src/Router.Simulator/bin/Release/net10.0/Router.Simulator.dll"

sim_pids=()
for i in 0 1 2; do
  start "sim-$i" dotnet "$sim_dll" --urls "http://127.0.0.1:${sim_ports[$i]}" --Simulator:Name="sim-$i" --Simulator:LatencyMs="$LATENCY_MS"
  sim_pids[$i]=$started
done
for i in 0 1 2; do wait_for_200 "sim-$i" "${sim_pids[$i]}" "http://127.0.0.1:${sim_ports[$i]}/v1/chat/completions"; done
log "simulators up on ${sim_ports[*]} (latency ${LATENCY_MS} ms)"

write_config() { # node index, node count, "solo" or "": the node's configuration file; prints its path
  local i="$1" n="$2" solo="${3:-}" config="$tmp/node-$1-of-$2$3.json" seeds="" e endpoints="" registry="registry-$2"
  for ((e = 0; e < ENDPOINTS; e++)); do
    endpoints+="${endpoints:+, }\"ep-$e\": { \"Url\": \"http://127.0.0.1:${sim_ports[$((e % 3))]}/v1\"${MAX_IN_FLIGHT:+, \"MaxInFlight\": $MAX_IN_FLIGHT}${RPM:+, \"Rpm\": $RPM}${TPM:+, \"Tpm\": $TPM} }"
  done
  [ -n "$solo" ] && registry="registry-solo-$i"
  [ "$n" -gt 1 ] && [ -z "$solo" ] && seeds="\"akka.tcp://llm-router@127.0.0.1:${akka_ports[0]}\", \"akka.tcp://llm-router@127.0.0.1:${akka_ports[1]}\""
  cat >"$config" <<JSON
{
  "Logging": { "LogLevel": { "Default": "Warning" } },
  "Gateway": { "Urls": "http://127.0.0.1:${gateway_ports[$i]}" },
  "Admin": { "Urls": "http://127.0.0.1:${admin_ports[$i]}", "Token": "bench-admin-token" },
  "Registry": { "Provider": "sqlite", "ConnectionString": "Data Source=$tmp/$registry.db", "SharedFile": true },
  "Cluster": { "Hostname": "127.0.0.1", "Port": ${akka_ports[$i]}, "SeedNodes": [ $seeds ] },
  "Router": { "Retries": 2, "SpareLeases": $SPARE_LEASES },
  "ModelGroups": { "$MODEL": { "Strategy": "$STRATEGY", "Endpoints": { $endpoints } } }
}
JSON
  echo "$config"
}

wire_totals() { # admin ports...: "messages bytes snapshot_bytes" sent by these nodes so far (llm_router_remote_* on /metrics)
  local port
  for port in "$@"; do curl -s "http://127.0.0.1:$port/metrics"; done | awk '
    /^llm_router_remote_messages[a-z_]*total[{ ]/ { messages += $NF }
    /^llm_router_remote_bytes[a-z_]*total[{ ]/ { bytes += $NF; if ($0 ~ /message="(EndpointSnapshotBatch|ReplicateSnapshot)"/) snapshots += $NF }
    END { printf("%d %d %d\n", messages, bytes, snapshots) }'
}

wire_by_type() { # admin ports...: messages per type sent by these nodes so far, "Type count" lines
  local port
  for port in "$@"; do curl -s "http://127.0.0.1:$port/metrics"; done | awk '
    /^llm_router_remote_messages[a-z_]*total\{/ { match($0, /message="[^"]*"/); t = substr($0, RSTART + 9, RLENGTH - 10); n[t] += $NF }
    END { for (t in n) print t, n[t] }' | sort
}

members_up() { # admin port: members Up, as that node sees them
  curl -s -H 'Authorization: Bearer bench-admin-token' "http://127.0.0.1:$1/admin/cluster" | grep -o '"status":"Up"' | wc -l
}

results="$tmp/results.tsv"
: >"$results"
breakdowns=""
for scenario in $SCENARIOS; do
  case "$scenario" in
    1-node) n=1; spread=""; solo="" ;;
    3-nodes-one) n=3; spread=""; solo="" ;;
    3-nodes-all) n=3; spread="127.0.0.1:${gateway_ports[0]} 127.0.0.1:${gateway_ports[1]} 127.0.0.1:${gateway_ports[2]}"; solo="" ;;
    3-solo-all) n=3; spread="127.0.0.1:${gateway_ports[0]} 127.0.0.1:${gateway_ports[1]} 127.0.0.1:${gateway_ports[2]}"; solo=solo ;;
    *) die "SCENARIOS: '$scenario' is not one of 1-node, 3-nodes-one, 3-nodes-all, 3-solo-all" ;;
  esac
  node_pids=()
  for ((i = 0; i < n; i++)); do
    start "$scenario-node-$i" dotnet "$node_dll" --config "$(write_config "$i" "$n" "$solo")"
    node_pids[$i]=$started
  done
  for ((i = 0; i < n; i++)); do wait_for_200 "$scenario-node-$i" "${node_pids[$i]}" "http://127.0.0.1:${gateway_ports[$i]}/v1/chat/completions"; done
  members=$([ -n "$solo" ] && echo 1 || echo "$n") # solo processes are each their own one-member cluster
  for _ in $(seq 1 120); do [ "$(members_up "${admin_ports[0]}")" -ge "$members" ] && break; sleep 0.5; done
  [ "$(members_up "${admin_ports[0]}")" -ge "$members" ] || die "$scenario: the cluster did not reach $members members Up"
  admins=("${admin_ports[@]:0:$n}")

  url="http://127.0.0.1:${gateway_ports[0]}/v1/chat/completions"
  export BENCH_BODY="$BODY" BENCH_SPREAD="$spread"
  log "$scenario: warm-up ${WARMUP}s"
  wrk -t "$THREADS" -c "$CONNECTIONS" -d "${WARMUP}s" -s "$root/bench/gateway/chat.lua" "$url" >"$tmp/$scenario.warmup.txt" 2>&1
  # Three processes on two cores starve the JIT's background tiering: a fixed warm-up measured tier-0 code and the
  # compiler itself (0.3 of a core at 40 s). A gateway runs for hours, so measure after the JIT has settled.
  warmed="$WARMUP" jit_rate="-"
  while [ "$warmed" -lt "$WARMUP_MAX" ]; do
    jit0="$(jit_seconds "${admins[@]}")"
    wrk -t "$THREADS" -c "$CONNECTIONS" -d 5s -s "$root/bench/gateway/chat.lua" "$url" >/dev/null 2>&1
    warmed=$((warmed + 5))
    jit_rate="$(awk -v a="$jit0" -v b="$(jit_seconds "${admins[@]}")" 'BEGIN { printf("%.0f", (b - a) * 1000 / 5) }')"
    [ "$jit_rate" -lt "$JIT_SETTLED" ] && break
  done
  log "$scenario: warmed up for ${warmed}s (JIT ${jit_rate} ms/s in the last round)"
  log "$scenario: ${DURATION}s at $CONNECTIONS connections"
  reset_sim_stats
  read -r msg0 bytes0 snap0 < <(wire_totals "${admins[@]}")
  jit0="$(jit_seconds "${admins[@]}")"
  wire_by_type "${admins[@]}" >"$tmp/$scenario.types0"
  cpu0="$(cpu_ticks "${node_pids[@]}")"
  wrk -t "$THREADS" -c "$CONNECTIONS" -d "${DURATION}s" --latency -s "$root/bench/gateway/chat.lua" "$url" >"$tmp/$scenario.wrk.txt" 2>&1
  cpu1="$(cpu_ticks "${node_pids[@]}")"
  read -r msg1 bytes1 snap1 < <(wire_totals "${admins[@]}")
  jit1="$(jit_seconds "${admins[@]}")"
  wire_by_type "${admins[@]}" >"$tmp/$scenario.types1"
  split="$(sim_split)"

  out="$tmp/$scenario.wrk.txt"
  requests="$(bench_field "$out" requests)"; duration_us="$(bench_field "$out" duration_us)"
  [ -n "$requests" ] || die "$scenario: wrk printed no BENCH line; see $out"
  awk -v name="$scenario" -v nodes="$n" -v req="$requests" -v dur="$duration_us" -v hz="$(getconf CLK_TCK)" \
      -v cpu="$((cpu1 - cpu0))" -v p50="$(bench_field "$out" p50_us)" -v p99="$(bench_field "$out" p99_us)" \
      -v msgs="$((msg1 - msg0))" -v bytes="$((bytes1 - bytes0))" -v snaps="$((snap1 - snap0))" \
      -v non2xx="$(bench_field "$out" non2xx)" -v backends="$split" -v jit="$(awk -v a="$jit0" -v b="$jit1" 'BEGIN { print b - a }')" 'BEGIN {
        secs = dur / 1e6
        printf("%s\t%d\t%.0f\t%.2f\t%.2f\t%.0f\t%.2f\t%.0f\t%.0f\t%d\t%s\t%.0f\n", name, nodes, req / secs, p50 / 1000, p99 / 1000,
          1e6 * cpu / hz / req, msgs / req, bytes / req, snaps / secs / 1024, non2xx, backends, 1e6 * jit / req)
      }' >>"$results"
  # Messages per request by type (the ones that cross the network at least once per 100 requests).
  breakdowns+="- $scenario: $(join -a 2 -e 0 -o 0,1.2,2.2 "$tmp/$scenario.types0" "$tmp/$scenario.types1" |
    awk -v req="$requests" '{ d = ($3 - $2) / req; if (d >= 0.01) printf("%s %.2f, ", $1, d) }' | sed 's/, $//')"$'\n'
  for pid in "${node_pids[@]}"; do stop "$pid"; done
done

baseline_cpu="$(awk -F'\t' '$1 == "1-node" { print $6 }' "$results")"
{
  echo "# Cluster overhead benchmark results"
  echo
  echo "Written by \`bench/cluster/run.sh\` (overwritten on each run)."
  echo
  echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "- Machine: $(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), $(awk '/MemTotal/ {printf("%.0f GiB", $2 / 1048576)}' /proc/meminfo); wrk, the gateways and the 3 simulators share these cores"
  limits_note="${MAX_IN_FLIGHT:+, MaxInFlight $MAX_IN_FLIGHT each}${RPM:+, Rpm $RPM each}${TPM:+, Tpm $TPM each}"
  [ -n "$limits_note" ] && limits_note+=" (spare leases and lent budget: $SPARE_LEASES)"
  echo "- Parameters: wrk -t $THREADS -c $CONNECTIONS -d ${DURATION}s after at least ${WARMUP}s of warm-up, continued until the nodes' JIT fell below ${JIT_SETTLED} ms/s; strategy $STRATEGY; $ENDPOINTS endpoints over 3 simulators${limits_note} (LatencyMs=$LATENCY_MS); registry: one shared SQLite file"
  echo
  echo "| scenario | gateway processes | req/s | p50 ms | p99 ms | gateway CPU us/req (all processes) | vs 1 node | router messages/req over the network | bytes/req | snapshot KiB/s | non-2xx | simulator split | of the CPU, JIT us/req |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
  awk -F'\t' -v base="${baseline_cpu:-0}" '{ ratio = base > 0 ? sprintf("%.2fx", $6 / base) : "-"
    printf("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, ratio, $7, $8, $9, $10, $11, $12) }' "$results"
  awk -F'\t' '$1 == "3-nodes-all" { cluster = $6 } $1 == "3-solo-all" { solo = $6 }
    END { if (cluster > 0 && solo > 0) printf("\n3-nodes-all vs 3-solo-all (the same three processes and spread, without the cluster): %.2fx CPU per request\n", cluster / solo) }' "$results"
  echo
  echo "Router messages per request that crossed the network, by type:"
  echo
  printf '%s' "$breakdowns"
} | tee "${RESULTS:-$here/results.md}"
failed=0
