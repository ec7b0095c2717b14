/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Control groups: finding the host's hierarchies, making, joining and
 * removing a container's cgroup in all of them, and removing what dead
 * owners left. The limits themselves are the backends' (cgroup-v1.c,
 * cgroup-v2.c). See include/nsbox/cgroup.h for the model.
 */
#include <linux/magic.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>

#include "basic/fileio.h"
#include "basic/macro.h"
#include "basic/missing.h"
#include "basic/rm-rf.h"
#include "nsbox/cgroup-internal.h"
#include "nsbox/internal.h"

#define DESTROY_TIMEOUT_MS 10000

/* ---- interface files ---- */

bool cg_hier_has(const CgHier *h, const char *controller)
{
        for (char **c = h->controllers; c && *c; c++)
                if (streq(*c, controller))
                        return true;
        return false;
}

CgHier *cg_find(const NsboxCgroup *cg, const char *controller, bool v2)
{
        for (size_t i = 0; i < cg->n; i++)
                if (cg->h[i].v2 == v2 && (v2 || cg_hier_has(&cg->h[i], controller)))
                        return &cg->h[i];
        return NULL;
}

int cg_write_at(const CgHier *h, int dirfd, const char *file, const char *value, NsboxError **reterr)
{
        /* a kernel makes every interface file with the directory; a
         * simulated tree gets them as they are written */
        int flags = O_WRONLY | O_CLOEXEC | O_NOCTTY | (h->fake ? O_CREAT | O_APPEND : 0);
        _cleanup_close_ int fd = openat(dirfd, file, flags, 0644);
        if (fd < 0)
                return nsbox_error_set(reterr, errno, "cgroup: open %s", file);
        size_t l = strlen(value);
        ssize_t n = write(fd, value, l);
        if (n < 0)
                return nsbox_error_set(reterr, errno, "cgroup: write '%s' to %s", value, file);
        if ((size_t) n != l)
                return nsbox_error_set(reterr, EIO, "cgroup: write '%s' to %s", value, file);
        return 0;
}

int cg_write(const CgHier *h, const char *file, const char *value, NsboxError **reterr)
{
        return cg_write_at(h, h->dirfd, file, value, reterr);
}

int cg_read(const CgHier *h, int dirfd, const char *file, char **ret)
{
        (void) h;
        char *s = NULL;
        int r = read_full_file_at(dirfd, file, &s, NULL);
        if (r < 0)
                return r;
        size_t l = strlen(s);
        while (l > 0 && (s[l - 1] == '\n' || s[l - 1] == ' '))
                s[--l] = 0;
        *ret = s;
        return 0;
}

static int parse_u64(const char *s, uint64_t *ret)
{
        if (streq(s, "max")) {
                *ret = UINT64_MAX;
                return 0;
        }
        if (*s < '0' || *s > '9')
                return -EINVAL;
        char *end;
        errno = 0;
        unsigned long long v = strtoull(s, &end, 10);
        if (errno || (*end && *end != '\n' && *end != ' '))
                return -EINVAL;
        *ret = v;
        return 0;
}

int cg_read_u64(const CgHier *h, const char *file, uint64_t *ret)
{
        _cleanup_free_ char *s = NULL;
        int r = cg_read(h, h->dirfd, file, &s);
        if (r < 0)
                return r;
        return parse_u64(s, ret);
}

int cg_read_key(const CgHier *h, const char *file, const char *key, uint64_t *ret)
{
        _cleanup_free_ char *s = NULL;
        int r = cg_read(h, h->dirfd, file, &s);
        if (r < 0)
                return r;
        size_t kl = strlen(key);
        for (char *line = s; line && *line;) {
                char *next = strchr(line, '\n');
                if (next)
                        *next++ = 0;
                if (strneq(line, key, kl) && line[kl] == ' ')
                        return parse_u64(line + kl + 1, ret);
                line = next;
        }
        return -ENOENT;
}

int cg_unsupported(NsboxCgroup *cg, unsigned flags, const char *what, const char *controller,
                   NsboxError **reterr)
{
        if (!(flags & NSBOX_CGROUP_BEST_EFFORT))
                return nsbox_error_set_message(reterr, EOPNOTSUPP,
                                               "cgroup: %s: the %s controller is not available on this host",
                                               what, controller);
        char *s;
        if (asprintf(&s, "%s: the %s controller is not available on this host", what, controller) < 0)
                return -ENOMEM;
        char **x = realloc(cg->skipped, (cg->n_skipped + 2) * sizeof(char *));
        if (!x) {
                free(s);
                return -ENOMEM;
        }
        cg->skipped = x;
        x[cg->n_skipped++] = s;
        x[cg->n_skipped] = NULL;
        return 0;
}

/* ---- the host ---- */

static char **split_controllers(const char *s, const char *seps)
{
        size_t n = 0;
        char **l = calloc(strlen(s) + 2, sizeof(char *));
        if (!l)
                return NULL;
        _cleanup_free_ char *copy = strdup(s);
        if (!copy) {
                free(l);
                return NULL;
        }
        char *save = NULL;
        for (char *t = strtok_r(copy, seps, &save); t; t = strtok_r(NULL, seps, &save))
                if (!(l[n++] = strdup(t))) {
                        strv_free(l);
                        return NULL;
                }
        return l;
}

/* What the directory fd is: a hierarchy's (kernel's cgroup or cgroup2
 * filesystem), a simulated one (any other directory with cgroup.procs, for
 * tests; v2 when it has cgroup.controllers), or none (-ENOENT). */
static int hier_kind(int fd, bool *ret_v2, bool *ret_fake)
{
        struct statfs sfs;
        if (fstatfs(fd, &sfs) == 0 &&
            (sfs.f_type == CGROUP_SUPER_MAGIC || sfs.f_type == CGROUP2_SUPER_MAGIC)) {
                *ret_v2 = sfs.f_type == CGROUP2_SUPER_MAGIC;
                *ret_fake = false;
                return 0;
        }
        if (faccessat(fd, "cgroup.procs", F_OK, 0) < 0)
                return -ENOENT;
        *ret_v2 = faccessat(fd, "cgroup.controllers", F_OK, 0) == 0;
        *ret_fake = true;
        return 0;
}

static void hier_done(CgHier *h)
{
        free(h->mount);
        strv_free(h->controllers);
        safe_close(h->dirfd);
        safe_close(h->rootfd);
}

/* Takes fd, the hierarchy's root directory. */
static int hier_add(NsboxCgroup *cg, const char *mount, const char *name, bool v2, bool fake, int fd)
{
        CgHier *x = realloc(cg->h, (cg->n + 1) * sizeof(CgHier));
        if (!x) {
                safe_close(fd);
                return -ENOMEM;
        }
        cg->h = x;
        CgHier *h = &x[cg->n];
        *h = (CgHier){ .v2 = v2, .dirfd = -EBADF, .rootfd = fd, .fake = fake };
        h->mount = strdup(mount);
        if (v2) {
                _cleanup_free_ char *ctl = NULL;
                if (read_full_file_at(fd, "cgroup.controllers", &ctl, NULL) < 0)
                        ctl = strdup("");
                h->controllers = ctl ? split_controllers(ctl, " \n") : NULL;
        } else
                h->controllers = split_controllers(name, ",");
        if (!h->mount || !h->controllers) {
                hier_done(h);
                return -ENOMEM;
        }
        cg->n++;
        return 0;
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *) a, *(char *const *) b);
}

/* Fill cg->h with the hierarchies below root, in path order. */
static int discover(NsboxCgroup *cg, const char *root)
{
        if (!root)
                root = NSBOX_CGROUP_ROOT_DEFAULT;
        _cleanup_close_ int rfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (rfd < 0)
                return negative_errno();
        struct statfs sfs;
        bool real_v2 = fstatfs(rfd, &sfs) == 0 && sfs.f_type == CGROUP2_SUPER_MAGIC;
        if (real_v2 || faccessat(rfd, "cgroup.controllers", F_OK, 0) == 0) {
                cg->mode = NSBOX_CGROUP_V2;
                return hier_add(cg, root, "", true, !real_v2, TAKE_FD(rfd));
        }

        _cleanup_closedir_ DIR *d = fdopendir(fcntl(rfd, F_DUPFD_CLOEXEC, 3));
        if (!d)
                return negative_errno();
        _cleanup_strv_free_ char **names = calloc(1, sizeof(char *));
        size_t n = 0;
        if (!names)
                return -ENOMEM;
        struct dirent *de;
        while ((de = readdir(d))) {
                if (de->d_name[0] == '.')
                        continue;
                char **x = realloc(names, (n + 2) * sizeof(char *));
                if (!x)
                        return -ENOMEM;
                names = x;
                if (!(names[n++] = strdup(de->d_name)))
                        return -ENOMEM;
                names[n] = NULL;
        }
        qsort(names, n, sizeof(char *), cmp_str);

        struct stat seen[64];
        size_t n_seen = 0;
        bool v1 = false, v2 = false;
        for (size_t i = 0; i < n; i++) {
                /* "cpu" and "cpuacct" are symlinks to "cpu,cpuacct", whose
                 * name lists all of its controllers. Not following them,
                 * fstatat(2) still crosses into a mount: st is its root's. */
                struct stat st;
                if (fstatat(rfd, names[i], &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
                        continue;
                bool dup = false;
                for (size_t k = 0; k < n_seen; k++)
                        if (seen[k].st_dev == st.st_dev && seen[k].st_ino == st.st_ino)
                                dup = true;
                if (dup || n_seen == ELEMENTSOF(seen))
                        continue;
                _cleanup_close_ int fd = openat(rfd, names[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                bool is_v2, fake;
                if (fd < 0 || hier_kind(fd, &is_v2, &fake) < 0)
                        continue;
                seen[n_seen++] = st;
                _cleanup_free_ char *mount = NULL;
                if (asprintf(&mount, "%s/%s", root, names[i]) < 0)
                        return -ENOMEM;
                int r = hier_add(cg, mount, names[i], is_v2, fake, TAKE_FD(fd));
                if (r < 0)
                        return r;
                if (is_v2)
                        v2 = true;
                else
                        v1 = true;
        }
        if (!v1 && !v2)
                return -ENOENT;
        cg->mode = v1 && v2 ? NSBOX_CGROUP_HYBRID : v1 ? NSBOX_CGROUP_V1 : NSBOX_CGROUP_V2;
        return 0;
}

int nsbox_cgroup_detect(const char *root, NsboxCgroupMode *ret)
{
        NsboxCgroup cg = { .lock_fd = -EBADF };
        int r = discover(&cg, root);
        if (r >= 0)
                *ret = cg.mode;
        for (size_t i = 0; i < cg.n; i++)
                hier_done(&cg.h[i]);
        free(cg.h);
        return r;
}

/* A relative cgroup path without '.', '..' or empty components; a leading
 * '/' and doubled slashes are dropped. */
static int normalize_path(const char *path, char **ret)
{
        if (!path)
                return -EINVAL;
        while (*path == '/')
                path++;
        size_t l = strlen(path);
        if (l == 0 || l >= 4096)
                return -EINVAL;
        char *out = malloc(l + 1), *o = out;
        if (!out)
                return -ENOMEM;
        for (const char *p = path; *p;) {
                size_t cl = strcspn(p, "/");
                if (cl == 0) {
                        p++;
                        continue;
                }
                if ((cl == 1 && p[0] == '.') || (cl == 2 && p[0] == '.' && p[1] == '.') ||
                    memchr(p, '\n', cl)) {
                        free(out);
                        return -EINVAL;
                }
                if (o != out)
                        *o++ = '/';
                memcpy(o, p, cl);
                o += cl;
                p += cl;
        }
        *o = 0;
        if (o == out) {
                free(out);
                return -EINVAL;
        }
        *ret = out;
        return 0;
}

static NsboxCgroup *cg_new(void)
{
        NsboxCgroup *cg = calloc(1, sizeof(*cg));
        if (!cg)
                return NULL;
        cg->lock_fd = -EBADF;
        cg->skipped = calloc(1, sizeof(char *));
        if (!cg->skipped) {
                free(cg);
                return NULL;
        }
        return cg;
}

void nsbox_cgroup_free(NsboxCgroup *cg)
{
        if (!cg)
                return;
        for (size_t i = 0; i < cg->n; i++)
                hier_done(&cg->h[i]);
        free(cg->h);
        free(cg->path);
        safe_close(cg->lock_fd);
        strv_free(cg->skipped);
        free(cg);
}

static void cg_freep(NsboxCgroup **cg)
{
        nsbox_cgroup_free(*cg);
}

/* ---- processes and removal ---- */

static int64_t now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
        (void) poll(NULL, 0, ms);
}

static bool pid_listed(const CgHier *h, pid_t pid)
{
        _cleanup_free_ char *s = NULL;
        if (cg_read(h, h->dirfd, "cgroup.procs", &s) < 0)
                return false;
        for (char *p = s; *p;) {
                if (strtol(p, &p, 10) == pid)
                        return true;
                while (*p == '\n' || *p == ' ')
                        p++;
        }
        return false;
}

/* SIGKILL what the cgroup still holds in h. Returns whether it held any. */
static bool kill_procs(const CgHier *h)
{
        _cleanup_free_ char *s = NULL;
        if (h->fake || h->dirfd < 0 || cg_read(h, h->dirfd, "cgroup.procs", &s) < 0 || !*s)
                return false;
        if (h->v2 && faccessat(h->dirfd, "cgroup.kill", F_OK, 0) == 0) {
                (void) cg_write(h, "cgroup.kill", "1", NULL);
                return true;
        }
        for (char *p = s; *p;) {
                pid_t pid = (pid_t) strtol(p, &p, 10);
                while (*p == '\n' || *p == ' ')
                        p++;
                if (pid <= 0)
                        continue;
                /* pin the process, then make sure it is still ours: a pid
                 * read from the file may have been reused since */
                _cleanup_close_ int pfd = sys_pidfd_open(pid, 0);
                if (pfd >= 0 && pid_listed(h, pid))
                        (void) sys_pidfd_send_signal(pfd, SIGKILL, NULL, 0);
        }
        return true;
}

/* Kill what the cgroup holds in any hierarchy, and wait until it is gone
 * (until deadline). */
static void kill_and_wait(NsboxCgroup *cg, int64_t deadline)
{
        for (;;) {
                bool busy = false;
                for (size_t i = 0; i < cg->n; i++)
                        if (cg->h[i].exists && kill_procs(&cg->h[i]))
                                busy = true;
                if (!busy || now_ms() >= deadline)
                        break;
                sleep_ms(10);
        }
}

/*
 * Remove the directories, the first hierarchy's (holding the lock) last.
 * Usually the cgroup is empty by now: its container's init has been reaped,
 * and when a pid namespace's init dies the kernel kills and reaps every
 * other process in it before the init can be waited for
 * (zap_pid_ns_processes(), pid_namespaces(7)). So rmdir(2) comes first, and
 * only a hierarchy that is still busy (EBUSY: processes that came from
 * elsewhere, or a container still running on an error path) has its
 * processes killed and waited for (until deadline).
 */
static int cg_remove(NsboxCgroup *cg, int64_t deadline, NsboxError **reterr)
{
        int r = 0;
        bool killed = false;
        for (size_t k = cg->n; k > 0; k--) {
                CgHier *h = &cg->h[k - 1];
                if (!h->exists)
                        continue;
                _cleanup_free_ char *p = NULL;
                if (asprintf(&p, "%s/%s", h->mount, cg->path) < 0)
                        return -ENOMEM;
                for (;;) {
                        int q = h->fake ? rm_rf_at(AT_FDCWD, p) : (rmdir(p) < 0 ? negative_errno() : 0);
                        if (q == -ENOENT)
                                q = 0;
                        if (q == -EBUSY && !killed) {
                                kill_and_wait(cg, deadline);
                                killed = true;
                                continue;
                        }
                        if (q == -EBUSY && now_ms() < deadline) {
                                sleep_ms(10);
                                continue;
                        }
                        if (q < 0 && r == 0)
                                r = nsbox_error_set(reterr, q, "cgroup: remove %s", p);
                        if (q == 0) {
                                h->exists = false;
                                h->dirfd = safe_close(h->dirfd);
                        }
                        break;
                }
        }
        return r;
}

int nsbox_cgroup_destroy(NsboxCgroup *cg, NsboxError **reterr)
{
        if (!cg)
                return 0;
        int r = cg_remove(cg, now_ms() + DESTROY_TIMEOUT_MS, reterr);
        nsbox_cgroup_free(cg);
        return r;
}

/* ---- creation ---- */

/* mkdir -p of path's parents in hierarchy h, preparing each for children
 * (v1 cpuset: cpus and mems; v2: the controllers in subtree_control).
 * Returns an fd of the innermost parent. */
static int make_parents(const CgHier *h, const char *path, const char *subtree, NsboxError **reterr)
{
        _cleanup_close_ int fd = fcntl(h->rootfd, F_DUPFD_CLOEXEC, 3);
        if (fd < 0)
                return nsbox_error_set(reterr, errno, "cgroup: open %s", h->mount);
        _cleanup_free_ char *copy = strdup(path);
        if (!copy)
                return -ENOMEM;
        char *slash = strrchr(copy, '/');
        if (!slash)
                return TAKE_FD(fd);
        *slash = 0;
        char *save = NULL;
        for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
                if (h->v2 && *subtree) {
                        int r = cg_write_at(h, fd, "cgroup.subtree_control", subtree, reterr);
                        if (r < 0)
                                return r;
                }
                /* usually there: one openat(2) */
                int sub = openat(fd, c, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (sub < 0 && errno == ENOENT) {
                        if (mkdirat(fd, c, 0755) < 0 && errno != EEXIST)
                                return nsbox_error_set(reterr, errno, "cgroup: create %s/%s", h->mount,
                                                       path);
                        sub = openat(fd, c, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                }
                if (sub < 0)
                        return nsbox_error_set(reterr, errno, "cgroup: open %s/%s", h->mount, path);
                if (!h->v2) {
                        int r = cg_v1_prepare_dir(h, sub, fd, reterr);
                        if (r < 0) {
                                safe_close(sub);
                                return r;
                        }
                }
                safe_close(fd);
                fd = sub;
        }
        return TAKE_FD(fd);
}

static int gc_in(const NsboxCgroup *host, const char *root, const char *norm, bool wait, bool block,
                 bool all, NsboxError **reterr);

/* Ranges that hold on v1 and v2 alike (runtime-spec config-linux.md; the
 * kernel's limits for cpu.cfs_*_us and cpu.shares). */
static int validate_resources(const NsboxResources *res, NsboxError **reterr)
{
        if (res->memory.has_limit && (res->memory.limit == 0 || res->memory.limit < -1))
                return nsbox_error_set_message(reterr, EINVAL,
                                               "cgroup: memory limit %lld: expected bytes > 0 or -1",
                                               (long long) res->memory.limit);
        if (res->memory.has_swap && res->memory.swap != -1) {
                if (res->memory.swap < 0)
                        return nsbox_error_set_message(
                                reterr, EINVAL, "cgroup: memory+swap limit %lld: expected bytes or -1",
                                (long long) res->memory.swap);
                if (res->memory.has_limit && res->memory.limit > 0 && res->memory.swap < res->memory.limit)
                        return nsbox_error_set_message(
                                reterr, EINVAL,
                                "cgroup: memory+swap limit %lld is below the memory limit %lld",
                                (long long) res->memory.swap, (long long) res->memory.limit);
        }
        if (res->cpu.has_shares && res->cpu.shares && (res->cpu.shares < 2 || res->cpu.shares > 262144))
                return nsbox_error_set_message(reterr, EINVAL,
                                               "cgroup: cpu shares %llu: expected 2 to 262144",
                                               (unsigned long long) res->cpu.shares);
        if (res->cpu.has_quota && res->cpu.quota != -1 && res->cpu.quota < 1000)
                return nsbox_error_set_message(reterr, EINVAL,
                                               "cgroup: cpu quota %lld us: expected 1000 us or more, or -1",
                                               (long long) res->cpu.quota);
        if (res->cpu.has_period && (res->cpu.period < 1000 || res->cpu.period > 1000000))
                return nsbox_error_set_message(reterr, EINVAL,
                                               "cgroup: cpu period %llu us: expected 1000 to 1000000",
                                               (unsigned long long) res->cpu.period);
        if (res->cpu.cpus && nsbox_cgroup_parse_cpuset(res->cpu.cpus, NULL, NULL) < 0)
                return nsbox_error_set_message(reterr, EINVAL, "cgroup: cpuset.cpus '%s': not a valid list",
                                               res->cpu.cpus);
        if (res->cpu.mems && nsbox_cgroup_parse_cpuset(res->cpu.mems, NULL, NULL) < 0)
                return nsbox_error_set_message(reterr, EINVAL, "cgroup: cpuset.mems '%s': not a valid list",
                                               res->cpu.mems);
        if (res->pids.has_limit && res->pids.limit < -1)
                return nsbox_error_set_message(reterr, EINVAL,
                                               "cgroup: pids limit %lld: expected 1 or more, or 0 or -1",
                                               (long long) res->pids.limit);
        if (res->block_io.has_weight && res->block_io.weight &&
            (res->block_io.weight < 10 || res->block_io.weight > 1000))
                return nsbox_error_set_message(reterr, EINVAL,
                                               "cgroup: block I/O weight %u: expected 10 to 1000",
                                               (unsigned) res->block_io.weight);
        return 0;
}

int nsbox_cgroup_create(const char *root, const char *path, const NsboxResources *res, unsigned flags,
                        NsboxCgroup **ret, NsboxError **reterr)
{
        static const NsboxResources none = { 0 };
        if (!res)
                res = &none;
        _cleanup_(cg_freep) NsboxCgroup *cg = cg_new();
        if (!cg)
                return -ENOMEM;
        int r = normalize_path(path, &cg->path);
        if (r == -EINVAL)
                return nsbox_error_set_message(reterr, EINVAL,
                                               "cgroup path '%s': expected a relative path without '.' or "
                                               "'..' components",
                                               path ? path : "");
        if (r < 0)
                return r;
        r = validate_resources(res, reterr);
        if (r < 0)
                return r;
        r = discover(cg, root);
        if (r < 0)
                return nsbox_error_set(reterr, r, "cgroup: hierarchies in %s",
                                       root ? root : NSBOX_CGROUP_ROOT_DEFAULT);

        /* everything that can be checked, before anything is made */
        r = cg->mode == NSBOX_CGROUP_V2 ? cg_v2_check(cg, res, flags, reterr)
                                        : cg_v1_check(cg, res, flags, reterr);
        if (r < 0)
                return r;
        char subtree[256] = "";
        if (cg->mode == NSBOX_CGROUP_V2)
                cg_v2_needed(cg, res, subtree, sizeof(subtree));

        const char *slash = strrchr(cg->path, '/');
        _cleanup_free_ char *parent = slash ? strndup(cg->path, (size_t) (slash - cg->path)) : NULL;
        if (slash && !parent)
                return -ENOMEM;
        const char *leaf = slash ? slash + 1 : cg->path;
        /* what crashed nsbox processes left, so a leftover of the same name
         * does not stand in the way; skipped while another gc runs */
        if (parent)
                (void) gc_in(cg, root, parent, false, false, false, NULL);

        _cleanup_close_ int parent_lock = -EBADF;
        for (size_t i = 0; i < cg->n; i++) {
                CgHier *h = &cg->h[i];
                _cleanup_close_ int pfd = make_parents(h, cg->path, subtree, reterr);
                if (pfd < 0) {
                        r = pfd;
                        goto fail;
                }
                if (i == 0) {
                        /* shared: creations run side by side, gc waits */
                        parent_lock = fcntl(pfd, F_DUPFD_CLOEXEC, 3);
                        if (parent_lock < 0 || flock(parent_lock, LOCK_SH) < 0) {
                                r = nsbox_error_set(reterr, errno, "cgroup: lock %s", h->mount);
                                goto fail;
                        }
                }
                if (h->v2 && *subtree &&
                    (r = cg_write_at(h, pfd, "cgroup.subtree_control", subtree, reterr)) < 0)
                        goto fail;
                if (mkdirat(pfd, leaf, 0755) < 0) {
                        if (errno == EEXIST)
                                r = nsbox_error_set_message(
                                        reterr, EEXIST,
                                        "cgroup '%s' already exists in %s (is a container of "
                                        "that name running?)",
                                        cg->path, h->mount);
                        else
                                r = nsbox_error_set(reterr, errno, "cgroup: create %s/%s", h->mount,
                                                    cg->path);
                        goto fail;
                }
                h->exists = true;
                h->dirfd = openat(pfd, leaf, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (h->dirfd < 0) {
                        r = nsbox_error_set(reterr, errno, "cgroup: open %s/%s", h->mount, cg->path);
                        goto fail;
                }
                if (i == 0) {
                        cg->lock_fd = fcntl(h->dirfd, F_DUPFD_CLOEXEC, 3);
                        if (cg->lock_fd < 0 || flock(cg->lock_fd, LOCK_EX | LOCK_NB) < 0) {
                                r = nsbox_error_set(reterr, errno, "cgroup: lock %s/%s", h->mount, cg->path);
                                goto fail;
                        }
                }
        }
        parent_lock = safe_close(parent_lock);

        r = cg->mode == NSBOX_CGROUP_V2 ? cg_v2_apply(cg, res, reterr) : cg_v1_apply(cg, res, reterr);
        if (r < 0)
                goto fail;
        *ret = TAKE_PTR(cg);
        return 0;
fail:
        (void) cg_remove(cg, now_ms() + DESTROY_TIMEOUT_MS, NULL);
        return r;
}

int nsbox_cgroup_open(const char *root, const char *path, NsboxCgroup **ret, NsboxError **reterr)
{
        _cleanup_(cg_freep) NsboxCgroup *cg = cg_new();
        if (!cg)
                return -ENOMEM;
        int r = normalize_path(path, &cg->path);
        if (r == -EINVAL)
                return nsbox_error_set_message(reterr, EINVAL, "cgroup path '%s': not a valid relative path",
                                               path ? path : "");
        if (r < 0)
                return r;
        r = discover(cg, root);
        if (r < 0)
                return nsbox_error_set(reterr, r, "cgroup: hierarchies in %s",
                                       root ? root : NSBOX_CGROUP_ROOT_DEFAULT);
        bool any = false;
        for (size_t i = 0; i < cg->n; i++) {
                CgHier *h = &cg->h[i];
                h->dirfd = openat(h->rootfd, cg->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (h->dirfd >= 0)
                        any = h->exists = true;
        }
        if (!any)
                return nsbox_error_set_message(reterr, ENOENT, "cgroup '%s': no such cgroup", cg->path);
        *ret = TAKE_PTR(cg);
        return 0;
}

int nsbox_cgroup_clone_fd(const NsboxCgroup *cg)
{
        for (size_t i = 0; i < cg->n; i++)
                if (cg->h[i].v2 && !cg->h[i].fake && cg->h[i].dirfd >= 0)
                        return cg->h[i].dirfd;
        return -EOPNOTSUPP;
}

/* Whether the process has to be moved into hierarchy h after clone3(2). */
static bool attach_needed(const CgHier *h, bool joined_by_clone)
{
        return h->dirfd >= 0 && !(h->v2 && joined_by_clone && !h->fake);
}

/* A v1 hierarchy on a real cgroupfs: the container's process can join it
 * itself, cheaply (nsbox_cgroup_join_self). */
static bool self_joinable(const CgHier *h)
{
        return !h->v2 && !h->fake;
}

static int attach(NsboxCgroup *cg, pid_t pid, bool joined_by_clone, bool skip_self_joinable,
                  NsboxError **reterr)
{
        char buf[32];
        snprintf(buf, sizeof(buf), "%d", (int) pid);
        for (size_t i = 0; i < cg->n; i++) {
                const CgHier *h = &cg->h[i];
                if (!attach_needed(h, joined_by_clone) || (skip_self_joinable && self_joinable(h)))
                        continue;
                int r = cg_write(h, "cgroup.procs", buf, reterr);
                if (r < 0)
                        return nsbox_error_wrap(reterr, r, "join cgroup '%s' in %s", cg->path, h->mount);
        }
        return 0;
}

int nsbox_cgroup_attach(NsboxCgroup *cg, pid_t pid, bool joined_by_clone, NsboxError **reterr)
{
        return attach(cg, pid, joined_by_clone, false, reterr);
}

int nsbox_cgroup_attach_others(NsboxCgroup *cg, pid_t pid, bool joined_by_clone, NsboxError **reterr)
{
        return attach(cg, pid, joined_by_clone, true, reterr);
}

bool nsbox_cgroup_others_need_attach(const NsboxCgroup *cg, bool joined_by_clone)
{
        for (size_t i = 0; i < cg->n; i++)
                if (attach_needed(&cg->h[i], joined_by_clone) && !self_joinable(&cg->h[i]))
                        return true;
        return false;
}

/*
 * A write of a pid to cgroup.procs takes the kernel's global
 * cgroup_threadgroup_rwsem for writing, and a percpu rwsem's writer waits
 * for an RCU grace period: 5 to 15 ms on this 2-CPU host, for the first of
 * the ten writes of a container on a hybrid host. A single thread that moves
 * itself ("0" to v1's per-thread "tasks" file) skips that lock
 * (cgroup_procs_write_start() in kernel/cgroup/cgroup.c): 30 us here. The
 * container's process is single-threaded at this point, so moving the
 * thread moves the process.
 */
int nsbox_cgroup_join_self(const NsboxCgroup *cg, NsboxError **reterr)
{
        for (size_t i = 0; i < cg->n; i++) {
                const CgHier *h = &cg->h[i];
                if (h->dirfd < 0 || !self_joinable(h))
                        continue;
                int r = cg_write(h, "tasks", "0", reterr);
                if (r < 0)
                        return nsbox_error_wrap(reterr, r, "join cgroup '%s' in %s", cg->path, h->mount);
        }
        return 0;
}

int nsbox_cgroup_stats(const NsboxCgroup *cg, NsboxCgroupStats *ret)
{
        NsboxCgroupStats st = { 0 };
        if (cg->mode != NSBOX_CGROUP_V2)
                cg_v1_stats(cg, &st);
        if (cg->mode != NSBOX_CGROUP_V1)
                cg_v2_stats(cg, &st);
        *ret = st;
        return 0;
}

const char *const *nsbox_cgroup_skipped(const NsboxCgroup *cg)
{
        return (const char *const *) cg->skipped;
}

const char *nsbox_cgroup_path(const NsboxCgroup *cg)
{
        return cg->path;
}

NsboxCgroupMode nsbox_cgroup_mode(const NsboxCgroup *cg)
{
        return cg->mode;
}

/* ---- leftovers ---- */

/*
 * Remove the cgroups below parent (normalized) in host's hierarchies whose
 * owner is gone. A cgroup is alive while its owner holds the lock on its
 * directory in the first hierarchy, which the owner makes first and removes
 * last: so every leftover has that directory, and listing the first
 * hierarchy finds them all (all: list every hierarchy, for the strays that
 * someone else removed by hand). Living ones cost an open and a flock.
 */
static int gc_in(const NsboxCgroup *host, const char *root, const char *norm, bool wait, bool block,
                 bool all, NsboxError **reterr)
{
        _cleanup_close_ int lock = openat(host->h[0].rootfd, norm, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (lock >= 0 && flock(lock, LOCK_EX | (block ? 0 : LOCK_NB)) < 0)
                return errno == EWOULDBLOCK ? 0
                                            : nsbox_error_set(reterr, errno, "cgroup: lock %s/%s",
                                                              host->h[0].mount, norm);

        /* the names below parent */
        _cleanup_strv_free_ char **names = calloc(1, sizeof(char *));
        size_t n = 0;
        if (!names)
                return -ENOMEM;
        for (size_t i = 0; i < (all ? host->n : 1); i++) {
                int fd = openat(host->h[i].rootfd, norm, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                _cleanup_closedir_ DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
                if (fd >= 0 && !d)
                        safe_close(fd);
                struct dirent *de;
                while (d && (de = readdir(d))) {
                        if (de->d_type != DT_DIR || de->d_name[0] == '.')
                                continue;
                        bool have = false;
                        for (size_t k = 0; k < n; k++)
                                have = have || streq(names[k], de->d_name);
                        if (have)
                                continue;
                        char **x = realloc(names, (n + 2) * sizeof(char *));
                        if (!x)
                                return -ENOMEM;
                        names = x;
                        if (!(names[n++] = strdup(de->d_name)))
                                return -ENOMEM;
                        names[n] = NULL;
                }
        }

        int removed = 0, first = 0, r;
        for (size_t k = 0; k < n; k++) {
                if (lock >= 0) {
                        /* alive: its owner holds the lock (checked again below) */
                        _cleanup_close_ int probe =
                                openat(lock, names[k], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                        if (probe >= 0 && flock(probe, LOCK_EX | LOCK_NB) < 0)
                                continue;
                }
                _cleanup_free_ char *path = NULL;
                NsboxCgroup *cg = NULL;
                if (asprintf(&path, "%s/%s", norm, names[k]) < 0)
                        return -ENOMEM;
                if (nsbox_cgroup_open(root, path, &cg, NULL) < 0)
                        continue;
                if (cg->h[0].dirfd >= 0) {
                        cg->lock_fd = fcntl(cg->h[0].dirfd, F_DUPFD_CLOEXEC, 3);
                        if (cg->lock_fd < 0 || flock(cg->lock_fd, LOCK_EX | LOCK_NB) < 0) {
                                nsbox_cgroup_free(cg);
                                continue;
                        }
                }
                r = cg_remove(cg, now_ms() + (wait ? DESTROY_TIMEOUT_MS : 0), reterr);
                nsbox_cgroup_free(cg);
                if (r >= 0)
                        removed++;
                else if (first == 0 && wait)
                        first = r;
        }
        return first < 0 ? first : removed;
}

int nsbox_cgroup_gc(const char *root, const char *parent, bool wait, NsboxError **reterr)
{
        _cleanup_(cg_freep) NsboxCgroup *host = cg_new();
        _cleanup_free_ char *norm = NULL;
        if (!host)
                return -ENOMEM;
        int r = normalize_path(parent, &norm);
        if (r == -EINVAL)
                return nsbox_error_set_message(reterr, EINVAL,
                                               "cgroup parent '%s': not a valid relative path",
                                               parent ? parent : "");
        if (r < 0)
                return r;
        r = discover(host, root);
        if (r < 0)
                return nsbox_error_set(reterr, r, "cgroup: hierarchies in %s",
                                       root ? root : NSBOX_CGROUP_ROOT_DEFAULT);
        return gc_in(host, root, norm, wait, true, true, reterr);
}

/* ---- conversions ---- */

uint64_t nsbox_cgroup_shares_to_weight(uint64_t shares)
{
        if (shares < 2)
                shares = 2;
        if (shares > 262144)
                shares = 262144;
        return 1 + ((shares - 2) * 9999) / 262142;
}

uint64_t nsbox_cgroup_weight_to_shares(uint64_t weight)
{
        if (weight < 1)
                weight = 1;
        if (weight > 10000)
                weight = 10000;
        /* the smallest s with (s - 2) * 9999 >= (weight - 1) * 262142 */
        return 2 + ((weight - 1) * 262142 + 9998) / 9999;
}

uint64_t nsbox_cgroup_blkio_to_io_weight(uint64_t weight)
{
        if (weight < 10)
                weight = 10;
        if (weight > 1000)
                weight = 1000;
        return 1 + ((weight - 10) * 9999) / 990;
}

uint64_t nsbox_cgroup_io_to_blkio_weight(uint64_t io_weight)
{
        if (io_weight < 1)
                io_weight = 1;
        if (io_weight > 10000)
                io_weight = 10000;
        return 10 + ((io_weight - 1) * 990 + 9998) / 9999;
}

/* ---- cpuset lists ---- */

#define CPUSET_MAX 4096

static int cpuset_bits(const char *list, uint8_t bits[CPUSET_MAX / 8])
{
        memset(bits, 0, CPUSET_MAX / 8);
        const char *p = list;
        if (!*p)
                return 0;
        for (;;) {
                char *end;
                if (*p < '0' || *p > '9')
                        return -EINVAL;
                unsigned long a = strtoul(p, &end, 10), b = a;
                p = end;
                if (*p == '-') {
                        p++;
                        if (*p < '0' || *p > '9')
                                return -EINVAL;
                        b = strtoul(p, &end, 10);
                        p = end;
                }
                if (a >= CPUSET_MAX || b >= CPUSET_MAX || b < a)
                        return -EINVAL;
                for (unsigned long i = a; i <= b; i++)
                        bits[i / 8] |= (uint8_t) (1u << (i % 8));
                if (!*p || *p == '\n')
                        return 0;
                if (*p != ',')
                        return -EINVAL;
                p++;
        }
}

int nsbox_cgroup_parse_cpuset(const char *list, const char *within, unsigned *ret_missing)
{
        uint8_t a[CPUSET_MAX / 8], b[CPUSET_MAX / 8];
        if (!list || !*list || cpuset_bits(list, a) < 0)
                return -EINVAL;
        if (!within)
                return 0;
        if (cpuset_bits(within, b) < 0)
                return -EINVAL;
        for (unsigned i = 0; i < CPUSET_MAX; i++)
                if ((a[i / 8] & (1u << (i % 8))) && !(b[i / 8] & (1u << (i % 8)))) {
                        if (ret_missing)
                                *ret_missing = i;
                        return -ERANGE;
                }
        return 0;
}
