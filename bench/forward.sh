#!/usr/bin/env bash
# bench/forward.sh: `swnet forward` against HAProxy (mode tcp, nbthread = cores,
# without and with `option splice-auto`; the better counts) and socat
# (TCP-LISTEN,fork), each forwarding to shared/bench/refecho.c, side by side in
# one run on loopback, driven by shared/bench/loadgen.c. Direct (no forwarder)
# is measured too, as the ceiling.
#
# Measures, each run BENCH_FORWARD_RUNS times per forwarder (interleaved), median reported:
#   1. echo through the forwarder, 1 x 256 MiB     loadgen echo PORT 268435456 1
#   2. echo through the forwarder, 100 x 4 MiB     loadgen echo PORT 4194304 100
#   3. daytime connections per second              loadgen rate PORT 20000 32
#   4. 10000 held connections (swnet only)         loadgen hold PORT 10000 5, with swnet's peak RSS
# Ratios are swnet / reference: HIGHER is better for swnet (>= 1.0: at least as fast).
#
# Environment:
#   BENCH_FORWARD_RUNS  runs per measure and forwarder (default 3)
#   BENCH_HOLD_CONNS    connections held in measure 4 (default 10000)
#   BENCH_NO_SOCAT=1    skip socat (slow with 100 connections: a process each)
#   SWNET          swnet binary to use (default: .build-bench/release/swnet, rebuilt every run)
#   SHARED_BENCH   folder holding loadgen.c and refecho.c (default: ../shared/bench from the repo root)
#   BENCH_RESULTS  file to which the summary lines are appended (used by bench/run)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/lib.sh
. "$here/lib.sh"
runs=${BENCH_FORWARD_RUNS:-3}
hold_conns=${BENCH_HOLD_CONNS:-10000}
check_count BENCH_FORWARD_RUNS "$runs" 50
check_count BENCH_HOLD_CONNS "$hold_conns" 100000
target_rss_kib=65536

need gcc gcc || die "gcc is needed (apt-get install gcc)"
need python3 python3 || die "python3 is needed (apt-get install python3)"
need haproxy haproxy || die "haproxy is needed (apt-get install haproxy)"
need socat socat || die "socat is needed (apt-get install socat)"

find_swnet
find_shared loadgen.c refecho.c
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
make_tmp forward
log "compiling loadgen and refecho"
compile_c "$shared/loadgen.c" "$shared/refecho.c"
loadgen=$tmp/loadgen
cores=$(nproc)

# start NAME COMMAND...: run COMMAND in the background, register its PID, and
# wait (10 s at most) until every port in $ports answers.
start() {
    local name=$1 i p ok
    shift
    "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" &
    pids+=("$!")
    for ((i = 0; i < 100; i++)); do
        ok=1
        for p in $ports; do probe tcp "$p" || ok=; done
        [[ -n $ok ]] && return 0
        kill -0 "${pids[-1]}" 2>/dev/null || die "$name exited at start: $(cat "$tmp/$name.err")"
        sleep 0.1
    done
    die "$name does not answer on ports $ports: $(cat "$tmp/$name.err")"
}

echo_backend=$(free_port tcp) daytime_backend=$(free_port tcp)
ports="$echo_backend"; start refecho-echo "$tmp/refecho" echo "$echo_backend"
ports="$daytime_backend"; start refecho-daytime "$tmp/refecho" daytime "$daytime_backend"

# Each forwarder gets two ports: echo (e[NAME]) and daytime (d[NAME]).
declare -A e=() d=()
forwarders=(direct swnet haproxy haproxy-splice)
[[ -n ${BENCH_NO_SOCAT:-} ]] || forwarders+=(socat)
e[direct]=$echo_backend d[direct]=$daytime_backend

for f in swnet haproxy haproxy-splice socat; do e[$f]=$(free_port tcp) d[$f]=$(free_port tcp); done
ports="${e[swnet]}"
start swnet-echo "$swnet" forward "127.0.0.1:${e[swnet]}" "127.0.0.1:$echo_backend"
swnet_pid=${pids[-1]}
ports="${d[swnet]}"
start swnet-daytime "$swnet" forward "127.0.0.1:${d[swnet]}" "127.0.0.1:$daytime_backend"
# HAProxy refuses to start when maxconn needs more descriptors than the limit
# allows: two per connection, and with splice two per pipe (maxconn / 4 pipes).
hap_maxconn=$((($(ulimit -n) - 100) * 2 / 5))
((hap_maxconn > 30000)) && hap_maxconn=30000
for f in haproxy haproxy-splice; do
    {
        printf 'global\n    nbthread %s\n    maxconn %s\ndefaults\n    mode tcp\n    timeout connect 5s\n    timeout client 120s\n    timeout server 120s\n' "$cores" "$hap_maxconn"
        [[ $f == haproxy-splice ]] && printf '    option splice-auto\n'
        printf 'frontend echo\n    bind 127.0.0.1:%s\n    default_backend echo\nbackend echo\n    server e 127.0.0.1:%s\n' "${e[$f]}" "$echo_backend"
        printf 'frontend daytime\n    bind 127.0.0.1:%s\n    default_backend daytime\nbackend daytime\n    server d 127.0.0.1:%s\n' "${d[$f]}" "$daytime_backend"
    } >"$tmp/$f.cfg"
    ports="${e[$f]} ${d[$f]}"
    start "$f" haproxy -db -f "$tmp/$f.cfg"
done
if [[ -n ${BENCH_NO_SOCAT:-} ]]; then :; else
    ports="${e[socat]}"
    start socat-echo socat "TCP-LISTEN:${e[socat]},bind=127.0.0.1,fork,reuseaddr,backlog=4096" "TCP:127.0.0.1:$echo_backend"
    ports="${d[socat]}"
    start socat-daytime socat "TCP-LISTEN:${d[socat]},bind=127.0.0.1,fork,reuseaddr,backlog=4096" "TCP:127.0.0.1:$daytime_backend"
fi
log "swnet: $swnet ($("$swnet" --version)); $(haproxy -v | head -n 1); $(socat -V | sed -n 2p); $cores cores; kernel $(uname -r)"
log "$runs runs per measure and forwarder, interleaved; the median is reported"

failures=()
kv() { sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" <<<"$2"; }
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {if (NR == 0) print "n/a"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (a == "" || b == "" || a == "n/a" || b == "n/a" || b + 0 == 0) print "n/a"; else printf "%.2f\n", a / b}'; }
better() { awk -v a="$1" -v b="$2" 'BEGIN {if (a == "n/a") print b; else if (b == "n/a") print a; else print (a + 0 > b + 0 ? a : b)}'; }

declare -A values=()
measure() { # MEASURE FORWARDER KEY LOADGEN_ARGS...
    local m=$1 f=$2 key=$3 out status=0
    shift 3
    out=$(timeout 300 "$loadgen" "$@" 2>&1) || status=$?
    echo "   $m $f: $out" >&2
    if [[ $status -ne 0 ]]; then failures+=("$m $f: loadgen $* exited $status: $out"); return 0; fi
    values[$m,$f]+="$(kv "$key" "$out") "
}

for ((r = 1; r <= runs; r++)); do
    log "run $r of $runs"
    for f in "${forwarders[@]}"; do
        measure echo1 "$f" MiB_per_s echo 127.0.0.1 "${e[$f]}" 268435456 1
        measure echo100 "$f" MiB_per_s echo 127.0.0.1 "${e[$f]}" 4194304 100
        measure daytime "$f" conns_per_s rate 127.0.0.1 "${d[$f]}" 20000 32
    done
done

log "hold: $hold_conns connections through swnet forward, pinged, held 5 s, pinged again"
"$loadgen" hold 127.0.0.1 "${e[swnet]}" "$hold_conns" 5 >"$tmp/hold.out" 2>&1 || failures+=("hold: $(cat "$tmp/hold.out")")
hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$swnet_pid/status" 2>/dev/null || echo 0)
held=$(kv answered_after_hold "$(cat "$tmp/hold.out")")
echo "   hold: $(cat "$tmp/hold.out"); swnet VmHWM ${hwm} KiB" >&2

declare -A med=()
echo
printf '%-28s' "measure (median of $runs)"; printf ' %14s' "${forwarders[@]}"; echo
for m in echo1 echo100 daytime; do
    case $m in echo1) label="echo 1x256 MiB, MiB/s" ;; echo100) label="echo 100x4 MiB, MiB/s" ;; daytime) label="daytime conn/s" ;; esac
    printf '%-28s' "$label"
    for f in "${forwarders[@]}"; do
        read -r -a vs <<<"${values[$m,$f]:-}"
        med[$m,$f]=$(median "${vs[@]}")
        printf ' %14s' "${med[$m,$f]}"
    done
    echo
done
echo

summary=()
for m in echo1 echo100 daytime; do
    case $m in echo1) label="forward echo 1x256 MiB MiB/s" ;; echo100) label="forward echo 100x4 MiB MiB/s" ;; daytime) label="forward daytime conn/s" ;; esac
    best=$(better "${med[$m,haproxy]}" "${med[$m,haproxy-splice]}")
    line="$label: swnet ${med[$m,swnet]}, HAProxy ${med[$m,haproxy]} (splice-auto ${med[$m,haproxy-splice]}), direct ${med[$m,direct]}; ratio swnet/HAProxy(best) $(ratio "${med[$m,swnet]}" "$best")"
    [[ -n ${med[$m,socat]:-} ]] && line+=", swnet/socat $(ratio "${med[$m,swnet]}" "${med[$m,socat]}") (socat ${med[$m,socat]})"
    summary+=("$line")
done
summary+=("forward hold $hold_conns conns: answered $held, swnet peak RSS $(awk -v k="$hwm" 'BEGIN {printf "%.1f", k / 1024}') MiB (target all answered, < 64 MiB: $([[ $held == "$hold_conns" && $hwm -lt $target_rss_kib ]] && echo met || echo MISSED))")
report "${summary[@]}"

if ((${#failures[@]} > 0)); then
    echo "forward.sh: ${#failures[@]} loadgen runs failed:" >&2
    printf '    %s\n' "${failures[@]}" >&2
    exit 1
fi
