#!/usr/bin/env bats
# The tutorial's last step (DESIGN.md §1, step 6), done with nsbox run.
load ../lib

setup_file() {
        rootfs_tarball
        export ROOTFS_TAR ROOTFS_KIND
}

@test "run on the tutorial's rootfs tarball: ps shows only PID 1 (sh) and ps" {
        run "$NSBOX" run --rootfs "$ROOTFS_TAR" -- sh -c 'ps; true'
        [ "$status" -eq 0 ]
        echo "$output"
        # header plus exactly two processes
        [ "$(echo "$output" | sed 1d | wc -l)" -eq 2 ]
        echo "$output" | sed 1d | awk 'NR==1 { exit !($1 == 1) }'
        echo "$output" | sed -n 2p | grep -q 'sh -c ps; true'
        # Alpine's ps has a TIME column; the busybox-static fallback's has none
        # and shows its forked applet as "{ps} sh -c ..."
        echo "$output" | sed -n 3p | grep -Eq '^ *[0-9]+ +root +([0-9:]+ +)?(ps|\{ps\} sh -c ps; true)$'
}

@test "run on the rootfs tarball: /etc/os-release is the rootfs's own" {
        run "$NSBOX" run --rootfs "$ROOTFS_TAR" -- cat /etc/os-release
        [ "$status" -eq 0 ]
        if [ "$ROOTFS_KIND" = alpine ]; then
                echo "$output" | grep -q '^ID=alpine$'
                echo "$output" | grep -q '^VERSION_ID=3.20.3$'
        else
                echo "$output" | grep -q '^ID=busybox$'
        fi
}

@test "run with the built-in default (host root, read-only): own hostname, only its own processes" {
        run "$NSBOX" run --name tut-default -- sh -c 'hostname; ps -e -o pid=,comm='
        [ "$status" -eq 0 ]
        [ "${lines[0]}" = tut-default ]
        [ "$(hostname)" != tut-default ]
        [ "${#lines[@]}" -eq 3 ]
        [[ "${lines[1]}" =~ ^\ *1\ sh$ ]]
        [[ "${lines[2]}" =~ ps$ ]]
}

@test "host root is read-only, recursively" {
        run "$NSBOX" run -- sh -c 'touch /etc/nsbox-x 2>&1; touch /var/tmp/nsbox-x 2>&1; touch /tmp/ok && echo tmp-ok'
        [ "$status" -eq 0 ]
        echo "$output" | grep -q "/etc/nsbox-x.*Read-only file system"
        echo "$output" | grep -q "/var/tmp/nsbox-x.*Read-only file system"
        echo "$output" | grep -q tmp-ok
        [ ! -e /etc/nsbox-x ]
}

@test "a file written in the rootfs is gone in the next run" {
        run "$NSBOX" run --rootfs "$ROOTFS_TAR" -- sh -c 'echo hi > /root/mark && cat /root/mark'
        [ "$status" -eq 0 ]
        [ "$output" = hi ]
        run "$NSBOX" run --rootfs "$ROOTFS_TAR" -- sh -c 'test -e /root/mark && echo present || echo absent'
        [ "$output" = absent ]
}

@test "the rootfs tarball is extracted once and reused from the cache" {
        "$NSBOX" run --rootfs "$ROOTFS_TAR" -- true
        n1=$(find "$NSBOX_CACHE_DIR/rootfs" -mindepth 1 -maxdepth 1 -type d | wc -l)
        i1=$(stat -c %i "$NSBOX_CACHE_DIR"/rootfs/*/rootfs)
        "$NSBOX" run --rootfs "$ROOTFS_TAR" -- true
        n2=$(find "$NSBOX_CACHE_DIR/rootfs" -mindepth 1 -maxdepth 1 -type d | wc -l)
        i2=$(stat -c %i "$NSBOX_CACHE_DIR"/rootfs/*/rootfs)
        [ "$n1" -eq "$n2" ]
        [ "$i1" = "$i2" ]
}

@test "a rootfs directory is used as it is; --ephemeral and --read-only keep it unchanged" {
        d=$(mktemp -d)
        tar -C "$d" -xzf "$ROOTFS_TAR" 2>/dev/null || tar -C "$d" -xf "$ROOTFS_TAR"
        "$NSBOX" run --rootfs "$d" -- sh -c 'echo one > /root/dir-mark'
        [ "$(cat "$d/root/dir-mark")" = one ]
        "$NSBOX" run --rootfs "$d" --ephemeral -- sh -c 'echo two > /root/dir-mark; cat /root/dir-mark' | grep -qx two
        [ "$(cat "$d/root/dir-mark")" = one ]
        run "$NSBOX" run --rootfs "$d" --read-only -- sh -c 'echo three > /root/dir-mark'
        [ "$status" -ne 0 ]
        [ "$(cat "$d/root/dir-mark")" = one ]
        rm -rf "$d"
}

@test "--env, --workdir, --hostname, --tmpfs and --bind reach the container" {
        d=$(mktemp -d)
        echo from-host >"$d/f"
        run "$NSBOX" run --rootfs "$ROOTFS_TAR" --hostname h1 -e FOO=bar -w /usr --tmpfs /mnt --bind "$d:/data:ro" -- \
                sh -c 'echo $FOO; pwd; hostname; cat /etc/hostname; grep " /mnt " /proc/mounts | cut -d" " -f3; cat /data/f; touch /data/g 2>&1 || true'
        rm -rf "$d"
        [ "$status" -eq 0 ]
        [ "${lines[0]}" = bar ]
        [ "${lines[1]}" = /usr ]
        [ "${lines[2]}" = h1 ]
        [ "${lines[3]}" = h1 ]
        [ "${lines[4]}" = tmpfs ]
        [ "${lines[5]}" = from-host ]
        echo "${lines[6]}" | grep -q 'Read-only file system'
}

@test "a bind to a missing target on the read-only host root says why it fails" {
        run --separate-stderr "$NSBOX" run --bind /tmp:/no-such-dir -- true
        [ "$status" -eq 125 ]
        [ "$stderr" = "nsbox run: mount target /no-such-dir: does not exist, and the read-only rootfs cannot have it created" ]
}

@test "a clean environment: PATH, HOME, HOSTNAME and TERM only" {
        run env -i FOO=leak TERM=vt100 "$NSBOX" run --name envtest -- env
        [ "$status" -eq 0 ]
        [ "$(echo "$output" | sort | tr '\n' ' ')" = "HOME=/root HOSTNAME=envtest PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin PWD=/ SHLVL=0 TERM=vt100 " ] ||
        [ "$(echo "$output" | grep -v -e '^PWD=' -e '^SHLVL=' -e '^_=' | sort | tr '\n' ' ')" = "HOME=/root HOSTNAME=envtest PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin TERM=vt100 " ]
}

@test "exit status: the command's own, 128+N for a signal" {
        run "$NSBOX" run -- sh -c 'exit 7'
        [ "$status" -eq 7 ]
        # PID 1 ignores signals it has no handler for, from inside its namespace;
        # a child killed by a signal gives the shell 128+N, passed through.
        run "$NSBOX" run -- sh -c 'sh -c "kill -9 \$\$"; exit $?'
        [ "$status" -eq 137 ]
        # PID 1 killed from outside
        "$NSBOX" run --name sigtest -- sleep 30 &
        pid=$!
        # wait until the container's PID 1 really is the command
        for i in $(seq 100); do
                c=$(pgrep -P $pid) && [ "$(cat /proc/$c/comm 2>/dev/null)" = sleep ] && break
                sleep 0.05
        done
        kill -KILL "$c"
        wait $pid || st=$?
        [ "${st:-0}" -eq 137 ]
}

@test "a progress bar shows on stderr while extracting when stderr is a terminal, and not otherwise" {
        cache=$(mktemp -d)
        # a fresh cache, so the archive is extracted again; stderr on a pty
        run env NSBOX_CACHE_DIR="$cache" python3 -c '
import os, pty, sys
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], [sys.argv[1], "run", "--rootfs", sys.argv[2], "--", "true"])
out = b""
while True:
    try:
        b = os.read(fd, 4096)
    except OSError:
        break
    if not b:
        break
    out += b
_, st = os.waitpid(pid, 0)
sys.stdout.write(repr(out) + "\n")
sys.exit(os.waitstatus_to_exitcode(st))' "$NSBOX" "$ROOTFS_TAR"
        [ "$status" -eq 0 ]
        [[ "$output" == *"Extracting rootfs ["*"100%"* ]]
        rm -rf "$cache"
        cache=$(mktemp -d)
        run --separate-stderr env NSBOX_CACHE_DIR="$cache" "$NSBOX" run --rootfs "$ROOTFS_TAR" -- true
        [ "$status" -eq 0 ]
        [ -z "$stderr" ]
        rm -rf "$cache"
}
