#!/usr/bin/env bash
# bench/serve.sh: `swnet serve` against a minimal C epoll server
# (shared/bench/refecho.c; bench/refudp.c for UDP) and xinetd's built-in
# daytime and echo services, side by side in one run, on loopback.
#
# Four measures, each with the neutral client shared/bench/loadgen.c, each run
# BENCH_SERVE_RUNS times per server (interleaved) and reported as the median:
#   1. daytime connections per second   loadgen rate PORT 20000 32
#   2. echo throughput                  loadgen echo PORT 268435456 1, and 4194304 100
#   3. 10000 echo connections held      loadgen hold PORT 10000 5, with the server's
#      and answered                     peak resident memory (VmHWM) while it holds them
#   4. UDP echo round trips per second  loadgen udp PORT 100000
# Every loadgen run must report every exchange answered (exit 0), or the
# benchmark fails. Ratios are swnet / reference: here HIGHER is better for
# swnet (>= 1.0: at least as fast), except for memory.
#
# Environment:
#   BENCH_SERVE_RUNS   runs per measure and server (default 3; the median is reported)
#   BENCH_HOLD_CONNS   connections held in measure 3 (default 10000)
#   BENCH_UDP_COUNT    datagrams in measure 4 (default 100000)
#   BENCH_NO_XINETD=1  skip xinetd (it is also skipped, with the reason, when it cannot run)
#   BENCH_SERVE_STRICT=1  exit 3 when swnet misses one of issue 3's targets
#   SWNET          swnet binary to use (default: .build-bench/release/swnet, rebuilt every run)
#   SHARED_BENCH   folder holding loadgen.c and refecho.c (default: ../shared/bench from the repo root)
#   BENCH_RESULTS  file to which the summary lines are appended (used by bench/run)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/lib.sh
. "$here/lib.sh"
runs=${BENCH_SERVE_RUNS:-3}
hold_conns=${BENCH_HOLD_CONNS:-10000}
udp_count=${BENCH_UDP_COUNT:-100000}
check_count BENCH_SERVE_RUNS "$runs" 50
check_count BENCH_HOLD_CONNS "$hold_conns" 100000
check_count BENCH_UDP_COUNT "$udp_count" 10000000

# issue 3's targets
target_ratio=0.9     # daytime conn/s and echo throughput, swnet / C
target_rss_kib=32768 # swnet's peak resident memory while holding the connections

need gcc gcc || die "gcc is needed (apt-get install gcc)"
need python3 python3 || die "python3 is needed (apt-get install python3)"
need timeout coreutils || die "timeout is needed (coreutils)"

find_swnet
find_shared loadgen.c refecho.c

# Open files: loadgen holds hold_conns sockets and so does the server; both
# inherit this limit (swnet raises its own soft limit to the hard one anyway).
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
nofile=$(ulimit -n)
if [[ $nofile != unlimited ]] && ((nofile < hold_conns + 64)); then
    die "open-files limit is $nofile (hard $(ulimit -Hn)); holding $hold_conns connections needs $((hold_conns + 64)): lower BENCH_HOLD_CONNS or raise the hard limit"
fi

make_tmp serve

log "compiling loadgen, refecho and refudp"
compile_c "$shared/loadgen.c" "$shared/refecho.c" "$here/refudp.c"
loadgen=$tmp/loadgen

# wait_ready NAME PID tcp|udp PORT: up to 10 s for the server to answer.
wait_ready() {
    local name=$1 pid=$2 proto=$3 port=$4 i
    for ((i = 0; i < 100; i++)); do
        kill -0 "$pid" 2>/dev/null || die "$name exited at start; its stderr: $(cat "$tmp/$name.err" 2>/dev/null)"
        if probe "$proto" "$port"; then return 0; fi
        sleep 0.1
    done
    die "$name does not answer on 127.0.0.1:$port/$proto; its stderr: $(cat "$tmp/$name.err" 2>/dev/null)"
}

# Starters: each sets server_pid and server_port, and registers the PID for cleanup.
server_pid='' server_port=''
# start_swnet NAME SERVICE tcp|udp: swnet serve on a free port it picks itself
# (--port 0), read from its --json ready event.
start_swnet() {
    local name=$1 service=$2 proto=$3 i
    "$swnet" serve "$service" -b 127.0.0.1 --port 0 "--$proto" --json >"$tmp/$name.out" 2>"$tmp/$name.err" &
    server_pid=$!
    pids+=("$server_pid")
    server_port=
    for ((i = 0; i < 100; i++)); do
        server_port=$(python3 -c '
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e.get("event") == "listening" and e.get("proto") == sys.argv[2]:
        print(e["port"]); break' "$tmp/$name.out" "$proto" 2>/dev/null) || true
        [[ -n $server_port ]] && break
        kill -0 "$server_pid" 2>/dev/null || die "swnet serve $service exited at start; its stderr: $(cat "$tmp/$name.err")"
        sleep 0.1
    done
    [[ -n $server_port ]] || die "swnet serve $service --json printed no listening event in 10 s"
    wait_ready "$name" "$server_pid" "$proto" "$server_port"
}
# start_c NAME echo|daytime|udp: refecho (TCP) or refudp on a free port.
start_c() {
    local name=$1 what=$2
    if [[ $what == udp ]]; then
        server_port=$(free_port udp)
        "$tmp/refudp" "$server_port" 2>"$tmp/$name.err" &
    else
        server_port=$(free_port tcp)
        "$tmp/refecho" "$what" "$server_port" 2>"$tmp/$name.err" &
    fi
    server_pid=$!
    pids+=("$server_pid")
    wait_ready "$name" "$server_pid" "$([[ $what == udp ]] && echo udp || echo tcp)" "$server_port"
}

# xinetd: one private instance (never the system's), with its built-in
# daytime-stream, echo-stream and echo-dgram on free loopback ports.
xinetd_pid='' xinetd_note='' xd_port='' xe_port='' xu_port=''
if [[ -n ${BENCH_NO_XINETD:-} ]]; then
    xinetd_note="skipped (BENCH_NO_XINETD)"
elif [[ $(id -u) -ne 0 ]]; then
    xinetd_note="skipped: its built-in services need 'user = root', so it must run as root"
elif ! need xinetd xinetd && ! [[ -x /usr/sbin/xinetd ]]; then
    xinetd_note="skipped: not installed and apt-get install xinetd failed"
else
    xinetd_bin=$(command -v xinetd || echo /usr/sbin/xinetd)
    xd_port=$(free_port tcp) xe_port=$(free_port tcp) xu_port=$(free_port udp)
    # The service names must be the built-ins' own (daytime, echo): xinetd finds
    # an INTERNAL service by name; id tells the two echo entries apart.
    xinetd_service() { # NAME ID SOCKET_TYPE PROTOCOL PORT WAIT
        printf 'service %s\n{\n    id = %s\n    type = INTERNAL UNLISTED\n    socket_type = %s\n    protocol = %s\n    port = %s\n    bind = 127.0.0.1\n    wait = %s\n    user = root\n}\n' "$@"
    }
    {
        printf 'defaults\n{\n    instances = UNLIMITED\n    per_source = UNLIMITED\n    cps = 100000 1\n}\n'
        xinetd_service daytime daytime-stream stream tcp "$xd_port" no
        xinetd_service echo echo-stream stream tcp "$xe_port" no
        xinetd_service echo echo-dgram dgram udp "$xu_port" yes
    } >"$tmp/xinetd.conf"
    # -dontfork keeps it our child (its PID is $!); -filelog keeps it off syslog.
    "$xinetd_bin" -dontfork -f "$tmp/xinetd.conf" -filelog "$tmp/xinetd.log" -pidfile "$tmp/xinetd.pid" 2>"$tmp/xinetd.err" &
    xinetd_pid=$!
    pids+=("$xinetd_pid")
    for ((i = 0; i < 100; i++)); do
        grep -q 'Started working' "$tmp/xinetd.log" 2>/dev/null && break
        kill -0 "$xinetd_pid" 2>/dev/null || break
        sleep 0.1
    done
    if ! grep -q 'Started working: 3 available services' "$tmp/xinetd.log" 2>/dev/null \
        || ! probe tcp "$xd_port" || ! probe tcp "$xe_port"; then
        xinetd_note="skipped: it did not start its 3 services: $(tr '\n' ' ' <"$tmp/xinetd.log" 2>/dev/null) $(tr '\n' ' ' <"$tmp/xinetd.err")"
        stop_pid "$xinetd_pid"
        xinetd_pid=
    else
        xinetd_note="xinetd $("$xinetd_bin" -version 2>&1 | head -n 1 | cut -d' ' -f1)"
    fi
fi
log "xinetd: $xinetd_note"

log "swnet: $swnet ($("$swnet" --version 2>&1 | head -n 1)); $(nproc) cores; kernel $(uname -r); open files $nofile"
log "$runs runs per measure and server, interleaved; the median is reported"

failures=()
# kv KEY LINE: the value of KEY in loadgen's key=value line.
kv() { sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" <<<"$2"; }
# median V...: the median of the numbers given.
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
# ratio A B: A / B to 3 decimals, or n/a.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (a == "" || b == "" || a == "n/a" || b == "n/a" || b + 0 == 0) print "n/a"; else printf "%.3f\n", a / b}'; }
# meets VALUE OP LIMIT: "met" or "MISSED".
meets() { awk -v v="$1" -v l="$3" -v op="$2" 'BEGIN {ok = (op == ">=") ? (v + 0 >= l + 0) : (v + 0 < l + 0); print (v != "n/a" && ok) ? "met" : "MISSED"}'; }

# measure NAME KEY LOADGEN_ARGS...: one loadgen run; sets result to KEY's value.
# A failed or timed-out run is recorded in failures and sets result to "".
result=
measure() {
    local name=$1 key=$2 out status=0
    shift 2
    result=
    out=$(timeout 300 "$loadgen" "$@" 2>&1) || status=$?
    echo "   $name: $out" >&2
    if [[ $status -ne 0 ]]; then
        failures+=("$name: loadgen $* exited $status: $out")
        return 0
    fi
    result=$(kv "$key" "$out")
}

# values[MEASURE,SERVER] = the runs' results, space separated.
declare -A values=()
servers=(swnet C)
[[ -n $xinetd_pid ]] && servers+=(xinetd)

# 1 and 2: daytime rate and echo throughput, all servers up at once, runs interleaved.
log "1. daytime: loadgen rate 20000 connections, 32 at a time"
start_swnet swnet-daytime daytime tcp; sw_daytime=$server_port sw_daytime_pid=$server_pid
start_c c-daytime daytime; c_daytime=$server_port c_daytime_pid=$server_pid
for ((r = 1; r <= runs; r++)); do
    for s in "${servers[@]}"; do
        case $s in swnet) p=$sw_daytime ;; C) p=$c_daytime ;; xinetd) p=$xd_port ;; esac
        measure "daytime $s run $r" conns_per_s rate 127.0.0.1 "$p" 20000 32; [[ -z $result ]] || values[daytime,$s]+="$result "
    done
done
stop_pid "$sw_daytime_pid"
stop_pid "$c_daytime_pid"

log "2. echo throughput: 1 connection of 256 MiB, then 100 connections of 4 MiB"
start_swnet swnet-echo echo tcp; sw_echo=$server_port sw_echo_pid=$server_pid
start_c c-echo echo; c_echo=$server_port c_echo_pid=$server_pid
for m in echo1 echo100; do
    if [[ $m == echo1 ]]; then args=(268435456 1); else args=(4194304 100); fi
    for ((r = 1; r <= runs; r++)); do
        for s in "${servers[@]}"; do
            case $s in swnet) p=$sw_echo ;; C) p=$c_echo ;; xinetd) p=$xe_port ;; esac
            measure "$m $s run $r" MiB_per_s echo 127.0.0.1 "$p" "${args[@]}"; [[ -z $result ]] || values[$m,$s]+="$result "
        done
    done
done
stop_pid "$sw_echo_pid"
stop_pid "$c_echo_pid"

# 3: held connections. A fresh server per run, so its peak resident memory
# (VmHWM) is that of holding the connections, not of an earlier measure.
# xinetd is left out: it forks a process per echo connection and on this kind
# of machine takes minutes to set up 10000 (see bench/README.md).
log "3. hold: $hold_conns echo connections, pinged, held 5 s, pinged again"
declare -A held=() rss=()
for ((r = 1; r <= runs; r++)); do
    for s in swnet C; do
        if [[ $s == swnet ]]; then start_swnet swnet-hold echo tcp; else start_c c-hold echo; fi
        "$loadgen" hold 127.0.0.1 "$server_port" "$hold_conns" 5 >"$tmp/hold.out" 2>&1 &
        lg=$!
        pids+=("$lg")
        # Sample the server's VmRSS every 0.1 s while loadgen runs (bounded: 300 s).
        max_rss=0
        for ((i = 0; i < 3000; i++)); do
            kill -0 "$lg" 2>/dev/null || break
            cur=$(awk '/^VmRSS:/ {print $2}' "/proc/$server_pid/status" 2>/dev/null || echo 0)
            ((${cur:-0} > max_rss)) && max_rss=$cur
            sleep 0.1
        done
        status=0
        if kill -0 "$lg" 2>/dev/null; then
            stop_pid "$lg"
            status=124
        else
            wait "$lg" || status=$?
            stop_pid "$lg"
        fi
        hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$server_pid/status" 2>/dev/null || echo 0)
        out=$(cat "$tmp/hold.out")
        echo "   hold $s run $r: $out; server VmHWM ${hwm} KiB, max sampled VmRSS ${max_rss} KiB" >&2
        [[ $status -eq 0 ]] || failures+=("hold $s run $r: loadgen hold exited $status: $out")
        held[$s]+="$(kv answered_after_hold "$out") "
        rss[$s]+="$hwm "
        stop_pid "$server_pid"
    done
done

log "4. UDP echo: $udp_count datagrams, one at a time"
start_swnet swnet-udp echo udp; sw_udp=$server_port sw_udp_pid=$server_pid
start_c c-udp udp; c_udp=$server_port c_udp_pid=$server_pid
for ((r = 1; r <= runs; r++)); do
    for s in swnet C; do
        case $s in swnet) p=$sw_udp ;; C) p=$c_udp ;; esac
        measure "udp $s run $r" replies_per_s udp 127.0.0.1 "$p" "$udp_count"; [[ -z $result ]] || values[udp,$s]+="$result "
    done
done
stop_pid "$sw_udp_pid"
stop_pid "$c_udp_pid"
# xinetd's echo-dgram, probed rather than timed: after each reply it discards
# whatever is queued on the socket, so a client that sends its next datagram
# as soon as the reply arrives loses some, and loadgen waits 1 s for each.
xinetd_udp=
if [[ -n $xinetd_pid ]]; then
    out=$(timeout 60 "$loadgen" udp 127.0.0.1 "$xu_port" 20 2>&1) || true
    echo "   udp xinetd probe (20 datagrams): $out" >&2
    xinetd_udp="xinetd echo-dgram answered $(kv replies "$out")/20 in a probe (it drops datagrams queued while it answers: not timed)"
fi

# ---- report
# cell MEASURE SERVER: the median of its runs, or n/a (FAIL when a run failed).
cell() {
    local v=${values[$1,$2]:-}
    read -r -a vs <<<"$v"
    if [[ ${#vs[@]} -ne $runs ]]; then echo "n/a"; return; fi
    median "${vs[@]}"
}
echo
printf '%-34s %12s %12s %12s %10s %10s\n' "measure (median of $runs)" swnet C xinetd "swnet/C" "swnet/xin"
labels=(daytime "daytime conn/s" echo1 "echo 1x256 MiB, MiB/s" echo100 "echo 100x4 MiB, MiB/s" udp "udp echo round trips/s")
declare -A med=()
for ((k = 0; k < ${#labels[@]}; k += 2)); do
    m=${labels[k]}
    for s in swnet C xinetd; do med[$m,$s]=$(cell "$m" "$s"); done
    [[ $m == udp && -n $xinetd_pid ]] && med[udp,xinetd]="(probe)"
    printf '%-34s %12s %12s %12s %10s %10s\n' "${labels[k + 1]}" "${med[$m,swnet]}" "${med[$m,C]}" "${med[$m,xinetd]}" \
        "$(ratio "${med[$m,swnet]}" "${med[$m,C]}")" "$(ratio "${med[$m,swnet]}" "${med[$m,xinetd]}")"
done
for s in swnet C; do
    read -r -a hs <<<"${held[$s]:-}"
    read -r -a rs <<<"${rss[$s]:-}"
    med[held,$s]=$(median "${hs[@]}")
    med[rss,$s]=$(median "${rs[@]}")
    max_rss_s=$(printf '%s\n' "${rs[@]}" | sort -g | tail -n 1)
    med[rssmax,$s]=$(awk -v k="$max_rss_s" 'BEGIN {printf "%.1f", k / 1024}')
done
printf '%-34s %12s %12s %12s\n' "hold $hold_conns: answered" "${med[held,swnet]}" "${med[held,C]}" "n/a"
printf '%-34s %12s %12s %12s\n' "hold $hold_conns: peak RSS, MiB" \
    "$(awk -v k="${med[rss,swnet]}" 'BEGIN {printf "%.1f", k / 1024}')" "$(awk -v k="${med[rss,C]}" 'BEGIN {printf "%.1f", k / 1024}')" "n/a"
echo "xinetd: $xinetd_note"
echo

# Summary lines, also for bench/run.
with_x() { [[ -n $xinetd_pid ]] && printf ', xinetd %s, ratio swnet/xinetd %s' "${med[$1,xinetd]}" "$(ratio "${med[$1,swnet]}" "${med[$1,xinetd]}")"; true; }
r_day=$(ratio "${med[daytime,swnet]}" "${med[daytime,C]}")
r_e1=$(ratio "${med[echo1,swnet]}" "${med[echo1,C]}")
r_e100=$(ratio "${med[echo100,swnet]}" "${med[echo100,C]}")
r_udp=$(ratio "${med[udp,swnet]}" "${med[udp,C]}")
read -r -a hs <<<"${held[swnet]:-0}"
read -r -a rs <<<"${rss[swnet]:-0}"
all_held=$(printf '%s\n' "${hs[@]}" | sort -g | head -n 1)
max_kib=$(printf '%s\n' "${rs[@]}" | sort -g | tail -n 1)
summary=(
    "serve daytime conn/s: swnet ${med[daytime,swnet]}, C ${med[daytime,C]}, ratio swnet/C $r_day$(with_x daytime) (target >= $target_ratio: $(meets "$r_day" '>=' "$target_ratio"))"
    "serve echo 1x256 MiB MiB/s: swnet ${med[echo1,swnet]}, C ${med[echo1,C]}, ratio swnet/C $r_e1$(with_x echo1) (target >= $target_ratio: $(meets "$r_e1" '>=' "$target_ratio"))"
    "serve echo 100x4 MiB MiB/s: swnet ${med[echo100,swnet]}, C ${med[echo100,C]}, ratio swnet/C $r_e100$(with_x echo100) (target >= $target_ratio: $(meets "$r_e100" '>=' "$target_ratio"))"
    "serve hold $hold_conns echo conns: swnet answered ${med[held,swnet]} (fewest in a run: $all_held), peak RSS median $(awk -v k="${med[rss,swnet]}" 'BEGIN {printf "%.1f", k / 1024}') MiB, max ${med[rssmax,swnet]} MiB; C answered ${med[held,C]}, peak RSS $(awk -v k="${med[rss,C]}" 'BEGIN {printf "%.1f", k / 1024}') MiB (target all answered, < 32 MiB: $([[ $all_held == "$hold_conns" ]] && meets "$max_kib" '<' "$target_rss_kib" || echo MISSED))"
    "serve udp echo round trips/s: swnet ${med[udp,swnet]}, C (refudp) ${med[udp,C]}, ratio swnet/C $r_udp${xinetd_udp:+; $xinetd_udp}"
)
report "${summary[@]}"

if ((${#failures[@]} > 0)); then
    echo "serve.sh: ${#failures[@]} loadgen runs failed (not every exchange answered):" >&2
    printf '    %s\n' "${failures[@]}" >&2
    exit 1
fi
if [[ -n ${BENCH_SERVE_STRICT:-} ]] && printf '%s\n' "${summary[@]}" | grep -q MISSED; then
    echo "serve.sh: swnet missed a target (BENCH_SERVE_STRICT)" >&2
    exit 3
fi
