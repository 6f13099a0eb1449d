#!/usr/bin/env bash
# Every strategy's routing-core cost at a small and a large group, measured ROUNDS times (each run a fresh 3-node
# cluster), with the median of each ratio, then the decision's own work alone (--selection, one thread). One cluster
# run's ratio moves by 20-30% on this 2-core machine (the 10-endpoint figure most), so the median is the figure to quote.
#
#   bench/Router.Bench/every-strategy.sh                         # 3 rounds, all strategies, groups 10,1000
#   ROUNDS=5 STRATEGIES="weighted latency" bench/Router.Bench/every-strategy.sh
#
# Needs jq. Writes bench/Router.Bench/results-strategies.md (or OUT).
set -euo pipefail
ROUNDS="${ROUNDS:-3}"
STRATEGIES="${STRATEGIES:-least-busy power-of-two usage cost latency round-robin weighted-random weighted session-affinity}"
SIZES="${SIZES:-10,1000}"
ARGS="${ARGS:---seconds 5 --warmup 3 --hold-ms 0 --callers 64}"
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="${OUT:-$here/results-strategies.md}"
runs="$(mktemp /tmp/every-strategy.XXXXXX)"
small="${SIZES%%,*}"; large="${SIZES##*,}"

dotnet build -c Release "$here" -nologo -v q >/dev/null
bench() { dotnet run -c Release --no-build --project "$here" -- "$@"; }

for round in $(seq 1 "$ROUNDS"); do
  for strategy in $STRATEGIES; do
    echo "[$(date -u +%H:%M:%S)] round $round of $ROUNDS: $strategy" >&2
    # shellcheck disable=SC2086
    bench $ARGS --strategy "$strategy" --groups "$SIZES" 2>/dev/null | grep '^BENCH-JSON ' | sed 's/^BENCH-JSON //' |
      jq -c --argjson round "$round" '. as $r | {round: $round, strategy: .results[0].strategy,
        small: (.results[0] + {serverGc}), large: (.results[-1])}' >>"$runs"
  done
done

{
  echo "# Every strategy, small vs large group"
  echo
  echo "Written by \`bench/Router.Bench/every-strategy.sh\` (overwritten on each run): $ROUNDS rounds of"
  echo "\`Router.Bench $ARGS --strategy S --groups $SIZES\`, one strategy per run; $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores,"
  echo "commit $(git -C "$root" rev-parse --short HEAD)$(git -C "$root" diff --quiet -- . ":(exclude)$out" || echo ' (with uncommitted changes)')."
  echo
  echo "$(jq -rs 'if all(.[]; .small.serverGc // false) then "Server GC" else "Workstation GC" end' "$runs")."
  echo
  echo "| strategy | decisions/s at $small (rounds) | at $large (rounds) | $large vs $small, median (goal <= 2x) | p99 ms at $small / $large, median | max ms, all runs | GC pause ms at $large, median | decisions >= 4 ms at $large, median (of them in a GC pause / watcher unscheduled) | refused + errors |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
  jq -rs --arg strategies "$STRATEGIES" '
    def median: sort | if length % 2 == 1 then .[length / 2 | floor] else (.[length / 2 - 1] + .[length / 2]) / 2 end;
    def n: . | floor | tostring | gsub("(?<d>[0-9])(?=([0-9]{3})+$)"; "\(.d),");
    . as $all | ($strategies | split(" ")) | map(select(length > 0)) | .[] as $s
    | [$all[] | select(.strategy == $s)] as $rs
    | ($rs | map(.small.decisionsPerSecond / .large.decisionsPerSecond) | median) as $ratio
    | "| \($s) | \($rs | map(.small.decisionsPerSecond | n) | join(" / ")) | \($rs | map(.large.decisionsPerSecond | n) | join(" / ")) | "
      + "\($ratio * 100 | round / 100)x\(if $ratio <= 2 then "" else " (over)" end) | \($rs | map(.small.p99Ms) | median) / \($rs | map(.large.p99Ms) | median) | "
      + "\([$rs[] | .small.maxMs, .large.maxMs] | max | round) | \($rs | map(.large.gcPauseMs) | median | round) | "
      + "\($rs | map(.large.over4MsShare * 100) | median * 100 | round / 100)% (\($rs | map(.large.over4MsInGcShare * 100) | median | round)% / \($rs | map(.large.over4MsUnscheduledShare * 100) | median | round)%) | "
      + "\([$rs[] | .small.refused + .small.errors + .large.refused + .large.errors] | add) |"' "$runs"
  echo
  echo "A decision of 4 ms or more \"in a GC pause\" overlapped one; \"watcher unscheduled\" overlapped a moment a dedicated"
  echo "thread ticking every millisecond was run 3 ms or more late (every core busy elsewhere). The bench's own output splits"
  echo "the slow decisions by path too (endpoint actor on the caller's node, or another node's endpoint)."
  echo
  echo "The decision's own work, without the cluster (\`Router.Bench --selection --strategy all --groups $SIZES --seconds 2\`):"
  echo
  bench --selection --strategy all --groups "$SIZES" --seconds 2 | grep '^|'
} >"$out"
cat "$out"
rm -f "$runs"
