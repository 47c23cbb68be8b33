#!/usr/bin/env bash
# bench/listen.sh: `swnet listen` against the listeners people use instead.
#
# 1. Receive: one client sends BENCH_LISTEN_MIB MiB (default 1024) of zeros
#    with `nc -N`; the listener writes it to a file, whose size is checked
#    after every run. Compared: `swnet listen PORT`, `nc -d -l PORT` (OpenBSD)
#    and `ncat --recv-only -l PORT`, each started fresh for each run (the
#    timed span is from start to exit of the listener, so it includes the
#    wait for the listener to be ready, the same for all three).
# 2. Connections per second of a one-program inetd, `-k --exec cat` against
#    `ncat -k -l -e /bin/cat` and `socat TCP-LISTEN:PORT,fork,reuseaddr
#    EXEC:cat`: BENCH_CONNS connections (default 2000), BENCH_CONC at once
#    (default 4), each sending a short request, reading its echo and closing.
#    Every echo is checked; a run with a failed exchange fails the benchmark.
#
# Environment:
#   BENCH_LISTEN_MIB  MiB per receive run (default 1024)
#   BENCH_RUNS        timed runs per tool (default 3; one warm-up run before them)
#   BENCH_CONNS       connections per rate run (default 2000)
#   BENCH_CONC        connections at once in a rate run (default 4)
#   SWNET             swnet binary to use (default: .build-bench/release/swnet, rebuilt every run)
#   BENCH_RESULTS     file to which the summary lines are appended (used by bench/run)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/lib.sh
. "$here/lib.sh"
mib=${BENCH_LISTEN_MIB:-1024}
runs=${BENCH_RUNS:-3}
conns=${BENCH_CONNS:-2000}
conc=${BENCH_CONC:-4}
check_count BENCH_LISTEN_MIB "$mib" 16384
check_count BENCH_RUNS "$runs" 100
check_count BENCH_CONNS "$conns" 1000000
check_count BENCH_CONC "$conc" 256

need python3 python3 || die "python3 is needed (apt-get install python3)"
need timeout coreutils || die "timeout is needed (coreutils)"
need ss iproute2 || die "ss is needed (apt-get install iproute2)"
need ncat ncat || die "ncat is needed (apt-get install ncat)"
need socat socat || die "socat is needed (apt-get install socat)"
if need nc.openbsd netcat-openbsd; then NC=$(command -v nc.openbsd); else die "OpenBSD netcat is needed (apt-get install netcat-openbsd)"; fi

find_swnet
make_tmp listen
bytes=$((mib * 1024 * 1024))

# wait_listening PORT PID: up to 10 s for PID to listen on 127.0.0.1:PORT,
# seen in the socket table, so that no probe connection is taken for the client.
wait_listening() {
    local i
    for ((i = 0; i < 200; i++)); do
        kill -0 "$2" 2>/dev/null || return 1
        ss -Hltn "sport = :$1" | grep -q . && return 0
        sleep 0.05
    done
    return 1
}

# receive_once TOOL: one fresh listener of TOOL receives $bytes; sets result to the seconds taken.
receive_once() {
    local tool=$1 port pid start end size
    port=$(free_port tcp)
    start=$EPOCHREALTIME
    case $tool in
        swnet) "$swnet" listen -q -b 127.0.0.1 -p "$port" </dev/null >"$tmp/received" 2>>"$tmp/$tool.err" & ;;
        nc) "$NC" -d -l 127.0.0.1 "$port" </dev/null >"$tmp/received" 2>>"$tmp/$tool.err" & ;;
        ncat) ncat --recv-only -l 127.0.0.1 "$port" </dev/null >"$tmp/received" 2>>"$tmp/$tool.err" & ;;
    esac
    pid=$!
    pids+=("$pid")
    wait_listening "$port" "$pid" || die "$tool does not listen on 127.0.0.1:$port: $(cat "$tmp/$tool.err")"
    head -c "$bytes" /dev/zero | timeout 300 "$NC" -N 127.0.0.1 "$port" || die "the sender to $tool failed"
    timeout 300 tail -s 0.01 --pid="$pid" -f /dev/null || die "$tool did not exit after the sender closed"
    wait "$pid" || die "$tool exited with status $?: $(cat "$tmp/$tool.err")"
    end=$EPOCHREALTIME
    size=$(stat -c %s "$tmp/received")
    [[ $size -eq $bytes ]] || die "$tool received $size bytes, $bytes were sent"
    result=$(python3 -c 'import sys; print(float(sys.argv[2]) - float(sys.argv[1]))' "$start" "$end")
}

# The client of the rate runs: CONNS exchanges, CONC at once; prints connections per second.
cat >"$tmp/client.py" <<'EOF'
import socket, sys, threading, time
port, total, conc = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
failures = []
def work(count, index):
    for i in range(count):
        message = b"request %d %d\n" % (index, i)
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
                s.sendall(message)
                got = b""
                while len(got) < len(message):
                    chunk = s.recv(4096)
                    if not chunk: break
                    got += chunk
                if got != message: failures.append(got)
        except OSError as error:
            failures.append(error)
share = [total // conc + (1 if k < total % conc else 0) for k in range(conc)]
start = time.monotonic()
threads = [threading.Thread(target=work, args=(share[k], k)) for k in range(conc)]
for t in threads: t.start()
for t in threads: t.join()
elapsed = time.monotonic() - start
if failures:
    sys.exit("%d of %d exchanges failed, first: %r" % (len(failures), total, failures[0]))
print(total / elapsed)
EOF

# rate_once TOOL: a fresh server of TOOL; sets result to the connections per second it served.
rate_once() {
    local tool=$1 port pid rate
    port=$(free_port tcp)
    case $tool in
        swnet) "$swnet" listen -q -k --max-conns 1000 -b 127.0.0.1 -p "$port" --exec cat </dev/null 2>>"$tmp/$tool.err" & ;;
        ncat) ncat -k -l 127.0.0.1 "$port" -e /bin/cat </dev/null 2>>"$tmp/$tool.err" & ;;
        socat) socat "TCP-LISTEN:$port,bind=127.0.0.1,fork,reuseaddr,backlog=1024" EXEC:cat </dev/null 2>>"$tmp/$tool.err" & ;;
    esac
    pid=$!
    pids+=("$pid")
    wait_listening "$port" "$pid" || die "$tool does not listen on 127.0.0.1:$port: $(cat "$tmp/$tool.err")"
    rate=$(timeout 600 python3 "$tmp/client.py" "$port" "$conns" "$conc") || die "$tool: the rate run failed"
    stop_pid "$pid"
    result=$rate
}

# mean_of FUNCTION TOOL: one warm-up, then sets result to the mean of $runs runs.
mean_of() {
    local values=() r
    "$1" "$2"
    for ((r = 0; r < runs; r++)); do
        "$1" "$2"
        values+=("$result")
    done
    result=$(python3 -c 'import sys; v = [float(x) for x in sys.argv[1:]]; print(sum(v) / len(v))' "${values[@]}")
}

log "swnet: $swnet ($("$swnet" --version 2>&1 | head -n 1)); nc: $NC; $(ncat --version 2>&1 | head -n 1); $(socat -V 2>/dev/null | sed -n 2p)"
log "receive: $mib MiB from nc -N, 1 warm-up + $runs runs per listener"
declare -A seconds
for tool in swnet nc ncat; do
    mean_of receive_once "$tool"
    seconds[$tool]=$result
    printf '%-6s receive %d MiB: mean %.3f s\n' "$tool" "$mib" "${seconds[$tool]}"
done

log "rate: $conns connections, $conc at once, 1 warm-up + $runs runs per server"
declare -A rates
for tool in swnet ncat socat; do
    mean_of rate_once "$tool"
    rates[$tool]=$result
    printf '%-6s exec cat: mean %.0f connections/s\n' "$tool" "${rates[$tool]}"
done

summary=$(python3 -c '
import sys
mib, s, n, c, rs, rn, rx = int(sys.argv[1]), *map(float, sys.argv[2:8])
fastest = min(n, c)
print("listen receive %d MiB: swnet %.3f s, nc -l %.3f s, ncat -l %.3f s; ratio swnet/fastest %.3f (<= 1.0 is at least as fast)" % (mib, s, n, c, s / fastest))
best = max(rn, rx)
print("listen -k --exec cat: swnet %.0f conn/s, ncat -k -e %.0f, socat fork EXEC %.0f; ratio swnet/fastest %.3f (>= 1.0 is at least as fast)" % (rs, rn, rx, rs / best))' \
    "$mib" "${seconds[swnet]}" "${seconds[nc]}" "${seconds[ncat]}" "${rates[swnet]}" "${rates[ncat]}" "${rates[socat]}")
report "$summary"
