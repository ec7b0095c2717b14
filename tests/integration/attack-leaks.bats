#!/usr/bin/env bats
# Attack 10: after the attacks, nothing is left behind: the host's mount
# table, cgroups and process list as before (limited to what this build's
# runs can create, since other tests share the machine).
load ../lib
load helpers/attack

setup_file() {
        rootfs_tarball
        export ROOTFS_TAR ROOTFS_KIND
}

# every container here is named attack10-PID-N, so its cgroups (when nsbox
# makes them) can be told from other tests'
snapshot() {
        grep -e "$NSBOX_BUILD" -e "$BATS_TEST_TMPDIR" -e "attack10-$$" /proc/self/mountinfo | cut -d' ' -f5 | sort
        find /sys/fs/cgroup -maxdepth 4 -name "*attack10-$$*" 2>/dev/null | sort
        pgrep -f "$NSBOX_BUILD" -a | grep -v pgrep || true
}

@test "attack 10: after every attack of the suite, no mount, cgroup or process of ours is left" {
        before=$(snapshot)
        host_setup
        attack_run --name attack10-$$-1 -- syscalls >/dev/null
        attack_run --name attack10-$$-2 --init -- exe-write 10 /proc/self/exe /proc/1/exe >/dev/null
        attack_run --name attack10-$$-3 --workdir /proc/self/fd/3 -- getcwd 2>/dev/null || true
        attack_run --name attack10-$$-4 --privileged -- syscalls >/dev/null 2>&1
        attack_run --name attack10-$$-5 --seccomp=unconfined -- syscalls >/dev/null
        "$NSBOX" run --name attack10-$$-6 --rootfs "$ROOTFS_TAR" -- sh -c 'umount /proc/keys; echo x >/proc/sys/kernel/core_pattern' 2>/dev/null || true
        timeout 2 "$NSBOX" run --name attack10-$$-7 --rootfs "$ROOTFS_TAR" -- sleep 60 || true
        make_rootfs_dir
        rm -rf "$ROOTFS_DIR/dev" && ln -s / "$ROOTFS_DIR/dev"
        "$NSBOX" run --name attack10-$$-8 --rootfs "$ROOTFS_DIR" -- true 2>/dev/null || true
        rm -rf "$ROOTFS_DIR"
        after=$(snapshot)
        [ "$before" = "$after" ] || { diff <(echo "$before") <(echo "$after"); false; }
        host_check
        host_teardown
}
