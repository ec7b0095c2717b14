#!/usr/bin/env bats
# --ulimit and --oom-score-adj, and what this machine's root cannot do: it
# lacks CAP_SYS_RESOURCE in its bounding set (DESIGN.md §7).
load ../lib

@test "--ulimit sets soft and hard limits inside; lowering works" {
        run "$NSBOX" run --ulimit nofile=512:1024 --ulimit RLIMIT_NPROC=100 -- sh -c 'ulimit -Sn; ulimit -Hn; grep "Max processes" /proc/self/limits | tr -s " " | cut -d" " -f3'
        echo "$output"
        [ "$status" -eq 0 ]
        [ "${lines[0]}" = 512 ]
        [ "${lines[1]}" = 1024 ]
        [ "${lines[2]}" = 100 ]
        run "$NSBOX" run --ulimit core=0 -- sh -c 'ulimit -Sc; ulimit -Hc'
        [ "${lines[0]}" = 0 ]
        [ "${lines[1]}" = 0 ]
}

@test "--ulimit above the hard limit: one line that names CAP_SYS_RESOURCE and the bounding set" {
        hard=$(ulimit -Hn)
        if grep -q '^CapBnd:.*' /proc/self/status && capsh --has-b=cap_sys_resource 2>/dev/null; then
                skip "this machine's bounding set has CAP_SYS_RESOURCE"
        fi
        run "$NSBOX" run --ulimit nofile=1024:$((hard + 1)) -- true
        echo "$output"
        [ "$status" -eq 125 ]
        [ "$output" = "nsbox run: rlimit RLIMIT_NOFILE: hard limit $((hard + 1)) is above the current hard limit $hard; raising it needs CAP_SYS_RESOURCE, which is not in this machine's capability bounding set (not even --privileged can grant it)" ]
        run "$NSBOX" run --privileged --ulimit nofile=1024:$((hard + 1)) -- true
        [ "$status" -eq 125 ]
}

@test "--ulimit and --oom-score-adj: bad values get one line each" {
        run "$NSBOX" run --ulimit nofile -- true
        [ "$status" -eq 125 ]
        [ "$output" = "nsbox run: ulimit 'nofile': expected NAME=SOFT[:HARD], e.g. nofile=1024:2048" ]
        run "$NSBOX" run --ulimit nofiles=1 -- true
        [ "$output" = "nsbox run: ulimit 'nofiles=1': unknown limit 'nofiles' (nofile, nproc, core, memlock, stack, ...)" ]
        run "$NSBOX" run --ulimit nofile=10:5 -- true
        [ "$output" = "nsbox run: ulimit 'nofile=10:5': the soft limit is above the hard limit" ]
        run "$NSBOX" run --oom-score-adj 1001 -- true
        [ "$status" -eq 125 ]
        [ "$output" = "nsbox run: oom-score-adj '1001': expected a number from -1000 to 1000" ]
}

@test "--oom-score-adj: raising works; a negative value says why it cannot" {
        run "$NSBOX" run --oom-score-adj 500 -- cat /proc/self/oom_score_adj
        [ "$status" -eq 0 ]
        [ "$output" = 500 ]
        cur=$(cat /proc/self/oom_score_adj)
        [ "$cur" -ge 0 ] || skip "this shell already has a negative oom_score_adj"
        run "$NSBOX" run --oom-score-adj -100 -- true
        echo "$output"
        [ "$status" -eq 125 ]
        [ "$output" = "nsbox run: oom_score_adj -100: below the current $cur; lowering it needs CAP_SYS_RESOURCE, which is not in this machine's capability bounding set (not even --privileged can grant it)" ]
}

@test "--print-spec carries rlimits, oomScoreAdj and the seccomp profile" {
        run "$NSBOX" run --print-spec --ulimit nofile=100 --oom-score-adj 10 -- true
        [ "$status" -eq 0 ]
        [[ "$output" == *'"type": "RLIMIT_NOFILE"'* ]]
        [[ "$output" == *'"oomScoreAdj": 10'* ]]
        [[ "$output" == *'"defaultAction": "SCMP_ACT_ERRNO"'* ]]
        run "$NSBOX" run --print-spec --seccomp=unconfined -- true
        [[ "$output" != *'"seccomp"'* ]]
}
