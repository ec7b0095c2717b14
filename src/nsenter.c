/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nsenter: run a program in the namespaces of another process, a drop-in for
 * util-linux nsenter(1) (2.42's options; 2.38's messages where both have one).
 *
 * Beyond util-linux:
 *   - --join-cgroup also works on cgroup v1: the target's cgroup in every
 *     mounted v1 hierarchy (util-linux refuses anything but v2);
 *   - --all skips every namespace the caller already shares with the target,
 *     not only the user namespace;
 *   - no fd of nsenter's reaches the program (util-linux once passed on the
 *     cgroup.procs fd it opened as root): everything is O_CLOEXEC.
 * Exit status: the program's, or its fatal signal raised again on nsenter when
 * it forked; 1 for nsenter's own errors; 126/127 when exec fails.
 */
#include <getopt.h>
#include <grp.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <linux/sockios.h>
#include <locale.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/capability.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>

#include "basic/fileio.h"
#include "basic/missing.h"
#include "common.h"

#ifndef NS_GET_USERNS
#define NS_GET_USERNS _IO(0xb7, 0x1)
#endif
#ifndef PIDFS_MAGIC
#define PIDFS_MAGIC 0x50494446
#endif
#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

static _noreturn_ _printf_(2, 3) void die_errno(int errnum, const char *fmt, ...)
{
        va_list ap;
        fprintf(stderr, "%s: ", program_invocation_name_cmd);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fprintf(stderr, ": %s\n", strerror(errnum < 0 ? -errnum : errnum));
        exit(EXIT_FAILURE);
}

static _noreturn_ _printf_(1, 2) void die(const char *fmt, ...)
{
        va_list ap;
        fprintf(stderr, "%s: ", program_invocation_name_cmd);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
        exit(EXIT_FAILURE);
}

/* Namespaces in util-linux's order: user first (to gain privilege) or last
 * (to drop it), see enter_namespaces(). */
static struct nsfile {
        unsigned long flag;
        const char *name;
        int fd;
        bool enabled;
} nsfiles[] = {
        { CLONE_NEWUSER, "ns/user", -EBADF, false }, { CLONE_NEWCGROUP, "ns/cgroup", -EBADF, false },
        { CLONE_NEWIPC, "ns/ipc", -EBADF, false },   { CLONE_NEWUTS, "ns/uts", -EBADF, false },
        { CLONE_NEWNET, "ns/net", -EBADF, false },   { CLONE_NEWPID, "ns/pid", -EBADF, false },
        { CLONE_NEWNS, "ns/mnt", -EBADF, false },    { CLONE_NEWTIME, "ns/time", -EBADF, false },
};

static pid_t target_pid;

static struct nsfile *nsfile_of(unsigned long flag)
{
        size_t i = 0;
        while (i < ELEMENTSOF(nsfiles) - 1 && nsfiles[i].flag != flag)
                i++;
        return &nsfiles[i];
}

static int open_target_fd(const char *type, const char *path)
{
        char buf[PATH_MAX];
        if (!path && target_pid) {
                snprintf(buf, sizeof(buf), "/proc/%d/%s", (int) target_pid, type);
                path = buf;
        }
        if (!path)
                die("neither filename nor target pid supplied for %s", type);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                die_errno(errno, "cannot open %s", path);
        return fd;
}

static void enable_ns(unsigned long flag, const char *path)
{
        struct nsfile *n = nsfile_of(flag);
        if (path && *path == '=')
                path++;
        if (path) {
                if (*path == ':')
                        die("cannot open namespace of id %s: namespace IDs need Linux 6.19 and are not "
                            "supported by this nsenter",
                            path + 1);
                safe_close(n->fd);
                n->fd = open_target_fd(n->name, path);
        }
        n->enabled = true;
}

static unsigned long enabled_mask(bool without_fd_only)
{
        unsigned long mask = 0;
        for (size_t i = 0; i < ELEMENTSOF(nsfiles); i++)
                if (nsfiles[i].enabled && (!without_fd_only || nsfiles[i].fd < 0))
                        mask |= nsfiles[i].flag;
        return mask;
}

static void enter_namespaces(int pidfd, unsigned long mask, bool ignore_errors)
{
        /* The namespaces of the target in one setns(pidfd, mask) call (Linux 5.8):
         * all or nothing, and all of the same process at the same time. */
        if (pidfd >= 0) {
                unsigned long ns = 0;
                for (size_t i = 0; i < ELEMENTSOF(nsfiles); i++)
                        if (nsfiles[i].enabled && (nsfiles[i].flag & mask) && nsfiles[i].fd < 0)
                                ns |= nsfiles[i].flag;
                if (ns) {
                        if (setns(pidfd, (int) ns) == 0) {
                                for (size_t i = 0; i < ELEMENTSOF(nsfiles); i++)
                                        if (nsfiles[i].flag & ns)
                                                nsfiles[i].enabled = false;
                        } else if (!ignore_errors) {
                                /* Say which one, as util-linux 2.38 does: go through
                                 * the /proc files one by one, still pinned by the
                                 * pidfd, and report the first that fails. */
                                int e = errno;
                                for (size_t i = 0; i < ELEMENTSOF(nsfiles); i++)
                                        if (nsfiles[i].flag & ns)
                                                nsfiles[i].fd = open_target_fd(nsfiles[i].name, NULL);
                                if (sys_pidfd_send_signal(pidfd, 0, NULL, 0) < 0 && errno == ESRCH)
                                        die_errno(e, "reassociate to namespaces failed");
                        }
                }
        }
        for (size_t i = 0; i < ELEMENTSOF(nsfiles); i++) {
                struct nsfile *n = &nsfiles[i];
                if (!n->enabled || !(n->flag & mask) || n->fd < 0)
                        continue;
                if (setns(n->fd, (int) n->flag) == 0) {
                        n->fd = safe_close(n->fd);
                        n->enabled = false;
                } else if (!ignore_errors)
                        die_errno(errno, "reassociate to namespace '%s' failed", n->name);
        }
}

/* "PID" or "PID:INODE", the inode of a pidfd of the process (pidfs, Linux
 * 6.9; getino(1)). With an inode, the pidfd is checked against it and kept:
 * the process it names can no longer be confused with a later one of the
 * same PID. */
static int parse_target(const char *s, pid_t *ret_pid)
{
        char *end;
        errno = 0;
        long pid = strtol(s, &end, 10);
        if (errno || end == s || pid <= 0 || pid > INT_MAX || (*end && *end != ':'))
                die("failed to parse pid: '%s'", s);
        *ret_pid = (pid_t) pid;
        if (!*end)
                return -EBADF;
        const char *ino_s = end + 1;
        errno = 0;
        unsigned long long ino = strtoull(ino_s, &end, 10);
        if (errno || end == ino_s || *end || *ino_s == '-' || ino == 0)
                die("failed to parse pid: '%s'", s);
        int pidfd = sys_pidfd_open((pid_t) pid, 0);
        if (pidfd < 0)
                die_errno(errno, "pidfd_open() failed");
        struct statfs sfs;
        if (fstatfs(pidfd, &sfs) < 0 || (unsigned long) sfs.f_type != PIDFS_MAGIC)
                die("pidfd needs to have the pidfs file system type");
        struct stat st;
        if (fstat(pidfd, &st) < 0)
                die_errno(errno, "failed to statx() pidfd");
        if ((unsigned long long) st.st_ino != ino)
                die("pidfd inode %llu not found for pid %d", ino, (int) pid);
        return pidfd;
}

static bool same_ns_as_target(const struct nsfile *n)
{
        char path[64];
        struct stat mine, theirs;
        snprintf(path, sizeof(path), "/proc/self/%s", n->name);
        if (stat(path, &mine) < 0)
                return errno == ENOENT ? true : false; /* a type the kernel lacks: skip it */
        snprintf(path, sizeof(path), "/proc/%d/%s", (int) target_pid, n->name);
        if (stat(path, &theirs) < 0) {
                if (n->flag == CLONE_NEWUSER)
                        die_errno(errno, "stat of %s failed", path);
                return false; /* let opening it report the error */
        }
        return mine.st_ino == theirs.st_ino && mine.st_dev == theirs.st_dev;
}

/* The target's cgroup for --join-cgroup: on cgroup v2 the one cgroup.procs
 * of its "0::" line, as util-linux; on v1 one per mounted hierarchy, which
 * util-linux refuses ("only supported in cgroup v2"). All O_CLOEXEC. */
static int cgroup_fds[32];
static size_t n_cgroup_fds;

static void open_cgroup_procs(void)
{
        struct statfs sfs;
        if (statfs("/sys/fs/cgroup", &sfs) < 0)
                die_errno(errno, "statfs %s failed", "/sys/fs/cgroup");
        bool v2 = (unsigned long) sfs.f_type == CGROUP2_SUPER_MAGIC;
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/cgroup", (int) target_pid);
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        if (!f)
                die_errno(errno, "cannot open %s", path);
        _cleanup_free_ char *line = NULL;
        size_t size = 0;
        while (getline(&line, &size, f) >= 0 && n_cgroup_fds < ELEMENTSOF(cgroup_fds)) {
                line[strcspn(line, "\n")] = '\0';
                char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
                if (!c2)
                        continue;
                *c1 = *c2 = '\0';
                const char *controllers = c1 + 1, *cg = c2 + 1;
                _cleanup_free_ char *procs = NULL;
                int r;
                if (v2) {
                        if (*controllers)
                                continue;
                        r = asprintf(&procs, "/sys/fs/cgroup/%s/cgroup.procs", cg);
                } else if (!*controllers) {
                        r = asprintf(&procs, "/sys/fs/cgroup/unified/%s/cgroup.procs", cg);
                } else {
                        /* "name=systemd" is mounted as "systemd"; "cpu,cpuacct" as is */
                        const char *dir = startswith(controllers, "name=") ?: controllers;
                        r = asprintf(&procs, "/sys/fs/cgroup/%s/%s/cgroup.procs", dir, cg);
                }
                if (r < 0)
                        die_errno(ENOMEM, "cannot allocate memory");
                int fd = open(procs, O_WRONLY | O_APPEND | O_CLOEXEC);
                if (fd < 0) {
                        if (!v2 && errno == ENOENT)
                                continue; /* a hierarchy that is not mounted here */
                        die_errno(errno, "failed to open cgroup.procs");
                }
                cgroup_fds[n_cgroup_fds++] = fd;
        }
        if (n_cgroup_fds == 0)
                die("failed to get cgroup path");
}

static void join_cgroups(void)
{
        char buf[32];
        int len = snprintf(buf, sizeof(buf), "%d", (int) getpid());
        for (size_t i = 0; i < n_cgroup_fds; i++) {
                if (write(cgroup_fds[i], buf, (size_t) len) != len)
                        die_errno(errno, "write cgroup.procs failed");
                cgroup_fds[i] = safe_close(cgroup_fds[i]);
        }
}

static void set_env_from_fd(int fd)
{
        _cleanup_free_ char *buf = NULL;
        size_t cap = 0, len = 0;
        for (;;) {
                if (len + 4096 + 1 > cap) {
                        char *nb = realloc(buf, cap = len + 65536);
                        if (!nb)
                                die_errno(ENOMEM, "failed to get environment variables");
                        buf = nb;
                }
                ssize_t k = read(fd, buf + len, cap - len - 1);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        die_errno(errno, "failed to get environment variables");
                if (k == 0)
                        break;
                len += (size_t) k;
        }
        buf = buf ? buf : calloc(1, 1);
        if (!buf)
                die_errno(ENOMEM, "failed to get environment variables");
        buf[len] = '\0';
        clearenv();
        for (char *p = buf; p < buf + len; p += strlen(p) + 1) {
                char *eq = strchr(p, '=');
                if (!eq || eq == p)
                        continue;
                *eq = '\0';
                if (setenv(p, eq + 1, 1) < 0)
                        die_errno(errno, "failed to set environment variables");
                *eq = '=';
        }
}

static void caps_permitted_to_ambient(void)
{
        cap_t caps = cap_get_proc();
        if (!caps)
                die_errno(errno, "capget failed");
        int ncaps = (int) cap_max_bits();
        for (cap_value_t cap = 0; cap < ncaps; cap++) {
                cap_flag_value_t v;
                if (cap_get_flag(caps, cap, CAP_PERMITTED, &v) == 0 && v == CAP_SET &&
                    cap_set_flag(caps, CAP_INHERITABLE, 1, &cap, CAP_SET) < 0)
                        die_errno(errno, "cap_set_flag failed");
        }
        if (cap_set_proc(caps) < 0)
                die_errno(errno, "capset failed");
        for (cap_value_t cap = 0; cap < ncaps; cap++) {
                cap_flag_value_t v;
                if (cap_get_flag(caps, cap, CAP_PERMITTED, &v) == 0 && v == CAP_SET &&
                    cap_set_ambient(cap, CAP_SET) < 0)
                        die_errno(errno, "prctl(PR_CAP_AMBIENT) failed");
        }
        cap_free(caps);
}

/* Entering a pid namespace moves only the children: fork, and end as the
 * child ends. A stopped child stops nsenter too (job control in a shell). */
static void continue_as_child(void)
{
        signal(SIGCHLD, SIG_DFL);
        fflush(stdout);
        fflush(stderr);
        pid_t child = fork();
        if (child < 0)
                die_errno(errno, "fork failed");
        if (child == 0)
                return;
        int status;
        for (;;) {
                pid_t r = waitpid(child, &status, WUNTRACED);
                if (r < 0 && errno == EINTR)
                        continue;
                if (r == child && WIFSTOPPED(status)) {
                        kill(getpid(), SIGSTOP);
                        kill(child, SIGCONT);
                        continue;
                }
                break;
        }
        if (WIFEXITED(status))
                exit(WEXITSTATUS(status));
        if (WIFSIGNALED(status)) {
                int sig = WTERMSIG(status);
                if (sig != SIGKILL) {
                        sigset_t set;
                        signal(sig, SIG_DFL);
                        sigemptyset(&set);
                        sigaddset(&set, sig);
                        sigprocmask(SIG_UNBLOCK, &set, NULL);
                }
                struct rlimit rl = { 0, 0 };
                setrlimit(RLIMIT_CORE, &rl);
                kill(getpid(), sig);
        }
        exit(EXIT_FAILURE);
}

static _noreturn_ void die_exec(const char *name)
{
        int e = errno;
        fprintf(stderr, "%s: failed to execute %s: %s\n", program_invocation_name_cmd, name, strerror(e));
        exit(e == ENOENT ? 127 : 126);
}

static _noreturn_ void exec_shell(void)
{
        const char *shell = getenv("SHELL");
        if (!shell || !*shell) {
                struct passwd *pw = getpwuid(getuid());
                shell = pw && pw->pw_shell && *pw->pw_shell ? pw->pw_shell : "/bin/sh";
        }
        _cleanup_free_ char *copy = strdup(shell);
        _cleanup_free_ char *arg0 = NULL;
        if (!copy || asprintf(&arg0, "-%s", basename(copy)) < 0)
                die_errno(ENOMEM, "cannot allocate memory");
        execl(shell, arg0, (char *) NULL);
        die_exec(shell);
}

static unsigned long parse_ulong_or_die(const char *s, const char *what)
{
        char *end = NULL;
        errno = 0;
        unsigned long v = strtoul(s, &end, 10);
        if (errno == ERANGE)
                die_errno(ERANGE, "%s: '%s'", what, s);
        if (errno || end == s || *end)
                die("%s: '%s'", what, s);
        return v;
}

static void usage(void)
{
        FILE *out = stdout;
        fputs("\nUsage:\n", out);
        fprintf(out, " %s [options] [<program> [<argument>...]]\n", program_invocation_name_cmd);
        fputs("\nRun a program with namespaces of other processes.\n", out);
        fputs("\nOptions:\n", out);
        fputs(" -a, --all                     enter all namespaces\n", out);
        fputs(" -t, --target <PID>[:<inode>]  target process to get namespaces from\n", out);
        fputs(" -m, --mount[=<file>]          enter mount namespace\n", out);
        fputs(" -u, --uts[=<file>]            enter UTS namespace (hostname etc)\n", out);
        fputs(" -i, --ipc[=<file>]            enter System V IPC namespace\n", out);
        fputs(" -n, --net[=<file>]            enter network namespace\n", out);
        fputs(" -N, --net-socket <fd>         enter socket's network namespace (needs --target)\n", out);
        fputs(" -p, --pid[=<file>]            enter pid namespace\n", out);
        fputs(" -C, --cgroup[=<file>]         enter cgroup namespace\n", out);
        fputs(" -U, --user[=<file>]           enter user namespace\n", out);
        fputs("     --user-parent             enter parent user namespace\n", out);
        fputs(" -T, --time[=<file>]           enter time namespace\n", out);
        fputs(" -S, --setuid <uid>|follow     set uid in entered namespace\n", out);
        fputs(" -G, --setgid <gid>|follow     set gid in entered namespace\n", out);
        fputs("     --preserve-credentials    do not touch uids or gids\n", out);
        fputs("     --keep-caps               retain capabilities granted in user namespaces\n", out);
        fputs(" -r, --root[=<dir>]            set the root directory\n", out);
        fputs(" -w, --wd[=<dir>]              set the working directory\n", out);
        fputs(" -W, --wdns <dir>              set the working directory in namespace\n", out);
        fputs(" -e, --env                     inherit environment variables from target process\n", out);
        fputs(" -F, --no-fork                 do not fork before exec'ing <program>\n", out);
        fputs(" -c, --join-cgroup             join the cgroup of the target process\n", out);
        fputs(" -Z, --follow-context          set SELinux context according to --target PID\n", out);
        fputs("\n", out);
        fputs(" -h, --help                    display this help\n", out);
        fputs(" -V, --version                 display version\n", out);
        fputs("\nFor more details see nsenter(1).\n", out);
}

int cmd_nsenter(int argc, char **argv)
{
        enum {
                OPT_PRESERVE_CRED = CHAR_MAX + 1,
                OPT_KEEPCAPS,
                OPT_USER_PARENT,
        };
        static const struct option longopts[] = {
                { "all", no_argument, NULL, 'a' },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, 'V' },
                { "target", required_argument, NULL, 't' },
                { "mount", optional_argument, NULL, 'm' },
                { "uts", optional_argument, NULL, 'u' },
                { "ipc", optional_argument, NULL, 'i' },
                { "net", optional_argument, NULL, 'n' },
                { "net-socket", required_argument, NULL, 'N' },
                { "pid", optional_argument, NULL, 'p' },
                { "user", optional_argument, NULL, 'U' },
                { "cgroup", optional_argument, NULL, 'C' },
                { "time", optional_argument, NULL, 'T' },
                { "setuid", required_argument, NULL, 'S' },
                { "setgid", required_argument, NULL, 'G' },
                { "root", optional_argument, NULL, 'r' },
                { "wd", optional_argument, NULL, 'w' },
                { "wdns", required_argument, NULL, 'W' },
                { "env", no_argument, NULL, 'e' },
                { "no-fork", no_argument, NULL, 'F' },
                { "join-cgroup", no_argument, NULL, 'c' },
                { "preserve-credentials", no_argument, NULL, OPT_PRESERVE_CRED },
                { "keep-caps", no_argument, NULL, OPT_KEEPCAPS },
                { "user-parent", no_argument, NULL, OPT_USER_PARENT },
                { "follow-context", no_argument, NULL, 'Z' },
                {},
        };
        bool do_rd = false, do_wd = false, do_uid = false, force_uid = false, do_gid = false,
             force_gid = false, do_env = false, do_all = false, do_join_cgroup = false,
             do_user_parent = false, preserve_cred = false, keepcaps = false, seen_w = false, seen_W = false;
        int do_fork = -1, setgroups_nerrs = 0, sock_fd = -1, c;
        int pidfd = -EBADF, root_fd = -EBADF, wd_fd = -EBADF, env_fd = -EBADF;
        const char *wdns = NULL;
        uid_t uid = 0;
        gid_t gid = 0;

        setlocale(LC_ALL, "");
        optind = 0;
        target_pid = 0;
        while ((c = getopt_long(argc, argv, "+ahVt:m::u::i::n::N:p::C::U::T::S:G:r::w::W:ecFZ", longopts,
                                NULL)) != -1) {
                if ((c == 'w' && seen_W) || (c == 'W' && seen_w))
                        die("mutually exclusive arguments: --wdns --wd");
                switch (c) {
                case 'a':
                        do_all = true;
                        break;
                case 't':
                        if (target_pid)
                                die("option --target may be given only once");
                        pidfd = parse_target(optarg, &target_pid);
                        break;
                case 'm':
                        enable_ns(CLONE_NEWNS, optarg);
                        break;
                case 'u':
                        enable_ns(CLONE_NEWUTS, optarg);
                        break;
                case 'i':
                        enable_ns(CLONE_NEWIPC, optarg);
                        break;
                case 'n':
                        enable_ns(CLONE_NEWNET, optarg);
                        break;
                case 'N': {
                        unsigned long v = parse_ulong_or_die(optarg, "failed to parse file descriptor");
                        if (v > INT_MAX)
                                die_errno(ERANGE, "failed to parse file descriptor: '%s'", optarg);
                        sock_fd = (int) v;
                        break;
                }
                case 'p':
                        enable_ns(CLONE_NEWPID, optarg);
                        break;
                case 'C':
                        enable_ns(CLONE_NEWCGROUP, optarg);
                        break;
                case 'U':
                        enable_ns(CLONE_NEWUSER, optarg);
                        break;
                case 'T':
                        enable_ns(CLONE_NEWTIME, optarg);
                        break;
                case 'S':
                        if (streq(optarg, "follow"))
                                do_uid = true;
                        else
                                uid = (uid_t) parse_ulong_or_die(optarg, "failed to parse uid");
                        force_uid = true;
                        break;
                case 'G':
                        if (streq(optarg, "follow"))
                                do_gid = true;
                        else
                                gid = (gid_t) parse_ulong_or_die(optarg, "failed to parse gid");
                        force_gid = true;
                        break;
                case 'F':
                        do_fork = 0;
                        break;
                case 'c':
                        do_join_cgroup = true;
                        break;
                case 'r':
                        if (optarg) {
                                safe_close(root_fd);
                                root_fd = open_target_fd("root", optarg);
                        } else
                                do_rd = true;
                        break;
                case 'w':
                        seen_w = true;
                        if (optarg) {
                                if (*optarg == '=')
                                        optarg++;
                                safe_close(wd_fd);
                                wd_fd = open_target_fd("cwd", optarg);
                        } else
                                do_wd = true;
                        break;
                case 'W':
                        seen_W = true;
                        if (optarg && *optarg == '=')
                                optarg++;
                        wdns = optarg;
                        break;
                case 'e':
                        do_env = true;
                        break;
                case OPT_PRESERVE_CRED:
                        preserve_cred = true;
                        break;
                case OPT_KEEPCAPS:
                        keepcaps = true;
                        break;
                case OPT_USER_PARENT:
                        do_user_parent = true;
                        break;
                case 'Z':
                        /* SELinux is not enabled here: nothing to follow, as util-linux
                         * does when is_selinux_enabled() says no. */
                        break;
                case 'h':
                        usage();
                        return fflush(stdout) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
                case 'V':
                        printf("%s from nsbox %s\n", program_invocation_name_cmd, NSBOX_VERSION);
                        return fflush(stdout) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
                default:
                        fprintf(stderr, "Try '%s --help' for more information.\n",
                                program_invocation_name_cmd);
                        exit(EXIT_FAILURE);
                }
        }

        if (do_all) {
                if (!target_pid)
                        die("no target PID specified for --all");
                for (size_t i = 0; i < ELEMENTSOF(nsfiles); i++)
                        if (!nsfiles[i].enabled && !same_ns_as_target(&nsfiles[i]))
                                enable_ns(nsfiles[i].flag, NULL);
        }

        unsigned long namespaces = enabled_mask(true);
        int ns_pidfd = -EBADF;
        if (namespaces || sock_fd >= 0 || do_user_parent) {
                for (size_t i = 0; !target_pid && i < ELEMENTSOF(nsfiles); i++)
                        if (nsfiles[i].enabled && nsfiles[i].fd < 0)
                                die("neither filename nor target pid supplied for %s", nsfiles[i].name);
                if (!target_pid)
                        die("no target PID specified");
                if (pidfd < 0)
                        pidfd = sys_pidfd_open(target_pid, 0);
                /* No such process: util-linux's message, for the first namespace */
                for (size_t i = 0; pidfd < 0 && errno == ESRCH && i < ELEMENTSOF(nsfiles); i++)
                        if (nsfiles[i].enabled && nsfiles[i].fd < 0)
                                die_errno(ENOENT, "cannot open /proc/%d/%s", (int) target_pid,
                                          nsfiles[i].name);
                ns_pidfd = pidfd;
                /* Kernels before 5.8 take no pidfd in setns(): the files then. */
                if (ns_pidfd < 0)
                        for (size_t i = 0; i < ELEMENTSOF(nsfiles); i++)
                                if (nsfiles[i].enabled && nsfiles[i].fd < 0)
                                        nsfiles[i].fd = open_target_fd(nsfiles[i].name, NULL);
        }

        if (do_rd)
                root_fd = open_target_fd("root", NULL);
        if (do_wd)
                wd_fd = open_target_fd("cwd", NULL);
        if (do_env)
                env_fd = open_target_fd("environ", NULL);
        /* -S/-G follow: the owner of /proc/PID, read after entering the user
         * namespace so that it comes in that namespace's ids. */
        int uid_gid_fd = -EBADF;
        if (do_uid || do_gid)
                uid_gid_fd = open_target_fd("", NULL);
        if (do_join_cgroup) {
                if (!target_pid)
                        die("neither filename nor target pid supplied for %s", "cgroup");
                open_cgroup_procs();
        }

        if (do_user_parent) {
                struct nsfile *user = &nsfiles[0]; /* CLONE_NEWUSER */
                int fd = -EBADF;
                bool local = false;
                if (user->enabled && user->fd >= 0)
                        fd = user->fd;
                for (size_t i = 0; fd < 0 && i < ELEMENTSOF(nsfiles); i++)
                        if (nsfiles[i].enabled && nsfiles[i].fd >= 0)
                                fd = nsfiles[i].fd;
                if (fd < 0) {
                        fd = open_target_fd("ns/user", NULL);
                        local = true;
                }
                int parent = ioctl(fd, NS_GET_USERNS);
                if (parent < 0)
                        die_errno(errno, "failed to open parent namespace");
                if (local)
                        close(fd);
                if (user->fd >= 0 && user->fd != fd)
                        close(user->fd);
                else if (user->fd == fd)
                        close(user->fd);
                user->fd = parent;
                user->enabled = true;
        }

        if (sock_fd >= 0) {
                int pfd = pidfd >= 0 ? pidfd : sys_pidfd_open(target_pid, 0);
                if (pfd < 0)
                        die_errno(errno, "failed to pidfd_open() for %d", (int) target_pid);
                int sk = sys_pidfd_getfd(pfd, sock_fd, 0);
                if (sk < 0)
                        die_errno(errno, "pidfd_getfd(%d, %d)", pfd, sock_fd);
                int nsfd = ioctl(sk, SIOCGSKNS);
                if (nsfd < 0)
                        die_errno(errno, "ioctl(%d, SIOCGSKNS)", sk);
                (void) fcntl(nsfd, F_SETFD, FD_CLOEXEC);
                close(sk);
                if (pfd != pidfd)
                        close(pfd);
                struct nsfile *net = &nsfiles[4]; /* CLONE_NEWNET */
                safe_close(net->fd);
                net->fd = nsfd;
                net->enabled = true;
        }

        namespaces = enabled_mask(false);
        if (!namespaces)
                die("no namespace specified");
        unsigned long entered = namespaces;
        if ((namespaces & CLONE_NEWPID) && do_fork == -1)
                do_fork = 1;

        /* Entering a user namespace sets uid and gid (0 unless given) and drops
         * the supplementary groups, unless --preserve-credentials. */
        if ((namespaces & CLONE_NEWUSER) && !preserve_cred) {
                force_uid = force_gid = true;
                if (setgroups(0, NULL) != 0)
                        setgroups_nerrs++;
        }

        /* Two passes: everything but the user namespace with errors ignored,
         * then what is left, user included, with errors reported. A user
         * namespace that grants the privilege is so entered first, one that
         * takes it away last. */
        enter_namespaces(ns_pidfd, namespaces & ~CLONE_NEWUSER, true);
        namespaces = enabled_mask(false);
        if (namespaces)
                enter_namespaces(ns_pidfd, namespaces, false);
        pidfd = safe_close(pidfd);

        if (root_fd >= 0 && wd_fd < 0 && !wdns) {
                wd_fd = open(".", O_RDONLY | O_CLOEXEC);
                if (wd_fd < 0)
                        die_errno(errno, "cannot open current working directory");
        }
        if (root_fd >= 0) {
                if (fchdir(root_fd) < 0)
                        die_errno(errno, "change directory by root file descriptor failed");
                if (chroot(".") < 0)
                        die_errno(errno, "chroot failed");
                if (chdir("/") < 0)
                        die_errno(errno, "cannot change directory to %s", "/");
                root_fd = safe_close(root_fd);
        }
        if (wdns) {
                wd_fd = open(wdns, O_RDONLY | O_CLOEXEC);
                if (wd_fd < 0)
                        die_errno(errno, "cannot open current working directory");
        }
        if (wd_fd >= 0) {
                if (fchdir(wd_fd) < 0)
                        die_errno(errno, "change directory by working directory file descriptor failed");
                wd_fd = safe_close(wd_fd);
        }
        if (env_fd >= 0) {
                set_env_from_fd(env_fd);
                env_fd = safe_close(env_fd);
        }
        if (n_cgroup_fds)
                join_cgroups();

        if (uid_gid_fd >= 0) {
                struct stat st;
                if (fstat(uid_gid_fd, &st) < 0)
                        die_errno(errno, "can not get process stat");
                uid_gid_fd = safe_close(uid_gid_fd);
                if (do_uid)
                        uid = st.st_uid;
                if (do_gid)
                        gid = st.st_gid;
        }

        if (do_fork == 1)
                continue_as_child();

        if (force_uid || force_gid) {
                if (force_gid && setgroups(0, NULL) != 0 && setgroups_nerrs)
                        die_errno(errno, "setgroups failed");
                if (force_gid && setgid(gid) < 0)
                        die_errno(errno, "setgid failed");
                if (force_uid && setuid(uid) < 0)
                        die_errno(errno, "setuid failed");
        }

        if (keepcaps && (entered & CLONE_NEWUSER))
                caps_permitted_to_ambient();

        if (optind < argc) {
                execvp(argv[optind], argv + optind);
                die_exec(argv[optind]);
        }
        exec_shell();
}
