#!/usr/bin/env bats
# nsbox-oci and bad input: a clear error, a non-zero exit, and nothing made
# (no state directory, cgroup or process).
load ../lib
load helpers/oci

setup_file() {
        oci_setup_file
}

teardown_file() {
        oci_teardown_file
}

# check_create ID REGEX [python edit]: create fails with REGEX, leaves nothing
check_create() {
        local id=$1 re=$2 edit=${3:-}
        local b before
        b=$(oci_bundle bad "c['process']['args'] = ['sleep', '100']
$edit")
        before=$(oci_leftovers)
        # to a file, not through `run`: if a create wrongly succeeded, its
        # init would hold run's pipe open and the test would hang
        status=0
        oci create --bundle "$b" "$id" </dev/null >"$OCI_DIR/create.out" 2>&1 || status=$?
        output=$(cat "$OCI_DIR/create.out")
        [ "$status" -ne 0 ] || oci delete --force "$id"
        echo "status=$status output=[$output]"
        [ "$status" -ne 0 ]
        [[ "$output" =~ $re ]]
        [ "$(oci_leftovers)" = "$before" ]
}

@test "IDs: empty, '.', '..', 'a/b', a newline, 1000 characters" {
        check_create "" "container ID must not be empty"
        check_create "." "invalid container ID '.'"
        check_create ".." "invalid container ID '..'"
        check_create "a/b" "invalid container ID: only letters"
        check_create $'a\nb' "invalid container ID: only letters"
        check_create "$(printf 'x%.0s' $(seq 1000))x" "invalid container ID|1001 characters"
}

@test "config.json: truncated, wrong types" {
        b=$(oci_bundle trunc)
        head -c 200 "$b/config.json" >"$b/c" && mv "$b/c" "$b/config.json"
        run oci create --bundle "$b" t
        [ "$status" -ne 0 ]
        [[ "$output" == *"invalid configuration: config.json: line"* ]]
        [ ! -e "$OCI_ROOT/t" ]
        check_create t "process.args: expected an array of strings" "c['process']['args'] = 'sleep 100'"
        check_create t "root.readonly: expected true or false" "c['root']['readonly'] = 'yes'"
        check_create t "process.user.uid: expected an integer" "c['process']['user']['uid'] = -1"
}

@test "namespaces: duplicate type, a path of the wrong type" {
        check_create t "linux.namespaces: pid given twice" "c['linux']['namespaces'].append({'type': 'pid'})"
        check_create t "is not a net namespace, but a uts" \
                "c['linux']['namespaces'] = [n for n in c['linux']['namespaces'] if n['type'] != 'network'] + [{'type': 'network', 'path': '/proc/self/ns/uts'}]"
}

@test "empty process.args, relative masked path, cgroupsPath with '..', unknown sysctl" {
        check_create t "process.args must not be empty" "c['process']['args'] = []"
        check_create t "maskedPaths: 'proc/kcore' is not an absolute path" "c['linux']['maskedPaths'] = ['proc/kcore']"
        check_create t "cgroupsPath '../escape': must be a path without" "c['linux']['cgroupsPath'] = '../escape'"
        check_create t "sysctl kernel.panic is not namespaced" "c['linux']['sysctl'] = {'kernel.panic': '1'}"
        check_create t "hooks.prestart: each hook needs an absolute path" "c['hooks'] = {'prestart': [{'path': 'rel'}]}"
}

@test "rlimits: unknown, duplicate, soft above hard; oomScoreAdj 1001" {
        check_create t "RLIMIT_NOPE" "c['process']['rlimits'] = [{'type': 'RLIMIT_NOPE', 'soft': 1, 'hard': 1}]"
        check_create t "RLIMIT_NOFILE" "c['process']['rlimits'] = [{'type': 'RLIMIT_NOFILE', 'soft': 10, 'hard': 10}, {'type': 'RLIMIT_NOFILE', 'soft': 10, 'hard': 10}]"
        check_create t "soft|hard" "c['process']['rlimits'] = [{'type': 'RLIMIT_NOFILE', 'soft': 100, 'hard': 10}]"
        check_create t "oomScoreAdj" "c['process']['oomScoreAdj'] = 1001"
}

@test "a command that does not exist fails the create, as runc's does" {
        check_create t 'exec: "no-such-cmd": executable file not found in \$PATH' "c['process']['args'] = ['no-such-cmd']"
}

@test "kill with a signal that does not exist; exec --user -1" {
        b=$(oci_bundle ok 'c["process"]["args"] = ["sleep", "100"]')
        oci create --bundle "$b" ok </dev/null >/dev/null 2>&1
        oci start ok
        run oci kill ok SIGNOPE
        [ "$status" -ne 0 ]
        [[ "$output" == *'unknown signal "SIGNOPE"'* ]]
        run oci kill ok 99
        [ "$status" -ne 0 ]
        run oci exec --user -1 ok true
        [ "$status" -ne 0 ]
        [[ "$output" == *"--user '-1': expected UID[:GID]"* ]]
        [ "$(oci_status ok)" = running ]
        [ "$(oci ps --format json ok | tr -cd , | wc -c)" -eq 0 ]
        oci delete --force ok
}
