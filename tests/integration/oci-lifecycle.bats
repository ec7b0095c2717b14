#!/usr/bin/env bats
# nsbox-oci: the runtime-spec lifecycle with runc's command line, on real
# namespaces and cgroups (runtime-spec runtime.md "Lifecycle", config.md hooks).
load ../lib
load helpers/oci

setup_file() {
        oci_setup_file
}

teardown_file() {
        oci_teardown_file
}

wait_status() {
        local id=$1 want=$2 i
        for i in $(seq 100); do
                [ "$(oci_status "$id")" = "$want" ] && return 0
                sleep 0.05
        done
        oci state "$id"
        return 1
}

@test "create, state created, start, running, exit, stopped, delete" {
        b=$(oci_bundle life 'c["process"]["args"] = ["sh", "-c", "read x </dev/null; echo out:$(hostname); sleep 0.5; exit 3"]; c["root"]["path"] = "rootfs"')
        # stdio is inherited by the init: not through `run`, whose pipe it would hold
        oci create --bundle "$b" --pid-file "$OCI_DIR/life.pid" life >"$OCI_DIR/life.out" 2>&1
        [ ! -s "$OCI_DIR/life.out" ]
        pid=$(cat "$OCI_DIR/life.pid")
        [ -d "/proc/$pid" ]
        [ "$(oci_status life)" = created ]
        oci state life | python3 -c "
import json, sys
s = json.load(sys.stdin)
assert s['id'] == 'life' and s['pid'] == $pid and s['bundle'] == '$b' and s['ociVersion'], s"
        # the init is in the container's own namespaces and cgroup already
        [ "$(readlink /proc/$pid/ns/pid)" != "$(readlink /proc/self/ns/pid)" ]
        grep -q "^[0-9]*:pids:/$OCI_CG/life\$" /proc/$pid/cgroup
        run oci start life
        [ "$status" -eq 0 ]
        [ -z "$output" ]
        [ "$(oci_status life)" = running ]
        wait_status life stopped
        run oci delete life
        [ "$status" -eq 0 ]
        [ ! -e "$OCI_ROOT/life" ]
        [ ! -e "/sys/fs/cgroup/pids/$OCI_CG/life" ]
        run oci state life
        [ "$status" -ne 0 ]
        [[ "$output" == *'container "life" does not exist'* ]]
}

@test "start of a running container, delete of a running one without --force: refused" {
        b=$(oci_bundle busy 'c["process"]["args"] = ["sleep", "100"]')
        oci create --bundle "$b" busy </dev/null >/dev/null 2>&1
        oci start busy
        run oci start busy
        [ "$status" -ne 0 ]
        [[ "$output" == *"cannot start a container that is running"* ]]
        run oci delete busy
        [ "$status" -ne 0 ]
        [[ "$output" == *"not stopped: running"* ]]
        pid=$(oci state busy | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')
        run oci delete --force busy
        [ "$status" -eq 0 ]
        [ ! -d "/proc/$pid" ] || grep -q '^State:.*Z' /proc/$pid/status
        [ ! -e "$OCI_ROOT/busy" ]
}

@test "delete --force of an unknown container exits 0; delete without it fails" {
        run oci delete --force no-such-container
        [ "$status" -eq 0 ]
        run oci delete no-such-container
        [ "$status" -ne 0 ]
        [[ "$output" == *"does not exist"* ]]
}

@test "hooks run in order with the state on stdin; startContainer inside the container" {
        log="$OCI_DIR/hooks"
        mkdir -p "$log"
        : >"$log/log"
        hook() { # KIND -> a hook that appends "KIND STATUS ID" using the state from stdin
                printf '{"path": "/bin/sh", "args": ["sh", "-c", "s=$(cat); echo %s $(echo \\"$s\\" | sed -n '"'"'s/.*\\"status\\":\\"\\([a-z]*\\)\\".*/\\\\1/p'"'"') $(echo \\"$s\\" | sed -n '"'"'s/.*\\"id\\":\\"\\([a-z]*\\)\\".*/\\\\1/p'"'"') >>%s"]}' "$1" "$2"
        }
        b=$(oci_bundle hooks "
c['process']['args'] = ['sh', '-c', 'echo process >>/hooklog/log']
c['mounts'].append({'destination': '/hooklog', 'type': 'bind', 'source': '$log', 'options': ['rbind']})
c['hooks'] = {
 'prestart': [$(hook prestart "$log/log")],
 'createRuntime': [$(hook createRuntime "$log/log")],
 'createContainer': [$(hook createContainer "$log/log")],
 'startContainer': [$(hook startContainer /hooklog/log)],
 'poststart': [$(hook poststart "$log/log")],
 'poststop': [$(hook poststop "$log/log")],
}")
        oci create --bundle "$b" hooks </dev/null >/dev/null 2>&1
        oci start hooks
        wait_status hooks stopped
        oci delete hooks
        cat "$log/log"
        # poststart races with the process itself; everything else is ordered
        run grep -v -e '^poststart' -e '^process' "$log/log"
        [ "${lines[0]}" = "prestart creating hooks" ]
        [ "${lines[1]}" = "createRuntime creating hooks" ]
        [ "${lines[2]}" = "createContainer creating hooks" ]
        [ "${lines[3]}" = "startContainer created hooks" ]
        [ "${lines[4]}" = "poststop stopped hooks" ]
        grep -qx "poststart running hooks" "$log/log"
        grep -qx process "$log/log"
}

@test "a failing prestart hook destroys the container" {
        before=$(oci_leftovers)
        b=$(oci_bundle badhook "
c['process']['args'] = ['sleep', '100']
c['hooks'] = {'prestart': [{'path': '/bin/sh', 'args': ['sh', '-c', 'exit 7']}]}")
        run oci create --bundle "$b" badhook
        echo "$output"
        [ "$status" -ne 0 ]
        [[ "$output" == *"prestart: hook /bin/sh: exited with status 7"* ]]
        [ "$(oci_leftovers)" = "$before" ]
        [ ! -e "$OCI_ROOT/badhook" ]
}

@test "a hook that outlives its timeout fails the create" {
        b=$(oci_bundle slowhook "
c['process']['args'] = ['true']
c['hooks'] = {'createRuntime': [{'path': '/bin/sleep', 'args': ['sleep', '30'], 'timeout': 1}]}")
        SECONDS=0
        run oci create --bundle "$b" slowhook
        [ "$status" -ne 0 ]
        [ "$SECONDS" -lt 10 ]
        [[ "$output" == *"timed out after 1 s"* ]]
        [ ! -e "$OCI_ROOT/slowhook" ]
}

@test "kill by name and by number; the init sees the signal" {
        b=$(oci_bundle sig "c['process']['args'] = ['sh', '-c', 'trap \"echo got USR1 >/tmp/sig; exit 0\" USR1; touch /tmp/ready; while :; do sleep 0.05; done']")
        oci create --bundle "$b" sig </dev/null >/dev/null 2>&1
        oci start sig
        pid=$(oci state sig | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')
        for i in $(seq 100); do [ -e /proc/$pid/root/tmp/ready ] && break; sleep 0.05; done
        oci kill sig USR1
        wait_status sig stopped
        oci delete sig

        oci create --bundle "$b" sig </dev/null >/dev/null 2>&1
        oci start sig
        oci kill sig 9
        wait_status sig stopped
        run oci kill sig KILL
        [ "$status" -ne 0 ]
        [[ "$output" == *"container not running"* ]]
        oci delete sig

        oci create --bundle "$b" sig </dev/null >/dev/null 2>&1
        oci start sig
        oci kill sig SIGKILL
        wait_status sig stopped
        oci delete sig
}

@test "exec joins every namespace and the cgroup of the container" {
        b=$(oci_bundle ex 'c["process"]["args"] = ["sleep", "100"]; c["process"]["env"].append("FROM_CONFIG=yes")')
        oci create --bundle "$b" ex </dev/null >/dev/null 2>&1
        oci start ex
        pid=$(oci state ex | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')
        run oci exec ex sh -c 'for n in mnt pid net uts ipc cgroup; do readlink /proc/self/ns/$n; done; grep pids: /proc/self/cgroup; echo $FROM_CONFIG; hostname'
        [ "$status" -eq 0 ]
        want=$(for n in mnt pid net uts ipc cgroup; do readlink /proc/$pid/ns/$n; done)
        [ "$(printf '%s\n' "${lines[@]:0:6}")" = "$want" ]
        # inside the container's cgroup namespace its cgroup is the root
        [[ "${lines[6]}" =~ ^[0-9]+:pids:/$ ]]
        [ "${lines[7]}" = yes ]
        [ "${lines[8]}" = nsbox ]
        # the exit status is the process's
        run oci exec ex sh -c 'exit 42'
        [ "$status" -eq 42 ]
        run -127 oci exec ex no-such-command
        [ "$status" -eq 127 ]
        [[ "$output" == *'exec: "no-such-command": executable file not found in $PATH'* ]]
        # --process, --detach, --pid-file
        printf '{"args": ["sh", "-c", "echo detached >/tmp/d; sleep 100"], "cwd": "/", "env": ["PATH=/bin:/usr/bin"]}' >"$OCI_DIR/proc.json"
        oci exec --process "$OCI_DIR/proc.json" --detach --pid-file "$OCI_DIR/ex.pid" ex
        epid=$(cat "$OCI_DIR/ex.pid")
        [ "$(readlink /proc/$epid/ns/pid)" = "$(readlink /proc/$pid/ns/pid)" ]
        # seen from the host: the init's cgroup in every hierarchy
        [ "$(cat /proc/$epid/cgroup)" = "$(cat /proc/$pid/cgroup)" ]
        grep -q "^[0-9]*:pids:/$OCI_CG/ex\$" /proc/$epid/cgroup
        for i in $(seq 100); do [ -s /proc/$pid/root/tmp/d ] && break; sleep 0.05; done
        [ "$(cat /proc/$pid/root/tmp/d)" = detached ]
        run oci ps --format json ex
        [[ "$output" == *"$pid"* && "$output" == *"$epid"* ]]
        oci delete --force ex
        [ ! -d "/proc/$epid" ] || grep -q '^State:.*Z' /proc/$epid/status
}

@test "pause and resume through the freezer" {
        b=$(oci_bundle frz 'c["process"]["args"] = ["sleep", "100"]')
        oci create --bundle "$b" frz </dev/null >/dev/null 2>&1
        oci start frz
        oci pause frz
        [ "$(oci_status frz)" = paused ]
        [ "$(cat /sys/fs/cgroup/freezer/$OCI_CG/frz/freezer.state)" = FROZEN ]
        run oci exec frz true
        [ "$status" -ne 0 ]
        oci resume frz
        [ "$(oci_status frz)" = running ]
        [ "$(cat /sys/fs/cgroup/freezer/$OCI_CG/frz/freezer.state)" = THAWED ]
        oci delete --force frz
}

@test "run: foreground with the exit status, and -d" {
        b=$(oci_bundle run1 'c["process"]["args"] = ["sh", "-c", "echo in-run; exit 5"]')
        run oci run --bundle "$b" run1
        [ "$status" -eq 5 ]
        [ "$output" = in-run ]
        [ ! -e "$OCI_ROOT/run1" ]
        b=$(oci_bundle run2 'c["process"]["args"] = ["sleep", "100"]')
        oci run -d --bundle "$b" run2 </dev/null >/dev/null 2>&1
        [ "$(oci_status run2)" = running ]
        run oci list
        [[ "$output" == *run2*running* ]]
        run oci list -q
        [[ "$output" == *run2* ]]
        oci list --format json | python3 -c 'import json,sys; l=json.load(sys.stdin); assert any(c["id"]=="run2" and c["status"]=="running" for c in l)'
        oci delete --force run2
}

@test "two creates of one ID: exactly one wins, the loser leaves nothing" {
        b=$(oci_bundle race 'c["process"]["args"] = ["sleep", "100"]')
        for i in 1 2 3 4; do
                ( oci create --bundle "$b" race </dev/null >/dev/null 2>"$OCI_DIR/race.$i"; echo $? >"$OCI_DIR/race.rc.$i" ) &
        done
        wait
        cat "$OCI_DIR"/race.*
        [ "$(cat "$OCI_DIR"/race.rc.* | grep -c '^0$')" -eq 1 ]
        [ "$(grep -l 'container with id exists: race' "$OCI_DIR"/race.[0-9] | wc -l)" -eq 3 ]
        [ "$(oci_status race)" = created ]
        oci delete --force race
        [ ! -e "$OCI_ROOT/race" ]
}

@test "global options in both forms; --log-format json errors" {
        run "$OCI" --root="$OCI_ROOT" --log="$OCI_DIR/log.json" --log-format=json --systemd-cgroup state nope
        [ "$status" -ne 0 ]
        python3 -c '
import json, sys
l = [json.loads(x) for x in open(sys.argv[1])]
assert l[-1]["level"] == "error" and "does not exist" in l[-1]["msg"] and l[-1]["time"], l' "$OCI_DIR/log.json"
        run "$OCI" --root "$OCI_ROOT" --log "$OCI_DIR/log.txt" --log-format text --debug state nope
        [ "$status" -ne 0 ]
        grep -q 'level=error msg="container \\"nope\\" does not exist"' "$OCI_DIR/log.txt" || grep -q 'level=error' "$OCI_DIR/log.txt"
        run "$OCI" --version
        [ "$status" -eq 0 ]
        [[ "${lines[0]}" == "nsbox-oci version "* ]]
        run "$OCI" features
        echo "$output" | python3 -c 'import json,sys; f=json.load(sys.stdin); assert "startContainer" in f["hooks"]'
        run "$OCI" checkpoint --help
        [ "$status" -ne 0 ]
}

@test "spec writes a template and refuses to overwrite it" {
        d="$OCI_DIR/spec"
        mkdir -p "$d"
        "$OCI" spec --bundle "$d"
        python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); assert c["root"]["path"]=="rootfs" and c["process"]["args"]==["sh"]' "$d/config.json"
        run "$OCI" spec --bundle "$d"
        [ "$status" -ne 0 ]
        rm "$d/config.json"
        "$OCI" spec --rootless --bundle "$d"
        python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); assert any(n["type"]=="user" for n in c["linux"]["namespaces"]) and c["linux"]["uidMappings"]' "$d/config.json"
}

@test "sysctl, devices and time offsets of config.json reach the container" {
        b=$(oci_bundle cfg "
c['process']['args'] = ['sh', '-c', 'cat /proc/sys/net/ipv4/ip_forward; ls -l /dev/mynull | cut -c1; cat /proc/uptime | cut -d. -f1; echo x >/dev/mynull && echo written']
c['linux']['sysctl'] = {'net.ipv4.ip_forward': '1'}
c['linux']['devices'] = [{'path': '/dev/mynull', 'type': 'c', 'major': 1, 'minor': 3, 'fileMode': 438}]
c['linux']['namespaces'].append({'type': 'time'})
c['linux']['timeOffsets'] = {'boottime': {'secs': 864000, 'nanosecs': 0}}")
        run oci run --bundle "$b" cfg
        echo "$output"
        [ "$status" -eq 0 ]
        [ "${lines[0]}" = 1 ]
        [ "${lines[1]}" = c ]
        [ "${lines[2]}" -ge 864000 ]
        [ "${lines[3]}" = written ]
        # the host keeps its own
        [ "$(cat /proc/sys/net/ipv4/ip_forward)" != x ]
}
