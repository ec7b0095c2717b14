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
        # A guard, should nsbox read without limit again: an address-space
        # limit, or for a build with AddressSanitizer (which reserves terabytes
        # of shadow memory and cannot start under ulimit -v) its RSS limit.
        if ldd "$NSBOX" | grep -q libasan; then
                run --separate-stderr env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}hard_rss_limit_mb=1000" \
                        "$NSBOX" run "$@"
        else
                run --separate-stderr bash -c 'ulimit -v 1000000; exec "$@"' - "$NSBOX" run "$@"
        fi
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

@test "--cap-add with an unknown name after a comma" {
        check_error "^nsbox run: cap-add 'SYS_ADMIN,bogus': unknown capability 'bogus'" -- --cap-add SYS_ADMIN,bogus --rootfs "$ROOTFS_TAR" true
}

@test "--cap-add with a space in the list" {
        check_error "^nsbox run: cap-add 'SYS_ADMIN bogus': unknown capability \(" -- --cap-add "SYS_ADMIN bogus" --rootfs "$ROOTFS_TAR" true
}

@test "--cap-drop with an empty name" {
        check_error "^nsbox run: cap-drop 'CHOWN,': expected capability names separated by commas$" -- --cap-drop CHOWN, --rootfs "$ROOTFS_TAR" true
}

@test "--cap-add ALL with --cap-drop ALL is refused" {
        check_error "^nsbox run: cap-add ALL and cap-drop ALL contradict each other$" -- --cap-add ALL --cap-drop ALL --rootfs "$ROOTFS_TAR" true
}

# CapBnd of the container's process, as a number
capbnd() {
        run --separate-stderr "$NSBOX" run "$@" --rootfs "$ROOTFS_TAR" sh -c 'grep CapBnd /proc/self/status'
        echo "status=$status stdout=[$output] stderr=[$stderr]" >&2
        [ "$status" -eq 0 ]
        echo $((0x${output##*:$'\t'}))
}

@test "--cap-add and --cap-drop take every name of a comma-separated list" {
        local base add drop
        base=$(capbnd)
        add=$(capbnd --cap-add SYS_ADMIN,NET_ADMIN)
        drop=$(capbnd --cap-drop CHOWN,KILL)
        # CAP_SYS_ADMIN 21, CAP_NET_ADMIN 12, CAP_CHOWN 0, CAP_KILL 5
        [ $((add)) -eq $((base | 1 << 21 | 1 << 12)) ]
        [ $((drop)) -eq $((base & ~(1 << 0 | 1 << 5))) ]
        [ $((base & (1 << 0 | 1 << 5))) -ne 0 ]
}

@test "--privileged with --cap-drop: the drop holds and the notice says so" {
        run --separate-stderr "$NSBOX" run --privileged --cap-drop KILL --rootfs "$ROOTFS_TAR" sh -c 'grep CapBnd /proc/self/status'
        echo "status=$status stdout=[$output] stderr=[$stderr]"
        [ "$status" -eq 0 ]
        [ $((0x${output##*:$'\t'} & 1 << 5)) -eq 0 ]
        [[ "$stderr" == *"but those --cap-drop names "*"no seccomp filter"* ]]
        run --separate-stderr "$NSBOX" run --privileged --cap-drop ALL --rootfs "$ROOTFS_TAR" sh -c 'grep CapBnd /proc/self/status'
        [ $((0x${output##*:$'\t'})) -eq 0 ]
        [[ "$stderr" == *"gets no capability"* ]]
}

@test "--cpus with --cpu-period or --cpu-quota is refused, in either order" {
        check_error "^nsbox run: cpu-period '50000': cannot be combined with --cpus$" -- --cpus 1 --cpu-period 50000 --rootfs "$ROOTFS_TAR" true
        check_error "^nsbox run: cpu-quota '50000': cannot be combined with --cpus$" -- --cpus 1 --cpu-quota 50000 --rootfs "$ROOTFS_TAR" true
        check_error "^nsbox run: cpus '1': cannot be combined with --cpu-period or --cpu-quota$" -- --cpu-quota 5000000 --cpus 1 --rootfs "$ROOTFS_TAR" true
}

@test "--memory below docker's 6 MiB minimum" {
        check_error "^nsbox run: memory '6291455': at least 6 MiB \(6m\)" -- --memory 6291455 --rootfs "$ROOTFS_TAR" true
        check_error "^nsbox run: memory '1m': at least 6 MiB \(6m\)" -- -m 1m --rootfs "$ROOTFS_TAR" true
}

@test "--stop-timeout too large says the maximum" {
        check_error "^nsbox run: stop-timeout '31536001': expected a number of seconds from 0 to 31536000 \(a year\)$" -- --stop-timeout 31536001 --rootfs "$ROOTFS_TAR" true
}

@test "--help says the --stats format needs '='" {
        run "$NSBOX" run --help
        [[ "$output" == *"--stats=json, not --stats json"* ]]
}

@test "--userns= (empty) is refused" {
        check_error "^nsbox run: userns '': expected auto, keep-id or host$" -- --userns= --rootfs "$ROOTFS_TAR" true
}

@test "a name that makes no hostname gives 'nsbox', as --help says" {
        run --separate-stderr "$NSBOX" run --name "a..b-$$" --rootfs "$ROOTFS_TAR" hostname
        echo "status=$status stdout=[$output] stderr=[$stderr]"
        [ "$status" -eq 0 ]
        [ "$output" = nsbox ]
        run "$NSBOX" run --help
        [[ "$output" == *"'nsbox' if that is no valid hostname, e.g. a..b"* ]]
}
