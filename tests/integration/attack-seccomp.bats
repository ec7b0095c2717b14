#!/usr/bin/env bats
# Attack 6: the syscalls the container engines' default seccomp profile
# refuses, and --seccomp to change it.
load ../lib
load helpers/attack

setup() { host_setup; }
teardown() { host_teardown; }

result() { # result NAME: the payload's word for NAME in $output
        awk -v n="$1" '$1 == n {print $2}' <<<"$output"
}

@test "attack 6: the default profile refuses namespaces, mount, keys, bpf, userfaultfd, AF_VSOCK and AF_ALG" {
        run attack_run -- syscalls
        echo "$output"
        [ "$status" -eq 0 ]
        for c in unshare-user unshare-mnt clone-newuser mount keyctl add_key bpf userfaultfd \
                socket-vsock socket-alg socket-vsock-high; do
                [ "$(result $c)" = EPERM ] || { echo "$c: $(result $c)"; false; }
        done
        [ "$(result socket-unix)" = ok ]
        # clone3 gets ENOSYS, so libc falls back to clone; fork works
        [ "$(result clone3)" = ENOSYS ]
        [ "$(result fork)" = ok ]
        # a syscall newer than the profile: ENOSYS, not EPERM
        [ "$(result syscall-1000)" = ENOSYS ]
        grep -q '^Seccomp:	2' <<<"$("$NSBOX" run -- cat /proc/self/status)"
        host_check
}

@test "attack 6: --seccomp=unconfined lets them through" {
        run attack_run --seccomp=unconfined -- syscalls
        echo "$output"
        [ "$status" -eq 0 ]
        for c in unshare-user unshare-mnt clone-newuser mount keyctl add_key userfaultfd socket-vsock clone3 fork; do
                [ "$(result $c)" = ok ] || { echo "$c: $(result $c)"; false; }
        done
        # the kernel's own answers, not the filter's
        [ "$(result bpf)" = EINVAL ]
        [ "$(result socket-alg)" = EAFNOSUPPORT ]
        run "$NSBOX" run --security-opt seccomp=unconfined -- grep Seccomp: /proc/self/status
        [ "$output" = "Seccomp:	0" ]
        host_check
}

@test "the cap-gated groups follow the capabilities: --cap-add SYS_ADMIN allows mount, unshare and clone3" {
        run attack_run --cap-add SYS_ADMIN -- syscalls
        echo "$output"
        [ "$(result mount)" = ok ]
        [ "$(result unshare-mnt)" = ok ]
        [ "$(result clone3)" = ok ]
        [ "$(result keyctl)" = EPERM ]
        [ "$(result socket-vsock)" = EPERM ]
        host_check
}

@test "--seccomp=FILE takes a profile in moby's format and in the runtime-spec's" {
        # moby's format: archMap, includes by capability
        cat >"$BATS_TEST_TMPDIR/moby.json" <<'JSON'
{
  "defaultAction": "SCMP_ACT_ALLOW",
  "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]}],
  "syscalls": [
    {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 6},
    {"names": ["rmdir"], "action": "SCMP_ACT_ERRNO", "includes": {"caps": ["CAP_SYS_ADMIN"]}}
  ]
}
JSON
        run "$NSBOX" run --seccomp "$BATS_TEST_TMPDIR/moby.json" -- sh -c 'mkdir /tmp/x; echo $?; rmdir /tmp; echo $?'
        echo "$output"
        [[ "${lines[0]}" == *"No such device or address"* ]]
        [ "${lines[1]}" = 1 ]
        # runtime-spec form with an argument condition and KILL_PROCESS
        cat >"$BATS_TEST_TMPDIR/oci.json" <<'JSON'
{"defaultAction": "SCMP_ACT_ALLOW",
 "syscalls": [{"names": ["kill"], "action": "SCMP_ACT_KILL_PROCESS",
               "args": [{"index": 1, "value": 10, "op": "SCMP_CMP_EQ"}]}]}
JSON
        run "$NSBOX" run --seccomp "$BATS_TEST_TMPDIR/oci.json" -- sh -c 'kill -0 $$ && echo alive; kill -USR1 $$; echo not-reached'
        echo "$output"
        [ "$status" -eq 159 ] # 128 + SIGSYS
        [ "$output" = alive ]
        echo '{"defaultAction": "SCMP_ACT_SOMETIMES"}' >"$BATS_TEST_TMPDIR/bad.json"
        run "$NSBOX" run --seccomp "$BATS_TEST_TMPDIR/bad.json" -- true
        [ "$status" -eq 125 ]
        [ "$output" = "nsbox run: seccomp profile '$BATS_TEST_TMPDIR/bad.json': seccomp: defaultAction: unknown action SCMP_ACT_SOMETIMES" ]
        run "$NSBOX" run --seccomp /nonexistent -- true
        [ "$status" -eq 125 ]
        [ "$output" = "nsbox run: seccomp profile '/nonexistent': No such file or directory" ]
        host_check
}

@test "the compiled filter is cached: one file per profile, and the second start only reads it" {
        export NSBOX_CACHE_DIR="$BATS_TEST_TMPDIR/cache"
        "$NSBOX" run -- true
        [ "$(ls "$NSBOX_CACHE_DIR/seccomp" | wc -l)" -eq 1 ]
        f=$(ls "$NSBOX_CACHE_DIR"/seccomp/*.bpf)
        before=$(stat -c %Y.%i "$f")
        "$NSBOX" run -- true
        [ "$(stat -c %Y.%i "$f")" = "$before" ]
        # another capability set is another profile
        "$NSBOX" run --cap-add SYS_ADMIN -- true
        [ "$(ls "$NSBOX_CACHE_DIR/seccomp" | wc -l)" -eq 2 ]
        # a cache file someone else could have written is not used
        chmod 666 "$f"
        run attack_run -- syscalls
        [ "$(result clone3)" = ENOSYS ]
        host_check
}
