#!/usr/bin/env bash
# bench/cache.sh: `swnet http-get --cache` against the `curl` command, side by
# side in one run, fetching a 100 KiB file from a private nginx on a free
# loopback port, one process per fetch (as a script fetches), timed by
# bench/interleave.py (hyperfine -N's way, with the commands' runs interleaved).
#
# Two measures (ratios swnet / curl of mean whole-process wall times: LOWER is
# better for swnet):
#   1. fresh: the file is served with `expires 1h` (max-age=3600), so every
#      swnet run after the first is a fresh hit from its cache (no network, no
#      libcurl), against curl fetching it every time. Target: <= 0.5.
#   2. stale: the same file with an ETag and Last-Modified but no lifetime, so
#      every swnet run revalidates (a request, a 304, the body from the cache),
#      against curl's plain fetch of the whole file. Target: <= 1.0. swnet's
#      own fetch without the cache runs beside them: what loading libcurl and
#      fetching costs swnet anyway, so the cache's share shows.
# Before timing, each command's output is checked against the file, and
# swnet's --json record must say "hit" (1) and "revalidated" (2).
#
# Environment:
#   BENCH_CACHE_RUNS    runs per command (default 100, after 10 warm-ups)
#   BENCH_CACHE_KIB     size of the file in KiB (default 100)
#   BENCH_CACHE_STRICT=1  exit 3 when swnet misses a target
#   SWNET          swnet binary to use (default: .build-bench/release/swnet, rebuilt every run)
#   BENCH_RESULTS  file to which the summary lines are appended (used by bench/run)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/lib.sh
. "$here/lib.sh"
runs=${BENCH_CACHE_RUNS:-100}
kib=${BENCH_CACHE_KIB:-100}
check_count BENCH_CACHE_RUNS "$runs" 100000
check_count BENCH_CACHE_KIB "$kib" 1048576

target_fresh=0.5
target_stale=1.0

need curl curl || die "curl is needed (apt-get install curl)"
need python3 python3 || die "python3 is needed (apt-get install python3)"
need timeout coreutils || die "timeout is needed (coreutils)"
need nginx nginx-light || need nginx nginx || die "nginx is needed (apt-get install nginx-light)"

find_swnet
curl=$(command -v curl)
nginx=$(command -v nginx)
make_tmp cache

chmod 755 "$tmp"
mkdir -p "$tmp/www" "$tmp/cache"
head -c $((kib * 1024)) /dev/urandom >"$tmp/www/file.bin"

# A private nginx (bench/lib.sh): the settings and files measured here.
port=$(free_port tcp)
start_nginx "$port" <<EOF
    sendfile on;
    types { application/octet-stream bin; }
    server {
        listen 127.0.0.1:$port;
        root $tmp/www;
        location /fresh/ { alias $tmp/www/; expires 1h; }
        location /stale/ { alias $tmp/www/; }
    }
EOF
base=http://127.0.0.1:$port

log "swnet: $swnet ($("$swnet" --version 2>&1 | head -n 1))"
log "curl:  $curl ($("$curl" --version | head -n 1 | cut -d' ' -f1-3))"
log "nginx: $nginx ($("$nginx" -v 2>&1)) on $base (pid $nginx_pid)"

# Preflight: the right bytes from each command, and the cache doing what is measured.
state() {   # state PATH: swnet's "cache" word for a fetch of $base/PATH into $tmp/got
    timeout 60 "$swnet" --json http-get --cache="$tmp/cache" -o "$tmp/got" "$base/$1" 2>"$tmp/err" |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["cache"])' || die "swnet --cache $base/$1 failed: $(cat "$tmp/err")"
}
for path in fresh stale; do
    [[ $(state "$path/file.bin") == stored ]] || die "the first fetch of /$path/ was not stored"
    cmp -s "$tmp/got" "$tmp/www/file.bin" || die "swnet fetched something else than /$path/file.bin"
done
[[ $(state fresh/file.bin) == hit ]] || die "the second fetch of /fresh/ was not a fresh hit"
cmp -s "$tmp/got" "$tmp/www/file.bin" || die "swnet's hit is not the file"
[[ $(state stale/file.bin) == revalidated ]] || die "the second fetch of /stale/ was not revalidated"
cmp -s "$tmp/got" "$tmp/www/file.bin" || die "swnet's revalidated answer is not the file"
"$curl" -sS -o "$tmp/got" "$base/fresh/file.bin" 2>"$tmp/err" || die "curl failed: $(cat "$tmp/err")"
cmp -s "$tmp/got" "$tmp/www/file.bin" || die "curl fetched something else than the file"

swnet_cmd() { printf '%q ' "$swnet" http-get --cache="$tmp/cache" -o "$tmp/out.swnet" "$base/$1/file.bin"; }
curl_cmd() { printf '%q ' "$curl" -sS -o "$tmp/out.curl" "$base/$1/file.bin"; }

log "fresh: $runs fetches each of $kib KiB (interleaved, 10 warm-ups)"
timeout 1800 python3 "$here/interleave.py" --warmup 10 --runs "$runs" --export-json "$tmp/fresh.json" \
    -n "swnet http-get --cache (fresh hit)" "$(swnet_cmd fresh)" \
    -n "curl (fetch)" "$(curl_cmd fresh)"
read_means "$tmp/fresh.json"

log "stale: $runs fetches each of $kib KiB (interleaved, 10 warm-ups)"
timeout 1800 python3 "$here/interleave.py" --warmup 10 --runs "$runs" --export-json "$tmp/stale.json" \
    -n "swnet http-get --cache (revalidated, 304)" "$(swnet_cmd stale)" \
    -n "curl (fetch)" "$(curl_cmd stale)" \
    -n "swnet http-get (no cache: fetch)" "$(printf '%q ' "$swnet" http-get -o "$tmp/out.plain" "$base/stale/file.bin")"
read_means "$tmp/stale.json"
cmp -s "$tmp/out.swnet" "$tmp/www/file.bin" || die "swnet's last output is not the file"

# Wall time is the target's measure; CPU time (user + system, the
# means) is printed beside it, as it suffers less from a busy machine.
lines=$(python3 -c '
import json, sys
kib, runs, tmp = sys.argv[1], sys.argv[2], sys.argv[3]
for label, target, what in (("fresh", float(sys.argv[4]), "hit, no network"), ("stale", float(sys.argv[5]), "revalidated with a 304")):
    results = json.load(open("%s/%s.json" % (tmp, label)))["results"]
    s, c = results[0], results[1]
    wall, cpu = s["mean"] / c["mean"], (s["user"] + s["system"]) / (c["user"] + c["system"])
    line = ("cache %s (%s KiB, %s fetches, %s): swnet %.2f ms, curl %.2f ms, ratio swnet/curl %.3f (target <= %.1f: %s); "
            "CPU swnet %.2f ms, curl %.2f ms, ratio %.3f"
            % (label, kib, runs, what, s["mean"] * 1000, c["mean"] * 1000, wall, target, "met" if wall <= target else "MISSED",
               (s["user"] + s["system"]) * 1000, (c["user"] + c["system"]) * 1000, cpu))
    if len(results) > 2:
        line += "; swnet without the cache %.2f ms, ratio to curl %.3f" % (results[2]["mean"] * 1000, results[2]["mean"] / c["mean"])
    print(line)
' "$kib" "$runs" "$tmp" "$target_fresh" "$target_stale")
mapfile -t lines <<<"$lines"
report "${lines[@]}"
if [[ -n ${BENCH_CACHE_STRICT:-} && "${lines[*]}" == *MISSED* ]]; then
    exit 3
fi
