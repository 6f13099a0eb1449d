# Shell helpers shared by the benchmark scripts (bench/gateway/run.sh, wire.sh and windows.sh, bench/cluster/run.sh, bench/streaming/run.sh). Sourced, not run.
# The sourcing script sets $tmp (a scratch directory) before calling start/stop, and sim_ports for the simulator helpers.

# The request every script sends (and checks readiness with): one model group, a 97-byte chat completion.
MODEL="gpt-4o-mini"
BODY='{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Say hello in one short sentence."}]}'

die() { echo "$(basename "$0"): $*" >&2; exit 1; }
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

pids=()     # every process the script started, stopped on exit
failed=1
KEEP_TMP="${KEEP_TMP:-}"
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if [ "$failed" = 1 ] || [ -n "$KEEP_TMP" ]; then echo "logs and configs kept in $tmp" >&2; else rm -rf "$tmp"; fi
}

start() { # name, then the command: runs it in the background, logs to $tmp/name.log, sets $started
  local name="$1"; shift
  "$@" >"$tmp/$name.log" 2>&1 &
  started=$!
  pids+=("$started")
}

stop() { # pid: stops one process this script started
  local pid="$1" p keep=()
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  for p in "${pids[@]}"; do [ "$p" = "$pid" ] || keep+=("$p"); done
  pids=("${keep[@]}")
}

build_release() { # projects...: dotnet build -c Release of each, unless SKIP_BUILD is set; a failed build prints its log
  [ -n "${SKIP_BUILD:-}" ] && return 0
  log "building Release (${*##*/})"
  local project
  for project in "$@"; do
    dotnet build "$project" -c Release -nologo -v quiet >"$tmp/build.log" 2>&1 || { cat "$tmp/build.log" >&2; die "build of $project failed"; }
  done
}

tiering_ticks() { # pids...: "tid ticks" per line for the runtime's tiered-compilation thread(s) (".NET Tiered Com")
  # of these processes: the JIT recompiling warm methods, which is a process's start-up cost rather than its per-request one
  local pid task
  for pid in "$@"; do
    for task in /proc/"$pid"/task/*; do
      [ "$(cat "$task/comm" 2>/dev/null)" = ".NET Tiered Com" ] || continue
      awk -v tid="${task##*/}" '{ sub(/^.*\) /, ""); print tid, $12 + $13 }' "$task/stat" 2>/dev/null || true
    done
  done
}

tiering_delta() { # before, after (outputs of tiering_ticks): ticks the tiering threads used in between (a new thread counts whole)
  awk 'NR == FNR { before[$1] = $2; next } { d = $2 - ($1 in before ? before[$1] : 0); total += d > 0 ? d : 0 } END { print total + 0 }' \
    <(printf '%s\n' "$1") <(printf '%s\n' "$2")
}

thread_ticks() { # pids...: "tid<TAB>name<TAB>ticks<TAB>voluntary<TAB>involuntary" per thread (context switches from its status)
  local pid task
  for pid in "$@"; do
    for task in /proc/"$pid"/task/*; do
      awk -v tid="${task##*/}" -v name="$(cat "$task/comm" 2>/dev/null)" '
        FILENAME ~ /stat$/ { sub(/^.*\) /, ""); ticks = $12 + $13; next }
        /^voluntary_ctxt_switches/ { v = $2 } /^nonvoluntary_ctxt_switches/ { n = $2 }
        END { printf("%s\t%s\t%d\t%d\t%d\n", tid, name, ticks, v, n) }' "$task/stat" "$task/status" 2>/dev/null || true
    done
  done
}

thread_profile() { # before, after (outputs of thread_ticks), requests: CPU per request by thread name, and context switches
  # Thread-pool workers, socket polling, GC and timers each have their own thread name in .NET; a proxy that hops between
  # threads more often shows it here as context switches per request and as workers' CPU.
  awk -F'\t' -v req="$3" -v hz="$(getconf CLK_TCK)" '
    NR == FNR { t[$1] = $3; v[$1] = $4; n[$1] = $5; next }
    { name = $2; sub(/ *[0-9]+$/, "", name); d = $3 - t[$1]; if (d < 0) d = 0
      cpu[name] += d; if (d > 0) busy[name]++; vol += $4 - v[$1]; inv += $5 - n[$1]; threads++ }
    END {
      if (req <= 0) exit
      line = sprintf("%d threads; per request: %.1f voluntary and %.1f involuntary context switches; CPU us/req by thread:", threads, vol / req, inv / req)
      m = 0; for (k in cpu) if (cpu[k] > 0) keys[++m] = k
      for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (cpu[keys[j]] > cpu[keys[i]]) { x = keys[i]; keys[i] = keys[j]; keys[j] = x }
      for (i = 1; i <= m && i <= 6; i++) line = line sprintf(" %s %.0f (%d busy)%s", keys[i], 1e6 * cpu[keys[i]] / hz / req, busy[keys[i]], i < m && i < 6 ? "," : "")
      print line
    }' <(printf '%s\n' "$1") <(printf '%s\n' "$2")
}

runtime_counters() { # admin port: "work_items lock_contentions gen0 gen1 gen2" from a Router.Node's /metrics (running totals)
  curl -s "http://127.0.0.1:$1/metrics" | awk '
    /^dotnet_thread_pool_work_item_count_total[{ ]/ { w = $NF }
    /^dotnet_monitor_lock_contentions_total[{ ]/ { l = $NF }
    /^dotnet_gc_collections_total\{/ { if ($0 ~ /gen0/) g0 = $NF; else if ($0 ~ /gen1/) g1 = $NF; else if ($0 ~ /gen2/) g2 = $NF }
    END { printf("%d %d %d %d %d\n", w, l, g0, g1, g2) }'
}

runtime_profile() { # before, after (outputs of runtime_counters), requests: thread-pool work items and lock contentions per request, GCs
  # A decision that hops between actors queues work items; how many per request shows whether mailboxes were batched.
  awk -v req="$3" 'NR == 1 { split($0, a, " ") } NR == 2 { split($0, b, " ") } END {
    if (req <= 0) exit
    printf("runtime: %.2f thread-pool work items and %.3f lock contentions per request; GCs gen0/gen1/gen2 %d/%d/%d",
      (b[1] - a[1]) / req, (b[2] - a[2]) / req, b[3] - a[3], b[4] - a[4], b[5] - a[5]) }' <(printf '%s\n%s\n' "$1" "$2")
}

tiering_pct() { # before, after (outputs of tiering_ticks), seconds between them: percent of one core the tiering threads used
  local seconds=$(($3 > 0 ? $3 : 1))
  echo $(($(tiering_delta "$1" "$2") * 100 / $(getconf CLK_TCK) / seconds))
}

listen_overflows() { # connections this host's listeners dropped because their accept queue was full (all listeners, since boot)
  awk '/^TcpExt:/ { if (!names) { for (i = 2; i <= NF; i++) if ($i == "ListenOverflows") col = i; names = 1 } else { print (col ? $col : 0); exit } }' /proc/net/netstat 2>/dev/null || echo 0
}

machine_ticks() { # "busy total" clock ticks of all cores, from /proc/stat
  awk '/^cpu / {busy = $2 + $3 + $4 + $7 + $8 + $9; print busy, busy + $5 + $6}' /proc/stat
}

warn_if_busy() { # percent: warns (with the busiest processes) when the machine is already busier than that
  local busy0 total0 busy1 total1 busy
  read -r busy0 total0 < <(machine_ticks)
  sleep 1
  read -r busy1 total1 < <(machine_ticks)
  busy=$(( 100 * (busy1 - busy0) / (total1 - total0 > 0 ? total1 - total0 : 1) ))
  if [ "$busy" -gt "$1" ]; then
    echo "$(basename "$0"): WARNING: the machine is already ${busy}% busy before the benchmark starts; results will be noisy. Busiest processes:" >&2
    ps -eo pid,pcpu,etime,args --sort=-pcpu | head -6 | cut -c1-160 >&2
  fi
}

cpu_ticks() { # pids...: user+system clock ticks, all threads
  local total=0 pid t
  for pid in "$@"; do
    t="$(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0)"
    total=$((total + t))
  done
  echo "$total"
}

status_kb() { # field, pids...: sum of a /proc/PID/status field given in KiB (VmRSS, VmHWM, ...)
  local field="$1" total=0 pid kb
  shift
  for pid in "$@"; do
    kb="$(awk -v f="$field:" '$1 == f {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)"
    total=$((total + ${kb:-0}))
  done
  echo "$total"
}
peak_rss_kb() { status_kb VmHWM "$@"; } # pids...: sum of VmHWM (peak resident set) in KiB
rss_kb() { status_kb VmRSS "$@"; }      # pids...: sum of VmRSS (resident set now) in KiB

write_gateway_config() { # file, strategy, CA bundle (or ""), 3 upstream base urls: a one-node gateway config over them
  # (Registry memory, Router:Retries=2, no caps, logging at Warning); uses $gateway_port, $admin_port, $cluster_port, $MODEL
  local file="$1" strategy="$2" ca="$3"
  cat >"$file" <<JSON
{
  "Logging": { "LogLevel": { "Default": "Warning" } },
  "Gateway": { "Urls": "http://127.0.0.1:$gateway_port" },
  "Admin": { "Urls": "http://127.0.0.1:$admin_port", "Token": "bench-admin-token" },
  "Registry": { "Provider": "memory" },
  "Cluster": { "Hostname": "127.0.0.1", "Port": $cluster_port, "SeedNodes": [] },
  "Router": { "Retries": 2${ca:+, \"UpstreamCaBundle\": \"$ca\"} },
  "ModelGroups": {
    "$MODEL": {
      "Strategy": "$strategy",
      "Endpoints": {
        "sim-a": { "Url": "$4/v1" },
        "sim-b": { "Url": "$5/v1" },
        "sim-c": { "Url": "$6/v1" }
      }
    }
  }
}
JSON
}

jit_seconds() { # admin ports...: seconds the JIT compiler has spent in these Router.Node processes so far (their /metrics)
  local port
  for port in "$@"; do curl -s "http://127.0.0.1:$port/metrics"; done |
    awk '/^dotnet_jit_compilation_time_seconds_total[{ ]/ { s += $NF } END { printf("%.3f\n", s) }'
}

bench_field() { # file, key: a value of chat.lua's BENCH line
  sed -n 's/^BENCH .*\b'"$2"'=\([0-9.]*\).*/\1/p' "$1"
}

reset_sim_stats() { # zero the simulators' own counters (POST /_sim/stats/reset), so they cover the measured run only
  local port
  for port in "${sim_ports[@]}"; do curl -s -o /dev/null -X POST "http://127.0.0.1:$port/_sim/stats/reset" || true; done
}

sim_split() { # how the measured run spread over the simulators: "33/33/34% max 14" (share of requests, peak in-flight at any one)
  local port stats totals="" peak=0 n m
  for port in "${sim_ports[@]}"; do
    stats="$(curl -s "http://127.0.0.1:$port/_sim/stats" || true)"
    n="$(sed -n 's/.*"totalRequests":\([0-9]*\).*/\1/p' <<<"$stats")"
    m="$(sed -n 's/.*"maxInFlight":\([0-9]*\).*/\1/p' <<<"$stats")"
    totals+="${n:-0} "
    [ "${m:-0}" -gt "$peak" ] && peak="$m"
  done
  awk -v peak="$peak" '{ t = $1 + $2 + $3; if (t == 0) { print "-"; exit }
    printf("%.0f/%.0f/%.0f%% max %d\n", 100 * $1 / t, 100 * $2 / t, 100 * $3 / t, peak) }' <<<"$totals"
}

make_tls_certs() { # dir: an internal CA (ca.pem) and a certificate for localhost (server.pem, server.key) issued by it,
  # as a self-hosted deployment would have (CN and SAN localhost, P-256); the openssl log goes to $tmp/openssl.log
  local dir="$1"
  mkdir -p "$dir"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=gateway bench internal CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -keyout "$dir/ca.key" -out "$dir/ca.pem" >"$tmp/openssl.log" 2>&1 || { cat "$tmp/openssl.log" >&2; die "openssl could not make the CA"; }
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
    -keyout "$dir/server.key" -out "$dir/server.csr" >>"$tmp/openssl.log" 2>&1 || { cat "$tmp/openssl.log" >&2; die "openssl could not make the server key"; }
  printf '%s\n' "subjectAltName=DNS:localhost" "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" \
    "extendedKeyUsage=serverAuth" >"$dir/server.ext"
  openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial -days 2 -sha256 \
    -extfile "$dir/server.ext" -out "$dir/server.pem" >>"$tmp/openssl.log" 2>&1 || { cat "$tmp/openssl.log" >&2; die "openssl could not issue the server certificate"; }
}

curl_tls=()   # extra curl options for HTTPS targets (bench/gateway's UPSTREAM_TLS sets --cacert)
post_status() { # url: HTTP status of one chat completion with $BODY
  curl -s "${curl_tls[@]}" -o /dev/null -w '%{http_code}' --max-time 5 -H 'content-type: application/json' -d "$BODY" "$1" || true
}

wait_for_200() { # name, pid, url: until the target answers a chat completion with 200 (60 s at most)
  local name="$1" pid="$2" url="$3" status=""
  for _ in $(seq 1 240); do
    kill -0 "$pid" 2>/dev/null || die "$name exited during start-up; see $tmp/$name.log"
    status="$(post_status "$url")"
    [ "$status" = 200 ] && return 0
    sleep 0.25
  done
  die "$name does not answer POST $url with 200 (last status: ${status:-none}); see $tmp/$name.log"
}
