#!/usr/bin/env bats
# nsbox run as a user who is not root: the process's ids must exist in the
# user namespace, --group-add needs setgroups, --userns=keep-id takes the
# user's own groups and home. Run as two users the fixture creates and
# removes: RANGED (65536 subordinate ids) and PLAIN (none).
load ../lib

as_user() {
        local u=$1
        shift
        setpriv --reuid="$u" --regid="$u" --init-groups --reset-env -- \
                env ASAN_OPTIONS="${ASAN_OPTIONS:-}" UBSAN_OPTIONS="${UBSAN_OPTIONS:-}" "$@"
}

setup_file() {
        rootfs_tarball
        export ROOTFS_TAR ROOTFS_KIND
        export CREATED_SUBID=
        if [ ! -e /etc/subuid ] || [ ! -e /etc/subgid ]; then
                CREATED_SUBID=1
                touch /etc/subuid /etc/subgid
        fi
        export RANGED=nsbidr$$ PLAIN=nsbidp$$
        useradd -m -s /bin/sh -K SUB_UID_COUNT=65536 -K SUB_GID_COUNT=65536 "$RANGED"
        useradd -m -s /bin/sh -K SUB_UID_COUNT=0 -K SUB_GID_COUNT=0 "$PLAIN"
        export RUID=$(id -u "$RANGED") RGID=$(id -g "$RANGED") PUID=$(id -u "$PLAIN") PGID=$(id -g "$PLAIN")
}

teardown_file() {
        local u
        for u in "$RANGED" "$PLAIN"; do
                [ -n "$u" ] || continue
                local id
                id=$(id -u "$u" 2>/dev/null) || continue
                pkill -KILL -u "$id" 2>/dev/null || true
                local i
                for i in $(seq 50); do
                        pgrep -u "$id" >/dev/null || break
                        sleep 0.1
                done
                userdel -r "$u" 2>/dev/null || userdel -r "$u" || echo "# teardown: userdel $u failed" >&3
                rm -rf "/tmp/nsbox-$id" "/tmp/nsbox-cache-$id"
        done
        if [ -n "$CREATED_SUBID" ] && [ ! -s /etc/subuid ] && [ ! -s /etc/subgid ]; then
                rm -f /etc/subuid /etc/subgid /etc/subuid- /etc/subgid-
        fi
}

# check_error USER REGEX -- nsbox-run-args...
check_error() {
        local u=$1 re=$2
        shift 3
        run --separate-stderr as_user "$u" "$NSBOX" run "$@"
        echo "status=$status stdout=[$output] stderr=[$stderr]"
        [ "$status" -eq 125 ]
        [ -z "$output" ]
        [ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
        [[ "$stderr" =~ $re ]]
        [ -z "$(pgrep -u "$(id -u "$u")")" ]
}

@test "--group-add without an /etc/subgid range: one clear error, not a silently lost group" {
        check_error "$PLAIN" "^nsbox run: group-add: supplementary groups need a range in /etc/subgid" -- \
                --group-add 10 --rootfs "$ROOTFS_TAR" true
}

@test "--group-add with a range still works" {
        run --separate-stderr as_user "$RANGED" "$NSBOX" run --group-add 10 --rootfs "$ROOTFS_TAR" id -G
        echo "status=$status stdout=[$output] stderr=[$stderr]"
        [ "$status" -eq 0 ]
        [[ " $output " == *" 10 "* ]]
}

@test "--user with an id the user namespace does not map: say so" {
        check_error "$PLAIN" "^nsbox run: uid/gid 1000 is not mapped in the container's user namespace \(add /etc/subuid and /etc/subgid ranges, or use --userns=keep-id\)$" -- \
                --user 1000 --rootfs "$ROOTFS_TAR" true
        check_error "$PLAIN" "^nsbox run: uid/gid 65534 is not mapped in the container's user namespace" -- \
                --user 0:65534 --rootfs "$ROOTFS_TAR" true
}

@test "--userns=keep-id: the user's groups and home from the rootfs, not root's" {
        local u
        for u in "$RANGED" "$PLAIN"; do
                run --separate-stderr as_user "$u" "$NSBOX" run --userns=keep-id --rootfs "$ROOTFS_TAR" \
                        sh -c 'id -u; id -G; echo "$HOME"'
                echo "status=$status stdout=[$output] stderr=[$stderr]"
                [ "$status" -eq 0 ]
                [ "${lines[0]}" = "$(id -u "$u")" ]
                # no entry for the user in the rootfs's /etc/group: its own gid only
                [ "${lines[1]}" = "$(id -g "$u")" ]
                # no entry in the rootfs's /etc/passwd: /
                [ "${lines[2]}" = / ]
        done
}
