#!/usr/bin/env bash
# Unary gRPC APIs under load: GetRoom, ListRooms, GetProfile and GetLeaderboard, straight to each service (h2c)
# and through the Proxy (TLS), alternating, so every Proxy figure has its direct reference beside it in one run.
#
#   perf/unary/run.sh [RPC ...]        (default: GetRoom ListRooms GetProfile GetLeaderboard)
#
# The load tool is h2load (Debian's nghttp2-client, installed when missing): it speaks HTTP/2, so it drives a
# unary gRPC call with a pre-encoded request body. It does not report percentiles, so every run writes its
# per-request log and this script takes P50/P90/P99/P99.9 from it. h2load cannot read gRPC trailers either:
# each RPC is called once with curl first (grpc-status must be 0, which also gives the response's size), and a
# run in which a response came back without that many bytes of data (a trailers-only error) is reported as such.
#
# Needs the platform up, with the Proxy's per-address and per-user windows raised for a load generator that is
# a single address and a single user (the defaults allow 600 and 300 calls per 10 s):
#   Limits__PerIp__PermitLimit=1000000000 Limits__PerUser__PermitLimit=1000000000 ./platform up --detach
#
# Settings (environment): UNARY_REQUESTS (200000 per run), UNARY_WARMUP (50000, one unmeasured run per RPC and
# path first), UNARY_CONNECTIONS (4), UNARY_IN_FLIGHT ("32 256": calls in flight over those connections; one
# run for each), UNARY_PATHS ("direct proxy"; "SERVICE@HOST:PORT", e.g. room-service@127.0.0.1:5151, adds runs of
# that service's RPCs straight to another process, and "proxy@HOST:PORT" runs through another Proxy: a second
# process with a setting changed gives a before/after in one run), UNARY_SECOND ("SERVICE:PORT:KEY=VALUE ...":
# starts a second copy of a running service or Proxy from the same build and environment, on 127.0.0.1:PORT (gRPC,
# or the Proxy's TLS door) and PORT + 100 (HTTP), with KEY=VALUE added, adds it to the paths and stops it at the
# end), UNARY_ROUNDS (2), UNARY_RESULTS (perf/results/unary).
#
# The read caches before and after, in one run (docs/benchmarks.md, "Unary APIs"):
#   UNARY_SECOND="room-service:5151:Rooms__ReadCacheMs=0 user-service:5152:Profiles__ReadCacheMs=0" perf/unary/run.sh
# and the Proxy's remembered tokens:
#   UNARY_SECOND="proxy:8543:Auth__ValidatedTokenCacheSeconds=0" perf/unary/run.sh GetProfile GetRoom
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
LOCAL="$ROOT/.local"
RESULTS="${UNARY_RESULTS:-$ROOT/perf/results/unary}"
REQUESTS="${UNARY_REQUESTS:-200000}"
WARMUP="${UNARY_WARMUP:-50000}"
CONNECTIONS="${UNARY_CONNECTIONS:-4}"
IN_FLIGHT="${UNARY_IN_FLIGHT:-32 256}"
PATHS="${UNARY_PATHS:-direct proxy}"
ROUNDS="${UNARY_ROUNDS:-2}"
RPCS=("$@")
((${#RPCS[@]})) || RPCS=(GetRoom ListRooms GetProfile GetLeaderboard)

step() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }
fail() { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }

ENDPOINTS="$LOCAL/endpoints.json"
[[ -f "$ENDPOINTS" ]] || fail "no $ENDPOINTS: start the platform first (see the top of this script)"
command -v jq >/dev/null || fail "jq is needed (apt-get install jq)"
if ! command -v h2load >/dev/null; then
  step "Installing h2load (nghttp2-client) from Debian's packages"
  sudo=(); ((EUID == 0)) || sudo=(sudo)
  { "${sudo[@]}" apt-get update && DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y --no-install-recommends nghttp2-client; } \
    >/dev/null || fail "apt-get install nghttp2-client failed"
fi

grpc_of() { jq -r ".services[\"$1\"].grpc" "$ENDPOINTS"; }
PROXY="$(jq -r '.proxy.public' "$ENDPOINTS")"
BUF="$ROOT/tools/buf/node_modules/.bin/buf"
[[ -x "$BUF" ]] || fail "buf is not installed in tools/buf: run ./platform up first"

mkdir -p "$RESULTS/logs"
WORK="$(mktemp -d)"
SECOND_PIDS=()
cleanup() {
  local pid
  for pid in "${SECOND_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

# shellcheck source=../lib/second-process.sh
source "$ROOT/perf/lib/second-process.sh"
for second in ${UNARY_SECOND:-}; do
  IFS=: read -r service port setting <<<"$second"
  step "Starting a second $service on 127.0.0.1:$port with $setting"
  start_second "$service" "$port" "$RESULTS/logs/second-$service-$port.log" "$setting"
  PATHS+=" $service@127.0.0.1:$port"
done

# ---- Request bodies: a gRPC frame (flag byte, 4-byte big-endian length) around a hand-encoded protobuf message ----
varint() { # non-negative integer -> its protobuf varint as \x escapes
  local n=$1 out=""
  while ((n >= 128)); do out+=$(printf '\\x%02x' $(((n & 127) | 128))); n=$((n >> 7)); done
  printf '%s\\x%02x' "$out" "$n"
}
frame() { # file, message as \x escapes
  printf '%b' "$2" >"$1.message"
  local length
  length="$(stat -c %s "$1.message")"
  printf "$(printf '\\x00\\x%02x\\x%02x\\x%02x\\x%02x' $((length >> 24 & 255)) $((length >> 16 & 255)) $((length >> 8 & 255)) $((length & 255)))" >"$1"
  cat "$1.message" >>"$1" && rm "$1.message"
}

call() { # url, JSON request, [bearer token]
  local auth=()
  [[ -n "${3:-}" ]] && auth=(-H "Authorization: Bearer $3")
  "$BUF" curl --protocol grpc --http2-prior-knowledge "${auth[@]}" -d "$2" "$1"
}

# ---- Fixtures: an anchor with 20 live rooms, and a viewer account whose profile is read ----
step "Creating the fixtures (an anchor, 20 live rooms, a viewer account)"
ROOM_GRPC="http://$(grpc_of room-service)"
USER_GRPC="http://$(grpc_of user-service)"
STATS_GRPC="http://$(grpc_of stats-service)"
suffix="$(date +%s)$RANDOM"
PASSWORD="unary-bench-password"
anchor_id="$(call "$USER_GRPC/live.v1.UserService/Register" "{\"username\":\"ub-anchor-$suffix\",\"password\":\"$PASSWORD\",\"asAnchor\":true}" | jq -r .userId)"
viewer_id="$(call "$USER_GRPC/live.v1.UserService/Register" "{\"username\":\"ub-viewer-$suffix\",\"password\":\"$PASSWORD\"}" | jq -r .userId)"
room_id=""
for i in $(seq 1 20); do
  id="$(call "$ROOM_GRPC/live.v1.RoomService/CreateRoom" "{\"anchorUserId\":$anchor_id,\"title\":\"unary bench $i\",\"category\":\"chat\"}" | jq -r .id)"
  call "$ROOM_GRPC/live.v1.RoomService/StartLive" "{\"roomId\":$id}" >/dev/null
  room_id="${room_id:-$id}"
done
echo "    anchor $anchor_id, viewer $viewer_id, GetRoom reads live room $room_id"

viewer_token() {
  call "$USER_GRPC/live.v1.UserService/Login" "{\"username\":\"ub-viewer-$suffix\",\"password\":\"$PASSWORD\"}" | jq -r .accessToken
}

# Per RPC: service, gRPC path, request (direct), request (through the Proxy), whether the Proxy needs a token.
# Direct calls carry no identity, which the services treat as an internal caller; through the Proxy GetRoom,
# ListRooms and GetLeaderboard are guest routes (no token), GetProfile reads the signed-in viewer's own profile.
page20="\\x1a\\x02\\x08\\x14"
frame "$WORK/GetRoom" "\\x08$(varint "$room_id")"
frame "$WORK/ListRooms" "\\x08\\x02$page20"
frame "$WORK/GetProfile.direct" "\\x08$(varint "$viewer_id")"
frame "$WORK/GetProfile.proxy" ""
frame "$WORK/GetLeaderboard" "\\x08\\x02\\x18\\x01\\x20\\x0a"
declare -A SERVICE=([GetRoom]=room-service [ListRooms]=room-service [GetProfile]=user-service [GetLeaderboard]=stats-service)
declare -A METHOD=([GetRoom]=live.v1.RoomService/GetRoom [ListRooms]=live.v1.RoomService/ListRooms
  [GetProfile]=live.v1.UserService/GetProfile [GetLeaderboard]=live.v1.StatsService/GetLeaderboard)

kind_of() { # path -> direct, proxy or the name of a second service's path
  case $1 in proxy@*) echo proxy ;; *@*) echo direct ;; *) echo "$1" ;; esac
}
body_of() { # rpc path: a second process is called as the one it copies
  local kind
  kind="$(kind_of "$2")"
  [[ -f "$WORK/$1.$kind" ]] && echo "$WORK/$1.$kind" || echo "$WORK/$1"
}
url_of() { # rpc path
  case $2 in
    direct) echo "http://$(grpc_of "${SERVICE[$1]}")/${METHOD[$1]}" ;;
    proxy) echo "$PROXY/${METHOD[$1]}" ;;
    proxy@*) echo "https://${2#*@}/${METHOD[$1]}" ;;
    *@*) echo "http://${2#*@}/${METHOD[$1]}" ;;
  esac
}
listener_pid() { # port -> the pid listening on it
  ss -Hltnp "sport = :$1" | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -n 1
}
service_pid() { # rpc path -> the pid of the service that answers it
  case $2 in
    proxy@* | direct | proxy) cat "$LOCAL/pids/${SERVICE[$1]}.pid" ;;
    *@*) listener_pid "${2##*:}" ;;
  esac
}
proxy_pid() { # path -> the pid of the Proxy it goes through
  case $2 in
    proxy@*) listener_pid "${2##*:}" ;;
    *) cat "$LOCAL/pids/proxy.pid" ;;
  esac
}

cpu_ticks() { # pid -> utime + stime in clock ticks
  awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0
}

check_call() { # rpc path token -> the response's size in bytes; fails unless grpc-status is 0
  local rpc=$1 path=$2 token=$3 headers="$WORK/headers" auth=()
  [[ -n "$token" ]] && auth=(-H "authorization: Bearer $token")
  local tls=(--http2-prior-knowledge)
  [[ $(kind_of "$path") == proxy ]] && tls=(--http2 --cacert "$(jq -r '.proxy.certificate' "$ENDPOINTS")")
  curl -sS "${tls[@]}" -H 'content-type: application/grpc' -H 'te: trailers' "${auth[@]}" \
    --data-binary "@$(body_of "$rpc" "$path")" -D "$headers" -o "$WORK/response" "$(url_of "$rpc" "$path")"
  grep -qi '^grpc-status: 0' "$headers" || fail "$rpc ($path) did not answer grpc-status 0: $(tr -d '\r' <"$headers" | grep -i -E '^(HTTP|grpc-)' | tr '\n' ' ')"
  stat -c %s "$WORK/response"
}

percentiles() { # h2load log -> "p50 p90 p99 p999 max" in ms
  cut -f3 "$1" | sort -n | awk '{ v[NR] = $1 } END {
    split("0.50 0.90 0.99 0.999 1", q, " ");
    for (i = 1; i <= 5; i++) { k = int(q[i] * NR + 0.999999); if (k < 1) k = 1; printf "%.2f ", v[k] / 1000 } }'
}

TICKS="$(getconf CLK_TCK)"
SUMMARY="$RESULTS/summary.md"
{
  echo "# Unary APIs, $(date -u '+%Y-%m-%d %H:%M UTC'), $(git -C "$ROOT" rev-parse --short HEAD), $(nproc) cores"
  echo
  echo "h2load: $REQUESTS requests per run over $CONNECTIONS connections; CPU per call = the process's utime + stime over the run / calls."
  echo
  echo "| round | RPC | path | in flight | calls/s | P50 ms | P90 ms | P99 ms | P99.9 ms | max ms | service µs CPU per call | Proxy µs CPU per call | load avg (1 min) |"
  echo "| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
} >"$SUMMARY"

measure() { # round rpc path in-flight requests [warm-up]
  local round=$1 rpc=$2 path=$3 in_flight=$4 requests=$5 label=$6
  local token="" service_pid proxy_pid
  service_pid="$(service_pid "$rpc" "$path")"; proxy_pid="$(proxy_pid "$rpc" "$path")"
  [[ $rpc == GetProfile && $(kind_of "$path") == proxy ]] && token="$(viewer_token)"
  local size
  [[ $path == *@* && ${path%@*} != proxy && ${path%@*} != "${SERVICE[$rpc]}" ]] && return
  size="$(check_call "$rpc" "$path" "$token")"
  local headers=(-H 'content-type: application/grpc' -H 'te: trailers')
  [[ -n "$token" ]] && headers+=(-H "authorization: Bearer $token")
  local name="$rpc-${path//[:@]/-}-$in_flight-$label"
  local log="$RESULTS/logs/$name.h2load.tsv"
  local service_before proxy_before service_after proxy_after
  service_before="$(cpu_ticks "$service_pid")"; proxy_before="$(cpu_ticks "$proxy_pid")"
  h2load -n "$requests" -c "$CONNECTIONS" -m $((in_flight / CONNECTIONS)) -t 1 "${headers[@]}" -d "$(body_of "$rpc" "$path")" \
    --log-file="$log" "$(url_of "$rpc" "$path")" >"$RESULTS/logs/$name.txt" 2>&1 || fail "h2load failed: $RESULTS/logs/$name.txt"
  service_after="$(cpu_ticks "$service_pid")"; proxy_after="$(cpu_ticks "$proxy_pid")"
  [[ $label == warmup ]] && { rm -f "$log"; return; }

  local out="$RESULTS/logs/$name.txt" rate succeeded data ok
  rate="$(awk '/^finished in/ { print int($4) }' "$out")"
  succeeded="$(awk '/^requests:/ { print $8 }' "$out")"
  data="$(awk '/^traffic:/ { for (i = 1; i <= NF; i++) if ($i == "data") { gsub(/[()]/, "", $(i - 1)); print $(i - 1) } }' "$out")"
  ok=$((data / size))
  local p
  p=($(percentiles "$log"))
  rm -f "$log"
  local service_cpu proxy_cpu="—"
  service_cpu="$(awk -v t=$((service_after - service_before)) -v hz="$TICKS" -v n="$requests" 'BEGIN { printf "%.1f", t / hz * 1e6 / n }')"
  [[ $(kind_of "$path") == proxy ]] && proxy_cpu="$(awk -v t=$((proxy_after - proxy_before)) -v hz="$TICKS" -v n="$requests" 'BEGIN { printf "%.1f", t / hz * 1e6 / n }')"
  local load note=""
  load="$(cut -d' ' -f1 /proc/loadavg)"
  ((succeeded == requests)) || note=" ($((requests - succeeded)) not 2xx)"
  ((ok >= requests)) || note+=" (only $ok answered with a message)"
  printf '| %s | %s | %s | %s | %s%s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$round" "$rpc" "$path" "$in_flight" \
    "$rate" "$note" "${p[0]}" "${p[1]}" "${p[2]}" "${p[3]}" "${p[4]}" "$service_cpu" "$proxy_cpu" "$load" | tee -a "$SUMMARY"
}

step "Warming up: $WARMUP calls per RPC and path (not counted)"
for rpc in "${RPCS[@]}"; do
  for path in $PATHS; do measure 0 "$rpc" "$path" "${IN_FLIGHT##* }" "$WARMUP" warmup; done
done

step "Measuring: ${RPCS[*]}; $PATHS; $IN_FLIGHT in flight; $ROUNDS rounds of $REQUESTS calls (load average $(cut -d' ' -f1-3 /proc/loadavg))"
tail -n 2 "$SUMMARY"
for round in $(seq 1 "$ROUNDS"); do
  for rpc in "${RPCS[@]}"; do
    for in_flight in $IN_FLIGHT; do
      for path in $PATHS; do measure "$round" "$rpc" "$path" "$in_flight" "$REQUESTS" "r$round"; done
    done
  done
done
step "Written to $SUMMARY (h2load's reports in $RESULTS/logs)"
