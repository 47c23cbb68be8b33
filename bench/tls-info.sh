#!/usr/bin/env bash
# bench/tls-info.sh: `swnet tls-info` against the openssl pipeline a script
# would run instead, for one target and for BENCH_TLS_TARGETS targets.
#
# nginx serves a test certificate (ECDSA P-256, made here with openssl) on
# a free port of 127.0.0.1. The reference is what people script to learn a
# certificate's expiry and whether it verifies:
#
#   openssl s_client -connect T -servername localhost -CAfile ca -verify_return_error </dev/null |
#       openssl x509 -noout -subject -enddate
#
# once per target, one after another; swnet checks all the targets in one
# run, concurrently. hyperfine runs each side BENCH_RUNS_TLS_INFO times.
#
# Environment:
#   SWNET               swnet binary to use (default: .build-bench/release/swnet, rebuilt every run)
#   BENCH_TLS_TARGETS   targets of the second comparison (default 20)
#   BENCH_RUNS_TLS_INFO runs per command (default 20)
#   BENCH_RESULTS       file to which the summary lines are appended (used by bench/run)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/lib.sh
. "$here/lib.sh"
targets=${BENCH_TLS_TARGETS:-20}
runs=${BENCH_RUNS_TLS_INFO:-20}
check_count BENCH_TLS_TARGETS "$targets" 1000
check_count BENCH_RUNS_TLS_INFO "$runs" 1000

need openssl openssl || die "openssl is needed (apt-get install openssl)"
need nginx nginx || die "nginx is needed (apt-get install nginx)"
need python3 python3 || die "python3 is needed (apt-get install python3)"
use_hyperfine || die "hyperfine is needed (apt-get install hyperfine)"

find_swnet
make_tmp tls-info

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj /CN=localhost \
    -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout "$tmp/key.pem" -out "$tmp/cert.pem" 2>/dev/null
port=$(free_port tcp)
start_nginx "$port" <<CONF
    server {
        listen 127.0.0.1:$port ssl;
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_certificate $tmp/cert.pem;
        ssl_certificate_key $tmp/key.pem;
        location / { return 200 "hello\n"; }
    }
CONF

"$swnet" tls-info -q --cacert "$tmp/cert.pem" "localhost:$port" >/dev/null || die "swnet tls-info fails against nginx"

# The reference, as a script: the subject and expiry of each target, one after another.
cat >"$tmp/openssl-loop.sh" <<'SH'
ca=$1
shift
for target in "$@"; do
    timeout 10 openssl s_client -connect "$target" -servername localhost -CAfile "$ca" -verify_return_error </dev/null 2>/dev/null |
        openssl x509 -noout -subject -enddate || exit 1
done
SH
bash "$tmp/openssl-loop.sh" "$tmp/cert.pem" "localhost:$port" >/dev/null || die "the openssl pipeline fails against nginx"

summary=()
for count in 1 "$targets"; do
    list=()
    for ((i = 0; i < count; i++)); do list+=("localhost:$port"); done
    log "$count target(s)"
    timeout 600 hyperfine --warmup 2 --runs "$runs" --export-json "$tmp/tls-info-$count.json" \
        -n "swnet tls-info ($count)" "$(printf '%q ' timeout 60 "$swnet" tls-info -q --cacert "$tmp/cert.pem" "${list[@]}") >/dev/null" \
        -n "openssl s_client | x509 ($count)" "$(printf '%q ' bash "$tmp/openssl-loop.sh" "$tmp/cert.pem" "${list[@]}") >/dev/null"
    read_means "$tmp/tls-info-$count.json"
    summary+=("$(python3 -c '
import sys
s, o, n = float(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
print("tls-info: %s target(s): swnet %.1f ms, openssl s_client | x509 %.1f ms, ratio swnet/openssl %.3f" % (n, s * 1000, o * 1000, s / o))' \
        "${means[0]}" "${means[1]}" "$count")")
done
report "${summary[@]}"
