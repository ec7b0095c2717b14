#!/usr/bin/env bats
# Attacks 5 and 9: capabilities beyond the container engines' default set,
# and privileges regained through a setuid-root binary.
load ../lib
load helpers/attack

setup_file() {
        rootfs_tarball
        export ROOTFS_TAR ROOTFS_KIND
}
setup() { host_setup; }
teardown() { host_teardown; }

caps() {
        run "$NSBOX" run "$@" --rootfs "$ROOTFS_TAR" -- grep -E '^(Cap|NoNewPrivs)' /proc/self/status
        echo "$output"
        [ "$status" -eq 0 ]
}

@test "attack 5: the default capability set, exactly, in bounding, permitted and effective; none inheritable or ambient" {
        caps
        [ "${lines[0]}" = "CapInh:	0000000000000000" ]
        [ "${lines[1]}" = "CapPrm:	00000000a80425fb" ]
        [ "${lines[2]}" = "CapEff:	00000000a80425fb" ]
        [ "${lines[3]}" = "CapBnd:	00000000a80425fb" ]
        [ "${lines[4]}" = "CapAmb:	0000000000000000" ]
        host_check
}

@test "attack 5: --cap-drop ALL leaves nothing in all five sets" {
        caps --cap-drop ALL
        for i in 0 1 2 3 4; do
                [[ "${lines[$i]}" == *"	0000000000000000" ]]
        done
        host_check
}

@test "--cap-add and --cap-drop take names with or without CAP_, in any case, and ALL" {
        caps --cap-add CAP_NET_ADMIN --cap-add sys_ptrace --cap-drop MKNOD --cap-drop cap_kill
        # default a80425fb + NET_ADMIN (12) + SYS_PTRACE (19) - MKNOD (27) - KILL (5)
        [ "${lines[3]}" = "CapBnd:	00000000a00c35db" ]
        [ "${lines[2]}" = "CapEff:	00000000a00c35db" ]
        caps --cap-drop ALL --cap-add CHOWN
        [ "${lines[3]}" = "CapBnd:	0000000000000001" ]
        run "$NSBOX" run --cap-add NOPE -- true
        [ "$status" -eq 125 ]
        [ "$output" = "nsbox run: cap-add 'NOPE': unknown capability (see capabilities(7); CAP_ may be left out)" ]
        run "$NSBOX" run --cap-add SYS_RESOURCE -- true
        [ "$status" -eq 125 ]
        [[ "$output" == *"CAP_SYS_RESOURCE"*"bounding set"* ]]
        host_check
}

@test "--privileged: every capability this machine allows, and it says so" {
        caps --privileged
        bnd=$(awk '/^CapBnd/ {print $2}' /proc/self/status)
        [ "${lines[0]}" = "nsbox run: --privileged: the container gets every capability this machine allows (not CAP_SYS_RESOURCE, which is outside its bounding set), no seccomp filter, no masked or read-only paths, and a writable /sys" ]
        [ "${lines[4]}" = "CapBnd:	$bnd" ]
        [ "${lines[3]}" = "CapEff:	$bnd" ]
        run "$NSBOX" run --privileged -- sh -c 'grep Seccomp: /proc/self/status; test -s /proc/kcore && echo kcore'
        [[ "$output" == *"Seccomp:	0"* ]]
        host_check
}

@test "attack 5: a setuid-root binary run by uid 1000 gains nothing" {
        make_rootfs_dir
        # busybox drops a setuid root by itself: the static payload does not
        cp "$ATTACK" "$ROOTFS_DIR/suid"
        chmod 4755 "$ROOTFS_DIR/suid"
        run "$NSBOX" run --user 1000 --rootfs "$ROOTFS_DIR" -- /suid status
        echo "$output"
        [ "$status" -eq 0 ]
        [ "${lines[0]}" = "Uid:	1000	1000	1000	1000" ]
        [ "${lines[1]}" = "CapEff:	0000000000000000" ]
        # the test can fail: without no_new_privs the same binary is root
        run "$NSBOX" run --security-opt no-new-privileges=false --user 1000 --rootfs "$ROOTFS_DIR" -- \
                /suid status
        echo "$output"
        [ "${lines[0]}" = "Uid:	1000	0	0	0" ]
        [ "${lines[1]}" = "CapEff:	00000000a80425fb" ]
        rm -rf "$ROOTFS_DIR"
        host_check
}

@test "attack 9: no_new_privs is on, and --security-opt no-new-privileges=false turns it off" {
        caps
        [ "${lines[5]}" = "NoNewPrivs:	1" ]
        caps --security-opt no-new-privileges=false
        [ "${lines[5]}" = "NoNewPrivs:	0" ]
        caps --security-opt no-new-privileges
        [ "${lines[5]}" = "NoNewPrivs:	1" ]
        run "$NSBOX" run --security-opt no-new-privileges=maybe -- true
        [ "$status" -eq 125 ]
        [ "$output" = "nsbox run: security-opt 'no-new-privileges=maybe': expected true or false" ]
        host_check
}
