#!/usr/bin/env bash
# The public path of a room's fan-out: the same load straight to the Edge, through the Proxy's TLS door and through
# its plaintext listener (TLS ended before it, as behind an ingress gateway), alternating in each round, so every
# Proxy figure has its straight reference beside it. Prints a table per run and the Proxy's CPU per frame it
# forwarded next to the Edge's per frame it wrote.
#
#   perf/door/run.sh
#
# Needs the platform up with the Proxy's per-address window raised (every client logs in from one address):
#   Limits__PerIp__PermitLimit=1000000000 Limits__PerUser__PermitLimit=1000000000 ./platform up --detach
# and, for figures worth keeping, nothing else running; stop what the fan-out does not use (StatsService,
# CommerceService, Prometheus, Alertmanager) with kill -TERM "$(cat .local/pids/<name>.pid)".
#
# The platform's defaults stay on (hot-room display sampling included): this is what a viewer gets through the door.
#
# Settings (environment): DOOR_VIEWERS ("500": one room each, one run per size and path), DOOR_RATE (2000 msg/s
# into the room), DOOR_PATHS ("direct tls plain"; "tls@PORT" and "plain@PORT" go through another Proxy),
# DOOR_SECOND ("PORT:KEY=VALUE[,KEY=VALUE...] ...": starts a second Proxy from the running one's build and environment
# with its TLS door on PORT, its plaintext listener on PORT + 100 and the settings added, and adds tls@PORT and
# plain@PORT+100 to the paths: a Proxy setting's before/after in one run), DOOR_ROUNDS (2), DOOR_WARMUP (5),
# DOOR_DURATION (20), DOOR_RESULTS (perf/results/door).
#
# The Proxy's hop to the Edge over HTTP/2 (the default) against HTTP/1.1 upgrades, in one run:
#   DOOR_VIEWERS="500 1000" DOOR_SECOND="8543:ReverseProxy__Clusters__edge__HttpRequest__Version=1.1,ReverseProxy__Clusters__edge__Destinations__v1__Address=http://127.0.0.1:5105" perf/door/run.sh
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=../../platform
source "$ROOT/platform"
RESULTS="${DOOR_RESULTS:-$ROOT/perf/results/door}"
VIEWER_COUNTS="${DOOR_VIEWERS:-500}"
RATE="${DOOR_RATE:-2000}"
PATHS="${DOOR_PATHS:-direct tls plain}"
ROUNDS="${DOOR_ROUNDS:-2}"
WARMUP="${DOOR_WARMUP:-5}"
DURATION="${DOOR_DURATION:-20}"
LOADGEN="$ROOT/tools/LoadGen/$BIN_DIR/Live.LoadGen.dll"

[[ -f "$LOADGEN" ]] || fail "no $LOADGEN: run ./platform up first (it builds LoadGen)"
for name in edge message-service proxy redis user-service room-service; do
  pid_alive "$PIDS/$name.pid" || fail "$name is not running: start the platform first (see the top of this script)"
done
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

mkdir -p "$RESULTS/logs"
RESULTS="$(cd "$RESULTS" && pwd)"
SECOND_PIDS=()
stop_seconds() {
  local pid
  for pid in "${SECOND_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
}
trap stop_seconds EXIT

# shellcheck source=../lib/second-process.sh
source "$ROOT/perf/lib/second-process.sh"
for second in ${DOOR_SECOND:-}; do
  IFS=: read -r port settings <<<"$second"
  IFS=, read -r -a settings <<<"$settings"
  step "Starting a second Proxy on 127.0.0.1:$port (plaintext $((port + 100))) with ${settings[*]}"
  start_second proxy "$port" "$RESULTS/logs/second-proxy-$port.log" "${settings[@]}"
  echo "${SECOND_PIDS[-1]}" >"$RESULTS/logs/second-proxy-$port.pid"
  PATHS+=" tls@$port plain@$((port + 100))"
done

# path -> LoadGen's options for that door, with the pid file of the Proxy it goes through (none straight) for its CPU
door_options() {
  local path=$1 port proxy_pid="$PIDS/proxy.pid"
  case "$path" in
    direct) echo "--edge ws://127.0.0.1:5105" ;;
    tls) echo "--proxy https://127.0.0.1:$PROXY_PUBLIC_PORT --proxy-cert $PROXY_CERT --server proxy=$proxy_pid" ;;
    plain) echo "--proxy https://127.0.0.1:$PROXY_PUBLIC_PORT --proxy-cert $PROXY_CERT --ws-door ws://127.0.0.1:8090 --server proxy=$proxy_pid" ;;
    tls@*)
      port=${path#tls@}
      echo "--proxy https://127.0.0.1:$port --proxy-cert $PROXY_CERT --server proxy=$RESULTS/logs/second-proxy-$port.pid" ;;
    plain@*)
      port=${path#plain@}
      echo "--proxy https://127.0.0.1:$((port - 100)) --proxy-cert $PROXY_CERT --ws-door ws://127.0.0.1:$port" \
        "--server proxy=$RESULTS/logs/second-proxy-$((port - 100)).pid" ;;
    *) fail "unknown path '$path' (direct, tls, plain, tls@PORT, plain@PORT)" ;;
  esac
}

run() { # round path viewers
  local label="door-$3-$2-$1"
  label="${label//@/-}"
  local options
  read -r -a options <<<"$(door_options "$2")"
  step "$label: $3 viewers, $RATE msg/s, $2 (load average $(cut -d' ' -f1-3 /proc/loadavg))"
  dotnet "$LOADGEN" --target edge "${options[@]}" --room-service http://127.0.0.1:5101 \
    --proxy-secret-file "$PROXY_SECRET_FILE" --viewers "$3" --rate "$RATE" --warmup "$WARMUP" --duration "$DURATION" \
    --server "edge=$PIDS/edge.pid" --server "message-service=$PIDS/message-service.pid" --server "redis=$PIDS/redis.pid" \
    --label "$label" --out "$RESULTS/$label.json" >"$RESULTS/logs/$label.log" 2>&1 ||
    { tail -n 20 "$RESULTS/logs/$label.log"; fail "$label failed (log: $RESULTS/logs/$label.log)"; }
  sed -n "/^$label (/,\$p" "$RESULTS/logs/$label.log"
}

# A short unmeasured run per path first: JIT tiering and connection pools warm up there.
for path in $PATHS; do
  DURATION=5 run 0 "$path" 200 >/dev/null
done
for round in $(seq 1 "$ROUNDS"); do
  for viewers in $VIEWER_COUNTS; do
    for path in $PATHS; do run "$round" "$path" "$viewers"; done
  done
done
rm -f "$RESULTS"/door-*-0.json

step "Summary ($RESULTS)"
node "$ROOT/perf/door/summarize.mjs" "$RESULTS" | tee "$RESULTS/summary.md"
