/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <nsbox/common.h>
#include <nsbox/error.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * A seccomp filter in the shape of the OCI runtime-spec's linux.seccomp
 * (config-linux.md "Seccomp"). The container engines' profile files (moby
 * profiles/seccomp/default.json, containers-common seccomp.json) add
 * "archMap" and per-rule "includes"/"excludes"; nsbox_seccomp_from_json()
 * resolves those against the container's capabilities and this machine's
 * architecture and kernel, so what remains is plain OCI.
 */

typedef enum NsboxSeccompAction {
        NSBOX_SECCOMP_KILL_THREAD,  /* SCMP_ACT_KILL, SCMP_ACT_KILL_THREAD */
        NSBOX_SECCOMP_KILL_PROCESS, /* SCMP_ACT_KILL_PROCESS */
        NSBOX_SECCOMP_TRAP,         /* SCMP_ACT_TRAP: SIGSYS */
        NSBOX_SECCOMP_ERRNO,        /* SCMP_ACT_ERRNO: fail with errno_ret (EPERM if unset) */
        NSBOX_SECCOMP_TRACE,        /* SCMP_ACT_TRACE: notify a ptrace tracer with errno_ret */
        NSBOX_SECCOMP_ALLOW,        /* SCMP_ACT_ALLOW */
        NSBOX_SECCOMP_LOG,          /* SCMP_ACT_LOG: allow and log */
        _NSBOX_SECCOMP_ACTION_MAX,
} NsboxSeccompAction;

/* Same values as libseccomp's enum scmp_compare. */
typedef enum NsboxSeccompOp {
        NSBOX_SECCOMP_OP_NE = 1,
        NSBOX_SECCOMP_OP_LT,
        NSBOX_SECCOMP_OP_LE,
        NSBOX_SECCOMP_OP_EQ,
        NSBOX_SECCOMP_OP_GE,
        NSBOX_SECCOMP_OP_GT,
        NSBOX_SECCOMP_OP_MASKED_EQ, /* (arg & value) == value_two */
} NsboxSeccompOp;

typedef struct NsboxSeccompArg {
        unsigned index; /* 0..5 */
        uint64_t value, value_two;
        NsboxSeccompOp op;
} NsboxSeccompArg;

typedef struct NsboxSeccompRule {
        char **names; /* syscall names; ones this machine does not know are skipped */
        NsboxSeccompAction action;
        int errno_ret; /* for ERRNO and TRACE; -1: EPERM (runtime-spec default) */
        NsboxSeccompArg *args;
        size_t n_args; /* all must match (AND), as in the runtime-spec */
} NsboxSeccompRule;

typedef struct NsboxSeccomp {
        NsboxSeccompAction default_action;
        int default_errno_ret; /* -1: EPERM */
        char **architectures;  /* "SCMP_ARCH_X86_64", ...; NULL or empty: the native one */
        char **flags;          /* "SCMP_FLTATR_CTL_LOG" / "SECCOMP_FILTER_FLAG_LOG", ... */
        NsboxSeccompRule *syscalls;
        size_t n_syscalls;
} NsboxSeccomp;

/**
 * nsbox_seccomp_default - the container engines' default profile (moby's
 * profiles/seccomp/default.json, engine-defaults.md §2.4), resolved for a
 * container whose bounding capability set is @caps: EPERM for every syscall
 * not listed; clone3 gets ENOSYS (so libc falls back to clone, which can be
 * filtered) and clone is refused namespace flags, unless CAP_SYS_ADMIN is in
 * @caps; socket is refused AF_VSOCK and AF_ALG; personality takes only the
 * harmless personas; the cap-gated groups (mount, bpf, ptrace, reboot, ...)
 * are allowed when @caps holds their capability.
 * @caps: bit mask, bit N = capability N (capabilities(7))
 * @ret: the new profile; free with nsbox_seccomp_free()
 * Returns: 0 or -ENOMEM.
 */
NSBOX_PUBLIC int nsbox_seccomp_default(uint64_t caps, NsboxSeccomp **ret);

/**
 * nsbox_seccomp_from_json - parse a seccomp profile: the runtime-spec's
 * linux.seccomp object, or a container engine's profile file (moby
 * default.json format: "archMap", "names"/"name", "includes"/"excludes" with
 * "caps", "arches" and "minKernel"), resolved for @caps and this machine.
 * @text: the JSON text
 * @caps: the container's bounding set (bit N = capability N)
 * @ret: the new profile; free with nsbox_seccomp_free()
 * @reterr: what was wrong, with the JSON path (may be NULL)
 * Returns: 0, -EINVAL (malformed JSON, unknown action, operator or
 * architecture, a field of the wrong type), -EOPNOTSUPP (SCMP_ACT_NOTIFY: nsbox
 * has no seccomp agent), -ENOMEM.
 */
NSBOX_PUBLIC int nsbox_seccomp_from_json(const char *text, uint64_t caps, NsboxSeccomp **ret,
                                         NsboxError **reterr);

/**
 * nsbox_seccomp_to_json - serialize as the runtime-spec's linux.seccomp object
 * @ret: malloc'd JSON text
 * Returns: 0 or -ENOMEM.
 */
NSBOX_PUBLIC int nsbox_seccomp_to_json(const NsboxSeccomp *s, char **ret);

/** nsbox_seccomp_free - free a profile; NULL is accepted. */
NSBOX_PUBLIC void nsbox_seccomp_free(NsboxSeccomp *s);

/**
 * nsbox_seccomp_compile - the classic-BPF program for a profile, ready for
 * seccomp(2) SECCOMP_SET_MODE_FILTER. Compiled with libseccomp once and kept
 * in "<cache_dir>/seccomp/<sha256>.bpf", keyed by the profile, libseccomp's
 * version and the native architecture, so later calls only read the file.
 * In front of libseccomp's program nsbox puts a prologue that answers ENOSYS
 * for syscalls numbered above the highest one the profile names (so libc
 * falls back from syscalls newer than the profile, as runc does) and handles
 * syscalls newer than libseccomp itself knows by their number.
 * @s: the profile
 * @cache_dir: the cache directory (nsbox_cache_dir()), or NULL to compile
 *             without a cache; an unwritable cache is not an error
 * @ret_insns: malloc'd array of struct sock_filter (8 bytes each)
 * @ret_n: the number of instructions
 * @ret_cached: set to whether the program came from the cache (may be NULL)
 * @reterr: what was wrong (may be NULL)
 * Returns: 0, -EINVAL (an unknown architecture, a rule libseccomp refuses,
 * a program longer than BPF_MAXINSNS), -ENOMEM, or the -errno of reading the
 * compiled program back.
 */
NSBOX_PUBLIC int nsbox_seccomp_compile(const NsboxSeccomp *s, const char *cache_dir, void **ret_insns,
                                       size_t *ret_n, bool *ret_cached, NsboxError **reterr);

#ifdef __cplusplus
}
#endif
