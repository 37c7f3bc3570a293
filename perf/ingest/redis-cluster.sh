#!/usr/bin/env bash
# A Redis Cluster of N masters (no replicas, no persistence: like the ingest benchmark's private Redis) on loopback,
# for measuring ingest with Redis sharded by room (docs/benchmarks.md, "Redis shards by room").
#
#   perf/ingest/redis-cluster.sh start [masters (3)]   prints the seeds for the benchmark's --redis
#   perf/ingest/redis-cluster.sh stop
#
# Ports 17101 and up (INGEST_CLUSTER_PORT), data and logs under .local/ingest-cluster.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
DIR="$ROOT/.local/ingest-cluster"
BASE="${INGEST_CLUSTER_PORT:-17101}"

stop() {
  local pidfile
  for pidfile in "$DIR"/*.pid; do
    [[ -f "$pidfile" ]] || continue
    kill -TERM "$(cat "$pidfile")" 2>/dev/null || true
  done
  sleep 1
  rm -rf "$DIR"
}

start() {
  local masters="${1:-3}" i port nodes=() seeds=()
  stop
  mkdir -p "$DIR"
  for ((i = 0; i < masters; i++)); do
    port=$((BASE + i))
    mkdir -p "$DIR/$port"
    redis-server --port "$port" --bind 127.0.0.1 --dir "$DIR/$port" --save "" --appendonly no \
      --cluster-enabled yes --cluster-config-file nodes.conf --maxmemory 1gb --maxmemory-policy noeviction \
      --logfile "$DIR/$port.log" --daemonize yes --pidfile "$DIR/$port.pid"
    nodes+=("127.0.0.1:$port")
    seeds+=("127.0.0.1:$port")
  done
  for ((i = 0; i < 50; i++)); do
    redis-cli -p $((BASE + masters - 1)) ping >/dev/null 2>&1 && break
    sleep 0.1
  done
  redis-cli --cluster create "${nodes[@]}" --cluster-replicas 0 --cluster-yes >"$DIR/create.log" 2>&1 ||
    { cat "$DIR/create.log" >&2; exit 1; }
  for ((i = 0; i < 100; i++)); do
    redis-cli -p "$BASE" cluster info | grep -q 'cluster_state:ok' && { (IFS=,; echo "${seeds[*]}"); return; }
    sleep 0.2
  done
  echo "the cluster did not reach cluster_state:ok (see $DIR)" >&2
  exit 1
}

case "${1:-}" in
  start) start "${2:-3}" ;;
  stop) stop ;;
  *) echo "usage: perf/ingest/redis-cluster.sh start [masters] | stop" >&2; exit 2 ;;
esac
