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
#   SWNET          swnet binary to use (default: .build-bench/release/swnet, rebuilt every run)
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
# shellcheck source=SCRIPTDIR/lib.sh
. "$here/lib.sh"
mib=${BENCH_MIB:-512}
host=${BENCH_HOST:-127.0.0.1}
runs=${BENCH_RUNS:-5}
warmup=1
check_count BENCH_MIB "$mib" 16384
check_count BENCH_RUNS "$runs" 100

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

find_swnet
find_shared refecho.c
make_tmp connect

log "compiling refecho"
compile_c "$shared/refecho.c"

# A free port (free_port in lib.sh). Another process could take it before
# refecho binds it; then the check below fails.
port=$(free_port tcp)
"$tmp/refecho" echo "$port" &
server_pid=$!
pids+=("$server_pid")
for _ in $(seq 50); do   # up to 5 s for it to listen
    kill -0 "$server_pid" 2>/dev/null || die "refecho exited at start (port $port taken?)"
    if probe tcp "$port"; then break; fi
    sleep 0.1
done
probe tcp "$port" || die "refecho does not accept on 127.0.0.1:$port"

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

if use_hyperfine; then
    if ! timeout 1800 hyperfine "${shell_none[@]}" --warmup "$warmup" --runs "$runs" \
        --export-json "$tmp/connect.json" \
        -n "swnet connect (${mib} MiB)" "${cmds[0]}" \
        -n "nc -N (${mib} MiB)" "${cmds[1]}"; then
        for name in "${names[@]}"; do
            if [[ -s $tmp/counts.$name.err ]]; then echo "$name stderr:" >&2; sed 's/^/    /' "$tmp/counts.$name.err" >&2; fi
        done
        die "hyperfine failed"
    fi
    read_means "$tmp/connect.json"
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
report "$summary"
