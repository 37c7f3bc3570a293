#!/usr/bin/env bash
# Idle WebSocket connections on one Edge: how many it holds, how fast they connect, and the managed heap and RSS
# each one costs (issue 15, "Connections and memory").
#
#   perf/connections/run.sh
#
# Needs the platform freshly up (`./platform down; ./platform up --detach`): an Edge that held connections before
# keeps their memory, and its RSS would not show what new ones cost. The Edge, MessageService and RoomService are
# used. LoadGen opens the connections straight to the Edge from several processes (a process may hold at most
# 20,000 open files), as guests spread over rooms; nobody sends, so the connections are idle apart from the Edge's
# pings. The Edge's managed heap is read with dotnet-gcdump (a full, blocking GC first, so it is the live heap)
# before the connections open and while they are all up (the types that hold it: heap-before.txt, heap-after.txt);
# RSS from /proc.
#
# Settings (environment): CONN_VIEWERS (19000 in all), CONN_PROCESSES (2), CONN_ROOMS (100 per process),
# CONN_HOLD (30 s with every connection up), CONN_CONCURRENCY (connects in flight per process, 200),
# CONN_RESULTS (perf/results/connections).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
LOCAL="$ROOT/.local"
RESULTS="${CONN_RESULTS:-$ROOT/perf/results/connections}"
VIEWERS="${CONN_VIEWERS:-19000}"
PROCESSES="${CONN_PROCESSES:-2}"
ROOMS="${CONN_ROOMS:-100}"
HOLD="${CONN_HOLD:-30}"
CONCURRENCY="${CONN_CONCURRENCY:-200}"
LOADGEN="$ROOT/tools/LoadGen/bin/Release/net10.0/Live.LoadGen.dll"

step() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }
fail() { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }

ENDPOINTS="$LOCAL/endpoints.json"
[[ -f "$ENDPOINTS" ]] || fail "no $ENDPOINTS: start the platform first (./platform up --detach)"
EDGE_PID="$(cat "$LOCAL/pids/edge.pid")"
kill -0 "$EDGE_PID" 2>/dev/null || fail "the Edge (pid $EDGE_PID) is not running"
EDGE_HTTP="$(jq -r '.services.edge.http' "$ENDPOINTS")"
ROOM_GRPC="http://$(jq -r '.services["room-service"].grpc' "$ENDPOINTS")"
[[ -f "$LOADGEN" ]] || dotnet build -c Release "$ROOT/tools/LoadGen" >/dev/null
(cd "$ROOT" && dotnet tool restore >/dev/null)
mkdir -p "$RESULTS"

PIDS=()
trap 'for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done' EXIT

edge_connections() { curl -fsS "$EDGE_HTTP/metrics" | awk '/^live_edge_connections\{/ { print $2 }'; }
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$EDGE_PID/status"; }
heap_bytes() { # a full GC, then the live managed heap
  local dump="$RESULTS/edge-$1.gcdump"
  (cd "$ROOT" && dotnet tool run dotnet-gcdump collect -p "$EDGE_PID" -o "$dump" >/dev/null 2>&1)
  # The report's header and every type with 100 objects or more (per-connection objects come 1 or more each).
  (cd "$ROOT" && dotnet tool run dotnet-gcdump report "$dump") |
    awk 'NR <= 5 { print; next } { n = $2; gsub(",", "", n) } n + 0 >= 100' >"$RESULTS/heap-$1.txt"
  awk '/GC Heap bytes/ { gsub(",", "", $1); print $1; exit }' "$RESULTS/heap-$1.txt"
  rm -f "$dump"
}

(( $(edge_connections) == 0 )) || fail "the Edge already holds $(edge_connections) connections; run this on an idle platform"
step "The Edge before (pid $EDGE_PID; load average $(cut -d' ' -f1-3 /proc/loadavg))"
heap_before="$(heap_bytes before)"
rss_before="$(rss_kib)"
echo "    managed heap $((heap_before / 1024)) KiB, RSS $rss_before KiB"

per_process=$((VIEWERS / PROCESSES))
step "Opening $VIEWERS connections: $PROCESSES LoadGen processes × $per_process viewers in $ROOMS rooms each, $CONCURRENCY connects in flight each"
for p in $(seq 1 "$PROCESSES"); do
  dotnet "$LOADGEN" --target edge --edge "ws://${EDGE_HTTP#http://}" --room-service "$ROOM_GRPC" \
    --proxy-secret-file "$LOCAL/proxy-secret" --viewers "$per_process" --senders 0 --rooms "$ROOMS" --rate 0 \
    --warmup 0 --duration $((HOLD + 60)) --connect-concurrency "$CONCURRENCY" --connect-timeout 120 \
    --label "connections-$p" >"$RESULTS/loadgen-$p.log" 2>&1 &
  PIDS+=($!)
done

peak=0
while :; do
  now="$(edge_connections)"
  ((now > peak)) && peak=$now
  ((now >= per_process * PROCESSES)) && break
  for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null || fail "a LoadGen ended early at $now connections (logs: $RESULTS/loadgen-*.log)"; done
  sleep 0.2
done
# Each LoadGen reports how long its own connects took ("connected N/N viewers in S s"); they ran side by side, so
# the Edge took the slowest one's time for all of them.
for _ in $(seq 1 50); do
  (( $(grep -l '^connected ' "$RESULTS"/loadgen-*.log 2>/dev/null | wc -l) == PROCESSES )) && break
  sleep 0.1
done
seconds="$(awk '/^connected / { s = $5 + 0; if (s > max) max = s } END { printf "%.1f", max }' "$RESULTS"/loadgen-*.log)"
echo "    $now connections; the slowest LoadGen connected its share in $seconds s"

step "Holding them for $HOLD s"
sleep "$HOLD"
rss_after="$(rss_kib)"
heap_after="$(heap_bytes after)"
held="$(edge_connections)"
load="$(cut -d' ' -f1-3 /proc/loadavg)"

for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
PIDS=()

heap_per="$(awk -v a="$heap_after" -v b="$heap_before" -v n="$held" 'BEGIN { printf "%.1f", (a - b) / 1024 / n }')"
rss_per="$(awk -v a="$rss_after" -v b="$rss_before" -v n="$held" 'BEGIN { printf "%.1f", (a - b) / n }')"
rate="$(awk -v n="$held" -v s="$seconds" 'BEGIN { printf "%.0f", n / s }')"
{
  echo "# Idle connections on one Edge, $(date -u '+%Y-%m-%d %H:%M UTC'), $(git -C "$ROOT" rev-parse --short HEAD), $(nproc) cores"
  echo
  echo "| connections held | connect time (rate) | managed heap before → with them | per connection | RSS before → with them | per connection | load avg (1/5/15) at the end |"
  echo "| ---: | --- | --- | ---: | --- | ---: | --- |"
  printf '| %s | %s s (%s/s) | %s → %s KiB | %s KiB | %s → %s KiB | %s KiB | %s |\n' "$held" "$seconds" "$rate" \
    $((heap_before / 1024)) $((heap_after / 1024)) "$heap_per" "$rss_before" "$rss_after" "$rss_per" "$load"
} | tee "$RESULTS/summary.md"
