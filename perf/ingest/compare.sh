#!/usr/bin/env bash
# Whole ingest path on one MessageService (docs/benchmarks.md, "Whole ingest path"), for several builds side by side:
# each load runs against every build in turn, round after round, so a change's before and after share the machine's
# state. A build is a checkout (a worktree of another commit) with perf/Moderation.Benchmarks built in Release.
#
#   ./platform up --detach     # RoomService, MariaDB and the Kafka-protocol broker; stop the other services
#   INGEST_BUILDS="before=/tmp/ing-0 after=." perf/ingest/compare.sh
#   INGEST_BUILDS="off=.,Messages__PublishRoomFramesTogether=false on=." perf/ingest/compare.sh   # one setting apart
#
# Settings (environment): INGEST_BUILDS (name=checkout[,KEY=VALUE...] ..., required: the KEY=VALUEs are the hosted
# MessageService's configuration, as environment variables), INGEST_LOADS (name:arguments|..., default:
# 200 rooms open loop at 20,000/s, 200 rooms closed loop with 2,048 in flight, one hot room closed loop),
# INGEST_ROUNDS (2), INGEST_SECONDS (10), INGEST_WARMUP (15), INGEST_RESULTS (perf/results/ingest).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
RESULTS="${INGEST_RESULTS:-$ROOT/perf/results/ingest}"
ROUNDS="${INGEST_ROUNDS:-2}"
SECONDS_MEASURED="${INGEST_SECONDS:-10}"
WARMUP="${INGEST_WARMUP:-15}"
LOADS="${INGEST_LOADS:-rooms200-open20k:--rate 20000 --concurrency 4096|rooms200-closed2048:--concurrency 2048|hot-room-closed2048:--rooms 1 --streams 1 --concurrency 2048}"
[[ -n "${INGEST_BUILDS:-}" ]] || { echo "INGEST_BUILDS is required, e.g. INGEST_BUILDS=\"before=/tmp/before after=.\"" >&2; exit 2; }
[[ -f .local/kafka.bootstrap ]] || { echo "no .local/kafka.bootstrap: run ./platform up --detach first" >&2; exit 2; }

declare -A DLL SETTINGS
for build in $INGEST_BUILDS; do
  name="${build%%=*}"
  spec="${build#*=}"
  checkout="$(cd "${spec%%,*}" && pwd)"
  SETTINGS[$name]=""
  [[ "$spec" == *,* ]] && SETTINGS[$name]="${spec#*,}"
  DLL[$name]="$checkout/perf/Moderation.Benchmarks/bin/Release/net10.0/Moderation.Benchmarks.dll"
  [[ -f "${DLL[$name]}" ]] || { echo "$name: ${DLL[$name]} is missing; run dotnet build -c Release perf/Moderation.Benchmarks in $checkout" >&2; exit 2; }
done

# The benchmark hosts MessageService in its own process, so it runs with the services' runtime setting
# (Directory.Build.props; docs/benchmarks.md, "Thread-pool spinning"): without it, idle workers spinning at
# moderate rates would count as CPU per message.
export DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0

mkdir -p "$RESULTS"
IFS='|' read -r -a load_list <<< "$LOADS"
for round in $(seq 1 "$ROUNDS"); do
  for load in "${load_list[@]}"; do
    load_name="${load%%:*}"
    read -r -a load_args <<< "${load#*:}"
    for build in $INGEST_BUILDS; do
      name="${build%%=*}"
      out="$RESULTS/$load_name.$name.round$round.txt"
      echo "== round $round, $load_name, $name"
      IFS=',' read -r -a settings <<< "${SETTINGS[$name]}"
      env "${settings[@]}" dotnet "${DLL[$name]}" ingest --via relay --seconds "$SECONDS_MEASURED" --warmup "$WARMUP" "${load_args[@]}" > "$out" 2>&1 \
        || { echo "   failed, see $out" >&2; continue; }
      grep -E "^(accepted|ingest latency|cpu per accepted|redis batches|load average)" "$out" | sed 's/^/   /'
    done
  done
done
node "$ROOT/perf/ingest/summarize.mjs" "$RESULTS" | tee "$RESULTS/summary.md"
