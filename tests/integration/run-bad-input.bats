#!/usr/bin/env bats
# Bad option values and input files to nsbox run: one clear line on stderr,
# exit 125, nothing left behind. Every run is under a 1 GB address-space
# limit, so a reader without a bound fails here instead of eating the machine.
load ../lib

setup_file() {
        rootfs_tarball
        export ROOTFS_TAR ROOTFS_KIND
        export FIX=$(mktemp -d)
        head -c $((1024 * 1024 + 1)) /dev/zero | tr '\0' a >"$FIX/big-env"
        head -c $((4 * 1024 * 1024 + 1)) /dev/zero | tr '\0' ' ' >"$FIX/big-profile"
        printf 'A=1\n' >"$FIX/ok-env"
}

teardown_file() {
        rm -rf "$FIX"
}

snapshot() {
        {
                grep -c nsbox /proc/self/mountinfo
                pgrep -c -f "^$NSBOX " || true
                ls -A /run/nsbox 2>/dev/null | wc -l
                find "$NSBOX_CACHE_DIR" -name '*.tmp*' 2>/dev/null | wc -l
        } | tr '\n' ' '
}

# check_error REGEX -- nsbox-run-args...
check_error() {
        local re=$1
        shift 2
        local before after
        before=$(snapshot)
        run --separate-stderr bash -c 'ulimit -v 1000000; exec "$@"' - "$NSBOX" run "$@"
        after=$(snapshot)
        echo "status=$status stdout=[$output] stderr=[$stderr]"
        [ "$status" -eq 125 ]
        [ -z "$output" ]
        [ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
        [[ "$stderr" =~ $re ]]
        [ "$before" = "$after" ]
}

@test "--env-file /dev/zero is refused, not read" {
        check_error "^nsbox run: env file '/dev/zero': not a regular file$" -- --env-file /dev/zero --rootfs "$ROOTFS_TAR" true
}

@test "--seccomp /dev/zero is refused, not read" {
        check_error "^nsbox run: seccomp profile '/dev/zero': not a regular file$" -- --seccomp /dev/zero --rootfs "$ROOTFS_TAR" true
}

@test "--env-file larger than 1 MiB" {
        check_error "^nsbox run: env file '$FIX/big-env': larger than 1 MiB$" -- --env-file "$FIX/big-env" --rootfs "$ROOTFS_TAR" true
}

@test "--env-file from an endless pipe stops at 1 MiB" {
        check_error "^nsbox run: env file '/dev/fd/[0-9]+': larger than 1 MiB$" -- --env-file <(cat /dev/zero) --rootfs "$ROOTFS_TAR" true
}

@test "--seccomp profile larger than 4 MiB" {
        check_error "^nsbox run: seccomp profile '$FIX/big-profile': larger than 4 MiB$" -- --seccomp "$FIX/big-profile" --rootfs "$ROOTFS_TAR" true
}

@test "--env-file that is a directory" {
        check_error "^nsbox run: env file '$FIX': Is a directory$" -- --env-file "$FIX" --rootfs "$ROOTFS_TAR" true
}

@test "--env-file from a pipe still works" {
        run --separate-stderr "$NSBOX" run --env-file <(printf 'FROM_PIPE=yes\n') --rootfs "$ROOTFS_TAR" printenv FROM_PIPE
        echo "status=$status stdout=[$output] stderr=[$stderr]"
        [ "$status" -eq 0 ]
        [ "$output" = yes ]
}
