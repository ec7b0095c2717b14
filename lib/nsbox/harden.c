/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The last steps of a container's start that make it a boundary: resource
 * limits and the OOM score (process.rlimits, process.oomScoreAdj), the fds
 * the caller passes on (--preserve-fds), and the seccomp filter.
 *
 * The parent does everything that can fail for a reason a user must hear
 * about (an rlimit above what this machine allows, a profile that does not
 * compile) before the clone; the child only applies.
 */
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#include "basic/fileio.h"
#include "basic/macro.h"
#include "nsbox/internal.h"

static bool have_sys_resource(bool *ret_in_bounding)
{
        *ret_in_bounding = prctl(PR_CAPBSET_READ, CAP_SYS_RESOURCE, 0, 0, 0) == 1;
        struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
        struct __user_cap_data_struct d[2] = {};
        if (syscall(SYS_capget, &h, d) < 0)
                return false;
        return d[CAP_SYS_RESOURCE / 32].effective & (1U << (CAP_SYS_RESOURCE % 32));
}

static const char *why_no_sys_resource(bool in_bounding)
{
        return in_bounding ? "which this process does not hold"
                           : "which is not in this machine's capability bounding set (not even "
                             "--privileged can grant it)";
}

static int check_limits(const NsboxSpec *spec, NsboxError **reterr)
{
        bool in_bounding;
        if (have_sys_resource(&in_bounding))
                return 0;
        for (size_t i = 0; i < spec->process.n_rlimits; i++) {
                const NsboxRlimit *l = &spec->process.rlimits[i];
                struct rlimit cur;
                const char *n = nsbox_rlimit_name(l->type);
                if (getrlimit(l->type, &cur) < 0)
                        return nsbox_error_set(reterr, errno, "rlimit %s", n ? n : "?");
                if (l->hard > cur.rlim_max)
                        return nsbox_error_set_message(
                                reterr, EPERM,
                                "rlimit %s: hard limit %llu is above the current hard limit %llu; raising "
                                "it needs CAP_SYS_RESOURCE, %s",
                                n ? n : "?", (unsigned long long) l->hard, (unsigned long long) cur.rlim_max,
                                why_no_sys_resource(in_bounding));
        }
        if (spec->process.has_oom_score_adj && spec->process.oom_score_adj < 0) {
                _cleanup_free_ char *t = NULL;
                int cur = 0;
                if (read_full_file_at(AT_FDCWD, "/proc/self/oom_score_adj", &t, NULL) == 0)
                        cur = atoi(t);
                if (spec->process.oom_score_adj < cur)
                        return nsbox_error_set_message(
                                reterr, EPERM,
                                "oom_score_adj %d: below the current %d; lowering it needs "
                                "CAP_SYS_RESOURCE, %s",
                                spec->process.oom_score_adj, cur, why_no_sys_resource(in_bounding));
        }
        return 0;
}

int nsbox_harden_prepare(const NsboxSpec *spec, NsboxHardening *h, NsboxError **reterr)
{
        *h = (NsboxHardening){ 0 };
        int r = check_limits(spec, reterr);
        if (r < 0)
                return r;
        if (spec->linux_cfg.seccomp) {
                _cleanup_free_ char *cache = NULL;
                (void) nsbox_cache_dir(&cache);
                r = nsbox_seccomp_compile(spec->linux_cfg.seccomp, cache, &h->seccomp_insns, &h->seccomp_n,
                                          NULL, reterr);
                if (r < 0)
                        return r;
                h->seccomp_flags = nsbox_seccomp_flags(spec->linux_cfg.seccomp);
        }
        return 0;
}

void nsbox_harden_done(NsboxHardening *h)
{
        free(h->seccomp_insns);
        *h = (NsboxHardening){ 0 };
}

int nsbox_harden_limits(const NsboxSpec *spec, NsboxError **reterr)
{
        for (size_t i = 0; i < spec->process.n_rlimits; i++) {
                const NsboxRlimit *l = &spec->process.rlimits[i];
                struct rlimit rl = { .rlim_cur = l->soft, .rlim_max = l->hard };
                if (setrlimit(l->type, &rl) < 0) {
                        const char *n = nsbox_rlimit_name(l->type);
                        return nsbox_error_set(reterr, errno, "set rlimit %s", n ? n : "?");
                }
        }
        if (spec->process.has_oom_score_adj) {
                char v[16];
                snprintf(v, sizeof(v), "%d", spec->process.oom_score_adj);
                int r = write_string_file_at(AT_FDCWD, "/proc/self/oom_score_adj", v);
                if (r < 0)
                        return nsbox_error_set(reterr, r, "set oom_score_adj %s", v);
        }
        return 0;
}

int nsbox_harden_preserve_fds(unsigned n, NsboxError **reterr)
{
        for (unsigned fd = 3; fd < 3 + n; fd++) {
                int f = fcntl((int) fd, F_GETFD);
                if (f < 0)
                        return nsbox_error_set(reterr, errno, "preserve fd %u", fd);
                if (fcntl((int) fd, F_SETFD, f & ~FD_CLOEXEC) < 0)
                        return nsbox_error_set(reterr, errno, "preserve fd %u", fd);
        }
        return 0;
}

int nsbox_harden_seccomp_load(const NsboxHardening *h, NsboxError **reterr)
{
        if (!h->seccomp_insns)
                return 0;
        struct sock_fprog prog = { .len = (unsigned short) h->seccomp_n, .filter = h->seccomp_insns };
        if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, (unsigned) h->seccomp_flags, &prog) < 0)
                return nsbox_error_set(reterr, errno, "load the seccomp filter");
        return 0;
}
