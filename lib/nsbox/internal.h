/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Library-internal interfaces between modules (not installed). */

#include "nsbox/nsbox.h"

/* Context for the container's setup, filled by the parent before clone. */
typedef struct NsboxSetupContext {
        const NsboxSpec *spec;
        const char *stage_dir; /* an existing directory the child covers with its own tmpfs */
        bool in_userns;        /* the container has its own user namespace: no mknod, bind devices */
        /* the parent has work to do before the child may go on (id maps, its
         * cgroup): the child waits for SYNC_GO */
        bool wait_for_parent;
        /* the cgroup namespace is made after the parent moved the child into
         * its cgroup, so the container sees that cgroup as '/' */
        bool unshare_cgroupns;
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
