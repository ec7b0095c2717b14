#!/usr/bin/env bats
# nsbox unshare on real namespaces, compared with util-linux unshare (the oracle)
# where both should behave the same. Where nsbox follows util-linux 2.42 and the
# installed 2.38.1 differs (SIGKILL of the --fork child), the 2.42 behaviour is
# asserted directly.
load ../lib
bats_require_minimum_version 1.5.0

# Under -Db_sanitize=address: LeakSanitizer reads /proc/self at exit, and after
# --mount-proc the waiting parent's mount namespace shows the child's /proc, in
# which the parent does not exist, so LSan aborts. The parent only waits and
# exits; leaks are checked by the lsns suite.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"

setup_file() {
        ORACLE=$(command -v unshare || true)
        export ORACLE
}

setup() {
        BG_PIDS=()
        TMP=$(mktemp -d)
        export TMP
}

teardown() {
        local p
        for p in "${BG_PIDS[@]}"; do
                kill -KILL "$p" 2>/dev/null || true
        done
        for p in "${BG_PIDS[@]}"; do
                wait "$p" 2>/dev/null || true
        done
        [ -n "${TMP:-}" ] && rm -rf "$TMP"
        return 0
}

need_oracle() {
        [ -n "$ORACLE" ] && "$ORACLE" -V | grep -q util-linux || skip "util-linux unshare is not installed"
}

# Both tools as "unshare" (getopt's messages start with argv[0]).
ul_unshare() {
        (exec -a unshare "$ORACLE" "$@")
}
ns_unshare() {
        (exec -a unshare "$NSBOX" "$@")
}

# same_as_util ARGS...: stdout, stderr and exit status equal to util-linux's.
same_as_util() {
        need_oracle
        local o m
        o=$(ul_unshare "$@" 2>&1; echo "status=$?")
        m=$(ns_unshare "$@" 2>&1; echo "status=$?")
        if [ "$o" != "$m" ]; then
                echo "unshare $* differs from util-linux:"
                diff <(echo "$o") <(echo "$m") || true
                return 1
        fi
        echo "$m"
}

# wait_for COMMAND...: poll up to 5 s.
wait_for() {
        local i
        for i in $(seq 250); do
                "$@" && return 0
                sleep 0.02
        done
        return 1
}

@test "tutorial: the new hostname holds inside a new uts namespace, the host keeps its own" {
        local host
        host=$(hostname)
        run --separate-stderr "$NSBOX" unshare --uts sh -c 'hostname nsbox-test; hostname'
        [ "$status" -eq 0 ]
        [ "$output" = nsbox-test ]
        [ "$(hostname)" = "$host" ]
        # the long option too
        run "$NSBOX" unshare -u sh -c 'readlink /proc/self/ns/uts'
        [ "$output" != "$(readlink /proc/self/ns/uts)" ]
}

@test "tutorial: under --pid --fork --mount-proc the shell is PID 1 and ps shows only it and ps, as util-linux" {
        local before
        before=$(grep -c . /proc/self/mountinfo)
        run --separate-stderr "$NSBOX" unshare --pid --fork --mount-proc sh -c 'echo $$; ps -e'
        echo "$output"
        [ "$status" -eq 0 ]
        [ "${lines[0]}" = 1 ]
        [ "${#lines[@]}" -eq 4 ]
        [[ "${lines[2]}" =~ ^\ +1\ .*\ sh$ ]]
        [[ "${lines[3]}" =~ ^\ +2\ .*\ ps$ ]]
        same_as_util --pid --fork --mount-proc sh -c 'echo $$; ps -e'
        # the proc mount stayed in the new mount namespace
        [ "$(grep -c . /proc/self/mountinfo)" -eq "$before" ]
}

@test "each of the eight types gets a new namespace of that type and only that type" {
        local opt t other
        # a new pid namespace gets its first process only with --fork
        for opt in -m:mnt -u:uts -i:ipc -n:net -p:pid -U:user -C:cgroup -T:time_for_children \
                   --mount:mnt --uts:uts --ipc:ipc --net:net --pid:pid --user:user \
                   --cgroup:cgroup --time:time_for_children; do
                t=${opt#*:}
                run "$NSBOX" unshare -f "${opt%%:*}" readlink /proc/self/ns/$t
                [ "$status" -eq 0 ]
                [ "$output" != "$(readlink /proc/self/ns/$t)" ]
                for other in mnt uts ipc net cgroup; do
                        [[ "$t" == "$other" || ("$t" == user) ]] && continue
                        run "$NSBOX" unshare -f "${opt%%:*}" readlink /proc/self/ns/$other
                        [ "$output" = "$(readlink /proc/self/ns/$other)" ]
                done
        done
}

@test "exit status: the program's own, with and without --fork" {
        run "$NSBOX" unshare sh -c 'exit 3'
        [ "$status" -eq 3 ]
        run "$NSBOX" unshare -f sh -c 'exit 3'
        [ "$status" -eq 3 ]
        run "$NSBOX" unshare --fork --uts sh -c 'exit 0'
        [ "$status" -eq 0 ]
        same_as_util -f sh -c 'exit 5'
}

@test "exit status: a --fork child killed by a signal kills unshare with it (kill -9 -> 137 for the shell)" {
        # (bash reports the kill on stderr: "Killed")
        run --separate-stderr bash -c '"$1" unshare -f sh -c "kill -9 \$\$"; echo "shell saw $?"' _ "$NSBOX"
        [ "$output" = "shell saw 137" ] || { echo "$output"; false; }
        run bash -c '"$1" unshare -f sh -c "kill -TERM \$\$"; echo "shell saw $?"' _ "$NSBOX"
        [[ "$output" == *"shell saw 143" ]]
        run bash -c '"$1" unshare -f sh -c "kill -INT \$\$"; echo "shell saw $?"' _ "$NSBOX"
        [[ "$output" == *"shell saw 130" ]]
        # SIGTERM as util-linux (2.38.1 gets SIGKILL wrong: "sigprocmask unblock failed", 1)
        same_as_util -f sh -c 'kill -TERM $$'
}

@test "exec failures: 127 for a missing program, 126 for one that cannot run, util-linux's messages" {
        run -127 --separate-stderr "$NSBOX" unshare nsbox-no-such-program
        [ "$stderr" = "unshare: failed to execute nsbox-no-such-program: No such file or directory" ]
        run --separate-stderr "$NSBOX" unshare /etc/passwd
        [ "$status" -eq 126 ]
        [ "$stderr" = "unshare: failed to execute /etc/passwd: Permission denied" ]
        same_as_util nsbox-no-such-program
        same_as_util /nonexistent/x
        same_as_util /etc/passwd
        same_as_util /tmp
        same_as_util -f nsbox-no-such-program
        same_as_util -u -f /etc/passwd
}

@test "bad options: exit 1 with util-linux's exact messages" {
        same_as_util --bogus
        same_as_util -x
        same_as_util -R
        same_as_util --propagation foo true
        same_as_util --setgroups maybe true
        same_as_util --kill-child=FOO true
        same_as_util --kill-child=9 true
        same_as_util --kill-child=RTMIN+99 true
        same_as_util -S abc true
        same_as_util -G -1 true
        same_as_util -S 1x true
        same_as_util -S 99999999999999999999999 true
        same_as_util --map-user=nsbox-no-such-user true
        same_as_util --map-group=nsbox-no-such-group true
        same_as_util --monotonic 5 true
        same_as_util -T --monotonic 1.5 true
        same_as_util -r --setgroups allow true
        same_as_util -w /nonexistent true
        same_as_util -R /nonexistent true
        run "$NSBOX" unshare --bogus
        [ "$status" -eq 1 ]
}

@test "signal names for --kill-child are util-linux's" {
        local s
        for s in KILL SIGKILL term SIGterm HUP RTMIN+0 RTMIN+3 rtmax-1 RTMAX-0 IOT CLD POLL PWR STKFLT; do
                run "$NSBOX" unshare --kill-child="$s" true
                [ "$status" -eq 0 ] || { echo "$s refused"; false; }
        done
        for s in 9 RTMIN RTMAX RTMIN+31 RTMAX+1 RT LOST "" " KILL"; do
                run "$NSBOX" unshare --kill-child="$s" true
                [ "$status" -eq 1 ] || { echo "$s accepted"; false; }
        done
}

@test "-r: uid and gid 0 inside, setgroups denied, a one-line map of the caller, as util-linux" {
        run "$NSBOX" unshare -r id -u
        [ "$output" = 0 ]
        same_as_util -r id
        same_as_util -r cat /proc/self/uid_map /proc/self/gid_map /proc/self/setgroups
        same_as_util --map-root-user --fork id -g
}

@test "-r as nobody: an unprivileged user maps itself to root" {
        run as_nobody "$NSBOX" unshare -r id -u
        [ "$status" -eq 0 ]
        [ "$output" = 0 ]
        run as_nobody "$NSBOX" unshare -r cat /proc/self/uid_map /proc/self/gid_map /proc/self/setgroups
        [ "$status" -eq 0 ]
        [ "$(echo "$output" | tr -s ' ')" = "$(printf ' 0 65534 1\n 0 65534 1\ndeny')" ]
        need_oracle
        [ "$(as_nobody "$NSBOX" unshare -r id 2>&1)" = "$(as_nobody "$ORACLE" -r id 2>&1)" ]
        # without a user namespace nobody may not unshare: util-linux's message, status 1
        [ "$(as_nobody "$NSBOX" unshare -u true 2>&1; echo "status=$?")" = \
          "$(as_nobody "$ORACLE" -u true 2>&1; echo "status=$?")" ]
        # nobody creates every other type inside its own user namespace
        # (env: as_nobody clears the environment, ASAN_OPTIONS included)
        run as_nobody env ASAN_OPTIONS="$ASAN_OPTIONS" "$NSBOX" unshare -r -m -u -i -n -p -C -T -f --mount-proc \
                sh -c 'hostname x && hostname && echo $$'
        [ "$status" -eq 0 ]
        [ "$output" = "$(printf 'x\n1')" ]
}

@test "--map-user, --map-group, -c and --setgroups, as util-linux" {
        same_as_util --map-user=5 --map-group=7 id
        same_as_util --map-user=nobody id -un
        same_as_util -c id
        same_as_util -U --setgroups deny cat /proc/self/setgroups
        same_as_util -U --setgroups allow cat /proc/self/setgroups
        same_as_util -U cat /proc/self/uid_map
}

@test "--fork: the parent ignores SIGINT and SIGTERM while the child runs, then ends as the child did" {
        "$NSBOX" unshare -f sh -c 'echo $$ > '"$TMP"'/child; exec sleep 100' 3>&- &
        local parent=$!
        BG_PIDS+=("$parent")
        wait_for test -s "$TMP/child"
        local child
        child=$(cat "$TMP/child")
        BG_PIDS+=("$child")
        wait_for test "$(cat /proc/$child/comm 2>/dev/null)" = sleep
        kill -TERM "$parent"
        kill -INT "$parent"
        sleep 0.3
        kill -0 "$parent"
        kill -0 "$child"
        kill -TERM "$child"
        local rc=0
        wait "$parent" || rc=$?
        [ "$rc" -eq 143 ]
}

@test "--kill-child: the child dies with the parent (default SIGKILL, or the signal given)" {
        local sig
        for sig in "" "=TERM"; do
                rm -f "$TMP/child"
                "$NSBOX" unshare --kill-child$sig sh -c 'echo $$ > '"$TMP"'/child; exec sleep 100' 3>&- &
                local parent=$!
                BG_PIDS+=("$parent")
                wait_for test -s "$TMP/child"
                local child
                child=$(cat "$TMP/child")
                BG_PIDS+=("$child")
                wait_for test "$(cat /proc/$child/comm 2>/dev/null)" = sleep
                kill -KILL "$parent"
                wait "$parent" || true
                wait_for test ! -e /proc/$child
        done
}

@test "the default program is \$SHELL as a login shell, as util-linux" {
        run bash -c 'echo "echo \$0" | SHELL=/bin/sh "$1" unshare -u' _ "$NSBOX"
        [ "$output" = "-sh" ]
        run bash -c 'echo "echo \$0" | SHELL=/bin/bash "$1" unshare -u' _ "$NSBOX"
        [ "$output" = "-bash" ]
        need_oracle
        [ "$(echo 'echo $0' | SHELL=/bin/sh "$ORACLE" -u)" = "$(echo 'echo $0' | SHELL=/bin/sh "$NSBOX" unshare -u)" ]
        # $SHELL that cannot be run: util-linux's message and status
        [ "$(SHELL=/nonexistent/sh ul_unshare -u 2>&1; echo "status=$?")" = \
          "$(SHELL=/nonexistent/sh ns_unshare -u 2>&1; echo "status=$?")" ]
}

@test "-n: a new network namespace with only lo, left down as util-linux leaves it" {
        run "$NSBOX" unshare -n ip -br link
        [ "$status" -eq 0 ]
        [ "${#lines[@]}" -eq 1 ]
        [[ "$output" == lo*DOWN* ]]
        same_as_util -n ip -br link
}

# Runs a script in a private mount namespace of the test whose $TMP/shared is a
# shared tmpfs, so propagation out of nsbox's mount namespace can be seen.
in_shared_scaffold() {
        unshare -m bash -c '
                set -e
                mount -t tmpfs scaffold "$1" && mount --make-shared "$1"
                mkdir "$1/inner"
                shift
                eval "$1"' _ "$TMP" "$1"
}

@test "--propagation: private by default (nothing leaks out), shared and unchanged let mounts out" {
        run in_shared_scaffold '
                "$NSBOX" unshare -m mount -t tmpfs inner "$TMP/inner"
                grep -q " $TMP/inner " /proc/self/mountinfo && { echo "default leaked"; exit 1; }
                "$NSBOX" unshare -m --propagation private mount -t tmpfs inner "$TMP/inner"
                grep -q " $TMP/inner " /proc/self/mountinfo && { echo "private leaked"; exit 1; }
                "$NSBOX" unshare -m --propagation slave mount -t tmpfs inner "$TMP/inner"
                grep -q " $TMP/inner " /proc/self/mountinfo && { echo "slave leaked"; exit 1; }
                "$NSBOX" unshare -m --propagation shared mount -t tmpfs inner "$TMP/inner"
                grep -q " $TMP/inner " /proc/self/mountinfo || { echo "shared did not propagate"; exit 1; }
                umount "$TMP/inner"
                "$NSBOX" unshare -m --propagation unchanged mount -t tmpfs inner "$TMP/inner"
                grep -q " $TMP/inner " /proc/self/mountinfo || { echo "unchanged did not propagate"; exit 1; }
                umount "$TMP/inner"
                echo ok'
        echo "$output"
        [ "$status" -eq 0 ]
        [ "$output" = ok ]
}

@test "-R and -w: chroot (cwd becomes /), or any working directory, as util-linux" {
        rootfs_tarball
        mkdir "$TMP/root"
        tar -C "$TMP/root" -xzf "$ROOTFS_TAR"
        run "$NSBOX" unshare -R "$TMP/root" /bin/sh -c 'pwd; test -e /etc/os-release && echo chrooted'
        [ "$status" -eq 0 ]
        [ "$output" = "$(printf '/\nchrooted')" ]
        run "$NSBOX" unshare -R "$TMP/root" -w /etc /bin/sh -c pwd
        [ "$output" = /etc ]
        run "$NSBOX" unshare -w /usr/share pwd
        [ "$output" = /usr/share ]
        run "$NSBOX" unshare --wd=/ --root="$TMP/root" /bin/pwd
        [ "$output" = / ]
        same_as_util -R "$TMP/root" /bin/sh -c 'pwd; ls /'
        same_as_util -w /etc pwd
}

@test "tutorial's last step: chroot, new pid namespace, --mount-proc=/proc inside it: ps sees PID 1 only" {
        rootfs_tarball
        mkdir "$TMP/root"
        tar -C "$TMP/root" -xzf "$ROOTFS_TAR"
        local before
        before=$(grep -c . /proc/self/mountinfo)
        # (busybox sh would exec a last command in place of itself: keep sh around)
        run "$NSBOX" unshare -R "$TMP/root" --pid --fork --mount-proc=/proc /bin/sh -c 'echo $$; ps -o pid,comm; exit 0'
        echo "$output"
        [ "$status" -eq 0 ]
        [ "${lines[0]}" = 1 ]
        [ "${#lines[@]}" -eq 4 ]
        [[ "${lines[2]}" =~ ^\ *1\ +sh$ ]]
        [[ "${lines[3]}" =~ ^\ *2\ +ps$ ]]
        # nothing mounted on the host, the rootfs's /proc untouched
        [ "$(grep -c . /proc/self/mountinfo)" -eq "$before" ]
        [ -z "$(ls -A "$TMP/root/proc")" ]
}

@test "--mount-proc=DIR mounts proc elsewhere; mount failures are util-linux's messages" {
        mkdir "$TMP/p"
        run "$NSBOX" unshare --pid --fork --mount-proc="$TMP/p" sh -c "cat $TMP/p/1/comm"
        [ "$status" -eq 0 ]
        [ "$output" = sh ]
        [ -z "$(ls -A "$TMP/p")" ]
        same_as_util --mount-proc=/nonexistent true
}

@test "-T with --boottime and --monotonic shifts the clocks of the new time namespace" {
        local host inside
        host=$(cut -d. -f1 /proc/uptime)
        inside=$("$NSBOX" unshare -T --boottime 86400 cat /proc/uptime | cut -d. -f1)
        [ "$inside" -ge $((host + 86400 - 5)) ]
        inside=$("$NSBOX" unshare -T --monotonic 3600 cat /proc/uptime | cut -d. -f1)
        [ "$inside" -le $((host + 5)) ]
        run "$NSBOX" unshare -T --monotonic -60 true
        [ "$status" -eq 0 ]
        # a clock may not go below zero: the kernel's ERANGE, util-linux's message
        same_as_util -T --monotonic -999999999 true
}

@test "-S and -G set the ids before exec, --keep-caps keeps the user namespace's capabilities" {
        same_as_util -r -S 0 -G 0 id
        run "$NSBOX" unshare -S 65534 -G 65534 id
        [ "$output" = "uid=65534(nobody) gid=65534(nogroup) groups=65534(nogroup)" ]
        run as_nobody "$NSBOX" unshare -r --keep-caps grep CapAmb /proc/self/status
        [ "$status" -eq 0 ]
        [[ "$output" != *"0000000000000000" ]]
        run as_nobody "$NSBOX" unshare -r grep CapAmb /proc/self/status
        [[ "$output" == *"0000000000000000" ]]
}

@test "--help and --version" {
        run "$NSBOX" unshare --help
        [ "$status" -eq 0 ]
        [ "${lines[0]}" = "Usage:" ]
        [ "${lines[1]}" = " unshare [options] [<program> [<argument>...]]" ]
        [[ "$output" == *" -f, --fork "* ]]
        [[ "$output" == *"--mount-proc[=<dir>]"* ]]
        run "$NSBOX" unshare -V
        [ "$status" -eq 0 ]
        [[ "$output" == "unshare from nsbox "* ]]
        # options after the program are the program's
        run "$NSBOX" unshare echo -h
        [ "$output" = -h ]
}

@test "--TYPE=FILE keeps each of the eight namespaces alive on a bind mount (--user=FILE too, fixed in 2.42)" {
        run in_shared_scaffold '
                set -e
                mount -t tmpfs persist $TMP/inner && mount --make-private $TMP/inner
                P=$TMP/inner
                touch $P/uts $P/ipc $P/net $P/cgroup $P/mnt $P/user $P/pid $P/time
                "$NSBOX" unshare --uts=$P/uts --ipc=$P/ipc --net=$P/net --cgroup=$P/cgroup sh -c "hostname persisted"
                [ "$(nsenter --uts=$P/uts hostname)" = persisted ]
                # Kernel 6.18 here refuses a bind of a mount namespace file with
                # EINVAL now and then (util-linux 2.38 too: 36 of 40 in a loop);
                # nsbox retries for 200 ms itself, the test a few times more.
                for try in 1 2 3 4 5 6 7 8 9 10; do
                        "$NSBOX" unshare --mount=$P/mnt true 2>$TMP/mnt-err && break
                done
                grep -q " $P/mnt " /proc/self/mountinfo || cat $TMP/mnt-err
                "$NSBOX" unshare --user=$P/user true
                "$NSBOX" unshare --pid=$P/pid --fork true
                "$NSBOX" unshare --time=$P/time true
                for t in uts ipc net cgroup mnt user pid time; do
                        grep -q " $P/$t " /proc/self/mountinfo || { echo "$t not bound"; exit 1; }
                done
                # nsbox lsns sees them all, held by their mounts only
                [ "$("$NSBOX" lsns -P -n -o NSFS | grep -c "^$P/")" -eq 8 ]
                # a pid namespace has nothing to bind before its first process
                touch $P/pid2
                "$NSBOX" unshare --pid=$P/pid2 true 2>$TMP/err && exit 1
                grep -q "^unshare: mount /proc/[0-9]*/ns/pid_for_children on $P/pid2 failed: No such file or directory\$" $TMP/err
                echo ok'
        echo "$output"
        [ "$status" -eq 0 ]
        [ "${lines[-1]}" = ok ]
}

@test "--mount=FILE on a shared mount: util-linux's EINVAL, explained" {
        run in_shared_scaffold '
                touch "$TMP/m"
                rc=0
                "$NSBOX" unshare --mount="$TMP/m" true || rc=$?
                echo "status=$rc"'
        echo "$output"
        [[ "${lines[0]}" == "unshare: mount /proc/"*"/ns/mnt on $TMP/m failed: Invalid argument ($TMP/m is on a mount with shared propagation;"* ]]
        [ "${lines[-1]}" = status=1 ]
}

@test "--map-users/--map-groups as root write the ranges directly (util-linux 2.40); a --map-user is punched in" {
        run "$NSBOX" unshare --map-users=0:100000:65536 --map-groups=0:200000:1000 cat /proc/self/uid_map /proc/self/gid_map
        [ "$status" -eq 0 ]
        [ "$(echo "$output" | tr -s ' ')" = "$(printf ' 0 100000 65536\n 0 200000 1000')" ]
        # the 2.38 order OUTER,INNER,COUNT still works; --map-user 1000 takes inner id 1000
        # (mapped to the caller, root) and the range loses its top id past the hole
        run "$NSBOX" unshare --map-users=100000,0,65536 --map-user=1000 cat /proc/self/uid_map
        [ "$(echo "$output" | tr -s ' ')" = "$(printf ' 1000 0 1\n 0 100000 1000\n 1001 101000 64535')" ]
        # repeatable (2.40), and "all" passes the parent's ranges through
        run "$NSBOX" unshare --map-users=1:1:10 --map-users=20:20:5 cat /proc/self/uid_map
        [ "$(echo "$output" | tr -s ' ')" = "$(printf ' 1 1 10\n 20 20 5')" ]
        run "$NSBOX" unshare --map-users=all --map-groups=all cat /proc/self/uid_map /proc/self/gid_map
        [ "$(echo "$output" | tr -s ' ')" = "$(printf ' 0 0 4294967295\n 0 0 4294967295')" ]
        run --separate-stderr "$NSBOX" unshare --map-users=1:2 true
        [ "$status" -eq 1 ]
        [ "$stderr" = "unshare: invalid mapping '1:2'" ]
}

@test "--map-users as nobody goes through newuidmap, which refuses ranges nobody does not own" {
        run as_nobody "$NSBOX" unshare --map-users=0:100000:10 true
        [ "$status" -ne 0 ]
        [[ "$output" == *newuidmap* ]]
}

@test "--owner: root creates a user namespace owned by another user (util-linux 2.42)" {
        run in_shared_scaffold '
                set -e
                mount -t tmpfs o "$TMP/inner" && mount --make-private "$TMP/inner"
                touch "$TMP/inner/user"
                "$NSBOX" unshare --owner 65534:65534 --user="$TMP/inner/user" sh -c "cat /proc/self/uid_map; id -u"
                "$NSBOX" lsns -P -n -r -o TYPE,UID,USER'
        echo "$output"
        [ "$status" -eq 0 ]
        # no map inside, so the owner shows as the overflow id; the namespace is nobody's
        [ "${lines[0]}" = 65534 ]
        [ "${lines[1]}" = "user 65534 nobody" ]
        run --separate-stderr "$NSBOX" unshare --owner 1:x true
        [ "$status" -eq 1 ]
        [ "$stderr" = "unshare: failed to parse owner" ]
}

@test "--forward-signals passes SIGTERM and SIGINT to the child (util-linux 2.42)" {
        "$NSBOX" unshare --forward-signals sh -c 'trap "echo got TERM; exit 7" TERM; echo $$ > '"$TMP"'/child; while :; do sleep 0.1; done' >"$TMP/out" 3>&- &
        local parent=$!
        BG_PIDS+=("$parent")
        wait_for test -s "$TMP/child"
        BG_PIDS+=("$(cat "$TMP/child")")
        sleep 0.2
        kill -TERM "$parent"
        local rc=0
        wait "$parent" || rc=$?
        [ "$rc" -eq 7 ]
        [ "$(cat "$TMP/out")" = "got TERM" ]
}

@test "--clear-env and --whitelist-env (util-linux 2.43 options)" {
        run env -i FOO=1 BAR=2 PATH=/usr/bin:/bin "$NSBOX" unshare --clear-env /usr/bin/env
        [ "$status" -eq 0 ]
        [ -z "$output" ]
        run env -i FOO=1 BAR=2 BAZ=3 PATH=/usr/bin:/bin "$NSBOX" unshare --whitelist-env FOO,BAZ,NOPE /usr/bin/env
        [ "$status" -eq 0 ]
        [ "$(echo "$output" | sort | tr '\n' ' ')" = "BAZ=3 FOO=1 " ]
}

@test "--mount-binfmt and --load-interp register an interpreter inside only (util-linux 2.41)" {
        printf '#!/bin/sh\necho "interpreter got $*"\n' >"$TMP/interp"
        printf 'NSBOXMAGIC\n' >"$TMP/prog"
        chmod 755 "$TMP" "$TMP/interp" "$TMP/prog"
        run "$NSBOX" unshare -r --pid --fork --mount-binfmt cat /proc/sys/fs/binfmt_misc/status
        [ "$status" -eq 0 ]
        [ "$output" = enabled ]
        local rule=":nsboxtest:M::NSBOXMAGIC::$TMP/interp:"
        run "$NSBOX" unshare -r --pid --fork --load-interp="$rule" sh -c "ls /proc/sys/fs/binfmt_misc; $TMP/prog a b"
        echo "$output"
        [ "$status" -eq 0 ]
        [ "$output" = "$(printf 'nsboxtest\nregister\nstatus\ninterpreter got %s a b' "$TMP/prog")" ]
        # and as nobody, in its own user namespace
        run as_nobody env ASAN_OPTIONS="$ASAN_OPTIONS" "$NSBOX" unshare -r --pid --fork --load-interp="$rule" "$TMP/prog" c
        [ "$output" = "interpreter got $TMP/prog c" ]
        # nothing registered outside
        [ ! -e /proc/sys/fs/binfmt_misc/nsboxtest ]
        run --separate-stderr "$NSBOX" unshare -r --pid --fork --load-interp=":bad" true
        [ "$status" -eq 1 ]
        [ "$stderr" = "unshare: write failed /proc/sys/fs/binfmt_misc/register: Invalid argument" ]
}

@test "called through a symlink named unshare (or lsns), nsbox is that tool" {
        mkdir "$TMP/bin"
        ln -s "$NSBOX" "$TMP/bin/unshare"
        ln -s "$NSBOX" "$TMP/bin/lsns"
        run "$TMP/bin/unshare" --uts sh -c 'hostname via-symlink; hostname'
        [ "$status" -eq 0 ]
        [ "$output" = via-symlink ]
        run -1 --separate-stderr bash -c 'exec -a unshare "$0" --bogus' "$TMP/bin/unshare"
        [ "$stderr" = "$(printf "unshare: unrecognized option '--bogus'\nTry 'unshare --help' for more information.")" ]
        run "$TMP/bin/lsns" -p $$ -n -o TYPE -t uts
        [ "$status" -eq 0 ]
        [ "$output" = uts ]
}
