# Shared helpers for the bats suites. Source with: load ../lib
bats_require_minimum_version 1.5.0
# Environment from meson: NSBOX (the binary), NSBOX_SRC, NSBOX_BUILD.

: "${NSBOX:=$NSBOX_BUILD/src/nsbox}"
SHARED_DIR="${NSBOX_SRC}/../shared"
ALPINE_TAR="$SHARED_DIR/rootfs/alpine-minirootfs-3.20.3-x86_64.tar.gz"

# Run by meson (tools/test.sh), which sets these; refuse to scatter files in /
# when run by hand without them.
if [ -z "${NSBOX_BUILD:-}" ] || [ -z "${NSBOX_SRC:-}" ]; then
        echo "tests/lib.bash: NSBOX_BUILD and NSBOX_SRC must be set (run the suite with tools/test.sh)" >&2
        exit 1
fi

# A cache directory private to the test run, so tests never touch the user's.
export NSBOX_CACHE_DIR="${NSBOX_BUILD}/test-cache"

# The tutorial's rootfs: Alpine's minirootfs tarball from ../shared, or a
# busybox rootfs tarball built from the host's busybox-static when ../shared
# is absent. Sets ROOTFS_TAR and ROOTFS_KIND (alpine|busybox).
rootfs_tarball() {
        if [ -f "$ALPINE_TAR" ]; then
                ROOTFS_TAR=$ALPINE_TAR
                ROOTFS_KIND=alpine
                return 0
        fi
        ROOTFS_KIND=busybox
        ROOTFS_TAR="$NSBOX_BUILD/test-busybox-rootfs.tar.gz"
        [ -f "$ROOTFS_TAR" ] && return 0
        local d
        d=$(mktemp -d)
        chmod 755 "$d"
        mkdir -p "$d"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,tmp,root,var,run}
        chmod 1777 "$d/tmp"
        cp /bin/busybox "$d/bin/busybox"
        local a
        for a in $(/bin/busybox --list); do
                [ "$a" = busybox ] || ln -s /bin/busybox "$d/bin/$a"
        done
        printf 'NAME="BusyBox"\nID=busybox\nPRETTY_NAME="nsbox test rootfs (busybox)"\n' >"$d/etc/os-release"
        # users and groups as Alpine's minirootfs has them, so tests that look
        # names up behave alike on both rootfs kinds
        printf '%s\n' root:x:0:0:root:/root:/bin/sh bin:x:1:1:bin:/bin:/sbin/nologin \
                daemon:x:2:2:daemon:/sbin:/sbin/nologin mail:x:8:12:mail:/var/mail:/sbin/nologin \
                nobody:x:65534:65534:nobody:/:/sbin/nologin >"$d/etc/passwd"
        printf '%s\n' root:x:0:root bin:x:1:root,bin,daemon daemon:x:2:root,bin,daemon \
                sys:x:3:root,bin tty:x:5: wheel:x:10:root mail:x:12:mail users:x:100:games \
                nogroup:x:65533: nobody:x:65534: >"$d/etc/group"
        echo localhost >"$d/etc/hostname"
        printf '127.0.0.1 localhost\n' >"$d/etc/hosts"
        tar -C "$d" --numeric-owner -czf "$ROOTFS_TAR.tmp" . && mv "$ROOTFS_TAR.tmp" "$ROOTFS_TAR"
        rm -rf "$d"
}

# Counts of things a run could leave behind, to compare before and after.
leak_snapshot() {
        grep -cE 'nsbox' /proc/self/mountinfo || true
        pgrep -c -f "^$NSBOX " || true
        find "$NSBOX_CACHE_DIR" -maxdepth 3 -name '*.tmp*' 2>/dev/null | wc -l
}

# Run as the unprivileged user nobody (through setpriv, no PAM, no NSS login).
as_nobody() {
        setpriv --reuid=65534 --regid=65534 --clear-groups --reset-env -- "$@"
}
