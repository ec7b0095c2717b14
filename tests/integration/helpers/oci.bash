# Shared by the OCI runtime suites: a bundle from the tutorial's rootfs, a
# private --root, a private cgroup parent, and cleanup of all three.
OCI="$NSBOX_BUILD/src/nsbox-oci"

# oci_setup_file: sets OCI_DIR (bundle dir with rootfs/), OCI_ROOT, OCI_CG
oci_setup_file() {
        rootfs_tarball
        OCI_DIR=$(mktemp -d /tmp/nsbox-oci-test.XXXXXX)
        mkdir "$OCI_DIR/rootfs" "$OCI_DIR/root"
        tar -C "$OCI_DIR/rootfs" -xzf "$ROOTFS_TAR"
        OCI_ROOT="$OCI_DIR/root"
        OCI_CG="nsbox-oci-test-$$"
        export OCI_DIR OCI_ROOT OCI_CG OCI
}

oci_teardown_file() {
        local id
        for id in $("$OCI" --root "$OCI_ROOT" list -q 2>/dev/null); do
                "$OCI" --root "$OCI_ROOT" delete --force "$id" || true
        done
        local d
        for d in /sys/fs/cgroup/*/"$OCI_CG"; do
                [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
        done
        rm -rf "$OCI_DIR"
}

# oci_bundle NAME [python statements on c] -> prints the bundle dir
# The config is `nsbox-oci spec`'s with terminal off, the given edits applied,
# and cgroupsPath below the suite's own parent.
oci_bundle() {
        local name=$1 edit=${2:-}
        local b="$OCI_DIR/b-$name"
        rm -rf "$b"
        mkdir -p "$b"
        ln -s ../rootfs "$b/rootfs"
        "$OCI" spec --bundle "$b"
        python3 - "$b/config.json" "$OCI_CG/$name" "$OCI_DIR/rootfs" <<PY
import json, sys
p, cg, rootfs = sys.argv[1], sys.argv[2], sys.argv[3]
c = json.load(open(p))
c["process"]["terminal"] = False
c["root"]["path"] = rootfs
c["root"]["readonly"] = False
c["linux"]["cgroupsPath"] = cg
$edit
json.dump(c, open(p, "w"), indent=1)
PY
        echo "$b"
}

oci() {
        "$OCI" --root "$OCI_ROOT" "$@"
}

oci_status() {
        oci state "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])'
}

# what a failed create could leave: state dirs, cgroups, processes of the suite
oci_leftovers() {
        {
                ls -A "$OCI_ROOT" 2>/dev/null | wc -l
                find /sys/fs/cgroup/*/"$OCI_CG" -mindepth 1 -type d 2>/dev/null | wc -l
                pgrep -c -f "nsbox-oci --root $OCI_ROOT" || true
        } | tr '\n' ' '
}
