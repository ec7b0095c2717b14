/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Library-internal interfaces between modules (not installed). */

#include "nsbox/nsbox.h"

/* What the parent prepares for the child's last steps (harden.c). */
typedef struct NsboxHardening {
        void *seccomp_insns; /* struct sock_filter[], NULL: no filter */
        size_t seccomp_n;
        int seccomp_flags; /* SECCOMP_FILTER_FLAG_* */
} NsboxHardening;

/* Context for the container's setup, filled by the parent before clone. */
typedef struct NsboxSetupContext {
        const NsboxHardening *hardening;
        const NsboxSpec *spec;
        const char *stage_dir; /* an existing directory the child covers with its own tmpfs */
        bool in_userns;        /* the container has its own user namespace: no mknod, bind devices */
        /* the parent has work to do before the child may go on (id maps, its
         * cgroup): the child waits for SYNC_GO */
        bool wait_for_parent;
        /* the cgroup namespace is made after the parent moved the child into
         * its cgroup, so the container sees that cgroup as '/' */
        bool unshare_cgroupns;
        /* the container's cgroup: the child joins its v1 hierarchies itself
         * (nsbox_cgroup_join_self), first thing after clone */
        const NsboxCgroup *cgroup;
        /* called in the child by nsbox_mount_setup_rootfs() when every mount is
         * in place under rootfd, just before pivot_root: devices and the
         * prestart/createRuntime/createContainer hooks (may be NULL) */
        int (*before_pivot)(const struct NsboxSetupContext *ctx, int rootfd, NsboxError **reterr);
        int sync_fd;  /* the child's end of the sync socket */
        int start_fd; /* OCI create: the listening socket start connects to; else -EBADF */
} NsboxSetupContext;

/**
 * nsbox_mount_setup_rootfs - in the container's new mount namespace: make
 * propagation private, assemble the rootfs (bind or overlay) on a tmpfs at
 * ctx->stage_dir, perform spec mounts (destinations resolved inside the rootfs
 * with openat2(RESOLVE_IN_ROOT)), create /dev's default devices, bind the
 * generated files, pivot_root(2) into it and detach the old root, then apply
 * masked and read-only paths. Runs in the child between clone and exec.
 * Returns: 0 or -errno (with reterr set).
 */
int nsbox_mount_setup_rootfs(const NsboxSetupContext *ctx, NsboxError **reterr);

/**
 * nsbox_mount_chdir - after pivot_root: change to the working directory CWD,
 * resolved inside the root with openat2(2) RESOLVE_IN_ROOT and
 * RESOLVE_NO_MAGICLINKS, so no /proc/self/fd/N of an fd inherited from the
 * caller can lead out of the container (runc CVE-2024-21626).
 * Returns: 0 or -errno (ENOENT, ENOTDIR, ELOOP, ...; with reterr set).
 */
int nsbox_mount_chdir(const char *cwd, NsboxError **reterr);

/**
 * nsbox_mount_console - after pivot_root: bind-mount the terminal at pty_fd
 * (the container's pseudo-terminal slave) on /dev/console, creating the
 * mount target inside the root if missing (runtime-spec config-linux.md
 * "/dev/console"). Runs in the child between clone and exec.
 * Returns: 0 or -errno (with reterr set).
 */
int nsbox_mount_console(int pty_fd, NsboxError **reterr);

/**
 * nsbox_caps_apply - set the process's capability sets from spec->process:
 * drop the bounding set to cap_bounding, then permitted, effective and
 * inheritable (capset(2)), then ambient (PR_CAP_AMBIENT). Capabilities the
 * caller does not hold are left out, not treated as an error (this machine's
 * root has no CAP_SYS_RESOURCE). capabilities(7).
 * Returns: 0 or -errno (with reterr set).
 */
int nsbox_caps_apply(const NsboxSpec *spec, NsboxError **reterr);

/**
 * nsbox_net_loopback_up - bring the loopback interface "lo" of the caller's
 * network namespace up (SIOCSIFFLAGS, netdevice(7)).
 * Returns: 0 or -errno (with reterr set).
 */
int nsbox_net_loopback_up(NsboxError **reterr);

/**
 * nsbox_rootfs_from_archive_counted - nsbox_rootfs_from_archive(), also
 * giving the number of the archive's device nodes that could not be made
 * (0 when the entry came from the cache). For userns.c.
 */
int nsbox_rootfs_from_archive_counted(const char *archive, const char *cache_dir, NsboxProgressFn progress,
                                      void *userdata, char **ret_path, unsigned *ret_skipped_devices,
                                      NsboxError **reterr);
/* ---- seccomp (seccomp.c), for spec.c and container.c ---- */
struct json_t;

/**
 * nsbox_seccomp_parse_object - as nsbox_seccomp_from_json(), from a parsed
 * jansson object (config.json's linux.seccomp).
 * Returns: 0, -EINVAL, -EOPNOTSUPP or -ENOMEM (with reterr set).
 */
int nsbox_seccomp_parse_object(struct json_t *o, uint64_t caps, NsboxSeccomp **ret, NsboxError **reterr);

/** nsbox_seccomp_to_object - the runtime-spec linux.seccomp object (a new reference), or NULL. */
struct json_t *nsbox_seccomp_to_object(const NsboxSeccomp *s);

/** nsbox_seccomp_flags - the profile's "flags" as SECCOMP_FILTER_FLAG_* bits for seccomp(2). */
int nsbox_seccomp_flags(const NsboxSeccomp *s);

/* ---- harden.c: limits, preserved fds and seccomp ---- */

/**
 * nsbox_harden_prepare - in the parent, before clone: check the spec's
 * rlimits and oomScoreAdj against what this process may set (a clear
 * message where CAP_SYS_RESOURCE is missing), compile the seccomp profile
 * (nsbox_seccomp_compile(), with the cache). Free with nsbox_harden_done().
 * Returns: 0, -EPERM (a limit this machine cannot grant), or
 * nsbox_seccomp_compile()'s errors (with reterr set).
 */
int nsbox_harden_prepare(const NsboxSpec *spec, NsboxHardening *h, NsboxError **reterr);
void nsbox_harden_done(NsboxHardening *h);

/** nsbox_harden_limits - in the child: setrlimit(2) each process.rlimits entry,
 * write /proc/self/oom_score_adj. Returns: 0 or -errno (with reterr set). */
int nsbox_harden_limits(const NsboxSpec *spec, NsboxError **reterr);

/** nsbox_harden_preserve_fds - in the child, after close_range: fds 3..3+n-1
 * lose O_CLOEXEC. Returns: 0, -EBADF for one that is not open. */
int nsbox_harden_preserve_fds(unsigned n, NsboxError **reterr);

/** nsbox_harden_seccomp_load - in the child: seccomp(2) SECCOMP_SET_MODE_FILTER
 * with the prepared program; needs no_new_privs or CAP_SYS_ADMIN. Allocates
 * nothing. Returns: 0 or -errno (with reterr set). */
int nsbox_harden_seccomp_load(const NsboxHardening *h, NsboxError **reterr);

/**
 * nsbox_cgroup_join_self - move the calling thread, which must be its
 * process's only one, into the cgroup in every v1 hierarchy: "0" to each
 * one's "tasks" file (cgroup-v1.rst). The kernel moves a thread that moves
 * itself without its global threadgroup lock, whose writer waits for an RCU
 * grace period; nsbox_cgroup_attach() writes a pid to cgroup.procs and pays
 * it. Runs in the container's first process right after clone3(2).
 * Returns: 0 or -errno of open(2)/write(2) (with reterr set).
 */
int nsbox_cgroup_join_self(const NsboxCgroup *cg, NsboxError **reterr);

/**
 * nsbox_cgroup_attach_others - nsbox_cgroup_attach() for the hierarchies
 * that nsbox_cgroup_join_self() does not cover (cgroup v2 without
 * CLONE_INTO_CGROUP, simulated trees); nsbox_cgroup_others_need_attach()
 * tells, before the clone, whether there are any.
 * Returns: 0 or -errno of write(2).
 */
int nsbox_cgroup_attach_others(NsboxCgroup *cg, pid_t pid, bool joined_by_clone, NsboxError **reterr);
bool nsbox_cgroup_others_need_attach(const NsboxCgroup *cg, bool joined_by_clone);
/* spec-oci.c: the OCI-only parts of config.json, called by spec.c. */
typedef struct json_t json_t;
/** nsbox_spec_parse_oci - hooks, annotations, linux.devices, sysctl,
 * timeOffsets, personality; checks maskedPaths/readonlyPaths are absolute.
 * Returns: 0, -EINVAL (reterr set), -ENOMEM. */
int nsbox_spec_parse_oci(NsboxSpec *s, json_t *root, NsboxError **reterr);
/** nsbox_spec_oci_to_json - add the same fields to a config.json object. */
void nsbox_spec_oci_to_json(const NsboxSpec *s, json_t *root);
/** nsbox_spec_free_oci - free spec->oci's contents. */
void nsbox_spec_free_oci(NsboxSpec *s);

/**
 * nsbox_mount_create_device - create a linux.devices entry under rootfd
 * (mknod(2); in a user namespace, a bind mount of the same host device).
 * Runs in the child before pivot_root.
 * Returns: 0 or -errno (with reterr set).
 */
int nsbox_mount_create_device(int rootfd, const NsboxDevice *d, bool in_userns, NsboxError **reterr);
