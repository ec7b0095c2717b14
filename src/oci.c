/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nsbox-oci: an OCI runtime with runc's command line (runtime-spec 1.2
 * runtime.md; runc's flags, which podman/conmon, containerd's shim and CRI-O
 * call). The same binary as nsbox, chosen by argv[0].
 *
 * State: ROOT/ID/ (ROOT from --root, default /run/nsbox-oci) holds
 *   state.json  what create recorded: pid and its start time (so a reused pid
 *               is never taken for the init), bundle, rootfs, cgroup, created
 *   config.json the bundle's config as create read it (for exec defaults and
 *               poststop hooks after the bundle is gone)
 *   init.sock   while the container is "created": the init waits there for start
 * The directory is the lock: every command that changes a container holds
 * flock(2) LOCK_EX on it; create makes it with mkdir(2), so of two creates of
 * one ID exactly one wins and the loser leaves nothing.
 */
#include <getopt.h>
#include <jansson.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>

#include "basic/fileio.h"
#include "basic/missing.h"
#include "basic/rm-rf.h"
#include "common.h"
#include "oci-cgroup.h"

#define OCI_NAME "nsbox-oci"

static struct {
        const char *root;
        const char *log;
        bool log_json;
        bool debug;
} g = { .root = "/run/nsbox-oci" };

static FILE *log_file;

static void oci_log(const char *level, const char *fmt, va_list ap) _printf_(2, 0);
static void oci_log(const char *level, const char *fmt, va_list ap)
{
        char msg[4096];
        vsnprintf(msg, sizeof(msg), fmt, ap);
        if (streq(level, "error") || g.debug || streq(level, "warning"))
                fprintf(stderr, "%s: %s\n", OCI_NAME, msg);
        if (!log_file)
                return;
        char ts[64];
        struct timespec now;
        struct tm tm;
        clock_gettime(CLOCK_REALTIME, &now);
        gmtime_r(&now.tv_sec, &tm);
        size_t k = strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(ts + k, sizeof(ts) - k, ".%09ldZ", now.tv_nsec);
        if (g.log_json) {
                json_t *o = json_pack("{s:s,s:s,s:s}", "level", level, "msg", msg, "time", ts);
                char *t = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
                if (t)
                        fprintf(log_file, "%s\n", t);
                free(t);
                json_decref(o);
        } else
                fprintf(log_file, "time=\"%s\" level=%s msg=\"%s\"\n", ts, level, msg);
        fflush(log_file);
}

static int fail(const char *fmt, ...) _printf_(1, 2);
static int fail(const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        oci_log("error", fmt, ap);
        va_end(ap);
        return 1;
}

static void warn(const char *fmt, ...) _printf_(1, 2);
static void warn(const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        oci_log("warning", fmt, ap);
        va_end(ap);
}

static int fail_err(const char *what, NsboxError *err, int r)
{
        const char *m = err && err->message ? err->message : strerror(r < 0 ? -r : r);
        if (*m == '\x01') /* nsbox_container_exec_failed()'s mark */
                m++;
        return fail("%s: %s", what, m);
}

/* ---- IDs, state directory, lock ---- */

static int check_id(const char *id)
{
        if (!id || !*id)
                return fail("container ID must not be empty");
        if (strlen(id) > 255) /* NAME_MAX: one directory under --root */
                return fail("container ID is %zu characters long; at most 255 are allowed", strlen(id));
        if (streq(id, ".") || streq(id, ".."))
                return fail("invalid container ID '%s'", id);
        for (const char *c = id; *c; c++)
                if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
                      strchr("_+-.", *c)))
                        return fail("invalid container ID: only letters, digits, '_', '+', '-' and '.' are "
                                    "allowed");
        return 0;
}

typedef struct State {
        char *id;
        int dirfd;
        pid_t pid;
        unsigned long long start_time;
        char *bundle, *rootfs, *cgroup, *created, *owner;
        json_t *config; /* config.json as created */
} State;

static void state_free(State *s)
{
        free(s->id);
        safe_close(s->dirfd);
        free(s->bundle);
        free(s->rootfs);
        free(s->cgroup);
        free(s->created);
        free(s->owner);
        json_decref(s->config);
        memset(s, 0, sizeof(*s));
        s->dirfd = -EBADF;
}

static int root_fd(bool create)
{
        if (create) {
                /* mkdir -p, private to its owner */
                char buf[4096];
                snprintf(buf, sizeof(buf), "%s", g.root);
                for (char *p = buf + 1;; p++) {
                        if (*p != '/' && *p)
                                continue;
                        char c = *p;
                        *p = 0;
                        if (mkdir(buf, 0700) < 0 && errno != EEXIST)
                                return negative_errno();
                        *p = c;
                        if (!c)
                                break;
                }
        }
        int fd = open(g.root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        return fd < 0 ? negative_errno() : fd;
}

static unsigned long long proc_start_time(pid_t pid, char *ret_state)
{
        char path[64], *text = NULL;
        snprintf(path, sizeof(path), "/proc/%d/stat", pid);
        if (read_full_file_at(AT_FDCWD, path, &text, NULL) < 0)
                return 0;
        /* pid (comm) state ppid ... field 22 is starttime; comm may hold ')' */
        char *p = strrchr(text, ')');
        unsigned long long st = 0;
        char state = 0;
        if (p &&
            sscanf(p + 2, "%c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
                   &state, &st) == 2) {
                if (ret_state)
                        *ret_state = state;
        } else
                st = 0;
        free(text);
        return st;
}

static int load_state(const char *id, State *s, bool lock)
{
        *s = (State){ .dirfd = -EBADF };
        if (check_id(id))
                return -EINVAL;
        _cleanup_close_ int root = root_fd(false);
        if (root < 0)
                return fail("container \"%s\" does not exist", id), -ENOENT;
        s->dirfd = openat(root, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (s->dirfd < 0)
                return fail("container \"%s\" does not exist", id), -ENOENT;
        if (lock && flock(s->dirfd, LOCK_EX) < 0)
                return fail("lock container \"%s\": %m", id), -errno;
        char *text = NULL;
        if (read_full_file_at(s->dirfd, "state.json", &text, NULL) < 0) {
                state_free(s);
                return fail("container \"%s\" does not exist", id), -ENOENT;
        }
        json_t *o = json_loads(text, 0, NULL);
        free(text);
        if (!o) {
                state_free(s);
                return fail("container \"%s\": state is damaged", id), -EIO;
        }
        s->id = strdup(id);
        s->pid = (pid_t) json_integer_value(json_object_get(o, "pid"));
        s->start_time = (unsigned long long) json_integer_value(json_object_get(o, "start_time"));
#define DUP(f)                                                             \
        s->f = json_string_value(json_object_get(o, #f))                   \
                       ? strdup(json_string_value(json_object_get(o, #f))) \
                       : NULL
        DUP(bundle);
        DUP(rootfs);
        DUP(cgroup);
        DUP(created);
        DUP(owner);
#undef DUP
        json_decref(o);
        if (read_full_file_at(s->dirfd, "config.json", &text, NULL) >= 0) {
                s->config = json_loads(text, 0, NULL);
                free(text);
        }
        return 0;
}

/* created, running, paused or stopped, as runc reports it */
static const char *status_of(const State *s)
{
        char st = 0;
        if (s->pid <= 0 || proc_start_time(s->pid, &st) != s->start_time || st == 'Z' || st == 'X')
                return "stopped";
        if (faccessat(s->dirfd, "init.sock", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
                return "created";
        if (s->cgroup && ocicg_frozen(s->cgroup))
                return "paused";
        return "running";
}

static bool alive(const State *s)
{
        return !streq(status_of(s), "stopped");
}

static NsboxSpec *spec_of(const State *s)
{
        if (!s->config)
                return NULL;
        char *t = json_dumps(s->config, JSON_COMPACT);
        NsboxSpec *spec = NULL;
        if (t)
                (void) nsbox_spec_from_json(t, &spec, NULL);
        free(t);
        return spec;
}

static json_t *state_json(const State *s)
{
        const char *status = status_of(s);
        json_t *o = json_pack("{s:s,s:s,s:I,s:s,s:s,s:s,s:s,s:s}", "ociVersion", "1.2.0", "id", s->id, "pid",
                              (json_int_t) (streq(status, "stopped") ? 0 : s->pid), "status", status,
                              "bundle", s->bundle ? s->bundle : "", "rootfs", s->rootfs ? s->rootfs : "",
                              "created", s->created ? s->created : "", "owner", s->owner ? s->owner : "");
        json_t *ann = s->config ? json_object_get(s->config, "annotations") : NULL;
        json_object_set(o, "annotations", ann ? ann : json_object());
        if (!ann)
                json_decref(json_object_get(o, "annotations")),
                        json_object_set_new(o, "annotations", json_object());
        return o;
}

/* The runtime-spec state JSON given to hooks. */
static char *hook_state(const State *s, const char *status)
{
        NsboxSpec *spec = spec_of(s);
        char *t = NULL;
        (void) nsbox_oci_state_json(spec, s->id, status ? status : status_of(s),
                                    streq(status ? status : status_of(s), "stopped") ? 0 : s->pid, s->bundle,
                                    &t);
        nsbox_spec_free(spec);
        return t;
}

static int write_file_atomic(int dirfd, const char *name, const char *text)
{
        char tmp[4200];
        snprintf(tmp, sizeof(tmp), "%s.tmp%d", name, getpid());
        int r = 0;
        _cleanup_close_ int fd =
                openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0 || loop_write(fd, text, strlen(text)) < 0 || fsync(fd) < 0)
                r = negative_errno();
        if (r < 0) {
                (void) unlinkat(dirfd, tmp, 0);
                return r;
        }
        if (renameat(dirfd, tmp, dirfd, name) < 0) {
                r = negative_errno();
                (void) unlinkat(dirfd, tmp, 0);
                return r;
        }
        return 0;
}

/* a pid file written atomically: what is at the path is complete or absent */
static int write_pid_file(const char *path, pid_t pid)
{
        char buf[32];
        snprintf(buf, sizeof(buf), "%d", pid);
        _cleanup_free_ char *dup = strdup(path);
        if (!dup)
                return -ENOMEM;
        char *slash = strrchr(dup, '/');
        _cleanup_close_ int dfd = -EBADF;
        const char *name = dup;
        if (slash) {
                *slash = 0;
                dfd = open(*dup ? dup : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                name = slash + 1;
        } else
                dfd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return negative_errno();
        return write_file_atomic(dfd, name, buf);
}

/* ---- signals ---- */

static int parse_signal(const char *s)
{
        static const struct {
                const char *name;
                int sig;
        } names[] = {
                { "HUP", SIGHUP },       { "INT", SIGINT },   { "QUIT", SIGQUIT },     { "ILL", SIGILL },
                { "TRAP", SIGTRAP },     { "ABRT", SIGABRT }, { "IOT", SIGIOT },       { "BUS", SIGBUS },
                { "FPE", SIGFPE },       { "KILL", SIGKILL }, { "USR1", SIGUSR1 },     { "SEGV", SIGSEGV },
                { "USR2", SIGUSR2 },     { "PIPE", SIGPIPE }, { "ALRM", SIGALRM },     { "TERM", SIGTERM },
                { "STKFLT", SIGSTKFLT }, { "CHLD", SIGCHLD }, { "CONT", SIGCONT },     { "STOP", SIGSTOP },
                { "TSTP", SIGTSTP },     { "TTIN", SIGTTIN }, { "TTOU", SIGTTOU },     { "URG", SIGURG },
                { "XCPU", SIGXCPU },     { "XFSZ", SIGXFSZ }, { "VTALRM", SIGVTALRM }, { "PROF", SIGPROF },
                { "WINCH", SIGWINCH },   { "IO", SIGIO },     { "POLL", SIGPOLL },     { "PWR", SIGPWR },
                { "SYS", SIGSYS },
        };
        if (!s || !*s)
                return -EINVAL;
        char *end;
        long n = strtol(s, &end, 10);
        if (!*end)
                return n > 0 && n < _NSIG ? (int) n : -EINVAL;
        const char *name = strncasecmp(s, "SIG", 3) == 0 ? s + 3 : s;
        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                if (strcasecmp(name, names[i].name) == 0)
                        return names[i].sig;
        const char *rt;
        if ((rt = startswith(name, "RTMIN")) || (rt = startswith(name, "rtmin"))) {
                long off = *rt == '+' ? strtol(rt + 1, &end, 10) : (*rt ? -1 : 0);
                if ((*rt && *end) || off < 0 || SIGRTMIN + off > SIGRTMAX)
                        return -EINVAL;
                return SIGRTMIN + (int) off;
        }
        return -EINVAL;
}

static int signal_container(const State *s, int sig, bool all)
{
        if (all && s->cgroup) {
                pid_t *pids = NULL;
                int n = ocicg_pids(s->cgroup, &pids);
                for (int i = 0; i < n; i++) {
                        int fd = sys_pidfd_open(pids[i], 0);
                        if (fd >= 0) {
                                sys_pidfd_send_signal(fd, sig, NULL, 0);
                                close(fd);
                        }
                }
                free(pids);
                if (n >= 0)
                        return 0;
        }
        _cleanup_close_ int fd = sys_pidfd_open(s->pid, 0);
        /* the pidfd names the process from here on; the start time says it is
         * still the init and not a reused pid */
        if (fd < 0 || proc_start_time(s->pid, NULL) != s->start_time)
                return -ESRCH;
        if (sys_pidfd_send_signal(fd, sig, NULL, 0) < 0)
                return negative_errno();
        return 0;
}

/* wait until the init has exited (a pidfd turns readable then, for any process) */
static bool wait_gone(const State *s, int timeout_ms)
{
        _cleanup_close_ int fd = sys_pidfd_open(s->pid, 0);
        if (fd < 0 || proc_start_time(s->pid, NULL) != s->start_time)
                return true;
        struct pollfd p = { .fd = fd, .events = POLLIN };
        return poll(&p, 1, timeout_ms) > 0;
}

/* ---- option parsing helpers ---- */

#define OPT_DONE(c) ((c) == -1)

static int bad_usage(const char *cmd)
{
        return fail("%s: bad usage; see '%s %s --help'", cmd, OCI_NAME, cmd);
}

/* ---- create ---- */

typedef struct CreateArgs {
        const char *bundle, *pid_file, *console_socket;
        unsigned preserve_fds;
        bool no_pivot, no_new_keyring, detach, keep;
} CreateArgs;

static int send_console(const char *path, int fd)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        if (strlen(path) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        strcpy(sa.sun_path, path);
        _cleanup_close_ int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (s < 0 || connect(s, (struct sockaddr *) &sa, sizeof(sa)) < 0)
                return negative_errno();
        union {
                struct cmsghdr h;
                char buf[CMSG_SPACE(sizeof(int))];
        } ctl = { 0 };
        char name[] = "/dev/ptmx";
        struct iovec iov = { .iov_base = name, .iov_len = sizeof(name) - 1 };
        struct msghdr mh = {
                .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf)
        };
        struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &fd, sizeof(int));
        return sendmsg(s, &mh, MSG_NOSIGNAL) < 0 ? negative_errno() : 0;
}

static int check_console_socket(const char *path)
{
        struct sockaddr_un sa;
        if (path && strlen(path) >= sizeof(sa.sun_path))
                return fail("console socket '%s': path too long", path);
        return 0;
}

static char *now_rfc3339(void)
{
        struct timespec now;
        struct tm tm;
        char b[64];
        clock_gettime(CLOCK_REALTIME, &now);
        gmtime_r(&now.tv_sec, &tm);
        size_t k = strftime(b, sizeof(b), "%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(b + k, sizeof(b) - k, ".%09ldZ", now.tv_nsec);
        return strdup(b);
}

/* Creates the container; with run_self the caller stays the init's parent
 * and gets its pid (for `run`). Returns 0 or 1 (error printed). */
static int do_create(const char *id, const CreateArgs *a, pid_t *ret_pid)
{
        if (check_id(id))
                return 1;
        if (check_console_socket(a->console_socket))
                return 1;
        const char *bundle_arg = a->bundle ? a->bundle : ".";
        _cleanup_free_ char *bundle = realpath(bundle_arg, NULL);
        if (!bundle)
                return fail("bundle '%s': %m", bundle_arg);
        _cleanup_close_ int bfd = open(bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (bfd < 0)
                return fail("bundle '%s': %m", bundle);
        _cleanup_free_ char *text = NULL;
        int r = read_full_file_at(bfd, "config.json", &text, NULL);
        if (r < 0)
                return fail("bundle '%s': config.json: %s", bundle, strerror(-r));
        NsboxError *err = NULL;
        NsboxSpec *spec = NULL;
        r = nsbox_spec_from_json(text, &spec, &err);
        if (r < 0) {
                fail_err("invalid configuration", err, r);
                nsbox_error_free(err);
                return 1;
        }
        json_t *config = json_loads(text, 0, NULL);
        int rc = 1;
        _cleanup_close_ int root = -EBADF, dirfd = -EBADF, lsock = -EBADF;
        bool made_dir = false, made_cgroup = false;
        _cleanup_free_ char *cgroup = NULL, *rootfs = NULL, *created = NULL, *stext = NULL;
        NsboxContainer *c = NULL;

        if (!spec->process.args || !spec->process.args[0] || !*spec->process.args[0]) {
                fail("invalid configuration: process.args must not be empty");
                goto out;
        }
        if (!spec->root.path) {
                fail("invalid configuration: root.path is required");
                goto out;
        }
        if (spec->root.path[0] != '/') {
                if (asprintf(&rootfs, "%s/%s", bundle, spec->root.path) < 0)
                        goto out;
        } else if (!(rootfs = strdup(spec->root.path)))
                goto out;
        free(spec->root.path);
        spec->root.path = strdup(rootfs);
        /* The cgroup is ours (oci-cgroup.c), not the library's: the library's
         * belongs to the process that creates it and is collected once that
         * process is gone, while an OCI container outlives its create. */
        free(spec->linux_cfg.cgroups_path);
        spec->linux_cfg.cgroups_path = NULL;
        if (spec->process.terminal && !a->console_socket) {
                fail("cannot allocate a terminal without --console-socket");
                goto out;
        }
        json_t *lx = json_object_get(config, "linux");
        json_t *cgp = lx ? json_object_get(lx, "cgroupsPath") : NULL;
        if (cgp && !json_is_string(cgp)) {
                fail("invalid configuration: linux.cgroupsPath: expected a string");
                goto out;
        }
        if (cgp && *json_string_value(cgp)) {
                if (ocicg_check_path(json_string_value(cgp)) < 0) {
                        fail("invalid configuration: linux.cgroupsPath '%s': must be a path without '.', "
                             "'..' or empty components",
                             json_string_value(cgp));
                        goto out;
                }
                cgroup = strdup(json_string_value(cgp));
        } else if (asprintf(&cgroup, "nsbox-oci/%s", id) < 0)
                cgroup = NULL;
        if (!cgroup)
                goto out;
        json_t *res = lx ? json_object_get(lx, "resources") : NULL;
        if (res && !json_is_object(res)) {
                fail("invalid configuration: linux.resources: expected an object");
                goto out;
        }

        root = root_fd(true);
        if (root < 0) {
                fail("state directory '%s': %s", g.root, strerror(-root));
                goto out;
        }
        if (mkdirat(root, id, 0700) < 0) {
                if (errno == EEXIST)
                        fail("container with id exists: %s", id);
                else
                        fail("state directory '%s/%s': %m", g.root, id);
                goto out;
        }
        made_dir = true;
        dirfd = openat(root, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (dirfd < 0 || flock(dirfd, LOCK_EX) < 0) {
                fail("state directory '%s/%s': %m", g.root, id);
                goto out;
        }

        r = ocicg_create(cgroup, res, &err);
        if (r < 0) {
                fail_err("cgroup", err, r);
                goto out;
        }
        made_cgroup = true;
        /* the init inherits our cgroups, so it is in its own from its first
         * instruction and a cgroup namespace it makes is rooted there */
        r = ocicg_enter(cgroup, &err);
        if (r < 0) {
                fail_err("cgroup", err, r);
                goto out;
        }

        lsock = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        /* through the directory fd: the state dir's path may be longer than
         * sun_path takes */
        snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/init.sock", dirfd);
        if (lsock < 0 || bind(lsock, (struct sockaddr *) &sa, sizeof(sa)) < 0 || listen(lsock, 4) < 0) {
                fail("start socket: %m");
                goto out;
        }

        NsboxCreateOptions opts = { .id = id, .bundle = bundle, .start_fd = lsock };
        r = nsbox_container_create(spec, &opts, &c, &err);
        if (r < 0) {
                if (nsbox_container_exec_failed(err)) {
                        const char *cmd = spec->process.args[0];
                        if (r == -ENOENT && !strchr(cmd, '/'))
                                fail("exec: \"%s\": executable file not found in $PATH", cmd);
                        else
                                fail("exec: \"%s\": %s", cmd,
                                     r == -ENOENT   ? "no such file or directory"
                                     : r == -EACCES ? "permission denied"
                                                    : strerror(-r));
                } else
                        fail_err("create", err, r);
                goto out;
        }
        pid_t pid = nsbox_container_pid(c);
        if (spec->process.terminal) {
                r = send_console(a->console_socket, nsbox_container_console_fd(c));
                if (r < 0) {
                        fail("console socket '%s': %s", a->console_socket, strerror(-r));
                        goto out;
                }
        }

        created = now_rfc3339();
        struct passwd *pw = getpwuid(geteuid());
        json_t *st = json_pack("{s:s,s:I,s:I,s:s,s:s,s:s,s:s,s:s}", "id", id, "pid", (json_int_t) pid,
                               "start_time", (json_int_t) proc_start_time(pid, NULL), "bundle", bundle,
                               "rootfs", rootfs, "cgroup", cgroup, "created", created ? created : "",
                               "owner", pw ? pw->pw_name : "");
        stext = json_dumps(st, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        json_decref(st);
        if (!stext || write_file_atomic(dirfd, "config.json", text) < 0 ||
            write_file_atomic(dirfd, "state.json", stext) < 0) {
                fail("write state in '%s/%s': %m", g.root, id);
                goto out;
        }
        if (a->pid_file && (r = write_pid_file(a->pid_file, pid)) < 0) {
                fail("pid file '%s': %s", a->pid_file, strerror(-r));
                goto out;
        }
        r = nsbox_container_release(c);
        c = NULL;
        if (r < 0) {
                fail("hand over the container: %s", strerror(-r));
                goto out;
        }
        if (ret_pid)
                *ret_pid = pid;
        rc = 0;
out:
        nsbox_container_free(c);
        ocicg_leave();
        if (rc != 0) {
                if (made_cgroup)
                        (void) ocicg_destroy(cgroup, NULL);
                if (made_dir && root >= 0)
                        (void) rm_rf_at(root, id);
        }
        nsbox_error_free(err);
        nsbox_spec_free(spec);
        json_decref(config);
        return rc;
}

static const struct option create_opts[] = {
        { "bundle", required_argument, NULL, 'b' },
        { "pid-file", required_argument, NULL, 'p' },
        { "console-socket", required_argument, NULL, 'c' },
        { "preserve-fds", required_argument, NULL, 'f' },
        { "no-pivot", no_argument, NULL, 'P' },
        { "no-new-keyring", no_argument, NULL, 'K' },
        { "no-subreaper", no_argument, NULL, 'S' },
        { "detach", no_argument, NULL, 'd' },
        { "keep", no_argument, NULL, 'k' },
        { "help", no_argument, NULL, 'h' },
        {},
};

static int parse_create(int argc, char **argv, const char *cmd, CreateArgs *a, const char **ret_id)
{
        int c;
        optind = 0;
        while (!OPT_DONE(c = getopt_long(argc, argv, "+b:dh", create_opts, NULL))) {
                switch (c) {
                case 'b':
                        a->bundle = optarg;
                        break;
                case 'p':
                        a->pid_file = optarg;
                        break;
                case 'c':
                        a->console_socket = optarg;
                        break;
                case 'f': {
                        char *end;
                        long n = strtol(optarg, &end, 10);
                        if (*end || n < 0 || n > 1024)
                                return fail("%s: --preserve-fds '%s': not a number from 0 to 1024", cmd,
                                            optarg);
                        a->preserve_fds = (unsigned) n;
                        break;
                }
                case 'P':
                        a->no_pivot = true;
                        break;
                case 'K':
                        a->no_new_keyring = true;
                        break;
                case 'S':
                        break;
                case 'd':
                        a->detach = true;
                        break;
                case 'k':
                        a->keep = true;
                        break;
                case 'h':
                        printf("Usage: %s %s [--bundle DIR] [--pid-file FILE] [--console-socket SOCK] "
                               "[--preserve-fds N] [--no-pivot] [--no-new-keyring]%s ID\n",
                               OCI_NAME, cmd, streq(cmd, "run") ? " [--detach] [--keep]" : "");
                        exit(0);
                default:
                        return bad_usage(cmd);
                }
        }
        if (optind + 1 != argc)
                return fail("%s: expects exactly one container ID", cmd);
        *ret_id = argv[optind];
        return 0;
}

static int cmd_create(int argc, char **argv)
{
        CreateArgs a = {};
        const char *id;
        if (parse_create(argc, argv, "create", &a, &id))
                return 1;
        return do_create(id, &a, NULL);
}

/* ---- start ---- */

static int start_loaded(State *s)
{
        const char *status = status_of(s);
        if (!streq(status, "created"))
                return fail("cannot start a container that is %s", status);
        _cleanup_free_ char *state = hook_state(s, "created");
        char path[64];
        snprintf(path, sizeof(path), "/proc/self/fd/%d/init.sock", s->dirfd);
        NsboxError *err = NULL;
        int r = nsbox_container_start_created(path, state ? state : "{}", &err);
        (void) unlinkat(s->dirfd, "init.sock", 0);
        if (r < 0) {
                if (nsbox_container_exec_failed(err)) {
                        NsboxSpec *spec = spec_of(s);
                        const char *cmd = spec && spec->process.args ? spec->process.args[0] : "";
                        if (r == -ENOENT && !strchr(cmd, '/'))
                                fail("exec: \"%s\": executable file not found in $PATH", cmd);
                        else
                                fail("exec: \"%s\": %s", cmd,
                                     r == -ENOENT   ? "no such file or directory"
                                     : r == -EACCES ? "permission denied"
                                                    : strerror(-r));
                        nsbox_spec_free(spec);
                } else
                        fail_err("start", err, r);
                nsbox_error_free(err);
                return 1;
        }
        NsboxSpec *spec = spec_of(s);
        if (spec && spec->oci.n_hooks[NSBOX_HOOK_POSTSTART]) {
                _cleanup_free_ char *running = hook_state(s, "running");
                r = nsbox_hooks_run(spec, NSBOX_HOOK_POSTSTART, running ? running : "{}", &err);
                if (r < 0) {
                        /* runtime-spec: a failing poststart hook is a warning */
                        warn("%s", err && err->message ? err->message : strerror(-r));
                        nsbox_error_free(err);
                }
        }
        nsbox_spec_free(spec);
        return 0;
}

static int cmd_start(int argc, char **argv)
{
        if (argc == 2 && (streq(argv[1], "-h") || streq(argv[1], "--help"))) {
                printf("Usage: %s start ID\n", OCI_NAME);
                return 0;
        }
        if (argc != 2)
                return fail("start: expects exactly one container ID");
        State s;
        if (load_state(argv[1], &s, true) < 0)
                return 1;
        int rc = start_loaded(&s);
        state_free(&s);
        return rc;
}

/* ---- delete ---- */

static int destroy(State *s)
{
        NsboxError *err = NULL;
        if (alive(s)) {
                (void) signal_container(s, SIGKILL, true);
                (void) wait_gone(s, 10000);
        }
        int rc = 0;
        if (s->cgroup && ocicg_destroy(s->cgroup, &err) < 0) {
                rc = fail_err("delete", err, -EBUSY);
                nsbox_error_free(err);
                err = NULL;
        }
        NsboxSpec *spec = spec_of(s);
        if (spec && spec->oci.n_hooks[NSBOX_HOOK_POSTSTOP]) {
                _cleanup_free_ char *state = hook_state(s, "stopped");
                int r = nsbox_hooks_run(spec, NSBOX_HOOK_POSTSTOP, state ? state : "{}", &err);
                if (r < 0) {
                        warn("%s", err && err->message ? err->message : strerror(-r));
                        nsbox_error_free(err);
                }
        }
        nsbox_spec_free(spec);
        _cleanup_close_ int root = root_fd(false);
        if (root >= 0 && rm_rf_at(root, s->id) < 0 && !rc)
                rc = fail("remove state of \"%s\": %m", s->id);
        return rc;
}

static int cmd_delete(int argc, char **argv)
{
        static const struct option opts[] = { { "force", no_argument, NULL, 'f' },
                                              { "help", no_argument, NULL, 'h' },
                                              {} };
        bool force = false;
        int c;
        optind = 0;
        while (!OPT_DONE(c = getopt_long(argc, argv, "+fh", opts, NULL))) {
                if (c == 'f')
                        force = true;
                else if (c == 'h') {
                        printf("Usage: %s delete [--force] ID\n", OCI_NAME);
                        return 0;
                } else
                        return bad_usage("delete");
        }
        if (optind + 1 != argc)
                return fail("delete: expects exactly one container ID");
        const char *id = argv[optind];
        if (check_id(id))
                return 1;
        State s;
        if (force) {
                /* --force: an unknown container is already deleted */
                _cleanup_close_ int root = root_fd(false);
                if (root < 0 || faccessat(root, id, F_OK, AT_SYMLINK_NOFOLLOW) < 0)
                        return 0;
                _cleanup_close_ int d = openat(root, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
                if (d >= 0 && faccessat(d, "state.json", F_OK, 0) < 0) {
                        /* a create that died half-way: nothing but the directory */
                        if (flock(d, LOCK_EX | LOCK_NB) == 0)
                                (void) rm_rf_at(root, id);
                        return 0;
                }
        }
        if (load_state(id, &s, true) < 0)
                return 1;
        const char *status = status_of(&s);
        if (!streq(status, "stopped") && !force) {
                state_free(&s);
                return fail("cannot delete container %s that is not stopped: %s", id, status);
        }
        int rc = destroy(&s);
        state_free(&s);
        return rc;
}

/* ---- state, list, ps ---- */

static int cmd_state(int argc, char **argv)
{
        if (argc == 2 && (streq(argv[1], "-h") || streq(argv[1], "--help"))) {
                printf("Usage: %s state ID\n", OCI_NAME);
                return 0;
        }
        if (argc != 2)
                return fail("state: expects exactly one container ID");
        State s;
        if (load_state(argv[1], &s, false) < 0)
                return 1;
        json_t *o = state_json(&s);
        char *t = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        printf("%s\n", t);
        free(t);
        json_decref(o);
        state_free(&s);
        return 0;
}

static int cmd_list(int argc, char **argv)
{
        static const struct option opts[] = { { "quiet", no_argument, NULL, 'q' },
                                              { "format", required_argument, NULL, 'f' },
                                              { "help", no_argument, NULL, 'h' },
                                              {} };
        bool quiet = false, json = false;
        int c;
        optind = 0;
        while (!OPT_DONE(c = getopt_long(argc, argv, "+qf:h", opts, NULL))) {
                if (c == 'q')
                        quiet = true;
                else if (c == 'f') {
                        if (streq(optarg, "json"))
                                json = true;
                        else if (!streq(optarg, "table"))
                                return fail("list: invalid format '%s': table or json", optarg);
                } else if (c == 'h') {
                        printf("Usage: %s list [-q] [--format table|json]\n", OCI_NAME);
                        return 0;
                } else
                        return bad_usage("list");
        }
        if (optind != argc)
                return fail("list: takes no arguments");
        json_t *all = json_array();
        _cleanup_close_ int root = root_fd(false);
        DIR *d = root >= 0 ? fdopendir(dup(root)) : NULL;
        struct dirent *de;
        while (d && (de = readdir(d))) {
                if (de->d_name[0] == '.')
                        continue;
                State s = { .dirfd = -EBADF };
                /* quietly skip what is half-created or damaged */
                FILE *saved = log_file;
                int fd2 = dup(STDERR_FILENO), nul = open("/dev/null", O_WRONLY | O_CLOEXEC);
                log_file = NULL;
                dup2(nul, STDERR_FILENO);
                int r = load_state(de->d_name, &s, false);
                dup2(fd2, STDERR_FILENO);
                close(fd2);
                close(nul);
                log_file = saved;
                if (r < 0)
                        continue;
                json_array_append_new(all, state_json(&s));
                state_free(&s);
        }
        if (d)
                closedir(d);
        size_t i;
        json_t *e;
        if (json) {
                char *t = json_dumps(all, JSON_COMPACT | JSON_PRESERVE_ORDER);
                printf("%s\n", t);
                free(t);
        } else if (quiet) {
                json_array_foreach (all, i, e)
                        printf("%s\n", json_string_value(json_object_get(e, "id")));
        } else {
                printf("%-20s %-8s %-10s %-40s %-31s %s\n", "ID", "PID", "STATUS", "BUNDLE", "CREATED",
                       "OWNER");
                json_array_foreach (all, i, e)
                        printf("%-20s %-8lld %-10s %-40s %-31s %s\n",
                               json_string_value(json_object_get(e, "id")),
                               (long long) json_integer_value(json_object_get(e, "pid")),
                               json_string_value(json_object_get(e, "status")),
                               json_string_value(json_object_get(e, "bundle")),
                               json_string_value(json_object_get(e, "created")),
                               json_string_value(json_object_get(e, "owner")));
        }
        json_decref(all);
        return 0;
}

static int cmd_ps(int argc, char **argv)
{
        static const struct option opts[] = { { "format", required_argument, NULL, 'f' },
                                              { "help", no_argument, NULL, 'h' },
                                              {} };
        bool json = false;
        int c;
        optind = 0;
        while (!OPT_DONE(c = getopt_long(argc, argv, "+f:h", opts, NULL))) {
                if (c == 'f') {
                        if (streq(optarg, "json"))
                                json = true;
                        else if (!streq(optarg, "table"))
                                return fail("ps: invalid format '%s': table or json", optarg);
                } else if (c == 'h') {
                        printf("Usage: %s ps [--format table|json] ID [PS-OPTIONS]\n", OCI_NAME);
                        return 0;
                } else
                        return bad_usage("ps");
        }
        if (optind >= argc)
                return fail("ps: expects a container ID");
        State s;
        if (load_state(argv[optind], &s, false) < 0)
                return 1;
        pid_t *pids = NULL;
        int n = s.cgroup && alive(&s) ? ocicg_pids(s.cgroup, &pids) : 0;
        if (n < 0)
                n = 0;
        state_free(&s);
        if (json) {
                printf("[");
                for (int i = 0; i < n; i++)
                        printf("%s%d", i ? "," : "", pids[i]);
                printf("]\n");
                free(pids);
                return 0;
        }
        /* the table is ps(1)'s, for the container's processes */
        fflush(stdout);
        if (n == 0) {
                printf("UID          PID    PPID  C STIME TTY          TIME CMD\n");
                free(pids);
                return 0;
        }
        size_t len = (size_t) n * 12 + 1;
        char *list = calloc(1, len);
        for (int i = 0; i < n && list; i++)
                snprintf(list + strlen(list), len - strlen(list), "%s%d", i ? "," : "", pids[i]);
        free(pids);
        char *args[] = { (char *) "ps", (char *) "-f", (char *) "-p", list, NULL };
        execvp("ps", args);
        return fail("ps: exec ps: %m");
}

/* ---- kill ---- */

static int cmd_kill(int argc, char **argv)
{
        static const struct option opts[] = { { "all", no_argument, NULL, 'a' },
                                              { "help", no_argument, NULL, 'h' },
                                              {} };
        bool all = false;
        int c;
        optind = 0;
        while (!OPT_DONE(c = getopt_long(argc, argv, "+ah", opts, NULL))) {
                if (c == 'a')
                        all = true;
                else if (c == 'h') {
                        printf("Usage: %s kill [--all] ID [SIGNAL]\n", OCI_NAME);
                        return 0;
                } else
                        return bad_usage("kill");
        }
        if (optind >= argc || argc - optind > 2)
                return fail("kill: expects a container ID and an optional signal");
        const char *sigarg = argc - optind == 2 ? argv[optind + 1] : "SIGTERM";
        int sig = parse_signal(sigarg);
        if (sig < 0)
                return fail("kill: unknown signal \"%s\"", sigarg);
        State s;
        if (load_state(argv[optind], &s, true) < 0)
                return 1;
        int rc = 0;
        if (!alive(&s))
                rc = fail("container not running");
        else {
                int r = signal_container(&s, sig, all);
                if (r < 0)
                        rc = fail("kill: %s", strerror(-r));
        }
        state_free(&s);
        return rc;
}

/* ---- pause, resume ---- */

static int freeze_cmd(int argc, char **argv, bool freeze)
{
        const char *cmd = freeze ? "pause" : "resume";
        if (argc != 2)
                return fail("%s: expects exactly one container ID", cmd);
        State s;
        if (load_state(argv[1], &s, true) < 0)
                return 1;
        int rc = 0;
        const char *status = status_of(&s);
        if (freeze && !streq(status, "running"))
                rc = fail("cannot pause a container that is %s", status);
        else if (!freeze && !streq(status, "paused"))
                rc = fail("cannot resume a container that is %s", status);
        else {
                NsboxError *err = NULL;
                int r = ocicg_freeze(s.cgroup, freeze, &err);
                if (r < 0)
                        rc = fail_err(cmd, err, r);
                nsbox_error_free(err);
        }
        state_free(&s);
        return rc;
}

static int cmd_pause(int argc, char **argv)
{
        return freeze_cmd(argc, argv, true);
}

static int cmd_resume(int argc, char **argv)
{
        return freeze_cmd(argc, argv, false);
}

/* ---- update ---- */

static int cmd_update(int argc, char **argv)
{
        static const struct option opts[] = {
                { "resources", required_argument, NULL, 'r' },
                { "memory", required_argument, NULL, 'm' },
                { "pids-limit", required_argument, NULL, 'p' },
                { "cpu-shares", required_argument, NULL, 's' },
                { "cpu-quota", required_argument, NULL, 'q' },
                { "cpu-period", required_argument, NULL, 'P' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        json_t *res = json_object();
        const char *file = NULL;
        int c;
        optind = 0;
        while (!OPT_DONE(c = getopt_long(argc, argv, "+r:h", opts, NULL))) {
                char *end;
                long long v = 0;
                if (c != 'r' && c != 'h' && c != '?') {
                        v = strtoll(optarg, &end, 10);
                        if (*end) {
                                json_decref(res);
                                return fail("update: '%s' is not a number", optarg);
                        }
                }
                switch (c) {
                case 'r':
                        file = optarg;
                        break;
                case 'm':
                        json_object_set_new(res, "memory", json_pack("{s:I}", "limit", (json_int_t) v));
                        break;
                case 'p':
                        json_object_set_new(res, "pids", json_pack("{s:I}", "limit", (json_int_t) v));
                        break;
                case 's':
                case 'q':
                case 'P': {
                        json_t *cpu = json_object_get(res, "cpu");
                        if (!cpu) {
                                cpu = json_object();
                                json_object_set_new(res, "cpu", cpu);
                        }
                        json_object_set_new(cpu,
                                            c == 's'   ? "shares"
                                            : c == 'q' ? "quota"
                                                       : "period",
                                            json_integer(v));
                        break;
                }
                case 'h':
                        printf("Usage: %s update [--resources FILE|-] [--memory N] [--pids-limit N] ID\n",
                               OCI_NAME);
                        json_decref(res);
                        return 0;
                default:
                        json_decref(res);
                        return bad_usage("update");
                }
        }
        if (optind + 1 != argc) {
                json_decref(res);
                return fail("update: expects exactly one container ID");
        }
        if (file) {
                json_error_t jerr;
                json_decref(res);
                res = streq(file, "-") ? json_loadf(stdin, 0, &jerr) : json_load_file(file, 0, &jerr);
                if (!res || !json_is_object(res)) {
                        json_decref(res);
                        return fail("update: resources '%s': %s", file,
                                    res ? "expected an object" : jerr.text);
                }
        }
        State s;
        if (load_state(argv[optind], &s, true) < 0) {
                json_decref(res);
                return 1;
        }
        int rc = 0;
        NsboxError *err = NULL;
        if (!alive(&s))
                rc = fail("container not running");
        else {
                int r = ocicg_update(s.cgroup, res, &err);
                if (r < 0)
                        rc = fail_err("update", err, r);
        }
        nsbox_error_free(err);
        json_decref(res);
        state_free(&s);
        return rc;
}

/* ---- exec ---- */

static int parse_user(const char *u, uid_t *uid, gid_t *gid, bool *has_gid)
{
        char *end;
        errno = 0;
        if (*u == '-' || !*u)
                return -EINVAL;
        unsigned long x = strtoul(u, &end, 10);
        if (errno || end == u || x > UINT32_MAX - 1 || (*end && *end != ':'))
                return -EINVAL;
        *uid = (uid_t) x;
        *has_gid = false;
        if (*end == ':') {
                const char *gs = end + 1;
                if (*gs == '-' || !*gs)
                        return -EINVAL;
                x = strtoul(gs, &end, 10);
                if (errno || *end || x > UINT32_MAX - 1)
                        return -EINVAL;
                *gid = (gid_t) x;
                *has_gid = true;
        }
        return 0;
}

static int cmd_exec(int argc, char **argv)
{
        static const struct option opts[] = {
                { "process", required_argument, NULL, 'p' },
                { "detach", no_argument, NULL, 'd' },
                { "tty", no_argument, NULL, 't' },
                { "console-socket", required_argument, NULL, 'C' },
                { "pid-file", required_argument, NULL, 'P' },
                { "cwd", required_argument, NULL, 'w' },
                { "env", required_argument, NULL, 'e' },
                { "user", required_argument, NULL, 'u' },
                { "additional-gids", required_argument, NULL, 'g' },
                { "preserve-fds", required_argument, NULL, 'F' },
                { "cap", required_argument, NULL, 'c' },
                { "no-new-privs", no_argument, NULL, 'N' },
                { "apparmor", required_argument, NULL, 'A' },
                { "process-label", required_argument, NULL, 'L' },
                { "ignore-paused", no_argument, NULL, 'I' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        const char *process = NULL, *console = NULL, *pid_file = NULL, *cwd = NULL, *user = NULL;
        bool detach = false, tty = false, nnp = false;
        _cleanup_strv_free_ char **envs = calloc(1, sizeof(char *));
        size_t n_env = 0;
        int c;
        optind = 0;
        while (!OPT_DONE(c = getopt_long(argc, argv, "+p:dtu:e:w:g:c:h", opts, NULL))) {
                switch (c) {
                case 'p':
                        process = optarg;
                        break;
                case 'd':
                        detach = true;
                        break;
                case 't':
                        tty = true;
                        break;
                case 'C':
                        console = optarg;
                        break;
                case 'P':
                        pid_file = optarg;
                        break;
                case 'w':
                        cwd = optarg;
                        break;
                case 'e': {
                        char **n = realloc(envs, (n_env + 2) * sizeof(char *));
                        if (!n)
                                return fail("exec: out of memory");
                        envs = n;
                        envs[n_env++] = strdup(optarg);
                        envs[n_env] = NULL;
                        break;
                }
                case 'u':
                        user = optarg;
                        break;
                case 'N':
                        nnp = true;
                        break;
                case 'g':
                case 'F':
                case 'c':
                case 'A':
                case 'L':
                case 'I':
                        break;
                case 'h':
                        printf("Usage: %s exec [--process FILE] [--detach] [--tty --console-socket SOCK] "
                               "[--pid-file FILE] [--cwd DIR] [--env K=V] [--user UID[:GID]] ID [COMMAND "
                               "[ARG...]]\n",
                               OCI_NAME);
                        return 0;
                default:
                        return bad_usage("exec");
                }
        }
        if (optind >= argc)
                return fail("exec: expects a container ID");
        const char *id = argv[optind];
        uid_t uid = 0;
        gid_t gid = 0;
        bool has_gid = false;
        if (user && parse_user(user, &uid, &gid, &has_gid) < 0)
                return fail("exec: --user '%s': expected UID[:GID], numbers from 0 to 4294967294", user);
        if (cwd && cwd[0] != '/')
                return fail("exec: --cwd '%s': must be an absolute path", cwd);
        if (check_console_socket(console))
                return 1;
        if (!process && optind + 1 >= argc)
                return fail("exec: expects a command or --process FILE");

        State s;
        if (load_state(id, &s, false) < 0)
                return 1;
        int rc = 1;
        NsboxError *err = NULL;
        NsboxSpec *spec = NULL;
        NsboxContainer *pc = NULL;
        json_t *wrap = NULL;
        const char *status = status_of(&s);
        if (!streq(status, "running")) {
                fail("cannot exec in a %s container", status);
                goto out;
        }
        if (process) {
                json_error_t jerr;
                json_t *p = streq(process, "-") ? json_loadf(stdin, 0, &jerr)
                                                : json_load_file(process, 0, &jerr);
                if (!p) {
                        fail("exec: process '%s': %s", process, jerr.text);
                        goto out;
                }
                wrap = json_pack("{s:o}", "process", p);
        } else {
                /* runc: the container's own process, with the command replaced */
                json_t *p = s.config ? json_deep_copy(json_object_get(s.config, "process")) : NULL;
                if (!p)
                        p = json_object();
                json_t *args = json_array();
                for (int i = optind + 1; i < argc; i++)
                        json_array_append_new(args, json_string(argv[i]));
                json_object_set_new(p, "args", args);
                json_object_set_new(p, "terminal", json_boolean(tty));
                wrap = json_pack("{s:o}", "process", p);
        }
        char *t = json_dumps(wrap, JSON_COMPACT);
        int r = nsbox_spec_from_json(t ? t : "", &spec, &err);
        free(t);
        if (r < 0) {
                fail_err("exec: invalid process", err, r);
                goto out;
        }
        if (!spec->process.args || !spec->process.args[0] || !*spec->process.args[0]) {
                fail("exec: process.args must not be empty");
                goto out;
        }
        if (user) {
                spec->process.uid = uid;
                if (has_gid)
                        spec->process.gid = gid;
        }
        if (cwd) {
                free(spec->process.cwd);
                spec->process.cwd = strdup(cwd);
        }
        if (nnp)
                spec->process.no_new_privileges = true;
        for (size_t i = 0; i < n_env; i++) {
                size_t n = 0;
                while (spec->process.env && spec->process.env[n])
                        n++;
                char **ne = realloc(spec->process.env, (n + 2) * sizeof(char *));
                if (!ne)
                        goto out;
                ne[n] = strdup(envs[i]);
                ne[n + 1] = NULL;
                spec->process.env = ne;
        }
        if (spec->process.terminal && !console) {
                fail("exec: cannot allocate a terminal without --console-socket");
                goto out;
        }
        NsboxExecOptions eo = { .detach = detach };
        r = nsbox_container_exec(s.pid, spec, &eo, &pc, &err);
        if (r < 0) {
                if (nsbox_container_exec_failed(err)) {
                        const char *cmd = spec->process.args[0];
                        if (r == -ENOENT && !strchr(cmd, '/'))
                                fail("exec: \"%s\": executable file not found in $PATH", cmd);
                        else
                                fail("exec: \"%s\": %s", cmd,
                                     r == -ENOENT   ? "no such file or directory"
                                     : r == -EACCES ? "permission denied"
                                                    : strerror(-r));
                        rc = r == -ENOENT ? 127 : 126;
                } else
                        fail_err("exec", err, r);
                goto out;
        }
        if (spec->process.terminal && (r = send_console(console, nsbox_container_console_fd(pc))) < 0) {
                fail("console socket '%s': %s", console, strerror(-r));
                goto out;
        }
        if (pid_file && (r = write_pid_file(pid_file, nsbox_container_pid(pc))) < 0) {
                fail("pid file '%s': %s", pid_file, strerror(-r));
                goto out;
        }
        if (detach) {
                /* the process is the caller's to reap (conmon and the shim are
                 * subreapers): it outlives us */
                (void) nsbox_container_release(pc);
                pc = NULL;
                rc = 0;
                goto out;
        }
        int status_code = 0;
        while ((r = nsbox_container_wait(pc, &status_code)) == -EINTR)
                ;
        rc = status_code;
out:
        nsbox_container_free(pc);
        nsbox_spec_free(spec);
        nsbox_error_free(err);
        json_decref(wrap);
        state_free(&s);
        return rc;
}

/* ---- run ---- */

static pid_t run_pid;
static void forward(int sig)
{
        if (run_pid > 0)
                kill(run_pid, sig);
}

static int cmd_run_oci(int argc, char **argv)
{
        CreateArgs a = {};
        const char *id;
        if (parse_create(argc, argv, "run", &a, &id))
                return 1;
        pid_t pid = 0;
        /* without --detach we stay the init's parent (create forked it):
         * waitpid() below reaps it and reports its status */
        if (do_create(id, &a, &pid))
                return 1;
        State s;
        if (load_state(id, &s, true) < 0)
                return 1;
        int rc = start_loaded(&s);
        if (rc != 0 || a.detach) {
                if (rc != 0)
                        (void) destroy(&s);
                state_free(&s);
                return rc;
        }
        (void) flock(s.dirfd, LOCK_UN);
        run_pid = pid;
        struct sigaction sa = { .sa_handler = forward, .sa_flags = SA_RESTART };
        int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };
        for (size_t i = 0; i < ELEMENTSOF(sigs); i++)
                sigaction(sigs[i], &sa, NULL);
        int st = 0;
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
                ;
        rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        if (!a.keep) {
                (void) flock(s.dirfd, LOCK_EX);
                (void) destroy(&s);
        }
        state_free(&s);
        return rc;
}

/* ---- features, spec, checkpoint ---- */

static int cmd_features(int argc, char **argv)
{
        printf("{\n"
               "  \"ociVersionMin\": \"1.0.0\",\n"
               "  \"ociVersionMax\": \"1.2.0\",\n"
               "  \"hooks\": [\"prestart\", \"createRuntime\", \"createContainer\", \"startContainer\", "
               "\"poststart\", \"poststop\"],\n"
               "  \"mountOptions\": [\"ro\", \"rw\", \"bind\", \"rbind\", \"nosuid\", \"suid\", \"nodev\", "
               "\"dev\", \"noexec\", \"exec\", \"relatime\", \"norelatime\", \"strictatime\", \"noatime\", "
               "\"private\", \"rprivate\", \"shared\", \"rshared\", \"slave\", \"rslave\", \"unbindable\", "
               "\"runbindable\", \"tmpcopyup\"],\n"
               "  \"linux\": {\n"
               "    \"namespaces\": [\"cgroup\", \"ipc\", \"mount\", \"network\", \"pid\", \"user\", \"uts\", "
               "\"time\"],\n"
               "    \"capabilities\": [],\n"
               "    \"cgroup\": {\"v1\": true, \"v2\": true, \"systemd\": false, \"systemdUser\": false},\n"
               "    \"seccomp\": {\"enabled\": false},\n"
               "    \"apparmor\": {\"enabled\": false},\n"
               "    \"selinux\": {\"enabled\": false}\n"
               "  },\n"
               "  \"annotations\": {\"org.nsbox.version\": \"%s\", \"io.github.seccomp.libseccomp.version\": "
               "\"\", \"org.opencontainers.runc.checkpoint.enabled\": \"false\"}\n"
               "}\n",
               NSBOX_VERSION);
        return 0;
}

static int cmd_spec(int argc, char **argv)
{
        static const struct option opts[] = { { "bundle", required_argument, NULL, 'b' },
                                              { "rootless", no_argument, NULL, 'r' },
                                              { "help", no_argument, NULL, 'h' },
                                              {} };
        const char *bundle = ".";
        bool rootless = false;
        int c;
        optind = 0;
        while (!OPT_DONE(c = getopt_long(argc, argv, "+b:h", opts, NULL))) {
                if (c == 'b')
                        bundle = optarg;
                else if (c == 'r')
                        rootless = true;
                else if (c == 'h') {
                        printf("Usage: %s spec [--bundle DIR] [--rootless]\n", OCI_NAME);
                        return 0;
                } else
                        return bad_usage("spec");
        }
        NsboxSpec *s = nsbox_spec_new();
        if (!s)
                return fail("spec: out of memory");
        const char *args[] = { "sh", NULL };
        const char *env[] = { "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                              "TERM=xterm", NULL };
        s->process.args = calloc(2, sizeof(char *));
        s->process.args[0] = strdup(args[0]);
        s->process.env = calloc(3, sizeof(char *));
        s->process.env[0] = strdup(env[0]);
        s->process.env[1] = strdup(env[1]);
        s->process.terminal = true;
        s->process.cwd = strdup("/");
        s->process.no_new_privileges = true;
        s->process.cap_bounding = s->process.cap_effective = s->process.cap_permitted =
                (UINT64_C(1) << 29) | (UINT64_C(1) << 5) |
                (UINT64_C(1) << 10); /* AUDIT_WRITE, KILL, NET_BIND_SERVICE */
        s->root.path = strdup("rootfs");
        s->root.readonly = true;
        s->hostname = strdup("nsbox");
        (void) nsbox_spec_add_default_mounts(s);
        NsboxNsType nss[] = { NSBOX_NS_PID, NSBOX_NS_NET, NSBOX_NS_IPC,
                              NSBOX_NS_UTS, NSBOX_NS_MNT, NSBOX_NS_CGROUP };
        for (size_t i = 0; i < ELEMENTSOF(nss); i++)
                s->linux_cfg.namespaces[nss[i]] = true;
        if (rootless) {
                s->linux_cfg.namespaces[NSBOX_NS_USER] = true;
                s->linux_cfg.namespaces[NSBOX_NS_NET] = false;
                s->linux_cfg.uid_mappings = calloc(1, sizeof(NsboxIdMapping));
                s->linux_cfg.gid_mappings = calloc(1, sizeof(NsboxIdMapping));
                if (s->linux_cfg.uid_mappings && s->linux_cfg.gid_mappings) {
                        s->linux_cfg.uid_mappings[0] = (NsboxIdMapping){ 0, (uint32_t) getuid(), 1 };
                        s->linux_cfg.gid_mappings[0] = (NsboxIdMapping){ 0, (uint32_t) getgid(), 1 };
                        s->linux_cfg.n_uid_mappings = s->linux_cfg.n_gid_mappings = 1;
                }
        }
        const char *masked[] = { "/proc/acpi",
                                 "/proc/asound",
                                 "/proc/kcore",
                                 "/proc/keys",
                                 "/proc/latency_stats",
                                 "/proc/timer_list",
                                 "/proc/timer_stats",
                                 "/proc/sched_debug",
                                 "/sys/firmware",
                                 "/proc/scsi",
                                 NULL };
        const char *ro[] = {
                "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL
        };
        s->linux_cfg.masked_paths = calloc(ELEMENTSOF(masked), sizeof(char *));
        s->linux_cfg.readonly_paths = calloc(ELEMENTSOF(ro), sizeof(char *));
        for (size_t i = 0; masked[i] && s->linux_cfg.masked_paths; i++)
                s->linux_cfg.masked_paths[i] = strdup(masked[i]);
        for (size_t i = 0; ro[i] && s->linux_cfg.readonly_paths; i++)
                s->linux_cfg.readonly_paths[i] = strdup(ro[i]);
        _cleanup_free_ char *json = NULL;
        int r = nsbox_spec_to_json(s, &json);
        nsbox_spec_free(s);
        if (r < 0)
                return fail("spec: %s", strerror(-r));
        _cleanup_close_ int bfd = open(bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (bfd < 0)
                return fail("spec: bundle '%s': %m", bundle);
        _cleanup_close_ int f = openat(bfd, "config.json", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (f < 0)
                return fail("spec: %s/config.json: %s", bundle,
                            errno == EEXIST ? "File exists" : strerror(errno));
        if (loop_write(f, json, strlen(json)) < 0 || loop_write(f, "\n", 1) < 0)
                return fail("spec: write %s/config.json: %m", bundle);
        return 0;
}

static int cmd_checkpoint(int argc, char **argv)
{
        return fail("%s: not supported: nsbox is built without CRIU", argv[0]);
}

/* ---- dispatch ---- */

static const struct {
        const char *name;
        int (*fn)(int argc, char **argv);
        const char *summary;
} oci_commands[] = {
        { "create", cmd_create, "create a container from a bundle; its process waits for start" },
        { "start", cmd_start, "start the process of a created container" },
        { "run", cmd_run_oci, "create and start a container" },
        { "state", cmd_state, "print a container's state (JSON)" },
        { "kill", cmd_kill, "send a signal to a container's init (or all its processes)" },
        { "delete", cmd_delete, "delete a container and everything it holds" },
        { "exec", cmd_exec, "run a new process in a running container" },
        { "list", cmd_list, "list containers" },
        { "ps", cmd_ps, "list a container's processes" },
        { "pause", cmd_pause, "freeze every process of a container" },
        { "resume", cmd_resume, "thaw a paused container" },
        { "update", cmd_update, "change a container's resource limits" },
        { "features", cmd_features, "print what this runtime supports (JSON)" },
        { "spec", cmd_spec, "write a config.json template" },
        { "checkpoint", cmd_checkpoint, "not supported (no CRIU)" },
        { "restore", cmd_checkpoint, "not supported (no CRIU)" },
};

static void oci_usage(FILE *f)
{
        fprintf(f,
                "Usage:\n %s [global options] <command> [options] ID\n\nAn OCI runtime with runc's command "
                "line.\n\nCommands:\n",
                OCI_NAME);
        for (size_t i = 0; i < ELEMENTSOF(oci_commands); i++)
                fprintf(f, " %-11s %s\n", oci_commands[i].name, oci_commands[i].summary);
        fprintf(f, "\nGlobal options:\n"
                   " --root DIR               state directory (default /run/nsbox-oci)\n"
                   " --log FILE               write errors and warnings to FILE too\n"
                   " --log-format text|json   format of --log\n"
                   " --debug                  print debug messages\n"
                   " --systemd-cgroup         accepted; cgroups are managed through cgroupfs\n"
                   " --cgroup-manager NAME    accepted: cgroupfs, systemd or disabled\n"
                   " -v, --version            print the version\n"
                   " -h, --help               print this help\n");
}

/* A global option NAME with a value, as "--NAME V" or "--NAME=V". */
static bool global_value(char **argv, int argc, int *i, const char *name, const char **ret)
{
        const char *a = argv[*i];
        size_t l = strlen(name);
        if (!strneq(a, "--", 2) || !strneq(a + 2, name, l))
                return false;
        if (a[2 + l] == '=') {
                *ret = a + 3 + l;
                return true;
        }
        if (a[2 + l] == 0) {
                if (*i + 1 >= argc) {
                        *ret = NULL;
                        return true;
                }
                *ret = argv[++*i];
                return true;
        }
        return false;
}

int cmd_oci(int argc, char **argv)
{
        program_invocation_name_cmd = OCI_NAME;
        int i = 1;
        const char *log_format = "text";
        for (; i < argc && argv[i][0] == '-'; i++) {
                const char *a = argv[i], *v;
                if (streq(a, "--"))
                        break;
                if (global_value(argv, argc, &i, "root", &v)) {
                        if (!v || !*v)
                                return fail("--root needs a directory");
                        g.root = v;
                } else if (global_value(argv, argc, &i, "log", &v)) {
                        if (!v)
                                return fail("--log needs a file");
                        g.log = v;
                } else if (global_value(argv, argc, &i, "log-format", &v)) {
                        if (!v || (!streq(v, "text") && !streq(v, "json")))
                                return fail("--log-format: expected text or json");
                        log_format = v;
                } else if (global_value(argv, argc, &i, "cgroup-manager", &v) ||
                           global_value(argv, argc, &i, "criu", &v) ||
                           global_value(argv, argc, &i, "rootless", &v)) {
                        /* accepted for compatibility (crun and runc) */
                } else if (streq(a, "--debug"))
                        g.debug = true;
                else if (streq(a, "--systemd-cgroup") || streq(a, "--rootless"))
                        ;
                else if (streq(a, "-v") || streq(a, "--version")) {
                        printf("%s version %s\nspec: 1.2.0\n", OCI_NAME, NSBOX_VERSION);
                        return 0;
                } else if (streq(a, "-h") || streq(a, "--help")) {
                        oci_usage(stdout);
                        return 0;
                } else {
                        fprintf(stderr, "%s: unknown global option '%s'\n", OCI_NAME, a);
                        return 1;
                }
        }
        g.log_json = streq(log_format, "json");
        if (g.log && *g.log) {
                log_file = fopen(g.log, "ae");
                if (!log_file)
                        return fail("--log '%s': %m", g.log);
        }
        if (i >= argc) {
                oci_usage(stderr);
                return 1;
        }
        for (size_t k = 0; k < ELEMENTSOF(oci_commands); k++)
                if (streq(argv[i], oci_commands[k].name)) {
                        int rc = oci_commands[k].fn(argc - i, argv + i);
                        if (log_file)
                                fclose(log_file);
                        return rc;
                }
        return fail("unknown command '%s'", argv[i]);
}
