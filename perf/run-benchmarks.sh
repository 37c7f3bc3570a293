#!/usr/bin/env bash
# Edge fan-out benchmarks and the SignalR baseline, on this machine, with the numbers in perf/results/.
#
#   perf/run-benchmarks.sh [all|scenarios|sweep|plot]      (default: all)
#
# Needs the platform's dependencies and RoomService: `./platform up --detach` (MariaDB, Redis, the Kafka-protocol
# broker, RoomService on 127.0.0.1:5101). Everything else it starts itself, from a Release build kept apart
# from the platform's own binaries (perf/.build), on spare loopback ports, and stops by PID when it ends:
#   MessageService  127.0.0.1:5113 (gRPC) / 5213 (HTTP)   hot-room sampling off (see below)
#   Edge            127.0.0.1:5115
#   SignalR         127.0.0.1:5116 (perf/SignalRBaseline)
# Every run is bounded (BENCH_WARMUP + BENCH_DURATION seconds of load after the viewers connect).
#
# Settings (environment): BENCH_WARMUP (5), BENCH_DURATION (20), BENCH_SWEEP_EDGE (viewers at 2,000 msg/s),
# BENCH_SWEEP_SIGNALR, BENCH_RESULTS (perf/results).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOCAL="$ROOT/.local"
RESULTS="${BENCH_RESULTS:-$ROOT/perf/results}"
BUILD="$ROOT/perf/.build"
LOGS="$RESULTS/logs"
WARMUP="${BENCH_WARMUP:-5}"
DURATION="${BENCH_DURATION:-20}"
SWEEP_EDGE="${BENCH_SWEEP_EDGE:-250 500 1000 1500 2000}"
SWEEP_SIGNALR="${BENCH_SWEEP_SIGNALR:-25 50 100 200 300 500}"
RATE=2000
MS_GRPC=5113 MS_HTTP=5213 EDGE_HTTP=5115 SIGNALR_HTTP=5116
ROOM_SERVICE=http://127.0.0.1:5101

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

step() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }
fail() { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }

STARTED=()
stop_started() {
  local pid
  for pid in "${STARTED[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${STARTED[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  STARTED=()
}
trap stop_started EXIT

wait_ready() { # name url pid
  for _ in $(seq 1 200); do
    curl -fsS "$2" >/dev/null 2>&1 && return 0
    kill -0 "$3" 2>/dev/null || fail "$1 exited during start-up (log: $LOGS/$1.log)"
    sleep 0.3
  done
  fail "$1 was not ready within 60 s (log: $LOGS/$1.log)"
}

port_free() { ! ss -ltn "( sport = :$1 )" | grep -q ":$1 "; }

check_prerequisites() {
  [[ -s "$LOCAL/kafka.bootstrap" && -s "$LOCAL/proxy-secret" ]] || fail "run ./platform up --detach first (no .local/kafka.bootstrap or proxy-secret)"
  curl -fsS http://127.0.0.1:5201/health/ready >/dev/null || fail "RoomService is not ready on 127.0.0.1:5101 (./platform up --detach)"
  redis-cli -p 16379 ping >/dev/null || fail "Redis is not answering on 127.0.0.1:16379 (./platform up --detach)"
  local port
  for port in $MS_GRPC $MS_HTTP $EDGE_HTTP $SIGNALR_HTTP; do
    port_free "$port" || fail "port $port is in use; stop what holds it"
  done
  local limit
  limit="$(ulimit -n)"
  ((limit >= 5000)) || fail "ulimit -n is $limit; 2,000 viewers need at least 5,000 open files"
}

build() {
  step "Building Release into perf/.build (Edge, MessageService, LoadGen, SignalR baseline)"
  mkdir -p "$LOGS"
  local project
  for project in src/Edge/Edge.csproj src/MessageService/MessageService.csproj tools/LoadGen/LoadGen.csproj perf/SignalRBaseline/SignalRBaseline.csproj; do
    dotnet build "$ROOT/$project" -c Release --artifacts-path "$BUILD" -nologo -clp:ErrorsOnly >>"$LOGS/build.log" 2>&1 ||
      fail "building $project failed (log: $LOGS/build.log)"
  done
}

start() { # name dll env...
  local name="$1" dll="$2"
  shift 2
  (
    cd "$(dirname "$dll")"
    export ASPNETCORE_ENVIRONMENT=Production "$@"
    exec dotnet "$dll" >>"$LOGS/$name.log" 2>&1
  ) &
  STARTED+=($!)
  echo $! >"$LOGS/$name.pid"
}

start_servers() {
  step "Starting MessageService ($MS_GRPC), Edge ($EDGE_HTTP) and the SignalR baseline ($SIGNALR_HTTP)"
  local secret kafka
  secret="$(cat "$LOCAL/proxy-secret")"
  kafka="$(cat "$LOCAL/kafka.bootstrap")"
  # MessageService keeps moderation's word lists in MariaDB: a database of the benchmark's own, migrated here.
  local mysql="Server=127.0.0.1;Port=13306;Database=live_messages_bench;User=live;Password=live"
  env "ConnectionStrings__MySql=$mysql" "Kafka__BootstrapServers=$kafka" ConnectionStrings__Redis=127.0.0.1:16379 \
    dotnet "$BUILD/bin/MessageService/release/Live.MessageService.dll" --migrate >>"$LOGS/message-service.log" 2>&1 ||
    fail "migrating MessageService's database failed (log: $LOGS/message-service.log)"
  # Hot-room down-sampling (default 500 danmaku shown per room per second) is off: these runs measure how
  # many messages the fan-out delivers, and 2,000 msg/s into one room would otherwise be cut to 500.
  start message-service "$BUILD/bin/MessageService/release/Live.MessageService.dll" \
    "ConnectionStrings__MySql=$mysql" "Kafka__BootstrapServers=$kafka" ConnectionStrings__Redis=127.0.0.1:16379 \
    "Identity__ProxySecret=$secret" Services__RoomService=$ROOM_SERVICE Messages__MaxDisplayRatePerSecond=1000000 \
    Kestrel__Endpoints__Grpc__Url=http://127.0.0.1:$MS_GRPC Kestrel__Endpoints__Http__Url=http://127.0.0.1:$MS_HTTP
  MS_PID=$!
  wait_ready message-service http://127.0.0.1:$MS_HTTP/health/ready $MS_PID
  start edge "$BUILD/bin/Edge/release/Live.Edge.dll" \
    "Kafka__BootstrapServers=$kafka" ConnectionStrings__Redis=127.0.0.1:16379 "Identity__ProxySecret=$secret" \
    Services__MessageService=http://127.0.0.1:$MS_GRPC Services__RoomService=$ROOM_SERVICE \
    Kestrel__Endpoints__Http__Url=http://127.0.0.1:$EDGE_HTTP
  EDGE_PID=$!
  wait_ready edge http://127.0.0.1:$EDGE_HTTP/health/ready $EDGE_PID
  start signalr "$BUILD/bin/SignalRBaseline/release/Live.SignalRBaseline.dll" Kestrel__Endpoints__Http__Url=http://127.0.0.1:$SIGNALR_HTTP
  SIGNALR_PID=$!
  wait_ready signalr http://127.0.0.1:$SIGNALR_HTTP/health $SIGNALR_PID
  REDIS_PID="$(cat "$LOCAL/pids/redis.pid")"
}

# name target viewers [extra LoadGen options...]; prints the verdict line, leaves results/<name>.json
load() {
  local name="$1" target="$2" viewers="$3"
  shift 3
  local servers=(--server "redis=$REDIS_PID")
  if [[ "$target" == edge ]]; then
    servers+=(--server "edge=$EDGE_PID" --server "message-service=$MS_PID")
  else
    servers+=(--server "signalr=$SIGNALR_PID")
  fi
  step "$name: $target, $viewers viewers, $RATE msg/s (load average $(cut -d' ' -f1-3 /proc/loadavg))"
  dotnet "$BUILD/bin/LoadGen/release/Live.LoadGen.dll" --target "$target" \
    --edge ws://127.0.0.1:$EDGE_HTTP --signalr http://127.0.0.1:$SIGNALR_HTTP/hub --room-service $ROOM_SERVICE \
    --proxy-secret-file "$LOCAL/proxy-secret" --viewers "$viewers" --rate "$RATE" \
    --warmup "$WARMUP" --duration "$DURATION" "${servers[@]}" --label "$name" --out "$RESULTS/$name.json" "$@" \
    >"$LOGS/$name.log" 2>&1 || { tail -n 20 "$LOGS/$name.log"; fail "$name failed (log: $LOGS/$name.log)"; }
  sed -n '/^'"$name"' (/,$p' "$LOGS/$name.log"
}

sustained() { node -e 'process.exit(require(process.argv[1]).summary.sustained ? 0 : 1)' "$RESULTS/$1.json"; }

# A short run per target right after start-up, not kept: JIT tiering, thread pools and connection pools
# warm up here rather than in the first measured scenario.
prime() {
  load prime-edge edge 200 --duration 5 --out "$LOGS/prime-edge.json"
  load prime-signalr signalr 200 --duration 5 --out "$LOGS/prime-signalr.json"
}

scenarios() {
  load edge-500x2000 edge 500
  load edge-2000x2000 edge 2000
  load signalr-500x2000 signalr 500
  load signalr-2000x2000 signalr 2000
}

# Ascending viewer counts at 2,000 msg/s in one room; stops after the first load that is not sustained.
sweep() {
  local viewers
  for viewers in $SWEEP_EDGE; do
    load "sweep-edge-$viewers" edge "$viewers"
    sustained "sweep-edge-$viewers" || break
  done
  for viewers in $SWEEP_SIGNALR; do
    load "sweep-signalr-$viewers" signalr "$viewers"
    sustained "sweep-signalr-$viewers" || break
  done
}

plot() {
  step "Plotting $RESULTS"
  node "$ROOT/perf/plot.mjs" "$RESULTS"
}

main() {
  local what="${1:-all}"
  case "$what" in
    all | scenarios | sweep) ;;
    plot) plot; return ;;
    *) fail "usage: perf/run-benchmarks.sh [all|scenarios|sweep|plot]" ;;
  esac
  mkdir -p "$RESULTS" "$LOGS"
  check_prerequisites
  build
  start_servers
  prime
  [[ "$what" == sweep ]] || scenarios
  [[ "$what" == scenarios ]] || sweep
  stop_started
  plot
}

main "$@"
