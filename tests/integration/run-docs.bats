#!/usr/bin/env bats
# The man pages and the bash completion of nsbox run: built, installed, and
# in step with the options the command really has.
load ../lib

setup_file() {
        export MAN_RUN="$NSBOX_BUILD/man/nsbox-run.1" MAN_NSBOX="$NSBOX_BUILD/man/nsbox.1"
        export COMPLETION="$NSBOX_SRC/completions/nsbox"
}

# the long options of `nsbox run --help`
help_options() {
        "$NSBOX" run --help | grep -oE -- '--[a-z][a-z-]*' | sort -u
}

@test "nsbox(1) and nsbox-run(1) are built and render" {
        [ -s "$MAN_RUN" ] && [ -s "$MAN_NSBOX" ]
        run env MANWIDTH=80 man -l "$MAN_RUN"
        [ "$status" -eq 0 ]
        [[ "$output" == *"nsbox-run - run a command in a new container"* ]]
        run env MANWIDTH=80 man -l "$MAN_NSBOX"
        [[ "$output" == *"nsbox - Linux namespaces and containers"* ]]
}

@test "nsbox-run(1) documents every option of nsbox run --help" {
        page=$(MANWIDTH=200 man -l "$MAN_RUN" 2>/dev/null)
        missing=""
        for o in $(help_options); do
                grep -qe "$o" <<<"$page" || missing="$missing $o"
        done
        echo "missing:$missing"
        [ -z "$missing" ]
}

@test "meson installs the man pages and the completion" {
        d=$(mktemp -d)
        meson install -C "$NSBOX_BUILD" --destdir "$d" --no-rebuild >/dev/null 2>&1
        find "$d" -name nsbox-run.1 | grep -q man1/
        find "$d" -name nsbox.1 | grep -q man1/
        find "$d" -path '*bash-completion/completions/nsbox' | grep -q .
        rm -rf "$d"
}

# complete WORDS...: what the completion offers for the last word
complete_words() {
        bash -c '
                source /usr/share/bash-completion/bash_completion
                source "$1"; shift
                COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
                COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
                _nsbox nsbox "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
                printf "%s\n" "${COMPREPLY[@]}" | sort' _ "$COMPLETION" "$@"
}

@test "completion: the commands, and every long option of nsbox run" {
        [ -r /usr/share/bash-completion/bash_completion ] || skip "bash-completion is not installed"
        run complete_words nsbox r
        [ "$output" = run ]
        run complete_words nsbox run --
        missing=""
        for o in $(help_options); do
                grep -qxe "$o" <<<"$output" || missing="$missing $o"
        done
        echo "missing:$missing"
        [ -z "$missing" ]
        run complete_words nsbox run --net ""
        [ "$output" = "$(printf 'host\nnone')" ]
}

@test "completion: --user and --group-add offer the rootfs's users and groups, not the host's" {
        [ -r /usr/share/bash-completion/bash_completion ] || skip "bash-completion is not installed"
        d=$(mktemp -d)
        mkdir "$d/etc"
        printf 'root:x:0:0::/root:/bin/sh\nzed:x:1000:1000::/home/zed:/bin/sh\n' >"$d/etc/passwd"
        printf 'root:x:0:\nzgroup:x:1000:zed\n' >"$d/etc/group"
        run complete_words nsbox run --rootfs "$d" --user z
        [ "$output" = zed ]
        run complete_words nsbox run --rootfs "$d" --user zed:z
        # the part after ':' only: ':' breaks words for readline
        [ "$output" = zgroup ]
        run complete_words nsbox run --rootfs "$d" --group-add ""
        [ "$output" = "$(printf 'root\nzgroup')" ]
        rm -rf "$d"
}

@test "nsbox-lsns(8) is built, renders, and documents every option of nsbox lsns --help and every column" {
        local page o col missing=""
        [ -s "$NSBOX_BUILD/man/nsbox-lsns.8" ]
        page=$(MANWIDTH=200 man -l "$NSBOX_BUILD/man/nsbox-lsns.8" 2>/dev/null)
        [[ "$page" == *"nsbox-lsns - list namespaces"* ]]
        for o in $("$NSBOX" lsns --help | grep -oE -- '--[a-z][a-z-]*' | sort -u); do
                grep -qe "$o" <<<"$page" || missing="$missing $o"
        done
        for col in $("$NSBOX" lsns -H -r | cut -d' ' -f1); do
                grep -qw -e "$col" <<<"$page" || missing="$missing $col"
        done
        echo "missing:$missing"
        [ -z "$missing" ]
}

@test "meson installs nsbox-lsns(8), and lsns(8) as a link to it with -Dutil-linux-names=true" {
        local d b
        d=$(mktemp -d)
        meson install -C "$NSBOX_BUILD" --destdir "$d" --no-rebuild >/dev/null 2>&1
        find "$d" -path '*man8/nsbox-lsns.8' | grep -q .
        rm -rf "$d"
        # configured with the option (not built: meson says what it would install)
        b=$(mktemp -d)
        meson setup "$b" "$NSBOX_SRC" -Dutil-linux-names=true -Dtests=false >/dev/null
        run meson introspect "$b" --installed
        rm -rf "$b"
        [[ "$output" == *'/man/lsns.8": "'*'/man8/lsns.8"'* ]]
        [ "$(cat "$NSBOX_SRC/man/lsns.8")" = ".so man8/nsbox-lsns.8" ]
}

@test "completion: every option and column of nsbox lsns" {
        [ -r /usr/share/bash-completion/bash_completion ] || skip "bash-completion is not installed"
        local o col missing=""
        run complete_words nsbox l
        [ "$output" = lsns ]
        run complete_words nsbox lsns --
        for o in $("$NSBOX" lsns --help | grep -oE -- '--[a-z][a-z-]*' | sort -u); do
                printf '%s\n' "${lines[@]}" | grep -qx -e "$o" || missing="$missing $o"
        done
        run complete_words nsbox lsns -o ''
        for col in $("$NSBOX" lsns -H -r | cut -d' ' -f1); do
                printf '%s\n' "${lines[@]}" | grep -qx "$col" || missing="$missing $col"
        done
        echo "missing:$missing"
        [ -z "$missing" ]
        # a list goes on after a comma, without the columns already in it, and keeps its "+"
        run complete_words nsbox lsns -o +NS,TYPE,C
        [ "$output" = "$(printf '+NS,TYPE,CGROUP\n+NS,TYPE,COMMAND\n+NS,TYPE,CONTAINER')" ]
        run complete_words nsbox lsns -t u
        [ "$output" = "$(printf 'user\nuts')" ]
        run complete_words nsbox lsns --tree=p
        [ "$output" = "$(printf -- '--tree=parent\n--tree=process')" ]
}
