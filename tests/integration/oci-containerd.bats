#!/usr/bin/env bats
# containerd (Debian's) driving nsbox-oci through its runc v2 shim
# (ctr run --runc-binary, the BinaryName a Kubernetes RuntimeClass reaches),
# on a private containerd with its own socket, root and state. The image is
# busybox-static written as an OCI image layout here (no registry).
load ../lib

setup_file() {
        command -v containerd >/dev/null && command -v ctr >/dev/null ||
                skip "containerd is not installed (apt-get install containerd)"
        export CD=$(mktemp -d /tmp/nsbox-containerd.XXXXXX)
        export CD_CG="nsbox-ctr-test-$$"
        mkdir -p "$CD/bb/bin" "$CD/bb/etc" "$CD/bb/tmp" "$CD/bb/proc" "$CD/bb/sys" "$CD/bb/dev"
        cp /bin/busybox "$CD/bb/bin/busybox"
        for a in sh echo cat sleep true hostname; do ln -s busybox "$CD/bb/bin/$a"; done
        python3 - "$CD" <<'PY'
import gzip, hashlib, io, json, sys, tarfile
d = sys.argv[1]
def digest(b): return "sha256:" + hashlib.sha256(b).hexdigest()
buf = io.BytesIO()
with tarfile.open(fileobj=buf, mode="w") as t:
    t.add(d + "/bb", arcname=".")
layer = buf.getvalue(); lgz = gzip.compress(layer)
cfg = json.dumps({"architecture": "amd64", "os": "linux", "config": {"Env": ["PATH=/bin"], "Cmd": ["sh"]},
                  "rootfs": {"type": "layers", "diff_ids": [digest(layer)]}}).encode()
man = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                  "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": digest(cfg), "size": len(cfg)},
                  "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": digest(lgz), "size": len(lgz)}]}).encode()
idx = json.dumps({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
                  "digest": digest(man), "size": len(man),
                  "annotations": {"io.containerd.image.name": "localhost/nsbox-bb:latest"}}]}).encode()
with tarfile.open(d + "/bb-oci.tar", "w") as t:
    for name, data in [("oci-layout", b'{"imageLayoutVersion":"1.0.0"}'), ("index.json", idx)] + \
                      [("blobs/sha256/" + digest(b)[7:], b) for b in (cfg, man, lgz)]:
        i = tarfile.TarInfo(name); i.size = len(data); t.addfile(i, io.BytesIO(data))
PY
        cat >"$CD/config.toml" <<CONF
version = 2
root = "$CD/root"
state = "$CD/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$CD/c.sock"
[ttrpc]
  address = "$CD/c.ttrpc"
CONF
        containerd --config "$CD/config.toml" >"$CD/log" 2>&1 3>&- &
        echo $! >"$CD/pid"
        local i
        for i in $(seq 100); do [ -S "$CD/c.sock" ] && break; sleep 0.1; done
        c image import --snapshotter native "$CD/bb-oci.tar" >/dev/null
}

teardown_file() {
        [ -n "${CD:-}" ] || return 0
        local t
        for t in $(c task ls -q 2>/dev/null); do c task kill -s KILL "$t" 2>/dev/null; done
        sleep 0.5
        for t in $(c task ls -q 2>/dev/null); do c task delete -f "$t" 2>/dev/null; done
        for t in $(c container ls -q 2>/dev/null); do c container delete "$t" 2>/dev/null; done
        [ -f "$CD/pid" ] && kill "$(cat "$CD/pid")" 2>/dev/null
        sleep 0.5
        local d
        for d in /sys/fs/cgroup/*/"$CD_CG"; do
                [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
        done
        umount -R "$CD/state" 2>/dev/null || true
        rm -rf "$CD"
}

c() {
        timeout 60 ctr --address "$CD/c.sock" "$@"
}

@test "ctr run --rm: output and exit code" {
        run c run --rm --snapshotter native --runc-binary "$NSBOX_BUILD/src/nsbox-oci" \
                --cgroup "$CD_CG/t1" localhost/nsbox-bb:latest t1 sh -c 'echo hi from containerd; exit 4'
        [ "$status" -eq 4 ]
        [ "$output" = "hi from containerd" ]
}

@test "ctr run -d, task exec, pause, resume, kill, delete" {
        c run -d --snapshotter native --runc-binary "$NSBOX_BUILD/src/nsbox-oci" --cgroup "$CD_CG/t2" \
                localhost/nsbox-bb:latest t2 sleep 1000 </dev/null >/dev/null 2>&1
        run c task ls
        [[ "$output" == *t2*RUNNING* ]]
        run c task exec --exec-id e1 t2 sh -c 'echo in exec; exit 6'
        [ "$status" -eq 6 ]
        [ "$output" = "in exec" ]
        c task pause t2
        run c task ls
        [[ "$output" == *t2*PAUSED* ]]
        [ "$(cat /sys/fs/cgroup/freezer/$CD_CG/t2/freezer.state)" = FROZEN ]
        c task resume t2
        run c task ls
        [[ "$output" == *t2*RUNNING* ]]
        c task kill -s KILL t2
        for i in $(seq 50); do c task ls | grep -q 't2.*STOPPED' && break; sleep 0.1; done
        c task delete t2
        c container delete t2
        [ ! -d "/sys/fs/cgroup/pids/$CD_CG/t2" ]
}
