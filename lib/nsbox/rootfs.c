/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Rootfs tarballs: safe extraction and the extracted-rootfs cache.
 *
 * Extraction is ours, not archive_write_disk(): libarchive's disk writer
 * resolves paths by name and its symlink checks are a flag away from off; here
 * every parent directory is opened with openat2(RESOLVE_BENEATH |
 * RESOLVE_NO_SYMLINKS) below the destination and every final component is
 * created with an *at() call that does not follow it, so an archive cannot
 * write outside the destination whatever it contains.
 */
#include <limits.h>
#include <stdarg.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <time.h>

#include "basic/fileio.h"
#include "basic/macro.h"
#include "basic/missing.h"
#include "basic/rm-rf.h"
#include "nsbox/dlopen-archive.h"
#include "nsbox/internal.h"

/* fchmodat2(2) (Linux 6.6): chmod by name without following a symlink. */
#ifndef __NR_fchmodat2
#define __NR_fchmodat2 452
#endif

#define SHA256_HEX_LEN 64
#define TMP_INFIX ".tmp-"
#define LOCK_SUFFIX ".lock"
#define INDEX_DIR "index"
#define INDEX_MAGIC "nsbox-rootfs-index-1"

/* How often (in compressed bytes) the progress callback runs at most. */
#define PROGRESS_STEP (256U * 1024U)

static void archive_freep(struct archive **a)
{
        if (*a)
                archive_read_free(*a);
}

/* ---- messages ---------------------------------------------------------- */

/* Entry names come from the archive: escape them so that a message stays one
 * printable line whatever the archive holds. Returns NULL only without memory. */
static char *escape_name(const char *s)
{
        size_t l = strlen(s);
        char *out = malloc(l * 4 + 1), *p = out;
        if (!out)
                return NULL;
        for (const unsigned char *c = (const unsigned char *) s; *c; c++) {
                if (*c < 0x20 || *c == 0x7f || *c == '\\') {
                        sprintf(p, "\\x%02x", *c);
                        p += 4;
                } else
                        *p++ = (char) *c;
        }
        *p = '\0';
        return out;
}

/* "archive entry 'NAME': MESSAGE", or with errno text when what == NULL:
 * "archive entry 'NAME': strerror(r)". */
static _printf_(4, 5) int entry_error(NsboxError **reterr, int r, const char *name, const char *fmt, ...)
{
        _cleanup_free_ char *e = escape_name(name);
        _cleanup_free_ char *what = NULL;

        if (fmt) {
                va_list ap;
                va_start(ap, fmt);
                if (vasprintf(&what, fmt, ap) < 0)
                        what = NULL;
                va_end(ap);
                if (what)
                        return nsbox_error_set_message(reterr, r, "archive entry '%s': %s", e ? e : "?",
                                                       what);
        }
        return nsbox_error_set(reterr, r, "archive entry '%s'", e ? e : "?");
}

/* libarchive reports format problems with its own pseudo-errnos (EILSEQ for
 * ARCHIVE_ERRNO_FILE_FORMAT, -1 for ARCHIVE_ERRNO_MISC, EINVAL); those become
 * -EINVAL, real errnos from reading the fd are passed on. */
static int archive_failed(struct archive *a, bool before_first_entry, NsboxError **reterr)
{
        int e = archive_errno(a);
        const char *msg = archive_error_string(a);

        if (e == ENOMEM)
                return nsbox_error_set(reterr, ENOMEM, "read archive");
        if (e > 0 && e != EILSEQ && e != EINVAL)
                return nsbox_error_set_message(reterr, e, "read archive: %s", msg ? msg : strerror(e));
        if (before_first_entry && e == EILSEQ && msg && streq(msg, "Unrecognized archive format"))
                return nsbox_error_set_message(reterr, EINVAL, "not a tar archive");
        return nsbox_error_set_message(reterr, EINVAL, "truncated or damaged archive: %s",
                                       msg ? msg : "unknown error");
}

/* ---- entry names --------------------------------------------------------- */

/* Normalizes an entry name into a relative path without "", "." components or
 * trailing slashes ("./usr//bin/" -> "usr/bin"; "./" -> "", the top).
 * Returns 0, -EINVAL for an absolute name, -EXDEV for a ".." component, -ENOMEM. */
static int normalize_name(const char *name, char **ret)
{
        if (name[0] == '/')
                return -EINVAL;

        char *out = malloc(strlen(name) + 1), *p = out;
        if (!out)
                return -ENOMEM;
        const char *s = name;
        while (*s) {
                size_t n = strcspn(s, "/");
                if (n == 2 && s[0] == '.' && s[1] == '.') {
                        free(out);
                        return -EXDEV;
                }
                if (n > 0 && !(n == 1 && s[0] == '.')) {
                        if (p != out)
                                *p++ = '/';
                        memcpy(p, s, n);
                        p += n;
                }
                s += n;
                while (*s == '/')
                        s++;
        }
        *p = '\0';
        *ret = out;
        return 0;
}

/* Splits a normalized path in place: "a/b/c" -> parent "a/b", base "c"; "c" -> parent "". */
static void split_path(char *path, const char **ret_parent, const char **ret_base)
{
        char *slash = strrchr(path, '/');
        if (!slash) {
                *ret_parent = "";
                *ret_base = path;
                return;
        }
        *slash = '\0';
        *ret_parent = path;
        *ret_base = slash + 1;
}

/* The entry's name as stored: raw bytes for ustar/GNU headers; pax names are
 * UTF-8, which libarchive may fail to convert to a C locale, so fall back. */
static const char *entry_pathname(struct archive_entry *e)
{
        const char *n = archive_entry_pathname(e);
        return n ? n : archive_entry_pathname_utf8(e);
}

static const char *entry_hardlink(struct archive_entry *e)
{
        const char *n = archive_entry_hardlink(e);
        return n ? n : archive_entry_hardlink_utf8(e);
}

static const char *entry_symlink(struct archive_entry *e)
{
        const char *n = archive_entry_symlink(e);
        return n ? n : archive_entry_symlink_utf8(e);
}

/* ---- the extraction ------------------------------------------------------ */

/* Directory modes and times are applied at the end: creating children changes
 * a directory's mtime, and a read-only directory could not take children. */
typedef struct DirFixup {
        char *path; /* normalized, relative to the destination; "" is the top */
        mode_t mode;
        bool has_times;
        struct timespec times[2];
        size_t seq; /* order of appearance: for duplicates the last one wins */
} DirFixup;

typedef struct Extract {
        struct archive *a;
        int dest_fd;

        DirFixup *dirs;
        size_t n_dirs, allocated_dirs;

        unsigned skipped_devices; /* device nodes we had no privilege to make */

        NsboxProgressFn progress;
        void *userdata;
        uint64_t total;
        uint64_t last_reported;
} Extract;

static void extract_done(Extract *x)
{
        for (size_t i = 0; i < x->n_dirs; i++)
                free(x->dirs[i].path);
        free(x->dirs);
}

static void report_progress(Extract *x, bool force)
{
        if (!x->progress)
                return;
        la_int64_t b = archive_filter_bytes(x->a, -1);
        uint64_t done = b > 0 ? (uint64_t) b : 0;
        if (x->total > 0 && done > x->total)
                done = x->total;
        if (!force && done - x->last_reported < PROGRESS_STEP)
                return;
        x->last_reported = done;
        x->progress(done, x->total, x->userdata);
}


/* Opens a path below dirfd without following any symlink on the way, the last
 * component included, and without leaving dirfd. "" is dirfd itself. */
static int open_beneath(int dirfd, const char *path, int flags)
{
        if (path[0] == '\0') {
                int fd = openat(dirfd, ".", flags | O_CLOEXEC);
                return fd < 0 ? negative_errno() : fd;
        }

        struct open_how how = {
                .flags = (uint64_t) (flags | O_CLOEXEC),
                .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
        };
        for (unsigned attempt = 0;; attempt++) {
                int fd = sys_openat2(dirfd, path, &how);
                if (fd >= 0)
                        return fd;
                /* EAGAIN: a concurrent rename made the kernel give up on a
                 * safe lookup; it is worth another try. */
                if ((errno == EAGAIN || errno == EINTR) && attempt < 16)
                        continue;
                return negative_errno();
        }
}

static int path_error(NsboxError **reterr, int r, const char *name)
{
        switch (r) {
        case -ELOOP:
                return entry_error(reterr, -ELOOP, name, "path goes through a symlink");
        case -EXDEV:
                return entry_error(reterr, -EINVAL, name, "path leaves the rootfs");
        case -ENOTDIR:
                return entry_error(reterr, -ENOTDIR, name, "a parent is not a directory");
        default:
                return entry_error(reterr, r, name, NULL);
        }
}

static int add_dir_fixup(Extract *x, const char *path, mode_t mode, const struct timespec *times)
{
        if (x->n_dirs == x->allocated_dirs) {
                size_t a = x->allocated_dirs ? x->allocated_dirs * 2 : 64;
                DirFixup *d = realloc(x->dirs, a * sizeof(*d));
                if (!d)
                        return -ENOMEM;
                x->dirs = d;
                x->allocated_dirs = a;
        }
        char *p = strdup(path);
        if (!p)
                return -ENOMEM;
        x->dirs[x->n_dirs] = (DirFixup){
                .path = p,
                .mode = mode,
                .has_times = times != NULL,
                .seq = x->n_dirs,
        };
        if (times)
                memcpy(x->dirs[x->n_dirs].times, times, sizeof(x->dirs[x->n_dirs].times));
        x->n_dirs++;
        return 0;
}

/* Creates the missing directories of "a/b/c" one component at a time, each
 * opened before the next is made below it. Directories that the archive does
 * not list get 0755 (applied at the end), like tar's. Returns an O_PATH fd. */
static int make_parents(Extract *x, const char *parent)
{
        _cleanup_free_ char *p = strdup(parent);
        if (!p)
                return -ENOMEM;

        int cur = x->dest_fd;
        for (char *s = p;;) {
                char *slash = strchr(s, '/');
                if (slash)
                        *slash = '\0';

                int r = 0;
                if (mkdirat(cur, s, 0700) >= 0) {
                        _cleanup_free_ char *sofar = strndup(parent, (size_t) (s - p) + strlen(s));
                        r = sofar ? add_dir_fixup(x, sofar, 0755, NULL) : -ENOMEM;
                } else if (errno != EEXIST)
                        r = negative_errno();

                int next = r < 0 ? r : open_beneath(cur, s, O_PATH | O_DIRECTORY);
                if (cur != x->dest_fd)
                        safe_close(cur);
                if (next < 0)
                        return next;
                cur = next;
                if (!slash)
                        return cur;
                s = slash + 1;
        }
}

static int open_parent(Extract *x, const char *parent)
{
        int fd = open_beneath(x->dest_fd, parent, O_PATH | O_DIRECTORY);
        if (fd == -ENOENT)
                fd = make_parents(x, parent);
        return fd;
}

/* Makes room for a new entry: tar semantics, a later entry replaces an
 * earlier one of the same name; a directory only if it is empty. */
static int remove_existing(int pfd, const char *base)
{
        struct stat st;
        if (fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return errno == ENOENT ? 0 : negative_errno();
        if (unlinkat(pfd, base, S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0) < 0 && errno != ENOENT)
                return negative_errno();
        return 0;
}

/* chown fails with EPERM without CAP_CHOWN and with EINVAL for an id that the
 * user namespace does not map: then the caller keeps owning the file. */
static bool chown_error_ignorable(int e)
{
        return e == EPERM || e == EINVAL;
}

static void entry_times(struct archive_entry *e, struct timespec ts[2])
{
        if (archive_entry_mtime_is_set(e))
                ts[1] = (struct timespec){ .tv_sec = archive_entry_mtime(e),
                                           .tv_nsec = archive_entry_mtime_nsec(e) };
        else
                ts[1] = (struct timespec){ .tv_nsec = UTIME_OMIT };
        if (archive_entry_atime_is_set(e))
                ts[0] = (struct timespec){ .tv_sec = archive_entry_atime(e),
                                           .tv_nsec = archive_entry_atime_nsec(e) };
        else
                ts[0] = ts[1];
}

/* Only the extended attributes a rootfs needs: file capabilities (ping and
 * the like) and user.*. trusted.* and other security.* names are the host's
 * business (trusted.overlay.* would steer overlayfs when the tree becomes a
 * lower layer). Failures from filesystems or privileges that do not allow them
 * are not fatal, as with owners. */
static int set_xattrs(int fd, struct archive_entry *e)
{
        const char *name;
        const void *value;
        size_t size;

        archive_entry_xattr_reset(e);
        while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
                if (!name || !(streq(name, "security.capability") || startswith(name, "user.")))
                        continue;
                if (fsetxattr(fd, name, value, size, 0) < 0 && errno != EPERM && errno != EACCES &&
                    errno != EOPNOTSUPP && errno != EINVAL && errno != ERANGE)
                        return negative_errno();
        }
        return 0;
}

/* Owner, then mode (chown clears setuid/setgid bits), then extended attributes
 * (chown also clears file capabilities), then times. A directory's mode and
 * times wait for the end. */
static int apply_metadata_fd(int fd, struct archive_entry *e, bool is_dir)
{
        if (fchown(fd, (uid_t) archive_entry_uid(e), (gid_t) archive_entry_gid(e)) < 0 &&
            !chown_error_ignorable(errno))
                return negative_errno();
        if (!is_dir && fchmod(fd, archive_entry_perm(e) & 07777) < 0)
                return negative_errno();
        int r = set_xattrs(fd, e);
        if (r < 0)
                return r;
        if (!is_dir) {
                struct timespec ts[2];
                entry_times(e, ts);
                if (futimens(fd, ts) < 0)
                        return negative_errno();
        }
        return 0;
}

static int pwrite_all(int fd, const void *buf, size_t size, off_t offset)
{
        const char *p = buf;
        while (size > 0) {
                ssize_t n = pwrite(fd, p, size, offset);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                p += n;
                size -= (size_t) n;
                offset += n;
        }
        return 0;
}

static int extract_file(Extract *x, struct archive_entry *e, int pfd, const char *base, const char *name,
                        NsboxError **reterr)
{
        _cleanup_close_ int fd = -EBADF;
        int r;

        for (unsigned attempt = 0;; attempt++) {
                fd = openat(pfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY,
                            0600);
                if (fd >= 0)
                        break;
                r = negative_errno();
                if (r != -EEXIST || attempt > 0)
                        return entry_error(reterr, r, name, NULL);
                r = remove_existing(pfd, base);
                if (r < 0)
                        return entry_error(reterr, r, name, "replace existing file: %s", strerror(-r));
        }

        int64_t end = 0;
        for (;;) {
                const void *buf;
                size_t size;
                la_int64_t offset;
                int ar = archive_read_data_block(x->a, &buf, &size, &offset);
                if (ar == ARCHIVE_EOF)
                        break;
                if (ar != ARCHIVE_OK && ar != ARCHIVE_WARN)
                        return archive_failed(x->a, false, reterr);
                if (offset < 0)
                        return entry_error(reterr, -EINVAL, name, "negative data offset");
                r = pwrite_all(fd, buf, size, (off_t) offset);
                if (r < 0)
                        return entry_error(reterr, r, name, "write: %s", strerror(-r));
                if ((int64_t) (offset + (la_int64_t) size) > end)
                        end = offset + (la_int64_t) size;
                report_progress(x, false);
        }
        /* A sparse file may end in a hole, which no data block covers. */
        if (archive_entry_size_is_set(e) && archive_entry_size(e) > end &&
            ftruncate(fd, (off_t) archive_entry_size(e)) < 0)
                return entry_error(reterr, negative_errno(), name, NULL);

        r = apply_metadata_fd(fd, e, false);
        if (r < 0)
                return entry_error(reterr, r, name, NULL);
        return 0;
}

static int extract_dir(Extract *x, struct archive_entry *e, int pfd, const char *base, const char *path,
                       const char *name, NsboxError **reterr)
{
        _cleanup_close_ int fd = -EBADF;
        int r;

        for (unsigned attempt = 0;; attempt++) {
                if (mkdirat(pfd, base, 0700) < 0 && errno != EEXIST)
                        return entry_error(reterr, negative_errno(), name, NULL);
                /* The mode stays 0700 until the end, so we can add children. */
                fd = openat(pfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (fd >= 0)
                        break;
                r = negative_errno();
                if ((r != -ENOTDIR && r != -ELOOP) || attempt > 0)
                        return entry_error(reterr, r, name, NULL);
                /* Something else than a directory holds the name. */
                r = remove_existing(pfd, base);
                if (r < 0)
                        return entry_error(reterr, r, name, "replace existing file: %s", strerror(-r));
        }

        r = apply_metadata_fd(fd, e, true);
        if (r < 0)
                return entry_error(reterr, r, name, NULL);

        struct timespec ts[2];
        entry_times(e, ts);
        r = add_dir_fixup(x, path, archive_entry_perm(e) & 07777, ts);
        if (r < 0)
                return nsbox_error_set(reterr, r, "archive entry");
        return 0;
}

/* "./" in an archive describes the destination directory itself. */
static int extract_top(Extract *x, struct archive_entry *e, const char *name, NsboxError **reterr)
{
        _cleanup_close_ int fd = openat(x->dest_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return entry_error(reterr, negative_errno(), name, NULL);
        int r = apply_metadata_fd(fd, e, true);
        if (r < 0)
                return entry_error(reterr, r, name, NULL);

        struct timespec ts[2];
        entry_times(e, ts);
        r = add_dir_fixup(x, "", archive_entry_perm(e) & 07777, ts);
        if (r < 0)
                return nsbox_error_set(reterr, r, "archive entry");
        return 0;
}

static int extract_symlink(struct archive_entry *e, int pfd, const char *base, const char *name,
                           NsboxError **reterr)
{
        const char *target = entry_symlink(e);
        int r;

        if (!target)
                return entry_error(reterr, -EINVAL, name, "symlink without a target");

        /* The target is stored verbatim: absolute targets (bin/sh ->
         * /bin/busybox) are meant to be resolved inside the container. */
        for (unsigned attempt = 0;; attempt++) {
                if (symlinkat(target, pfd, base) >= 0)
                        break;
                r = negative_errno();
                if (r != -EEXIST || attempt > 0)
                        return entry_error(reterr, r, name, NULL);
                r = remove_existing(pfd, base);
                if (r < 0)
                        return entry_error(reterr, r, name, "replace existing file: %s", strerror(-r));
        }

        if (fchownat(pfd, base, (uid_t) archive_entry_uid(e), (gid_t) archive_entry_gid(e),
                     AT_SYMLINK_NOFOLLOW) < 0 &&
            !chown_error_ignorable(errno))
                return entry_error(reterr, negative_errno(), name, NULL);
        struct timespec ts[2];
        entry_times(e, ts);
        if (utimensat(pfd, base, ts, AT_SYMLINK_NOFOLLOW) < 0)
                return entry_error(reterr, negative_errno(), name, NULL);
        return 0;
}

static int extract_hardlink(Extract *x, const char *target, int pfd, const char *base, const char *path,
                            const char *name, NsboxError **reterr)
{
        _cleanup_free_ char *tpath = NULL, *etarget = escape_name(target);
        const char *t = etarget ? etarget : "?";
        int r;

        r = normalize_name(target, &tpath);
        if (r == -EINVAL)
                return entry_error(reterr, -EINVAL, name, "hard link target '%s' is an absolute path", t);
        if (r == -EXDEV)
                return entry_error(reterr, -EINVAL, name, "hard link target '%s' leaves the rootfs", t);
        if (r < 0)
                return nsbox_error_set(reterr, r, "archive entry");
        if (tpath[0] == '\0')
                return entry_error(reterr, -EINVAL, name, "hard link target '%s' is the top directory", t);
        if (streq(tpath, path))
                return 0; /* a link to itself: already there */

        const char *tparent, *tbase;
        split_path(tpath, &tparent, &tbase);
        _cleanup_close_ int tpfd = open_beneath(x->dest_fd, tparent, O_PATH | O_DIRECTORY);
        if (tpfd < 0) {
                r = tpfd;
                if (r == -ELOOP)
                        return entry_error(reterr, r, name,
                                           "hard link target '%s': path goes through a symlink", t);
                return entry_error(reterr, r, name, "hard link target '%s': %s", t, strerror(-r));
        }

        /* No AT_SYMLINK_FOLLOW: a link to a symlink links the symlink. */
        for (unsigned attempt = 0;; attempt++) {
                if (linkat(tpfd, tbase, pfd, base, 0) >= 0)
                        return 0;
                r = negative_errno();
                if (r != -EEXIST || attempt > 0)
                        return entry_error(reterr, r, name, "hard link to '%s': %s", t, strerror(-r));
                r = remove_existing(pfd, base);
                if (r < 0)
                        return entry_error(reterr, r, name, "replace existing file: %s", strerror(-r));
        }
}

static int extract_node(Extract *x, struct archive_entry *e, int pfd, const char *base, const char *name,
                        NsboxError **reterr)
{
        mode_t type = archive_entry_filetype(e);
        dev_t rdev = type == AE_IFIFO ? 0 : archive_entry_rdev(e);
        mode_t perm = archive_entry_perm(e) & 07777;
        int r;

        for (unsigned attempt = 0;; attempt++) {
                if (mknodat(pfd, base, type | 0600, rdev) >= 0)
                        break;
                r = negative_errno();
                if (r == -EPERM && type != AE_IFIFO) {
                        /* No CAP_MKNOD (not root, or a user namespace): a
                         * container gets its own /dev anyway. */
                        x->skipped_devices++;
                        return 0;
                }
                if (r != -EEXIST || attempt > 0)
                        return entry_error(reterr, r, name, NULL);
                r = remove_existing(pfd, base);
                if (r < 0)
                        return entry_error(reterr, r, name, "replace existing file: %s", strerror(-r));
        }

        /* Device nodes and fifos are not opened (that could block or touch a
         * device): metadata by name, never following a symlink. */
        if (fchownat(pfd, base, (uid_t) archive_entry_uid(e), (gid_t) archive_entry_gid(e),
                     AT_SYMLINK_NOFOLLOW) < 0 &&
            !chown_error_ignorable(errno))
                return entry_error(reterr, negative_errno(), name, NULL);
        if (syscall(__NR_fchmodat2, pfd, base, perm, AT_SYMLINK_NOFOLLOW) < 0) {
                /* Before Linux 6.6: the name is the node we just made, in a
                 * tree only we write to. */
                if (errno != ENOSYS || fchmodat(pfd, base, perm, 0) < 0)
                        return entry_error(reterr, negative_errno(), name, NULL);
        }
        struct timespec ts[2];
        entry_times(e, ts);
        if (utimensat(pfd, base, ts, AT_SYMLINK_NOFOLLOW) < 0)
                return entry_error(reterr, negative_errno(), name, NULL);
        return 0;
}

static int extract_entry(Extract *x, struct archive_entry *e, NsboxError **reterr)
{
        const char *name = entry_pathname(e);
        if (!name)
                return nsbox_error_set_message(reterr, EINVAL, "archive entry without a name");

        _cleanup_free_ char *path = NULL;
        int r = normalize_name(name, &path);
        if (r == -EINVAL)
                return entry_error(reterr, -EINVAL, name, "absolute path");
        if (r == -EXDEV)
                return entry_error(reterr, -EINVAL, name, "path leaves the rootfs");
        if (r < 0)
                return nsbox_error_set(reterr, r, "archive entry");

        const char *hardlink = entry_hardlink(e);
        mode_t type = archive_entry_filetype(e);

        if (path[0] == '\0') {
                if (hardlink || type != AE_IFDIR)
                        return entry_error(reterr, -EINVAL, name,
                                           "names the top directory but is not a directory");
                return extract_top(x, e, name, reterr);
        }

        /* Sockets cannot be stored meaningfully (tar does not create them
         * either); skip them before making their parents. */
        if (!hardlink && type != AE_IFDIR && type != AE_IFREG && type != AE_IFLNK && type != AE_IFCHR &&
            type != AE_IFBLK && type != AE_IFIFO)
                return 0;

        _cleanup_free_ char *full = strdup(path);
        if (!full)
                return nsbox_error_set(reterr, ENOMEM, "archive entry");
        const char *parent, *base;
        split_path(path, &parent, &base);

        _cleanup_close_ int pfd = open_parent(x, parent);
        if (pfd < 0)
                return path_error(reterr, pfd, name);

        if (hardlink)
                return extract_hardlink(x, hardlink, pfd, base, full, name, reterr);
        switch (type) {
        case AE_IFDIR:
                return extract_dir(x, e, pfd, base, full, name, reterr);
        case AE_IFREG:
                return extract_file(x, e, pfd, base, name, reterr);
        case AE_IFLNK:
                return extract_symlink(e, pfd, base, name, reterr);
        default:
                return extract_node(x, e, pfd, base, name, reterr);
        }
}

static int fixup_cmp(const void *a, const void *b)
{
        const DirFixup *x = a, *y = b;
        int c = strcmp(x->path, y->path);
        if (c != 0)
                return c;
        return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Sorted by name, a directory comes before everything below it: walking the
 * list backwards sets children before their parents lose write or search
 * permission, and for a name listed twice the later entry (higher seq, so
 * sorted last) is met first and wins. */
static int apply_dir_fixups(Extract *x, NsboxError **reterr)
{
        qsort(x->dirs, x->n_dirs, sizeof(*x->dirs), fixup_cmp);
        for (size_t i = x->n_dirs; i-- > 0;) {
                const DirFixup *d = &x->dirs[i];
                if (i + 1 < x->n_dirs && streq(d->path, x->dirs[i + 1].path))
                        continue;

                _cleanup_close_ int fd = open_beneath(x->dest_fd, d->path, O_RDONLY | O_DIRECTORY);
                if (fd < 0) {
                        /* Replaced by a later entry (a file or a symlink). */
                        if (fd == -ENOENT || fd == -ENOTDIR || fd == -ELOOP)
                                continue;
                        return path_error(reterr, fd, d->path[0] ? d->path : ".");
                }
                if (fchmod(fd, d->mode) < 0)
                        return entry_error(reterr, negative_errno(), d->path[0] ? d->path : ".", NULL);
                if (d->has_times && futimens(fd, d->times) < 0)
                        return entry_error(reterr, negative_errno(), d->path[0] ? d->path : ".", NULL);
        }
        return 0;
}

/* nsbox_archive_extract(), also counting the device nodes it had no
 * privilege to make (for the caller's note). */
static int archive_extract(int archive_fd, int dest_dirfd, NsboxProgressFn progress, void *userdata,
                           unsigned *ret_skipped, NsboxError **reterr)
{
        struct stat st;
        int r;

        r = nsbox_dlopen_archive(reterr);
        if (r < 0)
                return r;
        if (fstat(archive_fd, &st) < 0)
                return nsbox_error_set(reterr, errno, "archive");
        if (S_ISDIR(st.st_mode))
                return nsbox_error_set_message(reterr, EISDIR, "not a tar archive: a directory");
        struct stat dst;
        if (fstat(dest_dirfd, &dst) < 0)
                return nsbox_error_set(reterr, errno, "destination");
        if (!S_ISDIR(dst.st_mode))
                return nsbox_error_set(reterr, ENOTDIR, "destination");

        Extract x = {
                .dest_fd = dest_dirfd,
                .progress = progress,
                .userdata = userdata,
        };
        if (S_ISREG(st.st_mode)) {
                off_t pos = lseek(archive_fd, 0, SEEK_CUR);
                if (pos < 0)
                        pos = 0;
                if (st.st_size <= pos)
                        return nsbox_error_set_message(reterr, EINVAL, "not a tar archive: empty file");
                x.total = (uint64_t) (st.st_size - pos);
        }

        _cleanup_(archive_freep) struct archive *a = archive_read_new();
        if (!a)
                return nsbox_error_set(reterr, ENOMEM, "read archive");
        x.a = a;

        /* The compressions rootfs tarballs come in, all built into Debian's
         * libarchive. Not archive_read_support_filter_all(): for the rest
         * (lrzip, grzip, lzop) libarchive would fork and exec an external
         * program from inside our caller's process. */
        archive_read_support_filter_gzip(a);
        archive_read_support_filter_bzip2(a);
        archive_read_support_filter_xz(a);
        archive_read_support_filter_lzma(a);
        archive_read_support_filter_lzip(a);
        archive_read_support_filter_zstd(a);
        archive_read_support_filter_lz4(a);
        archive_read_support_filter_compress(a);
        /* ustar, pax, GNU and the older tar variants; nothing else. */
        archive_read_support_format_tar(a);

        if (archive_read_open_fd(a, archive_fd, 128 * 1024) != ARCHIVE_OK)
                return archive_failed(a, true, reterr);

        bool first = true;
        for (;;) {
                struct archive_entry *e;
                int ar = archive_read_next_header(a, &e);
                if (ar == ARCHIVE_EOF)
                        break;
                if (ar != ARCHIVE_OK && ar != ARCHIVE_WARN) {
                        r = archive_failed(a, first, reterr);
                        goto finish;
                }
                first = false;
                r = extract_entry(&x, e, reterr);
                if (r < 0)
                        goto finish;
                report_progress(&x, false);
        }

        r = apply_dir_fixups(&x, reterr);
        if (r < 0)
                goto finish;
        report_progress(&x, true);
        r = 0;
        if (ret_skipped)
                *ret_skipped = x.skipped_devices;
finish:
        extract_done(&x);
        return r;
}

int nsbox_archive_extract(int archive_fd, int dest_dirfd, NsboxProgressFn progress, void *userdata,
                          NsboxError **reterr)
{
        return archive_extract(archive_fd, dest_dirfd, progress, userdata, NULL, reterr);
}

/* ---- the cache ----------------------------------------------------------- */

/* mkdir -p, new directories private to the caller (XDG asks 0700 of
 * ~/.cache; /var/cache/nsbox holds root-owned setuid binaries). */
static int mkdir_p(const char *path, mode_t mode)
{
        _cleanup_free_ char *p = strdup(path);
        if (!p)
                return -ENOMEM;
        for (char *s = p + 1;; s++) {
                if (*s != '/' && *s != '\0')
                        continue;
                char c = *s;
                *s = '\0';
                if (mkdir(p, mode) < 0 && errno != EEXIST) {
                        int r = negative_errno();
                        struct stat st;
                        /* EACCES or EROFS on an existing parent is fine. */
                        if (stat(p, &st) < 0 || !S_ISDIR(st.st_mode))
                                return r;
                }
                *s = c;
                if (c == '\0')
                        return 0;
        }
}

/* Opens "<cache_dir>/rootfs", creating what is missing when create is set.
 * Its contents end up as containers' root filesystems: a directory that
 * someone else could write to is refused. */
static int open_rootfs_cache(const char *cache_dir, bool create, NsboxError **reterr)
{
        int r;

        if (create) {
                r = mkdir_p(cache_dir, 0700);
                if (r < 0)
                        return nsbox_error_set(reterr, r, "cache '%s'", cache_dir);
        }
        _cleanup_close_ int cfd = open(cache_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (cfd < 0)
                return nsbox_error_set(reterr, errno, "cache '%s'", cache_dir);
        if (create && mkdirat(cfd, "rootfs", 0700) < 0 && errno != EEXIST)
                return nsbox_error_set(reterr, errno, "cache '%s/rootfs'", cache_dir);
        _cleanup_close_ int fd = openat(cfd, "rootfs", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return nsbox_error_set(reterr, errno, "cache '%s/rootfs'", cache_dir);
        struct stat st;
        if (fstat(fd, &st) < 0)
                return nsbox_error_set(reterr, errno, "cache '%s/rootfs'", cache_dir);
        if (st.st_uid != geteuid() || (st.st_mode & 0022))
                return nsbox_error_set_message(reterr, EPERM,
                                               "cache '%s/rootfs': owned by uid %u with mode %04o, "
                                               "not private to uid %u",
                                               cache_dir, (unsigned) st.st_uid,
                                               (unsigned) (st.st_mode & 07777), (unsigned) geteuid());
        return TAKE_FD(fd);
}

static void evp_md_ctx_freep(EVP_MD_CTX **c)
{
        if (*c)
                EVP_MD_CTX_free(*c);
}

static int sha256_fd(int fd, char hex[SHA256_HEX_LEN + 1])
{
        _cleanup_(evp_md_ctx_freep) EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        if (!ctx)
                return -ENOMEM;
        if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
                return -EIO;

        const size_t bufsize = 1024 * 1024;
        _cleanup_free_ uint8_t *buf = malloc(bufsize);
        if (!buf)
                return -ENOMEM;
        (void) posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
        for (off_t off = 0;;) {
                ssize_t n = pread(fd, buf, bufsize, off);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                if (n == 0)
                        break;
                if (EVP_DigestUpdate(ctx, buf, (size_t) n) != 1)
                        return -EIO;
                off += n;
        }

        uint8_t md[EVP_MAX_MD_SIZE];
        unsigned len = 0;
        if (EVP_DigestFinal_ex(ctx, md, &len) != 1 || len * 2 != SHA256_HEX_LEN)
                return -EIO;
        for (unsigned i = 0; i < len; i++)
                sprintf(hex + 2 * i, "%02x", md[i]);
        hex[SHA256_HEX_LEN] = '\0';
        return 0;
}

/*
 * The index saves hashing an unchanged archive again: "index/<dev>-<ino>"
 * holds the archive's size, mtime, ctime and hash. ctime cannot be set by
 * anyone and changes with every write, so a matching record means the same
 * content; see index_store() for the one exception and how it is avoided.
 */
static int index_record(const struct stat *st, const char *hex, char **ret)
{
        return asprintf(ret, INDEX_MAGIC " %lld %lld.%09ld %lld.%09ld %s\n", (long long) st->st_size,
                        (long long) st->st_mtim.tv_sec, st->st_mtim.tv_nsec, (long long) st->st_ctim.tv_sec,
                        st->st_ctim.tv_nsec, hex);
}

static void index_name(const struct stat *st, char *buf, size_t size)
{
        snprintf(buf, size, INDEX_DIR "/%llx-%llx", (unsigned long long) st->st_dev,
                 (unsigned long long) st->st_ino);
}

static bool index_lookup(int rootfs_fd, const struct stat *st, char hex[SHA256_HEX_LEN + 1])
{
        char name[128];
        index_name(st, name, sizeof(name));
        _cleanup_close_ int fd = openat(rootfs_fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return false;
        char buf[256];
        ssize_t n = loop_read(fd, buf, sizeof(buf) - 1);
        if (n <= 0)
                return false;
        buf[n] = '\0';

        _cleanup_free_ char *expected = NULL;
        if (index_record(st, "", &expected) < 0)
                return false;
        size_t l = strlen(expected) - 1; /* without the "\n" that follows an empty hash */
        if (!strneq(buf, expected, l) || (size_t) n != l + SHA256_HEX_LEN + 1 || buf[n - 1] != '\n')
                return false;
        for (size_t i = 0; i < SHA256_HEX_LEN; i++)
                if (!strchr("0123456789abcdef", buf[l + i]) || buf[l + i] == '\0')
                        return false;
        memcpy(hex, buf + l, SHA256_HEX_LEN);
        hex[SHA256_HEX_LEN] = '\0';
        return true;
}

/* Best effort: without the record the next call hashes again. */
static void index_store(int rootfs_fd, const struct stat *st, const char *hex)
{
        /* A file changed again within the same timestamp tick after we
         * hashed it would look unchanged (git's "racy" files); once the clock
         * has moved past its ctime, any later change gives a new ctime. */
        struct timespec now;
        if (clock_gettime(CLOCK_REALTIME, &now) < 0 || now.tv_sec - st->st_ctim.tv_sec < 2)
                return;

        _cleanup_free_ char *record = NULL;
        if (index_record(st, hex, &record) < 0)
                return;
        if (mkdirat(rootfs_fd, INDEX_DIR, 0700) < 0 && errno != EEXIST)
                return;
        _cleanup_close_ int dfd =
                openat(rootfs_fd, INDEX_DIR, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dfd < 0)
                return;

        /* An unnamed file given its name once written: a reader never sees
         * half a record, and a killed writer leaves nothing behind. */
        _cleanup_close_ int fd = openat(dfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
        if (fd < 0 || loop_write(fd, record, strlen(record)) < 0)
                return;
        char name[128], proc[64];
        index_name(st, name, sizeof(name));
        const char *base = name + STRLEN(INDEX_DIR "/");
        snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
        for (unsigned attempt = 0; attempt < 2; attempt++) {
                if (linkat(AT_FDCWD, proc, dfd, base, AT_SYMLINK_FOLLOW) >= 0 || errno != EEXIST)
                        return;
                (void) unlinkat(dfd, base, 0);
        }
}

static bool same_file_state(const struct stat *a, const struct stat *b)
{
        return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
               a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
               a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/* The archive's SHA-256, from the index or by reading it. *ret_store says
 * whether the index should learn it: only once the key proved good (the
 * archive extracted), so that files that are not archives leave no record. */
static int archive_key(int fd, const struct stat *st, int rootfs_fd, char hex[SHA256_HEX_LEN + 1],
                       bool *ret_store)
{
        *ret_store = false;
        if (index_lookup(rootfs_fd, st, hex))
                return 0;
        int r = sha256_fd(fd, hex);
        if (r < 0)
                return r;
        struct stat after;
        *ret_store = fstat(fd, &after) >= 0 && same_file_state(st, &after);
        return 0;
}

static bool is_sha256_hex(const char *s, size_t len)
{
        if (len != SHA256_HEX_LEN)
                return false;
        for (size_t i = 0; i < len; i++)
                if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
                        return false;
        return true;
}

static int open_lock(int rootfs_fd, const char *key, size_t key_len)
{
        char name[SHA256_HEX_LEN + sizeof(LOCK_SUFFIX)];
        snprintf(name, sizeof(name), "%.*s" LOCK_SUFFIX, (int) key_len, key);
        int fd = openat(rootfs_fd, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
        return fd < 0 ? negative_errno() : fd;
}

/* Removes "<key>.tmp-*" directories of killed extractions. Those of held_key
 * (whose lock the caller holds) all go; of other keys only when their lock is
 * free, since a live extraction holds its lock for as long as its temporary
 * directory exists. Returns the number removed or the first error. */
static int remove_stale(int rootfs_fd, const char *held_key)
{
        int dfd = openat(rootfs_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return negative_errno();
        _cleanup_closedir_ DIR *d = fdopendir(dfd);
        if (!d) {
                safe_close(dfd);
                return negative_errno();
        }

        int ret = 0, removed = 0;
        struct dirent *de;
        while ((errno = 0, de = readdir(d))) {
                const char *infix = strstr(de->d_name, TMP_INFIX);
                if (!infix)
                        continue;
                size_t key_len = (size_t) (infix - de->d_name);
                if (!is_sha256_hex(de->d_name, key_len))
                        continue;

                _cleanup_close_ int lock_fd = -EBADF;
                if (!held_key || !strneq(held_key, de->d_name, key_len)) {
                        lock_fd = open_lock(rootfs_fd, de->d_name, key_len);
                        if (lock_fd < 0) {
                                if (ret == 0)
                                        ret = lock_fd;
                                continue;
                        }
                        if (flock(lock_fd, LOCK_EX | LOCK_NB) < 0)
                                continue; /* being extracted right now */
                }
                int r = rm_rf_at(rootfs_fd, de->d_name);
                if (r < 0) {
                        if (ret == 0)
                                ret = r;
                } else
                        removed++;
        }
        if (errno != 0 && ret == 0)
                ret = negative_errno();
        return ret < 0 ? ret : removed;
}

static int make_tmp_dir(int rootfs_fd, const char *key, char **ret)
{
        static const char chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

        for (unsigned attempt = 0; attempt < 100; attempt++) {
                uint8_t rnd[6];
                if (getrandom(rnd, sizeof(rnd), GRND_NONBLOCK) != (ssize_t) sizeof(rnd)) {
                        uint64_t v = (uint64_t) getpid() * 2654435761U ^ (uint64_t) time(NULL) ^ attempt;
                        for (size_t i = 0; i < sizeof(rnd); i++, v >>= 8)
                                rnd[i] = (uint8_t) v;
                }
                char suffix[sizeof(rnd) + 1];
                for (size_t i = 0; i < sizeof(rnd); i++)
                        suffix[i] = chars[rnd[i] % (sizeof(chars) - 1)];
                suffix[sizeof(rnd)] = '\0';

                _cleanup_free_ char *name = NULL;
                if (asprintf(&name, "%s" TMP_INFIX "%s", key, suffix) < 0)
                        return -ENOMEM;
                if (mkdirat(rootfs_fd, name, 0700) >= 0) {
                        *ret = TAKE_PTR(name);
                        return 0;
                }
                if (errno != EEXIST)
                        return negative_errno();
        }
        return -EEXIST;
}

static bool entry_complete(int rootfs_fd, const char *key)
{
        char name[SHA256_HEX_LEN + sizeof("/rootfs")];
        struct stat st;
        snprintf(name, sizeof(name), "%s/rootfs", key);
        return fstatat(rootfs_fd, name, &st, AT_SYMLINK_NOFOLLOW) >= 0 && S_ISDIR(st.st_mode);
}

int nsbox_rootfs_from_archive(const char *archive, const char *cache_dir, NsboxProgressFn progress,
                              void *userdata, char **ret_path, NsboxError **reterr)
{
        return nsbox_rootfs_from_archive_counted(archive, cache_dir, progress, userdata, ret_path, NULL,
                                                 reterr);
}

int nsbox_rootfs_from_archive_counted(const char *archive, const char *cache_dir, NsboxProgressFn progress,
                                      void *userdata, char **ret_path, unsigned *ret_skipped_devices,
                                      NsboxError **reterr)
{
        int r;

        if (ret_skipped_devices)
                *ret_skipped_devices = 0;

        if (!archive || !cache_dir || !*cache_dir || !ret_path)
                return nsbox_error_set(reterr, EINVAL, "rootfs from archive");
        r = nsbox_dlopen_archive(reterr);
        if (r < 0)
                return r;

        /* The messages here do not repeat the archive's path: the caller
         * says which archive ("rootfs '/x': not a tar archive"). */
        _cleanup_close_ int fd = open(archive, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0) {
                r = negative_errno();
                return nsbox_error_set_message(reterr, r, "%s", strerror(-r));
        }
        struct stat st;
        if (fstat(fd, &st) < 0)
                return nsbox_error_set(reterr, errno, "stat");
        if (S_ISDIR(st.st_mode))
                return nsbox_error_set_message(reterr, EISDIR, "%s", strerror(EISDIR));
        if (!S_ISREG(st.st_mode))
                return nsbox_error_set_message(reterr, EINVAL, "not a regular file");

        size_t cache_len = strlen(cache_dir);
        while (cache_len > 1 && cache_dir[cache_len - 1] == '/')
                cache_len--;
        _cleanup_free_ char *cache = strndup(cache_dir, cache_len);
        if (!cache)
                return nsbox_error_set(reterr, ENOMEM, "cache");

        _cleanup_close_ int rootfs_fd = open_rootfs_cache(cache, true, reterr);
        if (rootfs_fd < 0)
                return rootfs_fd;

        char key[SHA256_HEX_LEN + 1];
        bool store_key;
        r = archive_key(fd, &st, rootfs_fd, key, &store_key);
        if (r < 0)
                return nsbox_error_set(reterr, r, "read archive");

        _cleanup_free_ char *path = NULL;
        if (asprintf(&path, "%s%srootfs/%s/rootfs", cache, streq(cache, "/") ? "" : "/", key) < 0)
                return nsbox_error_set(reterr, ENOMEM, "cache");

        if (entry_complete(rootfs_fd, key)) {
                (void) remove_stale(rootfs_fd, NULL);
                if (store_key)
                        index_store(rootfs_fd, &st, key);
                *ret_path = TAKE_PTR(path);
                return 0;
        }

        _cleanup_close_ int lock_fd = open_lock(rootfs_fd, key, SHA256_HEX_LEN);
        if (lock_fd < 0)
                return nsbox_error_set(reterr, lock_fd, "cache '%s/rootfs/%s" LOCK_SUFFIX "'", cache, key);
        while (flock(lock_fd, LOCK_EX) < 0)
                if (errno != EINTR)
                        return nsbox_error_set(reterr, errno, "lock '%s/rootfs/%s" LOCK_SUFFIX "'", cache,
                                               key);

        /* Whoever held the lock before us may have done the work. */
        if (entry_complete(rootfs_fd, key)) {
                (void) remove_stale(rootfs_fd, NULL);
                if (store_key)
                        index_store(rootfs_fd, &st, key);
                *ret_path = TAKE_PTR(path);
                return 0;
        }

        r = remove_stale(rootfs_fd, key);
        if (r < 0)
                return nsbox_error_set(reterr, r, "remove stale extraction in '%s/rootfs'", cache);

        _cleanup_free_ char *tmp = NULL;
        r = make_tmp_dir(rootfs_fd, key, &tmp);
        if (r < 0)
                return nsbox_error_set(reterr, r, "cache '%s/rootfs'", cache);

        /* From here on, every failure removes the temporary directory. */
        {
                _cleanup_close_ int tmp_fd =
                        openat(rootfs_fd, tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                _cleanup_close_ int dest_fd = -EBADF;
                if (tmp_fd < 0)
                        r = nsbox_error_set(reterr, errno, "cache '%s/rootfs/%s'", cache, tmp);
                else if (mkdirat(tmp_fd, "rootfs", 0755) < 0 ||
                         (dest_fd = openat(tmp_fd, "rootfs",
                                           O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
                        r = nsbox_error_set(reterr, errno, "cache '%s/rootfs/%s/rootfs'", cache, tmp);
                /* The umask must not decide: an archive without a "./"
                 * entry gets the usual mode of a root directory. */
                else if (fchmod(dest_fd, 0755) < 0)
                        r = nsbox_error_set(reterr, errno, "cache '%s/rootfs/%s/rootfs'", cache, tmp);
                else if (lseek(fd, 0, SEEK_SET) < 0)
                        r = nsbox_error_set(reterr, errno, "read archive");
                else
                        r = archive_extract(fd, dest_fd, progress, userdata, ret_skipped_devices, reterr);

                /* Stored under the hash of what we hashed, so it must also be
                 * what we extracted. */
                struct stat after;
                if (r >= 0 && (fstat(fd, &after) < 0 || !same_file_state(&st, &after)))
                        r = nsbox_error_set_message(reterr, EAGAIN, "archive changed while being read");
                if (r >= 0 && renameat(rootfs_fd, tmp, rootfs_fd, key) < 0)
                        r = nsbox_error_set(reterr, errno, "cache '%s/rootfs/%s'", cache, key);
        }
        if (r < 0) {
                (void) rm_rf_at(rootfs_fd, tmp);
                return r;
        }

        if (store_key)
                index_store(rootfs_fd, &st, key);
        *ret_path = TAKE_PTR(path);
        return 0;
}

int nsbox_rootfs_cache_gc(const char *cache_dir, NsboxError **reterr)
{
        if (!cache_dir || !*cache_dir)
                return nsbox_error_set(reterr, EINVAL, "cache");

        NsboxError *err = NULL;
        _cleanup_close_ int rootfs_fd = open_rootfs_cache(cache_dir, false, &err);
        if (rootfs_fd == -ENOENT) {
                nsbox_error_free(err);
                return 0; /* no cache, nothing to collect */
        }
        if (rootfs_fd < 0) {
                if (reterr && !*reterr)
                        *reterr = err;
                else
                        nsbox_error_free(err);
                return rootfs_fd;
        }
        int r = remove_stale(rootfs_fd, NULL);
        if (r < 0)
                return nsbox_error_set(reterr, r, "cache '%s/rootfs'", cache_dir);
        return r;
}
