#!/usr/bin/env bash
# Edge fan-out benchmarks and the SignalR baseline, on this machine, with the numbers in perf/results/.
#
#   perf/run-benchmarks.sh [all|scenarios|sweep|profile|compare|plot]      (default: all)
#
# Needs the platform's dependencies and RoomService: `./platform up --detach` (MariaDB, Redis, the Kafka-protocol
# broker, RoomService on 127.0.0.1:5101). Everything else it starts itself, from a Release build kept apart
# from the platform's own binaries (perf/.build), on spare loopback ports, and stops by PID when it ends:
#   MessageService  127.0.0.1:5113 (gRPC) / 5213 (HTTP)   hot-room sampling off (see below)
#   Edge            127.0.0.1:5115
#   SignalR         127.0.0.1:5116 (perf/SignalRBaseline)
#   raw reference   127.0.0.1:5118 (perf/RawFanout: plain Kestrel WebSockets, one batch per window to every socket)
# Every run is bounded (BENCH_WARMUP + BENCH_DURATION seconds of load after the viewers connect).
#
# Settings (environment): BENCH_WARMUP (5), BENCH_DURATION (20), BENCH_SWEEP_EDGE (viewers at 2,000 msg/s),
# BENCH_SWEEP_SIGNALR, BENCH_RESULTS (perf/results), BENCH_RATE (2000 msg/s into the room), BENCH_SENDERS (LoadGen's
# default: min(viewers, 400)), BENCH_MESSAGE_SERVICE_ENV (more settings for MessageService, e.g.
# "Messages__HotBatchWindowMs=20"); for compare: BENCH_BEFORE and BENCH_AFTER (git revisions of the Edge; AFTER defaults
# to HEAD), BENCH_ROUNDS (3), BENCH_COMPARE_VIEWERS (500). A big, quiet room, before and after an Edge change:
#   BENCH_COMPARE_VIEWERS=8000 BENCH_RATE=10 BENCH_SENDERS=10 BENCH_BEFORE=<rev> perf/run-benchmarks.sh compare
# and the table of a compare run, round by round with after ÷ before: node perf/summarize-compare.mjs <BENCH_RESULTS>
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOCAL="$ROOT/.local"
RESULTS="${BENCH_RESULTS:-$ROOT/perf/results}"
BUILD="$ROOT/perf/.build"
LOGS="$RESULTS/logs"
WARMUP="${BENCH_WARMUP:-5}"
DURATION="${BENCH_DURATION:-20}"
SWEEP_EDGE="${BENCH_SWEEP_EDGE:-250 500 625 750 1000 1500 2000}"
SWEEP_SIGNALR="${BENCH_SWEEP_SIGNALR:-25 50 75 100 150 200 300 500}"
RATE="${BENCH_RATE:-2000}"
SENDERS=(${BENCH_SENDERS:+--senders "$BENCH_SENDERS"})
MS_GRPC=5113 MS_HTTP=5213 EDGE_HTTP=5115 SIGNALR_HTTP=5116 BEFORE_EDGE_HTTP=5117 RAW_HTTP=5118
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
    kill -0 "$3" 2>/dev/null || fail "$1 exited during start-up (log: $LOGS/server-$1.log)"
    sleep 0.3
  done
  fail "$1 was not ready within 60 s (log: $LOGS/server-$1.log)"
}

port_free() { ! ss -ltn "( sport = :$1 )" | grep -q ":$1 "; }

check_prerequisites() {
  [[ -s "$LOCAL/kafka.bootstrap" && -s "$LOCAL/proxy-secret" ]] || fail "run ./platform up --detach first (no .local/kafka.bootstrap or proxy-secret)"
  curl -fsS http://127.0.0.1:5201/health/ready >/dev/null || fail "RoomService is not ready on 127.0.0.1:5101 (./platform up --detach)"
  redis-cli -p 16379 ping >/dev/null || fail "Redis is not answering on 127.0.0.1:16379 (./platform up --detach)"
  local port
  for port in $MS_GRPC $MS_HTTP $EDGE_HTTP $((EDGE_HTTP + 100)) $SIGNALR_HTTP $BEFORE_EDGE_HTTP $((BEFORE_EDGE_HTTP + 100)) $RAW_HTTP; do
    port_free "$port" || fail "port $port is in use; stop what holds it"
  done
  local limit
  limit="$(ulimit -n)"
  ((limit >= 5000)) || fail "ulimit -n is $limit; 2,000 viewers need at least 5,000 open files"
  ((limit >= ${BENCH_COMPARE_VIEWERS:-0} + 1000)) || fail "ulimit -n is $limit; ${BENCH_COMPARE_VIEWERS} viewers need at least $((BENCH_COMPARE_VIEWERS + 1000)) open files"
}

build() {
  step "Building Release into perf/.build (Edge, MessageService, LoadGen, SignalR baseline, raw reference)"
  mkdir -p "$LOGS"
  local project
  for project in src/Edge/Edge.csproj src/MessageService/MessageService.csproj tools/LoadGen/LoadGen.csproj perf/SignalRBaseline/SignalRBaseline.csproj perf/RawFanout/RawFanout.csproj; do
    dotnet build "$ROOT/$project" -c Release --artifacts-path "$BUILD" -nologo -clp:ErrorsOnly >>"$LOGS/build.log" 2>&1 ||
      fail "building $project failed (log: $LOGS/build.log)"
  done
}

start() { # name dll env...
  local name="$1" dll="$2"
  shift 2
  (
    cd "$(dirname "$dll")"
    # The profile mode needs JIT symbols for perf (/tmp/perf-<pid>.map), which perf only applies to code not
    # double-mapped for W^X; other runs keep the defaults.
    export ASPNETCORE_ENVIRONMENT=Production "$@"
    if [[ "${PERF_MAP:-0}" == 1 ]]; then export DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0; fi
    exec dotnet "$dll" >>"$LOGS/server-$name.log" 2>&1
  ) &
  STARTED+=($!)
  echo $! >"$LOGS/server-$name.pid"
}

start_edge() { # name dll port (its HTTP/2 endpoint, for a Proxy in front, on port + 100)
  start "$1" "$2" "Kafka__BootstrapServers=$(cat "$LOCAL/kafka.bootstrap")" ConnectionStrings__Redis=127.0.0.1:16379 \
    "Identity__ProxySecret=$(cat "$LOCAL/proxy-secret")" Services__MessageService=http://127.0.0.1:$MS_GRPC \
    Services__RoomService=$ROOM_SERVICE Kestrel__Endpoints__Http__Url=http://127.0.0.1:$3 Kestrel__Endpoints__Grpc__Url=http://127.0.0.1:$(($3 + 100))
  wait_ready "$1" "http://127.0.0.1:$3/health/ready" $!
}

start_message_service() {
  step "Starting MessageService ($MS_GRPC)"
  local secret kafka
  secret="$(cat "$LOCAL/proxy-secret")"
  kafka="$(cat "$LOCAL/kafka.bootstrap")"
  # MessageService keeps moderation's word lists in MariaDB, and its GiftService the gift ledger: databases of
  # the benchmark's own, migrated here.
  local mysql="Server=127.0.0.1;Port=13306;Database=live_messages_bench;User=live;Password=live"
  local gifts="Server=127.0.0.1;Port=13306;Database=live_gifts_bench;User=live;Password=live"
  env "ConnectionStrings__MySql=$mysql" "ConnectionStrings__Gifts=$gifts" "Kafka__BootstrapServers=$kafka" ConnectionStrings__Redis=127.0.0.1:16379 \
    dotnet "$BUILD/bin/MessageService/release/Live.MessageService.dll" --migrate >>"$LOGS/server-message-service.log" 2>&1 ||
    fail "migrating MessageService's database failed (log: $LOGS/server-message-service.log)"
  # Hot-room down-sampling (default 500 danmaku shown per room per second) is off: these runs measure how
  # many messages the fan-out delivers, and 2,000 msg/s into one room would otherwise be cut to 500.
  start message-service "$BUILD/bin/MessageService/release/Live.MessageService.dll" \
    "ConnectionStrings__MySql=$mysql" "ConnectionStrings__Gifts=$gifts" "Kafka__BootstrapServers=$kafka" ConnectionStrings__Redis=127.0.0.1:16379 \
    "Identity__ProxySecret=$secret" Services__RoomService=$ROOM_SERVICE Messages__MaxDisplayRatePerSecond=1000000 ${BENCH_MESSAGE_SERVICE_ENV:-} \
    Kestrel__Endpoints__Grpc__Url=http://127.0.0.1:$MS_GRPC Kestrel__Endpoints__Http__Url=http://127.0.0.1:$MS_HTTP
  MS_PID=$!
  wait_ready message-service http://127.0.0.1:$MS_HTTP/health/ready $MS_PID
  REDIS_PID="$(cat "$LOCAL/pids/redis.pid")"
}

start_servers() {
  start_message_service
  step "Starting the Edge ($EDGE_HTTP) and the SignalR baseline ($SIGNALR_HTTP)"
  start_edge edge "$BUILD/bin/Edge/release/Live.Edge.dll" $EDGE_HTTP
  EDGE_PID=$!
  start signalr "$BUILD/bin/SignalRBaseline/release/Live.SignalRBaseline.dll" Kestrel__Endpoints__Http__Url=http://127.0.0.1:$SIGNALR_HTTP
  SIGNALR_PID=$!
  wait_ready signalr http://127.0.0.1:$SIGNALR_HTTP/health $SIGNALR_PID
  step "Starting the raw reference ($RAW_HTTP)"
  start raw "$BUILD/bin/RawFanout/release/Live.RawFanout.dll" ASPNETCORE_URLS=http://127.0.0.1:$RAW_HTTP
  RAW_PID=$!
  wait_ready raw http://127.0.0.1:$RAW_HTTP/health $RAW_PID
}

# name target viewers [extra LoadGen options...]; prints the verdict line, leaves results/<name>.json
load() {
  local name="$1" target="$2" viewers="$3"
  shift 3
  local servers=(--server "redis=$REDIS_PID") edge="ws://127.0.0.1:${LOAD_EDGE_HTTP:-$EDGE_HTTP}" kind="$target"
  case "$target" in
    edge) servers+=(--server "edge=${LOAD_EDGE_PID:-$EDGE_PID}" --server "message-service=$MS_PID") ;;
    # The reference speaks the room protocol, so LoadGen drives it as an Edge.
    raw) servers+=(--server "raw=$RAW_PID"); edge="ws://127.0.0.1:$RAW_HTTP"; target=edge ;;
    *) servers+=(--server "signalr=$SIGNALR_PID") ;;
  esac
  step "$name: $kind, $viewers viewers, $RATE msg/s (load average $(cut -d' ' -f1-3 /proc/loadavg))"
  dotnet "$BUILD/bin/LoadGen/release/Live.LoadGen.dll" --target "$target" \
    --edge "$edge" --signalr http://127.0.0.1:$SIGNALR_HTTP/hub --room-service $ROOM_SERVICE \
    --proxy-secret-file "$LOCAL/proxy-secret" --viewers "$viewers" --rate "$RATE" "${SENDERS[@]}" \
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
  load prime-raw raw 200 --duration 5 --out "$LOGS/prime-raw.json"
}

scenarios() {
  load raw-500x2000 raw 500
  load edge-500x2000 edge 500
  load raw-2000x2000 raw 2000
  load edge-2000x2000 edge 2000
  load signalr-500x2000 signalr 500
  load signalr-2000x2000 signalr 2000
}

# Ascending viewer counts at 2,000 msg/s in one room, the raw reference and the Edge at each; stops after the
# first load that neither sustains.
sweep() {
  local viewers
  rm -f "$RESULTS"/sweep-*.json "$LOGS"/sweep-*.log # a shorter sweep must not leave an earlier one's points behind
  for viewers in $SWEEP_EDGE; do
    load "sweep-raw-$viewers" raw "$viewers"
    load "sweep-edge-$viewers" edge "$viewers"
    sustained "sweep-edge-$viewers" || sustained "sweep-raw-$viewers" || break
  done
  for viewers in $SWEEP_SIGNALR; do
    load "sweep-signalr-$viewers" signalr "$viewers"
    sustained "sweep-signalr-$viewers" || break
  done
}

# Where the CPU goes at 500 viewers x 2,000 msg/s: perf samples (cpu-clock, 999 Hz, call graphs) of the Edge
# and MessageService for 15 s of the measured window, summarised per process into results/profile-*.txt.
profile() {
  command -v perf >/dev/null || fail "perf is not installed (apt-get install linux-perf)"
  load profile-edge-500x2000 edge 500 --warmup 10 --duration 25 --out "$LOGS/profile-edge-500x2000.json" &
  local loadgen=$!
  sleep 25
  local name pid recorders=()
  for name in edge message-service; do
    pid="$(cat "$LOGS/server-$name.pid")"
    perf record -e cpu-clock -F 999 -g -p "$pid" -o "$LOGS/$name.perf.data" -- sleep 15 >/dev/null 2>&1 &
    recorders+=($!)
  done
  wait "${recorders[@]}" || true
  wait "$loadgen"
  set +o pipefail # head ends perf report's output early
  for name in edge message-service; do
    {
      echo "# perf record -e cpu-clock -F 999 -g -p <$name> for 15 s at 500 viewers x 2,000 msg/s; $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg)"
      echo "## by shared object"
      perf report -i "$LOGS/$name.perf.data" --no-children --sort dso --stdio -g none 2>/dev/null | grep -v '^#' | grep -v '^$' | head -12
      echo "## hottest symbols (self)"
      perf report -i "$LOGS/$name.perf.data" --no-children --sort sym --stdio -g none 2>/dev/null | grep -v '^#' | grep -v '^$' | cut -c1-160 | head -60
    } >"$RESULTS/profile-$name.txt"
    echo "wrote $RESULTS/profile-$name.txt"
  done
}

# Builds the Edge of a git revision (a detached worktree under a temporary directory, removed afterwards).
build_edge_at() { # name revision
  local tree
  tree="$(mktemp -d)"
  git -C "$ROOT" worktree add --detach "$tree/src" "$2" >>"$LOGS/build.log" 2>&1 || fail "no revision '$2'"
  dotnet build "$tree/src/src/Edge/Edge.csproj" -c Release --artifacts-path "$BUILD/edge-$1" -nologo -clp:ErrorsOnly >>"$LOGS/build.log" 2>&1 ||
    fail "building the Edge at $2 failed (log: $LOGS/build.log)"
  git -C "$ROOT" worktree remove --force "$tree/src"
  rm -rf "$tree"
}

# Before/after for an Edge change: the Edges of two revisions side by side on one MessageService, runs
# alternating between them at the same load so both see the same neighbours.
compare() {
  [[ -n "${BENCH_BEFORE:-}" ]] || fail "compare needs BENCH_BEFORE=<git revision of the Edge before the change>"
  local after="${BENCH_AFTER:-HEAD}" viewers="${BENCH_COMPARE_VIEWERS:-500}" round
  step "Building the Edge at $BENCH_BEFORE (before) and $after (after)"
  build_edge_at before "$BENCH_BEFORE"
  build_edge_at after "$after"
  start_edge edge-before "$BUILD/edge-before/bin/Edge/release/Live.Edge.dll" $BEFORE_EDGE_HTTP
  local before_pid=$!
  start_edge edge-after "$BUILD/edge-after/bin/Edge/release/Live.Edge.dll" $EDGE_HTTP
  local after_pid=$!
  LOAD_EDGE_HTTP=$BEFORE_EDGE_HTTP LOAD_EDGE_PID=$before_pid load compare-prime-before edge 200 --duration 5 --out "$LOGS/compare-prime-before.json"
  LOAD_EDGE_HTTP=$EDGE_HTTP LOAD_EDGE_PID=$after_pid load compare-prime-after edge 200 --duration 5 --out "$LOGS/compare-prime-after.json"
  for round in $(seq 1 "${BENCH_ROUNDS:-3}"); do
    LOAD_EDGE_HTTP=$BEFORE_EDGE_HTTP LOAD_EDGE_PID=$before_pid load "compare-before-$round" edge "$viewers"
    LOAD_EDGE_HTTP=$EDGE_HTTP LOAD_EDGE_PID=$after_pid load "compare-after-$round" edge "$viewers"
  done
}

plot() {
  step "Plotting $RESULTS"
  node "$ROOT/perf/plot.mjs" "$RESULTS"
}

main() {
  local what="${1:-all}"
  case "$what" in
    all | scenarios | sweep | profile) ;;
    compare)
      mkdir -p "$RESULTS" "$LOGS"
      check_prerequisites
      build
      start_message_service
      compare
      return
      ;;
    plot) plot; return ;;
    *) fail "usage: perf/run-benchmarks.sh [all|scenarios|sweep|profile|compare|plot]" ;;
  esac
  mkdir -p "$RESULTS" "$LOGS"
  check_prerequisites
  build
  [[ "$what" != profile ]] || export PERF_MAP=1
  start_servers
  prime
  if [[ "$what" == profile ]]; then
    profile
    return
  fi
  [[ "$what" == sweep ]] || scenarios
  [[ "$what" == scenarios ]] || sweep
  stop_started
  plot
}

main "$@"
