#!/bin/sh
# Prepares what bench/run.sh measures, in $NSBOX_BENCH_DIR (default
# /var/tmp/nsbox-bench, outside the checkout so that the unprivileged user
# nobody can reach it): the Debian packages it compares against, the floor
# program, a busybox rootfs and an OCI bundle around it (runc's default spec,
# and runc's rootless spec for the unprivileged runs). Idempotent; run as root.
# Not part of the test suite: tools/packages.txt does not list these packages.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=${NSBOX_BENCH_DIR:-/var/tmp/nsbox-bench}

pkgs="hyperfine time crun runc bubblewrap busybox-static util-linux gcc libc6-dev python3 strace valgrind"
missing=
for p in $pkgs; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
        echo "bench/setup.sh: installing$missing" >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing >/dev/null
fi

mkdir -p "$work"
chmod 755 "$work"

# the floor, as small and direct as it can be
if [ ! -x "$work/floor" ] || [ "$here/floor.c" -nt "$work/floor" ]; then
        gcc -O2 -Wall -Wextra -Werror -o "$work/floor.tmp" "$here/floor.c"
        mv "$work/floor.tmp" "$work/floor"
fi

# a busybox rootfs: /bin/true is busybox-static, so no dynamic loader runs
rootfs=$work/rootfs
if [ ! -x "$rootfs/bin/true" ]; then
        rm -rf "$rootfs.tmp"
        mkdir -p "$rootfs.tmp"
        (cd "$rootfs.tmp" && mkdir -p bin sbin usr/bin usr/sbin etc proc sys dev tmp root run var)
        chmod 1777 "$rootfs.tmp/tmp"
        cp /bin/busybox "$rootfs.tmp/bin/busybox"
        for a in $(/bin/busybox --list); do
                [ "$a" = busybox ] || ln -s busybox "$rootfs.tmp/bin/$a"
        done
        printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' \
                >"$rootfs.tmp/etc/passwd"
        printf 'root:x:0:\nnogroup:x:65534:\n' >"$rootfs.tmp/etc/group"
        chmod -R a+rX "$rootfs.tmp"
        rm -rf "$rootfs"
        mv "$rootfs.tmp" "$rootfs"
fi

# OCI bundles on the same rootfs: runc's own default spec (and its rootless
# one), with /bin/true as the process and no terminal
make_bundle() { # DIR [--rootless]
        dir=$1
        shift
        [ -f "$dir/config.json" ] && [ "$dir/config.json" -nt "$0" ] && return 0
        rm -rf "$dir"
        mkdir -p "$dir"
        (cd "$dir" && runc spec "$@")
        python3 - "$dir/config.json" "$rootfs" <<'EOF'
import json, sys
path, rootfs = sys.argv[1], sys.argv[2]
c = json.load(open(path))
c["process"]["args"] = ["/bin/true"]
c["process"]["terminal"] = False
c["root"]["path"] = rootfs
for m in c["linux"].get("uidMappings", []) + c["linux"].get("gidMappings", []):
    m["hostID"] = 65534  # runs as nobody (runc spec --rootless maps its caller, root here)
json.dump(c, open(path, "w"), indent=1)
EOF
        chmod -R a+rX "$dir"
}
make_bundle "$work/bundle"
make_bundle "$work/bundle-rootless" --rootless

echo "$work"
