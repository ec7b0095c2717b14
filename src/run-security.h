/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/* nsbox run's security options: capabilities, no_new_privs, seccomp,
 * --privileged, rlimits, oom_score_adj, --preserve-fds. Kept apart from
 * run.c so that the rest of run's options and this list can change
 * independently. */

#include <getopt.h>

#include "common.h"

typedef struct RunSecurity {
        uint64_t cap_add, cap_drop; /* the named ones, as masks */
        bool cap_add_all, cap_drop_all;
        bool privileged;
        int no_new_privs;    /* -1: the default (on) */
        const char *seccomp; /* NULL: the default profile; "unconfined"; or a file */
        NsboxRlimit *rlimits;
        size_t n_rlimits;
        bool has_oom_score_adj;
        int oom_score_adj;
        unsigned preserve_fds;
} RunSecurity;

enum {
        OPT_SEC_CAP_ADD = 0x200,
        OPT_SEC_CAP_DROP,
        OPT_SEC_PRIVILEGED,
        OPT_SEC_SECURITY_OPT,
        OPT_SEC_SECCOMP,
        OPT_SEC_ULIMIT,
        OPT_SEC_OOM_SCORE_ADJ,
        OPT_SEC_PRESERVE_FDS,
        _OPT_SEC_LAST = OPT_SEC_PRESERVE_FDS,
};

#define RUN_SECURITY_LONGOPTS                                                        \
        { "cap-add", required_argument, NULL, OPT_SEC_CAP_ADD },                     \
                { "cap-drop", required_argument, NULL, OPT_SEC_CAP_DROP },           \
                { "privileged", no_argument, NULL, OPT_SEC_PRIVILEGED },             \
                { "security-opt", required_argument, NULL, OPT_SEC_SECURITY_OPT },   \
                { "seccomp", required_argument, NULL, OPT_SEC_SECCOMP },             \
                { "ulimit", required_argument, NULL, OPT_SEC_ULIMIT },               \
                { "oom-score-adj", required_argument, NULL, OPT_SEC_OOM_SCORE_ADJ }, \
        {                                                                            \
                "preserve-fds", required_argument, NULL, OPT_SEC_PRESERVE_FDS        \
        }

#define RUN_SECURITY_USAGE                                                                        \
        "     --cap-add <caps>     add capabilities, comma-separated (CAP_NET_ADMIN, NET_ADMIN\n" \
        "                            or ALL); --cap-drop wins over --cap-add for a name, and\n"   \
        "                            --cap-add ALL with --cap-drop ALL is refused\n"              \
        "     --cap-drop <caps>    drop capabilities, comma-separated (or ALL)\n"                 \
        "     --privileged         every capability nsbox holds but those --cap-drop names, no\n" \
        "                            seccomp filter unless --seccomp FILE, no masked or\n"        \
        "                            read-only paths, /sys writable\n"                            \
        "     --security-opt <opt>  no-new-privileges[=true|false], seccomp=<unconfined|file>\n"  \
        "     --seccomp <unconfined|file>  no filter, or a profile in the OCI or moby JSON\n"     \
        "                            format (default: the container engines' default profile)\n"  \
        "     --ulimit <name>=<soft>[:<hard>]  a resource limit, e.g. nofile=1024:1024\n"         \
        "     --oom-score-adj <n>  the container's oom_score_adj (-1000 to 1000)\n"               \
        "     --preserve-fds <n>   pass fds 3 to 3+n-1 on to the container\n"

/* One of the OPT_SEC_* options; prints its own error. Returns 0 or -EINVAL. */
int run_security_option(RunSecurity *s, int opt, const char *arg);

/* Applies the options to a spec built with the defaults (engine capability
 * set, no_new_privs, masked paths); prints its own error. Returns 0 or <0. */
int run_security_apply(const RunSecurity *s, NsboxSpec *spec);

void run_security_done(RunSecurity *s);
static inline void run_security_donep(RunSecurity **s)
{
        run_security_done(*s);
}
