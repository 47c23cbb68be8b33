#!/usr/bin/env bash
# bench/connect.sh: throughput of `swnet connect` against OpenBSD netcat (`nc -N`).
#
# Both tools pipe the same file of random bytes through a minimal C epoll echo
# server (shared/bench/refecho.c) on a free loopback port; the echo comes back
# through the tool and is counted with `wc -c`. Every run (warm-ups included)
# must get back exactly the bytes it sent, or the benchmark fails.
#
# Environment:
#   BENCH_MIB      MiB to send per run (default 512)
#   BENCH_RUNS     timed runs per tool (default 5; one warm-up run before them)
#   BENCH_HOST     the address both tools connect to (default 127.0.0.1; refecho
#                  listens there only, so the other useful value is localhost)
#   SWNET          swnet binary to use (default: .build-bench/release/swnet, built if missing)
#   SHARED_BENCH   folder holding refecho.c (default: ../shared/bench from the repo root)
#   NC             OpenBSD netcat binary (default: nc.openbsd, or nc if it is OpenBSD's)
#   BENCH_RESULTS  file to which one summary line is appended (used by bench/run)
#   BENCH_NO_HYPERFINE=1  time with the bash loop even when hyperfine is installed
set -euo pipefail

# Internal mode, the timed command: send DATA through the tool, count the echo,
# fail unless it is EXPECT bytes, and note the count in COUNTS. The tool's
# stderr and our complaints go to COUNTS.err (hyperfine hides stderr).
#   connect.sh --pipe DATA EXPECT COUNTS TOOL [ARGS...]
if [[ ${1:-} == --pipe ]]; then
    data=$2 expect=$3 counts=$4
    shift 4
    set -o pipefail
    got=$(timeout 120 "$@" <"$data" 2>>"$counts.err" | wc -c) || {
        status=$?
        echo "connect.sh: '$*' failed or timed out (status $status)" | tee -a "$counts.err" >&2
        exit 1
    }
    echo "$got" >>"$counts"
    if [[ $got != "$expect" ]]; then
        echo "connect.sh: '$*' echoed $got bytes, sent $expect" | tee -a "$counts.err" >&2
        exit 1
    fi
    exit 0
fi

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
mib=${BENCH_MIB:-512}
host=${BENCH_HOST:-127.0.0.1}
runs=${BENCH_RUNS:-5}
warmup=1
[[ $mib =~ ^[1-9][0-9]*$ && $mib -le 16384 ]] || { echo "connect.sh: BENCH_MIB must be 1..16384, not '$mib'" >&2; exit 2; }
[[ $runs =~ ^[1-9][0-9]*$ && $runs -le 100 ]] || { echo "connect.sh: BENCH_RUNS must be 1..100, not '$runs'" >&2; exit 2; }

die() { echo "connect.sh: $*" >&2; exit 1; }
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

need gcc gcc || die "gcc is needed (apt-get install gcc)"
need python3 python3 || die "python3 is needed (apt-get install python3)"
need timeout coreutils || die "timeout is needed (coreutils)"
need wc coreutils || die "wc is needed (coreutils)"
need hyperfine hyperfine || log "hyperfine is missing: timing with a bash loop instead"

# OpenBSD netcat, which has -N (shut down the socket's write side after stdin ends).
if [[ -z ${NC:-} ]]; then
    if need nc.openbsd netcat-openbsd; then
        NC=$(command -v nc.openbsd)
    elif command -v nc >/dev/null 2>&1 && nc -h 2>&1 | grep -q -- '-N'; then
        NC=$(command -v nc)
    else
        die "OpenBSD netcat is needed (apt-get install netcat-openbsd)"
    fi
fi

# The swnet binary: $SWNET, or the release build in .build-bench (built if missing).
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

shared=${SHARED_BENCH:-$repo/../shared/bench}
[[ -f $shared/refecho.c ]] || die "refecho.c not found in $shared (set SHARED_BENCH)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/swnet-bench-connect.XXXXXX")
server_pid=
cleanup() {
    if [[ -n $server_pid ]]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log "compiling refecho"
gcc -O2 -o "$tmp/refecho" "$shared/refecho.c"

# A free port: bind port 0 and read back what the kernel chose. Another
# process could take it before refecho binds it; then the check below fails.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
"$tmp/refecho" echo "$port" &
server_pid=$!
for _ in $(seq 50); do   # up to 5 s for it to listen
    kill -0 "$server_pid" 2>/dev/null || die "refecho exited at start (port $port taken?)"
    if python3 -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' "$port" 2>/dev/null; then
        break
    fi
    sleep 0.1
done
python3 -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' "$port" 2>/dev/null \
    || die "refecho does not accept on 127.0.0.1:$port"

bytes=$((mib * 1024 * 1024))
log "writing $mib MiB of random bytes"
head -c "$bytes" /dev/urandom >"$tmp/data"
[[ $(wc -c <"$tmp/data") -eq $bytes ]] || die "could not write $bytes bytes to $tmp/data"

log "swnet: $swnet ($("$swnet" --version 2>&1 | head -n 1))"
log "nc:    $NC (netcat-openbsd $(dpkg-query -W -f '${Version}' netcat-openbsd 2>/dev/null || echo '?'))"
log "echo server: refecho on 127.0.0.1:$port (pid $server_pid); tools connect to $host; $mib MiB per run, $warmup warm-up + $runs runs each"

# A small round trip first, so a tool that cannot connect at all says why
# here rather than as a bare exit status inside hyperfine.
printf 'preflight\n' >"$tmp/small"
for tool in swnet nc; do
    if [[ $tool == swnet ]]; then argv=("$swnet" connect "$host:$port"); else argv=("$NC" -N "$host" "$port"); fi
    status=0
    got=$(timeout 20 "${argv[@]}" <"$tmp/small" 2>"$tmp/preflight.err") || status=$?
    if [[ $status -ne 0 || $got != preflight ]]; then
        echo "connect.sh: preflight: '${argv[*]}' echoed '$got' for 'preflight' (exit status $status); its stderr:" >&2
        sed 's/^/    /' "$tmp/preflight.err" >&2
        [[ $host == localhost ]] || log "hint: BENCH_HOST=localhost makes both tools resolve a name instead of parsing $host"
        die "$tool cannot round-trip 10 bytes through the echo server at $host:$port"
    fi
done

self=$here/connect.sh
names=(swnet nc)
# One command line per tool, with its arguments quoted for a shell.
cmds=(
    "$(printf '%q ' bash "$self" --pipe "$tmp/data" "$bytes" "$tmp/counts.swnet" "$swnet" connect "$host:$port")"
    "$(printf '%q ' bash "$self" --pipe "$tmp/data" "$bytes" "$tmp/counts.nc" "$NC" -N "$host" "$port")"
)
means=()

if [[ -z ${BENCH_NO_HYPERFINE:-} ]] && command -v hyperfine >/dev/null 2>&1; then
    shell_none=()
    if hyperfine --help 2>&1 | grep -q -- '--shell=none'; then shell_none=(-N); fi
    if ! timeout 1800 hyperfine "${shell_none[@]}" --warmup "$warmup" --runs "$runs" \
        --export-json "$tmp/connect.json" \
        -n "swnet connect (${mib} MiB)" "${cmds[0]}" \
        -n "nc -N (${mib} MiB)" "${cmds[1]}"; then
        for name in "${names[@]}"; do
            if [[ -s $tmp/counts.$name.err ]]; then echo "$name stderr:" >&2; sed 's/^/    /' "$tmp/counts.$name.err" >&2; fi
        done
        die "hyperfine failed"
    fi
    read -r -a means < <(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))["results"]
print(r[0]["mean"], r[1]["mean"])' "$tmp/connect.json")
    if [[ -n ${BENCH_JSON_DIR:-} ]]; then cp "$tmp/connect.json" "$BENCH_JSON_DIR/connect.json"; fi
else
    for i in 0 1; do
        total=0
        for ((r = 0; r < warmup + runs; r++)); do
            start=$EPOCHREALTIME
            eval "${cmds[i]}" || die "${names[i]} run $r failed: $(cat "$tmp/counts.${names[i]}.err")"
            end=$EPOCHREALTIME
            if ((r >= warmup)); then
                total=$(python3 -c 'import sys; print(float(sys.argv[1]) + float(sys.argv[3]) - float(sys.argv[2]))' "$total" "$start" "$end")
            fi
        done
        means[i]=$(python3 -c 'import sys; print(float(sys.argv[1]) / int(sys.argv[2]))' "$total" "$runs")
        printf '%-6s mean %.3f s over %d runs (bash loop)\n' "${names[i]}" "${means[i]}" "$runs"
    done
fi

# Every run, warm-ups included, must have echoed every byte.
for name in "${names[@]}"; do
    [[ -f $tmp/counts.$name ]] || die "$name: no run recorded a count"
    n=$(wc -l <"$tmp/counts.$name")
    [[ $n -eq $((warmup + runs)) ]] || die "$name: $n runs recorded a count, expected $((warmup + runs))"
    bad=$(grep -cvx "$bytes" "$tmp/counts.$name" || true)
    [[ $bad -eq 0 ]] || die "$name: $bad runs did not echo $bytes bytes: $(sort -u "$tmp/counts.$name" | tr '\n' ' ')"
    echo "verified: $name echoed all $bytes bytes in each of its $n runs"
done

summary=$(python3 -c '
import sys
mib, s, n = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
print("connect %d MiB: swnet %.3f s (%.0f MiB/s), nc %.3f s (%.0f MiB/s), ratio swnet/nc %.3f" % (mib, s, mib / s, n, mib / n, s / n))' \
    "$mib" "${means[0]}" "${means[1]}")
echo "$summary"
if [[ -n ${BENCH_RESULTS:-} ]]; then echo "$summary" >>"$BENCH_RESULTS"; fi
