#!/usr/bin/env bash
# Starts the docker-compose topology as plain processes on loopback: three simulated model endpoints and
# three gateway nodes in one cluster, configured from deploy/cluster.json (the file the containers use),
# with loopback addresses in place of service names and SQLite in place of PostgreSQL.
#   scripts/cluster-up.sh            # then: curl localhost:4001/v1/chat/completions ...
#   scripts/cluster-down.sh          # stops everything (SIGTERM: nodes drain and leave)
# Ports: gateways 4001-4003, admin 9111-9113, Akka 4053-4055, simulators 8101-8103.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
run="$root/.run"
token="${ROUTER_ADMIN_TOKEN:-change-me}"
mkdir -p "$run"
cd "$root"

if [ -z "${SKIP_BUILD:-}" ]; then
  dotnet build src/Router.Node -c Release -v quiet -nologo >/dev/null
  dotnet build src/Router.Simulator -c Release -v quiet -nologo >/dev/null
fi
node_dll="$root/src/Router.Node/bin/Release/net10.0/Router.Node.dll"
sim_dll="$root/src/Router.Simulator/bin/Release/net10.0/Router.Simulator.dll"

start() { # name, then the command
  local name="$1"; shift
  "$@" >"$run/$name.log" 2>&1 &
  echo $! >"$run/$name.pid"
}

declare -A latency=([a]=40 [b]=60 [c]=80)
i=1
for s in a b c; do
  start "sim-$s" dotnet "$sim_dll" --urls "http://127.0.0.1:810$i" --Simulator:Name="sim-$s" --Simulator:LatencyMs="${latency[$s]}"
  i=$((i + 1))
done

for n in 1 2 3; do
  start "gateway-$n" dotnet "$node_dll" --config "$root/deploy/cluster.json" \
    --Gateway:Urls="http://127.0.0.1:400$n" \
    --Admin:Urls="http://127.0.0.1:911$n" --Admin:Token="$token" \
    --Cluster:Hostname=127.0.0.1 --Cluster:PublicHostname=127.0.0.1 --Cluster:Port="405$((n + 2))" \
    --Cluster:SeedNodes:0=akka.tcp://llm-router@127.0.0.1:4053 --Cluster:SeedNodes:1=akka.tcp://llm-router@127.0.0.1:4054 \
    --Registry:Provider=sqlite --Registry:ConnectionString="Data Source=$run/registry.db" --Registry:SharedFile=true \
    --ModelGroups:gpt-4o-mini:Endpoints:sim-a:Url=http://127.0.0.1:8101/v1 \
    --ModelGroups:gpt-4o-mini:Endpoints:sim-b:Url=http://127.0.0.1:8102/v1 \
    --ModelGroups:gpt-4o-mini:Endpoints:sim-c:Url=http://127.0.0.1:8103/v1
done

for n in 1 2 3; do
  for _ in $(seq 1 120); do
    if curl -fs "http://127.0.0.1:400$n/health" >/dev/null 2>&1; then break; fi
    if ! kill -0 "$(cat "$run/gateway-$n.pid")" 2>/dev/null; then
      echo "gateway-$n exited; see $run/gateway-$n.log" >&2; exit 1
    fi
    sleep 0.5
  done
  curl -fs "http://127.0.0.1:400$n/health" >/dev/null || { echo "gateway-$n is not up; see $run/gateway-$n.log" >&2; exit 1; }
done

cat <<MSG
Cluster up: gateways http://127.0.0.1:4001 4002 4003, admin 9111-9113 (token: \$ROUTER_ADMIN_TOKEN or change-me)
  curl -s localhost:4001/v1/chat/completions -d '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}'
  dotnet run --project src/Router.Cli -- 127.0.0.1:9111 --token $token cluster show
Logs and pids: $run   Stop: scripts/cluster-down.sh
MSG
