#!/usr/bin/env bats
# podman (Debian's) driving nsbox-oci through --runtime: the calls conmon
# makes (create/start/kill/delete/exec/pause/resume) on real containers.
# The image is busybox-static imported locally (no registry here); storage,
# run state and cgroups are private to the suite.
load ../lib

setup_file() {
        command -v podman >/dev/null || skip "podman is not installed (apt-get install podman conmon)"
        export PM=$(mktemp -d /tmp/nsbox-podman.XXXXXX)
        export PM_CG="/nsbox-podman-test-$$"
        mkdir -p "$PM/bb/bin" "$PM/bb/etc" "$PM/bb/tmp" "$PM/bb/proc" "$PM/bb/sys" "$PM/bb/dev"
        cp /bin/busybox "$PM/bb/bin/busybox"
        for a in sh echo cat sleep true false ls id hostname tty; do ln -s busybox "$PM/bb/bin/$a"; done
        echo 'root:x:0:0:root:/root:/bin/sh' >"$PM/bb/etc/passwd"
        echo 'root:x:0:' >"$PM/bb/etc/group"
        tar -C "$PM/bb" -cf "$PM/bb.tar" .
        # cgroupfs (no systemd here); nofile and nproc limits this machine
        # allows (podman's defaults, 1048576, are above the hard limits root
        # may set here: no CAP_SYS_RESOURCE)
        cat >"$PM/containers.conf" <<CONF
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
netns = "none"
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
runtime = "nsbox"
[engine.runtimes]
nsbox = ["$NSBOX_BUILD/src/nsbox-oci"]
CONF
        export CONTAINERS_CONF="$PM/containers.conf"
        pm import "$PM/bb.tar" localhost/nsbox-bb:latest >/dev/null
}

teardown_file() {
        [ -n "${PM:-}" ] || return 0
        pm rm -af -t 0 >/dev/null 2>&1 || true
        pm rmi -af >/dev/null 2>&1 || true
        local d
        for d in /sys/fs/cgroup/*"$PM_CG"; do
                [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
        done
        rm -rf "$PM"
}

pm() {
        timeout 120 podman --root "$PM/storage" --runroot "$PM/run" --storage-driver vfs \
                --tmpdir "$PM/tmp" "$@"
}

pmrun() {
        pm run --network none --cgroup-parent "$PM_CG" "$@"
}

@test "podman run --rm: output and exit codes, 127 for a missing command" {
        run pmrun --rm localhost/nsbox-bb sh -c 'echo hello from nsbox; exit 3'
        [ "$status" -eq 3 ]
        [ "$output" = "hello from nsbox" ]
        run pmrun --rm localhost/nsbox-bb true
        [ "$status" -eq 0 ]
        run -127 pmrun --rm localhost/nsbox-bb no-such-command
        [ "$status" -eq 127 ]
}

@test "podman run -d, exec, stop, rm" {
        pmrun -d --name web localhost/nsbox-bb sleep 1000
        [ "$(pm inspect -f '{{.State.Status}}' web)" = running ]
        run pm exec web sh -c 'echo in exec; hostname'
        [ "$status" -eq 0 ]
        [ "${lines[0]}" = "in exec" ]
        run pm exec web sh -c 'exit 7'
        [ "$status" -eq 7 ]
        pid=$(pm inspect -f '{{.State.Pid}}' web)
        [ "$(readlink /proc/$pid/ns/mnt)" != "$(readlink /proc/self/ns/mnt)" ]
        pm stop -t 1 web
        [ "$(pm inspect -f '{{.State.Status}}' web)" = exited ]
        pm rm web
        run pm inspect web
        [ "$status" -ne 0 ]
}

@test "podman pause and unpause through the freezer" {
        pmrun -d --name frz localhost/nsbox-bb sleep 1000
        pm pause frz
        [ "$(pm inspect -f '{{.State.Status}}' frz)" = paused ]
        id=$(pm inspect -f '{{.Id}}' frz)
        [ "$(cat /sys/fs/cgroup/freezer$PM_CG/libpod-$id/freezer.state)" = FROZEN ]
        pm unpause frz
        [ "$(pm inspect -f '{{.State.Status}}' frz)" = running ]
        pm rm -f -t 0 frz
        [ ! -d "/sys/fs/cgroup/freezer$PM_CG/libpod-$id" ]
}

@test "podman run -t: the process has a terminal" {
        run pmrun --rm -t localhost/nsbox-bb sh -c 'tty; echo ok' </dev/null
        [ "$status" -eq 0 ]
        [[ "${lines[0]}" == /dev/pts/* ]]
}

@test "podman rm -f of a running container" {
        pmrun -d --name gone localhost/nsbox-bb sleep 1000
        pid=$(pm inspect -f '{{.State.Pid}}' gone)
        pm rm -f -t 0 gone
        [ ! -d /proc/$pid ] || grep -q '^State:.*Z' /proc/$pid/status
}

@test "podman --memory and --pids-limit reach the container's cgroup" {
        run pmrun --rm --memory 64m --pids-limit 50 localhost/nsbox-bb sh -c \
                'cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max'
        [ "$status" -eq 0 ]
        [ "${lines[0]}" = 67108864 ]
        [ "${lines[1]}" = 50 ]
}
