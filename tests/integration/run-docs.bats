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
