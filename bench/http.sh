#!/usr/bin/env bash
# bench/http.sh: `swnet http-get` against the `curl` command, side by side in
# one run, fetching from a private nginx on a free loopback port.
#
# Three measures (ratios swnet / curl: LOWER is better for swnet, <= 1.0 means
# at least as fast or as small):
#   1. one big file (BENCH_HTTP_MIB MiB, default 1024) to /dev/null: wall time
#      and peak resident memory, each run under /usr/bin/time -v, the tools
#      taking turns; the medians are compared. Every run must fetch every byte.
#   2. one small file (1 KiB): whole-process wall time, hyperfine -N.
#   3. 100 small URLs: one `swnet http-get` call with 100 URLs against 100
#      `curl` calls, and, for fairness, against one `curl` call with 100 URLs
#      (both reuse one connection), hyperfine.
# Issue 4's target: the big file no slower than curl (ratio <= 1.05) with no
# more memory (peak RSS ratio <= 1.0).
#
# Environment:
#   BENCH_HTTP_MIB         size of the big file in MiB (default 1024)
#   BENCH_HTTP_RUNS        timed big-file runs per tool (default 5, after 1 warm-up each)
#   BENCH_HTTP_SMALL_RUNS  hyperfine runs per command for the small file (default 200)
#   BENCH_HTTP_MANY_RUNS   hyperfine runs per command for the 100 URLs (default 10)
#   BENCH_HTTP_STRICT=1    exit 3 when swnet misses a target
#   SWNET          swnet binary to use (default: .build-bench/release/swnet, rebuilt every run)
#   BENCH_RESULTS  file to which the summary lines are appended (used by bench/run)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/lib.sh
. "$here/lib.sh"
mib=${BENCH_HTTP_MIB:-1024}
runs=${BENCH_HTTP_RUNS:-5}
small_runs=${BENCH_HTTP_SMALL_RUNS:-200}
many_runs=${BENCH_HTTP_MANY_RUNS:-10}
check_count BENCH_HTTP_MIB "$mib" 65536
check_count BENCH_HTTP_RUNS "$runs" 100
check_count BENCH_HTTP_SMALL_RUNS "$small_runs" 10000
check_count BENCH_HTTP_MANY_RUNS "$many_runs" 1000

# issue 4's targets, for the big file
target_time=1.05
target_rss=1.0

need curl curl || die "curl is needed (apt-get install curl)"
need python3 python3 || die "python3 is needed (apt-get install python3)"
need timeout coreutils || die "timeout is needed (coreutils)"
need /usr/bin/time time || die "/usr/bin/time is needed (apt-get install time)"
need nginx nginx-light || need nginx nginx || die "nginx is needed (apt-get install nginx-light)"
need hyperfine hyperfine || die "hyperfine is needed (apt-get install hyperfine)"

find_swnet
curl=$(command -v curl)
nginx=$(command -v nginx)
make_tmp http

# The files nginx serves. The folder must be readable by nginx's worker, which
# drops to an unprivileged user when started by root.
chmod 755 "$tmp"
mkdir -p "$tmp/www" "$tmp/nginx"
bytes=$((mib * 1024 * 1024))
log "writing $mib MiB of random bytes"
head -c "$bytes" /dev/urandom >"$tmp/www/big.bin"
[[ $(stat -c %s "$tmp/www/big.bin") -eq $bytes ]] || die "could not write $bytes bytes to $tmp/www/big.bin"
head -c 1024 /dev/urandom >"$tmp/www/small.bin"
for ((i = 0; i < 100; i++)); do printf 'file %03d %0990d\n' "$i" 0 >"$tmp/www/s$i.txt"; done

# A private nginx: its own config, pid, logs and temp folders in $tmp; in the
# foreground (daemon off) so that its PID is ours to stop.
port=$(free_port tcp)
cat >"$tmp/nginx/nginx.conf" <<EOF
daemon off;
worker_processes 1;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log;
events { worker_connections 1024; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 10000;
    client_body_temp_path $tmp/nginx/body;
    proxy_temp_path $tmp/nginx/proxy;
    fastcgi_temp_path $tmp/nginx/fastcgi;
    uwsgi_temp_path $tmp/nginx/uwsgi;
    scgi_temp_path $tmp/nginx/scgi;
    types { application/octet-stream bin; text/plain txt; }
    server {
        listen 127.0.0.1:$port;
        root $tmp/www;
    }
}
EOF
"$nginx" -p "$tmp/nginx" -e "$tmp/nginx/error.log" -c "$tmp/nginx/nginx.conf" &
nginx_pid=$!
pids+=("$nginx_pid")
for _ in $(seq 50); do   # up to 5 s for it to listen
    kill -0 "$nginx_pid" 2>/dev/null || die "nginx exited at start: $(cat "$tmp/nginx/error.log" 2>/dev/null)"
    if probe tcp "$port"; then break; fi
    sleep 0.1
done
probe tcp "$port" || die "nginx does not accept on 127.0.0.1:$port"
base=http://127.0.0.1:$port

log "swnet: $swnet ($("$swnet" --version 2>&1 | head -n 1))"
log "curl:  $curl ($("$curl" --version | head -n 1 | cut -d' ' -f1-3))"
log "nginx: $nginx ($("$nginx" -v 2>&1)) on $base (pid $nginx_pid)"

# Preflight: both tools fetch the small files right, or we stop here with their words.
urls=()
for ((i = 0; i < 100; i++)); do urls+=("$base/s$i.txt"); done
cat "$tmp"/www/s{0..99}.txt >"$tmp/expected-many"
"$swnet" http-get "$base/small.bin" >"$tmp/got" 2>"$tmp/err" || die "swnet http-get $base/small.bin failed: $(cat "$tmp/err")"
cmp -s "$tmp/got" "$tmp/www/small.bin" || die "swnet fetched something else than small.bin"
"$curl" -sS "$base/small.bin" >"$tmp/got" 2>"$tmp/err" || die "curl $base/small.bin failed: $(cat "$tmp/err")"
cmp -s "$tmp/got" "$tmp/www/small.bin" || die "curl fetched something else than small.bin"
"$swnet" http-get "${urls[@]}" >"$tmp/got" 2>"$tmp/err" || die "swnet http-get with 100 URLs failed: $(cat "$tmp/err")"
cmp -s "$tmp/got" "$tmp/expected-many" || die "swnet's 100 bodies differ from the files"
"$curl" -sS "${urls[@]}" >"$tmp/got" 2>"$tmp/err" || die "curl with 100 URLs failed: $(cat "$tmp/err")"
cmp -s "$tmp/got" "$tmp/expected-many" || die "curl's 100 bodies differ from the files"

# ---- 1. the big file: wall time and peak memory under /usr/bin/time -v ----
swnet_big=("$swnet" --json http-get -o /dev/null "$base/big.bin")
curl_big=("$curl" -sS -o /dev/null -w '{"size":%{size_download}}\n' "$base/big.bin")

# big TOOL ROUND: one run; appends "wall_s rss_kib" to $tmp/big.TOOL, checks that
# every byte arrived (both tools print the size as JSON).
big() {
    local tool=$1 start end
    local -a argv
    if [[ $tool == swnet ]]; then argv=("${swnet_big[@]}"); else argv=("${curl_big[@]}"); fi
    start=$EPOCHREALTIME
    timeout 600 /usr/bin/time -v -o "$tmp/time.txt" "${argv[@]}" >"$tmp/big.out" 2>"$tmp/big.err" ||
        die "$tool run $2 failed (status $?): $(cat "$tmp/big.err")"
    end=$EPOCHREALTIME
    python3 -c '
import json, sys
size = json.load(open(sys.argv[1]))["size"]
if size != int(sys.argv[2]):
    sys.exit("%s fetched %d bytes, not %s" % (sys.argv[3], size, sys.argv[2]))' "$tmp/big.out" "$bytes" "$tool" || die "incomplete download"
    printf '%s %s\n' "$(python3 -c 'import sys; print(float(sys.argv[2]) - float(sys.argv[1]))' "$start" "$end")" \
        "$(sed -n 's/^[[:space:]]*Maximum resident set size (kbytes): //p' "$tmp/time.txt")" >>"$tmp/big.$tool"
}

log "big file: $mib MiB to /dev/null, 1 warm-up + $runs runs per tool, taking turns"
big swnet warm-up
big curl warm-up
: >"$tmp/big.swnet"
: >"$tmp/big.curl"
for ((r = 1; r <= runs; r++)); do
    big swnet "$r"
    big curl "$r"
done

# The memory a tool needs anyway (runtime, libraries, libcurl): its peak for a 1 KiB file.
baseline() {
    timeout 60 /usr/bin/time -v -o "$tmp/time.txt" "$@" >/dev/null 2>"$tmp/err" || die "'$*' failed: $(cat "$tmp/err")"
    sed -n 's/^[[:space:]]*Maximum resident set size (kbytes): //p' "$tmp/time.txt"
}
swnet_base=$(baseline "$swnet" http-get -o /dev/null "$base/small.bin")
curl_base=$(baseline "$curl" -sS -o /dev/null "$base/small.bin")

echo "big file runs (wall seconds, peak RSS KiB):"
paste "$tmp/big.swnet" "$tmp/big.curl" | awk '{ printf "  swnet %.3f s %6d KiB    curl %.3f s %6d KiB\n", $1, $2, $3, $4 }'

big_line=$(python3 -c '
import statistics, sys
def load(name):
    rows = [line.split() for line in open(name)]
    return statistics.median(float(r[0]) for r in rows), statistics.median(int(r[1]) for r in rows)
mib, target_time, target_rss = int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
(st, sm), (ct, cm) = load(sys.argv[1]), load(sys.argv[2])
sb, cb = int(sys.argv[6]), int(sys.argv[7])
time_ok, rss_ok = st / ct <= target_time, sm / cm <= target_rss
print("http %d MiB: swnet %.3f s (%.0f MiB/s), curl %.3f s (%.0f MiB/s), ratio swnet/curl %.3f (target <= %.2f: %s); "
      "peak RSS swnet %.1f MiB, curl %.1f MiB, ratio %.2f (target <= %.1f: %s); "
      "growth over a 1 KiB fetch: swnet %+.1f MiB (from %.1f), curl %+.1f MiB (from %.1f)"
      % (mib, st, mib / st, ct, mib / ct, st / ct, target_time, "met" if time_ok else "MISSED",
         sm / 1024, cm / 1024, sm / cm, target_rss, "met" if rss_ok else "MISSED",
         (sm - sb) / 1024, sb / 1024, (cm - cb) / 1024, cb / 1024))
' "$tmp/big.swnet" "$tmp/big.curl" "$mib" "$target_time" "$target_rss" "$swnet_base" "$curl_base")

# ---- 2. one small file: whole-process wall time ----
log "small file: hyperfine -N, 20 warm-ups, $small_runs runs each"
timeout 900 hyperfine -N --warmup 20 --runs "$small_runs" --export-json "$tmp/small.json" \
    -n "swnet http-get (1 KiB)" "$(printf '%q ' "$swnet" http-get "$base/small.bin")" \
    -n "curl (1 KiB)" "$(printf '%q ' "$curl" -sS "$base/small.bin")"
read_means "$tmp/small.json"
small_line=$(python3 -c '
import sys
s, c = float(sys.argv[1]), float(sys.argv[2])
print("http small file: swnet %.2f ms, curl %.2f ms, ratio swnet/curl %.3f" % (s * 1000, c * 1000, s / c))' "${means[@]}")

# ---- 3. 100 small URLs: one swnet call, 100 curl calls, one curl call ----
{
    echo 'set -e'
    for url in "${urls[@]}"; do printf '%q -sS %q\n' "$curl" "$url"; done
} >"$tmp/curl100.sh"
log "100 URLs: hyperfine, 2 warm-ups, $many_runs runs each"
timeout 900 hyperfine -N --warmup 2 --runs "$many_runs" --export-json "$tmp/many.json" \
    -n "swnet http-get (100 URLs, one call)" "$(printf '%q ' "$swnet" http-get "${urls[@]}")" \
    -n "curl (100 calls)" "$(printf '%q ' bash "$tmp/curl100.sh")" \
    -n "curl (100 URLs, one call)" "$(printf '%q ' "$curl" -sS "${urls[@]}")"
if [[ -n ${BENCH_JSON_DIR:-} ]]; then cp "$tmp/many.json" "$BENCH_JSON_DIR/"; fi
many_line=$(python3 -c '
import json, sys
s, c100, c1 = (r["mean"] for r in json.load(open(sys.argv[1]))["results"])
print("http 100 URLs: swnet one call %.1f ms; 100 curl calls %.1f ms, ratio swnet/curl %.3f; one curl call with 100 URLs %.1f ms, ratio %.3f"
      % (s * 1000, c100 * 1000, s / c100, c1 * 1000, s / c1))' "$tmp/many.json")

report "$big_line" "$small_line" "$many_line"
if [[ -n ${BENCH_HTTP_STRICT:-} && $big_line == *MISSED* ]]; then
    exit 3
fi
