#!/usr/bin/env bash
# bench/startup.sh: process start-up cost, `swnet --version` against `curl --version`.
#
# Both commands do next to nothing but load, initialise and print one line,
# so the time is dynamic linking, runtime start-up and exit. hyperfine runs
# them without a shell (-N) when it can, 20 warm-ups and 300 runs each.
#
# Environment:
#   SWNET          swnet binary to use (default: .build-bench/release/swnet, rebuilt every run)
#   BENCH_RUNS_STARTUP  runs per command (default 300)
#   BENCH_RESULTS  file to which one summary line is appended (used by bench/run)
#   BENCH_NO_HYPERFINE=1  time with the bash loop even when hyperfine is installed
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/lib.sh
. "$here/lib.sh"
runs=${BENCH_RUNS_STARTUP:-300}
warmup=20
check_count BENCH_RUNS_STARTUP "$runs" 10000

need curl curl || die "curl is needed (apt-get install curl)"
need python3 python3 || die "python3 is needed (apt-get install python3)"
need hyperfine hyperfine || log "hyperfine is missing: timing with a bash loop instead"

find_swnet
curl=$(command -v curl)

"$swnet" --version >/dev/null || die "'$swnet --version' fails"
"$curl" --version >/dev/null || die "'$curl --version' fails"
log "swnet: $swnet ($("$swnet" --version | head -n 1))"
log "curl:  $curl ($("$curl" --version | head -n 1 | cut -d' ' -f1-2))"

make_tmp startup

cmds=("$(printf '%q ' "$swnet" --version)" "$(printf '%q ' "$curl" --version)")
means=()
if use_hyperfine; then
    if ((${#shell_none[@]} == 0)); then
        log "this hyperfine has no -N: it runs through a shell and subtracts the shell's start-up"
    fi
    timeout 600 hyperfine "${shell_none[@]}" --warmup "$warmup" --runs "$runs" \
        --export-json "$tmp/startup.json" \
        -n "swnet --version" "${cmds[0]}" \
        -n "curl --version" "${cmds[1]}"
    read_means "$tmp/startup.json"
else
    # Bounded: warmup + runs iterations per command, each under a 10 s timeout.
    for i in 0 1; do
        argv=("$swnet" --version)
        [[ $i -eq 1 ]] && argv=("$curl" --version)
        for ((r = 0; r < warmup; r++)); do timeout 10 "${argv[@]}" >/dev/null; done
        start=$EPOCHREALTIME
        for ((r = 0; r < runs; r++)); do timeout 10 "${argv[@]}" >/dev/null; done
        end=$EPOCHREALTIME
        means[i]=$(python3 -c 'import sys; print((float(sys.argv[2]) - float(sys.argv[1])) / int(sys.argv[3]))' "$start" "$end" "$runs")
        printf '%-20s mean %.2f ms over %d runs (bash loop, includes timeout(1))\n' "${cmds[i]}" "$(python3 -c 'import sys; print(float(sys.argv[1]) * 1000)' "${means[i]}")" "$runs"
    done
fi

# Issue 11's target: swnet --version at most 0.3 of curl's.
summary=$(python3 -c '
import sys
s, c = float(sys.argv[1]), float(sys.argv[2])
print("startup: swnet --version %.2f ms, curl --version %.2f ms, ratio swnet/curl %.3f (target <= 0.3: %s)"
      % (s * 1000, c * 1000, s / c, "met" if s / c <= 0.3 else "MISSED"))' \
    "${means[0]}" "${means[1]}")
report "$summary"
