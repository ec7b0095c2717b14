/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdint.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>

#include "basic/macro.h"
#include "basic/rm-rf.h"

/* fchmodat2(2) (Linux 6.6) is the only way to chmod by name without following a
 * symlink; glibc 2.36 has no wrapper. */
#ifndef __NR_fchmodat2
#define __NR_fchmodat2 452
#endif

typedef struct DirEntryName {
        char *name;
        unsigned char type; /* d_type, DT_UNKNOWN if the filesystem does not say */
} DirEntryName;

static void names_free(DirEntryName *names, size_t n)
{
        for (size_t i = 0; i < n; i++)
                free(names[i].name);
        free(names);
}

/* Reads the whole directory first: we unlink while we go, and we close the
 * directory fd while we descend, so a live readdir stream cannot be kept. */
static int read_names(int fd, DirEntryName **ret, size_t *ret_n)
{
        int dfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        if (dfd < 0)
                return negative_errno();
        DIR *d = fdopendir(dfd);
        if (!d) {
                safe_close(dfd);
                return negative_errno();
        }
        rewinddir(d);

        DirEntryName *names = NULL;
        size_t n = 0, allocated = 0;
        int r = 0;
        for (;;) {
                errno = 0;
                struct dirent *de = readdir(d);
                if (!de) {
                        if (errno != 0)
                                r = -errno;
                        break;
                }
                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                if (n == allocated) {
                        size_t a = allocated ? allocated * 2 : 32;
                        DirEntryName *p = realloc(names, a * sizeof(*names));
                        if (!p) {
                                r = -ENOMEM;
                                break;
                        }
                        names = p;
                        allocated = a;
                }
                names[n].name = strdup(de->d_name);
                if (!names[n].name) {
                        r = -ENOMEM;
                        break;
                }
                names[n++].type = de->d_type;
        }
        closedir(d);
        if (r < 0) {
                names_free(names, n);
                return r;
        }
        *ret = names;
        *ret_n = n;
        return 0;
}

static bool same_mount(const struct statx *sx, uint64_t mnt_id, dev_t dev)
{
        if (makedev(sx->stx_dev_major, sx->stx_dev_minor) != dev)
                return false;
        /* A bind mount of the same filesystem has the same st_dev; the mount
         * id tells them apart where the kernel reports it (5.8+). */
        if ((sx->stx_mask & STATX_MNT_ID) && mnt_id != 0 && sx->stx_mnt_id != mnt_id)
                return false;
        return true;
}

/* Without write and search permission on a directory its owner cannot empty
 * it: extracted trees contain such directories (0555 and the like). */
static void make_removable(int dirfd, const char *name, const struct statx *sx)
{
        if ((sx->stx_mode & 0700) == 0700)
                return;
        (void) syscall(__NR_fchmodat2, dirfd, name, (mode_t) ((sx->stx_mode & 07777) | 0700),
                       AT_SYMLINK_NOFOLLOW);
}

#define RECORD(ret, r)                     \
        do {                               \
                if ((ret) == 0 && (r) < 0) \
                        (ret) = (r);       \
        } while (0)

/* Empties the directory open as *fdp. *fdp may be replaced by a new fd of the
 * same directory; it is -EBADF after a failure that lost the directory. */
static int rm_children(int *fdp, uint64_t mnt_id, dev_t dev)
{
        struct stat self;
        if (fstat(*fdp, &self) < 0)
                return negative_errno();

        DirEntryName *names = NULL;
        size_t n = 0;
        int r = read_names(*fdp, &names, &n);
        if (r < 0)
                return r;

        int ret = 0;
        for (size_t i = 0; i < n; i++) {
                const char *name = names[i].name;

                if (names[i].type != DT_DIR && names[i].type != DT_UNKNOWN) {
                        if (unlinkat(*fdp, name, 0) < 0 && errno != ENOENT)
                                RECORD(ret, negative_errno());
                        continue;
                }

                struct statx sx;
                if (statx(*fdp, name, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT,
                          STATX_TYPE | STATX_MODE | STATX_INO | STATX_MNT_ID, &sx) < 0) {
                        if (errno != ENOENT)
                                RECORD(ret, negative_errno());
                        continue;
                }
                if (!S_ISDIR(sx.stx_mode)) {
                        if (unlinkat(*fdp, name, 0) < 0 && errno != ENOENT)
                                RECORD(ret, negative_errno());
                        continue;
                }
                if (!same_mount(&sx, mnt_id, dev)) {
                        RECORD(ret, -EXDEV);
                        continue;
                }
                make_removable(*fdp, name, &sx);

                int child = openat(*fdp, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (child < 0) {
                        RECORD(ret, negative_errno());
                        continue;
                }
                struct stat cst;
                if (fstat(child, &cst) < 0 || cst.st_ino != sx.stx_ino || cst.st_dev != dev) {
                        /* Swapped between statx and open: not what we looked at. */
                        safe_close(child);
                        RECORD(ret, -ESTALE);
                        continue;
                }

                /* Close our own fd while the child is emptied, and come back
                 * through "..", so that the depth of the tree does not decide
                 * how many fds we hold. */
                *fdp = safe_close(*fdp);
                r = rm_children(&child, mnt_id, dev);
                if (child < 0) {
                        names_free(names, n);
                        return ret < 0 ? ret : r;
                }
                int parent = openat(child, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                safe_close(child);
                struct stat pst;
                if (parent < 0 || fstat(parent, &pst) < 0 || pst.st_ino != self.st_ino ||
                    pst.st_dev != self.st_dev) {
                        /* Our directory was moved meanwhile: stop rather than
                         * remove things somewhere else. */
                        safe_close(parent);
                        names_free(names, n);
                        return ret < 0 ? ret : -ESTALE;
                }
                *fdp = parent;

                if (r < 0)
                        RECORD(ret, r);
                else if (unlinkat(*fdp, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
                        RECORD(ret, negative_errno());
        }
        names_free(names, n);
        return ret;
}

int rm_rf_at(int dirfd, const char *name)
{
        struct statx sx;
        if (statx(dirfd, name, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT,
                  STATX_TYPE | STATX_MODE | STATX_INO | STATX_MNT_ID, &sx) < 0)
                return errno == ENOENT ? 0 : negative_errno();
        if (!S_ISDIR(sx.stx_mode)) {
                if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
                        return negative_errno();
                return 0;
        }
        make_removable(dirfd, name, &sx);

        int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        struct statx self;
        if (statx(fd, "", AT_EMPTY_PATH, STATX_TYPE | STATX_INO | STATX_MNT_ID, &self) < 0) {
                safe_close(fd);
                return negative_errno();
        }

        /* A mount point (or "/") is not ours to empty: ".." of a mount's root
         * is on the mount below, and ".." of "/" is "/" itself. */
        int parent = openat(fd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (parent < 0) {
                safe_close(fd);
                return negative_errno();
        }
        struct statx psx;
        int r = statx(parent, "", AT_EMPTY_PATH, STATX_TYPE | STATX_INO | STATX_MNT_ID, &psx);
        safe_close(parent);
        if (r < 0) {
                safe_close(fd);
                return negative_errno();
        }
        dev_t dev = makedev(self.stx_dev_major, self.stx_dev_minor);
        uint64_t mnt_id = (self.stx_mask & STATX_MNT_ID) ? self.stx_mnt_id : 0;
        if (!same_mount(&psx, mnt_id, dev) || psx.stx_ino == self.stx_ino) {
                safe_close(fd);
                return -EBUSY;
        }

        r = rm_children(&fd, mnt_id, dev);
        if (fd < 0)
                return r;
        safe_close(fd);
        if (r < 0)
                return r;
        if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
                return negative_errno();
        return 0;
}
