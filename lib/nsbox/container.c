/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Starting a container: the parent clones a child into new namespaces
 * (clone3(2) with CLONE_PIDFD); the child sets itself up and execs. They talk
 * over a SOCK_SEQPACKET socketpair (crun's sync socket): the child reports the
 * first error of its setup as a typed message, so the caller sees
 * "mount proc on /proc: Permission denied" instead of "child exited 1". The
 * child's end is O_CLOEXEC: after "exec now", EOF means the exec succeeded.
 */
#include <grp.h>
#include <linux/close_range.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>

#include "basic/fileio.h"
#include "basic/macro.h"
#include "basic/missing.h"
#include "nsbox/internal.h"

struct NsboxContainer {
        pid_t pid;
        int pidfd;
        bool reaped;
        int status;
        int console_fd;      /* the pseudo-terminal's master with process.terminal, else -EBADF */
        NsboxCgroup *cgroup; /* with linux.cgroupsPath; removed when the container is freed */
        int sync_fd;         /* OCI create: the sync socket, until nsbox_container_release() */
        bool released;       /* handed over: neither killed nor its cgroup removed by the free */
};

enum {
        SYNC_ERROR = 1,      /* child -> parent: setup failed (or exec failed) */
        SYNC_EXEC = 2,       /* child -> parent: about to exec */
        SYNC_GO = 3,         /* parent -> child: id maps written, in the cgroup: go on */
        SYNC_CONSOLE = 4,    /* child -> parent: the terminal's master fd (SCM_RIGHTS) */
        SYNC_HOOKS = 5,      /* child -> parent: mounts done, run prestart/createRuntime hooks */
        SYNC_HOOKS_DONE = 6, /* parent -> child: done; the state JSON follows the header */
        SYNC_CREATED = 7,    /* child -> parent: set up, waiting for start (OCI create) */
        SYNC_DETACH = 8,     /* parent -> child: outlive the caller, wait for start */
        SYNC_START = 9,      /* start -> init: go; the state JSON follows the header */
};

/* The largest state JSON passed to hooks over the sync socket. */
#define SYNC_BLOB_MAX (256 * 1024)

enum {
        SYNC_FLAG_EXEC = 1, /* the error is execve(2)'s */
};

struct sync_msg {
        uint32_t type;
        int32_t code;
        uint32_t flags;
        char text[2048];
};

/* Marker prefix in NsboxError.message for exec failures; see
 * nsbox_container_exec_failed(). Not shown: the caller strips it. */
#define EXEC_MARK "\x01"

static void child_report(int sync_fd, int code, uint32_t flags, const NsboxError *err)
{
        struct sync_msg m = { .type = SYNC_ERROR, .code = code < 0 ? -code : code, .flags = flags };
        if (err && err->message)
                snprintf(m.text, sizeof(m.text), "%s", err->message);
        else
                snprintf(m.text, sizeof(m.text), "%s", strerror(m.code));
        (void) !send(sync_fd, &m, offsetof(struct sync_msg, text) + strlen(m.text) + 1, MSG_NOSIGNAL);
}

/* As root the files are written directly; a user who is not root may map
 * its own ids only, and goes through newuidmap/newgidmap for the
 * subordinate ranges of /etc/subuid and /etc/subgid (userns.c). */
static int write_id_maps(pid_t pid, const NsboxSpec *spec, NsboxError **reterr)
{
        const __typeof__(spec->linux_cfg) *l = &spec->linux_cfg;
        _cleanup_free_ NsboxIdMapRange *u = calloc(l->n_uid_mappings + 1, sizeof(*u));
        _cleanup_free_ NsboxIdMapRange *g = calloc(l->n_gid_mappings + 1, sizeof(*g));
        if (!u || !g)
                return nsbox_error_set(reterr, ENOMEM, "id maps");
        for (size_t i = 0; i < l->n_uid_mappings; i++)
                u[i] = (NsboxIdMapRange){ l->uid_mappings[i].container_id, l->uid_mappings[i].host_id,
                                          l->uid_mappings[i].size };
        for (size_t i = 0; i < l->n_gid_mappings; i++)
                g[i] = (NsboxIdMapRange){ l->gid_mappings[i].container_id, l->gid_mappings[i].host_id,
                                          l->gid_mappings[i].size };
        return nsbox_idmap_apply(pid, u, l->n_uid_mappings, g, l->n_gid_mappings, reterr);
}

static int join_namespaces(const NsboxSpec *spec, NsboxError **reterr)
{
        /* The user namespace first: it decides what we may do in the others. */
        static const NsboxNsType order[] = { NSBOX_NS_USER, NSBOX_NS_MNT,    NSBOX_NS_NET, NSBOX_NS_UTS,
                                             NSBOX_NS_IPC,  NSBOX_NS_CGROUP, NSBOX_NS_TIME };
        for (size_t i = 0; i < ELEMENTSOF(order); i++) {
                const char *p = spec->linux_cfg.namespace_paths[order[i]];
                if (!spec->linux_cfg.namespaces[order[i]] || !p)
                        continue;
                _cleanup_close_ int fd = open(p, O_RDONLY | O_CLOEXEC);
                if (fd < 0)
                        return nsbox_error_set(reterr, errno, "open %s namespace '%s'",
                                               nsbox_ns_type_name(order[i]), p);
                if (setns(fd, (int) nsbox_ns_type_clone_flag(order[i])) < 0)
                        return nsbox_error_set(reterr, errno, "join %s namespace '%s'",
                                               nsbox_ns_type_name(order[i]), p);
        }
        return 0;
}

/* In a user namespace of its own, the child's ids are whatever the caller's
 * map to (any container id, or none: then files it creates get EOVERFLOW).
 * The setup runs as the namespace's root where the maps have one; it has
 * every capability in the namespace either way. */
static int become_userns_root(const NsboxSpec *spec, NsboxError **reterr)
{
        if (!spec->linux_cfg.namespaces[NSBOX_NS_USER] || spec->linux_cfg.namespace_paths[NSBOX_NS_USER])
                return 0;
        if (setresgid(0, 0, 0) < 0 && errno != EINVAL)
                return nsbox_error_set(reterr, errno, "setgid 0 in the user namespace");
        if (setresuid(0, 0, 0) < 0 && errno != EINVAL)
                return nsbox_error_set(reterr, errno, "setuid 0 in the user namespace");
        return 0;
}

static int set_user(const NsboxSpec *spec, NsboxError **reterr)
{
        if (setgroups(spec->process.n_additional_gids, spec->process.additional_gids) < 0 && errno != EPERM)
                return nsbox_error_set(reterr, errno, "setgroups");
        if (setresgid(spec->process.gid, spec->process.gid, spec->process.gid) < 0)
                return nsbox_error_set(reterr, errno, "setgid %u", (unsigned) spec->process.gid);
        if (spec->process.uid != 0 && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
                return nsbox_error_set(reterr, errno, "keep capabilities");
        if (setresuid(spec->process.uid, spec->process.uid, spec->process.uid) < 0)
                return nsbox_error_set(reterr, errno, "setuid %u", (unsigned) spec->process.uid);
        return 0;
}

static const char *env_get(char **env, const char *key)
{
        size_t l = strlen(key);
        for (char **e = env; e && *e; e++)
                if (strneq(*e, key, l) && (*e)[l] == '=')
                        return *e + l + 1;
        return NULL;
}

/* execve with a PATH search in the container's own PATH (never the host's). */
static int exec_command(char **args, char **env)
{
        const char *cmd = args[0];
        if (strchr(cmd, '/')) {
                execve(cmd, args, env);
                return negative_errno();
        }
        const char *path = env_get(env, "PATH");
        if (!path)
                path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
        int result = -ENOENT;
        const char *p = path;
        for (;;) {
                const char *colon = strchrnul(p, ':');
                char full[4096];
                int len = snprintf(full, sizeof(full), "%.*s%s%s", (int) (colon - p), p,
                                   colon == p ? "" : "/", cmd);
                if (len > 0 && (size_t) len < sizeof(full)) {
                        execve(full, args, env);
                        /* keep looking past "not here"; remember "there but unusable" */
                        if (errno == EACCES || errno == ENOEXEC || errno == EPERM)
                                result = -errno;
                        else if (errno != ENOENT && errno != ENOTDIR && errno != ELOOP)
                                return negative_errno();
                }
                if (!*colon)
                        break;
                p = colon + 1;
        }
        return result;
}

/* The caller may have blocked signals (to read them from a signalfd) or set
 * handlers; the container's command starts with none blocked and all at their
 * defaults, as after a fresh login. Handlers are reset by execve(2) anyway;
 * blocked masks and ignored signals are not. */
static void reset_signals(void)
{
        sigset_t none;
        sigemptyset(&none);
        for (int sig = 1; sig < _NSIG; sig++)
                if (sig != SIGKILL && sig != SIGSTOP)
                        (void) signal(sig, SIG_DFL);
        (void) sigprocmask(SIG_SETMASK, &none, NULL);
}

/* A new pseudo-terminal from the container's own devpts instance, so that
 * the command sees /dev/pts/N of its own: it becomes the controlling
 * terminal (we are a session leader), stdio and /dev/console; the master goes
 * to the parent over the sync socket. */
static int setup_terminal(const NsboxSpec *spec, int sync_fd, bool console, NsboxError **reterr)
{
        _cleanup_close_ int master = open("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (master < 0)
                return nsbox_error_set(reterr, errno, "open /dev/pts/ptmx");
        int unlock = 0;
        if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
                return nsbox_error_set(reterr, errno, "unlock the pseudo-terminal");
        /* TIOCGPTPEER: the slave without a path lookup (ioctl_tty(2)) */
        _cleanup_close_ int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (slave < 0)
                return nsbox_error_set(reterr, errno, "open the pseudo-terminal's slave");
        if (spec->process.console_height || spec->process.console_width) {
                struct winsize ws = { .ws_row = spec->process.console_height,
                                      .ws_col = spec->process.console_width };
                if (ioctl(slave, TIOCSWINSZ, &ws) < 0)
                        return nsbox_error_set(reterr, errno, "set the terminal's size");
        }
        /* the user owns its terminal, as after login; EINVAL: the id has no
         * mapping in the user namespace, keep the kernel's owner */
        if (fchown(slave, spec->process.uid, spec->process.gid) < 0 && errno != EINVAL)
                return nsbox_error_set(reterr, errno, "chown the terminal");
        if (ioctl(slave, TIOCSCTTY, 0) < 0)
                return nsbox_error_set(reterr, errno, "make the terminal the controlling terminal");
        if (console) {
                int r = nsbox_mount_console(slave, reterr);
                if (r < 0)
                        return r;
        }
        for (int fd = 0; fd < 3; fd++)
                if (dup2(slave, fd) < 0)
                        return nsbox_error_set(reterr, errno, "terminal as fd %d", fd);

        union {
                struct cmsghdr h;
                char buf[CMSG_SPACE(sizeof(int))];
        } ctl = { 0 };
        struct sync_msg m = { .type = SYNC_CONSOLE };
        struct iovec iov = { .iov_base = &m, .iov_len = offsetof(struct sync_msg, text) };
        struct msghdr mh = {
                .msg_iov = &iov,
                .msg_iovlen = 1,
                .msg_control = ctl.buf,
                .msg_controllen = sizeof(ctl.buf),
        };
        struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &master, sizeof(int));
        if (sendmsg(sync_fd, &mh, MSG_NOSIGNAL) < 0)
                return nsbox_error_set(reterr, errno, "send the terminal to the caller");
        return 0;
}

/* The command, in the container; never returns. */
_noreturn_ static void exec_process(const NsboxSpec *spec, int sync_fd)
{
        NsboxError *err = NULL;
        reset_signals();
        struct sync_msg m = { .type = SYNC_EXEC };
        (void) !send(sync_fd, &m, offsetof(struct sync_msg, text), MSG_NOSIGNAL);

        int r = exec_command(spec->process.args, spec->process.env);
        nsbox_error_set(&err, r, "exec '%s'", spec->process.args[0]);
        child_report(sync_fd, r, SYNC_FLAG_EXEC, err);
        _exit(r == -ENOENT ? 127 : 126);
}

/*
 * --init: this process stays PID 1, running nsbox's own code, while a child
 * execs the command. PID 1 gets no default signal actions from the kernel
 * (pid_namespaces(7)), so a command that never installed a handler would
 * ignore SIGTERM; here init receives every signal and passes it on, reaps
 * every orphan that is reparented to it, and exits with the command's status
 * (128+N for signal N). Like tini, it is not the command's parent in the
 * shell's sense and does not stop for a stopped child.
 *
 * Init runs the host's nsbox binary image inside the container, so it makes
 * itself non-dumpable: the container's processes then cannot open
 * /proc/1/exe (runc CVE-2019-5736: overwrite the runtime's binary), /proc/1/fd
 * or /proc/1/mem. It also closes every fd above 2 (runc CVE-2024-21626).
 */
_noreturn_ static void init_main(const NsboxSpec *spec, int sync_fd)
{
        NsboxError *err = NULL;
        sigset_t all;
        sigfillset(&all);
        /* blocked before the fork: no signal is lost in between */
        (void) sigprocmask(SIG_SETMASK, &all, NULL);
        (void) signal(SIGCHLD, SIG_DFL);

        if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
                int r = nsbox_error_set(&err, errno, "init: make init non-dumpable");
                child_report(sync_fd, r, 0, err);
                _exit(125);
        }
        pid_t child = fork();
        if (child < 0) {
                int r = nsbox_error_set(&err, errno, "init: fork the command");
                child_report(sync_fd, r, 0, err);
                _exit(125);
        }
        if (child == 0) {
                /* still non-dumpable: execve(2) makes the command dumpable */
                if (spec->process.terminal) {
                        /* the command's own process group, in the terminal's
                         * foreground, so ^C reaches it and not init (SIGTTOU is
                         * still blocked here, so tcsetpgrp(3) does not stop us) */
                        (void) setpgid(0, 0);
                        (void) tcsetpgrp(STDIN_FILENO, getpid());
                }
                exec_process(spec, sync_fd);
        }
        safe_close(sync_fd);
        (void) close_range(3, ~0U, 0);

        for (;;) {
                siginfo_t si;
                int sig = sigwaitinfo(&all, &si);
                if (sig < 0)
                        continue;
                if (sig != SIGCHLD) {
                        (void) kill(child, sig);
                        continue;
                }
                for (;;) {
                        int st;
                        pid_t p = waitpid(-1, &st, WNOHANG);
                        if (p <= 0)
                                break;
                        if (p == child)
                                _exit(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
                }
        }
}

/* linux.sysctl, written through the host's /proc/sys before pivot_root: a
 * namespaced sysctl file acts on the namespaces of the process that opens it,
 * and the child is already in the container's. */
static int apply_sysctl(const NsboxSpec *spec, NsboxError **reterr)
{
        for (char **kv = spec->oci.sysctl; kv && *kv; kv++) {
                const char *eq = strchr(*kv, '=');
                if (!eq)
                        continue;
                char path[512];
                int n = snprintf(path, sizeof(path), "/proc/sys/%.*s", (int) (eq - *kv), *kv);
                if (n < 0 || (size_t) n >= sizeof(path))
                        return nsbox_error_set_message(reterr, EINVAL, "sysctl %.*s: name too long",
                                                       (int) (eq - *kv), *kv);
                /* sysctl(8): dots separate levels; a slash stands for a dot
                 * inside a name (an interface "eth0.1") */
                for (char *c = path + STRLEN("/proc/sys/"); *c; c++)
                        *c = *c == '.' ? '/' : *c == '/' ? '.' : *c;
                int r = write_string_file_at(AT_FDCWD, path, eq + 1);
                if (r < 0)
                        return nsbox_error_set(reterr, r, "sysctl %.*s=%s", (int) (eq - *kv), *kv, eq + 1);
        }
        return 0;
}

static ssize_t send_blob(int fd, uint32_t type, const char *text)
{
        size_t len = text ? strlen(text) + 1 : 1;
        if (len > SYNC_BLOB_MAX)
                return -E2BIG;
        struct sync_msg h = { .type = type };
        struct iovec iov[2] = {
                { .iov_base = &h, .iov_len = offsetof(struct sync_msg, text) },
                { .iov_base = (void *) (text ? text : ""), .iov_len = len },
        };
        struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };
        return sendmsg(fd, &mh, MSG_NOSIGNAL) < 0 ? negative_errno() : 0;
}

/* Receives a header plus a NUL-terminated text; *ret_text points into buf. */
static ssize_t recv_blob(int fd, char *buf, size_t size, uint32_t *ret_type, const char **ret_text)
{
        ssize_t n;
        do
                n = recv(fd, buf, size - 1, 0);
        while (n < 0 && errno == EINTR);
        if (n < (ssize_t) offsetof(struct sync_msg, text))
                return n < 0 ? negative_errno() : -EPIPE;
        buf[n] = 0;
        struct sync_msg h;
        memcpy(&h, buf, offsetof(struct sync_msg, text));
        *ret_type = h.type;
        *ret_text = buf + offsetof(struct sync_msg, text);
        return n;
}

/* Just before pivot_root: devices, then the hooks of the runtime namespace
 * (run by the parent) and of the container's (run here, where host paths
 * still resolve). */
static int before_pivot(const NsboxSetupContext *ctx, int rootfd, NsboxError **reterr)
{
        const NsboxSpec *spec = ctx->spec;
        int r;
        for (size_t i = 0; i < spec->oci.n_devices; i++) {
                r = nsbox_mount_create_device(rootfd, &spec->oci.devices[i], ctx->in_userns, reterr);
                if (r < 0)
                        return r;
        }
        if (!spec->oci.n_hooks[NSBOX_HOOK_PRESTART] && !spec->oci.n_hooks[NSBOX_HOOK_CREATE_RUNTIME] &&
            !spec->oci.n_hooks[NSBOX_HOOK_CREATE_CONTAINER])
                return 0;
        struct sync_msg m = { .type = SYNC_HOOKS };
        if (send(ctx->sync_fd, &m, offsetof(struct sync_msg, text), MSG_NOSIGNAL) < 0)
                return nsbox_error_set(reterr, errno, "sync with the runtime");
        _cleanup_free_ char *buf = malloc(SYNC_BLOB_MAX + offsetof(struct sync_msg, text) + 1);
        if (!buf)
                return -ENOMEM;
        uint32_t type;
        const char *state;
        ssize_t n = recv_blob(ctx->sync_fd, buf, SYNC_BLOB_MAX + offsetof(struct sync_msg, text) + 1, &type,
                              &state);
        if (n < 0 || type != SYNC_HOOKS_DONE)
                _exit(EXIT_FAILURE); /* the parent failed and says why itself */
        return nsbox_hooks_run(spec, NSBOX_HOOK_CREATE_CONTAINER, state, reterr);
}

/* OCI create: tell the caller we are ready, outlive it, and wait until
 * `start` connects to ctx->start_fd. Returns the connection, which from here
 * on plays the sync socket's part: start sees the exec's success (EOF) or
 * its error. */
/* Whether args[0] names an executable regular file in the container, looked
 * up in the container's PATH as exec_command() will: runc checks this in
 * create, and engines map its "not found" to 127. */
static int check_command(char **args, char **env)
{
        const char *cmd = args[0];
        struct stat st;
        if (strchr(cmd, '/'))
                return stat(cmd, &st) < 0      ? negative_errno()
                       : !S_ISREG(st.st_mode)  ? -EACCES
                       : access(cmd, X_OK) < 0 ? negative_errno()
                                               : 0;
        const char *path = env_get(env, "PATH");
        if (!path)
                path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
        int result = -ENOENT;
        for (const char *p = path;;) {
                const char *colon = strchrnul(p, ':');
                char full[4096];
                int len = snprintf(full, sizeof(full), "%.*s%s%s", (int) (colon - p), p,
                                   colon == p ? "" : "/", cmd);
                if (len > 0 && (size_t) len < sizeof(full) && stat(full, &st) == 0) {
                        if (S_ISREG(st.st_mode) && access(full, X_OK) == 0)
                                return 0;
                        result = -EACCES;
                }
                if (!*colon)
                        break;
                p = colon + 1;
        }
        return result;
}

static int wait_for_start(const NsboxSetupContext *ctx, int sync_fd)
{
        int r = check_command(ctx->spec->process.args, ctx->spec->process.env);
        if (r < 0) {
                NsboxError *err = NULL;
                nsbox_error_set(&err, r, "exec '%s'", ctx->spec->process.args[0]);
                child_report(sync_fd, r, SYNC_FLAG_EXEC, err);
                _exit(r == -ENOENT ? 127 : 126);
        }
        struct sync_msg m = { .type = SYNC_CREATED };
        if (send(sync_fd, &m, offsetof(struct sync_msg, text), MSG_NOSIGNAL) < 0)
                _exit(EXIT_FAILURE);
        ssize_t n;
        do
                n = recv(sync_fd, &m, sizeof(m), 0);
        while (n < 0 && errno == EINTR);
        if (n < (ssize_t) offsetof(struct sync_msg, text) || m.type != SYNC_DETACH)
                _exit(EXIT_FAILURE); /* the caller gave up on us */
        /* the caller exits right after our answer: only then, or it might
         * exit while the parent-death signal is still armed */
        (void) prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
        m.type = SYNC_DETACH;
        if (send(sync_fd, &m, offsetof(struct sync_msg, text), MSG_NOSIGNAL) < 0)
                _exit(EXIT_FAILURE);
        safe_close(sync_fd);

        _cleanup_free_ char *buf = malloc(SYNC_BLOB_MAX + offsetof(struct sync_msg, text) + 1);
        if (!buf)
                _exit(125);
        for (;;) {
                int conn = accept4(ctx->start_fd, NULL, NULL, SOCK_CLOEXEC);
                if (conn < 0) {
                        if (errno == EINTR || errno == ECONNABORTED)
                                continue;
                        _exit(125);
                }
                uint32_t type;
                const char *state;
                n = recv_blob(conn, buf, SYNC_BLOB_MAX + offsetof(struct sync_msg, text) + 1, &type, &state);
                if (n < 0 || type != SYNC_START) {
                        safe_close(conn);
                        continue;
                }
                safe_close(ctx->start_fd);
                NsboxError *err = NULL;
                r = nsbox_hooks_run(ctx->spec, NSBOX_HOOK_START_CONTAINER, state, &err);
                if (r < 0) {
                        child_report(conn, r, 0, err);
                        _exit(125);
                }
                return conn;
        }
}

/* close every fd from `from` up except a and b (either may be negative) */
static void close_all_but(unsigned from, int a, int b)
{
        int keep[2] = { a < b ? a : b, a < b ? b : a };
        for (int i = 0; i < 2; i++) {
                if (keep[i] < 3)
                        continue;
                if ((unsigned) keep[i] > from)
                        (void) close_range(from, (unsigned) keep[i] - 1, 0);
                from = (unsigned) keep[i] + 1;
        }
        (void) close_range(from, ~0U, 0);
}

_noreturn_ static void child_main(const NsboxSetupContext *ctx, int sync_fd, int parent_pidfd)
{
        const NsboxSpec *spec = ctx->spec;
        NsboxError *err = NULL;
        int r;

        /* Die with the parent. The parent may have died before the prctl took
         * effect: its pidfd, opened before clone, tells us race-free. */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0) {
                r = nsbox_error_set(&err, errno, "set parent-death signal");
                goto fail;
        }
        struct pollfd pfd = { .fd = parent_pidfd, .events = POLLIN };
        if (poll(&pfd, 1, 0) != 0)
                _exit(EXIT_FAILURE);
        safe_close(parent_pidfd);

        if (ctx->cgroup && (r = nsbox_cgroup_join_self(ctx->cgroup, &err)) < 0)
                goto fail;
        /* Nothing of the caller's but stdio goes further: a lock the caller
         * holds through an fd (flock(2) is per open file) must not be held
         * by the container once the caller is gone. */
        close_all_but(3 + spec->ext.preserve_fds, sync_fd, ctx->start_fd);

        if (ctx->wait_for_parent) {
                struct sync_msg m;
                ssize_t n = recv(sync_fd, &m, sizeof(m), 0);
                if (n < (ssize_t) offsetof(struct sync_msg, text) || m.type != SYNC_GO)
                        _exit(EXIT_FAILURE); /* the parent failed and says why itself */
        }

        /* rlimits and oom_score_adj while /proc/self is still ours to write */
        r = nsbox_harden_limits(spec, &err);
        if (r < 0)
                goto fail;
        /* Until the exec this process is the nsbox binary's image: nothing in
         * the container may open its /proc/PID/exe, fd or mem (runc
         * CVE-2019-5736). execve(2) makes the payload dumpable again. Not
         * earlier: the parent still had to write our uid_map. */
        if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
                r = nsbox_error_set(&err, errno, "make the runtime non-dumpable");
                goto fail;
        }

        r = join_namespaces(spec, &err);
        if (r < 0)
                goto fail;
        if (ctx->unshare_cgroupns && unshare(CLONE_NEWCGROUP) < 0) {
                r = nsbox_error_set(&err, errno, "new cgroup namespace");
                goto fail;
        }
        r = become_userns_root(spec, &err);
        if (r < 0)
                goto fail;
        r = apply_sysctl(spec, &err);
        if (r < 0)
                goto fail;

        if (spec->linux_cfg.namespaces[NSBOX_NS_MNT]) {
                r = nsbox_mount_setup_rootfs(ctx, &err);
                if (r < 0)
                        goto fail;
        }

        if (spec->hostname && spec->linux_cfg.namespaces[NSBOX_NS_UTS] &&
            sethostname(spec->hostname, strlen(spec->hostname)) < 0) {
                r = nsbox_error_set(&err, errno, "set hostname '%s'", spec->hostname);
                goto fail;
        }
        if (spec->domainname && spec->linux_cfg.namespaces[NSBOX_NS_UTS] &&
            setdomainname(spec->domainname, strlen(spec->domainname)) < 0) {
                r = nsbox_error_set(&err, errno, "set domain name '%s'", spec->domainname);
                goto fail;
        }
        if (spec->linux_cfg.namespaces[NSBOX_NS_NET] && !spec->linux_cfg.namespace_paths[NSBOX_NS_NET]) {
                r = nsbox_net_loopback_up(&err);
                if (r < 0)
                        goto fail;
        }

        const char *cwd = spec->process.cwd ? spec->process.cwd : "/";
        r = nsbox_mount_chdir(cwd, &err);
        if (r < 0)
                goto fail;

        /* A new session: no controlling terminal of the host's can be reached
         * (TIOCSTI, bubblewrap CVE-2017-5226). */
        if (setsid() < 0) {
                r = nsbox_error_set(&err, errno, "setsid");
                goto fail;
        }
        if (spec->process.terminal) {
                r = setup_terminal(spec, sync_fd, true, &err);
                if (r < 0)
                        goto fail;
        }

        /* Without no_new_privs, seccomp(2) needs CAP_SYS_ADMIN: load while we
         * still have it (runc does the same). */
        if (!spec->process.no_new_privileges) {
                r = nsbox_harden_seccomp_load(ctx->hardening, &err);
                if (r < 0)
                        goto fail;
        }
        r = set_user(spec, &err);
        if (r < 0)
                goto fail;
        r = nsbox_caps_apply(spec, &err);
        if (r < 0)
                goto fail;
        if (spec->process.no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
                r = nsbox_error_set(&err, errno, "set no_new_privs");
                goto fail;
        }
        if (spec->oci.has_personality && personality(spec->oci.personality) < 0) {
                r = nsbox_error_set(&err, errno, "personality");
                goto fail;
        }

        /* No fd but 0, 1 and 2 reaches the container (runc CVE-2024-21626):
         * everything else is close-on-exec from here, the sync socket too. */
        if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) < 0) {
                r = nsbox_error_set(&err, errno, "close fds");
                goto fail;
        }
        r = nsbox_harden_preserve_fds(spec->ext.preserve_fds, &err);
        if (r < 0)
                goto fail;
        /* OCI create: wait here for start, unfiltered, with everything else done */
        if (ctx->start_fd >= 0)
                sync_fd = wait_for_start(ctx, sync_fd);
        /* The last step before exec: from here every syscall is filtered. */
        if (spec->process.no_new_privileges) {
                r = nsbox_harden_seccomp_load(ctx->hardening, &err);
                if (r < 0)
                        goto fail;
        }

        if (spec->ext.init)
                init_main(spec, sync_fd);
        exec_process(spec, sync_fd);

fail:
        child_report(sync_fd, r, 0, err);
        _exit(125);
}

static int validate_spec(const NsboxSpec *spec, NsboxError **reterr)
{
        if (!spec->root.path || !*spec->root.path)
                return nsbox_error_set_message(reterr, EINVAL, "spec: root.path is not set");
        if (!spec->process.args || !spec->process.args[0] || !*spec->process.args[0])
                return nsbox_error_set_message(reterr, EINVAL, "spec: process.args is empty");
        if (spec->hostname && strlen(spec->hostname) > 64)
                return nsbox_error_set_message(reterr, EINVAL,
                                               "hostname '%s' is %zu bytes long; the limit is 64",
                                               spec->hostname, strlen(spec->hostname));
        if (spec->hostname && !spec->linux_cfg.namespaces[NSBOX_NS_UTS])
                return nsbox_error_set_message(reterr, EINVAL, "spec: a hostname needs a uts namespace");
        if (spec->linux_cfg.namespaces[NSBOX_NS_PID] && spec->linux_cfg.namespace_paths[NSBOX_NS_PID])
                return nsbox_error_set_message(
                        reterr, EOPNOTSUPP, "spec: joining an existing pid namespace is not supported yet");
        if (spec->linux_cfg.namespaces[NSBOX_NS_TIME] && spec->linux_cfg.namespace_paths[NSBOX_NS_TIME])
                return nsbox_error_set_message(
                        reterr, EOPNOTSUPP, "spec: joining an existing time namespace is not supported yet");
        if (!spec->linux_cfg.namespaces[NSBOX_NS_MNT] || spec->linux_cfg.namespace_paths[NSBOX_NS_MNT])
                return nsbox_error_set_message(reterr, EINVAL,
                                               "spec: a container needs a new mount namespace");
        /* a namespace to join must exist and be of its type, checked before
         * anything is made (ioctl_ns(2) NS_GET_NSTYPE) */
        for (int t = 0; t < _NSBOX_NS_MAX; t++) {
                const char *p = spec->linux_cfg.namespace_paths[t];
                if (!spec->linux_cfg.namespaces[t] || !p)
                        continue;
                _cleanup_close_ int fd = open(p, O_RDONLY | O_CLOEXEC);
                if (fd < 0)
                        return nsbox_error_set(reterr, errno, "%s namespace '%s'",
                                               nsbox_ns_type_name((NsboxNsType) t), p);
                int got = nsbox_ns_fd_get_type(fd);
                if (got < 0 || got != t)
                        return nsbox_error_set_message(
                                reterr, EINVAL, "spec: '%s' is not a %s namespace%s%s", p,
                                nsbox_ns_type_name((NsboxNsType) t), got >= 0 ? ", but a " : "",
                                got >= 0 ? nsbox_ns_type_name((NsboxNsType) got) : "");
        }
        /* runc's rule: a sysctl must belong to a namespace the container has
         * of its own, or it would change the host */
        for (char **kv = spec->oci.sysctl; kv && *kv; kv++) {
                static const char *const ipc[] = { "kernel.msgmax", "kernel.msgmnb",         "kernel.msgmni",
                                                   "kernel.sem",    "kernel.shmall",         "kernel.shmmax",
                                                   "kernel.shmmni", "kernel.shm_rmid_forced" };
                size_t kl = strcspn(*kv, "=");
                NsboxNsType need = _NSBOX_NS_INVALID;
                for (size_t i = 0; i < ELEMENTSOF(ipc); i++)
                        if (strlen(ipc[i]) == kl && strneq(*kv, ipc[i], kl))
                                need = NSBOX_NS_IPC;
                if (strneq(*kv, "fs.mqueue.", STRLEN("fs.mqueue.")))
                        need = NSBOX_NS_IPC;
                else if (strneq(*kv, "net.", STRLEN("net.")))
                        need = NSBOX_NS_NET;
                else if (strneq(*kv, "kernel.hostname=", STRLEN("kernel.hostname=")) ||
                         strneq(*kv, "kernel.domainname=", STRLEN("kernel.domainname=")))
                        need = NSBOX_NS_UTS;
                if (need == _NSBOX_NS_INVALID)
                        return nsbox_error_set_message(reterr, EINVAL,
                                                       "spec: sysctl %.*s is not namespaced: it would "
                                                       "change the host",
                                                       (int) kl, *kv);
                if (!spec->linux_cfg.namespaces[need] || spec->linux_cfg.namespace_paths[need])
                        return nsbox_error_set_message(reterr, EINVAL,
                                                       "spec: sysctl %.*s needs a new %s namespace",
                                                       (int) kl, *kv, nsbox_ns_type_name(need));
        }
        return 0;
}

/* recv(2) of one sync message; an fd passed along with it (SCM_RIGHTS) is
 * returned in ret_fd, close-on-exec. */
static ssize_t recv_sync(int sock, struct sync_msg *m, int *ret_fd)
{
        union {
                struct cmsghdr h;
                char buf[CMSG_SPACE(sizeof(int) * 4)];
        } ctl;
        struct iovec iov = { .iov_base = m, .iov_len = sizeof(*m) };
        struct msghdr mh = {
                .msg_iov = &iov,
                .msg_iovlen = 1,
                .msg_control = ctl.buf,
                .msg_controllen = sizeof(ctl.buf),
        };
        ssize_t n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
        if (n < 0)
                return n;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
                if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
                        continue;
                size_t nfds = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
                for (size_t i = 0; i < nfds; i++) {
                        int fd;
                        memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
                        if (*ret_fd < 0)
                                *ret_fd = fd;
                        else
                                safe_close(fd);
                }
        }
        return n;
}

static void nsbox_cgroup_destroyp(NsboxCgroup **cg)
{
        (void) nsbox_cgroup_destroy(*cg, NULL);
}

/* The cgroup hook of nsbox_container_start(): linux.cgroupsPath with
 * linux.resources, in ext.cgroup_root (see nsbox/cgroup.h). */
static int container_cgroup(const NsboxSpec *spec, NsboxCgroup **ret, NsboxError **reterr)
{
        *ret = NULL;
        if (!spec->linux_cfg.cgroups_path)
                return 0;
        return nsbox_cgroup_create(spec->ext.cgroup_root, spec->linux_cfg.cgroups_path,
                                   &spec->linux_cfg.resources,
                                   spec->ext.cgroup_best_effort ? NSBOX_CGROUP_BEST_EFFORT : 0, ret, reterr);
}

static int wait_child_gone(int pidfd, siginfo_t *si)
{
        for (;;) {
                memset(si, 0, sizeof(*si));
                if (waitid(P_PIDFD, (id_t) pidfd, si, WEXITED) == 0)
                        return 0;
                if (errno != EINTR)
                        return negative_errno();
        }
}

/* Time offsets must be written before any process enters the new time
 * namespace (time_namespaces(7)), and a child cloned with CLONE_NEWTIME is in
 * it at once. So the caller makes it for its children only (unshare(2)),
 * writes the offsets, clones, and goes back: *ret_saved is the caller's own
 * time_for_children namespace to return to with restore_time_ns(). */
static int prepare_time_ns(const NsboxSpec *spec, int *ret_saved, NsboxError **reterr)
{
        _cleanup_close_ int saved = open("/proc/self/ns/time_for_children", O_RDONLY | O_CLOEXEC);
        if (saved < 0)
                return nsbox_error_set(reterr, errno, "open /proc/self/ns/time_for_children");
        if (unshare(CLONE_NEWTIME) < 0)
                return nsbox_error_set(reterr, errno, "new time namespace");
        char buf[128];
        snprintf(buf, sizeof(buf), "monotonic %lld %u\nboottime %lld %u\n",
                 (long long) spec->oci.monotonic_secs, spec->oci.monotonic_nsecs,
                 (long long) spec->oci.boottime_secs, spec->oci.boottime_nsecs);
        int r = write_string_file_at(AT_FDCWD, "/proc/self/timens_offsets", buf);
        if (r < 0) {
                (void) setns(saved, CLONE_NEWTIME);
                return nsbox_error_set(reterr, r, "time offsets");
        }
        *ret_saved = TAKE_FD(saved);
        return 0;
}

static void restore_time_ns(int *saved)
{
        if (*saved >= 0)
                (void) setns(*saved, CLONE_NEWTIME);
        *saved = safe_close(*saved);
}

/* The parent's side of the sync protocol, until the child has exec'd (EOF
 * after SYNC_EXEC), is waiting for start (SYNC_CREATED) or failed. */
static int parent_sync(NsboxContainer *c, int sync_parent, const NsboxSpec *spec,
                       const NsboxCreateOptions *opts, bool *ret_created, NsboxError **reterr)
{
        bool exec_announced = false;
        int r;
        *ret_created = false;
        for (;;) {
                struct sync_msg m;
                int fd = -EBADF;
                ssize_t n = recv_sync(sync_parent, &m, &fd);
                if (fd >= 0) {
                        if (m.type == SYNC_CONSOLE && n >= (ssize_t) offsetof(struct sync_msg, text) &&
                            c->console_fd < 0)
                                c->console_fd = fd;
                        else
                                safe_close(fd);
                }
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return nsbox_error_set(reterr, errno, "sync with container");
                if (n == 0)
                        break;
                if (n < (ssize_t) offsetof(struct sync_msg, text))
                        continue;
                if (m.type == SYNC_EXEC) {
                        exec_announced = true;
                        continue;
                }
                if (m.type == SYNC_CREATED) {
                        *ret_created = true;
                        return 0;
                }
                if (m.type == SYNC_HOOKS) {
                        _cleanup_free_ char *state = NULL;
                        const char *id = opts && opts->id ? opts->id : "";
                        const char *bundle = opts && opts->bundle ? opts->bundle : "";
                        r = nsbox_oci_state_json(spec, id, "creating", c->pid, bundle, &state);
                        if (r < 0)
                                return r;
                        r = nsbox_hooks_run(spec, NSBOX_HOOK_PRESTART, state, reterr);
                        if (r < 0)
                                return r;
                        r = nsbox_hooks_run(spec, NSBOX_HOOK_CREATE_RUNTIME, state, reterr);
                        if (r < 0)
                                return r;
                        r = (int) send_blob(sync_parent, SYNC_HOOKS_DONE, state);
                        if (r < 0)
                                return nsbox_error_set(reterr, r, "sync with container");
                        continue;
                }
                if (m.type == SYNC_ERROR) {
                        m.text[sizeof(m.text) - 1] = 0;
                        int code = m.code > 0 ? m.code : EIO;
                        if (m.flags & SYNC_FLAG_EXEC)
                                return nsbox_error_set_message(reterr, code, EXEC_MARK "%s", m.text);
                        return nsbox_error_set_message(reterr, code, "%s", m.text);
                }
        }
        if (!exec_announced) {
                /* EOF without a word: the child died during setup. */
                siginfo_t si;
                wait_child_gone(c->pidfd, &si);
                c->reaped = true;
                if (si.si_code == CLD_EXITED)
                        return nsbox_error_set_message(reterr, EIO, "container setup ended with status %d",
                                                       si.si_status);
                return nsbox_error_set_message(reterr, EIO, "container setup killed by signal %d (%s)",
                                               si.si_status, strsignal(si.si_status));
        }
        return 0;
}

int nsbox_container_start(const NsboxSpec *spec, NsboxContainer **ret, NsboxError **reterr)
{
        return nsbox_container_create(spec, NULL, ret, reterr);
}

int nsbox_container_create(const NsboxSpec *spec, const NsboxCreateOptions *opts, NsboxContainer **ret,
                           NsboxError **reterr)
{
        int r = validate_spec(spec, reterr);
        if (r < 0)
                return r;

        _cleanup_free_ char *stage = NULL;
        r = nsbox_runtime_dir(&stage);
        if (r < 0)
                return nsbox_error_set(reterr, r, "runtime directory");

        bool new_userns =
                spec->linux_cfg.namespaces[NSBOX_NS_USER] && !spec->linux_cfg.namespace_paths[NSBOX_NS_USER];
        _cleanup_(nsbox_harden_done) NsboxHardening hardening = { 0 };
        r = nsbox_harden_prepare(spec, &hardening, reterr);
        if (r < 0)
                return r;

        NsboxSetupContext ctx = {
                .hardening = &hardening,
                .spec = spec,
                .stage_dir = stage,
                .in_userns = spec->linux_cfg.namespaces[NSBOX_NS_USER] || geteuid() != 0,
                .before_pivot = before_pivot,
                .sync_fd = -EBADF, /* set once the socket exists */
                .start_fd = opts && opts->start_fd >= 0 ? opts->start_fd : -EBADF,
        };

        uint64_t flags = CLONE_PIDFD;
        for (int t = 0; t < _NSBOX_NS_MAX; t++)
                if (spec->linux_cfg.namespaces[t] && !spec->linux_cfg.namespace_paths[t])
                        flags |= nsbox_ns_type_clone_flag((NsboxNsType) t);
        ctx.wait_for_parent =
                new_userns && (spec->linux_cfg.n_uid_mappings || spec->linux_cfg.n_gid_mappings);

        /* The container's cgroup: made before the clone; the child is born
         * in it on cgroup v2 (CLONE_INTO_CGROUP) and moves itself into the
         * v1 hierarchies first thing (nsbox_cgroup_join_self: without the
         * kernel's RCU wait that the parent's write of its pid costs). In a
         * new user namespace, or where neither covers a hierarchy, the
         * parent moves it before it is released. */
        _cleanup_(nsbox_cgroup_destroyp) NsboxCgroup *cg = NULL;
        int cgroup_fd = -EBADF;
        r = container_cgroup(spec, &cg, reterr);
        if (r < 0)
                return r;
        bool self_join = cg && !new_userns;
        if (cg) {
                cgroup_fd = nsbox_cgroup_clone_fd(cg);
                if (self_join)
                        ctx.cgroup = cg;
                if (!self_join || nsbox_cgroup_others_need_attach(cg, cgroup_fd >= 0))
                        ctx.wait_for_parent = true;
                if (flags & CLONE_NEWCGROUP) {
                        flags &= ~(uint64_t) CLONE_NEWCGROUP;
                        ctx.unshare_cgroupns = true;
                }
        }

        _cleanup_close_ int parent_pidfd = sys_pidfd_open(getpid(), 0);
        if (parent_pidfd < 0)
                return nsbox_error_set(reterr, errno, "pidfd_open");
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
                return nsbox_error_set(reterr, errno, "socketpair");
        _cleanup_close_ int sync_parent = sv[0];
        _cleanup_close_ int sync_child = sv[1];
        ctx.sync_fd = sync_child;

        _cleanup_close_ int saved_time_ns = -EBADF;
        if ((flags & CLONE_NEWTIME) && spec->oci.has_time_offsets) {
                r = prepare_time_ns(spec, &saved_time_ns, reterr);
                if (r < 0)
                        return r;
                flags &= ~(uint64_t) CLONE_NEWTIME;
        }

        int pidfd = -1;
        struct clone_args args = {
                .flags = flags,
                .pidfd = (uint64_t) (uintptr_t) &pidfd,
                .exit_signal = SIGCHLD,
        };
        if (cgroup_fd >= 0) {
                args.flags |= CLONE_INTO_CGROUP;
                args.cgroup = (uint64_t) cgroup_fd;
        }
        /* Make sure stdio buffers are empty so nothing is written twice. */
        fflush(NULL);
        pid_t pid = sys_clone3(&args, sizeof(args));
        if (pid < 0) {
                int e = errno;
                restore_time_ns(&saved_time_ns);
                return nsbox_error_set(reterr, e, "clone3 into new namespaces");
        }
        if (pid == 0) {
                safe_close(sync_parent);
                child_main(&ctx, sync_child, parent_pidfd);
        }
        restore_time_ns(&saved_time_ns);
        sync_child = safe_close(sync_child);

        /* From here the child exists: every failure kills and reaps it. */
        NsboxContainer *c = calloc(1, sizeof(*c));
        if (!c) {
                sys_pidfd_send_signal(pidfd, SIGKILL, NULL, 0);
                siginfo_t si;
                wait_child_gone(pidfd, &si);
                safe_close(pidfd);
                return -ENOMEM;
        }
        c->pid = pid;
        c->pidfd = pidfd;
        c->console_fd = -EBADF;
        c->cgroup = TAKE_PTR(cg);
        c->sync_fd = -EBADF;

        if (c->cgroup && (r = self_join ? nsbox_cgroup_attach_others(c->cgroup, pid, cgroup_fd >= 0, reterr)
                                        : nsbox_cgroup_attach(c->cgroup, pid, cgroup_fd >= 0, reterr)) < 0)
                goto fail;
        if (new_userns && (spec->linux_cfg.n_uid_mappings || spec->linux_cfg.n_gid_mappings)) {
                r = write_id_maps(pid, spec, reterr);
                if (r < 0)
                        goto fail;
        }
        if (ctx.wait_for_parent) {
                struct sync_msg m = { .type = SYNC_GO };
                if (send(sync_parent, &m, offsetof(struct sync_msg, text), MSG_NOSIGNAL) < 0) {
                        /* the child is gone: parent_sync() says how it
                         * ended, not EPIPE */
                        if (errno != EPIPE && errno != ECONNRESET) {
                                r = nsbox_error_set(reterr, errno, "sync with container");
                                goto fail;
                        }
                }
        }

        bool created;
        r = parent_sync(c, sync_parent, spec, opts, &created, reterr);
        if (r < 0)
                goto fail;
        if (ctx.start_fd >= 0 && !created) {
                r = nsbox_error_set_message(reterr, EIO, "container exec'd without waiting for start");
                goto fail;
        }
        if (created)
                c->sync_fd = TAKE_FD(sync_parent);

        *ret = c;
        return 0;
fail:
        nsbox_container_free(c);
        return r;
}

int nsbox_container_release(NsboxContainer *c)
{
        int r = 0;
        if (!c)
                return 0;
        if (c->sync_fd >= 0) {
                struct sync_msg m = { .type = SYNC_DETACH };
                ssize_t n;
                if (send(c->sync_fd, &m, offsetof(struct sync_msg, text), MSG_NOSIGNAL) < 0)
                        r = negative_errno();
                /* the init's answer: its parent-death signal is off */
                else {
                        do
                                n = recv(c->sync_fd, &m, sizeof(m), 0);
                        while (n < 0 && errno == EINTR);
                        if (n < (ssize_t) offsetof(struct sync_msg, text) || m.type != SYNC_DETACH)
                                r = n < 0 ? negative_errno() : -EPIPE;
                }
        }
        if (r < 0) {
                nsbox_container_free(c);
                return r;
        }
        c->reaped = c->released = true; /* not ours to kill any more */
        nsbox_container_free(c);
        return 0;
}

int nsbox_container_start_created(const char *socket_path, const char *state, NsboxError **reterr)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        if (strlen(socket_path) >= sizeof(sa.sun_path))
                return nsbox_error_set_message(reterr, ENAMETOOLONG, "start socket '%s': path too long",
                                               socket_path);
        strcpy(sa.sun_path, socket_path);
        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return nsbox_error_set(reterr, errno, "socket");
        if (connect(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0)
                return nsbox_error_set(reterr, errno, "connect to the container's init");
        int r = (int) send_blob(fd, SYNC_START, state);
        if (r < 0)
                return nsbox_error_set(reterr, r, "send start to the container's init");
        bool exec_announced = false;
        for (;;) {
                struct sync_msg m;
                ssize_t n = recv(fd, &m, sizeof(m), 0);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return nsbox_error_set(reterr, errno, "wait for the container's init");
                if (n == 0)
                        break;
                if (n < (ssize_t) offsetof(struct sync_msg, text))
                        continue;
                if (m.type == SYNC_EXEC)
                        exec_announced = true;
                else if (m.type == SYNC_ERROR) {
                        m.text[sizeof(m.text) - 1] = 0;
                        int code = m.code > 0 ? m.code : EIO;
                        if (m.flags & SYNC_FLAG_EXEC)
                                return nsbox_error_set_message(reterr, code, EXEC_MARK "%s", m.text);
                        return nsbox_error_set_message(reterr, code, "%s", m.text);
                }
        }
        if (!exec_announced)
                return nsbox_error_set_message(reterr, EIO, "the container's init ended before its exec");
        return 0;
}

/* ---- exec: a new process in a running container ---- */

/* Moves the caller into the cgroups of pid in every hierarchy: the lines of
 * /proc/PID/cgroup ("ID:controllers:path") matched with the cgroup mounts of
 * /proc/self/mountinfo (cgroups(7)). */
static int join_cgroups_of(pid_t pid, NsboxError **reterr)
{
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
        _cleanup_fclose_ FILE *cg = fopen(path, "re");
        if (!cg)
                return nsbox_error_set(reterr, errno, "read %s", path);
        _cleanup_fclose_ FILE *mi = fopen("/proc/self/mountinfo", "re");
        if (!mi)
                return nsbox_error_set(reterr, errno, "read /proc/self/mountinfo");
        char line[4096], mline[4096];
        while (fgets(line, sizeof(line), cg)) {
                line[strcspn(line, "\n")] = 0;
                char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
                if (!c2)
                        continue;
                *c2 = 0;
                const char *ctrls = c1 + 1, *cpath = c2 + 1;
                bool v2 = !*ctrls;
                char mnt[1024] = "";
                rewind(mi);
                while (fgets(mline, sizeof(mline), mi)) {
                        /* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS ... - FSTYPE SOURCE SUPEROPTS */
                        char root[1024], mp[1024], fstype[64], super[1024];
                        char *dash = strstr(mline, " - ");
                        if (!dash || sscanf(mline, "%*s %*s %*s %1023s %1023s", root, mp) != 2 ||
                            sscanf(dash + 3, "%63s %*s %1023s", fstype, super) != 2 || !streq(root, "/"))
                                continue;
                        if (v2 ? !streq(fstype, "cgroup2") : !streq(fstype, "cgroup"))
                                continue;
                        if (!v2) {
                                /* every controller of the line among the super options */
                                bool all = true;
                                _cleanup_free_ char *dup = strdup(ctrls);
                                if (!dup)
                                        return -ENOMEM;
                                char *save = NULL;
                                for (char *t = strtok_r(dup, ",", &save); t;
                                     t = strtok_r(NULL, ",", &save)) {
                                        char padded[1100], want[128];
                                        snprintf(padded, sizeof(padded), ",%s,", super);
                                        snprintf(want, sizeof(want), ",%s,", t);
                                        if (!strstr(padded, want))
                                                all = false;
                                }
                                if (!all)
                                        continue;
                        }
                        snprintf(mnt, sizeof(mnt), "%s", mp);
                        break;
                }
                if (!*mnt)
                        continue; /* a hierarchy that is not mounted here */
                char procs[3000];
                snprintf(procs, sizeof(procs), "%s%s/cgroup.procs", mnt, streq(cpath, "/") ? "" : cpath);
                int r = write_string_file_at(AT_FDCWD, procs, "0");
                if (r < 0)
                        return nsbox_error_set(reterr, r, "join cgroup %s", procs);
        }
        return 0;
}

_noreturn_ static void exec_child_main(const NsboxSpec *spec, int target_pidfd, pid_t target, int ns_flags,
                                       bool detach, int sync_fd, int parent_pidfd)
{
        NsboxError *err = NULL;
        int r;
        if (!detach) {
                if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0) {
                        r = nsbox_error_set(&err, errno, "set parent-death signal");
                        goto fail;
                }
                struct pollfd pfd = { .fd = parent_pidfd, .events = POLLIN };
                if (poll(&pfd, 1, 0) != 0)
                        _exit(EXIT_FAILURE);
        }
        safe_close(parent_pidfd);
        r = join_cgroups_of(target, &err);
        if (r < 0)
                goto fail;
        if (ns_flags && setns(target_pidfd, ns_flags) < 0) {
                r = nsbox_error_set(&err, errno, "join the container's namespaces");
                goto fail;
        }
        safe_close(target_pidfd);
        const char *cwd = spec->process.cwd ? spec->process.cwd : "/";
        if (chdir(cwd) < 0) {
                r = nsbox_error_set(&err, errno, "workdir '%s'", cwd);
                goto fail;
        }
        if (setsid() < 0) {
                r = nsbox_error_set(&err, errno, "setsid");
                goto fail;
        }
        if (spec->process.terminal) {
                r = setup_terminal(spec, sync_fd, false, &err);
                if (r < 0)
                        goto fail;
        }
        r = set_user(spec, &err);
        if (r < 0)
                goto fail;
        r = nsbox_caps_apply(spec, &err);
        if (r < 0)
                goto fail;
        if (spec->process.no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
                r = nsbox_error_set(&err, errno, "set no_new_privs");
                goto fail;
        }
        if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) < 0) {
                r = nsbox_error_set(&err, errno, "close fds");
                goto fail;
        }
        exec_process(spec, sync_fd);
fail:
        child_report(sync_fd, r, 0, err);
        _exit(125);
}

static int ns_differs(pid_t target, const char *name)
{
        char path[64];
        struct stat a, b;
        snprintf(path, sizeof(path), "/proc/%d/ns/%s", target, name);
        if (stat(path, &a) < 0)
                return errno == ENOENT ? 0 : negative_errno();
        snprintf(path, sizeof(path), "/proc/self/ns/%s", name);
        if (stat(path, &b) < 0)
                return errno == ENOENT ? 0 : negative_errno();
        return a.st_ino != b.st_ino || a.st_dev != b.st_dev;
}

int nsbox_container_exec(pid_t target, const NsboxSpec *spec, const NsboxExecOptions *opts,
                         NsboxContainer **ret, NsboxError **reterr)
{
        if (!spec->process.args || !spec->process.args[0] || !*spec->process.args[0])
                return nsbox_error_set_message(reterr, EINVAL, "spec: process.args is empty");
        bool detach = opts && opts->detach;
        _cleanup_close_ int tpidfd = sys_pidfd_open(target, 0);
        if (tpidfd < 0)
                return nsbox_error_set(reterr, errno, "container init %d", target);

        static const struct {
                const char *name;
                int flag;
        } nss[] = {
                { "user", CLONE_NEWUSER }, { "mnt", CLONE_NEWNS },    { "net", CLONE_NEWNET },
                { "uts", CLONE_NEWUTS },   { "ipc", CLONE_NEWIPC },   { "cgroup", CLONE_NEWCGROUP },
                { "pid", CLONE_NEWPID },   { "time", CLONE_NEWTIME },
        };
        int child_flags = 0, parent_flags = 0;
        for (size_t i = 0; i < ELEMENTSOF(nss); i++) {
                int d = ns_differs(target, nss[i].name);
                if (d < 0)
                        return nsbox_error_set(reterr, d, "container init %d: %s namespace", target,
                                               nss[i].name);
                if (!d)
                        continue;
                /* pid and time namespaces are entered by children only: the
                 * caller switches its *_for_children, clones, and switches back */
                if (nss[i].flag == CLONE_NEWPID || nss[i].flag == CLONE_NEWTIME)
                        parent_flags |= nss[i].flag;
                else
                        child_flags |= nss[i].flag;
        }

        _cleanup_close_ int parent_pidfd = sys_pidfd_open(getpid(), 0);
        if (parent_pidfd < 0)
                return nsbox_error_set(reterr, errno, "pidfd_open");
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
                return nsbox_error_set(reterr, errno, "socketpair");
        _cleanup_close_ int sync_parent = sv[0];
        _cleanup_close_ int sync_child = sv[1];

        _cleanup_close_ int saved_pid = -EBADF, saved_time = -EBADF;
        if (parent_flags) {
                saved_pid = open("/proc/self/ns/pid_for_children", O_RDONLY | O_CLOEXEC);
                saved_time = open("/proc/self/ns/time_for_children", O_RDONLY | O_CLOEXEC);
                if (saved_pid < 0 || saved_time < 0)
                        return nsbox_error_set(reterr, errno, "open /proc/self/ns");
                if (setns(tpidfd, parent_flags) < 0)
                        return nsbox_error_set(reterr, errno, "enter the container's pid namespace");
        }
        int pidfd = -1;
        struct clone_args args = { .flags = CLONE_PIDFD,
                                   .pidfd = (uint64_t) (uintptr_t) &pidfd,
                                   .exit_signal = SIGCHLD };
        fflush(NULL);
        pid_t pid = sys_clone3(&args, sizeof(args));
        int clone_errno = errno;
        if (pid == 0) {
                safe_close(sync_parent);
                exec_child_main(spec, tpidfd, target, child_flags, detach, sync_child, parent_pidfd);
        }
        if (parent_flags) {
                (void) setns(saved_pid, CLONE_NEWPID);
                (void) setns(saved_time, CLONE_NEWTIME);
        }
        if (pid < 0)
                return nsbox_error_set(reterr, clone_errno, "clone3");
        sync_child = safe_close(sync_child);

        NsboxContainer *c = calloc(1, sizeof(*c));
        if (!c) {
                sys_pidfd_send_signal(pidfd, SIGKILL, NULL, 0);
                siginfo_t si;
                wait_child_gone(pidfd, &si);
                safe_close(pidfd);
                return -ENOMEM;
        }
        c->pid = pid;
        c->pidfd = pidfd;
        c->console_fd = -EBADF;
        c->sync_fd = -EBADF;
        bool created;
        int r = parent_sync(c, sync_parent, spec, NULL, &created, reterr);
        if (r < 0) {
                nsbox_container_free(c);
                return r;
        }
        *ret = c;
        return 0;
}

bool nsbox_container_exec_failed(const NsboxError *err)
{
        return err && err->message && err->message[0] == EXEC_MARK[0];
}

int nsbox_container_wait(NsboxContainer *c, int *ret_status)
{
        if (!c->reaped) {
                siginfo_t si = { 0 };
                if (waitid(P_PIDFD, (id_t) c->pidfd, &si, WEXITED) < 0)
                        return negative_errno();
                c->reaped = true;
                c->status = si.si_code == CLD_EXITED ? si.si_status : 128 + si.si_status;
        }
        if (ret_status)
                *ret_status = c->status;
        return 0;
}

int nsbox_container_kill(NsboxContainer *c, int sig)
{
        if (c->reaped)
                return -ESRCH;
        if (sys_pidfd_send_signal(c->pidfd, sig, NULL, 0) < 0)
                return negative_errno();
        return 0;
}

int nsbox_container_console_fd(const NsboxContainer *c)
{
        return c->console_fd >= 0 ? c->console_fd : -ENOTTY;
}

pid_t nsbox_container_pid(const NsboxContainer *c)
{
        return c->pid;
}

NsboxCgroup *nsbox_container_cgroup(const NsboxContainer *c)
{
        return c->cgroup;
}

int nsbox_container_pidfd(const NsboxContainer *c)
{
        return c->pidfd;
}

void nsbox_container_free(NsboxContainer *c)
{
        if (!c)
                return;
        if (!c->reaped) {
                siginfo_t si;
                sys_pidfd_send_signal(c->pidfd, SIGKILL, NULL, 0);
                wait_child_gone(c->pidfd, &si);
        }
        safe_close(c->pidfd);
        safe_close(c->console_fd);
        /* after the reap: what is left in the cgroup dies with the pid
         * namespace, or is killed, before the directories go; a released
         * container keeps it (nsbox_container_release()) */
        if (c->released)
                nsbox_cgroup_free(c->cgroup);
        else
                (void) nsbox_cgroup_destroy(c->cgroup, NULL);
        safe_close(c->sync_fd);
        free(c);
}
