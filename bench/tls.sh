#!/usr/bin/env bash
# bench/tls.sh: swnet over TLS against the tools people use for it, side by
# side in one run, on loopback, with one ECDSA P-256 certificate for all.
#
#   1. connect --tls: BENCH_TLS_MIB MiB (default 512) round trip through a TLS
#      echo (HAProxy's ssl frontend in front of shared/bench/refecho.c),
#      timed with hyperfine against `openssl s_client -quiet`,
#      and `socat -t 60 - OPENSSL:`. ncat is left out: `ncat --ssl` held
#      back the last 8 KiB of the echo in every run here (with or without
#      --no-shutdown, with stdin ended or open), so it never finishes; the
#      preflight still shows that it round-trips a short line. Each run
#      counts the echo and ends when the last byte is back (the client is
#      then stopped); every run must get back every byte. Ratio: swnet time / the fastest other's, <= 1.0
#      means swnet is at least as fast.
#   2. serve echo --tls (--threads 2) against HAProxy (nbthread 2, an `ssl crt`
#      frontend in mode tcp in front of refecho): new full handshakes per
#      second (bench/tlsload.c: no session resumption, 32 at once) and echo
#      throughput, 1 x 256 MiB and 100 x 4 MiB, each run BENCH_TLS_RUNS times
#      per server (interleaved), median reported. Ratios of rates: >= 1.0
#      means swnet is at least as fast.
#
# Environment:
#   BENCH_TLS_MIB         MiB per connect run (default 512)
#   BENCH_RUNS            timed connect runs per tool (default 5; one warm-up first)
#   BENCH_TLS_RUNS        runs per serve measure and server (default 3)
#   BENCH_TLS_HANDSHAKES  handshakes per run (default 4000)
#   SWNET          swnet binary to use (default: .build-bench/release/swnet, rebuilt every run)
#   SHARED_BENCH   folder holding refecho.c (default: ../shared/bench from the repo root)
#   BENCH_RESULTS  file to which the summary lines are appended (used by bench/run)
set -euo pipefail

# Internal mode, the timed command: send DATA through the tool, count the
# echo until EXPECT bytes are back, then stop the tool; note the count in COUNTS.
# The tool's stdin stays open after DATA (tail -f), because the clients
# differ in what they do at its end (s_client waits, ncat and socat may
# close before the echo is back): the time is that of the last byte back.
#   tls.sh --pipe DATA EXPECT COUNTS TOOL [ARGS...]
if [[ ${1:-} == --pipe ]]; then
    data=$2 expect=$3 counts=$4
    shift 4
    fifos=$(mktemp -d "${TMPDIR:-/tmp}/swnet-bench-tls-fifo.XXXXXX")
    mkfifo "$fifos/in" "$fifos/out"
    trap 'rm -rf "$fifos"' EXIT
    (head -c "$expect" <"$fifos/out" | wc -c >"$counts.last") &
    reader=$!
    tail -c +1 -f "$data" >"$fifos/in" &
    feeder=$!
    timeout 120 "$@" <"$fifos/in" >"$fifos/out" 2>>"$counts.err" &
    tool=$!
    wait "$reader" || true
    kill "$tool" "$feeder" 2>/dev/null || true
    wait "$tool" "$feeder" 2>/dev/null || true
    got=$(cat "$counts.last")
    echo "$got" >>"$counts"
    if [[ $got != "$expect" ]]; then
        echo "tls.sh: '$*' echoed $got bytes, sent $expect" | tee -a "$counts.err" >&2
        exit 1
    fi
    exit 0
fi

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/lib.sh
. "$here/lib.sh"
mib=${BENCH_TLS_MIB:-512}
runs=${BENCH_RUNS:-5}
serve_runs=${BENCH_TLS_RUNS:-3}
handshakes=${BENCH_TLS_HANDSHAKES:-4000}
warmup=1
check_count BENCH_TLS_MIB "$mib" 16384
check_count BENCH_RUNS "$runs" 100
check_count BENCH_TLS_RUNS "$serve_runs" 50
check_count BENCH_TLS_HANDSHAKES "$handshakes" 1000000

need gcc gcc || die "gcc is needed (apt-get install gcc)"
need python3 python3 || die "python3 is needed (apt-get install python3)"
need timeout coreutils || die "timeout is needed (coreutils)"
need openssl openssl || die "openssl is needed (apt-get install openssl)"
need haproxy haproxy || die "haproxy is needed (apt-get install haproxy)"
need ncat ncat || die "ncat is needed (apt-get install ncat)"
need socat socat || die "socat is needed (apt-get install socat)"
need hyperfine hyperfine || die "hyperfine is needed (apt-get install hyperfine)"
[[ -f /usr/include/openssl/ssl.h ]] || need dpkg-query libssl-dev || true
[[ -f /usr/include/openssl/ssl.h ]] || die "the OpenSSL headers are needed to build tlsload (apt-get install libssl-dev)"

find_swnet
find_shared refecho.c
make_tmp tls

log "compiling refecho and tlsload"
compile_c "$shared/refecho.c"
gcc -O2 -pthread -o "$tmp/tlsload" "$here/tlsload.c" -lssl -lcrypto

log "making an ECDSA P-256 certificate for localhost"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \
    -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout "$tmp/key.pem" -out "$tmp/cert.pem" 2>/dev/null
cat "$tmp/cert.pem" "$tmp/key.pem" >"$tmp/haproxy.pem"

# wait_tls NAME PID PORT: up to 10 s for a TLS handshake on 127.0.0.1:PORT to succeed.
wait_tls() {
    local name=$1 pid=$2 port=$3 i
    for ((i = 0; i < 100; i++)); do
        kill -0 "$pid" 2>/dev/null || die "$name exited at start; its stderr: $(cat "$tmp/$name.err" 2>/dev/null)"
        if "$tmp/tlsload" handshakes 127.0.0.1 "$port" 1 1 >/dev/null 2>&1; then return 0; fi
        sleep 0.1
    done
    die "$name does not handshake on 127.0.0.1:$port; its stderr: $(cat "$tmp/$name.err" 2>/dev/null)"
}

# The plain echo HAProxy forwards to.
echo_port=$(free_port tcp)
"$tmp/refecho" echo "$echo_port" 2>"$tmp/refecho.err" &
pids+=("$!")

# start_haproxy NAME [GLOBAL-LINE]: HAProxy with 2 threads, TLS on a free
# port, to refecho; sets haproxy_port.
haproxy_port=''
start_haproxy() {
    local name=$1 extra=${2:-}
    haproxy_port=$(free_port tcp)
    cat >"$tmp/$name.cfg" <<CFG
global
    nbthread 2
    maxconn 4096
    $extra
defaults
    mode tcp
    timeout connect 5s
    timeout client 120s
    timeout server 120s
frontend tls
    bind 127.0.0.1:$haproxy_port ssl crt $tmp/haproxy.pem
    default_backend echo
backend echo
    server refecho 127.0.0.1:$echo_port
CFG
    haproxy -db -f "$tmp/$name.cfg" >"$tmp/$name.out" 2>"$tmp/$name.err" &
    haproxy_pid=$!
    pids+=("$haproxy_pid")
    wait_tls "$name" "$haproxy_pid" "$haproxy_port"
}

# start_swnet: swnet serve echo --tls with the same certificate, 2 threads; sets swnet_port.
swnet_port=''
start_swnet() {
    local i
    "$swnet" serve echo --tls --cert "$tmp/cert.pem" --key "$tmp/key.pem" --threads 2 -b 127.0.0.1 --port 0 --json \
        >"$tmp/swnet.out" 2>"$tmp/swnet.err" &
    swnet_pid=$!
    pids+=("$swnet_pid")
    swnet_port=
    for ((i = 0; i < 100 && ${#swnet_port} == 0; i++)); do
        swnet_port=$(python3 -c '
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e.get("event") == "listening": print(e["port"]); break' "$tmp/swnet.out" 2>/dev/null) || true
        [[ -n $swnet_port ]] || sleep 0.1
    done
    [[ -n $swnet_port ]] || die "swnet serve --tls printed no listening event; its stderr: $(cat "$tmp/swnet.err")"
    wait_tls swnet "$swnet_pid" "$swnet_port"
}

start_haproxy haproxy
echo_tls_port=$haproxy_port
start_swnet
log "swnet: $swnet ($("$swnet" --version 2>&1 | head -n 1)), haproxy $(haproxy -v | head -n 1 | awk '{print $3}'), $(openssl version)"

# 1. connect --tls through HAProxy's TLS echo.
bytes=$((mib * 1024 * 1024))
log "writing $mib MiB of random bytes"
head -c "$bytes" /dev/urandom >"$tmp/data"
printf 'preflight\n' >"$tmp/small"
names=(swnet s_client socat)
argv_of() {
    case $1 in
        swnet) argv=("$swnet" connect --tls --cacert "$tmp/cert.pem" "localhost:$echo_tls_port") ;;
        s_client) argv=(openssl s_client -quiet -connect "127.0.0.1:$echo_tls_port") ;;
        ncat) argv=(ncat --ssl --no-shutdown 127.0.0.1 "$echo_tls_port") ;;
        socat) argv=(socat -t 60 - "OPENSSL:127.0.0.1:$echo_tls_port,verify=0") ;;
    esac
}
self=$here/tls.sh
argv_of ncat
bash "$self" --pipe "$tmp/small" 10 "$tmp/preflight.ncat" "${argv[@]}" || log "ncat cannot round-trip 10 bytes either"
cmds=()
for name in "${names[@]}"; do
    argv_of "$name"
    bash "$self" --pipe "$tmp/small" 10 "$tmp/preflight.$name" "${argv[@]}" \
        || die "preflight: $name cannot round-trip 10 bytes through the TLS echo: $(cat "$tmp/preflight.$name.err" 2>/dev/null)"
    cmds+=("$(printf '%q ' bash "$self" --pipe "$tmp/data" "$bytes" "$tmp/counts.$name" "${argv[@]}")")
done
log "connect: $mib MiB per run through HAProxy's TLS echo on 127.0.0.1:$echo_tls_port, $warmup warm-up + $runs runs each"
hyperfine_args=()
for i in "${!names[@]}"; do hyperfine_args+=(-n "${names[i]} (${mib} MiB)" "${cmds[i]}"); done
use_hyperfine || die "hyperfine is needed"
timeout 3600 hyperfine "${shell_none[@]}" --warmup "$warmup" --runs "$runs" --export-json "$tmp/tls-connect.json" "${hyperfine_args[@]}" \
    || die "hyperfine failed: $(cat "$tmp"/counts.*.err 2>/dev/null)"
for name in "${names[@]}"; do
    bad=$(grep -cvx "$bytes" "$tmp/counts.$name" || true)
    [[ $bad -eq 0 && $(wc -l <"$tmp/counts.$name") -eq $((warmup + runs)) ]] || die "$name: not every run echoed $bytes bytes"
done
echo "verified: every tool echoed all $bytes bytes in each of its $((warmup + runs)) runs"
[[ -z ${BENCH_JSON_DIR:-} ]] || cp "$tmp/tls-connect.json" "$BENCH_JSON_DIR/"
connect_summary=$(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))["results"]
mib = int(sys.argv[2])
means = [x["mean"] for x in r]
names = [x["command"].split(" ")[0] for x in r]
others = min(range(1, len(r)), key=lambda i: means[i])
parts = ", ".join("%s %.3f s (%.0f MiB/s)" % (names[i], means[i], mib / means[i]) for i in range(len(r)))
print("tls connect %d MiB: %s; ratio swnet/fastest other (%s) %.3f" % (mib, parts, names[others], means[0] / means[others]))' \
    "$tmp/tls-connect.json" "$mib")

# 2. serve echo --tls against HAProxy: handshakes/s, 1 x 256 MiB, 100 x 4 MiB.
measure() { # SERVER-PORT MODE ARGS...: one tlsload run, printing its rate
    local port=$1 mode=$2 line
    shift 2
    line=$(timeout 600 "$tmp/tlsload" "$mode" 127.0.0.1 "$port" "$@") || die "tlsload $mode $* on port $port failed: $line"
    line=${line##*per_second=}   # per_second= or mib_per_second=: the rate is last
    echo "${line%% *}"
}
# cpu_ticks PID: the CPU time the process has used so far (user + system, all
# threads), in clock ticks. The load client shares the 2 cores with the
# server, so a server's rate moves less than its own cost does: its CPU per
# handshake is reported beside the rate.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
ticks_per_s=$(getconf CLK_TCK)
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
serve_lines=()
for spec in "handshakes/s:handshakes $handshakes 32" "MiB/s 1x256MiB:echo 268435456 1" "MiB/s 100x4MiB:echo 4194304 100"; do
    label=${spec%%:*}
    read -r -a args <<<"${spec#*:}"
    s_rates=() h_rates=() s_ticks=0 h_ticks=0
    for ((r = 0; r < serve_runs; r++)); do
        before=$(cpu_ticks "$swnet_pid")
        s_rates+=("$(measure "$swnet_port" "${args[@]}")")
        s_ticks=$((s_ticks + $(cpu_ticks "$swnet_pid") - before))
        before=$(cpu_ticks "$haproxy_pid")
        h_rates+=("$(measure "$haproxy_port" "${args[@]}")")
        h_ticks=$((h_ticks + $(cpu_ticks "$haproxy_pid") - before))
    done
    s=$(median "${s_rates[@]}") h=$(median "${h_rates[@]}")
    log "serve --tls $label: swnet ${s_rates[*]}; haproxy ${h_rates[*]}"
    cpu=''
    if [[ $label == handshakes/s ]]; then
        cpu=$(python3 -c 'import sys; s, h, n = (float(a) for a in sys.argv[1:4]); t = float(sys.argv[4]); print("; server CPU per handshake: swnet %.0f us, haproxy %.0f us, ratio %.3f" % (s / t / n * 1e6, h / t / n * 1e6, s / h))' \
            "$s_ticks" "$h_ticks" "$((handshakes * serve_runs))" "$ticks_per_s")
    fi
    serve_lines+=("$(python3 -c 'import sys; s, h = float(sys.argv[2]), float(sys.argv[3]); print("tls serve echo %s: swnet %.1f, haproxy %.1f, ratio swnet/haproxy %.3f%s" % (sys.argv[1], s, h, s / h, sys.argv[4]))' "$label" "$s" "$h" "$cpu")")
done

report "$connect_summary" "${serve_lines[@]}"
