# Sourced by perf scripts that compare a running service or Proxy with a second copy of it: the same build, command
# and environment as the running process, other ports, settings added, so a before/after shares one run.
# Needs LOCAL (the platform's .local) and SECOND_PIDS (an array the caller stops on exit).

# service port logfile KEY=VALUE...: a service gets gRPC on PORT, the Proxy its TLS door on PORT and its plaintext
# listener on PORT + 100; every process its HTTP endpoint (health, metrics) on PORT + 100.
start_second() {
  local service=$1 port=$2 log=$3 pid environment=() command=() door="Kestrel__Endpoints__Grpc__Url=http://127.0.0.1:$2"
  shift 3
  pid="$(cat "$LOCAL/pids/$service.pid")"
  [[ $service == proxy ]] && door="Kestrel__Endpoints__Public__Url=https://127.0.0.1:$port"
  mapfile -t environment < <(tr '\0' '\n' <"/proc/$pid/environ" | grep -v -e "^${door%%=*}=" -e '^Kestrel__Endpoints__Http__Url=')
  mapfile -d '' -t command <"/proc/$pid/cmdline"
  (cd "$(readlink "/proc/$pid/cwd")" && exec env -i "${environment[@]}" "$door" \
    "Kestrel__Endpoints__Http__Url=http://127.0.0.1:$((port + 100))" "$@" \
    "${command[@]}") >"$log" 2>&1 &
  SECOND_PIDS+=($!)
  for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$((port + 100))/health/ready" >/dev/null 2>&1 && return 0
    kill -0 "${SECOND_PIDS[-1]}" 2>/dev/null || fail "the second $service exited (log: $log)"
    sleep 0.3
  done
  fail "the second $service was not ready in 30 s (log: $log)"
}
