#!/bin/sh
# Runs the whole test suite in BUILD (default: build), building first, and
# prints a last line "N passed, N failed, N skipped". Run as root: most tests
# create real namespaces; they also run parts as the unprivileged user nobody.
set -u
build=${1:-build}
here=$(cd "$(dirname "$0")/.." && pwd)
[ -d "$build" ] || meson setup "$build" "$here" >/dev/null || exit 1
ninja -C "$build" || exit 1
meson test -C "$build" --print-errorlogs --no-rebuild ${MESON_TEST_ARGS:-}
rc=$?
python3 "$here/tools/tap-summary.py" "$build/meson-logs/testlog.json" || rc=1
exit $rc
