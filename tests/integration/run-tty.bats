#!/usr/bin/env bats
# nsbox run -t: a new pseudo-terminal in the container (and its /dev/console);
# the caller's terminal (a pty pair the test makes itself) in raw mode while
# it runs, window size kept in step, and its modes restored on every way out.
load ../lib

setup_file() {
        rootfs_tarball
        export ROOTFS_TAR ROOTFS_KIND
        export PTY_RUN="$NSBOX_SRC/tests/integration/helpers/pty-run.py"
        # extract once, so no progress bar lands on a test's terminal
        "$NSBOX" run --rootfs "$ROOTFS_TAR" -- true
}

@test "-t: the command sees a pts device of its own with the caller's window size" {
        run "$PTY_RUN" --size 33x101 -- "$NSBOX" run -t --rootfs "$ROOTFS_TAR" -- sh -c 'tty; stty size'
        echo "$output"
        [ "${lines[0]}" = /dev/pts/0 ]
        [ "${lines[1]}" = "33 101" ]
        [ "${lines[2]}" = "status 0" ]
        [ "${lines[3]}" = "modes same" ]
}

@test "-t: /dev/console is the container's terminal and the command's controlling terminal" {
        run "$PTY_RUN" -- "$NSBOX" run -t --rootfs "$ROOTFS_TAR" -- \
                sh -c 'stat -c "%t:%T" /dev/console /dev/pts/0; echo hi >/dev/tty; echo via-console >/dev/console'
        echo "$output"
        [ "${lines[0]}" = "${lines[1]}" ]
        [ "${lines[2]}" = hi ]
        [ "${lines[3]}" = via-console ]
        [ "${lines[4]}" = "status 0" ]
}

@test "-t: the caller's terminal is raw while the container runs" {
        # in raw mode, what the test types arrives unchanged: no echo by the
        # outer terminal, no ^C turned into SIGINT for nsbox
        run "$PTY_RUN" --after ready --input 'abc\n@0.2' -- "$NSBOX" run -t --rootfs "$ROOTFS_TAR" -- \
                sh -c 'stty -echo; echo ready; read x; echo "got [$x]"'
        echo "$output"
        [ "${lines[0]}" = ready ]
        [ "${lines[1]}" = "got [abc]" ]
        [ "${lines[2]}" = "status 0" ]
        [ "${lines[3]}" = "modes same" ]
}

@test "-t: a window size change reaches the container" {
        run "$PTY_RUN" --size 24x80 --after '24 80' --resize 40x120@0.5 -- "$NSBOX" run -t --rootfs "$ROOTFS_TAR" -- \
                sh -c 'stty size; sleep 2; stty size'
        echo "$output"
        [ "${lines[0]}" = "24 80" ]
        [ "${lines[1]}" = "40 120" ]
}

@test "-t -i: an interactive shell reads the terminal and exits with its status" {
        run "$PTY_RUN" --after '# ' --input 'echo hello-$((6*7))\n@0.2' --input 'exit 3\n@0.7' -- \
                "$NSBOX" run -t -i --rootfs "$ROOTFS_TAR"
        echo "$output"
        [[ "$output" == *hello-42* ]]
        [ "${lines[-2]}" = "status 3" ]
        [ "${lines[-1]}" = "modes same" ]
}

@test "-t: the terminal's modes are restored when the container is killed" {
        run "$PTY_RUN" --after ready --signal SIGTERM@0.2 --signal SIGTERM@0.7 -- \
                "$NSBOX" run -t --rootfs "$ROOTFS_TAR" -- sh -c 'echo ready; exec sleep 100'
        lines=("${lines[@]:1}")
        echo "$output"
        [ "${lines[0]}" = "nsbox run: second SIGTERM: killed the container with SIGKILL" ]
        [ "${lines[1]}" = "status 137" ]
        [ "${lines[2]}" = "modes same" ]
}

@test "-t: the terminal's modes are restored when a catchable fatal signal ends nsbox" {
        run "$PTY_RUN" --after ready --signal SIGALRM@0.2 -- \
                "$NSBOX" run -t --rootfs "$ROOTFS_TAR" -- sh -c 'echo ready; exec sleep 7919'
        lines=("${lines[@]:1}")
        echo "$output"
        [ "${lines[0]}" = "status 142" ]
        [ "${lines[1]}" = "modes same" ]
        # and the container died with nsbox
        sleep 0.5
        ! pgrep -f '^sleep 7919$'
}

@test "-t: output after a pause reaches the caller while the command still runs" {
        # nsbox reads "one" alone; "two" must come through although nothing
        # else happens (no input, no signal, the container does not end)
        # until the test has seen it
        run "$PTY_RUN" --timeout 15 --after two --input 'y\n@0.1' -- "$NSBOX" run -t --rootfs "$ROOTFS_TAR" -- \
                sh -c 'echo one; sleep 0.5; echo two; read x; echo "got [$x]"'
        echo "$output"
        [ "${lines[0]}" = one ]
        [ "${lines[1]}" = two ]
        [[ "$output" == *"got [y]"* ]]
        [ "${lines[-2]}" = "status 0" ]
        [ "${lines[-1]}" = "modes same" ]
}

@test "-t with --init: the command gets the terminal's foreground and ^C" {
        # the pause: tty's line and "ready" reach nsbox in two reads, always
        run "$PTY_RUN" --timeout 15 --after ready --input 'x@0.2' --input '\x03@0.5' -- \
                "$NSBOX" run -t --init --rootfs "$ROOTFS_TAR" -- \
                sh -c 'tty; sleep 0.5; trap "echo got INT; exit 4" INT; echo ready; while :; do sleep 0.1; done'
        echo "$output"
        [ "${lines[0]}" = /dev/pts/0 ]
        [[ "$output" == *"got INT"* ]]
        [ "${lines[-2]}" = "status 4" ]
        [ "${lines[-1]}" = "modes same" ]
}

@test "without -t the command gets no terminal of the host's" {
        run "$PTY_RUN" -- "$NSBOX" run --rootfs "$ROOTFS_TAR" -- sh -c 'cat /dev/tty 2>&1; echo rc=$?'
        echo "$output"
        [[ "${lines[0]}" == *"No such device or address"* ]]
        [ "${lines[1]}" = "rc=1" ]
}

@test "-t with input from a pipe: its end reaches the command as end-of-file" {
        run timeout 20 sh -c "printf 'echo one; exit 5\n' | '$NSBOX' run -t --rootfs '$ROOTFS_TAR'"
        echo "$output"
        [ "$status" -eq 5 ]
        [[ "$output" == *one* ]]
        # a last line without a newline: ended, then end-of-file; the
        # command gets the 3 bytes and ends (the terminal echoes "a", "b")
        run timeout 20 sh -c "printf 'a\nb' | '$NSBOX' run -t --rootfs '$ROOTFS_TAR' -- wc -c"
        echo "$output"
        [ "$status" -eq 0 ]
        [ "$(printf '%s' "${lines[-1]}" | tr -d '\r')" = b3 ]
}

@test "-t: when the caller's terminal hangs up, the stop timeout ends a PID 1 that ignores SIGHUP" {
        # the master closed: nsbox gets SIGHUP and EIO; sleep as PID 1 of its
        # pid namespace ignores the forwarded SIGHUP, so only the clock ends it
        local t0=$SECONDS
        run "$PTY_RUN" --timeout 12 --after ready --close 0.2 -- \
                "$NSBOX" run -t --stop-timeout 1 --rootfs "$ROOTFS_TAR" -- sh -c 'echo ready; exec sleep 7907'
        echo "$output"
        [[ "$output" != *"[timeout]"* ]]
        [ "${lines[-2]}" = "status 137" ]
        [ $((SECONDS - t0)) -ge 1 ]
        sleep 0.5
        ! pgrep -f '^sleep 7907$'
}

@test "-t: a SIGHUP to nsbox starts the stop timeout like SIGTERM" {
        run "$PTY_RUN" --timeout 12 --after ready --signal SIGHUP@0.2 -- \
                "$NSBOX" run -t --stop-timeout 1 --rootfs "$ROOTFS_TAR" -- sh -c 'echo ready; exec sleep 7908'
        lines=("${lines[@]:1}")
        echo "$output"
        [ "${lines[0]}" = "nsbox run: container did not stop 1 s after SIGHUP: killed it with SIGKILL" ]
        [ "${lines[1]}" = "status 137" ]
        [ "${lines[2]}" = "modes same" ]
}
