/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tests for lib/nsbox/rootfs.c (safe tar extraction and the rootfs cache) and
 * lib/basic/rm-rf.c. Archives are written here with libarchive's writer; every
 * test checks what ends up on disk, and every refusal also that nothing was
 * written outside and nothing half-extracted stays in the cache.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <grp.h>
#include <limits.h>
#include <openssl/evp.h>
#include <sched.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>

#include "basic/macro.h"
#include "basic/rm-rf.h"
#include "nsbox/nsbox.h"

#define ALPINE_NAME "alpine-minirootfs-3.20.3-x86_64.tar.gz"
#define T0 ((time_t) 1600000000)
#define T1 ((time_t) 1650000000)

static char *base; /* this test's private temporary directory */

/* ---- helpers --------------------------------------------------------------- */

/* A path below base; freed by teardown. */
static char **paths;
static size_t n_paths;

static _printf_(1, 2) const char *P(const char *fmt, ...)
{
        char *rel = NULL, *p = NULL;
        va_list ap;
        va_start(ap, fmt);
        if (vasprintf(&rel, fmt, ap) < 0)
                abort();
        va_end(ap);
        if (asprintf(&p, "%s/%s", base, rel) < 0)
                abort();
        free(rel);
        char **n = realloc(paths, (n_paths + 1) * sizeof(*paths));
        if (!n)
                abort();
        paths = n;
        paths[n_paths++] = p;
        return p;
}

static int setup(void **state)
{
        base = strdup("/tmp/nsbox-test-archive.XXXXXX");
        if (!base || !mkdtemp(base))
                return -1;
        return 0;
}

static int teardown(void **state)
{
        int r = rm_rf_at(AT_FDCWD, base);
        free(base);
        base = NULL;
        for (size_t i = 0; i < n_paths; i++)
                free(paths[i]);
        free(paths);
        paths = NULL;
        n_paths = 0;
        return r;
}

enum {
        F_NONE,
        F_GZIP,
        F_BZIP2,
        F_XZ,
        F_ZSTD,
        F_LZ4
};

typedef struct TEntry {
        const char *name;
        mode_t type; /* AE_IF*, 0 for a regular file */
        mode_t perm; /* 0 for 0644 (0755 for directories) */
        const char *data;
        size_t random_size; /* instead of data: this many pseudo-random bytes */
        const char *link;   /* symlink target */
        const char *hardlink;
        int64_t uid, gid;
        time_t mtime; /* 0 for T0 */
        dev_t rdev;
} TEntry;

/* Incompressible bytes, the same on every run. */
static void fill_random(uint8_t *buf, size_t n, uint64_t *state)
{
        for (size_t i = 0; i < n; i++) {
                *state ^= *state << 13;
                *state ^= *state >> 7;
                *state ^= *state << 17;
                buf[i] = (uint8_t) *state;
        }
}

static void write_archive(const char *path, int filter, const TEntry *t, size_t n)
{
        struct archive *a = archive_write_new();
        assert_non_null(a);
        assert_int_equal(archive_write_set_format_pax_restricted(a), ARCHIVE_OK);
        switch (filter) {
        case F_GZIP:
                assert_int_equal(archive_write_add_filter_gzip(a), ARCHIVE_OK);
                break;
        case F_BZIP2:
                assert_int_equal(archive_write_add_filter_bzip2(a), ARCHIVE_OK);
                break;
        case F_XZ:
                assert_int_equal(archive_write_add_filter_xz(a), ARCHIVE_OK);
                break;
        case F_ZSTD:
                assert_int_equal(archive_write_add_filter_zstd(a), ARCHIVE_OK);
                break;
        case F_LZ4:
                assert_int_equal(archive_write_add_filter_lz4(a), ARCHIVE_OK);
                break;
        default:
                break;
        }
        assert_int_equal(archive_write_open_filename(a, path), ARCHIVE_OK);

        uint64_t rnd = 0x9e3779b97f4a7c15ULL;
        for (size_t i = 0; i < n; i++) {
                struct archive_entry *e = archive_entry_new();
                assert_non_null(e);
                mode_t type = t[i].type ? t[i].type : AE_IFREG;
                size_t size = 0;

                archive_entry_set_pathname(e, t[i].name);
                archive_entry_set_uid(e, t[i].uid);
                archive_entry_set_gid(e, t[i].gid);
                archive_entry_set_mtime(e, t[i].mtime ? t[i].mtime : T0, 0);
                if (t[i].hardlink) {
                        archive_entry_set_filetype(e, AE_IFREG);
                        archive_entry_set_perm(e, 0644);
                        archive_entry_set_hardlink(e, t[i].hardlink);
                        archive_entry_set_size(e, 0);
                } else {
                        archive_entry_set_filetype(e, type);
                        archive_entry_set_perm(e, t[i].perm ? t[i].perm : type == AE_IFDIR ? 0755 : 0644);
                        if (type == AE_IFLNK)
                                archive_entry_set_symlink(e, t[i].link);
                        if (type == AE_IFCHR || type == AE_IFBLK)
                                archive_entry_set_rdev(e, t[i].rdev);
                        if (type == AE_IFREG)
                                size = t[i].data ? strlen(t[i].data) : t[i].random_size;
                        archive_entry_set_size(e, (la_int64_t) size);
                }
                assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
                if (size > 0 && t[i].data)
                        assert_int_equal(archive_write_data(a, t[i].data, size), (la_ssize_t) size);
                else if (size > 0) {
                        uint8_t buf[65536];
                        for (size_t done = 0; done < size;) {
                                size_t k = size - done < sizeof(buf) ? size - done : sizeof(buf);
                                fill_random(buf, k, &rnd);
                                assert_int_equal(archive_write_data(a, buf, k), (la_ssize_t) k);
                                done += k;
                        }
                }
                archive_entry_free(e);
        }
        assert_int_equal(archive_write_close(a), ARCHIVE_OK);
        archive_write_free(a);
}

static void write_file(const char *path, const void *data, size_t size)
{
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, data, size), (ssize_t) size);
        close(fd);
}

static char *read_file(const char *path)
{
        static char buf[65536];
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return NULL;
        ssize_t n = read(fd, buf, sizeof(buf) - 1);
        close(fd);
        if (n < 0)
                return NULL;
        buf[n] = '\0';
        return buf;
}

static void sha256_file(const char *path, char hex[65])
{
        static uint8_t buf[1 << 16];
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned len = 0;
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        assert_non_null(ctx);
        assert_int_equal(EVP_DigestInit_ex(ctx, EVP_sha256(), NULL), 1);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        assert_true(fd >= 0);
        ssize_t n;
        while ((n = read(fd, buf, sizeof(buf))) > 0)
                assert_int_equal(EVP_DigestUpdate(ctx, buf, (size_t) n), 1);
        close(fd);
        assert_int_equal(EVP_DigestFinal_ex(ctx, md, &len), 1);
        EVP_MD_CTX_free(ctx);
        assert_int_equal(len, 32);
        for (unsigned i = 0; i < len; i++)
                sprintf(hex + 2 * i, "%02x", md[i]);
}

/* The names in a directory other than "." and "..", sorted, joined by " ". */
static const char *list_dir(const char *path)
{
        static char out[8192];
        char *names[256];
        size_t n = 0;
        DIR *d = opendir(path);
        out[0] = '\0';
        if (!d)
                return out;
        struct dirent *de;
        while ((de = readdir(d)) && n < ELEMENTSOF(names))
                if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
                        names[n++] = strdup(de->d_name);
        closedir(d);
        for (size_t i = 0; i < n; i++)
                for (size_t j = i + 1; j < n; j++)
                        if (strcmp(names[j], names[i]) < 0) {
                                char *x = names[i];
                                names[i] = names[j];
                                names[j] = x;
                        }
        for (size_t i = 0; i < n; i++) {
                if (i > 0)
                        strncat(out, " ", sizeof(out) - strlen(out) - 1);
                strncat(out, names[i], sizeof(out) - strlen(out) - 1);
                free(names[i]);
        }
        return out;
}

/* Asserts that a directory holds exactly the given names (NULL-terminated). */
static void assert_dir(const char *path, ...)
{
        char *names[32];
        size_t n = 0;
        va_list ap;
        va_start(ap, path);
        for (const char *x; (x = va_arg(ap, const char *)) && n < ELEMENTSOF(names);)
                names[n++] = strdup(x);
        va_end(ap);
        for (size_t i = 0; i < n; i++)
                for (size_t j = i + 1; j < n; j++)
                        if (strcmp(names[j], names[i]) < 0) {
                                char *x = names[i];
                                names[i] = names[j];
                                names[j] = x;
                        }
        char expected[8192] = "";
        for (size_t i = 0; i < n; i++) {
                if (i > 0)
                        strncat(expected, " ", sizeof(expected) - strlen(expected) - 1);
                strncat(expected, names[i], sizeof(expected) - strlen(expected) - 1);
                free(names[i]);
        }
        assert_string_equal(list_dir(path), expected);
}

/* Nothing half-made in the cache: only lock files and the hash index may be
 * there, no "<sha>.tmp-*" and no "<sha>" entry. */
static void assert_no_partial(const char *cache)
{
        char path[PATH_MAX];
        snprintf(path, sizeof(path), "%s/rootfs", cache);
        DIR *d = opendir(path);
        if (!d)
                return;
        struct dirent *de;
        while ((de = readdir(d))) {
                if (streq(de->d_name, ".") || streq(de->d_name, "..") || streq(de->d_name, "index"))
                        continue;
                const char *dot = strrchr(de->d_name, '.');
                if (!dot || !streq(dot, ".lock"))
                        fail_msg("left in the cache: %s", de->d_name);
        }
        closedir(d);
}

typedef struct Progress {
        unsigned calls;
        uint64_t done, total;
        bool went_backwards;
} Progress;

static void on_progress(uint64_t done, uint64_t total, void *userdata)
{
        Progress *p = userdata;
        if (done < p->done)
                p->went_backwards = true;
        p->calls++;
        p->done = done;
        p->total = total;
}

static int extract_to(const char *archive, const char *dest, Progress *progress, NsboxError **err)
{
        int afd = open(archive, O_RDONLY | O_CLOEXEC);
        assert_true(afd >= 0);
        assert_int_equal(mkdir(dest, 0755), 0);
        int dfd = open(dest, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(dfd >= 0);
        int r = nsbox_archive_extract(afd, dfd, progress ? on_progress : NULL, progress, err);
        close(afd);
        close(dfd);
        return r;
}

static void assert_mode(const char *path, mode_t type, mode_t perm)
{
        struct stat st;
        if (lstat(path, &st) < 0)
                fail_msg("%s: %s", path, strerror(errno));
        if ((st.st_mode & S_IFMT) != type || (st.st_mode & 07777) != perm)
                fail_msg("%s: mode %06o, expected %06o", path, st.st_mode, type | perm);
}

static void assert_mtime(const char *path, time_t t)
{
        struct stat st;
        assert_int_equal(lstat(path, &st), 0);
        if (st.st_mtim.tv_sec != t)
                fail_msg("%s: mtime %lld, expected %lld", path, (long long) st.st_mtim.tv_sec,
                         (long long) t);
}

static void assert_owner(const char *path, uid_t uid, gid_t gid)
{
        struct stat st;
        assert_int_equal(lstat(path, &st), 0);
        if (st.st_uid != uid || st.st_gid != gid)
                fail_msg("%s: owner %u:%u, expected %u:%u", path, st.st_uid, st.st_gid, uid, gid);
}

static void assert_link(const char *path, const char *target)
{
        char buf[PATH_MAX];
        ssize_t n = readlink(path, buf, sizeof(buf) - 1);
        if (n < 0)
                fail_msg("%s: %s", path, strerror(errno));
        buf[n] = '\0';
        assert_string_equal(buf, target);
}

/* ---- extraction ------------------------------------------------------------ */

static const TEntry tree[] = {
        { "./", AE_IFDIR, 0751, .mtime = T1 },
        { "./etc/", AE_IFDIR, 0750, .uid = 1234, .gid = 5678 },
        { "./etc/hostname", .data = "first\n" },
        { "./etc/hostname", .data = "box\n", .perm = 0640, .uid = 1234, .gid = 5678, .mtime = T1 },
        { "./etc/motd", .data = "replaced by a symlink" },
        { "./etc/motd", AE_IFLNK, .link = "hostname" },
        { "./bin/busybox", .data = "#!busybox\n", .perm = 04755 },
        { "./bin/sh", AE_IFLNK, .link = "/bin/busybox" },
        { "./bin/hl", .hardlink = "./bin/busybox" },
        { "deep/a/b/c.txt", .data = "deep\n" },
        { "./ro/", AE_IFDIR, 0555, .mtime = T1 },
        { "./ro/f", .data = "in a read-only dir\n", .perm = 0444 },
        { "./run/fifo", AE_IFIFO, 0620 },
        { "./dev/null", AE_IFCHR, 0666, .rdev = 0x103 /* makedev(1, 3) */ },
        { "./big", .random_size = 3 * 1024 * 1024 + 17 },
};

static void t_extract_tree(void **state)
{
        const char *archive = P("tree.tar.gz"), *d = P("dest");
        Progress progress = { 0 };
        NsboxError *err = NULL;
        bool root = geteuid() == 0;

        write_archive(archive, F_GZIP, tree, ELEMENTSOF(tree));
        /* Modes must come from the archive, not from the umask. */
        mode_t old_umask = umask(077);
        int r = extract_to(archive, d, &progress, &err);
        umask(old_umask);
        if (r < 0)
                fail_msg("extract: %s", err ? err->message : strerror(-r));
        assert_null(err);

        assert_mode(d, S_IFDIR, 0751);
        assert_mtime(d, T1);
        assert_mode(P("dest/etc"), S_IFDIR, 0750);
        assert_string_equal(read_file(P("dest/etc/hostname")), "box\n");
        assert_mode(P("dest/etc/hostname"), S_IFREG, 0640);
        assert_mtime(P("dest/etc/hostname"), T1);
        if (root) {
                assert_owner(P("dest/etc"), 1234, 5678);
                assert_owner(P("dest/etc/hostname"), 1234, 5678);
        } else
                assert_owner(P("dest/etc/hostname"), geteuid(), getegid());
        assert_mode(P("dest/etc/motd"), S_IFLNK, 0777);
        assert_link(P("dest/etc/motd"), "hostname");

        /* setuid survives the chown that comes before it */
        assert_mode(P("dest/bin/busybox"), S_IFREG, 04755);
        assert_owner(P("dest/bin/busybox"), root ? 0 : geteuid(), root ? 0 : getegid());
        assert_link(P("dest/bin/sh"), "/bin/busybox");
        assert_mtime(P("dest/bin/sh"), T0);
        struct stat a, b;
        assert_int_equal(stat(P("dest/bin/busybox"), &a), 0);
        assert_int_equal(stat(P("dest/bin/hl"), &b), 0);
        assert_int_equal(a.st_ino, b.st_ino);
        assert_int_equal(a.st_nlink, 2);

        /* implied parents get 0755 */
        assert_mode(P("dest/deep"), S_IFDIR, 0755);
        assert_mode(P("dest/deep/a"), S_IFDIR, 0755);
        assert_mode(P("dest/deep/a/b"), S_IFDIR, 0755);
        assert_string_equal(read_file(P("dest/deep/a/b/c.txt")), "deep\n");
        assert_mode(P("dest/deep/a/b/c.txt"), S_IFREG, 0644);

        /* a directory's mode and mtime are set after its children exist */
        assert_mode(P("dest/ro"), S_IFDIR, 0555);
        assert_mtime(P("dest/ro"), T1);
        assert_mode(P("dest/ro/f"), S_IFREG, 0444);
        assert_mtime(P("dest/ro/f"), T0);

        assert_mode(P("dest/run/fifo"), S_IFIFO, 0620);
        if (root) {
                assert_mode(P("dest/dev/null"), S_IFCHR, 0666);
                assert_int_equal(lstat(P("dest/dev/null"), &a), 0);
                assert_int_equal(a.st_rdev, makedev(1, 3));
        }

        assert_int_equal(stat(P("dest/big"), &a), 0);
        assert_int_equal(a.st_size, 3 * 1024 * 1024 + 17);

        /* progress: compressed bytes, up to the archive's size */
        assert_int_equal(stat(archive, &a), 0);
        assert_true(progress.calls >= 2);
        assert_false(progress.went_backwards);
        assert_int_equal(progress.total, a.st_size);
        assert_int_equal(progress.done, a.st_size);
}

static void t_compressions(void **state)
{
        static const TEntry t[] = {
                { "./etc/os-release", .data = "ID=test\n" },
                { "./bin/sh", AE_IFLNK, .link = "/bin/busybox" },
        };
        static const struct {
                int filter;
                const char *name;
        } filters[] = {
                { F_NONE, "plain.tar" }, { F_GZIP, "a.tar.gz" },  { F_BZIP2, "a.tar.bz2" },
                { F_XZ, "a.tar.xz" },    { F_ZSTD, "a.tar.zst" }, { F_LZ4, "a.tar.lz4" },
        };

        for (size_t i = 0; i < ELEMENTSOF(filters); i++) {
                NsboxError *err = NULL;
                write_archive(P("%s", filters[i].name), filters[i].filter, t, ELEMENTSOF(t));
                int r = extract_to(P("%s", filters[i].name), P("d%zu", i), NULL, &err);
                if (r < 0)
                        fail_msg("%s: %s", filters[i].name, err ? err->message : strerror(-r));
                assert_string_equal(read_file(P("d%zu/etc/os-release", i)), "ID=test\n");
                assert_link(P("d%zu/bin/sh", i), "/bin/busybox");
        }
}

/* A symlink that an archive puts where a file comes later is replaced, never
 * written through. */
static void t_replace_symlink(void **state)
{
        assert_int_equal(mkdir(P("outside"), 0755), 0);
        write_file(P("outside/passwd"), "root\n", 5);
        const TEntry t[] = {
                { "x", AE_IFLNK, .link = P("outside/passwd") }, { "x", .data = "pwned\n" },
                { "d", AE_IFLNK, .link = P("outside") },        { "d/", AE_IFDIR },
                { "f", AE_IFLNK, .link = P("outside/new") },    { "f", AE_IFIFO },
                { "h", AE_IFLNK, .link = P("outside/passwd") }, { "h", .hardlink = "x" },
        };
        NsboxError *err = NULL;

        write_archive(P("a.tar"), F_NONE, t, ELEMENTSOF(t));
        int r = extract_to(P("a.tar"), P("dest"), NULL, &err);
        if (r < 0)
                fail_msg("extract: %s", err ? err->message : strerror(-r));
        assert_mode(P("dest/x"), S_IFREG, 0644);
        assert_string_equal(read_file(P("dest/x")), "pwned\n");
        assert_mode(P("dest/d"), S_IFDIR, 0755);
        assert_mode(P("dest/f"), S_IFIFO, 0644);
        assert_string_equal(read_file(P("dest/h")), "pwned\n");
        assert_string_equal(read_file(P("outside/passwd")), "root\n");
        assert_string_equal(list_dir(P("outside")), "passwd");
}

typedef struct Refusal {
        const char *what;
        TEntry entries[4];
        int expected;
        const char *message;
} Refusal;

static void t_refusals(void **state)
{
        assert_int_equal(mkdir(P("outside"), 0755), 0);
        write_file(P("outside/passwd"), "root\n", 5);
        const char *outside = P("outside");
        char abs_target[PATH_MAX];
        snprintf(abs_target, sizeof(abs_target), "%s/passwd", outside);
        char abs_message[PATH_MAX + 100];
        snprintf(abs_message, sizeof(abs_message),
                 "archive entry 'l': hard link target '%s' is an absolute path", abs_target);

        const Refusal cases[] = {
                { "absolute name",
                  { { "./good", .data = "ok" }, { "/etc/evil", .data = "x" } },
                  -EINVAL,
                  "archive entry '/etc/evil': absolute path" },
                { "dot-dot name",
                  { { "./good", .data = "ok" }, { "../evil", .data = "x" } },
                  -EINVAL,
                  "archive entry '../evil': path leaves the rootfs" },
                { "dot-dot inside a name",
                  { { "./good", .data = "ok" }, { "a/../../x", .data = "x" } },
                  -EINVAL,
                  "archive entry 'a/../../x': path leaves the rootfs" },
                { "control characters are escaped",
                  { { "bad\nname/../x", .data = "x" } },
                  -EINVAL,
                  "archive entry 'bad\\x0aname/../x': path leaves the rootfs" },
                { "file through a symlinked directory",
                  { { "./good", .data = "ok" },
                    { "x", AE_IFLNK, .link = outside },
                    { "x/evil", .data = "x" } },
                  -ELOOP,
                  "archive entry 'x/evil': path goes through a symlink" },
                { "directory through a symlinked directory",
                  { { "x", AE_IFLNK, .link = outside }, { "./x/sub/", AE_IFDIR } },
                  -ELOOP,
                  "archive entry './x/sub/': path goes through a symlink" },
                { "deeper, with implied parents",
                  { { "d/", AE_IFDIR },
                    { "d/x", AE_IFLNK, .link = outside },
                    { "d/x/y/z/evil", .data = "x" } },
                  -ELOOP,
                  "archive entry 'd/x/y/z/evil': path goes through a symlink" },
                { "relative symlink out",
                  { { "x", AE_IFLNK, .link = "../../../../../../../../tmp" }, { "x/evil", .data = "x" } },
                  -ELOOP,
                  "archive entry 'x/evil': path goes through a symlink" },
                { "hard link out of the tree",
                  { { "./good", .data = "ok" }, { "l", .hardlink = "../outside/passwd" } },
                  -EINVAL,
                  "archive entry 'l': hard link target '../outside/passwd' leaves the rootfs" },
                { "hard link to an absolute path",
                  { { "l", .hardlink = abs_target } },
                  -EINVAL,
                  abs_message },
                { "hard link through a symlink",
                  { { "x", AE_IFLNK, .link = outside }, { "l", .hardlink = "x/passwd" } },
                  -ELOOP,
                  "archive entry 'l': hard link target 'x/passwd': path goes through a symlink" },
                { "file below a file",
                  { { "f", .data = "x" }, { "f/g", .data = "x" } },
                  -ENOTDIR,
                  "archive entry 'f/g': a parent is not a directory" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                const Refusal *c = &cases[i];
                size_t n = 0;
                while (n < ELEMENTSOF(c->entries) && c->entries[n].name)
                        n++;
                const char *archive = P("bad%zu.tar.gz", i), *cache = P("cache%zu", i);
                const char *expected = c->message;

                write_archive(archive, F_GZIP, c->entries, n);
                NsboxError *err = NULL;
                char *path = NULL;
                int r = nsbox_rootfs_from_archive(archive, cache, NULL, NULL, &path, &err);
                if (r != c->expected || !err || !streq(err->message, expected))
                        fail_msg("%s: got %d '%s', expected %d '%s'", c->what, r, err ? err->message : "",
                                 c->expected, expected);
                assert_null(path);
                assert_int_equal(err->code, -c->expected);
                nsbox_error_free(err);
                assert_no_partial(cache);
                assert_string_equal(list_dir(outside), "passwd");
                struct stat st;
                assert_int_equal(stat(abs_target, &st), 0);
                assert_int_equal(st.st_nlink, 1);
                assert_string_equal(read_file(abs_target), "root\n");
        }
        /* and nothing in /tmp either (the relative symlink case) */
        struct stat st;
        assert_int_equal(lstat("/tmp/evil", &st), -1);
}

static void t_bad_files(void **state)
{
        static const TEntry big[] = {
                { "./a", .data = "a" },
                { "./random", .random_size = 1024 * 1024 },
                { "./z", .data = "z" },
        };
        struct {
                const char *name;
                int expected;
                const char *message; /* a substring */
        } cases[] = {
                { "text", -EINVAL, "not a tar archive" },
                { "empty", -EINVAL, "not a tar archive" },
                { "text.gz", -EINVAL, "not a tar archive" },
                { "cut.tar.gz", -EINVAL, "truncated" },
                { "cut.tar", -EINVAL, "truncated" },
                { "missing", -ENOENT, "No such file or directory" },
                { "dir", -EISDIR, "Is a directory" },
                { "/dev/null", -EINVAL, "not a regular file" },
        };

        write_file(P("text"), "hello world\n", 12);
        write_file(P("empty"), "", 0);
        /* a gzip stream that holds no tar */
        {
                struct archive *a = archive_write_new();
                archive_write_set_format_raw(a);
                archive_write_add_filter_gzip(a);
                assert_int_equal(archive_write_open_filename(a, P("text.gz")), ARCHIVE_OK);
                struct archive_entry *e = archive_entry_new();
                archive_entry_set_filetype(e, AE_IFREG);
                archive_entry_set_pathname(e, "x");
                archive_entry_set_size(e, 12);
                assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
                assert_int_equal(archive_write_data(a, "hello world\n", 12), 12);
                archive_entry_free(e);
                archive_write_close(a);
                archive_write_free(a);
        }
        const char *cuts[] = { "cut.tar.gz", "cut.tar" };
        for (size_t i = 0; i < ELEMENTSOF(cuts); i++) {
                write_archive(P("%s", cuts[i]), i == 0 ? F_GZIP : F_NONE, big, ELEMENTSOF(big));
                struct stat st;
                assert_int_equal(stat(P("%s", cuts[i]), &st), 0);
                assert_int_equal(truncate(P("%s", cuts[i]), st.st_size / 2), 0);
        }
        assert_int_equal(mkdir(P("dir"), 0755), 0);

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                const char *path = cases[i].name[0] == '/' ? cases[i].name : P("%s", cases[i].name);
                const char *cache = P("cache%zu", i);
                NsboxError *err = NULL;
                char *ret = NULL;
                int r = nsbox_rootfs_from_archive(path, cache, NULL, NULL, &ret, &err);
                if (r != cases[i].expected || !err || !strstr(err->message, cases[i].message))
                        fail_msg("%s: got %d '%s', expected %d '...%s...'", cases[i].name, r,
                                 err ? err->message : "", cases[i].expected, cases[i].message);
                assert_null(ret);
                nsbox_error_free(err);
                assert_no_partial(cache);
        }

        /* The plain extraction function says the same. */
        NsboxError *err = NULL;
        assert_int_equal(extract_to(P("text"), P("dtext"), NULL, &err), -EINVAL);
        assert_string_equal(err->message, "not a tar archive");
        nsbox_error_free(err);
        err = NULL;
        assert_int_equal(extract_to(P("empty"), P("dempty"), NULL, &err), -EINVAL);
        assert_string_equal(err->message, "not a tar archive: empty file");
        nsbox_error_free(err);
        err = NULL;
        assert_int_equal(extract_to(P("cut.tar.gz"), P("dcut"), NULL, &err), -EINVAL);
        assert_string_equal(err->message, "truncated or damaged archive: truncated gzip input");
        nsbox_error_free(err);
        /* and reterr is optional */
        assert_int_equal(extract_to(P("text"), P("dnull"), NULL, NULL), -EINVAL);
}

/* ---- the cache ------------------------------------------------------------- */

static const TEntry small[] = {
        { "./", AE_IFDIR },
        { "./etc/os-release", .data = "ID=small\n" },
        { "./bin/sh", AE_IFLNK, .link = "/bin/busybox" },
};

static const TEntry other[] = {
        { "./etc/os-release", .data = "ID=other\n" },
};

static void t_cache_reuse(void **state)
{
        const char *archive = P("small.tar.gz"), *cache = P("cache");
        char sha[65], expected[PATH_MAX];
        Progress p1 = { 0 }, p2 = { 0 };
        NsboxError *err = NULL;
        char *path1 = NULL, *path2 = NULL, *path3 = NULL;
        struct stat st1, st2;

        write_archive(archive, F_GZIP, small, ELEMENTSOF(small));
        sha256_file(archive, sha);
        snprintf(expected, sizeof(expected), "%s/rootfs/%s/rootfs", cache, sha);

        assert_int_equal(nsbox_rootfs_from_archive(archive, cache, on_progress, &p1, &path1, &err), 0);
        assert_string_equal(path1, expected);
        assert_true(p1.calls > 0);
        assert_string_equal(read_file(P("cache/rootfs/%s/rootfs/etc/os-release", sha)), "ID=small\n");
        assert_mode(cache, S_IFDIR, 0700);
        assert_mode(P("cache/rootfs"), S_IFDIR, 0700);
        assert_int_equal(stat(path1, &st1), 0);

        /* Second call: the same directory, nothing extracted again. */
        assert_int_equal(nsbox_rootfs_from_archive(archive, cache, on_progress, &p2, &path2, &err), 0);
        assert_string_equal(path2, path1);
        assert_int_equal(p2.calls, 0);
        assert_int_equal(stat(path2, &st2), 0);
        assert_int_equal(st1.st_ino, st2.st_ino);
        assert_int_equal(st1.st_ctim.tv_nsec, st2.st_ctim.tv_nsec);

        /* A trailing slash on the cache directory does not change the path. */
        free(path2);
        path2 = NULL;
        assert_int_equal(nsbox_rootfs_from_archive(archive, P("cache/"), NULL, NULL, &path2, &err), 0);
        assert_string_equal(path2, path1);

        /* Another archive, another entry; the first stays. This one has no
         * "./" entry: its top directory gets 0755 whatever the umask. */
        write_archive(P("other.tar"), F_NONE, other, ELEMENTSOF(other));
        mode_t old_umask = umask(077);
        assert_int_equal(nsbox_rootfs_from_archive(P("other.tar"), cache, NULL, NULL, &path3, &err), 0);
        umask(old_umask);
        assert_mode(path3, S_IFDIR, 0755);
        assert_mode(P("%s/etc", path3 + strlen(base) + 1), S_IFDIR, 0755);
        assert_string_not_equal(path3, path1);
        assert_string_equal(read_file(P("%s/etc/os-release", path3 + strlen(base) + 1)), "ID=other\n");
        assert_string_equal(read_file(P("%s/etc/os-release", path1 + strlen(base) + 1)), "ID=small\n");
        assert_null(err);
        free(path1);
        free(path2);
        free(path3);
}

static void t_cache_not_private(void **state)
{
        NsboxError *err = NULL;
        char *path = NULL;

        write_archive(P("small.tar"), F_NONE, small, ELEMENTSOF(small));
        assert_int_equal(mkdir(P("cache"), 0755), 0);
        assert_int_equal(mkdir(P("cache/rootfs"), 0777), 0);
        assert_int_equal(chmod(P("cache/rootfs"), 0777), 0);
        assert_int_equal(nsbox_rootfs_from_archive(P("small.tar"), P("cache"), NULL, NULL, &path, &err),
                         -EPERM);
        assert_non_null(strstr(err->message, "not private"));
        nsbox_error_free(err);
        assert_null(path);
}

static void t_cache_stale(void **state)
{
        const char *archive = P("small.tar.gz"), *cache = P("cache");
        char sha[65], other_key[65];
        NsboxError *err = NULL;
        char *path = NULL;

        write_archive(archive, F_GZIP, small, ELEMENTSOF(small));
        sha256_file(archive, sha);
        memset(other_key, 'b', 64);
        other_key[64] = '\0';

        /* What a SIGKILLed extraction leaves: half a tree, with a symlink
         * out that removal must not follow, and a read-only directory. */
        assert_int_equal(mkdir(P("outside"), 0755), 0);
        write_file(P("outside/keep"), "keep\n", 5);
        assert_int_equal(mkdir(cache, 0700), 0);
        assert_int_equal(mkdir(P("cache/rootfs"), 0700), 0);
        assert_int_equal(mkdir(P("cache/rootfs/%s.tmp-dead01", sha), 0700), 0);
        assert_int_equal(mkdir(P("cache/rootfs/%s.tmp-dead01/rootfs", sha), 0755), 0);
        assert_int_equal(symlink(P("outside"), P("cache/rootfs/%s.tmp-dead01/rootfs/out", sha)), 0);
        assert_int_equal(mkdir(P("cache/rootfs/%s.tmp-dead01/rootfs/ro", sha), 0755), 0);
        write_file(P("cache/rootfs/%s.tmp-dead01/rootfs/ro/f", sha), "x", 1);
        assert_int_equal(chmod(P("cache/rootfs/%s.tmp-dead01/rootfs/ro", sha), 0555), 0);
        assert_int_equal(mkdir(P("cache/rootfs/%s.tmp-dead02", sha), 0700), 0);
        /* Another archive's, still being extracted: its lock is held. */
        assert_int_equal(mkdir(P("cache/rootfs/%s.tmp-busy01", other_key), 0700), 0);
        int lock = open(P("cache/rootfs/%s.lock", other_key), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        assert_true(lock >= 0);
        assert_int_equal(flock(lock, LOCK_EX), 0);

        assert_int_equal(nsbox_rootfs_from_archive(archive, cache, NULL, NULL, &path, &err), 0);
        assert_null(err);
        free(path);
        char sha_lock[80], other_lock[80], other_tmp[80];
        snprintf(sha_lock, sizeof(sha_lock), "%s.lock", sha);
        snprintf(other_lock, sizeof(other_lock), "%s.lock", other_key);
        snprintf(other_tmp, sizeof(other_tmp), "%s.tmp-busy01", other_key);
        assert_dir(P("cache/rootfs"), sha, sha_lock, other_lock, other_tmp, NULL);
        assert_string_equal(read_file(P("outside/keep")), "keep\n");

        /* gc leaves a locked one alone, and takes it once the lock is free. */
        assert_int_equal(nsbox_rootfs_cache_gc(cache, &err), 0);
        close(lock);
        assert_int_equal(nsbox_rootfs_cache_gc(cache, &err), 1);
        assert_int_equal(nsbox_rootfs_cache_gc(cache, &err), 0);
        assert_dir(P("cache/rootfs"), sha, sha_lock, other_lock, NULL);
        assert_null(err);

        /* A stale one of an archive already in the cache goes on the fast path too. */
        assert_int_equal(mkdir(P("cache/rootfs/%s.tmp-dead03", sha), 0700), 0);
        assert_int_equal(nsbox_rootfs_from_archive(archive, cache, NULL, NULL, &path, &err), 0);
        free(path);
        assert_dir(P("cache/rootfs"), sha, sha_lock, other_lock, NULL);

        /* No cache at all: nothing to do. */
        assert_int_equal(nsbox_rootfs_cache_gc(P("nonexistent"), &err), 0);
        assert_null(err);
}

/* Exit status of a child that called nsbox_rootfs_from_archive(). */
enum {
        CHILD_REUSED = 0,
        CHILD_FAILED = 1,
        CHILD_EXTRACTED = 10
};

static _noreturn_ void child_extract(const char *archive, const char *cache, int start_fd)
{
        char c;
        Progress p = { 0 };
        char *path = NULL;
        if (start_fd >= 0 && read(start_fd, &c, 1) < 0)
                _exit(CHILD_FAILED);
        int r = nsbox_rootfs_from_archive(archive, cache, on_progress, &p, &path, NULL);
        free(path);
        _exit(r < 0 ? CHILD_FAILED : p.calls > 0 ? CHILD_EXTRACTED : CHILD_REUSED);
}

static int wait_child(pid_t pid)
{
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        return WEXITSTATUS(status);
}

static void t_cache_concurrent(void **state)
{
        TEntry t[64];
        char names[64][16];
        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                snprintf(names[i], sizeof(names[i]), "d%zu/f%zu", i % 8, i);
                t[i] = (TEntry){ .name = names[i], .random_size = 64 * 1024 };
        }
        write_archive(P("many.tar.gz"), F_GZIP, t, ELEMENTSOF(t));

        for (int round = 0; round < 3; round++) {
                const char *cache = P("cache%d", round);
                int start[2];
                assert_int_equal(pipe2(start, O_CLOEXEC), 0);
                pid_t pids[2];
                for (int i = 0; i < 2; i++) {
                        pids[i] = fork();
                        assert_true(pids[i] >= 0);
                        if (pids[i] == 0) {
                                close(start[1]);
                                child_extract(P("many.tar.gz"), cache, start[0]);
                        }
                }
                close(start[0]);
                close(start[1]); /* both go */
                int s0 = wait_child(pids[0]), s1 = wait_child(pids[1]);
                /* Both succeed, exactly one extracted. */
                if (!((s0 == CHILD_EXTRACTED && s1 == CHILD_REUSED) ||
                      (s0 == CHILD_REUSED && s1 == CHILD_EXTRACTED)))
                        fail_msg("round %d: children exited %d and %d", round, s0, s1);
                char sha[65];
                sha256_file(P("many.tar.gz"), sha);
                char expected[256];
                snprintf(expected, sizeof(expected), "%s %s.lock", sha, sha);
                const char *l = list_dir(P("cache%d/rootfs", round));
                /* the index may be there too, if the archive is old enough */
                if (!streq(l, expected)) {
                        snprintf(expected, sizeof(expected), "%s %s.lock index", sha, sha);
                        assert_string_equal(l, expected);
                }
                assert_string_equal(list_dir(P("cache%d/rootfs/%s/rootfs", round, sha)),
                                    "d0 d1 d2 d3 d4 d5 d6 d7");
        }
}

/* The second caller waits for the lock and then finds the entry made. */
static void t_cache_lock_waits(void **state)
{
        const char *archive = P("small.tar"), *cache = P("cache");
        char sha[65];

        write_archive(archive, F_NONE, small, ELEMENTSOF(small));
        sha256_file(archive, sha);
        assert_int_equal(mkdir(cache, 0700), 0);
        assert_int_equal(mkdir(P("cache/rootfs"), 0700), 0);
        int lock = open(P("cache/rootfs/%s.lock", sha), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        assert_true(lock >= 0);
        assert_int_equal(flock(lock, LOCK_EX), 0);

        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                /* the lock belongs to the open file, which fork shares */
                close(lock);
                child_extract(archive, cache, -EBADF);
        }

        struct timespec ts = { .tv_nsec = 300 * 1000 * 1000 };
        nanosleep(&ts, NULL);
        int status;
        assert_int_equal(waitpid(pid, &status, WNOHANG), 0); /* still waiting */
        char expected[256];
        snprintf(expected, sizeof(expected), "%s.lock", sha);
        assert_string_equal(list_dir(P("cache/rootfs")), expected); /* and has made nothing */

        close(lock);
        assert_int_equal(wait_child(pid), CHILD_EXTRACTED);
        assert_string_equal(read_file(P("cache/rootfs/%s/rootfs/etc/os-release", sha)), "ID=small\n");
}

/* The hash index: used for an unchanged archive, ignored once it changes,
 * even when its size and mtime are kept. */
static void t_cache_index(void **state)
{
        static const TEntry t[] = {
                { "./etc/os-release", .data = "ID=AAAAAAAA\n" },
        };
        const char *archive = P("a.tar"), *cache = P("cache");
        NsboxError *err = NULL;
        char *path1 = NULL, *path2 = NULL, sha[65];
        struct stat st;

        write_archive(archive, F_NONE, t, ELEMENTSOF(t));
        write_file(P("text"), "not an archive\n", 15);
        /* Only an archive whose ctime is safely in the past gets a record. */
        sleep(2);
        /* and only once it proved to be an archive */
        assert_int_equal(nsbox_rootfs_from_archive(P("text"), cache, NULL, NULL, &path1, &err), -EINVAL);
        nsbox_error_free(err);
        err = NULL;
        assert_int_equal(access(P("cache/rootfs/index"), F_OK), -1);

        assert_int_equal(nsbox_rootfs_from_archive(archive, cache, NULL, NULL, &path1, &err), 0);
        sha256_file(archive, sha);
        assert_int_equal(stat(archive, &st), 0);
        char *record = read_file(P("cache/rootfs/index/%llx-%llx", (unsigned long long) st.st_dev,
                                   (unsigned long long) st.st_ino));
        assert_non_null(record);
        assert_non_null(strstr(record, sha));

        /* Same size, same mtime, other content: a new ctime. */
        int fd = open(archive, O_RDWR | O_CLOEXEC);
        assert_true(fd >= 0);
        char buf[4096];
        ssize_t n = read(fd, buf, sizeof(buf));
        assert_true(n > 0);
        char *at = memmem(buf, (size_t) n, "AAAAAAAA", 8);
        assert_non_null(at);
        assert_int_equal(pwrite(fd, "B", 1, at - buf), 1);
        struct timespec times[2] = { st.st_atim, st.st_mtim };
        assert_int_equal(futimens(fd, times), 0);
        close(fd);

        assert_int_equal(nsbox_rootfs_from_archive(archive, cache, NULL, NULL, &path2, &err), 0);
        assert_string_not_equal(path1, path2);
        assert_string_equal(read_file(P("%s/etc/os-release", path2 + strlen(base) + 1)), "ID=BAAAAAAA\n");
        assert_null(err);
        free(path1);
        free(path2);
}

/* ---- the real thing -------------------------------------------------------- */

/* Compares the extracted tree with the archive, entry by entry. */
static void verify_against_archive(const char *archive, const char *root, unsigned *ret_abs_symlinks)
{
        struct archive *a = archive_read_new();
        archive_read_support_filter_all(a);
        archive_read_support_format_tar(a);
        assert_int_equal(archive_read_open_filename(a, archive, 65536), ARCHIVE_OK);
        struct archive_entry *e;
        unsigned abs_symlinks = 0, n = 0;
        while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
                char path[PATH_MAX];
                struct stat st;
                snprintf(path, sizeof(path), "%s/%s", root, archive_entry_pathname(e));
                if (lstat(path, &st) < 0)
                        fail_msg("%s: %s", path, strerror(errno));
                n++;
                if (archive_entry_hardlink(e))
                        continue;
                if ((st.st_mode & S_IFMT) != archive_entry_filetype(e))
                        fail_msg("%s: type %o, archive says %o", path, st.st_mode & S_IFMT,
                                 archive_entry_filetype(e));
                if (S_ISLNK(st.st_mode)) {
                        assert_link(path, archive_entry_symlink(e));
                        if (archive_entry_symlink(e)[0] == '/')
                                abs_symlinks++;
                } else if ((st.st_mode & 07777) != (archive_entry_perm(e) & 07777))
                        fail_msg("%s: mode %o, archive says %o", path, st.st_mode & 07777,
                                 archive_entry_perm(e));
                if (S_ISREG(st.st_mode))
                        assert_int_equal(st.st_size, archive_entry_size(e));
                if (st.st_mtim.tv_sec != archive_entry_mtime(e))
                        fail_msg("%s: mtime %lld, archive says %lld", path, (long long) st.st_mtim.tv_sec,
                                 (long long) archive_entry_mtime(e));
                if (geteuid() == 0 &&
                    (st.st_uid != archive_entry_uid(e) || st.st_gid != archive_entry_gid(e)))
                        fail_msg("%s: owner %u:%u", path, st.st_uid, st.st_gid);
        }
        archive_read_free(a);
        assert_true(n > 0);
        *ret_abs_symlinks = abs_symlinks;
}

static void t_alpine(void **state)
{
        /* ../shared beside the source tree, as tests/lib.bash finds it */
        const char *src = getenv("NSBOX_SRC");
        char ALPINE_TAR[PATH_MAX];
        snprintf(ALPINE_TAR, sizeof(ALPINE_TAR), "%s/../shared/rootfs/" ALPINE_NAME, src ? src : ".");
        if (access(ALPINE_TAR, R_OK) < 0) {
                print_message("# SKIP %s is absent\n", ALPINE_TAR);
                skip();
        }
        NsboxError *err = NULL;
        char *path = NULL;
        struct timespec t0, t1;

        clock_gettime(CLOCK_MONOTONIC, &t0);
        int r = nsbox_rootfs_from_archive(ALPINE_TAR, P("cache"), NULL, NULL, &path, &err);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        if (r < 0)
                fail_msg("alpine: %s", err ? err->message : strerror(-r));
        double ms = (double) (t1.tv_sec - t0.tv_sec) * 1e3 + (double) (t1.tv_nsec - t0.tv_nsec) / 1e6;
        print_message("# alpine extracted in %.1f ms\n", ms);
        assert_true(ms < 1000);

        char p[PATH_MAX];
        snprintf(p, sizeof(p), "%s/bin/sh", path);
        assert_link(p, "/bin/busybox");
        snprintf(p, sizeof(p), "%s/etc/os-release", path);
        char *osr = read_file(p);
        assert_non_null(osr);
        assert_non_null(strstr(osr, "VERSION_ID=3.20"));

        unsigned abs_symlinks = 0;
        verify_against_archive(ALPINE_TAR, path, &abs_symlinks);
        assert_true(abs_symlinks >= 300);
        free(path);
}

/* ---- rm_rf_at -------------------------------------------------------------- */

static void t_rm_rf(void **state)
{
        assert_int_equal(mkdir(P("outside"), 0755), 0);
        write_file(P("outside/keep"), "keep\n", 5);
        assert_int_equal(mkdir(P("t"), 0755), 0);
        assert_int_equal(mkdir(P("t/a"), 0755), 0);
        assert_int_equal(mkdir(P("t/a/b"), 0755), 0);
        write_file(P("t/a/b/f"), "x", 1);
        assert_int_equal(symlink(P("outside"), P("t/a/link")), 0);
        assert_int_equal(symlink(P("outside/keep"), P("t/a/b/flink")), 0);
        assert_int_equal(mkfifo(P("t/a/fifo"), 0600), 0);
        assert_int_equal(mkdir(P("t/locked"), 0755), 0);
        write_file(P("t/locked/f"), "x", 1);
        assert_int_equal(mkdir(P("t/locked/sub"), 0755), 0);
        assert_int_equal(chmod(P("t/locked/sub"), 0), 0);
        assert_int_equal(chmod(P("t/locked"), 0500), 0);

        assert_int_equal(rm_rf_at(AT_FDCWD, P("t")), 0);
        assert_int_equal(access(P("t"), F_OK), -1);
        assert_string_equal(read_file(P("outside/keep")), "keep\n");
        assert_string_equal(list_dir(base), "outside");

        /* missing: fine; a symlink: the link goes, not what it points to */
        assert_int_equal(rm_rf_at(AT_FDCWD, P("t")), 0);
        assert_int_equal(symlink(P("outside"), P("l")), 0);
        int fd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_int_equal(rm_rf_at(fd, "l"), 0);
        close(fd);
        assert_string_equal(list_dir(base), "outside");
        assert_string_equal(list_dir(P("outside")), "keep");
        assert_int_equal(rm_rf_at(AT_FDCWD, "/"), -EBUSY);
}

/* Depth does not cost fds: a 300-deep tree with RLIMIT_NOFILE at 32. */
static void t_rm_rf_deep(void **state)
{
        int fd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_int_equal(mkdirat(fd, "deep", 0755), 0);
        int cur = openat(fd, "deep", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        for (int i = 0; i < 300; i++) {
                assert_int_equal(mkdirat(cur, "d", 0755), 0);
                int fd2 = openat(cur, "f", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
                close(fd2);
                int next = openat(cur, "d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                close(cur);
                cur = next;
                assert_true(cur >= 0);
        }
        close(cur);

        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                struct rlimit rl = { 32, 32 };
                if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
                        _exit(2);
                _exit(rm_rf_at(fd, "deep") == 0 ? 0 : 1);
        }
        assert_int_equal(wait_child(pid), 0);
        assert_int_equal(faccessat(fd, "deep", F_OK, 0), -1);
        close(fd);
}

/* Mounts inside a tree are left alone, bind mounts of the same filesystem too. */
static void t_rm_rf_mounts(void **state)
{
        if (geteuid() != 0) {
                print_message("# SKIP needs root to mount\n");
                skip();
        }
        assert_int_equal(mkdir(P("outside"), 0755), 0);
        write_file(P("outside/keep"), "keep\n", 5);
        assert_int_equal(mkdir(P("t"), 0755), 0);
        assert_int_equal(mkdir(P("t/tmpfs"), 0755), 0);
        assert_int_equal(mkdir(P("t/bind"), 0755), 0);
        write_file(P("t/f"), "x", 1);

        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                /* in a mount namespace of our own, so nothing reaches the host */
                if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                        _exit(2);
                if (mount("tmpfs", P("t/tmpfs"), "tmpfs", 0, "size=1m") < 0 ||
                    mount(P("outside"), P("t/bind"), NULL, MS_BIND, NULL) < 0)
                        _exit(3);
                int fd = open(P("t/tmpfs/inside"), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
                if (fd < 0)
                        _exit(4);
                close(fd);
                if (rm_rf_at(AT_FDCWD, P("t/tmpfs")) != -EBUSY)
                        _exit(5);
                if (rm_rf_at(AT_FDCWD, P("t")) != -EXDEV)
                        _exit(6);
                if (access(P("t/tmpfs/inside"), F_OK) < 0 || access(P("t/bind/keep"), F_OK) < 0)
                        _exit(7);
                if (access(P("t/f"), F_OK) == 0)
                        _exit(8);
                _exit(0);
        }
        assert_int_equal(wait_child(pid), 0);
        assert_string_equal(read_file(P("outside/keep")), "keep\n");
        assert_int_equal(rm_rf_at(AT_FDCWD, P("t")), 0);
}

/* ---- not root -------------------------------------------------------------- */

/* As an unprivileged user: owners stay the caller's, device nodes are
 * skipped, setuid bits are kept, the cache is made and used. */
static void t_unprivileged(void **state)
{
        if (geteuid() != 0) {
                print_message(
                        "# SKIP needs root to become nobody (the other tests already run unprivileged)\n");
                skip();
        }
        write_archive(P("tree.tar.gz"), F_GZIP, tree, ELEMENTSOF(tree));
        assert_int_equal(chmod(base, 0711), 0);
        assert_int_equal(chmod(P("tree.tar.gz"), 0644), 0);
        assert_int_equal(mkdir(P("nobody"), 0700), 0);
        assert_int_equal(chown(P("nobody"), 65534, 65534), 0);

        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                if (setgroups(0, NULL) < 0 || setresgid(65534, 65534, 65534) < 0 ||
                    setresuid(65534, 65534, 65534) < 0)
                        _exit(2);
                char *path = NULL;
                NsboxError *err = NULL;
                int r = nsbox_rootfs_from_archive(P("tree.tar.gz"), P("nobody/cache"), NULL, NULL, &path,
                                                  &err);
                if (r < 0) {
                        fprintf(stderr, "# %s\n", err ? err->message : strerror(-r));
                        _exit(3);
                }
                char p[PATH_MAX];
                struct stat st;
                snprintf(p, sizeof(p), "%s/etc/hostname", path);
                if (lstat(p, &st) < 0 || st.st_uid != 65534 || (st.st_mode & 07777) != 0640)
                        _exit(4);
                snprintf(p, sizeof(p), "%s/bin/busybox", path);
                if (lstat(p, &st) < 0 || (st.st_mode & 07777) != 04755)
                        _exit(5);
                snprintf(p, sizeof(p), "%s/dev/null", path);
                if (lstat(p, &st) == 0 || errno != ENOENT)
                        _exit(6);
                snprintf(p, sizeof(p), "%s/ro", path);
                if (lstat(p, &st) < 0 || (st.st_mode & 07777) != 0555)
                        _exit(7);
                free(path);
                if (nsbox_rootfs_cache_gc(P("nobody/cache"), NULL) != 0)
                        _exit(8);
                /* what an unprivileged user extracted, it can remove again,
                 * read-only directories included */
                if (rm_rf_at(AT_FDCWD, P("nobody/cache")) != 0)
                        _exit(9);
                _exit(0);
        }
        assert_int_equal(wait_child(pid), 0);
        assert_int_equal(chmod(base, 0700), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(t_extract_tree, setup, teardown),
                cmocka_unit_test_setup_teardown(t_compressions, setup, teardown),
                cmocka_unit_test_setup_teardown(t_replace_symlink, setup, teardown),
                cmocka_unit_test_setup_teardown(t_refusals, setup, teardown),
                cmocka_unit_test_setup_teardown(t_bad_files, setup, teardown),
                cmocka_unit_test_setup_teardown(t_cache_reuse, setup, teardown),
                cmocka_unit_test_setup_teardown(t_cache_not_private, setup, teardown),
                cmocka_unit_test_setup_teardown(t_cache_stale, setup, teardown),
                cmocka_unit_test_setup_teardown(t_cache_concurrent, setup, teardown),
                cmocka_unit_test_setup_teardown(t_cache_lock_waits, setup, teardown),
                cmocka_unit_test_setup_teardown(t_cache_index, setup, teardown),
                cmocka_unit_test_setup_teardown(t_alpine, setup, teardown),
                cmocka_unit_test_setup_teardown(t_rm_rf, setup, teardown),
                cmocka_unit_test_setup_teardown(t_rm_rf_deep, setup, teardown),
                cmocka_unit_test_setup_teardown(t_rm_rf_mounts, setup, teardown),
                cmocka_unit_test_setup_teardown(t_unprivileged, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
