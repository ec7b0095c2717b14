#!/usr/bin/env bats
# The README's first command, exactly as written there, and its output.
load ../lib

@test "README's first command: builds and runs the main job, showing the container's hostname and only its processes" {
        cmd=$(awk '/^```sh$/ { getline; print; exit }' "$NSBOX_SRC/README.md")
        echo "command: $cmd"
        [[ "$cmd" == tools/setup.sh* ]]
        cd "$NSBOX_SRC"
        run --separate-stderr bash -c "$cmd"
        echo "$output"
        [ "$status" -eq 0 ]
        # the output ends with the container's hostname and its process list
        n=${#lines[@]}
        [[ "${lines[n-4]}" =~ ^nsbox-[0-9a-f]{6}$ ]]
        [[ "${lines[n-3]}" =~ PID.*CMD ]]
        [[ "${lines[n-2]}" =~ ^\ +1\ .*\ sh$ ]]
        [[ "${lines[n-1]}" =~ \ ps$ ]]
        [ "${lines[n-4]}" != "$(hostname)" ]
}

@test "README's test command is the one CI runs" {
        cmd=$(awk '/^```sh$/ { n++; getline; if (n == 2) { print; exit } }' "$NSBOX_SRC/README.md")
        [ "$cmd" = tools/test.sh ]
        grep -q 'tools/test.sh' "$NSBOX_SRC/.ci/run"
}
