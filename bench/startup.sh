#!/usr/bin/env bash
# bench/startup.sh: process start-up cost, `swnet --version` against `curl --version`.
#
# Both commands do next to nothing but load, initialise and print one line,
# so the time is dynamic linking, runtime start-up and exit. hyperfine runs
# them without a shell (-N) when it can, 20 warm-ups and 300 runs each.
#
# Environment:
#   SWNET          swnet binary to use (default: .build-bench/release/swnet, built if missing)
#   BENCH_RUNS_STARTUP  runs per command (default 300)
#   BENCH_RESULTS  file to which one summary line is appended (used by bench/run)
#   BENCH_NO_HYPERFINE=1  time with the bash loop even when hyperfine is installed
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
runs=${BENCH_RUNS_STARTUP:-300}
warmup=20
[[ $runs =~ ^[1-9][0-9]*$ && $runs -le 10000 ]] || { echo "startup.sh: BENCH_RUNS_STARTUP must be 1..10000, not '$runs'" >&2; exit 2; }

die() { echo "startup.sh: $*" >&2; exit 1; }
log() { echo "== $*" >&2; }

apt_updated=
# need CMD PACKAGE: make sure CMD is there, installing PACKAGE when we are root.
need() {
    command -v "$1" >/dev/null 2>&1 && return 0
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
        log "installing $2 for $1"
        if [[ -z $apt_updated ]]; then apt-get update -qq >&2; apt_updated=1; fi
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >&2 || true
    fi
    command -v "$1" >/dev/null 2>&1
}

need curl curl || die "curl is needed (apt-get install curl)"
need python3 python3 || die "python3 is needed (apt-get install python3)"
need hyperfine hyperfine || log "hyperfine is missing: timing with a bash loop instead"

if [[ -n ${SWNET:-} ]]; then
    [[ -x $SWNET ]] || die "SWNET=$SWNET is not an executable"
    swnet=$SWNET
else
    swnet=$repo/.build-bench/release/swnet
    if [[ ! -x $swnet ]]; then
        command -v swift >/dev/null 2>&1 || PATH=/opt/swift/usr/bin:$PATH
        command -v swift >/dev/null 2>&1 || die "swift is not on PATH (nor in /opt/swift/usr/bin); set SWNET"
        log "building $swnet"
        (cd "$repo" && swift build -c release --scratch-path .build-bench >&2)
    fi
fi
swnet=$(cd "$(dirname "$swnet")" && pwd)/$(basename "$swnet")
curl=$(command -v curl)

"$swnet" --version >/dev/null || die "'$swnet --version' fails"
"$curl" --version >/dev/null || die "'$curl --version' fails"
log "swnet: $swnet ($("$swnet" --version | head -n 1))"
log "curl:  $curl ($("$curl" --version | head -n 1 | cut -d' ' -f1-2))"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/swnet-bench-startup.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

cmds=("$(printf '%q ' "$swnet" --version)" "$(printf '%q ' "$curl" --version)")
means=()
if [[ -z ${BENCH_NO_HYPERFINE:-} ]] && command -v hyperfine >/dev/null 2>&1; then
    shell_none=()
    if hyperfine --help 2>&1 | grep -q -- '--shell=none'; then
        shell_none=(-N)
    else
        log "this hyperfine has no -N: it runs through a shell and subtracts the shell's start-up"
    fi
    timeout 600 hyperfine "${shell_none[@]}" --warmup "$warmup" --runs "$runs" \
        --export-json "$tmp/startup.json" \
        -n "swnet --version" "${cmds[0]}" \
        -n "curl --version" "${cmds[1]}"
    read -r -a means < <(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))["results"]
print(r[0]["mean"], r[1]["mean"])' "$tmp/startup.json")
    if [[ -n ${BENCH_JSON_DIR:-} ]]; then cp "$tmp/startup.json" "$BENCH_JSON_DIR/startup.json"; fi
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

summary=$(python3 -c '
import sys
s, c = float(sys.argv[1]), float(sys.argv[2])
print("startup: swnet --version %.2f ms, curl --version %.2f ms, ratio swnet/curl %.3f" % (s * 1000, c * 1000, s / c))' \
    "${means[0]}" "${means[1]}")
echo "$summary"
if [[ -n ${BENCH_RESULTS:-} ]]; then echo "$summary" >>"$BENCH_RESULTS"; fi
