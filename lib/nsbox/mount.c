/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The container's filesystem: assembled in the child, in its new mount
 * namespace, between clone and exec. Everything here runs single-threaded in a
 * fresh process, so allocation is fine; it must not print.
 *
 * Mount targets are never reached by a path string that a container could
 * redirect: every destination is resolved inside the rootfs with openat2(2)
 * RESOLVE_IN_ROOT (runc CVE-2021-30465), and mounted through its O_PATH fd.
 */
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "basic/fileio.h"
#include "basic/macro.h"
#include "basic/missing.h"
#include "nsbox/internal.h"

/* ---- mount options ---- */

typedef struct MountOptions {
        unsigned long flags;       /* for mount(2) */
        unsigned long clear;       /* flags an option turned off ("rw", "suid") */
        unsigned long propagation; /* MS_PRIVATE, MS_SHARED, ... with MS_REC, or 0 */
        bool bind, recursive;
        char *data; /* the options mount(2) passes to the filesystem */
} MountOptions;

static void mount_options_done(MountOptions *o)
{
        free(o->data);
}

static int parse_mount_options(char **options, MountOptions *ret)
{
        static const struct {
                const char *name;
                unsigned long set, clear;
        } flags[] = {
                { "ro", MS_RDONLY, 0 },
                { "rw", 0, MS_RDONLY },
                { "nosuid", MS_NOSUID, 0 },
                { "suid", 0, MS_NOSUID },
                { "nodev", MS_NODEV, 0 },
                { "dev", 0, MS_NODEV },
                { "noexec", MS_NOEXEC, 0 },
                { "exec", 0, MS_NOEXEC },
                { "sync", MS_SYNCHRONOUS, 0 },
                { "async", 0, MS_SYNCHRONOUS },
                { "dirsync", MS_DIRSYNC, 0 },
                { "noatime", MS_NOATIME, 0 },
                { "atime", 0, MS_NOATIME },
                { "nodiratime", MS_NODIRATIME, 0 },
                { "diratime", 0, MS_NODIRATIME },
                { "relatime", MS_RELATIME, 0 },
                { "norelatime", 0, MS_RELATIME },
                { "strictatime", MS_STRICTATIME, 0 },
                { "nostrictatime", 0, MS_STRICTATIME },
                { "defaults", 0, 0 },
        };
        static const struct {
                const char *name;
                unsigned long prop;
        } props[] = {
                { "private", MS_PRIVATE },       { "rprivate", MS_PRIVATE | MS_REC },
                { "shared", MS_SHARED },         { "rshared", MS_SHARED | MS_REC },
                { "slave", MS_SLAVE },           { "rslave", MS_SLAVE | MS_REC },
                { "unbindable", MS_UNBINDABLE }, { "runbindable", MS_UNBINDABLE | MS_REC },
        };
        MountOptions o = { 0 };
        size_t datalen = 0;

        for (char **i = options; i && *i; i++) {
                const char *opt = *i;
                bool known = false;
                for (size_t k = 0; k < ELEMENTSOF(flags); k++)
                        if (streq(opt, flags[k].name)) {
                                o.flags = (o.flags | flags[k].set) & ~flags[k].clear;
                                o.clear = (o.clear | flags[k].clear) & ~flags[k].set;
                                known = true;
                        }
                for (size_t k = 0; k < ELEMENTSOF(props); k++)
                        if (streq(opt, props[k].name)) {
                                o.propagation = props[k].prop;
                                known = true;
                        }
                if (streq(opt, "bind")) {
                        o.bind = true;
                        known = true;
                } else if (streq(opt, "rbind")) {
                        o.bind = o.recursive = true;
                        known = true;
                } else if (streq(opt, "tmpcopyup") || streq(opt, "idmap") || streq(opt, "ridmap")) {
                        known = true; /* crun extensions we accept and ignore */
                }
                if (known)
                        continue;
                size_t l = strlen(opt);
                char *n = realloc(o.data, datalen + l + 2);
                if (!n) {
                        mount_options_done(&o);
                        return -ENOMEM;
                }
                o.data = n;
                if (datalen)
                        o.data[datalen++] = ',';
                memcpy(o.data + datalen, opt, l + 1);
                datalen += l;
        }
        *ret = o;
        return 0;
}

static uint64_t mount_attr_from_flags(unsigned long flags)
{
        uint64_t a = 0;
        if (flags & MS_RDONLY)
                a |= MOUNT_ATTR_RDONLY;
        if (flags & MS_NOSUID)
                a |= MOUNT_ATTR_NOSUID;
        if (flags & MS_NODEV)
                a |= MOUNT_ATTR_NODEV;
        if (flags & MS_NOEXEC)
                a |= MOUNT_ATTR_NOEXEC;
        if (flags & MS_NODIRATIME)
                a |= MOUNT_ATTR_NODIRATIME;
        if (flags & MS_NOATIME)
                a |= MOUNT_ATTR_NOATIME;
        else if (flags & MS_STRICTATIME)
                a |= MOUNT_ATTR_STRICTATIME;
        return a;
}

/* ---- resolving paths inside the rootfs ---- */

static int open_in_root(int rootfd, const char *path, int flags)
{
        struct open_how how = {
                .flags = (uint64_t) (flags | O_CLOEXEC),
                .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV * 0,
        };
        while (*path == '/')
                path++;
        int fd = sys_openat2(rootfd, *path ? path : ".", &how);
        return fd < 0 ? negative_errno() : fd;
}

/* Resolve PATH inside the rootfs at ROOTFD, creating missing directories and,
 * if want_file, an empty file as the last component. Returns an O_PATH fd. */
static int make_target_in_root(int rootfd, const char *path, bool want_file)
{
        _cleanup_free_ char *p = strdup(path);
        if (!p)
                return -ENOMEM;
        int fd = open_in_root(rootfd, p, O_PATH);
        if (fd >= 0 || fd != -ENOENT)
                return fd;

        /* Walk from the root, creating what is missing; each step re-resolves
         * inside the root, so a symlink planted along the way stays inside. */
        char *s = p;
        while (*s == '/')
                s++;
        for (;;) {
                char *slash = strchr(s, '/');
                bool last = !slash;
                if (slash)
                        *slash = 0;
                if (*s && !streq(s, ".")) {
                        int cfd = open_in_root(rootfd, p, O_PATH);
                        if (cfd == -ENOENT) {
                                /* create s inside its (already resolved) parent */
                                char *base = strrchr(p, '/');
                                _cleanup_close_ int parent = -EBADF;
                                if (base && base != p) {
                                        *base = 0;
                                        parent = open_in_root(rootfd, p, O_PATH | O_DIRECTORY);
                                        *base = '/';
                                } else
                                        parent = fcntl(rootfd, F_DUPFD_CLOEXEC, 3);
                                if (parent < 0)
                                        return parent < 0 ? parent : -errno;
                                const char *name = base ? base + 1 : p;
                                if (last && want_file) {
                                        _cleanup_close_ int nfd = -EBADF;
                                        /* O_PATH parent: openat needs a real dir fd */
                                        _cleanup_close_ int pdir =
                                                openat(parent, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                                        if (pdir < 0)
                                                return negative_errno();
                                        nfd = openat(pdir, name,
                                                     O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                                                     0644);
                                        if (nfd < 0 && errno != EEXIST)
                                                return negative_errno();
                                } else {
                                        _cleanup_close_ int pdir =
                                                openat(parent, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                                        if (pdir < 0)
                                                return negative_errno();
                                        if (mkdirat(pdir, name, 0755) < 0 && errno != EEXIST)
                                                return negative_errno();
                                }
                        } else if (cfd < 0)
                                return cfd;
                        else
                                safe_close(cfd);
                }
                if (last)
                        break;
                *slash = '/';
                s = slash + 1;
        }
        return open_in_root(rootfd, p, O_PATH);
}

static int fd_path(int fd, char buf[static 64])
{
        snprintf(buf, 64, "/proc/self/fd/%d", fd);
        return 0;
}

/* Attach a detached mount (from open_tree/fsmount) on an O_PATH target fd. */
static int attach_mount(int mntfd, int targetfd)
{
        if (move_mount(mntfd, "", targetfd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
                return negative_errno();
        return 0;
}

static int bind_mount_fd(int srcdirfd, const char *src, int targetfd, bool recursive, uint64_t attr_set,
                         unsigned long propagation)
{
        unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0);
        if (!src || !*src) {
                flags |= AT_EMPTY_PATH;
                src = "";
        }
        _cleanup_close_ int tree = open_tree(srcdirfd, src, flags);
        if (tree < 0)
                return negative_errno();
        if (attr_set || propagation) {
                struct mount_attr a = { .attr_set = attr_set, .propagation = propagation & ~MS_REC };
                if (mount_setattr(tree, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &a, sizeof(a)) <
                    0)
                        return negative_errno();
        }
        return attach_mount(tree, targetfd);
}

/* A rootfs tree copied from the host (the default, read-only host root)
 * carries the host's own /proc, /sys, /dev, ... mounts. Detach whatever is
 * mounted at a destination before mounting ours there: hidden under ours,
 * the host's procfs would still be in the container's mount table, one
 * umount away. *targetfd is reopened to the uncovered directory. */
static int detach_mounts_at(int rootfd, const char *dest, int *targetfd)
{
        if (streq(dest, "/"))
                return -EINVAL;
        for (int i = 0; i < 64; i++) {
                char p[64];
                fd_path(*targetfd, p);
                if (umount2(p, MNT_DETACH) < 0)
                        return errno == EINVAL ? 0 : negative_errno(); /* EINVAL: not a mount point */
                safe_close(*targetfd);
                *targetfd = open_in_root(rootfd, dest, O_PATH);
                if (*targetfd < 0)
                        return *targetfd;
        }
        return -ELOOP;
}

/* A rootfs may carry symlinks meant to send our mounts elsewhere. Targets
 * are resolved inside the rootfs, so they cannot leave it; still refuse what
 * is plainly an attack or a broken rootfs: a /proc, /sys or /dev that is a
 * symlink (runc refuses them too), and a target that resolves to the rootfs's
 * own root, which a mount would cover or, detached, take away. */
static int check_top_dir(int rootfd, const char *dest, NsboxError **reterr)
{
        const char *top = dest + strspn(dest, "/");
        size_t l = strcspn(top, "/");
        if ((l == 4 && strneq(top, "proc", 4)) || (l == 3 && strneq(top, "sys", 3)) ||
            (l == 3 && strneq(top, "dev", 3))) {
                char p[8];
                snprintf(p, sizeof(p), "/%.*s", (int) l, top);
                _cleanup_close_ int fd = open_in_root(rootfd, p, O_PATH | O_NOFOLLOW);
                struct stat st;
                if (fd >= 0 && fstat(fd, &st) == 0 && S_ISLNK(st.st_mode))
                        return nsbox_error_set_message(reterr, ELOOP,
                                                       "rootfs: %s is a symlink; refused (%s must be a "
                                                       "directory of the rootfs's own)",
                                                       p, p);
        }
        return 0;
}

static int check_target(int rootfd, const char *dest, int target, NsboxError **reterr)
{
        struct stat a, b;
        if (fstat(rootfd, &a) < 0 || fstat(target, &b) < 0)
                return nsbox_error_set(reterr, errno, "mount target %s", dest);
        if (a.st_dev == b.st_dev && a.st_ino == b.st_ino && !streq(dest, "/"))
                return nsbox_error_set_message(reterr, ELOOP,
                                               "mount target %s: resolves to the rootfs's own root "
                                               "(through a symlink); refused",
                                               dest);
        return 0;
}

static bool is_bind(const NsboxMount *m, const MountOptions *o)
{
        return o->bind || (m->type && streq(m->type, "bind"));
}

/* A "cgroup" mount (cgroup v1, what engines ask for on v1 and hybrid hosts):
 * a tmpfs with, for each hierarchy mounted on the host's /sys/fs/cgroup, the
 * container's own cgroup bound at its name, as runc does. The child is in
 * its cgroups already; /proc/self/cgroup names them. */
static int mount_cgroup_v1(int rootfd, int target, const NsboxMount *m, const MountOptions *o,
                           NsboxError **reterr)
{
        char p[64];
        fd_path(target, p);
        if (mount("tmpfs", p, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755") < 0)
                return nsbox_error_set(reterr, errno, "mount tmpfs for cgroup on %s", m->destination);
        /* reopened from the root: the fd of the target names what is under the tmpfs */
        _cleanup_close_ int dir = open_in_root(rootfd, m->destination, O_RDONLY | O_DIRECTORY);
        if (dir < 0)
                return nsbox_error_set(reterr, dir, "open %s", m->destination);
        _cleanup_fclose_ FILE *mi = fopen("/proc/self/mountinfo", "re");
        _cleanup_fclose_ FILE *cg = fopen("/proc/self/cgroup", "re");
        if (!mi || !cg)
                return nsbox_error_set(reterr, errno, "read /proc/self/mountinfo and cgroup");
        char line[4096], cl[4096];
        while (fgets(line, sizeof(line), mi)) {
                char root[1024], mp[1024], fstype[64], super[1024];
                char *dash = strstr(line, " - ");
                if (!dash || sscanf(line, "%*s %*s %*s %1023s %1023s", root, mp) != 2 ||
                    sscanf(dash + 3, "%63s %*s %1023s", fstype, super) != 2 || !streq(root, "/"))
                        continue;
                const char *name = startswith(mp, "/sys/fs/cgroup/");
                if (!name || !*name || strchr(name, '/') ||
                    (!streq(fstype, "cgroup") && !streq(fstype, "cgroup2")))
                        continue;
                /* the container's path in that hierarchy */
                char path[2048] = "/";
                rewind(cg);
                while (fgets(cl, sizeof(cl), cg)) {
                        cl[strcspn(cl, "\n")] = 0;
                        char *c1 = strchr(cl, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
                        if (!c2)
                                continue;
                        *c2 = 0;
                        bool match;
                        if (streq(fstype, "cgroup2"))
                                match = !c1[1];
                        else {
                                char a[1100], b[1100];
                                snprintf(a, sizeof(a), ",%s,", super);
                                snprintf(b, sizeof(b), ",%s,", c1 + 1);
                                match = c1[1] && strstr(a, b);
                        }
                        if (match) {
                                snprintf(path, sizeof(path), "%s", c2 + 1);
                                break;
                        }
                }
                if (mkdirat(dir, name, 0755) < 0 && errno != EEXIST)
                        return nsbox_error_set(reterr, errno, "mkdir %s/%s", m->destination, name);
                _cleanup_close_ int t = openat(dir, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                char src[3100];
                snprintf(src, sizeof(src), "%s%s", mp, path);
                int r = t < 0 ? negative_errno()
                              : bind_mount_fd(AT_FDCWD, src, t, false,
                                              mount_attr_from_flags(o->flags) | MOUNT_ATTR_NOSUID |
                                                      MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC,
                                              0);
                if (r < 0)
                        return nsbox_error_set(reterr, r, "bind cgroup %s on %s/%s", src, m->destination,
                                               name);
        }
        if (o->flags & MS_RDONLY) {
                fd_path(dir, p);
                if (mount(NULL, p, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                          NULL) < 0)
                        return nsbox_error_set(reterr, errno, "make %s read-only", m->destination);
        }
        return 0;
}

static int do_mount_parsed(int rootfd, const NsboxMount *m, const MountOptions *o, NsboxError **reterr)
{
        bool bind = is_bind(m, o);
        bool want_file = false;
        if (bind) {
                struct stat st;
                if (!m->source || stat(m->source, &st) < 0)
                        return nsbox_error_set(reterr, m->source ? errno : EINVAL, "bind source '%s'",
                                               m->source ? m->source : "");
                want_file = !S_ISDIR(st.st_mode);
        }

        int r = check_top_dir(rootfd, m->destination, reterr);
        if (r < 0)
                return r;
        _cleanup_close_ int target = make_target_in_root(rootfd, m->destination, want_file);
        if (target == -EROFS)
                return nsbox_error_set_message(
                        reterr, EROFS,
                        "mount target %s: does not exist, and the read-only rootfs cannot "
                        "have it created",
                        m->destination);
        if (target < 0)
                return nsbox_error_set(reterr, target, "mount target %s", m->destination);
        r = check_target(rootfd, m->destination, target, reterr);
        if (r < 0)
                return r;
        r = detach_mounts_at(rootfd, m->destination, &target);
        if (r < 0)
                return nsbox_error_set(reterr, r, "detach the rootfs's mounts at %s", m->destination);

        if (bind) {
                r = bind_mount_fd(AT_FDCWD, m->source, target, o->recursive, mount_attr_from_flags(o->flags),
                                  o->propagation);
                if (r < 0)
                        return nsbox_error_set(reterr, r, "bind mount '%s' on %s", m->source,
                                               m->destination);
                return 0;
        }

        char p[64];
        fd_path(target, p);
        const char *type = m->type ? m->type : "none";
        if (streq(type, "cgroup"))
                return mount_cgroup_v1(rootfd, target, m, o, reterr);
        if (mount(m->source ? m->source : type, p, type, o->flags, o->data) < 0) {
                /* sysfs needs a network namespace of the mounter's user
                 * namespace: a rootless container on the host's network
                 * gets the host's /sys, read-only, as runc and crun do. */
                if (errno == EPERM && streq(type, "sysfs"))
                        r = bind_mount_fd(AT_FDCWD, "/sys", target, true,
                                          MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
                                                  MOUNT_ATTR_NOEXEC,
                                          0);
                else
                        r = -errno;
                if (r < 0)
                        return nsbox_error_set(reterr, r, "mount %s on %s", type, m->destination);
                return 0;
        }
        if (o->propagation) {
                _cleanup_close_ int top = open_in_root(rootfd, m->destination, O_PATH);
                if (top < 0)
                        return nsbox_error_set(reterr, top, "set propagation of %s", m->destination);
                fd_path(top, p);
                if (mount(NULL, p, NULL, o->propagation, NULL) < 0)
                        return nsbox_error_set(reterr, errno, "set propagation of %s", m->destination);
        }
        return 0;
}

static int do_mount(int rootfd, const NsboxMount *m, NsboxError **reterr)
{
        MountOptions o;
        int r = parse_mount_options(m->options, &o);
        if (r < 0)
                return nsbox_error_set(reterr, r, "mount options of %s", m->destination);
        r = do_mount_parsed(rootfd, m, &o, reterr);
        mount_options_done(&o);
        return r;
}

/* ---- /dev ---- */

static int setup_default_devices(int rootfd, bool in_userns, NsboxError **reterr)
{
        /* runtime-spec config-linux.md "Default Devices" */
        static const struct {
                const char *name;
                unsigned maj, min;
        } devs[] = {
                { "null", 1, 3 },   { "zero", 1, 5 },    { "full", 1, 7 },
                { "random", 1, 8 }, { "urandom", 1, 9 }, { "tty", 5, 0 },
        };
        static const struct {
                const char *name, *target;
        } links[] = {
                { "fd", "/proc/self/fd" },       { "stdin", "/proc/self/fd/0" },
                { "stdout", "/proc/self/fd/1" }, { "stderr", "/proc/self/fd/2" },
                { "ptmx", "pts/ptmx" },
        };

        _cleanup_close_ int dev = open_in_root(rootfd, "/dev", O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
        if (dev < 0)
                return nsbox_error_set(reterr, dev, "open /dev");

        for (size_t i = 0; i < ELEMENTSOF(devs); i++) {
                if (!in_userns) {
                        if (mknodat(dev, devs[i].name, S_IFCHR | 0666, makedev(devs[i].maj, devs[i].min)) <
                                    0 &&
                            errno != EEXIST)
                                return nsbox_error_set(reterr, errno, "mknod /dev/%s", devs[i].name);
                        /* mknod honours the umask; the devices must be 0666 */
                        if (fchmodat(dev, devs[i].name, 0666, 0) < 0)
                                return nsbox_error_set(reterr, errno, "chmod /dev/%s", devs[i].name);
                        continue;
                }
                /* In a user namespace mknod is refused: bind the host's node. */
                _cleanup_close_ int f =
                        openat(dev, devs[i].name, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0666);
                if (f < 0)
                        return nsbox_error_set(reterr, errno, "create /dev/%s", devs[i].name);
                char host[64];
                snprintf(host, sizeof(host), "/dev/%s", devs[i].name);
                _cleanup_close_ int t = openat(dev, devs[i].name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
                int r = t < 0 ? negative_errno() : bind_mount_fd(AT_FDCWD, host, t, false, 0, 0);
                if (r < 0)
                        return nsbox_error_set(reterr, r, "bind %s", host);
        }
        for (size_t i = 0; i < ELEMENTSOF(links); i++)
                if (symlinkat(links[i].target, dev, links[i].name) < 0 && errno != EEXIST)
                        return nsbox_error_set(reterr, errno, "symlink /dev/%s", links[i].name);
        return 0;
}

static bool is_dev_tmpfs(const NsboxMount *m)
{
        return streq(m->destination, "/dev") && m->type && streq(m->type, "tmpfs");
}

/* ---- generated files ---- */

static int bind_generated_files(const NsboxSetupContext *ctx, int stagefd, int rootfd, NsboxError **reterr)
{
        const NsboxSpec *spec = ctx->spec;
        if (spec->ext.n_files == 0)
                return 0;
        if (mkdirat(stagefd, "files", 0755) < 0 && errno != EEXIST)
                return nsbox_error_set(reterr, errno, "create files directory");
        _cleanup_close_ int files = openat(stagefd, "files", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (files < 0)
                return nsbox_error_set(reterr, errno, "open files directory");

        for (size_t i = 0; i < spec->ext.n_files; i++) {
                const NsboxFile *f = &spec->ext.files[i];
                char name[32];
                snprintf(name, sizeof(name), "%zu", i);
                _cleanup_close_ int fd =
                        openat(files, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, f->mode);
                if (fd < 0 || loop_write(fd, f->content, strlen(f->content)) < 0 || fchmod(fd, f->mode) < 0)
                        return nsbox_error_set(reterr, errno, "write %s", f->destination);

                _cleanup_close_ int target = make_target_in_root(rootfd, f->destination, true);
                if (target == -EROFS)
                        continue; /* a read-only rootfs without the file: nothing to cover */
                if (target < 0)
                        return nsbox_error_set(reterr, target, "mount target %s", f->destination);
                struct stat st;
                if (fstat(target, &st) < 0)
                        return nsbox_error_set(reterr, errno, "stat %s", f->destination);
                if (S_ISDIR(st.st_mode))
                        return nsbox_error_set(reterr, EISDIR, "mount target %s", f->destination);
                int r = bind_mount_fd(files, name, target, false, 0, 0);
                if (r < 0)
                        return nsbox_error_set(reterr, r, "bind mount %s", f->destination);
        }
        return 0;
}

/* ---- linux.devices (config-linux.md "Devices") ---- */

int nsbox_mount_create_device(int rootfd, const NsboxDevice *d, bool in_userns, NsboxError **reterr)
{
        _cleanup_free_ char *dir = strdup(d->path);
        if (!dir)
                return -ENOMEM;
        char *slash = strrchr(dir, '/');
        const char *name = slash + 1;
        *slash = 0;
        if (!*name)
                return nsbox_error_set_message(reterr, EINVAL, "device %s: no file name", d->path);
        _cleanup_close_ int dpath = make_target_in_root(rootfd, *dir ? dir : "/", false);
        if (dpath < 0)
                return nsbox_error_set(reterr, dpath, "device %s: parent directory", d->path);
        _cleanup_close_ int pdir = openat(dpath, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (pdir < 0)
                return nsbox_error_set(reterr, errno, "device %s: parent directory", d->path);
        /* a default device (/dev/null, ...) or a file of the image gives way */
        if (unlinkat(pdir, name, 0) < 0 && errno != ENOENT)
                return nsbox_error_set(reterr, errno, "device %s: remove what is there", d->path);
        mode_t type = d->type == 'b' ? S_IFBLK : d->type == 'p' ? S_IFIFO : S_IFCHR;
        if (!in_userns || d->type == 'p') {
                if (mknodat(pdir, name, type | (d->file_mode & 07777), makedev(d->major, d->minor)) < 0)
                        return nsbox_error_set(reterr, errno, "mknod %s", d->path);
        } else {
                /* mknod is refused in a user namespace: bind the host's node,
                 * which must be the same device */
                struct stat st;
                if (stat(d->path, &st) < 0 || (st.st_mode & S_IFMT) != type ||
                    st.st_rdev != makedev(d->major, d->minor))
                        return nsbox_error_set_message(reterr, EPERM,
                                                       "device %s: cannot be created in a user namespace "
                                                       "and the host has no such device to bind",
                                                       d->path);
                _cleanup_close_ int f =
                        openat(pdir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
                if (f < 0)
                        return nsbox_error_set(reterr, errno, "device %s", d->path);
                _cleanup_close_ int t = openat(pdir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
                int r = t < 0 ? negative_errno() : bind_mount_fd(AT_FDCWD, d->path, t, false, 0, 0);
                if (r < 0)
                        return nsbox_error_set(reterr, r, "bind device %s", d->path);
                return 0;
        }
        /* mknod honours the umask */
        if (fchmodat(pdir, name, d->file_mode & 07777, 0) < 0)
                return nsbox_error_set(reterr, errno, "chmod %s", d->path);
        if (fchownat(pdir, name, d->uid, d->gid, AT_SYMLINK_NOFOLLOW) < 0 && errno != EINVAL)
                return nsbox_error_set(reterr, errno, "chown %s", d->path);
        return 0;
}

/* ---- masked and read-only paths (after pivot_root) ---- */
/* ---- masked and read-only paths ---- */

/* Masking /proc/kcore is only worth something if /proc is the procfs we
 * mounted, not a directory of the rootfs that claims to be it. */
static int check_fs_of(int rootfd, const char *path, NsboxError **reterr)
{
        struct {
                const char *top;
                unsigned long magic;
        } kinds[] = { { "/proc/", PROC_SUPER_MAGIC }, { "/sys/", SYSFS_MAGIC } };
        for (size_t i = 0; i < ELEMENTSOF(kinds); i++) {
                if (!startswith(path, kinds[i].top))
                        continue;
                struct statfs sf;
                char top[8];
                snprintf(top, sizeof(top), "%.*s", (int) strlen(kinds[i].top) - 1, kinds[i].top);
                _cleanup_close_ int fd = open_in_root(rootfd, top, O_PATH | O_NOFOLLOW);
                if (fd < 0)
                        return nsbox_error_set(reterr, fd, "%s", top);
                if (fstatfs(fd, &sf) < 0)
                        return nsbox_error_set(reterr, errno, "%s", top);
                if ((unsigned long) sf.f_type != kinds[i].magic)
                        return nsbox_error_set_message(reterr, EINVAL,
                                                       "%s: %s is not a %s mount; refused to go on without "
                                                       "its masks",
                                                       path, top, i == 0 ? "proc" : "sysfs");
        }
        return 0;
}

/* Runs before pivot_root, with paths resolved inside the rootfs at rootfd:
 * a masked file is covered by the host's /dev/null, which exists whatever the
 * user mounted on the container's /dev. */
static int apply_masked_paths(const NsboxSpec *spec, int rootfd, NsboxError **reterr)
{
        for (char **p = spec->linux_cfg.masked_paths; p && *p; p++) {
                int k = check_fs_of(rootfd, *p, reterr);
                if (k < 0)
                        return k;
                _cleanup_close_ int t = open_in_root(rootfd, *p, O_PATH | O_NOFOLLOW);
                if (t == -ENOENT)
                        continue;
                if (t < 0)
                        return nsbox_error_set(reterr, t, "masked path %s", *p);
                struct stat st;
                if (fstat(t, &st) < 0)
                        return nsbox_error_set(reterr, errno, "masked path %s", *p);
                int r;
                if (S_ISDIR(st.st_mode)) {
                        char fp[64];
                        fd_path(t, fp);
                        r = mount("tmpfs", fp, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                                  "size=0") < 0
                                    ? negative_errno()
                                    : 0;
                } else
                        r = bind_mount_fd(AT_FDCWD, "/dev/null", t, false, MOUNT_ATTR_RDONLY, 0);
                if (r < 0)
                        return nsbox_error_set(reterr, r, "mask %s", *p);
        }
        for (char **p = spec->linux_cfg.readonly_paths; p && *p; p++) {
                _cleanup_close_ int t = open_in_root(rootfd, *p, O_PATH | O_NOFOLLOW);
                if (t == -ENOENT)
                        continue;
                if (t < 0)
                        return nsbox_error_set(reterr, t, "read-only path %s", *p);
                int r = bind_mount_fd(
                        t, "", t, true,
                        MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, 0);
                if (r < 0)
                        return nsbox_error_set(reterr, r, "make %s read-only", *p);
        }
        return 0;
}

/* ---- the whole rootfs ---- */

static int mount_overlay(const char *lower, int stagefd, const char *stage, NsboxError **reterr)
{
        if (strpbrk(lower, ",:\\"))
                return nsbox_error_set_message(reterr, EINVAL,
                                               "rootfs '%s': path has ',', ':' or '\\', which "
                                               "overlayfs cannot take",
                                               lower);
        if ((mkdirat(stagefd, "upper", 0755) < 0 && errno != EEXIST) ||
            (mkdirat(stagefd, "work", 0700) < 0 && errno != EEXIST))
                return nsbox_error_set(reterr, errno, "create overlay directories");
        _cleanup_free_ char *data = NULL, *target = NULL;
        if (asprintf(&data, "lowerdir=%s,upperdir=%s/upper,workdir=%s/work", lower, stage, stage) < 0 ||
            asprintf(&target, "%s/root", stage) < 0)
                return -ENOMEM;
        if (mount("overlay", target, "overlay", 0, data) < 0)
                return nsbox_error_set(reterr, errno, "mount overlay on rootfs '%s'", lower);
        return 0;
}

int nsbox_mount_setup_rootfs(const NsboxSetupContext *ctx, NsboxError **reterr)
{
        const NsboxSpec *spec = ctx->spec;
        const char *prop = spec->linux_cfg.rootfs_propagation;
        int r;

        /* First of all: nothing we mount may propagate to the host. */
        unsigned long first = (prop && strstr(prop, "slave")) ? MS_SLAVE : MS_PRIVATE;
        if (mount(NULL, "/", NULL, MS_REC | first, NULL) < 0)
                return nsbox_error_set(reterr, errno, "make mounts private");

        bool overlay = spec->ext.root_overlay && !spec->root.readonly;
        _cleanup_close_ int tree = -EBADF;
        if (!overlay) {
                /* A copy of the rootfs's mount tree, taken before the stage tmpfs
                 * exists so it cannot be part of it. */
                tree = open_tree(AT_FDCWD, spec->root.path,
                                 OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
                if (tree < 0)
                        return nsbox_error_set(reterr, errno, "rootfs '%s'", spec->root.path);
                if (spec->root.readonly) {
                        struct mount_attr a = { .attr_set = MOUNT_ATTR_RDONLY };
                        if (mount_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &a, sizeof(a)) < 0)
                                return nsbox_error_set(reterr, errno, "make rootfs '%s' read-only",
                                                       spec->root.path);
                }
        } else {
                struct stat st;
                if (stat(spec->root.path, &st) < 0)
                        return nsbox_error_set(reterr, errno, "rootfs '%s'", spec->root.path);
        }

        if (mount("tmpfs", ctx->stage_dir, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0700") < 0)
                return nsbox_error_set(reterr, errno, "mount tmpfs on %s", ctx->stage_dir);
        _cleanup_close_ int stagefd = open(ctx->stage_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (stagefd < 0)
                return nsbox_error_set(reterr, errno, "open %s", ctx->stage_dir);
        if (mkdirat(stagefd, "root", 0755) < 0)
                return nsbox_error_set(reterr, errno, "create %s/root", ctx->stage_dir);
        _cleanup_close_ int rootdir = openat(stagefd, "root", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (rootdir < 0)
                return nsbox_error_set(reterr, errno, "open %s/root", ctx->stage_dir);

        if (overlay) {
                r = mount_overlay(spec->root.path, stagefd, ctx->stage_dir, reterr);
                if (r < 0)
                        return r;
        } else if (attach_mount(tree, rootdir) < 0)
                return nsbox_error_set(reterr, errno, "attach rootfs '%s'", spec->root.path);

        /* The rootfs is now mounted on top of rootdir: reopen to get its root. */
        _cleanup_close_ int rootfd = openat(stagefd, "root", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (rootfd < 0)
                return nsbox_error_set(reterr, errno, "open rootfs");

        /* The generated files go first, so that a mount the user asked for
         * (a --bind on /etc or /etc/hosts) covers them, rather than nsbox
         * creating files inside the user's bound directory. */
        r = bind_generated_files(ctx, stagefd, rootfd, reterr);
        if (r < 0)
                return r;
        for (size_t i = 0; i < spec->n_mounts; i++) {
                r = do_mount(rootfd, &spec->mounts[i], reterr);
                if (r < 0)
                        return r;
                /* The default devices go into the /dev tmpfs right away: a later
                 * mount on /dev (a bind of a host directory) must not get them. */
                if (is_dev_tmpfs(&spec->mounts[i])) {
                        r = setup_default_devices(rootfd, ctx->in_userns, reterr);
                        if (r < 0)
                                return r;
                }
        }

        r = apply_masked_paths(spec, rootfd, reterr);
        if (r < 0)
                return r;

        if (ctx->before_pivot) {
                r = ctx->before_pivot(ctx, rootfd, reterr);
                if (r < 0)
                        return r;
        }

        /* pivot_root(".", "."): the old root ends up on top of the new one and
         * is detached right away; a bare chroot could be escaped. */
        if (fchdir(rootfd) < 0)
                return nsbox_error_set(reterr, errno, "enter rootfs");
        if (sys_pivot_root(".", ".") < 0)
                return nsbox_error_set(reterr, errno, "pivot_root");
        if (umount2(".", MNT_DETACH) < 0)
                return nsbox_error_set(reterr, errno, "detach the old root");
        if (chdir("/") < 0)
                return nsbox_error_set(reterr, errno, "chdir /");


        if (prop && (strstr(prop, "shared") || strstr(prop, "unbindable"))) {
                unsigned long f =
                        (strstr(prop, "shared") ? MS_SHARED : MS_UNBINDABLE) | (prop[0] == 'r' ? MS_REC : 0);
                if (mount(NULL, "/", NULL, f, NULL) < 0)
                        return nsbox_error_set(reterr, errno, "set rootfs propagation %s", prop);
        }
        return 0;
}

int nsbox_mount_chdir(const char *cwd, NsboxError **reterr)
{
        _cleanup_close_ int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root < 0)
                return nsbox_error_set(reterr, errno, "open /");
        /* RESOLVE_NO_MAGICLINKS: /proc/self/fd/N of an fd this process still
         * holds from the caller would otherwise lead out (runc
         * CVE-2024-21626) */
        _cleanup_close_ int fd = open_in_root(root, cwd, O_PATH | O_DIRECTORY);
        if (fd == -ELOOP && startswith(cwd, "/proc/"))
                return nsbox_error_set_message(
                        reterr, ELOOP, "workdir '%s': goes through a /proc magic link; refused", cwd);
        if (fd < 0)
                return nsbox_error_set(reterr, fd, "workdir '%s'", cwd);
        if (fchdir(fd) < 0)
                return nsbox_error_set(reterr, errno, "workdir '%s'", cwd);
        return 0;
}

int nsbox_mount_console(int pty_fd, NsboxError **reterr)
{
        _cleanup_close_ int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root < 0)
                return nsbox_error_set(reterr, errno, "open /");
        _cleanup_close_ int target = make_target_in_root(root, "/dev/console", true);
        if (target < 0)
                return nsbox_error_set(reterr, target, "mount target /dev/console");
        struct stat st;
        if (fstat(target, &st) < 0)
                return nsbox_error_set(reterr, errno, "stat /dev/console");
        if (S_ISDIR(st.st_mode))
                return nsbox_error_set(reterr, EISDIR, "mount target /dev/console");
        int r = bind_mount_fd(pty_fd, "", target, false, 0, 0);
        if (r < 0)
                return nsbox_error_set(reterr, r, "bind the terminal on /dev/console");
        return 0;
}
