/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * unshare: run a program in new namespaces, a drop-in for util-linux unshare(1).
 *
 * The order of the steps, the messages and the exit statuses follow util-linux
 * (2.42; the messages of the 2.38 tools where the two differ only in wording,
 * so scripts and tests that match them keep working):
 *   - without --fork the program is exec'd, so its status is the program's own;
 *   - with --fork it is the child's exit code, or the child's fatal signal raised
 *     again on unshare itself, so a shell sees 128+N (SIGKILL too, which 2.38
 *     turned into "sigprocmask unblock failed" and status 1);
 *   - unshare's own errors exit 1; exec failures 127 (ENOENT) or 126.
 */
#include <getopt.h>
#include <grp.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <locale.h>
#include <poll.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <stdarg.h>
#include <sys/capability.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "basic/missing.h"
#include "common.h"
#include "nsbox/idmap.h"

#define EXIT_EXEC_FAILED 126
#define EXIT_EXEC_ENOENT 127

/* -------- messages, the way util-linux's err()/errx() print them -------- */

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

static _noreturn_ void errtryhelp(void)
{
        fprintf(stderr, "Try '%s --help' for more information.\n", program_invocation_name_cmd);
        exit(EXIT_FAILURE);
}

static _noreturn_ void die_exec(const char *name)
{
        int e = errno;
        fprintf(stderr, "%s: failed to execute %s: %s\n", program_invocation_name_cmd, name, strerror(e));
        exit(e == ENOENT ? EXIT_EXEC_ENOENT : EXIT_EXEC_FAILED);
}

static int close_stdout(int status)
{
        if (fflush(stdout) != 0 || ferror(stdout)) {
                int e = errno;
                if (e == EPIPE)
                        return status;
                fprintf(stderr, "%s: write error%s%s\n", program_invocation_name_cmd, e ? ": " : "",
                        e ? strerror(e) : "");
                return EXIT_FAILURE;
        }
        return status;
}

/* -------- argument parsers -------- */

/* The names util-linux knows (lib/signames.c), with aliases. */
static const struct {
        const char *name;
        int sig;
} signal_names[] = {
        { "HUP", SIGHUP },       { "INT", SIGINT },     { "QUIT", SIGQUIT }, { "ILL", SIGILL },
        { "TRAP", SIGTRAP },     { "ABRT", SIGABRT },   { "IOT", SIGIOT },   { "BUS", SIGBUS },
        { "FPE", SIGFPE },       { "KILL", SIGKILL },   { "USR1", SIGUSR1 }, { "SEGV", SIGSEGV },
        { "USR2", SIGUSR2 },     { "PIPE", SIGPIPE },   { "ALRM", SIGALRM }, { "TERM", SIGTERM },
        { "STKFLT", SIGSTKFLT }, { "CHLD", SIGCHLD },   { "CLD", SIGCLD },   { "CONT", SIGCONT },
        { "STOP", SIGSTOP },     { "TSTP", SIGTSTP },   { "TTIN", SIGTTIN }, { "TTOU", SIGTTOU },
        { "URG", SIGURG },       { "XCPU", SIGXCPU },   { "XFSZ", SIGXFSZ }, { "VTALRM", SIGVTALRM },
        { "PROF", SIGPROF },     { "WINCH", SIGWINCH }, { "IO", SIGIO },     { "POLL", SIGPOLL },
        { "PWR", SIGPWR },       { "SYS", SIGSYS },
};

/* "KILL", "SIGkill", "RTMIN+3", "rtmax-1"; not numbers, as util-linux. */
static int signal_from_name(const char *s)
{
        if (strncasecmp(s, "SIG", 3) == 0)
                s += 3;
        if (strncasecmp(s, "RT", 2) == 0) {
                const char *p = s + 2;
                bool from_max;
                if (strncasecmp(p, "MIN+", 4) == 0)
                        from_max = false;
                else if (strncasecmp(p, "MAX-", 4) == 0)
                        from_max = true;
                else
                        return -1;
                p += 4;
                if (*p < '0' || *p > '9')
                        return -1;
                errno = 0;
                long n = strtol(p, NULL, 10);
                if (errno || n < 0 || n > SIGRTMAX - SIGRTMIN)
                        return -1;
                return from_max ? SIGRTMAX - (int) n : SIGRTMIN + (int) n;
        }
        for (size_t i = 0; i < ELEMENTSOF(signal_names); i++)
                if (strcasecmp(s, signal_names[i].name) == 0)
                        return signal_names[i].sig;
        return -1;
}

/* strtoul_or_err() of util-linux 2.38: strtoul(3) as it is, so leading blanks
 * and a sign pass ("-1" is ULONG_MAX), but nothing may follow the number. */
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

static int64_t parse_s64_or_die(const char *s, const char *what)
{
        char *end = NULL;
        errno = 0;
        long long v = *s ? strtoll(s, &end, 10) : 0;
        if (errno == ERANGE)
                die_errno(ERANGE, "%s: '%s'", what, s);
        if (!*s || errno || end == s || *end)
                die("%s: '%s'", what, s);
        return (int64_t) v;
}

/* A uid as a number or a user name. */
static uid_t parse_user_or_die(const char *s)
{
        char *end;
        errno = 0;
        unsigned long v = strtoul(s, &end, 10);
        if (*s && *s != '-' && !*end && !errno && v < UINT32_MAX)
                return (uid_t) v;
        struct passwd *pw = getpwnam(s);
        if (!pw)
                die("failed to parse uid: '%s'", s);
        return pw->pw_uid;
}

static gid_t parse_group_or_die(const char *s)
{
        char *end;
        errno = 0;
        unsigned long v = strtoul(s, &end, 10);
        if (*s && *s != '-' && !*end && !errno && v < UINT32_MAX)
                return (gid_t) v;
        struct group *gr = getgrnam(s);
        if (!gr)
                die("failed to parse gid: '%s'", s);
        return gr->gr_gid;
}

/* -------- steps -------- */

static void write_single_map(NsboxIdMapFile file, uint32_t inner, uint32_t outer)
{
        char path[64];
        nsbox_idmap_path(0, file, path, sizeof(path));
        int fd = nsbox_idmap_open(0, file);
        if (fd < 0)
                die_errno(fd, "cannot open %s", path);
        NsboxIdMapRange range = { .inner = inner, .outer = outer, .count = 1 };
        int r = nsbox_idmap_write_fd(fd, &range, 1);
        if (r < 0)
                die_errno(r, "write failed %s", path);
        close(fd);
}

static void write_setgroups(bool allow)
{
        char path[64];
        nsbox_idmap_path(0, NSBOX_IDMAP_SETGROUPS, path, sizeof(path));
        int fd = nsbox_idmap_open(0, NSBOX_IDMAP_SETGROUPS);
        if (fd == -ENOENT) /* before Linux 3.19 there is nothing to control */
                return;
        if (fd < 0)
                die_errno(fd, "cannot open %s", path);
        int r = nsbox_setgroups_write_fd(fd, allow);
        if (r < 0)
                die_errno(r, "write failed %s", path);
        close(fd);
}

static void set_time_offset(clockid_t clk, int64_t offset)
{
        char buf[64];
        int len = snprintf(buf, sizeof(buf), "%d %" PRId64 " 0", (int) clk, offset);
        int fd = open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                die_errno(errno, "failed to open /proc/self/timens_offsets");
        if (write(fd, buf, (size_t) len) != len)
                die_errno(errno, "failed to write to /proc/self/timens_offsets");
        close(fd);
}

/* The shell to run when no program is given: $SHELL, the user's login shell,
 * /bin/sh (util-linux 2.42's ul_default_shell()). */
static const char *default_shell(void)
{
        const char *s = getenv("SHELL");
        if (s && *s)
                return s;
        struct passwd *pw = getpwuid(getuid());
        if (pw && pw->pw_shell && *pw->pw_shell)
                return pw->pw_shell;
        return "/bin/sh";
}

static _noreturn_ void exec_shell(void)
{
        const char *shell = default_shell();
        _cleanup_free_ char *copy = strdup(shell);
        _cleanup_free_ char *arg0 = NULL;
        if (!copy || asprintf(&arg0, "-%s", basename(copy)) < 0)
                die_errno(ENOMEM, "cannot allocate memory");
        /* A login shell, as util-linux starts it ("-bash"). */
        execl(shell, arg0, (char *) NULL);
        die_exec(shell);
}

/* Waits for the forked child and ends the way it ended. */
static _noreturn_ void wait_and_mirror(pid_t pid)
{
        int status;
        pid_t r;
        do
                r = waitpid(pid, &status, 0);
        while (r < 0 && errno == EINTR);
        if (r < 0)
                die_errno(errno, "waitpid failed");
        if (WIFEXITED(status))
                exit(close_stdout(WEXITSTATUS(status)));
        if (WIFSIGNALED(status)) {
                int sig = WTERMSIG(status);
                sigset_t set;
                /* SIGKILL cannot be reset or blocked; just send it. */
                if (sig != SIGKILL && signal(sig, SIG_DFL) == SIG_ERR)
                        die_errno(errno, "signal handler reset failed");
                if (sigemptyset(&set) != 0 || sigaddset(&set, sig) != 0 ||
                    sigprocmask(SIG_UNBLOCK, &set, NULL) != 0)
                        die_errno(errno, "sigprocmask unblock failed");
                fflush(stdout);
                kill(getpid(), sig);
        }
        die_errno(errno ? errno : ECHILD, "child exit failed");
}

/* -------- helper children synchronised over an eventfd -------- */

/* Forks a child that waits until release_helper(): it runs in the namespaces
 * unshare started in, which is what binding a namespace file or writing a map
 * for a new user namespace needs. Returns the pid in the parent, 0 in the child. */
static pid_t fork_helper(int *ret_efd)
{
        int efd = eventfd(0, EFD_CLOEXEC);
        if (efd < 0)
                die_errno(errno, "eventfd failed");
        fflush(stdout);
        fflush(stderr);
        pid_t pid = fork();
        if (pid < 0)
                die_errno(errno, "fork failed");
        if (pid == 0) {
                uint64_t v;
                ssize_t n;
                do
                        n = read(efd, &v, sizeof(v));
                while (n < 0 && errno == EINTR);
                if (n != sizeof(v))
                        die_errno(n < 0 ? errno : EIO, "failed to read eventfd");
                close(efd);
                return 0;
        }
        *ret_efd = efd;
        return pid;
}

/* Lets the helper go and waits for it; its failure is ours: exit with its status. */
static void release_helper(pid_t pid, int efd, pid_t child)
{
        uint64_t v = 1;
        if (write(efd, &v, sizeof(v)) != sizeof(v))
                die_errno(errno, "failed to write eventfd");
        close(efd);
        int status;
        pid_t r;
        do
                r = waitpid(pid, &status, 0);
        while (r < 0 && errno == EINTR);
        if (r < 0)
                die_errno(errno, "waitpid failed");
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
                return;
        /* Leave nothing behind: the forked program must not outlive the failure. */
        if (child > 0) {
                kill(child, SIGKILL);
                waitpid(child, NULL, 0);
        }
        exit(WIFEXITED(status) ? WEXITSTATUS(status) : EXIT_FAILURE);
}

/* -------- persistent namespaces: --TYPE=FILE -------- */

/* The /proc/PID/ns/ file to bind for each type, in util-linux's order. For pid
 * and time the namespace is the one for children: unshare itself stays out. */
static const struct {
        NsboxNsType type;
        const char *file;
} persist_files[] = {
        { NSBOX_NS_USER, "user" }, { NSBOX_NS_CGROUP, "cgroup" },
        { NSBOX_NS_IPC, "ipc" },   { NSBOX_NS_UTS, "uts" },
        { NSBOX_NS_NET, "net" },   { NSBOX_NS_PID, "pid_for_children" },
        { NSBOX_NS_MNT, "mnt" },   { NSBOX_NS_TIME, "time_for_children" },
};

/* Whether the mount holding PATH has shared propagation: binding a mount
 * namespace there fails with a bare EINVAL (the kernel refuses a namespace that
 * could end up inside itself), which deserves an explanation. */
static bool on_shared_mount(const char *path)
{
        struct statx stx;
        if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_MNT_ID, &stx) < 0 ||
            !(stx.stx_mask & STATX_MNT_ID))
                return false;
        _cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
        if (!f)
                return false;
        _cleanup_free_ char *line = NULL;
        size_t sz = 0;
        while (getline(&line, &sz, f) > 0) {
                char *end;
                unsigned long long id = strtoull(line, &end, 10);
                if (id != stx.stx_mnt_id)
                        continue;
                /* optional fields sit between the options and " - " */
                char *sep = strstr(line, " - ");
                if (sep)
                        *sep = 0;
                return strstr(line, " shared:") != NULL;
        }
        return false;
}

static void bind_ns_files(pid_t pid, const char *const *targets)
{
        for (size_t i = 0; i < ELEMENTSOF(persist_files); i++) {
                const char *target = targets[persist_files[i].type];
                if (!target)
                        continue;
                char src[64];
                snprintf(src, sizeof(src), "/proc/%d/ns/%s", (int) pid, persist_files[i].file);
                int r = mount(src, target, NULL, MS_BIND, NULL), e = errno;
                for (int tries = 0;
                     r < 0 && e == EINVAL && persist_files[i].type == NSBOX_NS_MNT && tries < 200; tries++) {
                        usleep(1000);
                        r = mount(src, target, NULL, MS_BIND, NULL);
                        e = errno;
                }
                if (r == 0)
                        continue;
                if (e == EINVAL && persist_files[i].type == NSBOX_NS_MNT && on_shared_mount(target))
                        die("mount %s on %s failed: %s (%s is on a mount with shared propagation; bind "
                            "the namespace file onto a private mount, e.g. after 'mount --bind DIR DIR; "
                            "mount --make-private DIR')",
                            src, target, strerror(e), target);
                die_errno(e, "mount %s on %s failed", src, target);
        }
}

/* -------- id ranges: --map-users, --map-groups, --map-auto, --map-subids -------- */

/* One line of a map. inner is AUTO_INNER for "auto" (from 0, after the holes). */
#define AUTO_INNER UINT32_MAX

typedef struct MapChain {
        NsboxIdMapRange *r; /* in the order they are written */
        size_t n;
} MapChain;

/* util-linux keeps its chain newest first. */
static void chain_prepend(MapChain *c, NsboxIdMapRange range)
{
        NsboxIdMapRange *n = realloc(c->r, (c->n + 1) * sizeof(*n));
        if (!n)
                die_errno(ENOMEM, "cannot allocate memory");
        memmove(n + 1, n, c->n * sizeof(*n));
        n[0] = range;
        c->r = n;
        c->n++;
}

/* INNER:OUTER:COUNT (2.39 and later) or OUTER,INNER,COUNT (2.38). */
static NsboxIdMapRange parse_map_range_or_die(const char *s)
{
        unsigned a, b, count;
        int end = 0;
        if (sscanf(s, "%u:%u:%u%n", &a, &b, &count, &end) >= 3 && !s[end])
                return (NsboxIdMapRange){ .inner = a, .outer = b, .count = count };
        end = 0;
        if (sscanf(s, "%u,%u,%u%n", &a, &b, &count, &end) >= 3 && !s[end])
                return (NsboxIdMapRange){ .outer = a, .inner = b, .count = count };
        die("invalid mapping '%s'", s);
}

/* The first /etc/subuid (subgid) range of a user: from 0 ("auto") or identity ("subids"). */
static NsboxIdMapRange read_subid_range_or_die(const char *file, uid_t uid, bool identity)
{
        struct passwd *pw = getpwuid(uid);
        if (!pw)
                die("you (user %u) don't exist.", (unsigned) uid);
        _cleanup_free_ char *name = strdup(pw->pw_name);
        if (!name)
                die_errno(ENOMEM, "cannot allocate memory");
        _cleanup_fclose_ FILE *f = fopen(file, "re");
        if (!f)
                die_errno(errno, "could not open '%s'", file);
        _cleanup_free_ char *line = NULL;
        size_t sz = 0;
        while (getline(&line, &sz, f) > 0) {
                char *user = line, *start = strchr(line, ':');
                if (!start)
                        continue;
                *start++ = 0;
                char *count = strchr(start, ':');
                if (!count)
                        continue;
                *count++ = 0;
                count[strcspn(count, "\n")] = 0;
                if (!streq(user, name) && strtoul(user, NULL, 10) != uid)
                        continue;
                NsboxIdMapRange r = {
                        .outer = (uint32_t) parse_ulong_or_die(start, "failed to parse subid map"),
                        .count = (uint32_t) parse_ulong_or_die(count, "failed to parse subid map"),
                };
                r.inner = identity ? r.outer : AUTO_INNER;
                return r;
        }
        die("no line matching user \"%s\" in %s", name, file);
}

/* "all": every range the parent user namespace maps, passed through. */
static void read_kernel_map_or_die(MapChain *c, const char *file)
{
        _cleanup_fclose_ FILE *f = fopen(file, "re");
        if (!f)
                die_errno(errno, "could not open '%s'", file);
        _cleanup_free_ char *line = NULL;
        size_t sz = 0;
        while (getline(&line, &sz, f) > 0) {
                unsigned start, count;
                if (sscanf(line, " %u %*u %u", &start, &count) < 2)
                        continue;
                chain_prepend(c, (NsboxIdMapRange){ .inner = start, .outer = start, .count = count });
        }
}

static void add_map_option_or_die(MapChain *c, const char *arg, const char *subid_file,
                                  const char *kernel_file, uid_t euid)
{
        if (streq(arg, "auto"))
                chain_prepend(c, read_subid_range_or_die(subid_file, euid, false));
        else if (streq(arg, "subids"))
                chain_prepend(c, read_subid_range_or_die(subid_file, euid, true));
        else if (streq(arg, "all"))
                read_kernel_map_or_die(c, kernel_file);
        else
                chain_prepend(c, parse_map_range_or_die(arg));
}

static uint32_t min_u32(uint32_t a, uint32_t b)
{
        return a < b ? a : b;
}

/* Adds the single mapping OUTER->INNER (INNER AUTO_INNER: none) to the ranges
 * without overlaps, as util-linux does: a range that contains either id loses
 * its topmost id, and the ids past the single one shift up by one, so a range
 * may split in three. "auto" ranges start at 0 here. The new chain holds each
 * old range's pieces lowest first, old ranges in reverse, the single one first. */
static void add_single_map(MapChain *c, uint32_t outer, uint32_t inner)
{
        MapChain out = { 0 };
        if (inner == AUTO_INNER)
                outer = UINT32_MAX;
        for (size_t i = 0; i < c->n; i++) {
                NsboxIdMapRange m = c->r[i];
                if (m.inner == AUTO_INNER)
                        m.inner = 0;
                else if (inner != AUTO_INNER && ((outer >= m.outer && outer <= m.outer + m.count) ||
                                                 (inner >= m.inner && inner <= m.inner + m.count)))
                        m.count--;

                uint32_t outer_off = min_u32(outer > m.outer ? outer - m.outer : 0, m.count);
                uint32_t inner_off = min_u32(inner > m.inner ? inner - m.inner : 0, m.count);

                NsboxIdMapRange lo = { .outer = m.outer,
                                       .inner = m.inner,
                                       .count = min_u32(inner_off, outer_off) };
                NsboxIdMapRange mid = { .outer = lo.outer + lo.count, .inner = lo.inner + lo.count };
                mid.outer += mid.outer == outer;
                mid.inner += mid.inner == inner;
                mid.count = outer_off > inner_off ? outer_off - inner_off : inner_off - outer_off;
                NsboxIdMapRange hi = { .outer = mid.outer + mid.count, .inner = mid.inner + mid.count };
                hi.outer += hi.outer == outer;
                hi.inner += hi.inner == inner;
                hi.count = m.count - lo.count - mid.count;

                if (hi.count)
                        chain_prepend(&out, hi);
                if (mid.count)
                        chain_prepend(&out, mid);
                if (lo.count)
                        chain_prepend(&out, lo);
        }
        if (inner != AUTO_INNER)
                chain_prepend(&out, (NsboxIdMapRange){ .inner = inner, .outer = outer, .count = 1 });
        free(c->r);
        *c = out;
}

/* Root writes the maps itself (2.40); anybody else runs the setuid helper
 * newuidmap(1)/newgidmap(1), which checks /etc/subuid and /etc/subgid. */
static _noreturn_ void run_idmapper(const char *tool, pid_t pid, const MapChain *c)
{
        char **argv = calloc(c->n * 3 + 3, sizeof(char *));
        if (!argv)
                die_errno(ENOMEM, "cannot allocate memory");
        size_t i = 0;
        argv[i++] = (char *) tool;
        if (asprintf(&argv[i++], "%d", (int) pid) < 0)
                die_errno(ENOMEM, "cannot allocate memory");
        for (size_t k = 0; k < c->n; k++)
                if (asprintf(&argv[i++], "%u", c->r[k].inner) < 0 ||
                    asprintf(&argv[i++], "%u", c->r[k].outer) < 0 ||
                    asprintf(&argv[i++], "%u", c->r[k].count) < 0)
                        die_errno(ENOMEM, "cannot allocate memory");
        execvp(tool, argv);
        die_exec(tool);
}

static void write_maps_as_root(pid_t pid, NsboxIdMapFile file, const MapChain *c)
{
        char path[64];
        nsbox_idmap_path(pid, file, path, sizeof(path));
        char text[4097];
        int len = nsbox_idmap_format(c->r, c->n, text, sizeof(text));
        if (len == -E2BIG || len > 4096)
                die("%s too large for kernel 4k limit", path);
        if (len < 0)
                die_errno(len, "failed to write %s", path);
        int fd = nsbox_idmap_open(pid, file);
        if (fd < 0)
                die_errno(fd, "failed to open %s", path);
        int r = nsbox_idmap_write_fd(fd, c->r, c->n);
        if (r < 0)
                die_errno(r, "failed to write %s", path);
        close(fd);
}

/* The body of the idmap helper: maps for PPID once it has its user namespace. */
static _noreturn_ void map_ids(pid_t ppid, const MapChain *users, const MapChain *groups)
{
        if (geteuid() == 0) {
                if (users->n)
                        write_maps_as_root(ppid, NSBOX_IDMAP_UID_MAP, users);
                if (groups->n)
                        write_maps_as_root(ppid, NSBOX_IDMAP_GID_MAP, groups);
                exit(EXIT_SUCCESS);
        }
        pid_t pid = 0;
        if (users->n && groups->n) {
                pid = fork();
                if (pid < 0)
                        die_errno(errno, "fork failed");
                if (pid > 0) {
                        int status;
                        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                                ;
                        if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
                                exit(WEXITSTATUS(status));
                }
        }
        if (pid == 0 && users->n)
                run_idmapper("newuidmap", ppid, users);
        if (groups->n)
                run_idmapper("newgidmap", ppid, groups);
        exit(EXIT_SUCCESS);
}

/* -------- --mount-binfmt, --load-interp (util-linux 2.41) -------- */

#define BINFMT_MISC "/proc/sys/fs/binfmt_misc"

/* Registers ":name:type:offset:magic:mask:interpreter:flags" (binfmt_misc in a
 * user namespace: Linux 6.7). */
static void load_interp(const char *dir, const char *interp)
{
        int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                die_errno(errno, "cannot open %s", dir);
        int fd = openat(dfd, "register", O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                die_errno(errno, "cannot open %s/register", dir);
        size_t len = strlen(interp);
        if (write(fd, interp, len) != (ssize_t) len)
                die_errno(errno, "write failed %s/register", dir);
        close(fd);
        close(dfd);
}

/* -------- --forward-signals -------- */

static volatile pid_t forward_to;

static void forward_signal(int sig)
{
        if (forward_to > 0)
                kill(forward_to, sig);
}

/* -------- --whitelist-env -------- */

typedef struct EnvKeep {
        char **names;
        char **values;
        size_t n;
} EnvKeep;

/* Remembers the current values of a comma-separated list of variables. */
static void env_keep_add(EnvKeep *k, const char *list)
{
        _cleanup_free_ char *copy = strdup(list);
        if (!copy)
                die_errno(ENOMEM, "cannot allocate memory");
        char *save = NULL;
        for (char *name = strtok_r(copy, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
                const char *v = getenv(name);
                if (!v)
                        continue;
                char **nn = realloc(k->names, (k->n + 1) * sizeof(char *));
                if (nn)
                        k->names = nn;
                char **nv = realloc(k->values, (k->n + 1) * sizeof(char *));
                if (nv)
                        k->values = nv;
                if (!nn || !nv || !(k->names[k->n] = strdup(name)) || !(k->values[k->n] = strdup(v)))
                        die_errno(ENOMEM, "cannot allocate memory");
                k->n++;
        }
}

static void usage(void)
{
        FILE *out = stdout;
        fputs("\nUsage:\n", out);
        fprintf(out, " %s [options] [<program> [<argument>...]]\n", program_invocation_name_cmd);
        fputs("\nRun a program with some namespaces unshared from the parent.\n", out);
        fputs("\nOptions:\n", out);
        fputs(" -m, --mount[=<file>]      unshare mounts namespace\n", out);
        fputs(" -u, --uts[=<file>]        unshare UTS namespace (hostname etc)\n", out);
        fputs(" -i, --ipc[=<file>]        unshare System V IPC namespace\n", out);
        fputs(" -n, --net[=<file>]        unshare network namespace\n", out);
        fputs(" -p, --pid[=<file>]        unshare pid namespace\n", out);
        fputs(" -U, --user[=<file>]       unshare user namespace\n", out);
        fputs(" -C, --cgroup[=<file>]     unshare cgroup namespace\n", out);
        fputs(" -T, --time[=<file>]       unshare time namespace\n", out);
        fputs("\n", out);
        fputs(" --mount-proc[=<dir>]      mount proc filesystem first (implies --mount)\n", out);
        fputs(" --mount-binfmt[=<dir>]    mount binfmt filesystem first (implies --user and --mount)\n",
              out);
        fputs(" -l, --load-interp <file>  load binfmt definition in the namespace (implies --mount-binfmt)\n",
              out);
        fputs(" --propagation slave|shared|private|unchanged\n"
              "                           modify mount propagation in mount namespace\n",
              out);
        fputs(" -R, --root <dir>          run the command with root directory set to <dir>\n", out);
        fputs(" -w, --wd <dir>            change working directory to <dir>\n", out);
        fputs("\n", out);
        fputs(" -S, --setuid <uid>        set uid in entered namespace\n", out);
        fputs(" -G, --setgid <gid>        set gid in entered namespace\n", out);
        fputs(" --map-user <uid>|<name>   map current user to uid (implies --user)\n", out);
        fputs(" --map-group <gid>|<name>  map current group to gid (implies --user)\n", out);
        fputs(" -r, --map-root-user       map current user to root (implies --user)\n", out);
        fputs(" -c, --map-current-user    map current user to itself (implies --user)\n", out);
        fputs(" --map-auto                map users and groups automatically (implies --user)\n", out);
        fputs(" --map-subids              map the first block of user IDs owned by euid (implies --user)\n",
              out);
        fputs(" --map-users <inneruid>:<outeruid>:<count>\n"
              "                           map count users from outeruid to inneruid (implies --user)\n",
              out);
        fputs(" --map-groups <innergid>:<outergid>:<count>\n"
              "                           map count groups from outergid to innergid (implies --user)\n",
              out);
        fputs(" --owner <uid>:<gid>       set the user namespace owner (implies --user)\n", out);
        fputs("\n", out);
        fputs(" -f, --fork                fork before launching <program>\n", out);
        fputs(" --kill-child[=<signame>]  when dying, kill the forked child (implies --fork)\n"
              "                             defaults to SIGKILL\n",
              out);
        fputs(" --forward-signals         forward SIGTERM and SIGINT to child (implies --fork)\n", out);
        fputs("\n", out);
        fputs(" --setgroups allow|deny    control the setgroups syscall in user namespaces\n", out);
        fputs(" --keep-caps               retain capabilities granted in user namespaces\n", out);
        fputs("\n", out);
        fputs(" --monotonic <offset>      set clock monotonic offset (seconds) in time namespaces\n", out);
        fputs(" --boottime <offset>       set clock boottime offset (seconds) in time namespaces\n", out);
        fputs(" --clear-env               do not inherit environment variables from the calling process\n",
              out);
        fputs(" --whitelist-env <list>    clear environment except for specified variables\n", out);
        fputs("\n", out);
        fputs(" -h, --help                display this help\n", out);
        fputs(" -V, --version             display version\n", out);
        fputs("\nFor more details see unshare(1).\n", out);
}

static NsboxNsType ns_type_of_option(int c)
{
        switch (c) {
        case 'm':
                return NSBOX_NS_MNT;
        case 'u':
                return NSBOX_NS_UTS;
        case 'i':
                return NSBOX_NS_IPC;
        case 'n':
                return NSBOX_NS_NET;
        case 'p':
                return NSBOX_NS_PID;
        case 'U':
                return NSBOX_NS_USER;
        case 'C':
                return NSBOX_NS_CGROUP;
        case 'T':
                return NSBOX_NS_TIME;
        default:
                return _NSBOX_NS_INVALID;
        }
}

enum {
        SETGROUPS_NONE = -1,
        SETGROUPS_DENY = 0,
        SETGROUPS_ALLOW = 1,
};

/* Copies the permitted capabilities into the inheritable and ambient sets, so
 * that they survive exec of a program without file capabilities (--keep-caps;
 * capabilities(7) "Ambient capability set"). */
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

int cmd_unshare(int argc, char **argv)
{
        enum {
                OPT_MOUNTPROC = CHAR_MAX + 1,
                OPT_PROPAGATION,
                OPT_SETGROUPS,
                OPT_KILLCHILD,
                OPT_KEEPCAPS,
                OPT_MONOTONIC,
                OPT_BOOTTIME,
                OPT_MAPUSER,
                OPT_MAPGROUP,
                OPT_MAPUSERS,
                OPT_MAPGROUPS,
                OPT_MAPAUTO,
                OPT_MAPSUBIDS,
                OPT_OWNER,
                OPT_FORWARD_SIGNALS,
                OPT_CLEAR_ENV,
                OPT_WHITELIST_ENV,
                OPT_MOUNTBINFMT,
        };
        static const struct option longopts[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, 'V' },
                { "mount", optional_argument, NULL, 'm' },
                { "uts", optional_argument, NULL, 'u' },
                { "ipc", optional_argument, NULL, 'i' },
                { "net", optional_argument, NULL, 'n' },
                { "pid", optional_argument, NULL, 'p' },
                { "user", optional_argument, NULL, 'U' },
                { "cgroup", optional_argument, NULL, 'C' },
                { "time", optional_argument, NULL, 'T' },
                { "fork", no_argument, NULL, 'f' },
                { "kill-child", optional_argument, NULL, OPT_KILLCHILD },
                { "mount-proc", optional_argument, NULL, OPT_MOUNTPROC },
                { "map-user", required_argument, NULL, OPT_MAPUSER },
                { "map-group", required_argument, NULL, OPT_MAPGROUP },
                { "map-root-user", no_argument, NULL, 'r' },
                { "map-current-user", no_argument, NULL, 'c' },
                { "propagation", required_argument, NULL, OPT_PROPAGATION },
                { "setgroups", required_argument, NULL, OPT_SETGROUPS },
                { "keep-caps", no_argument, NULL, OPT_KEEPCAPS },
                { "setuid", required_argument, NULL, 'S' },
                { "setgid", required_argument, NULL, 'G' },
                { "root", required_argument, NULL, 'R' },
                { "wd", required_argument, NULL, 'w' },
                { "monotonic", required_argument, NULL, OPT_MONOTONIC },
                { "boottime", required_argument, NULL, OPT_BOOTTIME },
                { "map-users", required_argument, NULL, OPT_MAPUSERS },
                { "map-groups", required_argument, NULL, OPT_MAPGROUPS },
                { "map-auto", no_argument, NULL, OPT_MAPAUTO },
                { "map-subids", no_argument, NULL, OPT_MAPSUBIDS },
                { "owner", required_argument, NULL, OPT_OWNER },
                { "forward-signals", no_argument, NULL, OPT_FORWARD_SIGNALS },
                { "clear-env", no_argument, NULL, OPT_CLEAR_ENV },
                { "whitelist-env", required_argument, NULL, OPT_WHITELIST_ENV },
                { "mount-binfmt", optional_argument, NULL, OPT_MOUNTBINFMT },
                { "load-interp", required_argument, NULL, 'l' },
                {},
        };

        unsigned long flags = 0;
        bool forkit = false, keepcaps = false;
        int setgroups_cmd = SETGROUPS_NONE;
        uid_t mapuser = (uid_t) -1, uid = 0;
        gid_t mapgroup = (gid_t) -1, gid = 0;
        bool force_uid = false, force_gid = false;
        int kill_child_sig = 0;
        const char *procmnt = NULL, *newroot = NULL, *newdir = NULL;
        const char *binfmt_mnt = NULL, *newinterp = NULL;
        /* Private is the kernel's default for a new mount namespace's copies, and
         * unshare's since util-linux 2.27: nothing mounted inside leaks out. */
        unsigned long propagation = MS_REC | MS_PRIVATE;
        int64_t monotonic = 0, boottime = 0;
        bool force_monotonic = false, force_boottime = false;
        uid_t real_euid = geteuid();
        gid_t real_egid = getegid();
        const char *persist[_NSBOX_NS_MAX] = { NULL };
        size_t npersist = 0;
        MapChain usermap = { 0 }, groupmap = { 0 };
        uid_t owner_uid = (uid_t) -1;
        gid_t owner_gid = (gid_t) -1;
        bool forward_signals = false, clear_env = false, keep_env = false;
        EnvKeep env_keep = { 0 };
        int c;

        setlocale(LC_ALL, "");
        optind = 0;
        /* "+": stop at the program, whose options are its own. */
        while ((c = getopt_long(argc, argv, "+fhVmuinpCTUrR:w:S:G:cl:", longopts, NULL)) != -1) {
                switch (c) {
                case 'f':
                        forkit = true;
                        break;
                case 'm':
                case 'u':
                case 'i':
                case 'n':
                case 'p':
                case 'U':
                case 'C':
                case 'T': {
                        NsboxNsType t = ns_type_of_option(c);
                        flags |= nsbox_ns_type_clone_flag(t);
                        if (optarg) {
                                if (!persist[t])
                                        npersist++;
                                persist[t] = optarg;
                        }
                        break;
                }
                case OPT_MOUNTPROC:
                        flags |= CLONE_NEWNS;
                        procmnt = optarg ? optarg : "/proc";
                        break;
                case OPT_MOUNTBINFMT:
                        flags |= CLONE_NEWNS | CLONE_NEWUSER;
                        binfmt_mnt = optarg;
                        if (!binfmt_mnt) {
                                if (!procmnt)
                                        procmnt = "/proc";
                                binfmt_mnt = BINFMT_MISC;
                        }
                        break;
                case 'l':
                        flags |= CLONE_NEWNS | CLONE_NEWUSER;
                        if (!binfmt_mnt) {
                                if (!procmnt)
                                        procmnt = "/proc";
                                binfmt_mnt = BINFMT_MISC;
                        }
                        newinterp = optarg;
                        break;
                case OPT_MAPUSER:
                        flags |= CLONE_NEWUSER;
                        mapuser = parse_user_or_die(optarg);
                        break;
                case OPT_MAPGROUP:
                        flags |= CLONE_NEWUSER;
                        mapgroup = parse_group_or_die(optarg);
                        break;
                case 'r':
                        flags |= CLONE_NEWUSER;
                        mapuser = 0;
                        mapgroup = 0;
                        break;
                case 'c':
                        flags |= CLONE_NEWUSER;
                        mapuser = real_euid;
                        mapgroup = real_egid;
                        break;
                case OPT_MAPUSERS:
                        flags |= CLONE_NEWUSER;
                        add_map_option_or_die(&usermap, optarg, "/etc/subuid", "/proc/self/uid_map",
                                              real_euid);
                        break;
                case OPT_MAPGROUPS:
                        flags |= CLONE_NEWUSER;
                        add_map_option_or_die(&groupmap, optarg, "/etc/subgid", "/proc/self/gid_map",
                                              real_euid);
                        break;
                case OPT_MAPAUTO:
                case OPT_MAPSUBIDS:
                        flags |= CLONE_NEWUSER;
                        chain_prepend(&usermap,
                                      read_subid_range_or_die("/etc/subuid", real_euid, c == OPT_MAPSUBIDS));
                        chain_prepend(&groupmap,
                                      read_subid_range_or_die("/etc/subgid", real_euid, c == OPT_MAPSUBIDS));
                        break;
                case OPT_OWNER: {
                        unsigned ou, og;
                        int end = 0;
                        flags |= CLONE_NEWUSER;
                        if (sscanf(optarg, "%u:%u%n", &ou, &og, &end) < 2 || optarg[end])
                                die("failed to parse owner");
                        owner_uid = ou;
                        owner_gid = og;
                        break;
                }
                case OPT_FORWARD_SIGNALS:
                        forkit = true;
                        forward_signals = true;
                        break;
                case OPT_CLEAR_ENV:
                        clear_env = true;
                        break;
                case OPT_WHITELIST_ENV:
                        keep_env = true;
                        env_keep_add(&env_keep, optarg);
                        break;
                case OPT_SETGROUPS:
                        if (streq(optarg, "allow"))
                                setgroups_cmd = SETGROUPS_ALLOW;
                        else if (streq(optarg, "deny"))
                                setgroups_cmd = SETGROUPS_DENY;
                        else
                                die("unsupported --setgroups argument '%s'", optarg);
                        break;
                case OPT_PROPAGATION:
                        if (streq(optarg, "slave"))
                                propagation = MS_REC | MS_SLAVE;
                        else if (streq(optarg, "private"))
                                propagation = MS_REC | MS_PRIVATE;
                        else if (streq(optarg, "shared"))
                                propagation = MS_REC | MS_SHARED;
                        else if (streq(optarg, "unchanged"))
                                propagation = 0;
                        else
                                die("unsupported propagation mode: %s", optarg);
                        break;
                case OPT_KILLCHILD:
                        forkit = true;
                        if (optarg) {
                                kill_child_sig = signal_from_name(optarg);
                                if (kill_child_sig < 0)
                                        die("unknown signal: %s", optarg);
                        } else
                                kill_child_sig = SIGKILL;
                        break;
                case OPT_KEEPCAPS:
                        keepcaps = true;
                        break;
                case 'S':
                        uid = (uid_t) parse_ulong_or_die(optarg, "failed to parse uid");
                        force_uid = true;
                        break;
                case 'G':
                        gid = (gid_t) parse_ulong_or_die(optarg, "failed to parse gid");
                        force_gid = true;
                        break;
                case 'R':
                        newroot = optarg;
                        break;
                case 'w':
                        newdir = optarg;
                        break;
                case OPT_MONOTONIC:
                        monotonic = parse_s64_or_die(optarg, "failed to parse monotonic offset");
                        force_monotonic = true;
                        break;
                case OPT_BOOTTIME:
                        boottime = parse_s64_or_die(optarg, "failed to parse boottime offset");
                        force_boottime = true;
                        break;
                case 'h':
                        usage();
                        return close_stdout(EXIT_SUCCESS);
                case 'V':
                        printf("%s from nsbox %s\n", program_invocation_name_cmd, NSBOX_VERSION);
                        return close_stdout(EXIT_SUCCESS);
                default:
                        errtryhelp();
                }
        }

        if ((force_monotonic || force_boottime) && !(flags & CLONE_NEWTIME))
                die("options --monotonic and --boottime require unsharing of a time namespace (-t)");

        /* A SIGCHLD disposition inherited as SIG_IGN would make waitpid() fail. */
        signal(SIGCHLD, SIG_DFL);

        /* Binding namespace files must happen from the mount namespace (and, for a
         * new user namespace, with the privileges) unshare started with: a helper
         * forked now does it once the namespaces exist. */
        pid_t bind_helper = 0;
        int bind_efd = -EBADF;
        pid_t self = getpid();
        if (npersist && (flags & (CLONE_NEWNS | CLONE_NEWUSER))) {
                bind_helper = fork_helper(&bind_efd);
                if (bind_helper == 0) {
                        bind_ns_files(self, persist);
                        exit(EXIT_SUCCESS);
                }
        }

        /* Ranges of ids are written by a helper outside the new user namespace
         * (newuidmap needs a target pid); a --map-user given with them is punched in. */
        if (usermap.n || (mapuser != (uid_t) -1 && owner_uid != (uid_t) -1)) {
                add_single_map(&usermap, real_euid, mapuser);
                mapuser = (uid_t) -1;
        }
        if (groupmap.n || (mapgroup != (gid_t) -1 && owner_gid != (gid_t) -1)) {
                add_single_map(&groupmap, real_egid, mapgroup);
                mapgroup = (gid_t) -1;
        }
        pid_t map_helper = 0;
        int map_efd = -EBADF;
        if (usermap.n || groupmap.n) {
                map_helper = fork_helper(&map_efd);
                if (map_helper == 0)
                        map_ids(self, &usermap, &groupmap);
        }

        /* --owner: root makes a user namespace that another user owns (2.42). */
        if (owner_gid != (gid_t) -1 && setgroups(0, NULL) != 0)
                die_errno(errno, "setgroups failed");
        if (owner_gid != (gid_t) -1 && setgid(owner_gid) != 0)
                die_errno(errno, "setgid() failed");
        if (owner_uid != (uid_t) -1 && setuid(owner_uid) != 0)
                die_errno(errno, "setuid() failed");

        if (unshare((int) flags) < 0)
                die_errno(errno, "unshare failed");

        if (map_helper > 0)
                release_helper(map_helper, map_efd, 0);

        if (force_boottime)
                set_time_offset(CLOCK_BOOTTIME, boottime);
        if (force_monotonic)
                set_time_offset(CLOCK_MONOTONIC, monotonic);

        pid_t pid = 0;
        int parent_pidfd = -EBADF;
        if (forkit) {
                sigset_t block, old;
                if (forward_signals) {
                        /* --forward-signals (2.42): the parent passes SIGTERM and SIGINT on. */
                        struct sigaction sa = { .sa_handler = forward_signal, .sa_flags = SA_RESTART };
                        sigemptyset(&sa.sa_mask);
                        if (sigaction(SIGTERM, &sa, NULL) < 0)
                                die_errno(errno, "sigaction SIGTERM failed");
                        if (sigaction(SIGINT, &sa, NULL) < 0)
                                die_errno(errno, "sigaction SIGINT failed");
                        if (sigprocmask(SIG_SETMASK, NULL, &old) != 0)
                                die_errno(errno, "sigprocmask failed");
                } else if (sigemptyset(&block) != 0 || sigaddset(&block, SIGINT) != 0 ||
                           sigaddset(&block, SIGTERM) != 0 || sigprocmask(SIG_BLOCK, &block, &old) != 0)
                        /* The parent only waits: SIGINT/SIGTERM from a terminal reach the
                         * child, and the parent must not die first and leave it orphaned
                         * ("impatient parent"). */
                        die_errno(errno, "sigprocmask block failed");
                if (kill_child_sig != 0) {
                        /* Taken before fork, so the child can tell whether the parent
                         * died before its PR_SET_PDEATHSIG took effect. */
                        parent_pidfd = sys_pidfd_open(getpid(), 0);
                        if (parent_pidfd < 0)
                                die_errno(errno, "pidfd_open failed");
                }
                fflush(stdout);
                fflush(stderr);
                pid = fork();
                if (pid < 0)
                        die_errno(errno, "fork failed");
                if (pid == 0) {
                        if (forward_signals) {
                                signal(SIGTERM, SIG_DFL);
                                signal(SIGINT, SIG_DFL);
                        }
                        if (sigprocmask(SIG_SETMASK, &old, NULL) != 0)
                                die_errno(errno, "sigprocmask restore failed");
                        safe_close(bind_efd);
                } else {
                        forward_to = pid;
                        safe_close(parent_pidfd);
                }
        }

        /* The namespace files are bound once the namespaces exist: for pid and time,
         * only after the fork (pid_for_children is empty until a process is in it). */
        if (npersist && (pid > 0 || !forkit)) {
                if (bind_helper > 0)
                        release_helper(bind_helper, bind_efd, pid);
                else
                        bind_ns_files(getpid(), persist);
        }
        if (pid > 0)
                wait_and_mirror(pid);

        /* From here on: the process that becomes the program. */
        if (kill_child_sig != 0) {
                if (prctl(PR_SET_PDEATHSIG, kill_child_sig) < 0)
                        die_errno(errno, "prctl failed");
                if (parent_pidfd >= 0) {
                        struct pollfd p = { .fd = parent_pidfd, .events = POLLIN };
                        int n = poll(&p, 1, 0);
                        if (n < 0)
                                die_errno(errno, "poll parent pidfd failed");
                        /* The parent is already gone: nobody waits for this child. */
                        if (n > 0)
                                exit(EXIT_FAILURE);
                        parent_pidfd = safe_close(parent_pidfd);
                }
        }

        if (mapuser != (uid_t) -1)
                write_single_map(NSBOX_IDMAP_UID_MAP, mapuser, real_euid);
        if (mapgroup != (gid_t) -1) {
                /* Since Linux 3.19 an unprivileged gid_map needs setgroups denied
                 * first, for good: allowing it again is not possible. */
                if (setgroups_cmd == SETGROUPS_ALLOW)
                        die("options --setgroups=allow and --map-group are mutually exclusive");
                write_setgroups(false);
                write_single_map(NSBOX_IDMAP_GID_MAP, mapgroup, real_egid);
        }
        if (setgroups_cmd != SETGROUPS_NONE)
                write_setgroups(setgroups_cmd == SETGROUPS_ALLOW);

        if ((flags & CLONE_NEWNS) && propagation && mount("none", "/", NULL, propagation, NULL) < 0)
                die_errno(errno, "cannot change root filesystem propagation");

        /* An interpreter with the F flag is opened when it is registered: with
         * --root, register it before the chroot, from the old root. */
        bool interp_fixed = newinterp && strchr(strrchr(newinterp, ':') ? strrchr(newinterp, ':') : "", 'F');
        if (newinterp && interp_fixed && newroot) {
                if (mount("binfmt_misc", BINFMT_MISC, "binfmt_misc", MS_NOSUID | MS_NOEXEC | MS_NODEV,
                          NULL) < 0)
                        die_errno(errno, "mount %s failed", BINFMT_MISC);
                load_interp(BINFMT_MISC, newinterp);
        }

        if (newroot) {
                if (chroot(newroot) < 0)
                        die_errno(errno, "cannot change root directory to '%s'", newroot);
                if (!newdir)
                        newdir = "/";
        }
        if (newdir && chdir(newdir) < 0)
                die_errno(errno, "cannot chdir to '%s'", newdir);

        if (procmnt) {
                /* With the default propagation the recursive change of / above already
                 * made the old proc mount private; otherwise do it here, so the new
                 * mount does not propagate out. EINVAL: nothing mounted there. */
                if (!newroot && propagation != (MS_PRIVATE | MS_REC) &&
                    mount("none", procmnt, NULL, MS_PRIVATE | MS_REC, NULL) < 0 && errno != EINVAL)
                        die_errno(errno, "cannot change %s filesystem propagation", procmnt);
                if (mount("proc", procmnt, "proc", MS_NOSUID | MS_NOEXEC | MS_NODEV, NULL) < 0)
                        die_errno(errno, "mount %s failed", procmnt);
        }

        if (binfmt_mnt &&
            mount("binfmt_misc", binfmt_mnt, "binfmt_misc", MS_NOSUID | MS_NOEXEC | MS_NODEV, NULL) < 0)
                die_errno(errno, "mount %s failed", binfmt_mnt);
        if (newinterp && !(interp_fixed && newroot))
                load_interp(binfmt_mnt, newinterp);

        if (force_gid) {
                if (setgroups(0, NULL) < 0)
                        die_errno(errno, "setgroups failed");
                if (setgid(gid) < 0)
                        die_errno(errno, "setgid failed");
        }
        if (force_uid && setuid(uid) < 0)
                die_errno(errno, "setuid failed");

        if (keepcaps && (flags & CLONE_NEWUSER))
                caps_permitted_to_ambient();

        if (clear_env || keep_env) {
                clearenv();
                for (size_t i = 0; i < env_keep.n; i++)
                        if (setenv(env_keep.names[i], env_keep.values[i], 1) < 0)
                                die_errno(errno, "failed to set whitelisted environment variables");
        }

        if (optind < argc) {
                execvp(argv[optind], argv + optind);
                die_exec(argv[optind]);
        }
        exec_shell();
}
