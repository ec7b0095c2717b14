#!/usr/bin/env bats
# Bad input to nsbox run: one clear line on stderr, the documented exit code,
# and nothing left behind (mount, process, state, half-extracted cache).
load ../lib

setup_file() {
        rootfs_tarball
        export ROOTFS_TAR ROOTFS_KIND
        export FIX=$(mktemp -d)
        python3 - "$FIX" <<'PY'
import io, sys, tarfile
d = sys.argv[1]
def add(t, name, data=b"x", **kw):
    i = tarfile.TarInfo(name)
    for k, v in kw.items(): setattr(i, k, v)
    if i.type == tarfile.REGTYPE:
        i.size = len(data); t.addfile(i, io.BytesIO(data))
    else:
        t.addfile(i)
with tarfile.open(f"{d}/dotdot.tar", "w") as t:
    add(t, "ok"); add(t, "../escape")
with tarfile.open(f"{d}/symlink-escape.tar", "w") as t:
    add(t, "x", type=tarfile.SYMTYPE, linkname=f"{d}/outside")
    add(t, "x/evil", b"evil")
with tarfile.open(f"{d}/absolute.tar", "w") as t:
    add(t, "/abs-evil")
PY
        mkdir "$FIX/outside"
        head -c 100000 /dev/urandom >"$FIX/not-an-archive"
        # a truncated copy of the real rootfs tarball
        head -c $(( $(stat -c %s "$ROOTFS_TAR") / 2 )) "$ROOTFS_TAR" >"$FIX/truncated.tar.gz"
        : >"$FIX/empty"
}

teardown_file() {
        rm -rf "$FIX"
}

# What a run could leave behind: mounts, container processes, runtime state,
# partial cache entries.
snapshot() {
        {
                # nsbox's own mounts only: other work on the machine may mount
                grep -c nsbox /proc/self/mountinfo || true
                pgrep -c -f "^$NSBOX " || true
                ls -A /run/nsbox 2>/dev/null | wc -l
                find "$NSBOX_CACHE_DIR" -name '*.tmp*' 2>/dev/null | wc -l
                find "$NSBOX_CACHE_DIR/rootfs" -mindepth 1 -maxdepth 1 -type d 2>/dev/null | wc -l
        } | tr '\n' ' '
}

# check_error EXPECTED_STATUS REGEX -- nsbox-run-args...
check_error() {
        local want=$1 re=$2
        shift 3
        local before after
        before=$(snapshot)
        run --separate-stderr "$NSBOX" run "$@"
        after=$(snapshot)
        echo "status=$status stdout=[$output] stderr=[$stderr]"
        echo "before=[$before] after=[$after]"
        [ "$status" -eq "$want" ]
        [ -z "$output" ]
        [ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
        [[ "$stderr" =~ $re ]]
        [ "$before" = "$after" ]
}

@test "rootfs missing" {
        check_error 125 "^nsbox run: rootfs '/nonexistent': No such file or directory$" -- --rootfs /nonexistent true
}

@test "rootfs that is a regular file but not an archive" {
        check_error 125 "^nsbox run: rootfs '$FIX/not-an-archive': .*(not a tar archive|Unrecognized archive format)" -- \
                --rootfs "$FIX/not-an-archive" true
}

@test "empty rootfs file" {
        check_error 125 "^nsbox run: rootfs '$FIX/empty': " -- --rootfs "$FIX/empty" true
}

@test "truncated archive" {
        check_error 125 "^nsbox run: rootfs '$FIX/truncated.tar.gz': .*(runcated|EOF)" -- --rootfs "$FIX/truncated.tar.gz" true
}

@test "archive with a ../ entry name" {
        check_error 125 "^nsbox run: rootfs '$FIX/dotdot.tar': .*\.\./escape" -- --rootfs "$FIX/dotdot.tar" true
        [ ! -e "$NSBOX_CACHE_DIR/escape" ] && [ ! -e "$NSBOX_CACHE_DIR/rootfs/escape" ]
}

@test "archive with an absolute entry name" {
        check_error 125 "^nsbox run: rootfs '$FIX/absolute.tar': .*abs-evil" -- --rootfs "$FIX/absolute.tar" true
        [ ! -e /abs-evil ]
}

@test "archive with a symlink x -> outside dir, then an entry x/evil: nothing appears outside" {
        check_error 125 "^nsbox run: rootfs '$FIX/symlink-escape.tar': .*x/evil.*symlink" -- \
                --rootfs "$FIX/symlink-escape.tar" true
        [ -z "$(ls -A "$FIX/outside")" ]
}

@test "command not found: 127" {
        check_error 127 "^nsbox run: exec 'no-such-command': No such file or directory$" -- no-such-command
}

@test "command not executable: 126" {
        check_error 126 "^nsbox run: exec '/etc/passwd': Permission denied$" -- /etc/passwd
}

@test "unknown option" {
        local before after
        before=$(snapshot)
        run --separate-stderr "$NSBOX" run --no-such-option true
        after=$(snapshot)
        [ "$status" -eq 125 ]
        [ "${stderr_lines[0]}" = "nsbox run: unknown option '--no-such-option'" ]
        [ "${stderr_lines[1]}" = "Try 'nsbox run --help' for more information." ]
        [ "$before" = "$after" ]
}

@test "a bind source that does not exist" {
        check_error 125 "^nsbox run: bind source '/no/such/src': No such file or directory$" -- \
                --bind /no/such/src:/mnt true
}

@test "--workdir that is a file" {
        check_error 125 "^nsbox run: workdir '/etc/passwd': Not a directory$" -- --workdir /etc/passwd true
}

@test "--workdir that does not exist in the rootfs" {
        check_error 125 "^nsbox run: workdir '/no/where': No such file or directory$" -- --workdir /no/where true
}

@test "a bad --net, --env and --bind syntax" {
        check_error 125 "^nsbox run: net 'bridge': expected none or host$" -- --net bridge true
        check_error 125 "^nsbox run: env 'NOEQUALS': expected KEY=VALUE$" -- -e NOEQUALS true
        check_error 125 "^nsbox run: bind '/tmp': expected SRC:DST" -- --bind /tmp true
}

@test "--help and --version" {
        run "$NSBOX" run --help
        [ "$status" -eq 0 ]
        [[ "${lines[0]}" == "Usage:" ]]
        echo "$output" | grep -q -- '--rootfs'
        run "$NSBOX" --version
        [ "$status" -eq 0 ]
        [[ "$output" =~ ^nsbox\ [0-9]+\.[0-9]+ ]]
}

@test "an option without its value says so, not 'unknown option'" {
        run --separate-stderr "$NSBOX" run --rootfs
        [ "$status" -eq 125 ]
        [ "${stderr_lines[0]}" = "nsbox run: option '--rootfs' requires an argument" ]
        run --separate-stderr "$NSBOX" run -w
        [ "$status" -eq 125 ]
        [ "${stderr_lines[0]}" = "nsbox run: option '-w' requires an argument" ]
}

@test "an empty command" {
        check_error 125 "^nsbox run: the command must not be empty$" -- ''
}

@test "the default hostname is the name made a valid hostname" {
        run "$NSBOX" run --name my_box.1 -- hostname
        [ "$status" -eq 0 ]
        [ "$output" = my-box.1 ]
}
