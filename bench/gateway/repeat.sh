#!/usr/bin/env bash
# The gateway-vs-YARP ratios of bench/gateway/run.sh, measured ROUNDS times (each round a fresh run.sh: new simulators,
# new proxies, the same warm-up), with the median of each ratio. One run's ratio moves by 10-20% on this 2-core machine
# (wrk, three simulators and the proxy share it); the median of several is the figure to quote.
#
#   bench/gateway/repeat.sh                      # 3 rounds, least-busy, telemetry on
#   ROUNDS=5 STRATEGIES=round-robin bench/gateway/repeat.sh
#   COMPARE_ENV="DOTNET_gcServer=0" bench/gateway/repeat.sh   # each round twice: as configured, then with this setting
#
# COMPARE_ENV: environment for the gateway process in a second run.sh of every round, right after the first, so a
# setting is compared with the default under the same conditions (the machine's load drifts more between sets of
# rounds than within a round). Each run has its own YARP run, and each ratio is taken within its run.
#
# Any other run.sh setting (DURATION, WARMUP, CONNECTIONS, GATEWAY_ARGS, GATEWAY_ENV, ...) is passed through. Writes
# bench/gateway/results-repeated.md (results-repeated-paced.md with PAUSE_MS).
set -euo pipefail
ROUNDS="${ROUNDS:-3}"
COMPARE_ENV="${COMPARE_ENV:-}"
BASE_ENV="${GATEWAY_ENV:-}"
export STRATEGIES="${STRATEGIES:-least-busy}"
export TELEMETRY="${TELEMETRY:-on}"
export TARGETS="direct yarp gateway"
here="$(cd "$(dirname "$0")" && pwd)"
out="$here/results-repeated${PAUSE_MS:+-paced}.md" # a paced set (PAUSE_MS) keeps its own file
rounds_tsv="$(mktemp /tmp/gateway-repeat.XXXXXX)"
gateway="gateway-${STRATEGIES%% *}"
[ "$TELEMETRY" = off ] && gateway="$gateway-telemetry-off"

variants=("${BASE_ENV:-default}")
[ -n "$COMPARE_ENV" ] && variants+=("$COMPARE_ENV")

for round in $(seq 1 "$ROUNDS"); do
  for variant in "${variants[@]}"; do
    echo "[$(date -u +%H:%M:%S)] round $round of $ROUNDS: gateway environment: $variant"
    if [ "$variant" = default ]; then export GATEWAY_ENV=""; else export GATEWAY_ENV="$variant"; fi
    log="$rounds_tsv.round$round.log"
    "$here/run.sh" >"$log" 2>&1 || { cat "$log" >&2; exit 1; }
    export SKIP_BUILD=1
    # run.sh's results.md: the first table has req/s and +p50 per target, the second CPU us/req and the JIT's part (9 columns).
    awk -F'|' -v round="$round" -v gw="$gateway" -v variant="$variant" '
      function trim(s) { gsub(/^ +| +$/, "", s); return s }
      NF == 13 && trim($2) == "yarp" { yrps = trim($3); yp50 = trim($6) }
      NF == 13 && trim($2) == gw { grps = trim($3); gp50 = trim($6) }
      NF == 11 && trim($2) == "yarp" { ycpu = trim($4); yjit = trim($5) }
      NF == 11 && trim($2) == gw { gcpu = trim($4); gjit = trim($5) }
      END { printf("%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", round, ycpu, gcpu, yrps, grps, yp50, gp50, yjit, gjit, variant) }' "$here/results.md" >>"$rounds_tsv"
    tail -1 "$rounds_tsv"
    # Each run's CPU by thread (run.sh's thread_profile), kept to read a round whose ratio stands out.
    sed -n "s/^- \(yarp\|$gateway\): \([0-9]* threads;.*\)/| $round | $variant | \1 | \2 |/p" "$here/results.md" >>"$rounds_tsv.threads"
  done
done

{
  echo "# Gateway vs YARP, repeated"
  echo
  echo "Written by \`bench/gateway/repeat.sh\` (overwritten on each run): $ROUNDS rounds of \`bench/gateway/run.sh\` with"
  echo "TARGETS=\"$TARGETS\" STRATEGIES=\"$STRATEGIES\" TELEMETRY=\"$TELEMETRY\"${DURATION:+ DURATION=$DURATION}${WARMUP:+ WARMUP=$WARMUP}${PAUSE_MS:+ PAUSE_MS=$PAUSE_MS}${GATEWAY_ARGS:+ GATEWAY_ARGS=\"$GATEWAY_ARGS\"}${BASE_ENV:+ GATEWAY_ENV=\"$BASE_ENV\"}${COMPARE_ENV:+ COMPARE_ENV=\"$COMPARE_ENV\" (every round run twice: the gateway environment is named in each row)};"
  echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores. Each round's parameters are those of run.sh's results.md."
  echo
  echo "| round | gateway environment | YARP CPU us/req (JIT tiering) | gateway CPU us/req (JIT tiering) | CPU ratio | YARP req/s | gateway req/s | req/s ratio | YARP +p50 ms | gateway +p50 ms |"
  echo "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
  awk -F'\t' '{ printf("| %s | %s | %s (%s) | %s (%s) | %.2fx | %s | %s | %.2fx | %s | %s |\n", $1, $10, $2, $8, $3, $9, $3 / $2, $4, $5, $5 / $4, $6, $7) }' "$rounds_tsv"
  echo
  for variant in "${variants[@]}"; do
    awk -F'\t' -v variant="$variant" -v several="${#variants[@]}" '
      function median(a, n,   i, j, t) { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
        return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
      $10 == variant { n++; cpu[n] = $3 / $2; rps[n] = $5 / $4; p50[n] = $7 - $6; us[n] = $3 }
      END { printf("Median of %d rounds%s: gateway CPU per request %.2fx YARP'\''s (goal <= 1.00x; %.0f us), throughput %.2fx, added p50 %+.2f ms over YARP'\''s.\n",
                   n, several > 1 ? " with gateway environment " variant : "", median(cpu, n), median(us, n), median(rps, n), median(p50, n)) }' "$rounds_tsv"
    echo
  done
  echo "Each run's CPU by thread while measured (\`thread_profile\` in bench/lib.sh):"
  echo
  echo "| round | gateway environment | proxy | threads |"
  echo "| ---: | --- | --- | --- |"
  cat "$rounds_tsv.threads" 2>/dev/null || true
} >"$out"
cat "$out"
rm -f "$rounds_tsv" "$rounds_tsv".round*.log "$rounds_tsv.threads"
echo "(bench/gateway/results.md now holds the last run's full table.)"
