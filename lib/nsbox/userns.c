/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * User namespaces for users who are not root: subordinate ids, newuidmap(1)
 * and newgidmap(1), and rootfs extraction inside a user namespace.
 */
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "basic/macro.h"
#include "basic/missing.h"
#include "nsbox/internal.h"
#include "nsbox/userns.h"

#define IDMAP_MAX_LINES 340

/* ---- /etc/subuid, /etc/subgid ---- */

/* A decimal number that fits in 32 bits and nothing else. */
static int parse_u32(const char *s, uint32_t *ret)
{
        uint64_t v = 0;
        const char *p = s;
        if (!*p)
                return -EINVAL;
        for (; *p; p++) {
                if (*p < '0' || *p > '9' || p - s >= 10)
                        return -EINVAL;
                v = v * 10 + (uint64_t) (*p - '0');
        }
        if (v > UINT32_MAX)
                return -EINVAL;
        *ret = (uint32_t) v;
        return 0;
}

int nsbox_subid_ranges(const char *path, uid_t uid, const char *name, NsboxIdMapRange **ret, size_t *ret_n)
{
        *ret = NULL;
        *ret_n = 0;
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        if (!f)
                return errno == ENOENT ? 0 : negative_errno();

        _cleanup_free_ NsboxIdMapRange *v = NULL;
        _cleanup_free_ char *line = NULL;
        size_t n = 0, size = 0;
        while (getline(&line, &size, f) >= 0) {
                line[strcspn(line, "\n")] = '\0';
                char *start = strchr(line, ':');
                if (!start)
                        continue;
                *start++ = '\0';
                char *count = strchr(start, ':');
                uint32_t who;
                bool match =
                        (parse_u32(line, &who) >= 0 && who == (uint32_t) uid) || (name && streq(line, name));
                if (!match)
                        continue;
                NsboxIdMapRange r = { 0 };
                if (!count)
                        return -EINVAL;
                *count++ = '\0';
                if (parse_u32(start, &r.outer) < 0 || parse_u32(count, &r.count) < 0 || r.count == 0 ||
                    (uint64_t) r.outer + r.count - 1 > UINT32_MAX)
                        return -EINVAL;
                NsboxIdMapRange *nv = reallocarray(v, n + 1, sizeof(*v));
                if (!nv)
                        return -ENOMEM;
                v = nv;
                v[n++] = r;
        }
        if (ferror(f))
                return -EIO;
        *ret = TAKE_PTR(v);
        *ret_n = n;
        return n > INT_MAX ? INT_MAX : (int) n;
}

/* ---- newuidmap, newgidmap ---- */

int nsbox_idmap_find_helper(const char *name, char **ret)
{
        const char *path = getenv("PATH");
        if (!path)
                path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
        for (const char *p = path;;) {
                const char *colon = strchrnul(p, ':');
                _cleanup_free_ char *full = NULL;
                /* an empty entry is the current directory (execvp(3)) */
                if (asprintf(&full, "%.*s/%s", (int) (colon - p), colon == p ? "." : p, name) < 0)
                        return -ENOMEM;
                struct stat st;
                if (stat(full, &st) >= 0 && S_ISREG(st.st_mode) && access(full, X_OK) >= 0) {
                        *ret = TAKE_PTR(full);
                        return 0;
                }
                if (!*colon)
                        return -ENOENT;
                p = colon + 1;
        }
}

static void strv_free_n(char **v, size_t n)
{
        for (size_t i = 0; i < n; i++)
                free(v[i]);
        free(v);
}

int nsbox_idmap_write_helper(bool uid_map, pid_t pid, const NsboxIdMapRange *ranges, size_t n,
                             NsboxError **reterr)
{
        const char *name = uid_map ? "newuidmap" : "newgidmap";
        if (n == 0 || n > IDMAP_MAX_LINES)
                return nsbox_error_set_message(reterr, EINVAL, "%s: %zu ranges (1 to %d)", name, n,
                                               IDMAP_MAX_LINES);

        _cleanup_free_ char *helper = NULL;
        int r = nsbox_idmap_find_helper(name, &helper);
        if (r == -ENOENT)
                return nsbox_error_set_message(reterr, ENOENT,
                                               "%s: not found in PATH (it is in package uidmap); it maps "
                                               "the subordinate ids of /etc/sub%cid",
                                               name, uid_map ? 'u' : 'g');
        if (r < 0)
                return nsbox_error_set(reterr, r, "%s", name);

        size_t argc = 2 + 3 * n;
        char **argv = calloc(argc + 1, sizeof(char *));
        if (!argv)
                return nsbox_error_set(reterr, ENOMEM, "%s", name);
        r = 0;
        if (!(argv[0] = strdup(name)) || asprintf(&argv[1], "%d", (int) pid) < 0)
                r = -ENOMEM;
        for (size_t i = 0; i < n && r >= 0; i++)
                if (asprintf(&argv[2 + 3 * i], "%" PRIu32, ranges[i].inner) < 0 ||
                    asprintf(&argv[3 + 3 * i], "%" PRIu32, ranges[i].outer) < 0 ||
                    asprintf(&argv[4 + 3 * i], "%" PRIu32, ranges[i].count) < 0)
                        r = -ENOMEM;
        if (r < 0) {
                strv_free_n(argv, argc);
                return nsbox_error_set(reterr, r, "%s", name);
        }

        int pipefd[2];
        if (pipe2(pipefd, O_CLOEXEC) < 0) {
                strv_free_n(argv, argc);
                return nsbox_error_set(reterr, errno, "%s: pipe", name);
        }
        _cleanup_close_ int rd = pipefd[0];
        _cleanup_close_ int wr = pipefd[1];

        /* a setuid program: a fixed environment, no signal blocked by our caller */
        static char *const envp[] = { (char *) "PATH=/usr/sbin:/usr/bin:/sbin:/bin", (char *) "LC_ALL=C",
                                      NULL };
        posix_spawn_file_actions_t fa;
        posix_spawnattr_t attr;
        sigset_t none;
        sigemptyset(&none);
        posix_spawn_file_actions_init(&fa);
        posix_spawnattr_init(&attr);
        posix_spawn_file_actions_adddup2(&fa, wr, STDOUT_FILENO);
        posix_spawn_file_actions_adddup2(&fa, wr, STDERR_FILENO);
        posix_spawnattr_setsigmask(&attr, &none);
        posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
        pid_t child;
        int e = posix_spawn(&child, helper, &fa, &attr, argv, envp);
        posix_spawn_file_actions_destroy(&fa);
        posix_spawnattr_destroy(&attr);
        strv_free_n(argv, argc);
        wr = safe_close(wr);
        if (e != 0)
                return nsbox_error_set(reterr, e, "run %s", helper);

        char out[4096];
        size_t len = 0;
        for (;;) {
                ssize_t k = read(rd, out + len, sizeof(out) - 1 - len);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        break;
                len += (size_t) k;
                if (len == sizeof(out) - 1)
                        len = 0; /* keep reading; only the end matters */
        }
        out[len] = '\0';
        int status;
        while (waitpid(child, &status, 0) < 0)
                if (errno != EINTR)
                        return nsbox_error_set(reterr, errno, "wait for %s", name);
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
                return 0;

        /* the helper's last line says why ("... not allowed") */
        while (len > 0 && (out[len - 1] == '\n' || out[len - 1] == ' '))
                out[--len] = '\0';
        char *last = strrchr(out, '\n');
        last = last ? last + 1 : out;
        if (*last)
                return nsbox_error_set_message(reterr, EPERM, "%s", last);
        if (WIFEXITED(status))
                return nsbox_error_set_message(reterr, EPERM, "%s failed with status %d", name,
                                               WEXITSTATUS(status));
        return nsbox_error_set_message(reterr, EPERM, "%s killed by signal %d", name, WTERMSIG(status));
}

static bool single_self(const NsboxIdMapRange *r, size_t n, uint32_t self)
{
        return n == 1 && r[0].outer == self && r[0].count == 1;
}

int nsbox_idmap_apply(pid_t pid, const NsboxIdMapRange *uid, size_t n_uid, const NsboxIdMapRange *gid,
                      size_t n_gid, NsboxError **reterr)
{
        bool root = geteuid() == 0;
        int r;
        if (n_uid > 0) {
                if (root || single_self(uid, n_uid, (uint32_t) geteuid()))
                        r = nsbox_idmap_write(pid, NSBOX_IDMAP_UID_MAP, uid, n_uid, reterr);
                else
                        r = nsbox_idmap_write_helper(true, pid, uid, n_uid, reterr);
                if (r < 0)
                        return r;
        }
        if (n_gid > 0) {
                if (root)
                        r = nsbox_idmap_write(pid, NSBOX_IDMAP_GID_MAP, gid, n_gid, reterr);
                else if (single_self(gid, n_gid, (uint32_t) getegid())) {
                        /* the kernel's condition for an unprivileged gid_map */
                        r = nsbox_setgroups_write(pid, false, reterr);
                        if (r >= 0)
                                r = nsbox_idmap_write(pid, NSBOX_IDMAP_GID_MAP, gid, n_gid, reterr);
                } else
                        r = nsbox_idmap_write_helper(false, pid, gid, n_gid, reterr);
                if (r < 0)
                        return r;
        }
        return 0;
}

static bool overlaps(uint32_t a, uint32_t na, uint32_t b, uint32_t nb)
{
        return (uint64_t) a < (uint64_t) b + nb && (uint64_t) b < (uint64_t) a + na;
}

int nsbox_idmap_check(const char *what, const NsboxIdMapRange *ranges, size_t n, uint32_t self,
                      const NsboxIdMapRange *allowed, size_t n_allowed, NsboxError **reterr)
{
        if (n == 0 || n > IDMAP_MAX_LINES)
                return nsbox_error_set_message(reterr, EINVAL, "%s: %zu ranges (1 to %d)", what, n,
                                               IDMAP_MAX_LINES);
        for (size_t i = 0; i < n; i++) {
                const NsboxIdMapRange *a = &ranges[i];
                if (a->count == 0 || (uint64_t) a->inner + a->count - 1 > UINT32_MAX ||
                    (uint64_t) a->outer + a->count - 1 > UINT32_MAX)
                        return nsbox_error_set_message(reterr, EINVAL,
                                                       "%s %" PRIu32 ":%" PRIu32 ":%" PRIu32
                                                       ": an empty range, or one past id 4294967295",
                                                       what, a->inner, a->outer, a->count);
                for (size_t j = 0; j < i; j++) {
                        const NsboxIdMapRange *b = &ranges[j];
                        bool in = overlaps(a->inner, a->count, b->inner, b->count);
                        if (in || overlaps(a->outer, a->count, b->outer, b->count))
                                return nsbox_error_set_message(
                                        reterr, EINVAL,
                                        "%s %" PRIu32 ":%" PRIu32 ":%" PRIu32 " overlaps %" PRIu32
                                        ":%" PRIu32 ":%" PRIu32 " %s",
                                        what, a->inner, a->outer, a->count, b->inner, b->outer, b->count,
                                        in ? "inside the container" : "on the host");
                }
                if (n_allowed == SIZE_MAX)
                        continue; /* root: any host id */
                bool ok = a->count == 1 && a->outer == self;
                for (size_t k = 0; k < n_allowed && !ok; k++)
                        ok = a->outer >= allowed[k].outer &&
                             (uint64_t) a->outer + a->count <=
                                     (uint64_t) allowed[k].outer + allowed[k].count;
                if (ok)
                        continue;
                char have[256];
                size_t l = 0;
                have[0] = '\0';
                for (size_t k = 0; k < n_allowed && l < sizeof(have) - 32; k++)
                        l += (size_t) snprintf(have + l, sizeof(have) - l, "%s%" PRIu32 "-%" PRIu32,
                                               k ? ", " : "", allowed[k].outer,
                                               allowed[k].outer + allowed[k].count - 1);
                return nsbox_error_set_message(
                        reterr, EPERM,
                        "%s %" PRIu32 ":%" PRIu32 ":%" PRIu32 ": host ids %" PRIu32 "-%" PRIu32
                        " are not yours: only %" PRIu32 "%s%s%s",
                        what, a->inner, a->outer, a->count, a->outer, a->outer + a->count - 1, self,
                        n_allowed ? " and the subordinate ids " : " (no subordinate ids in /etc/sub",
                        n_allowed ? have : (what[0] == 'g' ? "gid" : "uid"), n_allowed ? "" : ")");
        }
        return 0;
}

/* ---- rootfs extraction in a user namespace ---- */

enum {
        XMSG_GO = 1,       /* parent -> child: maps written */
        XMSG_PROGRESS = 2, /* child -> parent: done, total */
        XMSG_DONE = 3,     /* child -> parent: text = the rootfs path, skipped */
        XMSG_ERROR = 4,    /* child -> parent: code, text = the message */
};

struct xmsg {
        uint32_t type;
        int32_t code;
        uint32_t skipped;
        uint64_t done, total;
        char text[4096];
};

#define XMSG_HEAD offsetof(struct xmsg, text)

static void xsend(int fd, struct xmsg *m)
{
        (void) !send(fd, m, XMSG_HEAD + strnlen(m->text, sizeof(m->text) - 1) + 1, MSG_NOSIGNAL);
}

static void forward_progress(uint64_t done, uint64_t total, void *userdata)
{
        struct xmsg m = { .type = XMSG_PROGRESS, .done = done, .total = total };
        xsend(*(int *) userdata, &m);
}

/* The maps as text, hashed: the cache entry of one set of maps. */
static int maps_key(const NsboxIdMapRange *uid, size_t n_uid, const NsboxIdMapRange *gid, size_t n_gid,
                    char ret[17])
{
        char text[2 * 4096 + 8];
        size_t l = 0;
        for (int w = 0; w < 2; w++) {
                const NsboxIdMapRange *v = w ? gid : uid;
                size_t n = w ? n_gid : n_uid;
                l += (size_t) snprintf(text + l, sizeof(text) - l, "%c\n", w ? 'g' : 'u');
                for (size_t i = 0; i < n && l < sizeof(text) - 40; i++)
                        l += (size_t) snprintf(text + l, sizeof(text) - l,
                                               "%" PRIu32 " %" PRIu32 " %" PRIu32 "\n", v[i].inner,
                                               v[i].outer, v[i].count);
        }
        /* FNV-1a, 64 bits: a name for a user's few sets of maps, not a secret */
        uint64_t h = UINT64_C(0xcbf29ce484222325);
        for (size_t i = 0; i < l; i++)
                h = (h ^ (unsigned char) text[i]) * UINT64_C(0x100000001b3);
        snprintf(ret, 17, "%016" PRIx64, h);
        return 0;
}

/* The container id that host id OUTER has in a map, or -1. */
static int64_t inner_of(const NsboxIdMapRange *v, size_t n, uint32_t outer)
{
        for (size_t i = 0; i < n; i++)
                if (outer >= v[i].outer && (uint64_t) outer < (uint64_t) v[i].outer + v[i].count)
                        return (int64_t) v[i].inner + (outer - v[i].outer);
        return -1;
}

_noreturn_ static void extract_child(int sock, int parent_pidfd, const char *archive, const char *cache,
                                     uid_t uid, gid_t gid)
{
        struct xmsg m = { 0 };
        if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
                _exit(EXIT_FAILURE);
        struct pollfd pfd = { .fd = parent_pidfd, .events = POLLIN };
        if (poll(&pfd, 1, 0) != 0)
                _exit(EXIT_FAILURE);
        safe_close(parent_pidfd);

        ssize_t n = recv(sock, &m, sizeof(m), 0);
        if (n < (ssize_t) XMSG_HEAD || m.type != XMSG_GO)
                _exit(EXIT_FAILURE); /* the parent failed and says why itself */

        NsboxError *err = NULL;
        char *path = NULL;
        unsigned skipped = 0;
        int r = 0;
        /* the caller's own ids as the namespace sees them: the cache belongs to them */
        if (setresgid(gid, gid, gid) < 0 || setresuid(uid, uid, uid) < 0)
                r = nsbox_error_set(&err, errno, "extract the rootfs: set ids in the user namespace");
        if (r >= 0)
                r = nsbox_rootfs_from_archive_counted(archive, cache, forward_progress, &sock, &path,
                                                      &skipped, &err);
        memset(&m, 0, sizeof(m));
        if (r < 0) {
                m.type = XMSG_ERROR;
                m.code = -r;
                snprintf(m.text, sizeof(m.text), "%s", err && err->message ? err->message : strerror(-r));
        } else {
                m.type = XMSG_DONE;
                m.skipped = skipped;
                snprintf(m.text, sizeof(m.text), "%s", path);
        }
        xsend(sock, &m);
        _exit(r < 0 ? EXIT_FAILURE : EXIT_SUCCESS);
}

int nsbox_rootfs_from_archive_userns(const char *archive, const char *cache_dir, const NsboxIdMapRange *uid,
                                     size_t n_uid, const NsboxIdMapRange *gid, size_t n_gid,
                                     NsboxProgressFn progress, void *userdata, char **ret_path,
                                     unsigned *ret_skipped_devices, NsboxError **reterr)
{
        if (!archive || !cache_dir || !*cache_dir || !ret_path || n_uid == 0 || n_gid == 0)
                return nsbox_error_set(reterr, EINVAL, "rootfs from archive");
        if (ret_skipped_devices)
                *ret_skipped_devices = 0;

        char key[17];
        if (maps_key(uid, n_uid, gid, n_gid, key) < 0)
                return nsbox_error_set(reterr, EIO, "hash the id maps");
        _cleanup_free_ char *cache = NULL;
        if (asprintf(&cache, "%s/userns-%s", cache_dir, key) < 0)
                return nsbox_error_set(reterr, ENOMEM, "cache");

        /* the ids the child will have, as the namespace sees the caller's */
        int64_t iu = inner_of(uid, n_uid, (uint32_t) geteuid());
        int64_t ig = inner_of(gid, n_gid, (uint32_t) getegid());
        if (ig < 0)
                ig = gid[0].inner; /* any mapped group will do: files get the archive's */
        if (iu < 0)
                return nsbox_error_set_message(reterr, EINVAL,
                                               "the uid map must map your own uid %u: the cache is yours",
                                               (unsigned) geteuid());

        _cleanup_close_ int parent_pidfd = sys_pidfd_open(getpid(), 0);
        if (parent_pidfd < 0)
                return nsbox_error_set(reterr, errno, "pidfd_open");
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
                return nsbox_error_set(reterr, errno, "socketpair");
        _cleanup_close_ int sock = sv[0];
        _cleanup_close_ int child_sock = sv[1];

        int pidfd = -1;
        struct clone_args args = {
                .flags = CLONE_NEWUSER | CLONE_PIDFD,
                .pidfd = (uint64_t) (uintptr_t) &pidfd,
                .exit_signal = SIGCHLD,
        };
        fflush(NULL);
        pid_t pid = sys_clone3(&args, sizeof(args));
        if (pid < 0)
                return nsbox_error_set(reterr, errno, "clone3 into a new user namespace");
        if (pid == 0) {
                sock = safe_close(sock);
                extract_child(child_sock, parent_pidfd, archive, cache, (uid_t) iu, (gid_t) ig);
        }
        _cleanup_close_ int child_pidfd = pidfd;
        child_sock = safe_close(child_sock);

        int r = nsbox_idmap_apply(pid, uid, n_uid, gid, n_gid, reterr);
        struct xmsg m = { .type = XMSG_GO };
        if (r >= 0 && send(sock, &m, XMSG_HEAD + 1, MSG_NOSIGNAL) < 0)
                r = nsbox_error_set(reterr, errno, "start the extraction");

        bool answered = false;
        while (r >= 0 && !answered) {
                memset(&m, 0, sizeof(m));
                ssize_t n = recv(sock, &m, sizeof(m) - 1, 0);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        r = nsbox_error_set(reterr, errno, "extraction");
                        break;
                }
                if (n == 0)
                        break;
                if (n < (ssize_t) XMSG_HEAD)
                        continue;
                if (m.type == XMSG_PROGRESS && progress)
                        progress(m.done, m.total, userdata);
                else if (m.type == XMSG_ERROR) {
                        r = nsbox_error_set_message(reterr, m.code > 0 ? m.code : EIO, "%s", m.text);
                        answered = true;
                } else if (m.type == XMSG_DONE) {
                        if (!(*ret_path = strdup(m.text)))
                                r = nsbox_error_set(reterr, ENOMEM, "cache");
                        else if (ret_skipped_devices)
                                *ret_skipped_devices = m.skipped;
                        answered = true;
                }
        }
        if (r < 0)
                (void) sys_pidfd_send_signal(child_pidfd, SIGKILL, NULL, 0);
        siginfo_t si = { 0 };
        while (waitid(P_PIDFD, (id_t) child_pidfd, &si, WEXITED) < 0 && errno == EINTR)
                ;
        if (r >= 0 && !answered)
                r = nsbox_error_set_message(reterr, EIO, "extraction in a user namespace ended with %s %d",
                                            si.si_code == CLD_EXITED ? "status" : "signal", si.si_status);
        return r < 0 ? r : 0;
}
