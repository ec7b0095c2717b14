#!/bin/bash
# Lists what nsbox may have left behind on the host, one line each, and exits 1
# if there is anything (DESIGN.md §6: bad input leaves no mount, cgroup or
# process behind):
#   mount: ...     lines of /proc/self/mountinfo that mention nsbox
#   process: ...   processes whose argv[0] or /proc/PID/exe is an nsbox binary
#   cgroup: ...    cgroups under /sys/fs/cgroup/*/nsbox/ (v1 hierarchies and the
#                  unified one) or /sys/fs/cgroup/nsbox/ (a cgroup2-only host)
#
# Usage: tools/check-leaks.sh [--save FILE | --since FILE] [BINARY...]
#   BINARY       nsbox binaries to look for (default: $NSBOX, every
#                build*/src/nsbox of this checkout, and plain "nsbox")
#   --save FILE  record what is there now (a baseline) and exit 0
#   --since FILE report only what is not in the baseline FILE, so leftovers of
#                something that ran before (another session, a crashed editor
#                test) are not blamed on the run being checked
set -u
here=$(cd "$(dirname "$0")/.." && pwd)

mode=check
base=
case "${1:-}" in
--save | --since)
        [ $# -ge 2 ] || {
                echo "usage: $0 [--save FILE | --since FILE] [BINARY...]" >&2
                exit 2
        }
        mode=${1#--}
        base=$2
        shift 2
        ;;
-h | --help)
        sed -n '2,/^set -u/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'
        exit 0
        ;;
esac

binaries=("$@")
if [ ${#binaries[@]} -eq 0 ]; then
        [ -n "${NSBOX:-}" ] && binaries+=("$NSBOX")
        for b in "$here"/build*/src/nsbox; do
                [ -x "$b" ] && binaries+=("$b")
        done
fi
# Both the names as given and their real paths: argv[0] holds the former,
# /proc/PID/exe the latter.
declare -A want=([nsbox]=1)
for b in "${binaries[@]}"; do
        want[$b]=1
        r=$(realpath -e -- "$b" 2>/dev/null) && want[$r]=1
done

findings() {
        grep nsbox /proc/self/mountinfo | sed 's/^/mount: /'

        local d pid arg0 exe
        for d in /proc/[0-9]*; do
                pid=${d#/proc/}
                [ "$pid" = "$$" ] && continue
                arg0=$(tr '\0' '\n' <"$d/cmdline" 2>/dev/null | head -n 1)
                exe=$(readlink "$d/exe" 2>/dev/null)
                exe=${exe% (deleted)}
                if { [ -n "$arg0" ] && [ -n "${want[$arg0]:-}" ]; } ||
                        { [ -n "$exe" ] && [ -n "${want[$exe]:-}" ]; }; then
                        echo "process: $pid $(tr '\0' ' ' <"$d/cmdline" 2>/dev/null)"
                fi
        done

        local c
        for c in /sys/fs/cgroup/*/nsbox/*/ /sys/fs/cgroup/nsbox/*/; do
                [ -d "$c" ] && echo "cgroup: ${c%/}"
        done
}

now=$(findings | LC_ALL=C sort -u)
case $mode in
save)
        printf '%s\n' "$now" >"$base"
        exit 0
        ;;
since)
        if [ -f "$base" ]; then
                now=$(LC_ALL=C comm -13 <(LC_ALL=C sort -u "$base") <(printf '%s\n' "$now"))
        fi
        ;;
esac
now=$(printf '%s\n' "$now" | sed '/^$/d')
if [ -n "$now" ]; then
        echo "check-leaks: nsbox left these behind:"
        printf '%s\n' "$now" | sed 's/^/  /'
        exit 1
fi
exit 0
