# Shared by tests/integration/attack-*.bats: the attack payload, a rootfs
# directory to tamper with, and the check that the host is unchanged.
# Load after ../lib.

ATTACK="$NSBOX_BUILD/tests/payload/nsbox-test-attack"

# Runs the payload inside a container: attack_run [nsbox run options] -- ARGS...
attack_run() {
        local opts=()
        while [ $# -gt 0 ] && [ "$1" != -- ]; do
                opts+=("$1")
                shift
        done
        shift
        "$NSBOX" run "${opts[@]}" --bind "$ATTACK:/tmp/.attack:ro" -- /tmp/.attack "$@"
}

# A rootfs directory of our own (from the test tarball), for tests that plant
# symlinks in it. Sets ROOTFS_DIR; removed by host_check.
make_rootfs_dir() {
        ROOTFS_DIR=$(mktemp -d "$BATS_TEST_TMPDIR/rootfs.XXXXXX")
        tar -C "$ROOTFS_DIR" -xzf "$ROOTFS_TAR"
}

# What an escape would change, limited to what this test run owns (other
# helpers run tests on this machine at the same time): the nsbox binary's
# sha256, mounts and processes of this build, a canary file and directory
# on the host, and the host root's entries.
host_state() {
        sha256sum "$NSBOX" | cut -d' ' -f1
        grep -c -e "$NSBOX_BUILD" -e "$BATS_TEST_TMPDIR" /proc/self/mountinfo || true
        pgrep -c -f "^$NSBOX " || true
        pgrep -c -f "$ATTACK" || true
        sha256sum "$CANARY_DIR/canary" | cut -d' ' -f1
        ls -A "$CANARY_DIR" | tr '\n' ' '
        echo
        ls -A / | tr '\n' ' '
        echo
}

host_setup() {
        CANARY_DIR=$(mktemp -d /tmp/nsbox-canary.XXXXXX)
        echo "canary $$ $RANDOM" >"$CANARY_DIR/canary"
        HOST_BEFORE=$(host_state)
}

# Call at the end of every test: the host looks as before.
host_check() {
        local after
        after=$(host_state)
        if [ "$after" != "$HOST_BEFORE" ]; then
                echo "host changed:"
                diff <(echo "$HOST_BEFORE") <(echo "$after") || true
                return 1
        fi
}

host_teardown() {
        rm -rf "$CANARY_DIR"
}
