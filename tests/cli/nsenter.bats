#!/usr/bin/env bats
# nsbox nsenter against util-linux nsenter (the oracle) on namespaces the test
# creates; 2.39-2.42 options asserted from the upstream man page.
load ../lib
bats_require_minimum_version 1.5.0

export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"

setup() {
        TMP=$(mktemp -d)
        export TMP
        ORACLE=$(command -v nsenter || true)
        # the target: a shell in new uts, ipc, net, pid and mount namespaces
        BG_PIDS=()
        # --kill-child: killing unshare in teardown takes the target with it
        "$NSBOX" unshare --kill-child -u -i -n -m -p --mount-proc sh -c \
                'hostname nsbox-target; cd /usr; echo $$ >'"$TMP"'/ready; exec sleep 300' 3>&- &
        UNSHARE_PID=$!
        local i
        for i in $(seq 250); do [ -s "$TMP/ready" ] && break; sleep 0.02; done
        T=$(pgrep -P "$UNSHARE_PID")
        [ -n "$T" ]
        for i in $(seq 250); do [ "$(cat /proc/$T/comm)" = sleep ] && break; sleep 0.02; done
}

teardown() {
        local p
        for p in "$UNSHARE_PID" "${BG_PIDS[@]}"; do
                kill -KILL "$p" 2>/dev/null || true
                wait "$p" 2>/dev/null || true
        done
        [ -n "${TMP:-}" ] && rm -rf "$TMP"
        return 0
}

ul() { (exec -a nsenter "$ORACLE" "$@"); }
nb() { (exec -a nsenter "$NSBOX" "$@"); }

same_as_util() {
        [ -n "$ORACLE" ] || skip "util-linux nsenter is not installed"
        local o m
        o=$(ul "$@" 2>&1; echo "status=$?")
        m=$(nb "$@" 2>&1; echo "status=$?")
        if [ "$o" != "$m" ]; then
                echo "nsenter $* differs from util-linux:"
                diff <(echo "$o") <(echo "$m") || true
                return 1
        fi
}

@test "entering the target's namespaces: output and status as util-linux" {
        same_as_util -t "$T" -u hostname
        same_as_util -t "$T" -a hostname
        same_as_util -t "$T" -n ip -br link
        same_as_util -t "$T" -p -m ps -e -o comm
        same_as_util -t "$T" -a -r -w pwd
        same_as_util -t "$T" -m -W /etc pwd
        same_as_util -t "$T" --uts --ipc --net sh -c 'exit 7'
        same_as_util -t "$T" -u sh -c 'kill -TERM $$'
        same_as_util -t "$T" -p -F readlink /proc/self/ns/pid
        same_as_util -t "$T" -u -S 65534 -G 65534 id
        run nb -t "$T" -u hostname
        [ "$output" = nsbox-target ]
}

@test "bad input: util-linux's messages and exit codes" {
        same_as_util -t 999999 -u true
        same_as_util --net=/etc/passwd true
        same_as_util -u true
        same_as_util -t abc -u true
        same_as_util -t "$T" -U true
        same_as_util -t "$T" -u nsbox-no-such-program
        same_as_util -t "$T" -u /etc/passwd
        same_as_util -t "$T" -w -W true
        same_as_util -t "$T" -S x -u true
        same_as_util -t "$T" --bogus
        same_as_util -t 1 -u true
        same_as_util -t 1 -a true
}

@test "-t PID:INODE pins the process: the right inode enters, a wrong one is refused (2.42)" {
        local ino
        ino=$(python3 -c 'import os,sys; print(os.fstat(os.pidfd_open(int(sys.argv[1]))).st_ino)' "$T")
        run nb -t "$T:$ino" -u hostname
        [ "$status" -eq 0 ]
        [ "$output" = nsbox-target ]
        run --separate-stderr nb -t "$T:12345" -u hostname
        [ "$status" -eq 1 ]
        [ "$stderr" = "nsenter: pidfd inode 12345 not found for pid $T" ]
        run --separate-stderr nb -t "$T:x" -u hostname
        [ "$status" -eq 1 ]
        [ "$stderr" = "nsenter: failed to parse pid: '$T:x'" ]
}

@test "persistent namespace files: --uts=FILE, and an nsfs file of the wrong type" {
        touch "$TMP/uts"
        "$NSBOX" unshare --uts="$TMP/uts" hostname nsbox-file
        run nb --uts="$TMP/uts" hostname
        umount "$TMP/uts"
        [ "$output" = nsbox-file ]
        same_as_util --net=/proc/$T/ns/uts true
}

@test "-e takes the target's environment, -c joins its cgroup (v1 too), no fd of nsenter reaches the program" {
        run nb -t "$T" -u -e /usr/bin/env
        [ "$output" = "$(tr '\0' '\n' </proc/$T/environ)" ]
        run nb -t "$T" -u -c cat /proc/self/cgroup
        [ "$status" -eq 0 ]
        [ "$output" = "$(cat /proc/$T/cgroup)" ]
        # the program has the fds it would have without nsenter, no more
        local plain inside
        plain=$(sh -c 'ls /proc/self/fd' </dev/null)
        inside=$(nb -t "$T" -u -c -w -e sh -c 'ls /proc/self/fd' </dev/null)
        [ "$inside" = "$plain" ]
}

@test "--user-parent, --preserve-credentials, --keep-caps and -S/-G follow in a user namespace, as nobody" {
        chmod 755 "$TMP"
        touch "$TMP/u"
        chmod 666 "$TMP/u"
        as_nobody "$NSBOX" unshare --kill-child -r -u sh -c 'echo $$ >'"$TMP"'/u; exec sleep 300' 3>&- &
        local up=$!
        BG_PIDS+=("$up")
        local i
        for i in $(seq 250); do [ -s "$TMP/u" ] && break; sleep 0.02; done
        local u
        u=$(cat "$TMP/u")
        # (as_nobody is a function: $! is a subshell; the unshare is u's parent)
        BG_PIDS+=("$(awk '{print $4}' /proc/$u/stat)")
        for i in $(seq 250); do [ "$(cat /proc/$u/comm)" = sleep ] && break; sleep 0.02; done
        run as_nobody "$NSBOX" nsenter -t "$u" -U -u --preserve-credentials id -u
        [ "$output" = 0 ]
        # (setgroups is denied in a -r namespace: -G would fail, as in util-linux)
        run as_nobody "$NSBOX" nsenter -t "$u" -U -u --preserve-credentials -S follow id -u
        [ "$output" = 0 ]
        run as_nobody "$NSBOX" nsenter -t "$u" -U --keep-caps grep CapAmb /proc/self/status
        [[ "$output" != *0000000000000000 ]]
        # the parent of its user namespace is ours: nothing to enter
        run "$NSBOX" nsenter -t "$u" --user-parent readlink /proc/self/ns/user
        [ "$output" = "$(readlink /proc/self/ns/user)" ] || [[ "$output" == *"Invalid argument"* ]]
        [ -n "$ORACLE" ] && [ "$(as_nobody "$ORACLE" -t "$u" -U -u hostname 2>&1)" = "$(as_nobody "$NSBOX" nsenter -t "$u" -U -u hostname 2>&1)" ]
        kill "$up"
        wait "$up" || true
}

@test "--help, --version, and 'no namespace specified' (2.42)" {
        run nb --help
        [ "${lines[1]}" = " nsenter [options] [<program> [<argument>...]]" ]
        [[ "$output" == *"--user-parent"* && "$output" == *"--net-socket"* ]]
        run nb -V
        [[ "$output" == "nsenter from nsbox "* ]]
        run --separate-stderr nb -t "$T" true
        [ "$status" -eq 1 ]
        [ "$stderr" = "nsenter: no namespace specified" ]
}
