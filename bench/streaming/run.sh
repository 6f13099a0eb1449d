#!/usr/bin/env bash
# Streaming benchmark: N concurrent streaming chat completions ("stream": true), held open while they stream, through
#   direct   the load client straight to the simulator (no proxy; the baseline for time to first token)
#   yarp     plain YARP, PowerOfTwoChoices (bench/gateway/YarpPeer), its 3 destinations all the one simulator
#   gateway  Router.Node, one node, one model group of 3 endpoints all the one simulator (config written below)
# in turn, against one Router.Simulator process that streams at a set pace. The load client (bench/StreamLoad) reads
# each response incrementally (counts data: events, ends at [DONE]). Measured per target: streams completed and
# errors by kind, chunks received, time to first token p50/p99 (and what the proxy adds to direct's), the proxy
# process's CPU per streamed chunk (utime+stime from /proc), its RSS before the run and at its peak while the streams
# are open (VmRSS sampled), RSS per open stream, and gateway/YARP ratios. Prints one table and writes it, with the
# date, machine, command and parameters, to bench/streaming/results.md.
#
# Scenarios (SCENARIOS, default both):
#   fast   STREAMS (2000) streams at FAST_TPS (20) tokens/s for FAST_SECONDS (10) s each
#   slow   SLOW_STREAMS (10000) streams at SLOW_TPS (2) tokens/s for SLOW_SECONDS (20) s each: must be held without errors
#
#   bench/streaming/run.sh                              # both scenarios, all three targets
#   SLOW=1 bench/streaming/run.sh                       # the slow scenario only (same as SCENARIOS=slow)
#   SCENARIOS=fast STREAMS=200 FAST_SECONDS=3 bench/streaming/run.sh   # a small run while developing
#   GATEWAY_ENV="DOTNET_gcServer=0" SCENARIOS=fast TARGETS=gateway bench/streaming/run.sh   # a runtime setting, gateway only
#   UPSTREAM=https bench/streaming/run.sh               # every scenario through HTTPS (HTTP/2) upstreams
#
# Upstream protocol (UPSTREAM; by default http for fast, https for slow): "http" is plain HTTP/1.1, one upstream
# connection (one socket, one file descriptor) per open stream; "https" is the simulator's TLS listener (a localhost
# certificate from a CA made for the run; YARP --CaBundle, the gateway Router:UpstreamCaBundle), where both proxies
# negotiate HTTP/2 and multiplex up to 100 streams per connection, as they would with a hosted provider. With http a
# proxy holds two sockets per stream, so 10,000 streams need more than 20,000 open files in one process.
#
# Needs: dotnet (the .NET 10 SDK), curl, awk, ss; openssl for https upstreams.
set -euo pipefail

given=""   # the environment settings this run was started with, for the report's command line
for v in SCENARIOS SLOW TARGETS STREAMS FAST_TPS FAST_SECONDS SLOW_STREAMS SLOW_TPS SLOW_SECONDS TTFT_MS OPEN_RATE \
         UPSTREAM WARMUP_STREAMS WARMUP_SECONDS JIT_SETTLED_PCT JIT_SETTLE_MAX SAMPLE_INTERVAL STRATEGY GATEWAY_ARGS GATEWAY_ENV BASE_PORT SKIP_BUILD; do
  [ -n "${!v:-}" ] && given+="$v=${!v} "
done

# ------------------------------------------------------------------ parameters (environment overrides)
SLOW="${SLOW:-}"                      # set (1): the slow scenario only
if [ -n "$SLOW" ]; then SCENARIOS="${SCENARIOS:-slow}"; else SCENARIOS="${SCENARIOS:-fast slow}"; fi
TARGETS="${TARGETS:-direct yarp gateway}"
STREAMS="${STREAMS:-2000}"            # fast: concurrent streams
FAST_TPS="${FAST_TPS:-20}"            # fast: tokens per second of each stream (the simulator's TokensPerSecond)
FAST_SECONDS="${FAST_SECONDS:-10}"    # fast: seconds each stream lasts (CompletionTokens = TPS x seconds)
SLOW_STREAMS="${SLOW_STREAMS:-10000}" # slow: concurrent streams
SLOW_TPS="${SLOW_TPS:-2}"
SLOW_SECONDS="${SLOW_SECONDS:-20}"
TTFT_MS="${TTFT_MS:-50}"              # the simulator's time to first chunk
OPEN_RATE="${OPEN_RATE:-1000}"        # streams the client opens per second (evenly spaced); all are open together
                                      # as long as streams / OPEN_RATE is shorter than a stream
UPSTREAM="${UPSTREAM:-}"              # http or https for every scenario; empty: http for fast, https for slow
# Before each target is measured: WARMUP_STREAMS streams of WARMUP_SECONDS each at the scenario's pace, so both proxies
# run tiered-up (steady-state) code; the gateway has about three times YARP's code to tier up (Akka, the cluster).
# By default as many streams as the measured run: with 500, both proxies were still compiling in the measured run
# (perf: the JIT's background thread was 20% of the gateway's CPU samples, 11% of YARP's, with 10,000 slow streams).
WARMUP_STREAMS="${WARMUP_STREAMS:-}"
WARMUP_SECONDS="${WARMUP_SECONDS:-20}"
JIT_SETTLED_PCT="${JIT_SETTLED_PCT:-1}"   # warm up again while the proxy's tiering thread used this % of a core or more
JIT_SETTLE_MAX="${JIT_SETTLE_MAX:-120}"   # ... for at most this many seconds more
SAMPLE_INTERVAL="${SAMPLE_INTERVAL:-0.2}" # seconds between VmRSS samples of the proxy while the streams run
STRATEGY="${STRATEGY:-least-busy}"    # the gateway's strategy
GATEWAY_ARGS="${GATEWAY_ARGS:-}"      # extra command-line settings for Router.Node, e.g. --Telemetry:Enabled=false
GATEWAY_ENV="${GATEWAY_ENV:-}"        # extra environment for Router.Node only, e.g. DOTNET_TieredPGO=0 (runtime settings)
BASE_PORT="${BASE_PORT:-18400}"
OTHER_LOAD_WARN="${OTHER_LOAD_WARN:-10}"
SKIP_BUILD="${SKIP_BUILD:-}"          # set to reuse the Release build
KEEP_TMP="${KEEP_TMP:-}"              # set to keep logs and generated configs after a successful run

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"
# shellcheck source=../lib.sh
source "$root/bench/lib.sh"

sim_port=$((BASE_PORT + 1))       # plain HTTP/1.1 (direct, and http upstreams)
sim_tls_port=$((BASE_PORT + 2))   # HTTPS (https upstreams; ALPN offers h2)
yarp_port=$((BASE_PORT + 10))
gateway_port=$((BASE_PORT + 30))
admin_port=$((BASE_PORT + 31))
cluster_port=$((BASE_PORT + 32))
results_md="$here/results.md"

scenario_params() { # scenario: sets streams, tps, seconds, tokens, upstream
  case "$1" in
    fast) streams="$STREAMS"; tps="$FAST_TPS"; seconds="$FAST_SECONDS"; upstream="${UPSTREAM:-http}" ;;
    slow) streams="$SLOW_STREAMS"; tps="$SLOW_TPS"; seconds="$SLOW_SECONDS"; upstream="${UPSTREAM:-https}" ;;
    *) die "SCENARIOS: '$1' is not one of fast, slow" ;;
  esac
  tokens=$(awk -v t="$tps" -v s="$seconds" 'BEGIN {printf "%d", t * s}')
  [ "$upstream" = http ] || [ "$upstream" = https ] || die "UPSTREAM: '$upstream' is not http or https"
}

# ------------------------------------------------------------------ prerequisites
needs_tls=""
for scenario in $SCENARIOS; do scenario_params "$scenario"; [ "$upstream" = https ] && needs_tls=1; done
tools=(dotnet curl awk ss)
[ -n "$needs_tls" ] && tools+=(openssl)
for tool in "${tools[@]}"; do command -v "$tool" >/dev/null 2>&1 || die "missing $tool (Debian/Ubuntu: apt-get install -y curl iproute2 openssl; dotnet: the .NET 10 SDK)"; done
for p in "$sim_port" "$sim_tls_port" "$yarp_port" "$gateway_port" "$admin_port" "$cluster_port"; do
  if ss -Hltn "sport = :$p" | grep -q .; then die "port $p is in use; pick other ports with BASE_PORT=..."; fi
done

# Open files: every open stream is a socket in the client and one in the proxy (or the simulator, direct), and with http
# upstreams one more in the proxy. Each process inherits this shell's limit; raise the soft limit up to the hard one.
fds_needed=0
for scenario in $SCENARIOS; do
  scenario_params "$scenario"
  if [ "$upstream" = http ]; then per_proxy=$((2 * streams)); else per_proxy=$((streams + streams / 100 + 1)); fi
  [ "$per_proxy" -gt "$fds_needed" ] && fds_needed="$per_proxy"
done
fds_needed=$((fds_needed + 1024)) # runtime, logs, listeners, Akka remoting, pools
hard="$(ulimit -Hn)"
if [ "$hard" != unlimited ] && [ "$hard" -lt "$fds_needed" ]; then
  die "this run needs about $fds_needed open files in one process (streams in the client and proxy sockets, plus 1024), but the hard limit (ulimit -Hn) is $hard and only a privileged process (CAP_SYS_RESOURCE) can raise it. Raise it outside (e.g. docker run --ulimit nofile=65536:65536, systemd LimitNOFILE=, /etc/security/limits.conf), or use fewer streams, or UPSTREAM=https (HTTP/2 upstreams: about one socket per 100 streams instead of one per stream)."
fi
if [ "$(ulimit -Sn)" != unlimited ] && [ "$(ulimit -Sn)" -lt "$fds_needed" ]; then
  ulimit -Sn "$hard" || die "could not raise the open-files limit (ulimit -Sn $hard)"
fi

warn_if_busy "$OTHER_LOAD_WARN"

tmp="$(mktemp -d /tmp/streaming-bench.XXXXXX)"
trap cleanup EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------------ build
build_release src/Router.Node src/Router.Simulator bench/gateway/YarpPeer bench/StreamLoad
node_dll="$root/src/Router.Node/bin/Release/net10.0/Router.Node.dll"
sim_dll="$root/src/Router.Simulator/bin/Release/net10.0/Router.Simulator.dll"
yarp_dll="$root/bench/gateway/YarpPeer/bin/Release/net10.0/YarpPeer.dll"
load_dll="$root/bench/StreamLoad/bin/Release/net10.0/StreamLoad.dll"
for f in "$node_dll" "$sim_dll" "$yarp_dll" "$load_dll"; do [ -f "$f" ] || die "$f is missing (build without SKIP_BUILD)"; done

if [ -n "$needs_tls" ]; then
  tls="$tmp/tls"
  make_tls_certs "$tls"
fi

# ------------------------------------------------------------------ measurement helpers
# target scenario upstream streams completed failed chunks ttft_p50 ttft_p99 idle_kb peak_kb proxy_ticks sim_ticks client_s
# wall_s machine_pct other_pct max_open errors duration_p50_s duration_p99_s peak_fds listen_overflows
results="$tmp/results.tsv"
: >"$results"

# measure NAME URL PIDS...: warm-up, then the measured run while sampling the proxy's VmRSS; appends a row to $results.
measure() {
  local name="$1" url="$2"; shift 2
  local procs=("$@")
  local out="$tmp/$scenario-$name.txt" samples="$tmp/$scenario-$name.rss.txt"
  local timeout=$((seconds * 3 + streams / (OPEN_RATE > 0 ? OPEN_RATE : 1) + 60))

  local warmup_streams="${WARMUP_STREAMS:-$streams}" extra=0 jit0 jit1 began took pct
  # CPU per chunk is a steady-state figure: the warm-up is repeated while the proxy's tiered-compilation thread used
  # JIT_SETTLED_PCT % of a core or more in it (with tiered PGO on, instrumented code still ran after one), for every
  # proxy alike, up to JIT_SETTLE_MAX seconds more.
  while :; do
    log "$scenario/$name: warm-up, $warmup_streams streams of ${WARMUP_SECONDS}s"
    jit0="$(tiering_ticks "${procs[@]}")"; began=$SECONDS
    dotnet "$load_dll" --url "$url" --streams "$warmup_streams" --open-rate "$OPEN_RATE" --max-tokens "$((tps * WARMUP_SECONDS))" \
      --timeout "$((WARMUP_SECONDS * 3 + 60))" \
      >"$tmp/$scenario-$name.warmup.txt" 2>&1 || die "$scenario/$name: the warm-up client failed; see $tmp/$scenario-$name.warmup.txt"
    [ "$(bench_field "$tmp/$scenario-$name.warmup.txt" completed)" = "$warmup_streams" ] ||
      log "$scenario/$name: WARNING: warm-up: $(grep '^ERRORS' "$tmp/$scenario-$name.warmup.txt")"
    [ ${#procs[@]} -gt 0 ] || break
    jit1="$(tiering_ticks "${procs[@]}")"; took=$((SECONDS - began > 0 ? SECONDS - began : 1))
    pct="$(tiering_pct "$jit0" "$jit1" "$took")"
    { [ "$pct" -lt "$JIT_SETTLED_PCT" ] || [ "$extra" -ge "$JIT_SETTLE_MAX" ]; } && break
    log "$scenario/$name: the JIT's tiering thread used $pct% of a core in that warm-up; warming on"
    extra=$((extra + took))
  done
  [ "$extra" -gt 0 ] && log "$scenario/$name: warmed ${extra}s more until the tiering thread settled (or JIT_SETTLE_MAX=${JIT_SETTLE_MAX}s)"
  sleep 2

  local idle=0 sampler=""
  if [ ${#procs[@]} -gt 0 ]; then
    idle="$(rss_kb "${procs[@]}")"
    # One line per sample: VmRSS total (KiB), and every 5th sample the open files (counting 10,000 costs a little CPU).
    start "$scenario-$name-rss" bash -c "source '$root/bench/lib.sh'; i=0; while :; do
        t=\$(rss_kb ${procs[*]}); f=''
        if [ \$((i++ % 5)) = 0 ]; then f=0; for p in ${procs[*]}; do f=\$((f + \$(ls /proc/\$p/fd 2>/dev/null | wc -l))); done; fi
        echo \$t \$f; sleep $SAMPLE_INTERVAL; done"
    sampler=$started
  fi

  log "$scenario/$name: $streams streams at $tps tokens/s for ${seconds}s each, opened at $OPEN_RATE/s"
  local cpu0 cpu1 sims0 sims1 m0 m1 overflows0 overflows1 TIMEFORMAT='%U %S'
  cpu0="$(cpu_ticks "${procs[@]}")"; sims0="$(cpu_ticks "$sim_pid")"; m0="$(machine_ticks)"; overflows0="$(listen_overflows)"
  { time dotnet "$load_dll" --url "$url" --streams "$streams" --open-rate "$OPEN_RATE" --timeout "$timeout" >"$out" 2>&1; } 2>"$tmp/$scenario-$name.client-cpu.txt" ||
    die "$scenario/$name: the load client failed; see $out"
  cpu1="$(cpu_ticks "${procs[@]}")"; sims1="$(cpu_ticks "$sim_pid")"; m1="$(machine_ticks)"; overflows1="$(listen_overflows)"
  local peak=0 peak_fds=0
  if [ -n "$sampler" ]; then
    stop "$sampler"
    # the sampler's file is its log: one VmRSS total per line
    peak="$(awk 'BEGIN {m = 0} $1 + 0 > m {m = $1 + 0} END {print m}' "$tmp/$scenario-$name-rss.log")"
    peak_fds="$(awk 'BEGIN {m = 0} $2 + 0 > m {m = $2 + 0} END {print m}' "$tmp/$scenario-$name-rss.log")"
    cp "$tmp/$scenario-$name-rss.log" "$samples"
  fi
  [ -n "$(bench_field "$out" completed)" ] || die "$scenario/$name: the load client printed no BENCH line; see $out"
  local errors; errors="$(sed -n 's/^ERRORS //p' "$out")"
  [ "$errors" = none ] || log "$scenario/$name: WARNING: errors: $errors (see $out)"

  awk -v name="$name" -v scenario="$scenario" -v upstream="$upstream" -v streams="$streams" \
      -v completed="$(bench_field "$out" completed)" -v failed="$(bench_field "$out" failed)" -v chunks="$(bench_field "$out" chunks)" \
      -v p50="$(bench_field "$out" ttft_p50_ms)" -v p99="$(bench_field "$out" ttft_p99_ms)" -v idle="$idle" -v peak="$peak" \
      -v cpu="$((cpu1 - cpu0))" -v sims="$((sims1 - sims0))" -v client="$(cat "$tmp/$scenario-$name.client-cpu.txt")" \
      -v wall="$(bench_field "$out" wall_s)" -v hz="$(getconf CLK_TCK)" -v m0="$m0" -v m1="$m1" -v ncpu="$(nproc)" \
      -v nprocs="${#procs[@]}" -v maxopen="$(bench_field "$out" max_open)" -v errors="${errors// /,}" \
      -v d50="$(bench_field "$out" duration_p50_s)" -v d99="$(bench_field "$out" duration_p99_s)" -v fds="$peak_fds" \
      -v overflows="$((overflows1 - overflows0))" 'BEGIN {
        split(m0, a, " "); split(m1, b, " ")
        machine = (b[2] - a[2]) > 0 ? 100 * (b[1] - a[1]) / (b[2] - a[2]) : 0
        split(client, c, " ")
        other = machine - 100 * (cpu / hz + sims / hz + c[1] + c[2]) / wall / ncpu
        printf("%s\t%s\t%s\t%d\t%d\t%d\t%d\t%s\t%s\t%d\t%d\t%d\t%d\t%.2f\t%s\t%.0f\t%.0f\t%d\t%s\t%s\t%s\t%d\t%d\n", name, scenario, upstream, streams,
          completed, failed, chunks, p50, p99, (nprocs ? idle : -1), (nprocs ? peak : -1), (nprocs ? cpu : -1), sims,
          c[1] + c[2], wall, machine, (other < 0 ? 0 : other), maxopen, errors, d50, d99, (nprocs ? fds : -1), overflows)
      }' >>"$results"
}

# ------------------------------------------------------------------ per scenario: one simulator, then each target in turn
gateway_counts=""
wants() { [[ " $TARGETS " == *" $1 "* ]]; }
for scenario in $SCENARIOS; do
  scenario_params "$scenario"
  sim_args=(--Kestrel:Endpoints:plain:Url="http://127.0.0.1:$sim_port"
    --Simulator:Name=sim --Simulator:TokensPerSecond="$tps" --Simulator:CompletionTokens="$tokens" --Simulator:TimeToFirstTokenMs="$TTFT_MS")
  if [ "$upstream" = https ]; then
    sim_args+=(--Kestrel:Endpoints:tls:Url="https://localhost:$sim_tls_port"
      --Kestrel:Endpoints:tls:Certificate:Path="$tls/server.pem" --Kestrel:Endpoints:tls:Certificate:KeyPath="$tls/server.key")
    upstream_url="https://localhost:$sim_tls_port"
    curl_tls=(--cacert "$tls/ca.pem")
  else
    upstream_url="http://127.0.0.1:$sim_port"
    curl_tls=()
  fi
  start "$scenario-sim" dotnet "$sim_dll" "${sim_args[@]}"
  sim_pid=$started
  wait_for_200 "$scenario-sim" "$sim_pid" "$upstream_url/v1/chat/completions"
  log "$scenario: simulator up ($tps tokens/s, $tokens tokens, first chunk after ${TTFT_MS} ms; proxies reach it at $upstream_url)"
  curl_tls=()

  if wants direct; then
    measure direct "http://127.0.0.1:$sim_port/v1/chat/completions"
  fi

  if wants yarp; then
    yarp_args=(--urls "http://127.0.0.1:$yarp_port")
    for d in sim-a sim-b sim-c; do yarp_args+=("--ReverseProxy:Clusters:sims:Destinations:$d:Address=$upstream_url/"); done
    [ "$upstream" = https ] && yarp_args+=("--CaBundle=$tls/ca.pem")
    start "$scenario-yarp" dotnet "$yarp_dll" "${yarp_args[@]}"
    yarp_pid=$started
    wait_for_200 "$scenario-yarp" "$yarp_pid" "http://127.0.0.1:$yarp_port/v1/chat/completions"
    measure yarp "http://127.0.0.1:$yarp_port/v1/chat/completions" "$yarp_pid"
    stop "$yarp_pid"
  fi

  if wants gateway; then
    config="$tmp/gateway-$scenario.json"
    ca=""; [ "$upstream" = https ] && ca="$tls/ca.pem"
    write_gateway_config "$config" "$STRATEGY" "$ca" "$upstream_url" "$upstream_url" "$upstream_url"
    # shellcheck disable=SC2086 # GATEWAY_ARGS is a list of --Key=Value words
    start "$scenario-gateway" env $GATEWAY_ENV dotnet "$node_dll" --config "$config" $GATEWAY_ARGS
    gateway_pid=$started
    wait_for_200 "$scenario-gateway" "$gateway_pid" "http://127.0.0.1:$gateway_port/v1/chat/completions"
    measure gateway "http://127.0.0.1:$gateway_port/v1/chat/completions" "$gateway_pid"
    curl -s -o "$tmp/$scenario-gateway.metrics.txt" "http://127.0.0.1:$admin_port/metrics" || true
    # The gateway's own view since it started (warm-up included): requests and upstream attempts by outcome, and
    # leases it fenced (revoked: could not renew in time) or an endpoint reclaimed; a failed stream shows up here.
    gateway_counts+="$scenario/gateway: its /metrics since start: $(awk '
      function outcome() { match($0, /outcome="[^"]*"/); return substr($0, RSTART + 9, RLENGTH - 10) }
      /^llm_router_requests_total\{/ { r[outcome()] += $NF }
      /^llm_router_attempts_total\{/ { a[outcome()] += $NF }
      /^llm_router_leases_[a-z_]*_total\{/ { n = $1; sub(/\{.*/, "", n); l[n] += $NF }
      END {
        printf "requests"; for (k in r) printf " %s=%d", k, r[k]
        printf "; attempts"; for (k in a) printf " %s=%d", k, a[k]
        printf "; leases fenced or reclaimed:"; if (length(l) == 0) printf " none"; for (k in l) printf " %s=%d", k, l[k]
      }' "$tmp/$scenario-gateway.metrics.txt" 2>/dev/null)"$'\n'
    stop "$gateway_pid"
  fi
  stop "$sim_pid"
done

# ------------------------------------------------------------------ report
table="$(awk -F'\t' -v hz="$(getconf CLK_TCK)" '
  { row[NR] = $0 }
  $1 == "direct" { d50[$2] = $8; d99[$2] = $9 }
  $1 == "yarp" { ycpu[$2] = $7 > 0 ? 1e6 * $12 / hz / $7 : 0; ydelta[$2] = $11 - $10; ypeak[$2] = $11 }
  END {
    print "| scenario | target | upstream | streams | completed | errors | max open | chunks | stream s p50 / p99 | TTFT p50 ms | TTFT p99 ms | +TTFT p50 / p99 ms | proxy CPU us/chunk | idle RSS MiB | peak RSS MiB | RSS KiB/stream | CPU/chunk vs YARP | RSS delta vs YARP |"
    print "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    for (i = 1; i <= NR; i++) {
      split(row[i], f, "\t"); s = f[2]; proxy = f[10] >= 0
      cpu = proxy && f[7] > 0 ? 1e6 * f[12] / hz / f[7] : -1
      delta = f[11] - f[10]
      plus = f[1] == "direct" || !(s in d50) ? "-" : sprintf("%+.1f / %+.1f", f[8] - d50[s], f[9] - d99[s])
      vs_cpu = proxy && (s in ycpu) && ycpu[s] > 0 ? sprintf("%.2fx", cpu / ycpu[s]) : "-"
      vs_rss = proxy && (s in ydelta) ? sprintf("%+.0f MiB (%.2fx)", (delta - ydelta[s]) / 1024, ydelta[s] > 0 ? delta / ydelta[s] : 0) : "-"
      printf("| %s | %s | %s | %d | %d | %d | %d | %d | %.1f / %.1f | %.1f | %.1f | %s | %s | %s | %s | %s | %s | %s |\n", s, f[1], (f[1] == "direct" ? "-" : f[3]),
        f[4], f[5], f[6], f[18], f[7], f[20], f[21], f[8], f[9], plus,
        (proxy ? sprintf("%.1f", cpu) : "-"), (proxy ? sprintf("%.0f", f[10] / 1024) : "-"), (proxy ? sprintf("%.0f", f[11] / 1024) : "-"),
        (proxy ? sprintf("%.1f", delta / f[4]) : "-"), vs_cpu, vs_rss)
    }
  }' "$results")"

details="$(awk -F'\t' -v hz="$(getconf CLK_TCK)" '{
    printf("%s/%s: errors by kind: %s;%s simulator CPU %.1f us/chunk, load client %.1f us/chunk; client wall %.1f s; machine %d%% busy, other programs ~%d%%; connections dropped by a full accept queue %d\n",
      $2, $1, $19, ($22 >= 0 ? sprintf(" proxy open files at most %d;", $22) : ""), ($7 > 0 ? 1e6 * $13 / hz / $7 : 0), ($7 > 0 ? 1e6 * $14 / $7 : 0), $15, $16, $17, $23) }' "$results")"

goals="$(awk -F'\t' -v hz="$(getconf CLK_TCK)" '
  { cpu = $7 > 0 && $12 >= 0 ? 1e6 * $12 / hz / $7 : -1 }
  $1 == "yarp" { ycpu[$2] = cpu; ypeak[$2] = $11; yidle[$2] = $10 }
  $1 == "gateway" { gcpu[$2] = cpu; gpeak[$2] = $11; gidle[$2] = $10; gfail[$2] = $6; gstreams[$2] = $4; order[++n] = $2 }
  END {
    for (i = 1; i <= n; i++) {
      s = order[i]
      if (!(s in ycpu) || ycpu[s] <= 0) { printf "%s: the goals need the yarp run\n", s; continue }
      r = gcpu[s] / ycpu[s]; d = (gpeak[s] - ypeak[s]) / 1024
      printf("%s: gateway CPU per chunk %.2fx YARP (goal <= 1.10x: %s); peak RSS %.0f MiB vs YARP %.0f MiB, %+.0f MiB (goal <= +50 MiB: %s; what the open streams added: gateway %.0f MiB, YARP %.0f MiB); %d of %d streams failed%s\n",
        s, r, (r <= 1.1 ? "MET" : "NOT MET"), gpeak[s] / 1024, ypeak[s] / 1024, d, (d <= 50 ? "MET" : "NOT MET"),
        (gpeak[s] - gidle[s]) / 1024, (ypeak[s] - yidle[s]) / 1024, gfail[s], gstreams[s],
        (s == "slow" ? (gfail[s] == 0 ? " (goal: none: MET)" : " (goal: none: NOT MET)") : ""))
    }
  }' "$results")"

disturbed="$(awk -F'\t' -v limit="$OTHER_LOAD_WARN" '$17 > limit { printf "%s%s/%s (%d%%)", (n++ ? ", " : ""), $2, $1, $17 }' "$results")"
[ -n "$disturbed" ] && goals+=$'\n'"WARNING: other programs used CPU during: $disturbed. Those rows are not comparable; rerun on a quiet machine."

cpu_model="$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)"
when="$(date -u '+%Y-%m-%d %H:%M UTC')"
command="${given}bench/streaming/run.sh"
params=""
for scenario in $SCENARIOS; do
  scenario_params "$scenario"
  params+="$scenario: $streams streams, $tps tokens/s, $tokens tokens (~${seconds} s) each, upstream $upstream; "
done
params+="opened at $OPEN_RATE streams/s; simulator first chunk after $TTFT_MS ms; warm-up per target: ${WARMUP_STREAMS:-as many} streams of ${WARMUP_SECONDS}s at the same pace, repeated while the JIT's tiering thread used ${JIT_SETTLED_PCT}% of a core or more (at most ${JIT_SETTLE_MAX}s more); VmRSS sampled every ${SAMPLE_INTERVAL}s; gateway: $STRATEGY, 3 endpoints (all the one simulator), Registry:Provider=memory, Router:Retries=2, no MaxInFlight, telemetry on${GATEWAY_ARGS:+, extra arguments: \`$GATEWAY_ARGS\`}${GATEWAY_ENV:+, environment: \`$GATEWAY_ENV\`}; YARP: PowerOfTwoChoices over 3 destinations (all the one simulator); open-files limit $(ulimit -Sn)"

echo
echo "Streaming benchmark, $when, $(nproc) cores ($cpu_model)"
echo "Command: $command"
echo "$params"
echo
echo "$table"
echo
echo "$details"
printf '%s' "$gateway_counts"
echo
echo "$goals"

{
  echo "# Streaming benchmark results"
  echo
  echo "Written by \`bench/streaming/run.sh\` (overwritten on each run); how to read it: [README.md](README.md)."
  echo
  echo "- Date: $when"
  echo "- Machine: $(nproc) cores, $cpu_model, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo) RAM; the load client, the proxy and the simulator share these cores"
  echo "- Software: .NET SDK $(dotnet --version 2>/dev/null)"
  echo "- Command: \`$command\`"
  echo "- Parameters: $params"
  echo
  echo "$table"
  echo
  echo "$details" | sed 's/^/- /'
  printf '%s' "$gateway_counts" | sed 's/^/- /'
  echo
  echo "$goals" | sed 's/^/- /'
  echo
  echo "Stream s: how long a completed stream took, request to end of body (the simulator paces it at the nominal length; longer means the machine could not keep up). TTFT: from sending the request to the first \`data:\` event, as the client sees it; +TTFT: minus the direct run's of the same scenario. Proxy CPU: utime+stime of the proxy process over the measured run (opening, streaming and closing every stream) divided by the chunks the client received. Idle RSS: VmRSS after the warm-up, before the run; peak RSS: the highest VmRSS sampled while the streams ran; RSS per stream: (peak - idle) / streams. vs YARP: the gateway's CPU per chunk over YARP's, and its RSS delta (peak - idle) minus YARP's (and their ratio)."
} >"$results_md"

log "table written to ${results_md#"$root"/}"
failed=0
