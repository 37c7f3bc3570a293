#!/usr/bin/env bash
# Idle WebSocket connections on one Edge or on several Edge processes on this machine: how many they hold, how fast
# they connect, and the managed heap and RSS each one costs (issue 15, "Connections and memory").
#
#   perf/connections/run.sh                                      # 19,000 connections on the platform's Edge
#   CONN_EDGES=6 CONN_VIEWERS=100000 perf/connections/run.sh     # 100,000 over the platform's Edge and 5 more
#
# Needs the platform freshly up (`./platform down; ./platform up --detach`): an Edge that held connections before
# keeps their memory, and its RSS would not show what new ones cost. The Edge, MessageService and RoomService are
# used. With CONN_EDGES above 1 the script starts the other Edges itself, from the running Edge's build, command and
# environment (perf/lib/second-process.sh), each with its own gRPC (HTTP/2) port and HTTP/1.1 port, and stops them
# on exit. LoadGen opens the connections straight to the Edges from several processes, each process to one Edge, as
# guests spread over rooms; nobody sends, so the connections are idle apart from the Edge's pings. A process, LoadGen
# or Edge, may hold at most `ulimit -n` open files (20,000 here), so each LoadGen process and each Edge stays under
# it; the kernel limits that this many loopback connections need are checked before anything starts. Each Edge's
# managed heap is read with dotnet-gcdump (a full, blocking GC first, so it is the live heap) before the connections
# open and while they are all up (the types that hold it: heap-before.txt and heap-after.txt for the platform's Edge,
# heap-before-edge<N>.txt and heap-after-edge<N>.txt for the others); RSS from /proc.
#
# Settings (environment): CONN_EDGES (1), CONN_VIEWERS (19000 in all, spread evenly over the Edges), CONN_PROCESSES
# (LoadGen processes in all, spread over the Edges: 2 per Edge, more when a process would hold over 9,500),
# CONN_ROOMS (100 per process), CONN_HOLD (30 s with every connection up), CONN_CONCURRENCY (connects in flight per
# process, 200), CONN_EDGE_PORT (5420: Edge N > 1 gets gRPC on CONN_EDGE_PORT + N and HTTP/1.1 on that + 100),
# CONN_RESULTS (perf/results/connections), CONN_RECONNECT (1: a viewer whose connection is closed, e.g. with 1013 while
# its room's subscription is slow under the connect storm, or whose first connect is refused, e.g. with 503 while its
# Edge's relay stream is down, tries again as the SDK does, LoadGen's --reconnect; 0: it stays closed or unconnected).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
LOCAL="$ROOT/.local"
RESULTS="${CONN_RESULTS:-$ROOT/perf/results/connections}"
EDGES="${CONN_EDGES:-1}"
VIEWERS="${CONN_VIEWERS:-19000}"
ROOMS="${CONN_ROOMS:-100}"
HOLD="${CONN_HOLD:-30}"
CONCURRENCY="${CONN_CONCURRENCY:-200}"
EDGE_PORT="${CONN_EDGE_PORT:-5420}"
RECONNECT=()
[[ "${CONN_RECONNECT:-1}" == 1 ]] && RECONNECT=(--reconnect)
LOADGEN="$ROOT/tools/LoadGen/bin/Release/net10.0/Live.LoadGen.dll"
# LoadGen takes at most 18,000 viewers. MARGIN: the files a process opens beyond its sockets, and the ephemeral
# ports and sockets the machine uses beyond these connections.
LOADGEN_MAX_VIEWERS=18000
PER_PROCESS_DEFAULT=9500
MARGIN=500

step() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }
fail() { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }

ENDPOINTS="$LOCAL/endpoints.json"
[[ -f "$ENDPOINTS" ]] || fail "no $ENDPOINTS: start the platform first (./platform up --detach)"
PLATFORM_EDGE_PID="$(cat "$LOCAL/pids/edge.pid")"
kill -0 "$PLATFORM_EDGE_PID" 2>/dev/null || fail "the Edge (pid $PLATFORM_EDGE_PID) is not running"
ROOM_GRPC="http://$(jq -r '.services["room-service"].grpc' "$ENDPOINTS")"
((EDGES >= 1)) || fail "CONN_EDGES must be 1 or more"
per_edge=$(((VIEWERS + EDGES - 1) / EDGES))
processes_per_edge=$(((per_edge + PER_PROCESS_DEFAULT - 1) / PER_PROCESS_DEFAULT))
PROCESSES="${CONN_PROCESSES:-$((EDGES * (processes_per_edge > 2 ? processes_per_edge : 2)))}"
((PROCESSES >= EDGES)) || fail "CONN_PROCESSES ($PROCESSES) must be at least CONN_EDGES ($EDGES): each LoadGen process connects to one Edge"

# Edge e (1-based) gets viewers_of_edge[e]; LoadGen process p (1-based) goes to Edge ((p - 1) % EDGES) + 1 and gets
# an even share of that Edge's viewers.
declare -a viewers_of_edge processes_of_edge edge_of_process viewers_of_process
for e in $(seq 1 "$EDGES"); do
  viewers_of_edge[e]=$((VIEWERS / EDGES + (e <= VIEWERS % EDGES ? 1 : 0)))
  processes_of_edge[e]=0
done
for p in $(seq 1 "$PROCESSES"); do
  edge_of_process[p]=$(((p - 1) % EDGES + 1))
  processes_of_edge[edge_of_process[p]]=$((processes_of_edge[edge_of_process[p]] + 1))
done
for p in $(seq 1 "$PROCESSES"); do
  e=${edge_of_process[p]}
  nth=$(((p - 1) / EDGES + 1))
  viewers_of_process[p]=$((viewers_of_edge[e] / processes_of_edge[e] + (nth <= viewers_of_edge[e] % processes_of_edge[e] ? 1 : 0)))
done

# The limits that this many loopback connections need, checked before anything starts rather than met midway.
check_limits() {
  local hard_limit edge_limit low high span file_max nr_open tcp_mem_max page total_sockets most_of_a_process=0 p
  for p in $(seq 1 "$PROCESSES"); do ((viewers_of_process[p] > most_of_a_process)) && most_of_a_process=${viewers_of_process[p]}; done
  ((most_of_a_process <= LOADGEN_MAX_VIEWERS)) ||
    fail "a LoadGen process would get $most_of_a_process viewers; LoadGen takes at most $LOADGEN_MAX_VIEWERS: raise CONN_PROCESSES"

  # Edge 1 gets the largest share. The Edges started here inherit this script's limit, the platform's its own.
  hard_limit="$(ulimit -Hn)"
  ((most_of_a_process + MARGIN <= hard_limit)) ||
    fail "a LoadGen process would hold $most_of_a_process sockets but may open only $hard_limit files (ulimit -Hn): raise CONN_PROCESSES or the limit"
  ((EDGES == 1 || viewers_of_edge[1] + MARGIN <= hard_limit)) ||
    fail "an Edge would hold ${viewers_of_edge[1]} connections but may open only $hard_limit files (ulimit -Hn): raise CONN_EDGES or the limit"
  edge_limit="$(awk '/^Max open files/ { print $4 }' "/proc/$PLATFORM_EDGE_PID/limits")"
  ((viewers_of_edge[1] + MARGIN <= edge_limit)) ||
    fail "the platform's Edge may open $edge_limit files (its ulimit -n) and would get ${viewers_of_edge[1]} connections: raise CONN_EDGES or start it with a higher limit"

  # Every connection to one Edge takes an ephemeral port of its own; toward another Edge (another address and port)
  # the kernel may use the same port again, so the range must cover the largest Edge's share, not the total.
  read -r low high </proc/sys/net/ipv4/ip_local_port_range
  span=$((high - low + 1))
  ((viewers_of_edge[1] + MARGIN <= span)) ||
    fail "net.ipv4.ip_local_port_range ($low-$high) has $span ports, fewer than the ${viewers_of_edge[1]} connections to one Edge plus a margin: raise CONN_EDGES or widen the range (sysctl -w net.ipv4.ip_local_port_range='1024 65535')"
  # A previous run's connections wait out TIME_WAIT on their ports for a minute unless loopback may reuse them.
  if (($(cat /proc/sys/net/ipv4/tcp_tw_reuse) == 0)); then
    local waiting
    waiting="$(ss -Htan state time-wait | wc -l)"
    ((waiting + viewers_of_edge[1] + MARGIN <= span)) ||
      fail "$waiting sockets are in TIME_WAIT and net.ipv4.tcp_tw_reuse is 0: wait a minute, or allow reuse (sysctl -w net.ipv4.tcp_tw_reuse=2)"
  fi
  ((EDGES == 1 || EDGE_PORT + EDGES + 100 < low || EDGE_PORT + 2 > high)) ||
    fail "the Edge ports from $((EDGE_PORT + 2)) lie in the ephemeral range ($low-$high), where a client socket may take them: set CONN_EDGE_PORT below $((low - EDGES - 100))"

  # Both ends of a loopback connection are open files of this machine.
  total_sockets=$((2 * VIEWERS))
  file_max="$(cat /proc/sys/fs/file-max)"
  ((total_sockets + MARGIN <= file_max)) ||
    fail "fs.file-max is $file_max, fewer than the $total_sockets sockets (both ends of $VIEWERS connections) and a margin: raise it (sysctl -w fs.file-max=$((total_sockets * 2)))"
  nr_open="$(cat /proc/sys/fs/nr_open)"
  ((hard_limit <= nr_open)) || fail "ulimit -Hn ($hard_limit) is above fs.nr_open ($nr_open): the kernel caps a process at the latter"

  # tcp_mem (in pages) bounds the memory all TCP sockets together may hold in buffers; beyond its maximum a socket
  # cannot send or receive. Idle sockets hold little, but the pings and heartbeats of all of them are in flight at
  # once: a page per socket is the margin asked.
  tcp_mem_max="$(awk '{ print $3 }' /proc/sys/net/ipv4/tcp_mem)"
  page="$(getconf PAGESIZE)"
  ((total_sockets <= tcp_mem_max)) ||
    fail "net.ipv4.tcp_mem's maximum is $tcp_mem_max pages ($((tcp_mem_max * page / 1048576)) MiB), under a page for each of the $total_sockets sockets: raise it"

  if [[ -r /proc/sys/net/netfilter/nf_conntrack_max ]]; then
    local conntrack_max
    conntrack_max="$(cat /proc/sys/net/netfilter/nf_conntrack_max)"
    ((VIEWERS + MARGIN <= conntrack_max)) ||
      fail "net.netfilter.nf_conntrack_max is $conntrack_max: connection tracking would drop connections beyond it ($VIEWERS wanted): raise it"
  fi
  echo "    limits: ulimit -n $hard_limit, ephemeral ports $low-$high, fs.file-max $file_max, tcp_mem max $tcp_mem_max pages"
}

check_limits
[[ -f "$LOADGEN" ]] || dotnet build -c Release "$ROOT/tools/LoadGen" >/dev/null
(cd "$ROOT" && dotnet tool restore >/dev/null)
mkdir -p "$RESULTS"
RESULTS="$(cd "$RESULTS" && pwd)"
rm -f "$RESULTS"/loadgen-*.log "$RESULTS"/edge-*.log "$RESULTS"/heap-*.txt
ulimit -n "$(ulimit -Hn)"

LOADGEN_PIDS=()
SECOND_PIDS=()
stop_all() {
  local pid
  for pid in "${LOADGEN_PIDS[@]}" "${SECOND_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  # Waited for (an Edge's graceful shutdown takes seconds), so nothing the run started outlives it.
  for pid in "${LOADGEN_PIDS[@]}" "${SECOND_PIDS[@]}"; do
    for _ in $(seq 1 150); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
  done
}
trap stop_all EXIT

# Edge e's pid, HTTP/1.1 address (WebSockets, metrics) and name in file names; Edge 1 is the platform's.
declare -a edge_pid edge_http edge_name
edge_pid[1]=$PLATFORM_EDGE_PID
edge_http[1]="$(jq -r '.services.edge.http' "$ENDPOINTS")"
edge_name[1]=""
# shellcheck source=../lib/second-process.sh
source "$ROOT/perf/lib/second-process.sh"
for e in $(seq 2 "$EDGES"); do
  port=$((EDGE_PORT + e))
  for taken in "$port" $((port + 100)); do
    [[ -z "$(ss -Hltn "sport = :$taken")" ]] || fail "port $taken is in use: set CONN_EDGE_PORT to a free range"
  done
  step "Starting Edge $e from the platform's Edge: gRPC on 127.0.0.1:$port, HTTP/1.1 on 127.0.0.1:$((port + 100))"
  start_second edge "$port" "$RESULTS/edge-$e.log"
  edge_pid[e]=${SECOND_PIDS[-1]}
  edge_http[e]="http://127.0.0.1:$((port + 100))"
  edge_name[e]="-edge$e"
done

metric() { # edge, metric name: the sum of its series (0 when it has none yet)
  curl -fsS "${edge_http[$1]}/metrics" | awk -v name="$2" '$1 == name || index($1, name "{") == 1 { s += $2 } END { print s + 0 }'
}
edge_connections() { metric "$1" live_edge_connections; }
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/${edge_pid[$1]}/status"; }
heap_bytes() { # edge, before|after: a full GC, then the live managed heap
  local dump="$RESULTS/edge$1-$2.gcdump" report="$RESULTS/heap-$2${edge_name[$1]}.txt"
  (cd "$ROOT" && dotnet tool run dotnet-gcdump collect -p "${edge_pid[$1]}" -o "$dump" >/dev/null 2>&1)
  # The report's header and every type with 100 objects or more (per-connection objects come 1 or more each).
  (cd "$ROOT" && dotnet tool run dotnet-gcdump report "$dump") |
    awk 'NR <= 5 { print; next } { n = $2; gsub(",", "", n) } n + 0 >= 100' >"$report"
  awk '/GC Heap bytes/ { gsub(",", "", $1); print $1; exit }' "$report"
  rm -f "$dump"
}

declare -a heap_before rss_before refused_before closed_before
for e in $(seq 1 "$EDGES"); do
  (($(edge_connections "$e") == 0)) || fail "Edge $e already holds $(edge_connections "$e") connections; run this on an idle platform"
  heap_before[e]="$(heap_bytes "$e" before)"
  rss_before[e]="$(rss_kib "$e")"
  refused_before[e]="$(metric "$e" live_edge_connections_refused_total)"
  closed_before[e]="$(metric "$e" live_edge_connections_closed_total)"
  step "Edge $e before (pid ${edge_pid[e]}): managed heap $((heap_before[e] / 1024)) KiB, RSS ${rss_before[e]} KiB"
done

step "Opening $VIEWERS connections to $EDGES Edge(s): $PROCESSES LoadGen processes, $ROOMS rooms and $CONCURRENCY connects in flight each (load average $(cut -d' ' -f1-3 /proc/loadavg))"
# LoadGen is built with the runtime's default, idle thread-pool workers spinning before they sleep; a dozen LoadGen
# processes doing so would take the two cores from the Edges they measure (docs/benchmarks.md, "Thread-pool
# spinning"). Each runs for LoadGen's longest duration (an hour): the script stops it once every Edge's heap is read.
for p in $(seq 1 "$PROCESSES"); do
  e=${edge_of_process[p]}
  DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0 dotnet "$LOADGEN" --target edge --edge "ws://${edge_http[e]#http://}" --room-service "$ROOM_GRPC" \
    --proxy-secret-file "$LOCAL/proxy-secret" --viewers "${viewers_of_process[p]}" --senders 0 --rooms "$ROOMS" --rate 0 \
    --warmup 0 --duration 3600 --connect-concurrency "$CONCURRENCY" --connect-timeout 600 "${RECONNECT[@]}" \
    --label "connections-$p" >"$RESULTS/loadgen-$p.log" 2>&1 &
  LOADGEN_PIDS+=($!)
done

# Until every LoadGen has reported its connects ("connected N/M viewers in S s"); one that ends before is a failure.
while :; do
  reported=0
  for p in $(seq 1 "$PROCESSES"); do
    if grep -q '^connected ' "$RESULTS/loadgen-$p.log" 2>/dev/null; then
      reported=$((reported + 1))
    elif ! kill -0 "${LOADGEN_PIDS[p - 1]}" 2>/dev/null; then
      fail "LoadGen $p (to Edge ${edge_of_process[p]}) ended before its connects were done (log: $RESULTS/loadgen-$p.log)"
    fi
  done
  ((reported == PROCESSES)) && break
  sleep 0.2
done
# Each LoadGen reports how long its own connects took; they ran side by side, so an Edge took its slowest LoadGen's
# time for all of its connections, and the Edges together the slowest one's.
declare -a seconds_of_edge
for e in $(seq 1 "$EDGES"); do seconds_of_edge[e]=0; done
for p in $(seq 1 "$PROCESSES"); do
  e=${edge_of_process[p]}
  seconds_of_edge[e]="$(awk -v max="${seconds_of_edge[e]}" '/^connected / { s = $5 + 0; if (s > max) max = s } END { printf "%.1f", max }' "$RESULTS/loadgen-$p.log")"
done
seconds_total="$(printf '%s\n' "${seconds_of_edge[@]}" | sort -g | tail -1)"
for e in $(seq 1 "$EDGES"); do
  echo "    Edge $e: $(edge_connections "$e") of ${viewers_of_edge[e]} connections; its slowest LoadGen connected its share in ${seconds_of_edge[e]} s"
done

step "Holding them for $HOLD s"
sleep "$HOLD"
declare -a held heap_after rss_after refused closed failed
for e in $(seq 1 "$EDGES"); do
  held[e]="$(edge_connections "$e")"
  rss_after[e]="$(rss_kib "$e")"
  refused[e]=$(($(metric "$e" live_edge_connections_refused_total) - refused_before[e]))
  closed[e]=$(($(metric "$e" live_edge_connections_closed_total) - closed_before[e]))
  failed[e]=0
done
for p in $(seq 1 "$PROCESSES"); do
  e=${edge_of_process[p]}
  failed[e]=$((failed[e] + $(awk '/^connected / { split($2, n, "/"); print n[2] - n[1]; exit }' "$RESULTS/loadgen-$p.log")))
done
for e in $(seq 1 "$EDGES"); do heap_after[e]="$(heap_bytes "$e" after)"; done
load="$(cut -d' ' -f1-3 /proc/loadavg)"

for pid in "${LOADGEN_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
for pid in "${LOADGEN_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
LOADGEN_PIDS=()

row() { # label held seconds heap_before heap_after rss_before rss_after failed refused closed
  awk -v label="$1" -v n="$2" -v s="$3" -v hb="$4" -v ha="$5" -v rb="$6" -v ra="$7" -v f="$8" -v r="$9" -v c="${10}" 'BEGIN {
    per_heap = n > 0 ? sprintf("%.1f", (ha - hb) / 1024 / n) : "-"
    per_rss = n > 0 ? sprintf("%.1f", (ra - rb) / n) : "-"
    rate = s > 0 ? sprintf("%.0f", n / s) : "-"
    printf "| %s | %d | %s s (%s/s) | %d → %d KiB | %s KiB | %d → %d KiB | %s KiB | %d / %d / %d |\n",
      label, n, s, rate, hb / 1024, ha / 1024, per_heap, rb, ra, per_rss, f, r, c
  }'
}
{
  echo "# Idle connections on $EDGES Edge(s), $(date -u '+%Y-%m-%d %H:%M UTC'), $(git -C "$ROOT" rev-parse --short HEAD), $(nproc) cores, load avg (1/5/15) at the end $load"
  echo
  echo "| Edge | connections held | connect time (rate) | managed heap before → with them | per connection | RSS before → with them | per connection | failed to connect / refused / closed |"
  echo "| --- | ---: | --- | --- | ---: | --- | ---: | --- |"
  sums=(0 0 0 0 0 0 0 0)
  for e in $(seq 1 "$EDGES"); do
    row "$e (pid ${edge_pid[e]}, ${edge_http[e]#http://})" "${held[e]}" "${seconds_of_edge[e]}" "${heap_before[e]}" "${heap_after[e]}" \
      "${rss_before[e]}" "${rss_after[e]}" "${failed[e]}" "${refused[e]}" "${closed[e]}"
    values=("${held[e]}" "${heap_before[e]}" "${heap_after[e]}" "${rss_before[e]}" "${rss_after[e]}" "${failed[e]}" "${refused[e]}" "${closed[e]}")
    for i in "${!sums[@]}"; do sums[i]=$((sums[i] + values[i])); done
  done
  if ((EDGES > 1)); then
    row "all $EDGES" "${sums[0]}" "$seconds_total" "${sums[1]}" "${sums[2]}" "${sums[3]}" "${sums[4]}" "${sums[5]}" "${sums[6]}" "${sums[7]}"
  fi
} | tee "$RESULTS/summary.md"
