/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * seccomp profiles: the container engines' default, the runtime-spec's
 * linux.seccomp and the engines' profile files, and their compilation to a
 * classic-BPF program with libseccomp.
 *
 * Compiling a profile of ~370 rules takes libseccomp several milliseconds;
 * a container start should not pay that each time. The program is compiled
 * once and kept in the cache directory under the sha256 of the profile, the
 * libseccomp version and the architecture; a start reads ~5 KiB and hands it
 * to seccomp(2). The container's process loads it with no allocation.
 */
#include <jansson.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/capability.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include "basic/fileio.h"
#include "basic/macro.h"
#include "basic/sha256.h"
#include "nsbox/internal.h"

/* Bump when the prologue or the cache file's layout changes. */
#define CACHE_FORMAT "nsbox-seccomp-bpf-3"

static const char *const action_names[_NSBOX_SECCOMP_ACTION_MAX] = {
        [NSBOX_SECCOMP_KILL_THREAD] = "SCMP_ACT_KILL_THREAD",
        [NSBOX_SECCOMP_KILL_PROCESS] = "SCMP_ACT_KILL_PROCESS",
        [NSBOX_SECCOMP_TRAP] = "SCMP_ACT_TRAP",
        [NSBOX_SECCOMP_ERRNO] = "SCMP_ACT_ERRNO",
        [NSBOX_SECCOMP_TRACE] = "SCMP_ACT_TRACE",
        [NSBOX_SECCOMP_ALLOW] = "SCMP_ACT_ALLOW",
        [NSBOX_SECCOMP_LOG] = "SCMP_ACT_LOG",
};

static const char *const op_names[] = {
        [NSBOX_SECCOMP_OP_NE] = "SCMP_CMP_NE",
        [NSBOX_SECCOMP_OP_LT] = "SCMP_CMP_LT",
        [NSBOX_SECCOMP_OP_LE] = "SCMP_CMP_LE",
        [NSBOX_SECCOMP_OP_EQ] = "SCMP_CMP_EQ",
        [NSBOX_SECCOMP_OP_GE] = "SCMP_CMP_GE",
        [NSBOX_SECCOMP_OP_GT] = "SCMP_CMP_GT",
        [NSBOX_SECCOMP_OP_MASKED_EQ] = "SCMP_CMP_MASKED_EQ",
};

/* ---- the profile in memory ---- */

static void rule_done(NsboxSeccompRule *r)
{
        strv_free(r->names);
        free(r->args);
}

void nsbox_seccomp_free(NsboxSeccomp *s)
{
        if (!s)
                return;
        for (size_t i = 0; i < s->n_syscalls; i++)
                rule_done(&s->syscalls[i]);
        free(s->syscalls);
        strv_free(s->architectures);
        strv_free(s->flags);
        free(s);
}

static NsboxSeccompRule *rule_new(NsboxSeccomp *s)
{
        NsboxSeccompRule *n = realloc(s->syscalls, (s->n_syscalls + 1) * sizeof(*n));
        if (!n)
                return NULL;
        s->syscalls = n;
        NsboxSeccompRule *r = &n[s->n_syscalls++];
        *r = (NsboxSeccompRule){ .errno_ret = -1 };
        return r;
}

/* names: a space-separated list */
static int add_rule(NsboxSeccomp *s, const char *names, NsboxSeccompAction action, int errno_ret,
                    const NsboxSeccompArg *args, size_t n_args)
{
        NsboxSeccompRule *r = rule_new(s);
        if (!r)
                return -ENOMEM;
        r->action = action;
        r->errno_ret = errno_ret;
        size_t n = 0;
        for (const char *p = names; *p;) {
                size_t l = strcspn(p, " ");
                char **x = realloc(r->names, (n + 2) * sizeof(char *));
                if (!x)
                        return -ENOMEM;
                r->names = x;
                if (!(x[n] = strndup(p, l)))
                        return -ENOMEM;
                x[++n] = NULL;
                p += l;
                p += strspn(p, " ");
        }
        if (n_args) {
                if (!(r->args = calloc(n_args, sizeof(*args))))
                        return -ENOMEM;
                memcpy(r->args, args, n_args * sizeof(*args));
                r->n_args = n_args;
        }
        return 0;
}

/* ---- the default profile ---- */

/*
 * Allowed for everyone: the container engines' default allow-list
 * (engine-defaults.md §2.4), for the x86 family this machine runs. Names a
 * libseccomp does not know are skipped when compiling, as runc does.
 */
static const char default_allow[] =
        "accept accept4 access adjtimex alarm arch_prctl bind brk cachestat capget capset chdir chmod "
        "chown chown32 clock_adjtime clock_adjtime64 clock_getres clock_getres_time64 clock_gettime "
        "clock_gettime64 clock_nanosleep clock_nanosleep_time64 close close_range connect copy_file_range "
        "creat dup dup2 dup3 epoll_create epoll_create1 epoll_ctl epoll_ctl_old epoll_pwait epoll_pwait2 "
        "epoll_wait epoll_wait_old eventfd eventfd2 execve execveat exit exit_group faccessat faccessat2 "
        "fadvise64 fadvise64_64 fallocate fanotify_mark fchdir fchmod fchmodat fchmodat2 fchown fchown32 "
        "fchownat fcntl fcntl64 fdatasync fgetxattr flistxattr flock fork fremovexattr fsetxattr fstat "
        "fstat64 fstatat64 fstatfs fstatfs64 fsync ftruncate ftruncate64 futex futex_requeue futex_time64 "
        "futex_wait futex_waitv futex_wake futimesat getcpu getcwd getdents getdents64 getegid getegid32 "
        "geteuid geteuid32 getgid getgid32 getgroups getgroups32 getitimer getpeername getpgid getpgrp "
        "getpid getppid getpriority getrandom getresgid getresgid32 getresuid getresuid32 getrlimit "
        "get_robust_list getrusage getsid getsockname getsockopt get_thread_area gettid gettimeofday "
        "getuid getuid32 getxattr inotify_add_watch inotify_init inotify_init1 inotify_rm_watch "
        "io_cancel ioctl io_destroy io_getevents io_pgetevents io_pgetevents_time64 ioprio_get "
        "ioprio_set io_setup io_submit ipc kill landlock_add_rule landlock_create_ruleset "
        "landlock_restrict_self lchown lchown32 lgetxattr link linkat listen listxattr llistxattr _llseek "
        "lremovexattr lseek lsetxattr lstat lstat64 madvise map_shadow_stack membarrier memfd_create "
        "memfd_secret mincore mkdir mkdirat mknod mknodat mlock mlock2 mlockall mmap mmap2 modify_ldt "
        "mprotect mq_getsetattr mq_notify mq_open mq_timedreceive mq_timedreceive_time64 mq_timedsend "
        "mq_timedsend_time64 mq_unlink mremap mseal msgctl msgget msgrcv msgsnd msync munlock munlockall "
        "munmap name_to_handle_at nanosleep newfstatat _newselect open openat openat2 pause pidfd_open "
        "pidfd_send_signal pipe pipe2 pkey_alloc pkey_free pkey_mprotect poll ppoll ppoll_time64 prctl "
        "pread64 preadv preadv2 prlimit64 process_mrelease process_vm_readv process_vm_writev pselect6 "
        "pselect6_time64 ptrace pwrite64 pwritev pwritev2 read readahead readlink readlinkat readv recv "
        "recvfrom recvmmsg recvmmsg_time64 recvmsg remap_file_pages removexattr rename renameat renameat2 "
        "restart_syscall rmdir rseq rt_sigaction rt_sigpending rt_sigprocmask rt_sigqueueinfo "
        "rt_sigreturn rt_sigsuspend rt_sigtimedwait rt_sigtimedwait_time64 rt_tgsigqueueinfo "
        "sched_getaffinity sched_getattr sched_getparam sched_get_priority_max sched_get_priority_min "
        "sched_getscheduler sched_rr_get_interval sched_rr_get_interval_time64 sched_setaffinity "
        "sched_setattr sched_setparam sched_setscheduler sched_yield seccomp select semctl semget semop "
        "semtimedop semtimedop_time64 send sendfile sendfile64 sendmmsg sendmsg sendto setfsgid "
        "setfsgid32 setfsuid setfsuid32 setgid setgid32 setgroups setgroups32 setitimer setpgid "
        "setpriority setregid setregid32 setresgid setresgid32 setresuid setresuid32 setreuid setreuid32 "
        "setrlimit set_robust_list setsid setsockopt set_thread_area set_tid_address setuid setuid32 "
        "setxattr shmat shmctl shmdt shmget shutdown sigaltstack signalfd signalfd4 sigprocmask sigreturn "
        "socketcall socketpair splice stat stat64 statfs statfs64 statx symlink symlinkat sync "
        "sync_file_range syncfs sysinfo tee tgkill time timer_create timer_delete timer_getoverrun "
        "timer_gettime timer_gettime64 timer_settime timer_settime64 timerfd_create timerfd_gettime "
        "timerfd_gettime64 timerfd_settime timerfd_settime64 times tkill truncate truncate64 ugetrlimit "
        "umask uname unlink unlinkat utime utimensat utimensat_time64 utimes vfork vmsplice wait4 waitid "
        "waitpid write writev";

/* Allowed when the container holds the capability. */
static const struct {
        int cap;
        const char *names;
} default_cap_gated[] = {
        { CAP_SYS_ADMIN,
          "bpf clone clone3 fanotify_init fsconfig fsmount fsopen fspick lookup_dcookie lsm_get_self_attr "
          "lsm_set_self_attr lsm_list_modules mount mount_setattr move_mount open_tree perf_event_open "
          "quotactl quotactl_fd setdomainname sethostname setns syslog umount umount2 unshare" },
        { CAP_SYS_BOOT, "reboot" },
        { CAP_SYS_CHROOT, "chroot" },
        { CAP_SYS_MODULE, "delete_module init_module finit_module" },
        { CAP_SYS_PACCT, "acct" },
        { CAP_SYS_PTRACE, "kcmp pidfd_getfd process_madvise" },
        { CAP_SYS_RAWIO, "iopl ioperm" },
        { CAP_SYS_TIME, "settimeofday stime clock_settime clock_settime64" },
        { CAP_SYS_TTY_CONFIG, "vhangup" },
        { CAP_SYS_NICE, "get_mempolicy mbind set_mempolicy set_mempolicy_home_node" },
        { CAP_SYSLOG, "syslog" },
        { CAP_BPF, "bpf" },
        { CAP_PERFMON, "perf_event_open" },
        { CAP_DAC_READ_SEARCH, "open_by_handle_at" },
};

#define HAS_CAP(caps, c) (((caps) >> (c)) & 1)

int nsbox_seccomp_default(uint64_t caps, NsboxSeccomp **ret)
{
        NsboxSeccomp *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->default_action = NSBOX_SECCOMP_ERRNO;
        s->default_errno_ret = EPERM;
        static const char *const arches[] = { "SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32", NULL };
        int r = -ENOMEM;
        if (!(s->architectures = calloc(ELEMENTSOF(arches), sizeof(char *))))
                goto fail;
        for (size_t i = 0; arches[i]; i++)
                if (!(s->architectures[i] = strdup(arches[i])))
                        goto fail;

        if ((r = add_rule(s, default_allow, NSBOX_SECCOMP_ALLOW, -1, NULL, 0)) < 0)
                goto fail;

        /* personality(2): only the personas a program may need to ask for
         * (PER_LINUX, UNAME26, PER_LINUX32, their combination, and the query) */
        static const uint64_t personas[] = { 0x0, 0x0008, 0x20000, 0x20008, 0xffffffff };
        for (size_t i = 0; i < ELEMENTSOF(personas); i++) {
                NsboxSeccompArg a = { .index = 0, .value = personas[i], .op = NSBOX_SECCOMP_OP_EQ };
                if ((r = add_rule(s, "personality", NSBOX_SECCOMP_ALLOW, -1, &a, 1)) < 0)
                        goto fail;
        }

        /* socket(2) for every family but AF_ALG (38) and AF_VSOCK (40). The
         * kernel reads the family as an int; comparing all 64 bits with masks
         * that cover the upper half too keeps "0x1_0000_0028" from passing
         * as something that is not 40 and reaching the kernel as AF_VSOCK. */
        static const struct {
                uint64_t mask, value;
        } families[] = {
                { ~UINT64_C(0x1f), 0 }, /* 0..31 */
                { ~UINT64_C(0x3), 32 }, /* 32..35 */
                { ~UINT64_C(0x1), 36 }, /* 36, 37 */
                { ~UINT64_C(0x0), 39 }, /* 39 */
                { ~UINT64_C(0x0), 41 }, /* 41 */
                { ~UINT64_C(0x1), 42 }, /* 42, 43 */
                { ~UINT64_C(0x3), 44 }, /* 44..47 */
                { ~UINT64_C(0xf), 48 }, /* 48..63 (AF_MAX is 46 in Linux 6.18) */
        };
        for (size_t i = 0; i < ELEMENTSOF(families); i++) {
                NsboxSeccompArg a = { .index = 0,
                                      .value = families[i].mask,
                                      .value_two = families[i].value,
                                      .op = NSBOX_SECCOMP_OP_MASKED_EQ };
                if ((r = add_rule(s, "socket", NSBOX_SECCOMP_ALLOW, -1, &a, 1)) < 0)
                        goto fail;
        }

        if (!HAS_CAP(caps, CAP_SYS_ADMIN)) {
                /* clone(2) without any CLONE_NEW* flag (CLONE_NEWNS 0x20000,
                 * CLONE_NEWCGROUP .. CLONE_NEWNET 0x7E000000) */
                NsboxSeccompArg a = {
                        .index = 0, .value = 0x7E020000, .value_two = 0, .op = NSBOX_SECCOMP_OP_MASKED_EQ
                };
                if ((r = add_rule(s, "clone", NSBOX_SECCOMP_ALLOW, -1, &a, 1)) < 0)
                        goto fail;
                /* clone3 passes its flags in memory, where no filter can look:
                 * ENOSYS makes libc fall back to clone */
                if ((r = add_rule(s, "clone3", NSBOX_SECCOMP_ERRNO, ENOSYS, NULL, 0)) < 0)
                        goto fail;
        }
        for (size_t i = 0; i < ELEMENTSOF(default_cap_gated); i++)
                if (HAS_CAP(caps, default_cap_gated[i].cap) &&
                    (r = add_rule(s, default_cap_gated[i].names, NSBOX_SECCOMP_ALLOW, -1, NULL, 0)) < 0)
                        goto fail;
        *ret = s;
        return 0;
fail:
        nsbox_seccomp_free(s);
        return r;
}

/* ---- JSON ---- */

static int bad(NsboxError **reterr, const char *path, const char *what)
{
        return nsbox_error_set_message(reterr, EINVAL, "seccomp: %s: %s", path, what);
}

static int parse_action(json_t *v, const char *path, NsboxSeccompAction *ret, NsboxError **reterr)
{
        if (!json_is_string(v))
                return bad(reterr, path, "expected an action name such as SCMP_ACT_ERRNO");
        const char *n = json_string_value(v);
        if (streq(n, "SCMP_ACT_KILL")) {
                *ret = NSBOX_SECCOMP_KILL_THREAD;
                return 0;
        }
        if (streq(n, "SCMP_ACT_NOTIFY"))
                return nsbox_error_set_message(reterr, EOPNOTSUPP,
                                               "seccomp: %s: SCMP_ACT_NOTIFY needs a seccomp agent, which "
                                               "nsbox does not have",
                                               path);
        for (int a = 0; a < _NSBOX_SECCOMP_ACTION_MAX; a++)
                if (streq(n, action_names[a])) {
                        *ret = (NsboxSeccompAction) a;
                        return 0;
                }
        return nsbox_error_set_message(reterr, EINVAL, "seccomp: %s: unknown action %s", path, n);
}

static int parse_errno(json_t *v, const char *path, int *ret, NsboxError **reterr)
{
        if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 4095)
                return bad(reterr, path, "expected an errno number from 0 to 4095");
        *ret = (int) json_integer_value(v);
        return 0;
}

static int get_u64(json_t *v, const char *path, uint64_t *ret, NsboxError **reterr)
{
        /* jansson's integers are signed 64-bit; values above INT64_MAX (masks)
         * come out negative and are taken as their two's complement */
        if (!json_is_integer(v))
                return bad(reterr, path, "expected an integer");
        *ret = (uint64_t) json_integer_value(v);
        return 0;
}

static const char *native_goarch(void)
{
#if defined(__x86_64__)
        return "amd64";
#elif defined(__aarch64__)
        return "arm64";
#elif defined(__i386__)
        return "386";
#else
        return "";
#endif
}

static bool kernel_at_least(const char *want)
{
        struct utsname u;
        unsigned a = 0, b = 0, x = 0, y = 0;
        if (uname(&u) < 0 || sscanf(u.release, "%u.%u", &a, &b) < 1 || sscanf(want, "%u.%u", &x, &y) < 1)
                return false;
        return a > x || (a == x && b >= y);
}

static bool str_in_json_array(json_t *arr, const char *s)
{
        size_t i;
        json_t *e;
        json_array_foreach (arr, i, e)
                if (json_is_string(e) && streq(json_string_value(e), s))
                        return true;
        return false;
}

/* moby's "includes"/"excludes": does the rule apply to this container?
 * includes: every listed capability held, the native arch listed, the
 * kernel at least minKernel; excludes: none of the listed capabilities held,
 * the native arch not listed. */
static int rule_applies(json_t *rule, const char *path, uint64_t caps, bool *ret, NsboxError **reterr)
{
        json_t *inc = json_object_get(rule, "includes"), *exc = json_object_get(rule, "excludes");
        *ret = true;
        for (int which = 0; which < 2; which++) {
                json_t *o = which ? exc : inc;
                if (!o)
                        continue;
                if (!json_is_object(o))
                        return bad(reterr, path, "includes and excludes must be objects");
                json_t *c = json_object_get(o, "caps"), *a = json_object_get(o, "arches"),
                       *k = json_object_get(o, "minKernel");
                if ((c && !json_is_array(c)) || (a && !json_is_array(a)) || (k && !json_is_string(k)))
                        return bad(reterr, path, "caps and arches must be arrays, minKernel a string");
                size_t i;
                json_t *e;
                json_array_foreach (c, i, e) {
                        int cap;
                        if (!json_is_string(e) || nsbox_cap_from_name(json_string_value(e), &cap) < 0)
                                return nsbox_error_set_message(
                                        reterr, EINVAL, "seccomp: %s: unknown capability %s", path,
                                        json_is_string(e) ? json_string_value(e) : "");
                        if (!which && !HAS_CAP(caps, cap))
                                *ret = false;
                        if (which && HAS_CAP(caps, cap))
                                *ret = false;
                }
                if (a && json_array_size(a) > 0) {
                        bool listed = str_in_json_array(a, native_goarch());
                        if (listed == (bool) which)
                                *ret = false;
                }
                if (k && !which && !kernel_at_least(json_string_value(k)))
                        *ret = false;
        }
        return 0;
}

static int parse_args(json_t *v, const char *path, NsboxSeccompRule *r, NsboxError **reterr)
{
        if (!json_is_array(v))
                return bad(reterr, path, "args: expected an array");
        size_t n = json_array_size(v);
        if (n == 0)
                return 0;
        if (!(r->args = calloc(n, sizeof(*r->args))))
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                json_t *e = json_array_get(v, i), *op;
                NsboxSeccompArg *a = &r->args[i];
                uint64_t idx = 0;
                int k;
                if (!json_is_object(e))
                        return bad(reterr, path, "args: expected objects with index, value and op");
                if ((k = get_u64(json_object_get(e, "index"), path, &idx, reterr)) < 0)
                        return k;
                if (idx > 5)
                        return bad(reterr, path, "args: index must be 0 to 5");
                a->index = (unsigned) idx;
                if ((k = get_u64(json_object_get(e, "value"), path, &a->value, reterr)) < 0)
                        return k;
                if (json_object_get(e, "valueTwo") &&
                    (k = get_u64(json_object_get(e, "valueTwo"), path, &a->value_two, reterr)) < 0)
                        return k;
                op = json_object_get(e, "op");
                a->op = 0;
                for (size_t o = 1; o < ELEMENTSOF(op_names); o++)
                        if (json_is_string(op) && streq(json_string_value(op), op_names[o]))
                                a->op = (NsboxSeccompOp) o;
                if (!a->op)
                        return nsbox_error_set_message(reterr, EINVAL, "seccomp: %s: args: unknown op %s",
                                                       path,
                                                       json_is_string(op) ? json_string_value(op) : "");
                r->n_args = i + 1;
        }
        return 0;
}

static int strv_append(char ***l, const char *s)
{
        size_t n = 0;
        while (*l && (*l)[n])
                n++;
        char **x = realloc(*l, (n + 2) * sizeof(char *));
        if (!x)
                return -ENOMEM;
        *l = x;
        if (!(x[n] = strdup(s)))
                return -ENOMEM;
        x[n + 1] = NULL;
        return 0;
}

int nsbox_seccomp_parse_object(json_t *o, uint64_t caps, NsboxSeccomp **ret, NsboxError **reterr)
{
        if (!json_is_object(o))
                return bad(reterr, "(top)", "expected an object");
        NsboxSeccomp *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->default_errno_ret = -1;
        int r;
        json_t *v;
        char path[64];

        if ((r = parse_action(json_object_get(o, "defaultAction"), "defaultAction", &s->default_action,
                              reterr)) < 0)
                goto fail;
        if ((v = json_object_get(o, "defaultErrnoRet")) &&
            (r = parse_errno(v, "defaultErrnoRet", &s->default_errno_ret, reterr)) < 0)
                goto fail;

        /* OCI: "architectures"; moby: "archMap", the entry for this machine
         * and its sub-architectures */
        if ((v = json_object_get(o, "architectures"))) {
                size_t i;
                json_t *e;
                if (!json_is_array(v)) {
                        r = bad(reterr, "architectures", "expected an array of strings");
                        goto fail;
                }
                json_array_foreach (v, i, e) {
                        if (!json_is_string(e)) {
                                r = bad(reterr, "architectures", "expected an array of strings");
                                goto fail;
                        }
                        if ((r = strv_append(&s->architectures, json_string_value(e))) < 0)
                                goto fail;
                }
        } else if ((v = json_object_get(o, "archMap"))) {
                size_t i;
                json_t *e;
                char native[64];
                uint32_t arch = seccomp_arch_native();
                snprintf(native, sizeof(native), "%s",
                         arch == SCMP_ARCH_X86_64    ? "SCMP_ARCH_X86_64"
                         : arch == SCMP_ARCH_AARCH64 ? "SCMP_ARCH_AARCH64"
                                                     : "");
                if (!json_is_array(v)) {
                        r = bad(reterr, "archMap", "expected an array");
                        goto fail;
                }
                json_array_foreach (v, i, e) {
                        json_t *a = json_object_get(e, "architecture"),
                               *subs = json_object_get(e, "subArchitectures");
                        if (!json_is_string(a) || !streq(json_string_value(a), native))
                                continue;
                        if ((r = strv_append(&s->architectures, native)) < 0)
                                goto fail;
                        size_t k;
                        json_t *sub;
                        json_array_foreach (subs, k, sub)
                                if (json_is_string(sub) &&
                                    (r = strv_append(&s->architectures, json_string_value(sub))) < 0)
                                        goto fail;
                }
        }
        if ((v = json_object_get(o, "flags"))) {
                size_t i;
                json_t *e;
                if (!json_is_array(v)) {
                        r = bad(reterr, "flags", "expected an array of strings");
                        goto fail;
                }
                json_array_foreach (v, i, e) {
                        const char *f = json_is_string(e) ? json_string_value(e) : "";
                        if (!streq(f, "SECCOMP_FILTER_FLAG_LOG") &&
                            !streq(f, "SECCOMP_FILTER_FLAG_SPEC_ALLOW") &&
                            !streq(f, "SECCOMP_FILTER_FLAG_TSYNC")) {
                                r = nsbox_error_set_message(reterr, EINVAL,
                                                            "seccomp: flags: unknown flag %s", f);
                                goto fail;
                        }
                        if ((r = strv_append(&s->flags, f)) < 0)
                                goto fail;
                }
        }

        if ((v = json_object_get(o, "syscalls"))) {
                size_t i;
                json_t *e;
                if (!json_is_array(v)) {
                        r = bad(reterr, "syscalls", "expected an array");
                        goto fail;
                }
                json_array_foreach (v, i, e) {
                        snprintf(path, sizeof(path), "syscalls[%zu]", i);
                        if (!json_is_object(e)) {
                                r = bad(reterr, path, "expected an object");
                                goto fail;
                        }
                        bool applies;
                        if ((r = rule_applies(e, path, caps, &applies, reterr)) < 0)
                                goto fail;
                        if (!applies)
                                continue;
                        NsboxSeccompRule *rule = rule_new(s);
                        if (!rule) {
                                r = -ENOMEM;
                                goto fail;
                        }
                        json_t *names = json_object_get(e, "names"), *name = json_object_get(e, "name");
                        if (names) {
                                size_t k;
                                json_t *n;
                                if (!json_is_array(names)) {
                                        r = bad(reterr, path, "names: expected an array of strings");
                                        goto fail;
                                }
                                json_array_foreach (names, k, n) {
                                        if (!json_is_string(n)) {
                                                r = bad(reterr, path, "names: expected an array of strings");
                                                goto fail;
                                        }
                                        if ((r = strv_append(&rule->names, json_string_value(n))) < 0)
                                                goto fail;
                                }
                        } else if (json_is_string(name)) {
                                if ((r = strv_append(&rule->names, json_string_value(name))) < 0)
                                        goto fail;
                        } else {
                                r = bad(reterr, path, "expected names");
                                goto fail;
                        }
                        if ((r = parse_action(json_object_get(e, "action"), path, &rule->action, reterr)) <
                            0)
                                goto fail;
                        json_t *er = json_object_get(e, "errnoRet");
                        if (er && (r = parse_errno(er, path, &rule->errno_ret, reterr)) < 0)
                                goto fail;
                        json_t *args = json_object_get(e, "args");
                        if (args && !json_is_null(args) && (r = parse_args(args, path, rule, reterr)) < 0)
                                goto fail;
                }
        }
        *ret = s;
        return 0;
fail:
        nsbox_seccomp_free(s);
        return r;
}

int nsbox_seccomp_from_json(const char *text, uint64_t caps, NsboxSeccomp **ret, NsboxError **reterr)
{
        json_error_t jerr;
        json_t *o = json_loads(text, 0, &jerr);
        if (!o)
                return nsbox_error_set_message(reterr, EINVAL, "seccomp: line %d: %s", jerr.line, jerr.text);
        int r = nsbox_seccomp_parse_object(o, caps, ret, reterr);
        json_decref(o);
        return r;
}

json_t *nsbox_seccomp_to_object(const NsboxSeccomp *s)
{
        json_t *o = json_object();
        json_object_set_new(o, "defaultAction", json_string(action_names[s->default_action]));
        if (s->default_errno_ret >= 0)
                json_object_set_new(o, "defaultErrnoRet", json_integer(s->default_errno_ret));
        json_t *a = json_array();
        for (char **i = s->architectures; i && *i; i++)
                json_array_append_new(a, json_string(*i));
        json_object_set_new(o, "architectures", a);
        if (s->flags) {
                json_t *f = json_array();
                for (char **i = s->flags; *i; i++)
                        json_array_append_new(f, json_string(*i));
                json_object_set_new(o, "flags", f);
        }
        json_t *sc = json_array();
        for (size_t i = 0; i < s->n_syscalls; i++) {
                const NsboxSeccompRule *r = &s->syscalls[i];
                json_t *names = json_array();
                for (char **n = r->names; n && *n; n++)
                        json_array_append_new(names, json_string(*n));
                json_t *e = json_pack("{s:o,s:s}", "names", names, "action", action_names[r->action]);
                if (r->errno_ret >= 0)
                        json_object_set_new(e, "errnoRet", json_integer(r->errno_ret));
                if (r->n_args) {
                        json_t *args = json_array();
                        for (size_t k = 0; k < r->n_args; k++)
                                json_array_append_new(args,
                                                      json_pack("{s:I,s:I,s:I,s:s}", "index",
                                                                (json_int_t) r->args[k].index, "value",
                                                                (json_int_t) r->args[k].value, "valueTwo",
                                                                (json_int_t) r->args[k].value_two, "op",
                                                                op_names[r->args[k].op]));
                        json_object_set_new(e, "args", args);
                }
                json_array_append_new(sc, e);
        }
        json_object_set_new(o, "syscalls", sc);
        return o;
}

int nsbox_seccomp_to_json(const NsboxSeccomp *s, char **ret)
{
        json_t *o = nsbox_seccomp_to_object(s);
        if (!o)
                return -ENOMEM;
        char *t = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        json_decref(o);
        if (!t)
                return -ENOMEM;
        *ret = t;
        return 0;
}

/* ---- compiling ---- */

static uint32_t scmp_action(NsboxSeccompAction a, int errno_ret)
{
        int e = errno_ret >= 0 ? errno_ret : EPERM;
        switch (a) {
        case NSBOX_SECCOMP_KILL_THREAD:
                return SCMP_ACT_KILL_THREAD;
        case NSBOX_SECCOMP_KILL_PROCESS:
                return SCMP_ACT_KILL_PROCESS;
        case NSBOX_SECCOMP_TRAP:
                return SCMP_ACT_TRAP;
        case NSBOX_SECCOMP_ERRNO:
                return SCMP_ACT_ERRNO((uint16_t) e);
        case NSBOX_SECCOMP_TRACE:
                return SCMP_ACT_TRACE((uint16_t) e);
        case NSBOX_SECCOMP_LOG:
                return SCMP_ACT_LOG;
        case NSBOX_SECCOMP_ALLOW:
        default:
                return SCMP_ACT_ALLOW;
        }
}

/* "SCMP_ARCH_X86_64" -> libseccomp's token */
static uint32_t arch_token(const char *name)
{
        const char *n = startswith(name, "SCMP_ARCH_");
        char lower[32];
        size_t i;
        if (!n)
                return 0;
        for (i = 0; n[i] && i < sizeof(lower) - 1; i++)
                lower[i] = (char) (n[i] >= 'A' && n[i] <= 'Z' ? n[i] + 32 : n[i]);
        lower[i] = 0;
        if (streq(lower, "x86"))
                return SCMP_ARCH_X86;
        return seccomp_arch_resolve_name(lower);
}

static void scmp_releasep(scmp_filter_ctx *c)
{
        if (*c)
                seccomp_release(*c);
}

/* The prologue: for AUDIT_ARCH audit (and, for x86_64, the x32 half of it),
 * syscall numbers above max get ENOSYS, so libc's fallbacks work for syscalls
 * newer than the profile (runc does the same). Returns the instruction count
 * written at out (max 16 per arch). */
static size_t prologue_arch(struct sock_filter *out, uint32_t audit, uint32_t max, uint32_t max_x32,
                            size_t enosys_at_from_here)
{
        /* Layout, relative indices:
         *  0 ld arch              (reloaded per block: blocks chain)
         *  1 jeq audit ? 2 : next block
         *  2 ld nr
         *  3 jset 0x40000000 ? 6 : 4          (x32 only for x86_64)
         *  4 jgt max ? ENOSYS : next block
         *  5 ja next block
         *  6 jgt max_x32|X32 ? 7 : next block
         *  7 jge 0x40000200 ? next block : ENOSYS   (x32's own 512.. calls)
         */
        size_t n = 0, len = 8;
#define AT(i) (enosys_at_from_here - (i) -1) /* offset from insn i to the ENOSYS return */
        out[n++] =
                (struct sock_filter) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
        out[n++] = (struct sock_filter) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, audit, 0, (uint8_t) (len - 2));
        out[n++] =
                (struct sock_filter) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
        out[n++] = (struct sock_filter) BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, max_x32 ? 0x40000000 : 0, 2, 0);
        out[n++] = (struct sock_filter) BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, max, (uint8_t) AT(4), 0);
        out[n++] = (struct sock_filter) BPF_STMT(BPF_JMP | BPF_JA, (uint32_t) (len - 6));
        out[n++] = (struct sock_filter) BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, 0x40000000 | max_x32, 0, 1);
        out[n++] = (struct sock_filter) BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000200, 0, (uint8_t) AT(7));
#undef AT
        return n;
}

static int highest_syscall(const NsboxSeccomp *s, uint32_t arch, int *ret)
{
        int max = -1;
        for (size_t i = 0; i < s->n_syscalls; i++)
                for (char **n = s->syscalls[i].names; n && *n; n++) {
                        int nr = seccomp_syscall_resolve_name_arch(arch, *n);
                        if (nr != __NR_SCMP_ERROR && nr >= 0) {
                                if (arch == SCMP_ARCH_X32)
                                        nr &= ~0x40000000;
                                if (nr > max && nr < 0x200)
                                        max = nr;
                        }
                }
        *ret = max;
        return 0;
}

static int compile(const NsboxSeccomp *s, int out_fd, NsboxError **reterr)
{
        _cleanup_(scmp_releasep) scmp_filter_ctx ctx =
                seccomp_init(scmp_action(s->default_action, s->default_errno_ret));
        if (!ctx)
                return nsbox_error_set(reterr, ENOMEM, "seccomp: libseccomp");
        int r;
        /* runtime-spec: the filter must not depend on what the process sets
         * itself; and no_new_privs is the runtime's decision, not libseccomp's */
        (void) seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
        (void) seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
        /* a binary tree of syscalls: lookups in O(log n) instead of a list */
        (void) seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
        for (char **a = s->architectures; a && *a; a++) {
                uint32_t t = arch_token(*a);
                if (!t)
                        return nsbox_error_set_message(reterr, EINVAL, "seccomp: unknown architecture %s",
                                                       *a);
                r = seccomp_arch_add(ctx, t);
                if (r < 0 && r != -EEXIST)
                        return nsbox_error_set(reterr, r, "seccomp: add architecture %s", *a);
        }
        uint32_t def = scmp_action(s->default_action, s->default_errno_ret);
        for (size_t i = 0; i < s->n_syscalls; i++) {
                const NsboxSeccompRule *rule = &s->syscalls[i];
                uint32_t act = scmp_action(rule->action, rule->errno_ret);
                if (act == def)
                        continue; /* libseccomp refuses rules that change nothing */
                struct scmp_arg_cmp cmp[6];
                size_t n = 0;
                bool same_index = false;
                for (size_t k = 0; k < rule->n_args && k < 6; k++) {
                        cmp[n++] = (struct scmp_arg_cmp){ .arg = rule->args[k].index,
                                                          .op = (enum scmp_compare) rule->args[k].op,
                                                          .datum_a = rule->args[k].value,
                                                          .datum_b = rule->args[k].value_two };
                        for (size_t j = 0; j < k; j++)
                                if (rule->args[j].index == rule->args[k].index)
                                        same_index = true;
                }
                for (char **nm = rule->names; nm && *nm; nm++) {
                        int nr = seccomp_syscall_resolve_name(*nm);
                        r = 0;
                        if (nr == __NR_SCMP_ERROR)
                                continue; /* unknown here, as runc does */
                        if (!same_index)
                                r = seccomp_rule_add_array(ctx, act, nr, (unsigned) n, cmp);
                        else
                                /* libseccomp cannot compare one argument twice
                                 * in a rule; like runc, one rule each */
                                for (size_t k = 0; k < n; k++)
                                        if ((r = seccomp_rule_add_array(ctx, act, nr, 1, &cmp[k])) < 0)
                                                break;
                        if (r < 0 && r != -EEXIST)
                                return nsbox_error_set(reterr, r, "seccomp: rule for %s", *nm);
                }
        }

        /* The prologue, then libseccomp's program. */
        struct sock_filter pro[3 * 8 + 1];
        size_t np = 0;
        bool x86_64 = seccomp_arch_exist(ctx, SCMP_ARCH_X86_64) == 0,
             x32 = seccomp_arch_exist(ctx, SCMP_ARCH_X32) == 0,
             x86 = seccomp_arch_exist(ctx, SCMP_ARCH_X86) == 0;
        int max64 = -1, max32 = -1, maxx32 = -1;
        highest_syscall(s, SCMP_ARCH_X86_64, &max64);
        highest_syscall(s, SCMP_ARCH_X86, &max32);
        highest_syscall(s, SCMP_ARCH_X32, &maxx32);
        /* a profile that allows what it does not list needs no ENOSYS for
         * what it does not know (runc leaves it out too) */
        if (s->default_action == NSBOX_SECCOMP_ALLOW || s->default_action == NSBOX_SECCOMP_LOG)
                x86_64 = x86 = false;
        size_t blocks = (x86_64 && max64 >= 0) + (x86 && max32 >= 0);
        size_t enosys = blocks * 8 + 1; /* index of the ENOSYS return, after a jump over it */
        if (x86_64 && max64 >= 0)
                np += prologue_arch(pro + np, AUDIT_ARCH_X86_64, (uint32_t) max64,
                                    x32 && maxx32 >= 0 ? (uint32_t) maxx32 : 0x1ff, enosys - np);
        if (x86 && max32 >= 0)
                np += prologue_arch(pro + np, AUDIT_ARCH_I386, (uint32_t) max32, 0, enosys - np);
        if (np) {
                pro[np++] = (struct sock_filter) BPF_STMT(BPF_JMP | BPF_JA, 1);
                pro[np++] = (struct sock_filter) BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS);
        }
        if (np && loop_write(out_fd, pro, np * sizeof(pro[0])) < 0)
                return nsbox_error_set(reterr, errno, "seccomp: write the program");
        r = seccomp_export_bpf(ctx, out_fd);
        if (r < 0)
                return nsbox_error_set(reterr, r, "seccomp: export the program");
        return 0;
}

static int profile_key(const NsboxSeccomp *s, char hex[65])
{
        json_t *o = nsbox_seccomp_to_object(s);
        _cleanup_free_ char *text = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
        json_decref(o);
        if (!text)
                return -ENOMEM;
        const struct scmp_version *v = seccomp_version();
        char head[128];
        snprintf(head, sizeof(head), "%s\n%u.%u.%u\n%u\n", CACHE_FORMAT, v->major, v->minor, v->micro,
                 seccomp_arch_native());
        /* our own SHA-256: a cache hit must not load libcrypto (6 ms) */
        Sha256 c;
        sha256_init(&c);
        sha256_update(&c, head, strlen(head));
        sha256_update(&c, text, strlen(text));
        sha256_final_hex(&c, hex);
        return 0;
}

/* A cached program is used only if it is ours and nobody else could have
 * written it: a regular file of our uid, not writable by group or others,
 * a whole number of instructions. */
static int read_cached(int dirfd, const char *name, void **ret, size_t *ret_n)
{
        _cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        struct stat st;
        if (fstat(fd, &st) < 0)
                return negative_errno();
        if (!S_ISREG(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 022) || st.st_size <= 0 ||
            st.st_size % (off_t) sizeof(struct sock_filter) ||
            st.st_size > (off_t) (BPF_MAXINSNS * sizeof(struct sock_filter)))
                return -EBADMSG;
        void *buf = malloc((size_t) st.st_size);
        if (!buf)
                return -ENOMEM;
        ssize_t n = pread(fd, buf, (size_t) st.st_size, 0);
        if (n != st.st_size) {
                free(buf);
                return n < 0 ? negative_errno() : -EBADMSG;
        }
        *ret = buf;
        *ret_n = (size_t) st.st_size / sizeof(struct sock_filter);
        return 0;
}

int nsbox_seccomp_compile(const NsboxSeccomp *s, const char *cache_dir, void **ret_insns, size_t *ret_n,
                          bool *ret_cached, NsboxError **reterr)
{
        char key[65], name[80];
        int r = profile_key(s, key);
        if (r < 0)
                return nsbox_error_set(reterr, r, "seccomp: hash the profile");
        snprintf(name, sizeof(name), "%s.bpf", key);

        _cleanup_close_ int dirfd = -EBADF;
        if (cache_dir) {
                _cleanup_free_ char *dir = NULL;
                if (asprintf(&dir, "%s/seccomp", cache_dir) < 0)
                        return -ENOMEM;
                (void) mkdir(cache_dir, 0700);
                (void) mkdir(dir, 0700);
                dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (dirfd >= 0 && read_cached(dirfd, name, ret_insns, ret_n) == 0) {
                        if (ret_cached)
                                *ret_cached = true;
                        return 0;
                }
        }

        /* Compile into an unnamed file; link it into the cache if we may. */
        _cleanup_close_ int fd = -EBADF;
        bool in_cache = false;
        if (dirfd >= 0) {
                fd = openat(dirfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
                in_cache = fd >= 0;
        }
        if (fd < 0)
                fd = memfd_create("nsbox-seccomp", MFD_CLOEXEC);
        if (fd < 0)
                return nsbox_error_set(reterr, errno, "seccomp: temporary file");
        r = compile(s, fd, reterr);
        if (r < 0)
                return r;
        off_t size = lseek(fd, 0, SEEK_CUR);
        if (size <= 0 || size % (off_t) sizeof(struct sock_filter))
                return nsbox_error_set_message(reterr, EINVAL, "seccomp: libseccomp wrote no program");
        if (size > (off_t) (BPF_MAXINSNS * sizeof(struct sock_filter)))
                return nsbox_error_set_message(reterr, EINVAL,
                                               "seccomp: the program has %lld instructions; the kernel "
                                               "takes at most %d",
                                               (long long) (size / 8), BPF_MAXINSNS);
        void *buf = malloc((size_t) size);
        if (!buf)
                return -ENOMEM;
        if (pread(fd, buf, (size_t) size, 0) != size) {
                free(buf);
                return nsbox_error_set(reterr, errno ? errno : EIO, "seccomp: read the program back");
        }
        if (in_cache) {
                /* linkat of an O_TMPFILE: the file appears complete or not at
                 * all; a concurrent start may have linked the same one */
                char p[64];
                snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
                (void) linkat(AT_FDCWD, p, dirfd, name, AT_SYMLINK_FOLLOW);
        }
        *ret_insns = buf;
        *ret_n = (size_t) size / sizeof(struct sock_filter);
        if (ret_cached)
                *ret_cached = false;
        return 0;
}

int nsbox_seccomp_flags(const NsboxSeccomp *s)
{
        int f = 0;
        for (char **i = s->flags; i && *i; i++) {
                if (streq(*i, "SECCOMP_FILTER_FLAG_LOG"))
                        f |= SECCOMP_FILTER_FLAG_LOG;
                else if (streq(*i, "SECCOMP_FILTER_FLAG_SPEC_ALLOW"))
                        f |= SECCOMP_FILTER_FLAG_SPEC_ALLOW;
                else if (streq(*i, "SECCOMP_FILTER_FLAG_TSYNC"))
                        f |= SECCOMP_FILTER_FLAG_TSYNC;
        }
        return f;
}
