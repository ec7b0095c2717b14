#!/usr/bin/env bats
# meson install: the program, the shared library, the headers and the
# pkg-config file; the util-linux names only when asked.
load ../lib

setup_file() {
        export DEST=$(mktemp -d)
        meson install -C "$NSBOX_BUILD" --no-rebuild --quiet --destdir "$DEST" >/dev/null
        export PREFIX=$(meson introspect "$NSBOX_BUILD" --buildoptions |
                python3 -c 'import json,sys; print([o["value"] for o in json.load(sys.stdin) if o["name"]=="prefix"][0])')
}

teardown_file() {
        rm -rf "$DEST"
}

@test "installs nsbox, libnsbox, the headers and nsbox.pc" {
        [ -x "$DEST$PREFIX/bin/nsbox" ]
        ls "$DEST$PREFIX"/lib*/*/libnsbox.so.0* "$DEST$PREFIX"/lib*/libnsbox.so.0* 2>/dev/null | grep -q .
        for h in nsbox common error namespace spec rootfs container; do
                [ -f "$DEST$PREFIX/include/nsbox/$h.h" ]
        done
        find "$DEST$PREFIX" -name nsbox.pc | grep -q .
}

@test "the util-linux names are not installed by default" {
        [ ! -e "$DEST$PREFIX/bin/lsns" ]
        [ ! -e "$DEST$PREFIX/bin/unshare" ]
        [ ! -e "$DEST$PREFIX/bin/nsenter" ]
}

@test "a program builds against the installed header and library via pkg-config and runs" {
        pc=$(dirname "$(find "$DEST$PREFIX" -name nsbox.pc | head -1)")
        libdir=$(dirname "$(find "$DEST$PREFIX" -name 'libnsbox.so' | head -1)")
        cat >"$DEST/prog.c" <<'C'
#include <nsbox/nsbox.h>
#include <stdio.h>
int main(void)
{
        NsboxSpec *s = nsbox_spec_new();
        char *json = NULL;
        if (!s || nsbox_spec_add_default_mounts(s) < 0 || nsbox_spec_to_json(s, &json) < 0)
                return 1;
        printf("%s %s\n", nsbox_version(), nsbox_ns_type_oci_name(NSBOX_NS_NET));
        nsbox_spec_free(s);
        return 0;
}
C
        flags=$(PKG_CONFIG_SYSROOT_DIR="$DEST" PKG_CONFIG_PATH="$pc" pkg-config --cflags --libs nsbox)
        # a library built with sanitizers needs their runtime in the program too
        san=$(meson introspect "$NSBOX_BUILD" --buildoptions |
                python3 -c 'import json,sys; print([o["value"] for o in json.load(sys.stdin) if o["name"]=="b_sanitize"][0])')
        [ "$san" = none ] || flags="$flags -fsanitize=$san"
        cc -Wall -Werror -o "$DEST/prog" "$DEST/prog.c" $flags
        run env LD_LIBRARY_PATH="$libdir" "$DEST/prog"
        [ "$status" -eq 0 ]
        [[ "$output" =~ ^[0-9]+\.[0-9]+\.[0-9]+\ network$ ]]
}

@test "the shared library exports only nsbox_ symbols" {
        so=$(find "$DEST$PREFIX" -name 'libnsbox.so.0.*' | head -1)
        run sh -c "nm -D --defined-only '$so' | awk '\$2 ~ /^[TDBR]\$/ {print \$3}' | grep -v '^nsbox_'"
        [ -z "$output" ]
        nm -D --defined-only "$so" | grep -q ' T nsbox_container_start$'
}

@test "-Dutil-linux-names=true installs lsns, unshare and nsenter as links to nsbox" {
        b=$(mktemp -d)
        meson setup "$b" "$NSBOX_SRC" -Dutil-linux-names=true -Dtests=false >/dev/null
        meson install -C "$b" --quiet --destdir "$b/dest" >/dev/null
        p=$(meson introspect "$b" --buildoptions | python3 -c 'import json,sys; print([o["value"] for o in json.load(sys.stdin) if o["name"]=="prefix"][0])')
        for n in lsns unshare nsenter; do
                [ "$(readlink "$b/dest$p/bin/$n")" = nsbox ]
        done
        rm -rf "$b"
}
