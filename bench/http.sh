#!/usr/bin/env bash
# bench/http.sh: `swnet http-get` against the `curl` command, side by side in
# one run, fetching from a private nginx on a free loopback port.
#
# Four measures (ratios swnet / curl: LOWER is better for swnet, <= 1.0 means
# at least as fast or as small):
#   1. one big file (BENCH_HTTP_MIB MiB, default 1024) to /dev/null: wall time
#      and peak resident memory, each run under /usr/bin/time -v, the tools
#      taking turns; the medians are compared. Every run must fetch every byte.
#   2. memory during a download to a file (-o FILE), the big file and a 1 KiB
#      one (sent at 512 bytes/s, so that there is a "during"): the private dirty
#      memory and the resident set, sampled from /proc/PID/smaps_rollup every
#      5 ms; the peak of each run, median over the runs.
#   3. one small file (1 KiB): whole-process wall time, interleaved runs
#      (bench/interleave.py: hyperfine's blocks of runs let drift decide).
#   4. 100 small URLs: one `swnet http-get` call with 100 URLs against 100
#      `curl` calls, and, for fairness, against one `curl` call with 100 URLs
#      (both reuse one connection), hyperfine.
# Targets: the big file no slower than curl (ratio <= 1.05, issue 4); private
# dirty memory at most curl's plus 1 MiB for both sizes, and a small file's
# whole-process time at most curl's (ratio <= 1.0) (issue 11). Resident
# memory is reported beside it: it counts the pages of the binary and the
# libraries that are shared with every other process using them.
#
# Environment:
#   BENCH_HTTP_MIB         size of the big file in MiB (default 1024)
#   BENCH_HTTP_RUNS        timed big-file runs per tool (default 5, after 1 warm-up each)
#   BENCH_HTTP_SMALL_RUNS  runs per command for the small file (default 200)
#   BENCH_HTTP_MANY_RUNS   hyperfine runs per command for the 100 URLs (default 10)
#   BENCH_HTTP_MEM_RUNS    sampled downloads per tool and size (default 3)
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
mem_runs=${BENCH_HTTP_MEM_RUNS:-3}
check_count BENCH_HTTP_MIB "$mib" 65536
check_count BENCH_HTTP_RUNS "$runs" 100
check_count BENCH_HTTP_SMALL_RUNS "$small_runs" 10000
check_count BENCH_HTTP_MANY_RUNS "$many_runs" 1000
check_count BENCH_HTTP_MEM_RUNS "$mem_runs" 100

target_time=1.05          # the big file (issue 4)
target_dirty_kib=1024     # private dirty memory over curl's (issue 11)
target_small=1.0          # a small file's whole-process time (issue 11)

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
mkdir -p "$tmp/www"
bytes=$((mib * 1024 * 1024))
log "writing $mib MiB of random bytes"
head -c "$bytes" /dev/urandom >"$tmp/www/big.bin"
[[ $(stat -c %s "$tmp/www/big.bin") -eq $bytes ]] || die "could not write $bytes bytes to $tmp/www/big.bin"
head -c 1024 /dev/urandom >"$tmp/www/small.bin"
for ((i = 0; i < 100; i++)); do printf 'file %03d %0990d\n' "$i" 0 >"$tmp/www/s$i.txt"; done

# A private nginx (bench/lib.sh): the settings and files measured here.
port=$(free_port tcp)
start_nginx "$port" <<EOF
    sendfile on;
    tcp_nopush on;
    keepalive_requests 10000;
    types { application/octet-stream bin; text/plain txt; }
    server {
        listen 127.0.0.1:$port;
        root $tmp/www;
        # The same files at 512 bytes/s, in 128-byte writes: a 1 KiB download
        # lasts two seconds, long enough to sample.
        location /slow/ {
            alias $tmp/www/;
            sendfile off;
            output_buffers 1 128;
            limit_rate 512;
        }
    }
EOF
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
mib, target_time = int(sys.argv[3]), float(sys.argv[4])
(st, sm), (ct, cm) = load(sys.argv[1]), load(sys.argv[2])
sb, cb = int(sys.argv[5]), int(sys.argv[6])
time_ok = st / ct <= target_time
print("http %d MiB: swnet %.3f s (%.0f MiB/s), curl %.3f s (%.0f MiB/s), ratio swnet/curl %.3f (target <= %.2f: %s); "
      "peak RSS swnet %.1f MiB, curl %.1f MiB, ratio %.2f; "
      "growth over a 1 KiB fetch: swnet %+.1f MiB (from %.1f), curl %+.1f MiB (from %.1f)"
      % (mib, st, mib / st, ct, mib / ct, st / ct, target_time, "met" if time_ok else "MISSED",
         sm / 1024, cm / 1024, sm / cm,
         (sm - sb) / 1024, sb / 1024, (cm - cb) / 1024, cb / 1024))
' "$tmp/big.swnet" "$tmp/big.curl" "$mib" "$target_time" "$swnet_base" "$curl_base")

# ---- 2. memory during a download to a file ----
# sample FILE ARGV...: run ARGV, read /proc/PID/smaps_rollup every 5 ms from
# its exec to its exit (at most 10 minutes), and append the peaks of
# Private_Dirty and Rss in KiB and the number of samples to FILE.
sample() {
    local into=$1
    shift
    timeout 660 python3 -c '
import os, subprocess, sys, time
argv, into = sys.argv[2:], sys.argv[1]
child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
exe, peak, samples, deadline = os.path.realpath(argv[0]), {"Private_Dirty": 0, "Rss": 0}, 0, time.monotonic() + 600
while child.poll() is None and time.monotonic() < deadline:
    try:
        if os.readlink("/proc/%d/exe" % child.pid) == exe:   # not the fork before exec
            for line in open("/proc/%d/smaps_rollup" % child.pid).read().splitlines()[1:]:
                key, value = line.split(":", 1)
                if key in peak: peak[key] = max(peak[key], int(value.split()[0]))
            samples += 1
    except OSError:
        pass   # it has just exited
    time.sleep(0.005)
if child.poll() is None: child.kill()
if child.wait() != 0: sys.exit("%s failed: %s" % (" ".join(argv), child.stderr.read().decode()))
open(into, "a").write("%d %d %d\n" % (peak["Private_Dirty"], peak["Rss"], samples))' "$into" "$@" || die "sampling '$*' failed"
    rm -f "$tmp/sampled.out"
}
log "memory: $mem_runs downloads per tool of $mib MiB and of 1 KiB (slowly) to a file, taking turns"
for size in big small; do
    url=$base/$size.bin
    [[ $size == small ]] && url=$base/slow/small.bin
    : >"$tmp/mem.$size.swnet"
    : >"$tmp/mem.$size.curl"
    for ((r = 1; r <= mem_runs; r++)); do
        sample "$tmp/mem.$size.swnet" "$swnet" http-get -o "$tmp/sampled.out" "$url"
        sample "$tmp/mem.$size.curl" "$curl" -sS -o "$tmp/sampled.out" "$url"
    done
done
memory_lines=$(python3 -c '
import statistics, sys
tmp, mib, target = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for size, label in (("big", "%d MiB" % mib), ("small", "1 KiB")):
    peaks = {}
    for tool in ("swnet", "curl"):
        rows = [list(map(int, line.split())) for line in open("%s/mem.%s.%s" % (tmp, size, tool))]
        if min(r[2] for r in rows) < 3: sys.exit("too few samples of %s for %s" % (tool, label))
        peaks[tool] = statistics.median(r[0] for r in rows), statistics.median(r[1] for r in rows)
    (sd, sr), (cd, cr) = peaks["swnet"], peaks["curl"]
    print("http memory %s -o FILE: private dirty swnet %.2f MiB, curl %.2f MiB, difference %+.2f MiB (target <= +%.1f: %s), ratio %.2f; "
          "RSS swnet %.1f MiB, curl %.1f MiB, ratio %.2f"
          % (label, sd / 1024, cd / 1024, (sd - cd) / 1024, target / 1024, "met" if sd - cd <= target else "MISSED", sd / cd,
             sr / 1024, cr / 1024, sr / cr))
' "$tmp" "$mib" "$target_dirty_kib")

# ---- 3. one small file: whole-process wall time ----
log "small file: interleaved (bench/interleave.py), 20 warm-ups, $small_runs runs each"
timeout 900 python3 "$here/interleave.py" --warmup 20 --runs "$small_runs" --export-json "$tmp/small.json" \
    -n "swnet http-get (1 KiB)" "$(printf '%q ' "$swnet" http-get "$base/small.bin")" \
    -n "curl (1 KiB)" "$(printf '%q ' "$curl" -sS "$base/small.bin")"
read_means "$tmp/small.json"
small_line=$(python3 -c '
import sys
s, c, target = float(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
print("http small file: swnet %.2f ms, curl %.2f ms, ratio swnet/curl %.3f (target <= %.1f: %s)"
      % (s * 1000, c * 1000, s / c, target, "met" if s / c <= target else "MISSED"))' "${means[@]}" "$target_small")

# ---- 4. 100 small URLs: one swnet call, 100 curl calls, one curl call ----
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

mapfile -t memory_lines <<<"$memory_lines"
report "$big_line" "${memory_lines[@]}" "$small_line" "$many_line"
if [[ -n ${BENCH_HTTP_STRICT:-} && "$big_line ${memory_lines[*]} $small_line" == *MISSED* ]]; then
    exit 3
fi
