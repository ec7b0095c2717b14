#!/usr/bin/env bats
# nsbox run for a user who is not root (issue 7): a user namespace in which the
# user is root; the user's /etc/subuid and /etc/subgid ranges mapped through
# newuidmap/newgidmap, or only the user's own ids (setgroups denied) without
# them; the rootfs tarball extracted inside that namespace; the cache under
# ~/.cache/nsbox, the state under /tmp/nsbox-UID. Run as two users that the
# fixture creates and removes: RANGED (65536 subordinate ids) and PLAIN (none).
load ../lib
bats_require_minimum_version 1.5.0

as_user() {
        local u=$1
        shift
        setpriv --reuid="$u" --regid="$u" --init-groups --reset-env -- \
                env ASAN_OPTIONS="${ASAN_OPTIONS:-}" UBSAN_OPTIONS="${UBSAN_OPTIONS:-}" "$@"
}

setup_file() {
        rootfs_tarball
        export ROOTFS_TAR ROOTFS_KIND
        # useradd allocates subordinate ids only when the files exist
        export CREATED_SUBID=
        if [ ! -e /etc/subuid ] || [ ! -e /etc/subgid ]; then
                CREATED_SUBID=1
                touch /etc/subuid /etc/subgid
        fi
        export RANGED=nsbrlr$$ PLAIN=nsbrlp$$
        useradd -m -s /bin/sh -K SUB_UID_COUNT=65536 -K SUB_GID_COUNT=65536 "$RANGED"
        useradd -m -s /bin/sh -K SUB_UID_COUNT=0 -K SUB_GID_COUNT=0 "$PLAIN"
        export RUID=$(id -u "$RANGED") PUID=$(id -u "$PLAIN") PGID=$(id -g "$PLAIN")
        export SUBUID=$(awk -F: -v u="$RANGED" '$1 == u { print $2; exit }' /etc/subuid)
        export SUBGID=$(awk -F: -v u="$RANGED" '$1 == u { print $2; exit }' /etc/subgid)
        export RHOME=$(getent passwd "$RANGED" | cut -d: -f6) PHOME=$(getent passwd "$PLAIN" | cut -d: -f6)
        # a host directory nobody but root may write, and one of another user
        export HOSTDIR=$(mktemp -d)
        chmod 755 "$HOSTDIR"
        mkdir "$HOSTDIR/root-only" "$HOSTDIR/other"
        chown 1 "$HOSTDIR/other"
        echo secret >"$HOSTDIR/root-only/file"
}

teardown_file() {
        local u
        for u in "$RANGED" "$PLAIN"; do
                [ -n "$u" ] || continue
                local id
                id=$(id -u "$u" 2>/dev/null) || continue
                # only this test's users' processes; userdel refuses while any is left
                pkill -KILL -u "$id" 2>/dev/null || true
                local i
                for i in $(seq 50); do
                        pgrep -u "$id" >/dev/null || break
                        sleep 0.1
                done
                # the cache in the home directory holds files of the subordinate ids: root removes them
                userdel -r "$u" 2>/dev/null || userdel -r "$u" || echo "# teardown: userdel $u failed" >&3
                rm -rf "/tmp/nsbox-$id" "/tmp/nsbox-cache-$id"
        done
        # userdel removes the users' subordinate ids; the files go only if we made them
        if [ -n "$CREATED_SUBID" ] && [ ! -s /etc/subuid ] && [ ! -s /etc/subgid ]; then
                rm -f /etc/subuid /etc/subgid /etc/subuid- /etc/subgid-
        fi
        rm -rf "$HOSTDIR"
}

@test "fixture: RANGED has a subordinate range, PLAIN none" {
        [ -n "$SUBUID" ] && [ -n "$SUBGID" ]
        ! grep -q "^$PLAIN:" /etc/subuid
        ! grep -q "^$PLAIN:" /etc/subgid
}

@test "with ranges: uid 0 inside, the full range mapped through newuidmap, setgroups allowed" {
        run as_user "$RANGED" "$NSBOX" run --rootfs "$ROOTFS_TAR" -- \
                sh -c 'id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map /proc/self/setgroups'
        echo "$output"
        [ "$status" -eq 0 ]
        [ "$(echo "$output" | sed -n 1p)" = 0 ]
        [ "$(echo "$output" | sed -n 2p)" = 0 ]
        [ "$(echo "$output" | sed -n 3p | tr -s ' ' | sed 's/^ //')" = "0 $RUID 1" ]
        [ "$(echo "$output" | sed -n 4p | tr -s ' ' | sed 's/^ //')" = "1 $SUBUID 65536" ]
        [ "$(echo "$output" | sed -n 6p | tr -s ' ' | sed 's/^ //')" = "1 $SUBGID 65536" ]
        [ "$(echo "$output" | sed -n 7p)" = allow ]
}

@test "with ranges: a file made inside is the user's outside; chown 1000 gives subuid+999" {
        as_user "$RANGED" mkdir -p "$RHOME/out"
        run as_user "$RANGED" "$NSBOX" run --rootfs "$ROOTFS_TAR" --bind "$RHOME/out:/out" -- \
                sh -c 'touch /out/mine /out/given && chown 1000:1000 /out/given && echo ok'
        echo "$output"
        [ "$status" -eq 0 ]
        [ "$output" = ok ]
        [ "$(stat -c %u:%g "$RHOME/out/mine")" = "$RUID:$(id -g "$RANGED")" ]
        [ "$(stat -c %u:%g "$RHOME/out/given")" = "$((SUBUID + 999)):$((SUBGID + 999))" ]
}

@test "with ranges: the tarball is extracted in the namespace, owners become the mapped ids" {
        run as_user "$RANGED" "$NSBOX" run --rootfs "$ROOTFS_TAR" -- stat -c '%u:%g %n' /etc/shadow /bin/busybox
        echo "$output"
        [ "$status" -eq 0 ]
        # the cache is in the user's home, per map, and outside holds host ids
        local shadow
        shadow=$(find "$RHOME/.cache/nsbox" -path '*/rootfs/etc/shadow' | head -1)
        [ -n "$shadow" ]
        [ "$(stat -c %u "$shadow")" = "$RUID" ]
        if [ "$ROOTFS_KIND" = alpine ]; then
                # Alpine's /etc/shadow is root:shadow (42)
                [ "$(echo "$output" | sed -n 1p)" = "0:42 /etc/shadow" ]
                [ "$(stat -c %g "$shadow")" = "$((SUBGID + 41))" ]
        fi
        [ "$(echo "$output" | sed -n 2p)" = "0:0 /bin/busybox" ]
        # the state directory: /tmp/nsbox-UID, 0700, since XDG_RUNTIME_DIR is unset
        [ "$(stat -c '%u %a' "/tmp/nsbox-$RUID")" = "$RUID 700" ]
}

@test "without ranges: uid 0 inside, one id mapped, setgroups denied, chown 1000 is EINVAL" {
        as_user "$PLAIN" mkdir -p "$PHOME/out"
        run as_user "$PLAIN" "$NSBOX" run --rootfs "$ROOTFS_TAR" --bind "$PHOME/out:/out" -- \
                sh -c 'id -u; cat /proc/self/uid_map /proc/self/gid_map /proc/self/setgroups
                       touch /out/mine; chown 1000 /out/mine; echo "chown=$?"'
        echo "$output"
        [ "$status" -eq 0 ]
        [ "$(echo "$output" | sed -n 1p)" = 0 ]
        [ "$(echo "$output" | sed -n 2p | tr -s ' ' | sed 's/^ //')" = "0 $PUID 1" ]
        [ "$(echo "$output" | sed -n 3p | tr -s ' ' | sed 's/^ //')" = "0 $PGID 1" ]
        [ "$(echo "$output" | sed -n 4p)" = deny ]
        [[ "$output" == *"chown: /out/mine: Invalid argument"* ]]
        [[ "$output" == *"chown=1"* ]]
        [ "$(stat -c %u "$PHOME/out/mine")" = "$PUID" ]
}

@test "without ranges: setgroups(2) is refused inside; with them root gets the rootfs's groups" {
        [ "$ROOTFS_KIND" = alpine ] || skip "needs Alpine's /etc/group, where root is in 10 groups"
        # nsbox sets root's supplementary groups from the rootfs's /etc/group:
        # refused without ranges (the user's own group stays, as 0), done with them
        run as_user "$PLAIN" "$NSBOX" run --rootfs "$ROOTFS_TAR" -- sh -c 'grep ^Groups: /proc/self/status'
        echo "$output"
        [ "$status" -eq 0 ]
        [ "$(echo "$output" | tr -s '\t ' ' ')" = "Groups: 0 " ]
        run as_user "$RANGED" "$NSBOX" run --rootfs "$ROOTFS_TAR" -- sh -c 'grep ^Groups: /proc/self/status'
        echo "$output"
        [ "$status" -eq 0 ]
        [ "$(echo "$output" | tr -s '\t ' ' ')" = "Groups: 0 1 2 3 4 6 10 11 20 26 27 " ]
}

@test "the tutorial's last step as either user lists exactly PID 1 sh and ps" {
        local u
        for u in "$RANGED" "$PLAIN"; do
                run as_user "$u" "$NSBOX" run --rootfs "$ROOTFS_TAR" -- sh -c 'ps; true'
                echo "$u: $output"
                [ "$status" -eq 0 ]
                [ "$(echo "$output" | wc -l)" -eq 3 ]
                [[ "$(echo "$output" | sed -n 1p)" == "PID"*"USER"*"COMMAND" ]]
                [[ "$(echo "$output" | sed -n 2p)" =~ ^\ +1\ root\ .*\ sh\ -c\ ps\;\ true$ ]]
                [[ "$(echo "$output" | sed -n 3p)" =~ ^\ +2\ root\ .*\ ps$ ]]
        done
}

@test "run's setup inside: proc, /dev of bound host nodes, /sys read-only, tmpfs, hostname, lo up" {
        run as_user "$PLAIN" "$NSBOX" run --rootfs "$ROOTFS_TAR" --hostname rl-host -- sh -c '
                hostname
                echo x >/dev/null && head -c 4 /dev/zero | wc -c
                grep -E " /(proc|sys|tmp|dev) " /proc/self/mountinfo | awk "{ print \$5, \$9 }"
                touch /sys/x 2>/dev/null || echo sys-ro
                cat /sys/class/net/lo/operstate; ip -o link show lo 2>/dev/null | grep -o "UP,LOWER_UP" || true'
        echo "$output"
        [ "$status" -eq 0 ]
        [ "$(echo "$output" | sed -n 1p)" = rl-host ]
        [ "$(echo "$output" | sed -n 2p)" = 4 ]
        echo "$output" | grep -qx '/proc proc'
        echo "$output" | grep -qx '/sys sysfs'
        echo "$output" | grep -qx '/tmp tmpfs'
        echo "$output" | grep -qx '/dev tmpfs'
        echo "$output" | grep -qx sys-ro
        echo "$output" | grep -qx unknown
        echo "$output" | grep -qx UP,LOWER_UP
}

@test "--net host as a user: sysfs cannot be mounted, the host's /sys is bound read-only" {
        run as_user "$PLAIN" "$NSBOX" run --net host --rootfs "$ROOTFS_TAR" -- sh -c '
                grep " /sys " /proc/self/mountinfo | tail -1 | awk "{ print \$6 }" | cut -d, -f1
                ls /sys/class/net | grep -c .'
        echo "$output"
        [ "$status" -eq 0 ]
        [ "$(echo "$output" | sed -n 1p)" = ro ]
        [ "$(echo "$output" | sed -n 2p)" -eq "$(ls /sys/class/net | grep -c .)" ]
}

@test "host files that are not mapped show as nobody (65534); nothing but the user's own is writable" {
        local u
        for u in "$RANGED" "$PLAIN"; do
                run as_user "$u" "$NSBOX" run --bind "$HOSTDIR:/mnt" -- sh -c '
                        stat -c "%u:%g" /etc/shadow /mnt/root-only /mnt/other
                        touch /mnt/root-only/x 2>/dev/null || echo denied-root
                        touch /mnt/other/x 2>/dev/null || echo denied-other
                        echo gone >/mnt/root-only/file 2>/dev/null || echo denied-file
                        touch /tmp/ok && echo tmp-ok'
                echo "$u: $output"
                [ "$status" -eq 0 ]
                [ "$(echo "$output" | sed -n 1,3p | sort -u)" = "65534:65534" ]
                echo "$output" | grep -qx denied-root
                echo "$output" | grep -qx denied-other
                echo "$output" | grep -qx denied-file
                echo "$output" | grep -qx tmp-ok
        done
        [ "$(cat "$HOSTDIR/root-only/file")" = secret ]
        [ -z "$(ls "$HOSTDIR/root-only" "$HOSTDIR/other" | grep -v -e '^file$' -e '^/' -e '^$')" ]
}

@test "--userns=keep-id: the user is itself inside, root's ids from the subordinate range" {
        run as_user "$RANGED" "$NSBOX" run --userns=keep-id --rootfs "$ROOTFS_TAR" -- \
                sh -c 'id -u; cat /proc/self/uid_map'
        echo "$output"
        [ "$status" -eq 0 ]
        [ "$(echo "$output" | sed -n 1p)" = "$RUID" ]
        echo "$output" | tr -s ' ' | sed 's/^ //' | grep -qx "$RUID $RUID 1"
        echo "$output" | tr -s ' ' | sed 's/^ //' | grep -qx "0 $SUBUID $RUID"
        # without ranges: the one id, mapped to itself
        run as_user "$PLAIN" "$NSBOX" run --userns=keep-id --rootfs "$ROOTFS_TAR" -- \
                sh -c 'id -u; cat /proc/self/uid_map'
        echo "$output"
        [ "$status" -eq 0 ]
        [ "$(echo "$output" | sed -n 1p)" = "$PUID" ]
        [ "$(echo "$output" | sed -n 2p | tr -s ' ' | sed 's/^ //')" = "$PUID $PUID 1" ]
}

@test "--uidmap/--gidmap: explicit ranges of the user's own ids" {
        run as_user "$RANGED" "$NSBOX" run --uidmap "0:$RUID:1" --uidmap "1:$((SUBUID + 10)):100" \
                --gidmap "0:$SUBGID:500" --rootfs "$ROOTFS_TAR" -- cat /proc/self/uid_map /proc/self/gid_map
        echo "$output"
        [ "$status" -eq 0 ]
        [ "$(echo "$output" | tr -s ' ' | sed 's/^ //')" = "$(printf '0 %s 1\n1 %s 100\n0 %s 500' \
                "$RUID" "$((SUBUID + 10))" "$SUBGID")" ]
}

# one line on stderr, exit 125, and no process, state or cache entry left behind
bad_input() {
        local u=$1
        shift
        local uid home before after
        uid=$(id -u "$u")
        home=$(getent passwd "$u" | cut -d: -f6)
        before=$(find "/tmp/nsbox-$uid" "$home/.cache" 2>/dev/null | sort)
        run -125 as_user "$u" "$@"
        echo "$output"
        [ "${#lines[@]}" -eq 1 ]
        [[ "$output" == "nsbox run: "* ]]
        after=$(find "/tmp/nsbox-$uid" "$home/.cache" 2>/dev/null | sort)
        [ "$before" = "$after" ]
        ! pgrep -u "$uid" >/dev/null
        ! pgrep -u "$SUBUID" >/dev/null
}

@test "bad input: --uidmap outside the user's subordinate range" {
        bad_input "$RANGED" "$NSBOX" run --uidmap "0:$RUID:1" --uidmap "1:$((SUBUID + 65000)):1000" \
                --rootfs "$ROOTFS_TAR" -- true
        [[ "$output" == *"are not yours"* ]]
        bad_input "$PLAIN" "$NSBOX" run --uidmap 0:0:1 --rootfs "$ROOTFS_TAR" -- true
        [[ "$output" == *"host ids 0-0 are not yours"* ]]
}

@test "bad input: overlapping --uidmap ranges" {
        bad_input "$RANGED" "$NSBOX" run --uidmap "0:$SUBUID:10" --uidmap "5:$((SUBUID + 100)):10" \
                --rootfs "$ROOTFS_TAR" -- true
        [[ "$output" == *"overlaps"*"inside the container"* ]]
        bad_input "$RANGED" "$NSBOX" run --uidmap "0:$SUBUID:10" --uidmap "100:$((SUBUID + 5)):10" \
                --rootfs "$ROOTFS_TAR" -- true
        [[ "$output" == *"overlaps"*"on the host"* ]]
        bad_input "$RANGED" "$NSBOX" run --uidmap "0:x:1" -- true
        [[ "$output" == *"expected CONTAINER_ID:HOST_ID:COUNT"* ]]
}

@test "bad input: no newuidmap in PATH with subordinate ranges; without them none is needed" {
        local empty
        empty=$(mktemp -d)
        chmod 755 "$empty"
        bad_input "$RANGED" env PATH="$empty" "$NSBOX" run --rootfs "$ROOTFS_TAR" -- true
        [[ "$output" == *"newuidmap: not found in PATH"*"uidmap"* ]]
        run as_user "$PLAIN" env PATH="$empty" "$NSBOX" run --rootfs "$ROOTFS_TAR" -- /bin/true
        rmdir "$empty"
        [ "$status" -eq 0 ]
}

@test "bad input: a rootfs directory the user cannot read" {
        local d
        d=$(mktemp -d)
        chmod 700 "$d"
        mkdir "$d/rootfs"
        bad_input "$PLAIN" "$NSBOX" run --rootfs "$d/rootfs" -- true
        [ "$output" = "nsbox run: rootfs '$d/rootfs': Permission denied" ]
        chmod 711 "$d"
        chmod 700 "$d/rootfs"
        bad_input "$PLAIN" "$NSBOX" run --rootfs "$d/rootfs" -- true
        [ "$output" = "nsbox run: rootfs '$d/rootfs': Permission denied" ]
        rm -rf "$d"
}

@test "bad input: --userns=host as a user" {
        bad_input "$PLAIN" "$NSBOX" run --userns=host -- true
        [[ "$output" == *"--userns=host"* ]]
}

@test "lsns as the user shows the namespaces of the user's container" {
        as_user "$RANGED" "$NSBOX" run -u 1000 --rootfs "$ROOTFS_TAR" -- sleep 30 3>&- &
        local pid=$!
        local child=
        for _ in $(seq 50); do
                child=$(pgrep -u "$((SUBUID + 999))" -x sleep || true)
                [ -n "$child" ] && break
                sleep 0.1
        done
        [ -n "$child" ]
        run as_user "$RANGED" "$NSBOX" lsns -n -o NS,TYPE,PID -p "$child"
        echo "$output"
        # $! is the subshell of as_user: end the container's own command, which ends nsbox run
        kill "$child" 2>/dev/null || true
        wait "$pid" || true
        [ "$status" -eq 0 ]
        # seven namespaces of its own (all but time), the pid one led by the sleep
        echo "$output" | awk '{ print $2 }' | grep -qx user
        echo "$output" | awk '{ print $2 }' | grep -qx pid
        [ "$(echo "$output" | awk '$2 == "pid" { print $3 }')" = "$child" ]
        [ "$(echo "$output" | awk '$2 == "user" { print $3 }')" = "$child" ]
}

@test "cgroup limits as a user: a clear error, a warning with --cgroup-limits=best-effort" {
        bad_input "$PLAIN" "$NSBOX" run --memory 100m -- true
        [ "$output" = "nsbox run: cgroup limits: they need root or a delegated cgroup v2 subtree, and this user has neither; --cgroup-limits=best-effort runs without them" ]
        run as_user "$PLAIN" "$NSBOX" run --memory 100m --cgroup-limits=best-effort -- echo ran
        echo "$output"
        [ "$status" -eq 0 ]
        [ "$output" = "$(printf '%s\n%s' 'nsbox run: warning: cgroup limits not applied: they need root or a delegated cgroup v2 subtree' ran)" ]
}

@test "cgroup as a user with a delegated v2 subtree: the container gets its cgroup there" {
        local u=/sys/fs/cgroup/unified
        [ "$(stat -f -c %T "$u" 2>/dev/null)" = cgroup2fs ] || skip "no cgroup2 hierarchy at $u"
        local d=$u/nsbox-rl-$$
        mkdir "$d"
        chown "$PLAIN" "$d" "$d/cgroup.procs"
        # the user's shell starts inside the subtree, as with systemd's Delegate=
        run sh -c "echo \$\$ >'$d/cgroup.procs' && exec setpriv --reuid='$PLAIN' --regid='$PLAIN' --init-groups \
                --reset-env -- env NSBOX_CGROUP_ROOT='$u' ASAN_OPTIONS='${ASAN_OPTIONS:-}' \
                '$NSBOX' run --cgroup-parent 'nsbox-rl-$$' --stats -- true"
        echo "$output"
        local children
        children=$(find "$d" -mindepth 1 -type d | wc -l)
        rmdir "$d"/* 2>/dev/null || true
        rmdir "$d"
        [ "$status" -eq 0 ]
        [[ "$output" != *warning* ]]
        [[ "$output" == *"NAME"*"PIDS"* ]]
        [ "$children" -eq 0 ] # removed when the container ended
}
