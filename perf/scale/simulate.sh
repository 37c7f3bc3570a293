#!/usr/bin/env bash
# The scale-out simulation of issue 16 on this machine: many Edges, two MessageServices, Zipf rooms, run once with
# round-robin routing at the Proxy and once with the RoomAffinity policy (ADR 0011), same seed, same rooms; prints
# a markdown table of both side by side with their ratio (docs/benchmarks.md, "Scale-out simulation").
#
#   perf/scale/simulate.sh [--seconds 60] [--warmup 15] [--viewers 10000] [--rate 2000] [--rooms 200]
#                          [--top-share 0.3333] [--seed 16] [--door tls|plain] [--results perf/results/scale]
#                          [--env KEY=VALUE]...
#   --door plain opens the sockets at the Proxies' plaintext listeners (TLS ended before the Proxy, as behind a
#   cloud load balancer); logins still use the TLS door. --env sets a variable in every process it starts.
#
# Needs the dependencies of `./platform deps` (MariaDB, Redis, the Kafka-protocol broker), started with the same
# LIVE_MYSQL_PORT / LIVE_REDIS_PORT as this script sees. It builds (./platform's build), migrates, then starts on
# 127.0.0.1:62000-62999 only, and stops by PID on exit: RoomService and UserService (62101/62201, 62102/62202),
# MessageService x2 (62103/62203, 62113/62213), Edge x6 (62301-62306, HTTP/2 for the Proxies 62311-62316; Edge i relays through MessageService
# i mod 2: one address per Edge, as without a load balancer between them), Proxy x2 (TLS 62441-62442, HTTP
# 62091-62092). Per routing the Edges, MessageServices and Proxies are started afresh, so the two runs begin
# equal; RoomService, UserService and the rooms are shared.
#
# Messages spread evenly: every room receives rate / rooms (10 msg/s at the defaults) from ceil(rate/rooms/5)
# senders in it. The fan-out cost is per room with traffic, so an even rate makes every room count — the
# ~100 small rooms whose placement affinity changes most included — instead of letting room 1, whose batches
# travel to several Edges under either routing, carry a third of all messages (and sit near the hot-room
# display cap); and no room is silent.
#
# Open files: the Proxy holds two sockets per client WebSocket (client TLS + upgraded connection to the Edge)
# and may hold at most 20,000 open files, so the clients are split over the Proxies (client i through Proxy
# i mod n), n = max(2, ceil(2 x viewers / 18,000)): 10,000 viewers are 5,000 clients and ~10,000 sockets per Proxy.
set -euo pipefail

SIM_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=SCRIPTDIR/../../platform
source "$SIM_DIR/../../platform"

SECONDS_MEASURED=60 WARMUP=15 VIEWERS=10000 RATE=2000 ROOMS=200 TOP_SHARE=0.3333 SEED=16 DOOR=tls
RESULTS="$ROOT/perf/results/scale"
EDGES=6 MESSAGE_SERVICES=2 PROXY_OPEN_FILES=20000
ROUTINGS=(round-robin affinity)
EXTRA_ENV=()

usage() { sed -n '2,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

while (($# > 0)); do
  case "$1" in
    --seconds) SECONDS_MEASURED="$2"; shift 2 ;;
    --warmup) WARMUP="$2"; shift 2 ;;
    --viewers) VIEWERS="$2"; shift 2 ;;
    --rate) RATE="$2"; shift 2 ;;
    --rooms) ROOMS="$2"; shift 2 ;;
    --top-share) TOP_SHARE="$2"; shift 2 ;;
    --seed) SEED="$2"; shift 2 ;;
    --door) DOOR="$2"; [[ "$DOOR" == tls || "$DOOR" == plain ]] || fail "--door takes tls or plain, not '$DOOR'"; shift 2 ;;
    --results) RESULTS="$2"; shift 2 ;;
    --env) [[ "$2" == *=* ]] || fail "--env takes KEY=VALUE, not '$2'"; EXTRA_ENV+=("$2"); shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; fail "unknown option '$1'" ;;
  esac
done
for value in "$SECONDS_MEASURED" "$WARMUP" "$VIEWERS" "$RATE" "$ROOMS" "$SEED"; do
  [[ "$value" =~ ^[0-9]+$ ]] || fail "--seconds, --warmup, --viewers, --rate, --rooms and --seed take whole numbers, not '$value'"
done
((VIEWERS > 0 && SECONDS_MEASURED > 0 && ROOMS > 1)) || fail "--viewers and --seconds must be positive and --rooms at least 2"

mkdir -p "$RESULTS"
RESULTS="$(cd "$RESULTS" && pwd)" # the processes run in their own directories
PROXIES=$(((2 * VIEWERS + 17999) / 18000))
((PROXIES >= 2)) || PROXIES=2
SIM_LOGS="$RESULTS/logs"
SIM_PIDS="$LOCAL/scale-sim/pids"
ROOMS_FILE="$LOCAL/scale-sim/rooms.txt"
ROOM_GRPC=62101 ROOM_HTTP=62201 USER_GRPC=62102 USER_HTTP=62202
ms_grpc() { echo $((62103 + 10 * $1)); }
ms_http() { echo $((62203 + 10 * $1)); }
edge_http() { echo $((62301 + $1)); }
edge_grpc() { echo $((62311 + $1)); }
proxy_public() { echo $((62441 + $1)); }
proxy_http() { echo $((62091 + $1)); }

# ./platform's service table with the simulation's ports, so its service_env gives every process these addresses.
# shellcheck disable=SC2034 # read by ./platform's service_addresses
SERVICES=(
  "room-service|src/RoomService|Live.RoomService|$ROOM_GRPC|$ROOM_HTTP"
  "user-service|src/UserService|Live.UserService|$USER_GRPC|$USER_HTTP"
  "message-service|src/MessageService|Live.MessageService|$(ms_grpc 0)|$(ms_http 0)"
)

STARTED=() FLEET_FROM=0
stop_started() {
  local pid
  for pid in "${STARTED[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${STARTED[@]}"; do
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  STARTED=()
}
trap stop_started EXIT

port_free() { ! ss -ltn "( sport = :$1 )" | grep -q ":$1 "; }

check_prerequisites() {
  pid_alive "$PIDS/mariadb.pid" || fail "MariaDB is not running: run ./platform deps (LIVE_MYSQL_PORT=$MYSQL_PORT) first"
  redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 || fail "Redis is not answering on 127.0.0.1:$REDIS_PORT: run ./platform deps (LIVE_REDIS_PORT=$REDIS_PORT) first"
  [[ -s "$KAFKA_BOOTSTRAP_FILE" ]] || fail "the Kafka-protocol broker is not running: run ./platform deps first"
  pid_alive "$PIDS/kafka.pid" || fail "the Kafka-protocol broker is not running: run ./platform deps first"
  local ports=("$ROOM_GRPC" "$ROOM_HTTP" "$USER_GRPC" "$USER_HTTP") port i
  for ((i = 0; i < MESSAGE_SERVICES; i++)); do ports+=("$(ms_grpc "$i")" "$(ms_http "$i")"); done
  for ((i = 0; i < EDGES; i++)); do ports+=("$(edge_http "$i")" "$(edge_grpc "$i")"); done
  for ((i = 0; i < PROXIES; i++)); do ports+=("$(proxy_public "$i")" "$(proxy_http "$i")"); done
  for port in "${ports[@]}"; do port_free "$port" || fail "port $port is in use; stop what holds it"; done
  # LoadGen holds one socket per viewer; the Proxies get their limit below.
  ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
  (($(ulimit -n) >= VIEWERS + 1000)) || fail "ulimit -n is $(ulimit -n); $VIEWERS viewers need at least $((VIEWERS + 1000)) open files"
  ((2 * ((VIEWERS + PROXIES - 1) / PROXIES) + 1000 <= PROXY_OPEN_FILES)) || fail "$PROXIES Proxies cannot hold $VIEWERS viewers under $PROXY_OPEN_FILES open files each"
}

# label kind dir assembly grpc http [KEY=VALUE...]: starts one process with ./platform's environment for its kind,
# then the overrides; Edge, MessageService and Proxy run as Production (no development logging in the measurement).
start_process() {
  local label="$1" kind="$2" dir="$3" assembly="$4" grpc="$5" http="$6"
  shift 6
  (
    cd "$ROOT/$dir"
    while IFS= read -r kv; do export "${kv?}"; done < <(service_env "$kind" "$grpc" "$http")
    [[ "$kind" != proxy ]] || ulimit -n "$PROXY_OPEN_FILES"
    # env, not export: configuration keys such as the user-http cluster's are not shell names.
    exec env "$@" "${EXTRA_ENV[@]}" dotnet "$ROOT/$dir/$BIN_DIR/$assembly.dll" >>"$SIM_LOGS/$label.log" 2>&1
  ) &
  STARTED+=("$!")
  echo "$!" >"$SIM_PIDS/$label.pid"
}

wait_ready() { # label http-port
  wait_for "$1" 120 "$SIM_LOGS/$1.log" "$SIM_PIDS/$1.pid" curl -fsS "http://127.0.0.1:$2/health/ready"
  ok "$1 ready on $2 (pid $(cat "$SIM_PIDS/$1.pid"), log: $SIM_LOGS/$1.log)"
}

start_shared() {
  step "Starting RoomService and UserService"
  start_process room-service room-service src/RoomService Live.RoomService $ROOM_GRPC $ROOM_HTTP
  start_process user-service user-service src/UserService Live.UserService $USER_GRPC $USER_HTTP
  wait_ready room-service $ROOM_HTTP
  wait_ready user-service $USER_HTTP
}

# policy: RoundRobin or RoomAffinity (YARP load-balancing policy names).
start_fleet() {
  local policy="$1" i
  step "Starting $MESSAGE_SERVICES MessageServices, $EDGES Edges and $PROXIES Proxies ($policy at the door)"
  for ((i = 0; i < MESSAGE_SERVICES; i++)); do
    start_process "message-service-$((i + 1))" message-service src/MessageService Live.MessageService "$(ms_grpc "$i")" "$(ms_http "$i")" \
      ASPNETCORE_ENVIRONMENT=Production
  done
  for ((i = 0; i < MESSAGE_SERVICES; i++)); do wait_ready "message-service-$((i + 1))" "$(ms_http "$i")"; done
  for ((i = 0; i < EDGES; i++)); do
    start_process "edge-$((i + 1))" edge src/Edge Live.Edge "$(edge_grpc "$i")" "$(edge_http "$i")" ASPNETCORE_ENVIRONMENT=Production \
      "Services__MessageService=http://127.0.0.1:$(ms_grpc $((i % MESSAGE_SERVICES)))"
  done
  for ((i = 0; i < EDGES; i++)); do wait_ready "edge-$((i + 1))" "$(edge_http "$i")"; done
  # The Proxies: every cluster at the simulation's ports, the edge cluster over all Edges (v1 is the configured
  # destination, the others join it as v1), and a per-IP limit out of the way: all logins come from one address.
  local door=(ASPNETCORE_ENVIRONMENT=Production "ReverseProxy__Clusters__edge__LoadBalancingPolicy=$policy"
    "Auth__JwksUrl=http://127.0.0.1:$USER_HTTP/.well-known/jwks.json" Limits__PerIp__PermitLimit=1000000
    "ReverseProxy__Clusters__room__Destinations__v1__Address=http://127.0.0.1:$ROOM_GRPC"
    "ReverseProxy__Clusters__user__Destinations__v1__Address=http://127.0.0.1:$USER_GRPC"
    "ReverseProxy__Clusters__user-http__Destinations__v1__Address=http://127.0.0.1:$USER_HTTP"
    "ReverseProxy__Clusters__message__Destinations__v1__Address=http://127.0.0.1:$(ms_grpc 0)"
    "ReverseProxy__Clusters__edge__Destinations__v1__Address=http://127.0.0.1:$(edge_grpc 0)")
  for ((i = 1; i < EDGES; i++)); do
    door+=("ReverseProxy__Clusters__edge__Destinations__edge-$((i + 1))__Address=http://127.0.0.1:$(edge_grpc "$i")"
      "ReverseProxy__Clusters__edge__Destinations__edge-$((i + 1))__Metadata__version=v1")
  done
  for ((i = 0; i < PROXIES; i++)); do
    PROXY_PUBLIC_PORT="$(proxy_public "$i")" start_process "proxy-$((i + 1))" proxy src/Proxy Live.Proxy "" "$(proxy_http "$i")" "${door[@]}"
  done
  for ((i = 0; i < PROXIES; i++)); do wait_ready "proxy-$((i + 1))" "$(proxy_http "$i")"; done
}

metric() { # url name -> the sum of its series (0 when absent)
  curl -fsS "$1" | awk -v n="$2" '$1 == n || index($1, n "{") == 1 { s += $2 } END { printf "%.0f\n", s }'
}

publishes() { redis-cli -p "$REDIS_PORT" INFO commandstats | tr -d '\r' | sed -n 's/^cmdstat_publish:calls=\([0-9]*\).*/\1/p' | grep . || echo 0; }

counters() { # -> key value lines of the counters the ratios divide
  local accepted=0 relay=0 received=0 i
  for ((i = 0; i < MESSAGE_SERVICES; i++)); do
    accepted=$((accepted + $(metric "http://127.0.0.1:$(ms_http "$i")/metrics" live_message_accepted_total)))
    relay=$((relay + $(metric "http://127.0.0.1:$(ms_http "$i")/metrics" live_message_relay_batches_total)))
  done
  for ((i = 0; i < EDGES; i++)); do
    received=$((received + $(metric "http://127.0.0.1:$(edge_http "$i")/metrics" live_edge_batches_received_total)))
  done
  printf 'accepted %s\nrelay_batches %s\nedge_batches_received %s\npublishes %s\n' "$accepted" "$relay" "$received" "$(publishes)"
}

# The counters once two readings a second apart agree (at most 30 s): under load the MessageServices may still
# be sequencing and fanning out the last sends when LoadGen exits, and a ratio of half-counted numbers misleads.
settled_counters() {
  local previous current
  previous="$(counters)"
  for _ in $(seq 1 30); do
    sleep 1
    current="$(counters)"
    [[ "$current" != "$previous" ]] || break
    previous="$current"
  done
  echo "$previous"
}

# Every 2 s until killed: per Edge its room subscriptions and sockets, and the (MessageService, room) Redis
# subscriptions of the run's rooms (PUBSUB NUMSUB summed); the summary takes each column's maximum.
sample_gauges() { # output file
  local channels=() id i line
  while IFS= read -r id; do [[ -n "$id" ]] && channels+=("room:{$id}:messages"); done <"$ROOMS_FILE"
  while true; do
    line=""
    for ((i = 0; i < EDGES; i++)); do line+="$(metric "http://127.0.0.1:$(edge_http "$i")/metrics" live_edge_rooms) "; done
    for ((i = 0; i < EDGES; i++)); do line+="$(metric "http://127.0.0.1:$(edge_http "$i")/metrics" live_edge_connections) "; done
    line+="$(redis-cli -p "$REDIS_PORT" PUBSUB NUMSUB "${channels[@]}" | awk 'NR % 2 == 0 { s += $1 } END { print s + 0 }')"
    echo "$line" >>"$1"
    sleep 2
  done
}

# Each fleet process's CPU (cores) over 10 s with no client left: its baseline of timers, metrics, GC and the JIT's
# tail, which the summary subtracts to give the CPU a delivery adds. Lines: label cores.
idle_cores() {
  local labels=() label before=() i
  for ((i = 0; i < EDGES; i++)); do labels+=("edge-$((i + 1))"); done
  for ((i = 0; i < MESSAGE_SERVICES; i++)); do labels+=("message-service-$((i + 1))"); done
  for ((i = 0; i < PROXIES; i++)); do labels+=("proxy-$((i + 1))"); done
  for label in "${labels[@]}"; do before+=("$(cpu_ticks "$(cat "$SIM_PIDS/$label.pid")")"); done
  sleep 10
  for i in "${!labels[@]}"; do
    echo "${labels[$i]} $(awk -v a="${before[$i]}" -v b="$(cpu_ticks "$(cat "$SIM_PIDS/${labels[$i]}.pid")")" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.4f\n", (b - a) / hz / 10 }')"
  done
}

# utime + stime of a process in clock ticks (the fields after the command name, which may hold spaces).
cpu_ticks() {
  local stat
  stat="$(cat "/proc/$1/stat")"
  awk '{ print $12 + $13 }' <<<"${stat##*) }"
}

# routing: round-robin or affinity
run_once() {
  local routing="$1" policy=RoundRobin i
  [[ "$routing" == affinity ]] && policy=RoomAffinity
  FLEET_FROM=${#STARTED[@]}
  start_fleet "$policy"
  local servers=() urls=()
  for ((i = 0; i < EDGES; i++)); do servers+=(--server "edge-$((i + 1))=$SIM_PIDS/edge-$((i + 1)).pid"); done
  for ((i = 0; i < MESSAGE_SERVICES; i++)); do servers+=(--server "message-service-$((i + 1))=$SIM_PIDS/message-service-$((i + 1)).pid"); done
  for ((i = 0; i < PROXIES; i++)); do servers+=(--server "proxy-$((i + 1))=$SIM_PIDS/proxy-$((i + 1)).pid"); done
  servers+=(--server "redis=$PIDS/redis.pid")
  local doors=()
  for ((i = 0; i < PROXIES; i++)); do
    urls+=("https://127.0.0.1:$(proxy_public "$i")")
    doors+=("ws://127.0.0.1:$(proxy_http "$i")")
  done
  local door_options=()
  if [[ "$DOOR" == plain ]]; then door_options=(--ws-door "$(IFS=,; echo "${doors[*]}")"); fi
  if [[ ! -s "$ROOMS_FILE" ]]; then
    step "Creating $ROOMS rooms (kept for every routing of this run)"
  fi
  counters >"$RESULTS/$routing.counters-before"
  step "$routing ($DOOR door): $VIEWERS viewers in $ROOMS Zipf rooms (room 1: $TOP_SHARE), $RATE msg/s, ${WARMUP}+${SECONDS_MEASURED} s (load average $(cut -d' ' -f1-3 /proc/loadavg))"
  local gauges="$RESULTS/$routing.gauges" loadgen_log="$SIM_LOGS/loadgen-$routing.log"
  rm -f "$gauges"
  local sampler=""
  (
    IFS=,
    dotnet "$ROOT/tools/LoadGen/$BIN_DIR/Live.LoadGen.dll" --target edge --proxy "${urls[*]}" --proxy-cert "$PROXY_CERT" "${door_options[@]}" \
      --room-service "http://127.0.0.1:$ROOM_GRPC" --room-ids-file "$ROOMS_FILE" --rooms "$ROOMS" --viewers "$VIEWERS" --rate "$RATE" \
      --zipf-top-share "$TOP_SHARE" --seed "$SEED" --warmup "$WARMUP" --duration "$SECONDS_MEASURED" --connect-concurrency 64 \
      --connect-timeout 600 "${servers[@]}" --label "$routing" --out "$RESULTS/$routing.json"
  ) >"$loadgen_log" 2>&1 &
  local loadgen=$!
  STARTED+=("$loadgen")
  # The sampler needs the room ids, which the first run's LoadGen writes once it has created the rooms.
  while kill -0 "$loadgen" 2>/dev/null; do
    if [[ -z "$sampler" && -s "$ROOMS_FILE" ]]; then
      sample_gauges "$gauges" &
      sampler=$!
      STARTED+=("$sampler")
    fi
    sleep 1
  done
  wait "$loadgen" || { tail -n 20 "$loadgen_log"; fail "LoadGen ($routing) failed" "$loadgen_log"; }
  [[ -z "$sampler" ]] || kill "$sampler" 2>/dev/null || true
  settled_counters >"$RESULTS/$routing.counters-after"
  idle_cores >"$RESULTS/$routing.idle"
  sed -n "/^$routing (/,\$p" "$loadgen_log"
  stop_fleet
}

# Stops what one routing started (its fleet, LoadGen, the sampler); RoomService and UserService stay.
stop_fleet() {
  local shared=("${STARTED[@]:0:FLEET_FROM}")
  STARTED=("${STARTED[@]:FLEET_FROM}")
  stop_started
  STARTED=("${shared[@]}")
}

main() {
  mkdir -p "$RESULTS" "$SIM_LOGS" "$SIM_PIDS"
  rm -f "$ROOMS_FILE"
  check_prerequisites
  ensure_proxy_secret
  ensure_proxy_certificate
  build
  migrate
  start_shared
  local routing
  for routing in "${ROUTINGS[@]}"; do run_once "$routing"; done
  step "Summary (also in $RESULTS/summary.md)"
  node "$SIM_DIR/summarize.mjs" "$RESULTS" "$EDGES" "$ROOMS" "${ROUTINGS[@]}" | tee "$RESULTS/summary.md"
}

main
