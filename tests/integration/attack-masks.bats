#!/usr/bin/env bats
# Attack 7: what the masked and read-only paths keep from the container.
load ../lib
load helpers/attack

setup_file() {
        rootfs_tarball
        export ROOTFS_TAR ROOTFS_KIND
}
setup() { host_setup; }
teardown() { host_teardown; }

@test "attack 7: /proc/kcore, /proc/keys and /sys/firmware read as nothing; sysrq-trigger and core_pattern are read-only; no umount" {
        core_before=$(cat /proc/sys/kernel/core_pattern)
        # this kernel has no /proc/kcore and no /proc/sysrq-trigger: where
        # the host lacks them, the container must lack them too
        run "$NSBOX" run --rootfs "$ROOTFS_TAR" -- sh -c '
                echo "kcore $(cat /proc/kcore 2>/dev/null | wc -c)"
                echo "keys $(wc -c </proc/keys)"
                echo "firmware $(ls -A /sys/firmware | wc -l)"
                if [ -e /proc/sysrq-trigger ]; then echo h 2>&1 >/proc/sysrq-trigger | sed "s/.*: //"
                else echo "no sysrq-trigger"; fi
                echo core 2>&1 >/proc/sys/kernel/core_pattern | sed "s/.*: //"
                umount /proc/keys 2>&1 | sed "s/.*: //"
                grep " /sys/fs/cgroup " /proc/self/mountinfo | cut -d" " -f6 | cut -d, -f1'
        echo "$output"
        [ "${lines[0]}" = "kcore 0" ]
        [ "${lines[1]}" = "keys 0" ]
        [ "${lines[2]}" = "firmware 0" ]
        if [ -e /proc/sysrq-trigger ]; then
                [ "${lines[3]}" = "Read-only file system" ]
        else
                [ "${lines[3]}" = "no sysrq-trigger" ]
        fi
        [ "${lines[4]}" = "Read-only file system" ]
        [ "${lines[5]}" = "Operation not permitted" ]
        # /sys/fs/cgroup is a read-only mount of its own
        [ "${lines[6]}" = ro ]
        # the host's own are untouched and still there
        [ "$(cat /proc/sys/kernel/core_pattern)" = "$core_before" ]
        host_check
}

@test "the masks stand without seccomp too: root with CAP_SYS_ADMIN cannot write through them" {
        core_before=$(cat /proc/sys/kernel/core_pattern)
        run "$NSBOX" run --seccomp=unconfined --rootfs "$ROOTFS_TAR" -- sh -c '
                echo core 2>&1 >/proc/sys/kernel/core_pattern | sed "s/.*: //"
                echo "keys $(wc -c </proc/keys)"'
        echo "$output"
        [ "${lines[0]}" = "Read-only file system" ]
        [ "${lines[1]}" = "keys 0" ]
        [ "$(cat /proc/sys/kernel/core_pattern)" = "$core_before" ]
        host_check
}
