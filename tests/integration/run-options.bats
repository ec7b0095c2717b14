#!/usr/bin/env bats
# nsbox run --env-file, --hostname, --domainname, --stop-timeout, -i: what
# they do, and one line with exit 125 and nothing left behind for bad input.
load ../lib
bats_require_minimum_version 1.5.0

setup_file() {
        rootfs_tarball
        export ROOTFS_TAR ROOTFS_KIND
        "$NSBOX" run --rootfs "$ROOTFS_TAR" -- true
}

setup() {
        T=$(mktemp -d)
}

teardown() {
        rm -rf "$T"
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
        [ "$status" -eq 125 ]
        [ -z "$output" ]
        [ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
        [[ "$stderr" =~ $re ]]
        [ "$before" = "$after" ]
}

@test "--env-file: KEY=VALUE lines, comments, blanks, host variables by name; -e and later files win" {
        printf '# a comment\n\nA=1\n  B=two words  \nC=x=y\nFROM_HOST\nUNSET_ON_HOST\nD="quoted"\r\nE=\n' >"$T/env"
        printf 'A=from-second\n' >"$T/env2"
        FROM_HOST=hello run "$NSBOX" run --rootfs "$ROOTFS_TAR" --env-file "$T/env" -e C=override \
                --env-file "$T/env2" -- sh -c 'env | sort | grep -E "^(A|B|C|D|E|FROM_HOST|UNSET_ON_HOST)="'
        echo "$output"
        [ "$status" -eq 0 ]
        [ "$output" = "$(printf 'A=from-second\nB=two words  \nC=override\nD="quoted"\nE=\nFROM_HOST=hello')" ]
}

@test "--env-file missing: one line, exit 125" {
        check_bad "^nsbox run: env file '$T/nope': No such file or directory$" \
                --rootfs "$ROOTFS_TAR" --env-file "$T/nope" -- true
}

@test "--env-file with a malformed line: one line naming file and line, exit 125" {
        printf 'A=1\nBAD KEY=2\n' >"$T/env"
        check_bad "^nsbox run: env file '$T/env' line 2: variable name 'BAD KEY' contains whitespace$" \
                --rootfs "$ROOTFS_TAR" --env-file "$T/env" -- true
        printf 'A=1\n\n=2\n' >"$T/env"
        check_bad "^nsbox run: env file '$T/env' line 3: no variable name before '='$" \
                --rootfs "$ROOTFS_TAR" --env-file "$T/env" -- true
        printf 'A=1\0B=2\n' >"$T/env"
        check_bad "^nsbox run: env file '$T/env': contains a NUL byte$" \
                --rootfs "$ROOTFS_TAR" --env-file "$T/env" -- true
        check_bad "^nsbox run: env file '$T': Is a directory$" --rootfs "$ROOTFS_TAR" --env-file "$T" -- true
}

@test "--hostname and --domainname are set in the container's uts namespace only" {
        run "$NSBOX" run --rootfs "$ROOTFS_TAR" --hostname box.example --domainname corp.example -- \
                sh -c 'hostname; cat /proc/sys/kernel/domainname'
        echo "$output"
        [ "$output" = "$(printf 'box.example\ncorp.example')" ]
        [ "$(cat /proc/sys/kernel/domainname)" != corp.example ]
}

@test "--hostname and --domainname validation: one line, exit 125" {
        check_bad "^nsbox run: hostname 'a_b': invalid character '_'" --hostname a_b -- true
        check_bad "^nsbox run: hostname '-ab': a label must not start or end with '-'$" --hostname -ab -- true
        check_bad "^nsbox run: hostname 'a..b': empty label" --hostname a..b -- true
        check_bad "^nsbox run: hostname '.ab': empty label" --hostname .ab -- true
        check_bad "^nsbox run: hostname must not be empty$" --hostname '' -- true
        long=$(printf 'a%.0s' $(seq 65))
        check_bad "^nsbox run: hostname '$long' is 65 bytes long; the limit is 64$" --hostname "$long" -- true
        label=$(printf 'b%.0s' $(seq 64))
        check_bad "^nsbox run: hostname '$label': a label is 64 bytes long; the limit is 63$" --hostname "$label" -- true
        check_bad "^nsbox run: hostname 'a b': invalid byte 0x20" --hostname 'a b' -- true
        check_bad "^nsbox run: domainname 'x/y': invalid character '/'" --domainname x/y -- true
        check_bad "^nsbox run: domainname 'ab-': a label must not start or end with '-'$" --domainname ab- -- true
}

@test "--stop-timeout that is not a number of seconds: one line, exit 125" {
        for v in -1 abc 1.5 '' 99999999999; do
                check_bad "^nsbox run: stop-timeout '$v': expected a number of seconds from 0 to 31536000 \(a year\)$" \
                        --rootfs "$ROOTFS_TAR" --stop-timeout "$v" -- true
        done
}

@test "--group-add with an empty group: one line, exit 125" {
        check_bad "^nsbox run: group-add: expected a group name or number$" --rootfs "$ROOTFS_TAR" --group-add '' -- true
}

@test "-i and --interactive are accepted; stdin reaches the command" {
        run sh -c "echo piped | '$NSBOX' run -i --rootfs '$ROOTFS_TAR' -- cat"
        [ "$output" = piped ]
        run sh -c "echo piped | '$NSBOX' run --interactive --rootfs '$ROOTFS_TAR' -- cat"
        [ "$output" = piped ]
}

@test "--print-spec shows the user, terminal, console size, domain name and init" {
        run "$NSBOX" run --rootfs "$ROOTFS_TAR" --print-spec --user 1000:1001 --group-add 5 --init \
                --domainname d.example -- true
        echo "$output"
        [ "$status" -eq 0 ]
        echo "$output" | python3 -c '
import json, sys
s = json.load(sys.stdin)
u = s["process"]["user"]
assert (u["uid"], u["gid"], u["additionalGids"]) == (1000, 1001, [5]), u
assert s["process"]["capabilities"]["effective"] == [], s["process"]["capabilities"]
assert s["process"]["terminal"] is False
assert s["domainname"] == "d.example"
assert s["annotations"]["org.nsbox.init"] == "true"
assert "HOME=/" in s["process"]["env"]
'
}

@test "--print-spec with a rootfs archive: user and group names are one clear line, exit 125" {
        check_bad "^nsbox run: --print-spec with a rootfs archive takes numeric user and group ids only: names are looked up in the extracted rootfs$" \
                --rootfs "$ROOTFS_TAR" --print-spec --user nobody -- true
        check_bad "^nsbox run: --print-spec with a rootfs archive takes numeric user and group ids only" \
                --rootfs "$ROOTFS_TAR" --print-spec --group-add wheel -- true
}
