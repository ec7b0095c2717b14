/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <sys/prctl.h>
#include <sys/capability.h>
#include <sys/resource.h>

#include "basic/fileio.h"
#include "basic/parse.h"
#include "run-security.h"

/* a decimal integer, optionally signed, nothing else */
static int parse_int64(const char *s, int64_t *ret)
{
        char *end;
        if (!*s || strchr(" \t+", *s))
                return -EINVAL;
        errno = 0;
        long long v = strtoll(s, &end, 10);
        if (errno || *end)
                return -EINVAL;
        *ret = v;
        return 0;
}

/* --cap-add/--cap-drop: NAME[,NAME...], each a capability or ALL (podman's
 * comma-separated list); any unknown or empty name refuses the whole option */
static int parse_caps(const char *opt, const char *arg, uint64_t *mask, bool *all)
{
        uint64_t m = 0;
        bool a = false;
        for (const char *p = arg;; p++) {
                size_t n = strcspn(p, ",");
                char name[64];
                int c;
                if (n == 0 || n >= sizeof(name)) {
                        log_error("%s '%s': expected capability names separated by commas", opt, arg);
                        return -EINVAL;
                }
                memcpy(name, p, n);
                name[n] = 0;
                if (strcasecmp(name, "ALL") == 0)
                        a = true;
                else if (nsbox_cap_from_name(name, &c) == 0)
                        m |= UINT64_C(1) << c;
                else {
                        if (n == strlen(arg))
                                log_error(
                                        "%s '%s': unknown capability (see capabilities(7); CAP_ may be left "
                                        "out)",
                                        opt, arg);
                        else
                                log_error(
                                        "%s '%s': unknown capability '%s' (see capabilities(7); CAP_ may be "
                                        "left out)",
                                        opt, arg, name);
                        return -EINVAL;
                }
                p += n;
                if (!*p)
                        break;
        }
        *mask |= m;
        *all = *all || a;
        return 0;
}

/* docker's --ulimit: NAME=SOFT[:HARD], "unlimited" or -1 for no limit */
static int parse_limit_value(const char *s, uint64_t *ret)
{
        if (streq(s, "unlimited") || streq(s, "-1")) {
                *ret = RLIM_INFINITY;
                return 0;
        }
        int64_t v;
        if (parse_int64(s, &v) < 0 || v < 0)
                return -EINVAL;
        *ret = (uint64_t) v;
        return 0;
}

static int parse_ulimit(RunSecurity *s, const char *arg)
{
        _cleanup_free_ char *c = strdup(arg);
        if (!c)
                return -ENOMEM;
        char *eq = strchr(c, '='), *colon;
        int type;
        NsboxRlimit l;
        if (!eq)
                goto bad;
        *eq++ = 0;
        type = nsbox_rlimit_from_name(c);
        if (type < 0) {
                log_error("ulimit '%s': unknown limit '%s' (nofile, nproc, core, memlock, stack, ...)", arg,
                          c);
                return -EINVAL;
        }
        colon = strchr(eq, ':');
        if (colon)
                *colon++ = 0;
        l.type = type;
        if (parse_limit_value(eq, &l.soft) < 0 || (colon && parse_limit_value(colon, &l.hard) < 0))
                goto bad;
        if (!colon)
                l.hard = l.soft;
        if (l.soft > l.hard) {
                log_error("ulimit '%s': the soft limit is above the hard limit", arg);
                return -EINVAL;
        }
        NsboxRlimit *x = realloc(s->rlimits, (s->n_rlimits + 1) * sizeof(*x));
        if (!x)
                return -ENOMEM;
        s->rlimits = x;
        /* a later --ulimit of the same name wins */
        for (size_t i = 0; i < s->n_rlimits; i++)
                if (x[i].type == type) {
                        x[i] = l;
                        return 0;
                }
        x[s->n_rlimits++] = l;
        return 0;
bad:
        log_error("ulimit '%s': expected NAME=SOFT[:HARD], e.g. nofile=1024:2048", arg);
        return -EINVAL;
}

int run_security_option(RunSecurity *s, int opt, const char *arg)
{
        int64_t v;
        uint32_t u;
        switch (opt) {
        case OPT_SEC_CAP_ADD:
                return parse_caps("cap-add", arg, &s->cap_add, &s->cap_add_all);
        case OPT_SEC_CAP_DROP:
                return parse_caps("cap-drop", arg, &s->cap_drop, &s->cap_drop_all);
        case OPT_SEC_PRIVILEGED:
                s->privileged = true;
                return 0;
        case OPT_SEC_SECURITY_OPT: {
                const char *val;
                if (streq(arg, "no-new-privileges")) {
                        s->no_new_privs = 1;
                        return 0;
                }
                if ((val = startswith(arg, "no-new-privileges=")) ||
                    (val = startswith(arg, "no-new-privileges:"))) {
                        if (streq(val, "true"))
                                s->no_new_privs = 1;
                        else if (streq(val, "false"))
                                s->no_new_privs = 0;
                        else {
                                log_error("security-opt '%s': expected true or false", arg);
                                return -EINVAL;
                        }
                        return 0;
                }
                if ((val = startswith(arg, "seccomp=")) || (val = startswith(arg, "seccomp:")))
                        return run_security_option(s, OPT_SEC_SECCOMP, val);
                log_error("security-opt '%s': unknown (known: no-new-privileges[=true|false], "
                          "seccomp=unconfined|FILE)",
                          arg);
                return -EINVAL;
        }
        case OPT_SEC_SECCOMP:
                if (!*arg) {
                        log_error("seccomp: expected unconfined or a profile file");
                        return -EINVAL;
                }
                s->seccomp = arg;
                return 0;
        case OPT_SEC_ULIMIT:
                return parse_ulimit(s, arg);
        case OPT_SEC_OOM_SCORE_ADJ:
                if (parse_int64(arg, &v) < 0 || v < -1000 || v > 1000) {
                        log_error("oom-score-adj '%s': expected a number from -1000 to 1000", arg);
                        return -EINVAL;
                }
                s->has_oom_score_adj = true;
                s->oom_score_adj = (int) v;
                return 0;
        case OPT_SEC_PRESERVE_FDS:
                if (parse_uint32(arg, &u) < 0 || u > 65536) {
                        log_error("preserve-fds '%s': expected a number of fds", arg);
                        return -EINVAL;
                }
                /* they must be the caller's: checked before nsbox opens anything */
                for (uint32_t fd = 3; fd < 3 + u; fd++)
                        if (fcntl((int) fd, F_GETFD) < 0) {
                                log_error("preserve-fds %u: fd %u is not open", u, fd);
                                return -EINVAL;
                        }
                s->preserve_fds = u;
                return 0;
        default:
                return -EINVAL;
        }
}

static uint64_t held_bounding_set(void)
{
        uint64_t m = 0;
        for (int c = 0; c < 64; c++)
                if (prctl(PR_CAPBSET_READ, c, 0, 0, 0) == 1)
                        m |= UINT64_C(1) << c;
        return m;
}

int run_security_apply(const RunSecurity *s, NsboxSpec *spec)
{
        uint64_t all = held_bounding_set();
        uint64_t caps = spec->process.cap_bounding;

        /* ALL in --cap-add (or --privileged) starts from everything, ALL in
         * --cap-drop from nothing (both at once is refused, as podman does);
         * then the named --cap-add, then the named --cap-drop, which win */
        if (s->cap_add_all && s->cap_drop_all) {
                log_error("cap-add ALL and cap-drop ALL contradict each other");
                return -EINVAL;
        }
        if (s->privileged || s->cap_add_all)
                caps = all;
        if (s->cap_drop_all)
                caps = 0;
        caps |= s->cap_add & all;
        caps &= ~s->cap_drop;
        if (!s->privileged && (s->cap_add & ~all)) {
                log_error("cap-add: CAP_SYS_RESOURCE (or another capability asked for) is not in this "
                          "machine's capability bounding set, so no container can be given it");
                return -EPERM;
        }
        bool root = spec->process.cap_effective != 0 || spec->process.uid == 0;
        spec->process.cap_bounding = caps;
        spec->process.cap_permitted = spec->process.cap_effective = root ? caps : 0;
        spec->process.cap_inheritable = spec->process.cap_ambient = 0;

        if (s->no_new_privs >= 0)
                spec->process.no_new_privileges = s->no_new_privs;

        if (s->privileged) {
                /* what is in effect, not what --privileged alone would give */
                const char *what = caps == 0         ? "no capability"
                                   : caps == all     ? "every capability this machine allows"
                                   : s->cap_drop_all ? "only the capabilities --cap-add names"
                                                     : "every capability this machine allows but those "
                                                       "--cap-drop names";
                /* the ones this machine keeps from everyone, e.g. CAP_SYS_RESOURCE */
                char names[512] = "", missing[600] = "";
                unsigned n_missing = 0;
                for (int c = 0; c < 64; c++) {
                        if (prctl(PR_CAPBSET_READ, c, 0, 0, 0) != 0)
                                continue;
                        char *nm = cap_to_name((cap_value_t) c);
                        size_t l = strlen(names);
                        snprintf(names + l, sizeof(names) - l, "%s%s", l ? ", " : "", nm ? nm : "?");
                        cap_free(nm);
                        n_missing++;
                }
                for (char *p = names; *p; p++)
                        if (*p >= 'a' && *p <= 'z')
                                *p = (char) (*p - 32);
                if (n_missing && caps != 0 && !s->cap_drop_all)
                        snprintf(missing, sizeof(missing), " (not %s, which %s outside its bounding set)",
                                 names, n_missing == 1 ? "is" : "are");
                fprintf(stderr,
                        "nsbox run: --privileged: the container gets %s%s, %s, no masked or read-only paths, "
                        "and a writable /sys\n",
                        what, missing,
                        s->seccomp && !streq(s->seccomp, "unconfined") ? "the --seccomp profile"
                                                                       : "no seccomp filter");
                strv_free(spec->linux_cfg.masked_paths);
                strv_free(spec->linux_cfg.readonly_paths);
                spec->linux_cfg.masked_paths = spec->linux_cfg.readonly_paths = NULL;
                for (size_t i = 0; i < spec->n_mounts; i++)
                        if (streq(spec->mounts[i].destination, "/sys"))
                                for (char **o = spec->mounts[i].options; o && *o; o++)
                                        if (streq(*o, "ro"))
                                                memcpy(*o, "rw", 2);
        }

        if (s->n_rlimits) {
                spec->process.rlimits = calloc(s->n_rlimits, sizeof(NsboxRlimit));
                if (!spec->process.rlimits)
                        return -ENOMEM;
                memcpy(spec->process.rlimits, s->rlimits, s->n_rlimits * sizeof(NsboxRlimit));
                spec->process.n_rlimits = s->n_rlimits;
        }
        spec->process.has_oom_score_adj = s->has_oom_score_adj;
        spec->process.oom_score_adj = s->oom_score_adj;
        spec->ext.preserve_fds = s->preserve_fds;

        int r;
        if ((s->seccomp && streq(s->seccomp, "unconfined")) || (s->privileged && !s->seccomp))
                return 0;
        if (!s->seccomp) {
                r = nsbox_seccomp_default(caps, &spec->linux_cfg.seccomp);
                if (r < 0)
                        log_error("%s", strerror(-r));
                return r;
        }
        _cleanup_free_ char *text = NULL;
        r = read_full_file_at(AT_FDCWD, s->seccomp, &text, NULL);
        if (r < 0) {
                char why[64];
                log_error("seccomp profile '%s': %s", s->seccomp,
                          read_file_strerror(r, READ_FULL_FILE_MAX, why, sizeof(why)));
                return r;
        }
        NsboxError *err = NULL;
        r = nsbox_seccomp_from_json(text, caps, &spec->linux_cfg.seccomp, &err);
        if (r < 0) {
                nsbox_error_wrap(&err, r, "seccomp profile '%s'", s->seccomp);
                log_nsbox_error(err, r);
                nsbox_error_free(err);
        }
        return r;
}

void run_security_done(RunSecurity *s)
{
        free(s->rlimits);
}
