#!/usr/bin/env bash
# Coverage-guided fuzzing of everything that parses bytes from a client or a peer (docs/reliability.md, "Fuzzing").
#
#   tests/Fuzz/fuzz.sh <target|all> [--seconds N] [--no-build] [--resume] [--jobs J]
#
# For each target (a console app under tests/Fuzz/<target>): builds it (Release; --no-build takes the Release output
# as it is, e.g. right after a Platform.sln build), copies the output to .local/fuzz/<target>/bin and instruments
# only the assemblies that hold the code under test with SharpFuzz (`dotnet tool run sharpfuzz`, pinned in
# dotnet-tools.json), then runs afl-fuzz (Debian's afl++) from the checked-in seed corpus
# (tests/Fuzz/<target>/corpus, and its afl.dict when it has one) for N seconds (default 60); --resume continues the
# target's last run from its queue instead (a long campaign in parts); --jobs J fuzzes J targets at a time (afl-fuzz
# and its target take about a core together; all targets are built and instrumented first, one after another). At
# the end it prints, per target, the
# executions, the CPU seconds this run used, the crashes and the hangs; every crashing or hanging input is named and
# replayed through an uninstrumented copy to show its exception. Exits 1 when any target found one.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
FUZZ="$ROOT/tests/Fuzz"
WORK="$ROOT/.local/fuzz"

# target | assemblies to instrument (the code that reads the bytes: ours, plus the parser package a target is about)
TARGETS=(
  "BinaryFrames|Live.Protocol.dll"
  "JsonFrames|Live.Protocol.dll Live.Edge.dll"
  "ZstdBatches|Live.Protocol.dll ZstdSharp.dll"
  "RelayMessages|Live.Contracts.dll Live.Protocol.dll Live.Edge.dll Live.MessageService.dll Live.Moderation.dll"
  "AccessTokens|Live.Proxy.dll Microsoft.IdentityModel.JsonWebTokens.dll Microsoft.IdentityModel.Tokens.dll"
)

usage() {
  echo "usage: tests/Fuzz/fuzz.sh <all|$(for t in "${TARGETS[@]}"; do printf '%s|' "${t%%|*}"; done | sed 's/|$//')> [--seconds N] [--no-build] [--resume] [--jobs J]" >&2
  exit 2
}

(($# >= 1)) || usage
WANTED="$1"
shift
SECONDS_PER_TARGET=60
BUILD=1
RESUME=0
JOBS=1
while (($#)); do
  case "$1" in
    --no-build) BUILD=0; shift ;;
    --resume) RESUME=1; shift ;;
    --seconds) [[ "${2:-}" =~ ^[1-9][0-9]*$ ]] || usage; SECONDS_PER_TARGET="$2"; shift 2 ;;
    --jobs) [[ "${2:-}" =~ ^[1-9][0-9]*$ ]] || usage; JOBS="$2"; shift 2 ;;
    *) usage ;;
  esac
done

SELECTED=()
for entry in "${TARGETS[@]}"; do
  [[ "$WANTED" == all || "$WANTED" == "${entry%%|*}" ]] && SELECTED+=("$entry")
done
((${#SELECTED[@]})) || usage

command -v afl-fuzz >/dev/null || { echo "afl-fuzz is missing: apt-get install afl++ (./platform test installs it)" >&2; exit 1; }
(cd "$ROOT" && dotnet tool restore >/dev/null)

build() { # target, assemblies to instrument: builds it, and makes its instrumented copy again when the build changed
  local target="$1" out="$WORK/$1" release="$FUZZ/$1/bin/Release/net10.0" stamp
  if ((BUILD)); then
    dotnet build "$FUZZ/$target" -c Release -nologo -clp:ErrorsOnly >"$out/build.log" 2>&1 ||
      { cat "$out/build.log" >&2; echo "building $target failed" >&2; exit 1; }
  fi
  [[ -f "$release/Fuzz.$target.dll" ]] || { echo "$target is not built ($release); run without --no-build" >&2; exit 1; }
  # Instrumenting takes a while; an unchanged build keeps its instrumented copy.
  stamp="$(cd "$release" && find . -type f -print0 | sort -z | xargs -0 md5sum | md5sum)"
  [[ -f "$out/bin.stamp" && "$(cat "$out/bin.stamp")" == "$stamp" && -d "$out/bin" ]] && return
  rm -rf "$out/bin" "$out/replay" "$out/bin.stamp"
  cp -r "$release" "$out/replay"
  cp -r "$release" "$out/bin"
  shift
  instrument "$target" "$@"
  echo "$stamp" >"$out/bin.stamp"
}

instrument() { # target, assemblies...
  local target="$1" assembly
  shift
  rm -f "$WORK/$target/instrument.log"
  for assembly in "$@"; do
    (cd "$ROOT" && dotnet tool run sharpfuzz "$WORK/$target/bin/$assembly") >>"$WORK/$target/instrument.log" 2>&1 ||
      { cat "$WORK/$target/instrument.log" >&2; echo "instrumenting $assembly failed" >&2; exit 1; }
  done
}

cpu_ticks_of_tree() { # pid: "pid ticks" (user + system, the process's own) for it and every process under it
  local pid="$1" child stat
  stat="$(cat "/proc/$pid/stat" 2>/dev/null)" || return 0
  stat="${stat##*) }"
  awk -v pid="$pid" '{print pid, $12 + $13}' <<<"$stat"
  for child in $(cat /proc/"$pid"/task/*/children 2>/dev/null); do cpu_ticks_of_tree "$child"; done
}

# The CPU a run used. Bash's `time` would miss most of it: SharpFuzz's forkserver runs the inputs in a child that
# afl-fuzz kills at the end and nobody waits for, so its time is never added to a parent's. Sampling every
# process of the tree each second and keeping each one's last figure misses at most a second per process.
run_counting_cpu() { # file for the CPU seconds, command...
  local cpu_file="$1" pid samples status=0
  shift
  samples="$(mktemp)"
  "$@" &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    cpu_ticks_of_tree "$pid" >>"$samples"
    sleep 1
  done
  wait "$pid" || status=$?
  awk -v hz="$(getconf CLK_TCK)" '{last[$1] = $2} END {for (p in last) total += last[p]; printf "%.0f", total / hz}' \
    "$samples" >"$cpu_file"
  rm -f "$samples"
  return "$status"
}

stat_of() { # fuzzer_stats file, key, older name of the key (afl++ 4 says saved_crashes, afl++ 3 unique_crashes)
  awk -F' *: *' -v key="$2" -v old="${3:-}" '$1 == key || (old != "" && $1 == old) {print $2; exit}' "$1"
}

fuzz() { # target: runs afl-fuzz on it; writes its summary lines to $WORK/<target>/report, and "found" when it found any
  local target="$1" out="$WORK/$1" input execs_before=0 run_time_before=0 dictionary=() stats execs_total run_time_total
  local execs run_time crashes hangs cpu_seconds finding
  input=(-i "$FUZZ/$target/corpus")
  rm -f "$out/report" "$out/found"
  if ((RESUME)) && [[ -f "$out/findings/default/fuzzer_stats" ]]; then
    # afl-fuzz carries its statistics over on a resume; this run's share is the difference.
    input=(-i -)
    execs_before=$(stat_of "$out/findings/default/fuzzer_stats" execs_done)
    run_time_before=$(stat_of "$out/findings/default/fuzzer_stats" run_time)
  else
    rm -rf "$out/findings"
  fi
  [[ -f "$FUZZ/$target/afl.dict" ]] && dictionary=(-x "$FUZZ/$target/afl.dict")
  echo "==> $target: afl-fuzz for ${SECONDS_PER_TARGET}s (log: $out/afl.log)"
  # dotnet is not built with afl's compiler (SharpFuzz instruments the IL), hence SKIP_BIN_CHECK; no CPU binding,
  # because other work shares the machine; a 60 s start-up allowance for the runtime; -t: one input over 5 s is a hang.
  run_counting_cpu "$out/cpu" env AFL_SKIP_BIN_CHECK=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
    AFL_NO_UI=1 AFL_NO_AFFINITY=1 AFL_FORKSRV_INIT_TMOUT=60000 afl-fuzz "${input[@]}" -o "$out/findings" -m none -t 5000 -V "$SECONDS_PER_TARGET" \
    "${dictionary[@]}" -- "$(command -v dotnet)" "$out/bin/Fuzz.$target.dll" >"$out/afl.log" 2>&1 ||
    { tail -30 "$out/afl.log" >&2; echo "afl-fuzz could not run $target (log: $out/afl.log)" >&2; return 1; }
  stats="$out/findings/default/fuzzer_stats"
  [[ -f "$stats" ]] || { tail -30 "$out/afl.log" >&2; echo "afl-fuzz left no statistics for $target" >&2; return 1; }
  execs_total=$(stat_of "$stats" execs_done)
  run_time_total=$(stat_of "$stats" run_time)
  execs=$((execs_total - execs_before))
  run_time=$((run_time_total - run_time_before))
  crashes=$(stat_of "$stats" saved_crashes unique_crashes)
  hangs=$(stat_of "$stats" saved_hangs unique_hangs)
  cpu_seconds=$(cat "$out/cpu")
  printf '%-14s %10s execs %6s s wall %6s CPU s %8s execs/s %3s crashes %3s hangs\n' \
    "$target" "$execs" "$run_time" "$cpu_seconds" "$(awk -v e="$execs" -v t="$run_time" 'BEGIN {printf "%.0f", (t > 0) ? e / t : 0}')" \
    "${crashes:-?}" "${hangs:-?}" >"$out/report"
  ((run_time_before)) &&
    printf '%-14s %10s execs %6s s wall in all its runs from this queue\n' "" "$execs_total" "$run_time_total" >>"$out/report"
  if [[ "${crashes:-1}" != 0 || "${hangs:-1}" != 0 ]]; then
    touch "$out/found"
    for finding in "$out"/findings/default/crashes/id:* "$out"/findings/default/hangs/id:*; do
      [[ -e "$finding" ]] || continue
      echo "!!! $target: $finding"
      timeout 30 dotnet "$out/replay/Fuzz.$target.dll" --replay "$finding" || true
    done
  fi
  return 0
}

NAMES=()
for entry in "${SELECTED[@]}"; do
  target="${entry%%|*}"
  read -r -a assemblies <<<"${entry#*|}"
  mkdir -p "$WORK/$target"
  echo "==> $target: building, instrumenting ${assemblies[*]}"
  build "$target" "${assemblies[@]}"
  NAMES+=("$target")
done

FAILED=0
RUNNING=()
for target in "${NAMES[@]}"; do
  if ((${#RUNNING[@]} >= JOBS)); then
    wait "${RUNNING[0]}" || FAILED=1
    RUNNING=("${RUNNING[@]:1}")
  fi
  fuzz "$target" &
  RUNNING+=($!)
done
for pid in "${RUNNING[@]}"; do wait "$pid" || FAILED=1; done

FOUND=0
REPORT=()
for target in "${NAMES[@]}"; do
  [[ -f "$WORK/$target/report" ]] && mapfile -t -O "${#REPORT[@]}" REPORT <"$WORK/$target/report"
  [[ -f "$WORK/$target/found" ]] && FOUND=1
done

echo
echo "==> fuzzing summary (${SECONDS_PER_TARGET}s per target; CPU s: what this run's processes used)"
printf '%s\n' "${REPORT[@]}"
((FAILED)) && { echo "afl-fuzz could not run every target (above)" >&2; exit 1; }
if ((FOUND)); then
  echo "crashes or hangs found: inputs and their exceptions above; findings in $WORK/<target>/findings" >&2
  exit 1
fi
