#!/usr/bin/env bats
# nsbox run --user/--group-add: users and groups from the rootfs's own
# /etc/passwd and /etc/group, never the host's; root's host groups dropped;
# a non-root user without capabilities; no_new_privs always.
load ../lib
bats_require_minimum_version 1.5.0

setup_file() {
        rootfs_tarball
        export ROOTFS_TAR ROOTFS_KIND
        "$NSBOX" run --rootfs "$ROOTFS_TAR" -- true
        # a rootfs directory whose users the host does not have, with names
        # the host does have mapped to other numbers
        export RDIR=$(mktemp -d)
        tar -C "$RDIR" -xzf "$ROOTFS_TAR"
        cat >>"$RDIR/etc/passwd" <<'P'
alice:x:1234:1500:Alice:/home/alice:/bin/sh
daemon2:x:1:1::/nohome:/bin/sh
P
        cat >>"$RDIR/etc/group" <<'G'
team:x:1500:
ops:x:1600:alice,bob
devs:x:1700:bob,alice
G
        # "mail" exists on the host (Debian: uid 8) and in Alpine (uid 8):
        # give the rootfs's its own number so a host lookup would show
        sed -i 's/^mail:x:8:12:/mail:x:4321:12:/' "$RDIR/etc/passwd"
}

teardown_file() {
        rm -rf "$RDIR"
}

@test "--user 1000:1000: id is 1000/1000 with only the groups of the rootfs's /etc/group" {
        run "$NSBOX" run --rootfs "$ROOTFS_TAR" --user 1000:1000 -- id
        echo "$output"
        [ "$status" -eq 0 ]
        [ "$output" = "uid=1000 gid=1000" ] || [ "$output" = "uid=1000 gid=1000 groups=1000" ]
}

@test "--user nobody resolves from the rootfs" {
        run "$NSBOX" run --rootfs "$ROOTFS_TAR" --user nobody -- sh -c 'id -u; id -g; echo $HOME'
        echo "$output"
        [ "$status" -eq 0 ]
        want=$(awk -F: '$1=="nobody"{print $3; print $4; print $6}' <(tar -xzOf "$ROOTFS_TAR" ./etc/passwd))
        [ "$output" = "$want" ]
}

@test "--user NAME takes uid, gid, HOME and memberships from the rootfs, not the host" {
        run "$NSBOX" run --rootfs "$RDIR" --user alice -- sh -c 'id; echo $HOME'
        echo "$output"
        [ "$status" -eq 0 ]
        # busybox id lists getgroups(2) only: the memberships, not the primary
        [ "${lines[0]}" = "uid=1234(alice) gid=1500(team) groups=1600(ops),1700(devs)" ]
        [ "${lines[1]}" = /home/alice ]
        run "$NSBOX" run --rootfs "$RDIR" --user mail -- id -u
        [ "$output" = 4321 ]
}

@test "--user NAME:GROUP and UID:GROUP; --group-add by name and number" {
        run "$NSBOX" run --rootfs "$RDIR" --user alice:ops -- id -g
        [ "$output" = 1600 ]
        run "$NSBOX" run --rootfs "$RDIR" --user 1234:team --group-add wheel --group-add 4242 -- id -G
        echo "$output"
        # the primary group, then the kernel's sorted supplementary list
        [ "$output" = "1500 10 1600 1700 4242" ]
}

@test "no --user: root with the rootfs's groups for root, none of the host's" {
        run "$NSBOX" run --rootfs "$RDIR" -- sh -c 'id -u; id -G; echo $HOME'
        echo "$output"
        want=$(awk -F: '{n=split($4,m,","); for(i=1;i<=n;i++) if(m[i]=="root") printf "%s ", $3}' "$RDIR/etc/group")
        [ "${lines[0]}" = 0 ]
        [ "${lines[1]} " = "$want" ] || [ "${lines[1]}" = "0 ${want% }" ]
        [ "${lines[2]}" = /root ]
}

@test "a numeric uid without a passwd entry: gid 0, HOME /" {
        run "$NSBOX" run --rootfs "$RDIR" --user 4000 -- sh -c 'id -u; id -g; echo $HOME'
        [ "$output" = "$(printf '4000\n0\n/')" ]
}

@test "a user other than root has no capabilities and no_new_privs" {
        run "$NSBOX" run --rootfs "$ROOTFS_TAR" --user 1000 -- grep -E '^(CapInh|CapPrm|CapEff|CapAmb|NoNewPrivs)' /proc/self/status
        echo "$output"
        [ "$status" -eq 0 ]
        [ "$output" = "$(printf 'CapInh:\t0000000000000000\nCapPrm:\t0000000000000000\nCapEff:\t0000000000000000\nCapAmb:\t0000000000000000\nNoNewPrivs:\t1')" ]
        # and cannot do what root in the container can
        run "$NSBOX" run --rootfs "$ROOTFS_TAR" --user 1000 -- chown 0 /tmp
        [ "$status" -ne 0 ]
}

@test "root keeps the default capabilities" {
        run "$NSBOX" run --rootfs "$ROOTFS_TAR" -- grep -E '^CapEff' /proc/self/status
        [ "$output" = "$(printf 'CapEff:\t00000000a80425fb')" ]
}

@test "--user with --init and -t: init and command run as the user" {
        run "$NSBOX" run --rootfs "$RDIR" --init --user alice -- sh -c 'id -u; cat /proc/1/status | grep ^Uid'
        echo "$output"
        [ "${lines[0]}" = 1234 ]
        [[ "${lines[1]}" == "Uid:"*1234* ]]
        run "$NSBOX_SRC/tests/integration/helpers/pty-run.py" -- "$NSBOX" run -t --rootfs "$RDIR" --user alice -- \
                sh -c 'stat -c %u $(tty)'
        echo "$output"
        [ "${lines[0]}" = 1234 ]
}

@test "a symlinked /etc/passwd in the rootfs is resolved inside it, not on the host" {
        d=$(mktemp -d)
        cp -a "$RDIR/." "$d/"
        mv "$d/etc/passwd" "$d/etc/passwd.real"
        ln -s /../../../../etc/passwd.real "$d/etc/passwd"
        run "$NSBOX" run --rootfs "$d" --user alice -- id -u
        rm -rf "$d"
        [ "$output" = 1234 ]
}

snapshot() {
        {
                grep -c nsbox /proc/self/mountinfo || true
                pgrep -c -f "^$NSBOX " || true
                ls -A /run/nsbox 2>/dev/null | wc -l
        } | tr '\n' ' '
}

# check_bad REGEX ARGS...: one line matching REGEX, exit 125, nothing left
check_bad() {
        local re=$1 before after
        shift
        before=$(snapshot)
        run --separate-stderr "$NSBOX" run "$@"
        after=$(snapshot)
        echo "status=$status stdout=[$output] stderr=[$stderr] before=[$before] after=[$after]"
        [ "$before" = "$after" ]
        [ "$status" -eq 125 ]
        [ -z "$output" ]
        [ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
        [[ "$stderr" =~ $re ]]
}

@test "an unknown user name: one line, exit 125" {
        check_bad "^nsbox run: user 'nosuchuser': no such user in the rootfs's /etc/passwd$" \
                --rootfs "$ROOTFS_TAR" --user nosuchuser -- id
}

@test "an unknown group: one line, exit 125" {
        check_bad "^nsbox run: group 'nosuchgroup': no such group in the rootfs's /etc/group$" \
                --rootfs "$ROOTFS_TAR" --user 1000:nosuchgroup -- id
        check_bad "^nsbox run: group 'nosuchgroup': no such group in the rootfs's /etc/group$" \
                --rootfs "$ROOTFS_TAR" --group-add nosuchgroup -- id
}

@test "a malformed --user: one line, exit 125" {
        for u in "1000:" ":1000" "1:2:3" ""; do
                check_bad "^nsbox run: user '$u': expected UID\[:GID\] or NAME\[:GROUP\]$" \
                        --rootfs "$ROOTFS_TAR" --user "$u" -- id
        done
        check_bad "^nsbox run: user '4294967295': uid out of range$" --rootfs "$ROOTFS_TAR" --user 4294967295 -- id
        check_bad "^nsbox run: user '99999999999999': uid out of range$" --rootfs "$ROOTFS_TAR" --user 99999999999999 -- id
}
