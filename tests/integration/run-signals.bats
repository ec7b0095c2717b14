#!/usr/bin/env bats
# Signals to nsbox run reach the container's PID 1; a PID 1 that ignores them
# is killed after a second SIGINT/SIGTERM or the stop timeout (exit 137).
# --init: a PID 1 that forwards signals, reaps orphans, passes the status on.
load ../lib
bats_require_minimum_version 1.5.0

setup_file() {
        rootfs_tarball
        export ROOTFS_TAR ROOTFS_KIND
        "$NSBOX" run --rootfs "$ROOTFS_TAR" -- true
}

setup() {
        OUT=$(mktemp)
}

teardown() {
        rm -f "$OUT"
}

# start_bg ARGS...: nsbox run ARGS in the background, output to $OUT; waits
# for the line "ready" from the container. Sets PID.
start_bg() {
        "$NSBOX" run --rootfs "$ROOTFS_TAR" "$@" >"$OUT" 2>&1 &
        PID=$!
        local i
        for i in $(seq 100); do
                grep -q '^ready$' "$OUT" && return 0
                sleep 0.05
        done
        cat "$OUT"
        return 1
}

# wait_status: wait for $PID, its status in rc (not in a subshell: only the
# test's own shell can wait for its child)
wait_status() {
        rc=0
        wait "$PID" || rc=$?
}

@test "SIGTERM reaches a PID 1 that traps it; nsbox exits with its status 0" {
        start_bg -- sh -c 'trap "echo got TERM; exit 0" TERM; echo ready; while :; do sleep 0.1; done'
        kill -TERM "$PID"
        wait_status
        cat "$OUT"
        [ "$rc" -eq 0 ]
        [ "$(cat "$OUT")" = "$(printf 'ready\ngot TERM')" ]
}

@test "SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 and SIGWINCH are forwarded too" {
        start_bg -- sh -c 'for s in HUP QUIT USR1 USR2 WINCH; do trap "echo got $s" $s; done
                trap "echo got INT; exit 7" INT; echo ready; while :; do sleep 0.1; done'
        # one at a time, each once its trap has run: sh runs pending traps in
        # signal-number order, not in the order they were sent
        for s in HUP QUIT USR1 USR2 WINCH INT; do
                kill -$s "$PID"
                for i in $(seq 100); do
                        grep -q "^got $s$" "$OUT" && break
                        sleep 0.05
                done
        done
        wait_status
        cat "$OUT"
        [ "$rc" -eq 7 ]
        [ "$(cat "$OUT")" = "$(printf 'ready\ngot HUP\ngot QUIT\ngot USR1\ngot USR2\ngot WINCH\ngot INT')" ]
}

@test "a PID 1 without handler is killed after the second SIGINT: one line, exit 137" {
        start_bg -- sh -c 'echo ready; exec sleep 7917'
        pid1=$(pgrep -P "$PID")
        kill -INT "$PID"
        sleep 0.5
        # the first one was ignored by PID 1 (pid_namespaces(7))
        kill -0 "$PID"
        kill -INT "$PID"
        wait_status
        cat "$OUT"
        [ "$rc" -eq 137 ]
        [ "$(cat "$OUT")" = "$(printf 'ready\nnsbox run: second SIGINT: killed the container with SIGKILL')" ]
        ! kill -0 "$pid1"
        ! pgrep -f '^sleep 7917$'
}

@test "SIGTERM then --stop-timeout seconds: killed, one line, exit 137" {
        start_bg --stop-timeout 1 -- sh -c 'echo ready; exec sleep 100'
        start=$(date +%s%N)
        kill -TERM "$PID"
        wait_status
        ms=$((($(date +%s%N) - start) / 1000000))
        cat "$OUT"
        echo "took $ms ms"
        [ "$rc" -eq 137 ]
        [ "$ms" -ge 900 ] && [ "$ms" -lt 5000 ]
        [ "$(cat "$OUT")" = "$(printf 'ready\nnsbox run: container did not stop 1 s after SIGTERM: killed it with SIGKILL')" ]
}

@test "the default stop timeout is 10 s" {
        start_bg -- sh -c 'echo ready; exec sleep 100'
        start=$(date +%s%N)
        kill -TERM "$PID"
        wait_status
        ms=$((($(date +%s%N) - start) / 1000000))
        cat "$OUT"
        echo "took $ms ms"
        [ "$rc" -eq 137 ]
        [ "$ms" -ge 9900 ] && [ "$ms" -lt 15000 ]
        [ "$(tail -1 "$OUT")" = "nsbox run: container did not stop 10 s after SIGTERM: killed it with SIGKILL" ]
}

@test "--stop-timeout 0 kills right after the first SIGTERM" {
        start_bg --stop-timeout 0 -- sh -c 'echo ready; exec sleep 100'
        kill -TERM "$PID"
        wait_status
        [ "$rc" -eq 137 ]
}

@test "--init: SIGTERM reaches a command that only a non-PID-1 default would end" {
        # sleep as the command: under --init it is not PID 1, so SIGTERM's
        # default action applies and it dies of it
        start_bg --init -- sh -c 'echo ready; exec sleep 100'
        kill -TERM "$PID"
        wait_status
        cat "$OUT"
        [ "$rc" -eq 143 ]
}

@test "--init: sh -c 'kill -9 \$\$' gives 137" {
        run "$NSBOX" run --rootfs "$ROOTFS_TAR" --init -- sh -c 'kill -9 $$'
        [ "$status" -eq 137 ]
        [ -z "$output" ]
}

@test "--init: the command's exit status is passed on" {
        run "$NSBOX" run --rootfs "$ROOTFS_TAR" --init -- sh -c 'exit 42'
        [ "$status" -eq 42 ]
        run -127 "$NSBOX" run --rootfs "$ROOTFS_TAR" --init -- /nonexistent
        [ "$status" -eq 127 ]
        [ "$output" = "nsbox run: exec '/nonexistent': No such file or directory" ]
}

# zombies_of PID: how many zombie children PID has
zombies_of() {
        ps --ppid "$1" -o stat= | grep -c Z || true
}

@test "--init: 200 double-forked orphans leave zero zombies after 2 s" {
        start_bg --init -- sh -c 'for i in $(seq 200); do (sleep 0.5 &); done; echo ready; exec sleep 100'
        sleep 2
        init=$(pgrep -P "$PID")
        [ -n "$init" ]
        ps --ppid "$init" -o pid=,stat=,args=
        [ "$(zombies_of "$init")" -eq 0 ]
        # and init is nsbox itself, not something from the rootfs
        [ "$(readlink /proc/$init/exe)" = "$(readlink -f "$NSBOX")" ]
        kill -TERM "$PID"
        wait_status
        [ "$rc" -eq 143 ]
}

@test "without --init, the same orphans stay zombies under a PID 1 that does not reap" {
        start_bg -- sh -c 'for i in $(seq 200); do (sleep 0.5 &); done; echo ready; exec sleep 100'
        pid1=$(pgrep -P "$PID")
        for i in $(seq 100); do
                [ "$(zombies_of "$pid1")" -eq 200 ] && break
                sleep 0.1
        done
        [ "$(zombies_of "$pid1")" -eq 200 ]
        kill -INT "$PID"
        kill -INT "$PID"
        wait_status
        [ "$rc" -eq 137 ]
}

@test "--init: the container cannot reach init's binary, fds or memory (runc CVE-2019-5736)" {
        run "$NSBOX" run --rootfs "$ROOTFS_TAR" --init -- sh -c '
                for p in /proc/1/exe /proc/1/mem /proc/1/fd/0 /proc/1/fd/1; do
                        if cat "$p" >/dev/null 2>&1; then echo "read $p"; fi
                        if readlink "$p" >/dev/null 2>&1; then echo "readlink $p"; fi
                done
                echo done'
        echo "$output"
        [ "$status" -eq 0 ]
        [ "$output" = done ]
}

@test "--init: init holds no fd but 0, 1 and 2" {
        "$NSBOX" run --rootfs "$ROOTFS_TAR" --init -- sh -c 'echo ready; exec sleep 100' >"$OUT" 2>&1 3</dev/null &
        PID=$!
        for i in $(seq 100); do grep -q ready "$OUT" && break; sleep 0.05; done
        init=$(pgrep -P "$PID")
        run ls /proc/$init/fd
        echo "$output"
        [ "$(echo $output)" = "0 1 2" ]
        kill -INT "$PID"
        wait "$PID" || true
}
