/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * nsbox run's user namespace: --userns, --uidmap, --gidmap, and the default
 * for a user who is not root (rootless): a new user namespace in which the
 * user is root, with the user's subordinate ranges of /etc/subuid and
 * /etc/subgid mapped through newuidmap/newgidmap, or only the user's own ids
 * (and setgroups denied) without them.
 */

#include <getopt.h>
#include <stdbool.h>

#include "nsbox/nsbox.h"

enum {
        OPT_USERNS_USERNS = 0x400,
        OPT_USERNS_UIDMAP,
        OPT_USERNS_GIDMAP,
        _OPT_USERNS_LAST = OPT_USERNS_GIDMAP,
};

/* clang-format off */
#define RUN_USERNS_LONGOPTS \
        { "userns", required_argument, NULL, OPT_USERNS_USERNS }, \
        { "uidmap", required_argument, NULL, OPT_USERNS_UIDMAP }, \
        { "gidmap", required_argument, NULL, OPT_USERNS_GIDMAP }
/* clang-format on */

#define RUN_USERNS_USAGE                                                                  \
        "     --userns <mode>      auto: a user namespace for users who are not root\n"   \
        "                            (default); keep-id: also map the user to itself\n"   \
        "                            and run as the user; host: none (root only)\n"       \
        "     --uidmap <in:host:count>  map container uids from host uids (repeatable)\n" \
        "     --gidmap <in:host:count>  map container gids from host gids (repeatable)\n"

typedef enum RunUsernsMode {
        RUN_USERNS_AUTO,
        RUN_USERNS_KEEP_ID,
        RUN_USERNS_HOST,
} RunUsernsMode;

typedef struct RunUserns {
        RunUsernsMode mode;
        bool mode_set;
        NsboxIdMapRange *uidmap, *gidmap; /* from --uidmap, --gidmap */
        size_t n_uidmap, n_gidmap;

        /* from run_userns_prepare() */
        bool enabled; /* the container gets a user namespace */
        NsboxIdMapRange *uid, *gid;
        size_t n_uid, n_gid;
} RunUserns;

/* One of the options above; logs and returns -EINVAL for a bad value. */
int run_userns_option(RunUserns *u, int opt, const char *arg);

/* Decide the maps, before anything else is done: checks --uidmap/--gidmap
 * against the user's own and subordinate ids, and that newuidmap/newgidmap
 * exist where they are needed. Logs and returns < 0 on error. */
int run_userns_prepare(RunUserns *u);

/* A rootfs directory the container cannot read: one line, -EACCES. */
int run_userns_check_rootfs_dir(const RunUserns *u, const char *path);

/* Put the user namespace and its maps into the spec. user_given: -u/--user
 * chose the process's user (else keep-id runs as the caller's ids). */
/* The process's uid, gid and supplementary groups must exist in the user
 * namespace, and --group-add needs setgroups(2) allowed there: one line and
 * -EINVAL otherwise. */
int run_userns_check_user(const RunUserns *u, const NsboxUser *user, size_t n_group_add);
int run_userns_apply(const RunUserns *u, bool user_given, NsboxSpec *spec);

void run_userns_done(RunUserns *u);
static inline void run_userns_donep(RunUserns **u)
{
        if (*u)
                run_userns_done(*u);
}

/* For a user who is not root whose container would get a cgroup (limits,
 * --stats): limits need root or a delegated cgroup v2 subtree. Without one:
 * an error, or with best_effort a warning and no cgroup. Logs; < 0 on error. */
int run_userns_cgroup(NsboxSpec *spec, bool best_effort);
