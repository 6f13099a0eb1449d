#!/usr/bin/env bash
# Gateway overhead benchmark: the same wrk load against
#   direct   the 3 simulators themselves (no proxy; the baseline)
#   yarp     plain YARP, PowerOfTwoChoices over the 3 simulators      (bench/gateway/YarpPeer)
#   nginx    nginx, least_conn upstream with keepalive                 (config generated below)
#   gateway  Router.Node, one model group of the 3 simulators, per strategy in $STRATEGIES
# all in one run, over the same 3 simulator processes. Prints one table and writes it to
# bench/gateway/results.md. See bench/gateway/README.md for how to read it.
#
# UPSTREAM_TLS=1 is the HTTPS-upstream variant: each simulator gets an nginx TLS front (a certificate for
# localhost issued by a CA made for the run), and YARP and the gateway reach the simulators through them, as
# https://localhost:PORT (YARP trusts the CA with --CaBundle, the gateway with Router:UpstreamCaBundle). Targets:
#   direct     the simulators themselves over plain HTTP (the baseline, as above)
#   tls-front  wrk straight to the TLS fronts (what TLS alone costs, without a proxy)
#   yarp       YARP -> TLS fronts -> simulators
#   gateway    Router.Node -> TLS fronts -> simulators
# and writes bench/gateway/results-https.md.
#
#   bench/gateway/run.sh                           # defaults below
#   DURATION=30 CONNECTIONS=60 bench/gateway/run.sh
#   GATEWAY_ARGS="--Router:MaxAcquireAttempts=1" STRATEGIES=round-robin bench/gateway/run.sh
#   GATEWAY_ENV="DOTNET_gcServer=0" bench/gateway/run.sh   # a runtime setting for the gateway only
#   TARGETS="direct gateway" bench/gateway/run.sh  # a subset (ratios need yarp, added latency needs direct)
#   UPSTREAM_TLS=1 bench/gateway/run.sh            # HTTPS upstreams: gateway vs YARP through nginx TLS fronts
#   TELEMETRY="on off" bench/gateway/run.sh        # the default: each gateway run with telemetry on, then off
#                                                  # (Telemetry:Enabled=false); prints the CPU per request of both
#   TELEMETRY="on traces off" bench/gateway/run.sh # also with spans recorded (Telemetry:Tracing=true, no exporter)
#
# Needs: dotnet (the .NET 10 SDK), wrk, nginx, curl (apt-get update && apt-get install -y nginx wrk curl);
# UPSTREAM_TLS=1 also needs openssl.
set -euo pipefail

# ------------------------------------------------------------------ parameters (environment overrides)
CONNECTIONS="${CONNECTIONS:-30}"   # wrk -c; must be a multiple of THREADS
THREADS="${THREADS:-3}"            # wrk -t; the direct run sends thread i to simulator i mod 3 (so keep it a multiple of 3)
DURATION="${DURATION:-15}"         # seconds measured per target
# Seconds of the same load first, not measured (JIT tiering, pools, connections). The gateway has about three times
# YARP's JIT-compiled methods (Akka, the cluster, telemetry): after 10 s its tiered compiler still used ~4% of its CPU.
WARMUP="${WARMUP:-30}"
# Then more of it, 10 s at a time, until the proxy's tiered-compilation thread uses less than JIT_SETTLED_PCT % of a core
# (at most JIT_SETTLE_MAX s more); the CPU table says how long each target took and what the thread used while measured.
JIT_SETTLED_PCT="${JIT_SETTLED_PCT:-1}"
JIT_SETTLE_MAX="${JIT_SETTLE_MAX:-120}"
IDLE_DURATION="${IDLE_DURATION:-3}" # seconds of 1-connection load per target: latency without CPU contention
LATENCY_MS="${LATENCY_MS:-5}"      # simulator latency; small, so the proxies' overhead is visible
# Milliseconds each connection waits after a response before its next request (warm-up and measured run; not the
# 1-connection run). Empty: none, and the 30 connections keep both cores busy. Saturated, the whole closed loop (wrk,
# proxy, simulators) drifts between a batched, cheaper state and a costlier one for minutes, so one 15 s window of a
# process can cost a sixth more than the next; with a pause (PAUSE_MS=5: about 2,700 req/s here) the load stays below
# what the machine serves, and a warm process's successive windows agree within 3% (README.md, "Saturated or paced").
PAUSE_MS="${PAUSE_MS:-}"
STRATEGIES="${STRATEGIES:-least-busy round-robin}"
# Telemetry modes of each gateway run: on (metrics as shipped, /metrics scraped every SCRAPE_INTERVAL s as Prometheus
# would), off (Telemetry:Enabled=false), traces (on, plus spans for every request: Telemetry:Tracing=true, no exporter).
TELEMETRY="${TELEMETRY:-on off}"
SCRAPE_INTERVAL="${SCRAPE_INTERVAL:-5}"
UPSTREAM_TLS="${UPSTREAM_TLS:-}"   # set (1) for the HTTPS-upstream variant described above
if [ -n "$UPSTREAM_TLS" ]; then
  TARGETS="${TARGETS:-direct tls-front yarp gateway}"
else
  TARGETS="${TARGETS:-direct yarp nginx gateway}"
fi
OVERHEAD_SAMPLES="${OVERHEAD_SAMPLES:-200}" # sequential curl requests read for x-router-overhead-ms
OVERHEAD_DURATION="${OVERHEAD_DURATION:-5}" # seconds of load during which wrk reads x-router-overhead-ms
BASE_PORT="${BASE_PORT:-18100}"
OTHER_LOAD_WARN="${OTHER_LOAD_WARN:-10}" # % of the machine used by other programs during a run that flags it
GATEWAY_ARGS="${GATEWAY_ARGS:-}"   # extra command-line settings for Router.Node, e.g. --Router:Retries=0
GATEWAY_ENV="${GATEWAY_ENV:-}"     # extra environment for Router.Node only, e.g. DOTNET_TieredPGO=0 (runtime settings)
SKIP_BUILD="${SKIP_BUILD:-}"       # set to reuse the Release build
KEEP_TMP="${KEEP_TMP:-}"           # set to keep logs and generated configs after a successful run

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"
# shellcheck source=../lib.sh
source "$root/bench/lib.sh"

sim_ports=("$((BASE_PORT + 1))" "$((BASE_PORT + 2))" "$((BASE_PORT + 3))")
yarp_port=$((BASE_PORT + 10))
nginx_port=$((BASE_PORT + 20))
gateway_port=$((BASE_PORT + 30))
admin_port=$((BASE_PORT + 31))
cluster_port=$((BASE_PORT + 32))
tls_ports=("$((BASE_PORT + 4))" "$((BASE_PORT + 5))" "$((BASE_PORT + 6))") # UPSTREAM_TLS: nginx TLS front of each simulator
results_md="$here/results.md"
[ -n "$UPSTREAM_TLS" ] && results_md="$here/results-https.md"

# ------------------------------------------------------------------ prerequisites
missing=()
tools=(dotnet wrk nginx curl awk ss)
[ -n "$UPSTREAM_TLS" ] && tools+=(openssl)
for tool in "${tools[@]}"; do command -v "$tool" >/dev/null 2>&1 || missing+=("$tool"); done
if [ ${#missing[@]} -gt 0 ]; then
  cat >&2 <<MSG
run.sh: missing: ${missing[*]}
  Debian/Ubuntu: apt-get update && apt-get install -y nginx wrk curl iproute2
  (dotnet: the .NET 10 SDK, see global.json)
MSG
  exit 1
fi
[ $((CONNECTIONS % THREADS)) -eq 0 ] || die "CONNECTIONS ($CONNECTIONS) must be a multiple of THREADS ($THREADS) (wrk gives each thread CONNECTIONS/THREADS)"
if [ -n "$UPSTREAM_TLS" ] && [[ " $TARGETS " == *" nginx "* ]]; then
  die "the nginx target is HTTP-only; with UPSTREAM_TLS=1 pick TARGETS from: direct tls-front yarp gateway"
fi
for p in "${sim_ports[@]}" "${tls_ports[@]}" "$yarp_port" "$nginx_port" "$gateway_port" "$admin_port" "$cluster_port"; do
  if ss -Hltn "sport = :$p" | grep -q .; then die "port $p is in use; pick other ports with BASE_PORT=..."; fi
done

# The figures are only comparable on an otherwise idle machine: say so when it is not.
warn_if_busy "$OTHER_LOAD_WARN"

tmp="$(mktemp -d /tmp/gateway-bench.XXXXXX)"
trap cleanup EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------------ measurement helpers
# target rps p50_ms p99_ms idle_p50_ms rss_mib proxy_cores proxy_us_per_req machine_pct non2xx socket_errors sims_us_per_req wrk_us_per_req split other_pct
#   jit_us_per_req (the proxy's tiered-compilation thread, part of proxy_us_per_req) extra_warmup_s
results="$tmp/results.tsv"
: >"$results"
thread_report=""   # each proxy's CPU by thread name and its context switches while measured (thread_profile)

# measure NAME URL SPREAD PIDS...: warm-up, measured run, 1-connection run; appends a row to $results.
measure() {
  local name="$1" url="$2" spread="$3"; shift 3
  local procs=("$@")
  local out="$tmp/$name.wrk.txt" idle="$tmp/$name.idle.wrk.txt"
  export BENCH_BODY="$BODY" BENCH_SPREAD="$spread" BENCH_PAUSE_MS="$PAUSE_MS"

  log "$name: warm-up ${WARMUP}s"
  wrk -t "$THREADS" -c "$CONNECTIONS" -d "${WARMUP}s" -s "$here/chat.lua" "$url" >"$tmp/$name.warmup.txt" 2>&1
  # CPU per request is a steady-state figure: the runtime keeps recompiling warm methods at a higher tier for a while
  # (the gateway has about three times YARP's methods: Akka's periodic work reaches its call counts late), so the same
  # load goes on, 10 s at a time, until the tiered-compilation thread is nearly idle, for every proxy alike.
  local extra=0 jit0 jit1 pct
  while [ ${#procs[@]} -gt 0 ] && [ "$extra" -lt "$JIT_SETTLE_MAX" ]; do
    jit0="$(tiering_ticks "${procs[@]}")"
    wrk -t "$THREADS" -c "$CONNECTIONS" -d 10s -s "$here/chat.lua" "$url" >>"$tmp/$name.warmup.txt" 2>&1
    jit1="$(tiering_ticks "${procs[@]}")"
    extra=$((extra + 10))
    pct="$(tiering_pct "$jit0" "$jit1" 10)"
    [ "$pct" -lt "$JIT_SETTLED_PCT" ] && break
    log "$name: the JIT's tiering thread used $pct% of a core in the last 10 s; warming on"
  done
  [ "$extra" -gt 0 ] && log "$name: warmed ${extra}s more until the tiering thread settled (or JIT_SETTLE_MAX=${JIT_SETTLE_MAX}s)"

  log "$name: ${DURATION}s at $CONNECTIONS connections"
  local cpu0 cpu1 sims0 sims1 m0 m1 TIMEFORMAT='%U %S'
  reset_sim_stats
  cpu0="$(cpu_ticks "${procs[@]}")"; sims0="$(cpu_ticks "${sim_pids[@]}")"; m0="$(machine_ticks)"; jit0="$(tiering_ticks "${procs[@]}")"
  local threads0; threads0="$(thread_ticks "${procs[@]}")"
  local counters0=""; [[ "$name" == gateway* ]] && counters0="$(runtime_counters "$admin_port")"
  { time wrk -t "$THREADS" -c "$CONNECTIONS" -d "${DURATION}s" --latency -s "$here/chat.lua" "$url" >"$out" 2>&1; } 2>"$tmp/$name.wrk-cpu.txt"
  cpu1="$(cpu_ticks "${procs[@]}")"; sims1="$(cpu_ticks "${sim_pids[@]}")"; m1="$(machine_ticks)"; jit1="$(tiering_ticks "${procs[@]}")"
  local threads1; threads1="$(thread_ticks "${procs[@]}")"
  local counters1=""; [[ "$name" == gateway* ]] && counters1="$(runtime_counters "$admin_port")"
  local rss; rss="$(peak_rss_kb "${procs[@]}")"
  local backends; backends="$(sim_split)"

  log "$name: ${IDLE_DURATION}s at 1 connection"
  BENCH_PAUSE_MS="" wrk -t 1 -c 1 -d "${IDLE_DURATION}s" -s "$here/chat.lua" "$url" >"$idle" 2>&1

  local requests duration_us
  requests="$(bench_field "$out" requests)"; duration_us="$(bench_field "$out" duration_us)"
  [ -n "$requests" ] || die "$name: wrk printed no BENCH line; see $out"
  if [ ${#procs[@]} -gt 0 ]; then
    thread_report+="$name: $(thread_profile "$threads0" "$threads1" "$requests")"
    [ -n "$counters0" ] && thread_report+="; $(runtime_profile "$counters0" "$counters1" "$requests")"
    thread_report+=$'\n'
  fi
  local hz; hz="$(getconf CLK_TCK)"
  awk -v name="$name" -v req="$requests" -v dur="$duration_us" \
      -v p50="$(bench_field "$out" p50_us)" -v p99="$(bench_field "$out" p99_us)" \
      -v ip50="$(bench_field "$idle" p50_us)" -v rss="$rss" -v nprocs="${#procs[@]}" \
      -v cpu="$((cpu1 - cpu0))" -v sims="$((sims1 - sims0))" -v wrk_cpu="$(cat "$tmp/$name.wrk-cpu.txt")" \
      -v hz="$hz" -v m0="$m0" -v m1="$m1" -v ncpu="$(nproc)" \
      -v non2xx="$(bench_field "$out" non2xx)" -v sockerr="$(bench_field "$out" socket_errors)" -v backends="$backends" \
      -v jit="$(tiering_delta "$jit0" "$jit1")" -v settle="$extra" 'BEGIN {
        secs = dur / 1e6; rps = req / secs
        split(m0, a, " "); split(m1, b, " ")
        machine = (b[2] - a[2]) > 0 ? 100 * (b[1] - a[1]) / (b[2] - a[2]) : 0
        cores = nprocs > 0 ? cpu / hz / secs : -1
        us_per_req = nprocs > 0 && req > 0 ? 1e6 * cpu / hz / req : -1
        split(wrk_cpu, w, " ")
        # CPU that none of the processes above used: other programs on the machine (or kernel work)
        other = machine - 100 * ((nprocs > 0 ? cpu / hz : 0) + sims / hz + w[1] + w[2]) / secs / ncpu
        jit_us = nprocs > 0 && req > 0 ? 1e6 * jit / hz / req : -1
        printf("%s\t%.0f\t%.2f\t%.2f\t%.2f\t%.0f\t%.2f\t%.0f\t%.0f\t%d\t%d\t%.0f\t%.0f\t%s\t%.0f\t%.0f\t%d\n", name, rps, p50 / 1000, p99 / 1000, ip50 / 1000,
          (nprocs > 0 ? rss / 1024 : -1), cores, us_per_req, machine, non2xx, sockerr,
          1e6 * sims / hz / req, 1e6 * (w[1] + w[2]) / req, backends, other, jit_us, settle)
      }' >>"$results"
  if [ "$(bench_field "$out" non2xx)" != 0 ] || [ "$(bench_field "$out" socket_errors)" != 0 ]; then
    log "$name: WARNING: $(bench_field "$out" non2xx) non-2xx responses, $(bench_field "$out" socket_errors) socket errors (see $out)"
  fi
}

# ------------------------------------------------------------------ build
build_release src/Router.Node src/Router.Simulator bench/gateway/YarpPeer
node_dll="$root/src/Router.Node/bin/Release/net10.0/Router.Node.dll"
sim_dll="$root/src/Router.Simulator/bin/Release/net10.0/Router.Simulator.dll"
yarp_dll="$root/bench/gateway/YarpPeer/bin/Release/net10.0/YarpPeer.dll"
for f in "$node_dll" "$sim_dll" "$yarp_dll"; do [ -f "$f" ] || die "$f is missing (build without SKIP_BUILD)"; done

# ------------------------------------------------------------------ the 3 simulators (shared by every target)
names=(sim-a sim-b sim-c)
spread=""
for i in 0 1 2; do
  start "${names[$i]}" dotnet "$sim_dll" --urls "http://127.0.0.1:${sim_ports[$i]}" \
    --Simulator:Name="${names[$i]}" --Simulator:LatencyMs="$LATENCY_MS"
  sim_pids[$i]=$started
  spread+="127.0.0.1:${sim_ports[$i]} "
done
for i in 0 1 2; do wait_for_200 "${names[$i]}" "${sim_pids[$i]}" "http://127.0.0.1:${sim_ports[$i]}/v1/chat/completions"; done
log "simulators up on ${sim_ports[*]} (latency ${LATENCY_MS} ms)"

# What the proxies forward to: the simulators, or (UPSTREAM_TLS) their TLS fronts by the certificate's name.
upstream_urls=()
for i in 0 1 2; do upstream_urls[$i]="http://127.0.0.1:${sim_ports[$i]}"; done

# ------------------------------------------------------------------ UPSTREAM_TLS: a CA, a localhost certificate, nginx TLS fronts
tls_spread=""
if [ -n "$UPSTREAM_TLS" ]; then
  tls="$tmp/tls"
  make_tls_certs "$tls"
  curl_tls=(--cacert "$tls/ca.pem")

  # One TLS front per simulator (HTTP/1.1, no h2: YARP and the gateway both pool HTTP/1.1 connections to it),
  # keep-alive to its simulator, so what the proxies pay for HTTPS is the TLS itself.
  mkdir -p "$tmp/tls-front"
  {
    [ "$(id -u)" = 0 ] && echo "user root root;"
    cat <<CONF
worker_processes 1;
pid $tmp/tls-front/nginx.pid;
error_log $tmp/tls-front/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $tmp/tls-front/body;
  proxy_temp_path $tmp/tls-front/proxy;
  fastcgi_temp_path $tmp/tls-front/fastcgi;
  uwsgi_temp_path $tmp/tls-front/uwsgi;
  scgi_temp_path $tmp/tls-front/scgi;
  keepalive_requests 1000000;
  ssl_certificate $tls/server.pem;
  ssl_certificate_key $tls/server.key;
  ssl_protocols TLSv1.2 TLSv1.3;
  ssl_session_cache shared:bench:1m;
CONF
    for i in 0 1 2; do
      cat <<CONF
  upstream sim$i { server 127.0.0.1:${sim_ports[$i]}; keepalive 32; keepalive_requests 1000000; }
  server {
    listen 127.0.0.1:${tls_ports[$i]} ssl;
    server_name localhost;
    location / {
      proxy_pass http://sim$i;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
CONF
    done
    echo "}"
  } >"$tmp/tls-front/nginx.conf"
  nginx -t -c "$tmp/tls-front/nginx.conf" >"$tmp/tls-front-test.log" 2>&1 || { cat "$tmp/tls-front-test.log" >&2; die "nginx rejected $tmp/tls-front/nginx.conf"; }
  start tls-front nginx -c "$tmp/tls-front/nginx.conf" -g 'daemon off;'
  tls_front_pid=$started
  for i in 0 1 2; do
    upstream_urls[$i]="https://localhost:${tls_ports[$i]}"
    tls_spread+="127.0.0.1:${tls_ports[$i]} "
    wait_for_200 tls-front "$tls_front_pid" "${upstream_urls[$i]}/v1/chat/completions"
  done
  # The fronts' CPU is backend work: it is counted with the simulators' (the "simulators CPU" column), not as other programs.
  mapfile -t tls_front_workers < <(pgrep -P "$tls_front_pid")
  sim_pids+=("$tls_front_pid" "${tls_front_workers[@]}")
  log "TLS fronts up on ${tls_ports[*]} (https://localhost:PORT, CA $tls/ca.pem)"
fi

wants() { [[ " $TARGETS " == *" $1 "* ]]; }

# ------------------------------------------------------------------ 1. direct
if wants direct; then
  measure direct "http://127.0.0.1:${sim_ports[0]}/v1/chat/completions" "$spread"
fi

# ------------------------------------------------------------------ 1b. UPSTREAM_TLS: straight to the TLS fronts
if [ -n "$UPSTREAM_TLS" ] && wants tls-front; then
  measure tls-front "${upstream_urls[0]}/v1/chat/completions" "$tls_spread"
fi

# ------------------------------------------------------------------ 2. YARP, PowerOfTwoChoices
if wants yarp; then
  yarp_args=(--urls "http://127.0.0.1:$yarp_port")
  for i in 0 1 2; do
    yarp_args+=("--ReverseProxy:Clusters:sims:Destinations:${names[$i]}:Address=${upstream_urls[$i]}/")
  done
  [ -n "$UPSTREAM_TLS" ] && yarp_args+=("--CaBundle=$tls/ca.pem")
  start yarp dotnet "$yarp_dll" "${yarp_args[@]}"
  yarp_pid=$started
  wait_for_200 yarp "$yarp_pid" "http://127.0.0.1:$yarp_port/v1/chat/completions"
  measure yarp "http://127.0.0.1:$yarp_port/v1/chat/completions" "" "$yarp_pid"
  stop "$yarp_pid"
fi

# ------------------------------------------------------------------ 3. nginx, least_conn
if wants nginx; then
  mkdir -p "$tmp/nginx"
  {
    [ "$(id -u)" = 0 ] && echo "user root root;"   # workers may write the temp dirs below
    cat <<CONF
worker_processes auto;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $tmp/nginx/body;
  proxy_temp_path $tmp/nginx/proxy;
  fastcgi_temp_path $tmp/nginx/fastcgi;
  uwsgi_temp_path $tmp/nginx/uwsgi;
  scgi_temp_path $tmp/nginx/scgi;
  keepalive_requests 1000000;   # Kestrel does not close busy client connections either
  upstream sims {
    least_conn;
    server 127.0.0.1:${sim_ports[0]};
    server 127.0.0.1:${sim_ports[1]};
    server 127.0.0.1:${sim_ports[2]};
    keepalive 64;
    keepalive_requests 1000000;
  }
  server {
    listen 127.0.0.1:$nginx_port;
    location / {
      proxy_pass http://sims;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
CONF
  } >"$tmp/nginx/nginx.conf"
  nginx -t -c "$tmp/nginx/nginx.conf" >"$tmp/nginx-test.log" 2>&1 || { cat "$tmp/nginx-test.log" >&2; die "nginx rejected $tmp/nginx/nginx.conf"; }
  start nginx nginx -c "$tmp/nginx/nginx.conf" -g 'daemon off;'
  nginx_pid=$started
  wait_for_200 nginx "$nginx_pid" "http://127.0.0.1:$nginx_port/v1/chat/completions"
  # master + workers: memory and CPU are the sum
  mapfile -t nginx_workers < <(pgrep -P "$nginx_pid")
  measure nginx "http://127.0.0.1:$nginx_port/v1/chat/completions" "" "$nginx_pid" "${nginx_workers[@]}"
  stop "$nginx_pid"
fi

# ------------------------------------------------------------------ 4. the gateway, per strategy
overhead_report=""
if wants gateway; then
  for strategy in $STRATEGIES; do
    config="$tmp/gateway-$strategy.json"
    write_gateway_config "$config" "$strategy" "${UPSTREAM_TLS:+$tls/ca.pem}" "${upstream_urls[@]}"
    for telemetry in $TELEMETRY; do
    case "$telemetry" in
      on) name="gateway-$strategy"; telemetry_args=() ;;
      off) name="gateway-$strategy-telemetry-off"; telemetry_args=(--Telemetry:Enabled=false) ;;
      traces) name="gateway-$strategy-traces"; telemetry_args=(--Telemetry:Tracing=true) ;;
      *) die "TELEMETRY: '$telemetry' is not one of on, off, traces" ;;
    esac
    # shellcheck disable=SC2086 # GATEWAY_ARGS is a list of --Key=Value words
    start "$name" env $GATEWAY_ENV dotnet "$node_dll" --config "$config" "${telemetry_args[@]}" $GATEWAY_ARGS
    gateway_pid=$started
    wait_for_200 "$name" "$gateway_pid" "http://127.0.0.1:$gateway_port/v1/chat/completions"
    scraper_pid=""
    if [ "$telemetry" != off ]; then
      # Prometheus' side of the cost: the node aggregates and serializes on each scrape (curl's CPU is not the gateway's).
      status="$(curl -s -o "$tmp/$name.metrics.txt" -w '%{http_code}' "http://127.0.0.1:$admin_port/metrics" || true)"
      [ "$status" = 200 ] || die "$name: GET /metrics on the admin port answered ${status:-nothing}"
      start "$name-scraper" bash -c "while :; do curl -s -o /dev/null http://127.0.0.1:$admin_port/metrics; sleep $SCRAPE_INTERVAL; done"
      scraper_pid=$started
    fi
    measure "$name" "http://127.0.0.1:$gateway_port/v1/chat/completions" "" "$gateway_pid"
    [ -n "$scraper_pid" ] && stop "$scraper_pid"
    if [ "$telemetry" != on ]; then
      stop "$gateway_pid"
      continue # the x-router-overhead-ms runs below are about routing, measured once per strategy
    fi

    # A second view of added latency: the gateway's own x-router-overhead-ms (body read, parse, routing
    # decision and lease, up to handing the request to YARP), under the same load (a separate run: reading
    # headers in Lua slows wrk) and over sequential requests on an idle node.
    log "$name: x-router-overhead-ms under load, ${OVERHEAD_DURATION}s at $CONNECTIONS connections"
    BENCH_OVERHEAD=1 wrk -t "$THREADS" -c "$CONNECTIONS" -d "${OVERHEAD_DURATION}s" -s "$here/chat.lua" \
      "http://127.0.0.1:$gateway_port/v1/chat/completions" >"$tmp/$name.overhead-load.txt" 2>&1
    overhead_report+="$(sed -n 's/^OVERHEAD samples=\([0-9]*\) p50_ms=\([0-9.]*\) p90_ms=\([0-9.]*\) p99_ms=\([0-9.]*\).*/'"$name"': x-router-overhead-ms under load (\1 requests at '"$CONNECTIONS"' connections): p50 \2 ms, p90 \3 ms, p99 \4 ms/p' "$tmp/$name.overhead-load.txt")"$'\n'
    log "$name: x-router-overhead-ms over $OVERHEAD_SAMPLES sequential requests"
    for _ in $(seq 1 "$OVERHEAD_SAMPLES"); do
      curl -s -o /dev/null -D - -H 'content-type: application/json' -d "$BODY" "http://127.0.0.1:$gateway_port/v1/chat/completions" |
        tr -d '\r' | awk -F': ' 'tolower($1) == "x-router-overhead-ms" {print $2}'
    done | sort -g >"$tmp/$name.overhead.txt"
    overhead_report+="$(awk -v name="$name" '{v[NR] = $1} END {
        if (NR == 0) { printf "%s: no x-router-overhead-ms header seen\n", name; exit }
        printf("%s: x-router-overhead-ms over %d sequential requests (idle node): p50 %.3f ms, p90 %.3f ms, p99 %.3f ms\n",
          name, NR, v[rank(0.5)], v[rank(0.9)], v[rank(0.99)]) }
      function rank(q,  r) { r = int(NR * q + 0.5); return (r < 1 ? 1 : r) }' "$tmp/$name.overhead.txt")"$'\n'
    stop "$gateway_pid"
    done
  done
fi

# ------------------------------------------------------------------ report
table="$(awk -F'\t' '
  { row[NR] = $0 }
  $1 == "direct" { d50 = $3; d99 = $4; di50 = $5; hasd = 1 }
  $1 == "yarp" { yrps = $2 }
  function added(v, base) { return hasd ? sprintf("%+.2f", v - base) : "n/a" }
  END {
    print "| target | req/s | p50 ms | p99 ms | +p50 ms | +p99 ms | 1-conn p50 ms (+) | peak RSS MiB | vs YARP | errors | backend split |"
    print "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    for (i = 1; i <= NR; i++) {
      split(row[i], f, "\t"); direct = f[1] == "direct"
      printf("| %s | %d | %.2f | %.2f | %s | %s | %.2f (%s) | %s | %s | %d | %s |\n", f[1], f[2], f[3], f[4],
        (direct ? "-" : added(f[3], d50)), (direct ? "-" : added(f[4], d99)), f[5], (direct ? "-" : added(f[5], di50)),
        (f[6] < 0 ? "-" : f[6]), (yrps ? sprintf("%.2fx", f[2] / yrps) : "n/a"), f[10] + f[11], f[14])
    }
  }' "$results")"

cpu_table="$(awk -F'\t' '
  BEGIN {
    print "| target | proxy CPU cores | proxy CPU us/req | of which JIT tiering us/req | extra warm-up s | simulators CPU us/req | wrk CPU us/req | machine CPU busy % | of which other programs % |"
    print "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
  }
  { printf("| %s | %s | %s | %s | %d | %d | %d | %d | %d |\n", $1, ($7 < 0 ? "-" : $7), ($8 < 0 ? "-" : $8), ($16 < 0 ? "-" : $16), $17, $12, $13, $9, ($15 < 0 ? 0 : $15)) }' "$results")"


goals="$(awk -F'\t' '
  $1 == "direct" { d50 = $3 } $1 == "yarp" { y = $2 }
  $1 ~ /^gateway-/ {
    if (!y || d50 == "") { printf "%s: goals need the direct and yarp runs\n", $1; next }
    ratio = $2 / y; added = $3 - d50
    printf("%s: throughput %.2fx YARP (goal >= 0.80x: %s), p50 added %.2f ms (goal <= 1.00 ms: %s)\n", $1, ratio,
      (ratio >= 0.8 ? "MET" : "NOT MET"), added, (added <= 1.0 ? "MET" : "NOT MET")) }' "$results")"

# What telemetry costs: each strategy's gateway CPU per request (and throughput) with telemetry on (and with traces)
# against the same strategy with telemetry off, measured in this run. Goal: <= 5% more CPU per request.
telemetry_cost="$(awk -F'\t' '
  { us[$1] = $8; rps[$1] = $2; order[NR] = $1 }
  END {
    for (i = 1; i <= NR; i++) {
      off = order[i]; if (off !~ /^gateway-.*-telemetry-off$/) continue
      base = off; sub(/-telemetry-off$/, "", base)
      split(base "|" base "-traces", ons, "|")
      for (j = 1; j <= 2; j++) {
        on = ons[j]; if (!(on in us) || us[off] <= 0) continue
        pct = 100 * (us[on] - us[off]) / us[off]
        printf("%s: gateway CPU %s us/req vs %s us/req with telemetry off: %+.1f%% (goal <= +5%%: %s); req/s %d vs %d\n",
          on, us[on], us[off], pct, (pct <= 5 ? "MET" : "NOT MET"), rps[on], rps[off])
      }
    }
  }' "$results")"
[ -n "$telemetry_cost" ] && goals+=$'\n'"$telemetry_cost"

disturbed="$(awk -F'\t' -v limit="$OTHER_LOAD_WARN" '$15 > limit { printf "%s%s (%d%%)", (n++ ? ", " : ""), $1, $15 }' "$results")"
if [ -n "$disturbed" ]; then
  goals+=$'\n'"WARNING: other programs used CPU during: $disturbed. Those rows are not comparable; rerun on a quiet machine."
fi

aligned() { # a markdown table on stdin, printed as aligned columns
  sed 's/^| //; s/ |$//' | awk -F' \\| ' '
    { for (i = 1; i <= NF; i++) { cell[NR, i] = $i; if (length($i) > w[i]) w[i] = length($i) } n = NF; rows = NR }
    END { for (r = 1; r <= rows; r++) { if (r == 2) continue; line = ""
            for (i = 1; i <= n; i++) line = line sprintf(i == 1 ? "%-*s" : "  %*s", w[i], cell[r, i]); print line } }'
}

cpu_model="$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)"
when="$(date -u '+%Y-%m-%d %H:%M UTC')"
upstreams="3 Router.Simulator processes"
[ -n "$UPSTREAM_TLS" ] && upstreams="3 Router.Simulator processes, each behind its own nginx TLS front (https://localhost:PORT, a P-256 certificate from a CA made for the run; YARP --CaBundle, gateway Router:UpstreamCaBundle); direct is plain HTTP to the simulators, tls-front is wrk over HTTPS to the fronts"
params="wrk -t $THREADS -c $CONNECTIONS -d ${DURATION}s --latency${PAUSE_MS:+ (each connection pausing ${PAUSE_MS} ms after every response)} after ${WARMUP}s of warm-up, then wrk -t 1 -c 1 -d ${IDLE_DURATION}s; POST /v1/chat/completions with a ${#BODY}-byte body \`$BODY\`; $upstreams (LatencyMs=$LATENCY_MS, CompletionTokens default); gateway: Registry:Provider=memory, Router:Retries=2, no MaxInFlight, strategies: $STRATEGIES, telemetry: $TELEMETRY (on: /metrics scraped every ${SCRAPE_INTERVAL}s)${GATEWAY_ARGS:+, extra arguments: \`$GATEWAY_ARGS\`}${GATEWAY_ENV:+, environment: \`$GATEWAY_ENV\`}"

echo
echo "Gateway benchmark, $when, $(nproc) cores ($cpu_model)"
echo "$params"
echo
echo "$table" | aligned
echo
echo "CPU per request (all measured during the ${DURATION}s run):"
echo "$cpu_table" | aligned
echo
echo "$goals"
[ -n "$overhead_report" ] && printf '%s' "$overhead_report"
printf '%s' "$thread_report"

{
  echo "# Gateway benchmark results${UPSTREAM_TLS:+ (HTTPS upstreams)}"
  echo
  echo "Written by \`bench/gateway/run.sh\` (overwritten on each run); how to read it: [README.md](README.md)."
  echo
  echo "- Date: $when"
  echo "- Machine: $(nproc) cores, $cpu_model, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo) RAM; wrk, the proxy and the 3 simulators share these cores"
  echo "- Software: .NET SDK $(dotnet --version 2>/dev/null), $(nginx -v 2>&1 | sed 's/.*: //'), $(wrk -v 2>&1 | head -1 | awk '{print $1, $2}')"
  echo "- Parameters: $params"
  echo
  echo "$table"
  echo
  echo "$cpu_table"
  echo
  echo "$goals" | sed 's/^/- /'
  [ -n "$overhead_report" ] && printf '%s' "$overhead_report" | sed 's/^/- /'
  printf '%s' "$thread_report" | sed 's/^/- /'
  echo
  echo "+p50/+p99: the target's latency minus the direct run's. 1-conn p50: the median at one connection (no CPU contention) and its difference to direct. Peak RSS: VmHWM of the proxy process(es) (nginx: master + workers) after the run. vs YARP: req/s divided by YARP's. Errors: non-2xx responses plus socket errors. Backend split: each simulator's share of the measured requests and the highest in-flight count any one of them saw (from the simulators' /_sim/stats; 30 connections spread evenly would be about 10-14). CPU: user+system time of each process during the measured run divided by the requests served, after a warm-up that went on until the runtime's tiered-compilation thread was nearly idle (extra warm-up s); "of which JIT tiering" is that thread's share while measured; machine CPU busy is all cores, and "of which other programs" is the part no process of the benchmark used (other programs on the machine, some kernel work)."
} >"$results_md"

log "table written to ${results_md#"$root"/}"
failed=0
