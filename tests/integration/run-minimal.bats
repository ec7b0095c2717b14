#!/usr/bin/env bats
# nsbox run --minimal: the container gets the floor's mounts (bench/floor.c),
# its root and its own /proc, and nothing else unless asked for.
load ../lib
bats_require_minimum_version 1.5.0

setup_file() {
        rootfs_tarball
        export ROOTFS_TAR ROOTFS_KIND
        "$NSBOX" run --rootfs "$ROOTFS_TAR" -- true
}

# the mount points the container sees, one a line
mounts_inside() {
        "$NSBOX" run --rootfs "$ROOTFS_TAR" "$@" -- sh -c 'cut -d" " -f5 /proc/self/mountinfo'
}

@test "--minimal: only / and the container's own /proc" {
        run -0 mounts_inside --minimal --net host
        echo "$output"
        [ "$output" = "$(printf '/\n/proc')" ]
        # the /proc is the container's: PID 1 is the command itself
        run -0 "$NSBOX" run --rootfs "$ROOTFS_TAR" --minimal -- sh -c 'cat /proc/1/cmdline | tr "\0" " "'
        [ "$output" = "sh -c cat /proc/1/cmdline | tr \"\\0\" \" \" " ]
}

@test "without --minimal: /dev, /sys, /tmp, masked and generated paths are there (the test can fail)" {
        run -0 mounts_inside --net host
        echo "$output"
        for m in /dev /dev/pts /sys /tmp /proc/keys /proc/sys /etc/hostname; do
                grep -qx "$m" <<<"$output"
        done
}

@test "--minimal keeps what is asked for: --tmpfs and --bind" {
        run -0 mounts_inside --minimal --tmpfs /tmp --bind /etc/os-release:/mnt/os-release:ro
        echo "$output"
        [ "$output" = "$(printf '/\n/proc\n/tmp\n/mnt/os-release')" ]
}

@test "--minimal in --print-spec: one mount, no masked or read-only paths" {
        run -0 "$NSBOX" run --rootfs "$ROOTFS_TAR" --minimal --print-spec
        python3 -c '
import json, sys
c = json.loads(sys.argv[1])
assert [m["destination"] for m in c["mounts"]] == ["/proc"], c["mounts"]
assert not c["linux"].get("maskedPaths") and not c["linux"].get("readonlyPaths"), c["linux"]
' "$output"
}
