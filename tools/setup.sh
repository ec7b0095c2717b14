#!/bin/sh
# Gets a checkout ready to use: installs the Debian packages in
# tools/packages.txt that are missing (apt-get update once, only then), sets up
# the meson build directory build/ if there is none, and builds it.
# Idempotent: a second run installs nothing and only rebuilds what changed.
#   tools/setup.sh              packages, then build/
#   tools/setup.sh --deps-only  packages only
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"

deps_only=false
case "${1:-}" in
--deps-only) deps_only=true ;;
"") ;;
*)
        echo "usage: $0 [--deps-only]" >&2
        exit 2
        ;;
esac

packages=$(awk '{ sub(/#.*/, ""); for (i = 1; i <= NF; i++) print $i }' tools/packages.txt)
missing=
for p in $packages; do
        status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
        [ "$status" = installed ] || missing="$missing $p"
done

if [ -n "$missing" ]; then
        sudo=
        if [ "$(id -u)" != 0 ]; then
                command -v sudo >/dev/null || {
                        echo "setup: need root (or sudo) to install:$missing" >&2
                        exit 1
                }
                sudo=sudo
        fi
        echo "setup: installing:$missing"
        $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q
        # shellcheck disable=SC2086 # one word per package
        $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
fi

$deps_only && exit 0

if [ ! -f build/build.ninja ]; then
        if [ -d build/meson-private ]; then
                meson setup --wipe build
        else
                meson setup build
        fi
fi
ninja -C build
