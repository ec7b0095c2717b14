#!/usr/bin/env bats
# SIGKILL during an archive extraction leaves a stale "<sha>.tmp-*" directory
# in the rootfs cache, never a complete-looking entry; the next extraction (or
# the cache gc) removes it. Drives nsbox_rootfs_from_archive() through the
# test helper nsbox-test-extract, so it does not depend on `nsbox run`.
load ../lib

setup_file() {
        [ -x "${NSBOX_TEST_EXTRACT:-}" ] || return 0
        export WORK=$(mktemp -d "${NSBOX_BUILD:-/tmp}/archive-kill.XXXXXX")
        # 200 MB of incompressible files: extraction takes long enough to be
        # killed midway. zstd -1 packs them in about a second, gzip -1 in ten.
        mkdir "$WORK/src"
        local i
        for i in $(seq 50); do head -c 4M /dev/urandom >"$WORK/src/f$i"; done
        (cd "$WORK/src" && sha256sum f* >"$WORK/sums")
        if command -v zstd >/dev/null; then
                tar -C "$WORK/src" -cf - . | zstd -1 -q >"$WORK/big.tar.zst"
                export BIG="$WORK/big.tar.zst"
        else
                tar -C "$WORK/src" -cf - . | gzip -1 >"$WORK/big.tar.gz"
                export BIG="$WORK/big.tar.gz"
        fi
        rm -rf "$WORK/src"
        export KEY=$(sha256sum "$BIG" | cut -d' ' -f1)
}

teardown_file() {
        [ -n "${WORK:-}" ] && rm -rf "$WORK"
        return 0
}

setup() {
        [ -x "${NSBOX_TEST_EXTRACT:-}" ] || skip "NSBOX_TEST_EXTRACT is not set (run through meson test)"
        CACHE="$WORK/cache-$BATS_TEST_NUMBER"
}

teardown() {
        [ -n "${CACHE:-}" ] && rm -rf "$CACHE"
        return 0
}

# Starts an extraction, waits until it has written some files, SIGKILLs it.
kill_midway() {
        "$NSBOX_TEST_EXTRACT" "$BIG" "$CACHE" >/dev/null &
        local pid=$! i
        for i in $(seq 1000); do
                compgen -G "$CACHE/rootfs/$KEY.tmp-*/rootfs/f*" >/dev/null && break
                sleep 0.01
        done
        kill -KILL $pid
        local status=0
        wait $pid || status=$?
        # killed, not finished: otherwise this test proves nothing
        [ "$status" -eq 137 ]
        STALE=$(compgen -G "$CACHE/rootfs/$KEY.tmp-*")
        [ -n "$STALE" ]
        [ -d "$STALE/rootfs" ]
        # and nothing that looks complete
        [ ! -e "$CACHE/rootfs/$KEY" ]
}

@test "SIGKILL midway: a stale tmp, no entry; the next call removes it and extracts" {
        kill_midway
        run "$NSBOX_TEST_EXTRACT" "$BIG" "$CACHE"
        [ "$status" -eq 0 ]
        [ "$output" = "$CACHE/rootfs/$KEY/rootfs" ]
        [ ! -e "$STALE" ]
        [ -z "$(compgen -G "$CACHE/rootfs/*.tmp-*")" ]
        (cd "$output" && sha256sum --quiet -c "$WORK/sums")
        # the helper is a real user of the library: a second call reuses it
        run "$NSBOX_TEST_EXTRACT" "$BIG" "$CACHE"
        [ "$status" -eq 0 ]
        [ "$output" = "$CACHE/rootfs/$KEY/rootfs" ]
}

@test "SIGKILL midway: the cache gc removes the stale tmp once its lock is free" {
        kill_midway
        # someone holding the key's lock (a live extraction) keeps it
        run flock -n "$CACHE/rootfs/$KEY.lock" "$NSBOX_TEST_EXTRACT" --gc "$CACHE"
        [ "$status" -eq 0 ]
        [ "$output" = 0 ]
        [ -d "$STALE" ]
        exec {lockfd}<"$CACHE/rootfs/$KEY.lock"
        flock -x "$lockfd"
        run "$NSBOX_TEST_EXTRACT" --gc "$CACHE"
        exec {lockfd}<&-
        [ "$status" -eq 0 ]
        [ "$output" = 0 ]
        [ -d "$STALE" ]
        run "$NSBOX_TEST_EXTRACT" --gc "$CACHE"
        [ "$status" -eq 0 ]
        [ "$output" = 1 ]
        [ ! -e "$STALE" ]
        [ -z "$(ls -A "$CACHE/rootfs" | grep -v '\.lock$')" ]
}

@test "errors: one line naming the problem, nothing left in the cache" {
        printf 'hello\n' >"$WORK/text"
        run "$NSBOX_TEST_EXTRACT" "$WORK/text" "$CACHE"
        [ "$status" -eq 1 ]
        [ "$output" = "nsbox-test-extract: rootfs '$WORK/text': not a tar archive" ]
        run "$NSBOX_TEST_EXTRACT" "$WORK/missing" "$CACHE"
        [ "$status" -eq 1 ]
        [ "$output" = "nsbox-test-extract: rootfs '$WORK/missing': No such file or directory" ]
        # lock files stay (removing one would race with a waiter); nothing else
        [ -z "$(ls -A "$CACHE/rootfs" | grep -v '\.lock$')" ]
}
