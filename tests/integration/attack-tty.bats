#!/usr/bin/env bats
# Attack 8 (bubblewrap CVE-2017-5226): TIOCSTI, pushing input into the
# caller's terminal so that its shell runs it after the container exits. This
# kernel has dev.tty.legacy_tiocsti on: only isolation protects the caller.
load ../lib
load helpers/attack

setup_file() {
        export PTY_RUN="$NSBOX_SRC/tests/integration/helpers/pty-run.py"
}
setup() { host_setup; }
teardown() { host_teardown; }

# On a pty of the test's own: a shell runs the container, then reads what
# its terminal holds, as an interactive shell would.
@test "attack 8: without -t, TIOCSTI into the inherited terminal fails with EPERM; the shell reads nothing" {
        run "$PTY_RUN" -- sh -c '"$1" run --bind "$2:/tmp/.attack:ro" -- /tmp/.attack tiocsti 0 "echo PWNED
"; stty -icanon min 0 time 5; got=$(dd bs=64 count=1 2>/dev/null); echo "shell read [$got]"' _ "$NSBOX" "$ATTACK"
        echo "$output"
        [[ "${lines[0]}" == "tiocsti EPERM"* ]]
        [[ "${lines[1]}" == "shell read []"* ]]
        host_check
}

@test "attack 8: with -t, TIOCSTI goes into the container's own pty; the caller's shell still reads nothing" {
        run "$PTY_RUN" -- sh -c '"$1" run -t --bind "$2:/tmp/.attack:ro" -- /tmp/.attack tiocsti 0 "echo PWNED
"; stty -icanon min 0 time 5; got=$(dd bs=64 count=1 2>/dev/null); echo "shell read [$got]"' _ "$NSBOX" "$ATTACK"
        echo "$output"
        [[ "$output" == *"tiocsti ok"* ]]
        [[ "$output" == *"shell read []"* ]]
        host_check
}
