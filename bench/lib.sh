# shellcheck shell=bash
# bench/lib.sh: the setup the benchmark scripts share. Sourced, never run:
#
#   here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
#   # shellcheck source=SCRIPTDIR/lib.sh
#   . "$here/lib.sh"
#
# Sourcing only sets bench_name, repo and pids and defines functions; nothing
# is installed, built, started or written until the script calls one.
#
# Variables the functions set for the script (hence SC2034 below):
#   swnet       find_swnet         the swnet binary to measure, absolute
#   shared      find_shared        the folder holding refecho.c and loadgen.c
#   tmp         make_tmp           the script's temporary folder
#   shell_none  use_hyperfine      (-N) when hyperfine can run without a shell
#   means       read_means         hyperfine's two mean times, in seconds
# shellcheck disable=SC2034

bench_name=${BASH_SOURCE[1]##*/}   # the sourcing script: connect.sh, startup.sh or serve.sh
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

die() { echo "$bench_name: $*" >&2; exit 1; }
log() { echo "== $*" >&2; }

# check_count NAME VALUE MAX: exit 2 unless VALUE, the setting NAME, is a
# whole number from 1 to MAX.
check_count() {
    [[ $2 =~ ^[1-9][0-9]*$ && $2 -le $3 ]] || { echo "$bench_name: $1 must be 1..$3, not '$2'" >&2; exit 2; }
}

apt_updated=
# need CMD PACKAGE: make sure CMD is there, installing PACKAGE when we are root.
need() {
    command -v "$1" >/dev/null 2>&1 && return 0
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
        log "installing $2 for $1"
        if [[ -z $apt_updated ]]; then apt-get update -qq >&2; apt_updated=1; fi
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >&2 || true
    fi
    command -v "$1" >/dev/null 2>&1
}

# find_swnet: set swnet to the binary to measure: $SWNET, or else the binary
# users get (scripts/build-release: static Swift runtime, stripped), built in
# .build-bench every time (not only when it is missing) so that a binary from
# older sources is never measured; when nothing changed, the incremental
# build only checks.
find_swnet() {
    if [[ -n ${SWNET:-} ]]; then
        [[ -x $SWNET ]] || die "SWNET=$SWNET is not an executable"
        swnet=$SWNET
    else
        log "building the release binary in .build-bench"
        swnet=$(bash "$repo/scripts/build-release" --scratch-path "$repo/.build-bench") || die "scripts/build-release --scratch-path .build-bench failed"
        [[ -x $swnet ]] || die "scripts/build-release made no $swnet"
    fi
    swnet=$(cd "$(dirname "$swnet")" && pwd)/$(basename "$swnet")
    # A binary the linker has just written sits in the page cache as dirty
    # pages until the kernel writes it back, and smaps counts those mapped
    # pages as the process's Private_Dirty (5 MiB more for a run of swnet):
    # written back, it is measured as an installed binary is.
    sync -- "$swnet"
}

# find_shared FILE...: set shared to the folder of C sources shared with other
# projects ($SHARED_BENCH, or ../shared/bench from the repo root), which must
# hold every FILE.
find_shared() {
    local f
    shared=${SHARED_BENCH:-$repo/../shared/bench}
    for f in "$@"; do
        [[ -f $shared/$f ]] || die "$f not found in $shared (set SHARED_BENCH)"
    done
}

# Processes to stop when the script exits: add each server's PID to pids.
pids=()
# stop_pid PID: SIGTERM, up to 5 s to exit (swnet's --grace is 2 s), then
# SIGKILL; and forget PID.
stop_pid() {
    local pid=$1 i
    kill "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    local kept=() p
    for p in "${pids[@]}"; do [[ $p == "$pid" ]] || kept+=("$p"); done
    pids=("${kept[@]}")
}
cleanup() {
    local pid
    for pid in "${pids[@]}"; do stop_pid "$pid"; done
    rm -rf "$tmp"
}
# make_tmp NAME: set tmp to a new folder swnet-bench-NAME.XXXXXX in $TMPDIR
# (or /tmp), and on exit (or SIGINT, SIGTERM) stop pids and remove it.
make_tmp() {
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/swnet-bench-$1.XXXXXX")
    trap cleanup EXIT
    trap 'exit 130' INT TERM
}

# compile_c SOURCE...: gcc -O2 each SOURCE (a .c file) into $tmp, named
# without the .c.
compile_c() {
    local src
    for src in "$@"; do
        gcc -O2 -o "$tmp/$(basename "$src" .c)" "$src"
    done
}

# free_port tcp|udp: bind port 0 on 127.0.0.1 and print what the kernel chose.
# Another process could take it before our server binds it; the server's
# readiness check then fails.
free_port() {
    python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM if sys.argv[1] == "tcp" else socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()' "$1"
}

# start_nginx PORT: a private nginx ($nginx, else the one on PATH) with its own
# config, pid, logs and temp folders in $tmp/nginx, in the foreground (daemon
# off) so that its PID is ours to stop. Its http block's own lines (settings
# and server blocks) come on stdin. Waits up to 5 s until 127.0.0.1:PORT
# accepts; sets nginx_pid.
start_nginx() {
    local port=$1
    mkdir -p "$tmp/nginx"
    {
        cat <<CONF
daemon off;
worker_processes 1;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $tmp/nginx/body;
    proxy_temp_path $tmp/nginx/proxy;
    fastcgi_temp_path $tmp/nginx/fastcgi;
    uwsgi_temp_path $tmp/nginx/uwsgi;
    scgi_temp_path $tmp/nginx/scgi;
CONF
        cat
        echo "}"
    } >"$tmp/nginx/nginx.conf"
    "${nginx:-nginx}" -p "$tmp/nginx" -e "$tmp/nginx/error.log" -c "$tmp/nginx/nginx.conf" &
    nginx_pid=$!
    pids+=("$nginx_pid")
    for _ in $(seq 50); do
        kill -0 "$nginx_pid" 2>/dev/null || die "nginx exited at start: $(cat "$tmp/nginx/error.log" 2>/dev/null)"
        if probe tcp "$port"; then return 0; fi
        sleep 0.1
    done
    probe tcp "$port" || die "nginx does not accept on 127.0.0.1:$port"
}

# probe tcp|udp PORT: one connection (TCP) or one echoed datagram (UDP) to
# 127.0.0.1:PORT within a second.
probe() {
    python3 -c '
import socket, sys
port = int(sys.argv[2])
if sys.argv[1] == "tcp":
    socket.create_connection(("127.0.0.1", port), 1).close()
else:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(1)
    s.connect(("127.0.0.1", port)); s.send(b"probe")
    assert s.recv(64) == b"probe"' "$1" "$2" 2>/dev/null
}

# use_hyperfine: succeed when hyperfine is to time the runs (it is installed
# and BENCH_NO_HYPERFINE is unset); set shell_none to (-N) when it can run
# commands without a shell, else to ().
use_hyperfine() {
    shell_none=()
    if [[ -n ${BENCH_NO_HYPERFINE:-} ]] || ! command -v hyperfine >/dev/null 2>&1; then return 1; fi
    if hyperfine --help 2>&1 | grep -q -- '--shell=none'; then shell_none=(-N); fi
    return 0
}

# read_means JSON: set means to the mean times of the two commands in
# hyperfine's --export-json file JSON, and copy it into BENCH_JSON_DIR when set.
read_means() {
    read -r -a means < <(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))["results"]
print(r[0]["mean"], r[1]["mean"])' "$1")
    if [[ -n ${BENCH_JSON_DIR:-} ]]; then cp "$1" "$BENCH_JSON_DIR/$(basename "$1")"; fi
}

# report LINE...: print the summary lines, and append them to BENCH_RESULTS
# (bench/run collects them there) when it is set.
report() {
    printf '%s\n' "$@"
    if [[ -n ${BENCH_RESULTS:-} ]]; then printf '%s\n' "$@" >>"$BENCH_RESULTS"; fi
}
