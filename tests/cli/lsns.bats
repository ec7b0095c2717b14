#!/usr/bin/env bats
# nsbox lsns against util-linux lsns (the oracle) on the same state.
#
# Two kinds of comparison:
#  - on the host, where other work starts and ends processes at any time: the
#    oracle runs before and after nsbox, and the outputs are compared only when
#    the two oracle runs agree (the state held still), retrying otherwise;
#  - inside a private pid and mount namespace (unshare -m -p -f --mount-proc)
#    holding a fixture of namespaces: /proc there lists only the fixture's own
#    processes, so every comparison is exact and repeatable.
# nsbox runs with argv[0] "lsns" so that its own command line, which lsns
# prints when it is the lowest pid of a namespace, reads the same.
load ../lib
bats_require_minimum_version 1.5.0

setup_file() {
        ORACLE=$(command -v lsns || true)
        export ORACLE
}

setup() {
        [ -n "$ORACLE" ] && "$ORACLE" -V | grep -q util-linux || skip "util-linux lsns is not installed"
        BG_PIDS=()
}

teardown() {
        local p
        for p in "${BG_PIDS[@]}"; do
                kill -KILL "$p" 2>/dev/null || true
        done
        for p in "${BG_PIDS[@]}"; do
                wait "$p" 2>/dev/null || true
        done
        return 0
}

# nsbox lsns as "lsns": exec -a inside a subshell, so both tools run as the child
# of a subshell and count the same number of processes.
ns_lsns() {
        (exec -a lsns "$NSBOX" "$@")
}

# Namespaces without processes (held by an nsfs mount, an fd or a socket):
# nsbox lists them, as util-linux does since 2.39/2.41, the oracle 2.38 does not.
host_has_persistent_namespaces() {
        [ -n "$("$NSBOX" lsns -P -l -n -o NS)" ]
}

# util-linux lsns as "lsns" too: getopt's messages start with argv[0].
ul_lsns() {
        (exec -a lsns "$ORACLE" "$@")
}

# compare_host ARGS...: stdout, stderr and status of both tools on the host.
# Other work starts and ends processes at any time, so a single difference
# proves nothing: the runs are repeated (oracle, nsbox, oracle) until all three
# agree. A real difference shows in every round: it fails the test when the
# oracle held still in every round; when the host kept changing under the
# oracle too, no verdict is possible and the test is skipped (the fixture tests
# compare the same options on a state that cannot change).
compare_host() {
        local try o1 o2 m diff_seen= churn=
        # (-p and a namespace id list processes only: such namespaces do not show)
        [ -z "${PROCESSES_ONLY:-}" ] && host_has_persistent_namespaces &&
                skip "the host has namespaces that only a mount, an fd or a socket holds, which util-linux 2.38 cannot see"
        for try in $(seq 20); do
                o1=$(ul_lsns "$@" 2>&1; echo "status=$?")
                m=$(ns_lsns "$@" 2>&1; echo "status=$?")
                o2=$(ul_lsns "$@" 2>&1; echo "status=$?")
                if [ "$o1" = "$o2" ]; then
                        [ "$o1" = "$m" ] && return 0
                        diff_seen=$(diff <(echo "$o1") <(echo "$m") || true)
                else
                        churn=1
                fi
                sleep 0.05
        done
        if [ -n "$diff_seen" ] && [ -z "$churn" ]; then
                echo "lsns $* differs from util-linux:"
                echo "$diff_seen"
                return 1
        fi
        echo "last difference seen: $diff_seen"
        skip "the host's processes kept changing; no stable state to compare lsns $*"
}

# The fixture: a private pid and mount namespace holding namespaces of every
# type, nested user and pid namespaces, nsfs bind mounts (one with a space in
# its path), a peer netns id, processes of other users (not nobody, whom the
# as-nobody tests of another copy of this suite may be looking at) and a
# command line with odd spacing. Nothing in it is held only by a mount or an
# fd, which util-linux 2.38 cannot see (2.39 and nsbox can). It runs the
# script in $1 with N=nsbox and O=util-linux lsns. Everything in it dies with
# its pid 1, so nothing outlives the test.
in_fixture() {
        local script=$1
        unshare -m -p -f --mount-proc bash -s -- "$NSBOX" "$ORACLE" <<EOF
set -u
N=\$1 O=\$2
ns_lsns() { (exec -a lsns "\$N" "\$@"); }
ul_lsns() { (exec -a lsns "\$O" "\$@"); }
# nsfs mounts of the host (ip netns, other tests) would hold namespaces without
# processes here: this mount namespace is a private copy, drop them
grep " - nsfs " /proc/self/mountinfo | cut -d" " -f5 | while read -r m; do umount -l "\$(printf "\$m")" 2>/dev/null; done
mkdir -p /tmp/nsbox-lsns-fixture
mount -t tmpfs fixture /tmp/nsbox-lsns-fixture
F=/tmp/nsbox-lsns-fixture
touch \$F/net1 "\$F/sp ace"
unshare --uts sleep 1000 &
unshare --net sleep 1000 &
VP=\$!
unshare -U -r --pid --fork sleep 1000 &
unshare -U -r sh -c 'unshare -U -r sleep 1000' &
unshare -U -r --pid --fork sh -c 'unshare --pid --fork sleep 1000' &
unshare -i -C -T sleep 1000 &
setpriv --reuid=12345 sleep 1000 &
setpriv --reuid=12346 unshare -U sleep 1000 &
bash -c 'exec -a "odd  name\\twith tab" sleep 1000' &
# a peer netns id: the kernel assigns one when a veth end moves there
for i in \$(seq 50); do [ "\$(readlink /proc/\$VP/ns/net)" != "\$(readlink /proc/self/ns/net)" ] && break; sleep 0.02; done
ip link add nsboxveth0 type veth peer name nsboxveth1 netns \$VP
# nsfs bind mounts of a namespace that has a process (util-linux 2.38 does not list
# namespaces that only a mount holds; 2.39 and later do, see the -P tests)
mount --bind /proc/\$VP/ns/net \$F/net1
mount --bind /proc/\$VP/ns/net "\$F/sp ace"
# wait until every process has exec'd its final program, then freeze them
for i in \$(seq 100); do [ "\$(pgrep -c -x sleep)" -ge 9 ] && break; sleep 0.02; done
pkill -STOP -x sleep
$script
EOF
}

@test "default output (process tree) is util-linux's on the host" {
        compare_host
}

@test "-l, -J, -r, -n, -u and --output-all are util-linux's on the host" {
        compare_host -l
        compare_host -J
        compare_host -r
        compare_host -n
        compare_host -u
        compare_host --output-all
        compare_host --output-all -J
}

@test "-t TYPE (repeatable), -t net with NETNSID and NSFS, -o LIST and -o +LIST on the host" {
        compare_host -t uts
        compare_host -t net
        compare_host -t mnt -t pid -t user
        compare_host -t net -J
        compare_host -n -o NS,TYPE,NPROCS
        compare_host -o +PATH,PPID,UID,PNS,ONS -t user
        compare_host -l -o ns,type,pns,ons
}

@test "-p of the test's own shell is util-linux's" {
        PROCESSES_ONLY=1 compare_host -p $$
        PROCESSES_ONLY=1 compare_host -p $$ -l -o +PATH
        PROCESSES_ONLY=1 compare_host -p $$ -J
}

@test "a positional namespace id lists its processes as a tree, as util-linux" {
        # a namespace of the test's own, which the lsns processes are not in
        unshare --uts --ipc bash -c 'sleep 100 & sleep 100 & wait' >/dev/null 2>&1 3>&- &
        local sh=$! i ino
        BG_PIDS+=("$sh")
        for i in $(seq 100); do
                [ "$(pgrep -c -P "$sh" -x sleep)" -eq 2 ] && break
                sleep 0.02
        done
        # the sleeps first: killing their shell would leave them running
        BG_PIDS=($(pgrep -P "$sh") "$sh")
        ino=$(stat -L -c %i /proc/$sh/ns/uts)
        PROCESSES_ONLY=1 compare_host "$ino"
        PROCESSES_ONLY=1 compare_host -l "$ino"
        PROCESSES_ONLY=1 compare_host -J "$ino"
        PROCESSES_ONLY=1 compare_host -o PID,COMMAND,NS,TYPE "$ino"
        run ns_lsns -n -r -o PID "$ino"
        [ "${#lines[@]}" -eq 3 ]
        # "0" is no filter at all: every namespace, with the process columns
        compare_host -t uts 0
}

@test "in a fixture of every namespace type: every option is util-linux's, byte for byte" {
        run --separate-stderr in_fixture '
                fail=0 n=0
                for a in "" -l -J -r -n -u -W "-t net" "-t uts" "-t net -W" "-t net -r" "-t net -J" \
                         "-t user -o +PNS,ONS,UID,PATH" "-t pid -t user" --output-all "--output-all -J" \
                         "-n -o NS,TYPE,NSFS" "-o +NSFS" "-p 1" "-p 1 -J" "-l -p $VP" \
                         -Towner -Tparent -Tprocess "-T -J" "-T -t user" "-Tparent -t pid -t user" \
                         "-p 4194304" "-p 4194304 -J"; do
                        o=$(ul_lsns $a 2>&1; echo "status=$?")
                        m=$(ns_lsns $a 2>&1; echo "status=$?")
                        n=$((n + 1))
                        if [ "$o" != "$m" ]; then
                                echo "DIFF lsns $a"; diff <(echo "$o") <(echo "$m"); fail=1
                        fi
                done
                # every namespace the fixture shell is not in, by id: its processes only
                self=$(for t in mnt net pid uts ipc user cgroup time; do stat -L -c %i /proc/1/ns/$t; done)
                for ns in $($O -n -l -o NS | sort -u); do
                        echo "$self" | grep -qx "$ns" && continue
                        for a in "" -l -J; do
                                o=$(ul_lsns $a $ns 2>&1; echo "status=$?")
                                m=$(ns_lsns $a $ns 2>&1; echo "status=$?")
                                n=$((n + 1))
                                [ "$o" = "$m" ] || { echo "DIFF lsns $a $ns"; diff <(echo "$o") <(echo "$m"); fail=1; }
                        done
                done
                # the fixture really has what it claims
                $O -t net -n -o NETNSID | grep -qx " *0" || { echo "no netns id 0 in the fixture"; fail=1; }
                $O -t net -n -o NSFS | grep -q "sp ace" || { echo "no nsfs mount in the fixture"; fail=1; }
                echo "compared $n outputs"
                exit $fail'
        echo "$output"
        echo "$stderr"
        [ "$status" -eq 0 ]
        [[ "$output" =~ compared\ ([0-9]+)\ outputs ]]
        [ "${BASH_REMATCH[1]}" -ge 60 ]
}

@test "the tutorial: one more uts namespace while 'nsbox unshare --uts sleep 30' runs, with that sleep in it" {
        run --separate-stderr in_fixture '
                before=$(ns_lsns -t uts -n | wc -l)
                "$N" unshare --uts sleep 30 &
                s=$!
                for i in $(seq 100); do
                        [ "$(readlink /proc/$s/ns/uts)" != "$(readlink /proc/1/ns/uts)" ] &&
                                [ "$(cat /proc/$s/comm)" = sleep ] && break
                        sleep 0.02
                done
                after=$(ns_lsns -t uts -n | wc -l)
                ino=$(stat -L -c %i /proc/$s/ns/uts)
                echo "before=$before after=$after ino=$ino pid=$s"
                ns_lsns -t uts
                [ "$after" -eq $((before + 1)) ] || exit 1
                ns_lsns -t uts -n -l | grep -qxE " *$ino uts +1 +$s root sleep 30" || exit 2
                # and util-linux agrees
                [ "$(ul_lsns -t uts)" = "$(ns_lsns -t uts)" ] || exit 3
                kill $s'
        echo "$output"
        echo "$stderr"
        [ "$status" -eq 0 ]
}

@test "the tutorial on the host: the new uts namespace is listed with its sleep" {
        "$NSBOX" unshare --uts sleep 30 >/dev/null 2>&1 3>&- &
        local s=$!
        BG_PIDS+=("$s")
        local i
        for i in $(seq 100); do
                [ "$(readlink /proc/$s/ns/uts)" != "$(readlink /proc/self/ns/uts)" ] &&
                        [ "$(cat /proc/$s/comm)" = sleep ] && break
                sleep 0.02
        done
        local ino
        ino=$(stat -L -c %i /proc/$s/ns/uts)
        run "$NSBOX" lsns -t uts -n -r
        echo "$output"
        [ "$status" -eq 0 ]
        # raw output escapes the blank in the command line
        [[ "$output" == *"$ino uts 1 $s root sleep\x2030"* ]]
        # the host's own uts namespace is still there, first
        [[ "${lines[0]}" == "$(stat -L -c %i /proc/self/ns/uts) uts "* ]]
        compare_host -t uts
}

@test "as nobody: only the caller's own namespaces, all of the lsns process itself, as util-linux" {
        local try o m
        # raw output, with the lsns's own pid (which differs between the runs) replaced
        for try in $(seq 10); do
                o=$(as_nobody bash -c 'exec -a lsns '"$ORACLE"' -r; echo "status=$?"' 2>&1)
                m=$(as_nobody bash -c 'exec -a lsns '"$NSBOX"' -r; echo "status=$?"' 2>&1)
                o=$(echo "$o" | awk 'NR > 1 && NF > 4 { $4 = "PID" } { print }')
                m=$(echo "$m" | awk 'NR > 1 && NF > 4 { $4 = "PID" } { print }')
                [ "$o" = "$m" ] && break
        done
        echo "$m"
        [ "$o" = "$m" ]
        # The eight namespaces of the lsns process itself. Other processes of
        # nobody's (other tests running at the same time) may add rows of their
        # own, or be the lowest pid of the same namespaces, but only nobody's.
        run as_nobody "$NSBOX" lsns -n -r -o NS,TYPE,NPROCS,PID,USER
        [ "$status" -eq 0 ]
        local t ino
        printf '%s\n' "${lines[@]}" | awk '$5 != "nobody" { exit 1 }'
        for t in mnt net pid uts ipc user cgroup time; do
                ino=$(stat -L -c %i /proc/self/ns/$t)
                printf '%s\n' "${lines[@]}" | grep -qxE "$ino $t [1-9][0-9]* [0-9]+ nobody"
        done
}

@test "as nobody in a pid namespace: the default table is util-linux's byte for byte" {
        # both run as pid 2 and 3 of the same fresh pid namespace: same width
        run --separate-stderr unshare -p -f --mount-proc bash -c '
                o=$(setpriv --reuid=65534 --regid=65534 --clear-groups bash -c "exec -a lsns $1" 2>&1)
                m=$(setpriv --reuid=65534 --regid=65534 --clear-groups bash -c "exec -a lsns $2" 2>&1)
                echo "$o"
                [ "$(echo "$o" | sed "s/ [0-9] nobody / X nobody /")" = "$(echo "$m" | sed "s/ [0-9] nobody / X nobody /")" ]' \
                _ "$ORACLE" "$NSBOX"
        echo "$output"
        echo "$stderr"
        [ "$status" -eq 0 ]
        [ "${#lines[@]}" -eq 9 ]
}

@test "as an unprivileged user, in a frozen fixture of that user's namespaces: every option is util-linux's, byte for byte" {
        run --separate-stderr unshare -m -p -f --mount-proc bash -s -- "$NSBOX" "$ORACLE" <<'EOF'
set -u
N=$1 O=$2 U=12347
as_u() { setpriv --reuid=$U --regid=$U --clear-groups "$@"; }
grep " - nsfs " /proc/self/mountinfo | cut -d" " -f5 | while read -r m; do umount -l "$(printf "$m")" 2>/dev/null; done
as_u sleep 1000 &
as_u unshare --uts sleep 1000 &
as_u unshare -U -r --pid --fork sleep 1000 &
as_u unshare -U -r sh -c 'unshare --net --ipc sleep 1000; true' &
as_u unshare -U -r sh -c 'unshare -U -r --uts sleep 1000; true' &
as_u bash -c 'exec -a "odd  name" sleep 1000' &
# root's: the user cannot see them
unshare --uts --net sleep 1000 &
for i in $(seq 100); do [ "$(pgrep -c -x sleep)" -ge 7 ] && break; sleep 0.02; done
sleep 0.2
pkill -STOP -x sleep
ulsns() { as_u bash -c 'exec -a lsns "$0" "$@"' "$@"; }
fail=0 n=0
P=$(pgrep -u $U -x -n sleep)
for a in "" -l -J -r -n -u -W "-t net" "-t uts" "-t user -o +PNS,ONS,UID,PATH" "-t pid -t user" --output-all \
         "--output-all -J" "-o +NSFS" "-p $P" "-p $P -J" "-p 1" "-p 4194304" -Towner -Tparent -Tprocess \
         "-T -J" "-Tparent -t pid -t user"; do
        o=$(ulsns "$O" $a 2>&1; echo "status=$?")
        m=$(ulsns "$N" $a 2>&1; echo "status=$?")
        n=$((n + 1))
        [ "$o" = "$m" ] || { echo "DIFF lsns $a"; diff <(echo "$o") <(echo "$m"); fail=1; }
done
# by id: each namespace the user can see but the lsns process is not in (its own pid differs)
self=$(for t in mnt net pid uts ipc user cgroup time; do stat -L -c %i /proc/1/ns/$t; done)
for ns in $(ulsns "$O" -n -l -o NS | sort -u); do
        echo "$self" | grep -qx "$ns" && continue
        for a in "" -l -J; do
                o=$(ulsns "$O" $a $ns 2>&1; echo "status=$?")
                m=$(ulsns "$N" $a $ns 2>&1; echo "status=$?")
                n=$((n + 1))
                [ "$o" = "$m" ] || { echo "DIFF lsns $a $ns"; diff <(echo "$o") <(echo "$m"); fail=1; }
        done
done
# the user sees its own namespaces and not root's
rootuts=$(stat -L -c %i /proc/$(pgrep -u 0 -x -n sleep)/ns/uts)
ulsns "$N" -n -l -o NS | grep -qx " *$rootuts" && { echo "root's uts namespace is visible"; fail=1; }
[ "$(ulsns "$N" -n -l -t user | wc -l)" -ge 3 ] || { echo "the user's user namespaces are missing"; fail=1; }
echo "compared $n outputs"
exit $fail
EOF
        echo "$output"
        echo "$stderr"
        [ "$status" -eq 0 ]
        [[ "$output" =~ compared\ ([0-9]+)\ outputs ]]
        [ "${BASH_REMATCH[1]}" -ge 35 ]
}

@test "namespaces held only by an nsfs mount, an open fd or a socket are listed (util-linux 2.39/2.41); -P lists only those" {
        run --separate-stderr unshare -m -p -f --mount-proc bash -s -- "$NSBOX" <<'EOF'
set -eu
N=$1
grep " - nsfs " /proc/self/mountinfo | cut -d" " -f5 | while read -r m; do umount -l "$(printf "$m")"; done
mkdir -p /tmp/nsbox-lsns-persist && mount -t tmpfs persist /tmp/nsbox-lsns-persist
F=/tmp/nsbox-lsns-persist
touch $F/uts1 $F/net1
unshare --uts=$F/uts1 true
unshare --net=$F/net1 true
ip link add nsboxpveth0 type veth peer name nsboxpveth1 netns $F/net1
unshare --ipc sleep 100 &
I=$!
for i in $(seq 100); do [ "$(readlink /proc/$I/ns/ipc)" != "$(readlink /proc/self/ns/ipc)" ] && break; sleep 0.02; done
ipc=$(stat -L -c %i /proc/$I/ns/ipc)
exec 7</proc/$I/ns/ipc
kill $I; wait $I || true
# a uts namespace owned by uid 12346's user namespace, held by fd 8: its USER is
# the owner of that user namespace (util-linux shows "root" for any such one)
setpriv --reuid=12346 --regid=12346 --clear-groups unshare -U -r unshare --uts sleep 100 &
U=$!
for i in $(seq 100); do [ "$(cat /proc/$U/comm)" = sleep ] && break; sleep 0.02; done
owned=$(stat -L -c %i /proc/$U/ns/uts)
exec 8</proc/$U/ns/uts
kill $U; wait $U || true
# a socket is all that holds this net namespace
python3 -c '
import ctypes, os, socket, time
libc = ctypes.CDLL(None, use_errno=True)
host = os.open("/proc/self/ns/net", os.O_RDONLY)
assert libc.unshare(0x40000000) == 0
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
print(os.stat("/proc/self/ns/net").st_ino, flush=True)
assert libc.setns(host, 0x40000000) == 0
os.close(host)
time.sleep(100)' > $F/sock &
for i in $(seq 100); do [ -s $F/sock ] && break; sleep 0.02; done
sockns=$(cat $F/sock)
uts=$(stat -c %i $F/uts1) net=$(stat -c %i $F/net1)
$N lsns -P -o NS,TYPE,NPROCS,PID,USER,NSFS,NETNSID -r -n | sort > $F/got
printf '%s\n' "$uts uts 0  root $F/uts1 " "$net net 0  root $F/net1 0" "$ipc ipc 0  root  " \
        "$sockns net 0  root  unassigned" "$owned uts 0  12346  " | sort > $F/want
diff $F/want $F/got
# the default listing has them too, after the namespaces with processes
$N lsns -n -r -o NS,NPROCS | grep -qx "$uts 0"
$N lsns -n -r -o NS,NPROCS | grep -qx "$ipc 0"
[ "$($N lsns -n -l -t uts -o NS | wc -l)" -eq 3 ]
# -t filters them as the others
[ "$($N lsns -P -n -t net | wc -l)" -eq 2 ]
# and a positional id of one: no processes, nothing to print
$N lsns $uts
echo done
EOF
        echo "$output"
        echo "$stderr"
        [ "$status" -eq 0 ]
        [ "${lines[-1]}" = done ]
}

@test "a namespace only a thread is in is listed too, with its task's path (util-linux misses it)" {
        run --separate-stderr unshare -m -p -f --mount-proc bash -s -- "$NSBOX" <<'EOF'
set -eu
N=$1
python3 -c '
import ctypes, os, threading, time
libc = ctypes.CDLL(None, use_errno=True)
def thread():
    assert libc.unshare(0x04000000) == 0
    print(os.stat("/proc/thread-self/ns/uts").st_ino, threading.get_native_id(), flush=True)
    time.sleep(100)
threading.Thread(target=thread, daemon=True).start()
time.sleep(100)' > /tmp/nsbox-thread-ns &
P=$!
for i in $(seq 100); do [ -s /tmp/nsbox-thread-ns ] && break; sleep 0.02; done
read -r ino tid < /tmp/nsbox-thread-ns
rm -f /tmp/nsbox-thread-ns
# util-linux does not see it
! lsns -n -o NS | grep -qx " *$ino"
$N lsns -P -n -r -o NS,TYPE,NPROCS,PID,PATH
[ "$($N lsns -P -n -r -o NS,TYPE,NPROCS,PID,PATH)" = "$ino uts 0  /proc/$P/task/$tid/ns/uts" ]
# the path leads into it
[ "$(nsenter --uts=/proc/$P/task/$tid/ns/uts readlink /proc/self/ns/uts)" = "uts:[$ino]" ]
echo done
EOF
        echo "$output"
        echo "$stderr"
        [ "$status" -eq 0 ]
        [ "${lines[-1]}" = done ]
}

@test "-Q filters rows as util-linux 2.41's scols filter would (checked against the oracle's unfiltered rows)" {
        run --separate-stderr in_fixture '
                fail=0
                check() { # $1: nsbox args, $2: oracle args, $3: awk program on the oracle output
                        # (the same processes around both runs: the awk runs afterwards)
                        m=$(ns_lsns $1 2>&1)
                        o=$(ul_lsns $2 2>&1)
                        o=$(echo "$o" | awk "$3")
                        [ "$m" = "$o" ] || { echo "DIFF lsns $1"; diff <(echo "$o") <(echo "$m"); fail=1; }
                }
                check "-r -l -Q NPROCS>1" "-r -l" "NR == 1 || \$3 > 1"
                check "-r -l -Q NPROCS==1" "-r -l" "NR == 1 || \$3 == 1"
                check "-r -l -Q npROCs<=1" "-r -l" "NR == 1 || \$3 <= 1"
                check "-r -l -Q TYPE==\"user\"||TYPE==\"pid\"" "-r -l" "NR == 1 || \$2 == \"user\" || \$2 == \"pid\""
                check "-r -l -Q TYPE!=\"user\"" "-r -l" "NR == 1 || \$2 != \"user\""
                check "-r -l -Q USER!=\"root\"" "-r -l" "NR == 1 || \$5 != \"root\""
                check "-r -l -Q NOT(TYPE=~\"^(mnt|net)\$\")" "-r -l" "NR == 1 || \$2 !~ /^(mnt|net)\$/"
                check "-r -l -Q COMMAND=~\"^sleep\"" "-r -l" "NR == 1 || \$6 ~ /^sleep/"
                check "-r -l -Q COMMAND!~\"^sleep\"" "-r -l" "NR == 1 || \$6 !~ /^sleep/"
                check "-r -l -Q PID>1&&PID<20" "-r -l" "NR == 1 || (\$4 > 1 && \$4 < 20)"
                check "-r -l -Q PID>1and(TYPE==\"uts\"or\"x\"==TYPE)" "-r -l" "NR == 1 || (\$4 > 1 && \$2 == \"uts\")"
                # a column only in the filter is hidden
                check "-r -l -o NS,TYPE -Q PID==1" "-r -l -o NS,TYPE,PID" "NR == 1 { print \$1, \$2 } NR > 1 && \$3 == 1 { print \$1, \$2 }"
                # the tree: rows filtered out are no parents, so a type filter draws -t TYPE
                for t in uts user pid net; do
                        check "-Q TYPE==\"$t\" -o NS,TYPE,NPROCS,PID,USER,COMMAND" "-t $t -o NS,TYPE,NPROCS,PID,USER,COMMAND" "1"
                        check "-J -Q TYPE==\"$t\" -o NS,TYPE,NPROCS,PID,USER,COMMAND" "-J -t $t -o NS,TYPE,NPROCS,PID,USER,COMMAND" "1"
                done
                check "-l -r -Q NETNSID==\"0\"" "-l -r" "NR == 1 || \$1 == $(ul_lsns -t net -n -r -o NS,NETNSID | awk "\$2 == 0 { print \$1 }")"
                check "-l -r -Q NETNSID==\"unassigned\"||NSFS=~\"sp\"" "-l -r" "NR == 1 || \$2 == \"net\""
                echo checked
                exit $fail'
        echo "$output"
        echo "$stderr"
        [ "$status" -eq 0 ]
        [ "${lines[-1]}" = checked ]
}

@test "-Q errors: unknown columns and syntax errors exit 1 with util-linux's messages" {
        run --separate-stderr "$NSBOX" lsns -Q 'FOO == 1 and BAR > 2'
        [ "$status" -eq 1 ]
        [ "$stderr" = "$(printf 'lsns: unknown column: FOO\nlsns: unknown column: BAR\nlsns: failed to initialize filter')" ]
        local e
        for e in 'NS ==' '(TYPE == "net"' 'TYPE == "net' 'TYPE = "net"' 'NS == 1 2' 'COMMAND =~ "("' '== 1' 'NS == 99999999999999999999999'; do
                run --separate-stderr "$NSBOX" lsns -Q "$e"
                [ "$status" -eq 1 ] || { echo "accepted: $e"; false; }
                [[ "$stderr" == "lsns: failed to parse \"$e\": "* ]] || { echo "$stderr"; false; }
        done
        # an empty result prints nothing at all, as an empty table does
        run "$NSBOX" lsns -Q 'NPROCS > 1000000'
        [ "$status" -eq 0 ]
        [ -z "$output" ]
}

@test "-H lists the columns as util-linux 2.41 does, in table, raw and JSON form" {
        run "$NSBOX" lsns -H
        [ "$status" -eq 0 ]
        # util-linux's 13, then nsbox's CGROUP and CONTAINER
        [ "${#lines[@]}" -eq 15 ]
        [[ "${lines[13]}" == "   CGROUP <string>  cgroup of the PID "* ]]
        [[ "${lines[14]}" == "CONTAINER <string>  container that owns the namespace "* ]]
        [ "${lines[0]}" = "       NS <integer> namespace identifier (inode number)" ]
        [ "${lines[9]}" = "  NETNSID <string>  namespace ID as used by network subsystem" ]
        run "$NSBOX" lsns -r -H
        [ "${lines[1]}" = "TYPE <string> kind\\x20of\\x20namespace" ]
        run "$NSBOX" lsns -J -H
        [ "${lines[1]}" = '   "lsns-columns": [' ]
        [ "${lines[3]}" = '         "holder": "NS",' ]
}

# compare_errors ARGS...: stderr and exit status of both tools (stdout, which
# depends on the host's state, is not compared).
compare_errors() {
        local o m
        o=$(ul_lsns "$@" 2>&1 >/dev/null; echo "status=$?")
        m=$(ns_lsns "$@" 2>&1 >/dev/null; echo "status=$?")
        if [ "$o" != "$m" ]; then
                echo "lsns $* differs from util-linux:"
                diff <(echo "$o") <(echo "$m") || true
                return 1
        fi
}

@test "errors: util-linux's messages and exit codes" {
        compare_errors -x
        compare_errors --bogus
        compare_errors -t foo
        compare_errors -t mount
        compare_errors -o FOO
        compare_errors -o NS,
        compare_errors -o NS,,TYPE
        compare_errors -o +
        compare_errors -o ''
        compare_errors -o
        compare_errors -p abc
        compare_errors -p ''
        compare_errors -p 99999999999
        compare_errors -p -5
        compare_errors -J -r
        compare_errors -r -J
        compare_errors -Tfoo
        compare_errors abc
        compare_errors 123
        compare_errors -- -5
        compare_errors 99999999999999999999999
        compare_errors -p 1 4026531835
        compare_errors -n -o "$(printf 'NS,%.0s' $(seq 25))NS"
        compare_errors -n -o "$(printf 'NS,%.0s' $(seq 26))NS"
}

@test "-l with -T and -P with -p are refused, as util-linux 2.42 does" {
        run --separate-stderr "$NSBOX" lsns -l -T
        [ "$status" -eq 1 ]
        [ "$stderr" = "lsns: mutually exclusive arguments: --list --tree" ]
        run --separate-stderr "$NSBOX" lsns -p 1 -P
        [ "$status" -eq 1 ]
        [ "$stderr" = "lsns: mutually exclusive arguments: --persistent --task" ]
}

@test "--help lists the options and every column; --version names nsbox" {
        run "$NSBOX" lsns --help
        [ "$status" -eq 0 ]
        [ "${lines[0]}" = "Usage:" ]
        [ "${lines[1]}" = " lsns [options] [<namespace>]" ]
        local col
        for col in NS TYPE PATH NPROCS PID PPID COMMAND UID USER NETNSID NSFS PNS ONS CGROUP CONTAINER; do
                printf '%s\n' "${lines[@]}" | grep -qE "^ +$col  "
        done
        # the oracle's column descriptions, word for word
        diff <("$ORACLE" --help | sed -n '/^Available output columns:/,/^$/p') \
             <("$NSBOX" lsns --help | sed -n '/^Available output columns:/,/^$/p')
        run "$NSBOX" lsns -V
        [ "$status" -eq 0 ]
        [[ "$output" == "lsns from nsbox "* ]]
}

@test "a write error on stdout is reported and exits 1" {
        run --separate-stderr bash -c '"$1" lsns >/dev/full' _ "$NSBOX"
        [ "$status" -eq 1 ]
        [ "$stderr" = "lsns: write error: No space left on device" ]
}

# The CGROUP column's rule (nsbox_ns_scan_process_cgroup()) as an awk program
# on /proc/PID/cgroup: the v2 path unless it is "/" while v1 hierarchies
# exist, else the first v1 path that is not "/", else "/".
CGROUP_RULE='{ p = substr($0, length($1) + length($2) + 3) }
$1 == "0" && $2 == "" { v2 = p; next }
{ any1 = 1; if (v1 == "" && p != "/") v1 = p }
END { if (v2 != "" && (v2 != "/" || !any1)) print v2; else if (v1 != "") print v1; else print "/" }'

@test "CGROUP: the cgroup of the namespace's lowest pid, by the documented rule" {
        run --separate-stderr unshare -m -p -f --mount-proc bash -s -- "$NSBOX" "$CGROUP_RULE" <<'EOF2'
set -eu
N=$1 RULE=$2
unshare --uts sleep 100 &
S=$!
for i in $(seq 100); do [ "$(readlink /proc/$S/ns/uts)" != "$(readlink /proc/1/ns/uts)" ] && break; sleep 0.02; done
ino=$(stat -L -c %i /proc/$S/ns/uts)
got=$($N lsns -n -r -t uts -o NS,PID,CGROUP | awk -v i=$ino '$1 == i { print $2, $3 }')
want="$S $(awk -F: "$RULE" /proc/$S/cgroup)"
echo "got=$got want=$want"
[ "$got" = "$want" ]
# moved into a cgroup of its own (v1 pids hierarchy, or v2): the column follows
cg=
if [ "$(stat -f -c %T /sys/fs/cgroup/pids 2>/dev/null)" = cgroupfs ]; then
        cg=/sys/fs/cgroup/pids/nsbox-lsns-test-$$-$RANDOM
elif [ -f /sys/fs/cgroup/cgroup.procs ]; then
        cg=/sys/fs/cgroup/nsbox-lsns-test-$$-$RANDOM
fi
if [ -n "$cg" ] && mkdir "$cg" 2>/dev/null; then
        trap 'kill -KILL $S 2>/dev/null; wait $S 2>/dev/null || true; rmdir '"$cg"' || true' EXIT
        echo $S > "$cg/cgroup.procs"
        got=$($N lsns -n -r -t uts -o NS,CGROUP | awk -v i=$ino '$1 == i { print $2 }')
        echo "in $cg: $got; $(tr '\n' ' ' < /proc/$S/cgroup)"
        [ "$got" = "$(awk -F: "$RULE" /proc/$S/cgroup)" ]
        # and on this machine's layouts that is the new cgroup, unless a hierarchy
        # listed before it (name=systemd) places the process somewhere else too
        [ "$got" = "/${cg##*/}" ] || grep -qv ":/\$" /proc/$S/cgroup
fi
echo done
EOF2
        echo "$output"
        echo "$stderr"
        [ "$status" -eq 0 ]
        [ "${lines[-1]}" = done ]
}

@test "CONTAINER: nsbox run's namespaces carry its --name, the host's none; nothing is left behind, even after SIGKILL" {
        local name=lsns-ct-$$ s i init= t ino
        "$NSBOX" run --name "$name" sleep 60 >/dev/null 2>&1 3>&- &
        s=$!
        BG_PIDS+=("$s")
        for i in $(seq 200); do
                init=$(pgrep -P "$s" -x sleep || true)
                [ -n "$init" ] && ls -l /proc/$s/fd 2>/dev/null | grep -q "memfd:nsbox-container:$name" && break
                sleep 0.05
        done
        [ -n "$init" ]
        run "$NSBOX" lsns -n -r -o NS,TYPE,PID,CONTAINER
        [ "$status" -eq 0 ]
        for t in uts ipc pid mnt; do
                ino=$(stat -L -c %i /proc/$init/ns/$t)
                printf '%s\n' "${lines[@]}" | grep -qx "$ino $t $init $name"
        done
        # the test's own namespaces are the host's: no container
        for t in uts ipc pid mnt; do
                ino=$(stat -L -c %i /proc/self/ns/$t)
                printf '%s\n' "${lines[@]}" | grep -qE "^$ino $t [0-9]+ ?\$"
        done
        # JSON and the filter see it too
        run "$NSBOX" lsns -J -t uts -Q "CONTAINER == \"$name\"" -o NS,CONTAINER
        [ "$status" -eq 0 ]
        [[ "$output" == *"\"container\": \"$name\""* ]]
        # the container never sees the mark
        ! ls -l /proc/$init/fd | grep -q memfd
        kill -KILL "$s"
        wait "$s" || true
        for i in $(seq 100); do kill -0 "$init" 2>/dev/null || break; sleep 0.05; done
        run "$NSBOX" lsns -n -r -o CONTAINER
        ! printf '%s\n' "${lines[@]}" | grep -qx "$name"
}

@test "CONTAINER: OCI runtimes' state (nsbox-oci, runc, crun) by pid and start time, stale and foreign state ignored; nsbox run's mark on a nested namespace" {
        run --separate-stderr unshare -m -p -f --mount-proc bash -s -- "$NSBOX" <<'EOF2'
set -eu
N=$1
# a private /run: the state files are the test's own
mount -t tmpfs lsns-run /run
st() { awk '{ sub(/.*\) /, ""); print $20 }' /proc/$1/stat; }
spawn() { unshare --uts --ipc sleep 100 & P=$!; for i in $(seq 100); do [ "$(readlink /proc/$P/ns/uts)" != "$(readlink /proc/1/ns/uts)" ] && [ "$(cat /proc/$P/comm)" = sleep ] && break; sleep 0.02; done; }
spawn; A=$P
spawn; B=$P
spawn; C=$P
spawn; D=$P   # stale: the recorded start time is another
spawn; E=$P   # foreign: its state file belongs to nobody, the process to root
# nsbox run's mark (a memfd "nsbox-container:NAME" held by the init's parent), on a
# container whose init made a namespace of its own further down: that one is the
# container's too
python3 -c '
import os, subprocess, sys, time
fd = os.memfd_create("nsbox-container:nested-f")
p = subprocess.Popen(["unshare", "--uts", "sh", "-c", "unshare --ipc sleep 100; true"])
print(p.pid, flush=True)
time.sleep(100)' > /tmp/nsbox-lsns-mark &
for i in $(seq 100); do [ -s /tmp/nsbox-lsns-mark ] && break; sleep 0.02; done
F=$(cat /tmp/nsbox-lsns-mark)
rm -f /tmp/nsbox-lsns-mark
for i in $(seq 100); do G=$(pgrep -P $F -x sleep || true); [ -n "$G" ] && break; sleep 0.02; done
mkdir -p /run/nsbox-oci/oci-a /run/runc/runc-b /run/crun/crun-c /run/runc/stale-d /run/crun/foreign-e
echo "{\"ociVersion\":\"1.2.0\",\"id\":\"oci-a\",\"pid\":$A,\"start_time\":$(st $A)}" > /run/nsbox-oci/oci-a/state.json
echo "{\"id\":\"runc-b\",\"init_process_pid\":$B,\"init_process_start\":$(st $B)}" > /run/runc/runc-b/state.json
echo "{\"pid\":$C,\"process-start-time\":$(st $C),\"cgroup-path\":\"/x\"}" > /run/crun/crun-c/status
echo "{\"id\":\"stale-d\",\"init_process_pid\":$D,\"init_process_start\":$(( $(st $D) + 1 ))}" > /run/runc/stale-d/state.json
echo "{\"pid\":$E,\"process-start-time\":$(st $E)}" > /run/crun/foreign-e/status
chown 65534 /run/crun/foreign-e/status
out=$($N lsns -n -r -o NS,TYPE,PID,CONTAINER)
echo "$out"
want() { # want PID TYPE CONTAINER
        local ino; ino=$(stat -L -c %i /proc/$1/ns/$2)
        echo "$out" | grep -qx "$ino $2 $1 $3" || { echo "missing: $ino $2 $1 $3"; exit 1; }
}
for t in uts ipc; do
        want $A $t oci-a; want $B $t runc-b; want $C $t crun-c; want $D $t ""; want $E $t ""
done
want $F uts nested-f
want $G ipc nested-f
# the pid namespace of the fixture (pid 1's) belongs to no container
echo "$out" | grep -qx "$(stat -L -c %i /proc/1/ns/pid) pid 1 "
# util-linux's columns are unchanged by the extra one
[ "$($N lsns -n -r -o NS,TYPE,PID)" = "$(echo "$out" | cut -d' ' -f1-3)" ]
echo done
EOF2
        echo "$output"
        echo "$stderr"
        [ "$status" -eq 0 ]
        [ "${lines[-1]}" = done ]
}

@test "churn: while 500 short-lived processes (some in new namespaces) come and go, 50 runs of nsbox lsns all succeed with whole rows" {
        run --separate-stderr unshare -m -p -f --mount-proc bash -s -- "$NSBOX" <<'EOF2'
set -u
N=$1
# 500 processes, a few at a time, a third of them in new uts/ipc namespaces
( for i in $(seq 500); do
        case $((i % 3)) in
        0) unshare --uts --ipc sleep 0.0$((RANDOM % 9 + 1)) & ;;
        1) sleep 0.0$((RANDOM % 9 + 1)) & ;;
        2) true & ;;
        esac
        [ $((i % 20)) -eq 0 ] && wait
  done; wait; echo churned > /tmp/nsbox-lsns-churn-done ) &
C=$!
fail=0 runs=0
for r in $(seq 50); do
        out=$($N lsns -r -n -o NS,TYPE,NPROCS,PID,USER,COMMAND 2>&1)
        rc=$?
        runs=$((runs + 1))
        [ $rc -eq 0 ] || { echo "run $r: exit $rc: $out"; fail=1; }
        # every row whole: 6 fields, a number, a type, a count, a pid, a user and a command
        bad=$(echo "$out" | awk 'NF != 6 || $1 !~ /^[0-9]+$/ || $2 !~ /^(mnt|net|pid|uts|ipc|user|cgroup|time)$/ || $3 !~ /^[0-9]+$/ || $4 !~ /^[0-9]+$/ || $6 == ""')
        [ -z "$bad" ] || { echo "run $r: torn rows:"; echo "$bad"; fail=1; }
        out=$($N lsns -J -t uts 2>&1) || { echo "run $r: -J exit $?"; fail=1; }
        python3 -c 'import json,sys; json.loads(sys.argv[1])' "$out" || { echo "run $r: bad JSON"; fail=1; }
done
wait $C
rm -f /tmp/nsbox-lsns-churn-done
echo "runs=$runs fail=$fail"
exit $fail
EOF2
        echo "$output" | tail -20
        echo "$stderr" | tail -5
        [ "$status" -eq 0 ]
        [ "${lines[-1]}" = "runs=50 fail=0" ]
}
