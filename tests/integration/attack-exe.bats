#!/usr/bin/env bats
# Attack 1 (runc CVE-2019-5736): overwrite the runtime's binary through
# /proc/self/exe or /proc/PID/exe of a process that runs nsbox's image.
load ../lib
load helpers/attack

setup_file() {
        rootfs_tarball
        export ROOTFS_TAR ROOTFS_KIND
}
setup() { host_setup; }
teardown() { host_teardown; }

@test "attack 1: /proc/self/exe and /proc/PID/exe cannot be opened for writing, 200 times over" {
        sum=$(sha256sum "$NSBOX" | cut -d' ' -f1)
        # without --init the payload is alone; with --init PID 1 runs nsbox's
        # own image, non-dumpable; with CAP_SYS_PTRACE the image is still busy
        for opts in "" "--init" "--init --cap-add SYS_PTRACE" "--init --privileged"; do
                run attack_run $opts -- exe-write 200 /proc/self/exe /proc/1/exe
                echo "$opts: $output"
                [ "$status" -eq 0 ]
                [[ "$output" == *"opened 0"* ]]
        done
        [ "$(sha256sum "$NSBOX" | cut -d' ' -f1)" = "$sum" ]
        host_check
}

@test "attack 1: PID 1 under --init is nsbox's image, and its exe, fds and memory are closed to the container" {
        run "$NSBOX" run --init --rootfs "$ROOTFS_TAR" -- sh -c '
                readlink /proc/1/exe || echo "exe: refused"
                readlink /proc/1/fd/0 >/dev/null 2>&1 || echo "fd: refused"
                head -c1 /proc/1/mem >/dev/null 2>&1 || echo "mem: refused"
                readlink /proc/self/exe'
        echo "$output"
        [ "$status" -eq 0 ]
        [[ "${lines[0]}" == "exe: refused" ]]
        [ "${lines[1]}" = "fd: refused" ]
        [ "${lines[2]}" = "mem: refused" ]
        # the command itself is dumpable again after its exec
        [ "${lines[3]}" = /bin/readlink ] || [ "${lines[3]}" = /bin/busybox ]
        host_check
}
