#!/usr/bin/env bats
# Attacks 3 and 4 (runc CVE-2021-30465 and kin): a rootfs whose /proc, /sys
# or /dev, or a mount destination, is a symlink to the host; and the same
# swapped in while the container is being set up.
load ../lib
load helpers/attack

setup_file() {
        rootfs_tarball
        export ROOTFS_TAR ROOTFS_KIND
}
setup() {
        host_setup
        make_rootfs_dir
}
teardown() {
        rm -rf "$ROOTFS_DIR"
        host_teardown
}

@test "attack 3: a rootfs whose proc, sys or dev is a symlink to a host path is refused" {
        for d in proc sys dev; do
                for target in "$CANARY_DIR" /; do
                        rm -rf "${ROOTFS_DIR:?}/$d"
                        ln -s "$target" "$ROOTFS_DIR/$d"
                        run "$NSBOX" run --rootfs "$ROOTFS_DIR" -- true
                        echo "$d -> $target: $output"
                        [ "$status" -eq 125 ]
                        [ "$output" = "nsbox run: rootfs: /$d is a symlink; refused (/$d must be a directory of the rootfs's own)" ]
                done
                rm "$ROOTFS_DIR/$d"
                mkdir "$ROOTFS_DIR/$d"
        done
        host_check
}

@test "attack 3: a --bind destination that is a symlink to / is refused; one to a host path stays inside" {
        mkdir "$BATS_TEST_TMPDIR/src"
        echo bound >"$BATS_TEST_TMPDIR/src/file"
        ln -s / "$ROOTFS_DIR/mnt/evil"
        run "$NSBOX" run --rootfs "$ROOTFS_DIR" --bind "$BATS_TEST_TMPDIR/src:/mnt/evil" -- true
        echo "$output"
        [ "$status" -eq 125 ]
        [ "$output" = "nsbox run: mount target /mnt/evil: resolves to the rootfs's own root (through a symlink); refused" ]
        # a symlink to a host path the rootfs does not have: refused
        ln -s "$CANARY_DIR" "$ROOTFS_DIR/mnt/host"
        run "$NSBOX" run --rootfs "$ROOTFS_DIR" --bind "$BATS_TEST_TMPDIR/src:/mnt/host" -- true
        echo "$output"
        [ "$status" -eq 125 ]
        [ "$output" = "nsbox run: mount target /mnt/host: No such file or directory" ]
        # one to a path both have (/root): the bind lands in the rootfs's own
        ln -s /root "$ROOTFS_DIR/mnt/root"
        run "$NSBOX" run --rootfs "$ROOTFS_DIR" --bind "$BATS_TEST_TMPDIR/src:/mnt/root" -- \
                sh -c "cat /root/file; ls /mnt/root"
        echo "$output"
        [ "$status" -eq 0 ]
        [ "${lines[0]}" = bound ]
        [ ! -e /root/file ]
        host_check
}

@test "attack 4: a symlink to / swapped in during setup: 20 containers, every mount inside the rootfs or a failed run" {
        mkdir -p "$ROOTFS_DIR/race/dir" "$BATS_TEST_TMPDIR/src"
        ln -s / "$ROOTFS_DIR/race/link"
        echo bound >"$BATS_TEST_TMPDIR/src/file"
        target="nsbox-race-$$"
        "$ATTACK" swap "$ROOTFS_DIR/race/dir" "$ROOTFS_DIR/race/link" &
        swapper=$!
        ok=0 refused=0
        for i in $(seq 20); do
                # the bind is in the container's mount table, so inside its
                # root: a mount made outside would have gone with the old root
                run "$NSBOX" run --rootfs "$ROOTFS_DIR" --bind "$BATS_TEST_TMPDIR/src:/race/dir/$target" -- \
                        sh -c "grep -c ' [^ ]*/$target ' /proc/self/mountinfo"
                if [ "$status" -eq 0 ]; then
                        [ "$output" = 1 ] || { echo "run $i: $output"; kill "$swapper"; false; }
                        ok=$((ok + 1))
                else
                        [ "$status" -eq 125 ] || { echo "run $i: $status $output"; kill "$swapper"; false; }
                        refused=$((refused + 1))
                fi
        done
        kill "$swapper"
        wait "$swapper" || true
        echo "ok $ok refused $refused"
        # nothing was created or mounted on the host's side of the symlink
        [ ! -e "/$target" ]
        host_check
}
