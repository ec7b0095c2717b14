/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nsbox run: the user namespace (see run-userns.h). As podman does, a user
 * who is not root is root inside a user namespace of its own; with
 * subordinate ids they follow as container ids 1, 2, ... (podman's and
 * rootless docker's layout), so an image with many owners keeps them apart.
 */
#include <inttypes.h>
#include <pwd.h>
#include <sys/stat.h>

#include "basic/parse.h"
#include "common.h"
#include "run-userns.h"

#define MAX_LINES 340

/* INNER:OUTER:COUNT, the order of /proc/PID/uid_map and podman's --uidmap */
static int parse_map(const char *what, const char *arg, NsboxIdMapRange *ret)
{
        _cleanup_free_ char *s = strdup(arg);
        if (!s)
                return -ENOMEM;
        char *a = s, *b = strchr(a, ':'), *c = b ? strchr(b + 1, ':') : NULL;
        if (b)
                *b++ = '\0';
        if (c)
                *c++ = '\0';
        if (!b || !c || parse_uint32(a, &ret->inner) < 0 || parse_uint32(b, &ret->outer) < 0 ||
            parse_uint32(c, &ret->count) < 0 || ret->count == 0) {
                log_error("%s '%s': expected CONTAINER_ID:HOST_ID:COUNT, numbers, COUNT at least 1", what,
                          arg);
                return -EINVAL;
        }
        return 0;
}

static int push_range(NsboxIdMapRange **v, size_t *n, NsboxIdMapRange r)
{
        if (*n >= MAX_LINES) {
                log_error("id maps: more than %d ranges", MAX_LINES);
                return -E2BIG;
        }
        NsboxIdMapRange *x = reallocarray(*v, *n + 1, sizeof(**v));
        if (!x)
                return -ENOMEM;
        *v = x;
        x[(*n)++] = r;
        return 0;
}

int run_userns_option(RunUserns *u, int opt, const char *arg)
{
        NsboxIdMapRange r;
        switch (opt) {
        case OPT_USERNS_USERNS:
                if (streq(arg, "auto"))
                        u->mode = RUN_USERNS_AUTO;
                else if (streq(arg, "keep-id"))
                        u->mode = RUN_USERNS_KEEP_ID;
                else if (streq(arg, "host"))
                        u->mode = RUN_USERNS_HOST;
                else {
                        log_error("userns '%s': expected auto, keep-id or host", arg);
                        return -EINVAL;
                }
                u->mode_set = true;
                return 0;
        case OPT_USERNS_UIDMAP:
        case OPT_USERNS_GIDMAP: {
                bool uid = opt == OPT_USERNS_UIDMAP;
                if (parse_map(uid ? "uidmap" : "gidmap", arg, &r) < 0)
                        return -EINVAL;
                return push_range(uid ? &u->uidmap : &u->gidmap, uid ? &u->n_uidmap : &u->n_gidmap, r) < 0
                               ? -EINVAL
                               : 0;
        }
        }
        return -EINVAL;
}

/*
 * The caller's own id at container id SELF_INNER, then the subordinate pool
 * in order at container ids 0, 1, 2, ... leaving out SELF_INNER (and, with
 * auto, starting at 1 since SELF_INNER is 0).
 */
static int layout(uint32_t self, uint32_t self_inner, const NsboxIdMapRange *pool, size_t n_pool,
                  NsboxIdMapRange **ret, size_t *ret_n)
{
        NsboxIdMapRange *v = NULL;
        size_t n = 0;
        int r = push_range(&v, &n, (NsboxIdMapRange){ .inner = self_inner, .outer = self, .count = 1 });
        uint64_t next = 0;
        for (size_t i = 0; i < n_pool && r >= 0; i++) {
                uint64_t outer = pool[i].outer, left = pool[i].count;
                while (left > 0 && r >= 0 && next <= UINT32_MAX) {
                        if (next == self_inner) {
                                next++;
                                continue;
                        }
                        /* up to SELF_INNER, or the whole rest */
                        uint64_t room =
                                next < self_inner ? self_inner - next : (uint64_t) UINT32_MAX + 1 - next;
                        uint64_t k = left < room ? left : room;
                        r = push_range(&v, &n,
                                       (NsboxIdMapRange){ .inner = (uint32_t) next,
                                                          .outer = (uint32_t) outer,
                                                          .count = (uint32_t) k });
                        next += k;
                        outer += k;
                        left -= k;
                }
        }
        if (r < 0) {
                free(v);
                return r;
        }
        *ret = v;
        *ret_n = n;
        return 0;
}

static int subids(const char *file, uid_t uid, const char *name, NsboxIdMapRange **ret, size_t *ret_n)
{
        int r = nsbox_subid_ranges(file, uid, name, ret, ret_n);
        if (r < 0)
                log_error("%s: %s", file,
                          r == -EINVAL ? "a line of this user is not NAME:START:COUNT" : strerror(-r));
        return r;
}

static int need_helper(const char *name)
{
        _cleanup_free_ char *p = NULL;
        int r = nsbox_idmap_find_helper(name, &p);
        if (r == -ENOENT)
                log_error("%s: not found in PATH (it is in package uidmap); it maps the subordinate ids of "
                          "/etc/sub%cid",
                          name, name[3] == 'u' ? 'u' : 'g');
        else if (r < 0)
                log_error("%s: %s", name, strerror(-r));
        return r;
}

static bool single_self(const NsboxIdMapRange *v, size_t n, uint32_t self)
{
        return n == 1 && v[0].outer == self && v[0].count == 1;
}

static int copy_ranges(const NsboxIdMapRange *v, size_t n, NsboxIdMapRange **ret, size_t *ret_n)
{
        *ret = calloc(n, sizeof(*v));
        if (!*ret)
                return -ENOMEM;
        memcpy(*ret, v, n * sizeof(*v));
        *ret_n = n;
        return 0;
}

int run_userns_prepare(RunUserns *u)
{
        bool root = geteuid() == 0;
        int r;

        if (u->mode == RUN_USERNS_HOST) {
                if (u->n_uidmap || u->n_gidmap) {
                        log_error("--userns=host cannot be combined with --uidmap or --gidmap");
                        return -EINVAL;
                }
                if (!root) {
                        log_error("--userns=host: a user who is not root can make namespaces only "
                                  "inside a user namespace of its own");
                        return -EPERM;
                }
                return 0;
        }
        if (u->mode == RUN_USERNS_KEEP_ID && (u->n_uidmap || u->n_gidmap)) {
                log_error("--userns=keep-id cannot be combined with --uidmap or --gidmap");
                return -EINVAL;
        }
        if (root) {
                if (u->mode == RUN_USERNS_KEEP_ID) {
                        log_error("--userns=keep-id is for users who are not root: root's ids are "
                                  "the host's anyway");
                        return -EINVAL;
                }
                if (!u->n_uidmap && !u->n_gidmap)
                        return 0; /* root: the host's ids, no user namespace */
                /* root may map any host ids; a missing map mirrors the other (podman) */
                NsboxError *err = NULL;
                const NsboxIdMapRange *um = u->n_uidmap ? u->uidmap : u->gidmap;
                size_t un = u->n_uidmap ? u->n_uidmap : u->n_gidmap;
                const NsboxIdMapRange *gm = u->n_gidmap ? u->gidmap : u->uidmap;
                size_t gn = u->n_gidmap ? u->n_gidmap : u->n_uidmap;
                if ((r = nsbox_idmap_check("uidmap", um, un, 0, NULL, SIZE_MAX, &err)) < 0 ||
                    (r = nsbox_idmap_check("gidmap", gm, gn, 0, NULL, SIZE_MAX, &err)) < 0) {
                        log_nsbox_error(err, r);
                        nsbox_error_free(err);
                        return r;
                }
                if (copy_ranges(um, un, &u->uid, &u->n_uid) < 0 ||
                    copy_ranges(gm, gn, &u->gid, &u->n_gid) < 0)
                        return -ENOMEM;
                u->enabled = true;
                return 0;
        }

        /* Not root: always a user namespace; its maps from the user's ids. */
        uid_t uid = geteuid();
        gid_t gid = getegid();
        struct passwd *pw = getpwuid(uid);
        const char *name = pw ? pw->pw_name : NULL;
        _cleanup_free_ NsboxIdMapRange *subu = NULL, *subg = NULL;
        size_t n_subu = 0, n_subg = 0;
        if (subids("/etc/subuid", uid, name, &subu, &n_subu) < 0 ||
            subids("/etc/subgid", uid, name, &subg, &n_subg) < 0)
                return -EINVAL;

        if (u->n_uidmap) {
                NsboxError *err = NULL;
                r = nsbox_idmap_check("uidmap", u->uidmap, u->n_uidmap, uid, subu, n_subu, &err);
                if (r < 0) {
                        log_nsbox_error(err, r);
                        nsbox_error_free(err);
                        return r;
                }
                r = copy_ranges(u->uidmap, u->n_uidmap, &u->uid, &u->n_uid);
        } else
                r = layout(uid, u->mode == RUN_USERNS_KEEP_ID ? uid : 0, subu, n_subu, &u->uid, &u->n_uid);
        if (r < 0)
                return r;
        if (u->n_gidmap) {
                NsboxError *err = NULL;
                r = nsbox_idmap_check("gidmap", u->gidmap, u->n_gidmap, gid, subg, n_subg, &err);
                if (r < 0) {
                        log_nsbox_error(err, r);
                        nsbox_error_free(err);
                        return r;
                }
                r = copy_ranges(u->gidmap, u->n_gidmap, &u->gid, &u->n_gid);
        } else
                r = layout(gid, u->mode == RUN_USERNS_KEEP_ID ? gid : 0, subg, n_subg, &u->gid, &u->n_gid);
        if (r < 0)
                return r;

        /* Before anything is extracted or started: the helpers, if needed. */
        if (!single_self(u->uid, u->n_uid, uid) && (r = need_helper("newuidmap")) < 0)
                return r;
        if (!single_self(u->gid, u->n_gid, gid) && (r = need_helper("newgidmap")) < 0)
                return r;
        u->enabled = true;
        return 0;
}

static bool outer_mapped(const NsboxIdMapRange *v, size_t n, uint32_t id)
{
        for (size_t i = 0; i < n; i++)
                if (id >= v[i].outer && (uint64_t) id < (uint64_t) v[i].outer + v[i].count)
                        return true;
        return false;
}

static bool inner_mapped(const NsboxIdMapRange *v, size_t n, uint32_t id)
{
        for (size_t i = 0; i < n; i++)
                if (id >= v[i].inner && (uint64_t) id < (uint64_t) v[i].inner + v[i].count)
                        return true;
        return false;
}

int run_userns_check_rootfs_dir(const RunUserns *u, const char *path)
{
        if (!u->enabled || geteuid() == 0)
                return 0;
        /* The container's root is the caller with capabilities over the mapped
         * ids only: a directory it may not enter as itself is reachable only
         * when one of those ids owns it. */
        struct stat st;
        if (stat(path, &st) < 0 || faccessat(AT_FDCWD, path, R_OK | X_OK, AT_EACCESS) >= 0 ||
            outer_mapped(u->uid, u->n_uid, (uint32_t) st.st_uid))
                return 0;
        log_error("rootfs '%s': %s", path, strerror(EACCES));
        return -EACCES;
}

int run_userns_check_user(const RunUserns *u, const NsboxUser *user, size_t n_group_add)
{
        if (!u->enabled)
                return 0;
        uint32_t bad = UINT32_MAX;
        if (!inner_mapped(u->uid, u->n_uid, user->uid))
                bad = user->uid;
        else if (!inner_mapped(u->gid, u->n_gid, user->gid))
                bad = user->gid;
        if (bad != UINT32_MAX) {
                log_error("uid/gid %u is not mapped in the container's user namespace (add /etc/subuid and "
                          "/etc/subgid ranges, or use --userns=keep-id)",
                          bad);
                return -EINVAL;
        }
        if (!n_group_add)
                return 0;
        /* setgroups(2) is denied where an unprivileged user wrote a gid map
         * of its own gid alone (user_namespaces(7)): --group-add would be lost */
        if (geteuid() != 0 && single_self(u->gid, u->n_gid, (uint32_t) getegid())) {
                log_error("group-add: supplementary groups need a range in /etc/subgid for this user "
                          "(without one, setgroups is denied in the container)");
                return -EINVAL;
        }
        for (size_t i = 0; i < user->n_groups; i++)
                if (!inner_mapped(u->gid, u->n_gid, user->groups[i])) {
                        log_error("group-add: gid %u is not mapped in the container's user namespace (add "
                                  "/etc/subgid ranges)",
                                  (unsigned) user->groups[i]);
                        return -EINVAL;
                }
        return 0;
}

static int to_spec_mappings(const NsboxIdMapRange *v, size_t n, NsboxIdMapping **ret, size_t *ret_n)
{
        NsboxIdMapping *m = calloc(n, sizeof(*m));
        if (!m)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                m[i] = (NsboxIdMapping){ .container_id = v[i].inner,
                                         .host_id = v[i].outer,
                                         .size = v[i].count };
        *ret = m;
        *ret_n = n;
        return 0;
}

int run_userns_apply(const RunUserns *u, bool user_given, NsboxSpec *spec)
{
        if (!u->enabled)
                return 0;
        spec->linux_cfg.namespaces[NSBOX_NS_USER] = true;
        if (to_spec_mappings(u->uid, u->n_uid, &spec->linux_cfg.uid_mappings,
                             &spec->linux_cfg.n_uid_mappings) < 0 ||
            to_spec_mappings(u->gid, u->n_gid, &spec->linux_cfg.gid_mappings,
                             &spec->linux_cfg.n_gid_mappings) < 0)
                return -ENOMEM;

        if (u->mode == RUN_USERNS_KEEP_ID && !user_given) {
                /* podman's keep-id: the command runs as the caller, without
                 * capabilities, as any user other than root does */
                spec->process.uid = geteuid();
                spec->process.gid = getegid();
                spec->process.cap_permitted = spec->process.cap_effective = 0;
        }

        /* devpts's gid=5 (tty) is refused when the namespace does not map
         * gid 5 (a user without subordinate ids): the terminal's group is
         * then the namespace's own. */
        if (!inner_mapped(u->gid, u->n_gid, 5))
                for (size_t i = 0; i < spec->n_mounts; i++) {
                        NsboxMount *m = &spec->mounts[i];
                        if (!m->type || !streq(m->type, "devpts"))
                                continue;
                        size_t k = 0;
                        for (char **o = m->options; o && *o; o++)
                                if (startswith(*o, "gid="))
                                        free(*o);
                                else
                                        m->options[k++] = *o;
                        if (m->options)
                                m->options[k] = NULL;
                }
        return 0;
}

void run_userns_done(RunUserns *u)
{
        free(u->uidmap);
        free(u->gidmap);
        free(u->uid);
        free(u->gid);
}

/* A cgroup v2 tree whose directory for nsbox's cgroups this user may write:
 * the administrator delegated it (chown, as systemd's Delegate= does). */
static bool cgroup_delegated(const NsboxSpec *spec)
{
        const char *root = spec->ext.cgroup_root ? spec->ext.cgroup_root : NSBOX_CGROUP_ROOT_DEFAULT;
        NsboxCgroupMode mode;
        if (nsbox_cgroup_detect(root, &mode) < 0 || mode != NSBOX_CGROUP_V2)
                return false;
        /* the parent of "/PARENT/NAME", or the root when it is still missing */
        _cleanup_free_ char *dir = NULL;
        const char *p = spec->linux_cfg.cgroups_path;
        const char *slash = strrchr(p, '/');
        if (asprintf(&dir, "%s/%.*s", root, (int) (slash ? slash - p : 0), p) < 0)
                return false;
        if (access(dir, F_OK) < 0)
                return access(root, W_OK) >= 0;
        return access(dir, W_OK) >= 0;
}

int run_userns_cgroup(NsboxSpec *spec, bool best_effort)
{
        if (geteuid() == 0 || !spec->linux_cfg.cgroups_path || cgroup_delegated(spec))
                return 0;
        if (!best_effort) {
                log_error(
                        "cgroup limits: they need root or a delegated cgroup v2 subtree, and this user has "
                        "neither; --cgroup-limits=best-effort runs without them");
                return -EPERM;
        }
        fprintf(stderr,
                "%s: warning: cgroup limits not applied: they need root or a delegated cgroup v2 subtree\n",
                program_invocation_name_cmd);
        free(spec->linux_cfg.cgroups_path);
        spec->linux_cfg.cgroups_path = NULL;
        return 0;
}
