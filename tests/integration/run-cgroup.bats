#!/usr/bin/env bats
# nsbox run's resource limits, enforced for real on this host's cgroup v1
# controllers, the v2 backend on the real unified tree, cleanup after many
# containers (killed ones too) and gc, and bad input. Every test works below
# a cgroup parent of its own, which teardown removes from every hierarchy.
load ../lib
bats_require_minimum_version 1.5.0

CG=/sys/fs/cgroup

setup_file() {
        [ "$(id -u)" -eq 0 ] || skip "needs root to create cgroups"
        [ -d $CG/memory ] && [ -d $CG/pids ] && [ -d $CG/cpuacct ] || skip "needs the cgroup v1 controllers"
}

setup() {
        P="nsbox-test-$$-$BATS_TEST_NUMBER"
        T=$(mktemp -d)
}

# every directory below $P in every hierarchy (v1, the named ones and unified)
leftovers() {
        local h
        for h in $CG/*/; do
                [ -d "$h$P" ] && find "$h$P" -mindepth 1 -type d
        done
        return 0
}

teardown() {
        local h d
        # a failed test may leave its container's nsbox running
        if [ -n "${pid:-}" ] && kill -KILL "$pid" 2>/dev/null; then wait "$pid" || true; sleep 0.2; fi
        for h in $CG/*/; do
                [ -d "$h$P" ] || continue
                for d in "$h$P"/*/; do [ -d "$d" ] && rmdir "$d"; done
                rmdir "$h$P"
        done
        rm -rf "$T"
}

# wait_for FILE: until it exists (5 s)
wait_for() {
        local i
        for i in $(seq 100); do [ -e "$1" ] && return 0; sleep 0.05; done
        return 1
}

@test "the container runs in its own cgroup in every hierarchy, sees it as / (cgroup namespace), and it goes" {
        run "$NSBOX" run --name cg1 --cgroup-parent "$P" -- sh -c 'cat /proc/self/cgroup'
        echo "$output"
        [ "$status" -eq 0 ]
        # every line of /proc/self/cgroup says "/": the namespace's root is the container's cgroup
        [ "$(printf '%s\n' "$output" | grep -cv ':/$')" -eq 0 ]
        [ "$(printf '%s\n' "$output" | wc -l)" -eq "$(wc -l </proc/self/cgroup)" ]
        [ -z "$(leftovers)" ]
        # the parent itself stays, as docker's /docker does
        [ -d "$CG/memory/$P" ]
}

@test "the container's cgroup holds it from the start, in the v1 hierarchies and the unified tree" {
        "$NSBOX" run --name cg2 --cgroup-parent "$P" -- sleep 30 &
        pid=$!
        wait_for "$CG/memory/$P/cg2"
        for i in $(seq 100); do c=$(pgrep -P $pid) && break; sleep 0.05; done
        for h in memory pids cpu cpuacct cpuset blkio devices freezer systemd unified; do
                grep -qx "$c" "$CG/$h/$P/cg2/cgroup.procs" || { echo "not in $h"; false; }
        done
        grep -qx "0::/$P/cg2" /proc/$c/cgroup
        kill -TERM $pid
        wait $pid || true
        [ -z "$(leftovers)" ]
}

@test "a process moved into the container's cgroup from outside is killed when the container ends, and the cgroup goes" {
        "$NSBOX" run --name stray --cgroup-parent "$P" -- sleep 1 &
        pid=$!
        wait_for "$CG/memory/$P/stray/tasks"
        sleep 20 &
        stray=$!
        echo "$stray" >"$CG/memory/$P/stray/cgroup.procs"
        grep -qx "$stray" "$CG/memory/$P/stray/cgroup.procs"
        wait $pid
        # the container's own processes died with its pid namespace; this one
        # only blocked the rmdir, and nsbox killed it (SIGKILL: 137)
        st=0
        wait $stray || st=$?
        [ "$st" -eq 137 ]
        [ -z "$(leftovers)" ]
}

@test "--pids-limit 64 contains a fork bomb while the host can still fork" {
        # PID 1 is python, which sleeps without forking; the bomb runs beside it
        "$NSBOX" run --name bomb --cgroup-parent "$P" --pids-limit 64 --stats=json -- python3 -c '
import os, time
if os.fork() == 0:
    os.execv("/bin/sh", ["sh", "-c", "f() { f | f & }; f 2>/dev/null"])
time.sleep(4)' 2>"$T/stats" &
        pid=$!
        wait_for "$CG/pids/$P/bomb/pids.current"
        [ "$(cat $CG/pids/$P/bomb/pids.max)" = 64 ]
        # the bomb hits the limit: the kernel refuses its forks ...
        for i in $(seq 150); do grep -q '^max [1-9]' $CG/pids/$P/bomb/pids.events && break; sleep 0.02; done
        grep -q '^max [1-9]' $CG/pids/$P/bomb/pids.events
        # ... and never goes past it, while the host forks freely
        for i in $(seq 50); do
                /bin/true
                [ "$(cat $CG/pids/$P/bomb/pids.current)" -le 64 ]
        done
        wait $pid
        cat "$T/stats"
        grep -q '"pids_peak": 64, "pids_limit": 64' "$T/stats"
        [ -z "$(leftovers)" ]
}

@test "--memory 64m: a process touching 256 MiB is OOM-killed, exit 137 and the message; the host is unaffected" {
        run --separate-stderr "$NSBOX" run --cgroup-parent "$P" --memory 64m -- \
                python3 -c 'b = b"x" * (256 << 20); print("not killed")'
        echo "status=$status out=[$output] err=[$stderr]"
        [ "$status" -eq 137 ]
        [ -z "$output" ]
        [ "$stderr" = "nsbox run: container killed: out of memory (limit 64 MiB)" ]
        # nsbox itself and this shell were not touched; the same allocation works outside
        python3 -c 'b = b"x" * (256 << 20)'
        [ -z "$(leftovers)" ]
}

@test "--memory with --stats: peak memory near the limit, one OOM kill, reported in text and json" {
        run --separate-stderr "$NSBOX" run --cgroup-parent "$P" --name st --memory 64m --stats -- \
                python3 -c 'b = b"x" * (256 << 20)'
        echo "$stderr"
        [ "$status" -eq 137 ]
        printf '%s\n' "$stderr" | grep -q '^NAME  *CPU TIME  *MEM  *MEM PEAK  *MEM LIMIT  *PIDS  *PIDS PEAK  *OOM KILLS$'
        printf '%s\n' "$stderr" | grep -Eq '^st +[0-9.]+s +.* 64 MiB +0 +[0-9]+ +1$'
        run --separate-stderr "$NSBOX" run --cgroup-parent "$P" --name st2 --stats=json -- true
        echo "$stderr"
        [ "$status" -eq 0 ]
        [[ "$stderr" =~ ^\{\"name\":\ \"st2\",\ \"cpu_usage_ns\":\ [0-9]+,.*\"memory_limit\":\ 0,\ \"oom_kills\":\ 0 ]]
}

@test "--cpus 0.5 keeps a busy loop at 40-60 % of one CPU over 3 s (cpuacct)" {
        "$NSBOX" run --name spin --cgroup-parent "$P" --cpus 0.5 -- timeout 14 sh -c 'while :; do :; done' &
        pid=$!
        wait_for "$CG/cpuacct/$P/spin/cpuacct.usage"
        [ "$(cat $CG/cpu/$P/spin/cpu.cfs_quota_us)" = 50000 ]
        [ "$(cat $CG/cpu/$P/spin/cpu.cfs_period_us)" = 100000 ]
        sleep 0.5
        # never above 60 %. Below 40 % is the limit's fault only if the loop
        # was throttled in that window (it used up its quota); unthrottled,
        # other load on this shared 2-CPU host starved it: measure again.
        starved=0
        for try in 1 2 3; do
                n0=$(awk '$1 == "nr_throttled" { print $2 }' $CG/cpu/$P/spin/cpu.stat)
                u0=$(cat $CG/cpuacct/$P/spin/cpuacct.usage)
                t0=$(date +%s%N)
                sleep 3
                u1=$(cat $CG/cpuacct/$P/spin/cpuacct.usage)
                t1=$(date +%s%N)
                n1=$(awk '$1 == "nr_throttled" { print $2 }' $CG/cpu/$P/spin/cpu.stat)
                pct=$(((u1 - u0) * 100 / (t1 - t0)))
                echo "used $pct % of one CPU, throttled in $((n1 - n0)) of ~30 periods"
                [ "$pct" -le 60 ]
                [ "$pct" -ge 40 ] && break
                # throttled in most periods yet under 40 %: the quota is wrong
                [ $((n1 - n0)) -lt 20 ]
                starved=$((starved + 1))
        done
        if [ "$starved" -eq 3 ]; then
                kill -TERM $pid
                wait $pid || true
                skip "the host is saturated by other load ($(cut -d' ' -f1 /proc/loadavg) runnable): the loop got $pct % unthrottled"
        fi
        kill -TERM $pid
        wait $pid || true
        [ -z "$(leftovers)" ]
}

@test "--cpuset-cpus 0 pins the container to CPU 0" {
        run "$NSBOX" run --cgroup-parent "$P" --cpuset-cpus 0 -- sh -c 'grep Cpus_allowed_list /proc/self/status'
        echo "$output"
        [ "$status" -eq 0 ]
        [ "$output" = "$(printf 'Cpus_allowed_list:\t0')" ]
        [ -z "$(leftovers)" ]
}

@test "--cpu-shares, --cpu-weight, --memory-reservation, --blkio-weight, --device-read-bps land in the v1 files" {
        dev=$(awk '$2 == "/" { print $1 }' /proc/self/mounts | head -1)
        [ -b "$dev" ] || dev=/dev/vda
        [ -b "$dev" ] || skip "no block device to throttle"
        mm=$(printf '%d:%d' "0x$(stat -c %t "$dev")" "0x$(stat -c %T "$dev")")
        "$NSBOX" run --name f --cgroup-parent "$P" --cpu-weight 100 --memory 128m --memory-reservation 32m \
                --blkio-weight 300 --device-read-bps "$dev:1m" --device-write-bps "$dev:2m" --cpuset-mems 0 \
                -- sleep 30 &
        pid=$!
        wait_for "$CG/memory/$P/f"
        sleep 0.3
        # cpu-weight 100 is v2's default, which runc's conversion maps from 2598 shares
        [ "$(cat $CG/cpu/$P/f/cpu.shares)" = 2598 ]
        [ "$(cat $CG/memory/$P/f/memory.soft_limit_in_bytes)" = 33554432 ]
        [ "$(cat $CG/memory/$P/f/memory.limit_in_bytes)" = 134217728 ]
        [ "$(cat $CG/blkio/$P/f/blkio.bfq.weight)" = "default 300" ] || [ "$(cat $CG/blkio/$P/f/blkio.bfq.weight)" = 300 ]
        grep -qx "$mm 1048576" $CG/blkio/$P/f/blkio.throttle.read_bps_device
        grep -qx "$mm 2097152" $CG/blkio/$P/f/blkio.throttle.write_bps_device
        [ "$(cat $CG/cpuset/$P/f/cpuset.mems)" = 0 ]
        kill -TERM $pid
        wait $pid || true
        [ -z "$(leftovers)" ]
}

@test "v2 on the real unified tree: the cgroup is made, holds the container (CLONE_INTO_CGROUP), and goes" {
        [ -f $CG/unified/cgroup.controllers ] || skip "no cgroup2 tree at $CG/unified"
        NSBOX_CGROUP_ROOT=$CG/unified "$NSBOX" run --name v2 --cgroup-parent "$P" --bind "$T:/mnt" -- \
                sh -c 'cat /proc/self/cgroup >/mnt/inside; sleep 30' &
        pid=$!
        wait_for "$CG/unified/$P/v2/cgroup.procs"
        for i in $(seq 100); do c=$(pgrep -P $pid) && break; sleep 0.05; done
        wait_for "$T/inside"
        grep -qx "$c" "$CG/unified/$P/v2/cgroup.procs"
        grep -qx "0::/$P/v2" /proc/$c/cgroup
        # v2 only: the v1 hierarchies are not touched
        [ ! -e "$CG/memory/$P/v2" ]
        grep -qx '0::/' "$T/inside"
        kill -TERM $pid
        wait $pid || true
        [ ! -e "$CG/unified/$P/v2" ]
        [ -z "$(leftovers)" ]
}

@test "v2 on the real unified tree: a limit without its controller is an error, or a warning when best-effort" {
        [ -f $CG/unified/cgroup.controllers ] || skip "no cgroup2 tree at $CG/unified"
        grep -qw pids $CG/unified/cgroup.controllers && skip "the unified tree has the pids controller here"
        run --separate-stderr env NSBOX_CGROUP_ROOT=$CG/unified "$NSBOX" run --cgroup-parent "$P" --pids-limit 5 -- true
        echo "$stderr"
        [ "$status" -eq 125 ]
        [ "$stderr" = "nsbox run: cgroup: pids limit: the pids controller is not available on this host" ]
        [ ! -e "$CG/unified/$P" ]
        run --separate-stderr env NSBOX_CGROUP_ROOT=$CG/unified "$NSBOX" run --cgroup-parent "$P" \
                --pids-limit 5 --cgroup-limits best-effort -- echo ran
        echo "$stderr"
        [ "$status" -eq 0 ]
        [ "$output" = ran ]
        [ "$stderr" = "nsbox run: warning: limit not applied: pids limit: the pids controller is not available on this host" ]
        [ -z "$(leftovers)" ]
}

@test "100 containers, 10 of them SIGKILLed with their nsbox: the next run and nsbox gc leave no cgroup" {
        for i in $(seq 90); do
                "$NSBOX" run --cgroup-parent "$P" --pids-limit 100 -- true || { echo "run $i failed"; false; }
        done
        [ -z "$(leftovers)" ]
        kill_one() {
                "$NSBOX" run --name "k$1" --cgroup-parent "$P" --memory 100m -- sleep 100 &
                local p=$!
                wait_for "$CG/memory/$P/k$1"
                sleep 0.1
                cat "$CG/memory/$P/k$1/cgroup.procs" >>"$T/procs"
                kill -KILL $p
                wait $p || true
        }
        # one after the other: each run removes what the previous killed one left
        for i in 1 2 3 4 5; do
                kill_one $i
                [ "$(ls -d $CG/memory/$P/k* | wc -l)" -eq 1 ]
                [ -d "$CG/memory/$P/k$i" ]
        done
        "$NSBOX" run --cgroup-parent "$P" -- true
        [ -z "$(leftovers)" ]
        # five at once, then nsbox gc
        pids=()
        for i in 6 7 8 9 10; do
                "$NSBOX" run --name "k$i" --cgroup-parent "$P" --memory 100m -- sleep 100 &
                pids+=($!)
        done
        for i in 6 7 8 9 10; do wait_for "$CG/memory/$P/k$i"; done
        sleep 0.2
        cat $CG/memory/$P/k*/cgroup.procs >>"$T/procs"
        kill -KILL "${pids[@]}"
        wait "${pids[@]}" || true
        [ "$(ls -d $CG/memory/$P/k* | wc -l)" -eq 5 ]
        run "$NSBOX" gc --cgroup-parent "$P"
        echo "$output"
        [ "$status" -eq 0 ]
        [[ "$output" =~ ^removed\ 5\ leftover\ cgroups ]]
        [ -z "$(leftovers)" ]
        # and none of the killed containers' processes lives on
        [ "$(wc -l <"$T/procs")" -eq 10 ]
        # (gone, or a zombie: after nsbox's death the host's init reaps them)
        while read -r p; do
                [ ! -e /proc/$p ] || grep -q '^State:.*Z' /proc/$p/status || { echo "$p lives"; false; }
        done <"$T/procs"
}

@test "nsbox gc leaves a running container's cgroup alone; nsbox stats reads it by name" {
        "$NSBOX" run --name alive --cgroup-parent "$P" --memory 64m --pids-limit 20 -- sleep 30 &
        pid=$!
        wait_for "$CG/memory/$P/alive"
        sleep 0.3
        run "$NSBOX" gc --cgroup-parent "$P"
        [ "$status" -eq 0 ]
        [[ "$output" =~ ^removed\ 0\ leftover\ cgroups ]]
        [ -d "$CG/memory/$P/alive" ]
        run "$NSBOX" stats --cgroup-parent "$P" alive
        echo "$output"
        [ "$status" -eq 0 ]
        printf '%s\n' "$output" | grep -Eq '^alive +[0-9.]+s +.* 64 MiB +1 +[0-9]+ +0$'
        run "$NSBOX" stats --json --cgroup-parent "$P" alive
        echo "$output"
        [[ "$output" =~ \"memory_limit\":\ 67108864,\ \"oom_kills\":\ 0,\ \"pids_current\":\ 1,\ \"pids_peak\":\ [0-9]+,\ \"pids_limit\":\ 20\} ]]
        kill -TERM $pid
        wait $pid || true
        run --separate-stderr "$NSBOX" stats --cgroup-parent "$P" alive
        [ "$status" -eq 125 ]
        [ "$stderr" = "nsbox stats: container 'alive': no such container (no cgroup $P/alive)" ]
        [ -z "$(leftovers)" ]
}

# check_bad REGEX ARGS...: one line matching REGEX, exit 125, no cgroup made
check_bad() {
        local re=$1
        shift
        run --separate-stderr "$NSBOX" run --cgroup-parent "$P" "$@" -- true
        echo "status=$status stdout=[$output] stderr=[$stderr]"
        [ "$status" -eq 125 ]
        [ -z "$output" ]
        [ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
        [[ "$stderr" =~ $re ]]
        for h in $CG/*/; do [ ! -e "$h$P" ] || { echo "made $h$P"; false; }; done
}

@test "bad limits: one line, exit 125, nothing created" {
        check_bad "^nsbox run: memory '-1': expected a size in bytes" --memory -1
        check_bad "^nsbox run: memory '10XB': expected a size in bytes" --memory 10XB
        check_bad "^nsbox run: cpus '0': expected a number of CPUs, 0.01 or more" --cpus 0
        check_bad "^nsbox run: cpus 'abc': expected a number of CPUs" --cpus abc
        check_bad "^nsbox run: pids-limit '-5': expected a number of processes" --pids-limit -5
        check_bad "^nsbox run: cgroup: cpuset.cpus '99': 99 is not available \(the host has 0-[0-9]+\)$" \
                --cpuset-cpus 99
        check_bad "^nsbox run: cpuset-cpus '1-': expected a list" --cpuset-cpus 1-
        check_bad "^nsbox run: memory-swap: must be at least --memory" --memory 64m --memory-swap 32m
        check_bad "^nsbox run: cpu-shares '1': expected a number from 2 to 262144$" --cpu-shares 1
        check_bad "^nsbox run: device-read-bps '/nonexistent': No such file or directory$" \
                --device-read-bps /nonexistent:1m
        check_bad "^nsbox run: cgroups 'maybe': expected enabled or disabled$" --cgroups maybe
}

@test "bad --cgroup-parent: one line, exit 125, nothing created" {
        for bad in "../escape" "nsbox/../../x" "a/./b" "/"; do
                run --separate-stderr "$NSBOX" run --cgroup-parent "$bad" -- true
                echo "$bad: status=$status stderr=[$stderr]"
                [ "$status" -eq 125 ]
                [ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
                [[ "$stderr" =~ ^nsbox\ run:\ cgroup-parent\ \' ]]
        done
        for h in $CG/*/; do [ ! -e "${h}escape" ] && [ ! -e "${h}x" ] && [ ! -e "${h}a" ]; done
}
