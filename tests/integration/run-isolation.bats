#!/usr/bin/env bats
# What nsbox run must keep apart from the host (issue: the tutorial end to end).
load ../lib

setup_file() {
        rootfs_tarball
        export ROOTFS_TAR ROOTFS_KIND
}

@test "mounts made inside never appear outside, even under a shared mount tree" {
        # The host's / is already private here, so make our own scaffolding
        # shared first (in a private mount namespace of the test), or the test
        # would prove nothing.
        run unshare -m --propagation unchanged sh -c '
                mount --make-rshared /
                before=$(wc -l </proc/self/mountinfo)
                "$0" run --bind /tmp:/mnt -- sh -c "sleep 1" &
                sleep 0.5
                during=$(wc -l </proc/self/mountinfo)
                wait
                after=$(wc -l </proc/self/mountinfo)
                echo "$before $during $after"
                grep -c shared: /proc/self/mountinfo' "$NSBOX"
        [ "$status" -eq 0 ]
        read -r b d a <<<"${lines[0]}"
        [ "$b" -eq "$d" ]
        [ "$b" -eq "$a" ]
        [ "${lines[1]}" -gt 0 ]
}

@test "host processes are invisible and cannot be signalled" {
        sleep 60 &
        hostpid=$!
        run "$NSBOX" run -- sh -c "ps -e -o pid= | wc -l; kill -0 $hostpid 2>&1; ls /proc | grep -c '^[0-9]'"
        kill $hostpid
        [ "$status" -eq 0 ]
        [ "${lines[0]}" -le 3 ]
        echo "${lines[1]}" | grep -qi 'no such process'
        [ "${lines[2]}" -le 3 ]
}

@test "cd ../../.. from / stays in the rootfs" {
        run "$NSBOX" run --rootfs "$ROOTFS_TAR" -- sh -c 'cd /; cd ../../..; pwd; cat etc/os-release | grep ^ID='
        [ "$status" -eq 0 ]
        [ "${lines[0]}" = / ]
        [ "${lines[1]}" = "ID=$ROOTFS_KIND" ]
}

@test "the old root is detached: the host's filesystem is unreachable from the rootfs" {
        run "$NSBOX" run --rootfs "$ROOTFS_TAR" -- sh -c 'cat /proc/self/mountinfo'
        [ "$status" -eq 0 ]
        # no mount of the host's root device, no trace of the staging directory
        ! echo "$output" | grep -q ' /run/nsbox'
        ! echo "$output" | awk '$5 == "/" && $9 == "ext4"' | grep -q .
}

@test "no fd but 0, 1 and 2 reaches the container" {
        exec 7</etc/passwd 8>/dev/null
        run "$NSBOX" run --tmpfs /mnt --bind "$NSBOX_BUILD/tests/payload/nsbox-test-fds:/mnt/fds:ro" -- /mnt/fds
        exec 7<&- 8>&-
        [ "$status" -eq 0 ]
        echo "$output"
        [ "$(echo "$output" | awk '{print $1}' | tr '\n' ' ')" = "0 1 2 " ]
}

@test "the hostname does not leak to the host" {
        before=$(hostname)
        run "$NSBOX" run --hostname leaktest -- sh -c 'hostname; cat /proc/sys/kernel/hostname'
        [ "${lines[0]}" = leaktest ]
        [ "${lines[1]}" = leaktest ]
        [ "$(hostname)" = "$before" ]
}

@test "the capability bounding set is the container engines' default set" {
        run "$NSBOX" run -- sh -c 'grep -E "^Cap(Bnd|Prm|Eff|Inh|Amb)" /proc/self/status; grep NoNewPrivs /proc/self/status'
        [ "$status" -eq 0 ]
        # CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID SETUID SETPCAP NET_BIND_SERVICE
        # NET_RAW SYS_CHROOT MKNOD AUDIT_WRITE SETFCAP
        echo "$output" | grep -qx $'CapBnd:\t00000000a80425fb'
        echo "$output" | grep -qx $'CapEff:\t00000000a80425fb'
        echo "$output" | grep -qx $'CapInh:\t0000000000000000'
        echo "$output" | grep -qx $'CapAmb:\t0000000000000000'
        echo "$output" | grep -qx $'NoNewPrivs:\t1'
}

@test "root inside cannot mknod a disk and mount it, or load a module" {
        run "$NSBOX" run -- sh -c 'mknod /tmp/sda b 8 0 && echo mknod-ok; mount /tmp/sda /mnt 2>&1 || echo mount-refused; mount -t tmpfs t /mnt 2>&1 || echo tmpfs-refused'
        [ "$status" -eq 0 ]
        # MKNOD is in the default set, but the device cgroup-free node cannot be mounted
        echo "$output" | grep -q mount-refused
        echo "$output" | grep -q tmpfs-refused
        [ -x /sbin/modprobe ] || skip "no modprobe on the host to try module loading with"
        run "$NSBOX" run -- /sbin/modprobe dummy
        [ "$status" -ne 0 ]
}

@test "masked and read-only paths" {
        run "$NSBOX" run -- sh -c 'cat /proc/keys | wc -c; ls /sys/firmware | wc -l; echo 1 > /proc/sys/kernel/hostname 2>&1 || true; findmnt -n -o OPTIONS /proc/sys'
        [ "$status" -eq 0 ]
        [ "${lines[0]}" -eq 0 ]
        [ "${lines[1]}" -eq 0 ]
        echo "${lines[2]}" | grep -q 'Read-only file system'
        echo "${lines[3]}" | grep -q '^ro,'
}

@test "a minimal /dev: the default devices, a new devpts, shm and mqueue" {
        run "$NSBOX" run -- sh -c 'ls -A /dev | sort | tr "\n" " "; echo; stat -c "%A %t:%T" /dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty; readlink /dev/ptmx /dev/fd; for m in /dev/pts /dev/shm /dev/mqueue; do findmnt -n -o FSTYPE $m; done | tr "\n" " "'
        [ "$status" -eq 0 ]
        [ "${lines[0]}" = "fd full mqueue null ptmx pts random shm stderr stdin stdout tty urandom zero " ]
        [ "${lines[1]}" = "crw-rw-rw- 1:3" ]
        [ "${lines[6]}" = "crw-rw-rw- 5:0" ]
        [ "${lines[7]}" = "pts/ptmx" ]
        [ "${lines[8]}" = "/proc/self/fd" ]
        [ "${lines[9]}" = "devpts tmpfs mqueue " ]
}

@test "--net=none: a new network namespace with only lo, up; --net=host shares the host's" {
        run "$NSBOX" run -- sh -c 'ls /sys/class/net | tr "\n" " "; echo; cat /sys/class/net/lo/operstate; readlink /proc/self/ns/net'
        [ "$status" -eq 0 ]
        [ "${lines[0]}" = "lo " ]
        [ "${lines[1]}" = unknown ] # lo's operstate when up
        [ "${lines[2]}" != "$(readlink /proc/self/ns/net)" ]
        run "$NSBOX" run --net=host -- readlink /proc/self/ns/net
        [ "$output" = "$(readlink /proc/self/ns/net)" ]
}

@test "a 65-byte hostname is refused with a message that says the limit is 64" {
        h=$(printf 'a%.0s' $(seq 65))
        run "$NSBOX" run --hostname "$h" -- true
        [ "$status" -eq 125 ]
        [ "$output" = "nsbox run: hostname '$h' is 65 bytes long; the limit is 64" ]
        # 64 bytes is fine; a single label is limited to 63 (RFC 1123), so two
        h64="${h:0:32}.${h:0:31}"
        run "$NSBOX" run --hostname "$h64" -- hostname
        [ "$status" -eq 0 ]
        [ "$output" = "$h64" ]
}

@test "a host directory bound on /dev or /etc gets nothing created in it; a bound /etc/hosts wins" {
        d=$(mktemp -d)
        mkdir "$d/dev" "$d/etc"
        echo '192.0.2.1 mine' >"$d/hosts"
        run "$NSBOX" run --bind "$d/dev:/dev" -- true
        [ "$status" -eq 0 ]
        run "$NSBOX" run --rootfs "$ROOTFS_TAR" --bind "$d/etc:/etc" -- true
        [ "$status" -eq 0 ]
        run "$NSBOX" run --bind "$d/hosts:/etc/hosts:ro" -- cat /etc/hosts
        [ "$output" = '192.0.2.1 mine' ]
        [ -z "$(ls -A "$d/dev")" ]
        [ -z "$(ls -A "$d/etc")" ]
        rm -rf "$d"
}
