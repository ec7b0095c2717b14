/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Users and groups of a container, read from its rootfs's /etc/passwd and
 * /etc/group. Not getpwnam(3): NSS answers for the host, and the container's
 * "nobody" or "www-data" may have other numbers there, or not exist.
 */
#include <sys/stat.h>

#include "basic/macro.h"
#include "basic/missing.h"
#include "basic/parse.h"
#include "nsbox/internal.h"
#include "nsbox/user.h"

#define MAX_DB_SIZE (16u * 1024 * 1024)

typedef struct DbFile {
        char *buf;    /* the file, lines NUL-terminated in place */
        char **lines; /* fields still joined by ':' until split */
        size_t n_lines;
        bool missing; /* the rootfs has no such file */
} DbFile;

static void db_done(DbFile *d)
{
        free(d->buf);
        free(d->lines);
        *d = (DbFile){ 0 };
}

/* Read PATH from inside the rootfs; symlinks resolve as if the rootfs were /. */
static int db_read(int rootfd, const char *path, DbFile *ret)
{
        *ret = (DbFile){ 0 };
        if (rootfd < 0) {
                ret->missing = true;
                return 0;
        }
        struct open_how how = {
                /* O_NONBLOCK: a fifo planted at /etc/passwd must not hang us */
                .flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK,
                .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
        };
        _cleanup_close_ int fd = sys_openat2(rootfd, path, &how);
        if (fd < 0) {
                if (errno == ENOENT) {
                        ret->missing = true;
                        return 0;
                }
                return negative_errno();
        }
        struct stat st;
        if (fstat(fd, &st) < 0)
                return negative_errno();
        if (!S_ISREG(st.st_mode))
                return -EBADFD;
        if ((uint64_t) st.st_size > MAX_DB_SIZE)
                return -EFBIG;

        size_t cap = (size_t) st.st_size + 1, len = 0;
        _cleanup_free_ char *buf = malloc(cap + 1);
        if (!buf)
                return -ENOMEM;
        for (;;) {
                if (len == cap) {
                        /* the file grew while we read it */
                        if (cap > MAX_DB_SIZE)
                                return -EFBIG;
                        char *n = realloc(buf, cap * 2 + 1);
                        if (!n)
                                return -ENOMEM;
                        buf = n;
                        cap *= 2;
                }
                ssize_t k = read(fd, buf + len, cap - len);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return negative_errno();
                if (k == 0)
                        break;
                len += (size_t) k;
        }
        buf[len] = 0;

        size_t n = 0, alloc = 0;
        char **lines = NULL;
        for (char *p = buf, *nl; *p; p = nl) {
                nl = strchrnul(p, '\n');
                if (*nl)
                        *nl++ = 0;
                /* comments and NIS compat entries ("+", "-") are not users */
                if (!*p || *p == '#' || *p == '+' || *p == '-')
                        continue;
                if (n == alloc) {
                        alloc = alloc ? alloc * 2 : 64;
                        char **x = realloc(lines, alloc * sizeof(char *));
                        if (!x) {
                                free(lines);
                                return -ENOMEM;
                        }
                        lines = x;
                }
                lines[n++] = p;
        }
        ret->buf = TAKE_PTR(buf);
        ret->lines = lines;
        ret->n_lines = n;
        return 0;
}

/* Split a line into at most max ':'-separated fields (in place). Returns the count. */
static size_t split_fields(char *line, char **f, size_t max)
{
        size_t n = 0;
        for (char *p = line; n < max;) {
                f[n++] = p;
                char *c = strchr(p, ':');
                if (!c)
                        break;
                *c = 0;
                p = c + 1;
        }
        return n;
}

/* A decimal id that is not (uid_t) -1. Returns 1 if s is a number, 0 if it is
 * not one (a name), -EINVAL for a number out of range. */
static int parse_id(const char *s, uint32_t *ret)
{
        if (!*s || strspn(s, "0123456789") != strlen(s))
                return 0;
        uint32_t v;
        if (parse_uint32(s, &v) < 0 || v == UINT32_MAX)
                return -EINVAL;
        *ret = v;
        return 1;
}

typedef struct PwEnt {
        const char *name, *home;
        uint32_t uid, gid;
} PwEnt;

/* Parse every line once, so lookups do not re-split. Malformed lines are
 * skipped, as libc's files backend does. */
static int passwd_parse(DbFile *d, PwEnt **ret, size_t *ret_n)
{
        PwEnt *e = calloc(d->n_lines ? d->n_lines : 1, sizeof(PwEnt));
        if (!e)
                return -ENOMEM;
        size_t n = 0;
        for (size_t i = 0; i < d->n_lines; i++) {
                char *f[7];
                if (split_fields(d->lines[i], f, 7) < 7 || !*f[0])
                        continue;
                if (parse_id(f[2], &e[n].uid) != 1 || parse_id(f[3], &e[n].gid) != 1)
                        continue;
                e[n].name = f[0];
                e[n].home = *f[5] ? f[5] : "/";
                n++;
        }
        *ret = e;
        *ret_n = n;
        return 0;
}

typedef struct GrEnt {
        const char *name;
        char *members; /* comma-separated */
        uint32_t gid;
} GrEnt;

static int group_parse(DbFile *d, GrEnt **ret, size_t *ret_n)
{
        GrEnt *e = calloc(d->n_lines ? d->n_lines : 1, sizeof(GrEnt));
        if (!e)
                return -ENOMEM;
        size_t n = 0;
        for (size_t i = 0; i < d->n_lines; i++) {
                char *f[4];
                size_t k = split_fields(d->lines[i], f, 4);
                if (k < 3 || !*f[0] || parse_id(f[2], &e[n].gid) != 1)
                        continue;
                e[n].name = f[0];
                e[n].members = k == 4 ? f[3] : (char *) "";
                n++;
        }
        *ret = e;
        *ret_n = n;
        return 0;
}

static bool member_of(const char *members, const char *name)
{
        size_t l = strlen(name);
        for (const char *p = members; *p;) {
                const char *c = strchrnul(p, ',');
                if ((size_t) (c - p) == l && strneq(p, name, l))
                        return true;
                p = *c ? c + 1 : c;
        }
        return false;
}

static int add_gid(NsboxUser *u, gid_t g)
{
        for (size_t i = 0; i < u->n_groups; i++)
                if (u->groups[i] == g)
                        return 0;
        gid_t *x = realloc(u->groups, (u->n_groups + 1) * sizeof(gid_t));
        if (!x)
                return -ENOMEM;
        u->groups = x;
        u->groups[u->n_groups++] = g;
        return 0;
}

/* A group given by number or by name in the rootfs's /etc/group. */
static int resolve_group(const char *g, const DbFile *gdb, const GrEnt *grs, size_t n_grs, gid_t *ret,
                         NsboxError **reterr)
{
        uint32_t v;
        int r = parse_id(g, &v);
        if (r < 0)
                return nsbox_error_set_message(reterr, EINVAL, "group '%s': not a valid group id", g);
        if (r > 0) {
                *ret = v;
                return 0;
        }
        if (strchr(g, ':'))
                return nsbox_error_set_message(reterr, EINVAL, "group '%s': not a valid group name", g);
        if (gdb->missing)
                return nsbox_error_set_message(
                        reterr, ENOENT, "group '%s': the rootfs has no /etc/group to look it up in", g);
        for (size_t i = 0; i < n_grs; i++)
                if (streq(grs[i].name, g)) {
                        *ret = grs[i].gid;
                        return 0;
                }
        return nsbox_error_set_message(reterr, ESRCH, "group '%s': no such group in the rootfs's /etc/group",
                                       g);
}

int nsbox_user_resolve(int rootfd, const char *user, const char *const *extra_groups, NsboxUser *ret,
                       NsboxError **reterr)
{
        _cleanup_(db_done) DbFile pdb = { 0 }, gdb = { 0 };
        _cleanup_free_ PwEnt *pws = NULL;
        _cleanup_free_ GrEnt *grs = NULL;
        _cleanup_free_ char *spec = strdup(user ? user : "0");
        size_t n_pws = 0, n_grs = 0;
        NsboxUser u = { 0 };
        int r;

        if (!spec)
                return -ENOMEM;
        char *upart = spec, *gpart = strchr(spec, ':');
        if (gpart)
                *gpart++ = 0;
        if (!*upart || (gpart && (!*gpart || strchr(gpart, ':'))))
                return nsbox_error_set_message(reterr, EINVAL,
                                               "user '%s': expected UID[:GID] or NAME[:GROUP]", user);

        r = db_read(rootfd, "etc/passwd", &pdb);
        if (r < 0)
                return nsbox_error_set(reterr, r, "read the rootfs's /etc/passwd");
        r = db_read(rootfd, "etc/group", &gdb);
        if (r < 0)
                return nsbox_error_set(reterr, r, "read the rootfs's /etc/group");
        if (passwd_parse(&pdb, &pws, &n_pws) < 0 || group_parse(&gdb, &grs, &n_grs) < 0)
                return -ENOMEM;

        const PwEnt *pw = NULL;
        uint32_t id;
        r = parse_id(upart, &id);
        if (r < 0)
                return nsbox_error_set_message(reterr, EINVAL, "user '%s': uid out of range", user);
        if (r > 0) {
                for (size_t i = 0; i < n_pws && !pw; i++)
                        if (pws[i].uid == id)
                                pw = &pws[i];
                u.uid = id;
        } else {
                if (pdb.missing)
                        return nsbox_error_set_message(
                                reterr, ENOENT, "user '%s': the rootfs has no /etc/passwd to look it up in",
                                upart);
                for (size_t i = 0; i < n_pws && !pw; i++)
                        if (streq(pws[i].name, upart))
                                pw = &pws[i];
                if (!pw)
                        return nsbox_error_set_message(
                                reterr, ESRCH, "user '%s': no such user in the rootfs's /etc/passwd", upart);
                u.uid = pw->uid;
        }
        u.gid = pw ? pw->gid : 0;
        if (gpart) {
                r = resolve_group(gpart, &gdb, grs, n_grs, &u.gid, reterr);
                if (r < 0)
                        return r;
        }

        if (pw && !(u.name = strdup(pw->name)))
                goto oom;
        if (!(u.home = strdup(pw ? pw->home : u.uid == 0 ? "/root" : "/")))
                goto oom;
        if (pw)
                for (size_t i = 0; i < n_grs; i++)
                        if (member_of(grs[i].members, pw->name) && add_gid(&u, grs[i].gid) < 0)
                                goto oom;
        for (const char *const *g = extra_groups; g && *g; g++) {
                gid_t gid;
                r = resolve_group(*g, &gdb, grs, n_grs, &gid, reterr);
                if (r < 0) {
                        nsbox_user_done(&u);
                        return r;
                }
                if (add_gid(&u, gid) < 0)
                        goto oom;
        }
        *ret = u;
        return 0;
oom:
        nsbox_user_done(&u);
        return -ENOMEM;
}

void nsbox_user_done(NsboxUser *u)
{
        if (!u)
                return;
        free(u->groups);
        free(u->name);
        free(u->home);
        *u = (NsboxUser){ 0 };
}
