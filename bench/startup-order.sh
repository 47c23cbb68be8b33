#!/usr/bin/env bash
# bench/startup-order.sh: writes scripts/startup-order.txt, the functions a
# starting swnet runs, which scripts/build-release asks the linker to place
# side by side at the start of the binary's code.
#
# Why: the start-up code of a statically linked Swift binary is otherwise
# spread over its 5 MB of code, so starting touches pages all over it (each
# a page fault, more TLB and cache misses). Placed together, `swnet
# --version` took 15% less time here and a small http-get 4% less.
#
# How: a release binary with its symbol table (SWNET_RELEASE_SYMBOLS=1) runs
# the commands below under valgrind's callgrind, against a private nginx on
# a free loopback port and swnet's own serve; every function of the binary
# that ran is listed, the busiest first. A function inside a big input
# section that holds many functions (the standard library's own non-split
# code) goes last: listed earlier, its whole section would be moved in
# between. Functions of code changed since are simply not found (the linker
# is told not to warn), so a stale list costs speed, never correctness. Run
# it again after a change to the start-up path, and commit the list.
#
# Needs valgrind, nginx and python3 (installed when missing, as root).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/lib.sh
. "$here/lib.sh"
out=$repo/scripts/startup-order.txt

need valgrind valgrind || die "valgrind is needed (apt-get install valgrind)"
need python3 python3 || die "python3 is needed (apt-get install python3)"
need nginx nginx-light || need nginx nginx || die "nginx is needed (apt-get install nginx-light)"
need nm binutils || die "nm is needed (apt-get install binutils)"
make_tmp startup-order
chmod 755 "$tmp"

log "building the release binary with its symbol table in .build-order"
swnet=$(SWNET_RELEASE_SYMBOLS=1 bash "$repo/scripts/build-release" --scratch-path "$repo/.build-order" \
    -Xlinker -Map="$tmp/swnet.map") || die "scripts/build-release failed"

mkdir -p "$tmp/www"
head -c 1024 /dev/urandom >"$tmp/www/small.bin"
port=$(free_port tcp)
start_nginx "$port" <<EOF
    server {
        listen 127.0.0.1:$port;
        location / { root $tmp/www; }
        location /fresh/ { alias $tmp/www/; expires 1h; }
    }
EOF
url=http://127.0.0.1:$port

# profiled NAME ARGS...: swnet ARGS under callgrind, its profile in $tmp/NAME.cg.
profiled() {
    local name=$1
    shift
    timeout 120 valgrind --tool=callgrind --demangle=no --callgrind-out-file="$tmp/$name.cg" "$swnet" "$@"
}
# run NAME ARGS...: profiled, output dropped, stopping the script if it fails.
run() {
    profiled "$@" >/dev/null 2>"$tmp/$1.err" || die "swnet ${*:2} failed under valgrind: $(tail -3 "$tmp/$1.err")"
}

log "profiling start-up paths"
run version --version
run help help
run http-get http-get -o /dev/null "$url/small.bin"
run cache-store http-get --cache="$tmp/cache" -o /dev/null "$url/fresh/small.bin"
run cache-hit http-get --cache="$tmp/cache" -o /dev/null "$url/fresh/small.bin"
run cache-store-stale http-get --cache="$tmp/cache" -o /dev/null "$url/small.bin"
run cache-304 http-get --cache="$tmp/cache" -o /dev/null "$url/small.bin"
run connect connect -z 127.0.0.1 "$port"
# serve reports its port (--port 0) in a listening event before it accepts.
profiled serve --json serve daytime --once --port 0 --bind 127.0.0.1 >"$tmp/serve.out" 2>"$tmp/serve.err" &
serve_pid=$!
pids+=("$serve_pid")
for _ in $(seq 300); do
    grep -q '"listening"' "$tmp/serve.out" && break
    kill -0 "$serve_pid" 2>/dev/null || die "serve failed under valgrind: $(tail -3 "$tmp/serve.err")"
    sleep 0.1
done
daytime=$(python3 -c 'import json, sys; print(json.loads(open(sys.argv[1]).readline())["port"])' "$tmp/serve.out") ||
    die "no listening event from serve: $(cat "$tmp/serve.out" "$tmp/serve.err")"
run connect-daytime connect 127.0.0.1 "$daytime"
wait "$serve_pid" || die "serve daytime --once failed under valgrind: $(tail -3 "$tmp/serve.err")"
stop_pid "$serve_pid"

nm --defined-only "$swnet" >"$tmp/symbols"
for profile in "$tmp"/*.cg; do
    callgrind_annotate --threshold=100 "$profile"
done >"$tmp/annotated"
python3 - "$swnet" "$tmp/annotated" "$tmp/swnet.map" "$tmp/symbols" "$out" <<'PY'
import re, sys

binary, annotated, map_file, symbols_file, out = sys.argv[1:]

# The binary's functions that ran, the busiest first (own instructions,
# summed over the runs): callgrind_annotate's "  44,303 (0.31%)  ???:NAME [OBJECT]".
cost = {}
line_format = re.compile(r"\s*([\d,]+)\s+(?:\([^)]*\)\s+)?\S*?:(\S+) \[(.*)\]$")
for line in open(annotated, errors="replace"):
    m = line_format.match(line.rstrip("\n"))
    if m and m.group(3) == binary:
        cost[m.group(2)] = cost.get(m.group(2), 0) + int(m.group(1).replace(",", ""))
ranked = sorted(cost, key=lambda name: -cost[name])

# Input sections of the code that hold many functions (64 KiB or more): their address ranges.
big = []
for line in open(map_file, errors="replace"):
    fields = line.split(None, 4)
    if len(fields) == 5 and ":(.text" in fields[4] and int(fields[2], 16) >= 1 << 16:
        start = int(fields[0], 16)
        big.append((start, start + int(fields[2], 16)))
address = {}
for line in open(symbols_file):
    fields = line.rstrip("\n").split(" ", 2)
    if len(fields) == 3 and fields[1] in "tTwW":
        address.setdefault(fields[2], int(fields[0], 16))
def inside_big(name):
    return name in address and any(low <= address[name] < high for low, high in big)
ordered = [name for name in ranked if not inside_big(name)] + [name for name in ranked if inside_big(name)]
if len(ordered) < 100:
    sys.exit(f"only {len(ordered)} functions of {binary} found in the profiles")

with open(out, "w") as f:
    f.write("# Written by bench/startup-order.sh: the functions swnet runs when it\n"
            "# starts, for the linker's --symbol-ordering-file (scripts/build-release).\n")
    f.writelines(name + "\n" for name in ordered)
print(f"{len(ordered)} functions, {sum(map(inside_big, ordered))} of them inside big sections (listed last)")
PY
log "wrote $out"
