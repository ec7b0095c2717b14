#!/usr/bin/env bats
# Attack 2 (runc CVE-2024-21626): a host directory fd that reaches the
# container, directly or as a working directory /proc/self/fd/N.
load ../lib
load helpers/attack

setup_file() {
        rootfs_tarball
        export ROOTFS_TAR ROOTFS_KIND
}
setup() { host_setup; }
teardown() { host_teardown; }

@test "attack 2: a host directory fd of the caller is not visible inside; only 0, 1, 2 are open" {
        exec 7<"$CANARY_DIR" 9</
        run "$NSBOX" run --rootfs "$ROOTFS_TAR" \
                --bind "$NSBOX_BUILD/tests/payload/nsbox-test-fds:/tmp/fds:ro" -- /tmp/fds
        exec 7<&- 9<&-
        echo "$output"
        [ "$status" -eq 0 ]
        [ "${#lines[@]}" -eq 3 ]
        [[ "${lines[0]}" == "0 "* ]]
        [[ "${lines[1]}" == "1 "* ]]
        [[ "${lines[2]}" == "2 "* ]]
        [[ "$output" != *nsbox-canary* ]]
        host_check
}

@test "attack 2: --workdir /proc/self/fd/N is refused for N in 3..20, and getcwd never leaves the root" {
        exec 7<"$CANARY_DIR" 8</ 9</tmp
        for n in $(seq 3 20); do
                run attack_run --workdir "/proc/self/fd/$n" -- getcwd
                [ "$status" -eq 125 ] || { echo "fd $n: status $status: $output"; false; }
                [[ "$output" == *"workdir '/proc/self/fd/$n'"* ]]
                [[ "$output" != *unreachable* ]]
        done
        # the same through a symlink planted in the rootfs
        make_rootfs_dir
        ln -s /proc/self/fd/7 "$ROOTFS_DIR/escape"
        run "$NSBOX" run --rootfs "$ROOTFS_DIR" --workdir /escape -- pwd
        exec 7<&- 8<&- 9<&-
        echo "$output"
        [ "$status" -eq 125 ]
        [[ "$output" != *unreachable* ]]
        # an ordinary workdir still works, and getcwd is inside
        run attack_run --workdir /tmp -- getcwd
        [ "$status" -eq 0 ]
        [ "$output" = /tmp ]
        rm -rf "$ROOTFS_DIR"
        host_check
}

@test "--preserve-fds N passes exactly fds 3..3+N-1, and refuses fds that are not open" {
        # fd 3 is bats's own: the fds are set up in a shell of their own
        fds="$NSBOX_BUILD/tests/payload/nsbox-test-fds:/tmp/fds:ro"
        run bash -c 'exec 3<"$1" 4</dev/null 5</; exec "$2" run --preserve-fds 2 --rootfs "$3" --bind "$4" -- /tmp/fds' \
                _ "$CANARY_DIR/canary" "$NSBOX" "$ROOTFS_TAR" "$fds"
        echo "$output"
        [ "$status" -eq 0 ]
        [ "${#lines[@]}" -eq 5 ]
        [[ "${lines[3]}" == "3 "*canary ]]
        [ "${lines[4]}" = "4 /dev/null" ]
        # without the option, none of them
        run bash -c 'exec 3<"$1"; exec "$2" run --rootfs "$3" -- sh -c "cat <&3"' \
                _ "$CANARY_DIR/canary" "$NSBOX" "$ROOTFS_TAR"
        [ "$status" -ne 0 ]
        [[ "$output" != *canary* ]]
        run bash -c 'exec 3<&- 4<&-; exec "$1" run --preserve-fds 1 -- true' _ "$NSBOX"
        echo "$output"
        [ "$status" -eq 125 ]
        [ "$output" = "nsbox run: preserve-fds 1: fd 3 is not open" ]
        host_check
}
