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
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
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
};

enum {
        SYNC_ERROR = 1,   /* child -> parent: setup failed (or exec failed) */
        SYNC_EXEC = 2,    /* child -> parent: about to exec */
        SYNC_GO = 3,      /* parent -> child: id maps written, in the cgroup: go on */
        SYNC_CONSOLE = 4, /* child -> parent: the terminal's master fd (SCM_RIGHTS) */
};

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
static int setup_terminal(const NsboxSpec *spec, int sync_fd, NsboxError **reterr)
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
        int r = nsbox_mount_console(slave, reterr);
        if (r < 0)
                return r;
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
                r = setup_terminal(spec, sync_fd, &err);
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

        /* No fd but 0, 1 and 2 reaches the container (runc CVE-2024-21626):
         * everything else is close-on-exec from here, the sync socket too. */
        if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) < 0) {
                r = nsbox_error_set(&err, errno, "close fds");
                goto fail;
        }
        r = nsbox_harden_preserve_fds(spec->ext.preserve_fds, &err);
        if (r < 0)
                goto fail;
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

int nsbox_container_start(const NsboxSpec *spec, NsboxContainer **ret, NsboxError **reterr)
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
        if (pid < 0)
                return nsbox_error_set(reterr, errno, "clone3 into new namespaces");
        if (pid == 0) {
                safe_close(sync_parent);
                child_main(&ctx, sync_child, parent_pidfd);
        }
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
                        /* the child is gone: say how it ended, not EPIPE */
                        if (errno == EPIPE || errno == ECONNRESET)
                                goto died;
                        r = nsbox_error_set(reterr, errno, "sync with container");
                        goto fail;
                }
        }

        bool exec_announced = false;
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
                if (n < 0) {
                        r = nsbox_error_set(reterr, errno, "sync with container");
                        goto fail;
                }
                if (n == 0)
                        break;
                if (n < (ssize_t) offsetof(struct sync_msg, text))
                        continue;
                if (m.type == SYNC_EXEC) {
                        exec_announced = true;
                        continue;
                }
                if (m.type == SYNC_ERROR) {
                        m.text[sizeof(m.text) - 1] = 0;
                        int code = m.code > 0 ? m.code : EIO;
                        if (m.flags & SYNC_FLAG_EXEC)
                                r = nsbox_error_set_message(reterr, code, EXEC_MARK "%s", m.text);
                        else
                                r = nsbox_error_set_message(reterr, code, "%s", m.text);
                        goto fail;
                }
        }
        if (!exec_announced) {
                /* EOF without a word: the child died during setup. */
        died:;
                siginfo_t si;
                wait_child_gone(c->pidfd, &si);
                c->reaped = true;
                if (si.si_code == CLD_EXITED)
                        r = nsbox_error_set_message(reterr, EIO, "container setup ended with status %d",
                                                    si.si_status);
                else
                        r = nsbox_error_set_message(reterr, EIO, "container setup killed by signal %d (%s)",
                                                    si.si_status, strsignal(si.si_status));
                goto fail;
        }

        *ret = c;
        return 0;
fail:
        nsbox_container_free(c);
        return r;
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
         * namespace, or is killed, before the directories go */
        (void) nsbox_cgroup_destroy(c->cgroup, NULL);
        free(c);
}
