#!/bin/bash
# bench/lsns.sh: nsbox lsns against util-linux lsns and ps -e, side by side
# (hyperfine), idle and with N extra processes each in their own uts and ipc
# namespaces. Not a test: it prints a table and never fails on the numbers.
#
#   sudo bench/lsns.sh [BUILD_DIR] [COUNTS...]   (defaults: build-bench, 0 1000 5000)
#
# BUILD_DIR is set up as a release (-O2) build when it does not exist yet.
# BENCH_RUNS (default 10) sets hyperfine's runs per command.
#
# Each state is made inside a private pid namespace with its own /proc
# (unshare -p -f --mount-proc), so that other work on the machine does not
# change what is measured, and so that every process made here dies with that
# namespace's pid 1 when the run ends (or is interrupted): nothing is left.
# Output: a Markdown table on stdout (median wall time; util-linux's over
# nsbox's; mean user+system CPU time, which other load on the machine disturbs
# less than wall time; peak RSS from /usr/bin/time -v); hyperfine's own output
# on stderr.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build-bench}
shift || true
if [ ! -d "$build" ]; then
        meson setup "$build" "$here" --buildtype=release >/dev/null || exit 1
fi
ninja -C "$build" >/dev/null || exit 1
counts=("$@")
[ ${#counts[@]} -gt 0 ] || counts=(0 1000 5000)
nsbox=$(cd "$build" 2>/dev/null && pwd)/src/nsbox
[ -x "$nsbox" ] || { echo "bench/lsns.sh: no $nsbox; build first (meson setup build && ninja -C build)" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "bench/lsns.sh: run as root (the processes need new namespaces)" >&2; exit 1; }
for t in hyperfine lsns ps /usr/bin/time; do
        command -v "$t" >/dev/null || { echo "bench/lsns.sh: $t is missing (bench/setup.sh installs it)" >&2; exit 1; }
done
runs=${BENCH_RUNS:-10}

echo "| processes | command | nsbox lsns | util-linux lsns | ps -e | util-linux / nsbox | nsbox CPU | util-linux CPU | ps -e CPU | nsbox RSS | util-linux RSS |"
echo "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for n in "${counts[@]}"; do
        unshare -p -f --mount-proc bash -s -- "$nsbox" "$n" "$runs" <<'INNER'
set -eu
nsbox=$1 n=$2 runs=$3
tmp=$(mktemp -d /tmp/nsbox-bench-lsns.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
ln -s "$nsbox" "$tmp/lsns"
for ((i = 0; i < n; i++)); do
        unshare --uts --ipc sleep infinity &
done
# every one of them in its own namespaces, sleeping (not still unsharing)
for i in $(seq 600); do
        [ "$(pgrep -c -x sleep || true)" -ge "$n" ] && break
        sleep 0.1
done
[ "$(pgrep -c -x sleep || true)" -ge "$n" ] || { echo "only $(pgrep -c -x sleep) of $n processes started" >&2; exit 1; }
[ "$("$tmp/lsns" -n -t uts | wc -l)" -ge "$n" ] || { echo "the namespaces are not there" >&2; exit 1; }
median() { # hyperfine JSON -> median wall seconds of command $2
        python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["results"][int(sys.argv[2])]["median"])' "$1" "$2"
}
cpu() { # hyperfine JSON -> mean user + system seconds of command $2
        python3 -c 'import json,sys; r = json.load(open(sys.argv[1]))["results"][int(sys.argv[2])]; print(r["user"] + r["system"])' "$1" "$2"
}
rss() { # peak RSS in KiB
        /usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F': ' '/Maximum resident set size/ { print $2 }'
}
for args in "" "-J -t pid"; do
        hyperfine -N -w 2 -r "$runs" --export-json "$tmp/h.json" \
                -n "nsbox lsns $args" "$tmp/lsns $args" \
                -n "util-linux lsns $args" "lsns $args" \
                -n "ps -e" "ps -e" >&2
        a=$(median "$tmp/h.json" 0) b=$(median "$tmp/h.json" 1) c=$(median "$tmp/h.json" 2)
        printf '| %s | `lsns %s` | %.3f s | %.3f s | %.3f s | %.1f× | %.3f s | %.3f s | %.3f s | %s KiB | %s KiB |\n' \
                "$n" "$args" "$a" "$b" "$c" "$(python3 -c "print($b / $a)")" \
                "$(cpu "$tmp/h.json" 0)" "$(cpu "$tmp/h.json" 1)" "$(cpu "$tmp/h.json" 2)" \
                "$(rss "$tmp/lsns" $args)" "$(rss lsns $args)"
done
INNER
done
